"""Progress for the person watching `pulumi up`, on the resource's own row (see `engine.calls.say`): lasting
messages (created, FAILED and why, deleted) in its diagnostics, the state of a wait as its status."""

from __future__ import annotations

from typing import Any

from .api.printable import printable
from .engine.calls import Severity, say


def report(message: str) -> None:
    say(message)


def warn(message: str) -> None:
    say(message, Severity.WARNING)


def duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


class Progress:
    """The row's status at every poll; without an engine to show it, a line on each change of state and
    every 30 s while waiting."""

    def __init__(self, cluster_id: str, doing: str) -> None:
        self.cluster_id = cluster_id
        self.doing = doing
        self.last_state: str | None = None
        self.last_status = ""
        self.last_report = 0.0

    def poll(self, current: Any, waited: float) -> None:
        state = printable(getattr(current, "state", None) or "gone")  # the service's word
        status = f"{state}, {duration(waited)} {self.doing}"
        if status == self.last_status:
            return  # polls closer than a second apart: the row already says so
        self.last_status = status
        shown = say(status, ephemeral=True)
        if not shown and (state != self.last_state or waited - self.last_report >= 30):
            say(f"cluster {self.cluster_id}: {state}, {duration(waited)} {self.doing}")
            self.last_state = state
            self.last_report = waited
