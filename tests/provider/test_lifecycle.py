"""The provider's whole lifecycle through the engine's gRPC protocol, against the emulator over sockets."""

from __future__ import annotations

import base64
import pickle
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.config import StackConfig
from tests.e2e.clusters import release
from tests.payloads import PASSWORD, cluster_inputs, owner
from tests.provider.conftest import create, mutating
from tests.provider.harness import (
    PROVIDER_STRING,
    UNKNOWN,
    ProviderCallError,
    ProviderProcess,
    create_killed_midway,
)

DIFF_NONE, DIFF_SOME = 1, 2


def clusters(emu: RunningEmulator) -> list[dict[str, Any]]:
    return emu.admin.clusters()


def test_full_lifecycle(provider: ProviderProcess, emu: RunningEmulator) -> None:
    cluster_id, outs, inputs = create(provider)
    (cluster,) = clusters(emu)
    assert cluster["id"] == cluster_id
    assert cluster["state"] == "AVAILABLE"
    assert outs["dns_name"] == cluster["dnsName"]
    assert outs["state"] == "AVAILABLE"
    assert outs["port"] == 5432
    assert outs["credentials"]["password"] == PASSWORD
    assert outs["connection_uri"].startswith("postgresql://orders:P%40ssw0rd123@pg-")

    # no change: no diff, no call
    emu.admin.clear_requests()
    assert (
        provider.diff(cluster_id, outs, provider.check(inputs, cluster_inputs()).inputs).changes == DIFF_NONE
    )

    # an in-place update
    bigger = cluster_inputs(instances={"count": 2, "ram": 8, "cores": 4, "storage_size": 40})
    checked = provider.check(inputs, bigger)
    diff = provider.diff(cluster_id, outs, checked.inputs)
    assert (diff.changes, diff.replaces) == (DIFF_SOME, [])
    outs = provider.update(cluster_id, outs, checked.inputs)
    assert outs["instances"] == {"count": 2, "ram": 8, "cores": 4, "storage_size": 40}
    (cluster,) = clusters(emu)
    assert cluster["properties"]["instances"] == {"count": 2, "ram": 8, "cores": 4, "storageSize": 40}
    assert mutating(emu) == [("PUT", f"/clusters/{cluster_id}")]
    inputs = checked.inputs

    # a change that needs a new cluster
    moved = provider.check(inputs, {**bigger, "backup_location": "eu-central-4"})
    diff = provider.diff(cluster_id, outs, moved.inputs)
    assert diff.replaces == ["backup_location"]
    assert diff.delete_before_replace

    # refresh sees drift, then an out-of-band deletion
    emu.admin.fail(cluster_id, "maintenance went wrong")
    read_id, read_outs, read_inputs = provider.read(cluster_id, outs)
    assert read_id == cluster_id
    assert (read_outs["state"], read_outs["status_message"]) == ("FAILED", "maintenance went wrong")
    assert read_inputs["credentials"]["password"] == PASSWORD
    emu.admin.remove(cluster_id)
    assert provider.read(cluster_id, outs)[0] == ""

    # delete of what is gone already is done
    emu.admin.clear_requests()
    provider.delete(cluster_id, outs)
    assert mutating(emu) == []


def test_delete_waits_until_gone_and_never_deletes_twice(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, _ = create(provider)
    emu.admin.set_pace(delete="0.5s")
    emu.admin.clear_requests()
    provider.delete(cluster_id, outs)
    assert clusters(emu) == []
    assert mutating(emu) == [("DELETE", f"/clusters/{cluster_id}")]

    second_id, second_outs, _ = create(provider, name="second")
    emu.admin.set_pace(delete="manual")
    raw_delete_by_someone_else(emu, second_id)
    emu.admin.clear_requests()
    finisher = threading.Timer(1.0, emu.admin.advance, [second_id])
    finisher.start()
    provider.delete(second_id, second_outs)
    finisher.join()
    assert mutating(emu) == []  # it was DESTROYING already: waited, not deleted again
    assert clusters(emu) == []


def raw_delete_by_someone_else(emu: RunningEmulator, cluster_id: str) -> None:
    import requests

    response = requests.delete(
        f"{emu.url}/de-fra/clusters/{cluster_id}", headers={"Authorization": f"Bearer {emu.token}"}, timeout=5
    )
    assert response.status_code == 202


def test_failed_during_create_is_deleted_and_reported_clearly(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    emu.admin.add_fault("fail", transition="create", message="no capacity left in de-fra")
    checked = provider.check({}, cluster_inputs(timeouts={"failed": "1s"}))
    with pytest.raises(ProviderCallError) as caught:
        provider.create(checked.inputs)
    message = caught.value.details
    assert "went to FAILED while provisioning: no capacity left in de-fra" in message
    assert "and was deleted" in message
    assert "Traceback" not in message
    assert clusters(emu) == []  # nothing orphaned
    # the next attempt makes a healthy cluster
    cluster_id, _ = provider.create(checked.inputs)
    assert [c["id"] for c in clusters(emu)] == [cluster_id]


def test_failed_during_update_is_reported_then_repaired(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider, timeouts={"failed": "1s"})
    emu.admin.add_fault("fail", transition="update", message="resize failed")
    checked = provider.check(
        inputs,
        cluster_inputs(
            instances={"count": 1, "ram": 8, "cores": 2, "storage_size": 20}, timeouts={"failed": "1s"}
        ),
    )
    with pytest.raises(ProviderCallError) as caught:
        provider.update(cluster_id, outs, checked.inputs)
    assert "went to FAILED while applying the change: resize failed" in caught.value.details
    assert "Traceback" not in caught.value.details
    # the engine keeps the old outputs; the next up applies the change again and the cluster recovers
    outs = provider.update(cluster_id, outs, checked.inputs)
    assert outs["state"] == "AVAILABLE"
    assert outs["instances"]["ram"] == 8
    assert len(clusters(emu)) == 1


def test_a_timeout_keeps_the_cluster_in_the_state_and_the_next_up_continues_it(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    emu.admin.set_pace(create="manual")
    checked = provider.check({}, cluster_inputs(timeouts={"create": "2s"}))
    with pytest.raises(ProviderCallError) as caught:
        provider.create(checked.inputs)
    details = caught.value.details
    (cluster,) = clusters(emu)
    assert f"cluster {cluster['id']} is still PROVISIONING after" in details
    assert "is kept in the stack's state" in details
    assert caught.value.kept is not None  # the engine's partial-create result: the state holds the cluster
    kept_id, kept_outputs = caught.value.kept
    assert kept_id == cluster["id"] and kept_outputs["state"] == "PROVISIONING"
    # the next `pulumi up` updates what the state holds (the engine retries a resource's initialization)
    emu.admin.clear_requests()
    finisher = threading.Timer(1.0, emu.admin.advance, [cluster["id"]])
    finisher.start()
    outs = provider.update(kept_id, kept_outputs, checked.inputs)
    finisher.join()
    assert outs["state"] == "AVAILABLE"
    assert len(clusters(emu)) == 1
    assert mutating(emu) == []  # waited for, neither created again nor changed


def test_a_lost_post_response_does_not_create_a_second_cluster(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    emu.admin.add_fault("lose_response", method="POST", times=1)
    cluster_id, outs, _ = create(provider)
    (cluster,) = clusters(emu)
    assert cluster_id == cluster["id"]
    assert outs["state"] == "AVAILABLE"
    assert mutating(emu) == [("POST", "/clusters")]


def test_a_500_on_post_without_a_cluster_is_safe_to_retry(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    emu.admin.add_fault("status", status=500, method="POST", times=1)
    checked = provider.check({}, cluster_inputs())
    with pytest.raises(ProviderCallError) as caught:
        provider.create(checked.inputs)
    assert "running `pulumi up` again is safe" in caught.value.details
    assert clusters(emu) == []
    provider.create(checked.inputs)
    assert len(clusters(emu)) == 1


def test_409_busy_then_success(provider: ProviderProcess, emu: RunningEmulator) -> None:
    cluster_id, outs, inputs = create(provider)
    emu.admin.add_fault("status", status=409, method="PUT", times=1, message="cluster is busy")
    checked = provider.check(inputs, cluster_inputs(description="after the busy answer"))
    emu.admin.clear_requests()
    outs = provider.update(cluster_id, outs, checked.inputs)
    assert outs["description"] == "after the busy answer"
    assert mutating(emu) == [("PUT", f"/clusters/{cluster_id}")] * 2


def test_update_waits_until_the_cluster_accepts_changes(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider)
    emu.admin.set_pace(update="manual")
    raw_put_by_someone_else(emu, cluster_id)  # now UPDATING until advanced
    emu.admin.set_pace(update="immediate")
    advanced_at: list[float] = []

    def finish_the_other_change() -> None:
        advanced_at.append(time.time())
        emu.admin.advance(cluster_id)

    finisher = threading.Timer(1.5, finish_the_other_change)
    finisher.start()
    checked = provider.check(inputs, cluster_inputs(description="after the other change"))
    emu.admin.clear_requests()
    outs = provider.update(cluster_id, outs, checked.inputs)
    finisher.join()
    assert outs["description"] == "after the other change"
    puts = [r for r in emu.admin.requests() if r["method"] == "PUT"]
    assert [r["status"] for r in puts] == [200]  # it waited instead of meeting a 409
    assert puts[0]["time"] >= advanced_at[0]


def test_the_update_timeout_covers_waiting_and_applying_together(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider)
    emu.admin.set_pace(update="manual")  # someone else's change, then ours, never finish by themselves
    raw_put_by_someone_else(emu, cluster_id)
    finisher = threading.Timer(3.0, emu.admin.advance, [cluster_id])
    finisher.start()
    checked = provider.check(inputs, cluster_inputs(description="late", timeouts={"update": "5s"}))
    started = time.monotonic()
    with pytest.raises(ProviderCallError) as caught:
        provider.update(cluster_id, outs, checked.inputs)
    elapsed = time.monotonic() - started
    finisher.join()
    assert f"cluster {cluster_id} is still UPDATING after" in caught.value.details
    # 3 s waiting for the other change, then the rest of the 5 s for ours; not 5 s more on top (8 s)
    assert 4.5 <= elapsed < 7.0


def raw_put_by_someone_else(emu: RunningEmulator, cluster_id: str) -> None:
    import requests

    from tests.payloads import cluster_properties

    properties = cluster_properties(
        name="orders-db",
        instances={"count": 1, "ram": 4, "cores": 2, "storageSize": 20},
        backup={"location": "eu-central-3", "retentionDays": 7},
    )
    response = requests.put(
        f"{emu.url}/de-fra/clusters/{cluster_id}",
        json={"id": cluster_id, "properties": properties},
        headers={"Authorization": f"Bearer {emu.token}"},
        timeout=5,
    )
    assert response.status_code == 200, response.text


def test_provider_settings_change_makes_no_api_call(provider: ProviderProcess, emu: RunningEmulator) -> None:
    cluster_id, outs, inputs = create(provider)
    checked = provider.check(inputs, cluster_inputs(timeouts={"create": "2h"}))
    assert provider.diff(cluster_id, outs, checked.inputs).changes == DIFF_SOME
    emu.admin.clear_requests()
    outs = provider.update(cluster_id, outs, checked.inputs)
    assert outs["timeouts"]["create"] == "2h"
    assert mutating(emu) == []


def test_password_rotation_is_a_put_with_the_new_password(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider)
    new = cluster_inputs(
        credentials={"username": "orders", "password": "An0ther-Secret!", "database": "orders"}
    )
    checked = provider.check(inputs, new)
    assert provider.diff(cluster_id, outs, checked.inputs).changes == DIFF_SOME
    emu.admin.clear_requests()
    outs = provider.update(cluster_id, outs, checked.inputs)
    assert outs["credentials"]["password"] == "An0ther-Secret!"
    assert "An0ther-Secret%21" in outs["connection_uri"]
    assert mutating(emu) == [("PUT", f"/clusters/{cluster_id}")]


def test_a_foreign_cluster_with_the_same_name_is_never_taken_over(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    create(provider)
    elsewhere = cluster_inputs(
        __owner=owner("other/prod/orders-db"),
        connection={
            "datacenter_id": "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2",
            "lan_id": "7",
            "primary_instance_address": "192.168.9.9/24",
        },
    )
    checked = provider.check({}, elsewhere)
    ((field, reason),) = checked.failures  # refused at preview
    assert field == "name" and "the cluster name 'orders-db' is taken in de-fra" in reason
    assert "managed by ionos-postgres/test/orders-db #" in reason and "cannot be adopted here" in reason
    assert "adopt_existing_id" not in reason  # adopting another resource's cluster is refused
    with pytest.raises(ProviderCallError) as caught:  # and by the create itself
        provider.create(checked.inputs)
    assert "is taken in de-fra" in caught.value.details
    assert len(clusters(emu)) == 1


def test_adopting_an_existing_cluster(provider: ProviderProcess, emu: RunningEmulator) -> None:
    from tests.emulator.conftest import Raw
    from tests.payloads import cluster_properties

    existing_id = Raw(emu).create(cluster_properties(name="legacy"))["id"]  # made outside Pulumi
    emu.admin.advance(existing_id)
    emu.admin.clear_requests()
    cluster_id, outs, _ = create(
        provider, name="legacy", adopt_existing_id=existing_id, description="now managed"
    )
    assert cluster_id == existing_id
    assert outs["description"] == "now managed"
    assert mutating(emu) == [("PUT", f"/clusters/{existing_id}")]  # credentials applied once
    # an id no cluster has (a fresh stack of a program written for another environment): a new cluster
    checked = provider.check(
        {}, cluster_inputs(name="fresh", adopt_existing_id="0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2")
    )
    assert checked.failures == []
    new_id, _ = provider.create(checked.inputs)
    assert new_id not in (existing_id, "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2")


def test_check_rejects_bad_input_before_any_api_call(provider: ProviderProcess, emu: RunningEmulator) -> None:
    bad = cluster_inputs(
        instances={"count": 9, "ram": 4, "cores": 2, "storage_size": 20}, replication_mode="sync"
    )
    result = provider.check({}, bad)
    # the engine shows a property's value from the program's top-level inputs: a field inside an object
    # goes without one, its name and value in the reason
    assert sorted(result.failures) == [
        ("", "instances.count: 9 is out of range; must be an integer from 1 to 5 instances"),
        ("replication_mode", "'sync' is not allowed; must be one of ASYNCHRONOUS, STRICTLY_SYNCHRONOUS"),
    ]
    assert emu.admin.requests() == []


def test_check_uses_the_catalog(provider: ProviderProcess, emu: RunningEmulator) -> None:
    failures = provider.check({}, cluster_inputs(version="12", backup_location="mars-1")).by_field
    assert "'12' is not offered" in failures["version"]
    assert "13, 14, 15, 16, 17, 18" in failures["version"]
    assert "'mars-1' is not a backup location" in failures["backup_location"]
    old = provider.check({}, cluster_inputs()).inputs
    failures = provider.check(old, cluster_inputs(version="18", allow_major_version_upgrade=True)).by_field
    assert "not an upgrade target" in failures["version"]
    assert mutating(emu) == []


def test_check_and_diff_handle_unknowns(provider: ProviderProcess, emu: RunningEmulator) -> None:
    cluster_id, outs, inputs = create(provider)
    preview = cluster_inputs(version=UNKNOWN, backup_location=UNKNOWN)
    result = provider.check(inputs, preview)
    assert result.failures == []
    diff = provider.diff(cluster_id, outs, {**inputs, "version": UNKNOWN, "backup_location": UNKNOWN})
    assert diff.changes == DIFF_SOME
    assert diff.replaces == ["backup_location"]


def test_a_name_an_adoption_or_a_restore_unknown_at_preview_is_judged_once_known(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """Values computed from other new resources: the check neither claims nor looks up what it cannot see
    yet (no name claimed under the sentinel's text, no cluster fetched by it), and a restore unknown as a
    whole ends in no exception; a replacement of a held cluster by an unknown restore is still judged."""
    cluster_id, outs, inputs = create(provider)
    emu.admin.clear_requests()
    another = {"__owner": owner("shop/staging/other-db"), "name": "other-db"}
    for unknown in ({"name": UNKNOWN}, {"adopt_existing_id": UNKNOWN}, {"restore_from_backup": UNKNOWN}):
        assert provider.check({}, cluster_inputs(**{**another, **unknown})).failures == [], unknown
    assert not [r for r in emu.admin.requests() if UNKNOWN in r["path"] or "Unknown" in r["path"]]
    changed = provider.check(inputs, cluster_inputs(restore_from_backup=UNKNOWN), old_outputs=outs)
    assert changed.failures == []
    diff = provider.diff(cluster_id, outs, changed.inputs)
    assert diff.replaces == ["restore_from_backup"]
    assert mutating(emu) == []


def test_credentials_come_from_the_environment_too(emu: RunningEmulator) -> None:
    with ProviderProcess(env={"IONOS_TOKEN": emu.token, "IONOS_API_URL": emu.api_url}) as process:
        process.configure({})
        checked = process.check({}, cluster_inputs())
        assert checked.failures == []
        cluster_id, _ = process.create(checked.inputs)
    assert [c["id"] for c in clusters(emu)] == [cluster_id]


def test_missing_credentials_fail_the_check(emu: RunningEmulator) -> None:
    with ProviderProcess(env={"IONOS_TOKEN": "", "IONOS_API_URL": emu.api_url}) as process:
        process.configure({})
        failures = process.check({}, cluster_inputs()).by_field
    assert "ionos:token" in failures
    assert "IONOS_TOKEN" in failures["ionos:token"]
    assert emu.admin.requests() == []


def test_the_pickled_provider_holds_no_secret_and_is_small(emu: RunningEmulator) -> None:
    assert len(PROVIDER_STRING) < 200
    raw = base64.b64decode(PROVIDER_STRING)
    assert b"ionos_postgres_pulumi.provider.cluster_provider" in raw  # pickled by reference, namespaced
    for secret in (emu.token.encode(), PASSWORD.encode()):
        assert secret not in raw
    provider_object = pickle.loads(raw)
    assert provider_object._config == StackConfig()  # the pickled form carries no configuration
    assert b"StackConfig" not in raw


def test_errors_name_the_cluster_and_never_leak_the_token(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, _ = create(provider)
    # a proxy's HTML page (a 400 is not retried, so the test need not wait through the backoff)
    emu.admin.add_fault("raw", status=400, body="<html>proxy error</html>", times=None, method="GET")
    with pytest.raises(ProviderCallError) as caught:
        provider.read(cluster_id, outs)
    details = caught.value.details
    assert f"cannot read cluster {cluster_id}" in details
    assert "HTTP 400" in details
    assert "expected JSON but got text/html" in details
    assert "Traceback" not in details
    assert emu.token not in details


def test_progress_is_reported_while_waiting(emu: RunningEmulator) -> None:
    emu.admin.set_pace(create="1s")
    with ProviderProcess() as process:
        process.configure({"ionos:token": emu.token, "ionos:endpoint": emu.api_url})
        started = time.monotonic()
        process.create(process.check({}, cluster_inputs()).inputs)
        assert time.monotonic() - started >= 1.0
    log = process.stderr()
    assert "PROVISIONING" in log
    assert "is AVAILABLE at pg-" in log
    assert emu.token not in log
    assert PASSWORD not in log


def test_a_create_killed_midway_is_continued_by_the_next_run_on_this_machine_with_the_current_inputs(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """`pulumi up` killed while its cluster provisions (engine-call-sequences.md §10: the next `up` calls
    Create again, with no hint): this machine noted the attempt, so the rerun continues its cluster."""
    emu.admin.set_pace(create="manual")
    create_killed_midway((emu.token, emu.api_url), cluster_inputs(), lambda: bool(clusters(emu)))
    (cluster,) = clusters(emu)
    assert "made by attempt" in cluster["properties"]["description"]
    emu.admin.advance(cluster["id"])
    # meanwhile the program changed: a new password, which the API cannot show us to compare
    changed = cluster_inputs(
        credentials={"username": "orders", "password": "Changed-Passw0rd!", "database": "orders"}
    )
    emu.admin.clear_requests()
    checked = provider.check({}, changed)
    assert checked.failures == []
    cluster_id, outs = provider.create(checked.inputs)
    assert cluster_id == cluster["id"]
    assert outs["credentials"]["password"] == "Changed-Passw0rd!"
    assert mutating(emu) == [("PUT", f"/clusters/{cluster_id}")]  # the cluster got it too


def test_a_cluster_a_state_was_given_by_hand_is_no_longer_proven_by_the_killed_creates_note(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """Found by an attack: after a killed create, the user puts its cluster into the state by hand
    (`pulumi stack export`, edit, `stack import`) and refreshes. From then on a state holds it: the note of
    the killed attempt must not let a forced replacement (one Check, no history) take it."""
    emu.admin.set_pace(create="manual")
    create_killed_midway((emu.token, emu.api_url), cluster_inputs(), lambda: bool(clusters(emu)))
    (cluster,) = clusters(emu)
    emu.admin.advance(cluster["id"])
    checked = provider.check({}, cluster_inputs())
    assert checked.failures == []  # before: the note proves it, a create would continue it
    provider.read(cluster["id"], checked.inputs)  # `pulumi refresh` of the state edited by hand
    emu.admin.clear_requests()
    ((field, reason),) = provider.check({}, cluster_inputs()).failures
    assert field == "name" and f"cluster {cluster['id']}" in reason and "carries this resource's" in reason
    assert mutating(emu) == []


def test_a_create_killed_on_another_machine_is_refused_here_then_adopted_when_asked(
    provider: ProviderProcess, emu: RunningEmulator, tmp_path: Path
) -> None:
    """The rerun runs on another machine (a fresh CI runner): nothing here proves the cluster is this
    resource's and not held by a state, so it is neither taken nor deleted, nor adopted on the strength of
    an id alone (after `--replace` a program's adopt_existing_id may name the cluster the state holds): the
    user takes the mark out of its description, and adopts it."""
    emu.admin.set_pace(create="manual")
    elsewhere = {"IONOS_PG_JOURNAL": str(tmp_path / "first-machine")}
    create_killed_midway((emu.token, emu.api_url), cluster_inputs(), lambda: bool(clusters(emu)), elsewhere)
    (cluster,) = clusters(emu)
    emu.admin.advance(cluster["id"])
    emu.admin.clear_requests()
    ((field, reason),) = provider.check({}, cluster_inputs()).failures
    assert field == "name" and f"cluster {cluster['id']} ('orders-db', AVAILABLE, made " in reason
    assert "nothing on this machine shows that a run of this stack made it" in reason
    assert "remove the `[managed by pulumi: ...]` mark from its description" in reason
    assert "delete it by hand" in reason and mutating(emu) == []
    refused = provider.check({}, cluster_inputs(adopt_existing_id=cluster["id"])).failures
    assert "carries this resource's own mark" in dict(refused)["adopt_existing_id"]  # adopting is not enough
    release(emu, cluster["id"])  # the user's decision, where it cannot be mistaken: the mark taken out
    adopting = provider.check({}, cluster_inputs(adopt_existing_id=cluster["id"]))
    assert adopting.failures == []
    cluster_id, _ = provider.create(adopting.inputs)
    assert cluster_id == cluster["id"] and len(clusters(emu)) == 1
    assert "adopted by attempt" in clusters(emu)[0]["properties"]["description"]


def test_a_201_with_an_unreadable_body_is_looked_up_not_repeated(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    emu.admin.add_fault(
        "raw",
        status=201,
        body="{truncated",
        contentType="application/json",
        method="POST",
        process=True,
        times=1,
    )
    cluster_id, _, _ = create(provider)
    assert [c["id"] for c in clusters(emu)] == [cluster_id]
    assert mutating(emu) == [("POST", "/clusters")]


def test_an_in_place_restore_is_never_sent_twice(provider: ProviderProcess, emu: RunningEmulator) -> None:
    cluster_id, outs, inputs = create(provider)
    (backup,) = emu.backups_of(cluster_id)
    when = backup["properties"]["earliestRecoveryTargetTime"]
    restore = cluster_inputs(restore_from_backup={"recovery_target_datetime": when})
    checked = provider.check(inputs, restore)
    assert checked.failures == []
    emu.admin.add_fault("lose_response", method="PUT", times=1)  # carried out, answer lost
    emu.admin.clear_requests()
    with pytest.raises(ProviderCallError) as caught:
        provider.update(cluster_id, outs, checked.inputs)
    assert "may be running" in caught.value.details
    assert "not sent again" in caught.value.details
    assert mutating(emu) == [("PUT", f"/clusters/{cluster_id}")]


def test_a_same_named_cluster_of_another_stack_is_never_taken_over(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    their_id, _, _ = create(provider, __owner=owner("shop/dev/db"))
    emu.admin.fail(their_id, "their trouble")
    # same name, same network, same backup location: only the owner differs
    checked = provider.check({}, cluster_inputs(__owner=owner("shop/staging/db")))
    assert "managed by shop/dev/db #" in dict(checked.failures)["name"]
    with pytest.raises(ProviderCallError) as caught:
        provider.create(checked.inputs)
    assert "managed by shop/dev/db #" in caught.value.details
    assert [(c["id"], c["state"]) for c in clusters(emu)] == [(their_id, "FAILED")]  # untouched, not deleted


def test_the_owner_mark_rides_in_the_description_and_never_shows_as_a_change(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider, __owner=owner("shop/dev/db"), description="Orders")
    (cluster,) = clusters(emu)
    mark = re.fullmatch(
        r"Orders \[managed by pulumi: shop/dev/db #[0-9a-f]{12}, made by attempt [0-9a-f]{8}\]",
        cluster["properties"]["description"],
    )
    assert mark is not None
    assert outs["description"] == "Orders"
    _, refreshed, _ = provider.read(cluster_id, outs)
    assert refreshed["description"] == "Orders"
    again = provider.check(inputs, cluster_inputs(__owner=owner("shop/dev/db"), description="Orders"))
    assert provider.diff(cluster_id, refreshed, again.inputs).changes == DIFF_NONE


def test_a_second_create_of_a_resource_that_handed_its_cluster_over_takes_nothing(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """`pulumi up --replace` checks the resource once, with no history, then creates and deletes the old
    cluster (engine-call-sequences.md §4): a create that took the cluster the state holds would hand the
    engine the very cluster it then deletes."""
    cluster_id, _, _ = create(provider)
    emu.admin.clear_requests()
    ((field, reason),) = provider.check({}, cluster_inputs()).failures
    assert field == "name" and "`pulumi up --replace`" in reason and "allow_empty_replacement" in reason
    with pytest.raises(ProviderCallError) as caught:
        provider.create(cluster_inputs())
    assert f"cluster {cluster_id} ('orders-db', AVAILABLE" in caught.value.details
    assert mutating(emu) == [] and [c["id"] for c in clusters(emu)] == [cluster_id]


def test_check_refuses_a_backup_that_does_not_exist(provider: ProviderProcess, emu: RunningEmulator) -> None:
    missing = "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2"
    failures = provider.check({}, cluster_inputs(restore_from_backup={"source_backup_id": missing})).by_field
    assert "is not a backup in de/fra" in failures["restore_from_backup.source_backup_id"]
    cluster_id, _, _ = create(provider, name="source")
    (backup,) = emu.backups_of(cluster_id)
    too_early = {"source_backup_id": backup["id"], "recovery_target_datetime": "2020-01-01T00:00:00Z"}
    failures = provider.check({}, cluster_inputs(name="clone", restore_from_backup=too_early)).by_field
    assert "outside the recovery window" in failures["restore_from_backup.recovery_target_datetime"]
    assert mutating(emu) == [("POST", "/clusters")]


def test_an_in_place_restore_whose_answer_was_lost_is_not_sent_again_by_the_next_up(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider)
    (backup,) = emu.backups_of(cluster_id)
    when = backup["properties"]["earliestRecoveryTargetTime"]
    checked = provider.check(inputs, cluster_inputs(restore_from_backup={"recovery_target_datetime": when}))
    emu.admin.add_fault("lose_response", method="PUT", times=1)  # carried out, answer lost
    with pytest.raises(ProviderCallError, match="may be running"):
        provider.update(cluster_id, outs, checked.inputs)
    restored = emu.backups_of(cluster_id)
    # The next `pulumi up`: the engine kept the old outputs, so it asks for the same restore again.
    emu.admin.clear_requests()
    again = provider.update(cluster_id, outs, checked.inputs)
    assert mutating(emu) == []  # the cluster's mark says the restore happened: nothing is sent
    assert again["restore_from_backup"] == {"recovery_target_datetime": when}
    assert emu.backups_of(cluster_id) == restored  # once


def test_clusters_of_this_resources_identity_that_no_note_proves_are_never_taken_or_deleted(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """Two creates of one resource on two machines: neither cluster is proven to this machine, so neither
    is taken and neither is deleted as a duplicate: a state may hold one. Another resource's cluster of
    the same name is never touched either."""
    from tests.emulator.conftest import Raw
    from tests.payloads import cluster_properties

    def made_with(label: str, attempt: str) -> str:
        identity = owner(label).partition(" #")[2]
        description = f"Orders [managed by pulumi: {label} #{identity}, made by attempt {attempt}]"
        created: str = Raw(emu).create(cluster_properties(name="orders-db", description=description))["id"]
        return created

    ours = [made_with("shop/dev/db", "0000000a"), made_with("shop/dev/db", "0000000b")]
    theirs = made_with("shop/prod/db", "0000000c")
    emu.admin.clear_requests()
    failures = provider.check({}, cluster_inputs(__owner=owner("shop/dev/db"))).failures
    assert [field for field, _ in failures] == ["name"]
    with pytest.raises(ProviderCallError):
        provider.create(cluster_inputs(__owner=owner("shop/dev/db")))
    assert {c["id"] for c in clusters(emu)} == {*ours, theirs}
    assert mutating(emu) == []


def test_an_in_place_restore_that_ends_failed_is_reported_not_done_and_not_sent_again(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider, timeouts={"failed": "1s"})
    (backup,) = emu.backups_of(cluster_id)
    when = backup["properties"]["earliestRecoveryTargetTime"]
    restoring = cluster_inputs(
        restore_from_backup={"recovery_target_datetime": when}, timeouts={"failed": "1s"}
    )
    checked = provider.check(inputs, restoring)
    emu.admin.add_fault("fail", transition="restore", message="the restore broke")
    with pytest.raises(ProviderCallError, match="FAILED while restoring in place: the restore broke"):
        provider.update(cluster_id, outs, checked.inputs)
    _, refreshed, _ = provider.read(cluster_id, outs)
    assert refreshed["state"] == "FAILED"
    emu.admin.clear_requests()
    # the next `pulumi up` with the same inputs: said to be not done, neither sent again nor covered up
    with pytest.raises(ProviderCallError) as caught:
        provider.update(cluster_id, refreshed, checked.inputs)
    assert "it was NOT done" in caught.value.details
    assert [r for r in emu.admin.requests() if r["method"] == "PUT"] == []
    # the user asks for a repair without the restore: one PUT, no restore
    plain = provider.check(checked.inputs, cluster_inputs(timeouts={"failed": "1s"})).inputs
    repaired = provider.update(cluster_id, refreshed, plain)
    assert repaired["state"] == "AVAILABLE"
    assert len([r for r in emu.admin.requests() if r["method"] == "PUT"]) == 1
    (cluster,) = clusters(emu)
    assert "restoreFromBackup" not in str(cluster["properties"])


def test_a_cluster_of_this_identity_made_elsewhere_meanwhile_is_named_and_never_deleted(
    emu: RunningEmulator,
) -> None:
    """A create interrupted on another machine, carried out by the service only while this machine's rerun
    creates: this create cannot prove the other cluster is nobody's, so it keeps its own, names the other
    one, and deletes nothing."""
    from tests.emulator.conftest import Raw
    from tests.payloads import cluster_properties

    emu.admin.set_pace(create="manual")
    inputs = cluster_inputs()
    label, _, digest = inputs["__owner"].partition(" #")
    with ProviderProcess() as process:
        process.configure({"ionos:token": emu.token, "ionos:endpoint": emu.api_url})
        checked = process.check({}, inputs)
        done: dict[str, str] = {}
        worker = threading.Thread(target=lambda: done.update(id=process.create(checked.inputs)[0]))
        worker.start()
        deadline = time.monotonic() + 30
        while not clusters(emu):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (ours,) = clusters(emu)
        description = f"Orders [managed by pulumi: {label} #{digest}, made by attempt 0badf00d]"
        stranger = Raw(emu).create(cluster_properties(name="orders-db", description=description))["id"]
        for cluster in clusters(emu):
            emu.admin.advance(cluster["id"])
        worker.join(timeout=60)
    said = process.stderr()
    assert done["id"] == ours["id"]
    assert {c["id"] for c in clusters(emu)} == {ours["id"], stranger}
    assert not [r for r in mutating(emu) if r[0] == "DELETE"]
    assert f"cluster {stranger} ('orders-db'" in said and "it is not deleted here" in said
