"""A pytest plugin for users' own tests: an offline IONOS PostgreSQL v2 API, one fixture away.

Installed with the package (entry point `pytest11`), so a test of a Pulumi program only asks for it:

    def test_my_stack(ionos_emulator):
        ...  # IONOS_API_URL and IONOS_TOKEN point at the emulator for this test

The fixture starts an emulator on a free loopback port for the test and points the provider, the API
client and the lookups at it through IONOS_API_URL and IONOS_TOKEN (inherited by `pulumi up` run from the
test, and by its provider process). For a stack whose configuration sets `ionos:endpoint` and
`ionos:token`, `ionos_emulator.stack_config()` gives the values to set instead. Transitions complete at
once unless `ionos_emulator_pace` (an ini option: `create=5s,update=2s`, `manual`...) says otherwise.

Nothing is imported until a test asks for the fixture, so the plugin costs other test runs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .testing import RunningEmulator

PACE_OPTION = "ionos_emulator_pace"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        PACE_OPTION,
        "how long the IONOS emulator's transitions take, as its --pace option (default: immediate)",
        default="immediate",
    )


@pytest.fixture
def ionos_emulator(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningEmulator]:
    """An emulator of the IONOS PostgreSQL v2 API for this test, with IONOS_API_URL and IONOS_TOKEN set."""
    from .pace import Paces
    from .testing import emulator_thread

    with emulator_thread(paces=Paces.parse(str(request.config.getini(PACE_OPTION)))) as running:
        for name, value in running.env().items():
            monkeypatch.setenv(name, value)
        yield running
