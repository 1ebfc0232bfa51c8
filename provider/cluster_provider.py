"""The dynamic provider behind `PostgresV2Cluster`: check, diff, create, read, update, delete.

Pulumi pickles an instance of this class into the state by reference (module and class name only),
so the instance holds nothing: credentials are read when a call runs (see `settings`), and a client
is built per call. Up to four calls run at once on the SDK's threads.

Safety rules it keeps:
- create never makes a second cluster: it looks for its cluster by exact name (and matching network
  and backup location) before a POST, and after a POST whose answer was lost;
- a create that times out keeps the cluster and the next `pulumi up` continues with it; one that ends
  FAILED deletes it, so nothing is left that the stack does not track;
- update waits until the cluster accepts changes, always PUTs the whole cluster with its credentials,
  and waits until the change has started and finished;
- delete treats "already gone" as done and never deletes twice.
"""

from __future__ import annotations

import functools
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

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

from .errors import ProviderError

if TYPE_CHECKING:
    from .api import PostgresClient
    from .api.models import ClusterRead
    from .lookups import Catalog
    from .waiting import PollSchedule

BUSY = ("PROVISIONING", "UPDATING")


F = TypeVar("F", bound=Callable[..., Any])


def _reported(operation: str) -> Callable[[F], F]:
    """API and configuration errors leave a provider method as a ProviderError that says what failed."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def run(*args: Any) -> Any:
            from .api import ApiError, ConfigurationError

            try:
                return method(*args)
            except (ApiError, ConfigurationError) as exc:
                raise ProviderError(f"{operation}: {exc}") from None
            except ValueError as exc:
                from pydantic import ValidationError

                if not isinstance(exc, ValidationError):
                    raise
                # inputs that check let through but the API's models refuse (inputs are hidden in it)
                raise ProviderError(f"{operation}: the inputs do not make a valid request: {exc}") from None

        return run  # type: ignore[return-value]

    return wrap


class PostgresV2ClusterProvider(ResourceProvider):
    # Nothing secret is ever pickled: the state can show the provider reference in plain text.
    serialize_as_secret_always = False

    # Test and benchmark hooks; class attributes, so instances stay empty when pickled.
    schedule: PollSchedule | None = None
    sleep: Callable[[float], None] = staticmethod(time.sleep)
    change_grace_seconds: float = 15.0
    lookup_attempts: int = 3

    def configure(self, req: ConfigureRequest) -> None:
        from . import settings

        settings.remember_stack_config(
            {key: req.config.get(key) for key in (settings.CONFIG_TOKEN, settings.CONFIG_ENDPOINT)}
        )

    # -- check and diff (preview) ----------------------------------------------------------------

    @_reported("checking the inputs failed")
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from . import spec

        inputs = spec.normalize(news)
        old_inputs = spec.from_engine(olds)
        found = spec.violations(inputs, old_inputs)
        failures = [CheckFailure(v.field, v.reason()) for v in found]
        catalog_keys = ("location", "version", "backup_location", "restore_from_backup")
        if not failures and any(inputs.get(k) != old_inputs.get(k) for k in catalog_keys):
            # Only new values need the catalog: unchanged ones were accepted by the service already,
            # so a preview of an unchanged stack asks the API nothing.
            failures = self._catalog_failures(inputs, old_inputs)
        return CheckResult(inputs, failures)

    def _catalog_failures(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> list[CheckFailure]:
        """The inputs against the service's catalog and the backup to restore from (reads only)."""
        from . import lookups, settings
        from .api import ApiError, ConfigurationError, MissingCredentialsError

        location, version, backup_location = (
            inputs.get(k) for k in ("location", "version", "backup_location")
        )
        if not (isinstance(location, str) and isinstance(version, str) and isinstance(backup_location, str)):
            return []  # unknown during a preview: checked once known
        try:
            with settings.client_for(location) as client:
                known = lookups.catalog(client)
                failures = self._failures_against(known, client.region, inputs, olds)
                return failures + self._restore_source_failures(client, inputs, location)
        except MissingCredentialsError as exc:
            return [CheckFailure(settings.CONFIG_TOKEN, str(exc))]
        except ApiError as exc:
            if exc.http_status in (401, 403):
                return [CheckFailure(settings.CONFIG_TOKEN, f"was refused by the API: {exc}")]
            raise ProviderError(f"could not check the inputs against the service's catalog: {exc}") from None
        except ConfigurationError as exc:
            raise ProviderError(f"could not check the inputs against the service's catalog: {exc}") from None

    @staticmethod
    def _failures_against(
        known: Catalog, region: str, inputs: Mapping[str, Any], olds: Mapping[str, Any]
    ) -> list[CheckFailure]:
        """Version, upgrade path and backup location against what the service offers."""
        from . import spec
        from .api.rules import upgrade_path_violation

        version, backup_location = inputs["version"], inputs["backup_location"]
        failures = []
        offered = known.version(version)
        if offered is None:
            names = ", ".join(known.version_names())
            failures.append(CheckFailure("version", f"{version!r} is not offered; use one of {names}"))
        old_version = olds.get("version")
        replacing = spec.replaces_the_cluster(olds, inputs)
        if offered and isinstance(old_version, str) and old_version != version and not replacing:
            current = known.version(old_version)
            allowed = list(current.can_upgrade_to) if current else []
            violation = upgrade_path_violation(old_version, version, allowed, "version")
            if violation:
                failures.append(CheckFailure("version", violation.reason()))
        if backup_location not in known.backup_locations:
            names = ", ".join(known.backup_locations)
            failures.append(
                CheckFailure(
                    "backup_location",
                    f"{backup_location!r} is not a backup location of {region}; use one of {names}",
                )
            )
        return failures

    @staticmethod
    def _restore_source_failures(
        client: PostgresClient, inputs: Mapping[str, Any], location: str
    ) -> list[CheckFailure]:
        """A cluster made from a backup replaces the old one first: its backup must exist, before that."""
        from . import spec
        from .api import ApiError, rules

        restore = inputs.get("restore_from_backup") or {}
        source, when = restore.get("source_backup_id"), restore.get("recovery_target_datetime")
        if not isinstance(source, str):
            return []
        field = "restore_from_backup.source_backup_id"
        try:
            backup = client.get_backup(source)
        except ApiError as exc:
            if exc.is_not_found:
                return [CheckFailure(field, f"{source!r} is not a backup in {location}")]
            raise ProviderError(f"could not check the backup to restore from: {exc}") from None
        earliest = _moment(backup.properties.earliest_recovery_target_time)
        latest = _moment(backup.properties.latest_recovery_target_time)
        if isinstance(when, str) and not spec.is_unknown(when):
            moment = rules.parse_timestamp(when)
            too_early = earliest is not None and moment < earliest.replace(microsecond=0)
            too_late = latest is not None and moment > latest
            if too_early or too_late:
                window = f"{earliest} to {latest or 'now'}"
                return [
                    CheckFailure(
                        "restore_from_backup.recovery_target_datetime",
                        f"{when!r} is outside the recovery window of backup {source} ({window})",
                    )
                ]
        return []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        from . import diffing, spec

        decision = diffing.decide(spec.from_engine(olds), spec.from_engine(news))
        return DiffResult(
            changes=decision.changes,
            replaces=decision.replaces,
            delete_before_replace=decision.delete_before_replace,
        )

    # -- create ---------------------------------------------------------------------------------

    @_reported("creating the cluster failed")
    def create(self, props: dict[str, Any]) -> CreateResult:
        from . import settings, spec

        inputs = spec.from_engine(props)
        name = inputs["name"]
        with settings.client_for(inputs["location"]) as client:
            adopt = inputs.get("adopt_existing_id")
            if adopt:
                # An adopted cluster is never deleted here, even FAILED: the desired state is applied to it.
                cluster = self._adopt(client, adopt, inputs)
                cluster = self._wait_settled(
                    client, cluster.id, inputs, spec.timeout_seconds(inputs, "create")
                )
                cluster = self._apply(client, cluster, inputs, restore_to=None)
            else:
                cluster, created_at = self._find_or_create(client, inputs)
                cluster = self._wait_available(
                    client,
                    cluster,
                    inputs,
                    spec.timeout_seconds(inputs, "create"),
                    "provisioning",
                    create=True,
                    learn=("create", created_at) if created_at is not None else None,
                )
                if created_at is None:
                    # Made by an earlier attempt, perhaps with other inputs (a password cannot be read
                    # back to compare): bring it to the desired state. The PUT is safe to repeat.
                    cluster = self._apply(client, cluster, inputs, restore_to=None)
            _report(f"cluster {name!r} ({cluster.id}) is AVAILABLE at {cluster.metadata.dns_name}")
            return CreateResult(cluster.id, spec.outputs(cluster, inputs))

    def _adopt(self, client: PostgresClient, cluster_id: str, inputs: Mapping[str, Any]) -> ClusterRead:
        from .api import ApiError

        try:
            cluster = client.get_cluster(cluster_id)
        except ApiError as exc:
            if exc.is_not_found:
                raise ProviderError(
                    f"adopt_existing_id: there is no cluster {cluster_id} in {client.region}; check the id "
                    "and the location"
                ) from None
            raise ProviderError(f"cannot read cluster {cluster_id} to adopt it: {exc}") from None
        _report(f"adopting cluster {cluster.name!r} ({cluster.id}); its settings will follow the program")
        return cluster

    def _find_or_create(
        self, client: PostgresClient, inputs: Mapping[str, Any]
    ) -> tuple[ClusterRead, float | None]:
        """The cluster to wait for, and when it was created if this call created it."""
        from . import spec
        from .api import ApiError

        existing = self._find_own(client, inputs)
        if existing is not None and existing.state == "FAILED":
            _report(
                f"cluster {existing.name!r} ({existing.id}) from an earlier attempt is FAILED; deleting it"
            )
            self._delete_and_wait(client, existing.id, spec.timeout_seconds(inputs, "delete"))
            existing = None
        if existing is not None:
            _report(
                f"found cluster {existing.name!r} ({existing.id}, {existing.state}) from an earlier attempt; "
                "continuing with it instead of creating another"
            )
            return existing, None
        posted_at = time.monotonic()
        try:
            created = client.create_cluster(spec.create_properties(inputs))
        except ApiError as exc:
            if exc.http_status is not None and 400 <= exc.http_status < 500:
                raise ProviderError(f"cluster {inputs['name']!r} was not created: {exc}") from None
            # No answer, a 5xx, or a 2xx we could not read: the POST may have been carried out.
            for attempt in range(self.lookup_attempts):
                found = self._find_own(client, inputs)
                if found is not None:
                    _report(f"the create request lost its answer, but cluster {found.id} exists; continuing")
                    return found, posted_at  # made by this very request, with these inputs
                self.sleep(min(8.0, 0.5 * 2**attempt))
            raise ProviderError(
                f"cluster {inputs['name']!r} was not created: {exc}; no cluster of that name exists, so "
                "running `pulumi up` again is safe"
            ) from None
        _report(f"creating cluster {created.name!r} ({created.id}) in {client.region}")
        return created, time.monotonic()

    def _find_own(self, client: PostgresClient, inputs: Mapping[str, Any]) -> ClusterRead | None:
        """The cluster an earlier attempt of this create made: same name and owner mark (or, for clusters
        made without one, the same network and backup location). Anything else is somebody else's."""
        from . import spec

        name = inputs["name"]
        same_name = [c for c in client.list_clusters(name=name) if c.name == name and c.state != "DESTROYING"]
        owner = inputs.get(spec.OWNER_KEY)
        if owner:
            mine = [c for c in same_name if spec.owner_of(c.properties.description) == owner]
        else:
            mine = [
                c
                for c in same_name
                if not spec.owner_of(c.properties.description) and _same_identity(c, inputs)
            ]
        if len(mine) == 1:
            return mine[0]
        if len(mine) > 1:
            ids = ", ".join(c.id for c in mine)
            raise ProviderError(
                f"several clusters named {name!r} in {client.region} match this resource ({ids}); "
                "choose one with adopt_existing_id"
            )
        if same_name:
            others = ", ".join(
                f"{c.id} ({_made_by(spec.owner_of(c.properties.description))})" for c in same_name
            )
            raise ProviderError(
                f"a cluster named {name!r} already exists in {client.region}: {others}. This resource does "
                "not take it over: give it another name, or adopt that cluster with adopt_existing_id"
            )
        return None

    # -- read -----------------------------------------------------------------------------------

    @_reported("reading the cluster failed")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from . import settings, spec
        from .api import ApiError

        old = spec.from_engine(props)
        with settings.client_for(old["location"]) as client:
            try:
                cluster = client.get_cluster(id_)
            except ApiError as exc:
                if exc.is_not_found:
                    return ReadResult("", {})
                raise ProviderError(f"cannot read cluster {id_}: {exc}") from None
        if cluster.state == "DESTROYING":
            return ReadResult("", {})
        outs = spec.outputs(cluster, old)
        return ReadResult(id_, outs, spec.inputs_from_outputs(outs))

    # -- update ---------------------------------------------------------------------------------

    @_reported("updating the cluster failed")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from . import diffing, settings, spec

        inputs = spec.from_engine(news)
        decision = diffing.decide(spec.from_engine(olds), inputs)
        # The update timeout covers the whole update: waiting until the cluster accepts it, and applying it.
        deadline = time.monotonic() + spec.timeout_seconds(inputs, "update")
        with settings.client_for(inputs["location"]) as client:
            cluster = self._wait_settled(client, id_, inputs, deadline - time.monotonic())
            if decision.touches_the_cluster:
                restore_to = None
                if decision.in_place_restore:
                    restore_to = (inputs.get("restore_from_backup") or {}).get("recovery_target_datetime")
                cluster = self._apply(client, cluster, inputs, restore_to, deadline)
            return UpdateResult(spec.outputs(cluster, inputs))

    def _apply(
        self,
        client: PostgresClient,
        before: ClusterRead,
        inputs: Mapping[str, Any],
        restore_to: str | None,
        deadline: float | None = None,
    ) -> ClusterRead:
        """PUT the whole desired cluster (credentials always) and wait until the change is done, by
        `deadline` (default: the update timeout from now)."""
        from . import spec
        from .api import ApiError

        if deadline is None:
            deadline = time.monotonic() + spec.timeout_seconds(inputs, "update")
        desired = spec.ensure_properties(inputs, restore_to)
        while True:
            try:
                answer = client.ensure_cluster(before.id, desired, once=bool(restore_to))
                break
            except ApiError as exc:
                if restore_to and (exc.is_conflict or exc.http_status is None or exc.http_status >= 500):
                    # The restore may have started (its answer lost); sending it again could restore twice.
                    raise ProviderError(
                        f"the in-place restore of cluster {before.name!r} ({before.id}) to {restore_to} got "
                        f"no clear answer ({exc}); it may be running. It is not sent again by itself: check "
                        "the cluster's data once it is AVAILABLE; run `pulumi up` again only to restore again"
                    ) from None
                if exc.is_conflict and time.monotonic() < deadline:
                    _report(f"cluster {before.name!r} is busy; waiting before applying the change")
                    before = self._wait_settled(
                        client, before.id, inputs, max(1.0, deadline - time.monotonic())
                    )
                    continue
                if exc.is_not_found:
                    raise _gone(before.id, "being updated") from None
                raise ProviderError(f"cluster {before.name!r} ({before.id}) was not changed: {exc}") from None
        _report(f"applying the change to cluster {before.name!r} ({before.id})")
        started = answer.state != "AVAILABLE"
        first_seen = time.monotonic()
        kind = "restore" if restore_to else "update"

        def finished(cluster: ClusterRead) -> bool:
            nonlocal started
            if cluster.state == "FAILED":
                raise _failed(cluster, "while applying the change")
            if cluster.state in BUSY:
                started = True
                return False
            if cluster.state != "AVAILABLE":
                raise ProviderError(f"cluster {cluster.id} went to {cluster.state} while being updated")
            return (
                started
                or cluster.metadata.last_modified_date != before.metadata.last_modified_date
                or time.monotonic() - first_seen >= self.change_grace_seconds
            )

        updated: ClusterRead = self._poll(
            client,
            before.id,
            finished,
            max(1.0, deadline - time.monotonic()),
            "updating",
            learn=(kind, first_seen) if started else None,
        )
        return updated

    # -- delete ---------------------------------------------------------------------------------

    @_reported("deleting the cluster failed")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        from . import settings, spec

        with settings.client_for(props["location"]) as client:
            self._delete_and_wait(client, id_, spec.timeout_seconds(props, "delete"))

    def _delete_and_wait(self, client: PostgresClient, cluster_id: str, timeout: float) -> None:
        from .api import ApiError

        deadline = time.monotonic() + timeout
        deleted_at: float | None = None
        while True:
            try:
                current = client.get_cluster(cluster_id)
            except ApiError as exc:
                if exc.is_not_found:
                    return
                raise ProviderError(f"cannot read cluster {cluster_id} to delete it: {exc}") from None
            if current.state == "DESTROYING":
                break  # someone asked already: wait, never delete twice
            try:
                client.delete_cluster(cluster_id)
                deleted_at = time.monotonic()
                break
            except ApiError as exc:
                if exc.is_not_found:
                    return
                if exc.is_conflict and time.monotonic() < deadline:
                    self._wait_settled(client, cluster_id, {}, max(1.0, deadline - time.monotonic()))
                    continue
                raise ProviderError(f"cluster {cluster_id} was not deleted: {exc}") from None
        _report(f"deleting cluster {current.name!r} ({cluster_id})")
        self._poll(
            client,
            cluster_id,
            lambda c: c is None,
            max(1.0, deadline - time.monotonic()),
            "deleting",
            learn=("delete", deleted_at) if deleted_at is not None else None,
        )

    # -- waiting --------------------------------------------------------------------------------

    def _wait_available(
        self,
        client: PostgresClient,
        cluster: ClusterRead,
        inputs: Mapping[str, Any],
        timeout: float,
        doing: str,
        create: bool = False,
        learn: tuple[str, float] | None = None,
    ) -> ClusterRead:
        def available(current: ClusterRead) -> bool:
            if current.state == "FAILED":
                if not create:
                    raise _failed(current, f"while {doing}")
                self._discard_failed(client, current, inputs)
                raise ProviderError(
                    f"{_failed(current, f'while {doing}')}. It was deleted, so nothing is left outside the "
                    "stack's state; fix the cause and run `pulumi up` again"
                )
            if current.state == "DESTROYING":
                raise ProviderError(
                    f"cluster {current.id} is being deleted by someone else; it cannot be used"
                )
            return current.state == "AVAILABLE"

        if available(cluster):
            return cluster
        ready: ClusterRead = self._poll(
            client, cluster.id, available, timeout, doing, keep=create, learn=learn
        )
        return ready

    def _wait_settled(
        self, client: PostgresClient, cluster_id: str, inputs: Mapping[str, Any], timeout: float
    ) -> ClusterRead:
        """Wait until the cluster accepts a change: AVAILABLE, or FAILED (a new desired state may repair)."""

        def settled(current: ClusterRead) -> bool:
            if current.state == "DESTROYING":
                raise ProviderError(f"cluster {current.id} is being deleted; it cannot be changed")
            return current.state not in BUSY

        current: ClusterRead = self._poll(client, cluster_id, settled, timeout, "waiting for changes")
        return current

    def _poll(
        self,
        client: PostgresClient,
        cluster_id: str,
        done: Callable[[Any], bool],
        timeout: float,
        doing: str,
        keep: bool = False,
        learn: tuple[str, float] | None = None,
    ) -> Any:
        """Poll until `done`; `learn` = (transition, when it began) records how long it took."""
        from . import timings
        from .api import ApiError
        from .waiting import WaitTimeout, wait_for

        def fetch() -> ClusterRead | _Unanswered | None:
            try:
                return client.get_cluster(cluster_id)
            except ApiError as exc:
                if exc.is_not_found:
                    return None
                if exc.http_status is None or exc.http_status >= 500 or exc.http_status == 429:
                    # The client has retried already; a long wait outlives an API that is down a while.
                    return _Unanswered(str(exc))
                raise ProviderError(f"cannot read cluster {cluster_id} while {doing}: {exc}") from None

        def check(current: ClusterRead | _Unanswered | None) -> bool:
            if isinstance(current, _Unanswered):
                return False
            if current is None and doing != "deleting":
                raise _gone(cluster_id, doing)
            return done(current)

        progress = _Progress(cluster_id, doing)
        key = _timing_key(client, learn[0]) if learn else None
        try:
            result = wait_for(
                fetch,
                check,
                timeout,
                self.schedule,
                progress.poll,
                expected=timings.expected(key) if key else None,
                sleep=self.sleep,
                started=learn[1] if learn else None,
            )
        except WaitTimeout as exc:
            if isinstance(exc.last, _Unanswered):
                raise ProviderError(
                    f"cluster {cluster_id}: the API stopped answering during {_duration(exc.waited)} of "
                    f"{doing} ({exc.last.error}). Run `pulumi up` again when it answers."
                ) from None
            state = getattr(exc.last, "state", "unknown")
            advice = (
                "It is kept: the next `pulumi up` finds it by name and continues waiting instead of "
                "creating another."
                if keep
                else "Run `pulumi up` again to continue, or raise the timeouts input."
            )
            raise ProviderError(
                f"cluster {cluster_id} is still {state} after {_duration(exc.waited)} of {doing}. {advice}"
            ) from None
        if key:
            timings.record(key, result.duration_estimate)
        return result.value

    def _discard_failed(
        self, client: PostgresClient, cluster: ClusterRead, inputs: Mapping[str, Any]
    ) -> None:
        """A create that ends FAILED leaves nothing behind outside the stack's state."""
        from . import spec

        try:
            self._delete_and_wait(client, cluster.id, spec.timeout_seconds(inputs, "delete"))
        except ProviderError as exc:
            raise ProviderError(
                f"cluster {cluster.name!r} ({cluster.id}) failed while provisioning: "
                f"{cluster.metadata.status_message or 'no reason given'}; deleting it failed too ({exc}). "
                "Delete it yourself before the next `pulumi up`."
            ) from None


def _moment(value: object) -> datetime | None:
    """A timestamp of a response (tolerant parsing may have left it a string); None if absent or odd."""
    from .api.rules import parse_timestamp

    if isinstance(value, datetime):
        return value
    try:
        return parse_timestamp(str(value)) if value else None
    except ValueError:
        return None


def _made_by(owner: str | None) -> str:
    return f"managed by {owner}" if owner else "not made by this resource"


def _timing_key(client: PostgresClient, transition: str) -> str:
    """Transitions take as long as the service behind the host takes, per region and kind."""
    from urllib.parse import urlsplit

    return f"{urlsplit(client.base_url).hostname}|{client.region}|{transition}"


def _same_identity(cluster: ClusterRead, inputs: Mapping[str, Any]) -> bool:
    connection = cluster.properties.connection
    backup = cluster.properties.backup
    wanted = inputs.get("connection") or {}
    return (
        connection is not None
        and backup is not None
        and connection.datacenter_id == wanted.get("datacenter_id")
        and str(connection.lan_id) == str(wanted.get("lan_id"))
        and connection.primary_instance_address == wanted.get("primary_instance_address")
        and backup.location == inputs.get("backup_location")
    )


def _failed(cluster: ClusterRead, when: str) -> ProviderError:
    reason = cluster.metadata.status_message or "the service gave no reason"
    return ProviderError(f"cluster {cluster.name!r} ({cluster.id}) went to FAILED {when}: {reason}")


def _gone(cluster_id: str, doing: str) -> ProviderError:
    return ProviderError(
        f"cluster {cluster_id} no longer exists (it was deleted outside Pulumi while {doing}); "
        "run `pulumi refresh` to drop it from the stack, then `pulumi up` to create it again"
    )


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


class _CleanTracebacks:
    """Stands in for the `traceback` module inside the SDK's provider server (see below)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, ProviderError):
            return str(error)
        text: str = self._real.format_exc(*args, **kwargs)
        return text


def _report_errors_without_tracebacks() -> None:
    """Make the SDK's provider server report our errors as their message alone.

    Pulumi 3.272's `python -m pulumi.dynamic` sends `traceback.format_exc()` as the error of any failed
    call, so a cluster that went FAILED would reach the user as a Python traceback. Our own errors are
    written for the user; for those the server's `traceback` is swapped for one that returns the
    message. Any other exception (a bug) keeps its traceback. Does nothing outside that server.
    """
    server = sys.modules.get("__main__")
    if (
        server is not None
        and hasattr(server, "DynamicResourceProviderServicer")
        and hasattr(server, "_abort_with_traceback")
        and getattr(server, "traceback", None) is traceback
    ):
        server.traceback = _CleanTracebacks(traceback)  # type: ignore[attr-defined]


_report_errors_without_tracebacks()


def _report(message: str) -> None:
    """Progress for the person watching: the engine shows a provider's stderr under the update."""
    print(f"ionos-postgres: {message}", file=sys.stderr, flush=True)


class _Unanswered:
    """A poll that got no usable answer (5xx, 429 or no connection after the client's retries)."""

    state = "not answering"

    def __init__(self, error: str) -> None:
        self.error = error


class _Progress:
    """Reports state changes at once and a heartbeat every 30 s while waiting."""

    def __init__(self, cluster_id: str, doing: str) -> None:
        self.cluster_id = cluster_id
        self.doing = doing
        self.last_state: str | None = None
        self.last_report = 0.0

    def poll(self, current: Any, waited: float) -> None:
        state = getattr(current, "state", None) or "gone"
        if state != self.last_state or waited - self.last_report >= 30:
            _report(f"cluster {self.cluster_id}: {state}, {_duration(waited)} {self.doing}")
            self.last_state = state
            self.last_report = waited
