"""Persistence of the emulator's clusters and backups in SQLite (stdlib), one JSON document per row.

Every change is committed before the HTTP answer leaves, so killing the emulator loses nothing that a
client was told about. Without a data directory the state lives in memory only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

TABLES = ("clusters", "backups")


class Storage:
    def __init__(self, data_dir: Path | None) -> None:
        if data_dir is None:
            target = ":memory:"
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            target = str(data_dir / "emulator.sqlite3")
        self.path = target
        self._lock = threading.Lock()
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        for table in TABLES:
            self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")

    def load(self, table: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(f"SELECT doc FROM {table}").fetchall()  # noqa: S608 - fixed table names
        return [json.loads(row[0]) for row in rows]

    def put(self, table: str, identifier: str, doc: dict[str, Any]) -> None:
        text = json.dumps(doc, sort_keys=True)
        with self._lock:
            self._db.execute(
                f"INSERT INTO {table} (id, doc) VALUES (?, ?) "  # noqa: S608 - fixed table names
                "ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
                (identifier, text),
            )

    def delete(self, table: str, identifier: str) -> None:
        with self._lock:
            self._db.execute(f"DELETE FROM {table} WHERE id = ?", (identifier,))  # noqa: S608

    def clear(self) -> None:
        with self._lock:
            for table in TABLES:
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608

    def close(self) -> None:
        with self._lock:
            self._db.close()
