"""Everything the provider does that calls the API: create, read, update, delete, and the catalog checks.

`PostgresV2ClusterProvider` imports this module when a call first needs the API, so a preview of
unchanged inputs runs check and diff without loading requests and pydantic. Each entry point opens a
client for the call (credentials as configured now) and lets no API or configuration error leave as a
traceback: they become a `ProviderError` that says what failed.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from pulumi.dynamic import CheckFailure
from pydantic import ValidationError

from . import checks, creating, deleting, updating
from .api import ApiError, ConfigurationError
from .config import StackConfig
from .diffing import decide
from .errors import ProviderError
from .inputs import from_engine, in_place_restore_target, timeout_seconds
from .outputs import inputs_from_outputs, outputs
from .progress import report
from .sdk_server import concurrency
from .settings import client_for

P = ParamSpec("P")
R = TypeVar("R")
# At most IONOS_PG_MAX_CONCURRENCY operations call the API at once (the SDK's server is widened to match).
_SLOTS = threading.BoundedSemaphore(concurrency())


def reported(operation: str, slot: bool = True) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """An operation that calls the API: it takes one of the slots (`slot`), and its API and configuration
    errors leave as a ProviderError that names the operation."""

    def wrap(call: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(call)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                with _SLOTS if slot else contextlib.nullcontext():
                    return call(*args, **kwargs)
            except (ApiError, ConfigurationError) as exc:
                raise ProviderError(f"{operation}: {exc}") from None
            except ValidationError as exc:  # inputs check let through, refused by the request models
                raise ProviderError(f"{operation}: the inputs do not make a valid request: {exc}") from None

        return run

    return wrap


@reported("checking the inputs failed", slot=False)  # reads a catalog fetched once: never held back
def catalog_failures(
    inputs: Mapping[str, Any], olds: Mapping[str, Any], config: StackConfig
) -> list[CheckFailure]:
    return checks.catalog_failures(inputs, olds, config)


@reported("creating the cluster failed")
def create(props: Mapping[str, Any], config: StackConfig) -> tuple[str, dict[str, Any]]:
    inputs = from_engine(props)
    with client_for(inputs["location"], config) as client:
        cluster = creating.create(client, inputs)
    report(f"cluster {inputs['name']!r} ({cluster.id}) is AVAILABLE at {cluster.metadata.dns_name}")
    return cluster.id, outputs(cluster, inputs)


@reported("reading the cluster failed")
def read(cluster_id: str, props: Mapping[str, Any], config: StackConfig) -> tuple[str, dict[str, Any], Any]:
    """The cluster as it is now; ("", {}, None) when it is gone (or going)."""
    old = from_engine(props)
    with client_for(old["location"], config) as client:
        try:
            cluster = client.get_cluster(cluster_id)
        except ApiError as exc:
            if exc.is_not_found:
                return "", {}, None
            raise ProviderError(f"cannot read cluster {cluster_id}: {exc}") from None
    if cluster.state == "DESTROYING":
        return "", {}, None
    outs = outputs(cluster, old)
    return cluster_id, outs, inputs_from_outputs(outs)


@reported("updating the cluster failed")
def update(
    cluster_id: str, olds: Mapping[str, Any], news: Mapping[str, Any], config: StackConfig
) -> dict[str, Any]:
    inputs = from_engine(news)
    decision = decide(from_engine(olds), inputs)
    restore_to = in_place_restore_target(inputs) if decision.in_place_restore else None
    only_the_restore = decision.changed == ["restore_from_backup"] and not decision.repair
    with client_for(inputs["location"], config) as client:
        cluster = updating.update(
            client, cluster_id, inputs, restore_to, decision.touches_the_cluster, only_the_restore
        )
    return outputs(cluster, inputs)


@reported("deleting the cluster failed")
def delete(cluster_id: str, props: Mapping[str, Any], config: StackConfig) -> None:
    with client_for(props["location"], config) as client:
        deleting.delete_and_wait(client, cluster_id, timeout_seconds(props, "delete"))
