"""A provider process for a whole test module, as the engine keeps one for a `pulumi up`, against the
module's emulator (emptied before each test by the `emu` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from tests.payloads import cluster_inputs
from tests.provider.harness import ProviderProcess


@pytest.fixture(scope="module")
def shared_provider(shared_emulator: RunningEmulator) -> Iterator[ProviderProcess]:
    with ProviderProcess() as process:
        process.configure({"ionos:token": shared_emulator.token, "ionos:endpoint": shared_emulator.api_url})
        yield process


@pytest.fixture
def provider(shared_provider: ProviderProcess, emu: RunningEmulator) -> ProviderProcess:
    return shared_provider


def create(provider: ProviderProcess, **overrides: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A cluster made as `pulumi up` makes one: check, then create; its id, outputs and checked inputs."""
    checked = provider.check({}, cluster_inputs(**overrides))
    assert checked.failures == []
    cluster_id, outs = provider.create(checked.inputs)
    return cluster_id, outs, checked.inputs


def mutating(emu: RunningEmulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in emu.admin.mutating_requests()]
