"""Deleting a cluster: "already gone" is done, a cluster someone is deleting already is waited for (never
deleted twice), and a busy one is deleted once it accepts it."""

from __future__ import annotations

import time

from . import waiting
from .api import ApiError, PostgresClient
from .errors import ProviderError
from .progress import report


def delete_and_wait(client: PostgresClient, cluster_id: str, timeout: float) -> None:
    deadline = waiting.deadline_in(timeout)
    while True:
        try:
            current = client.get_cluster(cluster_id)
        except ApiError as exc:
            if exc.is_not_found:
                return
            raise ProviderError(f"cannot read cluster {cluster_id} to delete it: {exc}") from None
        if current.state == "DESTROYING":
            deleted_at = None  # someone asked already: wait, never delete twice
            break
        try:
            client.delete_cluster(cluster_id)
        except ApiError as exc:
            if exc.is_not_found:
                return
            if exc.is_conflict and time.monotonic() < deadline:
                waiting.until_settled(client, cluster_id, waiting.left(deadline))
                continue
            raise ProviderError(f"cluster {cluster_id} was not deleted: {exc}") from None
        deleted_at = time.monotonic()
        break
    report(f"deleting cluster {current.name!r} ({cluster_id})")
    waiting.until_gone(client, cluster_id, waiting.left(deadline), started=deleted_at)
