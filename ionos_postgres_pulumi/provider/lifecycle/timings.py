"""How long transitions took before, per API host, region and kind, so the waiter can poll little.

Kept in memory for the provider process and in a file (`$IONOS_PG_TIMINGS`, default
`~/.cache/ionos-postgres-pulumi/timings.json`), so a cluster that took 14 minutes to provision last
week is expected to take about that long today. Only durations are stored: no names, no ids, no
credentials. The expectation is the shortest of the last five, so a service that got faster is never
waited past; one that got slower is caught by the waiter's usual schedule. `IONOS_PG_TIMINGS=off`
keeps it in memory only.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from .cache_files import cache_path, read_json, write_json

KEEP = 5


def _path() -> Path | None:
    """The cache file; None when `IONOS_PG_TIMINGS` is off (memory only)."""
    return cache_path("IONOS_PG_TIMINGS", "timings.json")


def _read(path: Path) -> dict[str, list[float]]:
    data = read_json(path)
    if not isinstance(data, dict):
        return {}
    return {
        str(k): [float(x) for x in v if isinstance(x, int | float) and x >= 0][-KEEP:]
        for k, v in data.items()
        if isinstance(v, list)
    }


class Timings:
    """Durations per key, shared by the provider's threads and kept in the cache file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memory: dict[str, list[float]] = {}
        self._loaded = False
        self._loaded_from: Path | None = None

    def _load(self) -> None:
        path = _path()
        if not self._loaded or self._loaded_from != path:
            self._memory = _read(path) if path else {}
            self._loaded, self._loaded_from = True, path

    def expected(self, key: str) -> float | None:
        """The shortest recent duration of this kind of transition, if any was seen."""
        with self._lock:
            self._load()
            seen = self._memory.get(key)
            return min(seen) if seen else None

    def record(self, key: str, seconds: float) -> None:
        with self._lock:
            self._load()
            self._memory[key] = [*self._memory.get(key, []), round(seconds, 3)][-KEEP:]
            if self._loaded_from is not None:
                self._save(self._loaded_from, key)

    def _save(self, path: Path, key: str) -> None:
        with contextlib.suppress(OSError):  # a read-only home directory costs polls, nothing else
            write_json(path, {**_read(path), key: self._memory[key]})

    def forget(self) -> None:
        """Drop what is remembered in memory (tests and benchmarks)."""
        with self._lock:
            self._memory = {}
            self._loaded = False


_timings = Timings()
expected = _timings.expected
record = _timings.record
forget = _timings.forget
