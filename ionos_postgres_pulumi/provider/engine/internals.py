"""The Pulumi SDK internals the provider relies on, each checked once when the provider process starts.

Each internal: what it uses, the first pulumi version that has it, how it is checked, and what happens
without it. The first four guard data; the others are conveniences.

- the call: the servicer's `request` and `context`, found by a frame walk (`calls.current_call`); every
  servicer method takes `(self, request, context)`. Without it no URN, old outputs or partial-create result:
  the operations that need them fail.
- old outputs at check: `CheckRequest.old_outputs`, pulumi 3.261.0; the field is in the SDK's protocol.
  Without it a check cannot tell which cluster a replacement replaces: such checks fail.
- hidden inputs: inputs named `__...` kept by `rpc.deserialize_properties`, pulumi 3.235.0; a round trip of
  one such input. Without them the owner mark and the hand-over of a replacement are lost: checks of new
  resources, replacements and creates fail.
- partial create: `ErrorResourceInitFailed` in the gRPC status details; the message type and
  `google.rpc.status_pb2` load. Without it a cluster made by a create that then fails could not reach the
  state: creates fail before they send anything.
- clean errors: the server's `traceback` global and `_abort_with_traceback`, pulumi 3.260.0. Without them
  our errors arrive as the SDK formats them.
- detailed diffs: the server's `proto` global and its `DiffResponse`. Without them `preview --diff` marks no
  input as forcing a new cluster.
- wider pool: the private fields of `concurrent.futures.ThreadPoolExecutor` serving the first call.
  Without them at most 4 calls run at once.
- row messages: the engine's address among the process's arguments. Without it messages go to stderr,
  under the stack, instead of the cluster's row.

Outside the SDK's provider server (a unit test, a program) nothing is checked and nothing is required:
there is no engine to speak to. Inside it, a missing internal that guards data makes each operation that
needs it fail with a message naming the SDK version needed, before it changes anything; a missing
convenience is said once, on stderr, which the engine shows under the stack.
"""

from __future__ import annotations

import importlib.metadata
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from ..errors import ProviderError

SERVICER_METHODS = ("Check", "Diff", "Create", "Read", "Update", "Delete")
HIDDEN_PROBE = "__probe"


@dataclass(frozen=True)
class Internal:
    name: str
    since: str
    guards_data: bool
    without: str  # what goes missing, in words for the person running `pulumi up`


THE_CALL = Internal(
    "the call", "3.0", True, "the provider cannot find the engine's request (the resource's URN and state)"
)
OLD_OUTPUTS = Internal(
    "old outputs at check",
    "3.261.0",
    True,
    "its provider server does not hand a check the resource's old outputs, so a replacement cannot tell "
    "which cluster is the one it replaces",
)
HIDDEN_INPUTS = Internal(
    "hidden inputs",
    "3.235.0",
    True,
    "it drops the provider's hidden inputs (the owner of a cluster, the plan of a replacement), so a "
    "create cannot tell its own cluster from somebody else's",
)
PARTIAL_CREATE = Internal(
    "partial create",
    "3.0",
    True,
    "a create that fails after making its cluster could not put that cluster into the stack's state",
)
CLEAN_ERRORS = Internal("clean errors", "3.260.0", False, "errors arrive as the SDK formats them")
DETAILED_DIFFS = Internal(
    "detailed diffs", "3.0", False, "`pulumi preview --diff` does not mark inputs that force a new cluster"
)
WIDER_POOL = Internal("wider pool", "3.0", False, "at most 4 calls run at once")
ROW_MESSAGES = Internal(
    "row messages", "3.0", False, "messages go to stderr, under the stack, instead of the cluster's row"
)


def running_server() -> ModuleType | None:
    """The SDK's provider server module (`python -m pulumi.dynamic`), when this process is one."""
    server = sys.modules.get("__main__")
    if server is not None and hasattr(server, "DynamicResourceProviderServicer"):
        return server
    return None


def sdk_version() -> str:
    try:
        return importlib.metadata.version("pulumi")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def takes_request_and_context(server: ModuleType) -> bool:
    """Every servicer method (or the SDK's wrapper around it) has `request` and `context` as its locals."""
    servicer = getattr(server, "DynamicResourceProviderServicer", None)
    for method in SERVICER_METHODS:
        code = getattr(getattr(servicer, method, None), "__code__", None)
        if code is None or tuple(code.co_varnames[:3]) != ("self", "request", "context"):
            return False
    return True


def has_old_outputs_at_check() -> bool:
    return "old_outputs" in provider_pb2.CheckRequest.DESCRIPTOR.fields_by_name


def keeps_hidden_inputs() -> bool:
    probe = struct_pb2.Struct()
    probe.update({HIDDEN_PROBE: "kept"})
    return bool(rpc.deserialize_properties(probe).get(HIDDEN_PROBE) == "kept")


def can_keep_a_partial_create() -> bool:
    try:
        from google.rpc import status_pb2  # type: ignore[import-untyped]  # noqa: F401, PLC0415
    except ImportError:
        return False
    return hasattr(provider_pb2, "ErrorResourceInitFailed")


class Internals:
    """What this process found when it started: which internals are missing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._missing: set[Internal] = set()
        self._checked = False

    def check(self, server: ModuleType, conveniences: Iterable[tuple[Internal, bool]] = ()) -> None:
        """Once per process: the internals that guard data, and what the server adjustments found."""
        probes: list[tuple[Internal, Callable[[], bool]]] = [
            (THE_CALL, lambda: takes_request_and_context(server)),
            (OLD_OUTPUTS, has_old_outputs_at_check),
            (HIDDEN_INPUTS, keeps_hidden_inputs),
            (PARTIAL_CREATE, can_keep_a_partial_create),
        ]
        found = [(internal, _safely(probe)) for internal, probe in probes] + list(conveniences)
        with self._lock:
            self._missing = {internal for internal, present in found if not present}
            self._checked = True
        degraded = sorted((i for i in self._missing if not i.guards_data), key=lambda i: i.name)
        if degraded:
            _say_once(
                f"the Pulumi SDK {sdk_version()} in this environment lacks what this provider uses for "
                f"{', '.join(i.name for i in degraded)}; it goes on without them: "
                + "; ".join(i.without for i in degraded)
            )

    def missing(self, internal: Internal) -> bool:
        with self._lock:
            return internal in self._missing

    def require(self, doing: str, *needed: Internal) -> None:
        """Raise before `doing` anything when an internal that guards data is missing in this process."""
        lacking = [i for i in needed if i.guards_data and self.missing(i)]
        if lacking:
            raise NeedsNewerSdk(doing, lacking)


class NeedsNewerSdk(ProviderError):
    def __init__(self, doing: str, lacking: list[Internal]) -> None:
        newest = max((i.since for i in lacking), key=_version_key)
        reasons = "; ".join(i.without for i in lacking)
        super().__init__(
            f"{doing} needs the Pulumi SDK {newest} or newer in the provider's Python environment; this one "
            f"has pulumi {sdk_version()}, and {reasons}. Nothing was created, changed or deleted: install "
            f"`pulumi>={newest}` into the project's virtualenv (the one Pulumi.yaml names) and run the "
            "command again"
        )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def _safely(probe: Callable[[], bool]) -> bool:
    try:
        return probe()
    except Exception:  # a probe that breaks on another SDK says: not there
        return False


def _say_once(message: str) -> None:
    print(f"ionos-postgres: warning: {message}", file=sys.stderr, flush=True)


INTERNALS = Internals()
