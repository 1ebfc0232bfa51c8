"""`PostgresCluster`: "PostgreSQL 16 in Frankfurt" as one component.

It looks up the version (`GET /versions`) and a backup location (`GET /backup-locations`) at preview
and at up, creates a `PostgresV2Cluster` as its child, and exposes what other stacks consume:
`dns_name`, `port`, the secret `connection_uri`, and the active backup's recovery window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pulumi

from ionos_postgres_pulumi.provider import (
    ClusterInputs,
    InstancesArgs,
    MaintenanceWindowArgs,
    PostgresV2Cluster,
    PostgresV2ClusterArgs,
)
from ionos_postgres_pulumi.provider.api.redaction import hide_secrets
from ionos_postgres_pulumi.provider.field_docs import with_field_docs

from .lookups import (
    CatalogLookupError,
    active_backup,
    resolve_backup_location,
    resolve_restored_version,
    resolve_version,
)

DEFAULTS: dict[str, Any] = {
    "instances": InstancesArgs(count=1, ram=4, cores=2, storage_size=20),
    "maintenance_window": MaintenanceWindowArgs(time="02:00:00", day_of_the_week="Sunday"),
    # A production database is protected unless the program says otherwise.
    "deletion_protection": True,
}


class PostgresClusterArgs(ClusterInputs):
    """The inputs of `PostgresV2Cluster` (the list below), of which `name`, `version`, `instances`,
    `maintenance_window`, `backup_location` and `deletion_protection` may be left out: the component
    chooses them (see each input's words). Restoring from a backup (`restore_from_backup.source_backup_id`)
    without a `version`, it takes the backup's."""


with_field_docs(PostgresClusterArgs)


# The component's outputs, registered with the engine (each declared with its words below).
OUTPUTS = (
    "dns_name",
    "cluster_id",
    "state",
    "version",
    "backup_location",
    "port",
    "connection_uri",
    "earliest_recovery_target_time",
    "latest_recovery_target_time",
)


class PostgresCluster(pulumi.ComponentResource):
    """A PostgreSQL cluster with its version and backup location looked up; its child is the cluster."""

    dns_name: pulumi.Output[str]
    """The host name, such as pg-ng6akjkmbb4rn9e5.postgresql.de-fra.ionos.com."""
    cluster_id: pulumi.Output[str]
    """The cluster's id at IONOS."""
    state: pulumi.Output[str]
    """The cluster's state as last seen, such as AVAILABLE."""
    version: pulumi.Output[str]
    """The PostgreSQL major version, as chosen or given."""
    backup_location: pulumi.Output[str]
    """Where the backups go, as chosen or given."""
    port: pulumi.Output[int]
    """5432."""
    connection_uri: pulumi.Output[str]
    """postgresql://user:password@host:5432/database (secret)."""
    earliest_recovery_target_time: pulumi.Output[str | None]
    """The earliest moment the active backup can restore."""
    latest_recovery_target_time: pulumi.Output[str | None]
    """The latest moment the active backup can restore; None while that is the present moment."""
    cluster: PostgresV2Cluster

    def __init__(
        self, name: str, args: PostgresClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """A cluster called `name` (its name at IONOS too, unless `args.name` says otherwise), described by
        `args` (see `help(PostgresClusterArgs)`: every input with its unit, rule and default), with `opts`'
        `protect` and `retain_on_delete` applied to the cluster itself. It is protected from deletion unless
        `args.deletion_protection` is False."""
        super().__init__("ionos:postgres:PostgresCluster", name, None, opts)
        self.cluster = PostgresV2Cluster(
            name, cluster_args(name, args), child_options(self, opts, chosen_once(args))
        )
        self._take_outputs(self.cluster, pulumi.Output.from_input(args.location))
        self.register_outputs({output: getattr(self, output) for output in OUTPUTS})

    def _take_outputs(self, cluster: PostgresV2Cluster, location: pulumi.Output[str]) -> None:
        """What other stacks consume: the cluster's outputs, and its active backup's recovery window."""
        self.dns_name = cluster.dns_name
        self.cluster_id = cluster.id
        self.state = cluster.state
        self.version = cluster.version
        self.backup_location = cluster.backup_location
        self.port = cluster.port
        self.connection_uri = pulumi.Output.secret(cluster.connection_uri)
        active = pulumi.Output.all(location, cluster.id).apply(lambda v: _active_backup(v[0], v[1]))
        self.earliest_recovery_target_time = active.apply(lambda b: b.get("earliest_recovery_target_time"))
        self.latest_recovery_target_time = active.apply(lambda b: b.get("latest_recovery_target_time"))


def cluster_args(name: str, args: PostgresClusterArgs) -> PostgresV2ClusterArgs:
    """The cluster's inputs: those given, the version and backup location from the catalog, the component's
    defaults for the rest, and the component's name unless `args.name` gives another."""
    values = {field.name: getattr(args, field.name) for field in dataclasses.fields(ClusterInputs)}
    values.update(from_the_catalog(args))
    values.update({key: default for key, default in DEFAULTS.items() if values[key] is None})
    values["name"] = name if args.name is None else args.name
    return PostgresV2ClusterArgs(**values)


def from_the_catalog(args: PostgresClusterArgs) -> dict[str, pulumi.Input[str]]:
    """The version and the backup location, looked up whether given or not: a given one is checked against
    the catalog."""
    password = _nested(args.credentials, "password")
    source = _nested(args.restore_from_backup, "source_backup_id")
    version = (
        _looked_up(resolve_version, args.location, args.version, password)
        if args.version is not None or source is None
        else _looked_up(resolve_restored_version, args.location, source, password)  # the backup's major
    )
    return {
        "version": version,
        "backup_location": _looked_up(resolve_backup_location, args.location, args.backup_location, password),
    }


def chosen_once(args: PostgresClusterArgs) -> list[str]:
    """The catalog's choices the program left to the component, kept as chosen when the cluster was made: a
    later run must not upgrade it because the service recommends a newer version, nor replace it because
    another backup location appeared."""
    return [f for f in ("version", "backup_location") if getattr(args, f) is None]


def _looked_up(
    resolve: Callable[[str, str | None], str],
    location: pulumi.Input[str],
    requested: pulumi.Input[str] | None,
    password: pulumi.Input[str] | None,
) -> pulumi.Input[str]:
    """Plain values are looked up at once (an error stops the program right here); Outputs when known. An
    error never shows the password, even one the program made itself (the CLI masks only configured secrets),
    and what is looked up is not secret because the password is."""
    values = (location, requested, password)
    if all(value is None or isinstance(value, str) for value in values):
        return _without_the_password(resolve, location, requested, password)  # type: ignore[arg-type]
    found = pulumi.Output.all(*values).apply(lambda known: _without_the_password(resolve, *known))
    return pulumi.Output.unsecret(found)


def _without_the_password(
    resolve: Callable[[str, str | None], str], location: str, requested: str | None, password: str | None
) -> str:
    try:
        return resolve(location, requested)
    except CatalogLookupError as exc:
        raise CatalogLookupError(hide_secrets(str(exc), [password] if password else [])) from None


def _nested(block: Any, key: str) -> pulumi.Input[str] | None:
    """A text field of a nested input the program gave as args (`CredentialsArgs`...) or as a dict."""
    if isinstance(block, dict):
        value = block.get(key)
    elif dataclasses.is_dataclass(block):  # never an Output: its attributes are lifted, not read
        value = getattr(block, key, None)
    else:
        return None
    return value if isinstance(value, str | pulumi.Output) else None


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
