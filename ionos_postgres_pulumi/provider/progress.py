"""Progress for the person watching `pulumi up`: the engine shows a provider's stderr under the update."""

from __future__ import annotations

import sys
from typing import Any


def report(message: str) -> None:
    print(f"ionos-postgres: {message}", file=sys.stderr, flush=True)


def duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


class Progress:
    """Reports state changes at once and a heartbeat every 30 s while waiting."""

    def __init__(self, cluster_id: str, doing: str) -> None:
        self.cluster_id = cluster_id
        self.doing = doing
        self.last_state: str | None = None
        self.last_report = 0.0

    def poll(self, current: Any, waited: float) -> None:
        state = getattr(current, "state", None) or "gone"
        if state != self.last_state or waited - self.last_report >= 30:
            report(f"cluster {self.cluster_id}: {state}, {duration(waited)} {self.doing}")
            self.last_state = state
            self.last_report = waited
