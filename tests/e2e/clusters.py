"""A program of any number of clusters, each under any chain of components, written by a test as data; and
what a stack's state holds, read as a user reads it (`pulumi stack export`).

Used by the identity tests and the model-based test, which change the program between CLI commands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.rules.marks import without_marks
from scripts.pulumi_project import Engine, write_project
from tests.engine import configure
from tests.payloads import resource_inputs

CLUSTER_TYPE = "pulumi-python:dynamic/ionos:PostgresV2Cluster"
PROGRAM = """import json
import pulumi
from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs

config = pulumi.Config()
password = config.require_secret("password")
components = {}


def parent_of(chain):
    parent = None
    for kind, name in chain:
        key = (id(parent), kind, name)
        if key not in components:
            components[key] = pulumi.ComponentResource(
                f"test:index:{kind}", name, None, pulumi.ResourceOptions(parent=parent)
            )
        parent = components[key]
    return parent


for entry in json.loads(config.require("clusters")):
    args = dict(entry["args"])
    args["credentials"] = {**args["credentials"], "password": password}
    opts = pulumi.ResourceOptions(
        parent=parent_of(entry.get("parents", [])),
        delete_before_replace=entry.get("delete_before_replace"),
    )
    cluster = PostgresV2Cluster(entry["resource"], PostgresV2ClusterArgs(**args), opts)
    pulumi.export(entry["key"], cluster.cluster_id)
"""


@dataclass
class Cluster:
    """One cluster of the program: its resource name, the components above it, its inputs."""

    resource: str
    name: str
    parents: list[tuple[str, str]] = field(default_factory=list)
    args: dict[str, Any] = field(default_factory=dict)
    delete_before_replace: bool = False

    @property
    def key(self) -> str:
        return "/".join([*(f"{kind}:{name}" for kind, name in self.parents), self.resource])

    def entry(self) -> dict[str, Any]:
        args = resource_inputs(name=self.name, **self.args)
        args["credentials"] = {k: v for k, v in args["credentials"].items() if k != "password"}
        return {
            "key": self.key,
            "resource": self.resource,
            "parents": self.parents,
            "args": args,
            "delete_before_replace": self.delete_before_replace or None,
        }


def project(where: Path, name: str = "identity") -> Path:
    return write_project(where, name, PROGRAM)


def stack(engine: Engine, emu: RunningEmulator, project_dir: Path, name: str) -> auto.Stack:
    made = engine.stack(project_dir, name)
    configure(made, emu)
    return made


def declare(stack: auto.Stack, clusters: list[Cluster]) -> None:
    """The program's clusters from now on (the stack's configuration holds them)."""
    project_name = stack.workspace.project_settings().name
    stack.set_config(f"{project_name}:clusters", auto.ConfigValue(json.dumps([c.entry() for c in clusters])))


@dataclass(frozen=True)
class Held:
    """A cluster the stack's state holds: by which resource, and whether only as a pending delete."""

    urn: str
    cluster_id: str
    pending_delete: bool
    protected: bool


def held(engine: Engine, stack: auto.Stack) -> list[Held]:
    """The clusters the stack's state holds, as `pulumi stack export` shows them."""
    exported = engine.cli("stack", "export", "--stack", stack.name, cwd=Path(stack.workspace.work_dir))
    resources = json.loads(exported.stdout).get("deployment", {}).get("resources") or []
    return [
        Held(r["urn"], r["id"], bool(r.get("delete")), bool(r.get("protect")))
        for r in resources
        if r.get("type") == CLUSTER_TYPE and r.get("id")
    ]


def live(emu: RunningEmulator) -> set[str]:
    """The clusters the service has, but those going away."""
    return {c["id"] for c in emu.admin.clusters() if c["state"] != "DESTROYING"}


def release(emu: RunningEmulator, cluster_id: str) -> None:
    """What a user does in the console: the provider's mark taken out of a cluster's description."""
    (cluster,) = [c for c in emu.admin.clusters() if c["id"] == cluster_id]
    properties = {k: v for k, v in cluster["properties"].items() if k != "credentials"}
    properties["description"] = without_marks(properties.get("description"))
    requests.put(
        f"{emu.url}/{cluster['region']}/clusters/{cluster_id}",
        json={"id": cluster_id, "properties": properties},
        headers={"Authorization": f"Bearer {emu.token}"},
        timeout=30,
    ).raise_for_status()
    emu.admin.advance(cluster_id)
