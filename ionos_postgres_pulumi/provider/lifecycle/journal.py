"""What this machine's runs did that the engine does not know yet, kept across provider processes.

Two kinds of note:

- **Attempts** of a resource to make (or adopt) its cluster. An attempt gets a random id, written into the
  cluster's mark by its POST (or adoption PUT) and noted here first, with the cluster's id once it is known.
  The note goes when the engine has the cluster: the create returned it, or its partial-create result put it
  in the state; and when a state is seen holding it (an adoption, a refresh, an update or a delete: `held`).
  A note that stays is the proof that a cluster carrying it in its mark was made by this resource and
  never handed to any state (`pulumi up` killed, a POST whose answer was lost): the next create continues
  it, instead of making another or taking one it cannot vouch for (`identity`).
- **Requests whose outcome is unknown** (`note`, `unsettled`): an in-place restore's PUT whose answer was
  lost; the next run waits for it to show instead of sending it again.

Kept in `$IONOS_PG_JOURNAL` (a folder; `off` keeps nothing, and a create interrupted on this machine is then
refused on the next run like one interrupted elsewhere), by default `~/.cache/ionos-postgres-pulumi/creates`.
A note's file name is a hash of the endpoint, the region and the resource's identity; it holds times, ids
and a cluster name, no credentials.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .cache_files import cache_path, read_json, write_json

# Without an answer, what a request makes may show until this many read timeouts after it, and a margin.
SETTLE_READ_TIMEOUTS, SETTLE_MARGIN = 2, 5.0
# An attempt whose cluster never showed (its POST was most likely never carried out) is kept this long.
KEEP_ATTEMPTS_SECONDS = 14 * 24 * 3600
_lock = threading.Lock()


def settle_seconds(read_timeout: float) -> float:
    """How long after a request without an answer the service may still carry it out (a judgement: a
    service works on a request about as long as a client waits for it, rarely twice that)."""
    return SETTLE_READ_TIMEOUTS * read_timeout + SETTLE_MARGIN


def _folder() -> Path | None:
    return cache_path("IONOS_PG_JOURNAL", "creates")


def key_of(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Attempt:
    """One try of a resource to make (`made`) or adopt (`adopted`) its cluster, not handed over yet."""

    attempt: str
    origin: str
    name: str
    began_at: float  # wall-clock
    settle_until: float  # until then, what its request made may still show
    cluster_id: str | None = None


def _attempts_file(key: str) -> Path | None:
    folder = _folder()
    return folder / f"{key}.attempts.json" if folder else None


def _read(path: Path) -> list[Attempt]:
    noted = read_json(path)
    found = []
    for entry in noted if isinstance(noted, list) else []:
        try:
            found.append(Attempt(**entry))
        except TypeError:  # not one this module wrote
            continue
    return [a for a in found if a.began_at > time.time() - KEEP_ATTEMPTS_SECONDS]


def _write(path: Path, attempts: list[Attempt]) -> None:
    with contextlib.suppress(OSError):  # a read-only home directory costs this safeguard, nothing else
        if attempts:
            write_json(path, [asdict(a) for a in attempts])
        else:
            path.unlink(missing_ok=True)


def attempts(key: str) -> list[Attempt]:
    """This resource's attempts not handed over to the engine, oldest first."""
    path = _attempts_file(key)
    if path is None:
        return []
    with _lock:
        return _read(path)


def begin(key: str, attempt: Attempt) -> None:
    """An attempt is about to send its request (noted first: a kill right after it must not lose it)."""
    path = _attempts_file(key)
    if path is not None:
        with _lock:
            _write(path, [*(a for a in _read(path) if a.attempt != attempt.attempt), attempt])


def made(key: str, attempt: str, cluster_id: str) -> None:
    """The attempt's cluster is known: from now on it is proven by its id, whatever its mark says."""
    path = _attempts_file(key)
    if path is not None:
        with _lock:
            _write(
                path, [replace(a, cluster_id=cluster_id) if a.attempt == attempt else a for a in _read(path)]
            )


def handed_over(key: str, *attempt_ids: str) -> None:
    """The engine has these attempts' clusters (or they are gone): no proof of them is kept any longer."""
    path = _attempts_file(key)
    if path is not None:
        with _lock:
            _write(path, [a for a in _read(path) if a.attempt not in attempt_ids])


def held(key: str, cluster_id: str) -> None:
    """A state holds this cluster (a create returned it, an adoption took it, a refresh, update or delete
    found it in the state): no note of this resource proves it any longer, whatever attempt made it."""
    path = _attempts_file(key)
    if path is not None:
        with _lock:
            noted = _read(path)
            kept = [a for a in noted if a.cluster_id != cluster_id]
            if len(kept) != len(noted):  # a refresh of every cluster writes nothing when nothing goes
                _write(path, kept)


def note(key: str, settle_seconds: float) -> None:
    """A request whose outcome may stay unknown is about to be sent; what it does could show until
    `settle_seconds` from now."""
    folder = _folder()
    if folder is None:
        return
    now = time.time()
    with contextlib.suppress(OSError):
        write_json(folder / f"{key}.json", {"posted_at": now, "settle_until": now + settle_seconds})


def forget(key: str) -> None:
    folder = _folder()
    if folder is not None:
        with contextlib.suppress(OSError):
            (folder / f"{key}.json").unlink()


def unsettled(key: str) -> tuple[float, float] | None:
    """(sent at, settle until) of a request whose outcome is unknown and may still show; wall-clock times."""
    folder = _folder()
    if folder is None:
        return None
    noted = read_json(folder / f"{key}.json")
    try:
        posted_at, settle_until = float(noted["posted_at"]), float(noted["settle_until"])
    except (ValueError, KeyError, TypeError):  # no note, or not one this module wrote
        return None
    if settle_until <= time.time():
        forget(key)  # long settled: whatever it did is visible now
        return None
    return posted_at, settle_until
