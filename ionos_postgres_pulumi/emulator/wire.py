"""What every document on the wire shares: timestamps, the identity that owns a resource, stable ids.

Timestamps leave in UTC with a literal `Z` (the Go SDK appends a `Z` to any time without one, so
`+01:00` would break it) and come in as RFC 3339 date-times, read here by the emulator's own parser.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

USER = "user@example.com"
CONTRACT = "31960002"
_NAMESPACE = uuid.UUID("6f1c1f52-6a0e-4a0f-9a57-51a3f9d0c0de")
ASCII_DIGITS = frozenset("0123456789")


def stable_id(*parts: str) -> str:
    """The same id on every start, so that ids users copied stay valid after a restart."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


USER_ID = stable_id("user", USER)


def iso(timestamp: float) -> str:
    """UTC with a literal Z, as the Go SDK needs."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_metadata(created: float, modified: float | None = None) -> dict[str, Any]:
    """The generic `Metadata` of backups, backup locations and versions (no state, no URN); a cluster's
    adds to it."""
    return {
        "createdDate": iso(created),
        "createdBy": USER,
        "createdByUserId": USER_ID,
        "lastModifiedDate": iso(created if modified is None else modified),
        "lastModifiedBy": USER,
        "lastModifiedByUserId": USER_ID,
    }


def parse_rfc3339(text: str) -> float:
    """`2026-07-01T09:00:00Z`, `2026-07-01T09:00:00.5+02:00`: the moment as a POSIX timestamp.

    RFC 3339's `date-time`, whole: a date, `T`, a time with seconds, an optional fraction and a zone
    (`Z` or `±HH:MM`); ASCII digits only. ValueError otherwise.
    """
    if len(text) < 20 or text[10] not in "Tt":
        raise ValueError("not an RFC 3339 date-time")
    date, clock = text[:10], text[11:]
    year, month, day = _numbers(date, "-", (4, 2, 2))
    zone, clock = _zone(clock)
    whole, _, fraction = clock.partition(".")
    hour, minute, second = _numbers(whole, ":", (2, 2, 2))
    if clock.count(".") and not (fraction and set(fraction) <= ASCII_DIGITS):
        raise ValueError("the fraction of a second must be digits")
    micro = int((fraction + "000000")[:6]) if fraction else 0
    moment = datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    return moment.timestamp()


def _numbers(text: str, separator: str, widths: tuple[int, ...]) -> list[int]:
    parts = text.split(separator)
    if [len(p) for p in parts] != list(widths) or not all(set(p) <= ASCII_DIGITS for p in parts):
        raise ValueError(f"{text!r} is not written with two- or four-digit numbers")
    return [int(p) for p in parts]


def _zone(clock: str) -> tuple[timezone, str]:
    """The zone at the end of a time: `Z` or `±HH:MM`, and the time before it."""
    if clock[-1:] in ("Z", "z"):
        return UTC, clock[:-1]
    sign, offset = clock[-6:-5], clock[-5:]
    if sign not in ("+", "-") or len(offset) != 5:
        raise ValueError("a date-time needs its time zone: Z or +HH:MM")
    hours, minutes = _numbers(offset, ":", (2, 2))
    if hours > 23 or minutes > 59:
        raise ValueError("the zone offset is out of range")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta), clock[:-6]
