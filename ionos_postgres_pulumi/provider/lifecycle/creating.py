"""Creating a cluster, and never a second one: find the cluster an earlier attempt made before a POST,
and after a POST whose answer was lost.

Every create looks for a cluster of the exact name carrying this resource's mark (`rules.marks`)
first: a retried or killed create continues that cluster instead of making another. A cluster of the same
name without the mark is somebody else's and is never taken over.

A POST whose outcome is unknown is never followed by a second one until the first is settled: without an
answer, the service may still be carrying it out, so the create looks for the cluster until a POST it
received would have become visible (twice the read timeout, and a little), and a note in the `journal`
makes a fresh provider process on this machine (`pulumi up` killed and run again) wait just as long. If
two clusters with this resource's mark and name exist all the same (a rerun from another machine), the
create keeps one and deletes the others: no state tracks them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..api import ApiError, PostgresClient
from ..api.models import ClusterRead
from ..engine.handover import CARRY_OVER_KEY, REPLACING_KEY
from ..errors import ClusterGone, ProviderError, failed
from ..progress import duration, report
from ..rules import payloads
from ..rules.inputs import OWNER_KEY, timeout_seconds
from ..rules.marks import made_by, owner_of
from ..rules.timestamps import moment
from . import adopting, deleting, journal, updating, waiting
from .waiting import Transition

# After an answer that is an error (the service is done with the request): a short look, for visibility.
LOOK_AFTER_AN_ERROR = 3.5
# After the delete of a replaced cluster, its backup's window closes (its latest time is set) within this.
BACKUP_SETTLES_WITHIN = 60.0
STATE_RANK = {"AVAILABLE": 0, "UPDATING": 1, "PROVISIONING": 2}


@dataclass(frozen=True)
class Found:
    """The cluster to wait for, and when this call's POST made it (None: an earlier attempt did)."""

    cluster: ClusterRead
    posted_at: float | None = None


class ClusterKept(ProviderError):
    """The create failed after its cluster was made; the cluster exists (the stack's state should keep it)."""

    def __init__(self, message: str, cluster: ClusterRead) -> None:
        super().__init__(message)
        self.cluster = cluster


class Discarded(ProviderError):
    """The cluster went FAILED for good and was deleted: nothing is left outside the state."""


def create(client: PostgresClient, inputs: Mapping[str, Any]) -> ClusterRead:
    adopt = inputs.get("adopt_existing_id")
    if adopt:
        existing = adopting.find(client, adopt)
        if existing is not None:
            return _adopt(client, existing, inputs)
        report(f"adopt_existing_id: there is no cluster {adopt} in {client.region}; making a new cluster")
    found = _find_or_create(client, inputs)
    try:
        return _finish(client, found, inputs)
    except (Discarded, ClusterGone):
        raise
    except ProviderError as exc:
        raise ClusterKept(str(exc), found.cluster) from None


def _finish(client: PostgresClient, found: Found, inputs: Mapping[str, Any]) -> ClusterRead:
    """Until the cluster made (or found) is AVAILABLE with the desired state, and alone."""
    cluster = waiting.until_available(
        client,
        found.cluster,
        timeout_seconds(inputs, "create"),
        Transition.CREATE,
        started=found.posted_at,
        on_failed=lambda current: _discard_failed(client, current, inputs),
        grace=waiting.FailedGrace(timeout_seconds(inputs, "failed")),
    )
    if found.posted_at is None:
        # Made by an earlier attempt, perhaps with other inputs (a password cannot be read back to
        # compare): bring it to the desired state. The PUT is safe to repeat.
        cluster = updating.apply(client, cluster, inputs, restore_to=None)
    try:
        _remove_duplicates(client, inputs, keep=cluster)  # one that showed up meanwhile
    except ApiError as exc:
        raise ProviderError(
            f"cluster {cluster.id} is AVAILABLE, but looking for duplicates failed: {exc}"
        ) from None
    return cluster


def _adopt(client: PostgresClient, cluster: ClusterRead, inputs: Mapping[str, Any]) -> ClusterRead:
    """An adopted cluster is never deleted here, even FAILED: the desired state is applied to it."""
    report(f"adopting cluster {cluster.name!r} ({cluster.id}); its settings will follow the program")
    cluster = waiting.until_settled(client, cluster.id, timeout_seconds(inputs, "create"))
    return updating.apply(client, cluster, inputs, restore_to=None)


def _find_or_create(client: PostgresClient, inputs: Mapping[str, Any]) -> Found:
    existing = find_own(client, inputs) or _await_an_unsettled_post(client, inputs)
    if existing is not None:
        report(
            f"found cluster {existing.name!r} ({existing.id}, {existing.state}) from an earlier attempt; "
            "continuing with it instead of creating another"
        )
        return Found(existing)
    return _post(client, inputs)


def _journal_key(client: PostgresClient, inputs: Mapping[str, Any]) -> str:
    return journal.key_of(client.base_url, client.region, str(inputs.get(OWNER_KEY) or ""), inputs["name"])


def _await_an_unsettled_post(client: PostgresClient, inputs: Mapping[str, Any]) -> ClusterRead | None:
    """A POST of an earlier provider process on this machine got no answer: wait for what it may make."""
    noted = journal.unsettled(_journal_key(client, inputs))
    if noted is None:
        return None
    posted_at, settle_until = noted
    report(
        f"an earlier create of cluster {inputs['name']!r} ({_ago(posted_at)}) got no answer and may still be "
        f"carried out; looking for it for up to {duration(settle_until - time.time())} before creating one"
    )
    found = _look_until(client, inputs, settle_until)
    journal.forget(_journal_key(client, inputs))
    return found


def _carried_over(client: PostgresClient, inputs: Mapping[str, Any]) -> payloads.Restore | None:
    """The backup a replacement restores from (see `replacing`), and the latest moment it can restore: once
    the old cluster is gone, its backup's window ends at the delete."""
    plan = inputs.get(CARRY_OVER_KEY)
    if not isinstance(plan, Mapping) or not plan.get("source_backup_id"):
        return None
    backup_id = str(plan["source_backup_id"])
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
        f"creating cluster {inputs['name']!r} from backup {backup_id} of cluster {plan.get('from_cluster')}, "
        f"restored to {point.isoformat() if point else 'its latest point'}: the data is carried over"
    )
    return payloads.Restore(backup_id, point)


def _post(client: PostgresClient, inputs: Mapping[str, Any]) -> Found:
    carried = _carried_over(client, inputs)
    key, posted_at = _journal_key(client, inputs), time.monotonic()
    settle = journal.settle_seconds(client.timeouts.read)
    journal.note(key, settle)
    try:
        created = client.create_cluster(payloads.create_properties(inputs, carried))
    except ApiError as exc:
        if not exc.outcome_unknown:
            journal.forget(key)
            raise ProviderError(f"cluster {inputs['name']!r} was not created: {exc}") from None
        if not exc.answered:
            # Counted from now, not from the first try: the POST that got no answer may have been sent
            # late (after the API's rate limit held it back), and the note tells the next run as much.
            journal.note(key, settle)
        found = _look_until(client, inputs, time.time() + (LOOK_AFTER_AN_ERROR if exc.answered else settle))
        if found is None and not exc.answered:
            raise _unsettled(inputs, client, exc, settle) from None  # the note stays for the next run
        journal.forget(key)
        if found is None:
            raise ProviderError(
                f"cluster {inputs['name']!r} was not created: {exc}; the service answered and no cluster of "
                "that name appeared, so running `pulumi up` again is safe"
            ) from None
        report(f"the create request lost its answer, but cluster {found.id} exists; continuing")
        return Found(found, posted_at)  # made by this request (this resource's mark, and nothing before it)
    journal.forget(key)
    report(f"creating cluster {created.name!r} ({created.id}) in {client.region}")
    return Found(created, time.monotonic())


def _look_until(client: PostgresClient, inputs: Mapping[str, Any], until: float) -> ClusterRead | None:
    """This resource's cluster, looked for until the wall-clock time `until` (once at least)."""
    pause = 0.5
    while (found := find_own(client, inputs)) is None and time.time() < until:
        time.sleep(max(0.05, min(pause, until - time.time())))
        pause = min(5.0, pause * 2)
    return found


def _unsettled(
    inputs: Mapping[str, Any], client: PostgresClient, error: ApiError, settle: float
) -> ProviderError:
    return ProviderError(
        f"the request to create cluster {inputs['name']!r} got no answer ({error}). For {duration(settle)} "
        f"no cluster of that name with this resource's mark appeared in {client.region}, so the service most "
        "likely did not carry it out, but that cannot be ruled out: it may still appear. Running `pulumi up` "
        "again looks for it first (on this machine it waits for it a while longer), and if both clusters "
        "show up while it creates, it keeps one and deletes the other"
    )


def _ago(wall_time: float) -> str:
    return f"{duration(max(0.0, time.time() - wall_time))} ago"


def find_own(client: PostgresClient, inputs: Mapping[str, Any]) -> ClusterRead | None:
    """The cluster an earlier attempt of this create made: same name and owner mark (or, for clusters
    made without one, the same network and backup location). Anything else is somebody else's."""
    name = inputs["name"]
    same_name = _same_name(client, inputs)
    owner = inputs.get(OWNER_KEY)
    if owner:
        mine = _marked_by(owner, same_name)
    else:
        mine = [c for c in same_name if not owner_of(c.properties.description) and _same_identity(c, inputs)]
    if len(mine) > 1 and not owner:
        ids = ", ".join(c.id for c in mine)
        raise ProviderError(
            f"several clusters named {name!r} in {client.region} match this resource ({ids}); "
            "choose one with adopt_existing_id"
        )
    if mine:
        return _ranked(mine, keep=None)[0]  # others of this mark are removed once the create is done
    if same_name:
        others = ", ".join(f"{c.id} ({made_by(owner_of(c.properties.description))})" for c in same_name)
        raise ProviderError(
            f"a cluster named {name!r} already exists in {client.region}: {others}. This resource does "
            "not take it over: give it another name, or adopt that cluster with adopt_existing_id"
        )
    return None


def _same_name(client: PostgresClient, inputs: Mapping[str, Any]) -> list[ClusterRead]:
    """The region's clusters of the exact name, but the one this create replaces (a forced replacement, which
    the engine makes before it deletes the old cluster): that one is never taken for the new one."""
    name, replaced = inputs["name"], inputs.get(REPLACING_KEY)
    # The service's name filter matches a part of the name, whatever its case: compare here.
    return [
        c
        for c in client.list_clusters(name=name)
        if c.name == name and c.state != "DESTROYING" and c.id != replaced
    ]


def _remove_duplicates(client: PostgresClient, inputs: Mapping[str, Any], keep: ClusterRead) -> None:
    """Clusters with this resource's mark and name beside `keep` (a rerun from another machine): no state
    tracks them. A list that does not show `keep` yet (a stale list, right after the create) removes
    nothing."""
    owner = inputs.get(OWNER_KEY)
    if not owner:
        return
    mine = _marked_by(owner, _same_name(client, inputs))
    if not any(c.id == keep.id for c in mine):
        return
    kept, *duplicates = _ranked(mine, keep.id)
    _delete_duplicates(client, kept, duplicates)


def _marked_by(owner: str, clusters: list[ClusterRead]) -> list[ClusterRead]:
    return [c for c in clusters if owner_of(c.properties.description) == owner]


def _ranked(mine: list[ClusterRead], keep: str | None) -> list[ClusterRead]:
    """This resource's clusters, the one to keep first: `keep`, else the furthest along, else the oldest."""
    return sorted(
        mine, key=lambda c: (c.id != keep, STATE_RANK.get(c.state or "", 3), str(c.metadata.created_date))
    )


def _delete_duplicates(client: PostgresClient, kept: ClusterRead, duplicates: list[ClusterRead]) -> None:
    for duplicate in duplicates:
        report(
            f"cluster {duplicate.id} ({duplicate.state}) carries this resource's mark and name beside "
            f"{kept.id}: a second create that no state tracks; deleting it, keeping {kept.id}"
        )
        try:
            client.delete_cluster(duplicate.id)
        except ApiError as exc:
            if not exc.is_not_found:
                report(f"could not delete cluster {duplicate.id}: {exc}; delete it yourself")


def _same_identity(cluster: ClusterRead, inputs: Mapping[str, Any]) -> bool:
    connection, backup = cluster.properties.connection, cluster.properties.backup
    wanted = inputs.get("connection") or {}
    return (
        connection is not None
        and backup is not None
        and connection.datacenter_id == wanted.get("datacenter_id")
        and str(connection.lan_id) == str(wanted.get("lan_id"))
        and connection.primary_instance_address == wanted.get("primary_instance_address")
        and backup.location == inputs.get("backup_location")
    )


def _discard_failed(client: PostgresClient, cluster: ClusterRead, inputs: Mapping[str, Any]) -> ProviderError:
    """A create that ends FAILED leaves nothing behind outside the stack's state."""
    try:
        deleting.delete_and_wait(client, cluster.id, timeout_seconds(inputs, "delete"))
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
