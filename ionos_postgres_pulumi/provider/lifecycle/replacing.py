"""A change that needs a new cluster (a new backup location, region or source backup) never loses the data
without being told to.

The order: the old cluster is deleted first (its name and its address in the LAN stay taken until it is
gone), then the new cluster is created from the old one's backup, restored to the latest point that backup
can restore: the moment the old cluster was deleted. IONOS flushes the last WAL segment on delete with a
grace period of about five minutes, so writes of the last moments before the delete may be lost; the
preview says so. Nothing is deleted before everything the new cluster needs has been checked: the backup
exists, lives in the region of the new cluster and fits its version, the name is free, the old cluster is
not protected. Those checks run at preview and again at `up`, right before the engine deletes.

The engine checks a replacement twice: once with the old inputs and outputs (the plan is made there and
shown), and once as a new resource, whose checked inputs `create` receives. The plan is kept in this process
between the two (by URN) and rides to `create` in a hidden input (`CARRY_OVER_KEY`). When the create fails
after the delete, the engine keeps the old resource as pending replacement; the next `up` checks it again,
finds its cluster gone and its backup inactive, and restores from that backup all the same.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import PostgresClient
from ..api.models import BackupRead
from ..api.printable import printable
from ..api.regions import normalize_region
from ..api.rules import major_version, storage_shrink_violation
from ..errors import made_by_whom
from ..progress import warn
from ..rules.spec import ClusterSpec, Deployed
from ..rules.timestamps import moment
from .waiting import read_or_gone

WAL_GRACE = "about five minutes"


def plan(
    client: PostgresClient, old: ClusterSpec, deployed: Deployed, spec: ClusterSpec, why: str
) -> tuple[list[CheckFailure], dict[str, Any] | None]:
    """Whether the replacement may go ahead (`why`: what makes it), and how the data gets to the new cluster
    (None: it does not)."""
    name = str(deployed.name or old.name)
    old_id = deployed.cluster_id or ""
    if deployed.deletion_protection is True or old.deletion_protection is True:
        return [_protected(name, old_id, why, turned_off=spec.deletion_protection is False)], None
    failures = _name_taken(client, spec, old_id)
    if spec.allow_empty_replacement is True:
        warn(
            f"cluster {name!r} ({old_id or 'not made yet'}) is replaced because {why}, and "
            "allow_empty_replacement is set: the new cluster starts EMPTY; the old one and its data are "
            "deleted (its backups stay, and can restore it into another cluster)"
        )
        return failures, None
    source = spec.source_backup_id
    if source or spec.is_unknown("restore_from_backup.source_backup_id"):
        warn(
            f"cluster {name!r} is replaced because {why}: the new cluster is made from backup "
            f"{source or '(not known yet)'}, as "
            "restore_from_backup says; the old cluster's own data is not carried over"
        )
        return failures, None
    carried = _carry_over(client, old, spec, old_id, name, why)
    if isinstance(carried, CheckFailure):
        return [*failures, carried], None
    return failures, None if failures else carried


def _carry_over(
    client: PostgresClient,
    old: ClusterSpec,
    spec: ClusterSpec,
    old_id: str,
    name: str,
    why: str,
) -> dict[str, Any] | CheckFailure:
    if not old_id:
        return _cannot(name, why, "the stack's state does not say which cluster is the old one")
    old_region = normalize_region(str(old.location))
    if old_region != client.region:
        return _cannot(name, why, f"its backups live in {old_region}, not in {client.region}")
    backup, still_running = _backup_of(client, old_id)
    if backup is None:
        return _cannot(name, why, f"cluster {old_id} has no backup yet that can restore it")
    misfit = _misfit(backup, old, spec)
    if misfit:
        return _cannot(name, why, misfit)
    point = (
        "the moment the old cluster is deleted"
        if still_running
        else str(backup.properties.latest_recovery_target_time or "the end of its backup")
    )
    warn(
        f"cluster {name!r} ({old_id}) is replaced because {why}. Its data is carried over: the old cluster "
        f"is deleted first, then the new one is created from its backup {backup.id}, restored to the latest "
        f"point that backup can restore ({point}). Writes of the last moments before the delete may be lost "
        f"(IONOS flushes the last WAL segment with a grace period of {WAL_GRACE}): stop writing before "
        "`pulumi up`"
    )
    return {"source_backup_id": backup.id, "from_cluster": old_id}


def _misfit(backup: BackupRead, old: ClusterSpec, spec: ClusterSpec) -> str | None:
    """Why the new cluster cannot be made from the old one's backup (its version, a smaller disk), if so."""
    backup_version = str(backup.properties.postgres_cluster_version or "")
    new_version = str(spec.version)
    if major_version(backup_version) != major_version(new_version):
        return (
            f"its backup is of PostgreSQL {backup_version} and the new cluster would run {new_version}; a "
            "backup is restored into its own major version. Change the version in a `pulumi up` of its own "
            "first (an in-place upgrade), then make this change"
        )
    shrink = storage_shrink_violation(old.storage_size, spec.storage_size, "storage")
    return f"the new cluster's storage {shrink.reason()}, and must hold the old data" if shrink else None


def _backup_of(client: PostgresClient, cluster_id: str) -> tuple[BackupRead | None, bool]:
    """The backup that holds the cluster's latest data, and whether the cluster still runs."""
    # gone: deleted by an earlier `up` whose create then failed, and its backup is what is left
    running = read_or_gone(client, cluster_id, "plan its replacement") is not None
    backups = [b for b in client.list_backups(cluster_id=cluster_id) if b.properties.cluster_id == cluster_id]
    if running:
        return next((b for b in backups if b.properties.is_active), None), True
    ended = [(end, b) for b in backups if (end := moment(b.properties.latest_recovery_target_time))]
    return (max(ended, key=lambda pair: pair[0])[1] if ended else None), False


def _name_taken(client: PostgresClient, spec: ClusterSpec, old_id: str) -> list[CheckFailure]:
    """The new cluster's name must be free once the old cluster is gone."""
    name = spec.name
    if name is None:
        return []
    others = [
        c
        for c in client.list_clusters(name=name)
        if c.name == name and c.id != old_id and c.state != "DESTROYING"
    ]
    if not others:
        return []
    listed = ", ".join(f"{printable(c.id)} ({made_by_whom(c)})" for c in others)
    return [
        CheckFailure(
            "name",
            f"{name!r} is taken in {client.region} by {listed}; the new cluster could not be made after the "
            "old one is deleted, so nothing is deleted: rename this cluster, or remove the other one",
        )
    ]


def _protected(name: str, cluster_id: str, why: str, turned_off: bool) -> CheckFailure:
    """The protection as deployed counts, whatever the new inputs say: it comes off in a `pulumi up` of its
    own, never in the change that deletes the cluster. The words fit either value the change gives it."""
    if turned_off:
        said = (
            f"turns the protection of cluster {name!r} ({cluster_id}) off in the same change that replaces "
            f"it ({why}), which deletes it; the protection comes off in a `pulumi up` of its own first. "
            "Undo the replacing change, run `pulumi up` with deletion_protection=False alone, then make it"
        )
    else:
        said = (
            f"is on for cluster {name!r} ({cluster_id}), and this change replaces it ({why}), which deletes "
            "it. To replace it, first turn the protection off in its own `pulumi up` "
            "(deletion_protection=False), then make this change"
        )
    return CheckFailure("deletion_protection", said)


def _cannot(name: str, why: str, reason: str) -> CheckFailure:
    return CheckFailure(
        "allow_empty_replacement",
        f"cluster {name!r} would be replaced because {why}, but its data cannot be carried over: {reason}. "
        "Nothing is deleted. Undo that change, or set allow_empty_replacement=True to replace it with an "
        "EMPTY cluster (the old one's backups stay)",
    )
