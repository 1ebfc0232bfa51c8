"""How long transitions took before, per API host, region and kind, so the waiter can poll little.

Kept in memory for the provider process and in a file (`$IONOS_PG_TIMINGS`, default
`~/.cache/ionos-postgres-pulumi/timings.json`), so a cluster that took 14 minutes to provision last
week is expected to take about that long today. Only durations are stored: no names, no ids, no
credentials. The expectation is the shortest of the last five, so a service that got faster is never
waited past; one that got slower is caught by the waiter's usual schedule. `IONOS_PG_TIMINGS=off`
keeps it in memory only.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

KEEP = 5


def _enabled() -> bool:
    return os.environ.get("IONOS_PG_TIMINGS", "").lower() not in {"off", "0", "false", "no"}


def _path() -> Path:
    configured = os.environ.get("IONOS_PG_TIMINGS")
    if configured and _enabled():
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(cache) / "ionos-postgres-pulumi" / "timings.json"


def _read(path: Path) -> dict[str, list[float]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
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
        self._loaded_from: Path | None = None

    def _load(self) -> None:
        path = _path()
        if self._loaded_from != path:
            self._memory = _read(path) if _enabled() else {}
            self._loaded_from = path

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
            if _enabled():
                self._save(key)

    def _save(self, key: str) -> None:
        path = _path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            merged = {**_read(path), key: self._memory[key]}
            handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".timings-")
            with os.fdopen(handle, "w") as out:
                json.dump(merged, out)
            os.replace(partial, path)
        except OSError:
            pass  # a read-only home directory costs polls, nothing else

    def forget(self) -> None:
        """Drop what is remembered in memory (tests and benchmarks)."""
        with self._lock:
            self._memory = {}
            self._loaded_from = None


_timings = Timings()
expected = _timings.expected
record = _timings.record
forget = _timings.forget
