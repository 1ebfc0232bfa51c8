"""Two clusters: `orders` in Frankfurt and `analytics` in Logroño.

`ordersVersion` upgrades the orders cluster in place (16 -> 17 is allowed with `allowMajorVersionUpgrade`,
since a major upgrade cannot be undone; a downgrade is refused at preview). Each cluster gets its own user and
database; one password for both keeps the example short. Both are protected from deletion unless
`deletionProtection` is false.
"""

import pulumi

from ionos_postgres_pulumi import (
    ConnectionArgs,
    CredentialsArgs,
    InstancesArgs,
    PostgresCluster,
    PostgresClusterArgs,
)

config = pulumi.Config()
password = config.require_secret("password")
datacenter = config.require("datacenterId")

orders = PostgresCluster(
    "orders",
    PostgresClusterArgs(
        location="de/fra",
        version=config.get("ordersVersion") or "16",
        allow_major_version_upgrade=config.get_bool("allowMajorVersionUpgrade"),
        deletion_protection=config.get_bool("deletionProtection"),
        instances=InstancesArgs(count=1, ram=4, cores=2, storage_size=20),
        connection=ConnectionArgs(
            datacenter_id=datacenter, lan_id="1", primary_instance_address="192.168.1.10/24"
        ),
        credentials=CredentialsArgs(username="orders", password=password, database="orders"),
    ),
)
analytics = PostgresCluster(
    "analytics",
    PostgresClusterArgs(
        location="es/vit",
        instances=InstancesArgs(count=3, ram=8, cores=4, storage_size=100),
        replication_mode="STRICTLY_SYNCHRONOUS",
        deletion_protection=config.get_bool("deletionProtection"),
        connection=ConnectionArgs(
            datacenter_id=datacenter, lan_id="2", primary_instance_address="192.168.2.10/24"
        ),
        credentials=CredentialsArgs(username="analytics", password=password, database="analytics"),
    ),
)

pulumi.export("ordersDnsName", orders.dns_name)
pulumi.export("ordersVersion", orders.version)
pulumi.export("analyticsDnsName", analytics.dns_name)
pulumi.export("analyticsBackupLocation", analytics.backup_location)
