"""The emulator's real-PostgreSQL mode: clusters you can connect to, restart, restore and delete."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ionos_postgres_pulumi.emulator.addresses import ADDRESSES, port_is_free
from ionos_postgres_pulumi.emulator.installations import installed_servers, nearest_major
from ionos_postgres_pulumi.emulator.postgres import PostgresBackend
from ionos_postgres_pulumi.emulator.seed import load_seed
from ionos_postgres_pulumi.emulator.testing import (
    RunningEmulator,
    emulator_thread,
    kill_process,
    restart_process,
    start_process,
    stop_postgres_servers,
    stop_process,
)
from ionos_postgres_pulumi.provider.api import PostgresClient, models
from tests.payloads import PASSWORD, cluster_properties

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not installed_servers(),
        reason="no PostgreSQL server is installed: run `apt-get install postgresql` "
        "(scripts/setup does it when it runs as root)",
    ),
]


OFFERED = [version.version for version in load_seed().versions]


def an_upgrade_between_installed_majors() -> tuple[str, str] | None:
    """A version and an upgrade target of it that both run here (15 to 16 where scripts/setup has run)."""
    installed = installed_servers()
    for version in load_seed().versions:
        targets = [t for t in version.can_upgrade_to if int(t) in installed]
        if int(version.version) in installed and targets:
            return version.version, targets[0]
    return None


UPGRADE = an_upgrade_between_installed_majors()
NEEDS_AN_UPGRADE = pytest.mark.skipif(
    UPGRADE is None,
    reason="needs two installed major versions, one an upgrade target of the other: scripts/setup installs "
    "15 (Debian's postgresql) and 16 (the pgserver package)",
)


def uri(
    host: str, username: str = "my_dbuser", password: str = PASSWORD, database: str = "my_database"
) -> str:
    from urllib.parse import quote

    return f"postgresql://{username}:{quote(password, safe='')}@{host}:5432/{database}"


def wait_available(client: PostgresClient, cluster_id: str, timeout: float = 60) -> models.ClusterRead:
    deadline = time.monotonic() + timeout
    while (cluster := client.get_cluster(cluster_id)).state != "AVAILABLE":
        assert cluster.state in ("PROVISIONING", "UPDATING"), (cluster.state, cluster.metadata.status_message)
        assert time.monotonic() < deadline, "the cluster did not become AVAILABLE"
        time.sleep(0.1)
    return cluster


def wait_gone(client: PostgresClient, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while client.list_clusters():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def create(client: PostgresClient, **overrides: Any) -> models.ClusterRead:
    properties = models.ClusterCreateProperties.model_validate(cluster_properties(**overrides))
    return wait_available(client, client.create_cluster(properties).id)


def ensure(client: PostgresClient, cluster: models.ClusterRead, **changes: Any) -> models.ClusterRead:
    properties = {**cluster_properties(), "name": cluster.name, **changes}
    client.ensure_cluster(cluster.id, models.ClusterProperties.model_validate(properties))
    return wait_available(client, cluster.id)


def query(connection_uri: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(connection_uri, connect_timeout=5) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def pg(pg_data_dir: Path) -> Iterator[tuple[RunningEmulator, PostgresClient]]:
    with emulator_thread(postgres=True, data_dir=pg_data_dir) as emu:
        yield emu, PostgresClient("de-fra", api_url=emu.api_url, token=emu.token, env={})


def test_a_cluster_is_a_real_postgresql_server(
    pg: tuple[RunningEmulator, PostgresClient], pg_data_dir: Path
) -> None:
    _, client = pg
    cluster = create(client)
    host = cluster.metadata.dns_name
    assert host is not None and host.startswith("127.10.")
    version, user, database = query(uri(host), "select version(), current_user, current_database()")[0]
    assert (user, database) == ("my_dbuser", "my_database")
    runs = nearest_major("16", installed_servers())
    assert version.startswith(f"PostgreSQL {runs}.")
    if runs == 16:
        assert cluster.metadata.status_message is None
    else:  # the cluster asked for 16: never silently another version
        said = cluster.metadata.status_message or ""
        assert "PostgreSQL 16 is not installed on the emulator's machine, so this cluster runs " in said
        assert f"runs PostgreSQL {runs};" in said
    assert not list(pg_data_dir.rglob("*" + PASSWORD + "*"))
    data = b"".join(p.read_bytes() for p in pg_data_dir.glob("*.sqlite3*"))
    assert PASSWORD.encode() not in data  # the emulator keeps the SCRAM verifier only
    # psql, as a user would
    psql = installed_servers()[runs] / "psql"
    answer = subprocess.run(
        [str(psql), uri(host), "-tAc", "select 40 + 2"], capture_output=True, text=True, check=True
    )
    assert answer.stdout.strip() == "42"


def server_version(host: str) -> str:
    ((version,),) = query(uri(host), "select version()")
    return str(version)


def test_each_cluster_runs_the_major_version_it_reports(pg: tuple[RunningEmulator, PostgresClient]) -> None:
    _, client = pg
    here = [version for version in OFFERED if int(version) in installed_servers()]
    for version in here:
        cluster = create(client, name=f"runs-{version}", version=version)
        assert server_version(cluster.metadata.dns_name or "").startswith(f"PostgreSQL {version}.")
        assert cluster.metadata.status_message is None


def test_a_version_the_machine_lacks_runs_on_the_nearest_one_and_says_so(
    pg: tuple[RunningEmulator, PostgresClient],
) -> None:
    _, client = pg
    lacking = [version for version in OFFERED if int(version) not in installed_servers()]
    if not lacking:
        pytest.skip("every version the emulator offers is installed here")
    version = lacking[-1]
    runs = nearest_major(version, installed_servers())
    cluster = create(client, version=version)
    assert cluster.metadata.status_message == (
        f"PostgreSQL {version} is not installed on the emulator's machine, so this cluster runs PostgreSQL "
        f"{runs}; to run {version}, install a PostgreSQL {version} server and name its bin folder in "
        "$IONOS_PG_EMULATOR_BINDIRS"
    )
    assert server_version(cluster.metadata.dns_name or "").startswith(f"PostgreSQL {runs}.")


def at_the_older_version(client: PostgresClient, sql: str) -> tuple[models.ClusterRead, str, str]:
    """A cluster at the older version of UPGRADE with `sql` run in it; its host; the version to upgrade to."""
    assert UPGRADE is not None
    cluster = create(client, version=UPGRADE[0])
    host = cluster.metadata.dns_name or ""
    query(uri(host), sql)
    return cluster, host, UPGRADE[1]


def settled(client: PostgresClient, cluster_id: str) -> tuple[models.ClusterRead, list[str]]:
    """The cluster once it is no longer UPDATING, and the states it showed until then."""
    states = []
    deadline = time.monotonic() + 120
    while (cluster := client.get_cluster(cluster_id)).state == "UPDATING":
        states.append(cluster.state)
        assert time.monotonic() < deadline, "the upgrade neither finished nor failed"
        time.sleep(0.1)
    return cluster, states


@NEEDS_AN_UPGRADE
def test_a_major_upgrade_runs_pg_upgrade_and_keeps_the_rows(
    pg: tuple[RunningEmulator, PostgresClient],
) -> None:
    emu, client = pg
    sql = "create table orders (id int); insert into orders values (1), (2)"
    cluster, host, new = at_the_older_version(client, sql)
    emu.admin.set_pace(update="manual")
    properties = {**cluster_properties(), "name": cluster.name, "version": new}
    client.ensure_cluster(cluster.id, models.ClusterProperties.model_validate(properties))
    assert client.get_cluster(cluster.id).state == "UPDATING"
    emu.admin.advance(cluster.id)  # pg_upgrade begins
    upgraded, states = settled(client, cluster.id)
    assert upgraded.state == "AVAILABLE" and states, states  # UPDATING while pg_upgrade runs
    assert server_version(host).startswith(f"PostgreSQL {new}.")
    assert query(uri(host), "select id from orders order by id") == [(1,), (2,)]  # the password too
    assert upgraded.metadata.status_message is None
    backups = client.list_backups(cluster_id=cluster.id)
    shown = [(b.properties.postgres_cluster_version, b.properties.is_active) for b in backups]
    assert shown == [(cluster.properties.version, False), (new, True)]


@NEEDS_AN_UPGRADE
def test_a_failed_upgrade_says_why_and_keeps_the_old_server_until_its_retry(
    pg: tuple[RunningEmulator, PostgresClient],
) -> None:
    _, client = pg
    # pg_upgrade cannot carry reg* columns over
    cluster, host, new = at_the_older_version(client, "create table odd (x regproc)")
    old = cluster.properties.version
    properties = models.ClusterProperties.model_validate({**cluster_properties(), "version": new})
    client.ensure_cluster(cluster.id, properties)
    failed, _ = settled(client, cluster.id)
    assert failed.state == "FAILED"
    said = failed.metadata.status_message or ""
    assert f"pg_upgrade from PostgreSQL {old} to {new} failed, the data of {old} kept: " in said
    assert "Your installation contains one of the reg* data types in user tables." in said
    assert server_version(host).startswith(f"PostgreSQL {old}.")
    query(uri(host), "drop table odd")
    client.ensure_cluster(cluster.id, properties)  # the retry
    assert wait_available(client, cluster.id, timeout=120).metadata.status_message is None
    assert server_version(host).startswith(f"PostgreSQL {new}.")


class AheadClock:
    """The service's clock, which a test puts ahead of the machine's (never back) instead of waiting."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead


@NEEDS_AN_UPGRADE
def test_backups_from_before_an_upgrade_restore_in_their_own_major_version(pg_data_dir: Path) -> None:
    assert UPGRADE is not None
    old, new = UPGRADE
    clock = AheadClock()
    with emulator_thread(postgres=True, data_dir=pg_data_dir, clock=clock) as emu:
        client = PostgresClient("de-fra", api_url=emu.api_url, token=emu.token, env={})
        restore_across_an_upgrade(client, clock, old, new)


def restore_across_an_upgrade(client: PostgresClient, clock: AheadClock, old: str, new: str) -> None:
    cluster = create(client, version=old)
    host = cluster.metadata.dns_name or ""
    moment = a_moment_between(
        host,
        "create table ledger (entry text); insert into ledger values ('kept')",
        "insert into ledger values ('before the upgrade')",
    )
    clock.ahead = 2  # the old backup ends 2 s after the moment (a target in its last second means its end)
    ensure(client, cluster, version=new)
    query(uri(host), "insert into ledger values ('after the upgrade')")
    before, _ = client.list_backups(cluster_id=cluster.id)
    # a new cluster from the backup of the old version: that version, with what it held
    clone = restored_from(client, {"sourceBackupId": before.id}, name="from-before", version=old)
    clone_host = clone.metadata.dns_name or ""
    assert server_version(clone_host).startswith(f"PostgreSQL {old}.")
    assert query(uri(clone_host), "select entry from ledger") == [("kept",), ("before the upgrade",)]
    # in place, to a moment before the upgrade: its data then, in the version the cluster has now
    restore = {"restoreFromBackup": {"recoveryTargetDatetime": moment}}
    restored = ensure(client, cluster, version=new, **restore)
    assert server_version(host).startswith(f"PostgreSQL {new}.")
    assert query(uri(host), "select entry from ledger") == [("kept",)]
    assert restored.metadata.status_message is None
    query(uri(host), "insert into ledger values ('after the restore')")  # a server that takes writes


def test_new_password_and_sizing_keep_the_data(pg: tuple[RunningEmulator, PostgresClient]) -> None:
    _, client = pg
    cluster = create(client)
    host = cluster.metadata.dns_name
    assert host is not None
    query(uri(host), "create table orders (id int); insert into orders values (1), (2)")
    new_password = "N3w-Secret-Pass!"
    ensure(
        client,
        cluster,
        credentials={"username": "my_dbuser", "password": new_password, "database": "my_database"},
        instances={"count": 1, "ram": 8, "cores": 4, "storageSize": 20},
    )
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        query(uri(host), "select 1")
    assert query(uri(host, password=new_password), "select count(*) from orders") == [(2,)]


def test_two_clusters_are_isolated(pg: tuple[RunningEmulator, PostgresClient]) -> None:
    _, client = pg
    first = create(
        client, name="first", credentials={"username": "alice", "password": PASSWORD, "database": "shop"}
    )
    second = create(
        client, name="second", credentials={"username": "bob", "password": PASSWORD, "database": "shop"}
    )
    assert first.metadata.dns_name != second.metadata.dns_name
    query(uri(first.metadata.dns_name or "", "alice", database="shop"), "create table only_here (x int)")
    with pytest.raises(psycopg.OperationalError):
        query(uri(second.metadata.dns_name or "", "alice", database="shop"), "select 1")
    tables = query(
        uri(second.metadata.dns_name or "", "bob", database="shop"),
        "select tablename from pg_tables where tablename = 'only_here'",
    )
    assert tables == []


def test_restore_from_a_backup_brings_the_data_back(pg: tuple[RunningEmulator, PostgresClient]) -> None:
    _, client = pg
    source = create(client, name="source")
    host = source.metadata.dns_name or ""
    query(uri(host), "create table drill (note text); insert into drill values ('before the accident')")
    (backup,) = client.list_backups(cluster_id=source.id)
    clone = client.create_cluster(
        models.ClusterCreateProperties.model_validate(
            {**cluster_properties(name="drill"), "restoreFromBackup": {"sourceBackupId": backup.id}}
        )
    )
    restored = wait_available(client, clone.id)
    assert restored.metadata.dns_name != host
    assert query(uri(restored.metadata.dns_name or ""), "select note from drill") == [
        ("before the accident",)
    ]


def a_moment_between(host: str, before: str, after: str) -> datetime:
    """Run `before`, read the server's clock, run `after`: a restore to that moment sees only `before`."""
    query(uri(host), before)
    ((moment,),) = query(uri(host), "select clock_timestamp()")
    query(uri(host), after)
    assert isinstance(moment, datetime)
    return moment.astimezone(UTC)


def test_an_in_place_restore_goes_back_in_time(pg: tuple[RunningEmulator, PostgresClient]) -> None:
    _, client = pg
    cluster = create(client)
    host = cluster.metadata.dns_name or ""
    point_in_time = a_moment_between(
        host,
        "create table ledger (entry text); insert into ledger values ('kept')",
        "insert into ledger values ('a mistake')",
    )
    restore = {"restoreFromBackup": {"recoveryTargetDatetime": point_in_time}}
    ensure(client, cluster, **restore)
    assert query(uri(host), "select entry from ledger") == [("kept",)]
    query(uri(host), "insert into ledger values ('after the restore')")  # a server that takes writes


def test_a_new_cluster_from_an_active_backup_to_a_moment_ago(
    pg: tuple[RunningEmulator, PostgresClient],
) -> None:
    _, client = pg
    source = create(client, name="source")
    moment = a_moment_between(
        source.metadata.dns_name or "",
        "create table orders (id int); insert into orders values (1), (2)",
        "insert into orders values (3)",
    )
    (backup,) = client.list_backups(cluster_id=source.id)
    restore = {"sourceBackupId": backup.id, "recoveryTargetDatetime": moment}
    clone = restored_from(client, restore, name="a-moment-ago")
    assert query(uri(clone.metadata.dns_name or ""), "select id from orders order by id") == [(1,), (2,)]


def restored_from(
    client: PostgresClient, restore: dict[str, Any], name: str, **overrides: Any
) -> models.ClusterRead:
    properties = {**cluster_properties(name=name, **overrides), "restoreFromBackup": restore}
    target = restore.get("recoveryTargetDatetime")
    if isinstance(target, str):  # as the API shows it
        restore["recoveryTargetDatetime"] = datetime.fromisoformat(target.replace("Z", "+00:00"))
    created = client.create_cluster(models.ClusterCreateProperties.model_validate(properties))
    return wait_available(client, created.id)


def delete_with_rows(client: PostgresClient, rows: str) -> models.BackupRead:
    """A cluster with `rows` in a table, deleted at once: its backup, ended, with its latest time."""
    source = create(client, name="deleted")
    query(
        uri(source.metadata.dns_name or ""),
        f"create table notes (note text); insert into notes values {rows}",  # noqa: S608 - the test's own rows
    )
    client.delete_cluster(source.id)
    wait_gone(client)
    (backup,) = client.list_backups(cluster_id=source.id)
    assert not backup.properties.is_active and backup.properties.latest_recovery_target_time is not None
    return backup


def test_a_deleted_clusters_backup_restores_to_its_advertised_latest_time(
    pg: tuple[RunningEmulator, PostgresClient],
) -> None:
    _, client = pg
    backup = delete_with_rows(client, "('first'), ('written just before the delete')")
    restore = {
        "sourceBackupId": backup.id,
        "recoveryTargetDatetime": backup.properties.latest_recovery_target_time,
    }
    clone = restored_from(client, restore, name="after-the-delete")
    notes = query(uri(clone.metadata.dns_name or ""), "select note from notes order by note")
    assert notes == [("first",), ("written just before the delete",)]


def test_a_failed_restore_says_why(pg: tuple[RunningEmulator, PostgresClient], pg_data_dir: Path) -> None:
    _, client = pg
    backup = delete_with_rows(client, "('lost with the archive')")
    for segment in (pg_data_dir / "postgres" / "archive" / str(backup.properties.cluster_id)).iterdir():
        segment.unlink()  # the WAL after the base backup is gone: the target cannot be reached
    properties = {
        **cluster_properties(name="cannot-finish"),
        "restoreFromBackup": {
            "sourceBackupId": backup.id,
            "recoveryTargetDatetime": datetime.fromisoformat(
                str(backup.properties.latest_recovery_target_time).replace("Z", "+00:00")
            ),
        },
    }
    created = client.create_cluster(models.ClusterCreateProperties.model_validate(properties))
    deadline = time.monotonic() + 60
    while (cluster := client.get_cluster(created.id)).state == "PROVISIONING":
        assert time.monotonic() < deadline, "the restore neither finished nor failed"
        time.sleep(0.1)
    assert cluster.state == "FAILED"
    message = cluster.metadata.status_message or ""
    assert "FATAL:  recovery ended before configured recovery target was reached" in message


def test_delete_stops_the_server_and_removes_its_data(
    pg: tuple[RunningEmulator, PostgresClient], pg_data_dir: Path
) -> None:
    _, client = pg
    cluster = create(client)
    host = cluster.metadata.dns_name or ""
    data = pg_data_dir / "postgres" / "clusters" / cluster.id
    assert data.is_dir()
    client.delete_cluster(cluster.id)
    wait_gone(client)
    assert not data.exists()
    with pytest.raises(psycopg.OperationalError):
        query(uri(host), "select 1")


def test_an_emulator_restart_brings_the_servers_back_with_their_data(pg_data_dir: Path) -> None:
    emulator = start_process(pg_data_dir, extra_args=["--postgres"])
    try:
        client = PostgresClient("de-fra", api_url=emulator.api_url, token=emulator.token, env={})
        cluster = create(client)
        host = cluster.metadata.dns_name or ""
        query(uri(host), "create table survives (x int); insert into survives values (7)")
        emulator = restart_process(
            emulator, kill=False
        )  # a clean stop stops the servers; the start starts them
        client = PostgresClient("de-fra", api_url=emulator.api_url, token=emulator.token, env={})
        assert client.get_cluster(cluster.id).state == "AVAILABLE"
        assert query(uri(host), "select x from survives") == [(7,)]
        emulator = restart_process(emulator, kill=True)  # SIGKILL: the servers outlive it, and are used again
        client = PostgresClient("de-fra", api_url=emulator.api_url, token=emulator.token, env={})
        assert query(uri(host), "select x from survives") == [(7,)]
    finally:
        kill_process(emulator)


# -- addresses shared with the rest of the machine -------------------------------------------------


def first_free_address() -> str:
    """The address an emulator without claims of its own would look at first."""
    for host in ADDRESSES.hosts():
        if host.packed[-1] not in (0, 1, 255) and port_is_free(str(host), 5432):
            return str(host)
    raise AssertionError("no loopback address has port 5432 free")


def test_an_address_whose_port_is_taken_is_passed_over(pg_data_dir: Path) -> None:
    """Something else listens there (a demo's server, any program): the emulator checks, not assumes."""
    occupied = first_free_address()
    with socket.create_server((occupied, 5432)) as listener:
        assert listener.getsockname() == (occupied, 5432)
        backend = PostgresBackend(pg_data_dir / "postgres", claims=pg_data_dir.parent / "claims")
        with emulator_thread(backend=backend, postgres=True, data_dir=pg_data_dir) as emu:
            client = PostgresClient("de-fra", api_url=emu.api_url, token=emu.token, env={})
            host = create(client).metadata.dns_name or ""
            assert host != occupied
            assert query(uri(host), "select 1") == [(1,)]


def test_a_replacement_gets_a_new_address(pg: tuple[RunningEmulator, PostgresClient]) -> None:
    """A replacement deletes the old cluster, then makes the new one from its backup: the new one answers
    on a new host name, as IONOS gives it one, and the old host name answers no more."""
    _, client = pg
    old = create(client, name="replaced")
    old_host = old.metadata.dns_name or ""
    query(uri(old_host), "create table orders (id int); insert into orders values (1)")
    (backup,) = client.list_backups(cluster_id=old.id)
    client.delete_cluster(old.id)
    wait_gone(client)
    new = restored_from(client, {"sourceBackupId": backup.id}, name="replaced")
    new_host = new.metadata.dns_name or ""
    assert new_host.startswith("127.10.") and new_host != old_host
    assert query(uri(new_host), "select id from orders") == [(1,)]
    with pytest.raises(psycopg.OperationalError):
        query(uri(old_host), "select 1")


def test_an_address_taken_after_its_claim_is_traded_before_the_first_start(pg_data_dir: Path) -> None:
    """A claim is checked, not held: something that starts to listen there between the POST and the server's
    first start (another emulator with its own claims, any program) moves the new cluster elsewhere."""
    backend = PostgresBackend(pg_data_dir / "postgres", claims=pg_data_dir.parent / "claims")
    with emulator_thread(backend=backend, postgres=True, data_dir=pg_data_dir) as emu:
        emu.admin.set_pace(create="manual")
        client = PostgresClient("de-fra", api_url=emu.api_url, token=emu.token, env={})
        properties = models.ClusterCreateProperties.model_validate(cluster_properties())
        posted = client.create_cluster(properties)
        claimed = posted.metadata.dns_name or ""
        with socket.create_server((claimed, 5432)):
            emu.admin.advance(posted.id)
            cluster = wait_available(client, posted.id)
        host = cluster.metadata.dns_name or ""
        assert host not in ("", claimed)
        assert query(uri(host), "select 1") == [(1,)]
        assert client.get_cluster(posted.id).metadata.dns_name == host  # and it stays there


def create_at_once(emulators: list[RunningEmulator], per_emulator: int) -> list[str]:
    """Every emulator creates clusters at the same moment; the hosts they report, once AVAILABLE."""
    clients = [PostgresClient("de-fra", api_url=e.api_url, token=e.token, env={}) for e in emulators]
    with ThreadPoolExecutor(len(clients) * per_emulator) as pool:
        futures = [
            pool.submit(create, client, name=f"at-once-{index}-{n}")
            for index, client in enumerate(clients)
            for n in range(per_emulator)
        ]
        return [future.result().metadata.dns_name or "" for future in futures]


def test_two_emulators_on_one_machine_never_share_an_address(pg_data_dir: Path) -> None:
    folders = [pg_data_dir, pg_data_dir.parent / "second"]
    emulators = [start_process(folder, extra_args=["--postgres"]) for folder in folders]
    try:
        hosts = create_at_once(emulators, per_emulator=2)
        assert len(set(hosts)) == 4, hosts
        for host in hosts:
            assert query(uri(host), "select 1") == [(1,)]
        # a stopped emulator keeps its addresses: the other one's new cluster takes none of them
        first_hosts = set(hosts[:2])
        stop_process(emulators[0])
        (later,) = create_at_once(emulators[1:], per_emulator=1)
        assert later not in first_hosts
        emulators[0] = start_process(folders[0], extra_args=["--postgres"])
        for host in (*first_hosts, later):
            assert query(uri(host), "select 1") == [(1,)]
    finally:
        for emulator, folder in zip(emulators, folders, strict=True):
            stop_process(emulator)
            stop_postgres_servers(folder)


def test_a_create_that_fails_for_a_while_makes_its_server_after_the_recovery(
    pg: tuple[RunningEmulator, PostgresClient],
) -> None:
    emu, client = pg
    emu.admin.add_fault("fail", transition="create", message="host lost; recovering", recoverAfter=0.5)
    properties = models.ClusterCreateProperties.model_validate(cluster_properties())
    created = client.create_cluster(properties)
    states = []
    deadline = time.monotonic() + 60
    while (cluster := client.get_cluster(created.id)).state != "AVAILABLE":
        states.append((cluster.state, cluster.metadata.status_message))
        assert time.monotonic() < deadline, states
        time.sleep(0.05)
    assert ("FAILED", "host lost; recovering") in states
    assert query(uri(cluster.metadata.dns_name or ""), "select 1") == [(1,)]
    assert len(client.list_backups(cluster_id=created.id)) == 1
