"""An application's stack: it finds its database through the basic example's stack outputs."""

import pulumi

config = pulumi.Config()
# On a file backend the full name is organization/<project>/<stack>; on Pulumi Cloud, <org>/<project>/<stack>.
producer = pulumi.StackReference(
    config.get("producerStack") or f"organization/ionos-postgres-basic/{pulumi.get_stack()}"
)
database = config.get("database") or "app"
host = producer.require_output("dnsName")
port = producer.require_output("port").apply(lambda value: str(int(value)))
endpoint = pulumi.Output.concat(host, ":", port)
jdbc_url = pulumi.Output.concat("jdbc:postgresql://", endpoint, "/", database)

pulumi.export("databaseHost", host)
pulumi.export("databaseEndpoint", endpoint)
pulumi.export("jdbcUrl", jdbc_url)
