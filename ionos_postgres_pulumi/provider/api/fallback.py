"""The environment's credentials and endpoint, for reads and deletes the configured ones could not make.

`pulumi refresh` and `pulumi destroy` do not run the program, so the engine hands the provider the
`ionos:token` and `ionos:endpoint` of the last run that did (kept in the state with the provider), not the
stack's configuration as it is now. After a token rotation or an endpoint move those may be refused or
unreachable. The environment is always today's, and its values go together: its credentials (IONOS_TOKEN, or
IONOS_USERNAME and IONOS_PASSWORD) only to its endpoint (IONOS_API_URL, else IONOS's own), as the configured
token only to the configured endpoint (`regions.endpoint_for`). Within that, a GET or a DELETE that the
configured values could not make is made with the environment's, and the operation's later reads and deletes
go on with them:

- the configured token refused (401 or 403): the environment's credentials, when the environment's endpoint is
  the very endpoint that refused it (never to another one: a refusal is no reason to leave an endpoint);
- no answer at all from the configured endpoint: the environment's endpoint with the environment's
  credentials, when IONOS_API_URL names another endpoint and the environment has credentials (never the
  configured token, which was not given for that endpoint).

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
    """The environment's values, where they may stand in for the configured ones."""

    base_url: str  # the configured endpoint
    env_auth: requests.auth.AuthBase = field(repr=False)  # the environment's credentials
    other_here: bool  # the environment's endpoint is `base_url`, and its credentials are not the configured
    env_url: str | None  # the environment's endpoint (IONOS_API_URL), if it names another one
    secrets: tuple[str, ...] = field(repr=False)  # the configured credentials and the environment's

    def route(self, error: ApiError, method: str) -> Route | None:
        """Where `error` sends the request instead, or None when it stays where it failed."""
        if method not in FALLS_BACK:
            return None
        if self.other_here and error.refused_credentials:
            why = (
                f"the configured ionos:token was refused (HTTP {error.http_status}); "
                "the credentials in the environment, which are for this endpoint too, were used instead"
            )
            return Route(why, self.base_url, self.env_auth)
        if self.env_url is not None and error.http_status is None:
            why = (
                f"the configured ionos:endpoint did not answer ({error.detail or error.summary}); "
                f"{ENV_API_URL} from the environment, with the environment's credentials, was used instead"
            )
            return Route(why, self.env_url, self.env_auth)
        return None


def from_environment(
    region: str, base_url: str, token: str | None, env: Mapping[str, str]
) -> Fallback | None:
    """The environment's values as a fallback for the configured credentials (`token`, sent to `base_url`);
    None when the environment has no credentials, or nothing they may be used for."""
    try:
        env_auth = resolve_auth(env=env)
        env_url = resolve_base_url(region, env.get(ENV_API_URL))
    except (MissingCredentialsError, ConfigurationError):
        return None
    other_here = env_url == base_url and not (token and env.get(ENV_TOKEN) == token)
    elsewhere = env_url if env.get(ENV_API_URL) and env_url != base_url else None
    if not other_here and elsewhere is None:
        return None
    secrets = tuple(dict.fromkeys([*credential_secrets(token, env=env), *credential_secrets(env=env)]))
    return Fallback(base_url, env_auth, other_here, elsewhere, secrets)


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
