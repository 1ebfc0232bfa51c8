"""Which cluster a new resource may take: only one it can prove it made and never handed to the engine.

Only the state says which cluster a resource holds, and a dynamic provider never sees the state of a resource
the engine treats as new. The engine calls a create in the same way for a first create, a rerun after a killed
`pulumi up`, a forced replacement (`--replace`, `--target-replace`, `state taint`, a `delete_before_replace`
option: the state holds the old cluster, which the engine deletes once the create returns), a new stack given
a renamed stack's old name, and a resource moved into a component without an alias (see
`engine-call-sequences.md`). A mark in the description says which resource a cluster was made for
(`rules.marks`), never that no state holds it. So, for a resource the engine treats as new:

- a cluster carrying this resource's identity whose attempt this machine noted and never handed over
  (`journal`) is this resource's own: it is continued, and others of such proven attempts are removed;
- a cluster carrying this resource's identity that no note proves is never taken and never deleted: the
  preview and the create refuse, say what the cluster is, who made it and when, and each way forward (unless
  `allow_empty_replacement`: then a new, empty cluster is made beside it, as a forced replacement asks);
- a cluster of the wanted name that is somebody else's (another resource's mark, or none) is refused;
- two resources of one program asking for one name at once: the second is refused as it is in sequence
  (`NameClaims`).

The preview sees every cluster of the region (a forced replacement may come with a new name); the create
looks again, by name, right before it sends anything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from ..api import PostgresClient
from ..api.models import ClusterRead
from ..api.printable import printable
from ..errors import ProviderError, made_by_whom
from ..rules.inputs import OWNER_KEY
from ..rules.marks import Mark, Owner, mark_of
from ..rules.spec import ClusterSpec
from . import journal
from .journal import Attempt

STATE_RANK = {"AVAILABLE": 0, "UPDATING": 1, "PROVISIONING": 2}
REGION_LIST_TTL = 60.0  # seconds a preview reuses one listing of a region for all its new resources


@dataclass(frozen=True)
class Sorted:
    """The clusters a new resource meets in its region."""

    mine: list[ClusterRead] = field(default_factory=list)  # proven: noted here, never handed over
    unproven: list[ClusterRead] = field(default_factory=list)  # this resource's identity, no proof
    others: list[ClusterRead] = field(default_factory=list)  # of the wanted name, not this resource's

    @property
    def best(self) -> ClusterRead | None:
        """The proven cluster to continue: the furthest along, else the oldest."""
        return ranked(self.mine)[0] if self.mine else None


def journal_key(client: PostgresClient, owner: Owner) -> str:
    """Where this machine notes the resource's attempts (`journal`): per endpoint, region and identity."""
    return journal.key_of(client.base_url, client.region, owner.identity)


def proven_attempts(client: PostgresClient, owner: Owner) -> list[Attempt]:
    return journal.attempts(journal_key(client, owner))


def ranked(clusters: Iterable[ClusterRead]) -> list[ClusterRead]:
    return sorted(clusters, key=lambda c: (STATE_RANK.get(c.state or "", 3), str(c.metadata.created_date)))


def proves(attempts: Sequence[Attempt], cluster: ClusterRead) -> bool:
    """Whether an attempt noted here made (or adopted) this cluster and it is still that attempt's: its mark
    carries the attempt, and the id matches where the note knows it (a POST whose answer was lost never
    learned it). A note naming the cluster by id alone proves nothing: a later adoption wrote its own
    attempt into the mark, and a state holds the cluster since."""
    mark = mark_of(cluster.properties.description)
    attempt = mark.attempt if mark else None
    return bool(attempt) and any(
        a.attempt == attempt and a.cluster_id in (None, cluster.id) for a in attempts
    )


def sort_out(
    clusters: Iterable[ClusterRead],
    owner: Owner,
    name: str,
    attempts: Sequence[Attempt],
    set_aside: Collection[str | None] = (),
) -> Sorted:
    """The region's clusters as this new resource sees them; clusters `set_aside` (the one a replacement
    replaces, as the engine's plan says; the one it adopts) and clusters going away are none of its
    business."""
    found = Sorted()
    for cluster in clusters:
        if cluster.state == "DESTROYING" or cluster.id in set_aside:
            continue
        mark = mark_of(cluster.properties.description)
        if mark is not None and mark.owner.identity == owner.identity:
            (found.mine if proves(attempts, cluster) else found.unproven).append(cluster)
        elif cluster.name == name:  # the service's name filter matches parts, any case: compare here
            found.others.append(cluster)
    return found


def refusal(found: Sorted, owner: Owner, name: str, region: str, allow_empty: bool) -> str | None:
    """Why this new resource must not be created here, if it must not."""
    if found.others:
        return name_taken(found.others, owner, name, region)
    if found.unproven and not allow_empty:
        return not_proven(found.unproven[0], region)
    return None


def describe(cluster: ClusterRead) -> str:
    created = cluster.metadata.created_date
    when = f", made {created}" if created else ""
    state = printable(cluster.state or "state unknown")
    return f"cluster {printable(cluster.id)} ({cluster.name!r}, {state}{when})"


def name_taken(others: Sequence[ClusterRead], owner: Owner, name: str, region: str) -> str:
    listed = "; ".join(f"{describe(c)}, {made_by_whom(c)}" for c in others)
    free = [c for c in others if _owner(c) is None]  # no resource's mark: it may be adopted
    adopt = f", or adopt that cluster with adopt_existing_id={free[0].id!r}" if free else ""
    message = (
        f"the cluster name {name!r} is taken in {region}: {listed}. This resource never takes over a cluster "
        f"it did not make, and one name is one cluster: choose another name{adopt}"
    )
    if not free:
        message += (
            " (another resource manages it, so it cannot be adopted here: two resources must not manage "
            "one cluster)"
        )
    if any(_moved(_owner(c), owner) for c in others):
        message += (
            ". It is managed by a resource of this stack with this resource's name: if that is this resource "
            "before it moved into (or out of) a component, say so with an alias, such as "
            "opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]), and the "
            "engine keeps the cluster instead of replacing it"
        )
    return message


def not_proven(cluster: ClusterRead, region: str) -> str:
    mark = mark_of(cluster.properties.description) or Mark(Owner("?", "?"))
    how = f"{mark.origin} by attempt {mark.attempt}" if mark.origin else "its origin not written"
    return (
        f"{describe(cluster)} in {region} carries this resource's identity ({printable(mark.owner)}, {how}), "
        "but "
        "nothing on this machine shows that a run of this stack made it and never handed it over, so it is "
        "not taken: a stack's state may hold it. Nothing was created or deleted. If this stack holds it and "
        "you asked to replace it (`pulumi up --replace`, `--target-replace`, `pulumi state taint`, a "
        "delete_before_replace option), the engine would delete it with its data once a new cluster is "
        "made: undo that request (after a taint: `pulumi state untaint`); to move the data into a new "
        "cluster change what needs one (such as "
        "backup_location), which carries it over; or set allow_empty_replacement=True for an EMPTY new "
        "cluster (its backups stay). If another stack holds it (a stack renamed away from this stack's "
        "name: its clusters keep their marks until its next `pulumi up`), run `pulumi up` in that stack "
        "first, then give this cluster a name of its own. If no state holds it any longer (a create "
        "interrupted on another machine; or `pulumi state delete`, `retain_on_delete` or `pulumi stack rm` "
        f"left it), {RELEASE}"
    )


# Taking a cluster that carries a resource's own mark, where nothing proves that no state holds it, is the
# user's decision, made where the provider cannot mistake it for a forced replacement: in the description.
RELEASE = (
    "remove the `[managed by pulumi: ...]` mark from its description (in the console, or with a PUT of the "
    "cluster) and adopt it with adopt_existing_id, which keeps its data; only where no stack ever had it (an "
    "interrupted create, so nothing is in it), delete it by hand instead: the next `pulumi up` makes it again"
)


def _owner(cluster: ClusterRead) -> Owner | None:
    mark = mark_of(cluster.properties.description)
    return mark.owner if mark else None


def _moved(theirs: Owner | None, ours: Owner) -> bool:
    """The same project, stack and resource name under another parent."""
    if theirs is None:
        return False
    a, b = theirs.label.split("/"), ours.label.split("/")
    return a[:2] == b[:2] and a[-1:] == b[-1:]


def held(client: PostgresClient, spec: ClusterSpec, cluster_id: str) -> None:
    """A state holds `cluster_id` for the resource of these inputs (or outputs): this machine's notes no
    longer prove that a create of the resource may take it (`journal.held`)."""
    if spec.owner is not None:
        journal.held(journal_key(client, spec.owner), cluster_id)


def owner_of(spec: ClusterSpec) -> Owner:
    owner = spec.owner
    if owner is None:
        raise ProviderError(
            f"this resource's identity (the hidden input `{OWNER_KEY}` that PostgresV2Cluster sets) did not "
            "reach the provider, so a cluster made now could not be told apart from anybody else's: declare "
            "the cluster with PostgresV2Cluster (or PostgresCluster), with pulumi 3.235.0 or newer in the "
            "program's environment. Nothing was created"
        )
    return owner


class RegionListing:
    """One listing of each region's clusters, reused for a minute by the checks of a preview: each new
    resource is looked up against the whole region (a forced replacement may bring a new name). What this
    process creates or deletes makes it list again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listed: dict[tuple[str, str], tuple[float, list[ClusterRead]]] = {}

    def clusters(self, client: PostgresClient) -> list[ClusterRead]:
        key = (client.base_url, client.region)
        with self._lock:
            listed = self._listed.get(key)
            if listed is not None and time.monotonic() - listed[0] < REGION_LIST_TTL:
                return listed[1]
        clusters = client.list_clusters()
        with self._lock:
            self._listed[key] = (time.monotonic(), clusters)
        return clusters

    def survey(
        self,
        client: PostgresClient,
        owner: Owner,
        name: str,
        attempts: Sequence[Attempt],
        set_aside: Collection[str | None],
    ) -> Sorted:
        """The region as a new resource sees it; whatever a listing reused from earlier finds against it is
        confirmed by a fresh one (a cluster deleted meanwhile refuses nothing)."""
        found = sort_out(self.clusters(client), owner, name, attempts, set_aside)
        if found.mine or found.unproven or found.others:
            self.changed(client)
            found = sort_out(self.clusters(client), owner, name, attempts, set_aside)
        return found

    def changed(self, client: PostgresClient) -> None:
        with self._lock:
            self._listed.pop((client.base_url, client.region), None)


class NameClaims:
    """The cluster names the new resources of this provider process ask for (one process serves one
    `pulumi preview` or `up`), so that two resources asking for one name at the same moment are told apart
    as they would be one after the other."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asked: dict[tuple[str, str, str], tuple[str, Owner]] = {}
        self._creating: dict[tuple[str, str, str], Owner] = {}

    def ask(self, place: tuple[str, str], name: str, urn: str, owner: Owner) -> Owner | None:
        """Note that the resource `urn` wants `name` (at preview); the other resource that wants it too, if
        any. The resource's URN tells resources apart in a run (checked twice in a replacement)."""
        if not urn:
            return None  # no engine: no run to tell resources apart in
        with self._lock:
            for key, (asker, _) in list(self._asked.items()):
                if asker == urn and key != (*place, name):
                    del self._asked[key]  # its earlier wish (a name it no longer asks for)
            other, theirs = self._asked.setdefault((*place, name), (urn, owner))
            if other == urn:
                self._asked[(*place, name)] = (urn, owner)
        return None if other == urn else theirs

    def hold(self, place: tuple[str, str], name: str, owner: Owner) -> None:
        """For the time of a create: a second create of the same name is refused."""
        with self._lock:
            other = self._creating.setdefault((*place, name), owner)
        if other.identity != owner.identity:
            raise ProviderError(
                f"the cluster name {name!r} in {place[1]} is being created by another resource of this "
                f"program ({other}) at this moment; one name is one cluster: give one of them another name"
            )

    def release(self, place: tuple[str, str], name: str, owner: Owner) -> None:
        with self._lock:
            if self._creating.get((*place, name)) == owner:
                del self._creating[(*place, name)]


REGIONS = RegionListing()
NAMES = NameClaims()
