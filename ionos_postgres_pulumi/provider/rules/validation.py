"""Every broken rule in a resource's inputs, known without asking the API (the preview's first check).

Each `Violation` names the field, the value (never a secret's) and the rule. Values not known yet during
a preview are skipped; they are checked once known.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..api import rules
from ..api.regions import REGIONS, is_region
from .diffing import replaces_the_cluster
from .fields import INPUT_FIELDS
from .inputs import (
    DEFAULT_TIMEOUTS,
    KNOWN_INPUTS,
    OBJECT_INPUTS,
    REQUIRED_TOP_LEVEL,
    SAFETY_FLAGS,
    get_path,
    is_unknown,
    parse_duration,
)
from .marks import mark_like

Violations = list[rules.Violation]
# Objects that hold a secret: a value of the wrong shape is never shown, it may be the secret itself.
SECRET_OBJECTS = frozenset(f.top_input for f in INPUT_FIELDS if f.rule.secret)
RESTORE_FIELDS = ("source_backup_id", "recovery_target_datetime")
# The fields of the objects that hold API fields (restore_from_backup and timeouts are checked below).
_NESTED = [f for f in INPUT_FIELDS if f.nested]
NESTED_FIELDS: dict[str, set[str]] = {
    parent: {r.input_path.split(".", 1)[1] for r in _NESTED if r.top_input == parent}
    for parent in {r.top_input for r in _NESTED}
}


def violations(inputs: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> Violations:
    """Every broken rule in the inputs (already normalized), and in the change from `olds`."""
    found = [*_shape_violations(inputs), *_location_violations(inputs), *_field_violations(inputs)]
    strict = rules.strict_replication_violation(
        inputs.get("replication_mode"), get_path(inputs, "instances.count"), "replication_mode"
    )
    if strict:
        found.append(strict)
    found.extend(_restore_violations(inputs))
    found.extend(_provider_only_violations(inputs))
    found.extend(_mark_violations(inputs))
    if olds and not replaces_the_cluster(olds, inputs):
        found.extend(transition_violations(olds, inputs))
    return _without_the_password(found, inputs)


def _without_the_password(found: Violations, inputs: Mapping[str, Any]) -> Violations:
    """The password given in the wrong field (`credentials.username`, a stray key) is not shown there
    either: any value holding it is hidden."""
    password = get_path(inputs, "credentials.password")
    if not isinstance(password, str) or not password:
        return found
    return [dataclasses.replace(v, secret=True) if password in repr(v.value) else v for v in found]


def _shape_violations(inputs: Mapping[str, Any]) -> Violations:
    missing = [key for key in REQUIRED_TOP_LEVEL if inputs.get(key) is None]
    found = [rules.Violation(key, None, "is required") for key in missing]
    for key in OBJECT_INPUTS:
        value = inputs.get(key)
        if value is not None and not is_unknown(value) and not isinstance(value, Mapping):
            found.append(rules.Violation(key, value, "must be an object", secret=key in SECRET_OBJECTS))
    for key in sorted(k for k in inputs if k not in KNOWN_INPUTS and not k.startswith("__")):
        found.append(rules.Violation(key, inputs[key], "is not an input of PostgresV2Cluster"))
    return found + _unknown_fields(inputs)


def _unknown_fields(inputs: Mapping[str, Any]) -> Violations:
    """A field the API does not have inside an object (the request models would refuse it at create)."""
    found = []
    for parent, fields in NESTED_FIELDS.items():
        given = inputs.get(parent)
        if not isinstance(given, Mapping):
            continue
        rule, secret = (
            f"is not a field of {parent}; its fields are {', '.join(sorted(fields))}",
            parent in SECRET_OBJECTS,
        )
        for key in sorted(set(given) - fields):
            found.append(rules.Violation(f"{parent}.{key}", given[key], rule, secret=secret))
    return found


def _mark_violations(inputs: Mapping[str, Any]) -> Violations:
    """A description that would read as one of the provider's marks (to a person in the console, or to the
    provider, which finds marks anywhere in the description) is the user's text no longer."""
    description = inputs.get("description")
    if not isinstance(description, str):
        return []
    found = mark_like(description)
    if found is None:
        return []
    rule = (
        f"contains {found!r}, which reads as the mark this provider writes into the descriptions of the "
        "clusters it manages; word it otherwise"
    )
    return [rules.Violation("description", description, rule)]


def _location_violations(inputs: Mapping[str, Any]) -> Violations:
    location = inputs.get("location")
    if isinstance(location, str) and not is_region(location):
        hint = "use one of " + ", ".join(r.replace("-", "/") for r in REGIONS)
        return [rules.Violation("location", location, "is not an IONOS PostgreSQL region; " + hint)]
    if location is not None and not is_unknown(location) and not isinstance(location, str):
        return [rules.Violation("location", location, "must be a string such as 'de/fra'")]
    return []


def _field_violations(inputs: Mapping[str, Any]) -> Violations:
    found = []
    for field in INPUT_FIELDS:
        rule = field.rule
        if field.nested and not isinstance(inputs.get(field.top_input), Mapping):
            continue  # reported as missing or not an object
        value = get_path(inputs, field.input_path)
        if is_unknown(value):
            continue
        if value is None:
            if rule.required and inputs.get(field.top_input) is not None:
                found.append(rules.Violation(field.input_path, None, f"is required; must be {rule.describe}"))
            continue
        problem = rule.check(value)
        if problem:
            found.append(rules.Violation(field.input_path, value, problem, secret=rule.secret))
    return found


def transition_violations(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Violations:
    """Changes the service refuses on an existing cluster, and those it would carry out that cannot be
    undone unless the inputs say so, known from the inputs alone."""
    found = []
    downgrade = rules.downgrade_violation(olds.get("version"), news.get("version"), "version")
    if downgrade:
        found.append(downgrade)
    upgrade = major_upgrade_violation(olds.get("version"), news.get("version"), news)
    if upgrade:
        found.append(upgrade)
    shrink = rules.storage_shrink_violation(
        get_path(olds, "instances.storage_size"),
        get_path(news, "instances.storage_size"),
        "instances.storage_size",
    )
    if shrink:
        found.append(shrink)
    return found


def is_major_upgrade(old: Any, new: Any) -> bool:
    if not (isinstance(old, str) and isinstance(new, str)):
        return False
    old_v, new_v = rules.major_version(old), rules.major_version(new)
    return old_v is not None and new_v is not None and new_v > old_v


def major_upgrade_violation(old: Any, new: Any, news: Mapping[str, Any]) -> rules.Violation | None:
    """A major upgrade cannot be undone: it happens only when the inputs allow it in so many words."""
    if not is_major_upgrade(old, new) or news.get("allow_major_version_upgrade") is True:
        return None
    return rules.Violation(
        "version",
        new,
        f"raises the major version from {old!r}; a major-version upgrade cannot be undone, so it needs "
        "allow_major_version_upgrade=True (set it, then run `pulumi up` again)",
    )


def _restore_violations(inputs: Mapping[str, Any]) -> Violations:
    restore = inputs.get("restore_from_backup")
    if not isinstance(restore, Mapping):
        return []
    found = [
        rules.Violation(f"restore_from_backup.{key}", restore[key], "is not a field of restore_from_backup")
        for key in sorted(set(restore) - set(RESTORE_FIELDS))
    ]
    source, when = (restore.get(key) for key in RESTORE_FIELDS)
    if source is not None and not is_unknown(source) and rules.check_uuid(source):
        found.append(
            rules.Violation("restore_from_backup.source_backup_id", source, "must be a backup id (a UUID)")
        )
    if when is not None and not is_unknown(when) and not is_timestamp(when):
        found.append(
            rules.Violation(
                "restore_from_backup.recovery_target_datetime",
                when,
                "must be an RFC 3339 time with a time zone, such as 2026-07-01T09:00:00Z",
            )
        )
    if source is None and when is None:
        rule = "needs source_backup_id, recovery_target_datetime or both"
        found.append(rules.Violation("restore_from_backup", dict(restore), rule))
    return found


def is_timestamp(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        rules.parse_timestamp(value)
    except ValueError:
        return False
    return True


def _provider_only_violations(inputs: Mapping[str, Any]) -> Violations:
    found = []
    timeouts = inputs.get("timeouts")
    for key, value in timeouts.items() if isinstance(timeouts, Mapping) else ():
        if key not in DEFAULT_TIMEOUTS:
            rule = "is not a timeout; use " + ", ".join(DEFAULT_TIMEOUTS)
            found.append(rules.Violation(f"timeouts.{key}", value, rule))
            continue
        if is_unknown(value):
            continue
        try:
            parse_duration(value)
        except ValueError as exc:
            found.append(rules.Violation(f"timeouts.{key}", value, str(exc).split(" is ", 1)[-1]))
    for flag in SAFETY_FLAGS:
        value = inputs.get(flag)
        if value is not None and not is_unknown(value) and not isinstance(value, bool):
            found.append(rules.Violation(flag, value, "is not a boolean; must be true or false"))
    adopt = inputs.get("adopt_existing_id")
    if adopt is not None and not is_unknown(adopt) and rules.check_uuid(adopt):
        rule = "must be the id (a UUID) of an existing cluster"
        found.append(rules.Violation("adopt_existing_id", adopt, rule))
    return found
