"""The root program and the multi-cluster example through the real engine; how programs are run."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from scripts.pulumi_project import Engine, project_virtualenv, write_project
from tests.engine import NO_HOST, configure, copy_project

pytestmark = pytest.mark.e2e


def test_the_root_program_exports_dns_name(
    engine: Engine, e2e_emulator: RunningEmulator, tmp_path: Path
) -> None:
    stack = engine.stack(copy_project(".", tmp_path), "dev")  # Pulumi.dev.yaml's values
    configure(stack, e2e_emulator)
    try:
        result = stack.up(color="never")
        (cluster,) = [c for c in e2e_emulator.admin.clusters() if c["name"] == "app-db"]
        assert result.outputs["dnsName"].value == cluster["dnsName"]
        assert result.outputs["clusterId"].value == cluster["id"]
        assert result.outputs["state"].value == "AVAILABLE"
    finally:
        stack.destroy(color="never")
    assert [c for c in e2e_emulator.admin.clusters() if c["name"] == "app-db"] == []


def test_two_clusters_and_an_in_place_upgrade(
    engine: Engine, e2e_emulator: RunningEmulator, tmp_path: Path
) -> None:
    stack = engine.stack(copy_project("multi-cluster", tmp_path), "dev")
    configure(stack, e2e_emulator)
    project = "ionos-postgres-multi"
    try:
        result = stack.up(color="never")
        assert result.summary.resource_changes == {"create": 5}
        by_name = {c["name"]: c for c in e2e_emulator.admin.clusters()}
        assert by_name["orders"]["region"] == "de-fra"
        assert by_name["analytics"]["region"] == "es-vit"
        assert by_name["analytics"]["properties"]["replicationMode"] == "STRICTLY_SYNCHRONOUS"
        assert result.outputs["analyticsBackupLocation"].value == "de"  # Logroño backs up to Frankfurt

        stack.set_config(f"{project}:ordersVersion", auto.ConfigValue("17"))
        with pytest.raises(auto.CommandError) as undeliberate:
            stack.preview(color="never")  # a major upgrade cannot be undone: only when asked for in words
        assert "raises the major version from '16'" in str(undeliberate.value)
        assert "allow_major_version_upgrade=True" in str(undeliberate.value)
        stack.set_config(f"{project}:allowMajorVersionUpgrade", auto.ConfigValue("true"))
        preview = stack.preview(diff=True, color="never")
        assert dict(preview.change_summary) == {"same": 4, "update": 1}
        assert '~ version: "16" => "17"' in re.sub(r"\s+:", ":", preview.stdout)
        assert "is a major-version upgrade, and it cannot be undone" in preview.stdout + preview.stderr
        e2e_emulator.admin.clear_requests()
        stack.up(color="never")
        upgraded = {c["name"]: c for c in e2e_emulator.admin.clusters()}["orders"]
        assert upgraded["properties"]["version"] == "17"
        assert [r["method"] for r in e2e_emulator.admin.mutating_requests()] == ["PUT"]

        stack.set_config(f"{project}:ordersVersion", auto.ConfigValue("16"))
        with pytest.raises(auto.CommandError) as refused:
            stack.preview(color="never")
        assert "older than the current version '17'" in str(refused.value)
        assert "a major-version upgrade cannot be undone" in str(refused.value)
        stack.set_config(f"{project}:ordersVersion", auto.ConfigValue("17"))
    finally:
        stack.destroy(color="never")
    assert e2e_emulator.admin.clusters() == []


WHERE_IT_RUNS = """import os, sys
import pulumi
pulumi.export("pid", os.getpid())
pulumi.export("python", sys.executable)
"""


@pytest.mark.bridge  # and with IONOS_PG_VIRTUALENV's Python (CI's floor run)
def test_with_a_language_host_a_program_runs_as_pulumi_up_runs_it(engine: Engine, tmp_path: Path) -> None:
    if not engine.has_language_host:
        pytest.skip(NO_HOST)
    stack = engine.stack(write_project(tmp_path / "where", "where", WHERE_IT_RUNS), "dev")
    outputs = stack.up(color="never").outputs
    assert outputs["pid"].value != os.getpid()  # a process of its own, started by the language host
    assert outputs["python"].value == str(project_virtualenv() / "bin" / "python")  # Pulumi.yaml's virtualenv


def test_the_basic_example_as_an_inline_program(
    engine: Engine, e2e_emulator: RunningEmulator, tmp_path: Path
) -> None:
    """The path for machines without a language host: this process hosts the program."""
    stack = engine.stack(copy_project("basic", tmp_path), "dev", inline=True)
    configure(stack, e2e_emulator)
    try:
        result = stack.up(color="never")
        (cluster,) = [c for c in e2e_emulator.admin.clusters() if c["name"] == "basic-db"]
        assert result.outputs["dnsName"].value == cluster["dnsName"]
        assert stack.workspace.program is not None
    finally:
        stack.destroy(color="never")
    assert [c for c in e2e_emulator.admin.clusters() if c["name"] == "basic-db"] == []
    where = engine.stack(write_project(tmp_path / "where", "where", WHERE_IT_RUNS), "dev", inline=True)
    assert where.up(color="never").outputs["pid"].value == os.getpid()
