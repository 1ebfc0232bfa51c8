"""`ionos-pg-discover` against the emulator: three clusters made with plain HTTP requests (as with curl),
the command writes a program, `pulumi up` adopts them, and the next preview shows no change. Bad input
gets one line on stderr and exit status 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.rules.marks import Mark, Owner, with_marks
from scripts.pulumi_project import Engine, project_virtualenv
from tests.engine import configure

pytestmark = pytest.mark.e2e
COMMAND = str(project_virtualenv() / "bin" / "ionos-pg-discover")
NETWORK = {"datacenterId": "5a029f4a-72e5-11ec-90d6-0242ac120003", "lanId": "1"}


def cluster_body(name: str, **changes: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "name": name,
        "version": "16",
        "instances": {"count": 1, "ram": 4, "cores": 2, "storageSize": 20},
        "connection": {**NETWORK, "primaryInstanceAddress": "192.168.1.10/24"},
        "maintenanceWindow": {"time": "02:00:00", "dayOfTheWeek": "Sunday"},
        "replicationMode": "ASYNCHRONOUS",
        "credentials": {"username": "owner", "password": "Curl-Passw0rd!", "database": name},
        "backup": {"location": "eu-central-3", "retentionDays": 7},
    }
    properties.update(changes)
    return {"properties": properties}


def post_cluster(emulator: RunningEmulator, region: str, body: dict[str, Any]) -> str:
    """POST /clusters as curl sends it: a Bearer token and a JSON body."""
    request = urllib.request.Request(  # noqa: S310 - the emulator on loopback
        f"{emulator.url}/{region}/clusters",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {emulator.token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310 - the emulator on loopback
        return str(json.load(answer)["id"])


def discover(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IONOS_")}
    return subprocess.run([COMMAND, *args], env={**clean, **env}, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def made_with_curl(e2e_emulator: RunningEmulator) -> dict[str, str]:
    """Three clusters nobody declared: two in Frankfurt, one in Berlin, each with settings of its own."""
    e2e_emulator.admin.set_pace(create="immediate", update="immediate")
    ids = {
        "orders": post_cluster(
            e2e_emulator,
            "de-fra",
            cluster_body(
                "orders",
                description='Orders "main" database',
                instances={"count": 3, "ram": 8, "cores": 4, "storageSize": 50},
                replicationMode="STRICTLY_SYNCHRONOUS",
                backup={"location": "eu-central-2", "retentionDays": 30},
            ),
        ),
        "billing": post_cluster(
            e2e_emulator,
            "de-fra",
            cluster_body("billing", connectionPooler="TRANSACTION", logsEnabled=True, metricsEnabled=True),
        ),
        "reports": post_cluster(
            e2e_emulator,
            "de-txl",
            cluster_body(
                "reports",
                version="15",
                maintenanceWindow={"time": "23:30:00", "dayOfTheWeek": "Wednesday"},
                backup={"location": "de", "retentionDays": 14},
            ),
        ),
    }
    return ids


@pytest.fixture(scope="module")
def managed_elsewhere(e2e_emulator: RunningEmulator, made_with_curl: dict[str, str]) -> str:
    """A cluster another stack manages: its description carries that stack's mark."""
    theirs = Mark(Owner("other/prod/legacy", "0123456789ab"), "made", "0badcafe")
    body = cluster_body("legacy", description=with_marks("Old app", theirs))
    return post_cluster(e2e_emulator, "de-fra", body)


def test_one_region_is_printed_as_a_program(
    e2e_emulator: RunningEmulator, made_with_curl: dict[str, str], managed_elsewhere: str
) -> None:
    shown = discover("--location", "de/fra", env=e2e_emulator.env())
    assert shown.returncode == 0, shown.stderr
    assert f'adopt_existing_id="{managed_elsewhere}"' not in shown.stdout  # only listed apart, with why
    skipped = f'skipped "legacy": "{managed_elsewhere}" in "de-fra": managed by other/prod/legacy'
    assert skipped in shown.stderr
    assert f'adopt_existing_id="{made_with_curl["orders"]}"' in shown.stdout
    assert f'adopt_existing_id="{made_with_curl["billing"]}"' in shown.stdout
    assert made_with_curl["reports"] not in shown.stdout
    assert 'description="Orders \\"main\\" database"' in shown.stdout
    assert 'config.require_secret("orders-password")' in shown.stdout
    assert "found 2 cluster(s)" in shown.stderr
    compile(shown.stdout, "__main__.py", "exec")


def test_the_written_program_adopts_every_cluster_and_then_shows_no_change(
    engine: Engine, e2e_emulator: RunningEmulator, made_with_curl: dict[str, str], tmp_path: Path
) -> None:
    written = discover("--all", "--output", str(tmp_path / "adopted"), env=e2e_emulator.env())
    assert written.returncode == 0, written.stderr
    for name in made_with_curl:
        assert f"pulumi config set --secret {name}-password '<password>'" in written.stderr
    stack = engine.stack(tmp_path / "adopted", "prod")
    configure(stack, e2e_emulator)
    for name in made_with_curl:
        engine.set_secret(stack, f"{name}-password", "Adopted-Passw0rd!")
    e2e_emulator.admin.clear_requests()
    result = stack.up(color="never")
    assert result.summary.resource_changes == {"create": 4}
    calls = sorted(f"{r['method']} {r['path']}" for r in e2e_emulator.admin.mutating_requests())
    assert calls == sorted(f"PUT /clusters/{cluster_id}" for cluster_id in made_with_curl.values())
    clusters = {c["properties"]["name"]: c for c in e2e_emulator.admin.clusters()}
    assert sorted(clusters) == sorted([*made_with_curl, "legacy"])
    assert clusters["orders"]["properties"]["instances"]["count"] == 3
    assert clusters["reports"]["properties"]["maintenanceWindow"]["dayOfTheWeek"] == "Wednesday"
    assert result.outputs["billing-dns-name"].value == clusters["billing"]["dnsName"]
    preview = stack.preview(expect_no_changes=True, color="never")
    assert preview.change_summary == {"same": 4}


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (
            ["--location", "mars/base"],
            {},
            "location 'mars/base' is not an IONOS PostgreSQL region; use one of",
        ),
        (
            ["--location", "de/fra"],
            {"IONOS_TOKEN": ""},
            "no IONOS credentials: pass --token or set IONOS_TOKEN",
        ),
        (
            ["--location", "de/fra", "--token", "not-the-token", "--endpoint", "{endpoint}"],
            {},
            "cannot list the clusters of de-fra: GET /clusters failed: HTTP 401",
        ),
        (["--all", "--endpoint", "http://127.0.0.1:9"], {}, "--all with the endpoint 'http://127.0.0.1:9'"),
    ],
    ids=["unknown region", "no token", "an API error", "one endpoint for all regions"],
)
def test_bad_input_gets_one_line_and_a_failing_status(
    e2e_emulator: RunningEmulator, args: list[str], env: dict[str, str], said: str
) -> None:
    args = [arg.replace("{endpoint}", e2e_emulator.api_url) for arg in args]
    result = discover(*args, env={**e2e_emulator.env(), **env})
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("ionos-pg-discover: error: ")
    assert said in line
