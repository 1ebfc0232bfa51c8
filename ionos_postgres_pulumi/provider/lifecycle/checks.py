"""The checks that need the service: the inputs against its catalog (versions, upgrade paths, backup
locations), the backup a new cluster is restored from or an in-place restore goes back to, the cluster to
adopt, and the plan of a replacement. Reads only, never a change.

Only new values are checked here: unchanged ones were accepted by the service already, so a preview of
an unchanged stack asks the API nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import ApiError, ConfigurationError, MissingCredentialsError, PostgresClient, rules
from ..api.models import BackupRead
from ..config import CONFIG_TOKEN, StackConfig
from ..engine import handover
from ..engine.internals import HIDDEN_INPUTS, INTERNALS, OLD_OUTPUTS
from ..errors import ProviderError
from ..progress import warn
from ..rules.diffing import replacement_reasons, replaces_the_cluster
from ..rules.marks import Owner
from ..rules.spec import CarryOver, ClusterSpec, Deployed
from ..rules.timestamps import moment
from ..rules.validation import is_major_upgrade
from . import adopting, identity, replacing
from .catalog import Catalog, fetch_catalog
from .clients import client_for
from .journal import Attempt


@dataclass(frozen=True)
class Change:
    """What a check compares: the new inputs, the old ones and the old outputs (None and empty for a new
    resource), and whether the change makes a new cluster and why (the diff's own decision, which compares
    the mappings: see `rules.diffing`)."""

    spec: ClusterSpec
    old: ClusterSpec | None
    deployed: Deployed
    replaces: bool
    why: str = ""

    @classmethod
    def of(cls, inputs: Mapping[str, Any], olds: Mapping[str, Any], old_outputs: Mapping[str, Any]) -> Change:
        replaces = bool(olds) and replaces_the_cluster(olds, inputs)
        why = ", ".join(replacement_reasons(olds, inputs)) if replaces else ""
        old = ClusterSpec.of(olds) if olds else None
        return cls(ClusterSpec.of(inputs), old, Deployed.of(old_outputs), replaces, why)


def service_failures(change: Change, urn: str, config: StackConfig) -> list[CheckFailure]:
    """What the service says about the inputs: its catalog, the backup to restore from, the cluster to adopt,
    and the plan of a replacement (which rides in the hidden inputs to `create`, see `replacing`)."""
    spec = change.spec
    if spec.location is None or spec.version is None or spec.backup_location is None:
        return []  # unknown during a preview: checked once known
    try:
        with client_for(spec.location, config) as client:
            return _with_client(client, change, urn)
    except MissingCredentialsError as exc:
        return [CheckFailure(CONFIG_TOKEN, str(exc))]
    except ApiError as exc:
        if exc.refused_credentials:
            return [CheckFailure(CONFIG_TOKEN, f"was refused by the API: {exc}")]
        raise ProviderError(f"could not check the inputs against the service: {exc}") from None
    except ConfigurationError as exc:
        raise ProviderError(f"could not check the inputs against the service: {exc}") from None


def _with_client(client: PostgresClient, change: Change, urn: str) -> list[CheckFailure]:
    spec, old = change.spec, change.old
    failures = _against(fetch_catalog(client), client.region, change)
    failures += _restore_source_failures(client, spec, str(spec.location))
    if old is not None and change.replaces:
        INTERNALS.require(f"replacing cluster {old.name!r}", OLD_OUTPUTS, HIDDEN_INPUTS)
        found, carried = replacing.plan(client, old, change.deployed, spec, change.why)
        handover.remember_plan(urn, carried)
        if carried is not None:
            spec.stored.carry_over = CarryOver.model_validate(carried)
        return failures + found
    if old is not None:
        return failures + _in_place_restore_failures(client, spec, old, change.deployed)
    INTERNALS.require(f"creating cluster {spec.name!r}", HIDDEN_INPUTS)
    plan, replaced = handover.hand_over(urn)
    if plan is not None:
        spec.stored.carry_over = CarryOver.model_validate(plan)
    if replaced is not None:
        spec.stored.replacing = replaced
    owner = identity.owner_of(spec)
    failures += _identity_failures(client, spec, owner, urn)
    if spec.adopt_existing_id:
        failures += adopting.preview(client, spec, owner)
    if spec.in_place_restore_target:
        warn(
            "restore_from_backup.recovery_target_datetime alone rewinds an existing cluster in place; "
            "this stack has no cluster yet, so nothing is restored when it gets one (a new cluster starts "
            "empty, an adopted one keeps its data)"
        )
    return failures


def _identity_failures(
    client: PostgresClient, spec: ClusterSpec, owner: Owner, urn: str
) -> list[CheckFailure]:
    """What the region holds that this new resource must not take, or may continue (`identity`)."""
    # A name not known yet (a preview) is asked for by no one and is no cluster's.
    name = spec.name or ""
    other = identity.NAMES.ask((client.base_url, client.region), name, urn, owner) if name else None
    if other is not None:
        reason = (
            f"{name!r} is also asked for in {client.region} by another resource of this program ({other}); "
            "one name is one cluster: give one of them another name"
        )
        return [CheckFailure("name", reason)]
    attempts = identity.proven_attempts(client, owner)
    adopted = _adopted_id(client, spec, owner, attempts)
    found = identity.REGIONS.survey(client, owner, name, attempts, {spec.stored.replacing, adopted})
    refused = identity.refusal(found, owner, name, client.region, spec.allow_empty_replacement is True)
    if refused:
        return [CheckFailure("name", refused)]
    if found.best is not None:
        warn(
            f"an interrupted create of this resource made {identity.describe(found.best)}, noted on this "
            "machine and never handed to the stack: `pulumi up` continues with it"
        )
    return []


def _adopted_id(
    client: PostgresClient, spec: ClusterSpec, owner: Owner, attempts: list[Attempt]
) -> str | None:
    """The cluster `adopt_existing_id` will adopt (as it is now: not one this resource adopted already)."""
    wanted = spec.adopt_existing_id
    if wanted is None or wanted == spec.stored.replacing:
        return None
    cluster = adopting.find(client, wanted)
    if cluster is None or adopting.verdict(cluster, owner, attempts) is not adopting.Verdict.ADOPT:
        return None
    return cluster.id


def _against(known: Catalog, region: str, change: Change) -> list[CheckFailure]:
    """Version, upgrade path and backup location against what the service offers."""
    spec = change.spec
    version, backup_location = str(spec.version), spec.backup_location
    failures = []
    offered = known.version(version)
    if offered is None:
        names = ", ".join(known.version_names())
        failures.append(CheckFailure("version", f"{version!r} is not offered; use one of {names}"))
    elif offered.status == "DEPRECATED":
        targets = ", ".join(offered.can_upgrade_to) or "none listed"
        warn(
            f"version: PostgreSQL {version} is deprecated by the service; it can be upgraded to {targets} "
            "(set version and allow_major_version_upgrade=True)"
        )
    old_version = change.old.version if change.old else None
    if offered and is_major_upgrade(old_version, version) and spec.allow_major_version_upgrade:
        warn(
            f"version: {old_version!r} -> {version!r} is a major-version upgrade, and it cannot be undone "
            "(allow_major_version_upgrade is set)"
        )
    if offered and old_version is not None and not change.replaces:
        current = known.version(old_version)
        allowed = list(current.can_upgrade_to) if current else []
        violation = rules.upgrade_path_violation(old_version, version, allowed, "version")
        if violation:
            failures.append(CheckFailure("version", violation.reason()))
    if backup_location not in known.backup_locations:
        names = ", ".join(known.backup_locations)
        reason = f"{backup_location!r} is not a backup location of {region}; use one of {names}"
        failures.append(CheckFailure("backup_location", reason))
    return failures


def _restore_source_failures(client: PostgresClient, spec: ClusterSpec, location: str) -> list[CheckFailure]:
    """A cluster made from a backup replaces the old one first: its backup must exist, before that."""
    source = spec.source_backup_id
    when = spec.restore_from_backup.recovery_target_datetime if spec.restore_from_backup else None
    if source is None:
        return []
    field = "restore_from_backup.source_backup_id"
    try:
        backup = client.get_backup(source)
    except ApiError as exc:
        if exc.is_not_found:
            return [CheckFailure(field, f"{source!r} is not a backup in {location}")]
        raise ProviderError(f"could not check the backup to restore from: {exc}") from None
    version, backup_version = spec.version, backup.properties.postgres_cluster_version
    if (
        version is not None
        and backup_version
        and rules.major_version(version) != rules.major_version(str(backup_version))
    ):
        reason = (
            f"{source!r} is a backup of PostgreSQL {backup_version}; it restores into that major version, "
            f"not {version}: set version to {backup_version!r}"
        )
        return [CheckFailure(field, reason)]
    if when is None:
        return []
    if not covers(backup, rules.parse_timestamp(when)):
        reason = f"{when!r} is outside the recovery window of backup {source} ({window(backup)})"
        return [CheckFailure("restore_from_backup.recovery_target_datetime", reason)]
    return []


def covers(backup: BackupRead, wanted: datetime) -> bool:
    """Whether the backup can restore to `wanted`: inside its window, and never in the future."""
    earliest = moment(backup.properties.earliest_recovery_target_time)
    latest = moment(backup.properties.latest_recovery_target_time) or datetime.now(UTC)
    return (earliest is None or wanted >= earliest.replace(microsecond=0)) and wanted <= latest


def window(backup: BackupRead) -> str:
    earliest = backup.properties.earliest_recovery_target_time
    return f"{earliest} to {backup.properties.latest_recovery_target_time or 'now'}"


def _in_place_restore_failures(
    client: PostgresClient, spec: ClusterSpec, old: ClusterSpec, deployed: Deployed
) -> list[CheckFailure]:
    """A new in-place restore time must be inside a backup of this cluster, and not in the future."""
    target, cluster_id = spec.in_place_restore_target, deployed.cluster_id
    if not target or target == old.in_place_restore_target or cluster_id is None:
        return []
    own = [b for b in client.list_backups(cluster_id=cluster_id) if b.properties.cluster_id == cluster_id]
    if any(covers(b, rules.parse_timestamp(target)) for b in own):
        return []
    windows = ", ".join(window(b) for b in own) or "none"
    reason = (
        f"{target!r} is not inside a recovery window of cluster {cluster_id}'s backups ({windows}), or it "
        "lies in the future; choose a moment inside one of them"
    )
    return [CheckFailure("restore_from_backup.recovery_target_datetime", reason)]
