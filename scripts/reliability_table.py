"""Print the reliability suite's figures as a table; exit 1 unless every scenario passed cleanly.

./scripts/reliability          # runs tests/reliability, then prints this table
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ("orphans", "duplicates", "plaintext_secrets", "mutating_calls_for_invalid_input", "emulator_5xx")
HEADINGS = (
    "group",
    "scenarios run",
    "passed",
    "orphaned",
    "duplicated",
    "plaintext secrets",
    "mutating calls for bad input",
    "emulator 5xx",
)


def main() -> int:
    path = Path(os.environ.get("RELIABILITY_REPORT", REPO / ".reliability" / "report.json"))
    if not path.exists():
        print(f"no reliability report at {path}; run ./scripts/reliability", file=sys.stderr)
        return 1
    scenarios = json.loads(path.read_text())
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for scenario in scenarios:
        groups[str(scenario["group"])].append(scenario)
    rows = []
    for group, members in sorted(groups.items()):
        rows.append(_row(group, members))
    rows.append(_row("total", scenarios))
    widths = [max(len(str(row[i])) for row in [HEADINGS, *rows]) for i in range(len(HEADINGS))]
    for index, row in enumerate([HEADINGS, *rows]):
        print(
            "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        )
        if index == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    failed = [s["name"] for s in scenarios if not s["passed"]]
    dirty = [s["name"] for s in scenarios if any(s[c] for c in COLUMNS)]
    for name in failed:
        print(f"FAILED: {name}", file=sys.stderr)
    for name in dirty:
        print(f"NOT CLEAN: {name}", file=sys.stderr)
    return 1 if failed or dirty else 0


def _row(group: str, members: list[dict[str, object]]) -> tuple[object, ...]:
    passed = sum(1 for m in members if m["passed"])
    totals = [sum(int(str(m[c])) for m in members) for c in COLUMNS]
    return (group, len(members), passed, *totals)


if __name__ == "__main__":
    sys.exit(main())
