"""The main job, offline: start the emulator, `pulumi up` the root program, print its dnsName, and (with
PostgreSQL installed) ask the new cluster `select version()` through the stack's connection URI.

Run through ./scripts/demo, which prepares the virtual environment first. `--down` destroys the
stack and stops the emulator. Everything the demo keeps is under .demo/ (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ionos_postgres_pulumi.emulator.postgres import installed_servers
from scripts.pulumi_project import REPO, Engine

DEMO = REPO / ".demo"
STACK = "local"
PACE = "create=8s,update=5s,restore=5s,delete=3s"


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
    info_file = DEMO / "emulator.json"
    info_file.unlink(missing_ok=True)
    log = open(DEMO / "emulator.log", "a")  # noqa: SIM115 - the emulator outlives this script
    token = private_file(DEMO / "emulator-token", secrets.token_urlsafe(24))
    command = [
        sys.executable,
        "-m",
        "ionos_postgres_pulumi.emulator",
        "--port",
        "0",
        "--data-dir",
        str(DEMO / "emulator"),
    ]
    command += ["--pace", PACE, "--info-file", str(info_file), *(["--postgres"] if real_postgres else [])]
    subprocess.Popen(
        command,
        env={**os.environ, "IONOS_EMULATOR_TOKEN": token},
        stdout=log,
        stderr=log,
        start_new_session=True,
        cwd=REPO,
    )
    deadline = time.monotonic() + 30
    while (info := running_emulator()) is None:
        if time.monotonic() > deadline:
            raise SystemExit(f"the emulator did not start; see {DEMO / 'emulator.log'}")
        time.sleep(0.1)
    backed = "each cluster is a real PostgreSQL server" if real_postgres else "no PostgreSQL installed here"
    print(f"emulator: started at {info['url']} (pace {PACE}; {backed}; log in .demo/emulator.log)")
    return info


def stop_emulator() -> None:
    info = running_emulator()
    if info is not None:
        os.kill(int(info["pid"]), signal.SIGTERM)
        deadline = time.monotonic() + 60
        while running_emulator() is not None and time.monotonic() < deadline:
            time.sleep(0.2)  # it stops its PostgreSQL servers first
        print(f"emulator: stopped ({info['url']})")
    (DEMO / "emulator.json").unlink(missing_ok=True)


def engine() -> Engine:
    passphrase = private_file(DEMO / "passphrase", secrets.token_urlsafe(24))
    return Engine.prepare(backend_dir=DEMO / "state", passphrase=passphrase)


def configure(pulumi: Engine, stack: Any, info: dict[str, Any]) -> None:
    from pulumi import automation as auto

    example = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())["config"]
    config = {key: auto.ConfigValue(str(value)) for key, value in example.items()}
    config["ionos:endpoint"] = auto.ConfigValue(info["apiUrl"])
    stack.set_all_config(config)
    password = private_file(DEMO / "db-password", "Demo-" + secrets.token_urlsafe(12) + "1!")
    pulumi.set_secret(stack, "ionos-postgres:password", password)
    pulumi.set_secret(stack, "ionos:token", info["token"])


def ask_the_database(stack: Any) -> None:
    import psycopg

    uri = stack.outputs()["connectionUri"].value  # a secret: used here, never printed
    with psycopg.connect(uri, connect_timeout=10) as connection:
        row = connection.execute("select version()").fetchone()
    print(f"select version() through the stack's connectionUri:\n  {row[0] if row else '?'}\n")


def up() -> None:
    info = start_emulator()
    pulumi = engine()
    mode = "the Python language host" if pulumi.has_language_host else "an Automation API inline program"
    print(f"pulumi: {pulumi.pulumi} runs the root program through {mode}; state in .demo/state\n")
    stack = pulumi.stack(REPO, STACK)
    configure(pulumi, stack, info)
    stack.up(on_output=print, color="never")
    dns_name = pulumi.cli("stack", "output", "dnsName", "--stack", STACK, cwd=REPO).stdout.strip()
    print(f"\ndnsName: {dns_name}\n")
    if info.get("postgres"):
        ask_the_database(stack)
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


def down() -> None:
    info = start_emulator()
    pulumi = engine()
    stack = pulumi.stack(REPO, STACK)
    configure(pulumi, stack, info)
    stack.destroy(on_output=print, color="never")
    stop_emulator()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--down", action="store_true", help="destroy the demo stack and stop the emulator")
    args = parser.parse_args()
    DEMO.mkdir(exist_ok=True)
    down() if args.down else up()


if __name__ == "__main__":
    main()
