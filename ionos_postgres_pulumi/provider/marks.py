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

_OWNER = re.compile(r"\[managed by pulumi: ([^\]]+)\]")
_RESTORED = re.compile(r"\[restored by pulumi to ([^\]]+)\]")
_MARKS_AT_THE_END = re.compile(
    r"(?:\s*(?:\[managed by pulumi: [^\]]+\]|\[restored by pulumi to [^\]]+\]))+\s*\Z"
)


def _marks(description: str | None) -> str:
    found = _MARKS_AT_THE_END.search(description or "")
    return found.group(0) if found else ""


def owner_of(description: str | None) -> str | None:
    match = _OWNER.search(_marks(description))
    return match.group(1) if match else None


def restored_to(description: str | None) -> str | None:
    match = _RESTORED.search(_marks(description))
    return match.group(1) if match else None


def without_marks(description: str | None) -> str:
    return _MARKS_AT_THE_END.sub("", description or "")


def with_marks(description: str | None, owner: str | None, restored: str | None = None) -> str:
    marks = [
        f"[restored by pulumi to {restored}]" if restored else "",
        f"[managed by pulumi: {owner}]" if owner else "",
    ]
    return " ".join(part for part in (without_marks(description), *marks) if part)


def made_by(owner: str | None) -> str:
    return f"managed by {owner}" if owner else "not made by this resource"
