"""A Pulumi program that declares found clusters with all their current settings (pure: text out).

Everything the service said (ids, names, states, descriptions, usernames, regions) enters the program through
one function, `quoted`: a Python string literal in printable ASCII, whatever the text holds (quotes, line
breaks, control characters, bidirectional overrides, surrogates), so that no value can end its literal, begin
a statement or hide itself; comments carry such literals only, never raw text. The password, which the API
never returns, is read from a secret configuration value, one key per cluster.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import limits
from ..provider.api.rules import checker

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

    @property
    def state(self) -> str:
        return str(self.settings.get("state"))


@dataclass(frozen=True)
class Declaration:
    cluster: FoundCluster
    resource: str  # the Pulumi resource name, unique in the program
    password_key: str  # the stack configuration key of its password


def declarations(found: Sequence[FoundCluster]) -> list[Declaration]:
    """Resource names from the clusters' names, unique in the program whatever the clusters are called.
    IONOS does not keep names unique: clusters that share one are told apart by their region where that
    differs, else by the first characters of their ids; a name so made that another cluster has already
    (`db` in de-fra beside a cluster called `db-de-fra`) takes the id's first characters instead, then the
    whole id, then a number, until it is free. Password keys follow the resource names."""
    ordered = sorted(found, key=lambda c: (c.name, c.region, c.id))
    by_name: dict[str, list[FoundCluster]] = {}
    for cluster in ordered:
        by_name.setdefault(re.sub(r"[^A-Za-z0-9_.-]", "-", cluster.name), []).append(cluster)
    taken = {base for base, group in by_name.items() if len(group) == 1}
    named: dict[tuple[str, str], str] = {}
    for base, group in by_name.items():
        regions_differ = len({c.region for c in group}) == len(group)
        for cluster in group:
            if len(group) == 1:
                named[cluster.region, cluster.id] = base
                continue
            first = f"{base}-{cluster.region if regions_differ else cluster.id[:8]}"
            choices = (first, f"{base}-{cluster.id[:8]}", f"{base}-{cluster.id}")
            named[cluster.region, cluster.id] = _free(taken, choices)
    result = []
    for cluster in ordered:
        resource = named[cluster.region, cluster.id]
        result.append(Declaration(cluster, resource, f"{resource}-password"))
    return result


def _free(taken: set[str], choices: Sequence[str]) -> str:
    """The first of `choices` that no declaration has yet, else the last one numbered; now taken."""
    name = next((choice for choice in choices if choice not in taken), "")
    number = 2
    while not name or name in taken:
        name, number = f"{choices[-1]}-{number}", number + 1
    taken.add(name)
    return name


_CLUSTER_ID = checker(limits.Uuid("cluster"))


def refusal(cluster_id: str, state: str | None) -> str | None:
    """Why a cluster as listed cannot be written into a program at all: an id that is not a UUID, or a state
    the API does not define (what else the service says is not to be trusted either)."""
    if _CLUSTER_ID(cluster_id):
        return f"its id {quoted(cluster_id)} is not a UUID"
    if state not in limits.CLUSTER_STATES:
        known = ", ".join(limits.CLUSTER_STATES)
        return f"its state {quoted(str(state))} is none of the API's ({known})"
    return None


def not_adopted_because(state: str) -> str | None:
    """Why a cluster in this state is left out of the program; None for an AVAILABLE one."""
    if state == "AVAILABLE":
        return None
    if state == "DESTROYING":
        return (
            "DESTROYING: it is being deleted, and once it is gone the program would make a new, empty "
            "cluster in its place"
        )
    return f"{state}: adopt it once it is AVAILABLE (run ionos-pg-discover again then)"


def quoted(text: str) -> str:
    """A Python string literal of `text` in printable ASCII: `"` and backslash escaped, any other character
    outside printable ASCII as Python writes its escape (`\\n`, `\\x1b`, `\\xfc`, `\\u202e`, `\\ud800`).
    The one way text from the service enters the program: it evaluates to `text`, and can do nothing else."""
    return '"' + "".join(_escaped(character) for character in text) + '"'


def _escaped(character: str) -> str:
    if character in ('"', "\\"):
        return "\\" + character
    if " " <= character <= "~":
        return character
    return ascii(character)[1:-1]


def literal(value: Any) -> str:
    """A Python literal for a value read from the API: text, numbers, booleans and objects of them."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{quoted(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return repr(int(value)) if float(value).is_integer() else repr(float(value))
    return quoted(str(value))


def argument_line(key: str, value: Any) -> str:
    """`key=value,` at the arguments' indentation; an object too long for one line, one entry a line."""
    line = f"        {key}={literal(value)},"
    if len(line) <= 100 or not isinstance(value, Mapping):
        return line
    entries = [f"            {quoted(str(k))}: {literal(v)}," for k, v in value.items()]
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
        f'            "password": config.require_secret({quoted(declaration.password_key)}),',
        "        },",
    ]
    return "\n".join(
        [
            f"# {described(cluster)}, {literal(settings.get('state'))} when found",
            f"clusters[{quoted(declaration.resource)}] = PostgresV2Cluster(",
            f"    {quoted(declaration.resource)},",
            "    PostgresV2ClusterArgs(",
            *lines,
            "        deletion_protection=True,",
            "    ),",
            ")",
        ]
    )


def described(cluster: FoundCluster) -> str:
    """The cluster in a comment or a message: its name, id and region, each quoted."""
    return f"{quoted(cluster.name)}: {quoted(cluster.id)} in {quoted(cluster.region)}"


def password_commands(found: Sequence[Declaration]) -> list[str]:
    """One `pulumi config set --secret` line per cluster, with the user whose password it sets (the key is
    made of letters, digits and `-_.` only: safe in a shell and a comment as it is)."""
    return [
        f"pulumi config set --secret {d.password_key} '<password>'   # user "
        f"{literal((d.cluster.settings.get('credentials') or {}).get('username'))} of "
        f"{quoted(d.cluster.name)} ({quoted(d.cluster.region)})"
        for d in found
    ]


def program_source(
    found: Sequence[FoundCluster], when: str, left_out: Sequence[tuple[FoundCluster, str]] = ()
) -> str:
    """The whole `__main__.py`: comments that say what to set before `pulumi up` and which clusters were
    left out and why, then the clusters. The docstring holds no text of the service's."""
    decls = declarations(found)
    commands = [f"#     {line}" for line in password_commands(decls)] or ["#     (none)"]
    apart = [f"#     {described(cluster)}: {why}" for cluster, why in left_out] or ["#     (none)"]
    header = "\n".join(
        [
            f'"""Clusters found by ionos-pg-discover on {when}, adopted with adopt_existing_id."""',
            "",
            "# Before `pulumi up`, set each cluster's password. Adopting sends it to the service, which",
            "# makes it the user's password from then on (the API never returns the current one):",
            *commands,
            "#",
            "# Not adopted:",
            *apart,
            "#",
            "# The API token and endpoint: `pulumi config set --secret ionos:token ...` and",
            "# `ionos:endpoint`, or the IONOS_TOKEN and IONOS_API_URL environment variables. Each cluster",
            "# is protected: `pulumi destroy` refuses to delete it until an update sets",
            "# `deletion_protection=False`.",
            "",
            "import pulumi",
            "",
            "from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs",
            "",
            "config = pulumi.Config()",
            "clusters: dict[str, PostgresV2Cluster] = {}",
            "",
        ]
    )
    body = "\n\n".join(declaration_source(d) for d in decls)
    exports = (
        'for name, cluster in clusters.items():\n    pulumi.export(f"{name}-dns-name", cluster.dns_name)\n'
    )
    return f"{header}\n{body}\n\n{exports}" if body else header + "\n" + exports
