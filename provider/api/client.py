"""The one place that speaks HTTP to the DBaaS PostgreSQL v2 API.

One method per endpoint, pagination that always ends, credentials resolved when the client is made,
and retries by urllib3's `Retry`: 429 (honouring `Retry-After`), 502/503/504 and dropped connections
on GET/PUT/DELETE, with capped exponential backoff and jitter. POST is retried only when the request
cannot have been processed (429, or no connection was made): a POST whose fate is unknown raises, and
the provider finds the cluster by name instead of creating a second one.

A client is cheap to build and holds credentials, so it refuses to be pickled: build one per call.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from . import models
from .errors import (
    ApiError,
    ErrorMessage,
    MissingCredentialsError,
    ResponseFormatError,
    TransportError,
)
from .regions import normalize_region, resolve_base_url

log = logging.getLogger(__name__)

USER_AGENT = "ionos-postgres-pulumi/0.1"
MAX_PAGES = 1000
DEFAULT_PAGE_SIZE = 100

ENV_TOKEN = "IONOS_TOKEN"  # noqa: S105 - the name of a variable, not a token
ENV_USERNAME = "IONOS_USERNAME"
ENV_PASSWORD = "IONOS_PASSWORD"  # noqa: S105 - the name of a variable, not a password
ENV_API_URL = "IONOS_API_URL"

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and for each read of a response."""

    connect: float = 5.0
    read: float = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries before it reports an error.

    With the defaults, a call is tried at most 6 times; waits between tries are 0.5, 1, 2, 4, 8 s
    (plus up to 0.25 s of jitter, each capped at 30 s), or what `Retry-After` says, capped at 120 s.
    """

    retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    jitter: float = 0.25
    max_retry_after: float = 120.0
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})


class _ApiRetry(Retry):
    """urllib3's Retry, with POST retried only on 429, a capped Retry-After, and an injectable sleep."""

    sleeper: Callable[[float], None] = staticmethod(time.sleep)
    max_retry_after: float = 120.0

    def new(self, **kw: Any) -> _ApiRetry:
        fresh = super().new(**kw)
        fresh.sleeper = self.sleeper
        fresh.max_retry_after = self.max_retry_after
        return fresh

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() == "POST":
            # A 429 was refused before any work was done; any other answer may hide a created cluster.
            return status_code == 429 and bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def get_backoff_time(self) -> float:
        """factor * 2**(n-1) from the first retry on (urllib3 retries the first at once), plus jitter."""
        failures = len(self.history)
        if failures == 0:
            return 0.0
        value = self.backoff_factor * 2 ** (failures - 1) + random.random() * self.backoff_jitter  # noqa: S311
        return float(min(self.backoff_max, value))

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        delay = None
        if self.respect_retry_after_header and response is not None:
            delay = self.get_retry_after(response)
        if delay is None:
            delay = self.get_backoff_time()
        log.debug("retrying in %.2fs", delay)
        if delay > 0:
            self.sleeper(delay)


class _BearerToken(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<bearer token (hidden)>"

    def __reduce__(self) -> Any:
        raise TypeError("credentials are not picklable; resolve them when a call runs")


class _BasicAuth(requests.auth.HTTPBasicAuth):
    def __repr__(self) -> str:
        return "<basic auth (hidden)>"

    def __reduce__(self) -> Any:
        raise TypeError("credentials are not picklable; resolve them when a call runs")


def resolve_auth(
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    env: Mapping[str, str] | None = None,
) -> requests.auth.AuthBase:
    """A Bearer token (argument, then IONOS_TOKEN) or, as a fallback, basic auth."""
    env = os.environ if env is None else env
    token = token or env.get(ENV_TOKEN)
    if token:
        return _BearerToken(token)
    username = username or env.get(ENV_USERNAME)
    password = password or env.get(ENV_PASSWORD)
    if username and password:
        return _BasicAuth(username, password)
    raise MissingCredentialsError()


class PostgresClient:
    """A client of one region's v2 API (`location` as `de/fra` or `de-fra`)."""

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
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        env = os.environ if env is None else env
        self.page_size = page_size
        self.region = normalize_region(location)
        self.base_url = resolve_base_url(self.region, api_url or env.get(ENV_API_URL))
        self.timeouts = timeouts or Timeouts()
        self._secrets = [s for s in (token or env.get(ENV_TOKEN), password or env.get(ENV_PASSWORD)) if s]
        self._session = requests.Session()
        self._session.auth = resolve_auth(token, username, password, env)
        self._session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        # trust_env stays on: HTTPS_PROXY and REQUESTS_CA_BUNDLE work as users expect. Certificates are
        # always verified; nothing in this project turns verification off.
        self._session.verify = True
        policy = retry or RetryPolicy()
        retries = _ApiRetry(
            total=policy.retries,
            connect=policy.retries,
            read=policy.retries,
            status=policy.retries,
            other=0,
            redirect=0,
            backoff_factor=policy.backoff_factor,
            backoff_max=policy.backoff_max,
            backoff_jitter=policy.jitter,
            status_forcelist=policy.statuses,
            allowed_methods=frozenset({"GET", "PUT", "DELETE", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        retries.sleeper = sleeper
        retries.max_retry_after = policy.max_retry_after
        adapter = HTTPAdapter(max_retries=retries, pool_maxsize=8)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:
        return f"PostgresClient(region={self.region!r}, base_url={self.base_url!r})"

    def __reduce__(self) -> Any:
        raise TypeError("PostgresClient holds credentials and is not picklable; build one per call")

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PostgresClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- clusters -------------------------------------------------------------------------------

    def list_clusters(self, *, name: str | None = None, state: str | None = None) -> list[models.ClusterRead]:
        """All clusters of the region; `name` matches names that *contain* it, as the API does."""
        params = {"filter.name": name, "filter.state": state}
        return list(self._paginate("/clusters", models.ClusterRead, params))

    def create_cluster(self, properties: models.ClusterCreateProperties) -> models.ClusterRead:
        body = models.ClusterCreate(properties=properties)
        return self._call("POST", "/clusters", models.ClusterRead, body=body.to_wire(), expect=(201, 200))

    def get_cluster(self, cluster_id: str) -> models.ClusterRead:
        return self._call("GET", f"/clusters/{cluster_id}", models.ClusterRead)

    def ensure_cluster(self, cluster_id: str, properties: models.ClusterProperties) -> models.ClusterRead:
        """PUT the full desired cluster: fields left out are reset by the API, not kept."""
        body = models.ClusterEnsure(id=cluster_id, properties=properties)
        return self._call(
            "PUT", f"/clusters/{cluster_id}", models.ClusterRead, body=body.to_wire(), expect=(200, 201)
        )

    def delete_cluster(self, cluster_id: str) -> None:
        self._send("DELETE", f"/clusters/{cluster_id}", expect=(202, 200, 204))

    # -- backups, backup locations, versions ---------------------------------------------------

    def list_backups(self, *, cluster_id: str | None = None) -> list[models.BackupRead]:
        return list(self._paginate("/backups", models.BackupRead, {"filter.clusterId": cluster_id}))

    def get_backup(self, backup_id: str) -> models.BackupRead:
        return self._call("GET", f"/backups/{backup_id}", models.BackupRead)

    def list_backup_locations(self) -> list[models.BackupLocationRead]:
        return list(self._paginate("/backup-locations", models.BackupLocationRead, {}))

    def get_backup_location(self, location_id: str) -> models.BackupLocationRead:
        return self._call("GET", f"/backup-locations/{location_id}", models.BackupLocationRead)

    def list_versions(self) -> list[models.PostgresVersionRead]:
        return list(self._paginate("/versions", models.PostgresVersionRead, {}))

    def get_version(self, version_id: str) -> models.PostgresVersionRead:
        return self._call("GET", f"/versions/{version_id}", models.PostgresVersionRead)

    # -- transport ------------------------------------------------------------------------------

    def _paginate(self, path: str, item: type[T], filters: Mapping[str, str | None]) -> Iterator[T]:
        """Every item, page by page; stops on a short page, never trusting `_links.next` alone."""
        page_size = self.page_size
        params: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
        seen: set[str] = set()
        offset = 0
        for _ in range(MAX_PAGES):
            raw = self._send("GET", path, params={**params, "offset": offset, "limit": page_size})
            page = self._parse("GET", path, models.ResourceList[item], raw)  # type: ignore[valid-type]
            fresh = [i for i in page.items if getattr(i, "id", None) not in seen]
            seen.update(str(getattr(i, "id", "")) for i in fresh)
            yield from fresh
            if len(page.items) < page_size or not fresh:
                return
            offset += len(page.items)
        raise ApiError("GET", path, 200, detail=f"more than {MAX_PAGES} pages; stopped paginating")

    def _call(
        self,
        method: str,
        path: str,
        model: type[T],
        body: dict[str, Any] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> T:
        return self._parse(method, path, model, self._send(method, path, body=body, expect=expect))

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> Any:
        url = self.base_url + path
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                json=body,
                timeout=(self.timeouts.connect, self.timeouts.read),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TransportError(method, path, self._redact(_describe_transport_error(exc))) from None
        log.debug("%s %s -> %s in %.3fs", method, path, response.status_code, time.monotonic() - started)
        if response.status_code not in expect:
            raise self._error_from(method, path, response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ResponseFormatError(
                method, path, response.status_code, detail=self._not_json(response)
            ) from None

    def _parse(self, method: str, path: str, model: type[T], raw: Any) -> T:
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()[:5]
            )
            raise ResponseFormatError(
                method, path, 200, detail=f"the response does not match the v2 API: {problems}"
            ) from None

    def _error_from(self, method: str, path: str, response: requests.Response) -> ApiError:
        messages: tuple[ErrorMessage, ...] = ()
        detail = ""
        try:
            body = response.json()
        except ValueError:
            body = None
            detail = self._not_json(response) if response.content else ""
        if isinstance(body, dict):
            raw_messages = body.get("messages")
            if isinstance(raw_messages, list):
                messages = tuple(
                    ErrorMessage(
                        self._redact(str(m.get("errorCode") or "")), self._redact(str(m.get("message") or ""))
                    )
                    for m in raw_messages
                    if isinstance(m, dict)
                )
        retry_after = response.headers.get("Retry-After")
        if response.status_code == 429 and retry_after:
            detail = f"the API asked to wait {retry_after}s"
        return ApiError(method, path, response.status_code, messages, detail)

    def _not_json(self, response: requests.Response) -> str:
        kind = response.headers.get("Content-Type", "no content type")
        start = " ".join(response.text[:80].split())
        return self._redact(f"expected JSON but got {kind}, starting {start!r}")

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _describe_transport_error(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, requests.ReadTimeout):
        return "timed out waiting for the response"
    if isinstance(exc, requests.exceptions.RetryError):
        return "retries exhausted"
    reason: BaseException = exc
    for _ in range(5):  # unwrap urllib3's MaxRetryError/ProtocolError chain to the socket's words
        inner = getattr(reason, "reason", None) or (reason.args[0] if reason.args else None)
        if not isinstance(inner, BaseException):
            break
        reason = inner
    text = str(reason) or type(reason).__name__
    return f"connection failed: {text}"
