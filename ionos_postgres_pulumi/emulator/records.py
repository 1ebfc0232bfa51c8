"""The service's records, clusters and backups, each with the documents it shows on the wire.

A cluster keeps its `properties` as the API returns them (defaults filled in, no password, no
`restoreFromBackup`), and only the SCRAM verifier of its password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from ionos_postgres_pulumi import limits

from .wire import CONTRACT, iso, plain_metadata

MISSING: Any = object()
_DNS_ALPHABET = string.ascii_lowercase + string.digits


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
    restore: dict[str, Any] | None = None  # {"backupId", "targetTime", ...} of the restore to perform
    failed_until: float | None = None  # a passing FAILED (a fault's `recoverAfter`) ends at this time
    resume_state: str | None = None  # the state a passing FAILED goes back to

    @property
    def name(self) -> str:
        return str(self.properties.get("name", ""))

    def document(self, base_url: str) -> dict[str, Any]:
        """The `ClusterRead` envelope."""
        metadata: dict[str, Any] = {
            **plain_metadata(self.created_at, self.modified_at),
            "resourceURN": f"ionos:dbaas:{self.region}:{CONTRACT}:postgresql/clusters/{self.id}",
            "state": self.state,
            "dnsName": self.dns_name,
        }
        if self.status_message:
            metadata["statusMessage"] = self.status_message
        return {
            "id": self.id,
            "type": "cluster",
            "href": f"{base_url}/clusters/{self.id}",
            "metadata": metadata,
            "properties": self.properties,
        }

    def admin_view(self) -> dict[str, Any]:
        """The emulator's own view, for its admin API: what is pending and when it is due."""
        return {
            "id": self.id,
            "region": self.region,
            "name": self.name,
            "state": self.state,
            "statusMessage": self.status_message,
            "dnsName": self.dns_name,
            "pending": self.pending,
            "pendingDue": self.pending_due,
            "failedUntil": self.failed_until,
            "createdAt": self.created_at,
            "modifiedAt": self.modified_at,  # when it last changed state: the moment a transition ended
            "properties": self.properties,
        }


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

    def window(self) -> str:
        return f"{iso(self.earliest)} to {iso(self.latest) if self.latest is not None else 'now'}"

    def document(self, base_url: str) -> dict[str, Any]:
        """The `BackupRead` envelope."""
        return {
            "id": self.id,
            "type": "backup",
            "href": f"{base_url}/backups/{self.id}",
            "metadata": plain_metadata(self.created_at),
            "properties": {
                "clusterId": self.cluster_id,
                "postgresClusterVersion": self.version,
                "isActive": self.is_active,
                "earliestRecoveryTargetTime": iso(self.earliest),
                "latestRecoveryTargetTime": iso(self.latest) if self.latest is not None else None,
                "location": self.location,
            },
        }


def readable_properties(
    properties: dict[str, Any], kept_credentials: dict[str, Any] | None
) -> dict[str, Any]:
    """What the API returns for a cluster: its known fields with defaults filled in, never the password
    nor `restoreFromBackup`. A PUT without credentials keeps the user it had."""
    known_values: dict[str, Any] = {}
    for known in limits.CLUSTER_FIELDS:
        value = lookup(properties, known.path)
        if not known.secret and value is not MISSING and value is not None:
            parent, _, key = known.path.rpartition(".")
            (known_values.setdefault(parent, {}) if parent else known_values)[key] = value
    readable = limits.with_defaults(known_values)
    if "credentials" not in readable and kept_credentials:
        readable["credentials"] = dict(kept_credentials)
    return readable


def lookup(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or MISSING."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier: the emulator keeps this, never the password itself."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8", "surrogatepass"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def service_dns_name(region: str) -> str:
    """`pg-<16 lowercase letters and digits>.postgresql.<region>.ionos.com`, as the service names hosts."""
    label = "".join(secrets.choice(_DNS_ALPHABET) for _ in range(16))
    return f"pg-{label}.postgresql.{region}.ionos.com"
