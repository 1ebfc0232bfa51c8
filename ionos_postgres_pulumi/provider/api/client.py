"""The endpoints of the DBaaS PostgreSQL v2 API: one method each, and pagination that always ends.

What to ask lives here; how a request travels (timeouts, retries, the rate gate, deadlines) is the
`transport`'s; what an error means and how secrets are hidden sit beside the errors. Credentials are
resolved when the client is made. A client is cheap to build and holds credentials, so it refuses to be
pickled: build one per call.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from . import fallback, models
from .auth import credential_secrets, resolve_auth
from .errors import ApiError, ResponseFormatError
from .regions import endpoint_for, normalize_region
from .throttle import RateGate
from .transport import RetryPolicy, Timeouts, Transport

MAX_PAGES = 1000
DEFAULT_PAGE_SIZE = 100

T = TypeVar("T", bound=BaseModel)


class PostgresClient:
    """A client of one region's v2 API (`location` as `de/fra` or `de-fra`).

    `sleeper` and `clock` are how the client waits and tells the time (for retries, rate limits and
    deadlines); a test passes its own to wait without waiting, with a `gate` on the same clock.
    """

    def __init__(
        self,
        location: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        api_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        env: Mapping[str, str] | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        page_size: int = DEFAULT_PAGE_SIZE,
        gate: RateGate | None = None,
        fall_back_to_env: bool = False,
        on_fall_back: Callable[[str], None] | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.page_size = page_size
        self.region = normalize_region(location)
        auth = resolve_auth(token, username, password, env)
        own_credentials = bool(token or (username and password))
        self.base_url = endpoint_for(self.region, api_url, env, own_credentials=own_credentials)
        self._new_transport = functools.partial(
            Transport,
            timeouts=timeouts or Timeouts(),
            policy=retry or RetryPolicy(),
            sleeper=sleeper,
            clock=clock,
        )
        self._gate = gate
        secrets = credential_secrets(token, username, password, env)
        self._transport = self._transport_to(self.base_url, auth, secrets)
        self.timeouts = self._transport.timeouts
        self._fallback: fallback.Fallback | None = None
        if fall_back_to_env and own_credentials:
            self._fallback = fallback.from_environment(self.region, self.base_url, token, env)
        self._before_any_request(on_fall_back)

    def _before_any_request(self, on_fall_back: Callable[[str], None] | None) -> None:
        """The state of sending before any request: no deadline, and no fallback to the environment's
        values yet (see `_send`)."""
        self._until = math.inf  # see `deadline`
        self._on_fall_back = on_fall_back
        self._switch = threading.Lock()
        self._elsewhere: Transport | None = None  # reads' and deletes' transport, once they fall back
        self.fell_back: str | None = None  # why the environment's values are in use, once they are
        self._found_there: set[str] = set()  # what they found (see `_sent_elsewhere`)

    def _transport_to(
        self, base_url: str, auth: requests.auth.AuthBase, secrets: tuple[str, ...]
    ) -> Transport:
        # the API's quota is the process's: one gate per endpoint unless the caller brought its own
        return self._new_transport(base_url, auth, secrets, gate=self._gate or RateGate.shared(base_url))

    def __repr__(self) -> str:
        return f"PostgresClient(region={self.region!r}, base_url={self.base_url!r})"

    def __reduce__(self) -> Any:
        raise TypeError("PostgresClient holds credentials and is not picklable; build one per call")

    def close(self) -> None:
        self._transport.close()
        if self._elsewhere is not None:
            self._elsewhere.close()

    def __enter__(self) -> PostgresClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def deadline(self, until: float) -> Iterator[None]:
        """Within the block, waiting out 429s ends at `until` (the client's clock), even within the budget.

        For a caller with a deadline of its own (the waiter), which it must not overrun by a rate limit.
        """
        before, self._until = self._until, min(self._until, until)
        try:
            yield
        finally:
            self._until = before

    # -- clusters -------------------------------------------------------------------------------

    def list_clusters(self, *, name: str | None = None, state: str | None = None) -> list[models.ClusterRead]:
        """All clusters of the region; `name` matches names that *contain* it, as the API does."""
        params = {"filter.name": name, "filter.state": state}
        return list(self._paginate("/clusters", models.ClusterRead, params))

    def create_cluster(self, properties: models.ClusterCreateProperties) -> models.ClusterRead:
        body = models.ClusterCreate(properties=properties)
        secrets = _passwords(properties.credentials)
        raw = self._send("POST", "/clusters", body=body.to_wire(), expect=(201, 200), secrets=secrets)
        return _parse("POST", "/clusters", models.ClusterRead, raw)

    def get_cluster(self, cluster_id: str) -> models.ClusterRead:
        return self._get(f"/clusters/{cluster_id}", models.ClusterRead)

    def ensure_cluster(
        self, cluster_id: str, properties: models.ClusterProperties, *, once: bool = False
    ) -> models.ClusterRead:
        """PUT the full desired cluster: fields left out are reset by the API, not kept.

        `once`: never repeat the PUT when its outcome is unknown (a dropped connection, a 5xx), for
        changes that must not happen twice, such as an in-place restore.
        """
        path = f"/clusters/{cluster_id}"
        body = models.ClusterEnsure(id=cluster_id, properties=properties)
        secrets = _passwords(properties.credentials)
        raw = self._send("PUT", path, body=body.to_wire(), expect=(200, 201), secrets=secrets, once=once)
        return _parse("PUT", path, models.ClusterRead, raw)

    def delete_cluster(self, cluster_id: str) -> None:
        self._send("DELETE", f"/clusters/{cluster_id}", expect=(202, 200, 204))

    # -- backups, backup locations, versions ---------------------------------------------------

    def list_backups(self, *, cluster_id: str | None = None) -> list[models.BackupRead]:
        return list(self._paginate("/backups", models.BackupRead, {"filter.clusterId": cluster_id}))

    def get_backup(self, backup_id: str) -> models.BackupRead:
        return self._get(f"/backups/{backup_id}", models.BackupRead)

    def list_backup_locations(self) -> list[models.BackupLocationRead]:
        return list(self._paginate("/backup-locations", models.BackupLocationRead, {}))

    def get_backup_location(self, location_id: str) -> models.BackupLocationRead:
        return self._get(f"/backup-locations/{location_id}", models.BackupLocationRead)

    def list_versions(self) -> list[models.PostgresVersionRead]:
        return list(self._paginate("/versions", models.PostgresVersionRead, {}))

    def get_version(self, version_id: str) -> models.PostgresVersionRead:
        return self._get(f"/versions/{version_id}", models.PostgresVersionRead)

    # -- reading answers ------------------------------------------------------------------------

    def _send(self, method: str, path: str, **request: Any) -> Any:
        """One request; with `fall_back_to_env`, a GET or DELETE goes to the environment's values when the
        configured ones are refused or do not answer, and later ones go on with them (see `fallback`)."""
        elsewhere = self._elsewhere
        if elsewhere is not None and method in fallback.FALLS_BACK:
            return self._sent_elsewhere(elsewhere, method, path, request)
        try:
            return self._sent(self._transport, method, path, request)
        except ApiError as error:
            route = self._fallback.route(error, method) if self._fallback is not None else None
            if route is None:
                raise
        return self._sent_elsewhere(self._fall_back(route), method, path, request)

    def _sent(self, transport: Transport, method: str, path: str, request: dict[str, Any]) -> Any:
        with transport.deadline(self._until):
            return transport.send(method, path, **request)

    def _sent_elsewhere(self, transport: Transport, method: str, path: str, request: dict[str, Any]) -> Any:
        """Through the environment's values. A 404 for what they never found is not taken as gone; once
        they found it (a cluster they then deleted), a 404 means what it says."""
        try:
            answer = self._sent(transport, method, path, request)
        except ApiError as error:
            if error.refused_credentials:
                raise fallback.RefusedThere(error) from None
            if error.is_not_found and fallback.resource_of(path) not in self._found_there:
                raise fallback.NotFoundThere(error, self.fell_back or "") from None
            raise
        self._found_there.add(fallback.resource_of(path))
        return answer

    def _fall_back(self, route: fallback.Route) -> Transport:
        """The transport to `route`, made once for the client (the first caller's reason is the one told)."""
        assert self._fallback is not None
        with self._switch:
            if self._elsewhere is None:
                self._elsewhere = self._transport_to(route.base_url, route.auth, self._fallback.secrets)
                self.fell_back = route.why
                if self._on_fall_back is not None:
                    self._on_fall_back(route.why)
            return self._elsewhere

    def _get(self, path: str, model: type[T]) -> T:
        return _parse("GET", path, model, self._send("GET", path))

    def _paginate(self, path: str, item: type[T], filters: Mapping[str, str | None]) -> Iterator[T]:
        """Every item, page by page; stops on a short page, never trusting `_links.next` alone.

        A page is short against the limit the server says it applied (it may cap what was asked).
        """
        params: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
        seen: set[str] = set()
        offset = 0
        for _ in range(MAX_PAGES):
            raw = self._send("GET", path, params={**params, "offset": offset, "limit": self.page_size})
            page = _parse("GET", path, models.ResourceList[item], raw)  # type: ignore[valid-type]
            fresh = [i for i in page.items if getattr(i, "id", None) not in seen]
            seen.update(str(getattr(i, "id", "")) for i in fresh)
            yield from fresh
            applied = page.limit if 0 < page.limit <= self.page_size else self.page_size
            if len(page.items) < applied or not fresh:
                return
            offset += len(page.items)
        raise ApiError("GET", path, 200, detail=f"more than {MAX_PAGES} pages; stopped paginating")


def _parse(method: str, path: str, model: type[T], raw: Any) -> T:
    """The answer as its model; a ResponseFormatError naming what does not match (pydantic's words name
    the fields and the rule, never a value of the answer)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise ResponseFormatError(
            method, path, 200, detail=f"the response does not match the v2 API: {problems}"
        ) from None


def _passwords(credentials: models.Credentials | None) -> tuple[str, ...]:
    """A request's password (hidden in every spelling an answer may echo it in)."""
    return () if credentials is None else (credentials.password.get_secret_value(),)
