"""The service's catalog (versions and backup locations), fetched once per endpoint and process.

The provider's `check` and the component's lookups both use it, so a preview of a stack with many
clusters asks the API once, not once per cluster.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..api import PostgresClient
from ..api.rules import major_version


@dataclass(frozen=True)
class VersionInfo:
    id: str
    version: str
    status: str
    comment: str
    can_upgrade_to: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    versions: tuple[VersionInfo, ...]
    backup_locations: tuple[str, ...]

    def version(self, name: str) -> VersionInfo | None:
        """The version the inputs' `version` names ("16"), if the service offers it."""
        return {offered.version: offered for offered in self.versions}.get(name)

    def version_names(self) -> list[str]:
        return sorted((v.version for v in self.versions), key=lambda v: major_version(v) or (0,))


_lock = threading.Lock()
_key_locks: dict[str, threading.Lock] = {}
_catalogs: dict[str, Catalog] = {}


def fetch_catalog(client: PostgresClient) -> Catalog:
    """The catalog behind `client`'s endpoint; concurrent callers share one fetch."""
    key = client.base_url
    with _lock:
        cached = _catalogs.get(key)
        if cached is not None:
            return cached
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        with _lock:
            cached = _catalogs.get(key)
        if cached is not None:
            return cached
        versions = tuple(
            VersionInfo(
                id=v.id,
                version=v.properties.version or "",
                status=(v.properties.status or "").upper(),
                comment=v.properties.comment or "",
                can_upgrade_to=tuple(v.properties.can_upgrade_to),
            )
            for v in client.list_versions()
        )
        locations = tuple(
            sorted(b.properties.location for b in client.list_backup_locations() if b.properties.location)
        )
        fetched = Catalog(versions, locations)
        with _lock:
            _catalogs[key] = fetched
        return fetched


def forget_catalogs() -> None:
    """Drop what was fetched (tests use it between emulators)."""
    with _lock:
        _catalogs.clear()
