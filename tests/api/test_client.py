"""Every v2 endpoint through the client, against the emulator over a real socket."""

from __future__ import annotations

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.api import ApiError, PostgresClient
from ionos_postgres_pulumi.provider.api import models as m
from tests.payloads import cluster_properties


def create_properties(**overrides: object) -> m.ClusterCreateProperties:
    return m.ClusterCreateProperties.model_validate(cluster_properties(**overrides))


def ensure_properties(created: m.ClusterCreateProperties, **changes: object) -> m.ClusterProperties:
    data = created.model_dump(by_alias=True, mode="json", exclude_none=True)
    data.pop("restoreFromBackup", None)
    data.update(changes)
    return m.ClusterProperties.model_validate(data)


def test_versions_list_and_get(client: PostgresClient) -> None:
    versions = client.list_versions()
    assert [v.properties.version for v in versions] == ["13", "14", "15", "16", "17", "18"]
    sixteen = next(v for v in versions if v.properties.version == "16")
    assert sixteen.properties.status == "RECOMMENDED"
    assert sixteen.properties.can_upgrade_to == ["17"]
    assert client.get_version(sixteen.id).properties.version == "16"


def test_backup_locations_list_and_get(client: PostgresClient) -> None:
    locations = client.list_backup_locations()
    names = [b.properties.location for b in locations]
    assert "eu-central-3" in names
    assert client.get_backup_location(locations[0].id).properties.location == names[0]


def test_cluster_lifecycle(client: PostgresClient) -> None:
    wanted = create_properties()
    created = client.create_cluster(wanted)
    assert created.state == "PROVISIONING"
    assert created.metadata.dns_name and created.metadata.dns_name.endswith(".postgresql.de-fra.ionos.com")
    assert created.properties.credentials is not None
    assert created.properties.credentials.username == "my_dbuser"
    assert "password" not in (created.properties.credentials.model_extra or {})

    fetched = client.get_cluster(created.id)
    assert fetched.state == "AVAILABLE"
    assert [c.id for c in client.list_clusters(name="cms")] == [created.id]
    assert client.list_clusters(name="nothing-like-it") == []
    assert [c.id for c in client.list_clusters(state="AVAILABLE")] == [created.id]

    changed = client.ensure_cluster(
        created.id, ensure_properties(wanted, instances={"count": 2, "ram": 8, "cores": 4, "storageSize": 20})
    )
    assert changed.state == "UPDATING"
    assert changed.properties.instances is not None
    assert changed.properties.instances.ram == 8

    backups = client.list_backups(cluster_id=created.id)
    assert len(backups) == 1
    assert backups[0].properties.is_active is True
    assert client.get_backup(backups[0].id).properties.cluster_id == created.id

    client.delete_cluster(created.id)
    with pytest.raises(ApiError) as gone:
        client.get_cluster(created.id)
    assert gone.value.is_not_found


def test_pagination_returns_every_item_across_pages(emulator: RunningEmulator) -> None:
    client = PostgresClient("de-fra", api_url=emulator.api_url, token=emulator.token, env={}, page_size=2)
    assert len(client.list_versions()) == 6
    offsets = [r["path"] for r in emulator.admin.requests()]
    assert offsets == ["/versions"] * 4  # pages of 2, 2, 2 and an empty one


def test_pagination_ignores_a_stale_next_link(emulator: RunningEmulator) -> None:
    emulator.admin.set_quirks(stale_next_link=True)
    client = PostgresClient("de-fra", api_url=emulator.api_url, token=emulator.token, env={}, page_size=4)
    assert len(client.list_versions()) == 6
    assert len(emulator.admin.requests()) == 2  # a full page, then a short one: done


def test_regions_are_kept_apart(emulator: RunningEmulator) -> None:
    frankfurt = PostgresClient("de/fra", api_url=emulator.api_url, token=emulator.token, env={})
    logrono = PostgresClient("es-vit", api_url=emulator.api_url, token=emulator.token, env={})
    created = frankfurt.create_cluster(create_properties())
    assert logrono.list_clusters() == []
    with pytest.raises(ApiError) as missing:
        logrono.get_cluster(created.id)
    assert missing.value.http_status == 404
    assert [c.id for c in frankfurt.list_clusters()] == [created.id]
