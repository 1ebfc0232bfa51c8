"""How fast the emulated clusters move between states.

Each kind of transition has a pace: `immediate` (done by the next read), a number of seconds (`5`,
`2.5s`), or `manual` (only when a test advances it through the admin API). This is moto's state
manager idea: tests need no sleeps and a demo can look realistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

TRANSITIONS = ("create", "update", "restore", "delete")


@dataclass(frozen=True)
class Pace:
    seconds: float | None  # None means manual

    @classmethod
    def parse(cls, text: object) -> Pace:
        """`immediate`, `manual`, or seconds (`5`, `2.5s`, or a JSON number); ValueError otherwise."""
        if isinstance(text, bool) or not isinstance(text, str | int | float):
            raise ValueError(f"pace {text!r} must be 'immediate', 'manual' or a number of seconds")
        if isinstance(text, str):
            return cls._parse_text(text)
        return cls._seconds(float(text), text)

    @classmethod
    def _parse_text(cls, text: str) -> Pace:
        value = text.strip().lower()
        if value == "manual":
            return cls(None)
        if value == "immediate":
            return cls(0.0)
        try:
            seconds = float(value.removesuffix("s"))
        except ValueError:
            raise ValueError(f"pace {text!r} must be 'immediate', 'manual' or a number of seconds") from None
        return cls._seconds(seconds, text)

    @classmethod
    def _seconds(cls, seconds: float, given: object) -> Pace:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"pace {given!r} must be a finite number of seconds, not negative")
        return cls(seconds)

    def due(self, now: float) -> float | None:
        return None if self.seconds is None else now + self.seconds

    def describe(self) -> str:
        if self.seconds is None:
            return "manual"
        return "immediate" if self.seconds == 0 else f"{self.seconds:g}s"


@dataclass
class Paces:
    create: Pace = field(default_factory=lambda: Pace(0.0))
    update: Pace = field(default_factory=lambda: Pace(0.0))
    restore: Pace = field(default_factory=lambda: Pace(0.0))
    delete: Pace = field(default_factory=lambda: Pace(0.0))

    def of(self, transition: str) -> Pace:
        pace: Pace = getattr(self, transition)
        return pace

    def set(self, transition: str, pace: Pace) -> None:
        if transition not in TRANSITIONS:
            raise ValueError(f"unknown transition {transition!r}; use one of {', '.join(TRANSITIONS)}")
        setattr(self, transition, pace)

    @classmethod
    def parse(cls, spec: str) -> Paces:
        """`10s` for every transition, or `create=10s,update=5,delete=manual` (others immediate)."""
        paces = cls()
        spec = spec.strip()
        if not spec:
            return paces
        if "=" not in spec:
            pace = Pace.parse(spec)
            for transition in TRANSITIONS:
                paces.set(transition, pace)
            return paces
        for part in spec.split(","):
            name, _, value = part.partition("=")
            paces.set(name.strip(), Pace.parse(value))
        return paces

    def describe(self) -> dict[str, str]:
        return {t: self.of(t).describe() for t in TRANSITIONS}
