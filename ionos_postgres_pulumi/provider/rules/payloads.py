"""Request bodies from the resource's inputs: the cluster to create (POST) or the whole desired cluster (PUT).

Built through the API's strict request models, so nothing leaves that breaks the published limits. The
owner's mark rides in the description (see `rules.marks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..api import models, rules
from .inputs import set_path
from .marks import Mark, with_marks
from .spec import ClusterSpec


def restore_moment(text: str) -> str:
    """A moment as the restore mark writes it: UTC, ending in Z."""
    return rules.parse_timestamp(text).isoformat().replace("+00:00", "Z")


def _wire_properties(spec: ClusterSpec, restored: str | None, mark: Mark | None) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    for field, value in spec.api_fields():
        if value is not None:
            set_path(wire, field.rule.api_path, value)
    wire["description"] = with_marks(wire.get("description"), mark, restored)
    if not wire["description"]:
        del wire["description"]
    return wire


@dataclass(frozen=True)
class Restore:
    """A new cluster made from a backup, up to a moment (None: as far as the backup reaches)."""

    backup_id: str
    moment: datetime | None = None


def create_properties(
    spec: ClusterSpec, mark: Mark | None, carried: Restore | None = None
) -> models.ClusterCreateProperties:
    """The cluster to create, marked as this attempt's (`mark`); `carried`: the backup a replacement carries
    the old cluster's data over from."""
    wire = _wire_properties(spec, None, mark)
    restore = spec.restore_from_backup
    if restore is not None and restore.source_backup_id:
        when = restore.recovery_target_datetime
        carried = Restore(restore.source_backup_id, rules.parse_timestamp(when) if when else None)
    if carried is not None:
        wire["restoreFromBackup"] = {"sourceBackupId": carried.backup_id}
        if carried.moment is not None:
            wire["restoreFromBackup"]["recoveryTargetDatetime"] = carried.moment
    return models.ClusterCreateProperties.model_validate(wire)


def ensure_properties(
    spec: ClusterSpec, mark: Mark | None, restore_to: str | None = None
) -> models.ClusterProperties:
    """The full desired cluster for a PUT, credentials included, with the owner's `mark`; an in-place restore
    when asked. The mark of the inputs' in-place restore goes with every PUT, so that a later PUT keeps it."""
    target = spec.in_place_restore_target
    wire = _wire_properties(spec, restore_moment(target) if target else None, mark)
    if restore_to:
        wire["restoreFromBackup"] = {"recoveryTargetDatetime": rules.parse_timestamp(restore_to)}
    return models.ClusterProperties.model_validate(wire)
