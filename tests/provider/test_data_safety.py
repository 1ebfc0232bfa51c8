"""Data safety through the provider's gRPC lifecycle (as the engine drives it), against the emulator: deletion
protection, replacements that carry the data over or are refused before anything is deleted, deliberate
major upgrades, FAILED that is not final at once, deletes refused while busy, the way back after a delete,
adoption shown before it happens, one-time inputs in a fresh stack. The same behaviours with real data,
through `pulumi up`, are in tests/e2e/test_data_safety.py."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from tests.payloads import cluster_inputs, cluster_properties
from tests.provider.conftest import create, mutating
from tests.provider.harness import ProviderCallError, ProviderProcess

DIFF_SOME = 2


def post_cluster(emu: RunningEmulator, **overrides: Any) -> dict[str, Any]:
    """A cluster made outside Pulumi (the console, curl)."""
    answer = requests.post(
        f"{emu.url}/de-fra/clusters",
        json={"properties": cluster_properties(**overrides)},
        headers={"Authorization": f"Bearer {emu.token}"},
        timeout=10,
    )
    answer.raise_for_status()
    created: dict[str, Any] = answer.json()
    return created


def test_a_protected_cluster_is_not_deleted_until_an_update_turns_protection_off(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider, deletion_protection=True)
    emu.admin.clear_requests()
    with pytest.raises(ProviderCallError) as refused:
        provider.delete(cluster_id, outs)
    message = refused.value.details
    assert "has deletion_protection on, so it was not deleted" in message
    assert "deletion_protection=False" in message and "pulumi up" in message
    assert mutating(emu) == []
    assert [c["id"] for c in emu.admin.clusters()] == [cluster_id]
    # turning it off is an update that touches nothing at IONOS; then the delete goes through
    checked = provider.check(inputs, cluster_inputs(deletion_protection=False))
    outs = provider.update(cluster_id, outs, checked.inputs)
    assert mutating(emu) == []
    provider.delete(cluster_id, outs)
    assert emu.admin.clusters() == []


def test_a_replacement_of_a_protected_cluster_is_refused_at_preview(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    _, outs, inputs = create(provider, deletion_protection=True)
    checked = provider.check(inputs, cluster_inputs(deletion_protection=True, backup_location="de"), outs)
    (failure,) = checked.failures
    assert failure[0] == "deletion_protection"
    assert "this change replaces it (backup_location changes ('eu-central-3' -> 'de'))" in failure[1]
    # the same change turning the protection off: refused in words that do not say it is on
    both = provider.check(inputs, cluster_inputs(deletion_protection=False, backup_location="de"), outs)
    (failure,) = both.failures
    assert failure[0] == "deletion_protection"  # shown by the engine as "value {false}"
    assert failure[1].startswith(
        "turns the protection of cluster 'orders-db' (" + outs["cluster_id"] + ") off in the same change "
        "that replaces it (backup_location changes ('eu-central-3' -> 'de')), which deletes it"
    )
    assert "is on" not in failure[1]


def test_a_replacement_carries_the_data_over_from_the_old_clusters_backup(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider)
    (backup,) = emu.backups_of(cluster_id)
    moved = provider.check(inputs, cluster_inputs(backup_location="de"), outs)
    assert moved.failures == []
    assert moved.inputs["__carry_over"] == {"source_backup_id": backup["id"], "from_cluster": cluster_id}
    diff = provider.diff(cluster_id, outs, moved.inputs)
    assert (diff.replaces, diff.delete_before_replace) == (["backup_location"], True)
    # the engine's second check (the new resource) gets the plan; then delete, then create
    second = provider.check({}, cluster_inputs(backup_location="de"))
    assert second.inputs["__carry_over"] == moved.inputs["__carry_over"]
    provider.delete(cluster_id, outs)
    emu.admin.clear_requests()
    new_id, new_outs = provider.create(second.inputs)
    assert new_id != cluster_id
    (post,) = [r for r in emu.admin.requests() if r["method"] == "POST"]
    assert post["path"] == "/clusters"
    (old_backup,) = [b for b in emu.backups_of(cluster_id)]
    assert old_backup["properties"]["isActive"] is False
    (cluster,) = emu.admin.clusters()
    assert cluster["properties"]["backup"]["location"] == "de"
    assert new_outs["backup_location"] == "de"


def test_a_replacement_without_a_backup_to_carry_the_data_is_refused_unless_asked_for(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    _cluster_id, outs, inputs = create(provider)
    moved = provider.check(inputs, cluster_inputs(location="de/txl"), outs)
    (failure,) = moved.failures
    assert failure[0] == "allow_empty_replacement"
    assert "its backups live in de-fra, not in de-txl" in failure[1]
    assert "Nothing is deleted" in failure[1]
    empty = provider.check(inputs, cluster_inputs(location="de/txl", allow_empty_replacement=True), outs)
    assert empty.failures == []
    assert "__carry_over" not in empty.inputs


def test_a_replacement_whose_name_is_taken_is_refused_before_the_old_cluster_is_deleted(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    _cluster_id, outs, inputs = create(provider)
    intruder = post_cluster(emu, name="orders-db")  # made in the console, same name
    moved = provider.check(inputs, cluster_inputs(backup_location="de"), outs)
    (failure,) = moved.failures
    assert failure[0] == "name"
    assert intruder["id"] in failure[1] and "nothing is deleted" in failure[1]


def test_a_restore_point_in_the_future_is_refused_at_preview(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, inputs = create(provider)
    future = "2999-01-01T00:00:00Z"
    in_place = provider.check(
        inputs, cluster_inputs(restore_from_backup={"recovery_target_datetime": future}), outs
    )
    assert list(in_place.by_field) == ["restore_from_backup.recovery_target_datetime"]
    assert "lies in the future" in in_place.by_field["restore_from_backup.recovery_target_datetime"]
    (backup,) = emu.backups_of(cluster_id)
    source = {"source_backup_id": backup["id"], "recovery_target_datetime": future}
    from_backup = provider.check({}, cluster_inputs(name="copy-db", restore_from_backup=source))
    assert list(from_backup.by_field) == ["restore_from_backup.recovery_target_datetime"]
    assert (
        "outside the recovery window" in from_backup.by_field["restore_from_backup.recovery_target_datetime"]
    )


def test_a_major_upgrade_needs_to_be_asked_for(provider: ProviderProcess, emu: RunningEmulator) -> None:
    cluster_id, outs, inputs = create(provider)
    raised = provider.check(inputs, cluster_inputs(version="17"), outs)
    (failure,) = raised.failures
    assert failure == (
        "version",
        "'17' raises the major version from '16'; a major-version upgrade cannot be undone, so it needs "
        "allow_major_version_upgrade=True (set it, then run `pulumi up` again)",
    )
    asked = provider.check(inputs, cluster_inputs(version="17", allow_major_version_upgrade=True), outs)
    assert asked.failures == []
    outs = provider.update(cluster_id, outs, asked.inputs)
    assert outs["version"] == "17"


def test_failed_for_less_than_the_grace_period_is_kept(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    emu.admin.add_fault("fail", transition="create", message="a passing fault", recoverAfter=2)
    checked = provider.check({}, cluster_inputs(timeouts={"failed": "60s"}))
    cluster_id, outs = provider.create(checked.inputs)
    assert outs["state"] == "AVAILABLE"
    assert [c["id"] for c in emu.admin.clusters()] == [cluster_id]
    assert not [call for call in mutating(emu) if call[0] == "DELETE"]


def test_a_delete_refused_while_busy_is_sent_again_until_the_cluster_is_gone(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    cluster_id, outs, _ = create(provider)
    emu.admin.add_fault("status", status=500, times=2, method="DELETE", message="cluster is busy")
    provider.delete(cluster_id, outs)
    assert emu.admin.clusters() == []
    deletes = [r for r in emu.admin.requests() if r["method"] == "DELETE"]
    assert [r["status"] for r in deletes] == [500, 500, 202]


def test_after_a_delete_the_way_back_is_printed(emu: RunningEmulator) -> None:
    with ProviderProcess() as process:
        process.configure({"ionos:token": emu.token, "ionos:endpoint": emu.api_url})
        checked = process.check({}, cluster_inputs())
        cluster_id, outs = process.create(checked.inputs)
        (backup,) = emu.backups_of(cluster_id)
        process.delete(cluster_id, outs)
        process.close()
        said = process.stderr()
    (ended,) = emu.backups_of(cluster_id)
    latest = ended["properties"]["latestRecoveryTargetTime"]
    pasteable = {"source_backup_id": backup["id"], "recovery_target_datetime": latest}
    assert f"restore_from_backup={pasteable}" in said


def test_adoption_lists_the_changes_and_refuses_what_the_service_would(emu: RunningEmulator) -> None:
    made = post_cluster(
        emu,
        name="orders-db",
        description="made with curl",
        instances={"count": 1, "ram": 8, "cores": 4, "storageSize": 30},
    )
    with ProviderProcess() as process:
        process.configure({"ionos:token": emu.token, "ionos:endpoint": emu.api_url})
        adopting = cluster_inputs(adopt_existing_id=made["id"], backup_location="eu-central-3")
        adopting["instances"] = {"count": 1, "ram": 4, "cores": 1, "storage_size": 30}
        checked = process.check({}, adopting)
        assert checked.failures == []
        smaller = {**adopting, "instances": {**adopting["instances"], "storage_size": 20}}
        refused = process.check({}, smaller)
        process.close()
        said = process.stderr()
    assert list(refused.by_field) == ["instances.storage_size"]
    assert "storage can only grow" in refused.by_field["instances.storage_size"]
    assert "instances.ram 8 -> 4" in said and "instances.cores 4 -> 1" in said
    assert "description 'made with curl' -> 'Orders'" in said
    assert "resets the password" in said
    assert emu.admin.mutating_requests()[-1]["method"] == "POST"  # the preview changed nothing


def test_one_time_inputs_in_a_fresh_stack_go_on_with_a_warning(emu: RunningEmulator) -> None:
    with ProviderProcess() as process:
        process.configure({"ionos:token": emu.token, "ionos:endpoint": emu.api_url})
        elsewhere = cluster_inputs(adopt_existing_id="0b0e2a4e-1111-4222-8333-444455556666")
        checked = process.check({}, elsewhere)
        assert checked.failures == []
        cluster_id, _ = process.create(checked.inputs)
        rewind = cluster_inputs(
            name="other-db", restore_from_backup={"recovery_target_datetime": "2026-01-01T00:00:00Z"}
        )
        assert process.check({}, rewind).failures == []
        process.close()
        said = process.stderr()
    assert [c["id"] for c in emu.admin.clusters()] == [cluster_id]
    assert "there is no cluster 0b0e2a4e-1111-4222-8333-444455556666 in de-fra" in said
    assert "so nothing is restored when it gets one" in said


def test_refresh_of_an_untouched_cluster_without_a_description_changes_no_input(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    plain = cluster_inputs()
    del plain["description"]
    checked = provider.check({}, plain)
    cluster_id, outs = provider.create(checked.inputs)
    _, _, inputs = provider.read(cluster_id, outs)
    assert "description" not in inputs


def test_a_replacement_whose_create_failed_after_the_delete_restores_on_the_next_up(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """The engine keeps the old resource as pending replacement; the next `up` checks it again with its old
    outputs, while its cluster is already gone."""
    cluster_id, outs, inputs = create(provider)
    provider.delete(cluster_id, outs)  # the first `up` deleted it, then its create failed
    (backup,) = emu.backups_of(cluster_id)
    again = provider.check(inputs, cluster_inputs(backup_location="de"), outs)
    assert again.failures == []
    assert again.inputs["__carry_over"] == {"source_backup_id": backup["id"], "from_cluster": cluster_id}
    second = provider.check({}, cluster_inputs(backup_location="de"))
    emu.admin.clear_requests()
    new_id, _ = provider.create(second.inputs)
    assert [c["id"] for c in emu.admin.clusters()] == [new_id]
    assert [r["method"] for r in emu.admin.mutating_requests()] == ["POST"]


def test_changing_the_moment_of_a_restore_from_a_backup_later_changes_nothing(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """Found by a review: dropping `recovery_target_datetime` of a restore from a source backup replaced the
    cluster (restoring the same backup again: every write since lost), with no check at preview."""
    origin_id, _, _ = create(provider, name="origin-db")
    (backup,) = emu.backups_of(origin_id)
    when = backup["properties"]["earliestRecoveryTargetTime"]
    source = {"source_backup_id": backup["id"], "recovery_target_datetime": when}
    cluster_id, outs, inputs = create(provider, restore_from_backup=source)
    tidied = provider.check(
        inputs, cluster_inputs(restore_from_backup={"source_backup_id": backup["id"]}), outs
    )
    assert tidied.failures == []
    diff = provider.diff(cluster_id, outs, tidied.inputs)
    assert (diff.changes, diff.replaces) == (1, [])  # DIFF_NONE


def test_a_version_raise_with_a_replacement_is_refused_before_anything_is_deleted(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """Found by a review: the old cluster was deleted, then its backup (of 15) could not make a 16."""
    cluster_id, outs, inputs = create(provider, version="15")
    both = provider.check(inputs, cluster_inputs(version="16", backup_location="de"), outs)
    (failure,) = both.failures
    assert failure[0] == "allow_empty_replacement"
    assert "Change the version in a `pulumi up` of its own first" in failure[1]
    assert [c["id"] for c in emu.admin.clusters()] == [cluster_id]


def test_a_forced_replacement_is_refused_at_preview_unless_an_empty_cluster_is_asked_for(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """`pulumi up --replace <urn>` (engine-call-sequences.md §4): one Check with no olds and no old outputs,
    then Create, then Delete of the old cluster. Found by a review and by an attack through the CLI: the
    create took the old cluster (same name and mark) for its own, and the engine then deleted it."""
    cluster_id, outs, _ = create(provider)
    emu.admin.clear_requests()
    ((field, reason),) = provider.check({}, cluster_inputs()).failures  # the preview stops here
    assert field == "name" and "would delete it with its data once a new cluster is made" in reason
    assert mutating(emu) == []
    # asked for in words: an empty new cluster beside the old one, which the engine then deletes
    checked = provider.check({}, cluster_inputs(allow_empty_replacement=True))
    assert checked.failures == []
    new_id, _ = provider.create(checked.inputs)
    assert new_id != cluster_id
    provider.delete(cluster_id, outs)
    assert [c["id"] for c in emu.admin.clusters()] == [new_id]


def test_an_update_of_a_cluster_that_stayed_failed_says_so(
    provider: ProviderProcess, emu: RunningEmulator
) -> None:
    """Found by a review: after a create kept in the state, the next `up` called a FAILED cluster done."""
    cluster_id, outs, inputs = create(provider, timeouts={"failed": "1s"})
    emu.admin.fail(cluster_id, "disk broke")
    with pytest.raises(ProviderCallError) as caught:
        provider.update(
            cluster_id, outs, provider.check(inputs, cluster_inputs(timeouts={"failed": "1s"})).inputs
        )
    assert "went to FAILED and stayed FAILED for the grace period" in caught.value.details
    assert "disk broke" in caught.value.details
