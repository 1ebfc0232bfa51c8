"""The client's checks of a cluster's fields: the published limits (`ionos_postgres_pulumi.limits`) applied.

The provider's `check` and the request models call these before anything is sent. Each field rule knows
its wire path (camelCase, as the API names it); the resource's input names are the provider's business
(`provider/rules/fields.py`). A rule matches the whole value: patterns are full matches, "digits" are ASCII
digits, numbers are whole and finite. Values not known yet (a Pulumi preview) are skipped by the callers
before they reach a rule. The emulator applies the same limits with checks of its own
(`emulator/validation.py`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ... import limits

RESERVED_NETWORK = ipaddress.ip_network(limits.RESERVED_NETWORK)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DIGITS = re.compile(r"[0-9]+")
_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# An IPv4 address and a prefix length of 0 to 32, written plainly (no netmask, no leading zeros).
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4_INTERFACE = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}/(?:3[0-2]|[12]?[0-9])")


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


def _text_pattern(rule: limits.Text) -> re.Pattern[str]:
    allowed = "[" + re.escape(rule.characters) + "]"
    if not rule.edges:
        return re.compile(f"{allowed}*")
    edge = "[" + re.escape(rule.edges) + "]"
    return re.compile(f"{edge}(?:{allowed}*{edge})?")


def _check_integer(rule: limits.Integer) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not is_int(value):
            return f"is not an integer; must be {rule.describe()}"
        if not rule.limits.contains(value):
            return f"is out of range; must be {rule.describe()}"
        return None

    return check


def _check_text(rule: limits.Text) -> Callable[[Any], str | None]:
    pattern = _text_pattern(rule)

    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"is not a string; must be {rule.words}"
        if not rule.length.contains(len(value)):
            low, high = rule.length.minimum, rule.length.maximum
            return f"has {len(value)} characters; must have {low} to {high} ({rule.words})"
        if not pattern.fullmatch(value):
            return f"is not allowed; must be {rule.words}"
        if value.lower() in rule.reserved:
            return f"is a reserved system user name; must be {rule.words}"
        return None

    return check


def _check_password(rule: limits.Password) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"is not a string; must be {rule.describe()}"
        missing = []
        if not rule.length.contains(len(value)):
            missing.append(f"has {len(value)} characters")
        for kind, present in (
            ("lowercase letter", any(c in "abcdefghijklmnopqrstuvwxyz" for c in value)),
            ("uppercase letter", any(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for c in value)),
            ("digit", any(c in "0123456789" for c in value)),
        ):
            if not present:
                missing.append(f"has no {kind}")
        if not any(c in rule.specials for c in value):
            missing.append(f"has none of {rule.specials}")
        return f"{', '.join(missing)}; must be {rule.describe()}" if missing else None

    return check


def _check_choice(rule: limits.Choice) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"is not a string; must be {rule.describe()}"
        if value not in rule.options:
            same = [option for option in rule.options if option.lower() == value.lower()]
            hint = f" (the case matters: write {same[0]!r})" if same else ""
            return f"is not allowed; must be {rule.describe()}{hint}"
        return None

    return check


def _check_pattern(pattern: re.Pattern[str], words: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return f"is not allowed; must be {words}"
        return None

    return check


def check_primary_instance_address(value: Any) -> str | None:
    words = limits.Ipv4Interface(limits.RESERVED_NETWORK).describe()
    # ipaddress also takes a netmask, leading zeros and spaces around: the whole value must be the plain form.
    if not isinstance(value, str) or not _IPV4_INTERFACE.fullmatch(value):
        return f"is not allowed; must be {words}"
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        return f"is not allowed; must be {words}"
    if interface.version != 4:
        return f"is not an IPv4 address; must be {words}"
    if interface.ip in RESERVED_NETWORK:
        return f"is in the reserved range {limits.RESERVED_NETWORK}; must be {words}"
    return None


def check_non_empty_string(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        return "is empty, has spaces around it, or is not a string; must be a non-empty string"
    return None


def check_string(value: Any) -> str | None:
    return None if isinstance(value, str) else "is not a string"


def check_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "is not a boolean; must be true or false"


def checker(rule: limits.Rule) -> Callable[[Any], str | None]:
    """The check of one kind of rule: None when the value keeps it, else what is wrong."""
    match rule:
        case limits.Integer():
            return _check_integer(rule)
        case limits.Text():
            return _check_text(rule)
        case limits.Password():
            return _check_password(rule)
        case limits.Choice():
            return _check_choice(rule)
        case limits.Uuid():
            return _check_pattern(_UUID, rule.describe())
        case limits.Digits():
            return _check_pattern(_DIGITS, rule.describe())
        case limits.Ipv4Interface():
            return check_primary_instance_address
        case limits.TimeOfDay():
            return _check_pattern(_TIME, rule.describe())
        case limits.CatalogEntry():
            return check_non_empty_string
        case limits.AnyText():
            return check_string
        case limits.Boolean():
            return check_bool


check_name = checker(limits.NAME)
check_username = checker(limits.USERNAME)
check_database = checker(limits.DATABASE)
check_password = checker(limits.PASSWORD)
check_time = checker(limits.TimeOfDay())
check_lan_id = checker(limits.Digits("LAN id"))
check_uuid = checker(limits.Uuid("datacenter"))


@dataclass(frozen=True)
class FieldRule:
    """A rule for one field of the cluster's properties, known by its wire path."""

    api_path: str
    check: Callable[[Any], str | None]
    required: bool
    describe: str
    json_type: type = str
    secret: bool = False


CLUSTER_FIELD_RULES: tuple[FieldRule, ...] = tuple(
    FieldRule(
        field.path,
        checker(field.rule),
        field.required,
        field.rule.describe(),
        field.json_type,
        field.secret,
    )
    for field in limits.CLUSTER_FIELDS
)


def parse_timestamp(text: str) -> datetime:
    """An RFC 3339 time with its zone (`2026-07-01T09:00:00Z`), as UTC; ValueError otherwise."""
    if not _RFC3339.fullmatch(text):
        raise ValueError("not an RFC 3339 time with a time zone")
    try:
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00")).astimezone(UTC)
    except OverflowError:  # a moment that has no UTC time (year 1 east of Greenwich, 9999 west of it)
        raise ValueError("out of the range of times") from None


def strict_replication_violation(mode: Any, count: Any, field: str = "replicationMode") -> Violation | None:
    """STRICTLY_SYNCHRONOUS replication needs at least three instances."""
    least = limits.STRICT_REPLICATION_MIN_INSTANCES
    if mode == "STRICTLY_SYNCHRONOUS" and is_int(count) and count < least:
        return Violation(
            field,
            mode,
            f"needs at least {least} instances (instances.count is {count}); "
            "use ASYNCHRONOUS or raise the instance count",
        )
    return None


def major_version(version: str) -> tuple[int, ...] | None:
    """'16' -> (16,), '9.6' -> (9, 6); None when the text is not a version number."""
    parts = version.strip().split(".")
    if not all(_DIGITS.fullmatch(part) for part in parts):
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
