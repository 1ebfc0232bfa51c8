"""The pure decisions of the provider: normalizing, validating, payloads and outputs (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from ionos_postgres_pulumi.provider.api import models
from ionos_postgres_pulumi.provider.rules import marks, outputs, payloads, validation
from ionos_postgres_pulumi.provider.rules.inputs import KNOWN_INPUTS, from_engine, normalize, parse_duration
from ionos_postgres_pulumi.provider.rules.spec import ClusterSpec
from tests.payloads import PASSWORD, REMOVE, cluster_inputs, set_path


def failures(inputs: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, str]:
    return {v.field: v.message() for v in validation.violations(normalize(inputs), olds)}


def test_valid_inputs_pass() -> None:
    assert failures(cluster_inputs()) == {}


def test_engine_floats_become_ints_and_defaults_are_set() -> None:
    raw = cluster_inputs(instances={"count": 1.0, "ram": 4.0, "cores": 2.0, "storage_size": 20.0})
    inputs = normalize(raw)
    assert inputs["instances"] == {"count": 1, "ram": 4, "cores": 2, "storage_size": 20}
    assert all(type(v) is int for v in inputs["instances"].values())
    assert inputs["replication_mode"] == "ASYNCHRONOUS"
    assert inputs["connection_pooler"] == "DISABLED"
    assert inputs["logs_enabled"] is False
    assert inputs["metrics_enabled"] is False
    assert inputs["backup_retention_days"] == 7
    assert inputs["timeouts"] == {"create": "60m", "update": "60m", "delete": "60m", "failed": "10m"}
    assert normalize({**raw, "timeouts": {"create": "2h"}})["timeouts"]["create"] == "2h"
    assert from_engine({"port": 5432.0, "__provider": "x"}) == {"port": 5432}


# (input path, bad value, field expected in the failure)
BAD_INPUTS: list[tuple[str, Any, str]] = [
    ("location", "mars/olympus", "location"),
    ("location", REMOVE, "location"),
    ("name", "a", "name"),
    ("name", "-x-", "name"),
    ("name", "n" * 64, "name"),
    ("version", "", "version"),
    ("instances.count", 0, "instances.count"),
    ("instances.count", 6, "instances.count"),
    ("instances.ram", 2, "instances.ram"),
    ("instances.ram", 300, "instances.ram"),
    ("instances.cores", 0, "instances.cores"),
    ("instances.cores", 63, "instances.cores"),
    ("instances.storage_size", 5, "instances.storage_size"),
    ("instances.storage_size", 5000, "instances.storage_size"),
    ("instances.ram", "4", "instances.ram"),
    ("instances.ram", 4.5, "instances.ram"),
    ("instances", "large", "instances"),
    ("connection.datacenter_id", "", "connection.datacenter_id"),
    ("connection.lan_id", "two", "connection.lan_id"),
    ("connection.primary_instance_address", "192.168.1.1", "connection.primary_instance_address"),
    ("connection.primary_instance_address", "10.208.1.1/24", "connection.primary_instance_address"),
    ("connection.primary_instance_address", "300.1.1.1/24", "connection.primary_instance_address"),
    ("maintenance_window.time", "24:00:00", "maintenance_window.time"),
    ("maintenance_window.day_of_the_week", "sunday", "maintenance_window.day_of_the_week"),
    ("replication_mode", "SYNCHRONOUS", "replication_mode"),
    ("replication_mode", "STRICTLY_SYNCHRONOUS", "replication_mode"),
    ("credentials.username", "postgres", "credentials.username"),
    ("credentials.username", "x", "credentials.username"),
    ("credentials.username", "has-dash", "credentials.username"),
    ("credentials.password", "short", "credentials.password"),
    ("credentials.password", "nouppercase1!", "credentials.password"),
    ("credentials.database", "my-db", "credentials.database"),
    ("credentials", REMOVE, "credentials"),
    ("backup_location", REMOVE, "backup_location"),
    ("backup_retention_days", 0, "backup_retention_days"),
    ("backup_retention_days", 400, "backup_retention_days"),
    ("connection_pooler", "ON", "connection_pooler"),
    ("logs_enabled", "yes", "logs_enabled"),
    ("restore_from_backup", {"source_backup_id": "not-a-uuid"}, "restore_from_backup.source_backup_id"),
    (
        "restore_from_backup",
        {"recovery_target_datetime": "2026-13-01T00:00:00Z"},
        "restore_from_backup.recovery_target_datetime",
    ),
    ("restore_from_backup", {}, "restore_from_backup"),
    (
        "restore_from_backup",
        {"source_backup_id": "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2", "recovery_target_datetime": "noon"},
        "restore_from_backup.recovery_target_datetime",
    ),
    ("timeouts", {"create": "soon"}, "timeouts.create"),
    (
        "connection.primary_instance_address",
        "192.168.1.100/255.255.255.0",
        "connection.primary_instance_address",
    ),
    ("connection.primary_instance_address", "192.168.1.100/024", "connection.primary_instance_address"),
    (
        "restore_from_backup",
        {
            "source_backup_id": "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2",
            "recovery_target_datetime": "9999-12-31T23:59:59-23:59",
        },
        "restore_from_backup.recovery_target_datetime",
    ),
    (
        "restore_from_backup",
        {
            "source_backup_id": "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2",
            "recovery_target_datetime": "2026-07-01 09:00:00Z",
        },
        "restore_from_backup.recovery_target_datetime",
    ),
    ("timeouts", {"eventually": "5m"}, "timeouts.eventually"),
    ("adopt_existing_id", "cluster-7", "adopt_existing_id"),
    ("storage", 10, "storage"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_INPUTS, ids=lambda v: str(v)[:25])
def test_invalid_inputs_name_the_field_value_and_rule(path: str, value: Any, field: str) -> None:
    found = failures(set_path(cluster_inputs(), path, value))
    assert field in found, found
    message = found[field]
    assert message.startswith(f"{field}: ")
    if path == "credentials.password":
        assert str(value) not in message
        assert "(hidden)" in message
    elif value is not REMOVE and not isinstance(value, dict):
        assert repr(value) in message


def test_downgrade_and_shrink_are_rejected_against_the_old_inputs() -> None:
    olds = normalize(cluster_inputs(version="16"))
    found = failures(cluster_inputs(version="15"), olds)
    assert "older than the current version" in found["version"]
    found = failures(set_path(cluster_inputs(), "instances.storage_size", 10), olds)
    assert "storage can only grow" in found["instances.storage_size"]
    assert "needs allow_major_version_upgrade=True" in failures(cluster_inputs(version="17"), olds)["version"]
    assert failures(cluster_inputs(version="17", allow_major_version_upgrade=True), olds) == {}


def test_a_replacement_is_not_held_to_the_old_clusters_limits() -> None:
    olds = normalize(cluster_inputs(version="16"))
    smaller_elsewhere = set_path(
        cluster_inputs(location="es/vit", version="15"), "instances.storage_size", 10
    )
    assert failures(smaller_elsewhere, olds) == {}


def test_the_owner_mark() -> None:
    owner = marks.Owner("shop/dev/db", "0123456789ab")
    mark = marks.Mark(owner, "made", "7c1e09ab")
    written = "Orders [managed by pulumi: shop/dev/db #0123456789ab, made by attempt 7c1e09ab]"
    assert marks.with_marks("Orders", mark) == written
    assert marks.with_marks("", mark) == written.removeprefix("Orders ")
    assert (
        marks.with_marks(written, marks.Mark(marks.Owner("x/y/z", "ffffffffffff"))).count("managed by") == 1
    )
    assert marks.mark_of(written) == mark
    assert marks.owner_of("Orders") is None
    assert marks.without_marks(written) == "Orders"
    inputs = ClusterSpec.of(normalize(cluster_inputs(__owner=str(owner))))
    wire = payloads.create_properties(inputs, mark).to_wire()
    assert wire["description"] == written


def test_a_mark_is_found_wherever_it_stands_and_reads_as_written() -> None:
    """Text typed after the mark in the console keeps it a mark; a name with spaces reads as written (no
    %20); brackets and control characters cannot end a mark early."""
    owner = marks.Owner("shop/dev/orders db [eu]\n", "0123456789ab")
    written = marks.with_marks("Orders", marks.Mark(owner, "adopted", "00ff00ff"))
    assert "orders db %5Beu%5D%0A" in written and "%20" not in written
    appended = written + " - edited in the console"
    assert marks.mark_of(appended) == marks.Mark(owner, "adopted", "00ff00ff")
    assert marks.without_marks(appended) == "Orders - edited in the console"
    alone = marks.with_marks("", marks.Mark(owner)) + " typed later"
    assert marks.owner_of(alone) == owner
    assert marks.without_marks(alone) == "typed later"
    restored = marks.with_marks("Orders", marks.Mark(owner), restored="2026-07-01T07:00:00Z")
    assert marks.restored_to(restored + " more") == "2026-07-01T07:00:00Z"
    assert marks.without_marks(restored) == "Orders"


def test_a_description_that_reads_as_a_mark_is_refused_at_preview() -> None:
    for text in (
        "Orders DB [managed by pulumi: team-a]",
        "[Restored  by Pulumi to now]",
        "x [MANAGED BY PULUMI",
    ):
        found = failures(cluster_inputs(description=text))
        assert list(found) == ["description"]
        assert repr(text) in found["description"] and "reads as the mark" in found["description"]
    assert failures(cluster_inputs(description="Orders (managed by the team)")) == {}


def test_in_place_restore_is_fine_on_an_existing_cluster() -> None:
    olds = normalize(cluster_inputs())
    restore = {"recovery_target_datetime": "2026-01-01T00:00:00Z"}
    assert failures(cluster_inputs(restore_from_backup=restore), olds) == {}


def test_unknown_values_are_not_validated() -> None:
    inputs = cluster_inputs(name=Unknown(), location=Unknown())
    inputs["instances"]["ram"] = Unknown()
    inputs["credentials"] = Unknown()
    assert failures(inputs) == {}
    assert "instances.ram" in failures(set_path(inputs, "instances.ram", 1))


def test_durations() -> None:
    assert parse_duration("60m") == 3600
    assert parse_duration("1h30m") == 5400
    assert parse_duration("90s") == 90
    assert parse_duration(120) == 120
    for bad in ("", "0m", "soon", -5, True, "5m\n", " 5m ", 0.5, float("inf"), "9" * 310 + "s", "721h"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)


def test_create_payload_uses_the_wire_names() -> None:
    inputs = ClusterSpec.of(normalize(cluster_inputs(connection_pooler="SESSION")))
    wire = payloads.create_properties(inputs, None).to_wire()
    assert wire["instances"] == {"count": 1, "ram": 4, "cores": 2, "storageSize": 20}
    assert wire["backup"] == {"location": "eu-central-3", "retentionDays": 7}
    assert wire["maintenanceWindow"] == {"time": "03:00:00", "dayOfTheWeek": "Sunday"}
    assert wire["connection"]["primaryInstanceAddress"] == "192.168.2.101/24"
    assert wire["credentials"]["password"] == PASSWORD
    assert wire["connectionPooler"] == "SESSION"
    assert "location" not in wire
    assert "timeouts" not in wire
    assert "restoreFromBackup" not in wire


def test_create_from_backup_payload() -> None:
    source = "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2"
    restore = {"source_backup_id": source, "recovery_target_datetime": "2026-07-01T09:00:00Z"}
    inputs = ClusterSpec.of(normalize(cluster_inputs(restore_from_backup=restore)))
    wire = payloads.create_properties(inputs, None).to_wire()
    assert wire["restoreFromBackup"] == {
        "sourceBackupId": source,
        "recoveryTargetDatetime": "2026-07-01T09:00:00Z",
    }


def test_ensure_payload_is_the_whole_cluster_with_credentials() -> None:
    inputs = ClusterSpec.of(normalize(cluster_inputs(description="")))
    wire = payloads.ensure_properties(inputs, None).to_wire()
    assert wire["credentials"] == {"username": "orders", "password": PASSWORD, "database": "orders"}
    assert "description" not in wire
    assert set(wire) >= {"name", "version", "instances", "connection", "maintenanceWindow", "backup"}
    restored = payloads.ensure_properties(inputs, None, restore_to="2026-07-01T09:00:00+02:00").to_wire()
    assert restored["restoreFromBackup"] == {"recoveryTargetDatetime": "2026-07-01T07:00:00Z"}


def _cluster(**metadata: Any) -> models.ClusterRead:
    return models.ClusterRead.model_validate(
        {
            "id": "4e4a7d1e-0000-4000-8000-000000000001",
            "metadata": {"state": "AVAILABLE", "dnsName": "pg-abc.postgresql.de-fra.ionos.com", **metadata},
            "properties": {
                "name": "orders-db",
                "version": "16",
                "instances": {"count": 1, "ram": 4, "cores": 2, "storageSize": 20},
                "connection": {
                    "datacenterId": "dc",
                    "lanId": "2",
                    "primaryInstanceAddress": "192.168.2.101/24",
                },
                "maintenanceWindow": {"time": "03:00:00", "dayOfTheWeek": "Sunday"},
                "replicationMode": "ASYNCHRONOUS",
                "credentials": {"username": "orders", "database": "orders"},
                "connectionPooler": "DISABLED",
                "logsEnabled": False,
                "metricsEnabled": False,
                "backup": {"location": "eu-central-3", "retentionDays": 7},
                "futureField": 1,
            },
        }
    )


def test_outputs_carry_what_only_the_inputs_know() -> None:
    inputs = ClusterSpec.of(normalize(cluster_inputs()))
    outs = outputs.outputs(_cluster(), inputs)
    assert outs["credentials"] == {"username": "orders", "password": PASSWORD, "database": "orders"}
    assert outs["location"] == "de/fra"
    assert outs["instances"]["storage_size"] == 20
    assert outs["backup_location"] == "eu-central-3"
    assert outs["dns_name"] == "pg-abc.postgresql.de-fra.ionos.com"
    assert outs["port"] == 5432
    assert outs["state"] == "AVAILABLE"
    assert (
        outs["connection_uri"]
        == "postgresql://orders:P%40ssw0rd123@pg-abc.postgresql.de-fra.ionos.com:5432/orders"
    )
    assert "futureField" not in outs
    assert set(outputs.inputs_from_outputs(outs)) <= KNOWN_INPUTS
    failed = outputs.outputs(_cluster(state="FAILED", statusMessage="disk"), inputs)
    assert (failed["state"], failed["status_message"]) == ("FAILED", "disk")


def test_connection_uri_escapes_every_part() -> None:
    uri = outputs.connection_uri("u@x", "p/a:ss@?#", "h.example", "d b")
    assert uri == "postgresql://u%40x:p%2Fa%3Ass%40%3F%23@h.example:5432/d%20b"
    assert outputs.connection_uri(None, "p", "h", "d") == ""


@pytest.mark.parametrize(
    "where",
    ["credentials.username", "credentials.database", "connection.password", "timeouts.password", "password"],
)
def test_the_password_is_not_shown_in_another_field_either(where: str) -> None:
    found = failures(set_path(cluster_inputs(), where, PASSWORD))
    assert found, where
    assert all(PASSWORD not in message for message in found.values()), found
