"""Adjustments to the Pulumi SDK's dynamic-provider server (`python -m pulumi.dynamic`), made from inside
it when the provider module is first imported there (while the server unpickles the provider for its
first call).

As many calls at once as the engine sends: the server runs its calls on a thread pool of 4
(`futures.ThreadPoolExecutor(max_workers=4)`, no setting to change it), and each create holds a thread for
the whole provisioning, so a stack of 12 clusters would take 3 provisioning times however high the engine's
`--parallel`. The pool that runs this very call is widened to 64 threads, made as calls arrive; calls
already queued get a thread at once. `IONOS_PG_MAX_CONCURRENCY` limits how many of them call the API at
once (`lifecycle`), for users who must protect their API quota.

Our errors without tracebacks: the server (pulumi 3.272's `pulumi/dynamic/__main__.py`) sends
`traceback.format_exc()` as the error of any failed call, so a cluster that went FAILED would reach the
user as a Python traceback. Our own errors are written for the user; for those the server's `traceback`
is swapped for one that returns the message. Any other exception (a bug) keeps its traceback.

Both rely on names private to the SDK and to `concurrent.futures`, so they check for each first and leave
the server as it is when one is missing; `internals` checks every internal once and says what degrades.
tests/provider/test_engine_server.py fails when an upgrade takes them away.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
import weakref
from concurrent import futures
from concurrent.futures import thread as futures_thread
from types import ModuleType
from typing import Any, ClassVar

from pulumi.runtime.proto import provider_pb2

from ..errors import ProviderError
from ..progress import report
from ..secret_filter import hidden
from .calls import current_call
from .internals import CLEAN_ERRORS, DETAILED_DIFFS, INTERNALS, ROW_MESSAGES, WIDER_POOL, running_server
from .watch import engine_address, watch_the_engine

CONCURRENCY_VARIABLE = "IONOS_PG_MAX_CONCURRENCY"
MOST_CALLS_AT_ONCE = 64  # threads are made only as calls arrive; this bounds a runaway engine


class CleanTracebacks:
    """Stands in for the `traceback` module inside the server."""

    def __init__(self, real: ModuleType) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        """Our errors as their message, a bug with its traceback; neither with a secret of the call."""
        error = sys.exc_info()[1]
        text: str = str(error) if isinstance(error, ProviderError) else self._real.format_exc(*args, **kwargs)
        call = current_call()
        return hidden(text, *(call.values() if call is not None else ()))


def report_errors_without_tracebacks(server: ModuleType) -> bool:
    """True when the server sends our errors as their message alone from now on."""
    if getattr(server, "traceback", None) is traceback and hasattr(server, "_abort_with_traceback"):
        server.traceback = CleanTracebacks(traceback)  # type: ignore[attr-defined]
    return isinstance(getattr(server, "traceback", None), CleanTracebacks)


def concurrency() -> int:
    """How many calls may run at once: IONOS_PG_MAX_CONCURRENCY (to protect an API quota), at most 64."""
    configured = os.environ.get(CONCURRENCY_VARIABLE, "")
    if not configured:
        return MOST_CALLS_AT_ONCE
    if configured.isascii() and configured.isdigit() and int(configured) >= 1:
        return min(MOST_CALLS_AT_ONCE, int(configured))
    report(
        f"{CONCURRENCY_VARIABLE}={configured!r} is not a whole number from 1 up; using {MOST_CALLS_AT_ONCE}"
    )
    return MOST_CALLS_AT_ONCE


def pool_of_this_call() -> futures.ThreadPoolExecutor | None:
    """The thread pool whose worker runs the current call, when the current thread is one's worker."""
    current = threading.current_thread()
    target, args = getattr(current, "_target", None), getattr(current, "_args", ())
    if (
        target is not getattr(futures_thread, "_worker", None)
        or not args
        or not isinstance(args[0], weakref.ref)
    ):
        return None
    pool = args[0]()
    return pool if isinstance(pool, futures.ThreadPoolExecutor) else None


def widen(pool: futures.ThreadPoolExecutor, width: int) -> bool:
    """Let `pool` run `width` calls at once, and give calls that wait in its queue a thread now."""
    if not all(
        hasattr(pool, name) for name in ("_max_workers", "_threads", "_work_queue", "_adjust_thread_count")
    ):
        return False
    pool._max_workers = max(pool._max_workers, width)
    for _ in range(min(pool._work_queue.qsize(), width - len(pool._threads))):
        pool._adjust_thread_count()
    return pool._max_workers >= width


def serve_calls_side_by_side(width: int) -> bool:
    """True when the pool that serves this call runs `width` calls at once from now on."""
    pool = pool_of_this_call()
    return pool is not None and widen(pool, width)


# The detailed diff of each Diff call being served, by its request: whatever thread or order the server
# answers them in, each answer carries its own call's detail, never another resource's.
_details: dict[int, dict[str, str]] = {}
_details_lock = threading.Lock()


def detail_the_diff(kinds: dict[str, str]) -> None:
    """The detailed diff of the Diff call being served: input (or a field inside one, such as
    "credentials.password") -> "update" or "update-replace". The SDK's server drops detailed diffs (Pulumi
    issue #3080); `DetailedDiffs` adds this one to the call's answer."""
    call = current_call()
    if call is not None and call.method == "Diff" and kinds:
        with _details_lock:
            _details[id(call.request)] = kinds


def _detail_of_this_call() -> dict[str, str]:
    call = current_call()
    if call is None or call.method != "Diff":
        return {}
    with _details_lock:
        return _details.pop(id(call.request), None) or {}


class DetailedDiffs:
    """Stands in for the `proto` module inside the server: its DiffResponse carries the detailed diff."""

    KINDS: ClassVar[dict[str, str]] = {"update": "UPDATE", "update-replace": "UPDATE_REPLACE"}

    def __init__(self, real: ModuleType) -> None:
        self._real = real
        self.DiffResponse = _DiffResponse(real.DiffResponse)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _DiffResponse:
    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)  # DIFF_SOME and the like

    def __call__(self, **fields: Any) -> Any:
        kinds = _detail_of_this_call()
        if kinds:
            fields["detailedDiff"] = {
                key: provider_pb2.PropertyDiff(
                    kind=getattr(provider_pb2.PropertyDiff, DetailedDiffs.KINDS[kind])
                )
                for key, kind in kinds.items()
            }
            fields["hasDetailedDiff"] = True
            fields["diffs"] = sorted({key.split(".", 1)[0] for key in kinds})  # the inputs, by name
        return self._real(**fields)


def send_detailed_diffs(server: ModuleType) -> bool:
    """True when the server's DiffResponse carries the detailed diff from now on."""
    proto = getattr(server, "proto", None)
    if proto is not None and not isinstance(proto, DetailedDiffs) and hasattr(proto, "DiffResponse"):
        server.proto = DetailedDiffs(proto)  # type: ignore[attr-defined]
    return isinstance(getattr(server, "proto", None), DetailedDiffs)


def adjust() -> None:
    """Once, when the provider module is first imported inside the SDK's server: the adjustments, and the
    check of every internal the provider relies on (`internals`)."""
    server = running_server()
    if server is None:
        return
    INTERNALS.check(
        server,
        conveniences=[
            (CLEAN_ERRORS, report_errors_without_tracebacks(server)),
            (DETAILED_DIFFS, send_detailed_diffs(server)),
            # As wide as allowed at all: IONOS_PG_MAX_CONCURRENCY limits the operations that call the API
            # (see `lifecycle`), and check and diff must never wait for a thread behind creates held back.
            (WIDER_POOL, serve_calls_side_by_side(MOST_CALLS_AT_ONCE)),
            (ROW_MESSAGES, engine_address(sys.argv[1:]) is not None),
        ],
    )
    watch_the_engine()  # ends this process when its engine is gone (killed, cancelled)
