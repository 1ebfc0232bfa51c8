"""Checks of a request against what the service holds: its seed, the cluster as it is, its backups.

A version and a backup location must be on offer; an ensure may upgrade a version only along the
current version's `canUpgradeTo`, may grow storage but not shrink it, and keeps the backup location;
a restore needs a backup that covers its time. Each problem is a 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .problems import ApiProblem
from .records import BackupRecord, ClusterRecord
from .seed import Seed
from .validation import shown
from .wire import parse_rfc3339


def catalog_problems(seed: Seed, properties: dict[str, Any]) -> list[str]:
    problems = []
    version = properties["version"]
    if seed.version(version) is None:
        offered = ", ".join(v.version for v in seed.versions)
        problems.append(f"properties.version: {shown(version)} is not offered; use one of {offered}")
    location = properties["backup"]["location"]
    if seed.backup_location(location) is None:
        offered = ", ".join(b.location for b in seed.backup_locations)
        problems.append(
            f"properties.backup.location: {shown(location)} is not a backup location; use one of {offered}"
        )
    return problems


def change_problems(seed: Seed, current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """What an ensure may not change: `current` are the cluster's properties, `wanted` the new ones."""
    found = [
        upgrade_problem(seed, str(current["version"]), wanted["version"]),
        shrink_problem(current["instances"]["storageSize"], wanted["instances"]["storageSize"]),
        relocation_problem(current["backup"]["location"], wanted["backup"]["location"]),
    ]
    return [problem for problem in found if problem]


def upgrade_problem(seed: Seed, old: str, new: str) -> str | None:
    """A major-version upgrade follows `canUpgradeTo` and cannot be undone."""
    current = seed.version(old)
    targets = current.can_upgrade_to if current else ()
    if new == old or new in targets:
        return None
    listed = ", ".join(repr(v) for v in targets) or "none"
    return (
        f"properties.version: {shown(new)} is not an upgrade target of version {old!r} "
        f"(it can be upgraded to: {listed}; an upgrade cannot be undone)"
    )


def shrink_problem(old: int, new: int) -> str | None:
    if new >= old:
        return None
    return (
        f"properties.instances.storageSize: {new} is smaller than the current {old} GB; storage can only grow"
    )


def relocation_problem(old: str, new: str) -> str | None:
    if new == old:
        return None
    return (
        f"properties.backup.location: {shown(new)} differs from {old!r}; the backup location cannot change "
        "after creation"
    )


def restore_for_create(
    backups: Iterable[BackupRecord], region: str, properties: dict[str, Any], now: float
) -> dict[str, Any] | None:
    """A new cluster from `restoreFromBackup.sourceBackupId`: that backup, up to the target time."""
    restore = properties.get("restoreFromBackup")
    if not restore:
        return None
    source = restore.get("sourceBackupId")
    if not source:
        raise ApiProblem(
            422,
            [
                "properties.restoreFromBackup.sourceBackupId: is required to create a cluster from a "
                "backup (recoveryTargetDatetime alone is an in-place restore, for PUT)"
            ],
        )
    backup = next((b for b in backups if b.id == source and b.region == region), None)
    if backup is None:
        raise ApiProblem(
            422, [f"properties.restoreFromBackup.sourceBackupId: backup {shown(source)} does not exist"]
        )
    target = restore.get("recoveryTargetDatetime")
    moment = parse_rfc3339(target) if target else None
    problems = _source_problems(backup, properties, target, moment, now)
    if problems:
        raise ApiProblem(422, problems)
    return plan(backup, moment)


def _source_problems(
    backup: BackupRecord, properties: dict[str, Any], target: str | None, moment: float | None, now: float
) -> list[str]:
    problems = []
    version = properties["version"]
    if backup.version != version:
        problems.append(
            f"properties.version: {shown(version)} differs from the backup's PostgreSQL version "
            f"{backup.version!r}; restore into the same major version"
        )
    if moment is not None and not backup.covers(moment, now):
        problems.append(
            f"properties.restoreFromBackup.recoveryTargetDatetime: {shown(target)} is outside the "
            f"backup's recovery window ({backup.window()})"
        )
    return problems


def restore_in_place(
    backups: Iterable[BackupRecord], record: ClusterRecord, properties: dict[str, Any], now: float
) -> dict[str, Any] | None:
    """An ensure with `restoreFromBackup.recoveryTargetDatetime`: the cluster's own backup of that time."""
    restore = properties.get("restoreFromBackup")
    if not restore:
        return None
    field = "properties.restoreFromBackup"
    if restore.get("sourceBackupId"):
        raise ApiProblem(
            422,
            [
                f"{field}.sourceBackupId: is only valid when creating a cluster; an in-place restore gives "
                "only recoveryTargetDatetime"
            ],
        )
    target = restore.get("recoveryTargetDatetime")
    if not target:
        raise ApiProblem(422, [f"{field}.recoveryTargetDatetime: is required"])
    moment = parse_rfc3339(target)
    own = [b for b in backups if b.cluster_id == record.id]
    covering = next((b for b in own if b.covers(moment, now)), None)
    if covering is None:
        windows = ", ".join(b.window() for b in own) or "none"
        raise ApiProblem(
            422,
            [
                f"{field}.recoveryTargetDatetime: {shown(target)} is not covered by a backup of this "
                f"cluster (recovery windows: {windows})"
            ],
        )
    return plan(covering, moment)


def plan(backup: BackupRecord, moment: float | None) -> dict[str, Any]:
    """The restore a cluster keeps until its transition is done (a backend reads these keys)."""
    return {
        "backupId": backup.id,
        "targetTime": moment,
        "clusterId": backup.cluster_id,
        "backupAt": backup.earliest,
        "backupEnd": backup.latest,  # None while the backup is active
    }
