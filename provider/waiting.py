"""Waiting for a cluster to reach a state: polls with a growing interval, a deadline, and progress.

The clock and the sleep are parameters, so tests and benchmarks can drive the waiter without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class PollSchedule:
    """Intervals grow by `factor` from `first` up to `longest`, and stay within `share` of the time waited.

    The share keeps the delay between a change and its detection within about that fraction of the
    time the change took, whatever that time is.
    """

    first: float = 0.5
    factor: float = 1.5
    longest: float = 30.0
    share: float = 0.1

    def intervals(self) -> Callable[[float], float]:
        state = {"last": 0.0}

        def next_interval(waited: float) -> float:
            interval = self.first if state["last"] == 0 else min(self.longest, state["last"] * self.factor)
            interval = min(interval, max(self.first, waited * self.share))
            state["last"] = interval
            return interval

        return next_interval


class WaitTimeout(Exception):
    def __init__(self, waited: float, last: object) -> None:
        super().__init__(f"gave up after {waited:.0f}s")
        self.waited = waited
        self.last = last


def wait_for(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    timeout: float,
    schedule: PollSchedule | None = None,
    on_poll: Callable[[T, float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `fetch` until `done` says so; `done` may raise to stop at once (a FAILED cluster)."""
    intervals = (schedule or PollSchedule()).intervals()
    started = clock()
    while True:
        current = fetch()
        waited = clock() - started
        if done(current):
            return current
        if on_poll is not None:
            on_poll(current, waited)
        if waited >= timeout:
            raise WaitTimeout(waited, current)
        sleep(max(0.0, min(intervals(waited), timeout - waited)))
