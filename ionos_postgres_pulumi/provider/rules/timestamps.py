"""Timestamps as responses carry them (tolerant parsing may have left them strings)."""

from __future__ import annotations

from datetime import datetime

from ..api import rules


def moment(value: object) -> datetime | None:
    """A timestamp of a response as a datetime; None if absent or odd."""
    if isinstance(value, datetime):
        return value
    try:
        return rules.parse_timestamp(str(value)) if value else None
    except ValueError:
        return None
