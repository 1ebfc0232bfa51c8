"""Odd answers are a clear `ResponseFormatError`, never a traceback: JSON nested deeper than any v2
document (thousands of levels would be a RecursionError in Python's json), or a body larger than the
client reads, with or without a Content-Length. Served over real sockets: by the emulator's `raw` fault,
and by a small server for bodies larger than the emulator's admin API takes."""

from __future__ import annotations

import traceback

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.api import ApiError, PostgresClient, ResponseFormatError
from ionos_postgres_pulumi.provider.api import models as m
from ionos_postgres_pulumi.provider.api.answers import MAX_ANSWER_BYTES, MAX_JSON_DEPTH
from ionos_postgres_pulumi.provider.api.throttle import RateGate
from tests.api.servers import FixedAnswerServer, serving
from tests.payloads import cluster_properties


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 900, 3000, 100_000])
def test_json_nested_too_deeply_is_a_clear_error(
    client: PostgresClient, emulator: RunningEmulator, levels: int
) -> None:
    body = '{"items": %s}' % nested(levels - 1)  # noqa: UP031 - the JSON's own braces
    emulator.admin.add_fault("raw", status=200, body=body, contentType="application/json", path="^/versions$")
    with pytest.raises(ResponseFormatError) as caught:
        client.list_versions()
    assert "the answer nests too deeply" in str(caught.value)
    assert caught.value.http_status == 200
    shown = "".join(traceback.format_exception(caught.value))
    assert "RecursionError" not in shown  # nothing of it behind the error either


def test_deep_json_in_an_error_answer_is_a_clear_error_too(
    client: PostgresClient, emulator: RunningEmulator
) -> None:
    body = '{"httpStatus": 422, "messages": [{"message": %s}]}' % nested(5000)  # noqa: UP031
    emulator.admin.add_fault("raw", status=422, body=body, contentType="application/json", method="POST")
    with pytest.raises(ApiError) as caught:
        client.create_cluster(m.ClusterCreateProperties.model_validate(cluster_properties()))
    assert caught.value.http_status == 422
    assert "the API rejected the values" in str(caught.value)
    assert "the answer nests too deeply" in str(caught.value)


def test_json_as_deep_as_the_api_nests_is_read(client: PostgresClient, emulator: RunningEmulator) -> None:
    """The limit is far above the v2 API's documents: an unknown field 40 levels deep is kept, not refused."""
    body = '{"items": [], "offset": 0, "limit": 100, "extra": %s}' % nested(40)  # noqa: UP031
    emulator.admin.add_fault("raw", status=200, body=body, contentType="application/json", path="^/versions$")
    assert client.list_versions() == []


def odd_client(server: FixedAnswerServer) -> PostgresClient:
    return PostgresClient(
        "de-fra", api_url=server.url, token="a-token", env={}, sleeper=list[float]().append, gate=RateGate()
    )


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
def test_a_huge_answer_is_a_clear_error(declare_length: bool) -> None:
    chunk = b"[" + b" " * (64 * 1024 - 2) + b"]"
    chunks = [chunk] * (MAX_ANSWER_BYTES // len(chunk) + 2)  # just over 8 MB
    server = FixedAnswerServer(200, chunks, declare_length=declare_length)
    with serving(server), odd_client(server) as client, pytest.raises(ResponseFormatError) as caught:
        client.list_versions()
    assert "the answer is larger than the 8 MB the client reads" in str(caught.value)
    assert caught.value.http_status == 200
    assert server.requests == 1  # not asked again: the answer was there, it was too large


def test_an_answer_just_under_the_limit_is_read() -> None:
    page = b'{"items": [], "offset": 0, "limit": 100, "padding": "'
    padding = MAX_ANSWER_BYTES - len(page) - 2
    server = FixedAnswerServer(200, [page, b"x" * padding, b'"}'], declare_length=False)
    with serving(server), odd_client(server) as client:
        assert client.list_versions() == []
