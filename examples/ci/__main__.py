"""A production cluster that passes the policy pack: three instances replicating synchronously, backups
kept 14 days in another city, a maintenance window on Sunday night, and `protect` on.

`instances` and `retentionDays` in the stack configuration let you watch the pack refuse a change.
"""

import pulumi

from ionos_postgres_pulumi import (
    ConnectionArgs,
    CredentialsArgs,
    InstancesArgs,
    MaintenanceWindowArgs,
    PostgresCluster,
    PostgresClusterArgs,
)

config = pulumi.Config()
orders = PostgresCluster(
    "orders",
    PostgresClusterArgs(
        location="de/fra",  # backups go to Berlin (eu-central-3), the component's choice for Frankfurt
        instances=InstancesArgs(count=config.get_int("instances") or 3, ram=8, cores=4, storage_size=100),
        replication_mode="STRICTLY_SYNCHRONOUS",
        backup_retention_days=config.get_int("retentionDays") or 14,
        maintenance_window=MaintenanceWindowArgs(time="01:00:00", day_of_the_week="Sunday"),
        connection=ConnectionArgs(
            datacenter_id=config.require("datacenterId"),
            lan_id="1",
            primary_instance_address="192.168.1.10/24",
        ),
        credentials=CredentialsArgs(
            username="orders", password=config.require_secret("password"), database="orders"
        ),
    ),
    opts=pulumi.ResourceOptions(protect=True),
)

pulumi.export("dnsName", orders.dns_name)
