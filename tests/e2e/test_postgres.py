"""Through the real engine, with real PostgreSQL behind the emulator: `pulumi up`, then connect with the
stack's secret connection URI; rotate the password; destroy. A major-version upgrade with
`allow_major_version_upgrade`: the server answers with the new version, the rows kept."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.installations import installed_servers
from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import emulator_thread
from scripts.pulumi_project import Engine
from tests.e2e.rows import ROWS, rows, write_rows
from tests.engine import PASSWORD, configure, copy_project

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not installed_servers(),
        reason="no PostgreSQL server is installed: run `apt-get install postgresql` "
        "(scripts/setup does it when it runs as root)",
    ),
]


def test_up_connect_rotate_the_password_destroy(engine: Engine, tmp_path: Path, pg_data_dir: Path) -> None:
    data_dir = pg_data_dir
    with emulator_thread(postgres=True, data_dir=data_dir, paces=Paces.parse("1s")) as emu:
        stack = engine.stack(copy_project("basic", tmp_path), "dev")
        configure(stack, emu)
        result = stack.up(color="never")
        uri = result.outputs["connectionUri"]
        assert uri.secret
        host = result.outputs["dnsName"].value
        assert uri.value == f"postgresql://app:E2e-Passw0rd%21@{host}:5432/app"
        with psycopg.connect(uri.value, connect_timeout=5) as connection:
            connection.execute("create table visits (page text)")
            connection.execute("insert into visits values ('/home')")
        psql = installed_servers()[max(installed_servers())] / "psql"
        shown = subprocess.run(
            [str(psql), uri.value, "-tAc", "select page from visits"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert shown.stdout.strip() == "/home"

        rotated = "R0tated-Passw0rd!"
        stack.set_config("ionos-postgres-basic:password", auto.ConfigValue(rotated, secret=True))
        result = stack.up(color="never")
        assert result.summary.resource_changes == {"same": 2, "update": 1}
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(uri.value, connect_timeout=5)
        new_uri = result.outputs["connectionUri"].value
        assert "R0tated-Passw0rd%21" in new_uri
        with psycopg.connect(new_uri, connect_timeout=5) as connection:
            assert connection.execute("select page from visits").fetchall() == [("/home",)]

        stack.destroy(color="never")
        assert emu.admin.clusters() == []
        assert list((data_dir / "postgres" / "clusters").iterdir()) == []
        deadline = time.monotonic() + 10
        while True:
            try:
                psycopg.connect(new_uri, connect_timeout=2).close()
            except psycopg.OperationalError:
                break
            assert time.monotonic() < deadline, "the server still answers after destroy"
            time.sleep(0.2)
    assert PASSWORD not in "".join(p.read_text(errors="replace") for p in data_dir.glob("*.sqlite3*"))


def server_version(uri: str) -> str:
    with psycopg.connect(uri, connect_timeout=5) as connection:
        row = connection.execute("select version()").fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.skipif(
    not {15, 16} <= set(installed_servers()),
    reason="needs PostgreSQL 15 and 16 where the emulator finds them: scripts/setup installs Debian's "
    "postgresql (15) and the pgserver package (16)",
)
def test_a_major_upgrade_through_pulumi_up_runs_the_new_version_with_the_rows(
    engine: Engine, tmp_path: Path, pg_data_dir: Path
) -> None:
    with emulator_thread(postgres=True, data_dir=pg_data_dir, paces=Paces.parse("1s")) as emu:
        stack = engine.stack(copy_project("basic", tmp_path), "dev")
        configure(stack, emu, version="15")
        uri = stack.up(color="never").outputs["connectionUri"].value
        write_rows(uri)
        assert server_version(uri).startswith("PostgreSQL 15.")

        stack.set_config("ionos-postgres-basic:version", auto.ConfigValue("16"))
        stack.set_config("ionos-postgres-basic:allowMajorVersionUpgrade", auto.ConfigValue("true"))
        result = stack.up(color="never")
        assert result.summary.resource_changes == {"same": 2, "update": 1}
        assert (result.outputs["version"].value, result.outputs["connectionUri"].value) == ("16", uri)
        assert server_version(uri).startswith("PostgreSQL 16.")
        assert rows(uri) == ROWS
        (cluster,) = emu.admin.clusters()
        assert (cluster["properties"]["version"], cluster["statusMessage"]) == ("16", None)
        stack.destroy(color="never")
