"""Loopback addresses for the real-PostgreSQL mode's servers, claimed machine-wide.

Every server listens on port 5432 (the port the API reports) of a loopback address of its own (127.10.x.y;
Linux routes all of 127.0.0.0/8 to the loopback interface). Several emulators may run on one machine (the
demo beside a test run, two test runs), so an address is handed out only when

- no other living emulator has claimed it: a claim is a small file named after the address in a folder
  that all emulators of the machine share (the system's temporary folder, or `$IONOS_PG_EMULATOR_CLAIMS`),
  written under a lock file, so two emulators that start clusters at the same moment never pick the same
  one. It names its emulator's process (its pid and start time, so a reused pid is not mistaken for it) and
  data folder; a claim whose process has died is stale;
- and port 5432 on it is free: checked by binding it, not assumed (a server left running by a killed
  emulator, or anything else listening there). The port is not held between the claim and the server's
  start; a new cluster whose address was taken meanwhile moves to another (`PostgresBackend._start`).

Addresses are handed out in turn, from the one after the address last handed out on the machine (named in
the folder's `.last`), wrapping around: a new cluster does not get the address a cluster deleted a moment
before had, so a replacement's new cluster has a new host name, as IONOS gives it one.

Claims stay when an emulator stops, so a restarted emulator finds its clusters' addresses unclaimed by
others and claims them again (its clusters keep their addresses). A stale claim whose emulator's data folder
is gone is free; other stale claims are taken over only when no other address is left (a first pass skips
them). Deleting a cluster removes its claim.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import json
import logging
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger("emulator.postgres")

ADDRESSES = ipaddress.ip_network("127.10.0.0/16")
ENV_CLAIMS = "IONOS_PG_EMULATOR_CLAIMS"
MAX_TAKEN_PORTS = 256  # addresses whose port is taken: past that, something listens on every address
LAST = ".last"  # in the claims folder: the address handed out last on this machine


def default_claims_dir() -> Path:
    """The folder every emulator of this machine uses, unless `$IONOS_PG_EMULATOR_CLAIMS` names another."""
    return Path(os.environ.get(ENV_CLAIMS) or Path(tempfile.gettempdir()) / "ionos-pg-emulator-addresses")


@dataclass(frozen=True)
class Claim:
    pid: int
    started: str  # the process's start time where the system tells it ("" elsewhere)
    owner: str  # the claiming emulator's data folder

    def is_alive(self) -> bool:
        """Its process still runs (and is the one that claimed, not a later one with the same pid)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's process: it exists
        except OSError:
            return False
        return not self.started or self.started == process_started(self.pid)


def process_started(pid: int) -> str:
    """When a process started, in clock ticks since boot (Linux's /proc); "" where that is not known."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = text.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def port_is_free(address: str, port: int) -> bool:
    """Whether a server could listen on `address:port` now (as PostgreSQL does, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


class AddressBook:
    """One emulator's claims on loopback addresses, kept in the machine's shared folder."""

    def __init__(self, owner: str, folder: Path, port: int) -> None:
        self.owner = owner
        self.folder = folder
        self.port = port
        self.me = Claim(os.getpid(), process_started(os.getpid()), owner)
        self.held: set[str] = set()  # what this emulator's clusters have (changed under the lock only)
        _shared_folder(folder)

    def claim_new(self) -> str:
        """A free address for a new server, claimed; RuntimeError when none is left."""
        with self._locked():
            for take_stale in (False, True):
                address = self._first_free(take_stale)
                if address is not None:
                    self.held.add(address)
                    self._remember_last(address)
                    return address
        raise RuntimeError(
            f"no loopback address in {ADDRESSES} has port {self.port} free for another PostgreSQL server "
            f"(claims in {self.folder})"
        )

    def reclaim(self, address: str) -> None:
        """After a restart: claim again the address a cluster of this emulator has."""
        with self._locked():
            claim = self._read(address)
            if claim is not None and claim.owner != self.owner and claim.is_alive():
                log.warning(
                    "address %s is claimed by another emulator (pid %s, data in %s); its cluster here may "
                    "not start",
                    address,
                    claim.pid,
                    claim.owner,
                )
                return
            self._write(address)
            self.held.add(address)

    def release(self, address: str) -> None:
        with self._locked():
            self.held.discard(address)
            claim = self._read(address)
            if claim is not None and claim.owner == self.owner:
                with contextlib.suppress(OSError):
                    (self.folder / address).unlink()

    def _first_free(self, take_stale: bool) -> str | None:
        ports_taken = 0
        for address in self._in_turn():
            if address in self.held or not self._claimable(address, take_stale):
                continue
            if not port_is_free(address, self.port):
                ports_taken += 1
                if ports_taken >= MAX_TAKEN_PORTS:
                    return None
                continue
            if self._write(address):
                return address
        return None

    def _in_turn(self) -> Iterator[str]:
        """Every address of the range once (not .0, .1 or .255 of a /24), from the one after the last handed
        out."""
        first, size = int(ADDRESSES.network_address), ADDRESSES.num_addresses
        last = self._last()
        for step in range(1, size + 1):
            offset = (last + step) % size
            if offset & 0xFF not in (0, 1, 255):
                yield str(ipaddress.IPv4Address(first + offset))

    def _last(self) -> int:
        """The offset in the range of the address handed out last (-1: none yet, or unreadable)."""
        try:
            address = ipaddress.IPv4Address((self.folder / LAST).read_text().strip())
        except (OSError, ValueError):
            return -1
        return int(address) - int(ADDRESSES.network_address) if address in ADDRESSES else -1

    def _remember_last(self, address: str) -> None:
        partial = self.folder / f"{LAST}.{os.getpid()}.partial"
        try:
            partial.write_text(address)
            partial.replace(self.folder / LAST)
        except OSError:  # another user's `.last` (the folder is sticky): the turn goes on from theirs
            with contextlib.suppress(OSError):
                partial.unlink()

    def _claimable(self, address: str, take_stale: bool) -> bool:
        claim = self._read(address)
        if claim is None or claim.owner == self.owner:
            return True  # unclaimed, or a leftover of this emulator's own
        if claim.is_alive():
            return False
        return take_stale or not Path(claim.owner).is_dir()  # an emulator whose data is gone never returns

    def _read(self, address: str) -> Claim | None:
        try:
            data = json.loads((self.folder / address).read_text())
            return Claim(int(data["pid"]), str(data["started"]), str(data["owner"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return Claim(0, "", "")  # unreadable: nobody's, stale

    def _write(self, address: str) -> bool:
        """Claim `address` (False when the file cannot be written: another user's stale claim)."""
        partial = self.folder / f".{address}.{os.getpid()}.partial"
        try:
            partial.write_text(json.dumps(asdict(self.me)))
            os.chmod(partial, 0o644)
            partial.replace(self.folder / address)
        except OSError:
            with contextlib.suppress(OSError):
                partial.unlink()
            return False
        return True

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The machine-wide lock: one emulator at a time reads and writes claims."""
        descriptor = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        try:
            with contextlib.suppress(OSError):
                os.fchmod(descriptor, 0o666)  # other users' emulators lock it too
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)


def _shared_folder(folder: Path) -> None:
    """The claims folder: made writable for every user, sticky (as /tmp), never a link to elsewhere."""
    try:
        folder.mkdir(parents=True)
        os.chmod(folder, 0o1777)  # noqa: S103 - shared by every user's emulator, sticky like /tmp
    except FileExistsError:
        pass
    if not stat.S_ISDIR(os.lstat(folder).st_mode):
        raise RuntimeError(f"{folder} must be a folder for address claims; remove it, or set ${ENV_CLAIMS}")
