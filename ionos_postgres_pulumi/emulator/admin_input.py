"""Typed reads of the admin API's JSON inputs: a value of the wrong type or range is a ValueError
naming the field, which the admin routes answer with a 400."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any


def only_known(data: Mapping[str, Any], known: Iterable[str], what: str) -> None:
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"unknown {what} fields: {', '.join(sorted(unknown))}")


def optional_text(data: Mapping[str, Any], key: str, default: str | None = None) -> str | None:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"{key}: must be a string")
    return value


def text(data: Mapping[str, Any], key: str, default: str) -> str:
    value = optional_text(data, key, default)
    assert value is not None
    return value


def flag(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{key}: must be true or false")
    return value


def optional_whole(
    data: Mapping[str, Any], key: str, low: int, high: int | None = None, default: int | None = None
) -> int | None:
    """An integer from `low` to `high`, or null; a boolean is not one."""
    value = data.get(key)
    if value is None:
        return default
    if type(value) is not int or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ValueError(f"{key}: must be an integer {bound}")
    return value


def whole(data: Mapping[str, Any], key: str, low: int, high: int | None, default: int) -> int:
    value = optional_whole(data, key, low, high, default)
    assert value is not None
    return value


def optional_number(
    data: Mapping[str, Any], key: str, low: float, high: float, default: float | None = None
) -> float | None:
    """A finite number from `low` to `high`, or null; a boolean is not one."""
    value = data.get(key)
    if value is None:
        return default
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise ValueError(f"{key}: must be a number from {low:g} to {high:g}")
    return float(value)
