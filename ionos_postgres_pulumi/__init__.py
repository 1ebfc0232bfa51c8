"""IONOS Cloud DBaaS PostgreSQL v2 clusters from Pulumi, with a local emulator of the API.

    from ionos_postgres_pulumi import ConnectionArgs, CredentialsArgs, PostgresCluster, PostgresClusterArgs

The import root of the `ionos-postgres-pulumi` distribution; the repository's folders sit under it:
`ionos_postgres_pulumi.provider` (the `PostgresV2Cluster` resource and the API client in `.api`),
`ionos_postgres_pulumi.components` (the `PostgresCluster` component and the lookups) and
`ionos_postgres_pulumi.emulator` (the local emulator, which imports nothing of Pulumi).

The names below load on first use, so importing the emulator, or the provider process of a preview,
pays only for what it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import lazy

if TYPE_CHECKING:
    from .components import (
        CatalogLookupError,
        ClusterLookupError,
        PostgresCluster,
        PostgresClusterArgs,
        cluster_args_from_config,
        get_backup,
        get_backup_locations,
        get_backups,
        get_cluster,
        get_clusters,
        get_versions,
    )
    from .provider import (
        ConnectionArgs,
        CredentialsArgs,
        InstancesArgs,
        MaintenanceWindowArgs,
        PostgresV2Cluster,
        PostgresV2ClusterArgs,
        RestoreFromBackupArgs,
        TimeoutsArgs,
    )

_WHERE = {
    "CatalogLookupError": "components",
    "ClusterLookupError": "components",
    "PostgresCluster": "components",
    "PostgresClusterArgs": "components",
    "cluster_args_from_config": "components",
    "get_backup": "components",
    "get_backup_locations": "components",
    "get_backups": "components",
    "get_cluster": "components",
    "get_clusters": "components",
    "get_versions": "components",
    "ConnectionArgs": "provider",
    "CredentialsArgs": "provider",
    "InstancesArgs": "provider",
    "MaintenanceWindowArgs": "provider",
    "PostgresV2Cluster": "provider",
    "PostgresV2ClusterArgs": "provider",
    "RestoreFromBackupArgs": "provider",
    "TimeoutsArgs": "provider",
}

__all__ = [
    "CatalogLookupError",
    "ClusterLookupError",
    "ConnectionArgs",
    "CredentialsArgs",
    "InstancesArgs",
    "MaintenanceWindowArgs",
    "PostgresCluster",
    "PostgresClusterArgs",
    "PostgresV2Cluster",
    "PostgresV2ClusterArgs",
    "RestoreFromBackupArgs",
    "TimeoutsArgs",
    "cluster_args_from_config",
    "get_backup",
    "get_backup_locations",
    "get_backups",
    "get_cluster",
    "get_clusters",
    "get_versions",
]


__getattr__, __dir__ = lazy.exports(__name__, _WHERE)
