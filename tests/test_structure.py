"""Code a newcomer can read: short functions in the provider, the component and the emulator, a thin provider
class."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LONGEST_FUNCTION = 40
# Declarative tables, which read best whole.
TABLES = {"ionos_postgres_pulumi/emulator/cli.py:parse_args"}


def functions(folder: str) -> list[tuple[str, int]]:
    found = []
    for path in sorted((REPO / folder).rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{path.relative_to(REPO)}:{node.name}"
                found.append((name, (node.end_lineno or node.lineno) - node.lineno + 1))
    return found


def test_no_function_of_the_provider_the_component_or_the_emulator_is_longer_than_forty_lines() -> None:
    long = {
        name: length
        for folder in (
            "ionos_postgres_pulumi/provider",
            "ionos_postgres_pulumi/components",
            "ionos_postgres_pulumi/emulator",
        )
        for name, length in functions(folder)
        if length > LONGEST_FUNCTION and name not in TABLES
    }
    assert long == {}


def test_the_provider_class_is_the_sdks_interface_and_little_more() -> None:
    tree = ast.parse((REPO / "ionos_postgres_pulumi" / "provider" / "cluster_provider.py").read_text())
    (provider,) = [
        n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PostgresV2ClusterProvider"
    ]
    assert (provider.end_lineno or 0) - provider.lineno + 1 < 150
