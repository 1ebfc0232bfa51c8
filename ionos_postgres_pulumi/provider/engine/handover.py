"""What the engine's first check of a replacement hands to its second, by URN, within one provider process.

The engine checks a replacement twice: first with the resource's old inputs and outputs (`olds`), then as a
new resource (no `olds`), whose checked inputs `create` receives. What the first check knows about the old
cluster (its id; the plan that carries its data over, see `replacing`) rides to `create` in hidden inputs
set by the second check (`rules.spec.Stored`). The same process serves both checks of one `pulumi up` or
preview.
"""

from __future__ import annotations

import threading
from typing import Any

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


def hand_over(urn: str) -> tuple[dict[str, Any] | None, str | None]:
    """What the first check of this replacement knew, for the second check's hidden inputs: the plan and the
    old cluster (taken: the next replacement of this resource is planned anew)."""
    if not urn:
        return None, None
    with _lock:
        plan, old = _plans.pop(urn, None), _old_clusters.pop(urn, None)
    return (dict(plan) if plan is not None else None), old
