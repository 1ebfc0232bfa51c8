"""The basic example through the real Pulumi engine: up, no-op up, preview --diff, update, StackReference,
refresh after an out-of-band deletion, secrets in state and logs, destroy.

The tests run in order and share one stack, as a user's session would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from scripts.pulumi_project import Engine
from tests.engine import PASSWORD, configure, copy_project, exported_state, outputs

pytestmark = [pytest.mark.e2e, pytest.mark.bridge]  # detailed diffs, the old outputs at check, -v=9 logs
PROJECT = "ionos-postgres-basic"


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("projects")


@pytest.fixture(scope="module")
def basic(engine: Engine, e2e_emulator: RunningEmulator, projects: Path) -> auto.Stack:
    stack = engine.stack(copy_project("basic", projects), "dev")
    configure(stack, e2e_emulator)
    return stack


def mutating_calls(emulator: RunningEmulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.admin.mutating_requests()]


def test_up_exports_the_clusters_dns_name(
    basic: auto.Stack, e2e_emulator: RunningEmulator, engine: Engine
) -> None:
    result = basic.up(color="never")
    (cluster,) = e2e_emulator.admin.clusters()
    assert cluster["state"] == "AVAILABLE"
    assert result.outputs["dnsName"].value == cluster["dnsName"]
    assert result.outputs["connectionUri"].secret
    assert result.summary.resource_changes == {"create": 3}
    # what a consumer of the stack sees from the CLI
    shown = engine.cli("stack", "output", "dnsName", "--stack", "dev", cwd=Path(basic.workspace.work_dir))
    assert shown.stdout.strip() == cluster["dnsName"]
    assert cluster["properties"]["version"] == "16"
    assert cluster["properties"]["backup"]["location"] == "eu-central-3"


def test_a_second_up_changes_nothing_and_calls_nothing(
    basic: auto.Stack, e2e_emulator: RunningEmulator
) -> None:
    e2e_emulator.admin.clear_requests()
    result = basic.up(color="never")
    assert result.summary.resource_changes == {"same": 3}
    assert mutating_calls(e2e_emulator) == []


def test_preview_of_more_cores_is_an_in_place_update_of_that_field(
    basic: auto.Stack, e2e_emulator: RunningEmulator
) -> None:
    basic.set_config(f"{PROJECT}:cores", auto.ConfigValue("4"))
    e2e_emulator.admin.clear_requests()
    preview = basic.preview(diff=True, color="never")
    assert preview.change_summary == {"same": 2, "update": 1}
    text = re.sub(r"\s+:", ":", preview.stdout)  # the display aligns the colons
    assert "~ pulumi-python:dynamic/ionos:PostgresV2Cluster" in text
    assert "~ cores: 2 => 4" in text
    resources = text.split("Resources:")[0]
    changed = [line.strip() for line in resources.splitlines() if line.strip().startswith(("~ ", "+", "- "))]
    assert changed == [
        "~ pulumi-python:dynamic/ionos:PostgresV2Cluster: (update)",
        "~ instances: {",
        "~ cores: 2 => 4",
    ]
    assert "replace" not in text
    assert mutating_calls(e2e_emulator) == []


def test_preview_of_another_backup_location_is_a_replacement(
    basic: auto.Stack, e2e_emulator: RunningEmulator
) -> None:
    basic.set_config(f"{PROJECT}:backupLocation", auto.ConfigValue("de"))
    e2e_emulator.admin.clear_requests()
    events: list[auto.EngineEvent] = []
    try:
        preview = basic.preview(diff=True, color="never", on_event=events.append)
    finally:
        basic.remove_config(f"{PROJECT}:backupLocation")
    assert dict(preview.change_summary) == {"same": 2, "replace": 1}
    # the detailed diff marks the field that forces the replacement (what `--json` and events show)
    (step,) = [
        e.resource_pre_event.metadata
        for e in events
        if e.resource_pre_event and e.resource_pre_event.metadata.op.value == "replace"
    ]
    kinds = {key: diff.diff_kind.value for key, diff in (step.detailed_diff or {}).items()}
    assert kinds == {"backup_location": "update-replace", "instances.cores": "update"}  # set above
    # and the data is carried over from the old cluster's backup, which the preview names
    (cluster,) = e2e_emulator.admin.clusters()
    (backup,) = e2e_emulator.backups_of(cluster["id"])
    said = re.sub(r"\s+", " ", preview.stdout + preview.stderr)  # `--diff` shows diagnostics on stderr
    assert f"created from its backup {backup['id']}" in said
    assert '~ backup_location: "eu-central-3" => "de"' in re.sub(r"\s+:", ":", preview.stdout)
    assert "+-pulumi-python:dynamic/ionos:PostgresV2Cluster" in preview.stdout.replace(" ", "")
    assert mutating_calls(e2e_emulator) == []


def test_up_applies_the_change(basic: auto.Stack, e2e_emulator: RunningEmulator) -> None:
    e2e_emulator.admin.clear_requests()
    result = basic.up(color="never")
    assert result.summary.resource_changes == {"same": 2, "update": 1}
    (cluster,) = e2e_emulator.admin.clusters()
    assert cluster["properties"]["instances"]["cores"] == 4
    assert mutating_calls(e2e_emulator) == [f"PUT /clusters/{cluster['id']}"]


def test_a_consumer_reads_dns_name_through_a_stack_reference(
    basic: auto.Stack, engine: Engine, e2e_emulator: RunningEmulator, projects: Path
) -> None:
    consumer = engine.stack(copy_project("consumer", projects), "dev")
    result = consumer.up(color="never")
    dns_name = outputs(basic)["dnsName"]
    assert result.outputs["databaseHost"].value == dns_name
    assert result.outputs["jdbcUrl"].value == f"jdbc:postgresql://{dns_name}:5432/app"
    consumer.destroy(color="never")


def test_refresh_drops_a_cluster_deleted_out_of_band_and_up_recreates_it(
    basic: auto.Stack, e2e_emulator: RunningEmulator
) -> None:
    (old,) = e2e_emulator.admin.clusters()
    e2e_emulator.admin.remove(old["id"])
    refreshed = basic.refresh(color="never")
    assert refreshed.summary.resource_changes == {"same": 2, "delete": 1}
    deployment = basic.export_stack().deployment
    assert deployment is not None
    resources = deployment["resources"]
    assert [r for r in resources if r["type"].endswith("PostgresV2Cluster")] == []
    result = basic.up(color="never")
    assert result.summary.resource_changes == {"same": 2, "create": 1}
    (new,) = e2e_emulator.admin.clusters()
    assert new["id"] != old["id"]
    assert result.outputs["dnsName"].value == new["dnsName"]


def test_no_plaintext_secret_in_state_or_engine_logs(
    basic: auto.Stack, e2e_emulator: RunningEmulator, engine: Engine
) -> None:
    basic.set_config(f"{PROJECT}:cores", auto.ConfigValue("2"))
    logged = basic.up(color="never", log_verbosity=9, log_flow=True, log_to_std_err=True)
    state = exported_state(engine, basic)
    assert "PostgresV2Cluster" in state
    # only the password is secret: the username and database of the outputs can be exported and read
    deployment = basic.export_stack().deployment or {}
    (cluster,) = [r for r in deployment["resources"] if r["type"].endswith("PostgresV2Cluster")]
    credentials = cluster["outputs"]["credentials"]
    assert (credentials["username"], credentials["database"]) == ("app", "app")
    assert credentials["password"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    engine_log = logged.stderr
    assert len(engine_log) > 10_000  # the verbose log really was written
    for secret in (PASSWORD, e2e_emulator.token, PASSWORD.replace("!", "%21")):
        assert secret not in state
        assert secret not in engine_log
        assert secret not in logged.stdout


def test_destroy_leaves_no_cluster(basic: auto.Stack, e2e_emulator: RunningEmulator) -> None:
    result = basic.destroy(color="never")
    assert result.summary.resource_changes == {"delete": 3}
    assert e2e_emulator.admin.clusters() == []
