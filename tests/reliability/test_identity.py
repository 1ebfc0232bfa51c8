"""One cluster, one resource, through ordinary Pulumi commands as users run them (the real CLI, and the
language host when the machine has one): `up --replace`, `--target-replace`, `state taint`, a
`delete_before_replace` option, a stack rename followed by a new stack of the old name, nested components of
equal names, adoption then a replacement, two resources asking for one name, protection the engine enforces,
and marks that move or look alike.

After each step: no cluster is gone unless the command asked to delete or replace the resource holding it,
no cluster is held twice, and every cluster a state holds exists. Where a command fails, the way its message
gives is followed and works. The reliability table counts, at each refusal, the clusters no state holds and
the names held twice, and the secrets in what the commands printed (the `identity` group).

The model-based test (tests/e2e/identity_model.py) runs here on fixed seeds; its long run is
`python -m tests.e2e.identity_model --steps 500 --seed <n>`.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from scripts.pulumi_project import Engine
from tests.e2e.clusters import Cluster, declare, held, live, project, stack
from tests.e2e.identity_model import EDITS, Broken, run, shortest
from tests.e2e.rows import NEEDS_POSTGRES, ROWS, rows, write_rows
from tests.engine import PASSWORD
from tests.payloads import cluster_properties
from tests.reliability.conftest import Scenario, count_orphans_and_duplicates, count_plaintext
from tests.scripts.processes import killed_once

pytestmark = pytest.mark.e2e


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def emu(e2e_emulator: RunningEmulator) -> RunningEmulator:
    e2e_emulator.admin.reset()
    return e2e_emulator


SHOWN: list[str] = []  # what the commands of the scenario under way printed


def refused(command: object, *args: object, **kwargs: object) -> str:
    """The output of a command that fails, on one line."""
    with pytest.raises(auto.CommandError) as caught:
        command(*args, **kwargs)  # type: ignore[operator]
    SHOWN.append(str(caught.value))
    return flat(str(caught.value))


def cli(engine: Engine, made: auto.Stack, *args: str, check: bool = True) -> str:
    done = engine.cli(*args, "--stack", made.name, cwd=Path(made.workspace.work_dir), check=check)
    SHOWN.append(done.stdout + done.stderr)
    return flat(done.stdout + done.stderr)


@pytest.fixture
def tally(figures: Scenario, engine: Engine) -> Iterator[Tally]:
    SHOWN.clear()
    counted = Tally(figures, engine)
    yield counted
    figures.plaintext_secrets = count_plaintext(SHOWN, [PASSWORD, *counted.tokens])


class Tally:
    """The scenario's figures: the worst seen at any point it counts."""

    def __init__(self, figures: Scenario, engine: Engine) -> None:
        self.figures, self.engine, self.tokens = figures, engine, set[str]()

    def count(self, emu: RunningEmulator, *stacks: auto.Stack, by_hand: tuple[str, ...] = ()) -> None:
        self.tokens.add(emu.token)
        tracked = [h.cluster_id for made in stacks for h in held(self.engine, made)] + list(by_hand)
        orphans, duplicates = count_orphans_and_duplicates(emu, tracked)
        self.figures.orphans = max(self.figures.orphans, orphans)
        self.figures.duplicates = max(self.figures.duplicates, duplicates)


def test_a_forced_replacement_never_deletes_the_cluster_the_state_holds(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, tally: Tally
) -> None:
    """Cases 1 and 2 of issue 27: `up --replace`, `--target-replace`, `state taint` and a
    `delete_before_replace` option all check the resource once, with no history; the check finds a cluster
    with this resource's identity that no note proves, and the preview stops with nothing deleted."""
    dev = stack(engine, emu, project(tmp_path / "p", "forced"), "dev")
    declare(dev, [Cluster("db", "orders-db")])
    dev.up(color="never")
    (first,) = held(engine, dev)

    said = refused(dev.up, color="never", replace=[first.urn])
    assert "carries this resource's identity" in said and "`pulumi up --replace`" in said
    said = cli(engine, dev, "up", "--yes", "--target-replace", first.urn, check=False)
    assert "carries this resource's identity" in said
    cli(engine, dev, "state", "taint", first.urn, "--yes")
    said = refused(dev.up, color="never")
    assert "`pulumi state untaint`" in said
    cli(engine, dev, "state", "untaint", first.urn, "--yes")  # the way the message gives
    declare(dev, [Cluster("db", "orders-db", delete_before_replace=True)])
    assert refused(dev.up, color="never", replace=[first.urn]).count("carries this resource's identity")
    assert held(engine, dev) == [first] and live(emu) == {first.cluster_id}
    tally.count(emu, dev)
    assert dev.up(color="never").summary.resource_changes == {"same": 2}

    # asked for in words: an empty new cluster, and the engine deletes the old one
    declare(dev, [Cluster("db", "orders-db", args={"allow_empty_replacement": True})])
    dev.up(color="never", replace=[first.urn])
    (now,) = held(engine, dev)
    assert now.cluster_id != first.cluster_id and live(emu) == {now.cluster_id}
    tally.count(emu, dev)

    # protected (case 2): even an empty replacement asked for in words is refused by the engine at preview;
    # the state never holds the cluster twice (the resource and a pending delete)
    guarded = {"deletion_protection": True, "allow_empty_replacement": True}
    declare(dev, [Cluster("db", "orders-db", args=guarded)])
    dev.up(color="never")
    said = refused(dev.up, color="never", replace=[now.urn])
    assert "marked for protection" in said
    assert [h.cluster_id for h in held(engine, dev)] == [now.cluster_id] and live(emu) == {now.cluster_id}
    assert dev.up(color="never").summary.resource_changes == {"same": 2}
    declare(dev, [Cluster("db", "orders-db", args={"deletion_protection": False})])
    dev.up(color="never")
    dev.destroy(color="never")
    assert live(emu) == set()


def test_a_new_stack_of_a_renamed_stacks_old_name_takes_nothing(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, tally: Tally
) -> None:
    """Case 3: `stack rename prod` on dev, then `stack init dev`, `up`, `destroy`: the new dev must neither
    take prod's cluster (whose mark still names dev) nor delete it."""
    where = project(tmp_path / "p", "renamed")
    dev = stack(engine, emu, where, "dev")
    declare(dev, [Cluster("db", "orders-db")])
    dev.up(color="never")
    (theirs,) = held(engine, dev)
    cli(engine, dev, "stack", "rename", "prod")
    prod = engine.stack(where, "prod")

    again = stack(engine, emu, where, "dev")
    declare(again, [Cluster("db", "orders-db")])
    said = refused(again.up, color="never")
    assert "If another stack holds it (a stack renamed away" in said and theirs.cluster_id in said
    again.destroy(color="never")  # holds nothing: deletes nothing
    assert live(emu) == {theirs.cluster_id}
    tally.count(emu, prod, again)
    # the way the message gives: `pulumi up` in the renamed stack (it marks the cluster as prod's), then a
    # cluster name of this stack's own
    renamed = prod.up(color="never")
    assert renamed.summary.resource_changes == {"same": 1, "update": 1}
    assert "/prod/db #" in emu.admin.clusters()[0]["properties"]["description"]
    declare(again, [Cluster("db", "orders-db-2")])
    again.up(color="never")
    (ours,) = held(engine, again)
    again.destroy(color="never")
    assert live(emu) == {theirs.cluster_id} and ours.cluster_id != theirs.cluster_id
    assert prod.up(color="never").summary.resource_changes == {"same": 2}
    assert [h.cluster_id for h in held(engine, prod)] == [theirs.cluster_id]
    prod.destroy(color="never")
    assert live(emu) == set()


def test_nested_components_of_equal_names_and_one_name_asked_twice(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, tally: Tally
) -> None:
    """Cases 4 and 6: `Prod` and `Staging` each hold an `App("orders")` holding `PostgresV2Cluster("db")`; two
    resources of one program asking for one cluster name at the same moment are refused as in sequence."""
    dev = stack(engine, emu, project(tmp_path / "p", "nested"), "dev")
    both = [
        Cluster("db", "orders-db", parents=[(kind, "env"), ("App", "orders")]) for kind in ("Prod", "Staging")
    ]
    declare(dev, both)
    said = cli(engine, dev, "up", "--yes", check=False)  # as users run it: the preview stops it all
    assert "'orders-db' is also asked for in de-fra by another resource of this program" in said
    assert live(emu) == set()
    tally.count(emu, dev)
    declare(dev, [Cluster("a", "orders-db"), Cluster("b", "orders-db")])
    assert "is also asked for" in refused(dev.preview, color="never")
    # without a preview (`up --skip-preview`, as the Automation API runs it) the second is refused as it is
    # one after the other: one cluster, held by its resource
    said = refused(dev.up, color="never")
    assert "is also asked for" in said or "is being created by another resource" in said or "is taken" in said
    (one,) = held(engine, dev)
    assert live(emu) == {one.cluster_id}
    tally.count(emu, dev)
    dev.destroy(color="never")

    both[1].name = "staging-orders-db"  # the way the message gives: another name
    declare(dev, both)
    dev.up(color="never")
    clusters = held(engine, dev)
    assert len(clusters) == 2 and live(emu) == {c.cluster_id for c in clusters}
    marks = {c["properties"]["description"].split("#")[1][:12] for c in emu.admin.clusters()}
    assert len(marks) == 2  # two identities, though the digest once named only the parent
    dev.destroy(color="never")
    assert live(emu) == set()


@NEEDS_POSTGRES
def test_an_adopted_cluster_replaced_by_a_restore_is_never_taken_back(
    engine: Engine, tmp_path: Path, pg_data_dir: Path, tally: Tally
) -> None:
    """Case 5: adopt a cluster made with curl, then change what replaces it (a new name and a source backup):
    the new resource's create must not read adopt_existing_id again and take the old cluster; the new
    cluster is the restore, with the old one's rows."""
    with emulator_thread(postgres=True, data_dir=pg_data_dir, paces=Paces.parse("1s")) as emu:
        credentials = {"username": "orders", "password": PASSWORD, "database": "orders"}
        made = requests.post(
            f"{emu.url}/de-fra/clusters",
            json={"properties": cluster_properties(name="legacy-db", version="16", credentials=credentials)},
            headers={"Authorization": f"Bearer {emu.token}"},
            timeout=30,
        ).json()
        emu.admin.advance(made["id"])
        dev = stack(engine, emu, project(tmp_path / "p", "adopted"), "dev")
        adopt = {"adopt_existing_id": made["id"]}
        declare(dev, [Cluster("db", "legacy-db", args=adopt)])
        dev.up(color="never")
        assert [h.cluster_id for h in held(engine, dev)] == [made["id"]]
        write_rows(uri_of(emu, made["id"]))
        (backup,) = emu.backups_of(made["id"])
        restored = {**adopt, "restore_from_backup": {"source_backup_id": backup["id"]}}
        declare(dev, [Cluster("db", "restored-db", args=restored)])
        dev.up(color="never")
        (now,) = held(engine, dev)
        assert now.cluster_id != made["id"] and live(emu) == {now.cluster_id}
        assert rows(uri_of(emu, now.cluster_id)) == ROWS  # the restore ran
        # adopt_existing_id stays in the program (as `ionos-pg-discover` writes it): a forced replacement now
        said = refused(dev.up, color="never", replace=[now.urn])
        assert "carries this resource's identity" in said and live(emu) == {now.cluster_id}
        tally.count(emu, dev)
        dev.destroy(color="never")
        assert live(emu) == set()


def killed_mid_create(engine: Engine, made: auto.Stack, emu: RunningEmulator) -> str:
    """`pulumi up` killed (the CLI, the program and the provider at once) while its cluster provisions, then
    the user's recovery as the CLI advises it (`pulumi cancel`, `pulumi refresh`); the cluster's id."""
    work_dir = Path(made.workspace.work_dir)
    emu.admin.set_pace(create="manual")
    up = [str(engine.pulumi), "up", "--yes", "--non-interactive", "--stack", made.name]
    job = killed_once(up, lambda: bool(emu.admin.clusters()), cwd=work_dir, env=engine.env())
    for process in job:  # what a CI runner ends with its job (the CLI starts plugins in groups of their own)
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
    (cluster,) = emu.admin.clusters()
    emu.admin.set_pace(create="1s")  # as the module's emulator runs (tests/engine.py PACE)
    emu.admin.advance(cluster["id"])
    engine.cli("cancel", "--yes", "--stack", made.name, cwd=work_dir)
    made.refresh(color="never")
    return str(cluster["id"])


def test_a_cluster_adopted_after_a_killed_create_is_never_taken_by_a_forced_replacement(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, tally: Tally
) -> None:
    """Found by an attack: a killed create leaves this machine's note of its cluster; the user adopts the
    cluster (adopt_existing_id), so a state holds it. The old note must prove nothing after that: a
    `pulumi up --replace` that took the cluster as 'made by an interrupted attempt' would hand it to the new
    resource, and the engine would then delete it as the old one's."""
    dev = stack(engine, emu, project(tmp_path / "p", "adoptkilled"), "dev")
    declare(dev, [Cluster("db", "orders-db")])
    cluster_id = killed_mid_create(engine, dev, emu)
    assert held(engine, dev) == [] and live(emu) == {cluster_id}
    declare(dev, [Cluster("db", "orders-db", args={"adopt_existing_id": cluster_id})])
    dev.up(color="never")
    (adopted,) = held(engine, dev)
    assert adopted.cluster_id == cluster_id

    said = refused(dev.up, color="never", replace=[adopted.urn])
    assert "carries this resource's identity" in said and "Nothing was created or deleted" in said
    assert held(engine, dev) == [adopted] and live(emu) == {cluster_id}
    tally.count(emu, dev)
    said = cli(engine, dev, "up", "--yes", "--skip-preview", "--replace", adopted.urn, check=False)
    assert "carries this resource's identity" in said  # the create stops where no preview did
    assert held(engine, dev) == [adopted] and live(emu) == {cluster_id}
    assert dev.up(color="never").summary.resource_changes == {"same": 2}
    dev.destroy(color="never")
    assert live(emu) == set()


def uri_of(emu: RunningEmulator, cluster_id: str) -> str:
    (cluster,) = [c for c in emu.admin.clusters() if c["id"] == cluster_id]
    return f"postgresql://orders:{quote(PASSWORD, safe='')}@{cluster['dnsName']}:5432/orders"


def test_protection_fails_destroy_and_removal_at_preview_and_turns_off_with_up(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, tally: Tally
) -> None:
    """Case 7: `deletion_protection=True` makes the resource protected for the engine: `destroy` and removing
    it from the program fail at preview, before the unprotected clusters are deleted either."""
    dev = stack(engine, emu, project(tmp_path / "p", "protected"), "dev")
    guarded = Cluster("guarded", "guarded-db", args={"deletion_protection": True})
    loose = Cluster("loose", "loose-db")
    declare(dev, [guarded, loose])
    dev.up(color="never")
    before = live(emu)
    assert {h.protected for h in held(engine, dev)} == {True, False}
    said = cli(engine, dev, "destroy", "--yes", check=False)  # as users run it: with its preview
    assert "cannot be deleted because it is protected" in said
    assert live(emu) == before  # not even the unprotected one
    declare(dev, [loose])
    assert "protected" in refused(dev.preview, color="never")
    assert "protected" in cli(engine, dev, "up", "--yes", check=False)
    assert live(emu) == before
    tally.count(emu, dev)
    guarded.args = {"deletion_protection": False}  # turned off in the program, and `pulumi up`
    declare(dev, [guarded, loose])
    dev.up(color="never")
    assert {h.protected for h in held(engine, dev)} == {False}
    dev.destroy(color="never")
    assert live(emu) == set()


def test_marks_stay_marks_and_a_users_text_never_reads_as_one(
    engine: Engine, emu: RunningEmulator, tmp_path: Path, tally: Tally
) -> None:
    """Case 8: a mark followed by text typed in the console is still a mark (no second stack adopts the
    cluster); a user's description that reads as a mark is refused at preview; the console shows names as
    written."""
    dev = stack(engine, emu, project(tmp_path / "p", "marks"), "dev")
    declare(dev, [Cluster("orders db", "orders-db", args={"description": "Orders"})])
    dev.up(color="never")
    (cluster,) = emu.admin.clusters()
    description = cluster["properties"]["description"]
    assert "/dev/orders db #" in description and "%20" not in description
    typed = {key: value for key, value in cluster["properties"].items() if key != "credentials"}
    typed["description"] = description + " (checked by ops)"
    answered = requests.put(
        f"{emu.url}/de-fra/clusters/{cluster['id']}",
        json={"id": cluster["id"], "properties": typed},
        headers={"Authorization": f"Bearer {emu.token}"},
        timeout=30,
    )
    assert answered.ok, answered.text
    emu.admin.advance(cluster["id"])

    other = stack(engine, emu, project(tmp_path / "q", "marks-other"), "dev")
    declare(other, [Cluster("db", "orders-db", args={"adopt_existing_id": cluster["id"]})])
    said = refused(other.preview, color="never")
    assert f"cluster {cluster['id']} is managed by marks/dev/orders db #" in said
    declare(other, [Cluster("db", "other-db", args={"description": "Orders DB [managed by pulumi: team-a]"})])
    said = refused(other.preview, color="never")
    assert "description" in said and "reads as the mark this provider writes" in said
    tally.count(emu, dev, other)

    refreshed = dev.refresh(color="never")
    assert refreshed.summary.resource_changes == {"same": 1, "update": 1}  # the typed text shows as drift
    dev.up(color="never")  # and the program's description is applied again, mark and all
    (after,) = emu.admin.clusters()
    assert after["properties"]["description"].startswith("Orders [managed by pulumi: marks/dev/orders db #")
    dev.destroy(color="never")
    assert live(emu) == set()


@pytest.mark.parametrize("seed", (1, 3, 7))
def test_no_sequence_of_edits_and_commands_breaks_an_invariant(
    engine: Engine, tmp_path: Path, tally: Tally, seed: int
) -> None:
    """The model-based test on a fixed seed: 30 random edits and commands, every invariant checked after each
    command (tests/e2e/identity_model.py); a broken one is reported with the shortest sequence found."""
    try:
        taken = run(engine, None, 30, seed, tmp_path)
    except Broken as broken:
        smallest = shortest(engine, broken.steps, tmp_path, budget=300)
        pytest.fail(f"seed {seed}: {broken}\nshortest failing sequence: {[str(s) for s in smallest]}")
    assert any(step.kind not in EDITS for step in taken)
