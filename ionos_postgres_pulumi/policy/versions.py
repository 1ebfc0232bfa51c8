"""Which PostgreSQL versions are deprecated: the policy's list, and what the service says.

The service marks a version DEPRECATED in `GET /versions`, and the mark changes without a release of this
package, so by default the policy asks the cluster's region, with the credentials and endpoint the provider
uses from the environment (IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD; IONOS_API_URL). Where the
pack cannot ask (no credentials in CI, no network), `askTheService: false` with a `deprecatedVersions` list
in the policy's configuration decides alone. When it should ask and cannot, it says so as a violation
rather than pass a version it never checked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..provider.api.errors import ApiError, ConfigurationError, MissingCredentialsError
from ..provider.api.regions import normalize_region
from .rules import Cluster

# What to do without credentials: the pack runs in a process of its own, which reads the environment only.
NO_CREDENTIALS = (
    "no IONOS credentials in the environment of the policy pack, which runs in a process of its own and does "
    "not read the stack's configuration, ionos:token included"
)
# A region's deprecated versions, or raises VersionLookupError.
DeprecatedVersions = Callable[[str], frozenset[str]]


class VersionLookupError(Exception):
    """The service could not be asked which versions are deprecated; the message says why."""


def from_the_service(env: Mapping[str, str] | None = None) -> DeprecatedVersions:
    """A lookup of a region's DEPRECATED versions through the API client, asked once per region."""
    answers: dict[str, frozenset[str]] = {}
    lock = threading.Lock()

    def deprecated_in(location: str) -> frozenset[str]:
        from ..provider.lifecycle.catalog import fetch_catalog  # noqa: PLC0415 - requests and pydantic load on first use
        from ..provider.lifecycle.clients import client_for  # noqa: PLC0415

        with lock:
            region = normalize_region(location)
            if region not in answers:
                try:
                    with client_for(region, env=env) as client:
                        catalog = fetch_catalog(client)
                except MissingCredentialsError:
                    raise VersionLookupError(NO_CREDENTIALS) from None
                except (ApiError, ConfigurationError) as exc:
                    raise VersionLookupError(str(exc)) from None
                answers[region] = frozenset(v.version for v in catalog.versions if v.status == "DEPRECATED")
            return answers[region]

    return deprecated_in


def deprecated_version_check(lookup: DeprecatedVersions) -> Callable[[Cluster, Mapping[str, Any]], list[str]]:
    """The check of `ionos-pg-no-deprecated-version`, asking `lookup` when the configuration says so."""

    def check(cluster: Cluster, config: Mapping[str, Any]) -> list[str]:
        version, location = cluster.get("version"), cluster.get("location")
        if version is None:
            return []
        listed = {str(v) for v in config["deprecatedVersions"]}
        if str(version) in listed:
            return [cluster.says("version", version, "it is in the policy's deprecatedVersions; upgrade it")]
        if not config["askTheService"] or location is None:
            return []
        try:
            marked = lookup(str(location))
        except (VersionLookupError, ConfigurationError) as exc:
            rule = (
                f"the policy could not ask the service which versions are deprecated ({exc}); export "
                "IONOS_TOKEN (or IONOS_USERNAME and IONOS_PASSWORD), and IONOS_API_URL for another endpoint, "
                "where `pulumi preview` runs, or set askTheService to false and list deprecatedVersions"
            )
            return [cluster.says("version", version, rule)]
        if str(version) in marked:
            return [cluster.says("version", version, "the service marks it DEPRECATED; upgrade it")]
        return []

    return check
