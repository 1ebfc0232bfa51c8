"""The client is the lowest layer of the provider: it imports nothing of the provider above it, and
nothing of Pulumi, only the API's published limits and the lazy-export helper of the import root."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ionos_postgres_pulumi.provider.api as api_package

API = Path(api_package.__file__).parent
ROOT = "ionos_postgres_pulumi"
ALLOWED_FROM_ROOT = {"limits", "lazy"}  # leaf modules of the import root, below every layer


def _imported_from_above(path: Path) -> list[str]:
    """Each import of `path` that reaches outside the api package, except the allowed leaves."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level > 1:
            # level 2 is provider/, level 3 the import root: only `from ... import limits` is below us
            leaves = {node.module} if node.module else {alias.name for alias in node.names}
            if node.level != 3 or not leaves <= ALLOWED_FROM_ROOT:
                found.append(f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import ...")
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [f"line {node.lineno}: {name}" for name in names if _above(name)]
    return found


def _above(absolute: str) -> bool:
    top, _, rest = absolute.partition(".")
    return top == "pulumi" or (top == ROOT and rest.split(".")[0] not in ALLOWED_FROM_ROOT)


@pytest.mark.parametrize("path", sorted(API.rglob("*.py")), ids=lambda p: p.name)
def test_the_api_package_imports_nothing_above_it(path: Path) -> None:
    assert _imported_from_above(path) == []


def test_the_check_sees_an_import_from_the_provider(tmp_path: Path) -> None:
    """The test above would pass on any file if the walk missed these spellings."""
    module = tmp_path / "reaching.py"
    module.write_text(
        "from .. import inputs\nfrom ..fields import INPUT_FIELDS\nfrom ... import limits\n"
        "import ionos_postgres_pulumi.provider.rules.inputs\nfrom pulumi import Output\n"
    )
    assert [line.split(":")[0] for line in _imported_from_above(module)] == [
        "line 1",
        "line 2",
        "line 4",
        "line 5",
    ]
