"""The resource's outputs: the cluster as the service reports it, plus what only the inputs know."""

from __future__ import annotations

import copy
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...limits import POSTGRES_PORT
from . import fields
from .inputs import HIDDEN_KEPT, KNOWN_INPUTS, NOT_API_FIELDS, get_path, set_path
from .marks import without_marks
from .spec import ClusterSpec, Credentials

if TYPE_CHECKING:
    from ..api import models


def described(cluster: models.ClusterRead) -> dict[str, Any]:
    """The cluster as the service reports it, under the resource's input names (no password: the API
    never returns it), with its state and host name."""
    wire = cluster.properties.to_wire()
    outs: dict[str, Any] = {}
    for field in fields.INPUT_FIELDS:
        if field.rule.secret:
            continue
        value = get_path(wire, field.rule.api_path)
        if value is not None:
            set_path(outs, field.input_path, value)
    outs["description"] = without_marks(outs.get("description"))
    outs.update(
        cluster_id=cluster.id,
        dns_name=cluster.metadata.dns_name or "",
        state=cluster.metadata.state or "UNKNOWN",
        status_message=cluster.metadata.status_message or "",
        port=POSTGRES_PORT,
    )
    shown: dict[str, Any] = encodable(outs)
    return shown


def encodable(value: Any) -> Any:
    """`value` with every text made one the Pulumi SDK can send. A lone surrogate (`\\ud800`), which JSON
    can carry and the service keeps in any field, cannot be encoded as UTF-8: the SDK's serialization would
    end a refresh, read or update with a traceback. It is written as its escape (the six characters
    `\\ud800`), so the value differs from the program's and the drift shows; `pulumi up` writes the
    program's."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, Mapping):
        return {encodable(k): encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encodable(v) for v in value]
    return value


def outputs(cluster: models.ClusterRead, spec: ClusterSpec) -> dict[str, Any]:
    outs = described(cluster)
    # The API never returns the password, and location, restore and provider settings are ours alone.
    given = spec.credentials or Credentials()
    credentials = outs.setdefault("credentials", {})
    credentials.setdefault("username", given.username)
    credentials.setdefault("database", given.database)
    credentials["password"] = given.revealed_password()
    # what a later diff and delete read (no password among them: it is not dumped)
    outs.update(spec.model_dump(include=set(NOT_API_FIELDS), exclude_none=True))
    outs.update((k, v) for k, v in spec.stored.to_engine().items() if k in HIDDEN_KEPT)
    username, password, database = (credentials.get(key) for key in ("username", "password", "database"))
    outs["connection_uri"] = connection_uri(username, password, outs["dns_name"], database)
    return outs


def inputs_from_outputs(outs: Mapping[str, Any]) -> dict[str, Any]:
    """What the inputs would be to describe the cluster as it is (for refresh). An empty description is
    what no description looks like: left out, as the program leaves it out."""
    inputs = {k: copy.deepcopy(v) for k, v in outs.items() if k in KNOWN_INPUTS}
    if not inputs.get("description"):
        inputs.pop("description", None)
    return inputs


def connection_uri(username: Any, password: Any, host: str, database: Any) -> str:
    if not (username and host):
        return ""

    def quote(part: Any) -> str:
        return urllib.parse.quote(str(part), safe="")

    secret = f":{quote(password)}" if password else ""
    path = f"/{quote(database)}" if database else ""
    return f"postgresql://{quote(username)}{secret}@{host}:{POSTGRES_PORT}{path}"
