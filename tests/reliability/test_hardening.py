"""The third hardening round, through `pulumi up` as users run it: tracking that survives any resource name
and any description, secrets made by the program itself hidden in every spelling, and odd answers to a PUT or
a DELETE checked against the cluster instead of guessed."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from ionos_postgres_pulumi.provider.api.redaction import secret_spellings
from ionos_postgres_pulumi.provider.rules.marks import Mark, Owner, with_marks
from scripts.pulumi_project import Engine, write_project
from tests.e2e.test_discovery import cluster_body, discover
from tests.engine import PASSWORD, configure
from tests.payloads import cluster_inputs, resource_inputs
from tests.provider.harness import ProviderProcess
from tests.reliability.conftest import Scenario, count_orphans_and_duplicates

pytestmark = pytest.mark.e2e
CASES = """
import json, pathlib
import pulumi
from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs

for name, inputs in json.loads((pathlib.Path(__file__).parent / "cases.json").read_text()).items():
    PostgresV2Cluster(name, PostgresV2ClusterArgs(**inputs))
"""
# A password the program makes itself (not a configured secret, which the CLI would mask), with characters
# that Python's repr escapes, placed where the provider's messages quote a value.
PROGRAM_MADE_SECRET = """
import pulumi
from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs

password = pulumi.Output.secret("Sec\\\\ret\\t\\u200bPa55word!")
where = pulumi.Config().require("where")
inputs = dict(location="de/fra", name="leaky", version="16", backup_location="eu-central-3",
    instances={"count": 1, "ram": 4, "cores": 2, "storage_size": 20},
    maintenance_window={"time": "02:00:00", "day_of_the_week": "Sunday"},
    connection={"datacenter_id": "5a029f4a-72e5-11ec-90d6-0242ac120003", "lan_id": "1",
                "primary_instance_address": "192.168.4.10/24"},
    credentials={"username": "app", "password": password, "database": "app"})
if where.startswith("credentials."):
    inputs["credentials"] = {**inputs["credentials"], where.split(".")[1]: password}
else:
    inputs[where] = password
PostgresV2Cluster("leaky", PostgresV2ClusterArgs(**inputs))
"""
SECRET = "Sec\\ret\t\u200bPa55word!"


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    with emulator_thread(paces=Paces.parse("1s")) as running:
        yield running


def cases_project(where: Path, cases: dict[str, dict[str, Any]]) -> Path:
    project = write_project(where, "hardening", CASES)
    (project / "cases.json").write_text(json.dumps(cases))
    return project


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("db[0]", "Orders"),
        ("orders:eu/ünïcode", "Orders"),
        ("db-newline", "Orders\n"),
        ("db-space", "Orders "),
    ],
    ids=["brackets", "colons-and-unicode", "description-ending-in-a-newline", "description-ending-in-space"],
)
def test_any_name_and_any_description_stay_tracked_and_settle(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, figures: Scenario, name: str, description: str
) -> None:
    inputs = resource_inputs(name="orders-db", description=description)
    stack = engine.stack(cases_project(tmp_path, {name: inputs}), "dev")
    configure(stack, emu)
    stack.up(color="never")
    (cluster,) = emu.admin.clusters()
    stack.preview(color="never", expect_no_changes=True)  # an untouched stack shows no change
    stack.up(color="never")  # a rerun finds its cluster: no "not made by this resource"
    figures.orphans, figures.duplicates = count_orphans_and_duplicates(emu, [cluster["id"]])
    stack.destroy(color="never")
    assert emu.admin.clusters() == []
    assert (figures.orphans, figures.duplicates) == (0, 0)


@pytest.mark.parametrize("where", ["backup_location", "version", "name", "credentials.username"])
def test_a_secret_the_program_made_is_shown_in_no_spelling(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, figures: Scenario, where: str
) -> None:
    stack = engine.stack(write_project(tmp_path / "leaky", "leaky", PROGRAM_MADE_SECRET), "dev")
    configure(stack, emu)
    emu.admin.clear_requests()
    stack.set_config("leaky:where", auto.ConfigValue(where))
    with pytest.raises(auto.CommandError) as refused:
        stack.preview(color="never")
    said = str(refused.value)
    assert where.rsplit(".", maxsplit=1)[-1] in said  # the field is named
    figures.plaintext_secrets = sum(1 for spelling in secret_spellings(SECRET) if spelling in said)
    figures.mutating_calls_for_invalid_input = len(emu.admin.mutating_requests())
    assert (figures.plaintext_secrets, figures.mutating_calls_for_invalid_input) == (0, 0)


def test_a_put_or_delete_carried_out_but_answered_with_an_html_page(
    emu: RunningEmulator, figures: Scenario
) -> None:
    with ProviderProcess() as process:
        process.configure({"ionos:token": emu.token, "ionos:endpoint": emu.api_url})
        checked = process.check({}, cluster_inputs())
        cluster_id, outs = process.create(checked.inputs)
        page = "<html><body>502 from a proxy, after the service took the request</body></html>"
        emu.admin.add_fault("raw", method="PUT", status=200, body=page, process=True)
        changed = process.check(checked.inputs, cluster_inputs(description="changed")).inputs
        outs = process.update(cluster_id, outs, changed)  # the cluster took it: said so, not "not changed"
        assert outs["description"] == "changed"
        emu.admin.add_fault("raw", method="DELETE", status=202, body=page, process=True)
        process.delete(cluster_id, outs)
        process.close()
        said = process.stderr()
    assert "could not be read, but the cluster took it" in said
    assert "could not be read, but the service took it" in said
    figures.orphans, figures.duplicates = count_orphans_and_duplicates(emu, [])
    assert emu.admin.clusters() == []


# -- the fourth round: discovery's program, text the SDK cannot send, owners shown on a terminal ----------


@pytest.fixture
def found_here() -> Iterator[RunningEmulator]:
    """An emulator of its own for discovery: only the clusters a scenario makes, AVAILABLE at once."""
    with emulator_thread() as running:
        yield running


def v2(emu: RunningEmulator, method: str, path: str, body: Any = None) -> Any:
    """One request to the emulator's v2 API as curl sends it (a Bearer token, JSON with `\\u` escapes)."""
    answer = requests.request(
        method,
        f"{emu.url}/{path}",
        data=json.dumps(body) if body is not None else None,
        headers={"Authorization": f"Bearer {emu.token}", "Content-Type": "application/json"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json() if answer.content else None


CURL_CREDENTIALS = {"username": "owner", "password": "Curl-Passw0rd!", "database": "app"}


def listed_with(emu: RunningEmulator, **changes: Any) -> str:
    """The region's cluster list as the service sends it, with `changes` made to its one cluster."""
    listing = v2(emu, "GET", "de-fra/clusters")
    (item,) = listing["items"]
    for key, value in changes.items():
        target = item["metadata"] if key == "state" else item
        target[key] = value
    return json.dumps(listing)


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"id": "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2\nimport os; os.system('id')\n#"}, "is not a UUID"),
        ({"state": "AVAILABLE\nimport os; os.system('id')\n#"}, "is none of the API's"),
    ],
    ids=["an id with statements", "a state with statements"],
)
def test_discovery_refuses_an_id_or_a_state_that_would_become_code(
    found_here: RunningEmulator, tmp_path: Path, figures: Scenario, changes: dict[str, str], said: str
) -> None:
    v2(found_here, "POST", "de-fra/clusters", cluster_body("orders"))
    hostile = listed_with(found_here, **changes)
    found_here.admin.add_fault(
        "raw",
        method="GET",
        path="^/clusters$",
        status=200,
        body=hostile,
        contentType="application/json",
        times=None,
    )
    found_here.admin.clear_requests()
    result = discover("--location", "de/fra", "--output", str(tmp_path / "adopted"), env=found_here.env())
    (line,) = result.stderr.splitlines()
    assert result.returncode == 1 and result.stdout == ""
    assert line.startswith("ionos-pg-discover: error: ") and said in line and "no program was written" in line
    assert not (tmp_path / "adopted" / "__main__.py").exists()
    figures.mutating_calls_for_invalid_input = len(found_here.admin.mutating_requests())
    assert figures.mutating_calls_for_invalid_input == 0


def test_discovery_escapes_a_lone_surrogate_and_writes_the_whole_program(
    found_here: RunningEmulator, tmp_path: Path, figures: Scenario
) -> None:
    """The service keeps "\\ud800" in a description; the program says so in an escape it can encode."""
    v2(found_here, "POST", "de-fra/clusters", cluster_body("orders", description="half a pair: \ud800"))
    found_here.admin.clear_requests()
    result = discover("--location", "de/fra", "--output", str(tmp_path / "adopted"), env=found_here.env())
    assert result.returncode == 0, result.stderr
    source = (tmp_path / "adopted" / "__main__.py").read_text(encoding="ascii")
    strings = {n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)}
    assert "half a pair: \\ud800" in strings  # the six characters of the escape, not the surrogate
    assert not list((tmp_path / "adopted").glob("*.partial"))
    figures.mutating_calls_for_invalid_input = len(found_here.admin.mutating_requests())
    assert figures.mutating_calls_for_invalid_input == 0


def test_discovery_leaves_out_a_cluster_being_deleted_and_says_why(
    found_here: RunningEmulator, figures: Scenario
) -> None:
    found_here.admin.set_pace(delete="manual")
    going = v2(found_here, "POST", "de-fra/clusters", cluster_body("going"))["id"]
    kept = v2(found_here, "POST", "de-fra/clusters", cluster_body("kept"))["id"]
    v2(found_here, "DELETE", f"de-fra/clusters/{going}")
    result = discover("--location", "de/fra", env=found_here.env())
    assert result.returncode == 0, result.stderr
    assert (
        f'adopt_existing_id="{kept}"' in result.stdout and f'adopt_existing_id="{going}"' not in result.stdout
    )
    assert f'skipped "going": "{going}" in "de-fra": DESTROYING: it is being deleted' in result.stderr
    assert f'#     "going": "{going}" in "de-fra": DESTROYING' in result.stdout  # listed apart
    figures.orphans, figures.duplicates = count_orphans_and_duplicates(found_here, [going, kept])


def test_discovery_shows_an_owner_with_control_characters_escaped(
    found_here: RunningEmulator, figures: Scenario
) -> None:
    owner = "other/prod/db\x1b[2J\x1b[H\nionos-pg-discover: found 0 cluster(s)\u202e"
    mark = Mark(Owner(owner, "0123456789ab"))  # as a mark is written: the owner's label percent-encoded
    v2(found_here, "POST", "de-fra/clusters", cluster_body("theirs", description=with_marks("x", mark)))
    found_here.admin.clear_requests()
    result = discover("--location", "de/fra", env=found_here.env())
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    (skipped,) = [line for line in result.stderr.splitlines() if "skipped" in line]
    assert "managed by other/prod/db\\x1b[2J\\x1b[H\\nionos-pg-discover: found 0 cluster(s)\\u202e" in skipped
    figures.mutating_calls_for_invalid_input = len(found_here.admin.mutating_requests())
    assert figures.mutating_calls_for_invalid_input == 0


def test_discovered_clusters_whose_names_collide_preview_without_a_duplicate(
    engine: Engine, found_here: RunningEmulator, tmp_path: Path, figures: Scenario
) -> None:
    """`db` in de-fra and in de-txl beside `db-de-fra` in de-fra: one resource name and one password key
    each, and `pulumi preview` of the written program plans three adoptions."""
    made = [
        v2(found_here, "POST", f"{region}/clusters", cluster_body(name, credentials=CURL_CREDENTIALS))["id"]
        for region, name in (("de-fra", "db"), ("de-txl", "db"), ("de-fra", "db-de-fra"))
    ]
    written = discover("--all", "--output", str(tmp_path / "adopted"), env=found_here.env())
    assert written.returncode == 0, written.stderr
    keys = re.findall(r"pulumi config set --secret (\S+) ", written.stderr)
    assert len(set(keys)) == 3
    stack = engine.stack(tmp_path / "adopted", "prod")
    configure(stack, found_here)
    for key in keys:
        engine.set_secret(stack, key, "Adopted-Passw0rd!")
    found_here.admin.clear_requests()
    preview = stack.preview(color="never")
    assert preview.change_summary == {"create": 4}  # the stack and three clusters
    figures.mutating_calls_for_invalid_input = len(found_here.admin.mutating_requests())
    figures.orphans = count_orphans_and_duplicates(found_here, made)[0]  # two named `db` is the input
    assert (figures.mutating_calls_for_invalid_input, figures.orphans) == (0, 0)


def test_adopting_a_cluster_shows_its_owner_with_control_characters_escaped(
    engine: Engine, found_here: RunningEmulator, tmp_path: Path, figures: Scenario
) -> None:
    """The provider's "is managed by ..." refusal names an owner read from a description anybody writes."""
    owner = "other/prod/db\x1b]0;pwned\x07\nerror: forged"
    marked = with_marks("x", Mark(Owner(owner, "0123456789ab")))
    theirs = v2(found_here, "POST", "de-fra/clusters", cluster_body("theirs", description=marked))
    inputs = resource_inputs(name="theirs", adopt_existing_id=theirs["id"])
    stack = engine.stack(cases_project(tmp_path, {"theirs": inputs}), "dev")
    configure(stack, found_here)
    found_here.admin.clear_requests()
    with pytest.raises(auto.CommandError) as refused:
        stack.preview(color="never")
    said = str(refused.value)
    assert "is managed by other/prod/db\\x1b]0;pwned\\x07\\nerror: forged" in said
    assert "\x1b" not in said and "\x07" not in said
    figures.mutating_calls_for_invalid_input = len(found_here.admin.mutating_requests())
    assert figures.mutating_calls_for_invalid_input == 0


def test_a_lone_surrogate_written_outside_pulumi_shows_as_drift_and_up_repairs_it(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, figures: Scenario
) -> None:
    """Before: `pulumi refresh` ended with the SDK's traceback, and `pulumi up` saw no change."""
    stack = engine.stack(cases_project(tmp_path, {"orders": resource_inputs(description="Orders")}), "dev")
    configure(stack, emu)
    stack.up(color="never")
    (cluster,) = emu.admin.clusters()
    properties = v2(emu, "GET", f"de-fra/clusters/{cluster['id']}")["properties"]
    properties["description"] = properties["description"].replace("Orders", "Orders \ud800", 1)  # mark kept
    properties["credentials"]["password"] = PASSWORD
    v2(emu, "PUT", f"de-fra/clusters/{cluster['id']}", {"id": cluster["id"], "properties": properties})
    emu.admin.advance(cluster["id"])
    refreshed = stack.refresh(color="never")
    assert refreshed.summary.resource_changes == {"same": 1, "update": 1}
    deployment = stack.export_stack().deployment
    assert deployment is not None
    (state,) = [r for r in deployment["resources"] if r["type"].endswith("PostgresV2Cluster")]
    assert state["outputs"]["description"] == "Orders \\ud800"  # the escape's six characters: drift shows
    repaired = stack.up(color="never")
    assert repaired.summary.resource_changes == {"same": 1, "update": 1}
    (after,) = emu.admin.clusters()
    assert after["properties"]["description"].startswith("Orders [managed by pulumi")
    figures.orphans, figures.duplicates = count_orphans_and_duplicates(emu, [cluster["id"]])
    stack.destroy(color="never")
    assert (figures.orphans, figures.duplicates) == (0, 0)


def test_the_admin_api_refuses_what_would_stop_the_emulator_serving(
    found_here: RunningEmulator, figures: Scenario
) -> None:
    """A backtracking fault pattern (`^/(a+)+$`) held every request behind the faults' lock; a non-ASCII token
    locked every client out until a restart. Both are a 400 now, and the emulator goes on serving."""
    headers = {"Authorization": f"Bearer {found_here.token}"}
    admin = f"{found_here.url}/_emulator"
    refused = [
        requests.post(
            f"{admin}/faults", json={"action": "drop", "path": "^/(a+)+$"}, headers=headers, timeout=10
        ),
        requests.put(f"{admin}/token", json={"token": "nöt-ascii"}, headers=headers, timeout=10),
    ]
    assert [r.status_code for r in refused] == [400, 400]
    found_here.admin.clear_requests()
    assert (
        requests.get(f"{found_here.url}/de-fra/" + "a" * 64 + "!", headers=headers, timeout=10).status_code
        == 404
    )
    assert v2(found_here, "GET", "de-fra/clusters")["items"] == []
    figures.emulator_5xx = sum(1 for r in found_here.admin.requests() if (r["status"] or 0) >= 500)
    assert figures.emulator_5xx == 0
