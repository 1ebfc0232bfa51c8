"""Run a Pulumi project directory through the real engine, on a local file backend.

With a CLI that has the Python language host (an official installation), the project runs as
`pulumi up` runs it. A CLI built from Go modules has no language host (its module could not be fetched here),
so the project's `__main__.py` runs as an Automation API inline program instead: the same engine,
the same provider process, the same state; only the program is hosted by this Python process.

    engine = Engine.prepare(backend_dir=Path(".demo/state"), passphrase="...")
    stack = engine.stack(Path("examples/basic"), "dev")
    stack.up(on_output=print)
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pulumi import automation as auto

REPO = Path(__file__).resolve().parent.parent
LANGUAGE_HOST = "pulumi-language-python"


def ensure_cli() -> list[Path]:
    """The directories holding the Pulumi CLI and its dynamic-provider plugin (see scripts/ensure-pulumi)."""
    result = subprocess.run(
        [str(REPO / "scripts" / "ensure-pulumi")], check=True, stdout=subprocess.PIPE, text=True
    )
    last = result.stdout.strip().splitlines()[-1]
    return [Path(p) for p in last.split(":") if p]


@dataclass
class Engine:
    """The Pulumi CLI, a local backend and the environment every command runs with."""

    bin_dirs: list[Path]
    backend_dir: Path
    passphrase: str
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def prepare(
        cls, backend_dir: Path, passphrase: str, extra_env: Mapping[str, str] | None = None
    ) -> Engine:
        backend_dir.mkdir(parents=True, exist_ok=True)
        return cls(ensure_cli(), backend_dir.resolve(), passphrase, dict(extra_env or {}))

    @property
    def pulumi(self) -> Path:
        for directory in self.bin_dirs:
            if (directory / "pulumi").exists():
                return directory / "pulumi"
        raise FileNotFoundError("no pulumi binary in " + ", ".join(map(str, self.bin_dirs)))

    def env(self) -> dict[str, str]:
        path = os.pathsep.join([*(str(d) for d in self.bin_dirs), os.environ.get("PATH", "")])
        return {
            **os.environ,
            "PATH": path,
            "PULUMI_BACKEND_URL": self.backend_dir.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
            # The dynamic provider runs with this Python, where this project is installed.
            "PULUMI_PYTHON_CMD": sys.executable,
            **self.extra_env,
        }

    @property
    def has_language_host(self) -> bool:
        return shutil.which(LANGUAGE_HOST, path=self.env()["PATH"]) is not None

    def cli(
        self, *args: str, cwd: Path, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """A plain CLI command, such as `stack output` or `cancel`."""
        return subprocess.run(
            [str(self.pulumi), *args, "--non-interactive"],
            cwd=cwd,
            env=self.env(),
            check=check,
            capture_output=True,
            text=True,
            input=stdin,
        )

    def set_secret(self, stack: auto.Stack, key: str, value: str) -> None:
        """`pulumi config set --secret`, the value on stdin: not in the process list, unlike set_config."""
        self.cli(
            "config",
            "set",
            "--secret",
            key,
            "--stack",
            stack.name,
            cwd=Path(stack.workspace.work_dir),
            stdin=value,
        )

    def stack(self, project_dir: Path, stack_name: str, inline: bool | None = None) -> auto.Stack:
        """The project's stack, created if needed; `inline` says how the program runs (default: as needed)."""
        project_dir = project_dir.resolve()
        options = auto.LocalWorkspaceOptions(
            work_dir=str(project_dir),
            env_vars=self.env(),
            pulumi_command=auto.PulumiCommand(root=str(self.pulumi.parent.parent), skip_version_check=True),
        )
        if inline is None:
            inline = not self.has_language_host
        if not inline:
            return auto.create_or_select_stack(stack_name, work_dir=str(project_dir), opts=options)
        project_name = _project_name(project_dir)

        def program() -> None:
            runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

        return auto.create_or_select_stack(
            stack_name, project_name=project_name, program=program, opts=options
        )


def _project_name(project_dir: Path) -> str:
    settings = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    return str(settings["name"])
