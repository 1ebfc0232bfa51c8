"""Credentials of the v2 API: a Bearer token, or basic auth as the fallback, hidden wherever they could show.

An auth object holds a credential, so it never prints it and refuses to be pickled: the provider resolves
credentials when a call runs, never carries them in what Pulumi stores.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from typing import Any

import requests

from .errors import MissingCredentialsError

ENV_TOKEN = "IONOS_TOKEN"  # noqa: S105 - the name of a variable, not a token
ENV_USERNAME = "IONOS_USERNAME"
ENV_PASSWORD = "IONOS_PASSWORD"  # noqa: S105 - the name of a variable, not a password


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


def credential_secrets(
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """Every credential configured, used or not, to hide from any text the client shows: the token, the
    password, and `user:password` as basic auth sends it (base64), which an error page may echo back."""
    env = os.environ if env is None else env
    token, username, password = (
        token or env.get(ENV_TOKEN),
        username or env.get(ENV_USERNAME),
        password or env.get(ENV_PASSWORD),
    )
    found = [secret for secret in (token, password) if secret]
    if username and password:
        pair = f"{username}:{password}"
        for encoding in ("latin-1", "utf-8"):  # what requests sends, and what RFC 7617 asks for
            try:
                found.append(base64.b64encode(pair.encode(encoding)).decode("ascii"))
            except UnicodeEncodeError:
                continue
    return tuple(dict.fromkeys(found))
