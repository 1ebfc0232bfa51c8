"""Loopback addresses claimed machine-wide: emulators on one machine never hand out the same one."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ionos_postgres_pulumi.emulator.addresses import AddressBook, Claim, port_is_free, process_started


def book(tmp_path: Path, name: str) -> AddressBook:
    owner = tmp_path / name
    owner.mkdir(exist_ok=True)
    return AddressBook(str(owner), tmp_path / "claims", 5432)


def dead_claim(owner: Path) -> dict[str, object]:
    """A claim of a process that has ended."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return {"pid": int(ended.stdout), "started": "", "owner": str(owner)}


def test_two_emulators_claiming_at_the_same_moment_get_different_addresses(tmp_path: Path) -> None:
    books = [book(tmp_path, "first"), book(tmp_path, "second")]
    with ThreadPoolExecutor(8) as pool:
        claimed = list(pool.map(lambda n: books[n % 2].claim_new(), range(16)))
    assert len(set(claimed)) == 16
    for address in claimed:
        owner = json.loads((tmp_path / "claims" / address).read_text())["owner"]
        assert owner in (books[0].owner, books[1].owner)


def test_a_port_in_use_is_passed_over(tmp_path: Path) -> None:
    first = book(tmp_path, "first").claim_new()
    (tmp_path / "claims" / first).unlink()  # unclaimed again, but now something listens there
    with socket.create_server((first, 5432)):
        assert not port_is_free(first, 5432)
        assert book(tmp_path, "second").claim_new() != first


def test_a_restarted_emulator_keeps_its_addresses(tmp_path: Path) -> None:
    before = book(tmp_path, "first")
    address = before.claim_new()
    (tmp_path / "claims" / address).write_text(json.dumps(dead_claim(tmp_path / "first")))  # it died
    other = book(tmp_path, "second")
    assert other.claim_new() != address  # a stale claim whose data is still there is passed over
    after = book(tmp_path, "first")
    after.reclaim(address)
    assert json.loads((tmp_path / "claims" / address).read_text())["pid"] == after.me.pid
    assert other.claim_new() != address


def test_a_stale_claim_whose_emulator_data_is_gone_is_free(tmp_path: Path) -> None:
    address = book(tmp_path, "first").claim_new()
    (tmp_path / "claims" / address).write_text(json.dumps(dead_claim(tmp_path / "deleted")))
    assert book(tmp_path, "second").claim_new() == address


def test_a_living_emulators_claim_is_never_taken_and_a_release_frees_it(tmp_path: Path) -> None:
    first = book(tmp_path, "first")
    address = first.claim_new()
    second = book(tmp_path, "second")
    second.reclaim(address)  # refused (logged): it is the first one's
    assert json.loads((tmp_path / "claims" / address).read_text())["owner"] == first.owner
    assert address not in {second.claim_new() for _ in range(3)}
    first.release(address)
    assert not (tmp_path / "claims" / address).exists()


def test_a_claim_knows_whether_its_process_lives() -> None:
    import os

    me = Claim(os.getpid(), process_started(os.getpid()), "here")
    assert me.is_alive()
    assert not Claim(os.getpid(), "not-my-start-time", "here").is_alive()  # the pid was reused
