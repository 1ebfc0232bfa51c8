"""The environment's credentials and endpoint, for reads and deletes the configured ones could not make.

`pulumi refresh` and `pulumi destroy` do not run the program, so the engine hands the provider the
`ionos:token` and `ionos:endpoint` of the last run that did (kept in the state with the provider), not the
stack's configuration as it is now. After a token rotation or an endpoint move those may be refused or
unreachable. The environment is always today's: where it holds another token (IONOS_TOKEN, or
IONOS_USERNAME and IONOS_PASSWORD) or another endpoint (IONOS_API_URL), a GET or a DELETE that the configured
values could not make is made with the environment's, and the operation's later reads and deletes go on
with them:

- credentials refused (401 or 403): the same endpoint, with the environment's credentials;
- no answer at all from the configured endpoint: the environment's endpoint (with its credentials where it
  has others).

A POST or a PUT is never sent with other values: they make and change clusters, and one made where the
configured values cannot see it would be lost to the stack. `pulumi up`, which makes and changes them, hands
the provider the stack's configuration as it is now anyway.

A cluster that the environment's values do not find is not taken as gone: they may reach another contract or
another service, and taking it as deleted would drop it from the state and lose track of it. Once they have
found it, a 404 means what it says (the cluster they deleted is gone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import requests

from .auth import ENV_TOKEN, credential_secrets, resolve_auth
from .errors import ApiError, ConfigurationError, MissingCredentialsError
from .regions import ENV_API_URL, resolve_base_url

FALLS_BACK = frozenset({"GET", "DELETE"})  # safe to repeat elsewhere, and nothing made where it is not seen


class Route(NamedTuple):
    """Where a request goes instead, and why."""

    why: str
    base_url: str
    auth: requests.auth.AuthBase


@dataclass(frozen=True)
class Fallback:
    """The environment's values where they differ from the configured ones."""

    base_url: str  # the configured endpoint
    configured_auth: requests.auth.AuthBase = field(repr=False)
    env_auth: requests.auth.AuthBase | None = field(repr=False)  # the environment's credentials, if other
    env_url: str | None  # the environment's endpoint, if another
    secrets: tuple[str, ...] = field(repr=False)  # the configured credentials and the environment's

    def route(self, error: ApiError, method: str) -> Route | None:
        """Where `error` sends the request instead, or None when it stays where it failed."""
        if method not in FALLS_BACK:
            return None
        if self.env_auth is not None and error.refused_credentials:
            why = (
                f"the configured ionos:token was refused (HTTP {error.http_status}); "
                "the credentials in the environment were used instead"
            )
            return Route(why, self.base_url, self.env_auth)
        if self.env_url is not None and error.http_status is None:
            why = (
                f"the configured ionos:endpoint did not answer ({error.detail or error.summary}); "
                f"{ENV_API_URL} from the environment was used instead"
            )
            return Route(why, self.env_url, self.env_auth or self.configured_auth)
        return None


def from_environment(
    region: str,
    token: str | None,
    api_url: str | None,
    configured: tuple[str, requests.auth.AuthBase],
    env: Mapping[str, str],
) -> Fallback | None:
    """The environment's values where they differ from the configured `token` and `api_url` (the
    `configured` base URL and credentials); None when nothing was configured (the environment is in use
    already) or the environment holds the same."""
    base_url, auth = configured
    env_auth = _other_credentials(token, env) if token else None
    env_url = _base_url(region, env.get(ENV_API_URL)) if api_url else None
    if env_url == base_url:
        env_url = None
    if env_auth is None and env_url is None:
        return None
    secrets = tuple(dict.fromkeys([*credential_secrets(token, env=env), *credential_secrets(env=env)]))
    return Fallback(base_url, auth, env_auth, env_url, secrets)


def _base_url(region: str, env_url: str | None) -> str | None:
    """The environment's base URL; None when it has none, or one that could not be used anyway."""
    if not env_url:
        return None
    try:
        return resolve_base_url(region, env_url)
    except ConfigurationError:
        return None


def _other_credentials(token: str, env: Mapping[str, str]) -> requests.auth.AuthBase | None:
    """The environment's credentials (IONOS_TOKEN, else IONOS_USERNAME and IONOS_PASSWORD), unless it has
    none or the same token."""
    if env.get(ENV_TOKEN) == token:
        return None
    try:
        return resolve_auth(env=env)
    except MissingCredentialsError:
        return None


def resource_of(path: str) -> str:
    """`/clusters/{id}` of `/clusters/{id}` and anything under it."""
    return "/".join(path.split("/")[:3])


class ThroughTheEnvironment(ApiError):
    """An error of a request sent with the environment's values, with what it means for the cluster."""

    def __init__(self, error: ApiError, meaning: str) -> None:
        super().__init__(error.method, error.path, error.http_status, error.messages, detail=meaning)


class RefusedThere(ThroughTheEnvironment):
    """The environment's credentials, tried after the configured ones were refused, refused as well."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(
            error,
            "the environment's credentials (IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD), tried "
            "after the configured ionos:token was refused, were refused as well",
        )


class NotFoundThere(ThroughTheEnvironment):
    """A 404 through the environment's values for what they never found: not proof that it is gone."""

    def __init__(self, error: ApiError, why: str) -> None:
        super().__init__(
            error,
            f"with the environment's credentials or endpoint ({why}); they may reach another contract "
            "or service, so the cluster is not taken as deleted: make the configured values work "
            "(`pulumi up` stores the stack's current ionos:token and ionos:endpoint), then run this again",
        )

    @property
    def is_not_found(self) -> bool:
        return False
