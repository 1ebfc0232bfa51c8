"""examples/README.md's walkthroughs, run as written: each section's commands in bash, from the top of a copy
of the repository, as a user types them (their own `pulumi login`, `stack init`, `config set`), against the
emulator that its first lines start. Only the answer "yes" at `pulumi up`'s prompt is given for them
(PULUMI_SKIP_CONFIRMATIONS)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import emulator_thread
from scripts.pulumi_project import REPO, Engine
from tests.engine import NO_HOST, PACE, copy_project

pytestmark = pytest.mark.e2e
SECTIONS = ("basic", "consumer", "multi-cluster", "Cleaning up")
# What the user's shell has from elsewhere, which the walkthroughs must not lean on.
NOT_THEIRS = ("PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_HOME")


def walkthroughs() -> dict[str, str]:
    """Each section's bash block, as written in examples/README.md."""
    text = (REPO / "examples" / "README.md").read_text()
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, re.S | re.M))
    return {name: "\n".join(re.findall(r"```bash\n(.*?)```", sections[name], re.S)) for name in SECTIONS}


def test_the_examples_walkthroughs_run_as_written(engine: Engine, tmp_path: Path) -> None:
    if not engine.has_language_host:
        pytest.skip("`pulumi up` in a project folder needs the Python language host; " + NO_HOST)
    checkout, home = tmp_path / "checkout", tmp_path / "home"
    for example in ("basic", "consumer", "multi-cluster"):
        copy_project(example, checkout / "examples")  # Pulumi.yaml's virtualenv: this checkout's .venv
    home.mkdir()
    with emulator_thread(paces=Paces.parse(PACE)) as emu:
        env = {k: v for k, v in os.environ.items() if k not in NOT_THEIRS}
        env.update(
            HOME=str(home),
            PULUMI_HOME=str(home / ".pulumi"),  # where `pulumi login` keeps its credentials: the user's own
            PATH=engine.path,
            PULUMI_CONFIG_PASSPHRASE="walkthrough",
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_SKIP_CONFIRMATIONS="true",
            **emu.env(),  # what the walkthroughs' `export IONOS_TOKEN=... IONOS_API_URL=...` sets
        )

        def run(section: str) -> tuple[str, str]:
            """The section's output in one line, and its last line (what its last command printed)."""
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", walkthroughs()[section]],
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, f"{section}:\n{done.stdout}\n{done.stderr}"
            return " ".join((done.stdout + done.stderr).split()), done.stdout.strip().splitlines()[-1]

        _, last = run("basic")
        (basic,) = emu.admin.clusters()
        assert last == basic["dnsName"]  # `pulumi stack output dnsName`
        _, last = run("consumer")
        assert last == f"jdbc:postgresql://{basic['dnsName']}:5432/app"  # not :5432.0

        said, _ = run("multi-cluster")
        assert '~ version: "16" => "17"' in re.sub(r"\s+:", ":", said)  # the diff aligns its colons
        assert "is a major-version upgrade, and it cannot be undone" in said
        orders = {c["name"]: c for c in emu.admin.clusters()}["orders"]
        assert orders["properties"]["version"] == "17"

        run("Cleaning up")
        assert emu.admin.clusters() == []
