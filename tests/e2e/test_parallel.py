"""Through the engine: clusters are created side by side, as many as `--parallel` allows, not four at a time
(the SDK's dynamic-provider server has four threads unless the provider widens it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import emulator_thread
from scripts.pulumi_project import Engine, write_project
from tests.engine import configure

pytestmark = [pytest.mark.e2e, pytest.mark.bridge]  # the SDK server's pool, widened

CLUSTERS = 8
SDK_THREADS = 4
PROGRAM = f"""
import pulumi
from ionos_postgres_pulumi import ConnectionArgs, CredentialsArgs, PostgresCluster, PostgresClusterArgs

password = pulumi.Config().require_secret("password")
for i in range({CLUSTERS}):
    PostgresCluster(f"db-{{i}}", PostgresClusterArgs(location="de/fra", deletion_protection=False,
        connection=ConnectionArgs(datacenter_id="5a029f4a-72e5-11ec-90d6-0242ac120003", lan_id="1",
                                  primary_instance_address=f"192.168.3.{{10 + i}}/24"),
        credentials=CredentialsArgs(username="app", password=password, database="app")))
"""


def most_at_once(clusters: list[dict[str, Any]]) -> int:
    """The most clusters provisioning at the same moment, from when each was made and became AVAILABLE."""
    events = sorted(
        [(c["createdAt"], 1) for c in clusters] + [(c["modifiedAt"], -1) for c in clusters],
        key=lambda event: (event[0], event[1]),
    )
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def test_clusters_provision_side_by_side_beyond_the_sdks_four_threads(engine: Engine, tmp_path: Path) -> None:
    with emulator_thread(paces=Paces.parse("create=2s")) as emu:
        stack = engine.stack(write_project(tmp_path / "parallel", "parallel", PROGRAM), "dev")
        configure(stack, emu)
        stack.up(color="never", parallel=CLUSTERS)
        clusters = emu.admin.clusters()
        assert len(clusters) == CLUSTERS
        peak = most_at_once(clusters)
        # Four at a time would be the floor of the SDK's server: at most 4 provisioning at once.
        assert peak > SDK_THREADS + 1, f"only {peak} clusters provisioned at once"
        stack.destroy(color="never", parallel=CLUSTERS)
        assert emu.admin.clusters() == []
