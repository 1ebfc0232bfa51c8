"""Each input's words where `help()` shows them: an argument class's docstring lists its fields with the
docstring written right below each (which editors show on hover), read from the source once.

The README's tables are made from the same docstrings (scripts/readme_tables.py).
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys


def field_docs(cls: type) -> dict[str, str]:
    """Each annotated attribute's docstring (the string right below it), along the class's bases."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("ionos_postgres_pulumi"):
            docs.update(_own_docs(klass))
    return docs


def _own_docs(cls: type) -> dict[str, str]:
    return _docs_of_module(cls.__module__).get(cls.__qualname__, {})


@functools.cache
def _docs_of_module(module: str) -> dict[str, dict[str, str]]:
    """Class name -> field -> words, for every class of a module, from one reading of its source."""
    try:
        source = inspect.getsource(sys.modules[module])
    except (OSError, TypeError, KeyError):  # no source at hand (a frozen build): the classes keep their words
        return {}
    found: dict[str, dict[str, str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            found[node.name] = _attribute_docs(node)
    return found


def _attribute_docs(node: ast.ClassDef) -> dict[str, str]:
    docs = {}
    for item, following in zip(node.body, [*node.body[1:], None], strict=True):
        if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
            continue
        if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            docs[item.target.id] = " ".join(str(following.value.value).split())
    return docs


def with_field_docs(cls: type) -> type:
    """`cls` with its fields and their words added to its docstring, for `help()`."""
    docs = field_docs(cls)
    if docs:
        listed = "\n".join(f"    {name}: {words}" for name, words in docs.items())
        cls.__doc__ = f"{inspect.cleandoc(cls.__doc__ or '')}\n\nFields:\n{listed}\n"
    return cls
