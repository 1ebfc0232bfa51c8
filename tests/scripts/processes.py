"""The machine's processes as /proc shows them (Linux), for tests that check what is still running."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    command: tuple[str, ...]

    @property
    def command_line(self) -> str:
        return " ".join(self.command)


def _read(pid: int) -> Process | None:
    """The process, unless it has ended (a zombie has ended: only its exit status waits to be collected)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    state, parent = stat.rsplit(")", 1)[1].split()[:2]
    if state in ("Z", "X"):
        return None
    return Process(
        pid, int(parent), tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    )


def running() -> list[Process]:
    """Every process of the machine that has not ended, but this one."""
    found = (_read(int(entry.name)) for entry in PROC.iterdir() if entry.name.isdigit())
    return [process for process in found if process is not None and process.pid != os.getpid()]


def _environment_holds(pid: int, entry: bytes) -> bool:
    try:
        return entry in (PROC / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:  # ended meanwhile, or another user's (when not root): known by its ancestry alone
        return False


def _descends_from(process: Process, ancestor: int, parents: dict[int, int]) -> bool:
    pid = process.parent
    while pid > 1:
        if pid == ancestor:
            return True
        pid = parents.get(pid, 0)
    return False


def descendants(ancestor: int) -> list[Process]:
    """The processes `ancestor` started, directly or not, that are still its descendants."""
    processes = running()
    parents = {process.pid: process.parent for process in processes}
    return [process for process in processes if _descends_from(process, ancestor, parents)]


def started_here(variable: str, value: str) -> list[Process]:
    """The processes this one started, directly or not, that are still running: its descendants, and the
    processes whose environment holds `variable=value` (inherited: an orphan handed to init still counts)."""
    entry = f"{variable}={value}".encode()
    marked = [process for process in running() if _environment_holds(process.pid, entry)]
    children = descendants(os.getpid())
    return [*children, *(process for process in marked if process not in children)]


def is_running(pid: int) -> bool:
    return _read(pid) is not None


def ends_within(pid: int, seconds: float) -> bool:
    """Whether the process `pid` (not necessarily a child of this one) ends within `seconds`."""
    deadline = time.monotonic() + seconds
    while is_running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def killed_once(command: Sequence[str], ready: Callable[[], bool], **popen: Any) -> list[Process]:
    """Start `command` in a process group of its own, and once `ready()` (checked while it runs, for two
    minutes at most, and a second more), SIGKILL that group, as a CI job dies; the processes it had then.
    (The Pulumi CLI starts its plugins in groups of their own: those are in the list, still running.)"""
    job = subprocess.Popen(
        list(command), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen
    )
    deadline = time.monotonic() + 120
    while not ready():
        assert time.monotonic() < deadline and job.poll() is None, f"{command[0]} never got there"
        time.sleep(0.2)
    time.sleep(1.0)
    processes = descendants(job.pid)
    os.killpg(job.pid, signal.SIGKILL)
    job.wait()
    return processes
