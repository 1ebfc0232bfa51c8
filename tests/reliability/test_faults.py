"""Faults injected by the emulator, each through the provider's lifecycle over the engine's gRPC protocol.

Every scenario ends by counting the clusters the API has against the ids the engine would keep in its
state, and by scanning what the user saw (errors, the provider's log) for the password and the token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ionos_postgres_pulumi.emulator.testing import (
    RunningEmulator,
    kill_process,
    restart_process,
    start_process,
)
from tests.e2e.clusters import release
from tests.payloads import PASSWORD, cluster_inputs, owner
from tests.provider.harness import ProviderCallError, ProviderProcess, create_killed_midway
from tests.reliability.conftest import Scenario, count_orphans_and_duplicates, count_plaintext


class Session:
    """One provider process and what the engine would have stored and shown."""

    def __init__(self, emulator: RunningEmulator, env: dict[str, str] | None = None) -> None:
        self.emulator = emulator
        self.process = ProviderProcess(env=env)
        self.process.configure({"ionos:token": emulator.token, "ionos:endpoint": emulator.api_url})
        self.tracked: dict[str, dict[str, Any]] = {}  # id -> outputs, as in the engine's state
        self.shown: list[str] = []  # errors the user saw

    def create(self, **overrides: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
        checked = self.process.check({}, cluster_inputs(**overrides))
        assert checked.failures == []
        cluster_id, outs = self.process.create(checked.inputs)
        self.tracked[cluster_id] = outs
        return cluster_id, outs, checked.inputs

    def expect_error(self, call: Any, *args: Any) -> str:
        with pytest.raises(ProviderCallError) as caught:
            call(*args)
        self.shown.append(caught.value.details)
        assert "Traceback" not in caught.value.details
        return caught.value.details

    def finish(self, figures: Scenario) -> None:
        self.process.close()
        self.shown.append(self.process.stderr())
        figures.orphans, figures.duplicates = count_orphans_and_duplicates(self.emulator, self.tracked)
        figures.plaintext_secrets = count_plaintext(self.shown, [PASSWORD, self.emulator.token])


@pytest.fixture
def session(emu: RunningEmulator, figures: Scenario) -> Iterator[Session]:
    current = Session(emu)
    yield current
    current.finish(figures)


def test_429_bursts_with_retry_after(session: Session, emu: RunningEmulator) -> None:
    emu.admin.add_fault("status", status=429, retryAfter=1, times=3, method="GET")
    emu.admin.add_fault("status", status=429, retryAfter=1, times=1, method="POST")
    _cluster_id, outs, _ = session.create()
    assert outs["state"] == "AVAILABLE"
    statuses = [r["status"] for r in emu.admin.requests()]
    assert statuses.count(429) == 4


def test_500_and_503_on_reads_during_the_wait(session: Session, emu: RunningEmulator) -> None:
    emu.admin.set_pace(create="3s")
    # a 500 is not retried by the client: the waiter keeps waiting; 503s are retried by the client
    emu.admin.add_fault("status", status=500, times=2, method="GET", path="^/clusters/")
    emu.admin.add_fault("status", status=503, times=3, method="GET", path="^/clusters/")
    _, outs, _ = session.create()
    assert outs["state"] == "AVAILABLE"
    assert {r["status"] for r in emu.admin.requests()} >= {500, 503}


def test_dropped_connections_during_the_wait(session: Session, emu: RunningEmulator) -> None:
    emu.admin.set_pace(create="1s")
    emu.admin.add_fault("drop", times=3, method="GET", path="^/clusters/")
    _, outs, _ = session.create()
    assert outs["state"] == "AVAILABLE"


def test_a_post_whose_response_was_lost(session: Session, emu: RunningEmulator) -> None:
    emu.admin.add_fault("lose_response", method="POST", times=1)
    _, outs, _ = session.create()
    assert outs["state"] == "AVAILABLE"
    assert [r["method"] for r in emu.admin.mutating_requests()] == ["POST"]


def test_a_put_answered_409_while_the_cluster_is_busy(session: Session, emu: RunningEmulator) -> None:
    cluster_id, outs, inputs = session.create()
    emu.admin.add_fault("status", status=409, times=3, method="PUT")
    checked = session.process.check(inputs, cluster_inputs(description="changed while busy"))
    outs = session.process.update(cluster_id, outs, checked.inputs)
    session.tracked[cluster_id] = outs
    assert outs["description"] == "changed while busy"


def test_failed_during_create(session: Session, emu: RunningEmulator) -> None:
    emu.admin.add_fault("fail", transition="create", message="no capacity in de-fra")
    checked = session.process.check({}, cluster_inputs(timeouts={"failed": "1s"}))
    message = session.expect_error(session.process.create, checked.inputs)
    assert "FAILED while provisioning: no capacity in de-fra" in message
    assert emu.admin.clusters() == []  # deleted, so not orphaned
    session.create()  # the next up makes a healthy one
    assert len(emu.admin.clusters()) == 1


def test_failed_during_update(session: Session, emu: RunningEmulator) -> None:
    cluster_id, outs, inputs = session.create(timeouts={"failed": "1s"})
    emu.admin.add_fault("fail", transition="update", message="resize failed")
    checked = session.process.check(
        inputs,
        cluster_inputs(
            instances={"count": 1, "ram": 8, "cores": 2, "storage_size": 20}, timeouts={"failed": "1s"}
        ),
    )
    message = session.expect_error(session.process.update, cluster_id, outs, checked.inputs)
    assert "FAILED while applying the change: resize failed" in message
    # refresh shows it, and the next up repairs it by applying the desired state again
    _, refreshed, _ = session.process.read(cluster_id, outs)
    assert refreshed["state"] == "FAILED"
    assert session.process.diff(cluster_id, refreshed, checked.inputs).changes == 2
    outs = session.process.update(cluster_id, refreshed, checked.inputs)
    session.tracked[cluster_id] = outs
    assert (outs["state"], outs["instances"]["ram"]) == ("AVAILABLE", 8)


def test_a_cluster_deleted_out_of_band(session: Session, emu: RunningEmulator) -> None:
    cluster_id, outs, _inputs = session.create()
    emu.admin.remove(cluster_id)
    gone_id, _, _ = session.process.read(cluster_id, outs)
    assert gone_id == ""
    del session.tracked[cluster_id]  # refresh drops it from the state
    new_id, _, _ = session.create()  # and the next up creates it again
    assert new_id != cluster_id
    assert len(emu.admin.clusters()) == 1


def test_an_update_of_a_cluster_deleted_out_of_band_says_what_to_do(
    session: Session, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = session.create()
    emu.admin.remove(cluster_id)
    checked = session.process.check(inputs, cluster_inputs(description="too late"))
    message = session.expect_error(session.process.update, cluster_id, outs, checked.inputs)
    assert "no longer exists" in message
    assert "pulumi refresh" in message
    del session.tracked[cluster_id]


def test_responses_slower_than_the_client_timeout(emu: RunningEmulator, figures: Scenario) -> None:
    session = Session(emu, env={"IONOS_API_TIMEOUT": "1"})
    try:
        emu.admin.add_fault("delay", seconds=2.0, times=2, method="GET", path="^/clusters/")
        emu.admin.add_fault("delay", seconds=2.0, times=1, method="POST")
        _, outs, _ = session.create()
        assert outs["state"] == "AVAILABLE"
        # the POST timed out on our side but went through; it was found, not repeated
        assert [r["method"] for r in emu.admin.mutating_requests()] == ["POST"]
    finally:
        session.finish(figures)


def test_the_emulator_restarted_mid_provisioning(tmp_path: Path, figures: Scenario) -> None:
    emulator = start_process(tmp_path / "state", extra_args=["--pace", "create=3s"])
    session = Session(emulator)
    try:
        checked = session.process.check({}, cluster_inputs())
        result: dict[str, Any] = {}

        def create() -> None:
            result["id"], result["outs"] = session.process.create(checked.inputs)

        worker = threading.Thread(target=create)
        worker.start()
        time.sleep(1.0)
        restarted = restart_process(emulator, kill=True)  # SIGKILL while PROVISIONING
        worker.join(timeout=120)
        session.emulator = emulator = restarted
        assert result["outs"]["state"] == "AVAILABLE"
        session.tracked[result["id"]] = result["outs"]
        assert len(emulator.admin.clusters()) == 1
    finally:
        session.finish(figures)
        kill_process(emulator)


OWNER = owner("shop/dev/orders")  # as PostgresV2Cluster hands it over: the resource's label and identity


def posted(emulator: RunningEmulator) -> list[dict[str, Any]]:
    return [r for r in emulator.admin.requests() if r["method"] == "POST"]


def create_killed_during_a_slow_post(emulator: RunningEmulator, env: dict[str, str]) -> None:
    """`pulumi up` (its provider process) killed with SIGKILL while the service is still on its POST."""
    endpoint = (emulator.token, emulator.api_url)
    create_killed_midway(endpoint, cluster_inputs(__owner=OWNER), lambda: bool(posted(emulator)), env)


def test_a_post_slower_than_the_read_timeout(emu: RunningEmulator, figures: Scenario) -> None:
    """The answer is lost while the service still works on the POST: wait for it, never POST again."""
    session = Session(emu, env={"IONOS_API_TIMEOUT": "1", "IONOS_PG_JOURNAL": "off"})
    try:
        emu.admin.add_fault("delay", seconds=4.0, times=1, method="POST")  # carried out after 4 s
        cluster_id, outs, _ = session.create(__owner=OWNER)
        assert outs["state"] == "AVAILABLE"
        assert [c["id"] for c in emu.admin.clusters()] == [cluster_id]
        assert len(posted(emu)) == 1
    finally:
        session.finish(figures)


def test_a_post_held_back_by_the_rate_limit_then_slower_than_the_read_timeout(
    emu: RunningEmulator, figures: Scenario
) -> None:
    """The wait for a lost answer counts from the POST that got no answer, not from the first try: two
    429s (8 s and more) would otherwise have used up the 7 s window before the last POST was sent."""
    session = Session(emu, env={"IONOS_API_TIMEOUT": "1", "IONOS_PG_JOURNAL": "off"})
    try:
        emu.admin.add_fault("status", status=429, retryAfter=4, times=2, method="POST")
        emu.admin.add_fault("delay", seconds=3.0, times=1, method="POST")  # then carried out after 3 s
        cluster_id, outs, _ = session.create(__owner=OWNER)
        assert outs["state"] == "AVAILABLE"
        assert [c["id"] for c in emu.admin.clusters()] == [cluster_id]
        assert [r["status"] for r in posted(emu)][:2] == [429, 429]
        assert len(posted(emu)) == 3  # two refused, one carried out; never a fourth
    finally:
        session.finish(figures)


def test_kill_9_during_a_slow_post_then_an_immediate_rerun(
    emu: RunningEmulator, tmp_path: Path, figures: Scenario
) -> None:
    """The rerun's provider process is new, but this machine noted the POST: it waits for its cluster."""
    env = {"IONOS_API_TIMEOUT": "2", "IONOS_PG_JOURNAL": str(tmp_path / "journal")}
    emu.admin.add_fault("delay", seconds=3.0, times=1, method="POST")
    create_killed_during_a_slow_post(emu, env)
    assert emu.admin.clusters() == []  # the service has not carried the POST out yet
    rerun = Session(emu, env=env)
    try:
        cluster_id, outs, _ = rerun.create(__owner=OWNER)
        assert outs["state"] == "AVAILABLE"
        assert [c["id"] for c in emu.admin.clusters()] == [cluster_id]
        assert len(posted(emu)) == 1  # the rerun never sent a second POST
    finally:
        rerun.finish(figures)


def test_a_rerun_from_another_machine_takes_nothing_it_cannot_prove_and_adopts_when_asked(
    emu: RunningEmulator, tmp_path: Path, figures: Scenario
) -> None:
    """The first machine's `pulumi up` was killed during its POST; the rerun comes from another machine (a
    fresh CI runner), without the note. The cluster carries this resource's identity, but nothing proves
    that no state holds it: the rerun makes nothing and deletes nothing, names the cluster and the ways
    forward; taking the mark out of its description and adopting it, as the message says, makes it the
    stack's."""
    emu.admin.add_fault("delay", seconds=2.0, times=1, method="POST")
    create_killed_during_a_slow_post(emu, {"IONOS_PG_JOURNAL": str(tmp_path / "first-machine")})
    deadline = time.monotonic() + 30
    while not emu.admin.clusters():  # the service carries the first POST out after all
        assert time.monotonic() < deadline
        time.sleep(0.1)
    (orphan,) = emu.admin.clusters()
    rerun = Session(emu, env={"IONOS_PG_JOURNAL": str(tmp_path / "second-machine")})
    try:
        ((field, reason),) = rerun.process.check({}, cluster_inputs(__owner=OWNER)).failures
        rerun.shown.append(reason)
        assert field == "name" and "remove the `[managed by pulumi: ...]` mark" in reason
        assert len(posted(emu)) == 1 and [c["id"] for c in emu.admin.clusters()] == [orphan["id"]]
        release(emu, orphan["id"])  # as the message says
        cluster_id, outs, _ = rerun.create(__owner=OWNER, adopt_existing_id=orphan["id"])
    finally:
        rerun.finish(figures)
    assert cluster_id == orphan["id"] and outs["state"] == "AVAILABLE"
    assert len(posted(emu)) == 1


def test_an_in_place_restore_is_sent_once_across_runs(emu: RunningEmulator, figures: Scenario) -> None:
    session = Session(emu)
    cluster_id, outs, inputs = session.create()
    (backup,) = emu.backups_of(cluster_id)
    when = backup["properties"]["earliestRecoveryTargetTime"]
    checked = session.process.check(
        inputs, cluster_inputs(restore_from_backup={"recovery_target_datetime": when})
    )
    emu.admin.add_fault("lose_response", method="PUT", times=1)  # the restore is carried out, its answer lost
    session.expect_error(session.process.update, cluster_id, outs, checked.inputs)
    session.finish(figures)
    rerun = Session(emu)  # the next `pulumi up`, with the old outputs the engine kept
    rerun.tracked[cluster_id] = rerun.process.update(cluster_id, outs, checked.inputs)
    puts = [r for r in emu.admin.requests() if r["method"] == "PUT"]
    assert len(puts) == 1
    assert len(emu.backups_of(cluster_id)) == 2  # one restore: one new backup
    rerun.finish(figures)


def test_an_in_place_restore_slower_than_the_read_timeout_is_not_sent_again(
    emu: RunningEmulator, tmp_path: Path, figures: Scenario
) -> None:
    """The restore's PUT times out while the service still works on it; the next run (a fresh provider
    process on this machine) waits for it instead of sending it again."""
    env = {"IONOS_API_TIMEOUT": "1", "IONOS_PG_JOURNAL": str(tmp_path / "journal")}
    session = Session(emu, env=env)
    cluster_id, outs, inputs = session.create()
    (backup,) = emu.backups_of(cluster_id)
    when = backup["properties"]["earliestRecoveryTargetTime"]
    restore = cluster_inputs(restore_from_backup={"recovery_target_datetime": when})
    checked = session.process.check(inputs, restore)
    emu.admin.add_fault("delay", seconds=4.0, times=1, method="PUT")  # carried out after 4 s
    message = session.expect_error(session.process.update, cluster_id, outs, checked.inputs)
    assert "finds out from the cluster whether it was carried out" in message
    session.finish(figures)
    rerun = Session(emu, env=env)
    try:
        rerun.tracked[cluster_id] = rerun.process.update(cluster_id, outs, checked.inputs)
    finally:
        rerun.finish(figures)
    assert len([r for r in emu.admin.requests() if r["method"] == "PUT"]) == 1
    assert len(emu.backups_of(cluster_id)) == 2  # restored once
