"""`PostgresV2Cluster`: an IONOS DBaaS PostgreSQL v2 cluster as a Pulumi resource."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, TypedDict

import pulumi
import pulumi.dynamic

from .args import PostgresV2ClusterArgs
from .cluster_provider import PostgresV2ClusterProvider
from .engine.pickling import unwrap_leaked_pickler_sorting
from .rules.inputs import COMPUTED_OUTPUTS, ENGINE_PROTECTS_KEY, OWNER_KEY
from .rules.marks import Owner

if TYPE_CHECKING:
    # What editors and type checkers see: each nested output's fields. At run time the SDK reads these
    # annotations to shape the outputs, and knows dicts, not TypedDicts: the outputs are plain dicts.
    class Instances(TypedDict):
        count: int
        ram: int
        cores: int
        storage_size: int

    class Connection(TypedDict):
        datacenter_id: str
        lan_id: str
        primary_instance_address: str

    class MaintenanceWindow(TypedDict):
        time: str
        day_of_the_week: str

    class Credentials(TypedDict):
        username: str
        database: str
        password: str
else:
    Instances = Connection = MaintenanceWindow = Credentials = dict


SECRET_OUTPUTS = ["connection_uri"]  # and credentials.password, secret as its input is (see below)
TYPE = "pulumi-python:dynamic/ionos:PostgresV2Cluster"


class PostgresV2Cluster(pulumi.dynamic.Resource, module="ionos", name="PostgresV2Cluster"):
    """An IONOS DBaaS PostgreSQL v2 cluster.

    `pulumi up` creates it and waits until it is AVAILABLE; changes are applied in place where the
    service allows it (see the README's table) and replace it otherwise; `pulumi refresh` sees drift
    and out-of-band deletion; `pulumi destroy` deletes it and waits until it is gone.
    """

    location: pulumi.Output[str]
    """The region, as written in the inputs."""
    name: pulumi.Output[str]
    """The cluster's name at IONOS."""
    description: pulumi.Output[str]
    """The description, without the provider's mark."""
    version: pulumi.Output[str]
    """The PostgreSQL major version the cluster runs."""
    instances: pulumi.Output[Instances]
    """count, ram, cores and storage_size, as the service reports them."""
    connection: pulumi.Output[Connection]
    """datacenter_id, lan_id and primary_instance_address."""
    maintenance_window: pulumi.Output[MaintenanceWindow]
    """time and day_of_the_week."""
    replication_mode: pulumi.Output[str]
    """ASYNCHRONOUS or STRICTLY_SYNCHRONOUS."""
    credentials: pulumi.Output[Credentials]
    """username and database, and the password (only the password is secret)."""
    backup_location: pulumi.Output[str]
    """Where the backups go."""
    backup_retention_days: pulumi.Output[int]
    """How many days backups are kept."""
    connection_pooler: pulumi.Output[str]
    """DISABLED, TRANSACTION or SESSION."""
    logs_enabled: pulumi.Output[bool]
    """Whether logs go to IONOS's logging service."""
    metrics_enabled: pulumi.Output[bool]
    """Whether metrics go to IONOS's monitoring service."""
    cluster_id: pulumi.Output[str]
    """The cluster's id at IONOS (the resource's id)."""
    dns_name: pulumi.Output[str]
    """The cluster's host name, such as pg-abc123.postgresql.de-fra.ionos.com."""
    state: pulumi.Output[str]
    """PROVISIONING, AVAILABLE, UPDATING, DESTROYING or FAILED, as last seen."""
    status_message: pulumi.Output[str]
    """What the service says about the state (why it FAILED); empty otherwise."""
    port: pulumi.Output[int]
    """5432."""
    connection_uri: pulumi.Output[str]
    """postgresql://user:password@host:5432/database (secret)."""

    def __init__(
        self,
        resource_name: str,
        args: PostgresV2ClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = args.to_props()
        if "credentials" in props:  # when missing, check reports it, naming the field
            props["credentials"] = _password_secret(props["credentials"])
        for computed in COMPUTED_OUTPUTS:
            props[computed] = None
        props[OWNER_KEY] = _owner(resource_name, opts)
        if args.deletion_protection is True:
            props[ENGINE_PROTECTS_KEY] = True
        opts = pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                additional_secret_outputs=SECRET_OUTPUTS,
                # The engine enforces what deletion_protection promises, at preview: `destroy`, leaving the
                # program and `--replace` fail before anything is deleted. A value known only later (an
                # Output) is enforced by the provider's delete instead.
                protect=True if args.deletion_protection is True else None,
            ),
        )
        unwrap_leaked_pickler_sorting()  # the SDK's serialize_provider leaks a wrapper per resource
        super().__init__(PostgresV2ClusterProvider(), resource_name, props, opts)


def _password_secret(credentials: Any) -> Any:
    """Only the password is secret (an exported username is not); the engine keeps an output secret where
    its input was, key by key. Credentials of another shape (an Output, a string) are secret whole: they
    may hold the password anywhere."""
    if isinstance(credentials, dict) and "password" in credentials:
        return {**credentials, "password": pulumi.Output.secret(credentials["password"])}
    return pulumi.Output.secret(credentials)


def _owner(resource_name: str, opts: pulumi.ResourceOptions | None) -> pulumi.Output[str] | str:
    """Which resource the clusters this one makes belong to (`rules.marks.Owner`): a label to read, and a
    digest of the whole resource, which no other resource shares: the organization, project, stack, the
    parent's URN (every ancestor's type, and the parent's own name), the type and the name. A resource moved
    into a component, or into another stack, is another resource."""
    parent = opts.parent if opts else None
    organization, project, stack = pulumi.get_organization(), pulumi.get_project(), pulumi.get_stack()

    def owner(parent_urn: str | None) -> str:
        parent_urn = parent_urn or ""
        identity = "|".join((organization or "", project, stack, parent_urn, TYPE, resource_name))
        parent_name = parent_urn.rpartition("::")[2]
        label = "/".join(part for part in (project, stack, parent_name, resource_name) if part)
        return str(Owner(label, hashlib.sha256(identity.encode()).hexdigest()[: Owner.DIGEST_LENGTH]))

    if parent is None:
        return owner("")
    # The parent's URN as soon as the parent is registered, taken without making this cluster depend on its
    # parent: whatever depends on a component waits for each of its children, this cluster among them.
    urn = parent.urn
    return pulumi.Output(set(), urn.future(), urn.is_known(), urn.is_secret()).apply(owner)
