"""Which PostgreSQL servers the real-PostgreSQL mode finds, and which major version a cluster runs on."""

from __future__ import annotations

from pathlib import Path

import pytest

from ionos_postgres_pulumi.emulator.installations import ENV_BINDIRS, installed_servers, nearest_major


def test_a_cluster_runs_its_own_major_version_else_the_nearest_below_else_above() -> None:
    installed = {15, 16, 18}
    assert [nearest_major(v, installed) for v in ("15", "16", "18")] == [15, 16, 18]
    assert nearest_major("17", installed) == 16  # what runs on 16 runs on 17: never a false promise
    assert nearest_major("13", installed) == 15  # nothing older here: the oldest there is
    assert nearest_major("19", installed) == 18


def test_a_bin_folder_named_in_the_environment_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = installed_servers()
    if not found:
        pytest.skip("no PostgreSQL server is installed: run scripts/setup")
    major, bindir = min(found.items())
    elsewhere = tmp_path / "another-installation" / "bin"
    elsewhere.parent.mkdir()
    elsewhere.symlink_to(bindir, target_is_directory=True)  # the same server, found at another path
    monkeypatch.setenv(ENV_BINDIRS, f"{tmp_path / 'nothing-here'}:{elsewhere}")
    named = installed_servers()
    assert named[major] == elsewhere
    assert set(named) == set(found)  # a folder without a server is passed over
