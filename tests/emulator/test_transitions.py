"""The state machine, its pace, backups and restores, persistence across restarts, and faults."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from ionos_postgres_pulumi.emulator.pace import Pace, Paces
from ionos_postgres_pulumi.emulator.testing import (
    RunningEmulator,
    emulator_thread,
    kill_process,
    restart_process,
    start_process,
)
from tests.emulator.conftest import Raw
from tests.payloads import cluster_properties


def state_of(raw: Raw, cluster_id: str) -> str:
    response = raw.get(f"/clusters/{cluster_id}")
    if response.status_code == 404:
        return "gone"
    return str(response.json()["metadata"]["state"])


def test_manual_pace_walks_through_every_state(raw: Raw, emulator: RunningEmulator) -> None:
    emulator.admin.set_pace(create="manual", update="manual", delete="manual")
    created = raw.create(cluster_properties())
    cid = created["id"]
    assert state_of(raw, cid) == "PROVISIONING"
    assert raw.get("/backups").json()["items"] == []
    emulator.admin.advance(cid)
    assert state_of(raw, cid) == "AVAILABLE"
    assert len(raw.get("/backups").json()["items"]) == 1

    assert raw.put(f"/clusters/{cid}", {"id": cid, "properties": cluster_properties()}).status_code == 200
    assert state_of(raw, cid) == "UPDATING"
    emulator.admin.advance(cid)
    assert state_of(raw, cid) == "AVAILABLE"

    raw.delete(f"/clusters/{cid}")
    assert state_of(raw, cid) == "DESTROYING"
    emulator.admin.advance(cid)
    assert state_of(raw, cid) == "gone"
    (backup,) = raw.get("/backups").json()["items"]
    assert backup["properties"]["isActive"] is False
    assert backup["properties"]["latestRecoveryTargetTime"] is not None


def test_timed_pace() -> None:
    with emulator_thread(paces=Paces.parse("create=0.3s")) as emu:
        raw = Raw(emu)
        created = raw.create(cluster_properties())
        assert state_of(raw, created["id"]) == "PROVISIONING"
        deadline = time.monotonic() + 5
        while state_of(raw, created["id"]) != "AVAILABLE":
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_pace_parsing() -> None:
    assert Pace.parse("manual").seconds is None
    assert Pace.parse("immediate").seconds == 0
    assert Pace.parse("2.5s").seconds == 2.5
    paces = Paces.parse("create=10s,delete=manual")
    assert paces.describe() == {
        "create": "10s",
        "update": "immediate",
        "restore": "immediate",
        "delete": "manual",
    }
    with pytest.raises(ValueError, match="pace"):
        Pace.parse("soon")
    with pytest.raises(ValueError, match="unknown transition"):
        Paces.parse("boot=1s")


def test_failed_fault_during_create_and_update(raw: Raw, emulator: RunningEmulator) -> None:
    emulator.admin.add_fault("fail", transition="create", message="out of capacity in de-fra")
    created = raw.create(cluster_properties())
    doc = raw.get(f"/clusters/{created['id']}").json()
    assert doc["metadata"]["state"] == "FAILED"
    assert doc["metadata"]["statusMessage"] == "out of capacity in de-fra"

    healthy = raw.create(cluster_properties(name="healthy"))
    assert state_of(raw, healthy["id"]) == "AVAILABLE"
    emulator.admin.add_fault("fail", transition="update", message="disk resize failed")
    raw.put(
        f"/clusters/{healthy['id']}", {"id": healthy["id"], "properties": cluster_properties(name="healthy")}
    )
    assert raw.get(f"/clusters/{healthy['id']}").json()["metadata"]["statusMessage"] == "disk resize failed"
    # a FAILED cluster accepts a new desired state, which provisions it again
    response = raw.put(
        f"/clusters/{healthy['id']}", {"id": healthy["id"], "properties": cluster_properties(name="healthy")}
    )
    assert response.status_code == 200
    assert state_of(raw, healthy["id"]) == "AVAILABLE"
    assert "statusMessage" not in raw.get(f"/clusters/{healthy['id']}").json()["metadata"]


def test_an_upgrade_that_failed_starts_a_new_backup_when_its_retry_completes(
    raw: Raw, emulator: RunningEmulator
) -> None:
    """The PUT that retries a FAILED upgrade names the version the cluster already shows: it is still the
    upgrade, and the service's new backup of the new version comes when it completes."""
    created = raw.create(cluster_properties(version="15"))
    body = {"id": created["id"], "properties": cluster_properties(version="16")}
    emulator.admin.add_fault("fail", transition="update", message="the upgrade failed")
    assert raw.put(f"/clusters/{created['id']}", body).status_code == 200
    assert state_of(raw, created["id"]) == "FAILED"
    assert raw.put(f"/clusters/{created['id']}", body).status_code == 200
    assert state_of(raw, created["id"]) == "AVAILABLE"
    backups = raw.get("/backups", **{"filter.clusterId": created["id"]}).json()["items"]
    shown = [(b["properties"]["postgresClusterVersion"], b["properties"]["isActive"]) for b in backups]
    assert shown == [("15", False), ("16", True)]


def test_admin_fail_and_out_of_band_delete(raw: Raw, emulator: RunningEmulator) -> None:
    created = raw.create(cluster_properties())
    emulator.admin.fail(created["id"], "hardware fault")
    assert raw.get(f"/clusters/{created['id']}").json()["metadata"]["statusMessage"] == "hardware fault"
    emulator.admin.remove(created["id"])
    assert raw.get(f"/clusters/{created['id']}").status_code == 404


def test_create_from_backup_and_in_place_restore(raw: Raw) -> None:
    source = raw.create(cluster_properties(name="source"))
    raw.get(f"/clusters/{source['id']}")
    (backup,) = raw.get("/backups", **{"filter.clusterId": source["id"]}).json()["items"]
    earliest = backup["properties"]["earliestRecoveryTargetTime"]

    clone = raw.post(
        "/clusters",
        {
            "properties": {
                **cluster_properties(name="clone"),
                "restoreFromBackup": {"sourceBackupId": backup["id"]},
            }
        },
    )
    assert clone.status_code == 201
    assert "restoreFromBackup" not in clone.json()["properties"]  # never echoed
    wrong_version = raw.post(
        "/clusters",
        {
            "properties": {
                **cluster_properties(name="clone2", version="17"),
                "restoreFromBackup": {"sourceBackupId": backup["id"]},
            }
        },
    )
    assert wrong_version.status_code == 422
    assert "version" in wrong_version.json()["messages"][0]["message"]

    restore = {**cluster_properties(name="source"), "restoreFromBackup": {"recoveryTargetDatetime": earliest}}
    response = raw.put(f"/clusters/{source['id']}", {"id": source["id"], "properties": restore})
    assert response.status_code == 200
    assert "restoreFromBackup" not in response.json()["properties"]
    assert state_of(raw, source["id"]) == "AVAILABLE"
    backups = raw.get("/backups", **{"filter.clusterId": source["id"]}).json()["items"]
    assert [b["properties"]["isActive"] for b in backups] == [False, True]


def test_state_survives_a_kill_and_transitions_continue(tmp_path: Path) -> None:
    emulator = start_process(tmp_path / "data", extra_args=["--pace", "create=1s"])
    try:
        raw = Raw(emulator)
        created = raw.create(cluster_properties())
        assert state_of(raw, created["id"]) == "PROVISIONING"
        emulator = restart_process(emulator, kill=True)  # SIGKILL mid-provisioning
        raw = Raw(emulator)
        doc = raw.get(f"/clusters/{created['id']}").json()
        assert doc["metadata"]["dnsName"] == created["metadata"]["dnsName"]
        deadline = time.monotonic() + 10
        while state_of(raw, created["id"]) != "AVAILABLE":
            assert time.monotonic() < deadline, "the transition did not continue after the restart"
            time.sleep(0.1)
        assert len(raw.get("/backups").json()["items"]) == 1
        emulator = restart_process(emulator, kill=False)
        assert [c["id"] for c in Raw(emulator).get("/clusters").json()["items"]] == [created["id"]]
    finally:
        kill_process(emulator)


def _faulty(raw: Raw, emulator: RunningEmulator, **fault: Any) -> None:
    emulator.admin.add_fault(**fault)


def test_request_faults(raw: Raw, emulator: RunningEmulator) -> None:
    emulator.admin.add_fault("status", status=503, times=2, path="^/versions$")
    assert [raw.get("/versions").status_code for _ in range(3)] == [503, 503, 200]

    emulator.admin.add_fault("status", status=429, times=1)
    limited = raw.get("/versions")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"

    emulator.admin.add_fault("delay", seconds=0.4, times=1)
    started = time.monotonic()
    assert raw.get("/versions").status_code == 200
    assert time.monotonic() - started >= 0.4

    emulator.admin.add_fault("drop", times=1)
    with pytest.raises(requests.ConnectionError):
        raw.get("/versions")

    emulator.admin.add_fault("lose_response", method="POST", times=1)
    with pytest.raises(requests.ConnectionError):
        raw.post("/clusters", {"properties": cluster_properties()})
    assert len(raw.get("/clusters").json()["items"]) == 1  # done, though nobody heard

    emulator.admin.add_fault("raw", status=502, body="<html>bad gateway</html>", times=1)
    page = raw.get("/versions")
    assert page.status_code == 502
    assert page.headers["Content-Type"] == "text/html"

    emulator.admin.add_fault("status", status=500, skip=1, times=1, path="^/backup-locations$")
    assert [raw.get("/backup-locations").status_code for _ in range(3)] == [200, 500, 200]


def test_faults_match_method_region_and_path(emulator: RunningEmulator) -> None:
    frankfurt, logrono = Raw(emulator, "de-fra"), Raw(emulator, "es-vit")
    emulator.admin.add_fault(
        "status", status=500, region="es-vit", method="GET", path="^/versions", times=None
    )
    assert frankfurt.get("/versions").status_code == 200
    assert logrono.get("/versions").status_code == 500
    assert logrono.get("/backup-locations").status_code == 200
    (rule,) = emulator.admin.faults()
    assert rule["hits"] == 1
    emulator.admin.clear_faults()
    assert logrono.get("/versions").status_code == 200


def test_bad_fault_definitions_are_refused(emulator: RunningEmulator) -> None:
    for bad in ({"action": "explode"}, {"action": "fail"}, {"action": "status", "colour": "red"}):
        response = requests.post(
            emulator.url + "/_emulator/faults",
            json=bad,
            headers={"Authorization": f"Bearer {emulator.token}"},
            timeout=5,
        )
        assert response.status_code == 400


def test_the_request_log(raw: Raw, emulator: RunningEmulator) -> None:
    raw.get("/versions")
    raw.create(cluster_properties())
    log = emulator.admin.requests()
    assert [(r["method"], r["path"], r["status"], r["region"]) for r in log] == [
        ("GET", "/versions", 200, "de-fra"),
        ("POST", "/clusters", 201, "de-fra"),
    ]
    assert [r["method"] for r in emulator.admin.mutating_requests()] == ["POST"]
    emulator.admin.clear_requests()
    assert emulator.admin.requests() == []


def test_the_emulator_listens_on_loopback_by_default(tmp_path: Path) -> None:
    from ionos_postgres_pulumi.emulator.cli import parse_args

    assert parse_args([]).host == "127.0.0.1"
    emulator = start_process(tmp_path)
    try:
        assert emulator.url.startswith("http://127.0.0.1:")
    finally:
        kill_process(emulator)


def test_the_busy_delete_quirk_refuses_a_delete_while_provisioning_or_updating(
    raw: Raw, emulator: RunningEmulator
) -> None:
    emulator.admin.set_pace(create="manual", update="manual")
    emulator.admin.set_quirks(busy_delete_status=409)
    cid = raw.create(cluster_properties())["id"]
    refused = raw.delete(f"/clusters/{cid}")
    assert refused.status_code == 409
    assert refused.json()["messages"][0]["errorCode"] == "paas-conflict-1"
    assert "PROVISIONING" in refused.json()["messages"][0]["message"]
    assert state_of(raw, cid) == "PROVISIONING"  # not carried out
    emulator.admin.advance(cid)
    raw.put(f"/clusters/{cid}", {"id": cid, "properties": cluster_properties()})
    emulator.admin.set_quirks(busy_delete_status=500)
    assert raw.delete(f"/clusters/{cid}").json()["httpStatus"] == 500
    assert state_of(raw, cid) == "UPDATING"
    emulator.admin.advance(cid)
    assert raw.delete(f"/clusters/{cid}").status_code == 202  # AVAILABLE: carried out
    assert state_of(raw, cid) == "gone"
    emulator.admin.set_quirks()  # every quirk off: a busy cluster's delete is accepted again
    busy = raw.create(cluster_properties(name="busy"))["id"]
    assert raw.delete(f"/clusters/{busy}").status_code == 202
