"""Which city a cluster's region and a backup location are in, for "backups in another city".

The regions' cities come from `limits.REGIONS` ("Germany, Frankfurt"). Backup locations are IONOS Object
Storage regions, whose cities IONOS's Object Storage documentation names: `de` is Frankfurt, `eu-central-2`
and `eu-central-3` are Berlin, `eu-south-2` is Logroño. No source at hand says where `eu-central-4` (or a
location added later) is: such a location is reported as unknown, never guessed; a team that knows adds it
through the policy's `backupLocationCities` configuration.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import limits

BACKUP_LOCATION_CITIES: Mapping[str, str] = {
    "de": "Frankfurt",
    "eu-central-2": "Berlin",
    "eu-central-3": "Berlin",
    "eu-south-2": "Logroño",
}


def region_city(region: str) -> str | None:
    """The city of a region id such as `de-fra` (None for a region `limits.REGIONS` does not list)."""
    place = limits.REGIONS.get(region)
    return place.rsplit(",", 1)[-1].strip() if place else None


def backup_city(location: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The city of a backup location; `extra` (from the policy's configuration) wins over the table."""
    known = {**BACKUP_LOCATION_CITIES, **(extra or {})}
    return known.get(location.strip().lower())
