"""Typed models of the v2 API's requests and responses (camelCase on the wire).

Requests are strict: the limits and formats of `rules` are enforced before anything is sent, and an
unknown field is an error. Responses are tolerant: every field is optional, enum-like values stay
plain strings, and fields this client does not know are kept, so a new server field or state never
breaks a refresh.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

from ... import limits
from . import rules


def _rule(check: Any) -> AfterValidator:
    def validate(value: Any) -> Any:
        problem = check(value.get_secret_value() if isinstance(value, SecretStr) else value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(validate)


def _int_in(allowed: limits.IntRange) -> Any:
    return Field(ge=allowed.minimum, le=allowed.maximum)


class _Wire(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object as the API spells it (camelCase, no nulls)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class _Request(_Wire):
    # hide_input_in_errors: a rejected password must never be echoed by a validation error.
    model_config = ConfigDict(extra="forbid", strict=True, hide_input_in_errors=True)


class _Response(_Wire):
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------------------------------
# Requests


class InstanceConfiguration(_Request):
    count: Annotated[int, _int_in(limits.INSTANCE_COUNT)]
    ram: Annotated[int, _int_in(limits.RAM_GB)]
    cores: Annotated[int, _int_in(limits.CORES)]
    storage_size: Annotated[int, _int_in(limits.STORAGE_GB)]


class Connection(_Request):
    datacenter_id: Annotated[str, _rule(rules.check_uuid)]
    lan_id: Annotated[str, _rule(rules.check_lan_id)]
    primary_instance_address: Annotated[str, _rule(rules.check_primary_instance_address)]


class MaintenanceWindow(_Request):
    time: Annotated[str, _rule(rules.check_time)]
    day_of_the_week: Annotated[str, _rule(rules.checker(limits.Choice(limits.DAYS_OF_THE_WEEK)))]


class Credentials(_Request):
    """The primary user and database. The password is write-only: the API never returns it."""

    username: Annotated[str, _rule(rules.check_username)]
    password: Annotated[SecretStr, _rule(rules.check_password)]
    database: Annotated[str, _rule(rules.check_database)]

    @field_serializer("password", when_used="json")
    def _reveal_for_the_wire(self, value: SecretStr) -> str:
        return value.get_secret_value()


class ClusterBackup(_Request):
    location: Annotated[str, _rule(rules.check_non_empty_string)]
    retention_days: Annotated[int, _int_in(limits.RETENTION_DAYS)]


class RestoreFromBackup(_Request):
    """Create a new cluster from a backup, optionally at a point in time (POST only)."""

    source_backup_id: Annotated[str, _rule(rules.check_non_empty_string)]
    recovery_target_datetime: AwareDatetime | None = None


class InPlaceRestore(_Request):
    """Restore an existing cluster from its own backups to a point in time (PUT only)."""

    recovery_target_datetime: AwareDatetime


class _ClusterPropertiesBase(_Request):
    name: Annotated[str, _rule(rules.check_name)]
    description: str | None = None
    version: Annotated[str, _rule(rules.check_non_empty_string)]
    instances: InstanceConfiguration
    connection: Connection
    maintenance_window: MaintenanceWindow
    replication_mode: Annotated[str, _rule(rules.checker(limits.Choice(limits.REPLICATION_MODES)))]
    connection_pooler: (
        Annotated[str, _rule(rules.checker(limits.Choice(limits.CONNECTION_POOLERS)))] | None
    ) = None
    logs_enabled: bool | None = None
    metrics_enabled: bool | None = None
    backup: ClusterBackup

    @model_validator(mode="after")
    def _strict_replication_needs_three_instances(self) -> _ClusterPropertiesBase:
        violation = rules.strict_replication_violation(self.replication_mode, self.instances.count)
        if violation:
            raise ValueError(violation.message())
        return self


class ClusterCreateProperties(_ClusterPropertiesBase):
    credentials: Credentials
    restore_from_backup: RestoreFromBackup | None = None


class ClusterProperties(_ClusterPropertiesBase):
    """The full desired cluster for PUT ("ensure"): anything left out is reset, not kept."""

    credentials: Credentials | None = None
    restore_from_backup: InPlaceRestore | None = None


class ClusterCreate(_Request):
    metadata: dict[str, Any] | None = None
    properties: ClusterCreateProperties


class ClusterEnsure(_Request):
    id: str
    metadata: dict[str, Any] | None = None
    properties: ClusterProperties


# ---------------------------------------------------------------------------------------------------
# Responses

Timestamp = datetime | str


class Metadata(_Response):
    created_date: Timestamp | None = None
    created_by: str | None = None
    created_by_user_id: str | None = None
    last_modified_date: Timestamp | None = None
    last_modified_by: str | None = None
    last_modified_by_user_id: str | None = None
    resource_urn: str | None = Field(default=None, alias="resourceURN")


class ClusterMetadata(Metadata):
    state: str | None = None
    status_message: str | None = None
    dns_name: str | None = None


class InstanceConfigurationRead(_Response):
    count: int | None = None
    ram: int | None = None
    cores: int | None = None
    storage_size: int | None = None


class ConnectionRead(_Response):
    datacenter_id: str | None = None
    lan_id: str | None = None
    primary_instance_address: str | None = None


class MaintenanceWindowRead(_Response):
    time: str | None = None
    day_of_the_week: str | None = None


class CredentialsRead(_Response):
    username: str | None = None
    database: str | None = None


class ClusterBackupRead(_Response):
    location: str | None = None
    retention_days: int | None = None


class ClusterPropertiesRead(_Response):
    name: str | None = None
    description: str | None = None
    version: str | None = None
    instances: InstanceConfigurationRead | None = None
    connection: ConnectionRead | None = None
    maintenance_window: MaintenanceWindowRead | None = None
    replication_mode: str | None = None
    credentials: CredentialsRead | None = None
    connection_pooler: str | None = None
    logs_enabled: bool | None = None
    metrics_enabled: bool | None = None
    backup: ClusterBackupRead | None = None


class BackupProperties(_Response):
    cluster_id: str | None = None
    postgres_cluster_version: str | None = None
    is_active: bool | None = None
    earliest_recovery_target_time: Timestamp | None = None
    latest_recovery_target_time: Timestamp | None = None
    location: str | None = None


class BackupLocationProperties(_Response):
    location: str | None = None


class PostgresVersionProperties(_Response):
    version: str | None = None
    status: str | None = None
    comment: str | None = None
    can_upgrade_to: list[str] = Field(default_factory=list)


MetadataT = TypeVar("MetadataT", bound=Metadata)
PropertiesT = TypeVar("PropertiesT", bound=_Response)
ItemT = TypeVar("ItemT", bound=BaseModel)


class ResourceRead(_Response, Generic[MetadataT, PropertiesT]):
    """The envelope of one resource: `{id, type, href, metadata, properties}`."""

    id: str
    type: str | None = None
    href: str | None = None
    metadata: MetadataT
    properties: PropertiesT


class ClusterRead(ResourceRead[ClusterMetadata, ClusterPropertiesRead]):
    @property
    def state(self) -> str | None:
        return self.metadata.state

    @property
    def name(self) -> str | None:
        return self.properties.name


class BackupRead(ResourceRead[Metadata, BackupProperties]):
    pass


class BackupLocationRead(ResourceRead[Metadata, BackupLocationProperties]):
    pass


class PostgresVersionRead(ResourceRead[Metadata, PostgresVersionProperties]):
    pass


class Links(_Response):
    prev: str | None = None
    self_: str | None = Field(default=None, alias="self")
    next: str | None = None


class ResourceList(_Response, Generic[ItemT]):
    """The envelope of a list page: `{id, type, href, items, offset, limit, _links}`."""

    id: str | None = None
    type: str | None = None
    href: str | None = None
    items: list[ItemT] = Field(default_factory=list)
    offset: int = 0
    limit: int = 0
    links: Links | None = Field(default=None, alias="_links")
