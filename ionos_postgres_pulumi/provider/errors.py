"""Errors the provider reports to the user: each says which cluster, what happened, and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi.dynamic import CheckFailure

from .api.printable import printable
from .rules.inputs import KNOWN_INPUTS
from .rules.marks import made_by, owner_of

if TYPE_CHECKING:
    from .api.models import ClusterRead


class ProviderError(Exception):
    """A failure with a message written for the person running `pulumi up`."""


class ClusterGone(ProviderError):
    """The cluster no longer exists."""


def reason_given(cluster: ClusterRead) -> str:
    """The service's statusMessage, escaped for a terminal (`printable`), or that it gave none."""
    return printable(cluster.metadata.status_message or "") or "no reason given"


def made_by_whom(cluster: ClusterRead) -> str:
    """ "managed by <owner>" as the cluster's mark says, escaped for a terminal: the owner is read from a
    description anybody can write."""
    return printable(made_by(owner_of(cluster.properties.description)))


def failed(cluster: ClusterRead, when: str) -> ProviderError:
    return ProviderError(
        f"cluster {cluster.name!r} ({printable(cluster.id)}) went to FAILED {when}: {reason_given(cluster)}"
    )


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
