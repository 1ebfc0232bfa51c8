"""3. Parallel up: twelve clusters that take D = 5 s each. The Python dynamic-provider server runs at most
four calls at once, so no provider can finish before ceil(12/4) * D = 15 s."""

from __future__ import annotations

import math
import secrets
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, Row, say, seconds
from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import emulator_thread
from scripts.pulumi_project import Engine, ensure_cli, write_project

CLUSTERS = 12
D = 5.0
WORKERS = 4
PROGRAM = """
import pulumi
from ionos_postgres_pulumi import ConnectionArgs, CredentialsArgs, PostgresCluster, PostgresClusterArgs

password = pulumi.Config().require_secret("password")
for i in range(12):
    PostgresCluster(f"db-{i:02d}", PostgresClusterArgs(location="de/fra",
        connection=ConnectionArgs(datacenter_id="dc-1", lan_id="1",
                                  primary_instance_address=f"192.168.1.{10 + i}/24"),
        credentials=CredentialsArgs(username="app", password=password, database="app")))
"""


def run(root: Path) -> list[Row]:
    from pulumi import automation as auto

    say(f"parallel up: {CLUSTERS} clusters, D = {D:g} s")
    floor = math.ceil(CLUSTERS / WORKERS) * D
    project = write_project(root / "parallel", "bench-parallel", PROGRAM)
    with emulator_thread(paces=Paces.parse(f"create={D}s")) as emu:
        engine = Engine(
            ensure_cli(),
            root / "backend-parallel",
            secrets.token_urlsafe(12),
            {"PYTHONPATH": str(REPO), "IONOS_PG_TIMINGS": str(root / "timings.json")},
        )
        engine.backend_dir.mkdir(parents=True, exist_ok=True)
        stack = engine.stack(project, "bench")
        stack.set_all_config(
            {
                "bench-parallel:password": auto.ConfigValue("Bench-Passw0rd!", secret=True),
                "ionos:token": auto.ConfigValue(emu.token, secret=True),
                "ionos:endpoint": auto.ConfigValue(emu.api_url),
            }
        )
        events: list[tuple[float, str]] = []

        def on_event(event: Any) -> None:
            if event.resource_pre_event and event.resource_pre_event.metadata.type.endswith(
                "PostgresV2Cluster"
            ):
                events.append((time.monotonic(), "start"))
            if event.res_outputs_event and event.res_outputs_event.metadata.type.endswith(
                "PostgresV2Cluster"
            ):
                events.append((time.monotonic(), "done"))

        started = time.monotonic()
        stack.up(color="never", on_event=on_event)
        whole = time.monotonic() - started
        creating = max(t for t, kind in events if kind == "done") - min(
            t for t, kind in events if kind == "start"
        )
    return [
        Row(
            "parallel up",
            f"{CLUSTERS} clusters, D={D:g}s: creating them (first create to last)",
            seconds(creating),
            f"{seconds(floor)} (ceil(12/4)*D)",
            creating / floor,
            "<= 1.20",
            creating / floor <= 1.2,
        ),
        Row(
            "parallel up",
            f"{CLUSTERS} clusters, D={D:g}s: the whole `pulumi up`",
            seconds(whole),
            f"{seconds(floor)} (ceil(12/4)*D)",
            whole / floor,
            "(engine start-up included)",
            None,
        ),
    ]
