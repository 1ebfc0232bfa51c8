"""The dynamic provider behind `PostgresV2Cluster`: the SDK's interface, handing over to the modules.

Pulumi pickles an instance of this class into the state by reference (module and class name only), so
the pickle holds nothing: the stack configuration `configure` receives stays on the instance in the
provider process and is left out of its pickled form. check and diff are pure (`validation`, `diffing`);
whatever calls the API lives in `lifecycle`, imported on first use: the one place where the preview's
provider process would load requests and pydantic.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from . import secret_filter
from .config import StackConfig
from .engine import handover, server
from .engine.calls import the_call
from .errors import for_the_engine
from .progress import warn
from .rules import diffing, validation
from .rules.inputs import from_engine, normalize


@functools.cache
def _lifecycle() -> ModuleType:
    from .lifecycle import operations

    return operations


class PostgresV2ClusterProvider(ResourceProvider):
    # Nothing secret is ever pickled: the state can show the provider reference in plain text.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        self._config = StackConfig()

    def __getstate__(self) -> dict[str, Any]:
        return {}  # the stack configuration belongs to the provider process, never to the state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._config = StackConfig()

    def configure(self, req: ConfigureRequest) -> None:
        self._config = StackConfig.from_values(req.config.get)
        secret_filter.remember(self._config.token)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, old_inputs = normalize(news), from_engine(olds)
        call = the_call("checking the inputs")
        if old_inputs and call is not None:  # for a replacement's second check
            handover.remember_old_cluster(call.urn, call.old_outputs().get("cluster_id"))
        failures = [CheckFailure(v.field, v.reason()) for v in validation.violations(inputs, old_inputs)]
        if not failures and _needs_the_service(inputs, old_inputs):
            failures = _lifecycle().service_failures(inputs, old_inputs, self._config)
        shown = [
            for_the_engine(CheckFailure(f.property, secret_filter.hidden(f.reason, news, olds)))
            for f in failures
        ]
        return CheckResult(inputs, shown)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old_outputs, new_inputs = from_engine(olds), from_engine(news)
        decision = diffing.decide(old_outputs, new_inputs)
        server.detail_the_diff(decision.detailed())
        for disruption in diffing.disruptions(old_outputs, new_inputs, decision):
            warn(disruption)
        return DiffResult(
            changes=decision.changes,
            replaces=decision.replaces,
            delete_before_replace=decision.delete_before_replace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        cluster_id, outs = _lifecycle().create(props, self._config)
        return CreateResult(cluster_id, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        cluster_id, outs, inputs = _lifecycle().read(id_, props, self._config)
        return ReadResult(cluster_id, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_lifecycle().update(id_, olds, news, self._config))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _lifecycle().delete(id_, props, self._config)


def _needs_the_service(inputs: dict[str, Any], olds: dict[str, Any]) -> bool:
    """Only new values need the service: unchanged ones were accepted by it already."""
    keys = ("location", "version", "backup_location", "restore_from_backup")
    return any(inputs.get(key) != olds.get(key) for key in keys)


server.adjust()
