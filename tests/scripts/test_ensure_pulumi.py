"""scripts/ensure-pulumi run twice at once on an empty cache (a demo and a test run on a fresh machine).

A real cold build takes minutes, so `go` here is a stand-in first on PATH that takes a second to "build"
a `pulumi` that answers `version`, and counts its builds: the locking is what is under test.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENSURE_PULUMI = REPO / "scripts" / "ensure-pulumi"

FAKE_GO = """#!/bin/sh
case "$1" in
  env) echo go1.25.1 ;;
  mod) exit 0 ;;
  build)
    while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
    echo "build by $PPID" >> "$FAKE_GO_BUILDS"
    [ -n "$FAKE_GO_FAILS" ] && { echo "compile: something went wrong"; exit 2; }
    sleep 1
    printf '#!/bin/sh\\necho v3.274.1\\n' > "$out"
    chmod +x "$out" ;;
esac
"""


def fake_go_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment with an empty cache, no Pulumi CLI and the stand-in `go` first on PATH."""
    tools = tmp_path / "tools"
    tools.mkdir()
    go = tools / "go"
    go.write_text(FAKE_GO)
    go.chmod(go.stat().st_mode | stat.S_IXUSR)
    return {
        **os.environ,
        "PATH": f"{tools}:/usr/bin:/bin",
        "IONOS_PG_CACHE": str(tmp_path / "cache"),
        "FAKE_GO_BUILDS": str(tmp_path / "builds"),
        **extra,
    }


def start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ENSURE_PULUMI)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_at_once_on_an_empty_cache_build_once_and_both_succeed(tmp_path: Path) -> None:
    env = fake_go_environment(tmp_path)
    first, second = start(env), start(env)
    outcomes = [(run.wait(timeout=60), *run.communicate()) for run in (first, second)]
    bin_dir = tmp_path / "cache" / "pulumi-v3.274.1" / "bin"
    for status, stdout, stderr in outcomes:
        assert status == 0, stderr
        assert stdout.strip().splitlines()[-1] == str(bin_dir)
    assert len((tmp_path / "builds").read_text().splitlines()) == 1
    assert "waiting for it" in "".join(stderr for _, _, stderr in outcomes)
    version = subprocess.run([bin_dir / "pulumi", "version"], check=True, capture_output=True, text=True)
    assert version.stdout == "v3.274.1\n"
    assert sorted(p.name for p in bin_dir.iterdir()) == ["pulumi", "pulumi-resource-pulumi-python"]


def test_a_failed_build_says_what_failed_and_what_to_do(tmp_path: Path) -> None:
    env = fake_go_environment(tmp_path, FAKE_GO_FAILS="yes")
    run = subprocess.run(
        [str(ENSURE_PULUMI)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 1
    assert "compile: something went wrong" in run.stderr
    assert "building the Pulumi CLI failed" in run.stderr
    assert "Traceback" not in run.stderr and "cannot stat" not in run.stderr
    assert not any((tmp_path / "cache" / "pulumi-v3.274.1" / "bin").iterdir())
