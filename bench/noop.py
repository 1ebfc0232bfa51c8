"""A dynamic resource that does nothing: the engine's own floor for a preview of N resources.

It lives in an importable module, so it is pickled by reference like PostgresV2Cluster, and it sits in
a component like PostgresCluster's cluster does: the same number and shape of resources.
"""

from __future__ import annotations

import uuid
from typing import Any

import pulumi
import pulumi.dynamic


class NoopProvider(pulumi.dynamic.ResourceProvider):
    serialize_as_secret_always = False

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        return pulumi.dynamic.CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        return pulumi.dynamic.DiffResult(changes=False)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(str(uuid.uuid4()), props)


class Noop(pulumi.dynamic.Resource, module="bench", name="Noop"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(NoopProvider(), name, props, opts)


class NoopComponent(pulumi.ComponentResource):
    def __init__(self, name: str, props: dict[str, Any]) -> None:
        super().__init__("bench:index:NoopComponent", name)
        self.child = Noop(name, props, pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
