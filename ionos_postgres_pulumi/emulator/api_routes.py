"""The v2 API's eleven operations (reference §5), each a handler in the route table at the end.

Lists take `offset` (from 0) and `limit` (1 to 1000, default 100) and answer in the list envelope
`{id, type, href, items, offset, limit, _links}`; `_links.next` is there while items remain (or always,
with the stale-next-link quirk).
"""

from __future__ import annotations

from typing import Any

from ionos_postgres_pulumi import limits

from .problems import ApiProblem, not_found
from .routing import Answer, Request, Route, RouteTable
from .wire import ASCII_DIGITS

OFFSET = limits.IntRange(0, 2**31 - 1)  # an int32, as every count of the API
_MAX_NUMBER_LENGTH = 11


def list_clusters(request: Request) -> Answer:
    name = request.query_value("filter.name")
    if name is not None and not limits.FILTER_NAME_LENGTH.contains(len(name)):
        low, high = limits.FILTER_NAME_LENGTH.minimum, limits.FILTER_NAME_LENGTH.maximum
        raise ApiProblem(400, [f"filter.name: must have {low} to {high} characters"])
    wanted = request.query_value("filter.state")
    if wanted is not None and wanted not in limits.CLUSTER_STATES:
        states = ", ".join(limits.CLUSTER_STATES)
        raise ApiProblem(400, [f"filter.state: must be one of {states}"])
    found = request.state.list_clusters(request.region, name, wanted)
    return page(request, [cluster.document(request.base_url) for cluster in found])


def create_cluster(request: Request) -> Answer:
    cluster = request.state.create_cluster(request.region, request.json_body())
    return Answer.json(201, cluster.document(request.base_url))


def get_cluster(request: Request) -> Answer:
    cluster = request.state.get_cluster(request.region, request.uuid_param("clusterId"))
    return Answer.json(200, cluster.document(request.base_url))


def ensure_cluster(request: Request) -> Answer:
    cluster_id = request.uuid_param("clusterId")
    cluster, created = request.state.ensure_cluster(request.region, cluster_id, request.json_body())
    return Answer.json(201 if created else 200, cluster.document(request.base_url))


def delete_cluster(request: Request) -> Answer:
    refusal = request.settings.quirks.busy_delete_status
    request.state.delete_cluster(request.region, request.uuid_param("clusterId"), refusal)
    return Answer(202)


def list_backups(request: Request) -> Answer:
    found = request.state.list_backups(request.region, request.query_value("filter.clusterId"))
    return page(request, [backup.document(request.base_url) for backup in found])


def get_backup(request: Request) -> Answer:
    backup = request.state.get_backup(request.region, request.uuid_param("backupId"))
    return Answer.json(200, backup.document(request.base_url))


def list_backup_locations(request: Request) -> Answer:
    locations = request.state.seed.backup_locations
    return page(request, [location.document(request.base_url) for location in locations])


def get_backup_location(request: Request) -> Answer:
    location_id = request.uuid_param("backupLocationId")
    location = request.state.seed.backup_location_by_id(location_id)
    if location is None:
        raise not_found("backup location", location_id)
    return Answer.json(200, location.document(request.base_url))


def list_versions(request: Request) -> Answer:
    versions = request.state.seed.versions
    return page(request, [version.document(request.base_url) for version in versions])


def get_version(request: Request) -> Answer:
    version_id = request.uuid_param("versionId")
    version = request.state.seed.version_by_id(version_id)
    if version is None:
        raise not_found("version", version_id)
    return Answer.json(200, version.document(request.base_url))


# -- lists ---------------------------------------------------------------------------------------------


def page(request: Request, documents: list[dict[str, Any]]) -> Answer:
    """One page of `documents` in the list envelope, as `offset` and `limit` ask."""
    offset = whole_query(request, "offset", 0, OFFSET)
    limit = whole_query(request, "limit", limits.DEFAULT_LIST_LIMIT, limits.LIST_LIMIT)
    quirks = request.settings.quirks
    limit = min(limit, quirks.page_limit_cap) if quirks.page_limit_cap else limit
    href = request.base_url + request.path
    links = {"self": f"{href}?offset={offset}&limit={limit}"}
    if offset > 0:
        links["prev"] = f"{href}?offset={max(0, offset - limit)}&limit={limit}"
    if offset + limit < len(documents) or quirks.stale_next_link:
        links["next"] = f"{href}?offset={offset + limit}&limit={limit}"
    envelope = {
        "id": request.path.strip("/"),
        "type": "collection",
        "href": href,
        "items": documents[offset : offset + limit],
        "offset": offset,
        "limit": limit,
        "_links": links,
    }
    return Answer.json(200, envelope)


def whole_query(request: Request, key: str, default: int, bounds: limits.IntRange) -> int:
    """A query parameter that is a whole number: ASCII digits, perhaps a minus, within `bounds`."""
    raw = request.query_value(key)
    if raw is None:
        return default
    digits = raw.removeprefix("-")
    if not digits or len(digits) > _MAX_NUMBER_LENGTH or not set(digits) <= ASCII_DIGITS:
        raise ApiProblem(400, [f"{key}: {raw[:20]!r} is not an integer"])
    value = int(raw)
    if not bounds.contains(value):
        raise ApiProblem(400, [f"{key}: {value} is out of range; must be {bounds.describe()}"])
    return value


API_ROUTES = RouteTable(
    Route("GET", "/clusters", list_clusters),
    Route("POST", "/clusters", create_cluster),
    Route("GET", "/clusters/{clusterId}", get_cluster),
    Route("PUT", "/clusters/{clusterId}", ensure_cluster),
    Route("DELETE", "/clusters/{clusterId}", delete_cluster),
    Route("GET", "/backups", list_backups),
    Route("GET", "/backups/{backupId}", get_backup),
    Route("GET", "/backup-locations", list_backup_locations),
    Route("GET", "/backup-locations/{backupLocationId}", get_backup_location),
    Route("GET", "/versions", list_versions),
    Route("GET", "/versions/{versionId}", get_version),
)
