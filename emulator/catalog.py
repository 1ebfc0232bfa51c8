"""The emulator's fixed data: PostgreSQL versions and backup locations, loaded from a seed file."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

_NAMESPACE = uuid.UUID("6f1c1f52-6a0e-4a0f-9a57-51a3f9d0c0de")


def stable_id(*parts: str) -> str:
    """The same id on every start, so that ids users copied stay valid after a restart."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class Version:
    id: str
    version: str
    status: str
    comment: str
    can_upgrade_to: tuple[str, ...]

    def properties(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "status": self.status,
            "comment": self.comment,
            "canUpgradeTo": list(self.can_upgrade_to),
        }


@dataclass(frozen=True)
class BackupLocation:
    id: str
    location: str


@dataclass(frozen=True)
class Catalog:
    versions: tuple[Version, ...]
    backup_locations: tuple[BackupLocation, ...]

    def version(self, name: str) -> Version | None:
        return next((v for v in self.versions if v.version == name), None)

    def backup_location(self, name: str) -> BackupLocation | None:
        return next((b for b in self.backup_locations if b.location == name), None)


def load_catalog(path: Path | None = None) -> Catalog:
    """Versions and backup locations from `path`, or from the seed shipped with the emulator."""
    if path is None:
        text = (
            resources.files(__package__ or "ionos_postgres_pulumi.emulator")
            .joinpath("seed.json")
            .read_text(encoding="utf-8")
        )
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
    return Catalog(versions, locations)
