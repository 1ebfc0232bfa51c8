"""What the emulator is seeded with: the PostgreSQL versions and backup locations it offers.

They come from `seed.json` beside this module, or from a file given with `--seed`; each id is derived
from its name, so it stays the same across restarts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from .wire import plain_metadata, stable_id

SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class Version:
    id: str
    version: str
    status: str
    comment: str
    can_upgrade_to: tuple[str, ...]

    def document(self, base_url: str) -> dict[str, Any]:
        """The `PostgresVersionRead` envelope."""
        return {
            "id": self.id,
            "type": "version",
            "href": f"{base_url}/versions/{self.id}",
            "metadata": plain_metadata(SEEDED_AT),
            "properties": {
                "version": self.version,
                "status": self.status,
                "comment": self.comment,
                "canUpgradeTo": list(self.can_upgrade_to),
            },
        }


@dataclass(frozen=True)
class BackupLocation:
    id: str
    location: str

    def document(self, base_url: str) -> dict[str, Any]:
        """The `BackupLocationRead` envelope."""
        return {
            "id": self.id,
            "type": "backupLocation",
            "href": f"{base_url}/backup-locations/{self.id}",
            "metadata": plain_metadata(SEEDED_AT),
            "properties": {"location": self.location},
        }


@dataclass(frozen=True)
class Seed:
    versions: tuple[Version, ...]
    backup_locations: tuple[BackupLocation, ...]

    def version(self, name: str) -> Version | None:
        """The version called `name` ("16"), as a cluster's `version` names it."""
        return next((v for v in self.versions if v.version == name), None)

    def backup_location(self, name: str) -> BackupLocation | None:
        """The location called `name` ("eu-central-3"), as a cluster's `backup.location` names it."""
        return next((b for b in self.backup_locations if b.location == name), None)

    def version_by_id(self, version_id: str) -> Version | None:
        return next((v for v in self.versions if v.id == version_id), None)

    def backup_location_by_id(self, location_id: str) -> BackupLocation | None:
        return next((b for b in self.backup_locations if b.id == location_id), None)


def load_seed(path: Path | None = None) -> Seed:
    """Versions and backup locations from `path`, or from the seed shipped with the emulator."""
    if path is None:
        text = resources.files(__package__ or __name__).joinpath("seed.json").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = json.loads(text)
    versions = tuple(
        Version(
            id=item.get("id") or stable_id("version", item["version"]),
            version=str(item["version"]),
            status=str(item.get("status", "SUPPORTED")),
            comment=str(item.get("comment", "")),
            can_upgrade_to=tuple(str(v) for v in item.get("canUpgradeTo", [])),
        )
        for item in data["versions"]
    )
    locations = tuple(
        BackupLocation(id=stable_id("backup-location", name), location=name)
        for name in data["backupLocations"]
    )
    return Seed(versions, locations)
