"""The third hardening round, through `pulumi up` as users run it: tracking that survives any resource name
and any description, secrets made by the program itself hidden in every spelling, and odd answers to a PUT or
a DELETE checked against the cluster instead of guessed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from ionos_postgres_pulumi.provider.api.redaction import secret_spellings
from scripts.pulumi_project import Engine, write_project
from tests.engine import configure
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
