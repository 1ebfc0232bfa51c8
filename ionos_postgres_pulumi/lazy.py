"""Names a package hands out on first use: the package imports the module that defines a name only when
somebody asks for it, so that importing the package costs nothing that is not used.

    __getattr__, __dir__ = lazy.exports(__name__, {"PostgresClient": "client", ...})

Each name is looked up once, then kept in the package like an ordinary import.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, where: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module `__getattr__` and `__dir__` for `package`, where `where` maps each name to its submodule."""

    def get(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def names() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return get, names
