"""The resource's inputs that hold the API's fields: each field rule of the client paired with its input.

The client (`api.rules`) knows a field by its wire path (`instances.storageSize`), as the API names it;
the resource names it in snake_case (`instances.storage_size`), except the backup's fields, which are
flat on the resource (`backup_location`). That pairing belongs to the provider, not to the client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ... import limits
from ..api import rules

DEFAULT_BACKUP_RETENTION_DAYS = 7  # the provider's default; the API requires a value


@dataclass(frozen=True)
class InputField:
    """One API field as an input of the resource."""

    rule: rules.FieldRule
    input_path: str
    server_default: str | int | bool | None = None  # what the service fills in when it is left out

    @property
    def top_input(self) -> str:
        """The resource input that holds the field: `instances` for `instances.ram`."""
        return self.input_path.split(".")[0]

    @property
    def nested(self) -> bool:
        """Whether the field sits inside an object input (`instances.ram`), not at the top (`name`)."""
        return "." in self.input_path


# Input names are the wire names in snake_case, except the backup's, which are flat on the resource.
_INPUT_NAMES = {"backup.location": "backup_location", "backup.retentionDays": "backup_retention_days"}


def _input_path(api_path: str) -> str:
    return _INPUT_NAMES.get(api_path) or re.sub(r"(?<=[a-z])([A-Z])", r"_\1", api_path).lower()


_SERVER_DEFAULTS = {field.path: field.default for field in limits.CLUSTER_FIELDS}
INPUT_FIELDS: tuple[InputField, ...] = tuple(
    InputField(rule, _input_path(rule.api_path), _SERVER_DEFAULTS.get(rule.api_path))
    for rule in rules.CLUSTER_FIELD_RULES
)
