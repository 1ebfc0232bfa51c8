"""Adopting a running cluster (`adopt_existing_id`), shown before it happens.

`pulumi up` brings an adopted cluster to the program's inputs with one PUT. The preview reads the cluster
and lists what that PUT will change, field by field (current -> desired), and says that the password is reset
(the API never shows the current one, so it cannot be compared); it refuses what the service would refuse
(a smaller storage, an older version, another backup location) and a cluster that another stack's resource
manages. An id that no cluster has (a fresh stack of a program written for another environment) is not an
error: a new cluster is made, and the preview says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from pulumi.dynamic import CheckFailure

from ..api import PostgresClient, rules
from ..api.models import ClusterRead
from ..api.printable import printable
from ..errors import made_by_whom
from ..progress import warn
from ..rules.diffing import comparable
from ..rules.marks import Owner, mark_of
from ..rules.outputs import described
from ..rules.spec import ClusterSpec
from ..rules.validation import transition_violations
from . import identity
from .journal import Attempt
from .waiting import read_or_gone

FIELD = "adopt_existing_id"


def find(client: PostgresClient, cluster_id: str) -> ClusterRead | None:
    return read_or_gone(client, cluster_id, "adopt it")


class Verdict(Enum):
    ADOPT = "adopt"
    ADOPTED_ALREADY = "adopted already"  # by this resource: the program's adopt_existing_id is history


def verdict(cluster: ClusterRead, owner: Owner, attempts: Sequence[Attempt]) -> Verdict | str:
    """Whether `adopt_existing_id` adopts this cluster now, or why not (a refusal, in words).

    adopt_existing_id is read only when the resource is new to the stack, and a program keeps it after the
    adoption: a cluster whose mark says this resource adopted it already is not adopted again (a forced
    replacement of it must not take it back for the new resource). A cluster that carries this resource's
    own mark is never adopted unless this machine's note proves it was never handed over: the engine may be
    about to delete it (a forced replacement of the resource that holds it)."""
    mark = mark_of(cluster.properties.description)
    if mark is None or identity.proves(attempts, cluster):
        return Verdict.ADOPT
    if mark.owner.identity != owner.identity:
        return (
            f"cluster {cluster.id} is {made_by_whom(cluster)}: two resources must not manage one cluster. "
            f"Remove {FIELD} to make a new cluster here, or remove the cluster from that stack first"
        )
    if mark.origin == "adopted":
        return Verdict.ADOPTED_ALREADY
    return (
        f"cluster {cluster.id} carries this resource's own mark ({printable(mark.owner)}), and nothing on "
        "this machine "
        "shows that no state holds it: if this stack's state holds it (a forced replacement, a taint), the "
        "engine would delete it once the create took it. Nothing was changed. If no state holds it any "
        "longer (a create interrupted on another machine; or `pulumi state delete`, `retain_on_delete` or "
        f"`pulumi stack rm` left it), {identity.RELEASE}"
    )


def adopted_already(cluster: ClusterRead) -> str:
    return (
        f"{FIELD}: cluster {cluster.id} ({cluster.name!r}) was adopted by this resource already, so it is "
        "not adopted again: the create goes on as for a new cluster (a stack's state may hold that one)"
    )


def preview(client: PostgresClient, spec: ClusterSpec, owner: Owner) -> list[CheckFailure]:
    cluster_id = str(spec.adopt_existing_id)
    if cluster_id == spec.stored.replacing:
        return []  # the cluster this replacement replaces: a new one is made, as the replacement's plan says
    cluster = find(client, cluster_id)
    if cluster is None:
        warn(
            f"{FIELD}: there is no cluster {cluster_id} in {client.region}, so `pulumi up` makes a new "
            "cluster instead (as for a new stack of a program written for another environment)"
        )
        return []
    decided = verdict(cluster, owner, identity.proven_attempts(client, owner))
    if isinstance(decided, str):
        return [CheckFailure(FIELD, decided)]
    if decided is Verdict.ADOPTED_ALREADY:
        warn(adopted_already(cluster))
        return []
    current = ClusterSpec.of(described(cluster))
    refused = refusals(current, spec)
    if refused:
        return refused
    changes = differences(current, spec)
    listed = "; ".join(changes) if changes else "no setting"
    warn(
        f"adopting cluster {cluster.name!r} ({cluster_id}): `pulumi up` changes {listed}; and it resets "
        "the password of the user in credentials to the configured one (the API never shows the current "
        "password, so it cannot be compared; clients with the old one stop working)"
    )
    return []


def refusals(current: ClusterSpec, spec: ClusterSpec) -> list[CheckFailure]:
    """What the service would refuse, or what cannot be undone without saying so, as check failures."""
    found = transition_violations(current.to_engine(), spec.to_engine())
    if current.backup_location not in (None, spec.backup_location):
        found.append(
            rules.Violation(
                "backup_location",
                spec.backup_location,
                f"differs from the adopted cluster's {current.backup_location!r}, which the service "
                "cannot change; adopt it with its own backup_location",
            )
        )
    return [CheckFailure(v.field, v.reason()) for v in found]


def differences(current: ClusterSpec, spec: ClusterSpec) -> list[str]:
    """`path current -> desired` for every setting the adoption's PUT changes (one not known yet at preview
    may change it too)."""
    changes = []
    for (field, now), (_, wanted) in zip(current.api_fields(), spec.api_fields(), strict=True):
        path = field.input_path
        if field.rule.secret:
            continue
        if spec.is_unknown(path):
            changes.append(f"{path} {now!r} -> (not known yet)")
        elif wanted is not None and comparable(now, path) != comparable(wanted, path):
            changes.append(f"{path} {now!r} -> {wanted!r}")
    return changes
