"""`PostgresV2Cluster`: an IONOS DBaaS PostgreSQL v2 cluster as a Pulumi resource."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from .cluster_provider import PostgresV2ClusterProvider
from .spec import COMPUTED_OUTPUTS, OWNER_KEY

SECRET_OUTPUTS = ["credentials", "connection_uri"]


@dataclass
class InstancesArgs:
    """Sizing, per instance: `count` 1-5, `ram` 4-240 GB, `cores` 1-62, `storage_size` 10-4096 GB."""

    count: pulumi.Input[int]
    ram: pulumi.Input[int]
    cores: pulumi.Input[int]
    storage_size: pulumi.Input[int]


@dataclass
class ConnectionArgs:
    """Where the cluster attaches: a datacenter's LAN and the primary's address in CIDR form."""

    datacenter_id: pulumi.Input[str]
    lan_id: pulumi.Input[str]
    primary_instance_address: pulumi.Input[str]


@dataclass
class MaintenanceWindowArgs:
    """A weekly four-hour window: `time` in UTC as HH:MM:SS, `day_of_the_week` such as "Sunday"."""

    time: pulumi.Input[str]
    day_of_the_week: pulumi.Input[str]


@dataclass
class CredentialsArgs:
    """The primary user and the database it owns. The password is kept secret in the state."""

    username: pulumi.Input[str]
    password: pulumi.Input[str]
    database: pulumi.Input[str]


@dataclass
class RestoreFromBackupArgs:
    """With `source_backup_id`: create the cluster from that backup (at `recovery_target_datetime`, or
    entirely); a change means a new cluster. With `recovery_target_datetime` alone: restore this
    cluster in place to that time, once, when the value changes."""

    source_backup_id: pulumi.Input[str] | None = None
    recovery_target_datetime: pulumi.Input[str] | None = None


@dataclass
class TimeoutsArgs:
    """How long to wait for each operation, such as "60m" or "1h30m" (the default is 60m each)."""

    create: pulumi.Input[str] | None = None
    update: pulumi.Input[str] | None = None
    delete: pulumi.Input[str] | None = None


@dataclass
class PostgresV2ClusterArgs:
    location: pulumi.Input[str]
    """The region, such as "de/fra" or "de-fra". Changing it means a new cluster."""
    name: pulumi.Input[str]
    version: pulumi.Input[str]
    """The PostgreSQL major version, such as "16"; changes only to versions it can be upgraded to."""
    instances: pulumi.Input[InstancesArgs | dict[str, Any]]
    connection: pulumi.Input[ConnectionArgs | dict[str, Any]]
    maintenance_window: pulumi.Input[MaintenanceWindowArgs | dict[str, Any]]
    credentials: pulumi.Input[CredentialsArgs | dict[str, Any]]
    backup_location: pulumi.Input[str]
    """Where backups go, such as "eu-central-3" (the API's `backup.location`); changing it replaces."""
    description: pulumi.Input[str] | None = None
    replication_mode: pulumi.Input[str] | None = None
    """ASYNCHRONOUS (default) or STRICTLY_SYNCHRONOUS (needs at least three instances)."""
    backup_retention_days: pulumi.Input[int] | None = None
    """1-365; default 7."""
    connection_pooler: pulumi.Input[str] | None = None
    """DISABLED (default), TRANSACTION or SESSION."""
    logs_enabled: pulumi.Input[bool] | None = None
    metrics_enabled: pulumi.Input[bool] | None = None
    restore_from_backup: pulumi.Input[RestoreFromBackupArgs | dict[str, Any]] | None = None
    timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None
    adopt_existing_id: pulumi.Input[str] | None = None
    """Manage an existing cluster instead of creating one (read only at create; `pulumi import` cannot
    import dynamic resources)."""

    def to_props(self) -> dict[str, Any]:
        return {
            field.name: _plain(getattr(self, field.name))
            for field in dataclasses.fields(self)
            if getattr(self, field.name) is not None
        }


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


class PostgresV2Cluster(pulumi.dynamic.Resource, module="ionos", name="PostgresV2Cluster"):
    """An IONOS DBaaS PostgreSQL v2 cluster.

    `pulumi up` creates it and waits until it is AVAILABLE; changes are applied in place where the
    service allows it (see the README's table) and replace it otherwise; `pulumi refresh` sees drift
    and out-of-band deletion; `pulumi destroy` deletes it and waits until it is gone.
    """

    location: pulumi.Output[str]
    name: pulumi.Output[str]
    description: pulumi.Output[str]
    version: pulumi.Output[str]
    instances: pulumi.Output[dict[str, Any]]
    connection: pulumi.Output[dict[str, Any]]
    maintenance_window: pulumi.Output[dict[str, Any]]
    replication_mode: pulumi.Output[str]
    credentials: pulumi.Output[dict[str, Any]]
    backup_location: pulumi.Output[str]
    backup_retention_days: pulumi.Output[int]
    connection_pooler: pulumi.Output[str]
    logs_enabled: pulumi.Output[bool]
    metrics_enabled: pulumi.Output[bool]
    dns_name: pulumi.Output[str]
    """The cluster's host name, such as pg-abc123.postgresql.de-fra.ionos.com."""
    state: pulumi.Output[str]
    status_message: pulumi.Output[str]
    port: pulumi.Output[int]
    connection_uri: pulumi.Output[str]
    """postgresql://user:password@host:5432/database (secret)."""

    def __init__(
        self,
        resource_name: str,
        args: PostgresV2ClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = args.to_props()
        # The credentials hold the password: secret in the inputs as well as in the outputs.
        if "credentials" in props:  # when missing, check reports it, naming the field
            props["credentials"] = pulumi.Output.secret(props["credentials"])
        for computed in COMPUTED_OUTPUTS:
            props[computed] = None
        props[OWNER_KEY] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        )
        super().__init__(PostgresV2ClusterProvider(), resource_name, props, opts)
