"""What a change of inputs means for an existing cluster: nothing, an update in place, or a new cluster.

`olds` are the resource's previous outputs (the cluster as last seen, plus the inputs only we know);
`news` are the new checked inputs. Only what the user writes counts: server-side defaults, the
password the API never returns, and int/float differences never show as changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import spec

# Inputs read only when the cluster is created; changing them later means nothing.
CREATE_ONLY = ("adopt_existing_id",)


@dataclass(frozen=True)
class Decision:
    changed: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    in_place_restore: bool = False
    repair: bool = False  # the cluster is FAILED: apply the desired state again

    @property
    def changes(self) -> bool:
        return bool(self.changed or self.replaces or self.repair)

    @property
    def touches_the_cluster(self) -> bool:
        """Whether the update needs a PUT, as opposed to recording provider settings only."""
        return self.repair or any(key not in spec.PROVIDER_ONLY for key in self.changed)


def decide(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Decision:
    changed: list[str] = []
    replaces: list[str] = []
    for key in sorted(spec.KNOWN_INPUTS):
        if key in CREATE_ONLY or key == "restore_from_backup":
            continue
        new, old = news.get(key), olds.get(key)
        if spec.contains_unknown(new) or spec.comparable(new, key) != spec.comparable(old, key):
            changed.append(key)
            if key in spec.REPLACE_ON_CHANGE:
                replaces.append(key)

    in_place_restore = False
    restore_change = _restore_change(olds.get("restore_from_backup"), news.get("restore_from_backup"))
    if restore_change == "replace":
        changed.append("restore_from_backup")
        replaces.append("restore_from_backup")
    elif restore_change == "in-place":
        changed.append("restore_from_backup")
        in_place_restore = True

    same_place = (
        not spec.contains_unknown(news.get("name"))
        and news.get("name") == olds.get("name")
        and "location" not in replaces
    )
    return Decision(
        changed=changed,
        replaces=replaces,
        # The provider finds its clusters by name, per region, to never create one twice; a replacement
        # with the same name in the same region must wait until the old cluster is gone.
        delete_before_replace=bool(replaces) and same_place,
        in_place_restore=in_place_restore,
        repair=olds.get("state") == "FAILED",
    )


def _restore_change(old: Any, new: Any) -> str | None:
    """'replace' for a new source backup (create-time); 'in-place' for a new point in time alone."""
    if new is None:
        return None  # dropping the block changes nothing about the cluster
    if spec.is_unknown(new):
        return "replace"
    old = old if isinstance(old, Mapping) else {}
    source = new.get("source_backup_id")
    if source is not None:
        if spec.contains_unknown(new) or (
            source != old.get("source_backup_id")
            or new.get("recovery_target_datetime") != old.get("recovery_target_datetime")
        ):
            return "replace"
        return None
    when = new.get("recovery_target_datetime")
    if spec.is_unknown(when) or (when is not None and when != old.get("recovery_target_datetime")):
        return "in-place"
    return None
