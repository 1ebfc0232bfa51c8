"""What may stand behind the emulated clusters: nothing (the default) or real servers (`postgres.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .records import ClusterRecord


class Backend(Protocol):
    """What turns emulated clusters into something real."""

    def dns_name(self, record: ClusterRecord) -> str | None:
        """The host name to report for a new cluster (None: the service's usual pg-... name)."""
        ...

    def begin(
        self, transition: str, record: ClusterRecord, at: float, finish: Callable[[str | None], None]
    ) -> bool:
        """Start the work of a transition due at `at`; True if done already, else call `finish(error)`."""
        ...

    def status_message(self, record: ClusterRecord) -> str | None:
        """What to say about an AVAILABLE cluster (such as a version that could not be honoured)."""
        ...

    def resume(self, record: ClusterRecord) -> None:
        """After a restart of the emulator: serve this cluster again."""
        ...

    def forget(self, record: ClusterRecord) -> None: ...

    def close(self) -> None: ...


class NullBackend:
    """Clusters that are records only: every transition is done the moment it is due."""

    def dns_name(self, record: ClusterRecord) -> str | None:
        return None

    def begin(
        self, transition: str, record: ClusterRecord, at: float, finish: Callable[[str | None], None]
    ) -> bool:
        return True

    def status_message(self, record: ClusterRecord) -> str | None:
        return None

    def resume(self, record: ClusterRecord) -> None:
        return None

    def forget(self, record: ClusterRecord) -> None:
        return None

    def close(self) -> None:
        return None
