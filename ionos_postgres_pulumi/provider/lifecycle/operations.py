"""Everything the provider does that calls the API: create, read, update, delete, and the catalog checks.

`PostgresV2ClusterProvider` imports this module when a call first needs the API, so a preview of
unchanged inputs runs check and diff without loading requests and pydantic. Each entry point opens a
client for the call (credentials as configured now) and lets no API or configuration error leave as a
traceback: they become a `ProviderError` that says what failed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from pulumi.dynamic import CheckFailure
from pydantic import ValidationError

from ..api import ApiError, ConfigurationError
from ..config import StackConfig
from ..engine.calls import EngineCall, current_call, fail_keeping, the_call
from ..engine.internals import HIDDEN_INPUTS, INTERNALS, PARTIAL_CREATE
from ..engine.server import concurrency
from ..errors import ProviderError
from ..progress import report
from ..rules.diffing import decide
from ..rules.inputs import from_engine
from ..rules.outputs import inputs_from_outputs, outputs
from ..rules.spec import ClusterSpec
from ..secret_filter import hidden
from . import checks, creating, deleting, identity, journal, updating
from .clients import after_a_rotation, client_for

P = ParamSpec("P")
R = TypeVar("R")
# At most IONOS_PG_MAX_CONCURRENCY operations call the API at once (the SDK's server is widened to match).
_SLOTS = threading.BoundedSemaphore(concurrency())


def reported(operation: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """An operation whose API and configuration errors leave as a ProviderError that names it."""

    def wrap(call: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(call)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return call(*args, **kwargs)
            except ApiError as exc:
                raise ProviderError(f"{operation}: {exc}{after_a_rotation(exc)}") from None
            except ConfigurationError as exc:
                raise ProviderError(f"{operation}: {exc}") from None
            except ValidationError as exc:  # inputs check let through, refused by the request models
                raise ProviderError(f"{operation}: the inputs do not make a valid request: {exc}") from None

        return run

    return wrap


def in_a_slot(call: Callable[P, R]) -> Callable[P, R]:
    """An operation that waits for one of the IONOS_PG_MAX_CONCURRENCY slots before it calls the API."""

    @functools.wraps(call)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with _SLOTS:
            return call(*args, **kwargs)

    return run


@reported("checking the inputs failed")  # no slot: it reads a catalog fetched once, never held back
def service_failures(
    inputs: dict[str, Any], olds: Mapping[str, Any], config: StackConfig
) -> list[CheckFailure]:
    """The service's failures; the hidden inputs the checks set (a replacement's) go into `inputs`, which
    the engine stores."""
    call = current_call()
    change = checks.Change.of(inputs, olds, call.old_outputs() if call is not None else {})
    failures = checks.service_failures(change, call.urn if call else "", config)
    inputs.update(change.spec.stored.to_engine())
    return failures


@reported("creating the cluster failed")
@in_a_slot
def create(props: Mapping[str, Any], config: StackConfig) -> tuple[str, dict[str, Any]]:
    inputs = from_engine(props)
    spec = ClusterSpec.of(inputs)
    INTERNALS.require(f"creating cluster {spec.name!r}", HIDDEN_INPUTS, PARTIAL_CREATE)
    call = the_call("creating a cluster")
    try:
        with client_for(spec.place, config) as client:
            cluster = creating.create(client, spec)
    except creating.ClusterKept as kept:
        raise _kept_in_the_state(kept, inputs, spec, call) from None
    report(f"cluster {spec.cluster_name!r} ({cluster.id}) is AVAILABLE at {cluster.metadata.dns_name}")
    return cluster.id, outputs(cluster, spec)


def _kept_in_the_state(
    kept: creating.ClusterKept, inputs: dict[str, Any], spec: ClusterSpec, call: EngineCall | None
) -> ProviderError:
    """A create that failed after its cluster was made: the cluster goes into the state all the same, with
    the inputs as the engine sent them."""
    cluster = kept.cluster
    message = hidden(  # it reaches the engine in the partial-create result, past the server's filter
        f"{kept} Cluster {cluster.id} exists and is kept in the stack's state: the next `pulumi up` "
        "continues with it, and `pulumi destroy` deletes it",
        inputs,
    )
    if fail_keeping(call, cluster.id, outputs(cluster, spec), inputs, message):
        journal.handed_over(kept.key, kept.attempt)
        journal.held(kept.key, cluster.id)
        return ProviderError(message)
    return ProviderError(
        f"{kept} Cluster {cluster.id} ({cluster.name!r}) exists but is NOT in the stack's state; it is noted "
        "on this machine, so the next `pulumi up` here continues with it. Elsewhere: delete it "
        f"(DELETE /clusters/{cluster.id}), or adopt it with adopt_existing_id={cluster.id!r}"
    )


@reported("reading the cluster failed")
@in_a_slot
def read(cluster_id: str, props: Mapping[str, Any], config: StackConfig) -> tuple[str, dict[str, Any], Any]:
    """The cluster as it is now; ("", {}, None) when it is gone (or going)."""
    old = ClusterSpec.from_engine(props)
    with client_for(old.place, config) as client:
        try:
            cluster = client.get_cluster(cluster_id)
        except ApiError as exc:
            if exc.is_not_found:
                return "", {}, None
            raise ProviderError(f"cannot read cluster {cluster_id}: {exc}{after_a_rotation(exc)}") from None
        identity.held(client, old, cluster_id)  # a state holds it (a refresh, or a state edited by hand)
    if cluster.state == "DESTROYING":
        return "", {}, None
    outs = outputs(cluster, old)
    return cluster_id, outs, inputs_from_outputs(outs)


@reported("updating the cluster failed")
@in_a_slot
def update(
    cluster_id: str, olds: Mapping[str, Any], news: Mapping[str, Any], config: StackConfig
) -> dict[str, Any]:
    inputs = from_engine(news)
    spec = ClusterSpec.of(inputs)
    plan = updating.UpdatePlan.of(decide(from_engine(olds), inputs), spec)
    with client_for(spec.place, config) as client:
        identity.held(client, spec, cluster_id)
        cluster = updating.update(client, cluster_id, spec, plan)
    return outputs(cluster, spec)


@reported("deleting the cluster failed")
@in_a_slot
def delete(cluster_id: str, props: Mapping[str, Any], config: StackConfig) -> None:
    old = ClusterSpec.from_engine(props)
    if old.deletion_protection is True and old.stored.engine_protects is not True:
        raise ProviderError(_protected(cluster_id, old, current_call()))  # the engine does not guard it
    with client_for(old.place, config) as client:
        identity.held(client, old, cluster_id)  # a state held it: no note proves it any longer
        try:
            deleting.delete_and_wait(client, cluster_id, old.timeout_seconds("delete"))
        finally:
            identity.REGIONS.changed(client)


def _protected(cluster_id: str, old: ClusterSpec, call: EngineCall | None) -> str:
    """Advice that, followed, deletes this cluster and nothing else: `pulumi up --target` changes this
    resource only (a plain `pulumi up` would create again what this destroy deleted already)."""
    urn = (
        call.urn
        if call is not None and call.urn
        else "<this resource's URN, from `pulumi stack --show-urns`>"
    )
    return (
        f"cluster {old.name!r} ({cluster_id}) has deletion_protection on, so it was not deleted. To "
        "delete it, turn the protection off for this resource alone: with the resource in the program and "
        f"deletion_protection=False, run `pulumi up --target '{urn}'`; then run the destroy (or the removal) "
        "again"
    )
