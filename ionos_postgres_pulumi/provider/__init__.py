"""IONOS DBaaS PostgreSQL v2 clusters as a Pulumi dynamic resource.

from ionos_postgres_pulumi import PostgresV2Cluster, PostgresV2ClusterArgs
"""

from .args import (
    ClusterInputs,
    ConnectionArgs,
    CredentialsArgs,
    InstancesArgs,
    MaintenanceWindowArgs,
    PostgresV2ClusterArgs,
    RestoreFromBackupArgs,
    TimeoutsArgs,
)
from .resource import PostgresV2Cluster

__all__ = [
    "ClusterInputs",
    "ConnectionArgs",
    "CredentialsArgs",
    "InstancesArgs",
    "MaintenanceWindowArgs",
    "PostgresV2Cluster",
    "PostgresV2ClusterArgs",
    "RestoreFromBackupArgs",
    "TimeoutsArgs",
]
