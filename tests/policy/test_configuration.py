"""The pack's configuration checked before any policy runs (`configuration`): what the CLI's schema check
lets through (an unknown setting or policy, hours that start after they end) is refused with a message that
names the policy, the setting and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from ionos_postgres_pulumi.policy.configuration import configuration_problems
from ionos_postgres_pulumi.policy.policies import all_rules

RULES = all_rules()


def as_the_cli_sends(**given: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every policy with its defaults, and what the file gives on top (numbers are floats, as in JSON)."""
    config = {rule.name: {key: schema["default"] for key, schema in rule.settings.items()} for rule in RULES}
    for name, settings in given.items():
        config[name] = {**config.get(name, {}), **settings}
    return config


def test_the_defaults_and_a_documented_configuration_pass() -> None:
    assert configuration_problems(RULES, as_the_cli_sends()) == []
    documented: dict[str, dict[str, Any]] = {
        "ionos-pg-min-instances": {"minInstances": 3.0},
        "ionos-pg-backup-retention": {"minDays": 14.0},
        "ionos-pg-synchronous-replication": {"names": ["orders", "payments-.*"]},
        "ionos-pg-maintenance-outside-business-hours": {
            "businessHoursStart": "07:00",
            "businessHoursEnd": "19:00",
        },
        "ionos-pg-no-deprecated-version": {"askTheService": False, "deprecatedVersions": ["13", "14"]},
    }
    assert configuration_problems(RULES, {**as_the_cli_sends(**documented), "all": {}}) == []


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (
            {"ionos-pg-backup-retention": {"minDay": 14.0}},
            "ionos-pg-backup-retention: unknown setting 'minDay' (did you mean 'minDays'?) "
            "(its settings: minDays)",
        ),
        (
            {"ionos-pg-deletion-protection": {"allowUnprotected": True}},
            "ionos-pg-deletion-protection: unknown setting 'allowUnprotected' (its settings: none)",
        ),
        (
            {"ionos-pg-min-instance": {"minInstances": 3.0}},
            "'ionos-pg-min-instance' is not a policy of this pack (did you mean 'ionos-pg-min-instances'?)",
        ),
        (
            {
                "ionos-pg-maintenance-outside-business-hours": {
                    "businessHoursStart": "18:00",
                    "businessHoursEnd": "08:00",
                }
            },
            "businessHoursStart 18:00 is not before businessHoursEnd 08:00, so no time would be business",
        ),
        (
            {"ionos-pg-min-instances": {"minInstances": "three"}},
            "minInstances: 'three' is not an integer from 1 to 5",
        ),
        (
            {"ionos-pg-min-instances": {"minInstances": 2.5}},
            "minInstances: 2.5 is not an integer from 1 to 5",
        ),
        (
            {"ionos-pg-no-deprecated-version": {"askTheService": "no"}},
            "askTheService: 'no' is not true or false",
        ),
        (
            {"ionos-pg-maintenance-outside-business-hours": {"businessDays": ["Mon"]}},
            "businessDays: item 0: 'Mon' is not one of Sunday, Monday",
        ),
        (
            {"ionos-pg-synchronous-replication": {"names": ["orders("]}},
            "names: 'orders(' is not a regular expression",
        ),
        (
            {"ionos-pg-backup-in-another-city": {"backupLocationCities": {"eu-central-4": 4.0}}},
            "backupLocationCities: 'eu-central-4': 4.0 is not a text",
        ),
    ],
    ids=[
        "misspelled setting",
        "setting of a policy without settings",
        "misspelled policy",
        "hours that start after they end",
        "text for an integer",
        "a fraction for an integer",
        "text for a boolean",
        "an unknown day",
        "a bad name pattern",
        "a city that is no text",
    ],
)
def test_what_the_cli_lets_through_is_refused_with_what_to_fix(given: dict[str, Any], said: str) -> None:
    problems = configuration_problems(RULES, as_the_cli_sends(**given))
    assert len(problems) == 1 and said in problems[0], problems
