"""A typed client for the IONOS DBaaS PostgreSQL v2 API (requests + pydantic)."""

from .client import PostgresClient, RetryPolicy, Timeouts, resolve_auth
from .errors import (
    ApiError,
    ConfigurationError,
    MissingCredentialsError,
    ResponseFormatError,
    TransportError,
)
from .regions import REGIONS, normalize_region, resolve_base_url

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
    "normalize_region",
    "resolve_auth",
    "resolve_base_url",
]
