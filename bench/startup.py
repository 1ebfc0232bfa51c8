"""4. Start-up: what importing the provider costs in a fresh interpreter beyond `import pulumi`, side by
side with importing IONOS's generated SDK (ionoscloud-dbaas-postgres 3.0.1, in a virtualenv of its own)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.common import REPO, Row, median, say

SDK = "ionoscloud-dbaas-postgres==3.0.1"
RUNS = 9
TIMED = """
import sys, time
for module in sys.argv[1].split(",") if sys.argv[1] else []:
    __import__(module)
started = time.perf_counter()
for module in sys.argv[2].split(","):
    __import__(module)
print(time.perf_counter() - started)
"""


def _import_time(python: str, before: str, measured: str) -> float:
    times = []
    for _ in range(RUNS):
        result = subprocess.run(
            [python, "-c", TIMED, before, measured], capture_output=True, text=True, check=True, cwd=REPO
        )
        times.append(float(result.stdout.strip()))
    return median(times)


def _sdk_python(cache: Path) -> str:
    venv = cache / "bench-sdk-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        say(f"start-up: installing {SDK} into {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", SDK], check=True)
    return str(python)


def run() -> list[Row]:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ionos-postgres-pulumi"
    sdk = _import_time(_sdk_python(cache), "", "ionoscloud_dbaas_postgres")
    say("start-up: timing imports")
    pulumi = _import_time(sys.executable, "", "pulumi")
    program = _import_time(sys.executable, "pulumi", "ionos_postgres_pulumi.provider")
    # A preview's provider process runs check and diff: the provider module and what it imports itself.
    preview_call = _import_time(sys.executable, "pulumi", "ionos_postgres_pulumi.provider.cluster_provider")
    # The first call that needs the API loads the lifecycle (the client, requests, pydantic).
    first_api_call = _import_time(
        sys.executable,
        "pulumi",
        "ionos_postgres_pulumi.provider.cluster_provider,ionos_postgres_pulumi.provider.lifecycle.operations",
    )
    ms = 1000
    return [
        Row(
            "start-up",
            f"importing the provider beyond `import pulumi` ({pulumi * ms:.0f} ms)",
            f"{program * ms:.0f} ms",
            f"{sdk * ms:.0f} ms (import the generated SDK)",
            program / sdk,
            "<= 100 ms and below the SDK",
            program <= 0.1 and program < sdk,
        ),
        Row(
            "start-up",
            "provider process in a preview (check, diff: no API client)",
            f"{preview_call * ms:.0f} ms",
            f"{sdk * ms:.0f} ms (import the generated SDK)",
            preview_call / sdk,
            "below the SDK",
            preview_call < sdk,
        ),
        Row(
            "start-up",
            "provider process, first API call (adds pydantic, requests)",
            f"{first_api_call * ms:.0f} ms",
            f"{sdk * ms:.0f} ms (import the generated SDK)",
            first_api_call / sdk,
            "below the SDK",
            first_api_call < sdk,
        ),
    ]
