"""One cluster described by stack configuration, as the root program and the basic example use it.

pulumi config set location de/fra
pulumi config set --secret password '...'
"""

from __future__ import annotations

import pulumi

from ionos_postgres_pulumi.provider import (
    ConnectionArgs,
    CredentialsArgs,
    InstancesArgs,
    MaintenanceWindowArgs,
)

from .postgres_cluster import DEFAULTS, PostgresClusterArgs

SIZE: InstancesArgs = DEFAULTS["instances"]
WINDOW: MaintenanceWindowArgs = DEFAULTS["maintenance_window"]


def cluster_args_from_config(config: pulumi.Config) -> PostgresClusterArgs:
    """Keys (all in the project's namespace): location, clusterName, version, backupLocation, instances,
    ram, cores, storageSize, datacenterId, lanId, primaryInstanceAddress, maintenanceDay,
    maintenanceTime, username, database, password (secret), deletionProtection (default true),
    allowMajorVersionUpgrade, allowEmptyReplacement."""
    return PostgresClusterArgs(
        location=config.require("location"),
        name=config.get("clusterName"),
        version=config.get("version"),
        backup_location=config.get("backupLocation"),
        instances=InstancesArgs(
            count=config.get_int("instances") or SIZE.count,
            ram=config.get_int("ram") or SIZE.ram,
            cores=config.get_int("cores") or SIZE.cores,
            storage_size=config.get_int("storageSize") or SIZE.storage_size,
        ),
        connection=ConnectionArgs(
            datacenter_id=config.require("datacenterId"),
            lan_id=config.get("lanId") or "1",
            primary_instance_address=config.require("primaryInstanceAddress"),
        ),
        maintenance_window=MaintenanceWindowArgs(
            time=config.get("maintenanceTime") or WINDOW.time,
            day_of_the_week=config.get("maintenanceDay") or WINDOW.day_of_the_week,
        ),
        deletion_protection=config.get_bool("deletionProtection"),
        allow_major_version_upgrade=config.get_bool("allowMajorVersionUpgrade"),
        allow_empty_replacement=config.get_bool("allowEmptyReplacement"),
        credentials=CredentialsArgs(
            username=config.get("username") or "app",
            database=config.get("database") or "app",
            password=config.require_secret("password"),
        ),
    )
