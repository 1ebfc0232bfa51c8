"""Each policy's decision alone: what passes, what fails, and the message that names resource, field, rule."""

from __future__ import annotations

from typing import Any

import pytest

from ionos_postgres_pulumi.policy.policies import all_rules
from ionos_postgres_pulumi.policy.rules import Cluster, Rule
from ionos_postgres_pulumi.policy.versions import VersionLookupError

COMPLIANT: dict[str, Any] = {
    "name": "orders",
    "location": "de/fra",
    "version": "16",
    "instances": {"count": 3.0, "ram": 4.0, "cores": 2.0, "storage_size": 20.0},
    "maintenance_window": {"time": "02:00:00", "day_of_the_week": "Sunday"},
    "backup_location": "eu-central-3",
    "backup_retention_days": 14.0,
    "replication_mode": "STRICTLY_SYNCHRONOUS",
}


def no_deprecation(location: str) -> frozenset[str]:
    return frozenset({"13"})


RULES = {rule.name: rule for rule in all_rules(no_deprecation)}


def messages(
    name: str, config: dict[str, Any] | None = None, protect: bool = True, **props: Any
) -> list[str]:
    rule: Rule = RULES[name]
    cluster = Cluster("orders-db", {**COMPLIANT, **props}, protect=protect)
    return rule.check(cluster, rule.configured(config))


def test_a_compliant_cluster_passes_every_policy() -> None:
    assert {name: messages(name) for name in RULES} == {name: [] for name in RULES}


def test_every_setting_has_a_default_and_a_type() -> None:
    for rule in RULES.values():
        for key, schema in rule.settings.items():
            assert "default" in schema and "type" in schema, (rule.name, key)


def test_too_few_instances_and_the_threshold() -> None:
    (message,) = messages("ionos-pg-min-instances", instances={"count": 1.0})
    assert message.startswith("PostgresV2Cluster 'orders-db': instances.count is 1; at least 2 instances")
    assert "(minInstances)" in message
    assert messages("ionos-pg-min-instances", {"minInstances": 4.0})[0].startswith(
        "PostgresV2Cluster 'orders-db': instances.count is 3; at least 4 instances"
    )


@pytest.mark.parametrize(
    ("props", "config", "fails"),
    [
        ({"replication_mode": "ASYNCHRONOUS"}, None, True),
        ({"replication_mode": None}, None, True),  # the provider's default is ASYNCHRONOUS
        ({"replication_mode": "ASYNCHRONOUS", "instances": {"count": 2}}, None, False),
        ({"replication_mode": "ASYNCHRONOUS"}, {"names": ["billing-.*"]}, False),
        ({"replication_mode": "ASYNCHRONOUS"}, {"names": ["orders"]}, True),  # the cluster's name
        ({"replication_mode": "ASYNCHRONOUS"}, {"names": ["orders-d"]}, False),  # a pattern matches whole
        ({"replication_mode": "ASYNCHRONOUS", "instances": {"count": 2}}, {"fromInstances": 2}, True),
    ],
)
def test_synchronous_replication_where_required(
    props: dict[str, Any], config: dict[str, Any] | None, fails: bool
) -> None:
    found = messages("ionos-pg-synchronous-replication", config, **props)
    assert bool(found) is fails
    if fails:
        assert "replication_mode is 'ASYNCHRONOUS'; a cluster of" in found[0]


def test_retention_counts_the_providers_default_when_unset() -> None:
    assert messages("ionos-pg-backup-retention", backup_retention_days=None) == []
    (message,) = messages("ionos-pg-backup-retention", {"minDays": 8}, backup_retention_days=None)
    assert message.endswith("backup_retention_days is 7; backups must be kept at least 8 days (minDays)")


@pytest.mark.parametrize(
    ("location", "backups", "said"),
    [
        ("de/fra", "de", "both are in Frankfurt"),
        ("de-txl", "eu-central-3", "both are in Berlin"),
        ("es-vit", "eu-south-2", "both are in Logroño"),
        ("de/fra", "eu-central-4", "cannot tell which city the backup location 'eu-central-4' is in"),
        ("de/fra", "eu-central-2", None),
        ("de-txl", "de", None),
        ("us-las", "de", None),
    ],
)
def test_backups_in_another_city(location: str, backups: str, said: str | None) -> None:
    found = messages("ionos-pg-backup-in-another-city", location=location, backup_location=backups)
    assert found == [] if said is None else said in found[0]


def test_a_team_names_the_city_of_a_location_the_table_lacks() -> None:
    config = {"backupLocationCities": {"eu-central-4": "Frankfurt"}}
    (message,) = messages("ionos-pg-backup-in-another-city", config, backup_location="eu-central-4")
    assert "both are in Frankfurt" in message


def test_deprecated_versions_from_the_service_and_from_the_configuration() -> None:
    assert "the service marks it DEPRECATED" in messages("ionos-pg-no-deprecated-version", version="13")[0]
    assert messages("ionos-pg-no-deprecated-version", {"askTheService": False}, version="13") == []
    listed = {"askTheService": False, "deprecatedVersions": ["15"]}
    assert (
        "in the policy's deprecatedVersions"
        in messages("ionos-pg-no-deprecated-version", listed, version="15")[0]
    )


def test_a_version_lookup_that_fails_is_a_violation_that_says_why() -> None:
    def unreachable(location: str) -> frozenset[str]:
        raise VersionLookupError("GET /versions failed: no response")

    rule = next(r for r in all_rules(unreachable) if r.name == "ionos-pg-no-deprecated-version")
    (message,) = rule.check(Cluster("db", COMPLIANT), rule.configured(None))
    assert "could not ask the service which versions are deprecated (GET /versions failed" in message
    assert rule.check(Cluster("db", COMPLIANT), rule.configured({"askTheService": False})) == []


def test_deletion_protection_by_protect_or_by_the_input() -> None:
    (message,) = messages("ionos-pg-deletion-protection", protect=False)
    assert message.startswith("PostgresV2Cluster 'orders-db': deletion_protection is not set;")
    assert messages("ionos-pg-deletion-protection", protect=False, deletion_protection=True) == []
    assert messages("ionos-pg-deletion-protection", protect=False, deletion_protection=False) != []


@pytest.mark.parametrize(
    ("day", "time", "fails"),
    [
        ("Sunday", "02:00:00", False),
        ("Monday", "09:00:00", True),
        ("Monday", "04:00:00", False),  # ends at 08:00, when business opens
        ("Monday", "04:01:00", True),
        ("Friday", "18:00:00", False),
        ("Sunday", "22:00:00", False),  # into Monday 02:00
        ("Saturday", "22:00:00", False),  # wraps the week into Sunday
        ("Thursday", "23:00:00", False),
        ("Tuesday", "17:59:00", True),
    ],
)
def test_maintenance_window_outside_business_hours(day: str, time: str, fails: bool) -> None:
    window = {"time": time, "day_of_the_week": day}
    found = messages("ionos-pg-maintenance-outside-business-hours", maintenance_window=window)
    assert bool(found) is fails
    if fails:
        assert f"maintenance_window is '{day} {time} UTC'; the four-hour window must lie outside" in found[0]


def test_business_hours_are_configurable() -> None:
    config = {"businessDays": ["Sunday"], "businessHoursStart": "00:00", "businessHoursEnd": "06:00"}
    assert messages("ionos-pg-maintenance-outside-business-hours", config) != []
    window = {"time": "09:00:00", "day_of_the_week": "Monday"}
    assert messages("ionos-pg-maintenance-outside-business-hours", config, maintenance_window=window) == []


def test_an_explicit_yes_to_an_empty_replacement_is_refused() -> None:
    (message,) = messages("ionos-pg-no-empty-replacement", allow_empty_replacement=True)
    assert message.startswith("PostgresV2Cluster 'orders-db': allow_empty_replacement is True;")
    assert messages("ionos-pg-no-empty-replacement", allow_empty_replacement=False) == []


def test_a_bad_name_pattern_is_reported_not_raised() -> None:
    (message,) = messages("ionos-pg-synchronous-replication", {"names": ["(orders"]})
    assert "the policy's names hold a bad pattern: missing ), unterminated subpattern" in message


def test_values_the_providers_check_rejects_are_reported_not_raised() -> None:
    """The pack runs beside the provider's check: a malformed value must not crash the pack."""
    assert messages("ionos-pg-min-instances", instances={"count": "three"}) != []
    assert messages("ionos-pg-backup-retention", backup_retention_days="long") != []
    window = {"time": "2 am", "day_of_the_week": "Sunday"}
    (message,) = messages("ionos-pg-maintenance-outside-business-hours", maintenance_window=window)
    assert "it must be set outside business hours" in message
