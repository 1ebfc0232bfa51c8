"""The provider's marks at the end of a cluster's description: who made the cluster, and the moment it was
last restored to in place.

The API has no labels, so a cluster this provider makes carries `[managed by pulumi: <project>/<stack>/
<resource>]`: the provider continues only clusters with its own mark and never takes over somebody
else's. An in-place restore's PUT also writes `[restored by pulumi to <moment>]`: the PUT replaces the whole
cluster at once, so the mark is there exactly when that PUT was carried out, and a later `pulumi up` reads
from the service whether a restore whose answer was lost happened, instead of sending it again. Outputs and
diffs never show the marks.
"""

from __future__ import annotations

import re
import urllib.parse

# The text inside a mark is percent-encoded (any character but these), so that no resource name (brackets,
# colons, spaces, newlines, unicode) can end a mark early, and every name reads back as it was written.
_PLAIN_IN_A_MARK = "/#:@!$&'()*+,;=-._~"
_MARK = r"\[(managed by pulumi: |restored by pulumi to )([^\]\s]*)\]"
# The marks at the very end of a description, each after one space the provider added (none before the first
# when the description is empty): removing exactly that leaves the user's text as it was, spaces included.
_MARKS_AT_THE_END = re.compile(rf"(?:(?:^| ){_MARK})+\Z")


def _encoded(text: str) -> str:
    return urllib.parse.quote(text, safe=_PLAIN_IN_A_MARK)


def _marks(description: str | None) -> list[tuple[str, str]]:
    found = _MARKS_AT_THE_END.search(description or "")
    if not found:
        return []
    return [(kind, urllib.parse.unquote(value)) for kind, value in re.findall(_MARK, found.group(0))]


def owner_of(description: str | None) -> str | None:
    return next((value for kind, value in _marks(description) if kind.startswith("managed")), None)


def restored_to(description: str | None) -> str | None:
    return next((value for kind, value in _marks(description) if kind.startswith("restored")), None)


def without_marks(description: str | None) -> str:
    return _MARKS_AT_THE_END.sub("", description or "")


def with_marks(description: str | None, owner: str | None, restored: str | None = None) -> str:
    marks = [
        f"[restored by pulumi to {_encoded(restored)}]" if restored else "",
        f"[managed by pulumi: {_encoded(owner)}]" if owner else "",
    ]
    text = without_marks(description)
    written = " ".join(mark for mark in marks if mark)
    if not written:
        return text
    return f"{text} {written}" if text else written


def made_by(owner: str | None) -> str:
    return f"managed by {owner}" if owner else "not made by this resource"
