"""A cluster that is FAILED for a while and recovers (a fault's or the admin API's `recoverAfter`), as
IONOS clusters were seen to do: the transition it interrupted goes on as if nothing had happened."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ionos_postgres_pulumi.emulator.testing import (
    RunningEmulator,
    emulator_thread,
    kill_process,
    restart_process,
    start_process,
)
from tests.emulator.conftest import Raw
from tests.payloads import cluster_properties

START = 1_900_000_000.0


class ManualClock:
    """The service's clock, moved by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[RunningEmulator]:
    with emulator_thread(clock=clock) as running:
        yield running


def metadata(raw: Raw, cluster_id: str) -> dict[str, str]:
    document: dict[str, str] = raw.get(f"/clusters/{cluster_id}").json()["metadata"]
    return document


def test_a_create_that_fails_for_a_while_then_completes(emu: RunningEmulator, clock: ManualClock) -> None:
    raw = Raw(emu)
    emu.admin.add_fault("fail", transition="create", message="node lost; recovering", recoverAfter=30)
    cluster_id = raw.create(cluster_properties())["id"]
    failed = metadata(raw, cluster_id)
    assert (failed["state"], failed["statusMessage"]) == ("FAILED", "node lost; recovering")
    clock.advance(29.5)
    assert metadata(raw, cluster_id)["state"] == "FAILED"
    assert raw.get("/backups").json()["items"] == []
    clock.advance(0.5)
    recovered = metadata(raw, cluster_id)
    assert recovered["state"] == "AVAILABLE"
    assert "statusMessage" not in recovered
    (backup,) = raw.get("/backups").json()["items"]
    assert backup["properties"]["earliestRecoveryTargetTime"] == "2030-03-17T17:47:10Z"  # START + 30 s
    assert emu.admin.faults()[0]["recoverAfter"] == 30


def test_without_recover_after_the_cluster_stays_failed(emu: RunningEmulator, clock: ManualClock) -> None:
    raw = Raw(emu)
    emu.admin.add_fault("fail", transition="create", message="out of capacity")
    cluster_id = raw.create(cluster_properties())["id"]
    clock.advance(3600)
    assert metadata(raw, cluster_id)["state"] == "FAILED"
    assert emu.admin.clusters()[0]["pending"] is None


def test_an_update_fails_for_a_while_under_the_manual_pace(emu: RunningEmulator, clock: ManualClock) -> None:
    raw = Raw(emu)
    cluster_id = raw.create(cluster_properties())["id"]
    assert metadata(raw, cluster_id)["state"] == "AVAILABLE"
    emu.admin.set_pace(update="manual")
    emu.admin.add_fault("fail", transition="update", message="resize stalled", recoverAfter=5)
    raw.put(f"/clusters/{cluster_id}", {"id": cluster_id, "properties": cluster_properties(description="v2")})
    assert metadata(raw, cluster_id)["state"] == "UPDATING"
    assert emu.admin.advance(cluster_id)["state"] == "FAILED"
    view = emu.admin.clusters()[0]
    assert (view["pending"], view["failedUntil"]) == ("update", START + 5)
    clock.advance(5)
    assert metadata(raw, cluster_id)["state"] == "AVAILABLE"  # no second advance: the fault's time only
    assert raw.get(f"/clusters/{cluster_id}").json()["properties"]["description"] == "v2"


def test_admin_fail_for_a_while_resumes_what_the_cluster_was_doing(
    emu: RunningEmulator, clock: ManualClock
) -> None:
    raw = Raw(emu)
    emu.admin.set_pace(create="manual")
    provisioning = raw.create(cluster_properties(name="provisioning"))["id"]
    emu.admin.fail(provisioning, "host rebooted", recover_after=10)
    assert metadata(raw, provisioning)["statusMessage"] == "host rebooted"
    clock.advance(10)
    assert metadata(raw, provisioning)["state"] == "PROVISIONING"  # the manual pace still holds it
    assert emu.admin.advance(provisioning)["state"] == "AVAILABLE"
    emu.admin.fail(provisioning, "network partition", recover_after=5)
    assert metadata(raw, provisioning)["state"] == "FAILED"
    assert emu.admin.advance(provisioning)["state"] == "AVAILABLE"  # advance ends it early
    assert len(raw.get("/backups").json()["items"]) == 1


def test_a_put_ends_a_passing_failure(emu: RunningEmulator, clock: ManualClock) -> None:
    raw = Raw(emu)
    cluster_id = raw.create(cluster_properties())["id"]
    emu.admin.fail(cluster_id, "flapping", recover_after=600)
    answer = raw.put(f"/clusters/{cluster_id}", {"id": cluster_id, "properties": cluster_properties()})
    assert answer.status_code == 200
    assert metadata(raw, cluster_id)["state"] == "AVAILABLE"
    assert emu.admin.clusters()[0]["failedUntil"] is None


def test_a_cluster_failed_for_good_has_nothing_to_recover_to(emu: RunningEmulator) -> None:
    raw = Raw(emu)
    cluster_id = raw.create(cluster_properties())["id"]
    emu.admin.fail(cluster_id, "gone bad")
    answer = emu.admin._session.post(
        f"{emu.url}/_emulator/clusters/{cluster_id}/fail", json={"recoverAfter": 5}, timeout=5
    )
    assert answer.status_code == 409
    assert metadata(raw, cluster_id)["statusMessage"] == "gone bad"


def test_a_passing_failure_survives_a_restart(tmp_path: Path) -> None:
    emulator = start_process(tmp_path / "data", extra_args=["--pace", "create=manual"])
    try:
        raw = Raw(emulator)
        emulator.admin.add_fault("fail", transition="create", message="recovering", recoverAfter=1)
        cluster_id = raw.create(cluster_properties())["id"]
        assert emulator.admin.advance(cluster_id)["state"] == "FAILED"
        emulator = restart_process(emulator, kill=True)
        raw = Raw(emulator)
        deadline = time.monotonic() + 10
        while metadata(raw, cluster_id)["state"] != "AVAILABLE":
            assert metadata(raw, cluster_id)["state"] == "FAILED"
            assert time.monotonic() < deadline, "the cluster did not recover after the restart"
            time.sleep(0.1)
        assert len(raw.get("/backups").json()["items"]) == 1
    finally:
        kill_process(emulator)
