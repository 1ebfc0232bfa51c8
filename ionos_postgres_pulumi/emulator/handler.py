"""The HTTP plumbing: one request read, authenticated, routed and answered, whatever it holds.

The order matters. First where the request goes (the v2 API of a region, or the admin API); then the
token, before anything of the body is read, so that a client without it learns nothing more (a body
left unread closes the connection); then the body, framed by a Content-Length that must be ASCII digits;
then the rate limit and the faults; then the route table. A refusal is a 4xx in the IONOS error shape,
including the standard library's own (a malformed request line or header). A bug of the emulator's is
logged and answered 500, without a traceback in the body.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, cast
from urllib.parse import SplitResult, parse_qs, urlsplit

from ionos_postgres_pulumi import limits

from .admin_routes import ADMIN_ROUTES
from .api_routes import API_ROUTES
from .faults import FaultRule, RateLimiter
from .problems import ApiProblem
from .requestlog import RequestLog, RequestRecord
from .routing import Answer, Match, Request, RouteTable
from .settings import Settings
from .state import EmulatorState
from .wire import ASCII_DIGITS

log = logging.getLogger("emulator")

ADMIN_PREFIX = "/_emulator"
MAX_BODY = 1 << 20
LINGER_SECONDS = 1.0
BODILESS_STATUSES = (204, 304)  # HTTP: these answers never carry a body


@dataclass(frozen=True)
class Target:
    """Where a request goes: a path relative to its API, with the region and base URL of the v2 API's."""

    admin: bool
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    region: str = ""
    base_url: str = ""


class Host(Protocol):
    """What the server that runs a handler holds for its requests (`server.py`'s `EmulatorServer`)."""

    state: EmulatorState
    settings: Settings
    requests: RequestLog
    limiter: RateLimiter

    @property
    def url(self) -> str: ...


class Hangup(Exception):
    """Close the connection without an answer: a fault says so."""


class RequestDeadline(io.RawIOBase):
    """A connection's reads, each request bounded as a whole: while no byte of a request has come, a read
    waits up to `seconds` (an idle keep-alive connection); from its first byte, the request line, headers
    and body must all arrive within `seconds`, else a TimeoutError, however slowly the bytes trickle."""

    def __init__(self, connection: socket.socket, seconds: float) -> None:
        super().__init__()
        self._connection = connection
        self._seconds = seconds
        self._deadline: float | None = None

    def next_request(self) -> None:
        self._deadline = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._deadline is None:
            self._connection.settimeout(self._seconds)
        else:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request did not arrive within the timeout")
            self._connection.settimeout(left)
        received = self._connection.recv_into(buffer)
        if received and self._deadline is None:
            self._deadline = time.monotonic() + self._seconds
        return received


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm the second waits for the client's
    # delayed ACK (40 ms) on every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "ionos-pg-emulator"
    sys_version = ""
    unread_body = False  # a refusal left a body unread: read what still comes, then close

    @property
    def host(self) -> Host:
        """The server, as what it holds for requests (the standard library types it as any server)."""
        return cast(Host, self.server)

    def setup(self) -> None:
        """An idle keep-alive connection is closed after the timeout, and so is one whose request (line,
        headers and body together) does not arrive within the timeout of its first byte."""
        super().setup()
        self.connection.settimeout(self.host.settings.idle_timeout)
        self.rfile.close()  # the socket's own reader, replaced by one that keeps the request's deadline
        self.request_reader = RequestDeadline(self.connection, self.host.settings.idle_timeout)
        self.rfile = io.BufferedReader(self.request_reader)

    def handle_one_request(self) -> None:
        """A new request, a new deadline (the standard library closes the connection when it passes while
        the request line or the headers are read)."""
        self.request_reader.next_request()
        super().handle_one_request()

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise let any attribute name pass

        def __getattr__(self, name):
            """Every method reaches `_handle`, whose route table answers 405 for a method a path does
            not take (the standard library would answer 501 itself: a server error for the client's
            mistake)."""
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def handle_expect_100(self) -> bool:
        """`Expect: 100-continue` is answered when the body is about to be read, after the token."""
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's refusals (a malformed request line, headers too long) in the IONOS
        shape; "HTTP/2.0" on a text request line is the client's mistake, so a 400 instead of its 505."""
        status = code if code < 500 else 400
        self.close_connection = True
        self._speak_http_1()
        reason = (message or HTTPStatus(code).phrase)[:200]
        self._send(Answer.of(ApiProblem(status, [reason])))

    def _speak_http_1(self) -> None:
        """Answer with a status line and headers even when the request line had no (valid) version:
        the standard library would write a bare body, as HTTP/0.9 did."""
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"

    # -- one request ----------------------------------------------------------------------------

    def _handle(self) -> None:
        self.unread_body = False
        record = RequestRecord(time.time(), self.command, None, self.path, None)
        try:
            answer = self._serve(record)
        except ApiProblem as problem:
            answer = Answer.of(problem)
        except Hangup:
            self._hang_up()
            return
        except TimeoutError:
            self.close_connection = True
            answer = Answer.of(ApiProblem(408, ["the request body did not arrive in time"]))
        except ConnectionError:
            self.close_connection = True
            return
        except Exception:
            log.exception("internal error on %s %s", self.command, self.path)
            answer = Answer.of(ApiProblem(500, ["internal emulator error"]))
        record.status = answer.status
        self._send(answer)
        if self.unread_body:
            self._linger()

    def _serve(self, record: RequestRecord) -> Answer:
        if self.request_version == "HTTP/0.9":
            self._speak_http_1()
            self.close_connection = True
            raise ApiProblem(400, ["the request line must end with its HTTP version, such as HTTP/1.1"])
        target = self._target()
        if target.admin:
            return self._admin(target)
        record.region, record.path = target.region, target.path
        self.host.requests.append(record)  # logged now, its status filled in when known
        return self._api(target, record)

    def _target(self) -> Target:
        try:
            url = urlsplit(self.path)
        except ValueError:  # an absolute URL with a broken authority (`http://[`): all of it is a path
            url = SplitResult("", "", self.path.partition("?")[0], "", "")
        query = parse_qs(url.query)
        if url.path == ADMIN_PREFIX or url.path.startswith(ADMIN_PREFIX + "/"):
            return Target(admin=True, path=url.path.removeprefix(ADMIN_PREFIX) or "/", query=query)
        parts = [part for part in url.path.split("/") if part]
        region, prefix = self.host.settings.default_region, ""
        if parts and parts[0] in limits.REGIONS:
            region = parts[0]
            prefix = "/" + parts.pop(0)
        if parts and parts[0] == "v2":
            parts.pop(0)
        host = self.headers.get("Host") or self.host.url.removeprefix("http://")
        return Target(False, "/" + "/".join(parts), query, region, f"http://{host}{prefix}")

    def _api(self, target: Target, record: RequestRecord) -> Answer:
        self._authenticate(admin=False)
        body = self._read_body()
        wait = self.host.limiter.admit(self.headers.get("Authorization", ""))
        if wait is not None:
            raise ApiProblem(429, ["Too many requests; slow down"], {"Retry-After": str(wait)})
        fault = self.host.state.faults.for_request(self.command, target.region, target.path)
        if fault is not None:
            record.fault = fault.action
            if not fault.process and (early := self._strike(fault)) is not None:
                return early
        answer = self._route(API_ROUTES, target, body)
        if fault is None:
            return answer
        if fault.action == "lose_response":
            raise Hangup()
        return (self._strike(fault) if fault.process else None) or answer

    def _admin(self, target: Target) -> Answer:
        match = ADMIN_ROUTES.find(self.command, target.path)
        if match is None or not match.route.public:
            self._authenticate(admin=True)
        body = self._read_body()
        return self._route(ADMIN_ROUTES, target, body, match)

    def _route(self, table: RouteTable, target: Target, body: bytes, match: Match | None = None) -> Answer:
        match = match or table.find(self.command, target.path)
        if match is None:
            raise table.refusal(self.command, target.path)
        request = Request(
            self.host.state,
            self.host.settings,
            self.host.requests,
            self.host.limiter,
            self.command,
            target.path,
            match.params,
            target.query,
            self.headers,
            body,
            target.region,
            target.base_url,
        )
        return match.route.handler(request)

    def _strike(self, fault: FaultRule) -> Answer | None:
        """A request fault's effect: an answer in place of the emulator's, a delay, a dropped connection."""
        if fault.action == "status":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return Answer.of(ApiProblem(fault.status, [fault.message], headers))
        if fault.action == "raw":
            return Answer(fault.status, fault.body.encode("utf-8", "replace"), fault.content_type)
        if fault.action == "delay":
            time.sleep(fault.seconds)
        elif fault.action == "drop":
            raise Hangup()
        return None

    # -- the token and the body ---------------------------------------------------------------------

    def _authenticate(self, *, admin: bool) -> None:
        if self.host.settings.auth.admits(self.headers.get("Authorization"), admin=admin):
            return
        if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
            self._leave_body_unread()
        if admin:
            raise ApiProblem(401, ["Unauthorized: the admin API needs the emulator's token"])
        raise ApiProblem(
            401, ["Unauthorized: a valid Bearer token is required"], {"WWW-Authenticate": "Bearer"}
        )

    def _read_within_the_deadline(self, length: int) -> bytes:
        """The body, up to `length` bytes, or fewer when the client closes; past the request's deadline
        (a body sent a byte at a time, each just within the timeout, too) a TimeoutError: a 408."""
        chunks: list[bytes] = []
        received = 0
        while received < length:
            chunk = self.rfile.read1(min(65536, length - received))
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
        return b"".join(chunks)

    def _read_body(self) -> bytes:
        length = self._declared_length()
        if not length:
            return b""
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.send_response_only(HTTPStatus.CONTINUE)
            self.end_headers()
        body = self._read_within_the_deadline(length)
        if len(body) < length:
            self.close_connection = True
            raise ApiProblem(400, [f"the body ended after {len(body)} of its {length} bytes"])
        return body

    def _declared_length(self) -> int:
        """Content-Length as HTTP writes it: ASCII digits, given once, at most MAX_BODY."""
        if "Transfer-Encoding" in self.headers:
            self._refuse_framing(411, "send a Content-Length; chunked bodies are not accepted")
        given = self.headers.get_all("Content-Length") or ["0"]
        declared = given[0]
        if any(value != declared for value in given):
            self._refuse_framing(400, "Content-Length: given twice, with different values")
        if not declared or len(declared) > 12 or not set(declared) <= ASCII_DIGITS:
            self._refuse_framing(400, f"Content-Length: {declared[:20]!r} is not a number of bytes")
        if int(declared) > MAX_BODY:
            self._refuse_framing(400, "the request body is too large")
        return int(declared)

    def _refuse_framing(self, status: int, message: str) -> NoReturn:
        """Where this request ends is unknown: answer, then close the connection."""
        self._leave_body_unread()
        raise ApiProblem(status, [message])

    def _leave_body_unread(self) -> None:
        self.close_connection = True
        self.unread_body = True

    # -- answers --------------------------------------------------------------------------------

    def _send(self, answer: Answer) -> None:
        """The answer; a 204 or 304 (a fault may ask for one) without a body, a Content-Type or a
        Content-Length, as HTTP has them, so that a keep-alive client reads the next answer right."""
        bodiless = answer.status in BODILESS_STATUSES
        body = b"" if bodiless else answer.body
        try:
            self.connection.settimeout(self.host.settings.idle_timeout)  # the whole time for each write
            self.send_response(answer.status)
            if body:
                self.send_header("Content-Type", answer.content_type)
            if not bodiless:
                self.send_header("Content-Length", str(len(body)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _linger(self) -> None:
        """Read, for a moment, what the client still sends before the connection closes: a socket
        closed with unread data resets the connection, and the client might lose the answer. The moment
        is bounded as a whole, so a client that trickles its body does not keep the thread."""
        end = time.monotonic() + min(LINGER_SECONDS, self.host.settings.idle_timeout)
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
            received = 0
            while received <= MAX_BODY and (left := end - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not (chunk := self.connection.recv(65536)):
                    break
                received += len(chunk)
