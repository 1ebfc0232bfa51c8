"""The root program: one PostgreSQL cluster from stack configuration; `dnsName` for other stacks.

Configure it (see Pulumi.dev.yaml for the local emulator's values), then `pulumi up`:

    pulumi config set --secret password 'S0me-Passw0rd!'
"""

import pulumi

from ionos_postgres_pulumi import PostgresCluster, cluster_args_from_config

config = pulumi.Config()
cluster = PostgresCluster(config.get("clusterName") or "app-db", cluster_args_from_config(config))

pulumi.export("dnsName", cluster.dns_name)
pulumi.export("clusterId", cluster.cluster_id)
pulumi.export("state", cluster.state)
pulumi.export("port", cluster.port)
pulumi.export("connectionUri", cluster.connection_uri)
