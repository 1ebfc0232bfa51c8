from __future__ import annotations

from collections.abc import Iterator

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.lifecycle import catalog


@pytest.fixture(autouse=True)
def fresh_catalog_cache() -> Iterator[None]:
    catalog.forget_catalogs()
    yield
    catalog.forget_catalogs()


@pytest.fixture
def api_env(emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    """Point programs at the emulator the way users do: IONOS_API_URL and IONOS_TOKEN."""
    monkeypatch.setenv("IONOS_API_URL", emulator.api_url)
    monkeypatch.setenv("IONOS_TOKEN", emulator.token)
    return emulator
