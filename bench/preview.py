"""2. Preview cost: `pulumi preview` of a stack with N clusters already up, against the same stack of
no-op dynamic resources with the same inputs (the engine's own floor), and the API calls it makes."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from bench.common import REPO, Row, median, say, seconds
from ionos_postgres_pulumi.components.lookups import forget
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from ionos_postgres_pulumi.provider.api.client import DEFAULT_PAGE_SIZE, PostgresClient
from scripts.pulumi_project import Engine, ensure_cli, write_project

SIZES = (1, 25, 100)
REPEATS = 5
PROGRAM = """
import pulumi
from ionos_postgres_pulumi import (ConnectionArgs, CredentialsArgs, InstancesArgs, PostgresCluster,
    PostgresClusterArgs)
from bench.noop import NoopComponent

config = pulumi.Config()
count, kind = config.require_int("count"), config.require("kind")
password = config.require_secret("password")
for i in range(count):
    args = dict(
        location="de/fra",
        instances=InstancesArgs(count=1, ram=4, cores=2, storage_size=20),
        connection=ConnectionArgs(datacenter_id="5a029f4a-72e5-11ec-90d6-0242ac120003", lan_id="1",
                                  primary_instance_address=f"192.168.{i // 200}.{10 + i % 200}/16"),
        credentials=CredentialsArgs(username="app", password=password, database="app"),
    )
    if kind == "clusters":
        PostgresCluster(f"db-{i:03d}", PostgresClusterArgs(**args))
    else:  # what the component hands PostgresV2Cluster, to a resource that does nothing with it
        NoopComponent(f"db-{i:03d}", {**args, "name": f"db-{i:03d}", "version": "16",
                                      "backup_location": "eu-central-3",
                                      "instances": vars(args["instances"]),
                                      "connection": vars(args["connection"]),
                                      "maintenance_window": {"time": "02:00:00", "day_of_the_week": "Sunday"},
                                      "credentials": pulumi.Output.secret(vars(args["credentials"]))})
"""


def program_stack(engine: Engine, emu: RunningEmulator, root: Path, kind: str, count: int) -> object:
    """The stack of PROGRAM with `count` clusters, or as many no-op resources (`kind` "noop")."""
    from pulumi import automation as auto

    project = write_project(root / f"{kind}-{count}", f"bench-{kind}", PROGRAM)
    stack = engine.stack(project, "bench")
    stack.set_all_config(
        {
            f"bench-{kind}:count": auto.ConfigValue(str(count)),
            f"bench-{kind}:kind": auto.ConfigValue(kind),
            f"bench-{kind}:password": auto.ConfigValue("Bench-Passw0rd!", secret=True),
            "ionos:token": auto.ConfigValue(emu.token, secret=True),
            "ionos:endpoint": auto.ConfigValue(emu.api_url),
        }
    )
    return stack


def timed_previews(*stacks: object, repeats: int = REPEATS) -> list[float]:
    """Median preview time of each stack, their runs interleaved so that noise falls on both alike."""
    times: list[list[float]] = [[] for _ in stacks]
    for _ in range(repeats):
        for index, stack in enumerate(stacks):
            forget()  # as a fresh program process would: its lookups start cold
            started = time.perf_counter()
            stack.preview(color="never")  # type: ignore[attr-defined]
            times[index].append(time.perf_counter() - started)
    return [median(t) for t in times]


def bench_engine(root: Path) -> Engine:
    """The engine on a backend in `root`, its programs importing this checkout's bench package."""
    engine = Engine(
        ensure_cli(),
        root / "backend",
        secrets.token_urlsafe(12),
        {"PYTHONPATH": str(REPO), "IONOS_PG_TIMINGS": "off"},
    )
    engine.backend_dir.mkdir(parents=True, exist_ok=True)
    return engine


def run(root: Path) -> list[Row]:
    rows: list[Row] = []
    with emulator_thread() as emu:
        engine = bench_engine(root)
        for count in SIZES:
            say(f"preview: {count} clusters and {count} no-op resources")
            ours = program_stack(engine, emu, root, "clusters", count)
            floor = program_stack(engine, emu, root, "noop", count)
            ours.up(color="never")  # type: ignore[attr-defined]
            floor.up(color="never")  # type: ignore[attr-defined]
            emu.admin.clear_requests()
            ours_time, floor_time = timed_previews(ours, floor)
            log = emu.admin.requests()
            backup_pages = sum(1 for r in log if r["path"] == "/backups") / REPEATS
            other_calls = len(log) / REPEATS - backup_pages
            # The region's backups are listed once per preview, 100 to a page, paging until a short page
            # (the API's `_links.next` cannot be trusted): B backups take B // 100 + 1 pages. They grow
            # with the region's backups (here all the stack's clusters), not with the resources' count.
            region_backups = _count_backups(emu)
            pages_needed = region_backups // DEFAULT_PAGE_SIZE + 1
            ratio = ours_time / floor_time
            rows.append(
                Row(
                    "preview",
                    f"{count} cluster(s) up; API calls per preview: {other_calls:g} catalog"
                    f" + {backup_pages:g} page(s) of the region's {region_backups} backups",
                    seconds(ours_time),
                    f"{seconds(floor_time)} (no-op resources)",
                    ratio,
                    "<= 1.30; 2 catalog calls + B // 100 + 1 pages",
                    ratio <= 1.3 and other_calls <= 2 and backup_pages <= pages_needed,
                )
            )
    return rows


def _count_backups(emu: RunningEmulator) -> int:
    with PostgresClient("de/fra", api_url=emu.api_url, token=emu.token, env={}) as client:
        return len(client.list_backups())
