"""What a change of inputs means for an existing cluster: nothing, an update in place, or a new cluster.

`olds` are the resource's previous outputs (the cluster as last seen, plus the inputs only we know);
`news` are the new checked inputs. Only what the user writes counts: server-side defaults, the
password the API never returns, and int/float differences never show as changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..api.regions import is_region, normalize_region
from .inputs import (
    CARRY_OVER_KEY,
    KNOWN_INPUTS,
    OWNER_KEY,
    PROVIDER_ONLY,
    REPLACE_ON_CHANGE,
    contains_unknown,
    get_path,
    is_unknown,
    owner_in,
)

# Inputs read only when the cluster is created; changing them later means nothing.
CREATE_ONLY = ("adopt_existing_id",)


@dataclass(frozen=True)
class Decision:
    changed: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    in_place_restore: bool = False
    repair: bool = False  # the cluster is FAILED: apply the desired state again
    # The fields that change inside objects changed in place ("credentials.password"), so that the preview
    # shows them rather than the whole object removed and added back.
    inner: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.changed or self.replaces or self.repair)

    def detailed(self) -> dict[str, str]:
        """Each changed input and what its change does: "update", or "update-replace" for those that force
        a new cluster (what a reviewer of `pulumi preview --diff` needs to see). Hidden inputs are the
        provider's: the engine shows none of them."""
        kinds = {
            key: "update-replace" if key in self.replaces else "update"
            for key in self.changed
            if not key.startswith("__")
        }
        for path in self.inner:
            kinds.pop(path.split(".", 1)[0], None)
            kinds[path] = "update"
        return kinds

    @property
    def touches_the_cluster(self) -> bool:
        """Whether the update needs a PUT, as opposed to recording provider settings only."""
        return self.repair or any(key not in PROVIDER_ONLY for key in self.changed)


def _changed_inputs(
    olds: Mapping[str, Any], news: Mapping[str, Any]
) -> tuple[list[str], list[str], list[str]]:
    """The inputs that change, those of them that need a new cluster, and the fields inside objects."""
    changed: list[str] = []
    replaces: list[str] = []
    inner: list[str] = []
    for key in sorted(KNOWN_INPUTS):
        if key in CREATE_ONLY or key == "restore_from_backup":
            continue
        new, old = news.get(key), olds.get(key)
        if contains_unknown(new) or comparable(new, key) != comparable(old, key):
            changed.append(key)
            if key in REPLACE_ON_CHANGE:
                replaces.append(key)
            else:
                inner.extend(_inner_changes(key, old, new))
    if moved(olds, news):
        changed.append(OWNER_KEY)  # the cluster's mark must name the resource as it is now
    return changed, replaces, inner


def decide(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Decision:
    changed, replaces, inner = _changed_inputs(olds, news)
    in_place_restore = False
    restore_change = _restore_change(olds.get("restore_from_backup"), news.get("restore_from_backup"))
    if restore_change == "replace":
        changed.append("restore_from_backup")
        replaces.append("restore_from_backup")
    elif restore_change == "in-place":
        changed.append("restore_from_backup")
        in_place_restore = True

    same_place = (
        not contains_unknown(news.get("name"))
        and news.get("name") == olds.get("name")
        and "location" not in replaces
    )
    return Decision(
        changed=changed,
        replaces=replaces,
        # The provider finds its clusters by name, per region, to never create one twice; a replacement
        # with the same name in the same region must wait until the old cluster is gone. A replacement that
        # carries the data over restores the old cluster's backup as it was when the cluster was deleted.
        delete_before_replace=bool(replaces) and (same_place or bool(news.get(CARRY_OVER_KEY))),
        in_place_restore=in_place_restore,
        repair=olds.get("state") == "FAILED",
        inner=inner,
    )


def moved(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether the resource's identity changed under its cluster: the stack, project or organization was
    renamed (the engine rewrote the URNs in the state, the cluster's mark still names the old one)."""
    old, new = owner_in(olds), owner_in(news)
    return old is not None and new is not None and old.identity != new.identity


def _inner_changes(key: str, old: Any, new: Any) -> list[str]:
    """The fields of an object input that change, when both sides are known objects."""
    old, new = comparable(old, key), comparable(new, key)
    if not (isinstance(old, Mapping) and isinstance(new, Mapping)) or contains_unknown(new):
        return []
    return [f"{key}.{sub}" for sub in sorted(set(old) | set(new)) if old.get(sub) != new.get(sub)]


def _restore_change(old: Any, new: Any) -> str | None:
    """'replace' for a new source backup; 'in-place' for a new point in time alone. The point in time of a
    restore from a source backup is read only when the cluster is made: changing or dropping it later changes
    nothing (it never deletes the cluster to restore the same backup again)."""
    if new is None:
        return None  # dropping the block changes nothing about the cluster
    if is_unknown(new):
        return "replace"
    old = old if isinstance(old, Mapping) else {}
    source = new.get("source_backup_id")
    if source is not None:
        return "replace" if is_unknown(source) or source != old.get("source_backup_id") else None
    when = new.get("recovery_target_datetime")
    if is_unknown(when) or (when is not None and when != old.get("recovery_target_datetime")):
        return "in-place"
    return None


def replaces_the_cluster(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """Whether the change makes a new cluster: the same decision as the diff's, so that what check plans
    and refuses is what the engine then does."""
    return bool(decide(olds, news).replaces)


def disruptions(olds: Mapping[str, Any], news: Mapping[str, Any], decision: Decision) -> list[str]:
    """What a change does beyond the cluster's settings, in words, for the preview: who must follow a new
    cluster, and what an in-place change cuts, removes, rewinds or leaves behind in a running one."""
    if decision.replaces:
        return [_new_address(olds)]
    said = []
    if moved(olds, news):
        said.append(
            f"this resource is now {owner_in(news)} (it was {owner_in(olds)}: its stack or project was "
            "renamed, or `pulumi state move` brought it here): `pulumi up` writes the new name into its "
            "cluster's mark, so that a new stack of the "
            "old name never mistakes the cluster for its own"
        )
    if "connection" in decision.changed:
        said.append("connection changes: the cluster moves in your network, and open connections are cut")
    old_count, new_count = (get_path(values, "instances.count") for values in (olds, news))
    if isinstance(old_count, int | float) and isinstance(new_count, int | float) and new_count < old_count:
        said.append(
            f"instances.count goes from {int(old_count)} to {int(new_count)}: standbys are removed, which "
            "can cause failovers"
        )
    if decision.in_place_restore:
        when = get_path(news, "restore_from_backup.recovery_target_datetime")
        said.append(
            f"restore_from_backup rewinds the cluster in place to {when}: every write after that moment is "
            "lost"
        )
    if "credentials" in decision.changed:
        said.extend(_credential_changes(olds, news))
    return said


def _new_address(olds: Mapping[str, Any]) -> str:
    """A new cluster is a new id and a new host name: what consumers of the old ones must know."""
    return (
        f"cluster_id and dns_name change: the cluster is replaced, and the new one gets a new id and a new "
        f"host name (now {olds.get('cluster_id') or 'none yet'} and {olds.get('dns_name') or 'none yet'}); "
        "whatever reads them (connection_uri, other stacks through a StackReference, DNS records, "
        "application settings) must follow once `pulumi up` is done"
    )


def _credential_changes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Applying credentials never deletes anything at IONOS: it makes a missing database or user, or sets
    the password. What that hides from whoever connects is said here (never the password itself); a value
    not known yet is said at `pulumi up`, when it is."""
    (old_user, old_db, old_password), (user, database, password) = (
        tuple(get_path(values, f"credentials.{key}") for key in ("username", "database", "password"))
        for values in (olds, news)
    )
    said = []
    if old_db and database != old_db and not contains_unknown(database):
        said.append(
            f"credentials.database goes from {old_db!r} to {database!r}: the service makes {database!r} "
            f"if it is missing (a new database is EMPTY); the data of {old_db!r} stays there (nothing is "
            f"deleted, and setting {old_db!r} back reaches it again), and connection_uri will name "
            f"{database!r}, so whatever reads it connects to that database. Copy the data over first "
            "(pg_dump, then pg_restore), or keep the name"
        )
    if old_user and user != old_user and not contains_unknown(user):
        said.append(
            f"credentials.username goes from {old_user!r} to {user!r}: the service makes that user "
            f"beside {old_user!r}, which stays with its password; connection_uri will name the new user, "
            f"which reads what {old_user!r} made only where the database grants it"
        )
    if old_password and password != old_password and not contains_unknown(password):
        said.append(
            f"credentials.password changes: user {user!r} gets the new password at `pulumi up`; "
            "clients still using the old one (applications, connection pools, other stacks that hold it) "
            "stop getting in until they use the new one, which connection_uri will hold"
        )
    return said


def replacement_reasons(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """What makes a new cluster, in words: "backup_location changes ('eu-central-3' -> 'de')"."""
    reasons = []
    for key in ("location", "backup_location"):
        if comparable(olds.get(key), key) != comparable(news.get(key), key):
            reasons.append(f"{key} changes ({olds.get(key)!r} -> {news.get(key)!r})")
    # get_path: a restore unknown as a whole at preview is no mapping yet
    source = get_path(news, "restore_from_backup.source_backup_id")
    if is_unknown(source):
        reasons.append("restore_from_backup is not known yet (known at `pulumi up`, and judged then)")
    elif source and source != get_path(olds, "restore_from_backup.source_backup_id"):
        reasons.append(f"restore_from_backup.source_backup_id is new ({source})")
    return reasons or ["its inputs say so"]


def comparable(value: Any, path: str = "") -> Any:
    """A value with the spellings that mean the same made equal (location, empty description)."""
    if path == "location" and isinstance(value, str) and is_region(value):
        return normalize_region(value)
    if path == "description" and not value:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: comparable(v, f"{path}.{k}" if path else k) for k, v in value.items() if v is not None}
    return value
