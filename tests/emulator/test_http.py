"""The HTTP layer over raw sockets: framing, the token before the body, malformed input, timeouts.

Whatever a client sends, it gets a 4xx in the IONOS error shape (or, for a connection that stays
silent, a closed connection): never a 500 and never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ionos_postgres_pulumi.emulator.cli import parse_args
from ionos_postgres_pulumi.emulator.handler import MAX_BODY
from ionos_postgres_pulumi.emulator.jsonbody import MAX_DEPTH, parse_json_object
from ionos_postgres_pulumi.emulator.problems import ApiProblem
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from tests.emulator.conftest import (
    Raw,
    address,
    assert_ionos_error,
    exchange,
    read_answer,
    request_bytes,
)
from tests.payloads import cluster_properties


def authorized(emulator: RunningEmulator, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {emulator.token}", **headers}


def post_json(emulator: RunningEmulator, body: bytes, path: str = "/de-fra/clusters") -> Any:
    headers = authorized(emulator, **{"Content-Type": "application/json", "Content-Length": str(len(body))})
    return exchange(emulator, request_bytes("POST", path, headers, body), "POST")


# -- Content-Length --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "declared",
    ["²", "+5", "-1", "9" * 5000, "5 ", "0x10", "1e3", "", "\r\n 5", str(MAX_BODY + 1)],
    ids=[
        "superscript",
        "plus",
        "negative",
        "huge",
        "trailing-space",
        "hex",
        "exponent",
        "empty",
        "folded",
        "too-large",
    ],
)
def test_a_content_length_that_is_not_ascii_digits_is_a_400(emulator: RunningEmulator, declared: str) -> None:
    headers = authorized(emulator, **{"Content-Type": "application/json", "Content-Length": declared})
    answer = exchange(emulator, request_bytes("POST", "/de-fra/clusters", headers), "POST")
    assert_ionos_error(answer, 400)
    assert answer.closes  # where the request ends is unknown: nothing more is read from it


def test_two_different_content_lengths_are_a_400(emulator: RunningEmulator) -> None:
    data = request_bytes("POST", "/de-fra/clusters", authorized(emulator)).replace(
        b"\r\n\r\n", b"\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
    )
    assert_ionos_error(exchange(emulator, data, "POST"), 400, "Content-Length")


def test_a_chunked_body_is_a_411(emulator: RunningEmulator) -> None:
    headers = authorized(emulator, **{"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
    answer = exchange(emulator, request_bytes("POST", "/de-fra/clusters", headers, b"2\r\n{}\r\n0\r\n\r\n"))
    assert_ionos_error(answer, 411, "Content-Length")


def test_a_body_shorter_than_its_content_length_is_a_400(emulator: RunningEmulator) -> None:
    headers = authorized(emulator, **{"Content-Type": "application/json", "Content-Length": "100"})
    with socket.create_connection(address(emulator), timeout=5) as connection:
        connection.sendall(request_bytes("POST", "/de-fra/clusters", headers, b'{"properties": '))
        connection.shutdown(socket.SHUT_WR)  # the client is done: the rest never comes
        answer = read_answer(connection, "POST")
    assert answer is not None
    assert_ionos_error(answer, 400, "ended after 15 of its 100 bytes")
    assert Raw(emulator).get("/clusters").json()["items"] == []


# -- the token comes first -------------------------------------------------------------------------


def test_without_the_token_a_malformed_content_length_is_a_401(emulator: RunningEmulator) -> None:
    """The bad header used to be answered (400) before the token was checked."""
    headers = {"Content-Type": "application/json", "Content-Length": "²"}
    answer = exchange(emulator, request_bytes("POST", "/de-fra/clusters", headers), "POST")
    assert_ionos_error(answer, 401, "Bearer token")
    assert answer.closes


def test_without_the_token_the_body_is_not_read_and_the_connection_closes(emulator: RunningEmulator) -> None:
    body = b"{not json at all"
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    with socket.create_connection(address(emulator), timeout=5) as connection:
        connection.sendall(request_bytes("POST", "/de-fra/clusters", headers, body))
        answer = read_answer(connection, "POST")
        assert answer is not None
        assert_ionos_error(answer, 401)  # not the 400 that reading the body would give
        assert answer.closes
        assert connection.recv(10) == b""  # closed, not left waiting for the next request


def test_expect_100_continue_waits_for_the_token(emulator: RunningEmulator) -> None:
    body = json.dumps({"properties": cluster_properties()}).encode()
    base = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Expect": "100-continue"}
    with socket.create_connection(address(emulator), timeout=5) as connection:
        connection.sendall(request_bytes("POST", "/de-fra/clusters", base))
        answer = read_answer(connection, "POST")  # no 100 Continue to a client without the token
    assert answer is not None
    assert answer.status == 401
    with socket.create_connection(address(emulator), timeout=5) as connection:
        connection.sendall(request_bytes("POST", "/de-fra/clusters", authorized(emulator, **base)))
        assert connection.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n")
        connection.sendall(body)
        answer = read_answer(connection, "POST")
    assert answer is not None
    assert answer.status == 201


def test_a_401_with_a_large_body_still_reaches_the_client(emulator: RunningEmulator) -> None:
    """The body stays unread; the emulator reads what still comes for a moment before it closes, so
    that the kernel does not reset the connection under the answer."""
    import requests

    for _ in range(5):
        response = requests.post(
            emulator.url + "/de-fra/clusters",
            data=b"x" * 500_000,
            headers={"Authorization": "Bearer wrong", "Content-Type": "application/json"},
            timeout=5,
        )
        assert response.status_code == 401


# -- malformed JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b"[" * 100_000, "levels deep"),
        (b'{"properties": ' * 40 + b"{}" + b"}" * 40, "levels deep"),
        (b'{"properties": {"instances": {"ram": ' + b"4" * 5000 + b"}}}", "more than 32 digits"),
        (b'{"properties": {"instances": {"ram": NaN}}}', "NaN"),
        (b'{"properties": {"instances": {"ram": Infinity}}}', "Infinity"),
        (b'{"properties": {"instances": {"ram": -Infinity}}}', "-Infinity"),
        (b'{"properties": {"instances": {"ram": 1e400}}}', "finite"),
        (b'{"properties": "\xff\xfe"}', "UTF-8"),
        (b"", "not valid JSON"),
    ],
    ids=[
        "deep-array",
        "deep-object",
        "huge-integer",
        "nan",
        "infinity",
        "minus-infinity",
        "overflow",
        "latin-1",
        "empty",
    ],
)
def test_a_body_python_would_choke_on_is_a_400(emulator: RunningEmulator, body: bytes, text: str) -> None:
    assert_ionos_error(post_json(emulator, body), 400, text)


def test_nesting_is_counted_to_the_limit() -> None:
    def nested(levels: int) -> bytes:
        return b"[" * levels + b"]" * levels

    assert parse_json_object(b'{"a": ' + nested(MAX_DEPTH - 1) + b"}") == {
        "a": json.loads(nested(MAX_DEPTH - 1))
    }
    with pytest.raises(ApiProblem, match="levels deep"):
        parse_json_object(b'{"a": ' + nested(MAX_DEPTH) + b"}")


# -- methods, paths, request lines -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["FOO", "OPTIONS", "TRACE", "CONNECT", "get"])
def test_a_method_no_route_takes_is_a_405_naming_the_allowed(emulator: RunningEmulator, method: str) -> None:
    answer = exchange(emulator, request_bytes(method, "/de-fra/clusters", authorized(emulator)), method)
    assert_ionos_error(answer, 405, f"{method} is not allowed on /clusters")
    assert answer.headers["allow"] == "GET, POST"


def test_head_gets_its_answer_without_a_body(emulator: RunningEmulator) -> None:
    with socket.create_connection(address(emulator), timeout=5) as connection:
        connection.sendall(request_bytes("HEAD", "/de-fra/versions", authorized(emulator)))
        answer = read_answer(connection, "HEAD")
        assert answer is not None
        assert (answer.status, answer.body, answer.headers["allow"]) == (405, b"", "GET")
        connection.sendall(request_bytes("GET", "/de-fra/versions", authorized(emulator)))
        follow_up = read_answer(connection)  # the connection still frames requests correctly
    assert follow_up is not None
    assert follow_up.status == 200


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GET /de-fra/versions HTTP/2.0", 400),
        (b"GET /de-fra/versions HTTP/1.x", 400),
        (b"GET /de-fra/versions HTTP/1.1 extra", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1", 414),
    ],
    ids=["http2", "bad-version", "four-words", "too-long"],
)
def test_a_malformed_request_line_is_a_4xx_in_the_ionos_shape(
    emulator: RunningEmulator, request_line: bytes, status: int
) -> None:
    assert_ionos_error(exchange(emulator, request_line + b"\r\nHost: x\r\n\r\n"), status)


def test_too_many_headers_are_a_431_in_the_ionos_shape(emulator: RunningEmulator) -> None:
    headers = {f"X-Header-{i}": "x" for i in range(120)}
    assert_ionos_error(exchange(emulator, request_bytes("GET", "/de-fra/versions", headers)), 431)


def test_a_broken_absolute_url_is_an_unknown_path(emulator: RunningEmulator) -> None:
    answer = exchange(emulator, request_bytes("GET", "http://[/versions", authorized(emulator)))
    assert_ionos_error(answer, 404, "no such path")


# -- the last resort -------------------------------------------------------------------------------


def test_a_bug_is_a_500_without_a_traceback_and_is_logged(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert emulator.server is not None

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the emulator")

    monkeypatch.setattr(emulator.server.state, "list_backups", broken)
    with caplog.at_level(logging.ERROR, logger="emulator"):
        response = Raw(emulator).get("/backups")
    assert response.status_code == 500
    assert response.json() == {
        "httpStatus": 500,
        "messages": [{"errorCode": "paas-internal-1", "message": "internal emulator error"}],
    }
    assert "Traceback" not in response.text and "a bug in the emulator" not in response.text
    assert any("a bug in the emulator" in (r.exc_text or "") for r in caplog.records)


# -- idle and stalled connections ------------------------------------------------------------------


@pytest.fixture
def impatient() -> Iterator[RunningEmulator]:
    with emulator_thread(idle_timeout=0.3) as running:
        yield running


def test_an_idle_keep_alive_connection_is_closed(impatient: RunningEmulator) -> None:
    with socket.create_connection(address(impatient), timeout=5) as connection:
        connection.sendall(request_bytes("GET", "/de-fra/versions", authorized(impatient)))
        answer = read_answer(connection)
        assert answer is not None and answer.status == 200 and not answer.closes
        started = time.monotonic()
        assert connection.recv(10) == b""  # the emulator hung up
    assert time.monotonic() - started < 3


def test_a_body_that_never_arrives_is_a_408(impatient: RunningEmulator) -> None:
    headers = authorized(impatient, **{"Content-Type": "application/json", "Content-Length": "50"})
    with socket.create_connection(address(impatient), timeout=5) as connection:
        connection.sendall(request_bytes("POST", "/de-fra/clusters", headers, b'{"prop'))
        answer = read_answer(connection, "POST")
    assert answer is not None
    assert_ionos_error(answer, 408, "did not arrive in time")
    assert answer.closes


def test_a_body_that_trickles_in_is_cut_off_at_the_timeout_too(impatient: RunningEmulator) -> None:
    """Each byte within the timeout, the whole body not: the timeout is for the body, not for each read."""
    headers = authorized(impatient, **{"Content-Type": "application/json", "Content-Length": "100"})
    with socket.create_connection(address(impatient), timeout=5) as connection:
        connection.sendall(request_bytes("POST", "/de-fra/clusters", headers, b"{"))
        started = time.monotonic()
        with contextlib.suppress(OSError):  # the emulator may hang up while a byte is on its way
            for _ in range(10):
                time.sleep(0.2)
                connection.sendall(b" ")
        answer = read_answer(connection, "POST")
    assert answer is not None
    assert_ionos_error(answer, 408, "did not arrive in time")
    assert time.monotonic() - started < 3


def test_a_hundred_stalled_connections_do_not_hold_a_hundred_threads(impatient: RunningEmulator) -> None:
    before = threading.active_count()
    stalled = []
    headers = authorized(impatient, **{"Content-Type": "application/json", "Content-Length": "10"})
    for index in range(100):
        connection = socket.create_connection(address(impatient), timeout=5)
        half = request_bytes("POST", "/de-fra/clusters", headers, b"{")[: 20 if index % 2 else None]
        connection.sendall(half)  # half a request line, or headers with a body that never comes
        stalled.append(connection)
    try:
        deadline = time.monotonic() + 10
        while threading.active_count() > before + 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert threading.active_count() <= before + 5
        for connection in stalled:
            while connection.recv(4096):  # an answer (408) or none, then the end
                pass
    finally:
        for connection in stalled:
            connection.close()
    assert Raw(impatient).get("/versions").status_code == 200  # and it still serves


def test_the_idle_timeout_is_a_flag_and_a_setting() -> None:
    assert parse_args([]).idle_timeout == 30
    assert parse_args(["--idle-timeout", "2.5"]).idle_timeout == 2.5
    with pytest.raises(ValueError, match="idle timeout"), emulator_thread(idle_timeout=0):
        pass


def test_a_request_line_without_a_version_is_a_400(emulator: RunningEmulator) -> None:
    answer = exchange(emulator, b"GET /de-fra/versions\r\n\r\n")
    assert_ionos_error(answer, 400, "HTTP version")


# -- answers without a body, and requests that trickle ------------------------------------------------


@pytest.mark.parametrize("status", [204, 304])
@pytest.mark.parametrize("action", ["status", "raw"])
def test_a_204_or_304_carries_no_body_even_from_a_fault(
    emulator: RunningEmulator, status: int, action: str
) -> None:
    emulator.admin.add_fault(action, status=status, body="<html>not for a 204</html>", path="^/versions$")
    with socket.create_connection(address(emulator), timeout=5) as connection:
        connection.sendall(request_bytes("GET", "/de-fra/versions", authorized(emulator)))
        answer = read_answer(connection)
        assert answer is not None and answer.status == status
        assert "content-type" not in answer.headers and "content-length" not in answer.headers
        # no stray body on the connection: the next answer on it starts where it should
        connection.sendall(request_bytes("GET", "/de-fra/versions", authorized(emulator)))
        following = read_answer(connection)
    assert following is not None and following.status == 200
    assert following.json()["type"] == "collection"


def request_threads() -> int:
    """The server's threads that serve a connection each."""
    return sum("process_request" in thread.name for thread in threading.enumerate())


def trickle_until_closed(connection: socket.socket, data: bytes, interval: float = 0.1) -> float:
    """Send `data` a byte every `interval` seconds until the emulator has closed the connection (not just
    its sending side: a byte sent then is refused); the seconds it took. Fails if 3 s of it went through."""
    started = time.monotonic()
    connection.settimeout(interval)
    for byte in data[: int(3 / interval)]:
        try:
            connection.sendall(bytes([byte]))
            while connection.recv(65536):  # an answer that came meanwhile is read and passed over
                pass
            time.sleep(interval)  # the emulator has stopped sending; it may still be reading
        except TimeoutError:
            continue  # nothing to read yet: still open
        except ConnectionError:
            return time.monotonic() - started
    pytest.fail("the emulator kept reading a request that trickled in for 3 s")


def test_headers_that_trickle_in_are_cut_off_at_the_timeout(impatient: RunningEmulator) -> None:
    """Each header byte within the timeout, the whole request not: the deadline is for the request."""
    before = request_threads()
    with socket.create_connection(address(impatient), timeout=5) as connection:
        connection.sendall(b"GET /de-fra/versions HTTP/1.1\r\n")
        seconds = trickle_until_closed(connection, b"X-Slow: " + b"a" * 100)
    assert seconds < 1.5
    deadline = time.monotonic() + 5
    while request_threads() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert request_threads() <= before  # its thread is free
    assert Raw(impatient).get("/versions").status_code == 200


def test_an_unauthorised_body_that_trickles_in_is_cut_off(impatient: RunningEmulator) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(1_000_000)}
    with socket.create_connection(address(impatient), timeout=5) as connection:
        connection.sendall(request_bytes("POST", "/de-fra/clusters", headers, b"{"))
        seconds = trickle_until_closed(connection, b" " * 100)
    assert seconds < 1.5


def test_a_request_that_arrives_in_time_after_an_idle_moment_is_served(impatient: RunningEmulator) -> None:
    """The deadline starts with a request's first byte, not when the connection began to wait."""
    with socket.create_connection(address(impatient), timeout=5) as connection:
        connection.sendall(request_bytes("GET", "/de-fra/versions", authorized(impatient)))
        assert (first := read_answer(connection)) is not None and first.status == 200
        time.sleep(0.2)  # idle, within the timeout
        connection.sendall(request_bytes("GET", "/de-fra/versions", authorized(impatient))[:10])
        time.sleep(0.2)  # the first request's deadline would have passed by now
        connection.sendall(request_bytes("GET", "/de-fra/versions", authorized(impatient))[10:])
        second = read_answer(connection)
    assert second is not None and second.status == 200
