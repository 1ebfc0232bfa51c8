"""Run one Pulumi operation on a project in a process of its own, so a test can SIGKILL it.

    python -m tests.reliability.run_stack <project_dir> <stack> <backend_dir> <operation>

The passphrase comes from PULUMI_CONFIG_PASSPHRASE, everything else from the environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from scripts.pulumi_project import Engine, ensure_cli


def main() -> None:
    project, stack_name, backend, operation = sys.argv[1:5]
    engine = Engine(ensure_cli(), Path(backend), os.environ["PULUMI_CONFIG_PASSPHRASE"])
    stack = engine.stack(Path(project), stack_name)
    getattr(stack, operation)(on_output=print, color="never")


if __name__ == "__main__":
    main()
