"""The rules of `policies` as a pulumi-policy pack, served to the Pulumi CLI.

`serve()` is what the pack's `__main__.py` runs when `pulumi preview --policy-pack DIR` starts it (see
`launcher`): it prints the port of its gRPC server and serves until the CLI is done.

Two things pulumi-policy does not do for us. It passes a policy whose value is unknown at preview (computed
from a resource not made yet) with an advisory note, whatever the policy's level: here a policy that cannot
decide reports a violation of its own level, so a mandatory one fails the preview (the gate fails closed). And
it takes any configuration the CLI sends: here the configuration is checked (`configuration`) when the CLI
hands it over, before any policy runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import grpc
from google.protobuf import json_format
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from .configuration import configuration_problems
from .policies import PACK_NAME, all_rules
from .rules import MANDATORY, RESOURCE_TYPE, Cluster, Rule


def as_policy(rule: Rule) -> ResourceValidationPolicy:
    """One rule as a policy that looks only at clusters (those of `PostgresCluster` included: its
    child is a PostgresV2Cluster)."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != RESOURCE_TYPE:
            return
        cluster = Cluster(args.name, args.props, protect=bool(args.opts.protect))
        try:
            messages = rule.check(cluster, rule.configured(args.get_config()))
        except UnknownValueError as unknown:
            messages = [undecided(rule, cluster, ".".join(unknown.props))]
        for message in messages:
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


def undecided(rule: Rule, cluster: Cluster, path: str) -> str:
    """The violation of a policy that cannot decide: at the policy's level, so a mandatory one fails."""
    return (
        f"PostgresV2Cluster {cluster.resource!r}: {path} is not known at preview (it is computed from a "
        f"resource that is not made yet), so {rule.name} cannot decide, and it does not pass what it cannot "
        f"see. Make {path} known at preview (a literal or a configuration value, or `pulumi up` the resource "
        f"it comes from first), or lower this policy's level with --policy-pack-config, such as "
        f'{{"{rule.name}": "advisory"}}'
    )


def checked_configuration(rules: Sequence[Rule], servicer: type[Any]) -> type[Any]:
    """pulumi-policy's analyzer, refusing a configuration `configuration_problems` finds wrong when the CLI
    hands it over (`Configure`), which fails the preview before any resource is analyzed."""

    class CheckedConfiguration(servicer):  # type: ignore[misc]
        def Configure(self, request: Any, context: grpc.ServicerContext) -> Any:
            given = {
                name: json_format.MessageToDict(c.properties) for name, c in request.policyConfig.items()
            }
            problems = configuration_problems(rules, given)
            if problems:
                said = "; ".join(problems)
                context.abort(
                    grpc.StatusCode.INVALID_ARGUMENT, f"the pack's configuration is refused: {said}"
                )
            return super().Configure(request, context)

    return CheckedConfiguration


def serve(rules: Sequence[Rule] | None = None) -> None:
    """Serve the pack (never returns while the CLI needs it)."""
    rules = rules or all_rules()
    # PolicyPack builds its analyzer from this module attribute and serves at once: there is no other way in.
    analyzer: Any = importlib.import_module("pulumi_policy.policy")
    analyzer._PolicyAnalyzerServicer = checked_configuration(rules, analyzer._PolicyAnalyzerServicer)
    PolicyPack(
        name=PACK_NAME,
        policies=[as_policy(rule) for rule in rules],
        description="Guardrails for IONOS PostgreSQL clusters in production (ionos-postgres-pulumi).",
    )
