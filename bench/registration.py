"""What each dynamic-resource registration costs in one process, under Pulumi's mocks (no engine): run alone
as `python -m bench.registration COUNT`, it prints JSON with the seconds of each registration of
PostgresV2Cluster (with engine/pickling.py's work-around) and of a dynamic resource as the SDK registers
it, whose pickler wrappers pile up until Python's recursion limit stops it."""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi.dynamic

from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs
from ionos_postgres_pulumi.provider.cluster_provider import PostgresV2ClusterProvider
from ionos_postgres_pulumi.provider.engine.pickling import unwrap_leaked_pickler_sorting


class PlainDynamicResource(pulumi.dynamic.Resource, module="bench", name="Plain"):
    """Our provider registered as the SDK registers any dynamic resource: without the work-around."""


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def cluster(index: int) -> object:
    args = PostgresV2ClusterArgs(
        location="de/fra",
        name=f"db-{index:05d}",
        version="16",
        instances={"count": 1, "ram": 4, "cores": 2, "storage_size": 20},
        connection={"datacenter_id": "dc", "lan_id": "1", "primary_instance_address": "10.1.1.5/24"},
        maintenance_window={"time": "02:00:00", "day_of_the_week": "Sunday"},
        credentials={"username": "app", "password": "Bench-Passw0rd!", "database": "app"},
        backup_location="de",
    )
    return PostgresV2Cluster(f"db-{index:05d}", args)


def plain(index: int) -> object:
    return PlainDynamicResource(PostgresV2ClusterProvider(), f"plain-{index:05d}", {"location": "de/fra"})


def costs(register: Callable[[int], object], count: int) -> tuple[list[float], int | None]:
    """Seconds per registration, and the registration that failed (1-based), if one did."""
    seconds: list[float] = []
    gc.collect()
    for index in range(count):
        started = time.perf_counter()
        try:
            register(index)
        except RecursionError:
            return seconds, index + 1
        seconds.append(time.perf_counter() - started)
    return seconds, None


def main(count: int) -> None:
    pulumi.runtime.set_mocks(Mocks(), project="bench", stack="registration", preview=True)
    ours, ours_failed = costs(cluster, count)
    unwrap_leaked_pickler_sorting()
    sdk, sdk_failed = costs(plain, count)
    unwrap_leaked_pickler_sorting()
    print(json.dumps({"ours": ours, "ours_failed": ours_failed, "sdk": sdk, "sdk_failed": sdk_failed}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
