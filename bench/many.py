"""5. A program of 1,000 clusters: its preview against the same number of no-op resources, and what each
registration costs in one process, against a dynamic resource registered as the SDK registers it (whose
serialize_provider leaks a pickler wrapper per resource; provider/engine/pickling.py works around it)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench.common import REPO, Row, say, seconds
from bench.preview import bench_engine, program_stack, timed_previews
from ionos_postgres_pulumi.emulator.testing import emulator_thread

COUNT = 1000
REPEATS = 3
WINDOW = 100  # registrations whose median stands for "the tenth" and for "the last"


def run(root: Path) -> list[Row]:
    return [_preview(root), _registrations()]


def _preview(scratch: Path) -> Row:
    root = scratch / "many"  # a backend of its own: the preview section's stacks have the same names
    with emulator_thread() as emu:
        engine = bench_engine(root)
        ours = program_stack(engine, emu, root, "clusters", COUNT)
        floor = program_stack(engine, emu, root, "noop", COUNT)
        say(f"many: previews of {COUNT} clusters and of {COUNT} no-op resources, {REPEATS} each")
        ours_time, floor_time = timed_previews(ours, floor, repeats=REPEATS)
    ratio = ours_time / floor_time
    return Row(
        "many",
        f"a program of {COUNT:,} clusters, none up yet: `pulumi preview`",
        seconds(ours_time),
        f"{seconds(floor_time)} ({COUNT:,} no-op resources)",
        ratio,
        "<= 1.30",
        ratio <= 1.3,
    )


def _tenth_and_last(costs: list[float]) -> tuple[float, float]:
    return statistics.median(costs[9 : 9 + WINDOW]), statistics.median(costs[-WINDOW:])


def _registrations() -> Row:
    say(f"many: {COUNT} registrations in one process, ours and the SDK's as it is")
    measured = subprocess.run(
        [sys.executable, "-m", "bench.registration", str(COUNT)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    result = json.loads(measured.stdout)
    tenth, last = _tenth_and_last(result["ours"])
    sdk_tenth, sdk_last = _tenth_and_last(result["sdk"])
    failed = f"RecursionError at the {result['sdk_failed']}th" if result["sdk_failed"] else "no error"
    ms = 1000
    return Row(
        "many",
        f"{COUNT:,} cluster registrations in one process (Pulumi's mocks): the tenth vs the last"
        f" (medians of {WINDOW})",
        f"{tenth * ms:.2f} ms, last {last * ms:.2f} ms",
        f"SDK as it is: {sdk_tenth * ms:.2f} ms, last {sdk_last * ms:.2f} ms; {failed}",
        last / tenth,
        "<= 1.50, no error",
        last <= 1.5 * tenth and result["ours_failed"] is None,
    )
