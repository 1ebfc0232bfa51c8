"""3. Parallel up: clusters that take D = 5 s each, created through the engine.

The SDK's dynamic-provider server runs 4 calls at once unless the provider widens it (it does): 12 clusters
with `--parallel 16` are measured side by side with the same stack at `--parallel 4` (the old behaviour's
floor, ceil(12/4)·D), and 24 clusters at the engine's default parallelism, with and without the emulator's
rate limit. The provider process's peak threads and memory, and the API requests per cluster, are shown too.
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import REPO, Row, say, seconds
from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from scripts.pulumi_project import Engine, ensure_cli, write_project

D = 5.0
ENGINE_DEFAULT = None  # the CLI's own --parallel (8 on a 2-core machine)
PROGRAM = """
import pulumi
from ionos_postgres_pulumi import ConnectionArgs, CredentialsArgs, PostgresCluster, PostgresClusterArgs

password = pulumi.Config().require_secret("password")
for i in range(pulumi.Config().require_int("clusters")):
    PostgresCluster(f"db-{i:02d}", PostgresClusterArgs(location="de/fra", deletion_protection=False,
        connection=ConnectionArgs(datacenter_id="5a029f4a-72e5-11ec-90d6-0242ac120003", lan_id="1",
                                  primary_instance_address=f"192.168.1.{10 + i}/24"),
        credentials=CredentialsArgs(username="app", password=password, database="app")))
"""


@dataclass
class Measured:
    creating: float  # first create to last cluster AVAILABLE, as the engine saw it
    whole: float  # the whole `pulumi up`
    gets_per_cluster: float
    peak_rate: int  # most requests the emulator carried out in one second (429s aside)
    answered_429: int
    threads: int  # the provider process's peak
    memory_mb: float


class ProviderWatch:
    """Samples the provider process (`python -m pulumi.dynamic`) for its threads and peak memory."""

    def __init__(self) -> None:
        self.threads = 0
        self.memory_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProviderWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            for process in Path("/proc").glob("[0-9]*"):
                try:
                    if b"pulumi.dynamic" not in (process / "cmdline").read_bytes():
                        continue
                    status = (process / "status").read_text()
                except OSError:
                    continue
                self.threads = max(self.threads, int(re.search(r"Threads:\s+(\d+)", status).group(1)))  # type: ignore[union-attr]
                peak = re.search(r"VmHWM:\s+(\d+)", status)
                self.memory_kb = max(self.memory_kb, int(peak.group(1)) if peak else 0)


def _up(engine: Engine, emu: RunningEmulator, project: Path, clusters: int, parallel: int | None) -> Measured:
    from tests.engine import configure

    stack = engine.stack(project, f"c{clusters}-p{parallel or 'default'}")
    configure(stack, emu, clusters=str(clusters))
    events: list[tuple[float, str]] = []

    def on_event(event: Any) -> None:
        for kind, happened in (("start", event.resource_pre_event), ("done", event.res_outputs_event)):
            if happened and happened.metadata.type.endswith("PostgresV2Cluster"):
                events.append((time.monotonic(), kind))

    emu.admin.clear_requests()
    started = time.monotonic()
    with ProviderWatch() as watch:
        stack.up(color="never", on_event=on_event, parallel=parallel)
    whole = time.monotonic() - started
    served = emu.admin.requests()
    stack.destroy(color="never", parallel=parallel)
    first_start = min(t for t, kind in events if kind == "start")
    creating = max(t for t, kind in events if kind == "done") - first_start
    per_second = Counter(int(r["time"]) for r in served if r["status"] != 429)  # what the API carried out
    return Measured(
        creating=creating,
        whole=whole,
        gets_per_cluster=sum(1 for r in served if r["method"] == "GET") / clusters,
        peak_rate=max(per_second.values()),
        answered_429=sum(1 for r in served if r["status"] == 429),
        threads=watch.threads,
        memory_mb=watch.memory_kb / 1024,
    )


def _engine(root: Path) -> Engine:
    engine = Engine(
        ensure_cli(),
        root / "backend-parallel",
        secrets.token_urlsafe(12),
        {"PYTHONPATH": str(REPO), "IONOS_PG_TIMINGS": str(root / "timings.json")},
    )
    engine.backend_dir.mkdir(parents=True, exist_ok=True)
    return engine


def run(root: Path) -> list[Row]:
    engine = _engine(root)
    project = write_project(root / "parallel", "bench-parallel", PROGRAM)
    with emulator_thread(paces=Paces.parse(f"create={D}s")) as emu:
        say(f"parallel up: 12 clusters at --parallel 4, then 16 (D = {D:g} s)")
        four = _up(engine, emu, project, 12, 4)  # the waiter learns D here, as on a user's machine
        sixteen = _up(engine, emu, project, 12, 16)
        say("parallel up: 24 clusters at the engine's default parallelism")
        wide = _up(engine, emu, project, 24, ENGINE_DEFAULT)
    with emulator_thread(paces=Paces.parse(f"create={D}s"), rate_limit=20, rate_burst=20) as limited_emu:
        say("parallel up: 24 clusters, the emulator limiting the stack to 20 requests a second")
        limited = _up(engine, limited_emu, project, 24, ENGINE_DEFAULT)
    return _rows(four, sixteen, wide, limited, _default_parallelism(engine))


def _default_parallelism(engine: Engine) -> int:
    shown = engine.cli("up", "--help", cwd=REPO).stdout
    found = re.search(r"--parallel int32 .*\(default (\d+)\)", shown)
    return int(found.group(1)) if found else 8


def _rows(four: Measured, sixteen: Measured, wide: Measured, limited: Measured, parallel: int) -> list[Row]:
    goal_24 = 1.2 * math.ceil(24 / parallel) * D
    floor_12 = math.ceil(12 / 4) * D
    return [
        Row(
            "parallel up",
            f"12 clusters, D={D:g}s: creating them (first create to last), --parallel 16 vs --parallel 4",
            f"{seconds(sixteen.creating)} ({sixteen.creating / D:.2f}·D)",
            f"{seconds(four.creating)} (floor ceil(12/4)·D = {seconds(floor_12)})",
            sixteen.creating / four.creating,
            "ours <= 1.20·D",
            sixteen.creating <= 1.2 * D,
        ),
        Row(
            "parallel up",
            f"12 clusters, D={D:g}s: the whole `pulumi up`, --parallel 16 vs --parallel 4",
            seconds(sixteen.whole),
            seconds(four.whole),
            sixteen.whole / four.whole,
            "creates + engine start-up",
            sixteen.whole - sixteen.creating <= 5.0,
        ),
        Row(
            "parallel up",
            f"24 clusters, D={D:g}s, the engine's default --parallel {parallel}: creating them",
            f"{seconds(wide.creating)}",
            f"{seconds(goal_24)} (1.2·ceil(24/{parallel})·D)",
            wide.creating / goal_24,
            "<= 1.00",
            wide.creating <= goal_24,
        ),
        Row(
            "parallel up",
            "24 clusters: the provider process's peak threads and memory",
            f"{wide.threads} threads, {wide.memory_mb:.0f} MB",
            f"12 at --parallel 4: {four.threads} threads, {four.memory_mb:.0f} MB",
            None,
            "",
            None,
        ),
        Row(
            "parallel up",
            "24 clusters: API requests while creating (no rate limit)",
            f"{wide.gets_per_cluster:.1f} GETs per cluster, at most {wide.peak_rate} req/s",
            f"12 at --parallel 16: {sixteen.gets_per_cluster:.1f} GETs each, {sixteen.peak_rate} req/s",
            wide.gets_per_cluster / sixteen.gets_per_cluster,
            "GETs per cluster as for 12",
            wide.gets_per_cluster <= 1.25 * sixteen.gets_per_cluster,
        ),
        Row(
            "parallel up",
            "24 clusters, rate limit 20 req/s (burst 20): creating them, 429s honoured",
            f"{seconds(limited.creating)}; {limited.answered_429} answered 429, "
            f"at most {limited.peak_rate} req/s",
            f"{seconds(wide.creating)} without the limit",
            limited.creating / wide.creating,
            "completes; peak <= limit + burst",
            limited.peak_rate <= 40,
        ),
    ]
