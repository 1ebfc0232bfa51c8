"""The shipped policy pack through the real engine: `pulumi preview --policy-pack` as a CI job runs it.

One project holds a PostgresV2Cluster and a PostgresCluster; stack configuration breaks one policy at a
time. A mandatory violation fails the preview with its message; an advisory one only warns.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from scripts.pulumi_project import Engine, write_project
from tests.engine import NO_HOST, configure

pytestmark = pytest.mark.e2e
PROJECT = "policy-check"
PROGRAM = """
import pulumi
from ionos_postgres_pulumi import (
    PostgresCluster, PostgresClusterArgs, PostgresV2Cluster, PostgresV2ClusterArgs,
)

config = pulumi.Config()
common = dict(
    location="de/fra",
    connection={"datacenter_id": "5a029f4a-72e5-11ec-90d6-0242ac120003", "lan_id": "1",
                "primary_instance_address": "192.168.1.100/24"},
    credentials={"username": "app", "database": "app", "password": config.require_secret("password")},
)
PostgresV2Cluster("orders", PostgresV2ClusterArgs(
    name="orders",
    version=config.get("version") or "16",
    instances={"count": config.get_int("instances") or 3, "ram": 4, "cores": 2, "storage_size": 20},
    maintenance_window={"time": config.get("maintenanceTime") or "02:00:00",
                        "day_of_the_week": config.get("maintenanceDay") or "Sunday"},
    backup_location=config.get("backupLocation") or "eu-central-3",
    backup_retention_days=config.get_int("retentionDays") or 14,
    replication_mode=config.get("replication") or "STRICTLY_SYNCHRONOUS",
    allow_empty_replacement=config.get_bool("allowEmptyReplacement"),
    **common,
), opts=pulumi.ResourceOptions(protect=config.get_bool("protect") is not False))
billing = PostgresCluster(
    "billing",
    PostgresClusterArgs(
        instances={"count": config.get_int("billingInstances") or 2, "ram": 4, "cores": 2,
                   "storage_size": 20},
        backup_retention_days=14,
        **common,
    ),
    opts=pulumi.ResourceOptions(protect=True),
)
if config.get_bool("countFromAnother"):  # a count computed from a cluster not made yet: unknown at preview
    PostgresV2Cluster("follower", PostgresV2ClusterArgs(
        name="follower", version="16", backup_location="eu-central-3", backup_retention_days=14,
        instances={"count": billing.cluster_id.apply(lambda _: 2), "ram": 4, "cores": 2, "storage_size": 20},
        maintenance_window={"time": "02:00:00", "day_of_the_week": "Sunday"},
        **common,
    ), opts=pulumi.ResourceOptions(protect=True))
"""


@pytest.fixture(scope="module")
def policy_engine(engine: Engine, e2e_emulator: RunningEmulator) -> Engine:
    """The CLI with the emulator's IONOS_TOKEN and IONOS_API_URL, which the pack asks for versions."""
    if not engine.has_language_host:
        pytest.skip("policy packs run through the Python language host; " + NO_HOST)
    return Engine(engine.bin_dirs, engine.backend_dir, engine.passphrase, e2e_emulator.env())


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder as users get it: `python -m ionos_postgres_pulumi.policy FOLDER` prints it."""
    folder = tmp_path_factory.mktemp("pack")
    shown = subprocess.run(
        [sys.executable, "-m", "ionos_postgres_pulumi.policy", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert Path(shown.stdout.strip()) == folder.resolve()
    return folder


@pytest.fixture(scope="module")
def stack(
    policy_engine: Engine, e2e_emulator: RunningEmulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[auto.Stack]:
    project = write_project(tmp_path_factory.mktemp("project"), PROJECT, PROGRAM)
    stack = policy_engine.stack(project, "prod")
    configure(stack, e2e_emulator)
    yield stack


def preview(
    engine: Engine, stack: auto.Stack, pack: Path, config: Mapping[str, object] | None = None, **values: str
) -> subprocess.CompletedProcess[str]:
    """`pulumi preview --policy-pack` with these config values (and the pack's configuration, if any)."""
    project_dir = Path(stack.workspace.work_dir)
    for key, value in values.items():
        stack.set_config(f"{PROJECT}:{key}", auto.ConfigValue(value))
    args = ["preview", "--stack", stack.name, "--policy-pack", str(pack), "--color", "never"]
    if config is not None:
        (project_dir / "policy-config.json").write_text(json.dumps(config))
        args += ["--policy-pack-config", str(project_dir / "policy-config.json")]
    try:
        return engine.cli(*args, cwd=project_dir, check=False)
    finally:
        for key in values:
            stack.remove_config(f"{PROJECT}:{key}")


def violations(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The policies named in the preview's policy report, as `level policy-name`."""
    text = result.stdout + result.stderr
    return sorted(set(re.findall(r"- \[(mandatory|advisory)\]\s+(ionos-pg-[a-z-]+)", text)))


def test_a_compliant_stack_passes_the_pack(policy_engine: Engine, stack: auto.Stack, pack: Path) -> None:
    result = preview(policy_engine, stack, pack)
    assert result.returncode == 0, result.stdout + result.stderr
    assert violations(result) == []
    assert f"ionos-postgres@v{version('ionos-postgres-pulumi')} (local: {pack})" in result.stdout  # it ran


# Each breaks one policy: (config values, the pack's configuration, the exit status, what the report shows).
SCENARIOS = {
    "one instance": (
        {"instances": "1", "replication": "ASYNCHRONOUS"},
        None,
        1,
        ["mandatory ionos-pg-min-instances"],
        "PostgresV2Cluster 'orders': instances.count is 1; at least 2 instances are required (minInstances)",
    ),
    "the component's cluster with one instance": (
        {"billingInstances": "1"},
        None,
        1,
        ["mandatory ionos-pg-min-instances"],
        "PostgresV2Cluster 'billing': instances.count is 1; at least 2 instances are required",
    ),
    "one instance, the policy made advisory": (
        {"instances": "1", "replication": "ASYNCHRONOUS"},
        {"ionos-pg-min-instances": {"enforcementLevel": "advisory"}},
        0,
        ["advisory ionos-pg-min-instances"],
        "PostgresV2Cluster 'orders': instances.count is 1",
    ),
    "asynchronous replication": (
        {"replication": "ASYNCHRONOUS"},
        None,
        0,
        ["advisory ionos-pg-synchronous-replication"],
        "PostgresV2Cluster 'orders': replication_mode is 'ASYNCHRONOUS'; a cluster of 3 or more instances",
    ),
    "short retention": (
        {"retentionDays": "3"},
        None,
        1,
        ["mandatory ionos-pg-backup-retention"],
        "backup_retention_days is 3; backups must be kept at least 7 days (minDays)",
    ),
    "backups in the same city": (
        {"backupLocation": "de"},
        None,
        1,
        ["mandatory ionos-pg-backup-in-another-city"],
        "backup_location is 'de'; backups must be kept in another city than the cluster; both are in "
        "Frankfurt",
    ),
    "a backup location of no known city": (
        {"backupLocation": "eu-central-4"},
        None,
        1,
        ["mandatory ionos-pg-backup-in-another-city"],
        "this policy cannot tell which city the backup location 'eu-central-4' is in",
    ),
    "a version the service deprecates": (
        {"version": "13"},
        None,
        1,
        ["mandatory ionos-pg-no-deprecated-version"],
        "PostgresV2Cluster 'orders': version is '13'; the service marks it DEPRECATED",
    ),
    "a version the configuration deprecates": (
        {"version": "15"},
        {"ionos-pg-no-deprecated-version": {"askTheService": False, "deprecatedVersions": ["15"]}},
        1,
        ["mandatory ionos-pg-no-deprecated-version"],
        "version is '15'; it is in the policy's deprecatedVersions",
    ),
    "no protection": (
        {"protect": "false"},
        None,
        1,
        ["mandatory ionos-pg-deletion-protection"],
        "PostgresV2Cluster 'orders': deletion_protection is False; deletion protection must be on",
    ),
    "an empty replacement allowed": (
        {"allowEmptyReplacement": "true"},
        None,
        1,
        ["mandatory ionos-pg-no-empty-replacement"],
        "allow_empty_replacement is True; a replacement must carry the data over",
    ),
    "maintenance in business hours": (
        {"maintenanceDay": "Monday", "maintenanceTime": "09:00:00"},
        None,
        0,
        ["advisory ionos-pg-maintenance-outside-business-hours"],
        "maintenance_window is 'Monday 09:00:00 UTC'; the four-hour window must lie outside business hours",
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_policy_broken_alone_fails_or_warns_with_its_message(
    policy_engine: Engine, stack: auto.Stack, pack: Path, scenario: str
) -> None:
    values, config, status, reported, message = SCENARIOS[scenario]
    result = preview(policy_engine, stack, pack, config, **values)
    assert [" ".join(v) for v in violations(result)] == reported, result.stdout + result.stderr
    assert message in " ".join(result.stdout.split()), result.stdout + "\nSTDERR:" + result.stderr
    assert result.returncode == status


def test_without_credentials_the_pack_says_it_could_not_ask_for_versions(
    policy_engine: Engine, stack: auto.Stack, pack: Path
) -> None:
    blind = Engine(
        policy_engine.bin_dirs, policy_engine.backend_dir, policy_engine.passphrase, {"IONOS_TOKEN": ""}
    )
    result = preview(blind, stack, pack)
    assert [" ".join(v) for v in violations(result)] == ["mandatory ionos-pg-no-deprecated-version"]
    said = " ".join(result.stdout.split())
    assert "the policy could not ask the service which versions are deprecated (no IONOS credentials" in said
    assert "does not read the stack's configuration, ionos:token included); export IONOS_TOKEN" in said
    assert "pulumi config set" not in said  # advice the pack, which reads only its environment, cannot take
    assert result.returncode == 1


def test_a_mistyped_setting_fails_before_any_policy_runs(
    policy_engine: Engine, stack: auto.Stack, pack: Path
) -> None:
    result = preview(policy_engine, stack, pack, {"ionos-pg-min-instances": {"minInstances": "three"}})
    assert result.returncode != 0
    shown = " ".join((result.stdout + result.stderr).split())
    assert "ionos-pg-min-instances" in shown and "minInstances" in shown, shown
    assert violations(result) == []


def test_a_mandatory_policy_that_cannot_see_a_value_at_preview_fails_the_preview(
    policy_engine: Engine, stack: auto.Stack, pack: Path
) -> None:
    """Before, pulumi-policy passed it with an advisory note and the preview exited 0."""
    result = preview(policy_engine, stack, pack, countFromAnother="true")
    assert [" ".join(v) for v in violations(result)] == [
        "advisory ionos-pg-synchronous-replication",
        "mandatory ionos-pg-min-instances",
    ], result.stdout + result.stderr
    said = " ".join(result.stdout.split())
    assert "PostgresV2Cluster 'follower': instances.count is not known at preview" in said
    assert (
        'lower this policy\'s level with --policy-pack-config, such as {"ionos-pg-min-instances": "advisory"}'
        in said
    )
    assert result.returncode == 1
    lowered = preview(
        policy_engine, stack, pack, {"ionos-pg-min-instances": "advisory"}, countFromAnother="true"
    )
    assert lowered.returncode == 0, lowered.stdout + lowered.stderr


@pytest.mark.parametrize(
    ("config", "said"),
    [
        (
            {"ionos-pg-backup-retention": {"minDay": 30}},
            "ionos-pg-backup-retention: unknown setting 'minDay' (did you mean 'minDays'?)",
        ),
        (
            {
                "ionos-pg-maintenance-outside-business-hours": {
                    "businessHoursStart": "18:00",
                    "businessHoursEnd": "08:00",
                }
            },
            "ionos-pg-maintenance-outside-business-hours: businessHoursStart 18:00 is not before "
            "businessHoursEnd 08:00",
        ),
    ],
    ids=["a misspelled setting", "hours that start after they end"],
)
def test_a_configuration_the_cli_lets_through_fails_before_any_policy_runs(
    policy_engine: Engine, stack: auto.Stack, pack: Path, config: dict[str, Any], said: str
) -> None:
    """Before, the misspelled setting was dropped in silence, and such hours made every window pass."""
    result = preview(policy_engine, stack, pack, config, maintenanceDay="Monday", maintenanceTime="09:00:00")
    shown = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "the pack's configuration is refused: " + said in shown, shown
    assert violations(result) == []
