"""The environment's credentials and endpoint, for when the configured ones stop working.

`pulumi refresh` and `pulumi destroy` do not run the program, so the engine hands the provider the
`ionos:token` and `ionos:endpoint` of the last run that did (kept in the state with the provider), not the
stack's configuration as it is now. After a token rotation or an endpoint move those may be refused or
unreachable. The environment is always today's: where it holds another token (IONOS_TOKEN, or
IONOS_USERNAME and IONOS_PASSWORD) or another endpoint (IONOS_API_URL), a request that the configured values
could not make is made with the environment's, and the rest of the operation goes on with them:

- credentials refused (401 or 403): the service did nothing, so any request is sent again;
- no answer at all from the configured endpoint: only a GET or a DELETE, which are safe to repeat, goes to
  the environment's endpoint; a POST or PUT whose fate is unknown is never sent anywhere else.

A cluster that the environment's values do not find is not taken as gone: they may reach another contract or
another service, and taking it as deleted would drop it from the state and lose track of it. Once they have
found it, a 404 means what it says (the cluster they deleted is gone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import requests

from .auth import ENV_TOKEN, credential_secrets, resolve_auth
from .errors import ApiError, ConfigurationError, MissingCredentialsError
from .regions import ENV_API_URL, resolve_base_url

REPEATABLE_WITHOUT_ANSWER = frozenset({"GET", "DELETE"})


@dataclass(frozen=True)
class Fallback:
    """The values a client turns to, and what they change."""

    base_url: str
    auth: requests.auth.AuthBase
    secrets: tuple[str, ...]  # the configured credentials as well as the environment's: both stay hidden
    other_credentials: bool
    other_endpoint: bool

    def reason(self, error: ApiError, method: str) -> str | None:
        """Why `error` sends the request to the environment's values, or None when it does not."""
        if self.other_credentials and error.refused_credentials:
            return (
                f"the configured ionos:token was refused (HTTP {error.http_status}); "
                "the credentials in the environment were used instead"
            )
        if self.other_endpoint and error.http_status is None and method in REPEATABLE_WITHOUT_ANSWER:
            return (
                f"the configured ionos:endpoint did not answer ({error.detail or error.summary}); "
                f"{ENV_API_URL} from the environment was used instead"
            )
        return None


def from_environment(
    region: str, token: str | None, api_url: str | None, base_url: str, env: Mapping[str, str]
) -> Fallback | None:
    """The environment's values where they differ from the configured `token` and `api_url`; None when
    nothing was configured (the environment is in use already) or the environment holds the same."""
    other_credentials = bool(token) and _credentials_differ(token, env)
    env_url = _base_url(region, env.get(ENV_API_URL)) if api_url else None
    other_endpoint = env_url is not None and env_url != base_url
    if not (other_credentials or other_endpoint):
        return None
    return Fallback(
        base_url=env_url if env_url is not None else base_url,
        auth=resolve_auth(None if other_credentials else token, env=env),
        secrets=tuple(dict.fromkeys([*credential_secrets(token, env=env), *credential_secrets(env=env)])),
        other_credentials=other_credentials,
        other_endpoint=other_endpoint,
    )


def _base_url(region: str, env_url: str | None) -> str | None:
    """The environment's base URL; None when it has none, or one that could not be used anyway."""
    if not env_url:
        return None
    try:
        return resolve_base_url(region, env_url)
    except ConfigurationError:
        return None


def _credentials_differ(token: str | None, env: Mapping[str, str]) -> bool:
    env_token = env.get(ENV_TOKEN)
    if env_token:
        return env_token != token
    try:
        resolve_auth(env=env)  # basic auth from the environment
    except MissingCredentialsError:
        return False
    return True


def resource_of(path: str) -> str:
    """`/clusters/{id}` of `/clusters/{id}` and anything under it."""
    return "/".join(path.split("/")[:3])


class NotFoundThere(ApiError):
    """A 404 through the environment's values for what they never found: not proof that it is gone."""

    def __init__(self, error: ApiError, why: str) -> None:
        super().__init__(
            error.method,
            error.path,
            error.http_status,
            error.messages,
            detail=(
                f"with the environment's credentials or endpoint ({why}); they may reach another contract "
                "or service, so the cluster is not taken as deleted: make the configured values work "
                "(`pulumi up` stores the stack's current ionos:token and ionos:endpoint), then run this again"
            ),
        )

    @property
    def is_not_found(self) -> bool:
        return False
