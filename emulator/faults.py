"""Faults a test can inject, and the rate limiter.

A fault rule matches requests (method, region, path pattern) or state transitions (create, update...)
and says what goes wrong: an error status (429 carries `Retry-After`), a raw body of any kind (a
proxy's HTML page, broken JSON, an object missing fields), a slow answer, a dropped
connection before the request is handled, a response lost after the request was handled (the POST
that created a cluster whose client never heard of it), or a cluster that goes to FAILED.
"""

from __future__ import annotations

import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REQUEST_ACTIONS = ("status", "raw", "delay", "drop", "lose_response")
TRANSITION_ACTIONS = ("fail",)


@dataclass
class FaultRule:
    action: str
    method: str | None = None
    path: str | None = None  # a regular expression, searched in the region-relative path
    region: str | None = None
    transition: str | None = None  # for action "fail": create, update, restore
    status: int = 500
    retry_after: int | None = None
    seconds: float = 0.0
    message: str = "the emulator was told to fail here"
    body: str = ""  # for action "raw"
    content_type: str = "text/html"  # for action "raw"
    process: bool = False  # for "status"/"raw": carry the request out first, then answer wrongly
    times: int | None = 1  # None: until removed
    skip: int = 0  # let this many matches pass first
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    hits: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        known = {f for f in cls.__dataclass_fields__ if f not in {"id", "hits"}}
        unknown = set(data) - known - {"retryAfter", "contentType"}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        values = {k: v for k, v in data.items() if k in known}
        if "retryAfter" in data:
            values["retry_after"] = data["retryAfter"]
        if "contentType" in data:
            values["content_type"] = data["contentType"]
        rule = cls(**values)
        if rule.action not in REQUEST_ACTIONS + TRANSITION_ACTIONS:
            raise ValueError(f"unknown fault action {rule.action!r}")
        if rule.action == "fail" and rule.transition not in {"create", "update", "restore"}:
            raise ValueError("a 'fail' fault needs transition: create, update or restore")
        if rule.path:
            re.compile(rule.path)
        if rule.action == "status" and rule.status == 429 and rule.retry_after is None:
            rule.retry_after = 1
        return rule

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "method": self.method,
            "path": self.path,
            "region": self.region,
            "transition": self.transition,
            "status": self.status,
            "retryAfter": self.retry_after,
            "seconds": self.seconds,
            "message": self.message,
            "body": self.body,
            "contentType": self.content_type,
            "process": self.process,
            "times": self.times,
            "skip": self.skip,
            "hits": self.hits,
        }

    def _matches_request(self, method: str, region: str, path: str) -> bool:
        return (
            self.action in REQUEST_ACTIONS
            and (self.method is None or self.method.upper() == method)
            and (self.region is None or self.region == region)
            and (self.path is None or re.search(self.path, path) is not None)
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
