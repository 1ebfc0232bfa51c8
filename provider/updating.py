"""Changing a cluster in place: the whole desired cluster in one PUT, then waiting until it is applied.

The API's PUT replaces everything, so nothing is ever sent partially, and the credentials go with every
PUT because the API never returns the password. A PUT that meets a busy cluster (409) waits until the
cluster accepts changes and is sent again, within the same deadline.

An in-place restore is sent at most once, even across `pulumi up` runs: its PUT is not repeated when its
answer is lost or the cluster is busy, and the next run finds out from the cluster whether it was carried
out (the restore mark that PUT writes, see `marks`) before it sends anything.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from . import payloads, waiting
from .api import ApiError, PostgresClient
from .api.models import ClusterRead
from .errors import ProviderError, failed, gone
from .inputs import timeout_seconds
from .marks import restored_to
from .payloads import restore_moment
from .progress import report
from .waiting import BUSY, Transition

# A PUT that changes nothing the service shows may leave a cluster AVAILABLE throughout: after this long
# without a sign of the change, it is taken as applied.
CHANGE_GRACE_SECONDS = 15.0


def update(
    client: PostgresClient,
    cluster_id: str,
    inputs: Mapping[str, Any],
    restore_to: str | None,
    touches: bool,
    only_the_restore: bool = False,
) -> ClusterRead:
    """The update timeout covers the whole update: waiting until the cluster accepts it, and applying it.
    `touches`: the change needs a PUT; `only_the_restore`: an in-place restore is all that changed."""
    deadline = waiting.deadline_in(timeout_seconds(inputs, "update"))
    cluster = waiting.until_settled(client, cluster_id, deadline - time.monotonic())
    if restore_to and _restored_already(cluster, restore_to):
        restore_to, touches = None, touches and not only_the_restore
    if not touches:
        return cluster  # provider settings only, or a restore carried out before: no change to send
    return apply(client, cluster, inputs, restore_to, deadline)


def _restored_already(cluster: ClusterRead, restore_to: str) -> bool:
    """Whether an earlier run's PUT restored the cluster to that moment (its answer was lost)."""
    marked = restored_to(cluster.properties.description)
    if marked is None or restore_moment(marked) != restore_moment(restore_to):
        return False
    if cluster.state == "FAILED":
        reason = cluster.metadata.status_message or "no reason given"
        raise ProviderError(
            f"cluster {cluster.name!r} ({cluster.id}) was restored in place to {restore_to} by an earlier "
            f"`pulumi up`, and is FAILED: {reason}. The restore is not sent again by itself; to restore "
            "again, set another recovery_target_datetime"
        )
    report(
        f"cluster {cluster.name!r} ({cluster.id}) was restored in place to {restore_to} by an earlier "
        "`pulumi up` whose answer was lost (the cluster's restore mark says so); not restoring it again"
    )
    return True


def apply(
    client: PostgresClient,
    before: ClusterRead,
    inputs: Mapping[str, Any],
    restore_to: str | None,
    deadline: float | None = None,
) -> ClusterRead:
    """PUT the whole desired cluster and wait until the change is done, by `deadline` (default: the
    update timeout from now)."""
    if deadline is None:
        deadline = waiting.deadline_in(timeout_seconds(inputs, "update"))
    answer, before = _put(client, before, inputs, restore_to, deadline)
    report(f"applying the change to cluster {before.name!r} ({before.id})")
    transition = Transition.RESTORE if restore_to else Transition.UPDATE
    return _until_applied(client, before, answer, transition, deadline)


def _put(
    client: PostgresClient,
    before: ClusterRead,
    inputs: Mapping[str, Any],
    restore_to: str | None,
    deadline: float,
) -> tuple[ClusterRead, ClusterRead]:
    """The PUT's answer, and the cluster as it was just before the PUT that was accepted."""
    desired = payloads.ensure_properties(inputs, restore_to)
    while True:
        try:
            return client.ensure_cluster(before.id, desired, once=bool(restore_to)), before
        except ApiError as exc:
            if restore_to and (exc.is_conflict or exc.outcome_unknown):
                raise _restore_unclear(before, restore_to, exc) from None
            if exc.is_conflict and time.monotonic() < deadline:
                report(f"cluster {before.name!r} is busy; waiting before applying the change")
                before = waiting.until_settled(client, before.id, waiting.left(deadline))
                continue
            if exc.is_not_found:
                raise gone(before.id, "being updated") from None
            raise ProviderError(f"cluster {before.name!r} ({before.id}) was not changed: {exc}") from None


def _restore_unclear(before: ClusterRead, restore_to: str, exc: ApiError) -> ProviderError:
    """The restore may have started (its answer lost); sending it again could restore twice."""
    return ProviderError(
        f"the in-place restore of cluster {before.name!r} ({before.id}) to {restore_to} got no clear answer "
        f"({exc}); it may be running. It is not sent again by itself: check the cluster's data once it is "
        "AVAILABLE; run `pulumi up` again only to restore again"
    )


def _until_applied(
    client: PostgresClient, before: ClusterRead, answer: ClusterRead, transition: Transition, deadline: float
) -> ClusterRead:
    """Until the change has started (the cluster went busy, or shows it) and finished."""
    started = answer.state != "AVAILABLE"
    first_seen = time.monotonic()

    def finished(cluster: ClusterRead) -> bool:
        nonlocal started
        if cluster.state == "FAILED":
            raise failed(cluster, "while applying the change")
        if cluster.state in BUSY:
            started = True
            return False
        if cluster.state != "AVAILABLE":
            raise ProviderError(f"cluster {cluster.id} went to {cluster.state} while being updated")
        return (
            started
            or cluster.metadata.last_modified_date != before.metadata.last_modified_date
            or time.monotonic() - first_seen >= CHANGE_GRACE_SECONDS
        )

    began = first_seen if started else None
    return waiting.until(client, before.id, finished, waiting.left(deadline), transition, started=began)
