"""Progress on the cluster's own row, through the real CLI: what the provider says while it creates a cluster
reaches the engine under the cluster's URN (provider/engine/calls.py finds the engine's call and its log
service), as lasting messages and as the row's passing status, and none of it lands under the stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import emulator_thread
from scripts.pulumi_project import Engine
from tests.engine import configure, copy_project

pytestmark = [pytest.mark.e2e, pytest.mark.bridge]
CLUSTER_TYPE = "pulumi-python:dynamic/ionos:PostgresV2Cluster"


@pytest.mark.parametrize(
    "flags",
    [{}, {"log_verbosity": 9, "log_flow": True}],
    ids=["plain", "-v=9 --logflow"],  # the engine then passes its flags before its address
)
def test_a_create_shows_its_progress_on_the_clusters_row(
    engine: Engine, tmp_path: Path, flags: dict[str, Any]
) -> None:
    with emulator_thread(paces=Paces.parse("create=3s,delete=1s")) as emu:
        stack = engine.stack(copy_project("basic", tmp_path), "dev")
        configure(stack, emu)
        events: list[auto.EngineEvent] = []
        stack.up(color="never", on_event=events.append, **flags)
        (cluster,) = emu.admin.clusters()
        (urn,) = {
            e.resource_pre_event.metadata.urn
            for e in events
            if e.resource_pre_event and e.resource_pre_event.metadata.type == CLUSTER_TYPE
        }
        said = [e.diagnostic_event for e in events if e.diagnostic_event is not None]
        on_the_row = [d for d in said if d.urn == urn]
        lasting = [d.message for d in on_the_row if not d.ephemeral]
        statuses = [d.message for d in on_the_row if d.ephemeral]
        assert any(f"creating cluster 'basic-db' ({cluster['id']})" in m for m in lasting), lasting
        assert any(f"({cluster['id']}) is AVAILABLE at {cluster['dnsName']}" in m for m in lasting), lasting
        assert any(s.startswith("PROVISIONING, ") for s in statuses), statuses
        elsewhere = [d.message for d in said if d.urn != urn and cluster["id"] in d.message]
        assert elsewhere == []
        stack.destroy(color="never")
        assert emu.admin.clusters() == []
