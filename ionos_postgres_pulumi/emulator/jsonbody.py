"""A request body read as JSON, refusing what Python's `json` would let through or choke on.

Python accepts `NaN`, `Infinity` and `1e400` (an infinite float), which are not JSON; it raises
ValueError for an integer of thousands of digits and RecursionError for deep nesting. Each of these is
the client's mistake, so each is a 400 here, and no value of the body is echoed in the message.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .problems import ApiProblem

MAX_DEPTH = 32  # a cluster's body is three levels deep
MAX_INTEGER_DIGITS = 32  # int32 fields; anything longer is no number the API takes


class _Refused(Exception):
    """A value that JSON or the API does not allow."""


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; a 400 in the IONOS shape when it is anything else."""
    try:
        data = json.loads(
            raw.decode("utf-8"),
            parse_constant=_no_constant,
            parse_int=_bounded_integer,
            parse_float=_finite_number,
        )
    except UnicodeDecodeError:
        raise ApiProblem(400, ["the request body is not valid JSON: it is not UTF-8"]) from None
    except json.JSONDecodeError as exc:
        raise ApiProblem(400, [f"the request body is not valid JSON: {exc}"]) from None
    except RecursionError:
        raise ApiProblem(400, [_too_deep()]) from None
    except _Refused as exc:
        raise ApiProblem(400, [f"the request body is not valid JSON: {exc}"]) from None
    if depth(data) > MAX_DEPTH:
        raise ApiProblem(400, [_too_deep()])
    if not isinstance(data, dict):
        raise ApiProblem(400, ["the request body must be a JSON object"])
    return data


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (a scalar is 0), without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending and deepest <= MAX_DEPTH:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            pending.extend((child, level + 1) for child in children)
    return deepest


def _too_deep() -> str:
    return f"the request body nests arrays and objects more than {MAX_DEPTH} levels deep"


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _bounded_integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _Refused(f"an integer has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def _finite_number(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused("a number is too large to be finite")
    return number
