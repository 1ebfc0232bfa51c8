"""The resource's inputs and outputs, and the pure decisions about them (no network, no engine).

Inputs use Python-style names (`instances.storage_size`, `backup_location`); the table in
`provider.api.rules` maps each to its wire name, so validation, payload building and reading back
all walk the same table. During a preview a value may be unknown (`pulumi.output.Unknown`); such
values are never validated or compared as if they were known.
"""

from __future__ import annotations

import copy
import re
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pulumi.output import Unknown

from .api import rules
from .api.regions import REGIONS, is_region, normalize_region

if TYPE_CHECKING:
    from .api import models

REQUIRED_TOP_LEVEL = (
    "location",
    "name",
    "version",
    "instances",
    "connection",
    "maintenance_window",
    "credentials",
    "backup_location",
)
OBJECT_INPUTS = (
    "instances",
    "connection",
    "maintenance_window",
    "credentials",
    "restore_from_backup",
    "timeouts",
)
DEFAULTS: Mapping[str, Any] = {
    "replication_mode": "ASYNCHRONOUS",
    "connection_pooler": rules.DEFAULT_CONNECTION_POOLER,
    "logs_enabled": False,
    "metrics_enabled": False,
    "backup_retention_days": rules.DEFAULT_BACKUP_RETENTION_DAYS,
}
DEFAULT_TIMEOUTS: Mapping[str, str] = {"create": "60m", "update": "60m", "delete": "60m"}
INT_INPUTS = tuple(r.input_path for r in rules.CLUSTER_FIELD_RULES if r.json_type is int)

# Who made a cluster: "<project>/<stack>/<resource name>", set by PostgresV2Cluster, hidden from diffs
# (a leading "__"). It goes into the cluster's description as a mark, because the API has no labels:
# the provider continues only clusters with its own mark, and never takes over somebody else's.
OWNER_KEY = "__owner"
_OWNER_MARK = re.compile(r"\s*\[managed by pulumi: ([^\]]+)\]\s*$")

# Inputs that only steer the provider: never sent to the API, never a reason to touch the cluster.
PROVIDER_ONLY = ("timeouts", "adopt_existing_id")
# Inputs whose change needs a new cluster.
REPLACE_ON_CHANGE = ("location", "backup_location", "restore_from_backup")
KNOWN_INPUTS = frozenset(
    {r.input_path.split(".")[0] for r in rules.CLUSTER_FIELD_RULES}
    | {"location", "restore_from_backup", *PROVIDER_ONLY}
)
COMPUTED_OUTPUTS = ("dns_name", "state", "status_message", "port", "connection_uri")

_DURATION = re.compile(r"^\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


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


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def parse_duration(text: Any) -> int:
    """'60m', '1h30m', '90s' or a number of seconds -> seconds."""
    if isinstance(text, int | float) and not isinstance(text, bool) and text > 0:
        return int(text)
    if isinstance(text, str):
        match = _DURATION.match(text)
        if match and any(match.groups()):
            hours, minutes, seconds = (int(g or 0) for g in match.groups())
            total = hours * 3600 + minutes * 60 + seconds
            if total > 0:
                return total
    raise ValueError(f"{text!r} is not a duration; write it like '60m', '1h30m' or '90s'")


def owner_of(description: str | None) -> str | None:
    match = _OWNER_MARK.search(description or "")
    return match.group(1) if match else None


def without_owner(description: str | None) -> str:
    return _OWNER_MARK.sub("", description or "")


def with_owner(description: str | None, owner: str | None) -> str:
    text = without_owner(description)
    return f"{text} [managed by pulumi: {owner}]".strip() if owner else text


def replaces_the_cluster(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether the change makes a new cluster (so the old one's limits on changes do not apply)."""
    old_restore, new_restore = olds.get("restore_from_backup") or {}, news.get("restore_from_backup") or {}
    return (
        comparable(olds.get("location"), "location") != comparable(news.get("location"), "location")
        or olds.get("backup_location") != news.get("backup_location")
        or (
            bool(new_restore.get("source_backup_id"))
            and new_restore.get("source_backup_id") != old_restore.get("source_backup_id")
        )
    )


# ---------------------------------------------------------------------------------------------------
# check: normalize and validate


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
    for key, default in DEFAULTS.items():
        if inputs.get(key) is None:
            inputs[key] = default
    timeouts = inputs.get("timeouts")
    if timeouts is None:
        inputs["timeouts"] = dict(DEFAULT_TIMEOUTS)
    elif isinstance(timeouts, dict):
        for key, default in DEFAULT_TIMEOUTS.items():
            if timeouts.get(key) is None:
                timeouts[key] = default
    return inputs


def violations(inputs: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> list[rules.Violation]:
    """Every broken rule in the inputs (already normalized); unknown values are skipped."""
    found: list[rules.Violation] = []
    for key in REQUIRED_TOP_LEVEL:
        if inputs.get(key) is None:
            found.append(rules.Violation(key, None, "is required"))
    for key in OBJECT_INPUTS:
        value = inputs.get(key)
        if value is not None and not is_unknown(value) and not isinstance(value, Mapping):
            found.append(rules.Violation(key, value, "must be an object"))
    unknown_keys = sorted(k for k in inputs if k not in KNOWN_INPUTS and not k.startswith("__"))
    for key in unknown_keys:
        found.append(rules.Violation(key, inputs[key], "is not an input of PostgresV2Cluster"))

    location = inputs.get("location")
    if isinstance(location, str) and not is_region(location):
        found.append(
            rules.Violation("location", location, "is not an IONOS PostgreSQL region; " + _regions_hint())
        )
    elif location is not None and not is_unknown(location) and not isinstance(location, str):
        found.append(rules.Violation("location", location, "must be a string such as 'de/fra'"))

    for rule in rules.CLUSTER_FIELD_RULES:
        parent = rule.input_path.split(".")[0]
        if "." in rule.input_path and not isinstance(inputs.get(parent), Mapping):
            continue  # reported above as missing or not an object
        value = get_path(inputs, rule.input_path)
        if is_unknown(value):
            continue
        if value is None:
            if rule.required and inputs.get(parent) is not None:
                found.append(rules.Violation(rule.input_path, None, f"is required; must be {rule.describe}"))
            continue
        problem = rule.check(value)
        if problem:
            found.append(rules.Violation(rule.input_path, value, problem, secret=rule.secret))

    strict = rules.strict_replication_violation(
        inputs.get("replication_mode"), get_path(inputs, "instances.count"), "replication_mode"
    )
    if strict:
        found.append(strict)
    found.extend(_restore_violations(inputs, creating=not olds))
    found.extend(_provider_only_violations(inputs))
    if olds and not replaces_the_cluster(olds, inputs):
        found.extend(transition_violations(olds, inputs))
    return found


def transition_violations(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[rules.Violation]:
    """Changes the service refuses on an existing cluster, known from the inputs alone."""
    found = []
    downgrade = rules.downgrade_violation(olds.get("version"), news.get("version"), "version")
    if downgrade:
        found.append(downgrade)
    shrink = rules.storage_shrink_violation(
        get_path(olds, "instances.storage_size"),
        get_path(news, "instances.storage_size"),
        "instances.storage_size",
    )
    if shrink:
        found.append(shrink)
    return found


def _restore_violations(inputs: Mapping[str, Any], creating: bool) -> list[rules.Violation]:
    restore = inputs.get("restore_from_backup")
    if not isinstance(restore, Mapping):
        return []
    found = []
    source = restore.get("source_backup_id")
    when = restore.get("recovery_target_datetime")
    unknown_keys = sorted(set(restore) - {"source_backup_id", "recovery_target_datetime"})
    for key in unknown_keys:
        found.append(
            rules.Violation(
                f"restore_from_backup.{key}", restore[key], "is not a field of restore_from_backup"
            )
        )
    if (
        source is not None
        and not is_unknown(source)
        and (not isinstance(source, str) or not _UUID.match(source))
    ):
        found.append(
            rules.Violation("restore_from_backup.source_backup_id", source, "must be a backup id (a UUID)")
        )
    if when is not None and not is_unknown(when) and not _is_timestamp(when):
        found.append(
            rules.Violation(
                "restore_from_backup.recovery_target_datetime",
                when,
                "must be an RFC 3339 time with a time zone, such as 2026-07-01T09:00:00Z",
            )
        )
    if source is None and when is None:
        found.append(
            rules.Violation(
                "restore_from_backup",
                dict(restore),
                "needs source_backup_id, recovery_target_datetime or both",
            )
        )
    elif source is None and creating and not is_unknown(when):
        found.append(
            rules.Violation(
                "restore_from_backup.recovery_target_datetime",
                when,
                "alone means an in-place restore of an existing cluster; to create a cluster from a backup, "
                "also give restore_from_backup.source_backup_id",
            )
        )
    return found


def _is_timestamp(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        rules.parse_timestamp(value)
    except ValueError:
        return False
    return True


def _provider_only_violations(inputs: Mapping[str, Any]) -> list[rules.Violation]:
    found = []
    timeouts = inputs.get("timeouts")
    if isinstance(timeouts, Mapping):
        for key, value in timeouts.items():
            if key not in DEFAULT_TIMEOUTS:
                found.append(
                    rules.Violation(f"timeouts.{key}", value, "is not a timeout; use create, update, delete")
                )
                continue
            if is_unknown(value):
                continue
            try:
                parse_duration(value)
            except ValueError as exc:
                found.append(rules.Violation(f"timeouts.{key}", value, str(exc).split(" is ", 1)[-1]))
    adopt = inputs.get("adopt_existing_id")
    if adopt is not None and not is_unknown(adopt) and (not isinstance(adopt, str) or not _UUID.match(adopt)):
        found.append(
            rules.Violation("adopt_existing_id", adopt, "must be the id (a UUID) of an existing cluster")
        )
    return found


def _regions_hint() -> str:
    return "use one of " + ", ".join(r.replace("-", "/") for r in REGIONS)


def timeout_seconds(inputs: Mapping[str, Any], operation: str) -> int:
    timeouts = inputs.get("timeouts") or {}
    return parse_duration(timeouts.get(operation) or DEFAULT_TIMEOUTS[operation])


# ---------------------------------------------------------------------------------------------------
# payloads: inputs -> the API's models


def _wire_properties(inputs: Mapping[str, Any]) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    for rule in rules.CLUSTER_FIELD_RULES:
        value = get_path(inputs, rule.input_path)
        if value is not None:
            set_path(wire, rule.api_path, value)
    wire["description"] = with_owner(wire.get("description"), inputs.get(OWNER_KEY))
    if not wire["description"]:
        del wire["description"]
    return wire


def create_properties(inputs: Mapping[str, Any]) -> models.ClusterCreateProperties:
    from .api import models  # pydantic loads only when a request is built, never in a preview

    wire = _wire_properties(inputs)
    restore = inputs.get("restore_from_backup") or {}
    if restore.get("source_backup_id"):
        wire["restoreFromBackup"] = {"sourceBackupId": restore["source_backup_id"]}
        if restore.get("recovery_target_datetime"):
            wire["restoreFromBackup"]["recoveryTargetDatetime"] = rules.parse_timestamp(
                restore["recovery_target_datetime"]
            )
    return models.ClusterCreateProperties.model_validate(wire)


def ensure_properties(inputs: Mapping[str, Any], restore_to: str | None = None) -> models.ClusterProperties:
    """The full desired cluster for a PUT, credentials included; an in-place restore when asked."""
    from .api import models

    wire = _wire_properties(inputs)
    if restore_to:
        wire["restoreFromBackup"] = {"recoveryTargetDatetime": rules.parse_timestamp(restore_to)}
    return models.ClusterProperties.model_validate(wire)


# ---------------------------------------------------------------------------------------------------
# outputs: the cluster as the service reports it, plus what only the inputs know


def described(cluster: models.ClusterRead) -> dict[str, Any]:
    """The cluster as the service reports it, under the resource's input names (no password: the API
    never returns it), with its state and host name."""
    wire = cluster.properties.to_wire()
    outs: dict[str, Any] = {}
    for rule in rules.CLUSTER_FIELD_RULES:
        if rule.secret:
            continue
        value = get_path(wire, rule.api_path)
        if value is not None:
            set_path(outs, rule.input_path, value)
    outs["description"] = without_owner(outs.get("description"))
    outs.update(
        dns_name=cluster.metadata.dns_name or "",
        state=cluster.metadata.state or "UNKNOWN",
        status_message=cluster.metadata.status_message or "",
        port=rules.POSTGRES_PORT,
    )
    return outs


def outputs(cluster: models.ClusterRead, inputs: Mapping[str, Any]) -> dict[str, Any]:
    outs = described(cluster)
    # The API never returns the password, and location, restore and provider settings are ours alone.
    credentials = outs.setdefault("credentials", {})
    for key in ("username", "database"):
        credentials.setdefault(key, get_path(inputs, f"credentials.{key}"))
    credentials["password"] = get_path(inputs, "credentials.password")
    for key in ("location", "restore_from_backup", *PROVIDER_ONLY):
        if inputs.get(key) is not None:
            outs[key] = copy.deepcopy(inputs[key])
    outs["connection_uri"] = connection_uri(
        credentials.get("username"),
        credentials.get("password"),
        outs["dns_name"],
        credentials.get("database"),
    )
    return outs


def inputs_from_outputs(outs: Mapping[str, Any]) -> dict[str, Any]:
    """What the inputs would be to describe the cluster as it is (for refresh)."""
    return {k: copy.deepcopy(v) for k, v in outs.items() if k in KNOWN_INPUTS}


def connection_uri(username: Any, password: Any, host: str, database: Any) -> str:
    if not (username and host):
        return ""

    def quote(part: Any) -> str:
        return urllib.parse.quote(str(part), safe="")

    secret = f":{quote(password)}" if password else ""
    path = f"/{quote(database)}" if database else ""
    return f"postgresql://{quote(username)}{secret}@{host}:{rules.POSTGRES_PORT}{path}"


# ---------------------------------------------------------------------------------------------------
# comparing what the user wrote with what exists


def comparable(value: Any, path: str = "") -> Any:
    """A value with the spellings that mean the same made equal (location, empty description)."""
    if path == "location" and isinstance(value, str) and is_region(value):
        return normalize_region(value)
    if path == "description" and not value:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: comparable(v, f"{path}.{k}" if path else k) for k, v in value.items() if v is not None}
    return value
