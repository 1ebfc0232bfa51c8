"""The files the provider keeps between its processes: where they live, `off`, and whole replacement;
and the create journal that uses them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ionos_postgres_pulumi.provider.lifecycle import journal
from ionos_postgres_pulumi.provider.lifecycle.cache_files import (
    OFF,
    cache_path,
    read_json,
    write_json,
)


def test_a_cache_file_lives_where_its_variable_says_or_in_the_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("IONOS_PG_TIMINGS", raising=False)
    assert (
        cache_path("IONOS_PG_TIMINGS", "timings.json")
        == tmp_path / "cache/ionos-postgres-pulumi/timings.json"
    )
    monkeypatch.setenv("IONOS_PG_TIMINGS", str(tmp_path / "mine.json"))
    assert cache_path("IONOS_PG_TIMINGS", "timings.json") == tmp_path / "mine.json"


@pytest.mark.parametrize("spelling", sorted(OFF | {"OFF", "False"}))
def test_off_keeps_nothing(spelling: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IONOS_PG_JOURNAL", spelling)
    assert cache_path("IONOS_PG_JOURNAL", "creates") is None


def test_a_file_is_replaced_whole_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "new folder" / "data.json"
    write_json(path, {"a": [1, 2]})
    write_json(path, {"b": 3})
    assert read_json(path) == {"b": 3}
    assert [p.name for p in path.parent.iterdir()] == ["data.json"]  # no partial file left behind


def test_a_missing_or_broken_file_reads_as_nothing(tmp_path: Path) -> None:
    assert read_json(tmp_path / "absent.json") is None
    (tmp_path / "broken.json").write_text("{not json")
    assert read_json(tmp_path / "broken.json") is None


def test_a_file_that_cannot_be_written_raises_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "a file").write_text("")
    with pytest.raises(OSError):
        write_json(tmp_path / "a file" / "data.json", {})
    target = tmp_path / "folder"
    target.mkdir()
    with pytest.raises(TypeError):
        write_json(target / "data.json", {"not json": object()})
    assert list(target.iterdir()) == []


def test_the_journal_notes_a_create_until_it_settles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IONOS_PG_JOURNAL", str(tmp_path / "creates"))
    key = journal.key_of("https://api.example", "de-fra", "project/stack/db", "db")
    assert journal.unsettled(key) is None
    before = time.time()
    journal.note(key, settle_seconds=60)
    posted_at, settle_until = journal.unsettled(key) or (0.0, 0.0)
    assert before <= posted_at <= time.time()
    assert settle_until == pytest.approx(posted_at + 60)
    noted = (tmp_path / "creates" / f"{key}.json").read_text()
    assert "db" not in noted and "de-fra" not in noted  # only two times under a hashed name
    journal.forget(key)
    assert journal.unsettled(key) is None


def test_the_journal_drops_a_settled_or_foreign_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IONOS_PG_JOURNAL", str(tmp_path))
    journal.note("settled", settle_seconds=0)
    assert journal.unsettled("settled") is None
    assert not (tmp_path / "settled.json").exists()  # long settled: forgotten
    (tmp_path / "foreign.json").write_text(json.dumps(["not", "a", "note"]))
    assert journal.unsettled("foreign") is None


def test_the_journal_switched_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("IONOS_PG_JOURNAL", "off")
    journal.note("key", settle_seconds=60)
    assert journal.unsettled("key") is None
    assert list(tmp_path.iterdir()) == []
