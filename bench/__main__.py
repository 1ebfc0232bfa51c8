"""Run every benchmark and print one table of ratios, measured side by side, with the machine."""

from __future__ import annotations

import argparse
import datetime
import tempfile
from pathlib import Path

from bench import many, parallel, preview, startup, throughput, waiting
from bench.common import Row, machine, say, table

SECTIONS = ("waiting", "preview", "many", "parallel", "startup", "throughput")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sections", nargs="*", choices=[*SECTIONS, []], help="run only these (default: all)")
    chosen = parser.parse_args().sections or list(SECTIONS)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="ionos-pg-bench-") as scratch:
        root = Path(scratch)
        if "waiting" in chosen:
            rows += waiting.run()
        if "preview" in chosen:
            rows += preview.run(root)
        if "many" in chosen:
            rows += many.run(root)
        if "parallel" in chosen:
            rows += parallel.run(root)
        if "startup" in chosen:
            rows += startup.run()
        if "throughput" in chosen:
            rows += throughput.run(root)
    say("")
    print(f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d} on: {machine()}\n")
    print(table(rows))


if __name__ == "__main__":
    main()
