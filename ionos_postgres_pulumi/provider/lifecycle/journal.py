"""Creates whose outcome is not known yet, remembered on this machine across provider processes.

A POST is noted here before it is sent and forgotten once its answer says what happened. When the answer
is lost (a read timeout; `pulumi up` killed while the service was still working on it), the note stays:
the next create of the same cluster, in a fresh provider process, first waits for the cluster that POST
may still make, until the note's settle time, instead of sending a second POST at once.

Kept in `$IONOS_PG_JOURNAL` (a folder; `off` keeps nothing), by default
`~/.cache/ionos-postgres-pulumi/creates`. A note holds two times and a name made by hashing the endpoint,
the region, the resource's owner mark and the cluster's name: nothing to read back, no credentials.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path

from .cache_files import cache_path, read_json, write_json

# Without an answer, what a request makes may show until this many read timeouts after it, and a margin.
SETTLE_READ_TIMEOUTS, SETTLE_MARGIN = 2, 5.0


def settle_seconds(read_timeout: float) -> float:
    """How long after a request without an answer the service may still carry it out (a judgement: a
    service works on a request about as long as a client waits for it, rarely twice that)."""
    return SETTLE_READ_TIMEOUTS * read_timeout + SETTLE_MARGIN


def _folder() -> Path | None:
    return cache_path("IONOS_PG_JOURNAL", "creates")


def key_of(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def note(key: str, settle_seconds: float) -> None:
    """A POST is about to be sent; what it may make could show up until `settle_seconds` from now."""
    folder = _folder()
    if folder is None:
        return
    now = time.time()
    with contextlib.suppress(OSError):  # a read-only home directory costs this safeguard, nothing else
        write_json(folder / f"{key}.json", {"posted_at": now, "settle_until": now + settle_seconds})


def forget(key: str) -> None:
    folder = _folder()
    if folder is not None:
        with contextlib.suppress(OSError):
            (folder / f"{key}.json").unlink()


def unsettled(key: str) -> tuple[float, float] | None:
    """(posted at, settle until) of a POST whose outcome is unknown and may still show; wall-clock times."""
    folder = _folder()
    if folder is None:
        return None
    noted = read_json(folder / f"{key}.json")
    try:
        posted_at, settle_until = float(noted["posted_at"]), float(noted["settle_until"])
    except (ValueError, KeyError, TypeError):  # no note, or not one this module wrote
        return None
    if settle_until <= time.time():
        forget(key)  # long settled: whatever it made is visible now
        return None
    return posted_at, settle_until
