"""The end-of-session check (tests/conftest.py) finds what the suite started and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import SESSION_MARK
from tests.scripts.processes import ends_within, started_here


def orphan(env: dict[str, str]) -> int:
    """A `sleep` whose parent has already exited: handed to init, no longer a descendant of this process."""
    shell = subprocess.run(
        ["sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(shell.stdout)


@pytest.fixture
def orphans() -> Iterator[list[int]]:
    made: list[int] = []
    yield made
    for pid in made:
        os.kill(pid, signal.SIGKILL)
        assert ends_within(pid, 10)


def test_an_orphan_of_the_session_is_found_by_its_mark(orphans: list[int]) -> None:
    orphans.append(orphan(dict(os.environ)))
    (found,) = [process for process in started_here(*SESSION_MARK) if process.pid == orphans[0]]
    assert found.command_line == "sleep 300"


def test_a_process_of_another_session_is_not_ours(orphans: list[int]) -> None:
    """A second clone's suite running beside this one: its processes carry its own mark."""
    orphans.append(orphan({**os.environ, SESSION_MARK[0]: "another-session"}))
    assert orphans[0] not in [process.pid for process in started_here(*SESSION_MARK)]


def test_a_child_started_without_the_environment_is_found_by_its_ancestry() -> None:
    with subprocess.Popen(["sleep", "300"], env={"PATH": "/usr/bin:/bin"}) as child:
        try:
            assert child.pid in [process.pid for process in started_here(*SESSION_MARK)]
        finally:
            child.kill()
    assert child.pid not in [process.pid for process in started_here(*SESSION_MARK)]
