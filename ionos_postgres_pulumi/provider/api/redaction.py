"""Secrets out of every text the client shows: an error body may echo a token or a password back, in the
spelling of whatever made the body (a JSON encoder, an HTML page, a URL)."""

from __future__ import annotations

import html
import json
import urllib.parse
from collections.abc import Iterable

HIDDEN = "***"


def secret_spellings(secret: str) -> set[str]:
    """A secret as written, URL-encoded, HTML-escaped (an error page) and JSON-escaped (a JSON body)."""
    return {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        html.escape(secret),
        html.escape(secret, quote=False),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def hide_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with every spelling of every secret replaced by `***`, the longest spellings first (so that
    no part of a longer spelling is left behind)."""
    spellings = {spelling for secret in secrets if secret for spelling in secret_spellings(secret)}
    for spelling in sorted(spellings, key=len, reverse=True):
        text = text.replace(spelling, HIDDEN)
    return text
