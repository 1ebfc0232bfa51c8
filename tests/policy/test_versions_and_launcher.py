"""The deprecated-version lookup against the emulator, and the folder the CLI is pointed at."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.policy.launcher import default_folder, write_pack
from ionos_postgres_pulumi.policy.versions import VersionLookupError, from_the_service
from ionos_postgres_pulumi.provider.lifecycle.catalog import forget_catalogs


@pytest.fixture(autouse=True)
def fresh_catalogs() -> None:
    forget_catalogs()


def test_the_service_says_which_versions_are_deprecated_once_per_region(emulator: RunningEmulator) -> None:
    lookup = from_the_service(emulator.env())
    emulator.admin.clear_requests()
    assert lookup("de/fra") == frozenset({"13"})
    assert lookup("de-fra") == frozenset({"13"})
    asked = [r["path"] for r in emulator.admin.requests() if r["path"].startswith("/versions")]
    assert asked == ["/versions"]


def test_without_credentials_the_lookup_says_so(emulator: RunningEmulator) -> None:
    lookup = from_the_service({"IONOS_API_URL": emulator.api_url})
    with pytest.raises(VersionLookupError, match="no IONOS credentials"):
        lookup("de/fra")


def test_a_refused_token_is_reported_with_the_apis_answer(emulator: RunningEmulator) -> None:
    lookup = from_the_service({"IONOS_API_URL": emulator.api_url, "IONOS_TOKEN": "wrong"})
    with pytest.raises(VersionLookupError, match="HTTP 401"):
        lookup("de/fra")


def test_the_pack_folder_runs_this_python(tmp_path: Path) -> None:
    folder = write_pack(tmp_path / "pack")
    settings = yaml.safe_load((folder / "PulumiPolicy.yaml").read_text())
    assert settings["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    ran = subprocess.run(
        [str(folder / "venv" / "bin" / "python"), "-c", "import sys, pulumi_policy; print(sys.prefix)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() == sys.prefix
    assert "from ionos_postgres_pulumi.policy.pack import serve" in (folder / "__main__.py").read_text()


def test_python_m_prints_the_folder_and_a_second_run_finds_it_as_it_was(tmp_path: Path) -> None:
    def run() -> str:
        return subprocess.run(
            [sys.executable, "-m", "ionos_postgres_pulumi.policy"],
            capture_output=True,
            text=True,
            check=True,
            env={"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        ).stdout.strip()

    first = run()
    assert Path(first).parent == tmp_path / "ionos-postgres-pulumi"
    written = {p.name: p.stat().st_mtime_ns for p in Path(first).iterdir() if p.is_file()}
    assert run() == first
    assert {p.name: p.stat().st_mtime_ns for p in Path(first).iterdir() if p.is_file()} == written


def test_each_interpreter_has_a_folder_of_its_own() -> None:
    assert default_folder("/a/venv/bin/python") != default_folder("/b/venv/bin/python")


def test_a_bad_argument_is_a_usage_line() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "ionos_postgres_pulumi.policy", "--help-me"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 2
    assert ran.stderr.strip() == "usage: python -m ionos_postgres_pulumi.policy [FOLDER]"
