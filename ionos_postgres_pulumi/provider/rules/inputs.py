"""The resource's inputs as the provider receives and keeps them (no network, no engine).

Inputs use the resource's Python names (`instances.storage_size`, `backup_location`); `provider.fields`
pairs each with the API field's wire name. The engine sends every number as a float and,
during a preview, values not known yet as `pulumi.output.Unknown`; `from_engine` and `normalize` turn what
arrives into the inputs the other modules read.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from typing import Any

from pulumi.output import Unknown

from . import fields
from .marks import Owner

# Inputs that only steer the provider: never sent to the API, never a reason to touch the cluster.
SAFETY_FLAGS = ("deletion_protection", "allow_major_version_upgrade", "allow_empty_replacement")
PROVIDER_ONLY = ("timeouts", "adopt_existing_id", *SAFETY_FLAGS)
# Inputs beside the API's fields: the region, and the restore that makes a cluster (or rewinds one).
NOT_API_FIELDS = ("location", "restore_from_backup", *PROVIDER_ONLY)
# What the provider fills in when the program leaves it out (input paths, nested ones dotted): the service's
# own defaults (limits.py, which the emulator fills in the same way), and the provider's own where the API
# requires a value the program may leave out.
DEFAULTS: Mapping[str, Any] = {
    **{f.input_path: f.server_default for f in fields.INPUT_FIELDS if f.server_default is not None},
    "replication_mode": "ASYNCHRONOUS",
    "backup_retention_days": fields.DEFAULT_BACKUP_RETENTION_DAYS,
    **dict.fromkeys(SAFETY_FLAGS, False),
}
KNOWN_INPUTS = frozenset({f.top_input for f in fields.INPUT_FIELDS} | set(NOT_API_FIELDS))
REQUIRED_TOP_LEVEL = (
    "location",
    *dict.fromkeys(
        f.top_input for f in fields.INPUT_FIELDS if f.rule.required and f.input_path not in DEFAULTS
    ),
)
OBJECT_INPUTS = (
    *dict.fromkeys(f.top_input for f in fields.INPUT_FIELDS if f.nested),
    "restore_from_backup",
    "timeouts",
)
# Inputs whose change needs a new cluster.
REPLACE_ON_CHANGE = ("location", "backup_location", "restore_from_backup")
COMPUTED_OUTPUTS = ("cluster_id", "dns_name", "state", "status_message", "port", "connection_uri")
DEFAULT_TIMEOUTS: Mapping[str, str] = {"create": "60m", "update": "60m", "delete": "60m", "failed": "10m"}
INT_INPUTS = tuple(f.input_path for f in fields.INPUT_FIELDS if f.rule.json_type is int)

# Which resource the inputs belong to: "<label> #<identity>", set by PostgresV2Cluster, hidden from diffs
# (a leading "__"); see `rules.marks.Owner`.
OWNER_KEY = "__owner"
# Set when deletion_protection was known when the program declared the resource, and so became the engine's
# `protect`: the engine then enforces it, at preview, and `pulumi state unprotect` lifts it as the engine's
# own advice says. Without it (a value known only later), the provider's delete refuses by itself.
ENGINE_PROTECTS_KEY = "__engine_protects"
HIDDEN_KEPT = (OWNER_KEY, ENGINE_PROTECTS_KEY)  # hidden inputs the outputs keep too
# Set by a replacement's second check (`engine.handover`): the plan that carries the old cluster's data over,
# and the cluster being replaced, which the new resource's create must never take for its own.
CARRY_OVER_KEY = "__carry_over"
REPLACING_KEY = "__replacing"

_DURATION = re.compile(r"(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
LONGEST_TIMEOUT = 30 * 24 * 3600


def owner_in(inputs: Mapping[str, Any]) -> Owner | None:
    """The resource the inputs belong to, as `PostgresV2Cluster` wrote it (None when it is not there)."""
    return Owner.parse(inputs.get(OWNER_KEY))


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def get_path(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; None when absent; an Unknown when any step is unknown."""
    value: Any = data
    for part in path.split("."):
        if is_unknown(value):
            return value
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def parse_duration(text: Any) -> int:
    """'60m', '1h30m', '90s' or a whole number of seconds -> seconds; at most 30 days."""
    seconds = 0
    if isinstance(text, int | float) and not isinstance(text, bool) and math.isfinite(text):
        seconds = int(text) if float(text).is_integer() else 0
    elif isinstance(text, str) and (match := _DURATION.fullmatch(text)) and any(match.groups()):
        parts = [g or "0" for g in match.groups()]
        if all(len(part) <= 7 for part in parts):  # no number of thousands of digits
            hours, minutes, secs = (int(part) for part in parts)
            seconds = hours * 3600 + minutes * 60 + secs
    if not 0 < seconds <= LONGEST_TIMEOUT:
        raise ValueError(
            f"{text!r} is not a duration; write it like '60m', '1h30m' or '90s' (at most 30 days)"
        )
    return seconds


def from_engine(props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties as the engine sent them, without `__provider` and with whole numbers as ints again.

    The engine's wire format has only floating-point numbers, so `count: 2` arrives as `2.0`.
    """
    values = {k: copy.deepcopy(v) for k, v in props.items() if k != "__provider"}
    for path in (*INT_INPUTS, "port"):
        value = get_path(values, path)
        if isinstance(value, float) and value.is_integer():
            set_path(values, path, int(value))
    timeouts = values.get("timeouts")
    if isinstance(timeouts, dict):
        for key, value in timeouts.items():
            if isinstance(value, float) and value.is_integer():
                timeouts[key] = int(value)
    return values


def normalize(news: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as the provider keeps them: ints where the API wants ints, defaults filled in."""
    inputs = from_engine(news)
    for path, default in DEFAULTS.items():
        parent = path.rpartition(".")[0]
        if get_path(inputs, path) is None and (not parent or isinstance(get_path(inputs, parent), dict)):
            set_path(inputs, path, default)
    timeouts = inputs.get("timeouts")
    if timeouts is None:
        inputs["timeouts"] = dict(DEFAULT_TIMEOUTS)
    elif isinstance(timeouts, dict):
        for key, default in DEFAULT_TIMEOUTS.items():
            if timeouts.get(key) is None:
                timeouts[key] = default
    return inputs
