"""Errors are honest and retries are calm: each error class, Retry-After, and POST never blindly retried."""

from __future__ import annotations

import html
import json
import threading
import time
import urllib.parse

import pytest
import requests

from ionos_postgres_pulumi.emulator.faults import RateLimiter
from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.api import (
    ApiError,
    PostgresClient,
    ResponseFormatError,
    RetryPolicy,
    Timeouts,
    TransportError,
)
from ionos_postgres_pulumi.provider.api import models as m
from ionos_postgres_pulumi.provider.api.throttle import RateGate
from ionos_postgres_pulumi.provider.api.transport import parse_retry_after
from tests.api.clocks import FastClock
from tests.payloads import cluster_properties


def properties(**overrides: object) -> m.ClusterCreateProperties:
    return m.ClusterCreateProperties.model_validate(cluster_properties(**overrides))


def attempts(emulator: RunningEmulator, method: str, path: str) -> int:
    return sum(1 for r in emulator.admin.requests() if r["method"] == method and r["path"] == path)


def recording_client(emulator: RunningEmulator, sleeps: list[float], policy: RetryPolicy) -> PostgresClient:
    """A client that records its waits instead of sleeping them, with a rate gate of its own."""
    return PostgresClient(
        "de-fra",
        api_url=emulator.api_url,
        token=emulator.token,
        env={},
        sleeper=sleeps.append,
        retry=policy,
        gate=RateGate(),
    )


def test_429_is_retried_honouring_retry_after(
    client: PostgresClient, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.admin.add_fault("status", status=429, retryAfter=3, times=2, path="^/versions$")
    assert len(client.list_versions()) == 6
    assert attempts(emulator, "GET", "/versions") == 3
    assert len(sleeps) == 2
    assert all(2.5 <= slept <= 3 + RetryPolicy().rate_limit_spread for slept in sleeps), sleeps


def test_retry_after_is_capped(emulator: RunningEmulator, sleeps: list[float]) -> None:
    client = recording_client(emulator, sleeps, RetryPolicy(max_retry_after=10, rate_limit_spread=0))
    emulator.admin.add_fault("status", status=429, retryAfter=3600, times=1)
    client.list_versions()
    assert sleeps == [pytest.approx(10, abs=0.5)]


def test_503_without_retry_after_backs_off_exponentially(
    client: PostgresClient, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.admin.add_fault("status", status=503, times=3, path="^/versions$")
    client.list_versions()
    assert attempts(emulator, "GET", "/versions") == 4
    assert len(sleeps) == 3
    # backoff_factor 0.5: 0.5, 1, 2 seconds plus at most 0.25 s of jitter
    for slept, base in zip(sleeps, [0.5, 1.0, 2.0], strict=True):
        assert base <= slept <= base + 0.25


def test_429_that_never_ends_gives_an_error_after_the_wait_budget(
    emulator: RunningEmulator, sleeps: list[float]
) -> None:
    client = recording_client(emulator, sleeps, RetryPolicy(rate_limit_wait=20, rate_limit_spread=0))
    emulator.admin.add_fault("status", status=429, retryAfter=3, times=None)
    with pytest.raises(ApiError) as caught:
        client.list_versions()
    assert caught.value.http_status == 429
    assert "rate limit" in str(caught.value)
    assert "gave up after waiting 18s in all" in str(caught.value)
    assert sleeps == [pytest.approx(3, abs=0.5)] * 6  # a seventh wait would pass the 20 s budget
    assert attempts(emulator, "GET", "/versions") == 7


def test_429_without_retry_after_backs_off(
    client: PostgresClient, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    body = '{"httpStatus": 429, "messages": [{"errorCode": "paas-rate-1", "message": "slow down"}]}'
    emulator.admin.add_fault(  # an answer without Retry-After
        "raw", status=429, body=body, contentType="application/json", times=3, path="^/versions$"
    )
    client.list_versions()
    assert attempts(emulator, "GET", "/versions") == 4
    bases = [0.5, 1.0, 2.0]  # backoff_factor 0.5, doubling, plus at most the spread of jitter
    for slept, base in zip(sleeps, bases, strict=True):
        assert base - 0.2 <= slept <= 2 * base, sleeps


def test_more_callers_than_the_quota_admits_all_get_through(emulator: RunningEmulator) -> None:
    """Thirty callers at once under 4 requests a second: a count of retries would run out, a budget of
    time does not. The callers, their gate and the emulator's quota share a clock 20 times the wall's."""
    clock = FastClock(speed=20)
    assert emulator.server is not None
    emulator.server.limiter = RateLimiter(4, 1, clock=clock)
    gate = RateGate(clock=clock)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            with PostgresClient(
                "de-fra",
                api_url=emulator.api_url,
                token=emulator.token,
                env={},
                gate=gate,
                clock=clock,
                sleeper=clock.sleep,
            ) as c:
                c.list_versions()
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    callers = [threading.Thread(target=call) for _ in range(30)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=120)
    assert [str(e) for e in errors] == []
    served = [r["status"] for r in emulator.admin.requests() if r["path"] == "/versions"]
    assert served.count(200) == 30
    assert served.count(429) > 0, "the quota never bit; the test tested nothing"
    assert clock.longest_sleep >= 1  # the callers waited what the API asked (at least 1 s), on the clock


def test_a_429_holds_back_the_other_clients_of_the_api(emulator: RunningEmulator) -> None:
    """A call that starts while the API's wait is not over waits too, instead of being refused."""
    gate, first, second = RateGate(), list[float](), list[float]()
    emulator.admin.add_fault("status", status=429, retryAfter=5, times=1, path="^/versions$")
    for sleeps in (first, second):
        with PostgresClient(
            "de-fra", api_url=emulator.api_url, token=emulator.token, env={}, sleeper=sleeps.append, gate=gate
        ) as api:
            api.list_versions()
    assert len(first) == len(second) == 1
    assert 4 <= second[0] <= 5 + RetryPolicy().rate_limit_spread
    statuses = [r["status"] for r in emulator.admin.requests() if r["path"] == "/versions"]
    assert statuses == [429, 200, 200]  # the second client was never refused


def test_post_is_not_retried_on_500(client: PostgresClient, emulator: RunningEmulator) -> None:
    emulator.admin.add_fault("status", status=500, method="POST", times=1)
    with pytest.raises(ApiError) as caught:
        client.create_cluster(properties())
    assert caught.value.http_status == 500
    assert attempts(emulator, "POST", "/clusters") == 1


def test_post_is_not_retried_on_503(client: PostgresClient, emulator: RunningEmulator) -> None:
    emulator.admin.add_fault("status", status=503, method="POST", times=1)
    with pytest.raises(ApiError):
        client.create_cluster(properties())
    assert attempts(emulator, "POST", "/clusters") == 1


def test_post_is_retried_on_429(
    client: PostgresClient, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.admin.add_fault("status", status=429, retryAfter=2, method="POST", times=1)
    created = client.create_cluster(properties())
    assert created.state == "PROVISIONING"
    assert attempts(emulator, "POST", "/clusters") == 2
    assert len(sleeps) == 1
    assert 1.5 <= sleeps[0] <= 2 + RetryPolicy().rate_limit_spread
    assert len(client.list_clusters()) == 1


def test_a_dropped_connection_is_retried_on_get(client: PostgresClient, emulator: RunningEmulator) -> None:
    emulator.admin.add_fault("drop", method="GET", times=1, path="^/versions$")
    assert len(client.list_versions()) == 6
    assert attempts(emulator, "GET", "/versions") == 2


def test_a_post_whose_response_was_lost_raises_a_transport_error(
    client: PostgresClient, emulator: RunningEmulator
) -> None:
    emulator.admin.add_fault("lose_response", method="POST", times=1)
    with pytest.raises(TransportError) as caught:
        client.create_cluster(properties())
    assert caught.value.http_status is None
    assert attempts(emulator, "POST", "/clusters") == 1
    assert len(client.list_clusters()) == 1  # it was created: the provider must look it up by name


def test_a_slow_response_times_out_and_get_is_retried(emulator: RunningEmulator, sleeps: list[float]) -> None:
    client = PostgresClient(
        "de-fra",
        api_url=emulator.api_url,
        token=emulator.token,
        env={},
        sleeper=sleeps.append,
        timeouts=Timeouts(connect=1, read=0.3),
    )
    emulator.admin.add_fault("delay", seconds=1.0, method="GET", times=1, path="^/versions$")
    assert len(client.list_versions()) == 6
    assert attempts(emulator, "GET", "/versions") == 2


def test_a_slow_post_is_a_transport_error_not_a_retry(emulator: RunningEmulator) -> None:
    client = PostgresClient(
        "de-fra",
        api_url=emulator.api_url,
        token=emulator.token,
        env={},
        timeouts=Timeouts(connect=1, read=0.3),
    )
    emulator.admin.add_fault("delay", seconds=1.0, method="POST", times=1)
    with pytest.raises(TransportError, match="timed out"):
        client.create_cluster(properties())
    assert attempts(emulator, "POST", "/clusters") == 1


def test_connection_refused_is_a_transport_error(sleeps: list[float]) -> None:
    client = PostgresClient(
        "de-fra",
        api_url="http://127.0.0.1:9/{region}",
        token="t",
        env={},
        sleeper=sleeps.append,
        retry=RetryPolicy(retries=2),
    )
    with pytest.raises(TransportError) as caught:
        client.list_versions()
    assert "GET /versions failed: no response" in str(caught.value)
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("status", "summary"),
    [
        (400, "malformed"),
        (401, "token"),
        (403, "not allowed"),
        (404, "not found"),
        (409, "busy"),
        (422, "rejected the values"),
        (500, "server error"),
    ],
)
def test_each_error_class_has_a_summary(
    client: PostgresClient, emulator: RunningEmulator, status: int, summary: str
) -> None:
    emulator.admin.add_fault("status", status=status, message="told so", times=1, path="^/versions$")
    with pytest.raises(ApiError) as caught:
        client.list_versions()
    error = caught.value
    assert error.http_status == status
    assert error.method == "GET"
    assert error.path == "/versions"
    assert summary in error.summary
    assert error.messages[0].message == "told so"
    assert error.error_codes and error.error_codes[0].startswith("paas-")


def test_real_422_names_the_field(client: PostgresClient) -> None:
    with pytest.raises(ApiError) as caught:
        client.create_cluster(properties(version="12"))
    assert caught.value.http_status == 422
    assert "properties.version" in str(caught.value)


def test_real_409_while_the_cluster_is_busy(client: PostgresClient, emulator: RunningEmulator) -> None:
    emulator.admin.set_pace(create="manual")
    wanted = properties()
    created = client.create_cluster(wanted)
    data = wanted.model_dump(by_alias=True, mode="json", exclude_none=True)
    with pytest.raises(ApiError) as caught:
        client.ensure_cluster(created.id, m.ClusterProperties.model_validate(data))
    assert caught.value.is_conflict
    assert "PROVISIONING" in str(caught.value)


def test_html_from_a_proxy_is_a_clear_error(client: PostgresClient, emulator: RunningEmulator) -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    emulator.admin.add_fault("raw", status=502, body=page, times=None, path="^/versions$")
    with pytest.raises(ApiError) as caught:
        client.list_versions()
    assert caught.value.http_status == 502
    assert "expected JSON but got text/html" in str(caught.value)
    assert "502 Bad Gateway" in str(caught.value)


def test_invalid_json_with_200_is_a_format_error(client: PostgresClient, emulator: RunningEmulator) -> None:
    emulator.admin.add_fault("raw", status=200, body='{"items": [', contentType="application/json", times=1)
    with pytest.raises(ResponseFormatError, match="expected JSON"):
        client.list_versions()


def test_a_response_missing_fields_is_a_format_error(
    client: PostgresClient, emulator: RunningEmulator
) -> None:
    created = client.create_cluster(properties())
    emulator.admin.add_fault(
        "raw", status=200, body='{"type": "cluster"}', contentType="application/json", times=1, method="GET"
    )
    with pytest.raises(ResponseFormatError) as caught:
        client.get_cluster(created.id)
    assert "does not match the v2 API" in str(caught.value)
    assert "id" in str(caught.value)


def test_request_building_is_strict_before_anything_is_sent(
    client: PostgresClient, emulator: RunningEmulator
) -> None:
    with pytest.raises(ValueError, match="ram"):
        m.ClusterCreateProperties.model_validate(
            cluster_properties(instances={"count": 1, "ram": 2, "cores": 1, "storageSize": 10})
        )
    assert emulator.admin.requests() == []


def test_requests_library_errors_never_escape(client: PostgresClient, emulator: RunningEmulator) -> None:
    emulator.admin.add_fault("drop", times=None)
    with pytest.raises(ApiError) as caught:
        client.list_versions()
    assert not isinstance(caught.value, requests.RequestException)


@pytest.mark.parametrize(
    "password",
    ["Ech0ed-Passw0rd!", "Pa\\ss\tw\u200bo'r\"d&<1 \u00e9"],  # \, tab, U+200B: repr escapes them
    ids=["plain", "escaped"],
)
def test_a_password_echoed_by_the_api_is_hidden(
    client: PostgresClient, emulator: RunningEmulator, password: str
) -> None:
    emulator.admin.add_fault(
        "status",
        status=422,
        times=1,
        method="POST",
        message=f"credentials.password {password!r} is too common",
    )
    wanted = m.ClusterCreateProperties.model_validate(
        cluster_properties(credentials={"username": "app", "password": password, "database": "app"})
    )
    with pytest.raises(ApiError) as caught:
        client.create_cluster(wanted)
    assert password not in str(caught.value)
    assert "***" in str(caught.value)
    assert repr(password)[1:-1] not in str(caught.value)
    assert "credentials.password '***' is too common" in str(caught.value)


def test_a_put_sent_once_is_not_repeated_when_its_outcome_is_unknown(
    client: PostgresClient, emulator: RunningEmulator
) -> None:
    wanted = properties()
    created = client.create_cluster(wanted)
    data = wanted.model_dump(by_alias=True, mode="json", exclude_none=True)
    emulator.admin.add_fault("status", status=503, times=1, method="PUT")
    with pytest.raises(ApiError) as caught:
        client.ensure_cluster(created.id, m.ClusterProperties.model_validate(data), once=True)
    assert caught.value.http_status == 503
    assert attempts(emulator, "PUT", f"/clusters/{created.id}") == 1
    emulator.admin.add_fault("status", status=503, times=1, method="PUT")
    client.ensure_cluster(created.id, m.ClusterProperties.model_validate(data))  # an ordinary PUT is retried
    assert attempts(emulator, "PUT", f"/clusters/{created.id}") == 3


def test_pagination_follows_a_server_that_caps_the_page_size(
    client: PostgresClient, emulator: RunningEmulator
) -> None:
    emulator.admin.set_quirks(stale_next_link=False, page_limit_cap=2)
    assert len(client.list_versions()) == 6  # pages of 2 although 100 were asked for


@pytest.mark.parametrize("spelling", ["html", "url", "json"])
def test_a_password_echoed_in_another_spelling_is_hidden_too(
    client: PostgresClient, emulator: RunningEmulator, spelling: str
) -> None:
    """A proxy's HTML error page escapes `&` as `&amp;`; a JSON body escapes `"` and `\\`."""
    password = 'P&ss<w0rd>"Q\\1'
    shown = {
        "html": html.escape(password),
        "url": urllib.parse.quote(password, safe=""),
        "json": json.dumps(password)[1:-1],
    }[spelling]
    emulator.admin.add_fault(
        "raw", status=400, body=f"<html><p>bad password {shown}</p></html>", method="POST", times=1
    )
    wanted = m.ClusterCreateProperties.model_validate(
        cluster_properties(credentials={"username": "app", "password": password, "database": "app"})
    )
    with pytest.raises(ApiError) as caught:
        client.create_cluster(wanted)
    assert shown not in str(caught.value)
    assert password not in str(caught.value)
    assert "bad password ***" in str(caught.value)


def test_a_retry_after_of_0_backs_off_instead_of_asking_again_at_once(
    emulator: RunningEmulator, sleeps: list[float]
) -> None:
    """0 (or an HTTP date already past) would mean asking again at once, for ever."""
    client = recording_client(emulator, sleeps, RetryPolicy(rate_limit_wait=20, rate_limit_spread=0))
    emulator.admin.add_fault("status", status=429, retryAfter=0, times=None, path="^/versions$")
    with pytest.raises(ApiError) as caught:
        client.list_versions()
    assert caught.value.http_status == 429
    assert sleeps == pytest.approx([0.5, 1, 2, 4, 8], abs=0.1)  # the next, 16 s, would pass 20 s in all
    assert attempts(emulator, "GET", "/versions") == 6


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("abc", None),
        ("-5", None),
        ("1.5", None),
        ("9" * 5000, None),  # more digits than int() takes
        ("Fri, 31 Dec 99999 23:59:59 GMT", None),  # a year out of range
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),  # past
        ("", None),
        (None, None),
    ],
)
def test_retry_after_values_are_read_or_ignored_never_raised(
    header: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(header) == seconds


def test_a_rate_limit_does_not_take_a_call_past_its_callers_deadline(
    client: PostgresClient, emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.admin.add_fault("status", status=429, retryAfter=3, times=None, path="^/versions$")
    with client.deadline(time.monotonic() + 7), pytest.raises(ApiError) as caught:
        client.list_versions()
    assert caught.value.http_status == 429
    assert 1 <= len(sleeps) <= 2 and sum(sleeps) <= 7, sleeps  # not the 300 s budget
    with client.deadline(time.monotonic() - 1), pytest.raises(ApiError):  # passed: no wait at all now
        client.list_versions()
    assert attempts(emulator, "GET", "/versions") == len(sleeps) + 2
