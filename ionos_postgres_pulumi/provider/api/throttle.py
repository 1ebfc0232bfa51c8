"""One API quota per process: after a 429, every client of that API holds back, not just the one refused.

The API's rate limit counts all requests of one contract, so twenty clusters created side by side share
it. If each call waited out its own 429 alone, the callers would wake together and be refused together
(a retry storm). A `RateGate` is the shared memory of "the API asked us to wait until T": a call that
starts while the gate is closed waits at it, and a refused call closes it for everyone. Each waiter
adds its own jitter, so that those who wake do not all ask in the same instant.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import ClassVar


class RateGate:
    """Until when the API asked the callers of one endpoint to wait (monotonic time)."""

    _shared: ClassVar[dict[str, RateGate]] = {}  # one per API endpoint in the process
    _registry: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._open_at = 0.0

    @classmethod
    def shared(cls, base_url: str) -> RateGate:
        """The gate of every client of `base_url` in this process."""
        with cls._registry:
            return cls._shared.setdefault(base_url, cls())

    def close_for(self, seconds: float) -> None:
        """The API asked to wait `seconds` from now; a gate never opens earlier than it was told."""
        with self._lock:
            self._open_at = max(self._open_at, self._clock() + seconds)

    def wait(self, spread: float) -> float:
        """Seconds to wait before the next request: until the gate opens, plus up to `spread` of jitter.

        0 while the gate is open, so the calls that find it open go at once.
        """
        with self._lock:
            closed = self._open_at - self._clock()
        if closed <= 0:
            return 0.0
        return closed + random.uniform(0, min(spread, closed))  # noqa: S311 - jitter, not secrecy
