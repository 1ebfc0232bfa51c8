"""Start an emulator from tests: in this process on a thread, or as a separate process.

    with emulator_thread(paces=Paces.parse("manual")) as emu:
        client = PostgresClient("de-fra", api_url=emu.api_url, token=emu.token)

A separate process can be killed and restarted on the same port and data directory, which is how the
persistence tests and the reliability suite restart the "service".
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from .admin_client import EmulatorAdmin
from .app import EmulatorConfig, build_server
from .backend import Backend
from .server import EmulatorServer, serve_in_thread
from .settings import new_token


@dataclass
class RunningEmulator:
    url: str
    token: str
    server: EmulatorServer | None = None  # set when it runs in this process
    process: subprocess.Popen[str] | None = None
    data_dir: Path | None = None
    args: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        """The value for IONOS_API_URL: every region through one emulator."""
        return self.url + "/{region}"

    @property
    def admin(self) -> EmulatorAdmin:
        return EmulatorAdmin(self.url, self.token)

    def rotate_token(self, token: str) -> None:
        """The emulator accepts `token` from now on and refuses the old one (as IONOS, a revoked one)."""
        self.admin.rotate_token(token)
        self.token = token

    def env(self) -> dict[str, str]:
        """The environment that points the provider, the client and the lookups at this emulator."""
        return {"IONOS_API_URL": self.api_url, "IONOS_TOKEN": self.token}

    def stack_config(self) -> dict[str, str]:
        """The same as stack configuration (`ionos:token` is a secret: set it as one)."""
        return {"ionos:endpoint": self.api_url, "ionos:token": self.token}

    def backups_of(self, cluster_id: str, region: str = "de-fra") -> list[dict[str, Any]]:
        """A cluster's backups as the v2 API lists them (`GET /backups?filter.clusterId=...`)."""
        answer = requests.get(
            f"{self.url}/{region}/backups",
            params={"filter.clusterId": cluster_id},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        answer.raise_for_status()
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


@contextlib.contextmanager
def emulator_thread(backend: Backend | None = None, **settings: Any) -> Iterator[RunningEmulator]:
    """An emulator on a free loopback port, served by threads of this process."""
    token = settings.pop("token", None) or new_token(16)
    required = None if settings.get("any_token") else token
    config = EmulatorConfig(port=0, token=required, **settings)
    server = build_server(config, backend)
    stop = serve_in_thread(server)
    try:
        yield RunningEmulator(url=server.url, token=token, server=server, data_dir=config.data_dir)
    finally:
        stop()
        server.state.backend.close()
        server.state.storage.close()


def start_process(
    data_dir: Path,
    port: int = 0,
    token: str | None = None,
    extra_args: list[str] | None = None,
    timeout: float = 20,
) -> RunningEmulator:
    """`ionos-pg-emulator` as a child process; returns once it answers."""
    token = token or new_token(16)
    info_file = Path(tempfile.mkdtemp(prefix="emulator-info-")) / "info.json"
    args = [
        sys.executable,
        "-m",
        "ionos_postgres_pulumi.emulator",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--info-file",
        str(info_file),
        *(extra_args or []),
    ]
    env = {**os.environ, "IONOS_EMULATOR_TOKEN": token}
    process = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + timeout
    while not info_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            shutil.rmtree(info_file.parent, ignore_errors=True)
            error = process.stderr.read() if process.stderr else ""
            raise RuntimeError(f"the emulator did not start: {error or 'it took too long'}")
        time.sleep(0.02)
    info = json.loads(info_file.read_text())
    shutil.rmtree(info_file.parent, ignore_errors=True)
    return RunningEmulator(
        url=info["url"], token=token, process=process, data_dir=data_dir, args=extra_args or []
    )


def kill_process(emulator: RunningEmulator) -> None:
    """SIGKILL: no goodbye, as when a machine dies."""
    if emulator.process is not None and emulator.process.poll() is None:
        os.killpg(emulator.process.pid, signal.SIGKILL)
        emulator.process.wait(timeout=10)


def stop_process(emulator: RunningEmulator) -> None:
    if emulator.process is not None and emulator.process.poll() is None:
        emulator.process.terminate()
        try:
            emulator.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kill_process(emulator)


def stop_postgres_servers(data_dir: Path) -> None:
    """Stop the PostgreSQL servers an emulator (perhaps killed) left running for `data_dir`."""
    if (data_dir / "postgres").is_dir():
        from .postgres import PostgresBackend  # noqa: PLC0415 - only here: it needs a Unix system (pwd)

        PostgresBackend(data_dir / "postgres").close()


def restart_process(emulator: RunningEmulator, kill: bool = True) -> RunningEmulator:
    """Stop (or kill) the emulator and start it again on the same port and data directory."""
    assert emulator.data_dir is not None
    port = int(emulator.url.rsplit(":", 1)[1])
    (kill_process if kill else stop_process)(emulator)
    return start_process(emulator.data_dir, port=port, token=emulator.token, extra_args=emulator.args)
