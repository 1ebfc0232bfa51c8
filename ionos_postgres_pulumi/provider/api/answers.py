"""An answer of the API, read whole and checked before anything believes it: not larger than the client
reads, and JSON no deeper than any document of the v2 API. A broken proxy, or a service answering in an
odd way, gets a clear `ResponseFormatError`, never a RecursionError or a process out of memory."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_ANSWER_BYTES = 8 * 1024 * 1024  # a page of 100 clusters is about 200 kB
MAX_JSON_DEPTH = 64  # the v2 API's documents nest 6 levels deep


class UnreadableJson(ValueError):
    """The body is not JSON the client reads; the message, when there is one, says why."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, its body read whole."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    encoding: str | None = None  # the charset the headers declare

    @property
    def text(self) -> str:
        """The body as text: UTF-8 when it is, else the declared charset (Latin-1 when none is usable)."""
        try:
            return self.content.decode("utf-8")
        except UnicodeDecodeError:
            pass
        try:
            return self.content.decode(self.encoding or "latin-1", errors="replace")
        except LookupError:
            return self.content.decode("latin-1")

    def json(self) -> Any:
        """The body's JSON; UnreadableJson when it is not JSON, or nests deeper than MAX_JSON_DEPTH."""
        try:
            value = json.loads(self.content.decode(self.encoding) if self.encoding else self.content)
        except RecursionError:
            raise UnreadableJson(_too_deep()) from None
        except (ValueError, LookupError):  # not JSON, not in its charset, a number of 5,000 digits
            raise UnreadableJson() from None
        if _deeper_than(value, MAX_JSON_DEPTH):
            raise UnreadableJson(_too_deep())
        return value


def _too_deep() -> str:
    return f"the answer nests too deeply (more than {MAX_JSON_DEPTH} levels of JSON); it is not the v2 API's"


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels (walked without recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
