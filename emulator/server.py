"""The emulator's HTTP layer: routing, envelopes, auth, faults, and the admin API under `/_emulator`.

Built on the standard library's threading HTTP server (one thread per connection, HTTP/1.1 keep-alive)
rather than an ASGI framework, because fault injection needs the socket itself: a dropped connection,
or a request that is carried out but whose response never leaves, cannot be expressed through ASGI.

Paths: `/<region>/clusters...` serves one region (`de-fra`, `es-vit`, ...); a path without a region
prefix serves the default region. An optional `/v2` after the region is accepted too.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ionos_postgres_pulumi.provider.api import rules
from ionos_postgres_pulumi.provider.api.regions import REGIONS

from .faults import FaultRule, Faults, RateLimiter
from .pace import Pace
from .problems import ApiProblem, not_found
from .state import (
    EmulatorState,
    backup_document,
    backup_location_document,
    cluster_document,
    version_document,
)
from .validation import check_uuid, parse_json_object

log = logging.getLogger("emulator")

ADMIN_PREFIX = "/_emulator"
MAX_BODY = 1 << 20


@dataclass
class AuthPolicy:
    """Bearer tokens: only `token` when set, any non-empty one with `any_token`; basic auth if allowed."""

    token: str | None = None
    any_token: bool = False
    allow_basic: bool = False

    def admits(self, header: str | None, admin: bool = False) -> bool:
        """Basic auth (any user and password, like a lenient service) never opens the admin API."""
        if not header:
            return False
        scheme, _, credential = header.partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential:
            if self.token is not None:
                return hmac.compare_digest(credential.encode(), self.token.encode())
            return self.any_token
        return scheme.lower() == "basic" and bool(credential) and self.allow_basic and not admin


@dataclass
class RequestRecord:
    time: float
    method: str
    region: str | None
    path: str
    status: int | None
    fault: str | None = None
    admin: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "method": self.method,
            "region": self.region,
            "path": self.path,
            "status": self.status,
            "fault": self.fault,
        }


@dataclass
class Quirks:
    stale_next_link: bool = False  # the live API's `_links.next` that stays set past the last page
    page_limit_cap: int | None = None  # serve at most this many items per page, whatever was asked


@dataclass
class Settings:
    auth: AuthPolicy = field(default_factory=AuthPolicy)
    default_region: str = "de-txl"
    quirks: Quirks = field(default_factory=Quirks)


class _Dropped(Exception):
    """Close the connection without an answer."""


class _RawAnswer(Exception):
    def __init__(self, status: int, body: str, content_type: str) -> None:
        self.status, self.body, self.content_type = status, body, content_type


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        state: EmulatorState,
        settings: Settings,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.state = state
        self.settings = settings
        self.limiter = limiter or RateLimiter()
        self.requests: deque[RequestRecord] = deque(maxlen=100_000)
        self._ticker_stop = threading.Event()
        super().__init__(address, Handler)

    @property
    def faults(self) -> Faults:
        return self.state.faults

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start_ticker(self, interval: float = 0.05) -> threading.Thread:
        """Complete due transitions even when nobody asks (the real-PostgreSQL mode needs this)."""

        def run() -> None:
            while not self._ticker_stop.wait(interval):
                try:
                    self.state.tick()
                except Exception:
                    log.exception("tick failed")

        thread = threading.Thread(target=run, name="emulator-ticker", daemon=True)
        thread.start()
        return thread

    def server_close(self) -> None:
        self._ticker_stop.set()
        super().server_close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm the second waits for the client's
    # delayed ACK (40 ms) on every keep-alive request.
    disable_nagle_algorithm = True
    server: EmulatorServer
    server_version = "ionos-pg-emulator"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    # -- plumbing --------------------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        record = RequestRecord(time.time(), method, None, self.path, None)
        logged = False
        try:
            body = self._read_body()
            url = urlsplit(self.path)
            if url.path == ADMIN_PREFIX or url.path.startswith(ADMIN_PREFIX + "/"):
                record.admin = True
                self._admin(method, url.path[len(ADMIN_PREFIX) :] or "/", body)
                record.status = 200
                return
            region, route, base = self._route(url.path)
            record.region, record.path = region, route
            self.server.requests.append(record)  # logged now, its status filled in when known
            logged = True
            if not self.server.settings.auth.admits(self.headers.get("Authorization")):
                raise ApiProblem(
                    401, ["Unauthorized: a valid Bearer token is required"], {"WWW-Authenticate": "Bearer"}
                )
            wait = self.server.limiter.admit(self.headers.get("Authorization", ""))
            if wait is not None:
                raise ApiProblem(429, ["Too many requests; slow down"], {"Retry-After": str(wait)})
            fault = self.server.faults.for_request(method, region, route)
            if fault is not None:
                record.fault = fault.action
                if not fault.process:
                    self._apply_fault(fault)
            status, payload = self._api(method, region, route, parse_qs(url.query), body, base)
            if fault is not None and fault.action == "lose_response":
                raise _Dropped()
            if fault is not None and fault.process:
                self._apply_fault(fault)  # the request was carried out; its answer is what goes wrong
            record.status = status
            self._send(status, payload)
        except ApiProblem as problem:
            record.status = problem.status
            self._send(problem.status, problem.body(), problem.headers)
        except _RawAnswer as raw:
            record.status = raw.status
            self._send_bytes(raw.status, raw.body.encode("utf-8"), raw.content_type)
        except _Dropped:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        except Exception:
            log.exception("internal error on %s %s", method, self.path)
            record.status = 500
            self._send(500, ApiProblem(500, ["internal emulator error"]).body())
        finally:
            if not record.admin and not logged:
                self.server.requests.append(record)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            raise ApiProblem(411, ["send a Content-Length; chunked bodies are not accepted"])
        declared = self.headers.get("Content-Length") or "0"
        if not declared.isdigit():
            self.close_connection = True
            raise ApiProblem(400, [f"Content-Length: {declared!r} is not a number of bytes"])
        length = int(declared)
        if length > MAX_BODY:
            self.close_connection = True
            raise ApiProblem(400, ["the request body is too large"])
        return self.rfile.read(length) if length else b""

    def _route(self, path: str) -> tuple[str, str, str]:
        parts = [p for p in path.split("/") if p]
        host = self.headers.get("Host") or self.server.url.removeprefix("http://")
        prefix = ""
        region = self.server.settings.default_region
        if parts and parts[0] in REGIONS:
            region = parts[0]
            prefix = "/" + parts.pop(0)
        if parts and parts[0] == "v2":
            parts.pop(0)
        return region, "/" + "/".join(parts), f"http://{host}{prefix}"

    def _apply_fault(self, fault: FaultRule) -> None:
        if fault.action == "status":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            raise ApiProblem(fault.status, [fault.message], headers)
        if fault.action == "raw":
            raise _RawAnswer(fault.status, fault.body, fault.content_type)
        if fault.action == "delay":
            time.sleep(fault.seconds)
        elif fault.action == "drop":
            raise _Dropped()

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self._send_bytes(status, data, "application/json", headers)

    def _send_bytes(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            if data:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if data:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _json_body(self, body: bytes) -> dict[str, Any]:
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise ApiProblem(415, [f"Content-Type must be application/json, not {kind or 'missing'!r}"])
        return parse_json_object(body)

    # -- the v2 API -------------------------------------------------------------------------------

    def _api(
        self, method: str, region: str, route: str, query: dict[str, list[str]], body: bytes, base: str
    ) -> tuple[int, Any]:
        state = self.server.state
        parts = [p for p in route.split("/") if p]
        if (
            not parts
            or parts[0] not in {"clusters", "backups", "backup-locations", "versions"}
            or len(parts) > 2
        ):
            raise ApiProblem(404, [f"no such path: {route}"])
        collection, item = parts[0], (parts[1] if len(parts) == 2 else None)
        allowed = {"clusters": ({"GET", "POST"}, {"GET", "PUT", "DELETE"})}.get(
            collection, ({"GET"}, {"GET"})
        )
        if method not in allowed[0 if item is None else 1]:
            raise ApiProblem(405, [f"{method} is not allowed on {route}"])
        if item is not None:
            check_uuid(item, {"clusters": "clusterId", "backups": "backupId"}.get(collection, "id"))

        if collection == "clusters":
            if item is None and method == "GET":
                name = _query(query, "filter.name")
                if name is not None and not 2 <= len(name) <= 63:
                    raise ApiProblem(400, ["filter.name: must have 2 to 63 characters"])
                wanted = _query(query, "filter.state")
                if wanted is not None and wanted not in rules.CLUSTER_STATES:
                    raise ApiProblem(400, [f"filter.state: must be one of {', '.join(rules.CLUSTER_STATES)}"])
                found = state.list_clusters(region, name, wanted)
                return 200, self._page(query, [cluster_document(c, base) for c in found], base, route)
            if item is None:
                return 201, cluster_document(state.create_cluster(region, self._json_body(body)), base)
            if method == "GET":
                return 200, cluster_document(state.get_cluster(region, item), base)
            if method == "PUT":
                cluster, created = state.ensure_cluster(region, item, self._json_body(body))
                return (201 if created else 200), cluster_document(cluster, base)
            state.delete_cluster(region, item)
            return 202, None

        if collection == "backups":
            if item is None:
                found_backups = state.list_backups(region, _query(query, "filter.clusterId"))
                return 200, self._page(query, [backup_document(b, base) for b in found_backups], base, route)
            return 200, backup_document(state.get_backup(region, item), base)

        catalog = state.catalog
        if collection == "versions":
            if item is None:
                docs = [version_document(catalog, v.id, base) for v in catalog.versions]
                return 200, self._page(query, docs, base, route)
            return 200, version_document(catalog, item, base)
        if item is None:
            docs = [backup_location_document(catalog, b.id, base) for b in catalog.backup_locations]
            return 200, self._page(query, docs, base, route)
        return 200, backup_location_document(catalog, item, base)

    def _page(
        self, query: dict[str, list[str]], docs: list[dict[str, Any]], base: str, route: str
    ) -> dict[str, Any]:
        offset = _int_query(query, "offset", 0, 0, None)
        limit = _int_query(query, "limit", 100, 1, 1000)
        cap = self.server.settings.quirks.page_limit_cap
        limit = min(limit, cap) if cap else limit
        page = docs[offset : offset + limit]
        href = base + route
        links = {"self": f"{href}?offset={offset}&limit={limit}"}
        if offset > 0:
            links["prev"] = f"{href}?offset={max(0, offset - limit)}&limit={limit}"
        if offset + limit < len(docs) or self.server.settings.quirks.stale_next_link:
            links["next"] = f"{href}?offset={offset + limit}&limit={limit}"
        return {
            "id": route.strip("/"),
            "type": "collection",
            "href": href,
            "items": page,
            "offset": offset,
            "limit": limit,
            "_links": links,
        }

    # -- the admin API ----------------------------------------------------------------------------

    def _admin(self, method: str, path: str, body: bytes) -> None:
        server = self.server
        state = server.state
        if path == "/health" and method == "GET":
            self._send(200, {"status": "ok", "pace": state.paces.describe()})
            return
        if not server.settings.auth.admits(self.headers.get("Authorization"), admin=True):
            raise ApiProblem(401, ["Unauthorized: the admin API needs the emulator's token"])
        parts = [p for p in path.split("/") if p]
        payload: Any = None
        match (method, parts):
            case ("GET", ["requests"]):
                payload = {"items": [r.to_json() for r in list(server.requests)]}
            case ("DELETE", ["requests"]):
                server.requests.clear()
            case ("GET", ["faults"]):
                payload = {"items": [f.to_json() for f in server.faults.list()]}
            case ("POST", ["faults"]):
                try:
                    rule = FaultRule.from_json(parse_json_object(body))
                except (TypeError, ValueError) as exc:
                    raise ApiProblem(400, [str(exc)]) from None
                payload = server.faults.add(rule).to_json()
            case ("DELETE", ["faults"]):
                server.faults.clear()
            case ("GET", ["pace"]):
                payload = state.paces.describe()
            case ("PUT", ["pace"]):
                try:
                    for transition, value in parse_json_object(body).items():
                        state.paces.set(transition, Pace.parse(value))
                except ValueError as exc:
                    raise ApiProblem(400, [str(exc)]) from None
                payload = state.paces.describe()
            case ("PUT", ["rate-limit"]):
                data = parse_json_object(body)
                server.limiter.configure(data.get("rate"), data.get("burst"))
                payload = {"rate": server.limiter.rate, "burst": server.limiter.burst}
            case ("PUT", ["quirks"]):
                data = parse_json_object(body)
                quirks = server.settings.quirks
                quirks.stale_next_link = bool(data.get("staleNextLink", False))
                quirks.page_limit_cap = int(data["pageLimitCap"]) if data.get("pageLimitCap") else None
                payload = {"staleNextLink": quirks.stale_next_link, "pageLimitCap": quirks.page_limit_cap}
            case ("GET", ["clusters"]):
                with state.lock:
                    state.tick()
                    payload = {"items": [_admin_view(c) for c in state.clusters.values()]}
            case ("POST", ["clusters", cluster_id, "advance"]):
                advanced = state.advance(cluster_id)
                payload = _admin_view(advanced) if advanced else {"id": cluster_id, "state": "gone"}
            case ("POST", ["clusters", cluster_id, "fail"]):
                message = (
                    parse_json_object(body or b"{}").get("message") or "failed by the emulator's admin API"
                )
                payload = _admin_view(state.fail(cluster_id, str(message)))
            case ("DELETE", ["clusters", cluster_id]):
                state.remove(cluster_id)
            case ("POST", ["reset"]):
                state.reset()
                server.requests.clear()
            case _:
                raise not_found("admin path", path)
        self._send(200, payload if payload is not None else {})


def _admin_view(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "region": record.region,
        "name": record.name,
        "state": record.state,
        "statusMessage": record.status_message,
        "dnsName": record.dns_name,
        "pending": record.pending,
        "pendingDue": record.pending_due,
        "createdAt": record.created_at,
        "modifiedAt": record.modified_at,  # when it last changed state: the moment a transition ended
        "properties": record.properties,
    }


def _query(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[-1] if values else None


def _int_query(query: dict[str, list[str]], key: str, default: int, low: int, high: int | None) -> int:
    raw = _query(query, key)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiProblem(400, [f"{key}: {raw!r} is not an integer"]) from None
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ApiProblem(400, [f"{key}: {value} is out of range; must be {bound}"])
    return value


def serve_in_thread(server: EmulatorServer) -> Callable[[], None]:
    """Run `server` on a daemon thread; returns the function that stops it."""
    server.start_ticker()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
