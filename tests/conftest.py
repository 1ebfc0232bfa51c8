from __future__ import annotations

import os

# This process runs emulators whose real PostgreSQL servers it starts with pg_ctl (fork, then exec) while gRPC
# threads of the Automation API serve beside them; gRPC's fork handlers, run in the child before its exec,
# have broken such a start ("epoll_wait error: Bad file descriptor", once a segmentation fault). Nothing here
# forks to go on with gRPC in the child: the handlers are off, before anything imports grpc.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread, stop_postgres_servers
from ionos_postgres_pulumi.provider.api import PostgresClient
from ionos_postgres_pulumi.provider.api.throttle import RateGate
from tests.scripts.processes import Process, started_here

pytest_plugins = ["tests.engine", "pytester"]

# Tests must not learn from each other's transition times (provider/lifecycle/timings.py); the tests of that
# learning choose their own file.
os.environ["IONOS_PG_TIMINGS"] = "off"
# What a run noted on this machine (provider/lifecycle/journal.py) stays with this session: a test's attempts
# never prove a cluster to another session's provider, nor to a user's own `pulumi up` on this machine.
os.environ["IONOS_PG_JOURNAL"] = tempfile.mkdtemp(prefix="ionos-pg-journal-")

# Every process the suite starts inherits this mark, even one handed to init when its parent died: at the
# end of the session, any that is still running is reported (emulators, PostgreSQL servers, provider
# processes, Pulumi CLIs).
SESSION_MARK = ("IONOS_PG_TEST_SESSION", f"{os.getpid()}-{time.time_ns()}")
os.environ[SESSION_MARK[0]] = SESSION_MARK[1]
LEFTOVER_GRACE = 15.0  # seconds for processes that are ending (a server shutting down, a provider noticing)
PROVIDER_TESTS = Path(__file__).parent / "provider"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """All of tests/provider is `bridge` (pyproject.toml's markers): its calls go through the SDK's own
    provider server, and its units test each piece of provider/engine/ against the installed SDK."""
    for item in items:
        if item.path.is_relative_to(PROVIDER_TESTS):
            item.add_marker(pytest.mark.bridge)


def still_running(grace: float) -> list[Process]:
    deadline = time.monotonic() + grace
    while (left := started_here(*SESSION_MARK)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Nothing the suite started may outlive it: the run fails, naming each process still running."""
    left = still_running(LEFTOVER_GRACE)
    if not left:
        return
    lines = [f"  pid {process.pid}: {process.command_line}" for process in left]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    write = reporter.write_line if reporter is not None else print
    write("")
    write(f"FAILED: {len(left)} process(es) the test suite started are still running:")
    for line in lines:
        write(line)
    session.exitstatus = session.exitstatus or pytest.ExitCode.TESTS_FAILED


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
