"""The engine's half of the dynamic-provider protocol, for tests without the Pulumi CLI.

It starts the SDK's provider server (`python -u -m pulumi.dynamic`) as the engine does, reads the port
it prints, and sends Configure/Check/Diff/Create/Read/Update/Delete over gRPC with the serialized
provider in `__provider`, exactly as the engine would.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from google.rpc import status_pb2  # type: ignore[import-untyped]
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from ionos_postgres_pulumi.provider.cluster_provider import PostgresV2ClusterProvider

URN = "urn:pulumi:test::ionos-postgres::pulumi-python:dynamic/ionos:PostgresV2Cluster::db"
UNKNOWN = rpc.UNKNOWN
PROVIDER_STRING = serialize_provider(PostgresV2ClusterProvider())


class ProviderCallError(Exception):
    def __init__(self, method: str, error: grpc.RpcError) -> None:
        self.method = method
        self.details = error.details() or ""
        self.kept = _partial_create(error)
        super().__init__(f"{method} failed: {self.details}")


def _partial_create(error: grpc.RpcError) -> tuple[str, dict[str, Any]] | None:
    """The id and outputs a failed create hands the engine to keep in its state (`ErrorResourceInitFailed`
    in the status details), as the engine reads them; None when it hands none."""
    trailing = dict(error.trailing_metadata() or ())
    raw = trailing.get("grpc-status-details-bin")
    if not raw:
        return None
    status = status_pb2.Status.FromString(raw)
    for detail in status.details:
        failed = provider_pb2.ErrorResourceInitFailed()
        if detail.Unpack(failed):
            outputs = _dict(failed.properties)
            outputs.pop("__provider", None)
            return failed.id, outputs
    return None


@dataclass
class CheckOutcome:
    inputs: dict[str, Any]
    failures: list[tuple[str, str]]  # (property, reason) as the engine receives them

    @property
    def by_field(self) -> dict[str, str]:
        """Each failure's reason by the field it names: its property, or, for a field the engine cannot show
        as a property (inside an object, or not an input), the field that opens its reason."""
        named = {}
        for prop, reason in self.failures:
            field, _, rest = (prop, "", reason) if prop else reason.partition(": ")
            named[field] = rest
        return named


@dataclass
class DiffOutcome:
    changes: int
    replaces: list[str]
    delete_before_replace: bool


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    loop = asyncio.new_event_loop()
    try:
        result: struct_pb2.Struct = loop.run_until_complete(rpc.serialize_properties(values, {}))
        return result
    finally:
        loop.close()


def _dict(struct: struct_pb2.Struct, keep_unknowns: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = rpc.deserialize_properties(struct, keep_unknowns)
    return values


class ProviderProcess:
    """One provider process, as the engine runs it for a single `pulumi up`."""

    def __init__(self, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        full_env = {**os.environ, "PULUMI_PROJECT": "ionos-postgres", **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            cwd=cwd,
        )
        assert self.process.stdout is not None
        port = int(self.process.stdout.readline())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def __enter__(self) -> ProviderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.channel.close()
        self.process.kill()
        self.process.wait(timeout=10)

    def stderr(self) -> str:
        """Everything the provider wrote to stderr (after close)."""
        assert self.process.stderr is not None
        return self.process.stderr.read().decode()

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request, timeout=300)
        except grpc.RpcError as error:
            raise ProviderCallError(method, error) from None

    def configure(self, config: dict[str, str]) -> None:
        self._call(
            "Configure",
            provider_pb2.ConfigureRequest(args=_struct(config), acceptSecrets=True, acceptResources=True),
        )

    def check(
        self, olds: dict[str, Any], news: dict[str, Any], old_outputs: dict[str, Any] | None = None
    ) -> CheckOutcome:
        """`old_outputs`: the resource's outputs in the state, which the engine sends along with `olds`."""
        with_provider = {"__provider": PROVIDER_STRING, **news}
        old_values = {"__provider": PROVIDER_STRING, **olds} if olds else {}
        outputs = {"__provider": PROVIDER_STRING, **old_outputs} if old_outputs else {}
        request = provider_pb2.CheckRequest(
            urn=URN, olds=_struct(old_values), news=_struct(with_provider), old_outputs=_struct(outputs)
        )
        response = self._call("Check", request)
        inputs = _dict(response.inputs, keep_unknowns=True)
        inputs.pop("__provider", None)
        return CheckOutcome(inputs, [(f.property, f.reason) for f in response.failures])

    def diff(self, cluster_id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffOutcome:
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=cluster_id,
                urn=URN,
                olds=_struct({"__provider": PROVIDER_STRING, **olds}),
                news=_struct({"__provider": PROVIDER_STRING, **news}),
            ),
        )
        return DiffOutcome(response.changes, list(response.replaces), response.deleteBeforeReplace)

    def create(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(
                urn=URN, properties=_struct({"__provider": PROVIDER_STRING, **inputs})
            ),
        )
        outs = _dict(response.properties)
        outs.pop("__provider", None)
        return response.id, outs

    def read(self, cluster_id: str, outs: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=cluster_id, urn=URN, properties=_struct({"__provider": PROVIDER_STRING, **outs})
            ),
        )
        new_outs = _dict(response.properties)
        new_outs.pop("__provider", None)
        inputs = _dict(response.inputs) if response.HasField("inputs") else {}
        inputs.pop("__provider", None)
        return response.id, new_outs, inputs

    def update(self, cluster_id: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=cluster_id,
                urn=URN,
                olds=_struct({"__provider": PROVIDER_STRING, **olds}),
                news=_struct({"__provider": PROVIDER_STRING, **news}),
            ),
        )
        outs = _dict(response.properties)
        outs.pop("__provider", None)
        return outs

    def delete(self, cluster_id: str, outs: dict[str, Any]) -> None:
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=cluster_id, urn=URN, properties=_struct({"__provider": PROVIDER_STRING, **outs})
            ),
        )


def create_killed_midway(
    endpoint: tuple[str, str],
    inputs: dict[str, Any],
    under_way: Callable[[], bool],
    env: dict[str, str] | None = None,
) -> None:
    """`pulumi up` (its provider process) killed with SIGKILL while a create is under way (`under_way()` says
    when): the engine never hears back, and what the create noted on this machine stays."""
    first = ProviderProcess(env=env)
    first.configure({"ionos:token": endpoint[0], "ionos:endpoint": endpoint[1]})
    checked = first.check({}, inputs)
    assert checked.failures == []
    failed: list[BaseException] = []

    def create() -> None:
        try:
            first.create(checked.inputs)
        except ProviderCallError as exc:
            failed.append(exc)

    worker = threading.Thread(target=create)
    worker.start()
    deadline = time.monotonic() + 30
    while not under_way():
        assert time.monotonic() < deadline, "the create never got under way"
        time.sleep(0.05)
    first.process.kill()
    worker.join(timeout=30)
    first.close()
    assert failed, "the create finished before the kill"
