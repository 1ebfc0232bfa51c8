"""The CI flow of examples/ci as a job runs it: `preview.sh STACK` previews with the diff and the policy
pack, and its exit status says whether the change may be merged."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from scripts.pulumi_project import REPO, Engine
from tests.engine import NO_HOST, PASSWORD, configure, copy_project

pytestmark = pytest.mark.e2e
CI = REPO / "examples" / "ci"


@pytest.fixture(scope="module")
def ci_engine(engine: Engine, e2e_emulator: RunningEmulator) -> Engine:
    if not engine.has_language_host:
        pytest.skip("policy packs run through the Python language host; " + NO_HOST)
    return Engine(engine.bin_dirs, engine.backend_dir, engine.passphrase, e2e_emulator.env())


def copy_ci_example(destination: Path) -> Path:
    """The example as a team keeps it in its repository: the project, the script, the pack's config."""
    target = copy_project("ci", destination)
    for extra in ("preview.sh", "policy-config.json", "policy-config.dev.json"):
        shutil.copy2(CI / extra, target / extra)
    return target


def run_job(engine: Engine, project: Path, stack: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**engine.env(inline=False), "PYTHON": sys.executable}
    return subprocess.run(
        [str(CI / "preview.sh"), stack, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_job_passes_a_compliant_change_and_blocks_one_that_breaks_a_policy(
    ci_engine: Engine, e2e_emulator: RunningEmulator, tmp_path: Path
) -> None:
    project = copy_ci_example(tmp_path)
    stack = ci_engine.stack(project, "prod")
    configure(stack, e2e_emulator)

    passed = run_job(ci_engine, project, "prod")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "+ pulumi-python:dynamic/ionos:PostgresV2Cluster: (create)" in passed.stdout  # the diff
    assert "ionos-postgres|local|" in passed.stdout  # the pack ran ("Policy Packs run:")
    assert "[mandatory]" not in passed.stdout and "[advisory]" not in passed.stdout
    assert "the change may be merged" in passed.stdout
    assert (project / "preview.log").read_text() in passed.stdout

    stack.set_config("ionos-postgres-ci:retentionDays", auto.ConfigValue("7"))
    blocked = run_job(ci_engine, project, "prod")
    assert blocked.returncode != 0
    report = " ".join(blocked.stdout.split())
    assert "[mandatory] ionos-pg-backup-retention" in report
    assert "backup_retention_days is 7; backups must be kept at least 14 days (minDays)" in report
    assert "blocked: a mandatory policy is violated" in blocked.stderr


def test_a_development_stack_previews_with_every_policy_advisory(
    ci_engine: Engine, e2e_emulator: RunningEmulator, tmp_path: Path
) -> None:
    """examples/basic is a development stack (one instance, no protection): with the pack's dev
    configuration the job warns and passes."""
    project = copy_project("basic", tmp_path)
    stack = ci_engine.stack(project, "dev")
    configure(stack, e2e_emulator)
    result = run_job(ci_engine, project, "dev", str(CI / "policy-config.dev.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    report = " ".join(result.stdout.split())
    assert "[advisory] ionos-pg-min-instances" in report
    assert "[advisory] ionos-pg-deletion-protection" in report
    assert "[mandatory]" not in report


def drift_check() -> list[str]:
    """The drift check of docs/policy.md, as written there."""
    text = (REPO / "docs" / "policy.md").read_text()
    (line,) = re.findall(r"^pulumi preview --refresh .*$", text, re.M)
    return shlex.split(line)[1:]


def change_with_curl(emulator: RunningEmulator, cluster_id: str, ram: int) -> None:
    """A change made outside Pulumi: the API's "ensure" PUT of the whole cluster, with another ram."""
    url = f"{emulator.url}/de-fra/clusters/{cluster_id}"
    headers = {"Authorization": f"Bearer {emulator.token}"}
    properties = requests.get(url, headers=headers, timeout=10).json()["properties"]
    properties["instances"]["ram"] = ram
    properties["credentials"]["password"] = PASSWORD
    answer = requests.put(url, json={"id": cluster_id, "properties": properties}, headers=headers, timeout=10)
    answer.raise_for_status()


def test_the_drift_check_fails_after_a_change_made_outside(
    ci_engine: Engine, e2e_emulator: RunningEmulator, tmp_path: Path
) -> None:
    project = copy_project("basic", tmp_path)  # examples/basic as a production stack, without protection
    (project / "Pulumi.prod.yaml").write_text((project / "Pulumi.dev.yaml").read_text())
    stack = ci_engine.stack(project, "prod")
    configure(stack, e2e_emulator)
    try:
        cluster_id = stack.up(color="never").outputs["clusterId"].value
        command = drift_check()
        assert command[command.index("--stack") + 1] == "prod"
        assert ci_engine.cli(*command, cwd=project).returncode == 0  # nothing has drifted yet

        change_with_curl(e2e_emulator, cluster_id, ram=8)
        unseen = ci_engine.cli("preview", "--expect-no-changes", "--stack", "prod", cwd=project, check=False)
        assert unseen.returncode == 0  # without --refresh the preview reads the state, not the cluster
        found = ci_engine.cli(*command, cwd=project, check=False)
        assert found.returncode != 0
        assert "no changes were expected for preview but changes were proposed" in found.stderr
        assert re.search(r"~ ram\s*: 8 => 4", found.stdout), found.stdout  # what `pulumi up` would set back
    finally:
        stack.destroy(color="never")
