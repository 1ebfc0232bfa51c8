"""The checks that need the service: the inputs against its catalog (versions, upgrade paths, backup
locations), the backup a new cluster is restored from or an in-place restore goes back to, the cluster to
adopt, and the plan of a replacement. Reads only, never a change.

Only new values are checked here: unchanged ones were accepted by the service already, so a preview of
an unchanged stack asks the API nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import ApiError, ConfigurationError, MissingCredentialsError, PostgresClient, rules
from ..api.models import BackupRead
from ..config import CONFIG_TOKEN, StackConfig
from ..engine import handover
from ..engine.handover import CARRY_OVER_KEY, REPLACING_KEY
from ..engine.internals import HIDDEN_INPUTS, INTERNALS, OLD_OUTPUTS
from ..errors import ProviderError
from ..progress import warn
from ..rules.diffing import replaces_the_cluster
from ..rules.inputs import in_place_restore_target, is_unknown
from ..rules.marks import Owner
from ..rules.timestamps import moment
from ..rules.validation import is_major_upgrade
from . import adopting, identity, replacing
from .catalog import Catalog, fetch_catalog
from .clients import client_for
from .journal import Attempt


def service_failures(
    inputs: dict[str, Any],
    olds: Mapping[str, Any],
    old_outputs: Mapping[str, Any],
    urn: str,
    config: StackConfig,
) -> list[CheckFailure]:
    """What the service says about the inputs: its catalog, the backup to restore from, the cluster to adopt,
    and the plan of a replacement (which rides in `inputs` to `create`, see `replacing`)."""
    location, version, backup_location = (inputs.get(k) for k in ("location", "version", "backup_location"))
    if not (isinstance(location, str) and isinstance(version, str) and isinstance(backup_location, str)):
        return []  # unknown during a preview: checked once known
    try:
        with client_for(location, config) as client:
            return _with_client(client, inputs, olds, old_outputs, urn)
    except MissingCredentialsError as exc:
        return [CheckFailure(CONFIG_TOKEN, str(exc))]
    except ApiError as exc:
        if exc.refused_credentials:
            return [CheckFailure(CONFIG_TOKEN, f"was refused by the API: {exc}")]
        raise ProviderError(f"could not check the inputs against the service: {exc}") from None
    except ConfigurationError as exc:
        raise ProviderError(f"could not check the inputs against the service: {exc}") from None


def _with_client(
    client: PostgresClient,
    inputs: dict[str, Any],
    olds: Mapping[str, Any],
    old_outputs: Mapping[str, Any],
    urn: str,
) -> list[CheckFailure]:
    failures = _against(fetch_catalog(client), client.region, inputs, olds)
    failures += _restore_source_failures(client, inputs, str(inputs["location"]))
    if olds and replaces_the_cluster(olds, inputs):
        INTERNALS.require(f"replacing cluster {olds.get('name')!r}", OLD_OUTPUTS, HIDDEN_INPUTS)
        found, carried = replacing.plan(client, olds, old_outputs, inputs)
        handover.remember_plan(urn, carried)
        if carried is not None:
            inputs[CARRY_OVER_KEY] = carried
        return failures + found
    if olds:
        return failures + _in_place_restore_failures(client, inputs, olds, old_outputs)
    INTERNALS.require(f"creating cluster {inputs.get('name')!r}", HIDDEN_INPUTS)
    handover.hand_over(inputs, urn)
    owner = identity.owner_of_inputs(inputs)
    failures += _identity_failures(client, inputs, owner, urn)
    if inputs.get("adopt_existing_id"):
        failures += adopting.preview(client, inputs, owner)
    if in_place_restore_target(inputs):
        warn(
            "restore_from_backup.recovery_target_datetime alone rewinds an existing cluster in place; "
            "this stack has no cluster yet, so nothing is restored when it gets one (a new cluster starts "
            "empty, an adopted one keeps its data)"
        )
    return failures


def _identity_failures(
    client: PostgresClient, inputs: Mapping[str, Any], owner: Owner, urn: str
) -> list[CheckFailure]:
    """What the region holds that this new resource must not take, or may continue (`identity`)."""
    name = str(inputs["name"])
    other = identity.NAMES.ask((client.base_url, client.region), name, urn, owner)
    if other is not None:
        reason = (
            f"{name!r} is also asked for in {client.region} by another resource of this program ({other}); "
            "one name is one cluster: give one of them another name"
        )
        return [CheckFailure("name", reason)]
    attempts = identity.proven_attempts(client, owner)
    adopted = _adopted_id(client, inputs, owner, attempts)
    found = identity.REGIONS.survey(client, owner, name, attempts, {inputs.get(REPLACING_KEY), adopted})
    refused = identity.refusal(
        found, owner, name, client.region, inputs.get("allow_empty_replacement") is True
    )
    if refused:
        return [CheckFailure("name", refused)]
    if found.best is not None:
        warn(
            f"an interrupted create of this resource made {identity.describe(found.best)}, noted on this "
            "machine and never handed to the stack: `pulumi up` continues with it"
        )
    return []


def _adopted_id(
    client: PostgresClient, inputs: Mapping[str, Any], owner: Owner, attempts: list[Attempt]
) -> str | None:
    """The cluster `adopt_existing_id` will adopt (as it is now: not one this resource adopted already)."""
    wanted = inputs.get("adopt_existing_id")
    if not isinstance(wanted, str) or wanted == inputs.get(REPLACING_KEY):
        return None
    cluster = adopting.find(client, wanted)
    if cluster is None or adopting.verdict(cluster, owner, attempts) is not adopting.Verdict.ADOPT:
        return None
    return cluster.id


def _against(
    known: Catalog, region: str, inputs: Mapping[str, Any], olds: Mapping[str, Any]
) -> list[CheckFailure]:
    """Version, upgrade path and backup location against what the service offers."""
    version, backup_location = inputs["version"], inputs["backup_location"]
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
    old_version = olds.get("version")
    if offered and is_major_upgrade(old_version, version) and inputs.get("allow_major_version_upgrade"):
        warn(
            f"version: {old_version!r} -> {version!r} is a major-version upgrade, and it cannot be undone "
            "(allow_major_version_upgrade is set)"
        )
    old_version = olds.get("version")
    if offered and isinstance(old_version, str) and not replaces_the_cluster(olds, inputs):
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


def _restore_source_failures(
    client: PostgresClient, inputs: Mapping[str, Any], location: str
) -> list[CheckFailure]:
    """A cluster made from a backup replaces the old one first: its backup must exist, before that."""
    restore = inputs.get("restore_from_backup") or {}
    source, when = restore.get("source_backup_id"), restore.get("recovery_target_datetime")
    if not isinstance(source, str):
        return []
    field = "restore_from_backup.source_backup_id"
    try:
        backup = client.get_backup(source)
    except ApiError as exc:
        if exc.is_not_found:
            return [CheckFailure(field, f"{source!r} is not a backup in {location}")]
        raise ProviderError(f"could not check the backup to restore from: {exc}") from None
    version, backup_version = inputs.get("version"), backup.properties.postgres_cluster_version
    if (
        isinstance(version, str)
        and backup_version
        and rules.major_version(version) != rules.major_version(str(backup_version))
    ):
        reason = (
            f"{source!r} is a backup of PostgreSQL {backup_version}; it restores into that major version, "
            f"not {version}: set version to {backup_version!r}"
        )
        return [CheckFailure(field, reason)]
    if not isinstance(when, str) or is_unknown(when):
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
    client: PostgresClient, inputs: Mapping[str, Any], olds: Mapping[str, Any], old_outputs: Mapping[str, Any]
) -> list[CheckFailure]:
    """A new in-place restore time must be inside a backup of this cluster, and not in the future."""
    target, cluster_id = in_place_restore_target(inputs), old_outputs.get("cluster_id")
    if not target or target == in_place_restore_target(olds) or not isinstance(cluster_id, str):
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
