"""A model-based test of "one cluster, one resource" through the real engine.

Random sequences of program edits and CLI commands (`up`, `up --replace`, `preview`, `destroy`, `refresh`,
`stack rename`, `stack init` of an old name, adding, removing and nesting resources, toggling protection,
adopting, a change that replaces) on one to three resources in one or two stacks, against the emulator. After
every command it checks:

(a) no cluster is gone unless the command asked to delete or replace the resource holding it and it was
    unprotected;
(b) no cluster is held by two resources (or twice by one), in any stack;
(c) after a command that succeeded, every cluster a state holds exists;
(d) after a command that failed, the way its message gives works (the model follows it, and the command or
    `pulumi up` then succeeds);
(e) every cluster is held by a state, or was made by hand.

It prints the seed and, on a broken invariant, the shortest failing sequence it finds (one step at a time
taken out while the failure stays). `python -m tests.e2e.identity_model --steps 500 --seed 7` is the long run
(docs/reliability.md); tests/e2e/test_identity_model.py runs fixed seeds in `./scripts/test`.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import random
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from scripts.pulumi_project import Engine
from tests.e2e.clusters import CLUSTER_TYPE, Cluster, declare, held, live, project, release, stack
from tests.payloads import cluster_properties

STACK_NAMES = ("dev", "prod")
EDITS = ("add", "remove", "nest", "protect", "allow_empty", "replace_field", "adopt", "rename_cluster")
RESOURCE_NAMES = ("a", "b", "c")


@dataclass
class Step:
    """One step of a sequence: an edit of a stack's program, or a command on a stack."""

    kind: str
    stack: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.arguments.items())
        return f"{self.kind}({self.stack}{', ' + shown if shown else ''})"


class Broken(AssertionError):
    """An invariant did not hold after a step; `steps`: the sequence that led there."""

    def __init__(self, message: str, steps: list[Step] | None = None) -> None:
        super().__init__(message)
        self.steps = steps or []


@dataclass
class StackModel:
    handle: auto.Stack
    program: list[Cluster] = field(default_factory=list)


class World:
    """The emulator, one project, its stacks and their programs, and the clusters made by hand."""

    def __init__(self, engine: Engine, emu: RunningEmulator, where: Path) -> None:
        self.engine, self.emu = engine, emu
        self.project = project(where / "model", f"model-{secrets.token_hex(3)}")
        self.stacks: dict[str, StackModel] = {}
        self.by_hand: set[str] = set()
        self.replaced: set[str] = set()  # urns a `--replace` or a taint asks to replace
        self.followed: list[str] = []  # the ways forward the model took

    def stack(self, name: str) -> StackModel:
        if name not in self.stacks:
            self.stacks[name] = StackModel(stack(self.engine, self.emu, self.project, name))
            declare(self.stacks[name].handle, [])
        return self.stacks[name]

    def holdings(self) -> dict[str, list[tuple[str, str, bool, bool]]]:
        """Cluster id -> (stack, urn, pending delete, protected) of every state that holds it."""
        found: dict[str, list[tuple[str, str, bool, bool]]] = {}
        for name, model in self.stacks.items():
            for h in held(self.engine, model.handle):
                found.setdefault(h.cluster_id, []).append((name, h.urn, h.pending_delete, h.protected))
        return found

    def urn_of(self, name: str, cluster: Cluster) -> str:
        kinds = "".join(f"test:index:{kind}$" for kind, _ in cluster.parents)
        project_name = self.stacks[name].handle.workspace.project_settings().name
        return f"urn:pulumi:{name}::{project_name}::{kinds}{CLUSTER_TYPE}::{cluster.resource}"


def make_by_hand(world: World) -> str:
    """A cluster made with curl, for a program to adopt."""
    name = f"hand-{secrets.token_hex(2)}"
    made = requests.post(
        f"{world.emu.url}/de-fra/clusters",
        json={"properties": cluster_properties(name=name, version="16")},
        headers={"Authorization": f"Bearer {world.emu.token}"},
        timeout=30,
    ).json()
    world.emu.admin.advance(made["id"])
    world.by_hand.add(made["id"])
    return str(made["id"])


def renamed(name: str) -> str:
    return f"{name.split('-x', maxsplit=1)[0]}-x{secrets.token_hex(2)}"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- the steps


def next_step(rng: random.Random, world: World) -> Step:
    """A step the model may take now, at random."""
    names = list(world.stacks) or ["dev"]
    name = rng.choice(names)
    program = world.stacks[name].program if name in world.stacks else []
    edits = ["add"] if len(program) < 3 else []
    if program:
        edits += [edit for edit in EDITS if edit != "add"]
    commands = ["up", "up", "up", "preview", "refresh", "destroy"]
    in_the_state = (
        {h.urn for h in held(world.engine, world.stacks[name].handle)} if name in world.stacks else set()
    )
    replaceable = [c.resource for c in program if world.urn_of(name, c) in in_the_state]
    if replaceable:
        commands += ["up_replace", "taint"]
    if name in world.stacks and len(world.stacks) == 1:
        commands += ["stack_rename"]
    kind = rng.choice(edits + commands)
    arguments: dict[str, Any] = {}
    if kind == "add":
        free = [r for r in RESOURCE_NAMES if r not in {c.resource for c in program}]
        arguments = {"resource": rng.choice(free), "name": rng.choice(["orders-db", "pay-db", "stock-db"])}
    elif kind in EDITS:
        arguments = {"resource": rng.choice(program).resource}
        if kind == "adopt":
            arguments["whose"] = rng.choice(["by hand", "another stack's", "its own"])
    elif kind in ("up_replace", "taint"):
        arguments = {"resource": rng.choice(replaceable)}
    elif kind == "stack_rename":
        arguments = {"to": next(n for n in STACK_NAMES if n != name), "init_old_name": rng.random() < 0.7}
    return Step(kind, name, arguments)


def cluster_of(world: World, name: str, resource: str) -> Cluster | None:
    return next((c for c in world.stacks[name].program if c.resource == resource), None)


def apply_edit(world: World, step: Step) -> bool:
    """Edits change the program only; True when the step was an edit."""
    model = world.stack(step.stack)
    target = cluster_of(world, step.stack, step.arguments.get("resource", ""))
    if step.kind == "add":
        model.program.append(Cluster(step.arguments["resource"], step.arguments["name"]))
    elif step.kind == "remove" and target:
        model.program.remove(target)
    elif step.kind == "nest" and target:
        target.parents = [] if target.parents else [("App", "orders")]
    elif step.kind == "protect" and target:
        target.args["deletion_protection"] = not target.args.get("deletion_protection", False)
    elif step.kind == "allow_empty" and target:
        target.args["allow_empty_replacement"] = not target.args.get("allow_empty_replacement", False)
    elif step.kind == "replace_field" and target:
        backup = target.args.get("backup_location", "eu-central-3")
        target.args["backup_location"] = "de" if backup == "eu-central-3" else "eu-central-3"
    elif step.kind == "rename_cluster" and target:
        target.name = renamed(target.name)
    elif step.kind == "adopt" and target:
        target.args["adopt_existing_id"] = adoptable(world, step)
    else:
        return step.kind in EDITS
    declare(model.handle, model.program)
    return True


def adoptable(world: World, step: Step) -> str:
    whose = step.arguments.get("whose")
    holdings = world.holdings()
    if whose == "another stack's":
        theirs = [cid for cid, holders in holdings.items() if any(s != step.stack for s, *_ in holders)]
        if theirs:
            return theirs[0]
    if whose == "its own":
        ours = [cid for cid, holders in holdings.items() if any(s == step.stack for s, *_ in holders)]
        if ours:
            return ours[0]
    return make_by_hand(world)


def run_command(world: World, step: Step) -> str | None:
    """The command, as a user runs it; None when it succeeded, else what it said."""
    model = world.stack(step.stack)
    try:
        if step.kind == "up":
            model.handle.up(color="never")
        elif step.kind == "preview":
            model.handle.preview(color="never")
        elif step.kind == "refresh":
            model.handle.refresh(color="never")
        elif step.kind == "destroy":
            model.handle.destroy(color="never")
        elif step.kind in ("up_replace", "taint"):
            return replace(world, step, model)
        elif step.kind == "stack_rename":
            return rename(world, step)
    except auto.CommandError as error:
        return flat(str(error))
    if step.kind in ("up", "destroy"):
        world.replaced = set()  # the replacement a taint asked for is done (or its resource gone)
    return None


def replace(world: World, step: Step, model: StackModel) -> str | None:
    target = cluster_of(world, step.stack, step.arguments["resource"])
    if target is None:
        return None
    urn = world.urn_of(step.stack, target)
    world.replaced = {urn}  # until an `up` replaces it (or an untaint)
    if step.kind == "taint":
        tainted = world.engine.cli(
            "state", "taint", urn, "--yes", "--stack", step.stack, cwd=world.project, check=False
        )
        if tainted.returncode != 0:
            return None  # not in the state (never made, or removed): nothing to taint
    try:
        if step.kind == "taint":
            model.handle.up(color="never")
        else:
            model.handle.up(color="never", replace=[urn])
    except auto.CommandError as error:
        if step.kind == "up_replace":
            world.replaced = set()  # asked for once, on the command line
        return flat(str(error))
    world.replaced = set()
    return None


def rename(world: World, step: Step) -> str | None:
    """`pulumi stack rename`, then (mostly) `pulumi stack init` of the old name with the same program."""
    old, new = step.stack, step.arguments["to"]
    world.engine.cli("stack", "rename", new, "--stack", old, cwd=world.project)
    model = world.stacks.pop(old)
    model.handle = world.engine.stack(world.project, new)
    world.stacks[new] = model
    if step.arguments.get("init_old_name"):
        again = world.stack(old)
        again.program = copy.deepcopy(model.program)
        declare(again.handle, again.program)
    return None


# --- the invariants


@dataclass
class Before:
    live: set[str]
    holdings: dict[str, list[tuple[str, str, bool, bool]]]
    asked: set[tuple[str, str]]  # (stack, urn) of the resources the command asks to delete or replace


def observe(world: World, step: Step) -> Before:
    """The world before a command, and which resources the command asks to delete or replace: all of the
    stack's for `destroy`; for `up`, those gone from the program (or moved), those whose change replaces
    them, and the one `--replace` or a taint names."""
    holdings, asked = world.holdings(), set()
    model = world.stacks.get(step.stack)
    if model is not None and step.kind in ("destroy", "up", "up_replace", "taint"):
        backups = {c["id"]: c["properties"]["backup"]["location"] for c in world.emu.admin.clusters()}
        wanted = {world.urn_of(step.stack, c): c for c in model.program}
        forced = world.replaced | {
            u for u, c in wanted.items() if step.kind != "up" and c.resource == step.arguments.get("resource")
        }
        for cluster_id, holders in holdings.items():
            for name, urn, _, _ in holders:
                program = wanted.get(urn)
                if name != step.stack:
                    continue
                if (
                    step.kind == "destroy"
                    or program is None
                    or urn in forced
                    or program.args.get("backup_location", "eu-central-3") != backups.get(cluster_id)
                ):
                    asked.add((name, urn))
    return Before(live(world.emu), holdings, asked)


def check(world: World, step: Step, before: Before, failure: str | None) -> None:
    after_live, holdings = live(world.emu), world.holdings()
    for cluster_id, holders in holdings.items():
        if len(holders) > 1:
            raise Broken(f"(b) cluster {cluster_id} is held by {len(holders)}: {holders}")
        if failure is None and not holders[0][2] and cluster_id not in after_live:
            raise Broken(f"(c) {holders[0][0]} holds cluster {cluster_id}, which does not exist")
    for cluster_id in before.live - after_live:
        holders = before.holdings.get(cluster_id) or []
        # a pending delete is the rest of a replacement asked for earlier, which every `up` carries on
        if not any(
            ((name, urn) in before.asked or (pending and step.kind != "refresh")) and not protected
            for name, urn, pending, protected in holders
        ):
            raise Broken(f"(a) cluster {cluster_id} is gone after {step}; it was held by {holders}")
    orphans = after_live - set(holdings) - world.by_hand
    if orphans:
        raise Broken(f"(e) clusters no state holds: {sorted(orphans)}")


# --- the ways forward (d)


def new_names(world: World, model: StackModel, said: str) -> str | None:
    for cluster in model.program:
        cluster.name = renamed(cluster.name)  # names of their own
    return None


def whose_it_is(world: World, model: StackModel, said: str) -> str | None:
    """A cluster with this resource's identity that nothing proves: the message names three cases and their
    ways; the model knows which case holds, and takes its way."""
    # the cluster the refusal is about, not another the output names (a warning that an adopted id is gone)
    named = re.search(r"cluster ([0-9a-f-]{36})(?: \([^)]*\))?(?: in \S+)? carries this resource's", said)
    cluster_id = named.group(1) if named else None
    holders = world.holdings().get(cluster_id or "", [])
    name = model.handle.name
    if any(holder == name for holder, *_ in holders):  # this stack's: undo the forced replacement
        for urn in world.replaced:
            world.engine.cli(
                "state", "untaint", urn, "--yes", "--stack", name, cwd=world.project, check=False
            )
        world.replaced = set()
        not_adopted(world, model, said)
    elif holders:  # a renamed stack's: its `pulumi up` first, then a name of this stack's own
        for other in world.stacks.values():
            if other is not model:
                with contextlib.suppress(auto.CommandError):
                    other.handle.up(color="never")
        new_names(world, model, said)
    elif cluster_id:  # nobody's: the mark taken out of its description, then adopted
        release(world.emu, cluster_id)
        (cluster,) = [c for c in world.emu.admin.clusters() if c["id"] == cluster_id]
        taker = next((c for c in model.program if c.name == cluster["name"]), model.program[0])
        taker.args["adopt_existing_id"] = cluster_id
    return None


def protection_off_first(world: World, model: StackModel, said: str) -> str | None:
    """Protection off in a `pulumi up` of its own (the replacing change undone meanwhile), then the change;
    what that `pulumi up` said when it failed."""
    wanted = copy.deepcopy(model.program)
    held_ids = {h.urn: h.cluster_id for h in held(world.engine, model.handle)}
    backups = {c["id"]: c["properties"]["backup"]["location"] for c in world.emu.admin.clusters()}
    for cluster in model.program:
        cluster.args["deletion_protection"] = False
        cluster_id = held_ids.get(world.urn_of(model.handle.name, cluster), "")
        if cluster_id in backups:  # the change that replaces it undone; a resource not made yet keeps its own
            cluster.args["backup_location"] = backups[cluster_id]
    declare(model.handle, model.program)
    try:
        model.handle.up(color="never")
    except auto.CommandError as error:
        return flat(str(error))
    for cluster in wanted:
        cluster.args["deletion_protection"] = False
    model.program[:] = wanted
    return None


def unprotected(world: World, model: StackModel, said: str) -> str | None:
    """As the engine says: the protect flag off in the program, or `pulumi state unprotect`."""
    for cluster in model.program:
        cluster.args["deletion_protection"] = False
    name = model.handle.name
    for holders in world.holdings().values():
        for holder, urn, _, protected in holders:
            if holder == name and protected:
                world.engine.cli("state", "unprotect", urn, "--yes", "--stack", name, cwd=world.project)
    return None


def adopted_as_it_is(world: World, model: StackModel, said: str) -> str | None:
    """The adopted cluster's own backup location, as the refusal says."""
    backups = {c["id"]: c["properties"]["backup"]["location"] for c in world.emu.admin.clusters()}
    for cluster in model.program:
        if cluster.args.get("adopt_existing_id") in backups:
            cluster.args["backup_location"] = backups[cluster.args["adopt_existing_id"]]
    return None


def not_adopted(world: World, model: StackModel, said: str) -> str | None:
    for cluster in model.program:
        cluster.args.pop("adopt_existing_id", None)
    return None


# What a message says to do, by the words it says it with: the first that matches is followed.
WAYS_FORWARD = [
    (("is also asked for in", "is taken in", "is being created by another"), new_names),
    (("carries this resource's identity", "carries this resource's own mark"), whose_it_is),
    (("in its own `pulumi up`", "in a `pulumi up` of its own first"), protection_off_first),
    (("protected", "protection"), unprotected),
    (("adopt it with its own backup_location",), adopted_as_it_is),
    (("two resources must not manage one cluster",), not_adopted),
]


def follow_the_way(world: World, step: Step, said: str) -> None:
    """Do what the failure's message says, then run the command (or `pulumi up`) again, as often as each
    failure brings a new message: the same way twice, or a message with no way the model knows, is broken."""
    model = world.stacks.get(step.stack)
    if model is None:
        raise Broken(f"(d) {step} failed for a stack that does not exist: {said[-400:]}")
    retried = Step("destroy" if step.kind == "destroy" else "up", step.stack)
    taken: list[Callable[[World, StackModel, str], str | None]] = []
    failure: str | None = said
    while failure is not None:
        way = next((w for words, w in WAYS_FORWARD if any(word in failure for word in words)), None)
        if way is None:
            raise Broken(f"(d) {step} failed and its message names no way the model knows: {failure[-600:]}")
        if way in taken:
            raise Broken(f"(d) after {[w.__name__ for w in taken]}, {retried} failed again: {failure[-600:]}")
        taken.append(way)
        world.followed.append(f"{step}: {way.__name__}")
        own = way(world, model, failure)  # a command of its own may fail: its message is followed next
        declare(model.handle, model.program)
        if own is not None:
            failure = own
            continue
        before = observe(world, retried)
        failure = run_command(world, retried)
        check(world, retried, before, failure)


# --- running, and shrinking


def run(engine: Engine, steps: list[Step] | None, count: int, seed: int, where: Path) -> list[Step]:
    """Run `steps` (or `count` random ones from `seed`) in a fresh world; the steps taken. Raises Broken."""
    rng, taken = random.Random(seed), []
    with emulator_thread(paces=Paces.parse("immediate")) as emu:
        world = World(engine, emu, where)
        for index in range(len(steps) if steps is not None else count):
            step = steps[index] if steps is not None else next_step(rng, world)
            taken.append(step)
            try:
                if apply_edit(world, step):
                    continue
                before = observe(world, step)
                said = run_command(world, step)
                check(world, step, before, said)
                if said is not None:
                    follow_the_way(world, step, said)
            except Broken as broken:
                raise Broken(f"{broken}\n  after steps: {[str(s) for s in taken]}", taken) from None
    return taken


def shortest(engine: Engine, steps: list[Step], where: Path, budget: float) -> list[Step]:
    """Steps taken out one at a time while the sequence still breaks an invariant, within `budget` seconds."""
    deadline, index = time.monotonic() + budget, len(steps) - 1
    while index >= 0 and time.monotonic() < deadline:
        trial = steps[:index] + steps[index + 1 :]
        try:
            run(engine, trial, len(trial), 0, Path(tempfile.mkdtemp(dir=where)))
        except Broken:
            steps = trial
        except Exception as exc:  # a sequence the world cannot take without that step: keep the step
            print(f"  (keeping {steps[index]}: without it, {type(exc).__name__})", flush=True)
        index -= 1
    return steps


@contextlib.contextmanager
def engine_here() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="identity-model-") as backend:
        yield Engine.prepare(Path(backend) / "backend", secrets.token_urlsafe(16))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.e2e.identity_model", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=secrets.randbelow(10**6))
    parser.add_argument("--shrink-seconds", type=float, default=1800.0)
    options = parser.parse_args(argv)
    print(f"identity model: seed {options.seed}, {options.steps} steps", flush=True)
    started = time.monotonic()
    with engine_here() as engine, tempfile.TemporaryDirectory(prefix="identity-model-worlds-") as where:
        try:
            taken = run(engine, None, options.steps, options.seed, Path(where))
        except Broken as broken:
            print(f"BROKEN with seed {options.seed}: {broken}", flush=True)
            smallest = shortest(engine, broken.steps, Path(where), options.shrink_seconds)
            print(f"shortest failing sequence ({len(smallest)} steps): {[str(s) for s in smallest]}")
            return 1
    minutes = (time.monotonic() - started) / 60
    commands = sum(1 for s in taken if s.kind not in EDITS)
    print(
        f"identity model: seed {options.seed}: {len(taken)} steps ({commands} commands) in "
        f"{minutes:.1f} min, 0 broken invariants"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
