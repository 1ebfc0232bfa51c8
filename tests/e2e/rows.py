"""Rows written through a stack's `connectionUri` and read back: how an end-to-end test shows that a change,
a refusal or a destroy kept a database's data (the emulator's real-PostgreSQL mode)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from ionos_postgres_pulumi.emulator.installations import installed_servers

NEEDS_POSTGRES = pytest.mark.skipif(
    not installed_servers(),
    reason="no PostgreSQL server is installed: run `apt-get install postgresql` "
    "(scripts/setup does it when it runs as root)",
)
ROWS = [(1, "an order written before the change"), (2, "another one")]


def write_rows(uri: str) -> None:
    with psycopg.connect(uri, connect_timeout=10) as connection:
        connection.execute("create table orders (id int primary key, note text)")
        connection.cursor().executemany("insert into orders values (%s, %s)", ROWS)


def rows(uri: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(uri, connect_timeout=10) as connection:
        return connection.execute("select id, note from orders order by id").fetchall()


def tables(uri: str) -> list[str]:
    """The tables a connection to `uri` sees in its database (none in a new one)."""
    with psycopg.connect(uri, connect_timeout=10) as connection:
        found = connection.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
        return [name for (name,) in found]
