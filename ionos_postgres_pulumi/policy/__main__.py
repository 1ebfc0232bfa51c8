"""`python -m ionos_postgres_pulumi.policy [FOLDER]`: write the policy pack's folder, print its path.

pulumi preview --policy-pack "$(python -m ionos_postgres_pulumi.policy)"
"""

from __future__ import annotations

import sys
from pathlib import Path

from .launcher import write_pack


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m ionos_postgres_pulumi.policy [FOLDER]", file=sys.stderr)
        return 2
    try:
        folder = write_pack(Path(args[0]) if args else None)
    except OSError as exc:
        print(f"ionos_postgres_pulumi.policy: cannot write the policy pack's folder: {exc}", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
