"""The emulated service: clusters, backups and their state machine. It knows nothing of HTTP.

    POST   -> PROVISIONING -> AVAILABLE          (pace "create"; an active backup appears)
    PUT    -> UPDATING     -> AVAILABLE          (pace "update"; "restore" for an in-place restore)
    DELETE -> DESTROYING   -> gone, then 404     (pace "delete"; its backups stay, inactive)
    a "fail" fault turns the next create/update/restore into FAILED with a statusMessage.

Transitions have a due time and complete on the first `tick` after it, so a restart of the emulator
continues them. A backend (the real-PostgreSQL mode) may take its time to complete a transition; the
cluster keeps its state until the backend reports back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ionos_postgres_pulumi.provider.api import rules

from .catalog import Catalog, stable_id
from .faults import Faults
from .pace import Paces
from .problems import ApiProblem, not_found
from .storage import Storage
from .validation import check_cluster_body, require_properties

USER = "user@example.com"
USER_ID = stable_id("user", USER)
CONTRACT = "31960002"
BUSY_STATES = ("PROVISIONING", "UPDATING", "DESTROYING")


def iso(timestamp: float) -> str:
    """UTC with a literal Z, as the Go SDK needs."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier: the emulator keeps this, never the password itself."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _dns_label() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "pg-" + "".join(secrets.choice(alphabet) for _ in range(16))


@dataclass
class ClusterRecord:
    id: str
    region: str
    properties: dict[str, Any]  # as the API returns them: no password, no restoreFromBackup
    state: str
    dns_name: str
    created_at: float
    modified_at: float
    status_message: str | None = None
    password_verifier: str | None = None
    pending: str | None = None  # the transition under way: create, update, restore, delete
    pending_due: float | None = None  # None with a pending transition: manual pace
    pending_started: bool = False  # a backend is working on it
    previous_version: str | None = None
    restore: dict[str, Any] | None = None  # {"backupId", "targetTime"} of the restore to perform

    @property
    def name(self) -> str:
        return str(self.properties.get("name", ""))


@dataclass
class BackupRecord:
    id: str
    region: str
    cluster_id: str
    version: str
    location: str
    earliest: float
    latest: float | None = None
    is_active: bool = True
    created_at: float = field(default_factory=time.time)

    def covers(self, moment: float, now: float) -> bool:
        """Whole seconds, as the API shows its timestamps: the shown earliest time is restorable."""
        end = self.latest if self.latest is not None else now
        return int(self.earliest) <= moment <= end


class Backend(Protocol):
    """What turns emulated clusters into something real (see `emulator.postgres`)."""

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


@dataclass
class Options:
    put_creates: bool = True  # PUT on an unknown id creates the cluster (the spec's 201)


class EmulatorState:
    def __init__(
        self,
        catalog: Catalog,
        storage: Storage,
        paces: Paces | None = None,
        faults: Faults | None = None,
        backend: Backend | None = None,
        clock: Callable[[], float] = time.time,
        options: Options | None = None,
    ) -> None:
        self.catalog = catalog
        self.storage = storage
        self.paces = paces or Paces()
        self.faults = faults or Faults()
        self.backend: Backend = backend or NullBackend()
        self.clock = clock
        self.options = options or Options()
        self.lock = threading.RLock()
        self.clusters: dict[str, ClusterRecord] = {}
        self.backups: dict[str, BackupRecord] = {}
        for doc in storage.load("clusters"):
            record = ClusterRecord(**doc)
            record.pending_started = False  # work a backend had begun is begun again
            self.clusters[record.id] = record
        for doc in storage.load("backups"):
            backup = BackupRecord(**doc)
            self.backups[backup.id] = backup
        for record in self.clusters.values():
            self.backend.resume(record)

    # -- persistence ----------------------------------------------------------------------------

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
        check_cluster_body(properties, credentials_required=True)
        with self.lock:
            self.tick()
            if cluster_id is not None and cluster_id in self.clusters:
                raise ApiProblem(409, [f"cluster {cluster_id} was created a moment ago by another request"])
            now = self.clock()
            self._check_catalog(properties)
            restore = self._check_create_restore(region, properties, now)
            record = ClusterRecord(
                id=cluster_id or str(uuid.uuid4()),
                region=region,
                properties=self._stored_properties(properties, None),
                state="PROVISIONING",
                dns_name="",
                created_at=now,
                modified_at=now,
                password_verifier=scram_verifier(properties["credentials"]["password"]),
                restore=restore,
            )
            record.dns_name = self.backend.dns_name(record) or f"{_dns_label()}.postgresql.{region}.ionos.com"
            self._schedule(record, "create", now)
            self.clusters[record.id] = record
            self._save(record)
            return record

    def ensure_cluster(
        self, region: str, cluster_id: str, body: dict[str, Any]
    ) -> tuple[ClusterRecord, bool]:
        """PUT: replace the whole cluster. Returns the record and whether it was created."""
        if "id" not in body:
            raise ApiProblem(400, ["id: is required"])
        if body["id"] != cluster_id:
            raise ApiProblem(
                422, [f"id: {body['id']!r} does not match the cluster id {cluster_id!r} of the path"]
            )
        properties = require_properties(body)
        with self.lock:
            exists = cluster_id in self.clusters
        if not exists and self.options.put_creates:
            return self.create_cluster(region, body, cluster_id), True
        check_cluster_body(properties, credentials_required=False)
        with self.lock:  # one section from here on: what was checked is what is changed
            self.tick()
            record = self.clusters.get(cluster_id)
            if record is None or record.region != region:
                raise not_found("cluster", cluster_id)
            if record.state in BUSY_STATES:
                raise ApiProblem(
                    409, [f"cluster {cluster_id} is {record.state}; it accepts changes only when AVAILABLE"]
                )
            now = self.clock()
            self._check_catalog(properties)
            problems = self._transition_problems(record, properties)
            restore = self._check_in_place_restore(record, properties, now)
            if problems:
                raise ApiProblem(422, problems)
            credentials = properties.get("credentials")
            if credentials:
                record.password_verifier = scram_verifier(credentials["password"])
            old_version = record.properties.get("version")
            record.properties = self._stored_properties(properties, record.properties.get("credentials"))
            record.previous_version = old_version if old_version != properties["version"] else None
            record.restore = restore
            record.state = "UPDATING"
            record.status_message = None
            record.modified_at = now
            self._schedule(record, "restore" if restore else "update", now)
            self._save(record)
            return record, False

    def delete_cluster(self, region: str, cluster_id: str) -> None:
        with self.lock:
            record = self.get_cluster(region, cluster_id)
            if record.state == "DESTROYING":
                return
            now = self.clock()
            record.state = "DESTROYING"
            record.status_message = None
            record.modified_at = now
            self._schedule(record, "delete", now)
            self._save(record)

    # -- backups and catalog --------------------------------------------------------------------

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

    def tick(self) -> None:
        """Complete every transition whose time has come."""
        with self.lock:
            now = self.clock()
            for record in list(self.clusters.values()):
                if (
                    record.pending
                    and not record.pending_started
                    and record.pending_due is not None
                    and record.pending_due <= now
                ):
                    self._begin(record, record.pending_due)

    def advance(self, cluster_id: str) -> ClusterRecord | None:
        """Complete a cluster's pending transition now (for the manual pace)."""
        with self.lock:
            record = self._record(cluster_id)
            if record.pending and not record.pending_started:
                self._begin(record, self.clock())
            return self.clusters.get(cluster_id)

    def _begin(self, record: ClusterRecord, at: float) -> None:
        transition = record.pending
        assert transition is not None
        if transition != "delete":
            fault = self.faults.for_transition(transition, record.region)
            if fault is not None:
                self._fail(record, fault.message, at)
                return
        record.pending_started = True

        def finish(error: str | None) -> None:
            with self.lock:
                current = self.clusters.get(record.id)
                if current is not record or record.pending != transition:
                    return
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
        record.modified_at = at
        self._save(record)

    def _forget(self, record: ClusterRecord, at: float) -> None:
        self.clusters.pop(record.id, None)
        self.storage.delete("clusters", record.id)
        for backup in self.backups.values():
            if backup.cluster_id == record.id and backup.is_active:
                backup.is_active = False
                backup.latest = at
                self._save_backup(backup)
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
        for backup in self.backups.values():
            if backup.cluster_id == record.id and backup.is_active:
                backup.is_active = False
                backup.latest = at
                self._save_backup(backup)
        self._new_backup(record, at)

    # -- control (the admin API) ----------------------------------------------------------------

    def _record(self, cluster_id: str) -> ClusterRecord:
        record = self.clusters.get(cluster_id)
        if record is None:
            raise not_found("cluster", cluster_id)
        return record

    def fail(self, cluster_id: str, message: str) -> ClusterRecord:
        with self.lock:
            record = self._record(cluster_id)
            self._fail(record, message, self.clock())
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

    # -- rules that need the catalog or the current cluster -------------------------------------

    def _check_catalog(self, properties: dict[str, Any]) -> None:
        problems = []
        version = properties["version"]
        if self.catalog.version(version) is None:
            offered = ", ".join(v.version for v in self.catalog.versions)
            problems.append(f"properties.version: {version!r} is not offered; use one of {offered}")
        location = properties["backup"]["location"]
        if self.catalog.backup_location(location) is None:
            offered = ", ".join(b.location for b in self.catalog.backup_locations)
            problems.append(
                f"properties.backup.location: {location!r} is not a backup location; use one of {offered}"
            )
        if problems:
            raise ApiProblem(422, problems)

    def _transition_problems(self, record: ClusterRecord, properties: dict[str, Any]) -> list[str]:
        problems = []
        old_version = str(record.properties.get("version"))
        new_version = properties["version"]
        current = self.catalog.version(old_version)
        allowed = list(current.can_upgrade_to) if current else []
        violation = rules.upgrade_path_violation(old_version, new_version, allowed, "properties.version")
        if violation:
            problems.append(violation.message())
        shrink = rules.storage_shrink_violation(
            record.properties["instances"]["storageSize"],
            properties["instances"]["storageSize"],
            "properties.instances.storageSize",
        )
        if shrink:
            problems.append(shrink.message())
        old_location = record.properties["backup"]["location"]
        if properties["backup"]["location"] != old_location:
            problems.append(
                f"properties.backup.location: {properties['backup']['location']!r} differs from "
                f"{old_location!r}; the backup location cannot change after creation"
            )
        return problems

    def _check_create_restore(
        self, region: str, properties: dict[str, Any], now: float
    ) -> dict[str, Any] | None:
        restore = properties.get("restoreFromBackup")
        if not restore:
            return None
        source = restore.get("sourceBackupId")
        if not source:
            raise ApiProblem(
                422,
                [
                    "properties.restoreFromBackup.sourceBackupId: is required to create a cluster from a "
                    "backup (recoveryTargetDatetime alone is an in-place restore, for PUT)"
                ],
            )
        backup = self.backups.get(source)
        if backup is None or backup.region != region:
            raise ApiProblem(
                422, [f"properties.restoreFromBackup.sourceBackupId: backup {source!r} does not exist"]
            )
        problems = []
        if backup.version != properties["version"]:
            problems.append(
                f"properties.version: {properties['version']!r} differs from the backup's PostgreSQL version "
                f"{backup.version!r}; restore into the same major version"
            )
        target = restore.get("recoveryTargetDatetime")
        moment = rules.parse_timestamp(target).timestamp() if target else None
        if moment is not None and not backup.covers(moment, now):
            window = f"{iso(backup.earliest)} to {iso(backup.latest) if backup.latest else 'now'}"
            problems.append(
                f"properties.restoreFromBackup.recoveryTargetDatetime: {target!r} is outside the backup's "
                f"recovery window ({window})"
            )
        if problems:
            raise ApiProblem(422, problems)
        return {
            "backupId": source,
            "targetTime": moment,
            "clusterId": backup.cluster_id,
            "backupAt": backup.earliest,
        }

    def _check_in_place_restore(
        self, record: ClusterRecord, properties: dict[str, Any], now: float
    ) -> dict[str, Any] | None:
        restore = properties.get("restoreFromBackup")
        if not restore:
            return None
        if restore.get("sourceBackupId"):
            raise ApiProblem(
                422,
                [
                    "properties.restoreFromBackup.sourceBackupId: is only valid when creating a cluster; "
                    "an in-place restore gives only recoveryTargetDatetime"
                ],
            )
        target = restore.get("recoveryTargetDatetime")
        if not target:
            raise ApiProblem(422, ["properties.restoreFromBackup.recoveryTargetDatetime: is required"])
        moment = rules.parse_timestamp(target).timestamp()
        own = [b for b in self.backups.values() if b.cluster_id == record.id]
        covering = next((b for b in own if b.covers(moment, now)), None)
        if covering is None:
            windows = (
                ", ".join(f"{iso(b.earliest)} to {iso(b.latest) if b.latest else 'now'}" for b in own)
                or "none"
            )
            raise ApiProblem(
                422,
                [
                    f"properties.restoreFromBackup.recoveryTargetDatetime: {target!r} is not covered by a "
                    f"backup of this cluster (recovery windows: {windows})"
                ],
            )
        return {
            "backupId": covering.id,
            "targetTime": moment,
            "clusterId": covering.cluster_id,
            "backupAt": covering.earliest,
        }

    @staticmethod
    def _stored_properties(
        properties: dict[str, Any], old_credentials: dict[str, Any] | None
    ) -> dict[str, Any]:
        """What the API will return: defaults filled in, password and restoreFromBackup left out."""
        stored: dict[str, Any] = {
            "name": properties["name"],
            "version": properties["version"],
            "instances": dict(properties["instances"]),
            "connection": dict(properties["connection"]),
            "maintenanceWindow": dict(properties["maintenanceWindow"]),
            "replicationMode": properties["replicationMode"],
            "connectionPooler": properties.get("connectionPooler") or rules.DEFAULT_CONNECTION_POOLER,
            "logsEnabled": bool(properties.get("logsEnabled", False)),
            "metricsEnabled": bool(properties.get("metricsEnabled", False)),
            "backup": dict(properties["backup"]),
        }
        if properties.get("description") is not None:
            stored["description"] = properties["description"]
        credentials = properties.get("credentials")
        if credentials:
            stored["credentials"] = {"username": credentials["username"], "database": credentials["database"]}
        elif old_credentials:
            stored["credentials"] = dict(old_credentials)
        return stored


# -- wire documents -----------------------------------------------------------------------------------


def cluster_document(record: ClusterRecord, base_url: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "createdDate": iso(record.created_at),
        "createdBy": USER,
        "createdByUserId": USER_ID,
        "lastModifiedDate": iso(record.modified_at),
        "lastModifiedBy": USER,
        "lastModifiedByUserId": USER_ID,
        "resourceURN": f"ionos:dbaas:{record.region}:{CONTRACT}:postgresql/clusters/{record.id}",
        "state": record.state,
        "dnsName": record.dns_name,
    }
    if record.status_message:
        metadata["statusMessage"] = record.status_message
    return {
        "id": record.id,
        "type": "cluster",
        "href": f"{base_url}/clusters/{record.id}",
        "metadata": metadata,
        "properties": record.properties,
    }


def _plain_metadata(created: float) -> dict[str, Any]:
    return {
        "createdDate": iso(created),
        "createdBy": USER,
        "createdByUserId": USER_ID,
        "lastModifiedDate": iso(created),
        "lastModifiedBy": USER,
        "lastModifiedByUserId": USER_ID,
    }


def backup_document(backup: BackupRecord, base_url: str) -> dict[str, Any]:
    return {
        "id": backup.id,
        "type": "backup",
        "href": f"{base_url}/backups/{backup.id}",
        "metadata": _plain_metadata(backup.created_at),
        "properties": {
            "clusterId": backup.cluster_id,
            "postgresClusterVersion": backup.version,
            "isActive": backup.is_active,
            "earliestRecoveryTargetTime": iso(backup.earliest),
            "latestRecoveryTargetTime": iso(backup.latest) if backup.latest is not None else None,
            "location": backup.location,
        },
    }


CATALOG_EPOCH = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def version_document(catalog: Catalog, version_id: str, base_url: str) -> dict[str, Any]:
    version = next((v for v in catalog.versions if v.id == version_id), None)
    if version is None:
        raise not_found("version", version_id)
    return {
        "id": version.id,
        "type": "version",
        "href": f"{base_url}/versions/{version.id}",
        "metadata": _plain_metadata(CATALOG_EPOCH),
        "properties": version.properties(),
    }


def backup_location_document(catalog: Catalog, location_id: str, base_url: str) -> dict[str, Any]:
    location = next((b for b in catalog.backup_locations if b.id == location_id), None)
    if location is None:
        raise not_found("backup location", location_id)
    return {
        "id": location.id,
        "type": "backupLocation",
        "href": f"{base_url}/backup-locations/{location.id}",
        "metadata": _plain_metadata(CATALOG_EPOCH),
        "properties": {"location": location.location},
    }
