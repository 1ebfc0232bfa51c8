"""An application's stack: it finds its database through the basic example's stack outputs."""

import pulumi

config = pulumi.Config()
# On a file backend the full name is organization/<project>/<stack>; on Pulumi Cloud, <org>/<project>/<stack>.
producer = pulumi.StackReference(
    config.get("producerStack") or f"organization/ionos-postgres-basic/{pulumi.get_stack()}"
)
database = config.get("database") or "app"
host = producer.require_output("dnsName")
# Pulumi's numbers are floats: the producer's port (5432) arrives here as 5432.0. Read it as the integer
# it is; str() of the float would write 5432.0 into the URL.
port = producer.require_output("port").apply(int)
endpoint = pulumi.Output.concat(host, ":", port.apply(str))
jdbc_url = pulumi.Output.concat("jdbc:postgresql://", endpoint, "/", database)

pulumi.export("databaseHost", host)
pulumi.export("databasePort", port)
pulumi.export("databaseEndpoint", endpoint)
pulumi.export("jdbcUrl", jdbc_url)
