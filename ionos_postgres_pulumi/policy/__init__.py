"""A CrossGuard policy pack for production clusters, shipped with the package.

    pulumi preview --policy-pack "$(python -m ionos_postgres_pulumi.policy)"

`rules` holds the decisions (plain functions), `policies` the pack's policies with their settings,
`pack` serves them through pulumi-policy, and `launcher` writes the folder the CLI is pointed at.
docs/policy.md describes each policy and its configuration.
"""
