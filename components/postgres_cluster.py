"""`PostgresCluster`: "PostgreSQL 16 in Frankfurt" as one component.

It looks up the version (`GET /versions`) and a backup location (`GET /backup-locations`) at preview
and at up, creates a `PostgresV2Cluster` as its child, and exposes what other stacks consume:
`dns_name`, `port`, the secret `connection_uri`, and the active backup's recovery window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi

from ionos_postgres_pulumi.provider import (
    ConnectionArgs,
    CredentialsArgs,
    InstancesArgs,
    MaintenanceWindowArgs,
    PostgresV2Cluster,
    PostgresV2ClusterArgs,
    RestoreFromBackupArgs,
    TimeoutsArgs,
)

from .lookups import active_backup, resolve_backup_location, resolve_version

DEFAULT_INSTANCES = InstancesArgs(count=1, ram=4, cores=2, storage_size=20)
DEFAULT_MAINTENANCE_WINDOW = MaintenanceWindowArgs(time="02:00:00", day_of_the_week="Sunday")


@dataclass
class PostgresClusterArgs:
    location: pulumi.Input[str]
    """The region, such as "de/fra"."""
    connection: pulumi.Input[ConnectionArgs | dict[str, Any]]
    credentials: pulumi.Input[CredentialsArgs | dict[str, Any]]
    """The primary user and its database; pass the password as a secret (`config.require_secret`)."""
    name: pulumi.Input[str] | None = None
    """The cluster's name at IONOS (default: the component's name)."""
    version: pulumi.Input[str] | None = None
    """A major version such as "16"; default: the newest RECOMMENDED one."""
    backup_location: pulumi.Input[str] | None = None
    """Default: a location in another city than the cluster (see the README)."""
    instances: pulumi.Input[InstancesArgs | dict[str, Any]] | None = None
    """Default: 1 instance, 4 GB RAM, 2 cores, 20 GB storage."""
    maintenance_window: pulumi.Input[MaintenanceWindowArgs | dict[str, Any]] | None = None
    """Default: Sunday 02:00:00 UTC."""
    replication_mode: pulumi.Input[str] | None = None
    description: pulumi.Input[str] | None = None
    backup_retention_days: pulumi.Input[int] | None = None
    connection_pooler: pulumi.Input[str] | None = None
    logs_enabled: pulumi.Input[bool] | None = None
    metrics_enabled: pulumi.Input[bool] | None = None
    restore_from_backup: pulumi.Input[RestoreFromBackupArgs | dict[str, Any]] | None = None
    timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None
    adopt_existing_id: pulumi.Input[str] | None = None


class PostgresCluster(pulumi.ComponentResource):
    dns_name: pulumi.Output[str]
    cluster_id: pulumi.Output[str]
    state: pulumi.Output[str]
    version: pulumi.Output[str]
    backup_location: pulumi.Output[str]
    port: pulumi.Output[int]
    connection_uri: pulumi.Output[str]
    earliest_recovery_target_time: pulumi.Output[str | None]
    latest_recovery_target_time: pulumi.Output[str | None]
    """None while the active backup can restore up to the present moment."""
    cluster: PostgresV2Cluster

    def __init__(
        self, name: str, args: PostgresClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("ionos:postgres:PostgresCluster", name, None, opts)
        location = pulumi.Output.from_input(args.location)
        version = _looked_up(resolve_version, args.location, args.version)
        backup_location = _looked_up(resolve_backup_location, args.location, args.backup_location)
        cluster_args = PostgresV2ClusterArgs(
            location=args.location,
            name=args.name if args.name is not None else name,
            version=version,
            instances=args.instances if args.instances is not None else DEFAULT_INSTANCES,
            connection=args.connection,
            maintenance_window=(
                args.maintenance_window if args.maintenance_window is not None else DEFAULT_MAINTENANCE_WINDOW
            ),
            credentials=args.credentials,
            backup_location=backup_location,
            **{
                field: getattr(args, field)
                for field in (
                    "description",
                    "replication_mode",
                    "backup_retention_days",
                    "connection_pooler",
                    "logs_enabled",
                    "metrics_enabled",
                    "restore_from_backup",
                    "timeouts",
                    "adopt_existing_id",
                )
            },
        )
        # A default is chosen once, when the cluster is made: a later run must not upgrade it because the
        # service recommends a newer version, nor replace it because another backup location appeared.
        chosen_once = [f for f in ("version", "backup_location") if getattr(args, f) is None]
        self.cluster = PostgresV2Cluster(name, cluster_args, child_options(self, opts, chosen_once))

        self.dns_name = self.cluster.dns_name
        self.cluster_id = self.cluster.id
        self.state = self.cluster.state
        self.version = self.cluster.version
        self.backup_location = self.cluster.backup_location
        self.port = self.cluster.port
        self.connection_uri = pulumi.Output.secret(self.cluster.connection_uri)
        active = pulumi.Output.all(location, self.cluster.id).apply(lambda v: _active_backup(v[0], v[1]))
        self.earliest_recovery_target_time = active.apply(lambda b: b.get("earliest_recovery_target_time"))
        self.latest_recovery_target_time = active.apply(lambda b: b.get("latest_recovery_target_time"))
        self.register_outputs(
            {
                "dns_name": self.dns_name,
                "cluster_id": self.cluster_id,
                "state": self.state,
                "version": self.version,
                "backup_location": self.backup_location,
                "port": self.port,
                "connection_uri": self.connection_uri,
                "earliest_recovery_target_time": self.earliest_recovery_target_time,
                "latest_recovery_target_time": self.latest_recovery_target_time,
            }
        )


def _looked_up(
    resolve: Callable[[str, str | None], str],
    location: pulumi.Input[str],
    requested: pulumi.Input[str] | None,
) -> pulumi.Input[str]:
    """Plain values are looked up at once (an error stops the program right here); Outputs when known."""
    if isinstance(location, str) and (requested is None or isinstance(requested, str)):
        return resolve(location, requested)
    return pulumi.Output.all(location, requested).apply(lambda values: resolve(values[0], values[1]))


def child_options(
    parent: pulumi.Resource, opts: pulumi.ResourceOptions | None, chosen_once: list[str] | None = None
) -> pulumi.ResourceOptions:
    """The component's `protect` and `retain_on_delete` hold for the cluster it creates; defaults the
    component chose are kept as they were chosen (`ignore_changes`)."""
    return pulumi.ResourceOptions(
        parent=parent,
        protect=opts.protect if opts else None,
        retain_on_delete=opts.retain_on_delete if opts else None,
        ignore_changes=chosen_once or None,
    )


def _active_backup(location: str, cluster_id: str) -> dict[str, Any]:
    backup = active_backup(location, cluster_id)
    return dataclasses.asdict(backup) if backup else {}
