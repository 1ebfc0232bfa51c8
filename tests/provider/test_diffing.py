"""The diff table: what changes update in place, what replaces, and what is no change at all."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from ionos_postgres_pulumi.provider.rules import diffing
from ionos_postgres_pulumi.provider.rules.inputs import from_engine, normalize
from tests.payloads import cluster_inputs, set_path

SOURCE = "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2"


def outputs_for(inputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs as the provider stores them: the inputs plus what the service adds."""
    outs = normalize(inputs)
    outs.update(dns_name="pg-x.postgresql.de-fra.ionos.com", state="AVAILABLE", status_message="", port=5432)
    outs["connection_uri"] = "postgresql://..."
    return outs


OLDS = outputs_for(cluster_inputs())


def decide(news: dict[str, Any], olds: dict[str, Any] = OLDS) -> diffing.Decision:
    return diffing.decide(olds, normalize(news))


def test_nothing_changed() -> None:
    decision = decide(cluster_inputs())
    assert not decision.changes
    assert decision.changed == []


def test_engine_floats_and_equivalent_spellings_are_no_change() -> None:
    news = cluster_inputs(location="de-fra")
    news["instances"] = {k: float(v) for k, v in news["instances"].items()}
    assert not diffing.decide(OLDS, from_engine(normalize(news))).changes
    assert not decide(cluster_inputs(description="Orders")).changes


def test_server_defaults_are_no_change() -> None:
    """What the user never wrote (pooler, flags, retention) has the service's defaults on both sides."""
    olds = {**OLDS, "connection_pooler": "DISABLED", "logs_enabled": False}
    assert not decide(cluster_inputs(), olds).changes


# (input path, new value, replaces?)
IN_PLACE_AND_REPLACING: list[tuple[str, Any, bool]] = [
    ("name", "orders-db-2", False),
    ("description", "renamed", False),
    ("description", "", False),
    ("version", "17", False),
    ("instances.count", 2, False),
    ("instances.ram", 8, False),
    ("instances.cores", 4, False),
    ("instances.storage_size", 40, False),
    ("connection.lan_id", "3", False),
    ("connection.primary_instance_address", "192.168.2.102/24", False),
    ("maintenance_window.day_of_the_week", "Monday", False),
    ("replication_mode", "STRICTLY_SYNCHRONOUS", False),
    ("credentials.password", "N3w-Passw0rd!", False),
    ("credentials.username", "orders2", False),
    ("connection_pooler", "TRANSACTION", False),
    ("logs_enabled", True, False),
    ("metrics_enabled", True, False),
    ("backup_retention_days", 30, False),
    ("timeouts.create", "2h", False),
    ("location", "es/vit", True),
    ("backup_location", "eu-central-4", True),
    ("restore_from_backup", {"source_backup_id": SOURCE}, True),
]


@pytest.mark.parametrize(("path", "value", "replaces"), IN_PLACE_AND_REPLACING, ids=lambda v: str(v)[:20])
def test_each_input_change(path: str, value: Any, replaces: bool) -> None:
    decision = decide(set_path(cluster_inputs(), path, value))
    top = path.split(".", maxsplit=1)[0]
    assert decision.changes
    assert decision.changed == [top]
    assert decision.replaces == ([top] if replaces else [])


def test_provider_settings_change_without_touching_the_cluster() -> None:
    decision = decide(cluster_inputs(timeouts={"create": "2h"}))
    assert decision.changes
    assert not decision.touches_the_cluster
    assert decide(cluster_inputs(version="17")).touches_the_cluster


def test_adopt_id_is_read_at_create_only() -> None:
    assert not decide(cluster_inputs(adopt_existing_id=SOURCE)).changes


def test_unknown_values_count_as_changes() -> None:
    decision = decide(cluster_inputs(version=Unknown()))
    assert decision.changed == ["version"]
    assert decision.replaces == []
    decision = decide(cluster_inputs(backup_location=Unknown()))
    assert decision.replaces == ["backup_location"]
    news = cluster_inputs()
    news["instances"]["cores"] = Unknown()
    assert decide(news).changed == ["instances"]


def test_a_same_named_replacement_in_the_same_region_deletes_first() -> None:
    assert decide(cluster_inputs(backup_location="de")).delete_before_replace
    renamed = decide(cluster_inputs(backup_location="de", name="orders-db-new"))
    assert renamed.replaces == ["backup_location"]
    assert not renamed.delete_before_replace
    moved = decide(cluster_inputs(location="es/vit"))  # another region: both can exist for a while
    assert moved.replaces == ["location"]
    assert not moved.delete_before_replace


def test_restore_rules() -> None:
    created_from = outputs_for(cluster_inputs(restore_from_backup={"source_backup_id": SOURCE}))
    same = cluster_inputs(restore_from_backup={"source_backup_id": SOURCE})
    assert not decide(same, created_from).changes
    # dropping the block after the restore changes nothing
    assert not decide(cluster_inputs(), created_from).changes
    # the moment of a restore from a backup is read at creation only: changing it later never deletes the
    # cluster to restore the same backup again (every write since would be lost)
    other_time = cluster_inputs(
        restore_from_backup={"source_backup_id": SOURCE, "recovery_target_datetime": "2026-07-01T00:00:00Z"}
    )
    assert not decide(other_time, created_from).changes
    other_source = cluster_inputs(restore_from_backup={"source_backup_id": "0" * 8 + SOURCE[8:]})
    assert decide(other_source, created_from).replaces == ["restore_from_backup"]
    # a point in time alone is a one-off in-place restore, when it changes
    in_place = cluster_inputs(restore_from_backup={"recovery_target_datetime": "2026-07-01T00:00:00Z"})
    decision = decide(in_place)
    assert decision.in_place_restore
    assert decision.replaces == []
    assert not decide(in_place, outputs_for(in_place)).changes


def test_a_failed_cluster_is_repaired_by_the_next_update() -> None:
    decision = decide(cluster_inputs(), {**OLDS, "state": "FAILED"})
    assert decision.changes
    assert decision.repair
    assert decision.touches_the_cluster


def said(news: dict[str, Any], olds: dict[str, Any] = OLDS) -> list[str]:
    """The preview's warnings for a change from `olds` to `news`."""
    inputs = normalize(news)
    return diffing.disruptions(olds, inputs, diffing.decide(olds, inputs))


def test_a_new_database_says_where_the_data_stays_and_what_the_uri_names() -> None:
    (warning,) = said(set_path(cluster_inputs(), "credentials.database", "payments"))
    assert warning.startswith(
        "credentials.database goes from 'orders' to 'payments': the service makes 'payments' if it is "
        "missing (a new database is EMPTY); the data of 'orders' stays there"
    )
    assert "connection_uri will name 'payments'" in warning


def test_a_new_password_says_who_stops_getting_in_and_never_shows_a_password() -> None:
    new_password = "N3w-Passw0rd!"
    (warning,) = said(set_path(cluster_inputs(), "credentials.password", new_password))
    assert warning.startswith("credentials.password changes: user 'orders' gets the new password")
    assert "clients still using the old one" in warning and "stop getting in" in warning
    assert new_password not in warning and OLDS["credentials"]["password"] not in warning


def test_a_new_username_says_the_old_user_stays() -> None:
    (warning,) = said(set_path(cluster_inputs(), "credentials.username", "payments"))
    assert warning.startswith("credentials.username goes from 'orders' to 'payments'")
    assert "connection_uri will name the new user" in warning


def test_credentials_not_known_yet_are_said_when_they_are() -> None:
    news = cluster_inputs()
    news["credentials"] = {"username": "orders", "database": Unknown(), "password": Unknown()}
    assert said(news) == []


def test_a_replacement_names_the_id_and_host_name_that_change() -> None:
    olds = {**OLDS, "cluster_id": "3f1c0b0e-0000-4000-8000-000000000001"}
    (warning,) = said(cluster_inputs(backup_location="de"), olds)
    assert warning == (
        "cluster_id and dns_name change: the cluster is replaced, and the new one gets a new id and a new "
        "host name (now 3f1c0b0e-0000-4000-8000-000000000001 and pg-x.postgresql.de-fra.ionos.com); "
        "whatever reads them (connection_uri, other stacks through a StackReference, DNS records, "
        "application settings) must follow once `pulumi up` is done"
    )


def test_an_ordinary_change_says_nothing() -> None:
    assert said(cluster_inputs(description="renamed", instances={"count": 2, "ram": 8, "cores": 2})) == []


def test_the_detailed_diff_names_the_fields_inside_an_object() -> None:
    """A new password shows as `~ password`, not as the whole credentials removed and added back."""
    news = set_path(cluster_inputs(version="17"), "credentials.password", "N3w-Passw0rd!")
    assert decide(news).detailed() == {"credentials.password": "update", "version": "update"}
    assert decide(cluster_inputs(backup_location="de")).detailed() == {"backup_location": "update-replace"}
    unknown = cluster_inputs()
    unknown["instances"]["cores"] = Unknown()
    assert decide(unknown).detailed() == {"instances": "update"}
