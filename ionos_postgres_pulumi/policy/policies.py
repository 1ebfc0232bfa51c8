"""The pack's policies: name, what each asks, its default enforcement, and its settings with defaults.

Each setting is a JSON schema that the Pulumi CLI checks a `--policy-pack-config` file against; the pack
checks the rest (unknown policies and settings, hours that start after they end) in `configuration` when the
CLI configures it, so a mistyped threshold fails before any policy runs. docs/policy.md is the reference for
users.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .. import limits
from . import rules
from .rules import ADVISORY, MANDATORY, Rule
from .versions import DeprecatedVersions, deprecated_version_check, from_the_service

PACK_NAME = "ionos-postgres"
DAY_NAMES: dict[str, Any] = {"type": "string", "enum": list(limits.DAYS_OF_THE_WEEK)}
HOUR = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}


NO_DEPRECATED_VERSION = "ionos-pg-no-deprecated-version"

RULES: tuple[Rule, ...] = (
    Rule(
        "ionos-pg-min-instances",
        "A production cluster has a standby: at least minInstances instances.",
        MANDATORY,
        rules.check_instances,
        {"minInstances": {"type": "integer", "minimum": 1, "maximum": 5, "default": 2}},
    ),
    Rule(
        "ionos-pg-synchronous-replication",
        "Clusters that need it replicate synchronously (STRICTLY_SYNCHRONOUS).",
        ADVISORY,
        rules.check_replication,
        {
            "fromInstances": {"type": "integer", "minimum": 1, "maximum": 5, "default": 3},
            "names": {"type": "array", "items": {"type": "string"}, "default": [".*"]},
        },
        rules.name_pattern_problems,
    ),
    Rule(
        "ionos-pg-backup-retention",
        "Backups are kept long enough: at least minDays days.",
        MANDATORY,
        rules.check_retention,
        {"minDays": {"type": "integer", "minimum": 1, "maximum": 365, "default": 7}},
    ),
    Rule(
        "ionos-pg-backup-in-another-city",
        "Backups are kept in another city than the cluster.",
        MANDATORY,
        rules.check_backup_city,
        {
            "backupLocationCities": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "default": {},
            }
        },
    ),
    Rule(
        NO_DEPRECATED_VERSION,
        "No cluster runs a PostgreSQL version the service marks deprecated.",
        MANDATORY,
        deprecated_version_check(from_the_service()),
        {
            "askTheService": {"type": "boolean", "default": True},
            "deprecatedVersions": {"type": "array", "items": {"type": "string"}, "default": []},
        },
    ),
    Rule(
        "ionos-pg-deletion-protection",
        "A cluster cannot be deleted by accident: deletion protection (or protect) is on.",
        MANDATORY,
        rules.check_protection,
    ),
    Rule(
        "ionos-pg-maintenance-outside-business-hours",
        "The weekly maintenance window lies outside business hours (UTC).",
        ADVISORY,
        rules.check_maintenance,
        {
            "businessDays": {"type": "array", "items": DAY_NAMES, "default": rules.WEEKDAYS},
            "businessHoursStart": {**HOUR, "default": "08:00"},
            "businessHoursEnd": {**HOUR, "default": "18:00"},
        },
        rules.business_hours_problems,
    ),
    Rule(
        "ionos-pg-no-empty-replacement",
        "A cluster is never replaced by an empty one: no allow_empty_replacement.",
        MANDATORY,
        rules.check_empty_replacement,
    ),
)


def all_rules(deprecated: DeprecatedVersions | None = None) -> tuple[Rule, ...]:
    """Every policy of the pack; `deprecated` answers which versions a region deprecates instead of the
    service (asked through the environment's credentials)."""
    if deprecated is None:
        return RULES
    check = deprecated_version_check(deprecated)
    return tuple(replace(r, check=check) if r.name == NO_DEPRECATED_VERSION else r for r in RULES)
