"""Every input of a cluster, declared once, with its words.

`ClusterInputs` holds them all. `PostgresV2ClusterArgs` (the resource's) requires the five that
`PostgresClusterArgs` (the component's) may leave out for the component to choose; nothing else differs.
The API's limits for each field are in `ionos_postgres_pulumi.limits` (and the README's tables, which a test
keeps in step with these declarations and those limits). Nested arguments are also accepted as plain dicts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pulumi

from .field_docs import with_field_docs


@dataclass
class InstancesArgs:
    """The cluster's size."""

    count: pulumi.Input[int]
    """How many instances, one primary and the others its standbys: an integer from 1 to 5 instances."""
    ram: pulumi.Input[int]
    """Memory per instance, in GB: an integer from 4 to 240 GB per instance."""
    cores: pulumi.Input[int]
    """CPU cores per instance: an integer from 1 to 62 cores per instance."""
    storage_size: pulumi.Input[int]
    """Storage per instance, in GB, which can only grow: an integer from 10 to 4096 GB per instance."""


@dataclass
class ConnectionArgs:
    """Where the cluster attaches: a datacenter's LAN, and the primary's address there."""

    datacenter_id: pulumi.Input[str]
    """The datacenter whose LAN the cluster joins."""
    lan_id: pulumi.Input[str]
    """The LAN in that datacenter, such as "1"."""
    primary_instance_address: pulumi.Input[str]
    """The primary instance's address and the LAN's prefix length, such as "192.168.1.100/24"."""


@dataclass
class MaintenanceWindowArgs:
    """A weekly four-hour window in which the service may carry out maintenance."""

    time: pulumi.Input[str]
    """When the window starts, in UTC, such as "02:00:00"."""
    day_of_the_week: pulumi.Input[str]
    """The day it starts, such as "Sunday"."""


@dataclass
class CredentialsArgs:
    """The primary user and the database it owns, made with the cluster."""

    username: pulumi.Input[str]
    """The user's name."""
    password: pulumi.Input[str]
    """The user's password; secret in the state, never returned by the API."""
    database: pulumi.Input[str]
    """The database the user owns."""


@dataclass
class RestoreFromBackupArgs:
    """Point-in-time recovery from a backup."""

    source_backup_id: pulumi.Input[str] | None = None
    """Create the cluster from this backup (a change means a new cluster)."""
    recovery_target_datetime: pulumi.Input[str] | None = None
    """The moment to recover to (RFC 3339). Alone, without `source_backup_id`: restore this cluster in
    place to that moment, once, when the value changes."""


@dataclass
class TimeoutsArgs:
    """How long to wait for each operation, such as "60m" or "1h30m"."""

    create: pulumi.Input[str] | None = None
    """Until the cluster is AVAILABLE (default 60m)."""
    update: pulumi.Input[str] | None = None
    """Until a change is applied (default 60m)."""
    delete: pulumi.Input[str] | None = None
    """Until the cluster is gone (default 60m)."""
    failed: pulumi.Input[str] | None = None
    """How long FAILED must last during a create or an update before the provider gives up on the cluster
    (default 10m): the service has been seen to report FAILED for a while and recover."""


@dataclass(kw_only=True)
class ClusterInputs:
    """Every input of a cluster; the component's and the resource's arguments are these."""

    location: pulumi.Input[str]
    """The region, such as "de/fra" or "de-fra". Changing it means a new cluster."""
    connection: pulumi.Input[ConnectionArgs | dict[str, Any]]
    """Where the cluster attaches to your network."""
    credentials: pulumi.Input[CredentialsArgs | dict[str, Any]]
    """The primary user and its database; pass the password as a secret (`config.require_secret`)."""
    name: pulumi.Input[str] | None = None
    """The cluster's name at IONOS. PostgresCluster's default: the component's name."""
    version: pulumi.Input[str] | None = None
    """The PostgreSQL major version, such as "16"; changes only to versions it can be upgraded to.
    PostgresCluster's default: the backup's version when restoring from one (`source_backup_id`), else
    the newest RECOMMENDED version (else the newest SUPPORTED one)."""
    instances: pulumi.Input[InstancesArgs | dict[str, Any]] | None = None
    """The cluster's size. PostgresCluster's default: 1 instance, 4 GB, 2 cores, 20 GB."""
    maintenance_window: pulumi.Input[MaintenanceWindowArgs | dict[str, Any]] | None = None
    """When maintenance may happen. PostgresCluster's default: Sunday 02:00:00 UTC."""
    backup_location: pulumi.Input[str] | None = None
    """Where backups go, such as "eu-central-3" (the API's backup.location); changing it means a new cluster.
    PostgresCluster's default: a location in another city than the cluster."""
    description: pulumi.Input[str] | None = None
    """Free text shown with the cluster."""
    replication_mode: pulumi.Input[str] | None = None
    """ASYNCHRONOUS (default) or STRICTLY_SYNCHRONOUS (at least three instances)."""
    backup_retention_days: pulumi.Input[int] | None = None
    """How many days backups are kept: an integer from 1 to 365 days (default 7)."""
    connection_pooler: pulumi.Input[str] | None = None
    """DISABLED (default), TRANSACTION or SESSION."""
    logs_enabled: pulumi.Input[bool] | None = None
    """Send the cluster's logs to IONOS's logging service (default false; needs that service)."""
    metrics_enabled: pulumi.Input[bool] | None = None
    """Send the cluster's metrics to IONOS's monitoring service (default false; needs that service)."""
    restore_from_backup: pulumi.Input[RestoreFromBackupArgs | dict[str, Any]] | None = None
    """Make the cluster from a backup, or rewind it in place to a moment of its own backups."""
    timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None
    """How long to wait for each operation (Pulumi's custom_timeouts do not reach dynamic providers)."""
    adopt_existing_id: pulumi.Input[str] | None = None
    """Manage this existing cluster instead of creating one (read only at create; `pulumi import` cannot
    import dynamic resources). The preview lists what `pulumi up` will change on it."""
    deletion_protection: pulumi.Input[bool] | None = None
    """While true, the cluster is never deleted: not by `pulumi destroy`, not when it leaves the program, not
    by a change that replaces it; turn it off with an update first, or lift the engine's protection with
    `pulumi state unprotect` (default false). PostgresCluster's default: true."""
    allow_major_version_upgrade: pulumi.Input[bool] | None = None
    """Let a change of `version` upgrade the cluster to a newer major version, which cannot be undone
    (default false: a version raise is refused at preview)."""
    allow_empty_replacement: pulumi.Input[bool] | None = None
    """Let a change that needs a new cluster make an empty one (default false: the new cluster is restored
    from the old one's backup, or the preview refuses the change when no backup can carry the data)."""

    def to_props(self) -> dict[str, Any]:
        """The inputs as the engine takes them: dicts (Outputs inside stay Outputs), unset ones left out."""
        return {
            field.name: _plain(getattr(self, field.name))
            for field in dataclasses.fields(self)
            if getattr(self, field.name) is not None
        }


@dataclass(kw_only=True)
class PostgresV2ClusterArgs(ClusterInputs):
    """The inputs of `PostgresV2Cluster` (the list below); `name`, `version`, `instances`,
    `maintenance_window` and `backup_location` are required here."""

    # `field()`: required, and no default is inherited from ClusterInputs either.
    name: pulumi.Input[str] = dataclasses.field()
    version: pulumi.Input[str] = dataclasses.field()
    instances: pulumi.Input[InstancesArgs | dict[str, Any]] = dataclasses.field()
    maintenance_window: pulumi.Input[MaintenanceWindowArgs | dict[str, Any]] = dataclasses.field()
    backup_location: pulumi.Input[str] = dataclasses.field()


def _plain(value: Any) -> Any:
    """Dataclass arguments as dicts (Outputs inside them stay Outputs), without unset fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    return value


for _documented in (
    InstancesArgs,
    ConnectionArgs,
    MaintenanceWindowArgs,
    CredentialsArgs,
    RestoreFromBackupArgs,
    TimeoutsArgs,
    ClusterInputs,
    PostgresV2ClusterArgs,
):
    with_field_docs(_documented)
