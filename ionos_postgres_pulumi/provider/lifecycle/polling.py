"""Polling until something is done: few polls, a prompt answer, a deadline.

The delay between a change and its detection stays within about 10% of the time the change took
(0.5 s at least), whatever that time is: polls are spaced by a tenth of the time waited so far. When
the provider has seen this kind of transition before (see `timings`), it sleeps until just before the
expected end and then polls closely, which keeps that promise with a handful of requests instead of
dozens. The clock and the sleep are parameters, so tests and benchmarks need not wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class PollSchedule:
    first: float = 0.5  # the shortest interval
    share: float = 0.1  # intervals grow with the time waited: at most this share of it
    longest: float = 60.0
    lead: float = 0.9  # with an expected duration, sleep until this share of it...
    close: float = 0.05  # ...then poll at this share of it, until it is well past

    def intervals(self, expected: float | None = None) -> Callable[[float], float]:
        def next_interval(waited: float) -> float:
            if expected:
                if waited < self.lead * expected:
                    # Look in now and then (a FAILED cluster should not wait for the expected end).
                    return min(self.longest, self.lead * expected - waited)
                if waited < 1.5 * expected:
                    return max(0.1, min(self.close * expected, self.share * waited))
            return min(self.longest, max(self.first, self.share * waited))

        return next_interval


class WaitTimeout(Exception):
    def __init__(self, waited: float, last: object) -> None:
        super().__init__(f"gave up after {waited:.0f}s")
        self.waited = waited
        self.last = last


@dataclass(frozen=True)
class Waited(Generic[T]):
    value: T
    waited: float  # seconds from the start to the poll that saw it done
    polls: int
    last_interval: float  # the sleep before that poll: the change happened within it

    @property
    def duration_estimate(self) -> float:
        """When the change most likely happened: halfway through the last interval."""
        return max(0.0, self.waited - self.last_interval / 2)


def wait_for(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    timeout: float,
    schedule: PollSchedule | None = None,
    on_poll: Callable[[T, float], None] | None = None,
    expected: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    started: float | None = None,
) -> Waited[T]:
    """Call `fetch` until `done` says so; `done` may raise to stop at once (a FAILED cluster).

    `started` is when the change began (default: now), so that time already spent counts.
    """
    schedule = schedule or PollSchedule()
    intervals = schedule.intervals(expected)
    began = clock() if started is None else started
    polls = 0
    last_interval = 0.0
    waited = clock() - began
    if expected and waited < schedule.lead * expected:
        last_interval = intervals(waited)  # nothing to see yet: the first poll waits too
        sleep(max(0.0, min(last_interval, timeout - waited)))  # a deadline passed already: look at once
    while True:
        current = fetch()
        polls += 1
        waited = clock() - began
        if done(current):
            return Waited(current, waited, polls, last_interval)
        if on_poll is not None:
            on_poll(current, waited)
        if waited >= timeout:
            raise WaitTimeout(waited, current)
        last_interval = max(0.0, min(intervals(waited), timeout - waited))
        sleep(last_interval)
