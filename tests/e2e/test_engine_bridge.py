"""An SDK that lacks an internal guarding data stops the operations that need it, loudly, through the real
CLI: with pulumi 3.260 (the declared floor minus one: no `CheckRequest.old_outputs`) in the project's
virtualenv, a change that replaces a cluster fails at preview with a message naming the version needed, and
nothing is taken or deleted. What needs no missing internal (a create, an update) goes on.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from scripts.pulumi_project import REPO, Engine, write_project
from tests.e2e.clusters import PROGRAM, Cluster, declare, held, live
from tests.engine import configure

pytestmark = pytest.mark.e2e
FLOOR_MINUS_ONE = "3.260.0"


@pytest.fixture(scope="module")
def old_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with this package and pulumi 3.260 (the package itself asks for 3.261 or newer: its
    dependencies are installed by hand, as a user's older environment would hold them)."""
    venv = tmp_path_factory.mktemp("old-sdk") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    uv = [str(REPO / ".venv" / "bin" / "uv"), "pip", "install", "--quiet", "--python", python]
    subprocess.run([*uv, "--no-deps", "-e", str(REPO)], check=True)
    dependencies = ["requests", "urllib3", "pydantic", "googleapis-common-protos>=1.63.1", "pyyaml"]
    subprocess.run([*uv, f"pulumi=={FLOOR_MINUS_ONE}", *dependencies], check=True)
    return venv


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    with emulator_thread(paces=Paces.parse("1s")) as running:
        yield running


def test_a_replacement_with_an_sdk_lacking_old_outputs_fails_at_preview_naming_the_version(
    engine: Engine, emu: RunningEmulator, old_sdk: Path, tmp_path: Path
) -> None:
    project = write_project(tmp_path / "p", "old-sdk", PROGRAM, virtualenv=old_sdk)
    # With the language host, Pulumi.yaml's virtualenv runs the program and the provider; without it, the
    # provider runs with that virtualenv's Python (the program is this test's own)
    older = dataclasses.replace(engine, python=str(old_sdk / "bin" / "python"))
    stack = older.stack(project, "dev")
    configure(stack, emu)
    declare(stack, [Cluster("db", "orders-db")])
    stack.up(color="never")  # a create needs nothing 3.260 lacks
    (first,) = held(older, stack)
    declare(stack, [Cluster("db", "orders-db", args={"backup_location": "de"})])
    emu.admin.clear_requests()
    with pytest.raises(auto.CommandError) as refused:
        stack.preview(color="never")
    said = " ".join(str(refused.value).split())
    assert "replacing cluster 'orders-db' needs the Pulumi SDK 3.261.0 or newer" in said
    assert f"this one has pulumi {FLOOR_MINUS_ONE}" in said and "`pulumi>=3.261.0`" in said
    with pytest.raises(auto.CommandError):
        stack.up(color="never")
    assert emu.admin.mutating_requests() == []
    assert held(older, stack) == [first] and live(emu) == {first.cluster_id}
    declare(stack, [Cluster("db", "orders-db")])
    stack.destroy(color="never")
    assert live(emu) == set()
