"""Valid request bodies to start tests from, in the API's wire format."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

DATACENTER_ID = "5a029f4a-72e5-11ec-90d6-0242ac120003"
PASSWORD = "P@ssw0rd123"


def owner(label: str) -> str:
    """A resource's `__owner`, as PostgresV2Cluster hands it to the provider: a label and a digest that
    tells it apart from every other resource ("shop/dev/db" -> "shop/dev/db #<12 hex digits>")."""
    return f"{label} #{hashlib.sha256(label.encode()).hexdigest()[:12]}"


def cluster_properties(**overrides: Any) -> dict[str, Any]:
    """A valid `ClusterCreateProperties`; `overrides` replace top-level keys."""
    properties: dict[str, Any] = {
        "name": "cms-prod",
        "description": "Production PostgreSQL cluster",
        "version": "16",
        "instances": {"count": 1, "ram": 4, "cores": 4, "storageSize": 10},
        "connection": {
            "datacenterId": DATACENTER_ID,
            "lanId": "2",
            "primaryInstanceAddress": "192.168.2.101/24",
        },
        "maintenanceWindow": {"time": "16:30:59", "dayOfTheWeek": "Sunday"},
        "replicationMode": "ASYNCHRONOUS",
        "credentials": {"username": "my_dbuser", "password": PASSWORD, "database": "my_database"},
        "connectionPooler": "DISABLED",
        "logsEnabled": False,
        "metricsEnabled": False,
        "backup": {"location": "eu-central-3", "retentionDays": 90},
    }
    properties.update(copy.deepcopy(overrides))
    return properties


def set_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `data` with the dotted `path` set (or removed, for `REMOVE`)."""
    result = copy.deepcopy(data)
    target = result
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    if value is REMOVE:
        target.pop(last, None)
    else:
        target[last] = value
    return result


REMOVE = object()


def cluster_inputs(**overrides: Any) -> dict[str, Any]:
    """Valid inputs of the PostgresV2Cluster resource (Python-style names)."""
    inputs: dict[str, Any] = {
        "location": "de/fra",
        "name": "orders-db",
        "description": "Orders",
        "version": "16",
        "instances": {"count": 1, "ram": 4, "cores": 2, "storage_size": 20},
        "connection": {
            "datacenter_id": DATACENTER_ID,
            "lan_id": "2",
            "primary_instance_address": "192.168.2.101/24",
        },
        "maintenance_window": {"time": "03:00:00", "day_of_the_week": "Sunday"},
        "credentials": {"username": "orders", "password": PASSWORD, "database": "orders"},
        "backup_location": "eu-central-3",
    }
    inputs.update(copy.deepcopy(overrides))
    # Each cluster name its own resource, unless the test says which resource it is.
    inputs.setdefault("__owner", owner(f"ionos-postgres/test/{inputs.get('name')}"))
    return inputs


def resource_inputs(**overrides: Any) -> dict[str, Any]:
    """Valid arguments of PostgresV2ClusterArgs, as a program writes them (the resource adds its hidden
    inputs itself)."""
    return {key: value for key, value in cluster_inputs(**overrides).items() if not key.startswith("__")}
