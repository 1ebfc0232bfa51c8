"""The models speak the wire format exactly: the reference's example payloads round-trip unchanged."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from ionos_postgres_pulumi.provider.api import models
from tests.payloads import PASSWORD, cluster_properties

# The example payloads of ionos-pg-v2-api.md §9, as JSON text.
POST_REQUEST = json.dumps({"properties": cluster_properties()})

RESPONSE_201 = json.dumps(
    {
        "id": "e69b22a5-8fee-56b1-b6fb-4a07e4205ead",
        "type": "cluster",
        "href": "https://postgresql.de-txl.ionos.com/clusters/e69b22a5-8fee-56b1-b6fb-4a07e4205ead",
        "metadata": {
            "createdDate": "2026-07-01T10:00:00Z",
            "createdBy": "user@example.com",
            "createdByUserId": "87f9a82e-b28d-49ed-9d04-fba2c0459cd3",
            "lastModifiedDate": "2026-07-01T10:00:00Z",
            "lastModifiedBy": "user@example.com",
            "lastModifiedByUserId": "87f9a82e-b28d-49ed-9d04-fba2c0459cd3",
            "resourceURN": "ionos:dbaas:de-txl:31960002:postgresql/clusters/"
            "e69b22a5-8fee-56b1-b6fb-4a07e4205ead",
            "state": "PROVISIONING",
            "dnsName": "pg-ng6akjkmbb4rn9e5.postgresql.de-txl.ionos.com",
        },
        "properties": {
            **{k: v for k, v in cluster_properties().items() if k != "credentials"},
            "credentials": {"username": "my_dbuser", "database": "my_database"},
        },
    }
)

PUT_IN_PLACE_RESTORE = json.dumps(
    {
        "id": "e69b22a5-8fee-56b1-b6fb-4a07e4205ead",
        "properties": {
            **cluster_properties(),
            "restoreFromBackup": {"recoveryTargetDatetime": "2026-07-01T09:00:00Z"},
        },
    }
)


def test_create_request_round_trips_exactly() -> None:
    parsed = models.ClusterCreate.model_validate_json(POST_REQUEST)
    assert parsed.to_wire() == json.loads(POST_REQUEST)


def test_cluster_response_round_trips_exactly() -> None:
    parsed = models.ClusterRead.model_validate_json(RESPONSE_201)
    assert parsed.to_wire() == json.loads(RESPONSE_201)
    assert parsed.state == "PROVISIONING"
    assert parsed.metadata.dns_name == "pg-ng6akjkmbb4rn9e5.postgresql.de-txl.ionos.com"
    assert parsed.properties.instances is not None
    assert parsed.properties.instances.storage_size == 10


def test_in_place_restore_request_round_trips_exactly() -> None:
    parsed = models.ClusterEnsure.model_validate_json(PUT_IN_PLACE_RESTORE)
    assert parsed.to_wire() == json.loads(PUT_IN_PLACE_RESTORE)


def test_create_from_backup_takes_the_source_backup_form() -> None:
    body = {
        "properties": {
            **cluster_properties(),
            "restoreFromBackup": {
                "sourceBackupId": "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2",
                "recoveryTargetDatetime": "2026-07-01T09:00:00Z",
            },
        }
    }
    assert models.ClusterCreate.model_validate_json(json.dumps(body)).to_wire() == body
    # The in-place form has no source backup, and PUT accepts only that form.
    with pytest.raises(ValidationError):
        models.ClusterEnsure.model_validate({"id": "x", "properties": body["properties"]})


def test_responses_tolerate_unknown_states_and_fields() -> None:
    data = json.loads(RESPONSE_201)
    data["metadata"]["state"] = "HIBERNATING"
    data["properties"]["replicationMode"] = "QUORUM"
    data["properties"]["shinyNewField"] = {"a": 1}
    data["properties"]["instances"]["ram"] = 4096  # outside today's limits: still readable
    parsed = models.ClusterRead.model_validate(data)
    assert parsed.state == "HIBERNATING"
    assert parsed.properties.replication_mode == "QUORUM"
    assert parsed.to_wire()["properties"]["shinyNewField"] == {"a": 1}


def test_requests_are_strict() -> None:
    properties = cluster_properties()
    properties["instances"] = {**properties["instances"], "ram": "4"}
    with pytest.raises(ValidationError):
        models.ClusterCreateProperties.model_validate(properties)
    with pytest.raises(ValidationError, match="extra"):
        models.ClusterCreateProperties.model_validate({**cluster_properties(), "surprise": 1})
    with pytest.raises(ValidationError, match="at least 3 instances"):
        models.ClusterCreateProperties.model_validate(
            cluster_properties(replicationMode="STRICTLY_SYNCHRONOUS")
        )


def test_a_rejected_password_is_not_echoed() -> None:
    weak = "weakpassword"
    with pytest.raises(ValidationError) as caught:
        models.Credentials.model_validate({"username": "app", "password": weak, "database": "app"})
    assert weak not in str(caught.value)
    assert weak not in repr(caught.value)
    assert "uppercase" in str(caught.value)


def test_password_is_hidden_in_reprs_but_sent_on_the_wire() -> None:
    credentials = models.Credentials.model_validate(
        {"username": "app", "password": PASSWORD, "database": "app"}
    )
    assert PASSWORD not in repr(credentials)
    assert PASSWORD not in str(credentials)
    assert credentials.to_wire()["password"] == PASSWORD
