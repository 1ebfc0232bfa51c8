"""The rules of `policies` as a pulumi-policy pack, served to the Pulumi CLI.

`serve()` is what the pack's `__main__.py` runs when `pulumi preview --policy-pack DIR` starts it (see
`launcher`): it prints the port of its gRPC server and serves until the CLI is done.
"""

from __future__ import annotations

from collections.abc import Sequence

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .policies import PACK_NAME, all_rules
from .rules import MANDATORY, RESOURCE_TYPE, Cluster, Rule


def as_policy(rule: Rule) -> ResourceValidationPolicy:
    """One rule as a policy that looks only at clusters (those of `PostgresCluster` included: its
    child is a PostgresV2Cluster)."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != RESOURCE_TYPE:
            return
        cluster = Cluster(args.name, args.props, protect=bool(args.opts.protect))
        for message in rule.check(cluster, rule.configured(args.get_config())):
            report_violation(message, None)

    level = EnforcementLevel.MANDATORY if rule.enforcement == MANDATORY else EnforcementLevel.ADVISORY
    schema = PolicyConfigSchema(properties={k: dict(v) for k, v in rule.settings.items()})
    return ResourceValidationPolicy(
        rule.name,
        rule.description,
        validate,
        enforcement_level=level,
        config_schema=schema if rule.settings else None,
    )


def serve(rules: Sequence[Rule] | None = None) -> None:
    """Serve the pack (never returns while the CLI needs it)."""
    PolicyPack(
        name=PACK_NAME,
        policies=[as_policy(rule) for rule in (rules or all_rules())],
        description="Guardrails for IONOS PostgreSQL clusters in production (ionos-postgres-pulumi).",
    )
