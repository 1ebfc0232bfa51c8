"""The folder that `pulumi preview --policy-pack` is pointed at, written for the Python that runs this.

The CLI starts a Python pack through the language host, which runs the folder's `__main__.py` with the
interpreter of the `virtualenv` named in its PulumiPolicy.yaml, and only with a virtualenv. The pack's code
lives in this package wherever it is installed (a virtualenv, the system's Python, an editable checkout),
so the folder is written on demand: a PulumiPolicy.yaml, a `__main__.py` that serves the pack, and a
`venv/bin/python` that hands over to the very interpreter that wrote it, so that the pack runs with this
package and pulumi-policy as they are installed there.

    pulumi preview --policy-pack "$(python -m ionos_postgres_pulumi.policy)"
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sys
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "ionos-postgres-pulumi"
MAIN = "from ionos_postgres_pulumi.policy.pack import serve\n\nserve()\n"


def default_folder(python: str = sys.executable) -> Path:
    """A folder per interpreter in the user's cache, so that two virtualenvs never share one."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(python.encode()).hexdigest()[:12]
    return cache / DISTRIBUTION / f"policy-pack-{digest}"


def policy_pack_yaml() -> str:
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    return (
        "description: Guardrails for IONOS PostgreSQL clusters in production (ionos-postgres-pulumi)\n"
        f"version: {version}\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        "    toolchain: pip\n"
        "    virtualenv: venv\n"
    )


def interpreter_script(python: str) -> str:
    """`venv/bin/python`: the interpreter by its own path, so it finds its own prefix and packages."""
    return f'#!/bin/sh\nexec {shlex.quote(python)} "$@"\n'


def write_pack(folder: Path | None = None, python: str = sys.executable) -> Path:
    """Write (or refresh) the pack's folder and return it."""
    folder = (folder or default_folder(python)).resolve()
    interpreter = folder / "venv" / "bin" / "python"
    interpreter.parent.mkdir(parents=True, exist_ok=True)
    for path, text in (
        (folder / "PulumiPolicy.yaml", policy_pack_yaml()),
        (folder / "__main__.py", MAIN),
        (interpreter, interpreter_script(python)),
    ):
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    interpreter.chmod(0o755)
    return folder
