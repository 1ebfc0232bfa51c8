"""The provider process ends when its engine is gone.

The engine (the `pulumi` CLI) starts the provider process and ends it when the operation is over. When the
engine itself is killed (`kill -9`, a CI job cancelled, a test that kills it mid-create), nobody ends the
provider process: the SDK's server waits forever, with its threads still polling clusters. A daemon thread
here looks once a second, cheaply, for either sign that the engine is gone:

- the parent process changed: the engine was the parent, and an orphan is handed to another process;
- the engine's gRPC address, which the engine passes as the process's last argument, stops accepting
  connections (it is watched only when it accepted one at the start: a harness that gives no real address
  keeps the process alive by the first sign alone).

Then the process exits at once (`os._exit`): there is no engine left to hand a result to.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sys
import threading
from collections.abc import Callable, Sequence

CHECK_INTERVAL = 1.0  # seconds between looks; a look is one getppid() and at most one local connect
MISSED_CONNECTIONS = 2  # refused in a row before the engine counts as gone (one could be a busy moment)
ENGINE_GONE_EXIT_STATUS = 3
THREAD_NAME = "ionos-pg-engine-watch"
_STARTING = threading.Lock()
_ADDRESS = re.compile(r"(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]):(?P<port>[0-9]{1,5})")


def engine_address(arguments: Sequence[str]) -> tuple[str, int] | None:
    """The engine's host and port: the last argument shaped as host:port (flags such as -v=9 come first)."""
    for argument in reversed(arguments):
        match = _ADDRESS.fullmatch(argument)
        if match:
            return match["host"].strip("[]"), int(match["port"])
    return None


def accepts_connections(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=CHECK_INTERVAL):
            return True
    except OSError:
        return False


class EngineWatch:
    """What the process knew of its engine at the start, and how to tell that it is gone."""

    def __init__(self, address: tuple[str, int] | None) -> None:
        self.parent = os.getppid()
        self.address = address if address is not None and accepts_connections(address) else None
        self.missed = 0

    def engine_gone(self) -> str | None:
        """Why the engine counts as gone, or None while it is there."""
        if os.getppid() != self.parent:
            return f"its parent process {self.parent} ended"
        if self.address is None:
            return None
        self.missed = 0 if accepts_connections(self.address) else self.missed + 1
        if self.missed >= MISSED_CONNECTIONS:
            return f"its address {self.address[0]}:{self.address[1]} no longer accepts connections"
        return None


def _watch(watch: EngineWatch, end: Callable[[int], object]) -> None:
    stop = threading.Event()
    while not stop.wait(CHECK_INTERVAL):
        reason = watch.engine_gone()
        if reason is not None:
            # The engine read our stderr: with it gone, the pipe may be broken. Saying so must not stop us.
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(f"ionos-postgres provider: the Pulumi engine is gone ({reason}); exiting\n")
                sys.stderr.flush()
            end(ENGINE_GONE_EXIT_STATUS)
            return


def watch_the_engine(
    arguments: Sequence[str] | None = None, end: Callable[[int], object] = os._exit
) -> threading.Thread | None:
    """Start the watch (once per process); `arguments` default to the process's own. None when running."""
    with _STARTING:
        if any(thread.name == THREAD_NAME for thread in threading.enumerate()):
            return None
        watch = EngineWatch(engine_address(sys.argv[1:] if arguments is None else arguments))
        thread = threading.Thread(target=_watch, args=(watch, end), name=THREAD_NAME, daemon=True)
        thread.start()
        return thread
