"""What the engine's first check of a replacement hands to its second, by URN, within one provider process.

The engine checks a replacement twice: first with the resource's old inputs and outputs (`olds`), then as a
new resource (no `olds`), whose checked inputs `create` receives. What the first check knows about the old
cluster (its id; the plan that carries its data over, see `replacing`) rides to `create` in hidden inputs
set by the second check. The same process serves both checks of one `pulumi up` or preview.
"""

from __future__ import annotations

import threading
from typing import Any

# Hidden inputs (a leading "__": no diff shows them): the plan of a carried-over replacement, and the cluster
# being replaced, which the new resource's create must never take for its own.
CARRY_OVER_KEY = "__carry_over"
REPLACING_KEY = "__replacing"

_lock = threading.Lock()
_plans: dict[str, dict[str, Any]] = {}
_old_clusters: dict[str, str] = {}


def remember_plan(urn: str, plan: dict[str, Any] | None) -> None:
    with _lock:
        if plan is None:
            _plans.pop(urn, None)
        else:
            _plans[urn] = plan


def remember_old_cluster(urn: str, cluster_id: Any) -> None:
    """The cluster the state holds for this resource, as its first check saw it."""
    if urn and isinstance(cluster_id, str) and cluster_id:
        with _lock:
            _old_clusters[urn] = cluster_id


def hand_over(inputs: dict[str, Any], urn: str) -> dict[str, Any]:
    """The second check's inputs, with what the first check of this replacement knew (taken: the next
    replacement of this resource is planned anew)."""
    if not urn:
        return inputs
    with _lock:
        plan, old = _plans.pop(urn, None), _old_clusters.pop(urn, None)
    if plan is not None:
        inputs[CARRY_OVER_KEY] = dict(plan)
    if old is not None:
        inputs[REPLACING_KEY] = old
    return inputs
