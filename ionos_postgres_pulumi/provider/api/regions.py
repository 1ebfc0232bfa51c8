"""Regional endpoints of the v2 API: `https://postgresql.<region>.ionos.com`, no path prefix."""

from __future__ import annotations

import ipaddress
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


def is_loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False
