"""The emulator held to a contract of its own: recorded requests and answers in the shape IONOS documents.

Each file in `contract/` is a sequence of steps replayed in order against a fresh emulator over real HTTP;
each says where its expectations come from (a section of ../shared/reference/ionos-pg-v2-api.md, or
IONOS's getting-started workflow). The values are written out from the documentation, never taken from
`ionos_postgres_pulumi.limits` or the client's rules: a wrong limit there makes this fail.

A step's request: `method`, `path` (relative to the file's region; `/_emulator/...` for set-up through
the emulator's admin API), `query`, `headers` (null removes one), and a body given as `body` (JSON),
`rawBody` (sent as written, with `contentType`), or `template` with `set` and `remove` (dotted paths).
Every request carries the emulator's token unless its headers say otherwise.

A step's response is matched by subset: objects need the keys given, lists match item by item, other
values are equal. Placeholders: "<any>", "<absent>" (the key is not there), "<string>", "<integer>",
"<uuid>", "<timestamp>" (RFC 3339 in UTC ending in Z), "<match:REGEX>", "<contains:TEXT>",
"<capture:NAME>" or "<capture:NAME:KIND>" (KIND one of the above: remember the value as NAME, used as
"{NAME}" by later steps); {"<each>": P} and {"<some>": P} for lists. `status` may be a list of
statuses, `rawBody` must be the body exactly, `excludes` are texts the body must not contain, and
`poll: N` repeats the request up to N times until the answer matches.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from tests.emulator.conftest import address
from tests.payloads import REMOVE, set_path

CONTRACT = Path(__file__).parent / "contract"
FILES = sorted(CONTRACT.glob("*.json"))
SUBSTITUTION = re.compile(r"\{([A-Za-z][A-Za-z0-9]*)\}")
KINDS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: type(v) is int,
    "uuid": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", v),
    "timestamp": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", v),
    "any": lambda v: True,
}
POLL_INTERVAL = 0.05


@dataclass
class Received:
    status: int
    headers: dict[str, str]  # names in lowercase
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


@dataclass
class Replay:
    """One contract file's run: the emulator, the values captured so far, what did not match."""

    emulator: RunningEmulator
    document: dict[str, Any]
    captures: dict[str, Any] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)

    def substitute(self, value: Any) -> Any:
        """`{name}` in strings, from the captures (and `token`), all through `value`."""
        if isinstance(value, dict):
            return {key: self.substitute(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.substitute(item) for item in value]
        if not isinstance(value, str):
            return value
        return SUBSTITUTION.sub(lambda m: str(self.known(m.group(1))), value)

    def known(self, name: str) -> Any:
        values = {"token": self.emulator.token, **self.captures}
        if name not in values:
            raise KeyError(f"{{{name}}} is used before a step captures it")
        return values[name]


# -- requests ------------------------------------------------------------------------------------------


def body_of(replay: Replay, request: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """The body to send and its content type."""
    kind = request.get("contentType", "application/json")
    if "rawBody" in request:
        return replay.substitute(request["rawBody"]).encode("utf-8"), kind
    if "template" in request:
        document = replay.document["templates"][request["template"]]
        for path, value in request.get("set", {}).items():
            document = set_path(document, path, value)
        for path in request.get("remove", []):
            document = set_path(document, path, REMOVE)
        return json.dumps(replay.substitute(document)).encode("utf-8"), kind
    if "body" in request:
        return json.dumps(replay.substitute(request["body"])).encode("utf-8"), kind
    return None, None


def send(replay: Replay, request: dict[str, Any]) -> Received:
    path = replay.substitute(request["path"])
    if not path.startswith("/_emulator"):
        path = f"/{replay.document['region']}{path}"
    if request.get("query"):
        path += "?" + urlencode(replay.substitute(request["query"]))
    body, kind = body_of(replay, request)
    headers = {"Authorization": f"Bearer {replay.emulator.token}", "Accept": "application/json"}
    if kind is not None:
        headers["Content-Type"] = kind
    headers.update(replay.substitute(request.get("headers", {})))
    connection = http.client.HTTPConnection(*address(replay.emulator), timeout=10)
    try:
        sent = {name: value for name, value in headers.items() if value is not None}
        connection.request(request["method"], path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        return Received(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
    finally:
        connection.close()


# -- matching ------------------------------------------------------------------------------------------


def match(expected: Any, actual: Any, where: str, captures: dict[str, Any]) -> list[str]:
    """What in `actual` does not fit `expected` (empty: it fits); captures go into `captures`."""
    if isinstance(expected, str) and expected.startswith("<") and expected.endswith(">"):
        return match_placeholder(expected[1:-1], actual, where, captures)
    if isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)) in ("<each>", "<some>"):
        return match_items(next(iter(expected)), next(iter(expected.values())), actual, where, captures)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r:.80}"]
        return [
            problem
            for key, wanted in expected.items()
            for problem in match_key(wanted, actual, key, f"{where}.{key}", captures)
        ]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected a list of {len(expected)}, got {actual!r:.80}"]
        return [
            p
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for p in match(e, a, f"{where}[{i}]", captures)
        ]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where}: expected {expected!r}, got {actual!r:.80}"]
    return []


def match_key(
    wanted: Any, actual: dict[str, Any], key: str, where: str, captures: dict[str, Any]
) -> list[str]:
    if wanted == "<absent>":
        return [f"{where}: should be absent, is {actual[key]!r:.80}"] if key in actual else []
    if key not in actual:
        return [f"{where}: is missing"]
    return match(wanted, actual[key], where, captures)


def match_placeholder(spec: str, actual: Any, where: str, captures: dict[str, Any]) -> list[str]:
    kind, _, argument = spec.partition(":")
    if kind == "match":
        fits = isinstance(actual, str) and re.fullmatch(argument, actual) is not None
    elif kind == "contains":
        fits = isinstance(actual, str) and argument in actual
    elif kind == "capture":
        name, _, inner = argument.partition(":")
        fits = bool(KINDS[inner or "any"](actual))
        if fits:
            captures[name] = actual
    else:
        fits = bool(KINDS[kind](actual))
    return [] if fits else [f"{where}: expected <{spec}>, got {actual!r:.80}"]


def match_items(mode: str, pattern: Any, actual: Any, where: str, captures: dict[str, Any]) -> list[str]:
    if not isinstance(actual, list):
        return [f"{where}: expected a list, got {actual!r:.80}"]
    if mode == "<each>":
        return [p for i, item in enumerate(actual) for p in match(pattern, item, f"{where}[{i}]", captures)]
    for item in actual:
        found: dict[str, Any] = {}
        if not match(pattern, item, where, found):
            captures.update(found)
            return []
    return [f"{where}: no item fits {json.dumps(pattern)[:120]}"]


def check(replay: Replay, expected: dict[str, Any], received: Received) -> tuple[list[str], dict[str, Any]]:
    """The mismatches of one answer, and the values it captured."""
    wanted = replay.substitute(expected)
    statuses = wanted["status"] if isinstance(wanted["status"], list) else [wanted["status"]]
    found: dict[str, Any] = {}
    problems = [] if received.status in statuses else [f"status: expected {statuses}, got {received.status}"]
    for name, value in wanted.get("headers", {}).items():
        problems += match_key(value, received.headers, name.lower(), f"header {name}", found)
    if "rawBody" in wanted and received.text != wanted["rawBody"]:
        problems.append(f"body: expected {wanted['rawBody']!r}, got {received.text[:80]!r}")
    if "body" in wanted:
        try:
            problems += match(wanted["body"], received.json(), "body", found)
        except ValueError:
            problems.append(f"body: expected JSON, got {received.text[:80]!r}")
    problems += [f"body: shows {text!r}" for text in wanted.get("excludes", []) if text in received.text]
    return problems, found


def replay_step(replay: Replay, step: dict[str, Any]) -> None:
    for attempt in range(step.get("poll", 1)):
        if attempt:
            time.sleep(POLL_INTERVAL)  # only when the pace is not immediate
        problems, found = check(replay, step["response"], send(replay, step["request"]))
        if not problems:
            replay.captures.update(found)
            return
    replay.mismatches += [f"{step['name']} ({step['source']}): {p}" for p in problems]


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_the_emulator_keeps_the_contract(emulator: RunningEmulator, path: Path) -> None:
    document = json.loads(path.read_text())
    assert document["sources"] and document["steps"]
    assert all(step.get("source") for step in document["steps"]), "every step says where it comes from"
    replay = Replay(emulator, document)
    for step in document["steps"]:
        replay_step(replay, step)
    assert replay.mismatches == []


def test_the_contract_has_its_three_files() -> None:
    """At least these (a new file is picked up too): an empty glob would make the replay test skip."""
    assert {"errors", "getting_started", "limits"} <= {path.stem for path in FILES}


def test_the_matcher_can_fail() -> None:
    """The runner's own check: a wrong value, a missing key, a present "<absent>", a list too short."""
    found: dict[str, Any] = {}
    assert match({"a": 1}, {"a": 2}, "x", found)
    assert match({"a": 1}, {}, "x", found)
    assert match({"a": "<absent>"}, {"a": None}, "x", found)
    assert match([1, 2], [1], "x", found)
    assert match("<uuid>", "not-a-uuid", "x", found)
    assert match("<timestamp>", "2026-07-01T10:00:00+01:00", "x", found)
    assert match({"<some>": {"b": 1}}, [{"b": 2}], "x", found)
    assert match(True, 1, "x", found)  # a boolean is not an integer
    assert not match(
        {"<some>": {"id": "<capture:id:uuid>"}}, [{"id": "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2"}], "x", found
    )
    assert found == {"id": "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2"}
