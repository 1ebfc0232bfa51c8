"""The checks that need the service: the inputs against its catalog (versions, upgrade paths, backup
locations) and the backup a new cluster is restored from. Reads only, never a change.

Only new values are checked here: unchanged ones were accepted by the service already, so a preview of
an unchanged stack asks the API nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pulumi.dynamic import CheckFailure

from .api import ApiError, ConfigurationError, MissingCredentialsError, PostgresClient, rules
from .catalog import Catalog, fetch_catalog
from .config import CONFIG_TOKEN, StackConfig
from .diffing import replaces_the_cluster
from .errors import ProviderError
from .inputs import is_unknown
from .settings import client_for


def catalog_failures(
    inputs: Mapping[str, Any], olds: Mapping[str, Any], config: StackConfig
) -> list[CheckFailure]:
    location, version, backup_location = (inputs.get(k) for k in ("location", "version", "backup_location"))
    if not (isinstance(location, str) and isinstance(version, str) and isinstance(backup_location, str)):
        return []  # unknown during a preview: checked once known
    try:
        with client_for(location, config) as client:
            failures = _against(fetch_catalog(client), client.region, inputs, olds)
            return failures + _restore_source_failures(client, inputs, location)
    except MissingCredentialsError as exc:
        return [CheckFailure(CONFIG_TOKEN, str(exc))]
    except ApiError as exc:
        if exc.refused_credentials:
            return [CheckFailure(CONFIG_TOKEN, f"was refused by the API: {exc}")]
        raise ProviderError(f"could not check the inputs against the service's catalog: {exc}") from None
    except ConfigurationError as exc:
        raise ProviderError(f"could not check the inputs against the service's catalog: {exc}") from None


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
    if not isinstance(when, str) or is_unknown(when):
        return []
    earliest = moment(backup.properties.earliest_recovery_target_time)
    latest = moment(backup.properties.latest_recovery_target_time)
    wanted = rules.parse_timestamp(when)
    if (earliest is not None and wanted < earliest.replace(microsecond=0)) or (
        latest is not None and wanted > latest
    ):
        window = f"{earliest} to {latest or 'now'}"
        reason = f"{when!r} is outside the recovery window of backup {source} ({window})"
        return [CheckFailure("restore_from_backup.recovery_target_datetime", reason)]
    return []


def moment(value: object) -> datetime | None:
    """A timestamp of a response (tolerant parsing may have left it a string); None if absent or odd."""
    if isinstance(value, datetime):
        return value
    try:
        return rules.parse_timestamp(str(value)) if value else None
    except ValueError:
        return None
