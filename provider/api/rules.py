"""The v2 API's rules for a cluster, written once.

The provider's `check`, the emulator's validation and the README's tables all read this module, so a
limit changes in one place. Each field rule knows its wire path (camelCase, as the API names it) and its
input path (snake_case, as the Pulumi resource names it). Values that are not known yet (a Pulumi
preview) are skipped by the callers before they reach a rule.

Sources: ../shared/reference/ionos-pg-v2-api.md §6 ([S] limits from the generated SDKs; the name,
username and database character rules come from the field descriptions; reserved user names from
ionosctl).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

REPLICATION_MODES = ("ASYNCHRONOUS", "STRICTLY_SYNCHRONOUS")
DAYS_OF_THE_WEEK = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
CONNECTION_POOLERS = ("DISABLED", "TRANSACTION", "SESSION")
CLUSTER_STATES = ("PROVISIONING", "AVAILABLE", "UPDATING", "DESTROYING", "FAILED")
RESERVED_USERNAMES = ("postgres", "admin", "standby")
PASSWORD_SPECIALS = "@$!%*?&"  # noqa: S105 - the characters the password rule asks for
RESERVED_NETWORK = ipaddress.ip_network("10.208.0.0/12")
STRICT_REPLICATION_MIN_INSTANCES = 3

DEFAULT_CONNECTION_POOLER = "DISABLED"
DEFAULT_BACKUP_RETENTION_DAYS = 7
POSTGRES_PORT = 5432

_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")
_USERNAME = re.compile(r"^[A-Za-z0-9_]+$")
_DATABASE = re.compile(r"^[A-Za-z0-9_]+$")
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$")


@dataclass(frozen=True)
class IntRange:
    minimum: int
    maximum: int
    unit: str = ""

    def contains(self, value: int) -> bool:
        return self.minimum <= value <= self.maximum

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"an integer from {self.minimum} to {self.maximum}{unit}"


INSTANCE_COUNT = IntRange(1, 5, "instances")
RAM_GB = IntRange(4, 240, "GB per instance")
CORES = IntRange(1, 62, "cores per instance")
STORAGE_GB = IntRange(10, 4096, "GB per instance")
RETENTION_DAYS = IntRange(1, 365, "days")
NAME_LENGTH = IntRange(2, 63)
USERNAME_LENGTH = IntRange(2, 16)
DATABASE_LENGTH = IntRange(2, 63)
PASSWORD_LENGTH = IntRange(8, 63)


@dataclass(frozen=True)
class Violation:
    """One broken rule: where, what was given, and what the rule is."""

    field: str
    value: Any
    rule: str
    secret: bool = False

    def reason(self) -> str:
        """The value and the rule, for places that name the field already (Pulumi's check failures)."""
        if self.value is None:
            return self.rule
        shown = "(hidden)" if self.secret else repr(self.value)
        return f"{shown} {self.rule}"

    def message(self) -> str:
        return f"{self.field}: {self.reason()}"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _in_range(limits: IntRange) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not is_int(value):
            return f"is not an integer; must be {limits.describe()}"
        if not limits.contains(value):
            return f"is out of range; must be {limits.describe()}"
        return None

    return check


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"is not a string; must be one of {', '.join(choices)}"
        if value not in choices:
            hint = ""
            for choice in choices:
                if choice.lower() == value.lower():
                    hint = f" (the case matters: write {choice!r})"
            return f"is not allowed; must be one of {', '.join(choices)}{hint}"
        return None

    return check


def _string(pattern: re.Pattern[str], length: IntRange, what: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"is not a string; must be {what}"
        if not length.contains(len(value)):
            return f"has {len(value)} characters; must have {length.minimum} to {length.maximum} ({what})"
        if not pattern.match(value):
            return f"is not allowed; must be {what}"
        return None

    return check


NAME_RULE = (
    "2 to 63 characters: letters, digits, '-', '_' and '.', beginning and ending with a letter or digit"
)
USERNAME_RULE = "2 to 16 characters: letters, digits and '_'; not postgres, admin or standby"
DATABASE_RULE = "2 to 63 characters: letters, digits and '_'"
PASSWORD_RULE = (
    "8 to 63 characters with at least one lowercase letter, one uppercase letter, one digit and "
    f"one of {PASSWORD_SPECIALS}"
)
TIME_RULE = "a UTC time written HH:MM:SS, such as 16:30:00"
ADDRESS_RULE = (
    "an IPv4 address with its prefix length (CIDR), such as 192.168.1.100/24, outside 10.208.0.0/12"
)


def check_name(value: Any) -> str | None:
    return _string(_NAME, NAME_LENGTH, NAME_RULE)(value)


def check_username(value: Any) -> str | None:
    problem = _string(_USERNAME, USERNAME_LENGTH, USERNAME_RULE)(value)
    if problem is None and value.lower() in RESERVED_USERNAMES:
        return f"is a reserved system user name; must be {USERNAME_RULE}"
    return problem


def check_database(value: Any) -> str | None:
    return _string(_DATABASE, DATABASE_LENGTH, DATABASE_RULE)(value)


def check_password(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"is not a string; must be {PASSWORD_RULE}"
    missing = []
    if not PASSWORD_LENGTH.contains(len(value)):
        missing.append(f"has {len(value)} characters")
    if not any(c.islower() for c in value):
        missing.append("has no lowercase letter")
    if not any(c.isupper() for c in value):
        missing.append("has no uppercase letter")
    if not any(c.isdigit() for c in value):
        missing.append("has no digit")
    if not any(c in PASSWORD_SPECIALS for c in value):
        missing.append(f"has none of {PASSWORD_SPECIALS}")
    if missing:
        return f"{', '.join(missing)}; must be {PASSWORD_RULE}"
    return None


def check_time(value: Any) -> str | None:
    if not isinstance(value, str) or not _TIME.match(value):
        return f"is not allowed; must be {TIME_RULE}"
    return None


def check_primary_instance_address(value: Any) -> str | None:
    if not isinstance(value, str) or "/" not in value:
        return f"is not allowed; must be {ADDRESS_RULE}"
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        return f"is not allowed; must be {ADDRESS_RULE}"
    if interface.version != 4:
        return f"is not an IPv4 address; must be {ADDRESS_RULE}"
    if interface.ip in RESERVED_NETWORK:
        return f"is in the reserved range 10.208.0.0/12; must be {ADDRESS_RULE}"
    return None


def check_non_empty_string(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "is empty or not a string; must be a non-empty string"
    return None


def check_lan_id(value: Any) -> str | None:
    if not isinstance(value, str) or not value.isdigit():
        return "is not allowed; must be the numeric LAN id written as a string, such as '2'"
    return None


def check_string(value: Any) -> str | None:
    return None if isinstance(value, str) else "is not a string"


def check_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "is not a boolean; must be true or false"


@dataclass(frozen=True)
class FieldRule:
    """A rule for one field of the cluster's properties."""

    api_path: str
    input_path: str
    check: Callable[[Any], str | None]
    required: bool
    describe: str
    json_type: type = str  # the type on the wire: a wrong type is a 400, a wrong value a 422
    secret: bool = False


def _int_field(api_path: str, input_path: str, limits: IntRange) -> FieldRule:
    return FieldRule(api_path, input_path, _in_range(limits), True, limits.describe(), json_type=int)


def _bool_field(api_path: str, input_path: str) -> FieldRule:
    return FieldRule(api_path, input_path, check_bool, False, "true or false", json_type=bool)


CLUSTER_FIELD_RULES: tuple[FieldRule, ...] = (
    FieldRule("name", "name", check_name, True, NAME_RULE),
    FieldRule("description", "description", check_string, False, "any text"),
    FieldRule("version", "version", check_non_empty_string, True, "a major version listed by GET /versions"),
    _int_field("instances.count", "instances.count", INSTANCE_COUNT),
    _int_field("instances.ram", "instances.ram", RAM_GB),
    _int_field("instances.cores", "instances.cores", CORES),
    _int_field("instances.storageSize", "instances.storage_size", STORAGE_GB),
    FieldRule(
        "connection.datacenterId",
        "connection.datacenter_id",
        check_non_empty_string,
        True,
        "the UUID of the datacenter",
    ),
    FieldRule("connection.lanId", "connection.lan_id", check_lan_id, True, "the numeric LAN id as a string"),
    FieldRule(
        "connection.primaryInstanceAddress",
        "connection.primary_instance_address",
        check_primary_instance_address,
        True,
        ADDRESS_RULE,
    ),
    FieldRule("maintenanceWindow.time", "maintenance_window.time", check_time, True, TIME_RULE),
    FieldRule(
        "maintenanceWindow.dayOfTheWeek",
        "maintenance_window.day_of_the_week",
        _one_of(DAYS_OF_THE_WEEK),
        True,
        "one of " + ", ".join(DAYS_OF_THE_WEEK),
    ),
    FieldRule(
        "replicationMode",
        "replication_mode",
        _one_of(REPLICATION_MODES),
        True,
        "one of " + ", ".join(REPLICATION_MODES),
    ),
    FieldRule("credentials.username", "credentials.username", check_username, True, USERNAME_RULE),
    FieldRule(
        "credentials.password", "credentials.password", check_password, True, PASSWORD_RULE, secret=True
    ),
    FieldRule("credentials.database", "credentials.database", check_database, True, DATABASE_RULE),
    FieldRule(
        "connectionPooler",
        "connection_pooler",
        _one_of(CONNECTION_POOLERS),
        False,
        "one of " + ", ".join(CONNECTION_POOLERS),
    ),
    _bool_field("logsEnabled", "logs_enabled"),
    _bool_field("metricsEnabled", "metrics_enabled"),
    FieldRule(
        "backup.location",
        "backup_location",
        check_non_empty_string,
        True,
        "a location from GET /backup-locations",
    ),
    _int_field("backup.retentionDays", "backup_retention_days", RETENTION_DAYS),
)


def parse_timestamp(text: str) -> datetime:
    """An RFC 3339 time with its zone (`2026-07-01T09:00:00Z`), as UTC; ValueError otherwise."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed.astimezone(UTC)


def strict_replication_violation(mode: Any, count: Any, field: str = "replicationMode") -> Violation | None:
    """STRICTLY_SYNCHRONOUS replication needs at least three instances."""
    if mode == "STRICTLY_SYNCHRONOUS" and is_int(count) and count < STRICT_REPLICATION_MIN_INSTANCES:
        return Violation(
            field,
            mode,
            f"needs at least {STRICT_REPLICATION_MIN_INSTANCES} instances (instances.count is {count}); "
            "use ASYNCHRONOUS or raise the instance count",
        )
    return None


def major_version(version: str) -> tuple[int, ...] | None:
    """'16' -> (16,), '9.6' -> (9, 6); None when the text is not a version number."""
    parts = version.strip().split(".")
    if not all(part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)


def storage_shrink_violation(old: Any, new: Any, field: str) -> Violation | None:
    if is_int(old) and is_int(new) and new < old:
        return Violation(field, new, f"is smaller than the current {old} GB; storage can only grow")
    return None


def downgrade_violation(old: Any, new: Any, field: str) -> Violation | None:
    if not (isinstance(old, str) and isinstance(new, str)):
        return None
    old_v, new_v = major_version(old), major_version(new)
    if old_v is not None and new_v is not None and new_v < old_v:
        return Violation(
            field, new, f"is older than the current version {old!r}; a major-version upgrade cannot be undone"
        )
    return None


def upgrade_path_violation(old: str, new: str, can_upgrade_to: list[str], field: str) -> Violation | None:
    if old == new or new in can_upgrade_to:
        return None
    targets = ", ".join(repr(v) for v in can_upgrade_to) or "none"
    return Violation(
        field, new, f"is not an upgrade target of version {old!r} (it can be upgraded to: {targets})"
    )


def markdown_table() -> str:
    """The field rules as the README shows them (a test keeps the README in step with this module)."""
    rows = ["| Input | API field | Required by the API | Rule |", "|---|---|---|---|"]
    for rule in CLUSTER_FIELD_RULES:
        required = "yes" if rule.required else "no"
        rows.append(f"| `{rule.input_path}` | `{rule.api_path}` | {required} | {rule.describe} |")
    return "\n".join(rows)
