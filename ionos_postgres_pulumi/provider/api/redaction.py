"""Secrets out of every text the client shows. An answer may echo a token or a password back in the
spelling of whatever made it (a JSON encoder, an HTML error page, a URL, Python's repr in a message), so
each secret is hidden in all of those spellings, not only as written.

The provider hides its own messages with the same function (`hide_secrets`), so one filter covers them all.
"""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable

HIDDEN = "***"
_PERCENT_HEX = re.compile(r"%[0-9A-F]{2}")
_JSON_HEX = re.compile(r"\\u[0-9a-f]{4}")


def secret_spellings(secret: str) -> set[str]:
    """Every spelling a message may carry `secret` in: as written; as Python's `repr()` and `ascii()` show
    it (inside either kind of quotes, without them); JSON-escaped (ASCII-only or not); URL-encoded (`quote`
    and `quote_plus`, hex in either case); HTML-escaped (with and without quotes); its bytes in base64 and
    hex. Empty for ''."""
    if not secret:
        return set()
    spellings = {secret, *_python_spellings(secret)}
    for ascii_only in (True, False):
        escaped = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        spellings |= {escaped, _JSON_HEX.sub(lambda hexa: "\\u" + hexa.group()[2:].upper(), escaped)}
    for encoded in (urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)):
        spellings |= {encoded, _PERCENT_HEX.sub(lambda hexa: hexa.group().lower(), encoded)}
    for escaped in (html.escape(secret), html.escape(secret, quote=False)):
        spellings |= {escaped, escaped.replace("&#x27;", "&#39;")}
    return spellings | _byte_spellings(secret)


def _byte_spellings(secret: str) -> set[str]:
    """The secret's UTF-8 bytes as base64 (standard and URL-safe, with and without padding) and as hex (in
    either case), as an answer that echoes an encoded request may carry them."""
    raw = secret.encode("utf-8", "surrogatepass")
    found = {raw.hex(), raw.hex().upper()}
    for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        found |= {encoded, encoded.rstrip("=")}
    return found


def _python_spellings(secret: str) -> set[str]:
    """What `repr()`/`ascii()` make of the secret, inside a longer text that chose single quotes (a `'`
    escaped as `\\'`) or double quotes (a `'` as it is, possible only when the secret has no `"`)."""
    found: set[str] = set()
    shows: tuple[Callable[[object], str], ...] = (repr, ascii)
    for show in shows:
        found.add(show(secret)[1:-1])
        found.add(show(secret + "'\"")[1:-4])  # forced into single quotes; the suffix shows as \'"
        if '"' not in secret:
            found.add(show(secret + "'")[1:-2])  # forced into double quotes; the suffix shows as '
    return found


def hide_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with every spelling of every secret replaced by `***`, the longest spellings first (so that
    no part of a longer spelling is left behind)."""
    spellings = {spelling for secret in secrets for spelling in secret_spellings(secret)}
    for spelling in sorted(spellings, key=len, reverse=True):
        text = text.replace(spelling, HIDDEN)
    return text
