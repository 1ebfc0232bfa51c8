"""The resource's inputs as one typed model, built once where they reach the lifecycle (`operations`).

What the engine sends is judged first as it is, a mapping (`rules.inputs`, `rules.validation`): a value of
the wrong type must come back as a check failure that names it, not as a model's refusal. Inputs that passed
become a `ClusterSpec`, whose fields the lifecycle steps, the payloads and the outputs read; the hidden `__`
inputs are its `stored` part (`Stored`), read here and nowhere else in the lifecycle. The password is a
`SecretStr`, and credentials refuse to be pickled: no repr, log or pickle of a spec shows it.

Check and diff stay on the mappings (`validation`, `diffing`): they run in the light preview path, which
loads no pydantic (see docs/performance.md), and they meet values not known yet. The checks that ask the
service build a spec all the same; a value not known yet is None there, and `is_unknown` names it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr

from . import fields
from .inputs import (
    CARRY_OVER_KEY,
    DEFAULT_TIMEOUTS,
    ENGINE_PROTECTS_KEY,
    OWNER_KEY,
    REPLACING_KEY,
    from_engine,
    is_unknown,
    parse_duration,
)
from .marks import Owner


class _Part(BaseModel):
    """One object of the inputs; what the engine stores beside it (outputs, at read or delete) is ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Instances(_Part):
    count: int | None = None
    ram: int | None = None
    cores: int | None = None
    storage_size: int | None = None


class Connection(_Part):
    datacenter_id: str | None = None
    lan_id: str | None = None
    primary_instance_address: str | None = None


class MaintenanceWindow(_Part):
    time: str | None = None
    day_of_the_week: str | None = None


class Credentials(_Part):
    username: str | None = None
    password: SecretStr | None = None
    database: str | None = None

    def revealed_password(self) -> str | None:
        return self.password.get_secret_value() if self.password is not None else None

    def __reduce__(self) -> Any:
        raise TypeError("credentials are not picklable: they hold the password")


class RestoreFromBackup(_Part):
    source_backup_id: str | None = None
    recovery_target_datetime: str | None = None


class Timeouts(_Part):
    create: str | int | None = None
    update: str | int | None = None
    delete: str | int | None = None
    failed: str | int | None = None


class CarryOver(_Part):
    """The plan of a replacement that carries the old cluster's data over (`lifecycle.replacing`)."""

    source_backup_id: str | None = None
    from_cluster: str | None = None


class Stored(_Part):
    """The hidden inputs (a leading "__": no diff shows them), under the keys the engine stores them by."""

    owner: str | None = Field(None, alias=OWNER_KEY)  # see `rules.marks.Owner`
    engine_protects: bool | None = Field(None, alias=ENGINE_PROTECTS_KEY)  # see `rules.inputs`
    carry_over: CarryOver | None = Field(None, alias=CARRY_OVER_KEY)  # see `engine.handover`
    replacing: str | None = Field(None, alias=REPLACING_KEY)  # the cluster a replacement replaces

    def to_engine(self) -> dict[str, Any]:
        """The hidden inputs as the engine stores them (unset ones left out)."""
        stored: dict[str, Any] = self.model_dump(by_alias=True, exclude_none=True)
        return stored


class ClusterSpec(_Part):
    """Every input of a cluster (`args.ClusterInputs`), typed, with the hidden ones in `stored`."""

    location: str | None = None
    name: str | None = None
    version: str | None = None
    description: str | None = None
    instances: Instances | None = None
    connection: Connection | None = None
    maintenance_window: MaintenanceWindow | None = None
    credentials: Credentials | None = None
    replication_mode: str | None = None
    backup_location: str | None = None
    backup_retention_days: int | None = None
    connection_pooler: str | None = None
    logs_enabled: bool | None = None
    metrics_enabled: bool | None = None
    restore_from_backup: RestoreFromBackup | None = None
    timeouts: Timeouts | None = None
    adopt_existing_id: str | None = None
    deletion_protection: bool | None = None
    allow_major_version_upgrade: bool | None = None
    allow_empty_replacement: bool | None = None
    stored: Stored = Field(default_factory=Stored)

    _unknown: frozenset[str] = PrivateAttr(default=frozenset())

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Self:
        """The inputs (checked already) as the model; a value not known yet (a preview's) becomes None."""
        unknown: list[str] = []
        known = _known(values, "", unknown)
        hidden = {key: value for key, value in known.items() if key.startswith("__")}
        spec = cls.model_validate({**known, "stored": hidden})
        spec._unknown = frozenset(unknown)
        return spec

    @classmethod
    def from_engine(cls, props: Mapping[str, Any]) -> Self:
        """Properties as the engine sent them (`rules.inputs.from_engine`) as the model."""
        return cls.of(from_engine(props))

    @property
    def unknown(self) -> frozenset[str]:
        """The dotted paths of the values not known yet (during a preview)."""
        return self._unknown

    @property
    def place(self) -> str:
        """The location, which every call of the API needs: check requires it, so without it is a bug."""
        if self.location is None:
            raise KeyError("location")
        return self.location

    @property
    def cluster_name(self) -> str:
        """The name, which a create needs: check requires it, so without it is a bug."""
        if self.name is None:
            raise KeyError("name")
        return self.name

    def is_unknown(self, path: str) -> bool:
        """Whether the value at a dotted path, or the object that holds it, is not known yet."""
        return path in self._unknown or path.partition(".")[0] in self._unknown

    @property
    def owner(self) -> Owner | None:
        """The resource the inputs belong to, as `PostgresV2Cluster` wrote it (None when it is not there)."""
        return Owner.parse(self.stored.owner)

    def timeout_seconds(self, operation: str) -> int:
        given = getattr(self.timeouts, operation, None) if self.timeouts is not None else None
        return parse_duration(given or DEFAULT_TIMEOUTS[operation])

    @property
    def in_place_restore_target(self) -> str | None:
        """The time an in-place restore goes back to: `recovery_target_datetime` without a source backup."""
        restore = self.restore_from_backup
        if (
            restore is None
            or restore.source_backup_id
            or self.is_unknown("restore_from_backup.source_backup_id")
        ):
            return None
        return restore.recovery_target_datetime

    @property
    def source_backup_id(self) -> str | None:
        """The backup the inputs make a new cluster from (`restore_from_backup.source_backup_id`)."""
        return self.restore_from_backup.source_backup_id if self.restore_from_backup else None

    @property
    def storage_size(self) -> int | None:
        return self.instances.storage_size if self.instances else None

    def api_fields(self) -> Iterator[tuple[fields.InputField, Any]]:
        """Each API field with its input's value (the password revealed: for request bodies only)."""
        for field in fields.INPUT_FIELDS:
            top, _, inner = field.input_path.partition(".")
            value = getattr(self, top)
            if inner and value is not None:
                value = getattr(value, inner)
            yield field, value.get_secret_value() if isinstance(value, SecretStr) else value

    def to_engine(self) -> dict[str, Any]:
        """The inputs as the engine stores them, the password revealed (unset ones and those not known yet
        left out)."""
        inputs: dict[str, Any] = self.model_dump(exclude_none=True, exclude={"stored"})
        if self.credentials is not None and self.credentials.password is not None:
            inputs["credentials"]["password"] = self.credentials.revealed_password()
        return {**inputs, **self.stored.to_engine()}


class Deployed(ClusterSpec):
    """The old outputs of a resource: its inputs as deployed, and the cluster they made."""

    cluster_id: str | None = None


def _known(value: Any, path: str, unknown: list[str]) -> Any:
    """`value` without the values not known yet, whose paths go to `unknown`."""
    if not isinstance(value, Mapping):
        return value
    known = {}
    for key, inner in value.items():
        at = f"{path}.{key}" if path else str(key)
        if is_unknown(inner):
            unknown.append(at)
        else:
            known[key] = _known(inner, at, unknown)
    return known
