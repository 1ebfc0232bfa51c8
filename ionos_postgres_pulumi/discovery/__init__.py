"""`ionos-pg-discover`: clusters that already run, written as a Pulumi program that adopts them.

`pulumi import` cannot import dynamic resources, so a cluster made in the console, by Terraform or by
ionosctl comes under Pulumi through `adopt_existing_id`. This finds the clusters of one region or of all
(`cli`) and writes each one's current settings as a `PostgresV2Cluster` declaration (`program`), so that
`pulumi up` adopts them and the next `pulumi preview` shows no change.
"""
