"""The emulator validates like the service: a table of bad bodies, each with its status and field."""

from __future__ import annotations

from typing import Any

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from tests.emulator.conftest import Raw
from tests.payloads import DATACENTER_ID, PASSWORD, REMOVE, cluster_properties, set_path

MISSING_BACKUP = "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2"

# (path, value, status, field named in the message)
CREATE_CASES: list[tuple[str, Any, int, str]] = [
    ("instances.count", 0, 422, "instances.count"),
    ("instances.count", 6, 422, "instances.count"),
    ("instances.count", 1.5, 400, "instances.count"),
    ("instances.ram", 3, 422, "instances.ram"),
    ("instances.ram", 241, 422, "instances.ram"),
    ("instances.ram", "4", 400, "instances.ram"),
    ("instances.cores", 0, 422, "instances.cores"),
    ("instances.cores", 63, 422, "instances.cores"),
    ("instances.storageSize", 9, 422, "instances.storageSize"),
    ("instances.storageSize", 4097, 422, "instances.storageSize"),
    ("instances", REMOVE, 400, "instances.count"),
    ("instances", "big", 400, "instances"),
    ("name", "a", 422, "name"),
    ("name", "x" * 64, 422, "name"),
    ("name", "-leading-dash", 422, "name"),
    ("name", "trailing_", 422, "name"),
    ("name", "has space", 422, "name"),
    ("name", REMOVE, 400, "name"),
    ("name", 42, 400, "name"),
    ("version", "12", 422, "version"),
    ("version", REMOVE, 400, "version"),
    ("credentials.username", "a", 422, "credentials.username"),
    ("credentials.username", "u" * 17, 422, "credentials.username"),
    ("credentials.username", "postgres", 422, "credentials.username"),
    ("credentials.username", "admin", 422, "credentials.username"),
    ("credentials.username", "standby", 422, "credentials.username"),
    ("credentials.username", "bad-user", 422, "credentials.username"),
    ("credentials.password", "alllowercase1!", 422, "credentials.password"),
    ("credentials.password", "NODIGITS!!ab", 422, "credentials.password"),
    ("credentials.password", "NoSpecial123", 422, "credentials.password"),
    ("credentials.password", "Sh0rt!", 422, "credentials.password"),
    ("credentials.password", "L0ng!" + "x" * 60, 422, "credentials.password"),
    ("credentials.database", "d", 422, "credentials.database"),
    ("credentials.database", "bad-db", 422, "credentials.database"),
    ("credentials", REMOVE, 400, "credentials.username"),
    ("maintenanceWindow.time", "25:00:00", 422, "maintenanceWindow.time"),
    ("maintenanceWindow.time", "9:00", 422, "maintenanceWindow.time"),
    ("maintenanceWindow.dayOfTheWeek", "sunday", 422, "maintenanceWindow.dayOfTheWeek"),
    ("maintenanceWindow.dayOfTheWeek", "Funday", 422, "maintenanceWindow.dayOfTheWeek"),
    ("replicationMode", "SYNCHRONOUS", 422, "replicationMode"),
    ("replicationMode", "STRICTLY_SYNCHRONOUS", 422, "replicationMode"),
    ("connection.primaryInstanceAddress", "192.168.1.10", 422, "connection.primaryInstanceAddress"),
    ("connection.primaryInstanceAddress", "10.210.0.5/24", 422, "connection.primaryInstanceAddress"),
    ("connection.primaryInstanceAddress", "not-an-ip/24", 422, "connection.primaryInstanceAddress"),
    ("connection.primaryInstanceAddress", "fe80::1/64", 422, "connection.primaryInstanceAddress"),
    ("connection.lanId", "two", 422, "connection.lanId"),
    ("connection.lanId", 2, 400, "connection.lanId"),
    ("connection.datacenterId", "", 422, "connection.datacenterId"),
    ("connectionPooler", "ENABLED", 422, "connectionPooler"),
    ("logsEnabled", "yes", 400, "logsEnabled"),
    ("metricsEnabled", 1, 400, "metricsEnabled"),
    ("backup.retentionDays", 0, 422, "backup.retentionDays"),
    ("backup.retentionDays", 366, 422, "backup.retentionDays"),
    ("backup.location", "mars-1", 422, "backup.location"),
    ("backup", REMOVE, 400, "backup.location"),
    ("restoreFromBackup", {"sourceBackupId": MISSING_BACKUP}, 422, "restoreFromBackup.sourceBackupId"),
    ("restoreFromBackup", {"recoveryTargetDatetime": "2026-01-01T00:00:00Z"}, 422, "restoreFromBackup"),
    (
        "restoreFromBackup",
        {"sourceBackupId": MISSING_BACKUP, "recoveryTargetDatetime": "yesterday"},
        400,
        "restoreFromBackup.recoveryTargetDatetime",
    ),
]


@pytest.mark.parametrize(("path", "value", "status", "field"), CREATE_CASES, ids=lambda v: str(v)[:30])
def test_create_rejects(raw: Raw, path: str, value: Any, status: int, field: str) -> None:
    response = raw.post("/clusters", {"properties": set_path(cluster_properties(), path, value)})
    assert response.status_code == status, response.text
    body = response.json()
    assert body["httpStatus"] == status
    assert any(field in m["message"] for m in body["messages"]), body
    if path == "credentials.password":
        assert str(value) not in response.text
    assert raw.get("/clusters").json()["items"] == []


def test_a_body_without_properties_is_a_400(raw: Raw) -> None:
    response = raw.post("/clusters", {"name": "x"})
    assert response.status_code == 400
    assert "properties" in response.json()["messages"][0]["message"]


def test_every_problem_is_reported_at_once(raw: Raw) -> None:
    bad = set_path(set_path(cluster_properties(), "instances.ram", 1), "name", "-x-")
    messages = [m["message"] for m in raw.post("/clusters", {"properties": bad}).json()["messages"]]
    assert any("instances.ram" in m for m in messages)
    assert any("properties.name" in m for m in messages)


@pytest.fixture
def available(raw: Raw) -> dict[str, Any]:
    created = raw.create(cluster_properties(instances={"count": 1, "ram": 4, "cores": 2, "storageSize": 20}))
    raw.get(f"/clusters/{created['id']}")
    return created


def put(raw: Raw, cluster: dict[str, Any], properties: dict[str, Any], body_id: Any = None) -> Any:
    return raw.put(f"/clusters/{cluster['id']}", {"id": body_id or cluster["id"], "properties": properties})


UPDATE_CASES: list[tuple[str, Any, int, str]] = [
    ("version", "15", 422, "version"),  # a downgrade
    ("version", "18", 422, "version"),  # 16 can only go to 17
    ("instances.storageSize", 10, 422, "instances.storageSize"),  # shrink
    ("backup.location", "de", 422, "backup.location"),  # immutable
    ("restoreFromBackup", {"sourceBackupId": MISSING_BACKUP}, 422, "restoreFromBackup.sourceBackupId"),
    ("restoreFromBackup", {"recoveryTargetDatetime": "2020-01-01T00:00:00Z"}, 422, "recoveryTargetDatetime"),
    ("instances.cores", 99, 422, "instances.cores"),
]


@pytest.mark.parametrize(("path", "value", "status", "field"), UPDATE_CASES, ids=lambda v: str(v)[:30])
def test_update_rejects(
    raw: Raw, available: dict[str, Any], path: str, value: Any, status: int, field: str
) -> None:
    base = cluster_properties(instances={"count": 1, "ram": 4, "cores": 2, "storageSize": 20})
    response = put(raw, available, set_path(base, path, value))
    assert response.status_code == status, response.text
    assert any(field in m["message"] for m in response.json()["messages"])
    assert raw.get(f"/clusters/{available['id']}").json()["properties"] == available["properties"]


def test_update_accepts_an_upgrade_along_can_upgrade_to(raw: Raw, available: dict[str, Any]) -> None:
    base = cluster_properties(instances={"count": 1, "ram": 4, "cores": 2, "storageSize": 20})
    response = put(raw, available, set_path(base, "version", "17"))
    assert response.status_code == 200
    assert raw.get(f"/clusters/{available['id']}").json()["properties"]["version"] == "17"
    backups = raw.get("/backups", **{"filter.clusterId": available["id"]}).json()["items"]
    assert [(b["properties"]["postgresClusterVersion"], b["properties"]["isActive"]) for b in backups] == [
        ("16", False),
        ("17", True),
    ]


def test_put_body_id_must_match_the_path(raw: Raw, available: dict[str, Any]) -> None:
    response = put(raw, available, cluster_properties(), body_id="0f8a3c58-0000-4f8e-9b1f-5cbbd0a0d1a2")
    assert response.status_code == 422
    assert "id" in response.json()["messages"][0]["message"]
    response = raw.put(f"/clusters/{available['id']}", {"properties": cluster_properties()})
    assert response.status_code == 400


def test_put_while_busy_is_409(raw: Raw, emulator: RunningEmulator) -> None:
    emulator.admin.set_pace(create="manual")
    created = raw.create(cluster_properties())
    response = put(raw, created, cluster_properties())
    assert response.status_code == 409
    assert response.json()["messages"][0]["errorCode"] == "paas-conflict-1"
    emulator.admin.advance(created["id"])
    assert put(raw, created, cluster_properties()).status_code == 200


# -- the whole value, exactly --------------------------------------------------------------------------

DATACENTER = DATACENTER_ID

EXACT_REFUSALS: list[tuple[str, Any, int]] = [
    ("name", "cms-prod\n", 422),
    ("name", "café-db", 422),
    ("credentials.username", "my_dbuser\n", 422),
    ("credentials.username", "Admin", 422),  # reserved, whatever its case
    ("credentials.database", "my_database\n", 422),
    ("maintenanceWindow.time", "16:30:59\n", 422),
    ("maintenanceWindow.time", "24:00:00", 422),
    ("maintenanceWindow.time", "16:60:00", 422),
    ("maintenanceWindow.time", "\uff116:30:59", 422),  # a fullwidth digit one
    ("maintenanceWindow.time", " 16:30:59", 422),
    ("maintenanceWindow.dayOfTheWeek", "Sunday\n", 422),
    ("connection.lanId", "²", 422),  # "²".isdigit() is True in Python
    ("connection.lanId", "٣", 422),  # an Arabic-Indic digit
    ("connection.lanId", "2\n", 422),
    ("connection.lanId", "", 422),
    ("connection.datacenterId", "not-a-uuid", 422),
    ("connection.datacenterId", DATACENTER.replace("-", ""), 422),
    ("connection.datacenterId", "{" + DATACENTER + "}", 422),
    ("connection.datacenterId", DATACENTER + "\n", 422),
    ("connection.datacenterId", DATACENTER[:-1] + "g", 422),
    ("connection.primaryInstanceAddress", "192.168.2.101/24\n", 422),
    ("connection.primaryInstanceAddress", " 192.168.2.101/24", 422),
    ("connection.primaryInstanceAddress", "192.168.2.101/33", 422),
    ("connection.primaryInstanceAddress", "192.168.02.101/24", 422),
    ("connection.primaryInstanceAddress", "192.168.2.256/24", 422),
    ("connection.primaryInstanceAddress", "192.168.2.101/²", 422),
    ("connection.primaryInstanceAddress", "10.208.0.1/24", 422),
    ("connection.primaryInstanceAddress", "10.223.255.255/24", 422),
    ("replicationMode", "ASYNCHRONOUS\n", 422),
    ("connectionPooler", "disabled", 422),
    ("instances.ram", True, 400),  # a boolean is not an integer
    ("instances.count", False, 400),
    ("instances.ram", 4.0, 400),
    ("instances.cores", 10**30, 422),
    ("backup.retentionDays", "7", 400),
    ("description", 5, 400),
    (
        "restoreFromBackup",
        {"sourceBackupId": MISSING_BACKUP, "recoveryTargetDatetime": "2026-07-01T09:00:00"},
        400,
    ),
    (
        "restoreFromBackup",
        {"sourceBackupId": MISSING_BACKUP, "recoveryTargetDatetime": "2026-07-01T09:00:00Z\n"},
        400,
    ),
]


@pytest.mark.parametrize(("path", "value", "status"), EXACT_REFUSALS, ids=lambda v: repr(v)[:30])
def test_a_rule_matches_the_whole_value(raw: Raw, path: str, value: Any, status: int) -> None:
    response = raw.post("/clusters", {"properties": set_path(cluster_properties(), path, value)})
    assert response.status_code == status, response.text
    assert any(path.rsplit(".", maxsplit=1)[-1] in m["message"] for m in response.json()["messages"])


EXACT_ACCEPTANCES: list[tuple[str, Any]] = [
    ("connection.primaryInstanceAddress", "10.224.0.1/24"),
    ("connection.primaryInstanceAddress", "10.207.255.255/24"),
    ("connection.datacenterId", DATACENTER.upper()),
    ("maintenanceWindow.time", "00:00:00"),
    ("maintenanceWindow.time", "23:59:59"),
    ("name", "a.b_c-d"),
    ("credentials.username", "Postgres_1"),
]


@pytest.mark.parametrize(("path", "value"), EXACT_ACCEPTANCES, ids=lambda v: repr(v)[:30])
def test_values_at_the_edge_of_a_rule_pass(raw: Raw, path: str, value: Any) -> None:
    response = raw.post("/clusters", {"properties": set_path(cluster_properties(), path, value)})
    assert response.status_code == 201, response.text


def test_strict_replication_needs_three_instances(raw: Raw) -> None:
    def strict(count: int) -> dict[str, Any]:
        return cluster_properties(
            replicationMode="STRICTLY_SYNCHRONOUS",
            instances={"count": count, "ram": 4, "cores": 4, "storageSize": 10},
        )

    refused = raw.post("/clusters", {"properties": strict(2)})
    assert refused.status_code == 422
    assert "properties.replicationMode" in refused.json()["messages"][0]["message"]
    assert raw.post("/clusters", {"properties": strict(3)}).status_code == 201


@pytest.mark.parametrize(
    "credentials",
    [
        [PASSWORD],
        PASSWORD,
        {"username": "my_dbuser", "password": [PASSWORD], "database": "my_database"},
        {"username": "my_dbuser", "password": {"value": PASSWORD}, "database": "my_database"},
        {"username": "my_dbuser", "password": 12345678, "database": "my_database"},
    ],
    ids=["a-list", "a-string", "password-in-a-list", "password-in-an-object", "password-a-number"],
)
def test_a_body_of_the_wrong_shape_never_echoes_the_password(raw: Raw, credentials: Any) -> None:
    response = raw.post("/clusters", {"properties": cluster_properties(credentials=credentials)})
    assert response.status_code == 400, response.text
    assert "properties.credentials" in response.text
    assert PASSWORD not in response.text and "12345678" not in response.text


def test_a_secret_is_hidden_but_a_username_is_shown(raw: Raw) -> None:
    credentials = {"username": "bad-user", "password": "short", "database": "my_database"}
    messages = [
        m["message"]
        for m in raw.post("/clusters", {"properties": cluster_properties(credentials=credentials)}).json()[
            "messages"
        ]
    ]
    assert "properties.credentials.username: 'bad-user' has a character that is not allowed" in messages[0]
    assert messages[1].startswith("properties.credentials.password: (hidden) lacks 8 to 63 characters")
    assert "short" not in " ".join(messages)


def test_a_long_value_is_cut_short_in_the_message(raw: Raw) -> None:
    response = raw.post("/clusters", {"properties": cluster_properties(name="x" * 100_000)})
    assert response.status_code == 422
    assert len(response.text) < 1000


# -- the emulator's own parsers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-01T09:00:00Z", "2026-07-01T09:00:00+00:00"),
        ("2026-07-01t09:00:00z", "2026-07-01T09:00:00+00:00"),
        ("2026-07-01T11:00:00+02:00", "2026-07-01T09:00:00+00:00"),
        ("2026-07-01T09:00:00.250-01:30", "2026-07-01T10:30:00.250000+00:00"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00+00:00"),
    ],
)
def test_rfc3339_times_are_read(text: str, expected: str) -> None:
    from datetime import UTC, datetime

    from ionos_postgres_pulumi.emulator.wire import parse_rfc3339

    assert datetime.fromtimestamp(parse_rfc3339(text), UTC).isoformat() == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-07-01T09:00:00",  # no zone
        "2026-07-01 09:00:00Z",  # RFC 3339 allows a space; the API's examples use T
        "2026-07-01T09:00Z",
        "2026-07-01T09:00:00Z\n",
        "2026-07-01T09:00:00.Z",
        "2026-07-01T09:00:00+0200",
        "2026-07-01T24:00:00Z",
        "2025-02-29T00:00:00Z",
        "2026-07-01T09:00:00+24:00",
        "\uff12026-07-01T09:00:00Z",  # a fullwidth digit two
        "yesterday",
        "",
    ],
)
def test_other_times_are_refused(text: str) -> None:
    from ionos_postgres_pulumi.emulator.wire import parse_rfc3339

    with pytest.raises(ValueError):
        parse_rfc3339(text)


def test_the_address_parser_reads_only_dotted_quads_with_a_prefix() -> None:
    from ionos_postgres_pulumi.emulator.validation import parse_ipv4_interface

    assert parse_ipv4_interface("192.168.2.101/24") == ((192 << 24) | (168 << 16) | (2 << 8) | 101, 24)
    assert parse_ipv4_interface("0.0.0.0/0") == (0, 0)
    for bad in ("192.168.2.101", "192.168.2/24", "1.2.3.4/24/1", "1.2.3.4 /24", "::1/128", "1.2.3.4/-1"):
        assert parse_ipv4_interface(bad) is None, bad
