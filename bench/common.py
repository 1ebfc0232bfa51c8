"""What the benchmarks share: result rows, the machine they ran on, and small helpers."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


@dataclass
class Row:
    benchmark: str
    case: str
    ours: str
    baseline: str
    ratio: float | None
    goal: str
    met: bool | None

    def cells(self) -> list[str]:
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        met = "" if self.met is None else ("yes" if self.met else "NO")
        return [self.benchmark, self.case, self.ours, self.baseline, ratio, self.goal, met]


HEADINGS = ["benchmark", "case", "ours", "baseline", "ratio", "goal", "met"]


def table(rows: list[Row]) -> str:
    cells = [HEADINGS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADINGS))]
    lines = []
    for index, line in enumerate(cells):
        lines.append(
            "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) + " |"
        )
        if index == 0:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    pulumi = _pulumi_version()
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; Pulumi CLI {pulumi}"
    )


def _pulumi_version() -> str:
    from scripts.pulumi_project import ensure_cli

    try:
        for directory in ensure_cli():
            binary = directory / "pulumi"
            if binary.exists():
                return subprocess.run(
                    [binary, "version"], capture_output=True, text=True, check=True
                ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return "unknown"


def median(values: list[float]) -> float:
    return statistics.median(values)


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def say(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)
