from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from emulator.testing import RunningEmulator, emulator_thread
from provider.api import PostgresClient

pytest_plugins = ["tests.engine"]

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
        "de/fra", api_url=emulator.api_url, token=emulator.token, env={}, sleeper=sleeps.append
    ) as api:
        yield api
