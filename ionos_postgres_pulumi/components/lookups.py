"""Lookups a program makes: versions, backup locations, backups, and existing clusters.

The choices are plain functions (tested alone); the `get_*` functions wrap them in Outputs for use in
programs, with the same credentials and endpoint as the provider (`ionos:token` and `ionos:endpoint`
from the stack configuration, then IONOS_TOKEN and IONOS_API_URL). The catalog is fetched once per
endpoint and program run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import pulumi

from ionos_postgres_pulumi.provider.api import ApiError, ConfigurationError, PostgresClient
from ionos_postgres_pulumi.provider.api.regions import normalize_region
from ionos_postgres_pulumi.provider.api.rules import major_version, parse_timestamp
from ionos_postgres_pulumi.provider.config import StackConfig
from ionos_postgres_pulumi.provider.lifecycle.catalog import (
    Catalog,
    VersionInfo,
    fetch_catalog,
    forget_catalogs,
)
from ionos_postgres_pulumi.provider.lifecycle.clients import client_for
from ionos_postgres_pulumi.provider.rules.outputs import described

USABLE_STATUSES = ("RECOMMENDED", "SUPPORTED")
# Backups away from the cluster's city, as IONOS advises; the first one the service offers is taken.
PREFERRED_BACKUP_LOCATIONS: Mapping[str, tuple[str, ...]] = {
    "de-fra": ("eu-central-3", "eu-central-2", "de"),  # Frankfurt -> Berlin
    "de-txl": ("de", "eu-south-2"),  # Berlin -> Frankfurt
    "es-vit": ("de", "eu-central-3"),  # Logroño -> Frankfurt
}
FALLBACK_BACKUP_LOCATIONS = ("eu-central-3", "de")  # elsewhere: the getting-started guide's location


class CatalogLookupError(pulumi.RunError):
    """A version or backup location that the service does not offer; the message lists what it does."""


class ClusterLookupError(pulumi.RunError):
    """No cluster, or more than one, answers a `get_cluster` lookup; the message says which."""


@dataclass(frozen=True)
class Backup:
    id: str
    cluster_id: str
    version: str
    is_active: bool
    earliest_recovery_target_time: str | None
    latest_recovery_target_time: str | None  # None: restorable up to now
    location: str


def program_client(location: str) -> PostgresClient:
    """A client configured as the provider's: stack configuration first, then the environment."""
    ionos = pulumi.Config("ionos")
    return client_for(location, StackConfig(token=ionos.get("token"), endpoint=ionos.get("endpoint")))


def choose_version(catalog: Catalog, requested: str | None) -> VersionInfo:
    """The requested major version, or the newest RECOMMENDED one (else the newest SUPPORTED)."""
    usable = [v for v in catalog.versions if v.status in USABLE_STATUSES]
    listed = ", ".join(f"{v.version} ({v.status.lower()})" for v in _newest_first(catalog.versions))
    if requested is None:
        for status in USABLE_STATUSES:
            candidates = _newest_first([v for v in usable if v.status == status])
            if candidates:
                return candidates[0]
        raise CatalogLookupError(f"the service offers no recommended or supported version; it lists {listed}")
    wanted = requested.strip().lower().removeprefix("postgresql").removeprefix("postgres").strip()
    found = catalog.version(wanted)
    if found is None:
        raise CatalogLookupError(f"PostgreSQL version {requested!r} is not offered; available: {listed}")
    if found.status == "DEPRECATED":
        others = ", ".join(v.version for v in _newest_first(usable))
        raise CatalogLookupError(f"PostgreSQL version {found.version!r} is deprecated; use one of {others}")
    return found


def choose_backup_location(catalog: Catalog, location: str, requested: str | None) -> str:
    offered = list(catalog.backup_locations)
    if requested is not None:
        if requested not in offered:
            raise CatalogLookupError(
                f"backup location {requested!r} is not offered in {location}; valid: {', '.join(offered)}"
            )
        return requested
    region = normalize_region(location)
    for candidate in PREFERRED_BACKUP_LOCATIONS.get(region, FALLBACK_BACKUP_LOCATIONS):
        if candidate in offered:
            return candidate
    if not offered:
        raise CatalogLookupError(f"the service offers no backup location in {location}")
    return offered[0]


def _newest_first(versions: Sequence[VersionInfo]) -> list[VersionInfo]:
    return sorted(versions, key=lambda v: major_version(v.version) or (0,), reverse=True)


def catalog_for(location: str) -> Catalog:
    try:
        with program_client(location) as client:
            return fetch_catalog(client)
    except (ApiError, ConfigurationError) as exc:
        raise CatalogLookupError(f"cannot look up PostgreSQL versions and backup locations: {exc}") from None


def resolve_version(location: str, requested: str | None) -> str:
    return choose_version(catalog_for(location), requested).version


def backup_version(location: str, backup_id: str) -> str:
    """The PostgreSQL major version a backup holds, as the backup says: the one it restores into."""
    try:
        with program_client(location) as client:
            backup = client.get_backup(backup_id)
    except ApiError as exc:
        missing = exc.is_not_found
        reason = f"{backup_id!r} is not a backup in {location}" if missing else f"cannot read it: {exc}"
        raise CatalogLookupError(f"restore_from_backup.source_backup_id: {reason}") from None
    except ConfigurationError as exc:
        raise CatalogLookupError(f"cannot read backup {backup_id}: {exc}") from None
    version = backup.properties.postgres_cluster_version
    if not version:
        raise CatalogLookupError(
            f"backup {backup_id} does not say which PostgreSQL version it holds: set version to that one"
        )
    return str(version)


def resolve_restored_version(location: str, backup_id: str | None) -> str:
    """The version of a cluster made from `backup_id` when the program gives none: the backup's own (a
    backup restores into its own major version), checked against the catalog."""
    return resolve_version(location, backup_version(location, backup_id) if backup_id else None)


def resolve_backup_location(location: str, requested: str | None) -> str:
    return choose_backup_location(catalog_for(location), location, requested)


def get_versions(location: pulumi.Input[str]) -> pulumi.Output[list[dict[str, Any]]]:
    """Every version the region offers: `{id, version, status, comment, can_upgrade_to}`."""

    def fetch(where: str) -> list[dict[str, Any]]:
        return [asdict(v) for v in _newest_first(catalog_for(where).versions)]

    return pulumi.Output.from_input(location).apply(fetch)


def get_backup_locations(location: pulumi.Input[str]) -> pulumi.Output[list[str]]:
    return pulumi.Output.from_input(location).apply(lambda where: list(catalog_for(where).backup_locations))


def list_backups(location: str, cluster_id: str | None = None) -> list[Backup]:
    try:
        with program_client(location) as client:
            found = client.list_backups(cluster_id=cluster_id)
    except (ApiError, ConfigurationError) as exc:
        raise CatalogLookupError(f"cannot list the backups: {exc}") from None
    return [
        Backup(
            id=b.id,
            cluster_id=b.properties.cluster_id or "",
            version=b.properties.postgres_cluster_version or "",
            is_active=bool(b.properties.is_active),
            earliest_recovery_target_time=_text(b.properties.earliest_recovery_target_time),
            latest_recovery_target_time=_text(b.properties.latest_recovery_target_time),
            location=b.properties.location or "",
        )
        for b in found
    ]


_REGION_BACKUPS_TTL = 60.0
_region_backups: dict[str, tuple[float, list[Backup]]] = {}
_region_backups_lock = threading.Lock()


def active_backup(location: str, cluster_id: str) -> Backup | None:
    """The cluster's active backup. A preview reads the region's backups once (not once per cluster);
    an update asks per cluster, so that a cluster made a moment ago is seen with its first backup."""
    if pulumi.runtime.is_dry_run():
        with _region_backups_lock:
            fetched_at, backups = _region_backups.get(location, (0.0, []))
            if time.monotonic() - fetched_at > _REGION_BACKUPS_TTL:
                backups = list_backups(location)
                _region_backups[location] = (time.monotonic(), backups)
    else:
        backups = list_backups(location, cluster_id)
    return next((b for b in backups if b.cluster_id == cluster_id and b.is_active), None)


def forget() -> None:
    """Drop what this process has looked up (a new program run, in a process that runs several)."""
    forget_catalogs()
    with _region_backups_lock:
        _region_backups.clear()


def get_backups(
    cluster_id: pulumi.Input[str] | None, location: pulumi.Input[str]
) -> pulumi.Output[list[dict[str, Any]]]:
    """A cluster's backups (all of the region's without an id) with their recovery windows. The one marked
    `is_active` changes after an in-place restore or a major upgrade of the cluster: to restore from a
    backup that stays the same, use `get_backup(..., covering=<moment>)` or keep its id in configuration."""
    return pulumi.Output.all(pulumi.Output.from_input(location), pulumi.Output.from_input(cluster_id)).apply(
        lambda values: [asdict(b) for b in list_backups(values[0], values[1])]
    )


def find_backup(location: str, cluster_id: str, covering: str | None = None) -> Backup:
    """The cluster's active backup; with `covering` (an RFC 3339 moment), the backup whose recovery window
    holds that moment: the same one on every run, while the service keeps it."""
    backups = [b for b in list_backups(location, cluster_id) if b.cluster_id == cluster_id]
    if covering is None:
        found = [b for b in backups if b.is_active]
        wanted = "active backup"
    else:
        when = _moment(covering, "covering")
        found = [b for b in backups if _window_holds(b, when)]
        wanted = f"backup whose recovery window holds {covering}"
    if not found:
        windows = ", ".join(f"{b.id} ({_window(b)})" for b in backups) or "none"
        raise CatalogLookupError(
            f"cluster {cluster_id} in {location} has no {wanted}; its backups: {windows}"
        )
    # Windows touch where one backup ends and the next begins: the first that held the moment keeps it, so
    # that a backup made later never takes its place (at one start, the one that has ended came first).
    return min(found, key=lambda b: (_earliest(b), b.is_active))


def get_backup(
    cluster_id: pulumi.Input[str], location: pulumi.Input[str], covering: pulumi.Input[str] | None = None
) -> pulumi.Output[dict[str, Any]]:
    """One backup of a cluster, as `get_backups` lists them: the active one, or, with `covering` (an RFC
    3339 moment), the one that can restore that moment. With the same moment it is the same backup on
    every run, so a cluster restored from it (`source_backup_id`) is not replaced when the source cluster
    is restored in place or upgraded later, which makes a new backup the active one."""
    inputs = (pulumi.Output.from_input(v) for v in (location, cluster_id, covering))
    return pulumi.Output.all(*inputs).apply(lambda values: asdict(find_backup(*values)))


def _moment(text: str, what: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError:
        raise CatalogLookupError(
            f"{what} {text!r} is not an RFC 3339 time with a time zone, such as 2026-07-01T09:00:00Z"
        ) from None


def _earliest(backup: Backup) -> datetime:
    earliest = backup.earliest_recovery_target_time
    return _moment(earliest, "earliest") if earliest else datetime.min.replace(tzinfo=UTC)


def _window_holds(backup: Backup, when: datetime) -> bool:
    earliest = backup.earliest_recovery_target_time
    latest = backup.latest_recovery_target_time
    return (earliest is None or _moment(earliest, "earliest") <= when) and (
        _moment(latest, "latest") >= when if latest else when <= datetime.now(UTC)
    )


def _window(backup: Backup) -> str:
    return f"{backup.earliest_recovery_target_time} to {backup.latest_recovery_target_time or 'now'}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return str(value)


def list_clusters(location: str, name: str | None = None) -> list[dict[str, Any]]:
    """The region's clusters (with `name`: those named exactly so), as the service reports them."""
    region = normalize_region(location)
    try:
        with program_client(location) as client:
            # The service's name filter matches a part of the name, whatever its case: compare here.
            found = [c for c in client.list_clusters(name=name) if name is None or c.name == name]
    except (ApiError, ConfigurationError) as exc:
        raise ClusterLookupError(f"cannot list the clusters of {location}: {exc}") from None
    return [{"id": c.id, "location": region, **described(c)} for c in found]


def find_cluster(location: str, cluster_id: str | None = None, name: str | None = None) -> dict[str, Any]:
    """The one cluster with that id or that exact name (both: it must have both); an error otherwise."""
    if cluster_id is None and name is None:
        raise ClusterLookupError("get_cluster needs a cluster_id or a name")
    if cluster_id is None:
        matches = list_clusters(location, name)
    else:
        matches = [c for c in list_clusters(location) if c["id"] == cluster_id]
        matches = [c for c in matches if name is None or c["name"] == name]
    wanted = " and ".join(
        part for part in (f"id {cluster_id}" if cluster_id else "", f"name {name!r}" if name else "") if part
    )
    if not matches:
        raise ClusterLookupError(f"no cluster in {location} has the {wanted}")
    if len(matches) > 1:
        ids = ", ".join(c["id"] for c in matches)
        raise ClusterLookupError(
            f"{len(matches)} clusters in {location} have the {wanted} ({ids}); look one up by cluster_id"
        )
    return matches[0]


def get_clusters(
    location: pulumi.Input[str], name: pulumi.Input[str] | None = None
) -> pulumi.Output[list[dict[str, Any]]]:
    """The region's clusters, or those named exactly `name`: `{id, name, state, dns_name, version, ...}`."""
    return pulumi.Output.all(pulumi.Output.from_input(location), pulumi.Output.from_input(name)).apply(
        lambda values: list_clusters(values[0], values[1])
    )


def get_cluster(
    location: pulumi.Input[str],
    cluster_id: pulumi.Input[str] | None = None,
    name: pulumi.Input[str] | None = None,
) -> pulumi.Output[dict[str, Any]]:
    """One existing cluster by id or exact name (not unique at IONOS: more than one match is an error)."""
    inputs = (pulumi.Output.from_input(v) for v in (location, cluster_id, name))
    return pulumi.Output.all(*inputs).apply(lambda values: find_cluster(values[0], values[1], values[2]))
