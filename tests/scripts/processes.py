"""The machine's processes as /proc shows them (Linux), for tests that check what is still running."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

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
