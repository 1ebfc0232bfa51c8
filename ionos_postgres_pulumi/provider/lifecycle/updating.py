"""Changing a cluster in place: the whole desired cluster in one PUT, then waiting until it is applied.

The API's PUT replaces everything, so nothing is ever sent partially, and the credentials go with every
PUT because the API never returns the password. A PUT that meets a busy cluster (409) waits until the
cluster accepts changes and is sent again, within the same deadline.

An in-place restore is sent at most once, even across `pulumi up` runs: its PUT is not repeated when its
answer is lost or the cluster is busy, and the next run finds out from the cluster whether it was carried
out (the restore mark that PUT writes, see `rules.marks`) before it sends anything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..api import ApiError, PostgresClient
from ..api.models import ClusterRead
from ..errors import ProviderError, failed, gone, reason_given
from ..progress import duration, report
from ..rules import payloads
from ..rules.diffing import Decision
from ..rules.marks import Mark, kept_mark, restored_to
from ..rules.payloads import restore_moment
from ..rules.spec import ClusterSpec
from . import journal, waiting
from .waiting import BUSY, Transition

# A PUT that changes nothing the service shows may leave a cluster AVAILABLE throughout: after this long
# without a sign of the change, it is taken as applied.
CHANGE_GRACE_SECONDS = 15.0


@dataclass(frozen=True)
class UpdatePlan:
    """What an update does, from the diff's decision: a PUT or not, and an in-place restore or not."""

    sends_a_put: bool
    restore_to: str | None = None  # the moment of an in-place restore
    restore_only: bool = False  # the restore is all that changed

    @classmethod
    def of(cls, decision: Decision, spec: ClusterSpec) -> UpdatePlan:
        restore_to = spec.in_place_restore_target if decision.in_place_restore else None
        only = decision.changed == ["restore_from_backup"] and not decision.repair
        return cls(decision.touches_the_cluster, restore_to, only)


def update(client: PostgresClient, cluster_id: str, spec: ClusterSpec, plan: UpdatePlan) -> ClusterRead:
    """The update timeout covers the whole update: waiting until the cluster accepts it, and applying it."""
    deadline = waiting.deadline_in(spec.timeout_seconds("update"))
    cluster = waiting.until_settled(client, cluster_id, deadline - time.monotonic())
    restore_to, sends_a_put = plan.restore_to, plan.sends_a_put
    if cluster.state == "FAILED":
        cluster = _after_the_grace(client, cluster, spec, deadline)
        if cluster.state == "FAILED" and not sends_a_put and not restore_to:
            raise ProviderError(
                f"{failed(cluster, 'and stayed FAILED for the grace period (timeouts.failed)')}. Nothing "
                "was sent to it; run `pulumi refresh`, then `pulumi up` applies the desired state again to "
                "repair it"
            )
    if restore_to:
        cluster = _await_an_unsettled_restore(client, cluster, restore_to, deadline)
    if restore_to and _restored_already(cluster, restore_to):
        restore_to, sends_a_put = None, sends_a_put and not plan.restore_only
    if not sends_a_put:
        return cluster  # provider settings only, or a restore carried out before: no change to send
    return apply(client, cluster, spec, restore_to, deadline)


class _StillFailed(ProviderError):
    def __init__(self, cluster: ClusterRead) -> None:
        super().__init__(f"cluster {cluster.id} is FAILED")
        self.cluster = cluster


def _after_the_grace(
    client: PostgresClient, cluster: ClusterRead, spec: ClusterSpec, deadline: float
) -> ClusterRead:
    """A FAILED cluster, given the grace period to recover (a create that failed partway, kept in the state,
    may still be on its way): AVAILABLE once it does, or as FAILED as it stayed."""
    grace = waiting.FailedGrace(spec.timeout_seconds("failed"))
    try:
        return waiting.until_available(
            client, cluster, waiting.left(deadline), Transition.SETTLE, grace=grace, on_failed=_StillFailed
        )
    except _StillFailed as stuck:
        return stuck.cluster


def _restore_key(client: PostgresClient, cluster_id: str, restore_to: str) -> str:
    return journal.key_of(client.base_url, client.region, cluster_id, "restore", restore_moment(restore_to))


def _await_an_unsettled_restore(
    client: PostgresClient, cluster: ClusterRead, restore_to: str, deadline: float
) -> ClusterRead:
    """A restore PUT of an earlier run on this machine got no answer: the service may still be carrying it
    out. Until a PUT it received would show, watch for its mark instead of deciding."""
    key = _restore_key(client, cluster.id, restore_to)
    noted = journal.unsettled(key)
    if noted is None:
        return cluster
    report(
        f"an earlier in-place restore of cluster {cluster.name!r} to {restore_to} got no answer; watching "
        f"for up to {duration(noted[1] - time.time())} whether the service carries it out"
    )
    while time.time() < noted[1] and not _marked(cluster, restore_to):
        time.sleep(max(0.05, min(2.0, noted[1] - time.time())))
        cluster = waiting.until_settled(client, cluster.id, waiting.left(deadline))
    journal.forget(key)
    return cluster


def _marked(cluster: ClusterRead, restore_to: str) -> bool:
    marked = restored_to(cluster.properties.description)
    return marked is not None and restore_moment(marked) == restore_moment(restore_to)


def _restored_already(cluster: ClusterRead, restore_to: str) -> bool:
    """Whether an earlier run's PUT restored the cluster to that moment (its answer was lost). A restore that
    ended FAILED was not done: it is said so, and neither sent again nor covered up by a repair."""
    if not _marked(cluster, restore_to):
        return False
    if cluster.state == "FAILED":
        reason = reason_given(cluster)
        raise ProviderError(
            f"the in-place restore of cluster {cluster.name!r} ({cluster.id}) to {restore_to}, sent by an "
            f"earlier `pulumi up`, ended FAILED ({reason}): it was NOT done. It is not sent again by itself. "
            "To try it again, set another recovery_target_datetime; to repair the cluster without restoring, "
            "remove restore_from_backup and run `pulumi up`"
        )
    report(
        f"cluster {cluster.name!r} ({cluster.id}) was restored in place to {restore_to} by an earlier "
        "`pulumi up` (the cluster's restore mark says so): not restoring it again. To restore again, set "
        "another recovery_target_datetime"
    )
    return True


def apply(
    client: PostgresClient,
    before: ClusterRead,
    spec: ClusterSpec,
    restore_to: str | None,
    deadline: float | None = None,
    mark: Mark | None = None,
) -> ClusterRead:
    """PUT the whole desired cluster and wait until the change is done, by `deadline` (default: the
    update timeout from now). The cluster keeps its mark's origin (`mark` to write another: an adoption)."""
    if deadline is None:
        deadline = waiting.deadline_in(spec.timeout_seconds("update"))
    mark = mark or kept_mark(before.properties.description, spec.owner)
    answer, before = _put(client, before, spec, restore_to, deadline, mark)
    report(f"applying the change to cluster {before.name!r} ({before.id})")
    transition = Transition.RESTORE if restore_to else Transition.UPDATE
    grace = waiting.FailedGrace(spec.timeout_seconds("failed"))
    return _until_applied(client, before, answer, transition, deadline, grace)


def _put(
    client: PostgresClient,
    before: ClusterRead,
    spec: ClusterSpec,
    restore_to: str | None,
    deadline: float,
    mark: Mark | None,
) -> tuple[ClusterRead, ClusterRead]:
    """The PUT's answer, and the cluster as it was just before the PUT that was accepted."""
    desired = payloads.ensure_properties(spec, mark, restore_to)
    key = _restore_key(client, before.id, restore_to) if restore_to else None
    while True:
        if key:
            journal.note(key, journal.settle_seconds(client.timeouts.read))
        try:
            answer = client.ensure_cluster(before.id, desired, once=bool(restore_to))
        except ApiError as exc:
            if key and (exc.is_conflict or exc.outcome_unknown):
                raise _restore_unclear(before, restore_to, exc) from None  # the note stays for the next run
            if key:
                journal.forget(key)
            if exc.is_conflict and time.monotonic() < deadline:
                report(f"cluster {before.name!r} is busy; waiting before applying the change")
                before = waiting.until_settled(client, before.id, waiting.left(deadline))
                continue
            if exc.is_not_found:
                raise gone(before.id, "being updated") from None
            if exc.outcome_unknown:
                return _looked_at(client, before, exc), before
            raise ProviderError(f"cluster {before.name!r} ({before.id}) was not changed: {exc}") from None
        if key:
            journal.forget(key)
        return answer, before


def _looked_at(client: PostgresClient, before: ClusterRead, error: ApiError) -> ClusterRead:
    """A PUT whose answer cannot be read (or was a server error) may have been carried out: the cluster
    says whether it was (busy with it, or changed since), instead of a guess."""
    try:
        current = client.get_cluster(before.id)
    except ApiError as exc:
        raise ProviderError(
            f"the change to cluster {before.name!r} ({before.id}) got an answer that cannot be read "
            f"({error}), and the cluster could not be read either ({exc}): whether it was applied is "
            "unknown; run `pulumi up` again when the API answers (a PUT of the whole cluster is safe to "
            "repeat)"
        ) from None
    changed = current.metadata.last_modified_date != before.metadata.last_modified_date
    if current.state in BUSY or changed:
        report(f"the answer to the change of cluster {before.id} could not be read, but the cluster took it")
        return current
    raise ProviderError(
        f"cluster {before.name!r} ({before.id}) shows no sign of the change after an answer that cannot be "
        f"read ({error}): most likely it was not applied; running `pulumi up` again applies it (a PUT of the "
        "whole cluster is safe to repeat)"
    )


def _failed_change(cluster: ClusterRead, transition: Transition) -> ProviderError:
    if transition is not Transition.RESTORE:
        return failed(cluster, "while applying the change")
    return ProviderError(
        f"{failed(cluster, 'while restoring in place')}. The restore was NOT done; it is not sent again by "
        "itself: to try it again, set another recovery_target_datetime; to repair the cluster without "
        "restoring, remove restore_from_backup and run `pulumi up`"
    )


def _restore_unclear(before: ClusterRead, restore_to: str | None, exc: ApiError) -> ProviderError:
    """The restore may have started (its answer lost); sending it again could restore twice."""
    return ProviderError(
        f"the in-place restore of cluster {before.name!r} ({before.id}) to {restore_to} got no clear answer "
        f"({exc}); it may be running. It is not sent again by itself: the next `pulumi up` finds out from "
        "the cluster whether it was carried out (on this machine it first waits a while for a request the "
        "service may still be working on) and sends it only if it was not"
    )


def _until_applied(
    client: PostgresClient,
    before: ClusterRead,
    answer: ClusterRead,
    transition: Transition,
    deadline: float,
    grace: waiting.FailedGrace,
) -> ClusterRead:
    """Until the change has started (the cluster went busy, or shows it) and finished; a cluster FAILED for
    the whole grace period ends it."""
    started = answer.state != "AVAILABLE"
    first_seen = time.monotonic()

    def finished(cluster: ClusterRead) -> bool:
        nonlocal started
        if grace.final(cluster):
            raise _failed_change(cluster, transition)
        if cluster.state == "FAILED":
            started = True
            return False
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
