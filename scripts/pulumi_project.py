"""Run a Pulumi project directory through the real engine, on a local file backend.

With the Python language host beside the CLI or on PATH (an official installation has it), the project
runs as `pulumi up` runs it: the host starts `__main__.py` with the project's virtualenv. A CLI built from
Go modules has no language host (its module cannot be fetched from the Go module proxy), so there the
project's `__main__.py` runs as an Automation API inline program instead: the same engine, the same
provider process, the same state; only the program is hosted by this Python process.

    engine = Engine.prepare(backend_dir=Path(".demo/state"), passphrase="...")
    stack = engine.stack(Path("examples/basic"), "dev")
    stack.up(on_output=print)

As a command, for a process a test can kill, or for a project with a virtualenv of its own (the backend and
passphrase come from PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE):

    python scripts/pulumi_project.py up|preview|refresh|destroy PROJECT_DIR STACK
"""

from __future__ import annotations

import contextlib
import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from pulumi import automation as auto
from semver import VersionInfo

REPO = Path(__file__).resolve().parent.parent
LANGUAGE_HOST = "pulumi-language-python"
# The virtualenv that Pulumi.yaml names for the projects written or copied here: the Python of their programs
# and of their provider processes (an inline program and its providers run with this process's Python). This
# checkout's .venv, unless IONOS_PG_VIRTUALENV names another: CI's floor run names .venv-floor, which holds
# every dependency at its declared floor, and runs pytest with its Python too.
VIRTUALENV_VARIABLE = "IONOS_PG_VIRTUALENV"


def project_virtualenv() -> Path:
    """IONOS_PG_VIRTUALENV, or this checkout's .venv."""
    named = os.environ.get(VIRTUALENV_VARIABLE, "")
    return Path(named).absolute() if named else REPO / ".venv"


def ensure_cli() -> list[Path]:
    """The directories holding the Pulumi CLI and its dynamic-provider plugin (see scripts/ensure-pulumi)."""
    result = subprocess.run(
        [str(REPO / "scripts" / "ensure-pulumi")], check=True, stdout=subprocess.PIPE, text=True
    )
    last = result.stdout.strip().splitlines()[-1]
    return [Path(p) for p in last.split(":") if p]


class CliAt(auto.PulumiCommand):
    """The Automation API's handle on the CLI, for a `pulumi` binary in any folder.

    `PulumiCommand(root=...)` looks for `<root>/bin/pulumi`, but an official tarball puts `pulumi` (and the
    language host) in a folder without `bin/`; this takes the binary that was found.
    """

    def __init__(self, binary: Path) -> None:
        self.command = str(binary)
        shown = subprocess.run(
            [self.command, "version"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        ).stdout.strip()
        try:
            self.version = VersionInfo.parse(shown.removeprefix("v"))
        except ValueError:
            self.version = None  # a development build: no version to compare features against


@dataclass
class Engine:
    """The Pulumi CLI, a local backend and the environment every command runs with."""

    bin_dirs: list[Path]
    backend_dir: Path
    passphrase: str
    extra_env: Mapping[str, str] = field(default_factory=dict)
    # The Python of inline programs' dynamic providers (with a language host, Pulumi.yaml's virtualenv).
    python: str = sys.executable

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

    @property
    def path(self) -> str:
        return os.pathsep.join([*(str(d) for d in self.bin_dirs), os.environ.get("PATH", "")])

    def env(self, inline: bool | None = None) -> dict[str, str]:
        """The environment of the CLI; `inline` as in `stack` (default: inline when there is no host)."""
        env = {
            **os.environ,
            "PATH": self.path,
            "PULUMI_BACKEND_URL": self.backend_dir.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
        }
        if inline or (inline is None and not self.has_language_host):
            # An inline program gives the dynamic provider's plugin no Pulumi.yaml virtualenv: this Python.
            env["PULUMI_PYTHON_CMD"] = self.python
        return {**env, **self.extra_env}

    @property
    def has_language_host(self) -> bool:
        return shutil.which(LANGUAGE_HOST, path=self.path) is not None

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
        """The project's stack, created if needed; `inline` says how the program runs (default: as a
        user's `pulumi up` runs it whenever a language host is there)."""
        project_dir = project_dir.resolve()
        if inline is None:
            inline = not self.has_language_host
        options = auto.LocalWorkspaceOptions(
            work_dir=str(project_dir), env_vars=self.env(inline), pulumi_command=CliAt(self.pulumi)
        )
        if not inline:
            return auto.create_or_select_stack(stack_name, work_dir=str(project_dir), opts=options)

        def program() -> None:
            with _program_path(project_dir):
                runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

        return auto.create_or_select_stack(
            stack_name, project_name=_project_name(project_dir), program=program, opts=options
        )


@contextlib.contextmanager
def _program_path(project_dir: Path) -> Iterator[None]:
    """The project's folder first on sys.path while its program runs, as the language host has it."""
    sys.path.insert(0, str(project_dir))
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(project_dir))


def write_project(directory: Path, name: str, program: str, virtualenv: Path | None = None) -> Path:
    """A Pulumi project whose program runs with `virtualenv` (by default `project_virtualenv()`), as
    Pulumi.yaml's `virtualenv` option tells the language host and the dynamic-provider plugin."""
    directory.mkdir(parents=True, exist_ok=True)
    venv = virtualenv if virtualenv is not None else project_virtualenv()
    settings = {
        "name": name,
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(venv)}},
    }
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    (directory / "__main__.py").write_text(program)
    return directory


def _project_name(project_dir: Path) -> str:
    settings = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    return str(settings["name"])


def main(argv: list[str]) -> None:
    operation, project, stack_name = argv
    backend = urlsplit(os.environ["PULUMI_BACKEND_URL"])
    engine = Engine(ensure_cli(), Path(unquote(backend.path)), os.environ["PULUMI_CONFIG_PASSPHRASE"])
    stack = engine.stack(Path(project), stack_name)
    getattr(stack, operation)(on_output=print, color="never")


if __name__ == "__main__":
    main(sys.argv[1:])
