"""Thousands of clusters in one process (engine/pickling.py): the SDK's pickler leak, and ours undone.

The engine is mocked (Pulumi's mocks): this process's own work to declare clusters is where the leak lives.
What makes each registration cost more than the last is the pickler's nesting, one wrapper more each time:
the tests hold that nesting flat. The cost itself is measured by the benchmark (`./bench/run many`, the
tenth registration against the last), not by a timed test.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import pulumi
import pulumi.dynamic
import pytest

from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs
from ionos_postgres_pulumi.provider.cluster_provider import PostgresV2ClusterProvider
from ionos_postgres_pulumi.provider.engine.pickling import leaked_wrappers, unwrap_leaked_pickler_sorting
from tests.payloads import resource_inputs

CLUSTER_TYPE = "pulumi-python:dynamic/ionos:PostgresV2Cluster"


class CountingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.clusters = 0

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.clusters += args.typ == CLUSTER_TYPE
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class BareDynamicResource(pulumi.dynamic.Resource, module="test", name="Bare"):
    """A dynamic resource registered as the SDK registers any: without our work-around."""


@pytest.fixture(autouse=True)
def pristine_pickler() -> Iterator[None]:
    """Each test starts, and leaves, pickle as it was before any registration."""
    unwrap_leaked_pickler_sorting()
    yield
    unwrap_leaked_pickler_sorting()


def cluster_args(index: int) -> PostgresV2ClusterArgs:
    return PostgresV2ClusterArgs(**resource_inputs(name=f"db-{index:05d}"))


def declare(count: int, start: int = 0) -> tuple[list[PostgresV2Cluster], list[int]]:
    """`count` clusters, and the pickler's nesting after each one's declaration."""
    clusters, nesting = [], []
    for index in range(start, start + count):
        clusters.append(PostgresV2Cluster(f"db-{index:05d}", cluster_args(index)))
        nesting.append(leaked_wrappers())
    return clusters, nesting


def test_five_thousand_clusters_in_one_process_neither_fail_nor_nest_deeper() -> None:
    mocks = CountingMocks()
    pulumi.runtime.set_mocks(mocks, project="many", stack="test", preview=True)
    nesting: list[int] = []

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        clusters, nesting[:] = declare(5000)
        return pulumi.Output.all(*(cluster.urn for cluster in clusters[-10:]))

    program()  # the SDK as it is raises RecursionError at about the 980th
    assert mocks.clusters == 5000
    assert max(nesting) <= 1  # the SDK as it is: 5,000 wrappers deep by the last


def test_the_sdk_leaks_a_wrapper_per_dynamic_resource_and_ours_takes_them_off() -> None:
    """Without the work-around (the SDK's own Resource, as any other dynamic resource registers) the
    nesting grows by one a resource; each PostgresV2Cluster starts again from pickle's own function."""
    pulumi.runtime.set_mocks(CountingMocks(), project="many", stack="test", preview=True)
    props = {"location": "de/fra"}
    for index in range(5):
        BareDynamicResource(PostgresV2ClusterProvider(), f"bare-{index}", dict(props))
    assert leaked_wrappers() == 5  # a fixed SDK leaks none: then this test says the work-around can go
    declare(3)
    assert leaked_wrappers() == 1  # the wrapper of the last registration, no more
    assert unwrap_leaked_pickler_sorting() == 1
    assert leaked_wrappers() == 0


def test_a_long_lived_process_of_repeated_previews_stays_flat() -> None:
    """An Automation API service: one process, one preview after another, each declaring its clusters."""
    previews, per_preview = 12, 100  # 1,200 registrations: beyond the ~980 at which the leak fails
    nesting: list[int] = []  # of the latest preview
    for round_number in range(previews):
        mocks = CountingMocks()
        pulumi.runtime.set_mocks(mocks, project="portal", stack=f"team-{round_number}", preview=True)

        @pulumi.runtime.test
        def preview() -> pulumi.Output[Any]:
            clusters, nesting[:] = declare(per_preview)
            return clusters[-1].urn

        preview()
        assert mocks.clusters == per_preview
        assert max(nesting) <= 1, round_number


def test_a_pickler_without_the_sdks_wrappers_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """As with a fixed SDK, or with a `_batch_setitems` someone else replaced."""
    own = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    assert unwrap_leaked_pickler_sorting() == 0
    assert pickle._Pickler._batch_setitems is own  # type: ignore[attr-defined]

    def someone_elses(self: Any, items: Any, *rest: Any) -> None:
        own(self, items, *rest)

    monkeypatch.setattr(pickle._Pickler, "_batch_setitems", someone_elses)
    assert unwrap_leaked_pickler_sorting() == 0
    assert pickle._Pickler._batch_setitems is someone_elses  # type: ignore[attr-defined]
