"""The emulator's checks of a cluster's body, as the service makes them.

A body of the wrong shape (a wrong JSON type, a missing required field) is a 400; values that break the
API's published rules are a 422. Every message names the field as the API does (`properties.instances.ram`)
and never shows a secret, whatever its type.

The limits are data from `ionos_postgres_pulumi.limits`; the checks are the emulator's own code, written
apart from the client's (`provider/api/rules.py`), so that a mistake on one side shows on the other. Each
check matches the whole value: character sets by membership, ASCII digits only, times and addresses
taken apart by hand.
"""

from __future__ import annotations

from typing import Any

from ionos_postgres_pulumi import limits

from .problems import ApiProblem
from .records import MISSING, lookup
from .wire import ASCII_DIGITS, parse_rfc3339

HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
LOWERCASE = frozenset("abcdefghijklmnopqrstuvwxyz")
UPPERCASE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
SHOWN_LENGTH = 40
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "a boolean"}


def require_properties(body: dict[str, Any]) -> dict[str, Any]:
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ApiProblem(400, ["metadata: must be an object"])
    properties = body.get("properties", MISSING)
    if properties is MISSING:
        raise ApiProblem(400, ["properties: is required"])
    if not isinstance(properties, dict):
        raise ApiProblem(400, ["properties: must be an object"])
    return properties


def check_ensure_id(body: dict[str, Any], cluster_id: str) -> None:
    """A PUT names its cluster twice, in the path and in the body; they must agree."""
    given = body.get("id", MISSING)
    if given is MISSING or given is None:
        raise ApiProblem(400, ["id: is required"])
    if not isinstance(given, str):
        raise ApiProblem(400, ["id: must be a string"])
    if given != cluster_id:
        raise ApiProblem(
            422, [f"id: {shown(given)} does not match the cluster id {cluster_id!r} of the path"]
        )


def check_shape(properties: dict[str, Any], *, credentials_required: bool) -> None:
    problems = shape_problems(properties, credentials_required=credentials_required)
    if problems:
        raise ApiProblem(400, problems)


def shape_problems(properties: dict[str, Any], *, credentials_required: bool) -> list[str]:
    """400-class problems: objects that are not objects, wrong JSON types, missing required fields.

    An object given as null counts as absent; without `credentials` a PUT keeps the cluster's user.
    """
    problems = [
        f"properties.{name}: must be an object"
        for name in limits.CLUSTER_OBJECTS
        if properties.get(name) is not None and not isinstance(properties[name], dict)
    ]
    for known in limits.CLUSTER_FIELDS:
        parent = known.path.partition(".")[0] if "." in known.path else None
        if parent and not isinstance(properties.get(parent), dict | None):
            continue  # reported above
        if parent == "credentials" and not credentials_required and properties.get(parent) is None:
            continue
        value = lookup(properties, known.path)
        if value is MISSING or value is None:
            if known.required:
                problems.append(f"properties.{known.path}: is required")
        elif not has_json_type(value, known.json_type):
            problems.append(f"properties.{known.path}: must be {_TYPE_NAMES[known.json_type]}")
    return problems + restore_shape_problems(properties.get("restoreFromBackup"))


def restore_shape_problems(restore: Any) -> list[str]:
    if restore is None:
        return []
    if not isinstance(restore, dict):
        return ["properties.restoreFromBackup: must be an object"]
    problems = [
        f"properties.restoreFromBackup.{key}: must be a string"
        for key in ("sourceBackupId", "recoveryTargetDatetime")
        if restore.get(key) is not None and not isinstance(restore[key], str)
    ]
    when = restore.get("recoveryTargetDatetime")
    if isinstance(when, str) and not is_rfc3339(when):
        problems.append(
            f"properties.restoreFromBackup.recoveryTargetDatetime: {shown(when)} is not an RFC 3339 "
            "date-time with a time zone, such as 2026-07-01T09:00:00Z"
        )
    return problems


def has_json_type(value: Any, kind: type) -> bool:
    """JSON's types as Python's json reads them: a boolean is not an integer, 4.0 is not an integer."""
    if kind is int:
        return type(value) is int
    return isinstance(value, kind)


def is_rfc3339(text: str) -> bool:
    try:
        parse_rfc3339(text)
    except ValueError:
        return False
    return True


def value_problems(properties: dict[str, Any]) -> list[str]:
    """422-class problems: values of the right type that break the API's rules (shape checked first)."""
    problems = []
    for known in limits.CLUSTER_FIELDS:
        value = lookup(properties, known.path)
        if value is MISSING or value is None:
            continue
        problem = rule_problem(known.rule, value)
        if problem:
            problems.append(
                f"properties.{known.path}: {'(hidden)' if known.secret else shown(value)} {problem}"
            )
    strict = strict_replication_problem(properties)
    return problems + ([strict] if strict else [])


def rule_problem(rule: limits.Rule, value: Any) -> str | None:
    """What is wrong with a value of the right JSON type under one rule, or None."""
    match rule:
        case limits.Integer():
            return None if rule.limits.contains(value) else f"is out of range; must be {rule.describe()}"
        case limits.Text():
            return text_problem(rule, value)
        case limits.Password():
            return password_problem(rule, value)
        case limits.Ipv4Interface():
            return ipv4_interface_problem(rule, value)
        case limits.Choice():
            allowed = value in rule.options
        case limits.Uuid():
            allowed = is_uuid(value)
        case limits.Digits():
            allowed = bool(value) and set(value) <= ASCII_DIGITS
        case limits.TimeOfDay():
            allowed = is_time_of_day(value)
        case limits.CatalogEntry() | limits.AnyText() | limits.Boolean():
            allowed = True  # the type is all; a catalog entry is looked up in the seed (preconditions.py)
    return None if allowed else f"is not allowed; must be {rule.describe()}"


def text_problem(rule: limits.Text, value: str) -> str | None:
    if not rule.length.contains(len(value)):
        return f"has {len(value)} characters; must be {rule.describe()}"
    if not set(value) <= set(rule.characters):
        return f"has a character that is not allowed; must be {rule.describe()}"
    if rule.edges and not (value[0] in rule.edges and value[-1] in rule.edges):
        return f"begins or ends with a character that is not allowed; must be {rule.describe()}"
    if value.lower() in rule.reserved:
        return f"is a name the service reserves for itself; must be {rule.describe()}"
    return None


def password_problem(rule: limits.Password, value: str) -> str | None:
    characters = set(value)
    lacking = [
        kind
        for kind, present in (
            ("a lowercase letter", characters & LOWERCASE),
            ("an uppercase letter", characters & UPPERCASE),
            ("a digit", characters & ASCII_DIGITS),
            (f"one of {rule.specials}", characters & set(rule.specials)),
        )
        if not present
    ]
    if not rule.length.contains(len(value)):
        lacking.insert(0, f"{rule.length.minimum} to {rule.length.maximum} characters (it has {len(value)})")
    return f"lacks {', '.join(lacking)}; must be {rule.describe()}" if lacking else None


def is_uuid(text: str) -> bool:
    """8-4-4-4-12 hexadecimal digits, nothing around them."""
    groups = text.split("-")
    return [len(g) for g in groups] == [8, 4, 4, 4, 12] and all(set(g) <= HEX_DIGITS for g in groups)


def is_time_of_day(text: str) -> bool:
    """HH:MM:SS from 00:00:00 to 23:59:59, two ASCII digits each."""
    parts = text.split(":")
    if [len(p) for p in parts] != [2, 2, 2] or not all(set(p) <= ASCII_DIGITS for p in parts):
        return False
    hour, minute, second = (int(p) for p in parts)
    return hour < 24 and minute < 60 and second < 60


def ipv4_interface_problem(rule: limits.Ipv4Interface, value: str) -> str | None:
    interface = parse_ipv4_interface(value)
    if interface is None:
        return f"is not allowed; must be {rule.describe()}"
    reserved = parse_ipv4_interface(rule.reserved)
    assert reserved is not None, "the reserved network of limits.py is written as address/prefix"
    (address, _), (network, prefix) = interface, reserved
    if address >> (32 - prefix) == network >> (32 - prefix):
        return f"is in the reserved range {rule.reserved}; must be {rule.describe()}"
    return None


def parse_ipv4_interface(text: str) -> tuple[int, int] | None:
    """`192.168.2.101/24` as (address as a number, prefix length); None unless written exactly so."""
    address, slash, prefix = text.partition("/")
    octets = address.split(".")
    if not slash or len(octets) != 4 or not all(_is_decimal(o, 255) for o in octets):
        return None
    if not _is_decimal(prefix, 32):
        return None
    number = 0
    for octet in octets:
        number = number << 8 | int(octet)
    return number, int(prefix)


def _is_decimal(text: str, highest: int) -> bool:
    """ASCII digits without a leading zero, at most `highest`."""
    if not text or len(text) > 3 or not set(text) <= ASCII_DIGITS or (len(text) > 1 and text[0] == "0"):
        return False
    return int(text) <= highest


def strict_replication_problem(properties: dict[str, Any]) -> str | None:
    """STRICTLY_SYNCHRONOUS replication needs at least three instances (a primary and two standbys)."""
    least = limits.STRICT_REPLICATION_MIN_INSTANCES
    count = lookup(properties, "instances.count")
    if properties.get("replicationMode") != "STRICTLY_SYNCHRONOUS" or type(count) is not int:
        return None
    if count >= least:
        return None
    return (
        f"properties.replicationMode: 'STRICTLY_SYNCHRONOUS' needs at least {least} instances "
        f"(instances.count is {count}); use ASYNCHRONOUS or raise the instance count"
    )


def check_uuid(value: str, field: str) -> None:
    if not is_uuid(value):
        raise ApiProblem(400, [f"{field}: {shown(value)} is not a UUID"])


def shown(value: Any) -> str:
    """A value as a message shows it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…'"
