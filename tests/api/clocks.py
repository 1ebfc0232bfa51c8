"""Clocks for the client, the rate gate and the emulator's rate limiter, so that tests of rate limits and
retries wait out what the API asks without waiting for it on the wall."""

from __future__ import annotations

import threading
import time


class SkippingClock:
    """The monotonic clock plus every wait skipped: a sleep moves the clock forward at once.

    For one thread at a time: what it sleeps is recorded in `slept`. The clock never runs behind the
    monotonic one, so a deadline taken from `time.monotonic()` is kept on it.
    """

    def __init__(self) -> None:
        self.skipped = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return time.monotonic() + self.skipped

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self.skipped += seconds


class FastClock:
    """Time that runs `speed` times faster than the wall: a sleep of 10 s takes 10/speed s.

    For many threads at once: each sleeps its own share, so that they wake in the order they would have,
    and everything on this clock (clients, gate, the emulator's limiter) keeps the same pace.
    """

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self.longest_sleep = 0.0

    def __call__(self) -> float:
        return self._started + (time.monotonic() - self._started) * self.speed

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        with self._lock:
            self.longest_sleep = max(self.longest_sleep, seconds)
        time.sleep(seconds / self.speed)
