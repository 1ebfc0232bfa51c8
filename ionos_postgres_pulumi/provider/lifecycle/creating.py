"""Creating a cluster: a new one, or the one this resource's own interrupted attempt made and never handed to
the engine; never a second one, and never one it cannot prove it made (`identity`).

Each attempt is noted on this machine before its request (`journal`) and writes its id into the cluster's
mark: a rerun of a killed `pulumi up`, or of a POST whose answer was lost, finds that cluster by the note
and continues it. A POST whose outcome is unknown is never followed by a second one until the first is
settled: without an answer, the service may still be carrying it out, so the create looks for the cluster
until a POST it received would have become visible (twice the read timeout, and a little), and the note makes
a fresh provider process on this machine wait just as long. Clusters of this resource's noted attempts
beside the one kept (one that showed up late) are removed: they are proven never to have reached any state.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..api import ApiError, PostgresClient
from ..api.models import ClusterRead
from ..errors import ClusterGone, ProviderError, failed
from ..progress import duration, report, warn
from ..rules import payloads
from ..rules.marks import Mark, Owner
from ..rules.spec import ClusterSpec
from ..rules.timestamps import moment
from . import adopting, deleting, identity, journal, updating, waiting
from .journal import Attempt
from .waiting import Transition

# After an answer that is an error (the service is done with the request): a short look, for visibility.
LOOK_AFTER_AN_ERROR = 3.5
# After the delete of a replaced cluster, its backup's window closes (its latest time is set) within this.
BACKUP_SETTLES_WITHIN = 60.0


@dataclass(frozen=True)
class Found:
    """The cluster to wait for, the attempt it belongs to, and when this call's POST made it (None: an
    earlier attempt did)."""

    cluster: ClusterRead
    attempt: Attempt
    posted_at: float | None = None


class ClusterKept(ProviderError):
    """The create failed after its cluster was made (or taken for adoption): the stack's state should keep
    it; once it does, the attempt's note is no longer needed (`journal.handed_over(key, attempt)`)."""

    def __init__(self, message: str, cluster: ClusterRead, key: str, attempt: str) -> None:
        super().__init__(message)
        self.cluster, self.key, self.attempt = cluster, key, attempt


class Discarded(ProviderError):
    """The cluster went FAILED for good and was deleted: nothing is left outside the state."""


def create(client: PostgresClient, spec: ClusterSpec) -> ClusterRead:
    owner = identity.owner_of(spec)
    place, name = (client.base_url, client.region), spec.cluster_name
    identity.NAMES.hold(place, name, owner)
    try:
        key = identity.journal_key(client, owner)
        adopted = _adopt_if_asked(client, spec, owner, key)
        cluster = adopted if adopted is not None else _create(client, spec, owner, key)
        journal.held(key, cluster.id)  # the engine has it now: an older note of it proves nothing more
        return cluster
    finally:
        identity.NAMES.release(place, name, owner)
        identity.REGIONS.changed(client)


def _create(client: PostgresClient, spec: ClusterSpec, owner: Owner, key: str) -> ClusterRead:
    found = _find_or_post(client, spec, owner, key)
    try:
        cluster = _finish(client, found, spec, owner, key)
    except (Discarded, ClusterGone):
        journal.handed_over(key, found.attempt.attempt)  # nothing of it is left to prove
        raise
    except ProviderError as exc:
        raise ClusterKept(str(exc), found.cluster, key, found.attempt.attempt) from None
    journal.handed_over(key, found.attempt.attempt)
    return cluster


def _finish(client: PostgresClient, found: Found, spec: ClusterSpec, owner: Owner, key: str) -> ClusterRead:
    """Until the cluster made (or found) is AVAILABLE with the desired state, and alone."""
    cluster = waiting.until_available(
        client,
        found.cluster,
        spec.timeout_seconds("create"),
        Transition.CREATE,
        started=found.posted_at,
        on_failed=lambda current: _discard_failed(client, current, spec),
        grace=waiting.FailedGrace(spec.timeout_seconds("failed")),
    )
    if found.posted_at is None:
        # Made by an earlier attempt, perhaps with other inputs (a password cannot be read back to
        # compare): bring it to the desired state. The PUT is safe to repeat.
        cluster = updating.apply(client, cluster, spec, restore_to=None)
    try:
        _remove_leftovers(client, spec, owner, key, keep=cluster)
    except ApiError as exc:
        raise ProviderError(
            f"cluster {cluster.id} is AVAILABLE, but looking for leftovers of earlier attempts failed: {exc}"
        ) from None
    return cluster


def _adopt_if_asked(client: PostgresClient, spec: ClusterSpec, owner: Owner, key: str) -> ClusterRead | None:
    """The cluster `adopt_existing_id` names, adopted, when this resource is new to the stack; None when
    the create goes on as for a new cluster."""
    adopt = spec.adopt_existing_id
    if not adopt:
        return None
    if adopt == spec.stored.replacing:
        report(f"adopt_existing_id names cluster {adopt}, which this change replaces: a new cluster is made")
        return None
    existing = adopting.find(client, adopt)
    if existing is None:
        report(f"adopt_existing_id: there is no cluster {adopt} in {client.region}; making a new cluster")
        return None
    verdict = adopting.verdict(existing, owner, journal.attempts(key))
    if verdict is adopting.Verdict.ADOPTED_ALREADY:
        report(adopting.adopted_already(existing))
        return None
    if isinstance(verdict, str):
        raise ProviderError(verdict)
    return _adopt(client, existing, spec, owner, key)


def _adopt(
    client: PostgresClient, cluster: ClusterRead, spec: ClusterSpec, owner: Owner, key: str
) -> ClusterRead:
    """An adopted cluster is never deleted here, even FAILED: the desired state is applied to it, and a
    failure after that keeps it in the stack's state."""
    attempt = _attempt(client, "adopted", spec.cluster_name, cluster.id)
    journal.begin(key, attempt)
    report(f"adopting cluster {cluster.name!r} ({cluster.id}); its settings will follow the program")
    try:
        cluster = waiting.until_settled(client, cluster.id, spec.timeout_seconds("create"))
        cluster = updating.apply(client, cluster, spec, None, mark=Mark(owner, "adopted", attempt.attempt))
    except ProviderError as exc:
        raise ClusterKept(str(exc), cluster, key, attempt.attempt) from None
    journal.handed_over(key, attempt.attempt)
    return cluster


def _attempt(client: PostgresClient, origin: str, name: str, cluster_id: str | None = None) -> Attempt:
    now = time.time()
    settle = journal.settle_seconds(client.timeouts.read)
    return Attempt(secrets.token_hex(4), origin, name, now, now + settle, cluster_id)


def _find_or_post(client: PostgresClient, spec: ClusterSpec, owner: Owner, key: str) -> Found:
    attempts = journal.attempts(key)
    found = _sorted(client, spec, owner, attempts)
    refused = identity.refusal(
        found, owner, spec.cluster_name, client.region, spec.allow_empty_replacement is True
    )
    if refused:
        raise ProviderError(refused)
    best = found.best or _await_an_unsettled_post(client, spec, owner, attempts)
    if best is None:
        return _post(client, spec, owner, key)
    attempt = next(a for a in attempts if identity.proves([a], best))
    journal.made(key, attempt.attempt, best.id)
    report(
        f"found {identity.describe(best)}, which an earlier attempt of this resource "
        f"made ({attempt.origin} by attempt {attempt.attempt}, noted on this machine) and never handed over; "
        "continuing with it instead of creating another"
    )
    return Found(best, attempt)


def _sorted(
    client: PostgresClient, spec: ClusterSpec, owner: Owner, attempts: Sequence[Attempt]
) -> identity.Sorted:
    """The clusters of the wanted name and of the names earlier attempts used, looked up right before
    anything is sent (the check, just before, looked at the whole region)."""
    names = dict.fromkeys([spec.cluster_name, *(a.name for a in attempts)])
    fresh = {c.id: c for name in names for c in client.list_clusters(name=name)}
    return identity.sort_out(fresh.values(), owner, spec.cluster_name, attempts, {spec.stored.replacing})


def _await_an_unsettled_post(
    client: PostgresClient, spec: ClusterSpec, owner: Owner, attempts: Sequence[Attempt]
) -> ClusterRead | None:
    """A POST of an earlier provider process on this machine got no answer: wait for what it may make."""
    unsettled = [a for a in attempts if a.cluster_id is None and a.settle_until > time.time()]
    if not unsettled:
        return None
    latest = max(unsettled, key=lambda a: a.settle_until)
    report(
        f"an earlier create of cluster {latest.name!r} ({_ago(latest.began_at)}) got no answer and may still "
        f"be carried out; looking for it for up to {duration(latest.settle_until - time.time())} before "
        "creating one"
    )
    return _look_until(client, spec, owner, unsettled, latest.settle_until)


def _carried_over(client: PostgresClient, spec: ClusterSpec) -> payloads.Restore | None:
    """The backup a replacement restores from (see `replacing`), and the latest moment it can restore: once
    the old cluster is gone, its backup's window ends at the delete."""
    plan = spec.stored.carry_over
    if plan is None or not plan.source_backup_id:
        return None
    backup_id = plan.source_backup_id
    deadline = time.monotonic() + BACKUP_SETTLES_WITHIN
    while True:
        try:
            backup = client.get_backup(backup_id)
        except ApiError as exc:
            raise ProviderError(
                f"the backup {backup_id} that carries the old cluster's data over cannot be read: {exc}; "
                "nothing was created: run `pulumi up` again"
            ) from None
        latest = backup.properties.latest_recovery_target_time
        if latest or time.monotonic() > deadline:
            break
        time.sleep(1.0)  # the old cluster is deleted; its backup's window closes a moment later
    point = moment(latest)
    report(
        f"creating cluster {spec.cluster_name!r} from backup {backup_id} of cluster {plan.from_cluster}, "
        f"restored to {point.isoformat() if point else 'its latest point'}: the data is carried over"
    )
    return payloads.Restore(backup_id, point)


def _post(client: PostgresClient, spec: ClusterSpec, owner: Owner, key: str) -> Found:
    carried = _carried_over(client, spec)
    attempt = _attempt(client, "made", spec.cluster_name)
    journal.begin(key, attempt)
    posted_at = time.monotonic()
    body = payloads.create_properties(spec, Mark(owner, "made", attempt.attempt), carried)
    try:
        created = client.create_cluster(body)
    except ApiError as exc:
        return _after_an_unclear_post(client, spec, owner, key, attempt, exc, posted_at)
    journal.made(key, attempt.attempt, created.id)
    report(f"creating cluster {created.name!r} ({created.id}) in {client.region}")
    return Found(created, attempt, time.monotonic())


def _after_an_unclear_post(
    client: PostgresClient,
    spec: ClusterSpec,
    owner: Owner,
    key: str,
    attempt: Attempt,
    error: ApiError,
    posted_at: float,
) -> Found:
    if not error.outcome_unknown:
        journal.handed_over(key, attempt.attempt)  # the service said no: nothing was made
        raise ProviderError(f"cluster {spec.cluster_name!r} was not created: {error}") from None
    settle = journal.settle_seconds(client.timeouts.read)
    if not error.answered:
        # Counted from now, not from the first try: the POST that got no answer may have been sent late
        # (after the API's rate limit held it back), and the note tells the next run as much.
        attempt = replace(attempt, settle_until=time.time() + settle)
        journal.begin(key, attempt)
    until = time.time() + (LOOK_AFTER_AN_ERROR if error.answered else settle)
    found = _look_until(client, spec, owner, [attempt], until)
    if found is None and not error.answered:
        raise _unsettled(spec, client, error, settle) from None  # the note stays for the next run
    if found is None:
        journal.handed_over(key, attempt.attempt)
        raise ProviderError(
            f"cluster {spec.cluster_name!r} was not created: {error}; the service answered and no cluster of "
            "this attempt appeared, so running `pulumi up` again is safe"
        ) from None
    journal.made(key, attempt.attempt, found.id)
    report(f"the create request lost its answer, but cluster {found.id} exists; continuing")
    return Found(found, attempt, posted_at)  # made by this request: it carries this attempt's id


def _look_until(
    client: PostgresClient,
    spec: ClusterSpec,
    owner: Owner,
    attempts: Sequence[Attempt],
    until: float,
) -> ClusterRead | None:
    """A cluster one of `attempts` made, looked for until the wall-clock time `until` (once at least)."""
    pause = 0.5
    while True:
        names = dict.fromkeys([spec.cluster_name, *(a.name for a in attempts)])
        clusters = [c for name in names for c in client.list_clusters(name=name)]
        found = identity.sort_out(clusters, owner, spec.cluster_name, attempts).best
        if found is not None or time.time() >= until:
            return found
        time.sleep(max(0.05, min(pause, until - time.time())))
        pause = min(5.0, pause * 2)


def _unsettled(spec: ClusterSpec, client: PostgresClient, error: ApiError, settle: float) -> ProviderError:
    name = spec.cluster_name
    return ProviderError(
        f"the request to create cluster {name!r} got no answer ({error}). For {duration(settle)} "
        f"no cluster of this attempt appeared in {client.region}, so the service most likely did not carry "
        "it out, but that cannot be ruled out: it may still appear. The attempt is noted on this machine: "
        "running `pulumi up` again here looks for it first (and waits for it a while longer), and continues "
        "with it if it shows up"
    )


def _ago(wall_time: float) -> str:
    return f"{duration(max(0.0, time.time() - wall_time))} ago"


def _remove_leftovers(
    client: PostgresClient, spec: ClusterSpec, owner: Owner, key: str, keep: ClusterRead
) -> None:
    """Clusters of this resource's other noted attempts (a POST whose answer was lost that showed up late):
    proven never handed to any state, so nothing else can track them: removed. One that carries this
    resource's identity but no note of this machine (a create interrupted elsewhere, carried out late) is
    named, never deleted: a state may hold it."""
    attempts = [a for a in journal.attempts(key) if a.cluster_id != keep.id]
    names = dict.fromkeys([spec.cluster_name, *(a.name for a in attempts)])
    clusters = [c for name in names for c in client.list_clusters(name=name) if c.id != keep.id]
    found = identity.sort_out(clusters, owner, spec.cluster_name, attempts, {spec.stored.replacing})
    for stranger in found.unproven:
        warn(
            f"{identity.describe(stranger)} also carries this resource's identity, made by an attempt this "
            "machine did not note (a create interrupted on another machine, carried out late?); it is not "
            "deleted here, as a state may hold it (after a forced replacement, the engine deletes it next): "
            f"if none does, delete it by hand. This resource keeps {keep.id}"
        )
    for leftover in found.mine:
        report(
            f"{identity.describe(leftover)} was made by an earlier attempt of this resource whose "
            f"answer was lost, and no state holds it; deleting it, keeping {keep.id}"
        )
        try:
            client.delete_cluster(leftover.id)
        except ApiError as exc:
            if not exc.is_not_found:
                report(f"could not delete cluster {leftover.id}: {exc}; delete it yourself")
                continue
        journal.handed_over(key, *(a.attempt for a in attempts if identity.proves([a], leftover)))


def _discard_failed(client: PostgresClient, cluster: ClusterRead, spec: ClusterSpec) -> ProviderError:
    """A create that ends FAILED leaves nothing behind outside the stack's state."""
    try:
        deleting.delete_and_wait(client, cluster.id, spec.timeout_seconds("delete"))
    except ProviderError as exc:
        return ProviderError(
            f"cluster {cluster.name!r} ({cluster.id}) failed while provisioning: "
            f"{cluster.metadata.status_message or 'no reason given'}; deleting it failed too ({exc}). "
            "Delete it yourself before the next `pulumi up`."
        )
    return Discarded(
        f"{failed(cluster, 'while provisioning')}. It stayed FAILED for the grace period "
        "(timeouts.failed) and was deleted, so nothing is left outside the stack's state; fix the cause and "
        "run `pulumi up` again"
    )
