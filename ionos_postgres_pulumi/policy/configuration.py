"""The pack's configuration checked before any policy runs: every policy named is one of the pack's, every
setting is one of its policy's and of the right type and range, and settings that only make sense together
(business hours that start before they end) do.

The Pulumi CLI checks a `--policy-pack-config` file against each setting's schema, but only the settings a
schema names: a misspelled one (`minDay` for `minDays`) would be dropped in silence and its policy would run
with the default, and a policy without settings is not checked at all. The CLI hands the whole configuration
to the pack (`Configure`) before the first resource is analyzed; refusing it there fails the preview with
these messages, before any policy decides anything.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .rules import Rule

ALL = "all"  # the key that sets every policy's level at once


def configuration_problems(rules: Sequence[Rule], given: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What is wrong with the configuration of each policy (as the CLI sends it, defaults filled in)."""
    by_name = {rule.name: rule for rule in rules}
    problems = []
    for name, settings in sorted(given.items()):
        rule = by_name.get(name)
        if rule is None and name != ALL:
            problems.append(f"{name!r} is not a policy of this pack{_did_you_mean(name, by_name)}")
        elif rule is not None:
            problems += [f"{name}: {problem}" for problem in setting_problems(rule, settings or {})]
    return problems


def setting_problems(rule: Rule, settings: Mapping[str, Any]) -> list[str]:
    known = ", ".join(rule.settings) or "none"
    problems = [
        f"unknown setting {key!r}{_did_you_mean(key, rule.settings)} (its settings: {known})"
        for key in sorted(set(settings) - set(rule.settings))
    ]
    for key, schema in rule.settings.items():
        if key in settings:
            problems += [f"{key}: {problem}" for problem in value_problems(settings[key], schema)]
    if not problems and rule.settings_check is not None:
        problems += rule.settings_check(rule.configured(settings))
    return problems


def value_problems(value: Any, schema: Mapping[str, Any]) -> list[str]:
    """How `value` breaks `schema` (the JSON schema subset the pack's settings use)."""
    kind = schema.get("type")
    if kind == "integer":
        whole = isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer()
        low, high = schema.get("minimum"), schema.get("maximum")
        if not whole or (low is not None and value < low) or (high is not None and value > high):
            return [f"{value!r} is not an integer from {low} to {high}"]
    elif kind == "boolean" and not isinstance(value, bool):
        return [f"{value!r} is not true or false"]
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{value!r} is not a text"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{value!r} is not one of {', '.join(schema['enum'])}"]
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return [f"{value!r} is not written as the setting asks ({schema['pattern']})"]
    elif kind == "array":
        if not isinstance(value, list):
            return [f"{value!r} is not a list"]
        return [
            f"item {i}: {p}" for i, item in enumerate(value) for p in value_problems(item, schema["items"])
        ]
    elif kind == "object":
        if not isinstance(value, Mapping):
            return [f"{value!r} is not an object"]
        each = schema.get("additionalProperties", {})
        return [f"{key!r}: {p}" for key, item in value.items() for p in value_problems(item, each)]
    return []


def _did_you_mean(name: str, known: Mapping[str, Any] | Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
