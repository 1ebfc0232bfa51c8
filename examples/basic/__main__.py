"""One cluster from stack configuration; `dnsName` and `port` are outputs that other stacks read."""

import pulumi

from ionos_postgres_pulumi import PostgresCluster, cluster_args_from_config

config = pulumi.Config()
cluster = PostgresCluster(config.get("clusterName") or "basic-db", cluster_args_from_config(config))

pulumi.export("dnsName", cluster.dns_name)
pulumi.export("port", cluster.port)
pulumi.export("clusterId", cluster.cluster_id)
pulumi.export("state", cluster.state)
pulumi.export("version", cluster.version)
pulumi.export("backupLocation", cluster.backup_location)
pulumi.export("connectionUri", cluster.connection_uri)
pulumi.export("earliestRecoveryTime", cluster.earliest_recovery_target_time)
