"""IONOS DBaaS PostgreSQL v2 clusters as a Pulumi dynamic resource.

from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs
"""

from .resource import (
    ConnectionArgs,
    CredentialsArgs,
    InstancesArgs,
    MaintenanceWindowArgs,
    PostgresV2Cluster,
    PostgresV2ClusterArgs,
    RestoreFromBackupArgs,
    TimeoutsArgs,
)

__all__ = [
    "ConnectionArgs",
    "CredentialsArgs",
    "InstancesArgs",
    "MaintenanceWindowArgs",
    "PostgresV2Cluster",
    "PostgresV2ClusterArgs",
    "RestoreFromBackupArgs",
    "TimeoutsArgs",
]
