"""Routing by table: placeholders bind one segment each, unknown paths are 404, wrong methods 405."""

from __future__ import annotations

import pytest

from ionos_postgres_pulumi.emulator.admin_routes import ADMIN_ROUTES
from ionos_postgres_pulumi.emulator.api_routes import API_ROUTES
from ionos_postgres_pulumi.emulator.routing import Answer, Request, Route, RouteTable
from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from tests.emulator.conftest import Raw


def answer_ok(request: Request) -> Answer:
    return Answer(200)


TABLE = RouteTable(
    Route("GET", "/things", answer_ok),
    Route("POST", "/things", answer_ok),
    Route("GET", "/things/{thingId}", answer_ok),
    Route("DELETE", "/things/{thingId}", answer_ok),
    Route("POST", "/things/{thingId}/polish", answer_ok),
)


def test_a_placeholder_binds_one_segment() -> None:
    match = TABLE.find("GET", "/things/42")
    assert match is not None
    assert match.params == {"thingId": "42"}
    assert TABLE.find("POST", "/things/42/polish") is not None
    assert TABLE.find("GET", "/things/42/polish") is None
    assert TABLE.find("GET", "/things/42/43") is None


def test_empty_segments_do_not_count() -> None:
    assert TABLE.find("GET", "//things/") is not None


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/nothing", 404, None),
        ("GET", "/things/42/43", 404, None),
        ("PUT", "/things", 405, "GET, POST"),
        ("PATCH", "/things/42", 405, "DELETE, GET"),
        ("GET", "/things/42/polish", 405, "POST"),
    ],
)
def test_refusals(method: str, path: str, status: int, allow: str | None) -> None:
    problem = TABLE.refusal(method, path)
    assert problem.status == status
    assert problem.headers.get("Allow") == allow


def test_the_v2_table_has_exactly_the_eleven_operations() -> None:
    """Reference §5: clusters list/create/get/ensure/delete, backups, backup locations, versions."""
    assert sorted((r.method, r.pattern) for r in API_ROUTES.routes) == [
        ("DELETE", "/clusters/{clusterId}"),
        ("GET", "/backup-locations"),
        ("GET", "/backup-locations/{backupLocationId}"),
        ("GET", "/backups"),
        ("GET", "/backups/{backupId}"),
        ("GET", "/clusters"),
        ("GET", "/clusters/{clusterId}"),
        ("GET", "/versions"),
        ("GET", "/versions/{versionId}"),
        ("POST", "/clusters"),
        ("PUT", "/clusters/{clusterId}"),
    ]
    assert [r.pattern for r in ADMIN_ROUTES.routes if r.public] == ["/health"]


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/users", 404, None),
        ("GET", "/clusters/a/b", 404, None),
        ("POST", "/backups", 405, "GET"),
        ("PUT", "/versions", 405, "GET"),
        ("PATCH", "/clusters/00000000-0000-4000-8000-000000000000", 405, "DELETE, GET, PUT"),
        ("DELETE", "/backup-locations", 405, "GET"),
    ],
)
def test_the_v2_api_refuses_in_the_ionos_shape(
    emulator: RunningEmulator, method: str, path: str, status: int, allow: str | None
) -> None:
    response = Raw(emulator).session.request(method, f"{emulator.url}/de-fra{path}", timeout=5)
    assert response.status_code == status
    assert response.json()["httpStatus"] == status
    assert response.headers.get("Allow") == allow


def test_a_resource_id_in_the_path_must_be_a_uuid(raw: Raw) -> None:
    for path in ("/clusters/not-a-uuid", "/backups/{x}", "/versions/16", "/backup-locations/de"):
        response = raw.get(path)
        assert response.status_code == 400, path
        assert "is not a UUID" in response.json()["messages"][0]["message"]
