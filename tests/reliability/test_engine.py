"""Faults through the real engine: `pulumi up` killed mid-create, malformed API answers, a rate-limited
stack of twenty clusters."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import emulator_thread
from scripts.pulumi_project import REPO, Engine, write_project
from tests.engine import PASSWORD, configure, copy_project
from tests.reliability.conftest import Scenario, count_orphans_and_duplicates, count_plaintext
from tests.scripts.processes import ends_within, killed_once

pytestmark = pytest.mark.e2e


def tracked_cluster_ids(engine: Engine, stack: auto.Stack) -> list[str]:
    exported = engine.cli("stack", "export", "--stack", stack.name, cwd=Path(stack.workspace.work_dir)).stdout
    resources = json.loads(exported)["deployment"].get("resources", [])
    return [r["id"] for r in resources if r["type"].endswith("PostgresV2Cluster")]


@pytest.mark.bridge  # the provider finds its engine's address in its arguments (engine/watch.py)
def test_pulumi_up_killed_mid_create_then_recovered(
    engine: Engine, tmp_path: Path, figures: Scenario
) -> None:
    with emulator_thread(paces=Paces.parse("create=manual")) as emu:
        project = copy_project("basic", tmp_path)
        stack = engine.stack(project, "dev")
        configure(stack, emu)
        up = [sys.executable, str(REPO / "scripts" / "pulumi_project.py"), "up", str(project), "dev"]
        # the CI job dies while the cluster provisions: the CLI and the program at once
        job = killed_once(up, lambda: bool(emu.admin.clusters()), env=engine.env(), cwd=REPO)
        # The CLI starts its plugins in process groups of their own. Pulumi's language host outlives its
        # engine; a CI runner ends it with the job. Our provider process ends by itself (engine/watch.py).
        for process in job:
            if "pulumi-language-python" in process.command_line:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)
        providers = [process.pid for process in job if "pulumi.dynamic" in process.command_line]
        assert providers and all(ends_within(pid, 10) for pid in providers), "a provider outlived its engine"
        (cluster,) = emu.admin.clusters()
        assert cluster["state"] == "PROVISIONING"
        assert tracked_cluster_ids(engine, stack) == []  # the engine never heard back

        # The user's recovery, as the CLI itself advises it.
        with pytest.raises(auto.CommandError, match="locked"):
            stack.up(color="never")
        engine.cli("cancel", "--yes", "--stack", "dev", cwd=project)
        stack.refresh(color="never")
        emu.admin.advance(cluster["id"])
        recovered = stack.up(color="never")
        assert recovered.summary.resource_changes == {"create": 1, "same": 2}
        assert "continuing with it instead of creating another" in recovered.stdout
        assert tracked_cluster_ids(engine, stack) == [cluster["id"]]
        assert len(emu.admin.clusters()) == 1
        figures.orphans, figures.duplicates = count_orphans_and_duplicates(
            emu, tracked_cluster_ids(engine, stack)
        )
        figures.plaintext_secrets = count_plaintext(
            [recovered.stdout, recovered.stderr], [PASSWORD, emu.token]
        )
        stack.destroy(color="never")
        assert emu.admin.clusters() == []


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
            "expected JSON but got text/html",
        ),
        ('{"id": "x", "metadata": ', "application/json", "expected JSON"),
        ('{"type": "cluster"}', "application/json", "does not match the v2 API"),
    ],
    ids=["html-from-a-proxy", "invalid-json", "missing-fields"],
)
def test_malformed_api_answers_give_clear_errors(
    engine: Engine, tmp_path: Path, figures: Scenario, body: str, content_type: str, expected: str
) -> None:
    with emulator_thread() as emu:
        stack = engine.stack(copy_project("basic", tmp_path), "dev")
        configure(stack, emu)
        # every GET of the cluster answers garbage (a 400 status, so that no retry hides it)
        status = 400 if content_type == "text/html" else 200
        emu.admin.add_fault(
            "raw",
            status=status,
            body=body,
            contentType=content_type,
            method="GET",
            path="^/clusters/.+",
            times=None,
        )
        with pytest.raises(auto.CommandError) as caught:
            stack.up(color="never")
        shown = str(caught.value)
        assert expected in shown
        assert "Traceback" not in shown
        assert "cannot read cluster" in shown
        emu.admin.clear_faults()
        stack.refresh(color="never")
        stack.up(color="never")  # the next run carries on with the same cluster
        tracked = tracked_cluster_ids(engine, stack)
        assert len(tracked) == 1
        figures.orphans, figures.duplicates = count_orphans_and_duplicates(emu, tracked)
        figures.plaintext_secrets = count_plaintext([shown], [PASSWORD, emu.token])
        stack.destroy(color="never")


def test_twenty_clusters_up_and_down_while_rate_limited(
    engine: Engine, tmp_path: Path, figures: Scenario
) -> None:
    program = (
        "import pulumi\n"
        "from ionos_postgres_pulumi import (ConnectionArgs, CredentialsArgs, PostgresCluster,\n"
        "    PostgresClusterArgs)\n"
        "password = pulumi.Config().require_secret('password')\n"
        "for i in range(20):\n"
        "    PostgresCluster(f'db-{i:02d}', PostgresClusterArgs(\n"
        "        location='de/fra', deletion_protection=False,\n"
        "        connection=ConnectionArgs(\n"
        "            datacenter_id='5a029f4a-72e5-11ec-90d6-0242ac120003', lan_id='1',\n"
        "                                  primary_instance_address=f'192.168.1.{10 + i}/24'),\n"
        "        credentials=CredentialsArgs(username='app', password=password, database='app')))\n"
    )
    project = write_project(tmp_path / "twenty", "twenty", program)
    with emulator_thread(paces=Paces.parse("1s"), rate_limit=15, rate_burst=10) as emu:
        stack = engine.stack(project, "dev")
        configure(stack, emu)
        up = stack.up(color="never")
        assert up.summary.resource_changes == {"create": 41}
        clusters = emu.admin.clusters()
        assert len(clusters) == 20
        assert {c["state"] for c in clusters} == {"AVAILABLE"}
        limited = sum(1 for r in emu.admin.requests() if r["status"] == 429)
        assert limited > 0, "the rate limit never bit; the scenario tested nothing"
        figures.orphans, figures.duplicates = count_orphans_and_duplicates(
            emu, tracked_cluster_ids(engine, stack)
        )
        down = stack.destroy(color="never")
        assert down.summary.resource_changes == {"delete": 41}
        assert emu.admin.clusters() == []
        figures.plaintext_secrets = count_plaintext([up.stdout, down.stdout], [PASSWORD, emu.token])
