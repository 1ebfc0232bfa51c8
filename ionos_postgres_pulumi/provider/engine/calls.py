"""What the provider tells the engine beyond the SDK's `ResourceProvider` interface, from inside the SDK's
provider server (`python -m pulumi.dynamic`).

The SDK hands `create(props)` and the like only the properties. The gRPC request of the call (its URN, the
resource's previous outputs at `check`) and the call's context are one frame up, in the server's servicer
method; `current_call` finds them there. With them the provider can:

- write to the engine's log under the resource's own row (`say`): a lasting message in the resource's
  diagnostics, a warning, or an ephemeral status that the row of `pulumi up` shows while it waits;
- end a create that failed after the cluster was made with the engine's partial-create result
  (`ErrorResourceInitFailed`), so that the cluster goes into the state (`fail_keeping`).

Outside the server (unit tests, a process without an engine) `current_call` is None and messages go to
stderr, which the engine shows under the stack. Everything here relies on names private to the SDK's server;
tests/provider/test_engine_server.py fails when an upgrade takes them away.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from dataclasses import dataclass
from enum import Enum
from types import FrameType
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2  # type: ignore[import-untyped]
from pulumi.runtime import rpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2

from ..secret_filter import hidden
from .internals import THE_CALL, NeedsNewerSdk, running_server
from .watch import engine_address

SERVICER_METHODS = frozenset({"Check", "Diff", "Create", "Read", "Update", "Delete"})
LOG_TIMEOUT_SECONDS = 5.0


class Severity(Enum):
    INFO = "INFO"
    WARNING = "WARNING"


@dataclass(frozen=True)
class EngineCall:
    """The gRPC call the engine is making, as the SDK's servicer received it."""

    method: str
    request: Any
    context: Any

    @property
    def urn(self) -> str:
        return str(getattr(self.request, "urn", "") or "")

    def values(self) -> list[dict[str, Any]]:
        """Every set of properties the request carries (inputs, outputs, old and new)."""
        found = []
        for name in ("properties", "news", "olds", "old_outputs", "inputs"):
            if _has_field(self.request, name):
                found.append(rpc.deserialize_properties(getattr(self.request, name)))
        return found

    def old_outputs(self) -> dict[str, Any]:
        """The resource's outputs as the state holds them (`check` only; empty for a new resource)."""
        if self.method != "Check" or not _has_field(self.request, "old_outputs"):
            return {}
        outputs: dict[str, Any] = rpc.deserialize_properties(self.request.old_outputs)
        outputs.pop("__provider", None)
        return outputs


def _has_field(message: Any, name: str) -> bool:
    try:
        return bool(message.HasField(name))
    except ValueError:  # an SDK whose protocol does not have the field
        return False


def current_call() -> EngineCall | None:
    """The engine's call this thread is serving, when it serves one of the SDK server's methods."""
    server = running_server()
    if server is None:
        return None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        names = frame.f_locals
        if frame.f_globals is vars(server) and "request" in names and "context" in names:
            # the servicer's method, or the server's wrapper around it (which reports its errors)
            method = frame.f_code.co_name
            if method not in SERVICER_METHODS:
                method = getattr(names.get("fn"), "__name__", "")
            if method in SERVICER_METHODS:
                return EngineCall(method, names["request"], names["context"])
        frame = frame.f_back
    return None


def the_call(doing: str) -> EngineCall | None:
    """The engine's call for an operation that needs it: None outside the SDK's server (no engine); inside
    it, a call the frame walk cannot find stops the operation before it does anything."""
    call = current_call()
    if call is None and running_server() is not None:
        raise NeedsNewerSdk(doing, [THE_CALL])
    return call


class EngineLog:
    """The engine's log service, at the address the engine gave the provider process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stub: Any = None
        self._broken = False

    def _engine(self) -> Any:
        with self._lock:
            if self._stub is None and not self._broken:
                # The engine's address is the process's last argument shaped host:port: flags such as
                # -v=9 and --logflow come first.
                address = engine_address(sys.argv[1:])
                if address is None:
                    self._broken = True
                    return None
                host, port = address
                target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(target))
            return self._stub

    def send(self, message: str, urn: str, severity: Severity, ephemeral: bool) -> bool:
        """True when the engine took it."""
        stub = self._engine()
        if stub is None:
            return False
        level = engine_pb2.WARNING if severity is Severity.WARNING else engine_pb2.INFO
        request = engine_pb2.LogRequest(severity=level, message=message, urn=urn, ephemeral=ephemeral)
        try:
            stub.Log(request, timeout=LOG_TIMEOUT_SECONDS)
        except Exception:  # an engine that went away: the rest goes to stderr
            with self._lock:
                self._broken = True
            return False
        return True


_log = EngineLog()


def say(message: str, severity: Severity = Severity.INFO, ephemeral: bool = False) -> bool:
    """A message for the person running `pulumi up`, on the row of the resource whose call this is; True
    when the engine took it. Without an engine, a lasting message goes to stderr (which the engine shows
    under the stack) and an `ephemeral` one (a status the row shows until the next) is dropped."""
    call = current_call()
    message = hidden(message, *(call.values() if call is not None else ()))
    if call is not None and call.urn and _log.send(message, call.urn, severity, ephemeral):
        return True
    if not ephemeral:
        prefix = "warning: " if severity is Severity.WARNING else ""
        print(f"ionos-postgres: {prefix}{message}", file=sys.stderr, flush=True)
    return False


def fail_keeping(
    call: EngineCall | None,
    cluster_id: str,
    outputs: dict[str, Any],
    inputs: dict[str, Any],
    reason: str,
) -> bool:
    """Make the engine keep `cluster_id` in the state although the create fails (its partial-create result,
    `ErrorResourceInitFailed`); the caller then raises its error as usual. False when it cannot."""
    if call is None or call.method != "Create":
        return False
    try:
        provider_key = getattr(sys.modules.get("__main__"), "PROVIDER_KEY", "__provider")
        serialized = rpc.deserialize_properties(call.request.properties)
        keep = {provider_key: serialized.get(provider_key)}
        loop = asyncio.new_event_loop()
        try:
            properties = loop.run_until_complete(rpc.serialize_properties({**outputs, **keep}, {}))
            given = loop.run_until_complete(rpc.serialize_properties({**inputs, **keep}, {}))
        finally:
            loop.close()
        detail = any_pb2.Any()
        detail.Pack(
            provider_pb2.ErrorResourceInitFailed(
                id=cluster_id, properties=properties, reasons=[reason], inputs=given
            )
        )
        status = status_pb2.Status(code=2, message=reason, details=[detail])  # 2: UNKNOWN, as the server's
        call.context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
    except Exception:  # an SDK without these: the error says the cluster exists instead
        return False
    return True
