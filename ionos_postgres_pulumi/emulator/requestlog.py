"""The request log of the v2 API that the admin API lists: one record per request, its status filled in
when the answer is known."""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

MAX_LOGGED = 100_000  # the oldest records go first


@dataclass
class RequestRecord:
    """One request to the v2 API, as the admin API's request log lists it."""

    time: float
    method: str
    region: str | None
    path: str
    status: int | None
    fault: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


RequestLog = deque[RequestRecord]
