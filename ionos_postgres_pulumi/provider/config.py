"""The stack configuration the provider reads: `ionos:token` and `ionos:endpoint`.

The engine hands the whole stack configuration to the provider process through `configure`; the provider
keeps these two keys on its instance there (never in the state). A program reads the same keys with
`pulumi.Config("ionos")`. Without them, the environment is used (see `settings.client_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

CONFIG_TOKEN = "ionos:token"  # noqa: S105 - a configuration key
CONFIG_ENDPOINT = "ionos:endpoint"


@dataclass(frozen=True)
class StackConfig:
    token: str | None = None
    endpoint: str | None = None

    @classmethod
    def from_values(cls, get: Callable[[str], str | None]) -> StackConfig:
        """From a lookup of `namespace:key` names, such as `pulumi.dynamic.Config.get`."""
        return cls(token=get(CONFIG_TOKEN) or None, endpoint=get(CONFIG_ENDPOINT) or None)

    def __repr__(self) -> str:
        return f"StackConfig(token={'(set)' if self.token else None}, endpoint={self.endpoint!r})"
