"""The main job, offline: start the emulator, `pulumi up` the root program, print its dnsName, and (with
PostgreSQL installed) ask the new cluster `select version()` through the stack's connection URI.

Run through ./scripts/demo, which prepares the virtual environment first. `--down` destroys the
stack and stops the emulator; `--check` asks the running demo's cluster `select 1`. Everything the demo
keeps is under .demo/ (ignored by git), except the stack's settings file Pulumi.local.yaml, which Pulumi
keeps beside Pulumi.yaml: it holds the salt of the passphrase in .demo/, so when .demo/ is removed to
start over, it goes too. A failure ends in one line that says what failed and what to do.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import requests
import yaml
from pulumi import automation as auto

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ionos_postgres_pulumi.emulator.installations import installed_servers
from ionos_postgres_pulumi.emulator.settings import new_token
from ionos_postgres_pulumi.emulator.testing import stop_postgres_servers
from scripts.pulumi_project import REPO, Engine

DEMO = REPO / ".demo"
STACK = "local"
STACK_SETTINGS = REPO / f"Pulumi.{STACK}.yaml"
PACE = "create=8s,update=5s,restore=5s,delete=3s"
DELETION_PROTECTION = "ionos-postgres:deletionProtection"  # read by the root program (__main__.py)
CLUSTER_TYPE = "pulumi-python:dynamic/ionos:PostgresV2Cluster"
START_OVER = "to start over: ./scripts/demo --down; rm -rf .demo"
STOP_DEADLINE = 60.0  # seconds from SIGTERM until --down kills the emulator


class DemoError(Exception):
    """A failure the demo explains in one line: what failed and what to do."""


@contextlib.contextmanager
def step(what: str, then: str = f"fix that and run ./scripts/demo again ({START_OVER})") -> Iterator[None]:
    """Turns a failed command of `what` into a DemoError naming it, the reason and what to do."""
    try:
        yield
    except auto.CommandError as error:
        raise DemoError(f"{what} failed: {pulumi_reason(str(error))}; {then}") from None
    except subprocess.CalledProcessError as error:
        stderr = error.stderr if isinstance(error.stderr, str) else ""
        reason = last_line(stderr) or f"exit status {error.returncode}, its message above"
        raise DemoError(f"{what} failed: {reason}; {then}") from None


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def pulumi_reason(command_error: str) -> str:
    """The engine's own error line out of an Automation API CommandError ("code: … stdout: … stderr: …")."""
    stderr = command_error.partition(" stderr: ")[2]
    errors = [line.strip() for line in stderr.splitlines() if line.strip().startswith("error:")]
    return (errors[-1] if errors else last_line(stderr) or "see its output above").removeprefix("error: ")


def private_file(path: Path, make: str) -> str:
    """A value kept in a file only the user can read, made on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(make)
    return path.read_text().strip()


def running_emulator() -> dict[str, Any] | None:
    info_file = DEMO / "emulator.json"
    if not info_file.exists():
        return None
    info: dict[str, Any] = json.loads(info_file.read_text())
    try:
        requests.get(info["url"] + "/_emulator/health", timeout=2).raise_for_status()
    except requests.RequestException:
        return None
    return info


def start_emulator() -> dict[str, Any]:
    real_postgres = bool(installed_servers())
    info = running_emulator()
    if info is not None and bool(info.get("postgres")) == real_postgres:
        print(f"emulator: already running at {info['url']}")
        return info
    if info is not None:
        stop_emulator()  # started in the other mode: PostgreSQL was installed or removed since
    (DEMO / "emulator.json").unlink(missing_ok=True)
    for pid in emulators_of_a_removed_demo():
        os.kill(pid, signal.SIGTERM)
        print(f"emulator: stopped the one left running by a demo whose .demo/ was removed (pid {pid})")
    info = wait_for_emulator(launch_emulator(real_postgres))
    backed = "each cluster is a real PostgreSQL server" if real_postgres else "no PostgreSQL installed here"
    print(f"emulator: started at {info['url']} (pace {PACE}; {backed}; log in .demo/emulator.log)")
    return info


def launch_emulator(real_postgres: bool) -> subprocess.Popen[bytes]:
    log = open(DEMO / "emulator.log", "a")  # noqa: SIM115 - the emulator outlives this script
    token = private_file(DEMO / "emulator-token", new_token())
    command = [
        sys.executable,
        "-m",
        "ionos_postgres_pulumi.emulator",
        "--port",
        "0",
        "--data-dir",
        str(DEMO / "emulator"),
    ]
    command += ["--pace", PACE, "--info-file", str(DEMO / "emulator.json")]
    return subprocess.Popen(
        [*command, *(["--postgres"] if real_postgres else [])],
        env={**os.environ, "IONOS_EMULATOR_TOKEN": token},
        stdout=log,
        stderr=log,
        start_new_session=True,
        cwd=REPO,
    )


def wait_for_emulator(emulator: subprocess.Popen[bytes]) -> dict[str, Any]:
    log = DEMO / "emulator.log"
    deadline = time.monotonic() + 30
    while (info := running_emulator()) is None:
        if emulator.poll() is not None:
            said = last_line(log.read_text(errors="replace")) if log.exists() else ""
            raise DemoError(
                f"the emulator could not start (exit status {emulator.returncode}: {said}); "
                f"see .demo/emulator.log, fix that and run ./scripts/demo again"
            )
        if time.monotonic() > deadline:
            emulator.terminate()
            raise DemoError("the emulator did not answer within 30 s; see .demo/emulator.log")
        time.sleep(0.1)
    return info


def emulators_of_a_removed_demo() -> list[int]:
    """The emulators still serving this checkout's .demo/ when their info file is gone (.demo/ removed):
    nothing else would ever stop them. Found by their command line (Linux's /proc; elsewhere none)."""
    return [int(entry.name) for entry in Path("/proc").glob("[0-9]*") if serves_this_demo(int(entry.name))]


def serves_this_demo(pid: int) -> bool:
    """Whether process `pid` is an emulator of this checkout's .demo/ (a pid may have been reused)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return False
    wanted = ("--data-dir", str(DEMO / "emulator"))
    return "ionos_postgres_pulumi.emulator" in argv and wanted in itertools.pairwise(argv)


def has_ended(pid: int) -> bool:
    """Whether the process is gone (reaped first when it is this script's child, a zombie otherwise)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def ended_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not has_ended(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop_emulator() -> None:
    """SIGTERM, then wait for the process itself to end (it stops its PostgreSQL servers first); after
    STOP_DEADLINE, SIGKILL and stop its PostgreSQL servers here. Says which happened."""
    info_file = DEMO / "emulator.json"
    info: dict[str, Any] = json.loads(info_file.read_text()) if info_file.exists() else {}
    pid = int(info.get("pid") or 0)
    if pid and serves_this_demo(pid):
        os.kill(pid, signal.SIGTERM)
        if ended_within(pid, STOP_DEADLINE):
            print(f"emulator: stopped ({info['url']}; pid {pid} has ended, its PostgreSQL servers with it)")
        else:
            os.kill(pid, signal.SIGKILL)
            ended_within(pid, 10)
            stop_postgres_servers(DEMO / "emulator")
            print(
                f"emulator: did not stop within {STOP_DEADLINE:g} s of SIGTERM; killed it (pid {pid}) and "
                "stopped its PostgreSQL servers"
            )
    info_file.unlink(missing_ok=True)


def forget_settings_of_a_removed_demo() -> None:
    """Pulumi.local.yaml holds the salt of the passphrase in .demo/: without that passphrase (.demo/ was
    removed to start over) the file only makes the next run fail with `incorrect passphrase`."""
    if STACK_SETTINGS.exists() and not (DEMO / "passphrase").exists():
        STACK_SETTINGS.unlink()
        print(f"demo: removed {STACK_SETTINGS.name}, left by a demo whose .demo/ was removed")


def engine() -> Engine:
    forget_settings_of_a_removed_demo()
    passphrase = private_file(DEMO / "passphrase", secrets.token_urlsafe(24))
    with step(
        "getting a Pulumi CLI (scripts/ensure-pulumi)", "fix what it says and run ./scripts/demo again"
    ):
        return Engine.prepare(backend_dir=DEMO / "state", passphrase=passphrase)


def configure(pulumi: Engine, stack: Any, info: dict[str, Any]) -> None:
    example = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())["config"]
    config = {key: auto.ConfigValue(str(value)) for key, value in example.items()}
    config["ionos:endpoint"] = auto.ConfigValue(info["apiUrl"])
    stack.set_all_config(config)
    password = private_file(DEMO / "db-password", "Demo-" + secrets.token_urlsafe(12) + "1!")
    pulumi.set_secret(stack, "ionos-postgres:password", password)
    pulumi.set_secret(stack, "ionos:token", info["token"])


def ask_the_database(stack: Any, query: str) -> str:
    """`query`'s answer from the cluster, through the stack's connectionUri (a secret: never printed)."""
    import psycopg

    outputs = stack.outputs()
    if "connectionUri" not in outputs:
        raise DemoError(f"stack {STACK} has no connectionUri: no cluster is up; run ./scripts/demo")
    try:
        with psycopg.connect(outputs["connectionUri"].value, connect_timeout=10) as connection:
            row = connection.execute(query).fetchone()
    except psycopg.Error as error:
        raise DemoError(
            f"the cluster did not answer `{query}` through the stack's connectionUri: "
            f"{last_line(str(error))}; see .demo/emulator.log"
        ) from None
    return str(row[0]) if row else "?"


def up() -> None:
    info = start_emulator()
    pulumi = engine()
    mode = "the Python language host" if pulumi.has_language_host else "an Automation API inline program"
    print(f"pulumi: {pulumi.pulumi} runs the root program through {mode}; state in .demo/state\n")
    with step(f"pulumi up of stack {STACK}"):
        stack = pulumi.stack(REPO, STACK)
        configure(pulumi, stack, info)
        if DELETION_PROTECTION in stack.get_all_config():  # left by --down: the demo runs with the default
            stack.remove_config(DELETION_PROTECTION)
        stack.up(on_output=print, color="never")
        dns_name = pulumi.cli("stack", "output", "dnsName", "--stack", STACK, cwd=REPO).stdout.strip()
    print(f"\ndnsName: {dns_name}\n")
    if info.get("postgres"):
        answer = ask_the_database(stack, "select version()")
        print(f"select version() through the stack's connectionUri:\n  {answer}\n")
    else:
        print("No PostgreSQL server is installed, so no database answers at that name; install one")
        print("(sudo apt-get install postgresql) and run ./scripts/demo again to get a real one.\n")
    bin_path = os.pathsep.join(str(d) for d in pulumi.bin_dirs)
    print("Look around (in this directory):")
    print(f"  export PATH={bin_path}:$PATH PULUMI_BACKEND_URL={pulumi.backend_dir.as_uri()}")
    print("  export PULUMI_CONFIG_PASSPHRASE_FILE=.demo/passphrase")
    print(f"  pulumi stack --stack {STACK}                 # resources and outputs")
    print(f"  pulumi stack output --stack {STACK} --show-secrets")
    if info.get("postgres"):
        print(f'  psql "$(pulumi stack output connectionUri --show-secrets --stack {STACK})"')
    print(f'  curl -s -H "Authorization: Bearer $(cat .demo/emulator-token)" {info["url"]}/de-fra/clusters')
    print("Tear down: ./scripts/demo --down")


def has_clusters(stack: Any) -> bool:
    resources = stack.export_stack().deployment.get("resources") or []
    return any(resource.get("type") == CLUSTER_TYPE for resource in resources)


def down() -> None:
    info = start_emulator()
    pulumi = engine()
    with step(f"pulumi destroy of stack {STACK}", "fix that and run ./scripts/demo --down again"):
        stack = pulumi.stack(REPO, STACK)
        configure(pulumi, stack, info)
        # HOOK (deletion protection): PostgresCluster protects its cluster from deletion by default; the
        # root program reads this key. Turned off, and applied with an `up`, so that one command tears down.
        if has_clusters(stack):
            stack.set_config(DELETION_PROTECTION, auto.ConfigValue("false"))
            stack.up(on_output=print, color="never")
        stack.destroy(on_output=print, color="never")
    stop_emulator()


def check() -> None:
    """For CI and the curious: the demo's cluster, left up, still answers through its connectionUri."""
    info = running_emulator()
    if info is None:
        raise DemoError("the demo's emulator is not running; start the demo with ./scripts/demo")
    if not info.get("postgres"):
        print(
            "check: skipped; no PostgreSQL server is installed, so no database answers (see ./scripts/demo)"
        )
        return
    with step(f"reading stack {STACK}'s outputs"):
        stack = engine().stack(REPO, STACK)
        print(
            f"check: select 1 through the stack's connectionUri answers {ask_the_database(stack, 'select 1')}"
        )


def fail(message: str) -> NoReturn:
    print(f"demo: {message}", file=sys.stderr)
    raise SystemExit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--down", action="store_true", help="destroy the demo stack and stop the emulator")
    action.add_argument("--check", action="store_true", help="ask the demo's cluster `select 1`")
    args = parser.parse_args(argv)
    DEMO.mkdir(exist_ok=True)
    try:
        down() if args.down else check() if args.check else up()
    except DemoError as error:
        fail(str(error))
    except KeyboardInterrupt:
        fail("interrupted; run ./scripts/demo again to carry on, or ./scripts/demo --down to tear down")
    except Exception as error:  # a bug: its traceback goes to a file, the person gets one line
        (DEMO / "demo-error.log").write_text(traceback.format_exc())
        fail(
            f"{type(error).__name__}: {last_line(str(error))} (details in .demo/demo-error.log; {START_OVER})"
        )


if __name__ == "__main__":
    main()
