"""Choosing a version and a backup location from the service's catalog, listing backups, finding clusters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from ionos_postgres_pulumi.components import (
    CatalogLookupError,
    ClusterLookupError,
    choose_backup_location,
    choose_version,
)
from ionos_postgres_pulumi.components.lookups import (
    find_backup,
    find_cluster,
    list_backups,
    list_clusters,
    resolve_backup_location,
    resolve_restored_version,
    resolve_version,
)
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from ionos_postgres_pulumi.provider.api import PostgresClient
from ionos_postgres_pulumi.provider.api import models as m
from ionos_postgres_pulumi.provider.lifecycle import catalog
from tests.payloads import cluster_properties


def catalog_of(emulator: RunningEmulator) -> catalog.Catalog:
    with PostgresClient("de-fra", api_url=emulator.api_url, token=emulator.token, env={}) as client:
        return catalog.fetch_catalog(client)


def test_the_requested_version(api_env: RunningEmulator) -> None:
    assert resolve_version("de/fra", "16") == "16"
    assert resolve_version("de/fra", "PostgreSQL 15") == "15"
    assert resolve_version("de/fra", "18") == "18"  # beta, but asked for by name


def test_without_a_version_the_newest_recommended_one(api_env: RunningEmulator) -> None:
    assert resolve_version("de/fra", None) == "16"


def test_newest_supported_when_nothing_is_recommended(tmp_path: Path) -> None:
    seed = {
        "versions": [
            {"version": "14", "status": "SUPPORTED", "canUpgradeTo": ["15"]},
            {"version": "15", "status": "SUPPORTED", "canUpgradeTo": []},
            {"version": "16", "status": "BETA", "canUpgradeTo": []},
        ],
        "backupLocations": ["de"],
    }
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    with emulator_thread(seed=tmp_path / "seed.json") as emu:
        assert choose_version(catalog_of(emu), None).version == "15"


def test_unknown_and_deprecated_versions_list_the_choices(api_env: RunningEmulator) -> None:
    with pytest.raises(CatalogLookupError) as unknown:
        resolve_version("de/fra", "12")
    assert "'12' is not offered" in str(unknown.value)
    assert "16 (recommended)" in str(unknown.value)
    assert "13 (deprecated)" in str(unknown.value)
    with pytest.raises(CatalogLookupError) as deprecated:
        resolve_version("de/fra", "13")
    assert "'13' is deprecated; use one of 17, 16, 15, 14" in str(deprecated.value)


@pytest.mark.parametrize(
    ("location", "expected"),
    [("de/fra", "eu-central-3"), ("de/txl", "de"), ("es/vit", "de"), ("gb/lhr", "eu-central-3")],
)
def test_default_backup_location_per_region(api_env: RunningEmulator, location: str, expected: str) -> None:
    assert resolve_backup_location(location, None) == expected


def test_default_backup_location_falls_back_to_what_is_offered(api_env: RunningEmulator) -> None:
    offered = catalog.Catalog(versions=(), backup_locations=("eu-south-2", "zz-north-1"))
    assert choose_backup_location(offered, "de/fra", None) == "eu-south-2"
    assert choose_backup_location(offered, "us/las", None) == "eu-south-2"


def test_requested_backup_location(api_env: RunningEmulator) -> None:
    assert resolve_backup_location("de/fra", "eu-south-2") == "eu-south-2"
    with pytest.raises(CatalogLookupError) as caught:
        resolve_backup_location("de/fra", "mars-1")
    assert "'mars-1' is not offered in de/fra; valid: de, eu-central-2, eu-central-3" in str(caught.value)


def test_the_catalog_is_fetched_once_per_run(api_env: RunningEmulator) -> None:
    for _ in range(5):
        resolve_version("de/fra", "16")
        resolve_backup_location("de/fra", None)
    paths = [r["path"] for r in api_env.admin.requests()]
    assert paths == ["/versions", "/backup-locations"]


def test_lookup_errors_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IONOS_TOKEN", raising=False)
    monkeypatch.delenv("IONOS_USERNAME", raising=False)
    with pytest.raises(CatalogLookupError, match="no IONOS credentials"):
        resolve_version("de/fra", "16")


def test_backups_with_their_recovery_windows(api_env: RunningEmulator) -> None:
    client = PostgresClient("de-fra", env={"IONOS_TOKEN": api_env.token, "IONOS_API_URL": api_env.api_url})
    created = client.create_cluster(m.ClusterCreateProperties.model_validate(cluster_properties()))
    client.get_cluster(created.id)
    (backup,) = list_backups("de/fra", created.id)
    assert backup.cluster_id == created.id
    assert backup.is_active
    assert backup.version == "16"
    assert backup.earliest_recovery_target_time is not None
    assert backup.earliest_recovery_target_time.endswith("Z")
    assert backup.latest_recovery_target_time is None
    assert list_backups("de/fra", "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2") == []


def restore_in_place(emulator: RunningEmulator, cluster_id: str, when: str) -> None:
    """An in-place restore made outside the program (curl, the console): a new backup becomes active."""
    answer = requests.put(
        f"{emulator.url}/de-fra/clusters/{cluster_id}",
        json={
            "id": cluster_id,
            "properties": {**cluster_properties(), "restoreFromBackup": {"recoveryTargetDatetime": when}},
        },
        headers={"Authorization": f"Bearer {emulator.token}"},
        timeout=10,
    )
    answer.raise_for_status()


def test_a_backup_that_covers_a_moment_stays_the_same_after_an_in_place_restore(
    api_env: RunningEmulator,
) -> None:
    (source,) = make_clusters(api_env, "source")
    active = find_backup("de/fra", source)
    moment = active.earliest_recovery_target_time
    assert moment is not None and find_backup("de/fra", source, covering=moment) == active
    restore_in_place(api_env, source, moment)
    list_clusters("de/fra")  # the restore completes at the next read
    now_active = find_backup("de/fra", source)
    assert now_active.id != active.id  # what `get_backups`' is_active names has moved on
    assert find_backup("de/fra", source, covering=moment).id == active.id  # the pinned one has not
    with pytest.raises(CatalogLookupError, match="has no backup whose recovery window holds 2020"):
        find_backup("de/fra", source, covering="2020-01-01T00:00:00Z")
    with pytest.raises(CatalogLookupError, match="covering 'yesterday' is not an RFC 3339 time"):
        find_backup("de/fra", source, covering="yesterday")


def test_a_restored_cluster_runs_the_version_of_its_backup(api_env: RunningEmulator) -> None:
    with PostgresClient("de-fra", env=api_env.env()) as client:
        made = client.create_cluster(
            m.ClusterCreateProperties.model_validate(cluster_properties(name="old", version="15"))
        )
        client.get_cluster(made.id)
    backup = find_backup("de/fra", made.id)
    assert resolve_restored_version("de/fra", backup.id) == "15"  # not the recommended 16
    assert resolve_restored_version("de/fra", None) == "16"
    missing = "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2"
    with pytest.raises(CatalogLookupError, match=f"source_backup_id: '{missing}' is not a backup in de/fra"):
        resolve_restored_version("de/fra", missing)


def make_clusters(emulator: RunningEmulator, *names: str) -> list[str]:
    with PostgresClient("de-fra", env=emulator.env()) as client:
        return [
            client.create_cluster(m.ClusterCreateProperties.model_validate(cluster_properties(name=name))).id
            for name in names
        ]


def test_clusters_by_exact_name(api_env: RunningEmulator) -> None:
    """The service's filter matches a part of the name in any case; the lookup compares exactly."""
    orders, _, _ = make_clusters(api_env, "orders", "Orders-archive", "billing")
    assert [c["name"] for c in list_clusters("de/fra")] == ["orders", "Orders-archive", "billing"]
    (found,) = list_clusters("de/fra", "orders")
    assert (found["id"], found["name"], found["location"]) == (orders, "orders", "de-fra")
    assert found["state"] == "AVAILABLE"
    assert found["dns_name"].endswith(".postgresql.de-fra.ionos.com")
    assert found["instances"] == {"count": 1, "ram": 4, "cores": 4, "storage_size": 10}
    assert found["credentials"] == {"username": "my_dbuser", "database": "my_database"}  # never a password
    assert list_clusters("de/fra/1", "ORDERS") == []  # de/fra/1 is served by de-fra too
    assert list_clusters("es/vit") == []


def test_one_cluster_by_id_or_name(api_env: RunningEmulator) -> None:
    orders, twin_a, twin_b = make_clusters(api_env, "orders", "twin", "twin")
    assert find_cluster("de/fra", name="orders")["id"] == orders
    assert find_cluster("de/fra", cluster_id=twin_a)["id"] == twin_a
    assert find_cluster("de/fra", cluster_id=twin_b, name="twin")["id"] == twin_b
    with pytest.raises(ClusterLookupError, match=f"2 clusters in de/fra have the name 'twin' .*{twin_a}"):
        find_cluster("de/fra", name="twin")
    with pytest.raises(ClusterLookupError, match="no cluster in de/fra has the name 'orde'"):
        find_cluster("de/fra", name="orde")
    with pytest.raises(ClusterLookupError, match=f"has the id {orders} and name 'twin'"):
        find_cluster("de/fra", cluster_id=orders, name="twin")
    with pytest.raises(ClusterLookupError, match="needs a cluster_id or a name"):
        find_cluster("de/fra")
