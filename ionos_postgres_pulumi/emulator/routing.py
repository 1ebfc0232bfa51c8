"""Routing by table: (method, path pattern) -> handler, for the v2 API and for the admin API.

A pattern's `{placeholders}` match one path segment each. A path no pattern matches is a 404; a path
some pattern matches, asked with a method none of them takes, is a 405 with an `Allow` header. Both
answer in the IONOS error shape.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from .faults import RateLimiter
from .jsonbody import parse_json_object
from .problems import ApiProblem
from .requestlog import RequestLog
from .settings import Settings
from .state import EmulatorState
from .validation import check_uuid


@dataclass(frozen=True)
class Answer:
    """What goes back: a status, a body of some media type, and headers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, document: Any, headers: Mapping[str, str] | None = None) -> Answer:
        return cls(status, json.dumps(document).encode("utf-8"), headers=headers or {})

    @classmethod
    def of(cls, problem: ApiProblem) -> Answer:
        return cls.json(problem.status, problem.body(), problem.headers)


@dataclass(frozen=True)
class Request:
    """One request as a route handler sees it: the path relative to its API, what came with it, and what
    the handler works with (the service's state, the settings, the request log, the rate limiter), so that
    no handler reaches into the server."""

    state: EmulatorState
    settings: Settings
    requests: RequestLog
    limiter: RateLimiter
    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, list[str]]
    headers: Message
    body: bytes
    region: str = ""  # the v2 API's region (the admin API has none)
    base_url: str = ""  # where the region's documents live: `href`s start with it

    def uuid_param(self, name: str) -> str:
        """A path parameter that names a resource: a UUID, else a 400."""
        value = self.params[name]
        check_uuid(value, name)
        return value

    def query_value(self, key: str) -> str | None:
        """The last value given for `key` (as a repeated parameter's last word wins)."""
        values = self.query.get(key)
        return values[-1] if values else None

    def json_body(self) -> dict[str, Any]:
        """The body of a POST or PUT: a JSON object sent as application/json."""
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise ApiProblem(415, [f"Content-Type must be application/json, not {kind[:40] or 'missing'!r}"])
        return parse_json_object(self.body)

    def admin_body(self) -> dict[str, Any]:
        """The admin API's input: a JSON object, or nothing at all (an empty object)."""
        return parse_json_object(self.body) if self.body.strip() else {}


RouteHandler = Callable[[Request], Answer]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: RouteHandler
    public: bool = False  # answered without a token

    @functools.cached_property
    def _expected(self) -> list[str]:
        return [part for part in self.pattern.split("/") if part]

    def bind(self, segments: list[str]) -> dict[str, str] | None:
        """The placeholders' values when `segments` fit the pattern, else None."""
        expected = self._expected
        if len(expected) != len(segments):
            return None
        params = {}
        for wanted, given in zip(expected, segments, strict=True):
            if wanted.startswith("{") and wanted.endswith("}"):
                params[wanted[1:-1]] = given
            elif wanted != given:
                return None
        return params


@dataclass(frozen=True)
class Match:
    route: Route
    params: dict[str, str]


class RouteTable:
    def __init__(self, *routes: Route) -> None:
        self.routes = routes

    def find(self, method: str, path: str) -> Match | None:
        segments = [part for part in path.split("/") if part]
        for route in self.routes:
            if route.method == method and (params := route.bind(segments)) is not None:
                return Match(route, params)
        return None

    def refusal(self, method: str, path: str) -> ApiProblem:
        """Why no route takes this request: a 404 for the path, or a 405 naming the methods it takes."""
        segments = [part for part in path.split("/") if part]
        allowed = sorted({route.method for route in self.routes if route.bind(segments) is not None})
        if not allowed:
            return ApiProblem(404, [f"no such path: {path[:200]}"])
        return ApiProblem(
            405, [f"{method[:20]} is not allowed on {path[:200]}"], {"Allow": ", ".join(allowed)}
        )
