"""The provider's marks in a cluster's description: which resource the cluster belongs to and how it came to
it, and the moment it was last restored to in place.

The API has no labels, so a cluster this provider makes or adopts carries
`[managed by pulumi: <project>/<stack>/<resource> #<identity>, made by attempt <attempt>]`:

- the label is for people (the console shows it as written; only `%`, brackets and control characters are
  percent-encoded, so that no name can end a mark early and every name reads back as it was written);
- the identity is a digest of the whole resource (organization, project, stack, parent, type, name): two
  resources never share one, in any stack;
- the origin says whether the cluster was `made` by a create of this resource or `adopted` by it, and the
  attempt is a random id the create wrote at its POST (or the adoption at its PUT) and noted on this machine.
  A mark says which resource a cluster was made for, never that no state holds it: only the attempt, matched
  against the note of the run that wrote it, proves that a cluster is one this resource made and never handed
  to the engine (`lifecycle.identity`).

An in-place restore's PUT also writes `[restored by pulumi to <moment>]`: the PUT replaces the whole cluster
at once, so the mark is there exactly when that PUT was carried out, and a later `pulumi up` reads from the
service whether a restore whose answer was lost happened, instead of sending it again.

Marks are found wherever they stand in the description (someone may have typed after them in the console);
outputs and diffs never show them; a user's own description that would read as a mark is refused at preview.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import ClassVar

MANAGED, RESTORED = "[managed by pulumi:", "[restored by pulumi to"
ORIGINS = ("made", "adopted")
_DIGEST, _ATTEMPT = r"[0-9a-f]{12}", r"[0-9a-f]{8}"
_OWNER = re.compile(rf"(?P<label>[^\[\]]*?) #(?P<identity>{_DIGEST})")
_OWNER_INPUT = re.compile(rf"(?P<label>.*) #(?P<identity>{_DIGEST})", re.DOTALL)
_ORIGIN = rf"(?:, (?P<origin>made|adopted) by attempt (?P<attempt>{_ATTEMPT}))?"
_MANAGED = re.compile(rf"\[managed by pulumi: {_OWNER.pattern}{_ORIGIN}\]")
_RESTORED = re.compile(r"\[restored by pulumi to (?P<moment>[0-9T:.+\-Z]+)\]")
# A mark and the one space the provider put before it (or after it, at the start of the description).
_ANY_MARK = re.compile(rf"(?: ?(?:{_MANAGED.pattern}|{_RESTORED.pattern}))")
# What reads as a mark to a person, or to this provider, in any case: refused in a user's description.
_MARK_LIKE = re.compile(r"\[\s*(managed|restored)\s+by\s+pulumi", re.IGNORECASE)


def _encoded(label: str) -> str:
    return "".join(urllib.parse.quote(c, safe="") if c in "%[]" or not c.isprintable() else c for c in label)


@dataclass(frozen=True)
class Owner:
    """The resource a cluster belongs to, as `PostgresV2Cluster` hands it to the provider (`__owner`)."""

    label: str  # "<project>/<stack>/<parent>/<resource>", for people
    identity: str  # the digest of the whole resource, for the provider

    DIGEST_LENGTH: ClassVar[int] = 12

    def __str__(self) -> str:
        return f"{self.label} #{self.identity}"

    @classmethod
    def parse(cls, text: object) -> Owner | None:
        """The owner a `__owner` input names (its label may hold any character); None when it is not one."""
        if not isinstance(text, str):
            return None
        found = _OWNER_INPUT.fullmatch(text)
        return cls(found["label"], found["identity"]) if found else None


@dataclass(frozen=True)
class Mark:
    """A cluster's `managed by` mark as read from its description."""

    owner: Owner
    origin: str | None = None  # "made" or "adopted"; None on a mark written without one
    attempt: str | None = None

    def text(self) -> str:
        origin = f", {self.origin} by attempt {self.attempt}" if self.origin and self.attempt else ""
        return f"[managed by pulumi: {_encoded(self.owner.label)} #{self.owner.identity}{origin}]"


def mark_of(description: str | None) -> Mark | None:
    found = _MANAGED.search(description or "")
    if found is None:
        return None
    owner = Owner(urllib.parse.unquote(found["label"]), found["identity"])
    return Mark(owner, found["origin"], found["attempt"])


def owner_of(description: str | None) -> Owner | None:
    mark = mark_of(description)
    return mark.owner if mark else None


def restored_to(description: str | None) -> str | None:
    found = _RESTORED.search(description or "")
    return found["moment"] if found else None


def without_marks(description: str | None) -> str:
    """The description as the user wrote it: the provider's marks and the space each brought taken out."""
    text = description or ""
    stripped = _ANY_MARK.sub("", text)
    if _ANY_MARK.match(text) and text.startswith("[") and stripped.startswith(" "):
        stripped = stripped[1:]  # text typed after a mark that stood alone
    return stripped


def with_marks(description: str | None, mark: Mark | None, restored: str | None = None) -> str:
    marks = [f"[restored by pulumi to {restored}]" if restored else "", mark.text() if mark else ""]
    text = without_marks(description)
    written = " ".join(m for m in marks if m)
    if not written:
        return text
    return f"{text} {written}" if text else written


def kept_mark(description: str | None, owner: Owner | None) -> Mark | None:
    """The mark a PUT writes: the resource's identity as it is now (a renamed stack's, say), with the origin
    and attempt the cluster's mark says."""
    current = mark_of(description)
    if owner is None:
        return current
    return Mark(owner, current.origin, current.attempt) if current else Mark(owner)


def mark_like(text: str) -> str | None:
    """The part of a user's text that would read as one of the provider's marks, if any."""
    found = _MARK_LIKE.search(text)
    return found.group(0) if found else None


def made_by(owner: Owner | None) -> str:
    return f"managed by {owner}" if owner else "not managed by any Pulumi stack"
