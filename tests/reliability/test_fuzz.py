"""The emulator's HTTP layer under a few thousand valid and corrupted requests: not one 5xx.

Every route of the v2 API and of the admin API, asked with bad methods, paths and query values, with
broken Content-Length, Content-Type and Authorization headers, and with JSON bodies of the wrong types,
nested deep, with huge numbers, NaN, unicode and lone surrogates, or cut short. The requests come from
a fixed `random.Random(SEED)` and go over loopback sockets; the faults it adds through the admin API
answer 4xx only, so every 5xx counted is the emulator's own.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ionos_postgres_pulumi.emulator.admin_routes import ADMIN_ROUTES as EMULATOR_ADMIN_ROUTES
from ionos_postgres_pulumi.emulator.api_routes import API_ROUTES as EMULATOR_API_ROUTES
from ionos_postgres_pulumi.emulator.routing import RouteTable
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from tests.emulator.conftest import WireAnswer, address, read_answer
from tests.payloads import cluster_properties
from tests.reliability.conftest import Scenario

SEED = 20261201
REQUESTS = 3000
FOLLOW_UP = b"GET /de-fra/versions HTTP/1.1\r\nHost: emulator\r\nAuthorization: Bearer {token}\r\n\r\n"
COLLECTIONS = {
    "clusters": "cluster",
    "backups": "backup",
    "backup-locations": "location",
    "versions": "version",
}

# Every route the emulator has (a new one is fuzzed too), with its placeholders named by the kind of id.
PLACEHOLDERS = {
    "{clusterId}": "{cluster}",
    "{backupId}": "{backup}",
    "{backupLocationId}": "{location}",
    "{versionId}": "{version}",
}


def routes(table: RouteTable, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for route in table.routes:
        path = route.pattern
        for placeholder, kind in PLACEHOLDERS.items():
            path = path.replace(placeholder, kind)
        unknown = set(re.findall(r"\{\w+\}", path)) - set(PLACEHOLDERS.values())
        assert not unknown, f"{route.pattern}: a kind of id the fuzzer does not know"
        found.append((route.method, prefix + path))
    return found


API_ROUTES = routes(EMULATOR_API_ROUTES)
ADMIN_ROUTES = routes(EMULATOR_ADMIN_ROUTES, "/_emulator")
FIELDS = [
    "name",
    "description",
    "version",
    "instances",
    "instances.count",
    "instances.ram",
    "instances.cores",
    "instances.storageSize",
    "connection",
    "connection.datacenterId",
    "connection.lanId",
    "connection.primaryInstanceAddress",
    "maintenanceWindow.time",
    "maintenanceWindow.dayOfTheWeek",
    "replicationMode",
    "credentials",
    "credentials.username",
    "credentials.password",
    "credentials.database",
    "connectionPooler",
    "logsEnabled",
    "backup",
    "backup.location",
    "backup.retentionDays",
    "restoreFromBackup",
    "restoreFromBackup.sourceBackupId",
    "restoreFromBackup.recoveryTargetDatetime",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO", "get", "GÉT"]
HEADER_VALUES: list[tuple[str, list[str | None]]] = [
    ("Authorization", [None, "Bearer wrong", "Basic dXNlcjpwYXNz", "Bearer", "bearer {token}", "Bearer ü"]),
    ("Content-Type", [None, "text/plain", "application/json; charset=utf-8", "application/JSON", "x/y; ;"]),
    ("Content-Length", ["²", "+5", "-1", "9" * 30, "\r\n 5", "0x10", "", "1e2", "3", "99999"]),
    ("Transfer-Encoding", ["chunked", "gzip"]),
    ("Expect", ["100-continue", "teapot"]),
    ("Host", [None, "", "ü.example", "a" * 300]),
    ("Connection", ["close", "keep-alive", "upgrade"]),
]
QUERY_VALUES = [
    "0",
    "1",
    "-1",
    "1000",
    "1001",
    "²",
    "٣",
    "1e3",
    "9" * 40,
    "",
    "NaN",
    " 5",
    "ü",
    "%zz",
    "a" * 70,
]


class Raw:
    """JSON text placed as it is into a body (what `json.dumps` would never write)."""

    def __init__(self, text: str) -> None:
        self.text = text


ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**31,
    1.5,
    "",
    "x" * 300,
    "²",
    "٣",
    "a\n",
    "16:30:59\n",
    "ü😀",
    [],
    {},
    [[[[]]]],
    {"password": "P@ssw0rd123"},
    Raw("NaN"),
    Raw("Infinity"),
    Raw("-Infinity"),
    Raw("1e400"),
    Raw("9" * 5000),
    Raw('"\\ud800"'),
    Raw("[" * 200 + "]" * 200),
    Raw("[" * 5000 + "]" * 5000),
]


@dataclass
class Shot:
    """One request as bytes on a fresh connection."""

    data: bytes
    method: str
    half_close: bool = False  # the client stops sending: a body shorter than it declared
    kind: str = "valid"
    follow_up: bool = False  # then a plain GET on the same connection
    token: str = ""


class Fuzzer:
    def __init__(self, rng: random.Random, token: str, ids: dict[str, list[str]]) -> None:
        self.rng = rng
        self.token = token
        self.ids = ids  # known ids by kind, filled in as answers come back

    def shot(self) -> Shot:
        corrupt = self.rng.choice([None, None, self.method, self.path, self.query, self.headers, self.body])
        if self.rng.random() < 0.03:
            return self.garbage()
        method, path = self.rng.choice(API_ROUTES if self.rng.random() < 0.75 else ADMIN_ROUTES)
        request = Request(method, self.fill(path), {}, self.valid_body(method, path), self.token)
        if self.rng.random() < 0.4 and path in ("/clusters", "/backups"):
            request.query = self.valid_query(path)
        kind = "valid"
        if corrupt is not None:
            corrupt(request)
            kind = corrupt.__name__
        return request.shot(self.rng, kind)

    # -- valid requests ------------------------------------------------------------------------------

    def fill(self, path: str) -> str:
        prefix = (
            "" if path.startswith("/_emulator") else self.rng.choice(["/de-fra", "/de-txl", "", "/es-vit/v2"])
        )
        for kind in ("cluster", "backup", "location", "version"):
            known = self.ids.get(kind) or [str(uuid.uuid4())]
            path = path.replace("{" + kind + "}", self.rng.choice([*known, str(uuid.uuid4())]))
        return prefix + path

    def valid_query(self, path: str) -> dict[str, str]:
        if path == "/backups":
            return {"filter.clusterId": self.rng.choice(self.ids.get("cluster") or ["none"])}
        return self.rng.choice(
            [{"offset": "0", "limit": "2"}, {"filter.name": "cms"}, {"filter.state": "AVAILABLE"}]
        )

    def valid_body(self, method: str, path: str) -> Any:
        if path.endswith("/clusters") and method == "POST" and "_emulator" not in path:
            return {"properties": cluster_properties(name=f"fuzz-{self.rng.randrange(10**6)}")}
        if path.endswith("/clusters/{cluster}") and method == "PUT":
            return {"id": "{path-id}", "properties": cluster_properties()}
        return {
            "/_emulator/faults": {
                "action": "status",
                "status": self.rng.choice([400, 404, 409, 429]),
                "times": 1,
            },
            "/_emulator/pace": {"create": self.rng.choice(["immediate", 0, "manual"]), "update": "immediate"},
            "/_emulator/rate-limit": {"rate": None},
            "/_emulator/quirks": {"staleNextLink": self.rng.random() < 0.5, "pageLimitCap": None},
            "/_emulator/clusters/{cluster}/fail": {"message": "fuzzed"},
        }.get(path)

    # -- corruptions ---------------------------------------------------------------------------------

    def method(self, request: Request) -> None:
        request.method = self.rng.choice(METHODS)

    def path(self, request: Request) -> None:
        request.path = self.rng.choice(
            [
                lambda p: p + "/",
                lambda p: p + "/extra/segments",
                lambda p: p.rsplit("/", 1)[0] + "/not-a-uuid",
                lambda p: p.rsplit("/", 1)[0] + "/²",
                lambda p: "/xx-nowhere" + p,
                lambda p: "//" + p.lstrip("/"),
                lambda p: p + "%00%ff",
                lambda p: p + "/" + "ü" * 20,
                lambda p: p + "/" + "a" * 5000,
                lambda p: p + "#fragment",
                lambda p: "http://[" + p,
                lambda p: "http://example.com" + p,
                lambda p: "*",
                lambda p: "/_emulator",
            ]
        )(request.path)

    def query(self, request: Request) -> None:
        key = self.rng.choice(["offset", "limit", "filter.name", "filter.state", "filter.clusterId", "other"])
        request.query[key] = self.rng.choice([*QUERY_VALUES, "available", "AVAILABLE"])

    def headers(self, request: Request) -> None:
        name, values = self.rng.choice(HEADER_VALUES)
        value = self.rng.choice(values)
        request.headers[name] = value.replace("{token}", self.token) if value else value

    def body(self, request: Request) -> None:
        choice = self.rng.random()
        if (
            choice < 0.5
            and isinstance(request.body, dict)
            and isinstance(request.body.get("properties"), dict)
        ):
            for _ in range(self.rng.randint(1, 3)):
                set_path(request.body["properties"], self.rng.choice(FIELDS), self.rng.choice(ODD_VALUES))
        elif choice < 0.65:
            request.body = self.rng.choice(
                [[], "text", 5, None, Raw("NaN"), Raw("[" * 50_000), Raw('{"a": ' * 3000 + "1" + "}" * 3000)]
            )
        elif choice < 0.8:
            request.truncate = True
        elif choice < 0.9:
            request.invalid_utf8 = True
        else:
            request.body = {"create": self.rng.choice(ODD_VALUES), "rate": self.rng.choice(ODD_VALUES)}

    def garbage(self) -> Shot:
        data = self.rng.choice(
            [
                b"GET /de-fra/versions HTTP/2.0\r\n\r\n",
                b"GET /de-fra/versions\r\n\r\n",
                b"GET /de-fra/versions HTTP/1.1 extra\r\n\r\n",
                b"\x00\x01\x02\x03\r\n\r\n",
                b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
                b"GET /de-fra/versions HTTP/1.1\r\n"
                + b"".join(b"X-%d: y\r\n" % i for i in range(120))
                + b"\r\n",
                b"GET /de-fra/versions HTTP/1.1\r\nX-Long: " + b"y" * 70_000 + b"\r\n\r\n",
            ]
        )
        return Shot(data, "GET", kind="garbage")


class Request:
    def __init__(self, method: str, path: str, query: dict[str, str], body: Any, token: str) -> None:
        self.method, self.path, self.query, self.body = method, path, query, body
        self.token = token
        self.headers: dict[str, str | None] = {"Authorization": f"Bearer {token}"}
        self.truncate = False
        self.invalid_utf8 = False

    def shot(self, rng: random.Random, kind: str) -> Shot:
        payload = b"" if self.body is None else encode(self.body, self.path)
        if self.invalid_utf8 and payload:
            index = rng.randrange(len(payload))
            payload = payload[:index] + b"\xff\xfe" + payload[index:]
        headers = {"Host": "emulator", "Content-Type": "application/json", **self.headers}
        if payload:
            headers.setdefault("Content-Length", str(len(payload)))
        truncated = self.truncate and bool(payload)
        if truncated:
            payload = payload[: len(payload) // 2]
        target = self.path + ("?" + "&".join(f"{k}={v}" for k, v in self.query.items()) if self.query else "")
        lines = [f"{self.method} {target} HTTP/1.1"] + [
            f"{k}: {v}" for k, v in headers.items() if v is not None
        ]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + payload
        follow_up = not truncated and rng.random() < 0.3
        return Shot(data, self.method, truncated, kind, follow_up, self.token)


def encode(body: Any, path: str) -> bytes:
    """JSON with the `Raw` pieces put in as written; a PUT's body names the id of its path."""
    pieces: list[str] = []

    def placeholder(value: Any) -> Any:
        pieces.append(value.text)
        return f"__raw{len(pieces) - 1}__"

    text = json.dumps(body, default=placeholder).replace("{path-id}", path.rsplit("/", 1)[-1])
    for index, piece in enumerate(pieces):
        text = text.replace(f'"__raw{index}__"', piece)
    return text.encode("utf-8", "surrogatepass")


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        child = data.get(part)
        if not isinstance(child, dict):
            child = data[part] = {}
        data = child
    data[last] = value


# -- sending -----------------------------------------------------------------------------------------


def fire(emulator: RunningEmulator, shot: Shot) -> list[WireAnswer | None]:
    """The answer to `shot`, and on a connection left open, the answer to a plain GET after it: what a
    request leaves behind (a body half read, a HEAD) must not spoil the next one."""
    with socket.create_connection(address(emulator), timeout=10) as connection:
        with contextlib.suppress(ConnectionError):  # it answered and closed before all was sent
            connection.sendall(shot.data)
        if shot.half_close:
            connection.shutdown(socket.SHUT_WR)
        answers = [read_or_none(connection, shot.method)]
        if shot.follow_up and answers[0] is not None and not answers[0].closes:
            connection.sendall(FOLLOW_UP.replace(b"{token}", shot.token.encode()))
            answers.append(read_or_none(connection, "GET"))
    return answers


def read_or_none(connection: socket.socket, method: str) -> WireAnswer | None:
    try:
        return read_answer(connection, method)
    except ConnectionError:
        return None


def learn(ids: dict[str, list[str]], answer: WireAnswer) -> None:
    """Ids from answers, so that later requests name resources that exist."""
    try:
        document = answer.json()
    except ValueError:
        return
    documents = document.get("items", [document]) if isinstance(document, dict) else []
    for item in documents:
        if not (isinstance(item, dict) and isinstance(item.get("id"), str)):
            continue
        collection = COLLECTIONS.get(str(item.get("href", "")).rsplit("/", 2)[-2:][0])
        if collection and item["id"] not in ids.setdefault(collection, []):
            ids[collection].append(item["id"])


@pytest.fixture
def fuzzed() -> Iterator[RunningEmulator]:
    with emulator_thread(idle_timeout=0.5) as running:
        yield running


def test_no_request_gets_a_5xx(fuzzed: RunningEmulator, figures: Scenario) -> None:
    fuzzer = Fuzzer(random.Random(SEED), fuzzed.token, {})
    statuses: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    unanswered: list[bytes] = []
    server_errors: list[str] = []
    for _ in range(REQUESTS):
        shot = fuzzer.shot()
        kinds[shot.kind] += 1
        first, *after = fire(fuzzed, shot)
        if first is None:
            unanswered.append(shot.data[:120])
        for answer in [first, *after]:
            if answer is None:
                continue
            statuses[answer.status] += 1
            if answer.status >= 500:
                server_errors.append(f"{answer.status} after {shot.data[:200]!r}: {answer.body[:200]!r}")
            learn(fuzzer.ids, answer)
    figures.emulator_5xx = len(server_errors)
    print(f"fuzz: {REQUESTS} requests by kind {dict(kinds)}; statuses {dict(sorted(statuses.items()))}")
    assert server_errors == []
    assert unanswered == []
    assert statuses[200] + statuses[201] > REQUESTS // 10  # the valid part did reach the routes
    assert len(statuses) > 8
