"""Loopback addresses claimed machine-wide: emulators on one machine never hand out the same one."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ionos_postgres_pulumi.emulator.addresses import (
    ADDRESSES,
    AddressBook,
    Claim,
    port_is_free,
    process_started,
)


def book(tmp_path: Path, name: str) -> AddressBook:
    owner = tmp_path / name
    owner.mkdir(exist_ok=True)
    return AddressBook(str(owner), tmp_path / "claims", 5432)


def from_the_first(tmp_path: Path) -> None:
    """Forget which address was handed out last: the next claim looks at the range from its start."""
    (tmp_path / "claims" / ".last").unlink(missing_ok=True)


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
    from_the_first(tmp_path)
    other = book(tmp_path, "second")
    assert other.claim_new() != address  # a stale claim whose data is still there is passed over
    after = book(tmp_path, "first")
    after.reclaim(address)
    assert json.loads((tmp_path / "claims" / address).read_text())["pid"] == after.me.pid
    assert other.claim_new() != address


def test_a_stale_claim_whose_emulator_data_is_gone_is_free(tmp_path: Path) -> None:
    address = book(tmp_path, "first").claim_new()
    (tmp_path / "claims" / address).write_text(json.dumps(dead_claim(tmp_path / "deleted")))
    from_the_first(tmp_path)
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


def test_an_address_released_a_moment_ago_is_not_handed_out_again(tmp_path: Path) -> None:
    """A replacement deletes its old cluster, then makes the new one: the new one gets a new host name, as
    IONOS gives it one; a consumer that kept the old host sees the change."""
    first = book(tmp_path, "first")
    old = first.claim_new()
    first.release(old)
    assert first.claim_new() != old
    after_a_restart = book(tmp_path, "first")  # the turn is kept in the claims folder
    assert after_a_restart.claim_new() != old


def test_the_turn_wraps_around_at_the_end_of_the_range(tmp_path: Path) -> None:
    first = book(tmp_path, "first")
    (tmp_path / "claims" / ".last").write_text("127.10.255.254")
    expected = next(
        str(host)
        for host in ADDRESSES.hosts()
        if host.packed[-1] not in (0, 1, 255) and port_is_free(str(host), 5432)
    )
    assert first.claim_new() == expected


def test_a_claim_knows_whether_its_process_lives() -> None:
    import os

    me = Claim(os.getpid(), process_started(os.getpid()), "here")
    assert me.is_alive()
    assert not Claim(os.getpid(), "not-my-start-time", "here").is_alive()  # the pid was reused
