"""One import root: everything is imported as `ionos_postgres_pulumi...`, never by a folder's bare name.

The package's code lives in the import root; the card's top-level names `provider/`, `components/` and
`emulator/` are links into it. A bare `import provider` would still work from a checkout and load a second
copy of the modules; in a user's project it would load the user's own folder. Nothing may rely on it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOT = "ionos_postgres_pulumi"
BARE = {"provider", "components", "emulator"}


def python_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [REPO / name for name in listed if (REPO / name).is_file()]


def bare_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in BARE]
        elif (
            isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in BARE
        ):
            found.append(str(node.module))
    return found


def test_nothing_imports_the_folders_by_their_bare_names() -> None:
    offenders = {
        str(path.relative_to(REPO)): names for path in python_files() if (names := bare_imports(path))
    }
    assert offenders == {}


def test_the_cards_top_level_names_are_links_into_the_import_root() -> None:
    for folder in BARE:
        real = REPO / ROOT / folder
        assert real.is_dir() and not real.is_symlink()
        assert (REPO / folder).is_symlink()
        assert (REPO / folder).resolve() == real


def test_each_lazy_package_hands_out_exactly_the_names_it_lists() -> None:
    """`__all__` is what type checkers and `import *` see; the lazy table is what an import finds."""
    for package in (ROOT, f"{ROOT}.provider.api"):
        script = (
            f"import {package} as p, sys; "
            "assert sorted(p.__all__) == sorted(p._WHERE), (sorted(p.__all__), sorted(p._WHERE)); "
            "[getattr(p, n) for n in p.__all__]; "
            "assert set(p.__all__) <= set(dir(p)); "
            "assert not hasattr(p, 'no_such_name')"
        )
        subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True)


def climbs_out_of_its_folder(path: Path) -> list[str]:
    """Relative imports of a file under a linked folder that reach above that folder: opened through the link
    at the top (`emulator/handler.py`), the file is module `emulator.handler`, and `..` names nothing."""
    depth = len(path.relative_to(REPO / ROOT).parts) - 1  # emulator/handler.py: 1; provider/engine/x.py: 2
    return [
        "." * node.level + (node.module or "")
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ImportFrom) and node.level > depth
    ]


def test_no_file_of_the_emulator_or_the_components_imports_from_above_its_folder() -> None:
    offenders = {
        str(path.relative_to(REPO)): names
        for folder in ("emulator", "components")
        for path in sorted((REPO / ROOT / folder).rglob("*.py"))
        if (names := climbs_out_of_its_folder(path))
    }
    assert offenders == {}
