"""The emulated service: clusters, backups and their state machine. It knows nothing of HTTP.

    POST   -> PROVISIONING -> AVAILABLE          (pace "create"; an active backup appears)
    PUT    -> UPDATING     -> AVAILABLE          (pace "update"; "restore" for an in-place restore)
    DELETE -> DESTROYING   -> gone, then 404     (pace "delete"; its backups stay, inactive)
    a "fail" fault turns the next create/update/restore into FAILED with a statusMessage; with
    `recoverAfter` the FAILED passes after that many seconds and the transition goes on.

Transitions have a due time and complete on the first `tick` after it, so a restart of the emulator
continues them. A backend (the real-PostgreSQL mode) may take its time to complete a transition; the
cluster keeps its state until the backend reports back.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .backend import Backend, NullBackend
from .faults import Faults
from .pace import Paces
from .preconditions import (
    catalog_problems,
    change_problems,
    restore_for_create,
    restore_in_place,
)
from .problems import ApiProblem, not_found
from .records import BackupRecord, ClusterRecord, readable_properties, scram_verifier, service_dns_name
from .seed import Seed
from .storage import Storage
from .validation import check_ensure_id, check_shape, require_properties, value_problems

BUSY_STATES = ("PROVISIONING", "UPDATING", "DESTROYING")


@dataclass
class Options:
    put_creates: bool = True  # PUT on an unknown id creates the cluster (the spec's 201)


class EmulatorState:
    def __init__(
        self,
        seed: Seed,
        storage: Storage,
        paces: Paces | None = None,
        faults: Faults | None = None,
        backend: Backend | None = None,
        clock: Callable[[], float] = time.time,
        options: Options | None = None,
    ) -> None:
        self.seed = seed
        self.storage = storage
        self.paces = paces or Paces()
        self.faults = faults or Faults()
        self.backend: Backend = backend or NullBackend()
        self.clock = clock
        self.options = options or Options()
        self.lock = threading.RLock()
        self.clusters: dict[str, ClusterRecord] = {}
        self.backups: dict[str, BackupRecord] = {}
        self._load()

    # -- persistence ----------------------------------------------------------------------------

    def _load(self) -> None:
        """What the last run left, its transitions to continue; a backend serves its clusters again."""
        for doc in self.storage.load("clusters"):
            record = ClusterRecord(**doc)
            record.pending_started = False  # work a backend had begun is begun again
            self.clusters[record.id] = record
        for doc in self.storage.load("backups"):
            backup = BackupRecord(**doc)
            self.backups[backup.id] = backup
        for record in self.clusters.values():
            self.backend.resume(record)

    def _save(self, record: ClusterRecord) -> None:
        self.storage.put("clusters", record.id, asdict(record))

    def _save_backup(self, backup: BackupRecord) -> None:
        self.storage.put("backups", backup.id, asdict(backup))

    # -- clusters -------------------------------------------------------------------------------

    def list_clusters(
        self, region: str, name: str | None = None, state: str | None = None
    ) -> list[ClusterRecord]:
        with self.lock:
            self.tick()
            found = [
                c
                for c in self.clusters.values()
                if c.region == region
                and (name is None or name.lower() in c.name.lower())  # a part of it, any case
                and (state is None or c.state == state)
            ]
        return sorted(found, key=lambda c: (c.created_at, c.id))

    def get_cluster(self, region: str, cluster_id: str) -> ClusterRecord:
        with self.lock:
            self.tick()
            record = self.clusters.get(cluster_id)
            if record is None or record.region != region:
                raise not_found("cluster", cluster_id)
            return record

    def create_cluster(
        self, region: str, body: dict[str, Any], cluster_id: str | None = None
    ) -> ClusterRecord:
        properties = require_properties(body)
        self._check_body(properties, credentials_required=True)
        with self.lock:
            self.tick()
            if cluster_id is not None and cluster_id in self.clusters:
                raise ApiProblem(409, [f"cluster {cluster_id} was created a moment ago by another request"])
            now = self.clock()
            restore = restore_for_create(self.backups.values(), region, properties, now)
            record = ClusterRecord(
                id=cluster_id or str(uuid.uuid4()),
                region=region,
                properties=readable_properties(properties, None),
                state="PROVISIONING",
                dns_name="",
                created_at=now,
                modified_at=now,
                password_verifier=scram_verifier(properties["credentials"]["password"]),
                restore=restore,
            )
            record.dns_name = self.backend.dns_name(record) or service_dns_name(region)
            self._schedule(record, "create", now)
            self.clusters[record.id] = record
            self._save(record)
            return record

    def ensure_cluster(
        self, region: str, cluster_id: str, body: dict[str, Any]
    ) -> tuple[ClusterRecord, bool]:
        """PUT: replace the whole cluster. Returns the record and whether it was created."""
        check_ensure_id(body, cluster_id)
        properties = require_properties(body)
        with self.lock:
            exists = cluster_id in self.clusters
        if not exists and self.options.put_creates:
            return self.create_cluster(region, body, cluster_id), True
        self._check_body(properties, credentials_required=False)
        with self.lock:  # one section from here on: what was checked is what is changed
            record = self.get_cluster(region, cluster_id)  # brought up to date
            if record.state in BUSY_STATES:
                raise ApiProblem(
                    409, [f"cluster {cluster_id} is {record.state}; it accepts changes only when AVAILABLE"]
                )
            now = self.clock()
            problems = change_problems(self.seed, record.properties, properties)
            restore = restore_in_place(self.backups.values(), record, properties, now)
            if problems:
                raise ApiProblem(422, problems)
            self._replace(record, properties, restore, now)
            return record, False

    def _check_body(self, properties: dict[str, Any], *, credentials_required: bool) -> None:
        """A 400 for the wrong shape, else a 422 with every broken rule and every value not on offer."""
        check_shape(properties, credentials_required=credentials_required)
        problems = value_problems(properties) + catalog_problems(self.seed, properties)
        if problems:
            raise ApiProblem(422, problems)

    def _replace(
        self, record: ClusterRecord, properties: dict[str, Any], restore: dict[str, Any] | None, now: float
    ) -> None:
        credentials = properties.get("credentials")
        if credentials:
            record.password_verifier = scram_verifier(credentials["password"])
        old_version = record.properties.get("version")
        record.properties = readable_properties(properties, record.properties.get("credentials"))
        if old_version != properties["version"]:
            record.previous_version = old_version
        # else: an upgrade that FAILED stays one until a transition completes (its retry starts a new backup)
        record.restore = restore
        record.state = "UPDATING"
        record.status_message = None
        record.modified_at = now
        self._schedule(record, "restore" if restore else "update", now)
        self._save(record)

    def delete_cluster(self, region: str, cluster_id: str, busy_refusal: int | None = None) -> None:
        """Accepted in any state, unless `busy_refusal` (the live service's 409 or 500) is given for a
        cluster that is PROVISIONING or UPDATING: then refused with it, and nothing is done."""
        with self.lock:
            record = self.get_cluster(region, cluster_id)
            if record.state == "DESTROYING":
                return
            if busy_refusal is not None and record.state in ("PROVISIONING", "UPDATING"):
                reason = f"cluster {cluster_id} is {record.state} and cannot be deleted now"
                reason += "; try again when it is AVAILABLE"
                raise ApiProblem(busy_refusal, [reason])
            now = self.clock()
            record.state = "DESTROYING"
            record.status_message = None
            record.modified_at = now
            self._schedule(record, "delete", now)
            self._save(record)

    # -- backups --------------------------------------------------------------------------------

    def list_backups(self, region: str, cluster_id: str | None = None) -> list[BackupRecord]:
        with self.lock:
            self.tick()
            found = [
                b
                for b in self.backups.values()
                if b.region == region and (cluster_id is None or b.cluster_id == cluster_id)
            ]
        return sorted(found, key=lambda b: (b.created_at, b.id))

    def get_backup(self, region: str, backup_id: str) -> BackupRecord:
        with self.lock:
            self.tick()
            backup = self.backups.get(backup_id)
            if backup is None or backup.region != region:
                raise not_found("backup", backup_id)
            return backup

    # -- the state machine ----------------------------------------------------------------------

    def _schedule(self, record: ClusterRecord, transition: str, now: float) -> None:
        record.pending = transition
        record.pending_due = self.paces.of(transition).due(now)
        record.pending_started = False
        record.failed_until = record.resume_state = None  # a new desired state ends a passing FAILED

    def tick(self) -> None:
        """End every passing FAILED and complete every transition whose time has come."""
        with self.lock:
            now = self.clock()
            for record in list(self.clusters.values()):
                if record.failed_until is not None and record.failed_until <= now:
                    self._recover(record, record.failed_until)
                due = record.pending_due
                if (
                    record.pending
                    and not record.pending_started
                    and record.failed_until is None
                    and due is not None
                    and due <= now
                ):
                    self._begin(record, due)

    def advance(self, cluster_id: str) -> ClusterRecord | None:
        """End a passing FAILED and complete a cluster's pending transition now (for the manual pace)."""
        with self.lock:
            record = self._record(cluster_id)
            now = self.clock()
            if record.failed_until is not None:
                self._recover(record, now)
            if record.pending and not record.pending_started:
                self._begin(record, now)
            return self.clusters.get(cluster_id)

    def _begin(self, record: ClusterRecord, at: float) -> None:
        transition = record.pending
        assert transition is not None
        if transition != "delete":
            fault = self.faults.for_transition(transition, record.region)
            if fault is not None and fault.recover_after is not None:
                self._fail_for_a_while(record, fault.message, at, at + fault.recover_after)
                record.pending_due = record.failed_until  # then the transition goes on at once
                self._save(record)
                return
            if fault is not None:
                self._fail(record, fault.message, at)
                return
        record.pending_started = True

        def finish(error: str | None) -> None:
            with self.lock:
                current = self.clusters.get(record.id)
                if current is not record or record.pending != transition or not record.pending_started:
                    return  # not the work under way any more (the cluster failed, or was changed)
                if error:
                    self._fail(record, error, self.clock())
                else:
                    self._complete(record, transition, at)

        if self.backend.begin(transition, record, at, finish):
            self._complete(record, transition, at)

    def _complete(self, record: ClusterRecord, transition: str, at: float) -> None:
        record.pending = None
        record.pending_due = None
        record.pending_started = False
        if transition == "delete":
            self._forget(record, at)
            return
        record.state = "AVAILABLE"
        record.modified_at = at
        record.status_message = self.backend.status_message(record)
        if transition == "create" or not any(b.cluster_id == record.id for b in self.backups.values()):
            self._new_backup(record, at)  # also a cluster that FAILED while it was made, repaired by a PUT
        elif transition == "restore" or record.previous_version:
            self._rotate_backups(record, at)
        record.previous_version = None
        record.restore = None
        self._save(record)

    def _fail(self, record: ClusterRecord, message: str, at: float) -> None:
        record.state = "FAILED"
        record.status_message = message
        record.pending = None
        record.pending_due = None
        record.pending_started = False
        record.failed_until = record.resume_state = None
        record.modified_at = at
        self._save(record)

    def _fail_for_a_while(self, record: ClusterRecord, message: str, at: float, until: float) -> None:
        """FAILED until `until`, its pending transition held (work under way is begun again after)."""
        if record.failed_until is None:
            record.resume_state = record.state
        record.state = "FAILED"
        record.status_message = message
        record.failed_until = until
        record.pending_started = False
        record.modified_at = at
        self._save(record)

    def _recover(self, record: ClusterRecord, at: float) -> None:
        """The passing FAILED ends: back to the state it interrupted, as if nothing had happened."""
        record.state = record.resume_state or "AVAILABLE"
        record.failed_until = record.resume_state = None
        record.status_message = self.backend.status_message(record) if record.state == "AVAILABLE" else None
        record.modified_at = at
        self._save(record)

    def _forget(self, record: ClusterRecord, at: float) -> None:
        self.clusters.pop(record.id, None)
        self.storage.delete("clusters", record.id)
        self._retire_backups(record, at)
        self.backend.forget(record)

    def _new_backup(self, record: ClusterRecord, at: float) -> None:
        backup = BackupRecord(
            id=str(uuid.uuid4()),
            region=record.region,
            cluster_id=record.id,
            version=str(record.properties["version"]),
            location=str(record.properties["backup"]["location"]),
            earliest=at,
            created_at=at,
        )
        self.backups[backup.id] = backup
        self._save_backup(backup)

    def _rotate_backups(self, record: ClusterRecord, at: float) -> None:
        self._retire_backups(record, at)
        self._new_backup(record, at)

    def _retire_backups(self, record: ClusterRecord, at: float) -> None:
        """The cluster's active backup ends here: restorable up to `at`, no later."""
        for backup in self.backups.values():
            if backup.cluster_id == record.id and backup.is_active:
                backup.is_active = False
                backup.latest = at
                self._save_backup(backup)

    # -- control (the admin API) ----------------------------------------------------------------

    def _record(self, cluster_id: str) -> ClusterRecord:
        record = self.clusters.get(cluster_id)
        if record is None:
            raise not_found("cluster", cluster_id)
        return record

    def fail(self, cluster_id: str, message: str, recover_after: float | None = None) -> ClusterRecord:
        """FAILED for good, or for `recover_after` seconds (then it goes on with what it was doing)."""
        with self.lock:
            record = self._record(cluster_id)
            now = self.clock()
            if recover_after is None:
                self._fail(record, message, now)
            elif record.state == "FAILED" and record.failed_until is None:
                raise ApiProblem(
                    409, [f"cluster {cluster_id} is FAILED for good; it has nothing to recover to"]
                )
            else:
                self._fail_for_a_while(record, message, now, now + recover_after)
            return record

    def remove(self, cluster_id: str) -> None:
        """Delete a cluster out of band, at once (someone used the console)."""
        with self.lock:
            self._forget(self._record(cluster_id), self.clock())

    def reset(self) -> None:
        with self.lock:
            for record in list(self.clusters.values()):
                self.backend.forget(record)
            self.clusters.clear()
            self.backups.clear()
            self.storage.clear()
            self.faults.clear()
