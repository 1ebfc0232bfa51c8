"""A Pulumi program that declares found clusters with all their current settings (pure: text out).

Every value is written as a Python literal (`json.dumps` for text, so a name or description holding
quotes or newlines cannot break the program); the password, which the API never returns, is read from a
secret configuration value, one key per cluster.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The order in which a declaration lists its inputs (those a cluster does not have are left out); every
# field the API reports but the credentials (tests/discovery checks this against the field rules).
DECLARED = (
    "name",
    "description",
    "location",
    "version",
    "instances",
    "connection",
    "maintenance_window",
    "replication_mode",
    "backup_location",
    "backup_retention_days",
    "connection_pooler",
    "logs_enabled",
    "metrics_enabled",
)


@dataclass(frozen=True)
class FoundCluster:
    """One cluster as the service describes it, under the resource's input names (`outputs.described`)."""

    id: str
    region: str
    settings: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.settings.get("name") or self.id)


@dataclass(frozen=True)
class Declaration:
    cluster: FoundCluster
    resource: str  # the Pulumi resource name, unique in the program
    password_key: str  # the stack configuration key of its password


def declarations(found: Sequence[FoundCluster]) -> list[Declaration]:
    """Resource names from the clusters' names. IONOS does not keep names unique: clusters that share one
    are told apart by their region where that differs, else by the first characters of their ids."""
    by_name: dict[str, list[FoundCluster]] = {}
    for cluster in sorted(found, key=lambda c: (c.name, c.region, c.id)):
        by_name.setdefault(re.sub(r"[^A-Za-z0-9_.-]", "-", cluster.name), []).append(cluster)
    result = []
    for base, group in by_name.items():
        regions_differ = len({c.region for c in group}) == len(group)
        for cluster in group:
            if len(group) == 1:
                resource = base
            else:
                resource = f"{base}-{cluster.region if regions_differ else cluster.id[:8]}"
            result.append(Declaration(cluster, resource, f"{resource}-password"))
    return result


def literal(value: Any) -> str:
    """A Python literal for a value read from the API: text, numbers, booleans and objects of them."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return repr(int(value)) if float(value).is_integer() else repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def argument_line(key: str, value: Any) -> str:
    """`key=value,` at the arguments' indentation; an object too long for one line, one entry a line."""
    line = f"        {key}={literal(value)},"
    if len(line) <= 100 or not isinstance(value, Mapping):
        return line
    entries = [f"            {json.dumps(str(k))}: {literal(v)}," for k, v in value.items()]
    return "\n".join([f"        {key}={{", *entries, "        },"])


def declaration_source(declaration: Declaration) -> str:
    cluster, settings = declaration.cluster, declaration.cluster.settings
    values = {"adopt_existing_id": cluster.id, **{k: settings.get(k) for k in DECLARED}}
    values["location"] = cluster.region
    if not values.get("description"):
        values.pop("description")
    lines = [argument_line(key, value) for key, value in values.items() if value is not None]
    credentials = settings.get("credentials") or {}
    lines += [
        "        credentials={",
        f'            "username": {literal(credentials.get("username"))},',
        f'            "database": {literal(credentials.get("database"))},',
        f'            "password": config.require_secret({literal(declaration.password_key)}),',
        "        },",
    ]
    state = settings.get("state") or "UNKNOWN"
    return "\n".join(
        [
            f"# {literal(cluster.name)}: {cluster.id} in {cluster.region}, {state} when found",
            f"clusters[{literal(declaration.resource)}] = PostgresV2Cluster(",
            f"    {literal(declaration.resource)},",
            "    PostgresV2ClusterArgs(",
            *lines,
            "        deletion_protection=True,",
            "    ),",
            ")",
        ]
    )


def password_commands(found: Sequence[Declaration]) -> list[str]:
    """One `pulumi config set --secret` line per cluster, with the user whose password it sets."""
    return [
        f"pulumi config set --secret {d.password_key} '<password>'   # user "
        f"{literal((d.cluster.settings.get('credentials') or {}).get('username'))} of "
        f"{literal(d.cluster.name)} ({d.cluster.region})"
        for d in found
    ]


def program_source(found: Sequence[FoundCluster], when: str) -> str:
    """The whole `__main__.py`: a docstring that says what to set before `pulumi up`, then the clusters."""
    decls = declarations(found)
    commands = "\n".join(f"    {line}" for line in password_commands(decls)) or "    (none)"
    header = f'''"""Clusters found by ionos-pg-discover on {when}, adopted with adopt_existing_id.

Before `pulumi up`, set each cluster's password. Adopting sends it to the service, which makes it the
user's password from then on (the API never returns the current one):
{commands}

The API token and endpoint: `pulumi config set --secret ionos:token ...` and `ionos:endpoint`, or the
IONOS_TOKEN and IONOS_API_URL environment variables. Each cluster is protected: `pulumi destroy` refuses
to delete it until an update sets `deletion_protection=False`.
"""

import pulumi

from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs

config = pulumi.Config()
clusters: dict[str, PostgresV2Cluster] = {{}}
'''
    body = "\n\n".join(declaration_source(d) for d in decls)
    exports = (
        'for name, cluster in clusters.items():\n    pulumi.export(f"{name}-dns-name", cluster.dns_name)\n'
    )
    return f"{header}\n{body}\n\n{exports}" if body else header + "\n" + exports
