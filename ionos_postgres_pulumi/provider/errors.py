"""Errors the provider reports to the user: each says which cluster, what happened, and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api.models import ClusterRead


class ProviderError(Exception):
    """A failure with a message written for the person running `pulumi up`."""


class ClusterGone(ProviderError):
    """The cluster no longer exists."""


def failed(cluster: ClusterRead, when: str) -> ProviderError:
    reason = cluster.metadata.status_message or "the service gave no reason"
    return ProviderError(f"cluster {cluster.name!r} ({cluster.id}) went to FAILED {when}: {reason}")


def gone(cluster_id: str, doing: str) -> ClusterGone:
    return ClusterGone(
        f"cluster {cluster_id} no longer exists (it was deleted outside Pulumi while {doing}); "
        "run `pulumi refresh` to drop it from the stack, then `pulumi up` to create it again"
    )
