"""Deleting a cluster: "already gone" is done, a cluster someone is deleting already is waited for (never
deleted twice), a delete the service refuses while the cluster is busy (409, or a server error, as the
service answers while it is UPDATING) is sent again once the cluster settles, and the way back (the last
backup and its recovery window) is printed when the cluster is gone."""

from __future__ import annotations

import time

from ..api import ApiError, PostgresClient
from ..api.models import ClusterRead
from ..errors import ProviderError
from ..progress import duration, report
from ..rules.timestamps import moment
from . import waiting
from .clients import after_a_rotation

# A refused delete of a cluster that is not busy (a passing server error) is sent again after this.
PAUSE_AFTER_A_REFUSAL = 2.0


def delete_and_wait(client: PostgresClient, cluster_id: str, timeout: float) -> None:
    deadline = waiting.deadline_in(timeout)
    refusals = 0
    while True:
        current = waiting.read_or_gone(client, cluster_id, "delete it")
        if current is None:
            return
        if current.state == "DESTROYING":
            deleted_at = None  # someone asked already: wait, never delete twice
            break
        try:
            client.delete_cluster(cluster_id)
        except ApiError as exc:
            if exc.is_not_found:
                return
            if exc.outcome_unknown and _taken(client, cluster_id):
                deleted_at = time.monotonic()  # the answer was unreadable, but the service is deleting it
                break
            refused = exc.is_conflict or exc.is_retryable or exc.outcome_unknown  # a DELETE is safe to repeat
            if not refused or time.monotonic() >= deadline:
                raise ProviderError(
                    f"cluster {cluster_id} was not deleted: {exc}{after_a_rotation(exc)}"
                ) from None
            refusals += 1
            _wait_out_a_refusal(client, current, exc, refusals, deadline)
            continue
        deleted_at = time.monotonic()
        break
    report(f"deleting cluster {current.name!r} ({cluster_id})")
    waiting.until_gone(client, cluster_id, waiting.left(deadline), started=deleted_at)
    report(way_back(client, current))


def _taken(client: PostgresClient, cluster_id: str) -> bool:
    """Whether a delete whose answer could not be read was carried out: the cluster is going or gone."""
    try:
        current = waiting.read_or_gone(client, cluster_id, "delete it")
    except ProviderError:
        return False
    if current is None or current.state == "DESTROYING":
        report(f"the answer to the delete of cluster {cluster_id} could not be read, but the service took it")
        return True
    return False


def _wait_out_a_refusal(
    client: PostgresClient, cluster: ClusterRead, error: ApiError, refusals: int, deadline: float
) -> None:
    """The service refused the delete (busy, or a passing error): wait until the cluster settles, then the
    delete is sent again, within the delete timeout."""
    report(
        f"the service refused to delete cluster {cluster.id} while it is {cluster.state} "
        f"(HTTP {error.http_status or 'no answer'}, {refusals} time(s)); waiting until it settles, then "
        f"deleting it (up to {duration(max(0.0, deadline - time.monotonic()))} more)"
    )
    if cluster.state in waiting.BUSY:
        waiting.until_settled(client, cluster.id, waiting.left(deadline))
    else:
        time.sleep(min(PAUSE_AFTER_A_REFUSAL * refusals, max(0.0, deadline - time.monotonic())))


def way_back(client: PostgresClient, cluster: ClusterRead) -> str:
    """The deleted cluster's last backup, as `restore_from_backup` takes it, or why there is none."""
    try:
        backups = [
            b for b in client.list_backups(cluster_id=cluster.id) if b.properties.cluster_id == cluster.id
        ]
    except ApiError as exc:
        return f"cluster {cluster.id} is deleted; its backups could not be listed ({exc})"
    ended = [(end, b) for b in backups if (end := moment(b.properties.latest_recovery_target_time))]
    if not ended:
        return f"cluster {cluster.id} is deleted; the service lists no backup that can restore it"
    end, last = max(ended, key=lambda pair: pair[0])
    start = last.properties.earliest_recovery_target_time
    when = end.isoformat().replace("+00:00", "Z")
    return (
        f"cluster {cluster.name!r} ({cluster.id}) is deleted. Its data can be restored into a new cluster "
        f"from backup {last.id} (recovery window {start} to {when}), as long as the backup is kept: "
        f"restore_from_backup={{'source_backup_id': '{last.id}', 'recovery_target_datetime': '{when}'}}"
    )
