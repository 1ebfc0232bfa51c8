from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread, stop_postgres_servers
from ionos_postgres_pulumi.provider.api import PostgresClient
from ionos_postgres_pulumi.provider.api.throttle import RateGate

pytest_plugins = ["tests.engine", "pytester"]

# Tests must not learn from each other's transition times (provider/timings.py); the tests of that
# learning choose their own file.
os.environ["IONOS_PG_TIMINGS"] = "off"


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """A fresh emulator on a free loopback port; transitions complete at the next read."""
    with emulator_thread() as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the client would have slept, recorded instead of slept."""
    return []


@pytest.fixture
def client(emulator: RunningEmulator, sleeps: list[float]) -> Iterator[PostgresClient]:
    with PostgresClient(
        "de/fra",
        api_url=emulator.api_url,
        token=emulator.token,
        env={},
        sleeper=sleeps.append,
        gate=RateGate(),
    ) as api:
        yield api


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[RunningEmulator]:
    """One emulator for a whole test module (a provider process is configured for one endpoint)."""
    with emulator_thread() as running:
        yield running


@pytest.fixture
def emu(shared_emulator: RunningEmulator) -> Iterator[RunningEmulator]:
    """The module's emulator, emptied, with immediate transitions and no faults."""
    shared_emulator.admin.reset()
    shared_emulator.admin.set_pace(
        create="immediate", update="immediate", delete="immediate", restore="immediate"
    )
    yield shared_emulator
    shared_emulator.admin.reset()


@pytest.fixture
def pg_data_dir() -> Iterator[Path]:
    """An emulator data directory for the real-PostgreSQL mode, outside pytest's temporary root: pytest
    makes that root private again at the start of every session, which would lock the `postgres` user out
    of the servers of a test that is running meanwhile."""
    base = Path(tempfile.mkdtemp(prefix="ionos-pg-test-"))
    yield base / "emulator"
    stop_postgres_servers(base / "emulator")
    sockets = base / "emulator" / "postgres" / "socket-dir"
    if sockets.exists():
        shutil.rmtree(sockets.read_text().strip(), ignore_errors=True)
    shutil.rmtree(base, ignore_errors=True)
