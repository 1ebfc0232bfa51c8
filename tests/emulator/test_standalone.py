"""The emulator stands on its own: no Pulumi, no gRPC, nothing of the provider or the components.

It shares the API's published limits with the provider only as data (`ionos_postgres_pulumi.limits`),
so that its checks and the client's are separate code that can catch each other's mistakes.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from ionos_postgres_pulumi import emulator

MODULES = ("server", "app", "cli", "state", "testing", "handler", "api_routes", "admin_routes", "postgres")


def test_the_emulator_imports_nothing_of_pulumi_or_the_provider() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module('ionos_postgres_pulumi.emulator.' + name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    )
    assert "ionos_postgres_pulumi.emulator.server" in loaded  # the imports did happen
    forbidden = [
        name
        for name in loaded
        if name.split(".")[0] in {"pulumi", "grpc"}
        or name.startswith(("ionos_postgres_pulumi.provider", "ionos_postgres_pulumi.components"))
    ]
    assert forbidden == []


def test_the_emulator_imports_anywhere_without_its_real_postgresql_mode() -> None:
    """The real-PostgreSQL backend (which needs a Unix system: `pwd`) is loaded only when asked for."""
    script = (
        "import json, sys\n"
        "import ionos_postgres_pulumi.emulator.app, ionos_postgres_pulumi.emulator.cli\n"
        "import ionos_postgres_pulumi.emulator.testing, ionos_postgres_pulumi.emulator.server\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    )
    assert "ionos_postgres_pulumi.emulator.testing" in loaded
    unwanted = [
        name
        for name in loaded
        if name.split(".")[0] in {"pulumi", "pwd"}
        or name.startswith("ionos_postgres_pulumi.provider")
        or name == "ionos_postgres_pulumi.emulator.postgres"
    ]
    assert unwanted == []


def local_imports(module: Path) -> set[str]:
    """The emulator's own modules that `module` imports (`from .x import ...`), under TYPE_CHECKING too."""
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
    return found


def test_no_module_of_the_emulator_imports_itself_in_a_circle() -> None:
    """Route handlers get what they need through the request: nothing reaches back to the server."""
    folder = Path(emulator.__file__).parent
    graph = {path.stem: local_imports(path) for path in folder.glob("*.py")}
    assert "server" not in graph["routing"] and "handler" not in graph["routing"]

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for name in graph.get(start, set()) - seen:
            seen.add(name)
            if name == goal or reaches(name, goal, seen):
                return True
        return False

    circles = sorted(name for name in graph if reaches(name, name, set()))
    assert circles == []
