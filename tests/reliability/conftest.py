"""The reliability suite's ledger: each scenario records what a user would count on its worst day.

Figures per scenario: clusters orphaned (in the API but in no state), clusters duplicated (more than one
of a name), secrets found in plaintext (in state, logs, errors), mutating API calls made for invalid
input, and 5xx answers of the emulator to fuzzed requests. At the end of the session they are written to
`.reliability/report.json` (or $RELIABILITY_REPORT), which `scripts/reliability_table.py` prints as a table.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Generator, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator

REPO = Path(__file__).resolve().parents[2]
REPORT = Path(os.environ.get("RELIABILITY_REPORT", REPO / ".reliability" / "report.json"))


@dataclass
class Scenario:
    name: str
    group: str
    passed: bool = False
    orphans: int = 0
    duplicates: int = 0
    plaintext_secrets: int = 0
    mutating_calls_for_invalid_input: int = 0
    emulator_5xx: int = 0  # answers 500-599 the emulator gave to a client's (fuzzed) requests


class Ledger:
    def __init__(self) -> None:
        self.scenarios: dict[str, Scenario] = {}

    def scenario(self, node: pytest.Item) -> Scenario:
        group = Path(str(node.fspath)).stem.removeprefix("test_")
        return self.scenarios.setdefault(node.nodeid, Scenario(name=node.name, group=group))


LEDGER = Ledger()


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Scenario:
    """This scenario's line in the report; the test fills in what it counted."""
    return LEDGER.scenario(request.node)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if "figures" in getattr(item, "fixturenames", ()):
        scenario = LEDGER.scenario(item)
        if report.when == "call":
            scenario.passed = report.passed
        elif report.failed:
            scenario.passed = False
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not LEDGER.scenarios:
        return
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps([asdict(s) for s in LEDGER.scenarios.values()], indent=1))


# -- counting ---------------------------------------------------------------------------------------


def count_orphans_and_duplicates(emulator: RunningEmulator, tracked: Iterable[str]) -> tuple[int, int]:
    """Clusters the API has that no state knows, and clusters beyond the first of each name."""
    clusters = emulator.admin.clusters()
    known = set(tracked)
    orphans = sum(1 for c in clusters if c["id"] not in known)
    names = Counter(c["name"] for c in clusters)
    duplicates = sum(count - 1 for count in names.values() if count > 1)
    return orphans, duplicates


def count_plaintext(texts: Iterable[str], secrets: Iterable[str]) -> int:
    """How many (text, secret) pairs show the secret, as written or URL-encoded."""
    import urllib.parse

    variants = [v for s in secrets if s for v in {s, urllib.parse.quote(s, safe="")}]
    return sum(1 for text in texts for secret in variants if secret in text)


def mutating_calls(emulator: RunningEmulator) -> int:
    return len(emulator.admin.mutating_requests())
