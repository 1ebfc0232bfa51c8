"""The `PostgresCluster` component and the lookups behind it.

from ionos_postgres_pulumi import PostgresCluster, PostgresClusterArgs, get_backups
"""

from ionos_postgres_pulumi.provider import (
    ConnectionArgs,
    CredentialsArgs,
    InstancesArgs,
    MaintenanceWindowArgs,
    TimeoutsArgs,
)

from .lookups import (
    CatalogLookupError,
    ClusterLookupError,
    choose_backup_location,
    choose_version,
    get_backup,
    get_backup_locations,
    get_backups,
    get_cluster,
    get_clusters,
    get_versions,
)
from .postgres_cluster import PostgresCluster, PostgresClusterArgs
from .stack_config import cluster_args_from_config

__all__ = [
    "CatalogLookupError",
    "ClusterLookupError",
    "ConnectionArgs",
    "CredentialsArgs",
    "InstancesArgs",
    "MaintenanceWindowArgs",
    "PostgresCluster",
    "PostgresClusterArgs",
    "TimeoutsArgs",
    "choose_backup_location",
    "choose_version",
    "cluster_args_from_config",
    "get_backup",
    "get_backup_locations",
    "get_backups",
    "get_cluster",
    "get_clusters",
    "get_versions",
]
