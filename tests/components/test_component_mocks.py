"""The component's wiring with the engine mocked (its lookups still go to the emulator over a socket)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from ionos_postgres_pulumi import (
    ConnectionArgs,
    CredentialsArgs,
    PostgresCluster,
    PostgresClusterArgs,
    get_cluster,
    get_clusters,
)
from ionos_postgres_pulumi.components.postgres_cluster import child_options
from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from tests.payloads import resource_inputs

REPO = Path(__file__).resolve().parents[2]
CLUSTER_TYPE = "pulumi-python:dynamic/ionos:PostgresV2Cluster"


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.created: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.created.append(args)
        if args.typ == CLUSTER_TYPE:
            outputs = {
                **args.inputs,
                "dns_name": "pg-mockmockmockmock1.postgresql.de-fra.ionos.com",
                "state": "AVAILABLE",
                "status_message": "",
                "port": 5432,
                "connection_uri": "postgresql://app:secret@pg-mock:5432/app",
            }
            return "4e4a7d1e-0000-4000-8000-00000000c1a5", outputs
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {
                "name": args.name,
                "outputs": {"dnsName": "pg-producer.postgresql.de-fra.ionos.com", "port": 5432},
                "secretOutputNames": [],
            }
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks(api_env: RunningEmulator) -> Mocks:
    mocked = Mocks()
    pulumi.runtime.set_mocks(mocked, project="ionos-postgres", stack="test", preview=False)
    return mocked


def secret_flag(output: pulumi.Output[Any]) -> pulumi.Output[bool]:
    flag: pulumi.Output[bool] = pulumi.Output.from_input(output.is_secret())
    return flag


def component(**overrides: Any) -> PostgresCluster:
    args = PostgresClusterArgs(
        location="de/fra",
        connection=ConnectionArgs(
            datacenter_id="5a029f4a-72e5-11ec-90d6-0242ac120003",
            lan_id="1",
            primary_instance_address="10.1.1.5/24",
        ),
        credentials=CredentialsArgs(
            username="app", password=pulumi.Output.secret("S3cret-Passw0rd!"), database="app"
        ),
        **overrides,
    )
    return PostgresCluster("orders", args)


@pulumi.runtime.test
def test_the_cluster_is_a_child_with_looked_up_values(mocks: Mocks) -> pulumi.Output[Any]:
    db = component()

    def verify(values: list[Any]) -> None:
        parent_urn, child_urn, dns_name, version, backup_location, port = values
        assert parent_urn.endswith("ionos:postgres:PostgresCluster::orders")
        # the child's type chain starts with its parent's type: parent=self
        assert child_urn.endswith(
            "ionos:postgres:PostgresCluster$pulumi-python:dynamic/ionos:PostgresV2Cluster::orders"
        )
        assert dns_name == "pg-mockmockmockmock1.postgresql.de-fra.ionos.com"
        assert version == "16"  # the emulator's recommended version
        assert backup_location == "eu-central-3"  # Frankfurt backs up to Berlin
        assert port == 5432
        (cluster,) = [r for r in mocks.created if r.typ == CLUSTER_TYPE]
        inputs = cluster.inputs
        assert inputs["name"] == "orders"
        assert inputs["instances"] == {"count": 1, "ram": 4, "cores": 2, "storage_size": 20}
        assert inputs["maintenance_window"] == {"time": "02:00:00", "day_of_the_week": "Sunday"}
        assert "__provider" in inputs

    return pulumi.Output.all(
        db.urn, db.cluster.urn, db.dns_name, db.version, db.backup_location, db.port
    ).apply(verify)


@pulumi.runtime.test
def test_secrets_stay_secret(mocks: Mocks) -> pulumi.Output[Any]:
    db = component()
    checks = [secret_flag(db.connection_uri), secret_flag(db.cluster.credentials), secret_flag(db.dns_name)]

    def verify(flags: list[bool]) -> None:
        assert flags == [True, True, False]

    return pulumi.Output.all(*checks).apply(verify)


@pulumi.runtime.test
def test_requested_values_pass_through(mocks: Mocks) -> pulumi.Output[Any]:
    db = component(
        name="orders-primary",
        version="17",
        backup_location="de",
        connection_pooler="TRANSACTION",
        timeouts={"create": "2h"},
    )

    def verify(values: list[Any]) -> None:
        version, backup_location = values
        assert (version, backup_location) == ("17", "de")
        (cluster,) = [r for r in mocks.created if r.typ == CLUSTER_TYPE]
        assert cluster.inputs["name"] == "orders-primary"
        assert cluster.inputs["connection_pooler"] == "TRANSACTION"
        assert cluster.inputs["timeouts"] == {"create": "2h"}

    return pulumi.Output.all(db.version, db.backup_location).apply(verify)


def test_a_wrong_version_fails_the_program_with_the_choices(mocks: Mocks) -> None:
    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        return component(version="11").version

    with pytest.raises(Exception, match="'11' is not offered; available: 18 \\(beta\\), 17"):
        program()


@pulumi.runtime.test
def test_protect_and_retain_on_delete_reach_the_cluster(mocks: Mocks) -> pulumi.Output[Any]:
    args = PostgresClusterArgs(
        location="de/fra",
        connection=ConnectionArgs(datacenter_id="dc", lan_id="1", primary_instance_address="10.1.1.5/24"),
        credentials=CredentialsArgs(username="app", password="S3cret-Passw0rd!", database="app"),
    )
    db = PostgresCluster("kept", args, pulumi.ResourceOptions(protect=True, retain_on_delete=True))

    def verify(_: Any) -> None:
        assert db.cluster._protect is True
        options = child_options(db, pulumi.ResourceOptions(protect=True, retain_on_delete=True))
        assert (options.parent, options.protect, options.retain_on_delete) == (db, True, True)
        assert child_options(db, None).retain_on_delete is None

    return db.cluster.urn.apply(verify)


@pulumi.runtime.test
def test_the_consumer_reads_dns_name_through_a_stack_reference(mocks: Mocks) -> pulumi.Output[Any]:
    program = runpy.run_path(str(REPO / "examples" / "consumer" / "__main__.py"))

    def verify(values: list[Any]) -> None:
        host, endpoint, jdbc = values
        assert host == "pg-producer.postgresql.de-fra.ionos.com"
        assert endpoint == "pg-producer.postgresql.de-fra.ionos.com:5432"
        assert jdbc == "jdbc:postgresql://pg-producer.postgresql.de-fra.ionos.com:5432/app"
        (ref,) = [r for r in mocks.created if r.typ == "pulumi:pulumi:StackReference"]
        assert ref.name == "organization/ionos-postgres-basic/test"

    return pulumi.Output.all(program["host"], program["endpoint"], program["jdbc_url"]).apply(verify)


@pulumi.runtime.test
def test_existing_clusters_as_outputs(mocks: Mocks) -> pulumi.Output[Any]:
    """Like Terraform's cluster data sources: the lookups take Inputs and give Outputs."""
    from ionos_postgres_pulumi.provider.api import PostgresClient
    from ionos_postgres_pulumi.provider.api import models as m
    from tests.payloads import cluster_properties

    with PostgresClient("de-fra") as client:  # IONOS_API_URL and IONOS_TOKEN from api_env
        made = client.create_cluster(
            m.ClusterCreateProperties.model_validate(cluster_properties(name="legacy"))
        )
    one = get_cluster(pulumi.Output.from_input("de/fra"), name="legacy")
    every = get_clusters("de/fra")

    def verify(values: list[Any]) -> None:
        found, listed = values
        assert found["id"] == made.id
        assert found["dns_name"] == made.metadata.dns_name
        assert [c["id"] for c in listed] == [made.id]

    return pulumi.Output.all(one, every).apply(verify)


def test_the_owner_mark_sets_a_resource_apart_from_any_other_of_its_name(mocks: Mocks) -> None:
    """The same cluster name in the component and bare: two resources, two marks. Moving a cluster into
    the component without an alias must never let the new resource take the old one's cluster over."""
    from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        inside = component().cluster
        bare = PostgresV2Cluster(
            "orders",
            PostgresV2ClusterArgs(
                location="de/fra",
                name="orders",
                version="16",
                instances={"count": 1, "ram": 4, "cores": 2, "storage_size": 20},
                maintenance_window={"time": "02:00:00", "day_of_the_week": "Sunday"},
                backup_location="eu-central-3",
                connection={"datacenter_id": "x", "lan_id": "1", "primary_instance_address": "10.1.1.5/24"},
                credentials={"username": "app", "password": "S3cret-Passw0rd!", "database": "app"},
            ),
        )
        return pulumi.Output.all(inside.urn, bare.urn)

    program()
    owners = sorted(r.inputs["__owner"] for r in mocks.created if r.typ == CLUSTER_TYPE)
    assert len(owners) == 2
    assert owners[0].startswith("ionos-postgres/test/orders #")
    assert owners[1].startswith("ionos-postgres/test/orders/orders #")  # the label names its parent
    assert owners[0].split(" #")[1] != owners[1].split(" #")[1]


def test_nested_components_of_equal_names_set_their_clusters_apart(mocks: Mocks) -> None:
    """`Prod` and `Staging` each hold an `App("orders")` holding `PostgresV2Cluster("db")` of one cluster
    name: the identity covers every ancestor's type, not only the immediate parent's."""
    from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs

    class App(pulumi.ComponentResource):
        def __init__(self, name: str, opts: pulumi.ResourceOptions) -> None:
            super().__init__("test:index:App", name, None, opts)
            PostgresV2Cluster(
                "db", PostgresV2ClusterArgs(**resource_inputs()), pulumi.ResourceOptions(parent=self)
            )

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        prod = pulumi.ComponentResource("test:index:Prod", "prod")
        staging = pulumi.ComponentResource("test:index:Staging", "staging")
        apps = [App("orders", pulumi.ResourceOptions(parent=parent)) for parent in (prod, staging)]
        return pulumi.Output.all(*(app.urn for app in apps))

    program()
    owners = [r.inputs["__owner"] for r in mocks.created if r.typ == CLUSTER_TYPE]
    assert len(owners) == 2 and len({owner.split(" #")[1] for owner in owners}) == 2
