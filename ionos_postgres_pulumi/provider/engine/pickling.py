"""A work-around for the Pulumi SDK's pickler leak, so that one process can declare thousands of clusters.

Every dynamic resource the SDK registers goes through `pulumi.dynamic.dynamic.serialize_provider` (pulumi
3.272), which makes dill sort dictionaries by setting `pickle._Pickler._batch_setitems` to a function that
sorts and then calls the `_batch_setitems` it found there, and never puts the old one back. The next
registration wraps the wrapper: the N-th serialization goes through N nested calls for every dictionary, so
each registration costs more than the one before, and at about the 980th the nesting exceeds Python's
recursion limit (`RecursionError: maximum recursion depth exceeded`): a large program, or an Automation API
service that runs many stacks in one process, dies.

Before each of our registrations, `unwrap_leaked_pickler_sorting` takes off the wrappers that earlier
registrations left (ours or any other dynamic resource's), so the SDK wraps pickle's own function once. It
recognizes only the SDK's wrappers (defined in `pulumi.dynamic.dynamic`, holding the wrapped function as
`unsorted_batch_setitems`), so a fixed SDK, which leaves none, is left exactly as it is; so is a pickler
someone else changed. Like the SDK's own patching, it is not meant for registrations from several threads
at once.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

SDK_MODULE = "pulumi.dynamic.dynamic"
WRAPPED_NAME = "unsorted_batch_setitems"


def wrapped_by_the_sdk(function: Any) -> Callable[..., Any] | None:
    """The function an SDK sorting wrapper calls, when `function` is such a wrapper; otherwise None."""
    code = getattr(function, "__code__", None)
    closure = getattr(function, "__closure__", None)
    if getattr(function, "__module__", None) != SDK_MODULE or code is None or not closure:
        return None
    if WRAPPED_NAME not in code.co_freevars:
        return None
    inner = closure[code.co_freevars.index(WRAPPED_NAME)].cell_contents
    return inner if callable(inner) else None


def leaked_wrappers() -> int:
    """How many SDK sorting wrappers `pickle._Pickler._batch_setitems` is nested in now."""
    depth, current = 0, pickle._Pickler.__dict__.get("_batch_setitems")
    while (current := wrapped_by_the_sdk(current)) is not None:
        depth += 1
    return depth


def unwrap_leaked_pickler_sorting() -> int:
    """Put back the `_batch_setitems` the SDK's leftover wrappers hold; returns how many were taken off."""
    pickler: Any = pickle._Pickler
    original = pickler.__dict__.get("_batch_setitems")
    removed = 0
    while (inner := wrapped_by_the_sdk(original)) is not None:
        original, removed = inner, removed + 1
    if removed:
        pickler._batch_setitems = original
    return removed
