"""Files the provider keeps on this machine between its processes (`journal`, `timings`), in one place.

Each lives where its environment variable says, by default under `$XDG_CACHE_HOME/ionos-postgres-pulumi`
(`~/.cache/...`); the variable set to `off` (or 0, false, no) keeps nothing. A file is replaced whole (a
temporary file renamed over it), so that a reader in another process never sees half of it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

OFF = frozenset({"off", "0", "false", "no"})
CACHE_FOLDER = "ionos-postgres-pulumi"


def cache_path(variable: str, default_name: str) -> Path | None:
    """The path `$variable` names, else `default_name` in this package's cache folder; None when off."""
    configured = os.environ.get(variable, "")
    if configured.lower() in OFF:
        return None
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(cache) / CACHE_FOLDER / default_name


def read_json(path: Path) -> Any:
    """What the file holds; None when it is missing or unreadable (a cache is never worth an error)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: Any) -> None:
    """Replace the file whole with `data`; OSError when it cannot be written (a read-only home)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(data, out)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
