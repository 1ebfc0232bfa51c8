"""Fixtures for tests that drive the real Pulumi engine: the CLI, a local file backend, the emulator.

Registered for the whole suite in tests/conftest.py (pytest_plugins), used by tests/e2e and tests/reliability.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from scripts.pulumi_project import REPO, Engine, ensure_cli, project_virtualenv

PASSWORD = "E2e-Passw0rd!"
PACE = "create=1s,update=1s,restore=1s,delete=1s"
HOW_TO_GET_THE_CLI = (
    "the end-to-end tests need the Pulumi CLI: install it "
    "(https://www.pulumi.com/docs/iac/download-install/) or install Go >= 1.25 so that "
    "scripts/ensure-pulumi can build it from its Go modules"
)

NO_HOST = (
    "no pulumi-language-python beside the CLI or on PATH, so programs run as inline programs here; an "
    "official CLI installation has it, or put the folder ../shared/tools/pulumi-language-python/unpack "
    "prints on PATH"
)


@pytest.fixture(scope="session")
def pulumi_bin_dirs() -> list[Path]:
    """The CLI that scripts/ensure-pulumi finds (on PATH, or built earlier into its cache) or builds. Skipped
    only where it has none and cannot build one; a build that fails with Go at hand is an error."""
    try:
        return ensure_cli()
    except subprocess.CalledProcessError:
        if shutil.which("pulumi") is None and shutil.which("go") is None:
            pytest.skip(HOW_TO_GET_THE_CLI)
        raise


@pytest.fixture(scope="module")
def e2e_emulator() -> Iterator[RunningEmulator]:
    with emulator_thread(paces=Paces.parse(PACE)) as running:
        yield running


@pytest.fixture(scope="module")
def engine(pulumi_bin_dirs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Engine:
    backend = tmp_path_factory.mktemp("backend")
    return Engine(pulumi_bin_dirs, backend, passphrase=secrets.token_urlsafe(16))


def copy_project(name: str, destination: Path) -> Path:
    """A copy of an example (or the root program, name "."), so that stack files stay out of the checkout."""
    source = REPO if name == "." else REPO / "examples" / name
    target = destination / (name if name != "." else "root")
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.is_file() and (entry.suffix in {".py", ".yaml"}):
            shutil.copy(entry, target / entry.name)
    settings = yaml.safe_load((target / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(project_virtualenv())
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    return target


def cluster_program(name: str, address: str) -> str:
    """A program of one unprotected `PostgresCluster`, its password from the stack's secret `password`;
    exports dnsName, clusterId and connectionUri."""
    return f"""import pulumi
from ionos_postgres_pulumi import ConnectionArgs, CredentialsArgs, PostgresCluster, PostgresClusterArgs

db = PostgresCluster("{name}", PostgresClusterArgs(
    location="de/fra",
    deletion_protection=False,
    connection=ConnectionArgs(datacenter_id="5a029f4a-72e5-11ec-90d6-0242ac120003", lan_id="1",
                              primary_instance_address="{address}"),
    credentials=CredentialsArgs(username="app", password=pulumi.Config().require_secret("password"),
                                database="app"),
))
pulumi.export("dnsName", db.dns_name)
pulumi.export("clusterId", db.cluster_id)
pulumi.export("connectionUri", db.connection_uri)
"""


def configure(stack: auto.Stack, emulator: RunningEmulator, **values: str) -> None:
    """The stack's configuration for the emulator; its clusters without deletion protection (the tests tear
    them down), unless `deletionProtection` says otherwise."""
    project = stack.workspace.project_settings().name
    values = {"deletionProtection": "false", **values}
    config = {f"{project}:{key}": auto.ConfigValue(value) for key, value in values.items()}
    config[f"{project}:password"] = auto.ConfigValue(PASSWORD, secret=True)
    config["ionos:token"] = auto.ConfigValue(emulator.token, secret=True)
    config["ionos:endpoint"] = auto.ConfigValue(emulator.api_url)
    stack.set_all_config(config)


def exported_state(engine: Engine, stack: auto.Stack) -> str:
    """`pulumi stack export` as a user runs it, and every file the backend keeps (state, history...)."""
    exported = engine.cli("stack", "export", "--stack", stack.name, cwd=Path(stack.workspace.work_dir)).stdout
    at_rest = [p.read_text(errors="replace") for p in engine.backend_dir.rglob("*") if p.is_file()]
    return "\n".join([exported, *at_rest])


def outputs(stack: auto.Stack) -> dict[str, Any]:
    return {key: value.value for key, value in stack.outputs().items()}
