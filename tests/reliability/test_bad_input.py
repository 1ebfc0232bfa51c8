"""Bad input is rejected at `pulumi preview`, each with a message naming the field, and causes no mutating
API call. One preview declares every bad cluster of the table at once, as a careless program would."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from scripts.pulumi_project import Engine, write_project
from tests.engine import PASSWORD, configure
from tests.payloads import resource_inputs, set_path
from tests.reliability.conftest import Scenario, count_plaintext, mutating_calls

pytestmark = pytest.mark.e2e

# (input path, bad value, the field the error must name)
BAD_INPUTS: list[tuple[str, Any, str]] = [
    ("location", "mars/olympus", "location"),
    ("location", "", "location"),
    ("name", "a", "name"),
    ("name", "n" * 64, "name"),
    ("name", "-leading-dash", "name"),
    ("name", "has space", "name"),
    ("version", "12", "version"),
    ("version", "", "version"),
    ("instances.count", 0, "instances.count"),
    ("instances.count", 6, "instances.count"),
    ("instances.count", 1.5, "instances.count"),
    ("instances.ram", 3, "instances.ram"),
    ("instances.ram", 241, "instances.ram"),
    ("instances.ram", "four", "instances.ram"),
    ("instances.cores", 0, "instances.cores"),
    ("instances.cores", 63, "instances.cores"),
    ("instances.storage_size", 9, "instances.storage_size"),
    ("instances.storage_size", 4097, "instances.storage_size"),
    ("instances", None, "instances"),  # None, as a config value that is not set
    ("connection.datacenter_id", "", "connection.datacenter_id"),
    ("connection.lan_id", "two", "connection.lan_id"),
    ("connection.primary_instance_address", "192.168.1.10", "connection.primary_instance_address"),
    ("connection.primary_instance_address", "10.208.0.10/24", "connection.primary_instance_address"),
    ("connection.primary_instance_address", "not-an-ip/24", "connection.primary_instance_address"),
    ("connection.primary_instance_address", "fe80::1/64", "connection.primary_instance_address"),
    ("maintenance_window.time", "25:00:00", "maintenance_window.time"),
    ("maintenance_window.time", "9:00", "maintenance_window.time"),
    ("maintenance_window.day_of_the_week", "sunday", "maintenance_window.day_of_the_week"),
    ("maintenance_window.day_of_the_week", "Funday", "maintenance_window.day_of_the_week"),
    ("replication_mode", "asynchronous", "replication_mode"),
    ("replication_mode", "SYNCHRONOUS", "replication_mode"),
    ("replication_mode", "STRICTLY_SYNCHRONOUS", "replication_mode"),
    ("credentials.username", "postgres", "credentials.username"),
    ("credentials.username", "admin", "credentials.username"),
    ("credentials.username", "a", "credentials.username"),
    ("credentials.username", "bad-user", "credentials.username"),
    ("credentials.password", "Sh0rt!", "credentials.password"),
    ("credentials.password", "alllowercase1!", "credentials.password"),
    ("credentials.password", "NODIGITS!!ab", "credentials.password"),
    ("credentials.password", "NoSpecial123", "credentials.password"),
    ("credentials.database", "bad-db", "credentials.database"),
    ("credentials.database", "d", "credentials.database"),
    ("credentials", None, "credentials"),
    ("backup_location", "mars-1", "backup_location"),
    ("backup_location", None, "backup_location"),
    ("backup_retention_days", 0, "backup_retention_days"),
    ("backup_retention_days", 366, "backup_retention_days"),
    ("connection_pooler", "ENABLED", "connection_pooler"),
    ("logs_enabled", "yes", "logs_enabled"),
    ("restore_from_backup", {"source_backup_id": "not-a-uuid"}, "restore_from_backup.source_backup_id"),
    (
        "restore_from_backup",
        {"recovery_target_datetime": "2026-13-01T00:00:00Z"},
        "restore_from_backup.recovery_target_datetime",
    ),
    ("timeouts", {"create": "soon"}, "timeouts.create"),
    ("timeouts", {"failed": "0s"}, "timeouts.failed"),
    ("location", "de/fra\n", "location"),
    ("location", "\u3000de/fra", "location"),
    ("location", "de/fra\x1c", "location"),
    ("deletion_protection", "yes", "deletion_protection"),
    ("allow_empty_replacement", 1, "allow_empty_replacement"),
    ("adopt_existing_id", "cluster-7", "adopt_existing_id"),
    # A rule matches the whole value: no trailing newline, ASCII digits, the documented UUID, finite numbers.
    ("name", "orders-db\n", "name"),
    ("credentials.username", "orders\n", "credentials.username"),
    ("credentials.database", "orders\n", "credentials.database"),
    ("maintenance_window.time", "03:00:00\n", "maintenance_window.time"),
    ("connection.lan_id", "\u00b2", "connection.lan_id"),
    ("connection.lan_id", "\u0662", "connection.lan_id"),
    ("connection.datacenter_id", "datacenter-1", "connection.datacenter_id"),
    ("connection.primary_instance_address", "192.168.2.101/24\n", "connection.primary_instance_address"),
    ("timeouts", {"create": float("inf")}, "timeouts.create"),
    ("instances.ram", float("inf"), "instances.ram"),
    ("instances.unknown", 1, "instances.unknown"),
]
PROGRAM = """
import json, pathlib
import pulumi
from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs

for name, inputs in json.loads((pathlib.Path(__file__).parent / "cases.json").read_text()).items():
    PostgresV2Cluster(name, PostgresV2ClusterArgs(**inputs))
"""


def project_with(tmp_path: Path, cases: dict[str, dict[str, Any]]) -> Path:
    project = write_project(tmp_path / "bad-input", "bad-input", PROGRAM)
    (project / "cases.json").write_text(json.dumps(cases))
    return project


def errors_by_resource(output: str) -> dict[str, list[str]]:
    """Each resource's check failures, as "property <field> ...": the engine writes a top-level input's as
    `resource 'x': property f value {v} has a problem: ...`, and a nested field's (whose value it cannot
    show) as `resource 'x' has a problem: a.b: ...`, the field opening the reason."""
    found: dict[str, list[str]] = {}
    pattern = r"resource '([^']+)'(?:: (property [^\n]+)| has a problem: (\S+?): ([^\n]+))"
    for match in re.finditer(pattern, output):
        problem = match.group(2) or f"property {match.group(3)} has a problem: {match.group(4)}"
        messages = found.setdefault(match.group(1), [])
        if problem not in messages:  # the engine shows each error twice: in progress, in diagnostics
            messages.append(problem)
    return found


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    with emulator_thread() as running:
        yield running


@pytest.fixture(scope="module")
def preview_stack(
    engine: Engine, emu: RunningEmulator, tmp_path_factory: pytest.TempPathFactory
) -> auto.Stack:
    stack = engine.stack(project_with(tmp_path_factory.mktemp("bad"), {}), "dev")
    configure(stack, emu)
    return stack


def rejected_at_preview(
    stack: auto.Stack, emu: RunningEmulator, figures: Scenario, inputs: dict[str, Any], secrets: list[Any]
) -> tuple[str, str]:
    """A preview of one bad case: the engine's output and the one problem it names, the figures counted."""
    project_with(Path(stack.workspace.work_dir).parent, {"case": inputs})
    emu.admin.clear_requests()
    with pytest.raises(auto.CommandError) as caught:
        stack.preview(color="never")
    output = str(caught.value)
    figures.mutating_calls_for_invalid_input = mutating_calls(emu)
    figures.plaintext_secrets = count_plaintext([output], [PASSWORD, emu.token, *secrets])
    (problem,) = errors_by_resource(output)["case"]
    assert "Traceback" not in output
    assert figures.mutating_calls_for_invalid_input == 0
    assert figures.plaintext_secrets == 0
    return output, problem


@pytest.mark.parametrize(("path", "value", "field"), BAD_INPUTS, ids=lambda v: str(v)[:24])
def test_bad_input_is_rejected_at_preview(
    preview_stack: auto.Stack, emu: RunningEmulator, figures: Scenario, path: str, value: Any, field: str
) -> None:
    inputs = set_path(resource_inputs(name="bad-input-case"), path, value)
    secrets = [value] if "password" in path else []
    output, problem = rejected_at_preview(preview_stack, emu, figures, inputs, secrets)
    assert problem.startswith(f"property {field} "), problem
    if value is not None and not isinstance(value, dict) and "password" not in path:
        assert repr(value) in output  # the value is named, except a password (the engine may break its line)


def test_the_table_has_at_least_forty_cases() -> None:
    assert len(BAD_INPUTS) >= 40


SECRET = "S3cret-Passw0rd!"
# A value of the wrong shape that holds the password: the error names the field, never shows the value.
SECRET_SHAPES: list[tuple[str, Any, str]] = [
    ("credentials", ["orders", SECRET, "orders"], "credentials"),
    ("credentials", SECRET, "credentials"),
    ("credentials.password", [SECRET], "credentials.password"),
    ("credentials.pasword", SECRET, "credentials.pasword"),
]


@pytest.mark.parametrize(("path", "value", "field"), SECRET_SHAPES, ids=lambda v: str(v)[:24])
def test_a_secret_of_the_wrong_shape_is_never_shown(
    preview_stack: auto.Stack, emu: RunningEmulator, figures: Scenario, path: str, value: Any, field: str
) -> None:
    inputs = set_path(resource_inputs(name="bad-input-case"), path, value)
    _, problem = rejected_at_preview(preview_stack, emu, figures, inputs, [SECRET])
    assert problem.startswith(f"property {field} "), problem
    assert "(hidden)" in problem


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"version": "15"}, "version", "older than the current version '16'"),
        (
            {"version": "18", "allow_major_version_upgrade": True},
            "version",
            "not an upgrade target of version '16'",
        ),
        ({"version": "17"}, "version", "needs allow_major_version_upgrade=True"),
        (
            {"instances": {"count": 1, "ram": 4, "cores": 2, "storage_size": 10}},
            "instances.storage_size",
            "only grow",
        ),
    ],
    ids=["downgrade", "upgrade-skipping-a-version", "major-upgrade-not-asked-for", "storage-shrink"],
)
def test_changes_the_service_refuses_are_rejected_at_preview(
    engine: Engine,
    emu: RunningEmulator,
    tmp_path: Path,
    figures: Scenario,
    change: dict[str, Any],
    field: str,
    says: str,
) -> None:
    project = project_with(tmp_path, {"existing": resource_inputs(name="existing")})
    stack = engine.stack(project, "dev")
    configure(stack, emu)
    stack.up(color="never")
    project_with(tmp_path, {"existing": resource_inputs(name="existing", **change)})
    emu.admin.clear_requests()
    with pytest.raises(auto.CommandError) as caught:
        stack.preview(color="never")
    figures.mutating_calls_for_invalid_input = mutating_calls(emu)
    (problem,) = errors_by_resource(str(caught.value))["existing"]
    assert problem.startswith(f"property {field} ")
    assert says in problem
    project_with(tmp_path, {"existing": resource_inputs(name="existing")})
    stack.destroy(color="never")
    assert figures.mutating_calls_for_invalid_input == 0


def test_missing_credentials_are_rejected_at_preview(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, figures: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IONOS_TOKEN", raising=False)
    stack = engine.stack(project_with(tmp_path, {"no-token": resource_inputs(name="no-token")}), "dev")
    stack.set_config("ionos:endpoint", auto.ConfigValue(emu.api_url))
    emu.admin.clear_requests()
    with pytest.raises(auto.CommandError) as caught:
        stack.preview(color="never")
    (problem,) = errors_by_resource(str(caught.value))["no-token"]
    assert problem.startswith("property ionos:token ")
    assert "IONOS_TOKEN" in problem
    figures.mutating_calls_for_invalid_input = len(emu.admin.requests())  # not even a read
    assert figures.mutating_calls_for_invalid_input == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ("version='11'", "PostgreSQL version '11' is not offered; available: 18 (beta), 17 (supported), 16"),
        ("version='13'", "PostgreSQL version '13' is deprecated; use one of 17, 16, 15, 14"),
        (
            "backup_location='mars-1'",
            "backup location 'mars-1' is not offered in de/fra; valid: de, eu-central-2",
        ),
    ],
    ids=["unknown-version", "deprecated-version", "unknown-backup-location"],
)
def test_the_component_rejects_what_the_catalog_lacks(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, figures: Scenario, args: str, says: str
) -> None:
    program = (
        "from ionos_postgres_pulumi import (ConnectionArgs, CredentialsArgs, PostgresCluster,\n"
        "    PostgresClusterArgs)\n"
        f"PostgresCluster('db', PostgresClusterArgs(location='de/fra', {args},\n"
        "    connection=ConnectionArgs(datacenter_id='5a029f4a-72e5-11ec-90d6-0242ac120003', lan_id='1',\n"
        "                              primary_instance_address='10.1.1.5/24'),\n"
        "    credentials=CredentialsArgs(username='app', password='S3cret-Passw0rd!', database='app')))\n"
    )
    project = write_project(tmp_path / "component", "component", program)
    stack = engine.stack(project, "dev")
    configure(stack, emu)
    emu.admin.clear_requests()
    with pytest.raises(auto.CommandError) as caught:
        stack.preview(color="never")
    output = str(caught.value)
    assert says in output
    assert "Traceback" not in output
    figures.mutating_calls_for_invalid_input = mutating_calls(emu)
    assert figures.mutating_calls_for_invalid_input == 0
