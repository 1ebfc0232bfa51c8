"""Faults a test can inject, and the rate limiter.

A fault rule matches requests (method, region, path pattern) or state transitions (create, update...)
and says what goes wrong: an error status (429 carries `Retry-After`), a raw body of any kind (a
proxy's HTML page, broken JSON, an object missing fields), a slow answer, a dropped
connection before the request is handled, a response lost after the request was handled (the POST
that created a cluster whose client never heard of it), or a cluster that goes to FAILED (for good, or
for `recoverAfter` seconds, after which its transition goes on as if nothing had happened).
"""

from __future__ import annotations

import importlib
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .admin_input import flag, only_known, optional_number, optional_text, optional_whole, text, whole

REQUEST_ACTIONS = ("status", "raw", "delay", "drop", "lose_response")
TRANSITION_ACTIONS = ("fail",)
DEFAULT_MESSAGE = "the emulator was told to fail here"
MAX_DELAY_SECONDS = 3600.0
MAX_RECOVER_SECONDS = 3600.0
# A path pattern is matched under the faults' lock, for every request: it must take bounded time. Python's
# regular expressions backtrack, so a pattern is accepted only when the ways it can split a path between its
# repetitions and alternatives, times the path's length, stay under MAX_MATCH_STEPS; a path longer than
# MAX_MATCHED_PATH matches no pattern (the v2 API's paths are under 100 characters).
MAX_MATCHED_PATH = 1024
MAX_MATCH_STEPS = 4_000_000
_SRE: Any = importlib.import_module("re._parser")  # the parser `re` compiles with; no public API parses
_OP: Any = importlib.import_module("re._constants")
_REPEATS = {_OP.MAX_REPEAT, _OP.MIN_REPEAT, _OP.POSSESSIVE_REPEAT}
_CAMEL_CASE = {"retry_after": "retryAfter", "content_type": "contentType", "recover_after": "recoverAfter"}


@dataclass
class FaultRule:
    action: str
    method: str | None = None
    path: str | None = None  # a regular expression, searched in the region-relative path
    region: str | None = None
    transition: str | None = None  # for action "fail": create, update, restore
    recover_after: float | None = None  # for action "fail": seconds until the transition goes on
    status: int = 500
    retry_after: int | None = None
    seconds: float = 0.0
    message: str = DEFAULT_MESSAGE
    body: str = ""  # for action "raw"
    content_type: str = "text/html"  # for action "raw"
    process: bool = False  # for "status"/"raw": carry the request out first, then answer wrongly
    times: int | None = 1  # None: until removed
    skip: int = 0  # let this many matches pass first
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    hits: int = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultRule:
        """A rule from the admin API's JSON (camelCase, or the field names); ValueError says what is wrong."""
        values = {_CAMEL_CASE.get(key, key): value for key, value in data.items()}
        only_known(values, JSON_FIELDS, "fault")
        rule = cls(
            action=_action(values),
            method=optional_text(values, "method"),
            path=_pattern(values),
            region=optional_text(values, "region"),
            transition=optional_text(values, "transition"),
            recover_after=optional_number(values, "recoverAfter", 0, MAX_RECOVER_SECONDS),
            status=whole(values, "status", 200, 599, 500),
            retry_after=optional_whole(values, "retryAfter", 0),
            seconds=optional_number(values, "seconds", 0, MAX_DELAY_SECONDS, 0.0) or 0.0,
            message=text(values, "message", DEFAULT_MESSAGE),
            body=text(values, "body", ""),
            content_type=_content_type(values),
            process=flag(values, "process"),
            times=optional_whole(values, "times", 0) if "times" in values else 1,
            skip=whole(values, "skip", 0, None, 0),
        )
        if rule.action == "fail" and rule.transition not in {"create", "update", "restore"}:
            raise ValueError("a 'fail' fault needs transition: create, update or restore")
        if rule.action != "fail" and rule.recover_after is not None:
            raise ValueError("recoverAfter: only a 'fail' fault recovers; leave it out of other actions")
        if rule.action == "status" and rule.status == 429 and rule.retry_after is None:
            rule.retry_after = 1
        return rule

    def to_json(self) -> dict[str, Any]:
        return {_CAMEL_CASE.get(key, key): value for key, value in asdict(self).items()}

    def _matches_request(self, method: str, region: str, path: str) -> bool:
        return (
            self.action in REQUEST_ACTIONS
            and (self.method is None or self.method.upper() == method)
            and (self.region is None or self.region == region)
            and (
                self.path is None
                or (len(path) <= MAX_MATCHED_PATH and re.search(self.path, path) is not None)
            )
        )

    def _take(self) -> bool:
        """Count a match; True when this match fires."""
        if self.skip > 0:
            self.skip -= 1
            return False
        if self.times is not None and self.times <= 0:
            return False
        self.hits += 1
        if self.times is not None:
            self.times -= 1
        return True


# What the admin API accepts for a fault: every field but those the emulator keeps itself.
JSON_FIELDS = tuple(
    _CAMEL_CASE.get(f.name, f.name) for f in fields(FaultRule) if f.name not in ("id", "hits")
)


def _action(values: Mapping[str, Any]) -> str:
    action = optional_text(values, "action")
    if action is None or action not in REQUEST_ACTIONS + TRANSITION_ACTIONS:
        actions = ", ".join(REQUEST_ACTIONS + TRANSITION_ACTIONS)
        raise ValueError(f"action: {action!r} is not a fault action; use one of {actions}")
    return action


def _pattern(values: Mapping[str, Any]) -> str | None:
    """A regular expression that compiles and matches any path in bounded time (see MAX_MATCH_STEPS)."""
    pattern = optional_text(values, "path")
    if pattern:
        try:
            re.compile(pattern)
            steps = _ways(_SRE.parse(pattern)) * MAX_MATCHED_PATH
        except re.error as exc:
            raise ValueError(f"path: {pattern!r} is not a regular expression: {exc}") from None
        except _Backtracks as exc:
            raise ValueError(f"path: {pattern!r} {exc}; write it without") from None
        if steps > MAX_MATCH_STEPS:
            raise ValueError(
                f"path: {pattern!r} could take {steps:,} steps to match a path of {MAX_MATCHED_PATH} "
                f"characters (at most {MAX_MATCH_STEPS:,}): use fewer repetitions, such as one .* or [^/]+"
            )
    return pattern


class _Backtracks(Exception):
    """A part of a pattern whose matching time grows exponentially with the path's length."""


def _ways(items: Any) -> int:
    """In how many ways the pattern can split a path between its repetitions and alternatives, which bounds
    the backtracking; a repetition of something that itself has choices is refused (`(a+)+`, `(a|aa)*`)."""
    ways = 1
    for op, value in items:
        if op in _REPEATS:
            low, high, body = value
            if _ways(body) > 1:
                raise _Backtracks(
                    "repeats a part that has choices of its own, which can take exponential time"
                )
            ways *= min(high, MAX_MATCHED_PATH) - low + 1
        elif op is _OP.BRANCH:
            ways *= sum(_ways(branch) for branch in value[1])
        elif op is _OP.SUBPATTERN:
            ways *= _ways(value[3])
        elif op in (_OP.ASSERT, _OP.ASSERT_NOT):
            ways *= _ways(value[1])
        elif op is _OP.ATOMIC_GROUP:
            ways *= _ways(value)
        elif op in (_OP.GROUPREF, _OP.GROUPREF_EXISTS):
            raise _Backtracks("refers back to a group, which can take exponential time")
    return ways


def _content_type(values: Mapping[str, Any]) -> str:
    """A header value: visible ASCII and spaces, nothing that would end the header."""
    kind = text(values, "contentType", "text/html")
    if not kind or not all(" " <= c <= "~" for c in kind):
        raise ValueError("contentType: must be a media type written in visible ASCII, such as text/html")
    return kind


class Faults:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def for_request(self, method: str, region: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule._matches_request(method, region, path) and rule._take():
                    return rule
        return None

    def for_transition(self, transition: str, region: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if (
                    rule.action == "fail"
                    and rule.transition == transition
                    and (rule.region is None or rule.region == region)
                    and rule._take()
                ):
                    return rule
        return None


class RateLimiter:
    """A token bucket per client token: `rate` requests per second, bursts up to `burst`."""

    def __init__(
        self, rate: float | None = None, burst: int | None = None, clock: Callable[[], float] = time.monotonic
    ):
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self.configure(rate, burst)

    def configure(self, rate: float | None, burst: int | None = None) -> None:
        with self._lock:
            self.rate = rate if rate and rate > 0 else None
            self.burst = float(burst if burst else max(1, math.ceil(rate or 1)))
            self._buckets.clear()

    def admit(self, client: str) -> int | None:
        """None when the request may go ahead, else the seconds to put in `Retry-After`."""
        if self.rate is None:
            return None
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return None
            self._buckets[client] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))
