"""A typed client for the IONOS DBaaS PostgreSQL v2 API (requests + pydantic).

The names below load on first use: the provider's preview path (`rules`, `regions`) never pays for
importing requests and pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import lazy

if TYPE_CHECKING:
    from .auth import resolve_auth
    from .client import PostgresClient
    from .errors import (
        ApiError,
        ConfigurationError,
        MissingCredentialsError,
        ResponseFormatError,
        TransportError,
    )
    from .redaction import hide_secrets, secret_spellings
    from .regions import REGIONS, normalize_region, resolve_base_url
    from .transport import RetryPolicy, Timeouts

_WHERE = {
    "PostgresClient": "client",
    "RetryPolicy": "transport",
    "Timeouts": "transport",
    "resolve_auth": "auth",
    "ApiError": "errors",
    "ConfigurationError": "errors",
    "MissingCredentialsError": "errors",
    "ResponseFormatError": "errors",
    "TransportError": "errors",
    "hide_secrets": "redaction",
    "secret_spellings": "redaction",
    "REGIONS": "regions",
    "normalize_region": "regions",
    "resolve_base_url": "regions",
}


__getattr__, __dir__ = lazy.exports(__name__, _WHERE)


__all__ = [
    "REGIONS",
    "ApiError",
    "ConfigurationError",
    "MissingCredentialsError",
    "PostgresClient",
    "ResponseFormatError",
    "RetryPolicy",
    "Timeouts",
    "TransportError",
    "hide_secrets",
    "normalize_region",
    "resolve_auth",
    "resolve_base_url",
    "secret_spellings",
]
