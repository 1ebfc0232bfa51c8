"""Regional endpoints of the v2 API: `https://postgresql.<region>.ionos.com`, no path prefix."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from ... import limits
from .errors import ConfigurationError

REGIONS = limits.REGIONS

REGION_PLACEHOLDER = "{region}"
ENV_API_URL = "IONOS_API_URL"  # the base URL when none is configured (with `{region}`, or one region's)


def normalize_region(location: str) -> str:
    """The region id a location names (see `limits.region_of`: `de/fra`, `DE-FRA`, `de/fra/1` name
    `de-fra`; the whole value counts); ConfigurationError for anything else."""
    region = limits.region_of(location)
    if region is None:
        known = ", ".join(REGIONS)
        raise ConfigurationError(
            f"location {location!r} is not an IONOS PostgreSQL region; use one of {known}"
        )
    return region


def is_region(location: str) -> bool:
    return limits.region_of(location) is not None


def regional_url(region: str) -> str:
    return f"https://postgresql.{normalize_region(region)}.ionos.com"


def resolve_base_url(location: str, api_url: str | None = None) -> str:
    """The base URL for a location: an explicit or configured override wins over the regional URL.

    An override may contain `{region}`, which is replaced by the region id; this is how one local
    emulator serves every region (`http://127.0.0.1:8080/{region}`).
    """
    region = normalize_region(location)
    if api_url:
        override = api_url.strip().rstrip("/")
        if not override.startswith(("http://", "https://")):
            raise ConfigurationError(f"API URL {api_url!r} must start with http:// or https://")
        if override.startswith("http://") and not is_loopback(urlsplit(override).hostname):
            raise ConfigurationError(
                f"API URL {api_url!r} would send the token unencrypted; use https://, or http:// only for "
                "this machine (127.0.0.1, localhost), as the local emulator does"
            )
        return override.replace(REGION_PLACEHOLDER, region)
    return regional_url(region)


def endpoint_for(location: str, api_url: str | None, env: Mapping[str, str], *, own_credentials: bool) -> str:
    """The endpoint the credentials in use may be sent to: credentials given with the configuration (a
    token, or a user and password) go to the configured endpoint, else IONOS's own; the environment's
    (IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD) go to the environment's endpoint, IONOS_API_URL, else
    IONOS's own, and to a configured endpoint only when it is that same one. A shell that exported
    IONOS_API_URL for a local emulator never receives a production token configured for IONOS, and an
    endpoint configured without a token never receives the environment's."""
    if own_credentials:
        return resolve_base_url(location, api_url)
    env_url = resolve_base_url(location, env.get(ENV_API_URL))
    if api_url and resolve_base_url(location, api_url) != env_url:
        raise ConfigurationError(
            f"the endpoint {api_url!r} is configured without credentials of its own, and the "
            "environment's (IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD) are sent only to the "
            f"environment's endpoint, {env_url} ({ENV_API_URL}, or IONOS's own when it is unset): "
            f"configure the token with the endpoint (ionos:token, or --token), or set {ENV_API_URL} to it"
        )
    return env_url


def is_loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False
