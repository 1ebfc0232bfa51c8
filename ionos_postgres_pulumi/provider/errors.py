"""Errors the provider reports to the user: each says which cluster, what happened, and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi.dynamic import CheckFailure

from .rules.inputs import KNOWN_INPUTS

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


def for_the_engine(failure: CheckFailure) -> CheckFailure:
    """A check failure as the engine will show it. The engine writes "property <p> value <v> has a problem:
    <reason>", where <v> is the program's input named <p> at the top level: for a field inside an object
    ("instances.storage_size") or outside the inputs ("ionos:token") it would show `{<nil>}` beside a reason
    that names the real value. Those go without a property ("resource 'db' has a problem: <reason>"), their
    field opening the reason, whose words name the value."""
    if failure.property in KNOWN_INPUTS:
        return failure
    return CheckFailure("", f"{failure.property}: {failure.reason}")
