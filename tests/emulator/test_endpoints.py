"""The eleven endpoints on the wire: envelopes, status codes, timestamps, errors, auth."""

from __future__ import annotations

import re
import uuid
from typing import Any

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from tests.emulator.conftest import Raw
from tests.payloads import PASSWORD, cluster_properties

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DNS_NAME = re.compile(r"^pg-[a-z0-9]{16}\.postgresql\.de-fra\.ionos\.com$")


def assert_envelope(doc: dict[str, Any], kind: str) -> None:
    assert set(doc) >= {"id", "type", "href", "metadata", "properties"}
    assert doc["type"] == kind
    uuid.UUID(doc["id"])
    assert doc["href"].endswith(doc["id"])


def assert_list(doc: dict[str, Any], offset: int = 0, limit: int = 100) -> None:
    assert doc["type"] == "collection"
    assert doc["offset"] == offset
    assert doc["limit"] == limit
    assert isinstance(doc["items"], list)
    assert "self" in doc["_links"]


def test_post_returns_201_provisioning_without_password(raw: Raw) -> None:
    response = raw.post("/clusters", {"properties": cluster_properties()})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    doc = response.json()
    assert_envelope(doc, "cluster")
    metadata = doc["metadata"]
    assert metadata["state"] == "PROVISIONING"
    assert DNS_NAME.match(metadata["dnsName"])
    for key in ("createdDate", "lastModifiedDate"):
        assert TIMESTAMP.match(metadata[key])
    assert doc["properties"]["credentials"] == {"username": "my_dbuser", "database": "my_database"}
    assert PASSWORD not in response.text


def test_get_list_and_filters(raw: Raw) -> None:
    first = raw.create(cluster_properties(name="alpha-1"))
    raw.create(cluster_properties(name="beta-1"))
    listing = raw.get("/clusters").json()
    assert_list(listing)
    assert [c["properties"]["name"] for c in listing["items"]] == ["alpha-1", "beta-1"]
    assert [c["id"] for c in raw.get("/clusters", **{"filter.name": "pha"}).json()["items"]] == [first["id"]]
    # as the service does: a part of the name, whatever its case
    assert [c["id"] for c in raw.get("/clusters", **{"filter.name": "ALPHA"}).json()["items"]] == [
        first["id"]
    ]
    assert len(raw.get("/clusters", **{"filter.state": "AVAILABLE"}).json()["items"]) == 2
    assert raw.get("/clusters", **{"filter.state": "PROVISIONING"}).json()["items"] == []
    assert raw.get(f"/clusters/{first['id']}").json()["metadata"]["state"] == "AVAILABLE"


def test_list_parameters_are_checked(raw: Raw) -> None:
    assert raw.get("/clusters", limit=0).status_code == 400
    assert raw.get("/clusters", limit=1001).status_code == 400
    assert raw.get("/clusters", offset=-1).status_code == 400
    assert raw.get("/clusters", offset="x").status_code == 400
    assert raw.get("/clusters", **{"filter.name": "a"}).status_code == 400
    response = raw.get("/clusters", **{"filter.state": "available"})
    assert response.status_code == 400
    assert "filter.state" in response.json()["messages"][0]["message"]


def test_links_and_pages(raw: Raw) -> None:
    page = raw.get("/versions", offset=2, limit=2).json()
    assert_list(page, offset=2, limit=2)
    assert [v["properties"]["version"] for v in page["items"]] == ["15", "16"]
    assert page["_links"]["prev"].endswith("offset=0&limit=2")
    assert page["_links"]["next"].endswith("offset=4&limit=2")
    last = raw.get("/versions", offset=4, limit=2).json()
    assert "next" not in last["_links"]


def test_put_returns_200_and_replaces_the_whole_cluster(raw: Raw) -> None:
    created = raw.create(cluster_properties(connectionPooler="SESSION", logsEnabled=True))
    properties = cluster_properties()
    del properties["connectionPooler"], properties["logsEnabled"], properties["description"]
    response = raw.put(f"/clusters/{created['id']}", {"id": created["id"], "properties": properties})
    assert response.status_code == 200
    doc = response.json()
    assert doc["metadata"]["state"] == "UPDATING"
    # ensure = full replacement: what was left out is back to its default, not kept
    assert doc["properties"]["connectionPooler"] == "DISABLED"
    assert doc["properties"]["logsEnabled"] is False
    assert "description" not in doc["properties"]
    assert raw.get(f"/clusters/{created['id']}").json()["metadata"]["state"] == "AVAILABLE"


def test_put_without_credentials_keeps_the_user(raw: Raw) -> None:
    created = raw.create(cluster_properties())
    properties = cluster_properties()
    del properties["credentials"]
    doc = raw.put(f"/clusters/{created['id']}", {"id": created["id"], "properties": properties}).json()
    assert doc["properties"]["credentials"] == {"username": "my_dbuser", "database": "my_database"}


def test_put_on_an_unknown_id_creates_it_with_201(raw: Raw) -> None:
    chosen = str(uuid.uuid4())
    response = raw.put(f"/clusters/{chosen}", {"id": chosen, "properties": cluster_properties()})
    assert response.status_code == 201
    assert response.json()["id"] == chosen


def test_put_create_can_be_switched_off() -> None:
    from ionos_postgres_pulumi.emulator.testing import emulator_thread

    with emulator_thread(put_creates=False) as emu:
        chosen = str(uuid.uuid4())
        response = Raw(emu).put(f"/clusters/{chosen}", {"id": chosen, "properties": cluster_properties()})
        assert response.status_code == 404


def test_delete_returns_202_with_an_empty_body_then_404(raw: Raw, emulator: RunningEmulator) -> None:
    emulator.admin.set_pace(delete="manual")
    created = raw.create(cluster_properties())
    response = raw.delete(f"/clusters/{created['id']}")
    assert response.status_code == 202
    assert response.content == b""
    assert raw.get(f"/clusters/{created['id']}").json()["metadata"]["state"] == "DESTROYING"
    assert raw.delete(f"/clusters/{created['id']}").status_code == 202  # again while DESTROYING: fine
    emulator.admin.advance(created["id"])
    assert raw.get(f"/clusters/{created['id']}").status_code == 404
    assert raw.delete(f"/clusters/{created['id']}").status_code == 404
    assert raw.get("/clusters").json()["items"] == []


def test_unknown_and_malformed_ids(raw: Raw) -> None:
    missing = raw.get(f"/clusters/{uuid.uuid4()}")
    assert missing.status_code == 404
    body = missing.json()
    assert body["httpStatus"] == 404
    assert body["messages"][0]["errorCode"] == "paas-resource-1"
    assert raw.get("/clusters/not-a-uuid").status_code == 400
    assert raw.get(f"/backups/{uuid.uuid4()}").status_code == 404
    assert raw.get(f"/versions/{uuid.uuid4()}").status_code == 404
    assert raw.get(f"/backup-locations/{uuid.uuid4()}").status_code == 404


def test_unknown_paths_and_methods(raw: Raw) -> None:
    assert raw.get("/users").status_code == 404
    assert raw.post("/backups", {}).status_code == 405
    assert raw.session.patch(raw.base + "/clusters", json={}, timeout=5).status_code == 405


def test_backups_versions_and_locations(raw: Raw) -> None:
    created = raw.create(cluster_properties())
    raw.get(f"/clusters/{created['id']}")
    backups = raw.get("/backups", **{"filter.clusterId": created["id"]}).json()
    assert_list(backups)
    (backup,) = backups["items"]
    assert_envelope(backup, "backup")
    properties = backup["properties"]
    assert properties["clusterId"] == created["id"]
    assert properties["isActive"] is True
    assert properties["postgresClusterVersion"] == "16"
    assert properties["location"] == "eu-central-3"
    assert TIMESTAMP.match(properties["earliestRecoveryTargetTime"])
    assert properties["latestRecoveryTargetTime"] is None
    assert raw.get(f"/backups/{backup['id']}").json()["id"] == backup["id"]
    assert raw.get("/backups", **{"filter.clusterId": str(uuid.uuid4())}).json()["items"] == []

    versions = raw.get("/versions").json()["items"]
    assert_envelope(versions[0], "version")
    assert set(versions[0]["properties"]) == {"version", "status", "comment", "canUpgradeTo"}
    assert raw.get(f"/versions/{versions[0]['id']}").status_code == 200
    locations = raw.get("/backup-locations").json()["items"]
    assert_envelope(locations[0], "backupLocation")
    assert (
        raw.get(f"/backup-locations/{locations[0]['id']}").json()["properties"] == locations[0]["properties"]
    )


def test_auth_is_required(emulator: RunningEmulator) -> None:
    for token in ("wrong", ""):
        response = Raw(emulator, token=token or " ").get("/clusters")
        assert response.status_code == 401
        assert response.json() == {
            "httpStatus": 401,
            "messages": [
                {"errorCode": "paas-auth-1", "message": "Unauthorized: a valid Bearer token is required"}
            ],
        }
    import requests

    assert requests.get(emulator.url + "/clusters", timeout=5).status_code == 401
    assert requests.get(emulator.url + "/_emulator/clusters", timeout=5).status_code == 401
    assert requests.get(emulator.url + "/_emulator/health", timeout=5).status_code == 200


def test_any_token_mode() -> None:
    from ionos_postgres_pulumi.emulator.testing import emulator_thread

    with emulator_thread(token="", any_token=True) as emu:
        assert Raw(emu, token="whatever").get("/versions").status_code == 200


def test_non_json_bodies(raw: Raw) -> None:
    response = raw.session.post(
        raw.base + "/clusters", data="name=x", headers={"Content-Type": "text/plain"}, timeout=5
    )
    assert response.status_code == 415
    response = raw.session.post(
        raw.base + "/clusters", data="{not json", headers={"Content-Type": "application/json"}, timeout=5
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["messages"][0]["message"]
    assert raw.post("/clusters", [1, 2]).status_code == 400


def test_the_v2_prefix_and_the_default_region(emulator: RunningEmulator, raw: Raw) -> None:
    raw.create(cluster_properties())
    response = raw.session.get(f"{emulator.url}/de-fra/v2/clusters", timeout=5)
    assert len(response.json()["items"]) == 1
    default = raw.session.get(f"{emulator.url}/clusters", timeout=5).json()
    assert default["items"] == []  # de-txl, the default region, has none
    assert default["href"] == f"{emulator.url}/clusters"


def test_regions_are_kept_apart(emulator: RunningEmulator) -> None:
    frankfurt, logrono = Raw(emulator, "de-fra"), Raw(emulator, "es-vit")
    created = frankfurt.create(cluster_properties())
    assert logrono.get("/clusters").json()["items"] == []
    assert logrono.get(f"/clusters/{created['id']}").status_code == 404
    assert logrono.delete(f"/clusters/{created['id']}").status_code == 404
    assert logrono.get("/backups").json()["items"] == []
    spanish = logrono.create(cluster_properties())
    assert ".postgresql.es-vit.ionos.com" in spanish["metadata"]["dnsName"]
    assert spanish["href"].startswith(f"{emulator.url}/es-vit/clusters/")


def test_rate_limit_answers_429_with_retry_after(emulator: RunningEmulator, raw: Raw) -> None:
    emulator.admin.set_rate_limit(rate=1, burst=2)
    statuses = [raw.get("/versions").status_code for _ in range(4)]
    assert statuses[:2] == [200, 200]
    assert 429 in statuses[2:]
    limited = raw.get("/versions")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["messages"][0]["errorCode"] == "paas-rate-1"


def test_keep_alive_requests_do_not_stall(raw: Raw) -> None:
    """Headers and body used to leave in two TCP writes, and Nagle's algorithm held the second until the
    client's delayed ACK: every keep-alive request took 40 ms. Fifty of them now take a fraction of that."""
    import time

    raw.get("/versions")  # open the connection
    started = time.perf_counter()
    for _ in range(50):
        assert raw.get("/versions").status_code == 200
    assert time.perf_counter() - started < 50 * 0.040 / 2


def test_basic_auth_never_opens_the_admin_api() -> None:
    import requests

    from ionos_postgres_pulumi.emulator.testing import emulator_thread

    with emulator_thread(allow_basic=True) as emu:
        basic = {"Authorization": "Basic dXNlcjpwYXNz"}
        assert requests.get(f"{emu.url}/de-fra/versions", headers=basic, timeout=5).status_code == 200
        assert requests.get(f"{emu.url}/_emulator/clusters", headers=basic, timeout=5).status_code == 401


def test_a_bad_content_length_is_a_400(emulator: RunningEmulator) -> None:
    import socket

    host, port = emulator.url.removeprefix("http://").split(":")
    for declared in ("-5", "lots"):
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            request = (
                f"POST /de-fra/clusters HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {emulator.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
            )
            connection.sendall(request.encode())
            assert connection.recv(200).startswith(b"HTTP/1.1 400")


def test_a_put_that_repairs_a_cluster_which_failed_while_being_made(
    raw: Raw, emulator: RunningEmulator
) -> None:
    emulator.admin.add_fault("fail", transition="create", message="no capacity")
    created = raw.create(cluster_properties())
    assert raw.get(f"/clusters/{created['id']}").json()["metadata"]["state"] == "FAILED"
    assert (
        raw.put(
            f"/clusters/{created['id']}", {"id": created["id"], "properties": cluster_properties()}
        ).status_code
        == 200
    )
    assert raw.get(f"/clusters/{created['id']}").json()["metadata"]["state"] == "AVAILABLE"
    (backup,) = raw.get("/backups", **{"filter.clusterId": created["id"]}).json()["items"]
    assert backup["properties"]["isActive"] is True
