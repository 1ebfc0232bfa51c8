"""Waiting for a cluster: until it is AVAILABLE, accepts changes, or is gone, within a deadline.

Polls follow `polling`'s schedule; a poll that gets no usable answer (5xx, 429, no connection, after the
client's own retries) is waited through, because a long wait outlives an API that is down a while. How
long a transition took is remembered (`timings`) when this call started it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

from ..api import ApiError, PostgresClient
from ..api.models import ClusterRead
from ..engine.calls import say
from ..errors import ProviderError, failed, gone, reason_given
from ..progress import Progress, duration
from . import timings
from .clients import after_a_rotation
from .polling import WaitTimeout, wait_for

BUSY = ("PROVISIONING", "UPDATING")


class Transition(Enum):
    """What a wait is for; its value is what the person watching reads ("... of provisioning")."""

    CREATE = "provisioning"
    UPDATE = "updating"
    RESTORE = "restoring"
    DELETE = "deleting"
    SETTLE = "waiting for changes"

    @property
    def learned_as(self) -> str | None:
        """The kind of transition whose duration is remembered (None: not a transition of its own)."""
        return None if self is Transition.SETTLE else self.name.lower()


@dataclass(frozen=True)
class Unanswered:
    """A poll that got no usable answer."""

    error: str
    state: str = "not answering"


Seen = ClusterRead | Unanswered | None  # None: the cluster is gone


def until(
    client: PostgresClient,
    cluster_id: str,
    done: Callable[[ClusterRead], bool],
    timeout: float,
    transition: Transition,
    *,
    started: float | None = None,
    keep: bool = False,
) -> ClusterRead:
    """Poll until `done` (which may raise to stop at once); `started`: when this call began the
    transition, so its duration is learned. `keep`: the cluster stays when the wait times out."""

    def present(current: ClusterRead | None) -> bool:
        if current is None:
            raise gone(cluster_id, transition.value)
        return done(current)

    found = _wait(client, cluster_id, present, timeout, transition, started, keep)
    assert found is not None
    return found


def until_gone(client: PostgresClient, cluster_id: str, timeout: float, started: float | None) -> None:
    _wait(client, cluster_id, lambda current: current is None, timeout, Transition.DELETE, started, False)


class FailedGrace:
    """FAILED is final only once it has lasted `seconds`: the service has been seen to report FAILED for a
    while and recover (IONOS's Terraform provider reverted its error on the first FAILED for that reason)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._since: float | None = None

    def final(self, cluster: ClusterRead) -> bool:
        """Whether a FAILED cluster has been FAILED for the whole grace period (it was seen recovering)."""
        if cluster.state != "FAILED":
            self._since = None
            return False
        now = self._clock()
        if self._since is None:
            self._since = now
            say(
                f"FAILED ({reason_given(cluster)}); waiting up to {duration(self.seconds)} for it to recover",
                ephemeral=True,
            )
        return now - self._since >= self.seconds


def until_available(
    client: PostgresClient,
    cluster: ClusterRead,
    timeout: float,
    transition: Transition,
    *,
    started: float | None = None,
    on_failed: Callable[[ClusterRead], ProviderError] | None = None,
    grace: FailedGrace | None = None,
) -> ClusterRead:
    """Until AVAILABLE; a cluster FAILED for the whole `grace` stops the wait with `on_failed`'s error
    (default: it failed)."""
    grace = grace or FailedGrace(0.0)

    def available(current: ClusterRead) -> bool:
        if grace.final(current):
            raise (on_failed or (lambda c: failed(c, f"while {transition.value}")))(current)
        if current.state == "FAILED":
            return False  # within the grace period: it may recover
        if current.state == "DESTROYING":
            raise ProviderError(f"cluster {current.id} is being deleted by someone else; it cannot be used")
        return current.state == "AVAILABLE"

    if available(cluster):
        return cluster
    keep = transition is Transition.CREATE
    return until(client, cluster.id, available, timeout, transition, started=started, keep=keep)


def until_settled(client: PostgresClient, cluster_id: str, timeout: float) -> ClusterRead:
    """Until the cluster accepts a change: AVAILABLE, or FAILED (a new desired state may repair it)."""

    def settled(current: ClusterRead) -> bool:
        if current.state == "DESTROYING":
            raise ProviderError(f"cluster {current.id} is being deleted; it cannot be changed")
        return current.state not in BUSY

    return until(client, cluster_id, settled, timeout, Transition.SETTLE)


def _wait(
    client: PostgresClient,
    cluster_id: str,
    done: Callable[[ClusterRead | None], bool],
    timeout: float,
    transition: Transition,
    started: float | None,
    keep: bool,
) -> ClusterRead | None:
    key = _timing_key(client, transition) if started is not None else None
    until = (time.monotonic() if started is None else started) + timeout
    expected = timings.expected(key) if key else None
    if expected:  # the first look comes near the expected end: the row says so meanwhile
        say(f"{transition.value}, about {duration(expected)} expected", ephemeral=True)
    try:
        with client.deadline(until):  # a rate limit does not stretch the timeout
            result = wait_for(
                lambda: _fetch(client, cluster_id, transition),
                lambda seen: not isinstance(seen, Unanswered) and done(seen),
                timeout,
                on_poll=Progress(cluster_id, transition.value).poll,
                expected=expected,
                started=started,
            )
    except WaitTimeout as exc:
        raise _timed_out(cluster_id, transition, exc, keep) from None
    if key:
        timings.record(key, result.duration_estimate)
    seen: Seen = result.value
    assert not isinstance(seen, Unanswered)
    return seen


def read_or_gone(client: PostgresClient, cluster_id: str, doing: str) -> ClusterRead | None:
    """The cluster as it is now, None when it is gone; any other error names what was being done."""
    try:
        return client.get_cluster(cluster_id)
    except ApiError as exc:
        if exc.is_not_found:
            return None
        raise ProviderError(
            f"cannot read cluster {cluster_id} to {doing}: {exc}{after_a_rotation(exc)}"
        ) from None


def _fetch(client: PostgresClient, cluster_id: str, transition: Transition) -> Seen:
    try:
        return client.get_cluster(cluster_id)
    except ApiError as exc:
        if exc.is_not_found:
            return None
        if exc.is_retryable:
            return Unanswered(str(exc))
        raise ProviderError(f"cannot read cluster {cluster_id} while {transition.value}: {exc}") from None


def _timed_out(cluster_id: str, transition: Transition, exc: WaitTimeout, keep: bool) -> ProviderError:
    waited, doing = duration(exc.waited), transition.value
    if isinstance(exc.last, Unanswered):
        return ProviderError(
            f"cluster {cluster_id}: the API stopped answering during {waited} of {doing} ({exc.last.error}). "
            "Run `pulumi up` again when it answers."
        )
    advice = (
        "It is kept: the next `pulumi up` continues waiting for it instead of creating another."
        if keep
        else "Run `pulumi up` again to continue, or raise the timeouts input."
    )
    state = getattr(exc.last, "state", "unknown")
    return ProviderError(f"cluster {cluster_id} is still {state} after {waited} of {doing}. {advice}")


def _timing_key(client: PostgresClient, transition: Transition) -> str | None:
    """Transitions take as long as the service behind the host takes, per region and kind."""
    if transition.learned_as is None:
        return None
    return f"{urlsplit(client.base_url).hostname}|{client.region}|{transition.learned_as}"


def deadline_in(seconds: float) -> float:
    return time.monotonic() + seconds


def left(deadline: float) -> float:
    """What is left of a deadline, at least a second (a wait that is due still looks once)."""
    return max(1.0, deadline - time.monotonic())
