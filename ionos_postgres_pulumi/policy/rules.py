"""The pack's policies as plain decisions: a cluster's inputs and a configuration in, messages out.

`pack.py` hands each rule to pulumi-policy; here nothing knows of the engine, so every rule is tested alone.
A message names the resource, the field, its value and the rule (with the configuration key that sets
it), so that a reviewer knows what to change without reading this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import limits
from ..provider.api.errors import ConfigurationError
from ..provider.api.regions import normalize_region
from ..provider.rules.inputs import DEFAULTS
from .cities import backup_city, region_city

RESOURCE_TYPE = "pulumi-python:dynamic/ionos:PostgresV2Cluster"
MANDATORY, ADVISORY = "mandatory", "advisory"
WINDOW_MINUTES = 4 * 60  # the service's maintenance window lasts four hours
MINUTES_A_DAY, MINUTES_A_WEEK = 24 * 60, 7 * 24 * 60
WEEKDAYS = [day for day in limits.DAYS_OF_THE_WEEK if day not in ("Saturday", "Sunday")]


@dataclass(frozen=True)
class Cluster:
    """What a policy sees of one cluster: the resource's name, its inputs, and its `protect` option."""

    resource: str
    props: Mapping[str, Any]
    protect: bool = False

    def get(self, path: str) -> Any:
        """A dotted input such as `instances.count`; None when any part is unset."""
        value: Any = self.props
        for part in path.split("."):
            if not isinstance(value, Mapping) or value.get(part) is None:
                return None
            value = value[part]
        return value

    def says(self, path: str, value: Any, rule: str) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # the engine sends every number as a float
        shown = "not set" if value is None else f"{value!r}"
        return f"PostgresV2Cluster {self.resource!r}: {path} is {shown}; {rule}"


Check = Callable[[Cluster, Mapping[str, Any]], list[str]]
TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(:[0-5][0-9])?")


def whole_number(value: Any) -> int | None:
    """A count or a number of days as the engine sends it (a float); None for anything else, which the
    provider's own check rejects with its message (the pack runs beside it, not after it)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        return None
    return int(value)


@dataclass(frozen=True)
class Rule:
    """One policy: its name, what it asks, how strictly by default, its settings and their defaults."""

    name: str
    description: str
    enforcement: str
    check: Check
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # what is wrong with settings that are each right alone (see `configuration`)
    settings_check: Callable[[Mapping[str, Any]], list[str]] | None = None

    def configured(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """The settings' defaults, overridden by the policy's configuration."""
        values = {key: schema["default"] for key, schema in self.settings.items()}
        values.update({k: v for k, v in (given or {}).items() if k in self.settings})
        for key, schema in self.settings.items():
            if schema.get("type") == "integer":
                values[key] = int(values[key])  # JSON numbers arrive as floats
        return values


# -- the checks ----------------------------------------------------------------------------------------


def check_instances(cluster: Cluster, config: Mapping[str, Any]) -> list[str]:
    count, least = cluster.get("instances.count"), int(config["minInstances"])
    if (whole_number(count) or 0) >= least:
        return []
    rule = f"at least {least} instances are required (minInstances), so that a standby takes over"
    return [cluster.says("instances.count", count, rule)]


def check_replication(cluster: Cluster, config: Mapping[str, Any]) -> list[str]:
    count = whole_number(cluster.get("instances.count")) or 0
    names = [str(n) for n in (cluster.resource, cluster.get("name")) if n]
    try:
        wanted = any(re.fullmatch(p, n) for p in config["names"] for n in names)
    except re.error as exc:
        return [cluster.says("name", cluster.get("name"), f"the policy's names hold a bad pattern: {exc}")]
    if count < int(config["fromInstances"]) or not wanted:
        return []
    mode = cluster.get("replication_mode") or DEFAULTS["replication_mode"]
    if mode == "STRICTLY_SYNCHRONOUS":
        return []
    rule = (
        f"a cluster of {config['fromInstances']} or more instances (fromInstances) whose name matches "
        f"{config['names']} (names) must use STRICTLY_SYNCHRONOUS replication, so that no committed "
        "transaction is lost when the primary fails"
    )
    return [cluster.says("replication_mode", mode, rule)]


def check_retention(cluster: Cluster, config: Mapping[str, Any]) -> list[str]:
    days = cluster.get("backup_retention_days")
    days = DEFAULTS["backup_retention_days"] if days is None else days
    least = int(config["minDays"])
    if (whole_number(days) or 0) >= least:
        return []
    rule = f"backups must be kept at least {least} days (minDays)"
    return [cluster.says("backup_retention_days", days, rule)]


def check_backup_city(cluster: Cluster, config: Mapping[str, Any]) -> list[str]:
    location, backups = cluster.get("location"), cluster.get("backup_location")
    if location is None or backups is None:
        return [cluster.says("backup_location", backups, "the backup location must be set")]
    try:
        here = region_city(normalize_region(str(location)))
    except ConfigurationError:
        here = None
    there = backup_city(str(backups), config["backupLocationCities"])
    if here is None or there is None:
        unknown = f"backup location {backups!r}" if there is None else f"location {location!r}"
        return [
            cluster.says(
                "backup_location",
                backups,
                f"this policy cannot tell which city the {unknown} is in; add it to the policy's "
                "backupLocationCities configuration (location: city), or choose a location it knows",
            )
        ]
    if here.casefold() != there.casefold():
        return []
    rule = f"backups must be kept in another city than the cluster; both are in {here}"
    return [cluster.says("backup_location", backups, rule)]


def check_protection(cluster: Cluster, config: Mapping[str, Any]) -> list[str]:
    if cluster.protect or cluster.get("deletion_protection") is True:
        return []
    rule = (
        "deletion protection must be on: set deletion_protection=True, or the resource option "
        "protect=True, so that a destroy or a removed declaration cannot delete the cluster"
    )
    return [cluster.says("deletion_protection", cluster.get("deletion_protection"), rule)]


def check_empty_replacement(cluster: Cluster, config: Mapping[str, Any]) -> list[str]:
    if cluster.get("allow_empty_replacement") is not True:
        return []
    rule = (
        "a replacement must carry the data over; remove allow_empty_replacement, so that a change that "
        "needs a new cluster is refused instead of making an empty one"
    )
    return [cluster.says("allow_empty_replacement", True, rule)]


# -- the maintenance window ----------------------------------------------------------------------------


def minute_of_day(text: str) -> int:
    """`HH:MM` or `HH:MM:SS` (UTC) as minutes since midnight."""
    found = TIME.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not a time written HH:MM:SS")
    return int(found.group(1)) * 60 + int(found.group(2))


def window_intervals(day: str, start: str) -> list[tuple[int, int]]:
    """The four-hour window as minutes of the week from Sunday 00:00, split where it wraps the week."""
    begin = limits.DAYS_OF_THE_WEEK.index(day) * MINUTES_A_DAY + minute_of_day(start)
    end = begin + WINDOW_MINUTES
    if end <= MINUTES_A_WEEK:
        return [(begin, end)]
    return [(begin, MINUTES_A_WEEK), (0, end - MINUTES_A_WEEK)]


def business_intervals(days: Sequence[str], opens: str, closes: str) -> list[tuple[int, int]]:
    found = []
    for day in days:
        base = limits.DAYS_OF_THE_WEEK.index(day) * MINUTES_A_DAY
        found.append((base + minute_of_day(opens), base + minute_of_day(closes)))
    return found


def business_hours_problems(config: Mapping[str, Any]) -> list[str]:
    """Hours that start after they end (or when they end) would make every window pass."""
    opens, closes = config["businessHoursStart"], config["businessHoursEnd"]
    if minute_of_day(opens) < minute_of_day(closes):
        return []
    return [
        f"businessHoursStart {opens} is not before businessHoursEnd {closes}, so no time would be business "
        "hours and every window would pass; give the hours of one day in UTC, start before end"
    ]


def name_pattern_problems(config: Mapping[str, Any]) -> list[str]:
    problems = []
    for pattern in config["names"]:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"names: {pattern!r} is not a regular expression: {exc}")
    return problems


def check_maintenance(cluster: Cluster, config: Mapping[str, Any]) -> list[str]:
    day, start = cluster.get("maintenance_window.day_of_the_week"), cluster.get("maintenance_window.time")
    opens, closes, days = config["businessHoursStart"], config["businessHoursEnd"], config["businessDays"]
    hours = f"{opens}-{closes} UTC on {', '.join(days)}"
    if day not in limits.DAYS_OF_THE_WEEK or not TIME.fullmatch(str(start)):
        rule = f"it must be set outside business hours, {hours}"
        return [cluster.says("maintenance_window", cluster.get("maintenance_window"), rule)]
    window, business = window_intervals(str(day), str(start)), business_intervals(days, opens, closes)
    if not any(a < d and c < b for a, b in window for c, d in business):
        return []
    rule = (
        f"the four-hour window must lie outside business hours, {hours} (businessDays, "
        "businessHoursStart, businessHoursEnd)"
    )
    return [cluster.says("maintenance_window", f"{day} {start} UTC", rule)]
