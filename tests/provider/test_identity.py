"""Which cluster a new resource may take (`lifecycle.identity`, `lifecycle.adopting.verdict`), decided alone:
only one that this machine's note proves it made and never handed over."""

from __future__ import annotations

from typing import Any

from ionos_postgres_pulumi.provider.api import models
from ionos_postgres_pulumi.provider.lifecycle import adopting, identity
from ionos_postgres_pulumi.provider.lifecycle.journal import Attempt
from ionos_postgres_pulumi.provider.rules.marks import Mark, Owner, with_marks
from tests.payloads import cluster_properties

OURS = Owner("shop/dev/db", "0123456789ab")
THEIRS = Owner("shop/prod/db", "ba9876543210")


def cluster(number: int, mark: Mark | None, name: str = "orders-db", state: str = "AVAILABLE") -> Any:
    return models.ClusterRead.model_validate(
        {
            "id": f"4e4a7d1e-0000-4000-8000-{number:012d}",
            "metadata": {"state": state, "createdDate": f"2026-12-0{number}T10:00:00Z"},
            "properties": cluster_properties(name=name, description=with_marks("Orders", mark)),
        }
    )


def attempt(name: str, cluster_id: str | None = None) -> Attempt:
    return Attempt(name, "made", "orders-db", 0.0, 0.0, cluster_id)


def test_only_what_a_note_proves_is_this_resources_own() -> None:
    by_mark = cluster(1, Mark(OURS, "made", "0000000a"))
    by_id = cluster(2, Mark(OURS, "made", "0000000b"))
    unproven = cluster(3, Mark(OURS, "made", "0000000c"))
    theirs = cluster(4, Mark(THEIRS, "made", "0000000a"))
    going = cluster(5, Mark(OURS, "made", "0000000a"), state="DESTROYING")
    # Made by a noted attempt, then adopted by another (its mark now carries the adoption's attempt): a
    # state holds it since, and the old note naming its id proves nothing.
    adopted_since = cluster(6, Mark(OURS, "adopted", "0000000d"))
    notes = [
        attempt("0000000a"),
        attempt("0000000b", by_id.id),
        attempt("0000000f", adopted_since.id),
        attempt("0000000c", cluster(7, None).id),  # its attempt, but another cluster's id
    ]
    clusters = [by_mark, by_id, unproven, theirs, going, adopted_since]
    found = identity.sort_out(clusters, OURS, "orders-db", notes)
    assert [c.id for c in found.mine] == [by_mark.id, by_id.id]
    assert [c.id for c in found.unproven] == [unproven.id, adopted_since.id]
    assert [c.id for c in found.others] == [theirs.id]  # another's mark, same attempt id: still another's
    assert identity.refusal(found, OURS, "orders-db", "de-fra", allow_empty=True) is not None  # the name


def test_a_cluster_no_note_proves_is_refused_unless_an_empty_one_is_asked_for() -> None:
    unproven = cluster(1, Mark(OURS, "made", "0000000c"))
    found = identity.sort_out([unproven], OURS, "orders-db", [])
    said = identity.refusal(found, OURS, "orders-db", "de-fra", allow_empty=False)
    assert said is not None and f"cluster {unproven.id} ('orders-db', AVAILABLE, made 2026-12-01" in said
    assert (
        "`pulumi up --replace`" in said and "another stack holds it" in said and "delete it by hand" in said
    )
    # a cluster a state let go of keeps its data: adopting comes first, deleting only where nobody had it
    assert "`pulumi state delete`, `retain_on_delete` or `pulumi stack rm`" in said
    adopt_first = said.index("adopt it with adopt_existing_id, which keeps its data")
    assert adopt_first < said.index("delete it by hand")
    assert identity.refusal(found, OURS, "orders-db", "de-fra", allow_empty=True) is None
    assert identity.sort_out([unproven], OURS, "orders-db", [], {unproven.id}).unproven == []  # replaced


def test_adoption_takes_a_cluster_of_nobody_and_never_this_resources_own_unproven_one() -> None:
    assert adopting.verdict(cluster(1, None), OURS, []) is adopting.Verdict.ADOPT
    assert "two resources must not manage one cluster" in str(
        adopting.verdict(cluster(1, Mark(THEIRS)), OURS, [])
    )
    adopted = cluster(1, Mark(OURS, "adopted", "0000000d"))
    assert adopting.verdict(adopted, OURS, []) is adopting.Verdict.ADOPTED_ALREADY
    made = cluster(2, Mark(OURS, "made", "0000000e"))
    assert "remove the `[managed by pulumi: ...]` mark" in str(adopting.verdict(made, OURS, []))
    assert adopting.verdict(made, OURS, [attempt("0000000e")]) is adopting.Verdict.ADOPT  # noted here


def test_a_taken_name_suggests_adoption_only_of_a_cluster_no_resource_manages() -> None:
    """Found by an attack: the advice to adopt a cluster another stack's resource manages was refused when
    followed ("two resources must not manage one cluster")."""
    theirs = identity.name_taken([cluster(1, Mark(THEIRS, "made", "0000000a"))], OURS, "orders-db", "de-fra")
    assert "adopt_existing_id" not in theirs and "choose another name" in theirs
    assert "cannot be adopted here" in theirs
    nobodys = cluster(2, None)
    said = identity.name_taken([nobodys], OURS, "orders-db", "de-fra")
    assert f"adopt that cluster with adopt_existing_id={nobodys.id!r}" in said
