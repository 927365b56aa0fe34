"""Backups of the database, and putting one back: SQLite through its online backup API, PostgreSQL through
``pg_dump``/``pg_restore`` (custom format).

A backup file is a tar (gzip) of ``manifest.json`` (what it is: format, database kind, when, the log id and the
history tree's size and root), ``leaves.bin`` (the tree's leaf hashes, 32 bytes each, in tree order: what a
restore compares with the signed checkpoints before it touches anything) and the database itself
(``database.sqlite`` or ``database.pgdump``). Everything opsflow keeps lives in the database (attached files
too, as blobs; the nodes' shared secrets); the signing key and the checkpoint directory do not go in: they are
evidence kept apart from the database, and a backup must not be able to put an older evidence back.

Both copies are consistent while the web and the worker write: SQLite's backup API copies one snapshot; for
PostgreSQL the tree is read in a repeatable-read transaction whose snapshot ``pg_dump --snapshot`` dumps.
Putting a copy back is all or nothing: SQLite copies the checked file into the live one through the backup
API (one write transaction); ``pg_restore --single-transaction`` rolls back on any error.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine as DbEngine
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..errors import InvalidInput
from ..models import HistoryEvent, HistoryTree
from ..private_files import private_folder
from . import merkle
from .sequencer import leaf_of, sequenced_events
from .tiles import ORG_RECORD_NAME, Leaf

FORMAT = "opsflow-backup/1"
MANIFEST, LEAVES = "manifest.json", "leaves.bin"
T = TypeVar("T")
MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
CONTENTS = ("the whole database: processes, instances, history, attached files, users, settings",)
LEFT_OUT = ("the signing key", "the checkpoint directory (checkpoints, tiles, rollback notes)")


@dataclass(frozen=True)
class BackupManifest:
    format: str
    dialect: str
    created_at: str
    log_id: str | None
    tree_size: int
    tree_root: str  # base64
    events: int
    revision: str | None  # the schema's Alembic revision

    def to_json(self) -> bytes:
        return json.dumps({**self.__dict__, "contains": CONTENTS, "left_out": LEFT_OUT}, indent=1).encode()


@dataclass(frozen=True)
class BackupFile:
    manifest: BackupManifest
    leaves: list[bytes]
    archive: Path


def tree_leaves(session: Session) -> tuple[str | None, list[Leaf]]:
    """The log id and the leaves of the database's history tree (its sequenced events, in tree order)."""
    tree = session.get(HistoryTree, 1)
    if tree is None:
        return None, []
    leaves = []
    for index, row in enumerate(sequenced_events(session, 0, tree.size)):
        if row.tree_index != index:
            raise InvalidInput(f"the database's tree has no event at index {index}: it is not a whole history")
        leaves.append(Leaf(leaf_of(row), ORG_RECORD_NAME if row.instance_id is None else row.instance_id, row.seq))
    if len(leaves) != tree.size:
        raise InvalidInput(f"the database's tree says {tree.size} events, {len(leaves)} hold tree indices")
    return tree.log_id, leaves


def _manifest(session: Session, dialect: str, now: datetime) -> tuple[BackupManifest, list[bytes]]:
    log_id, leaves = tree_leaves(session)
    hashes = [leaf.hash for leaf in leaves]
    events = session.scalar(select(HistoryEvent.id).order_by(HistoryEvent.id.desc()).limit(1)) or 0
    try:
        with session.begin_nested():  # a failed statement must not end the snapshot's transaction
            revision = session.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:  # a database made without Alembic has no such table
        revision = None
    return BackupManifest(FORMAT, dialect, utc_iso(now), log_id, len(hashes),
                          base64.b64encode(merkle.root(hashes)).decode(), events, revision), hashes


def _write_archive(out: Path, manifest: BackupManifest, leaves: list[bytes], database: Path) -> None:
    """Write the backup beside ``out`` and move it into place (a half-written backup never has its name)."""
    private_folder(out.parent)
    fd, temp = tempfile.mkstemp(dir=out.parent, prefix=".backup-")
    try:
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            for name, content in ((MANIFEST, manifest.to_json()), (LEAVES, b"".join(leaves))):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
            archive.add(database, MEMBERS[manifest.dialect])
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _sqlite_path(db: DbEngine) -> Path:
    database = db.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise InvalidInput("only a SQLite database in a file can be backed up")
    return Path(database)


def backup(db: DbEngine, out: Path, now: datetime) -> BackupManifest:
    """Write a consistent backup of the database to ``out``. :raise InvalidInput: no client tool, wrong version."""
    if db.dialect.name == "sqlite":
        return _backup_sqlite(db, out, now)
    if db.dialect.name == "postgresql":
        return _backup_postgres(db, out, now)
    raise InvalidInput(f"cannot back up a {db.dialect.name} database")


def _backup_sqlite(db: DbEngine, out: Path, now: datetime) -> BackupManifest:
    with tempfile.TemporaryDirectory(dir=out.parent) as folder:
        copy = Path(folder) / "database.sqlite"
        source, target = sqlite3.connect(_sqlite_path(db)), sqlite3.connect(copy)
        try:
            source.backup(target)  # one step: one snapshot, while others keep writing (WAL)
        finally:
            source.close()
            target.close()
        manifest, leaves = _read_sqlite(copy, now)
        _write_archive(out, manifest, leaves, copy)
    return manifest


def _read_sqlite(path: Path, now: datetime) -> tuple[BackupManifest, list[bytes]]:
    manifest, leaves = _leaves_of_sqlite(path, lambda session: _manifest(session, "sqlite", now))
    return manifest, leaves


def _leaves_of_sqlite(path: Path, read: Callable[[Session], T]) -> T:
    reader = create_engine(f"sqlite:///{path}")
    try:
        with Session(reader) as session:
            return read(session)
    finally:
        reader.dispose()


# -- PostgreSQL -------------------------------------------------------------------------------------------
def _client(tool: str, connection: Connection) -> str:
    """The path of ``pg_dump``/``pg_restore``, whose major version is at least the server's. :raise InvalidInput:"""
    found = shutil.which(tool)
    if found is None:
        raise InvalidInput(f"{tool} is not installed: install the PostgreSQL client of the server's version "
                           "(Debian: apt-get install postgresql-client)")
    answer = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout
    client = re.search(r"(\d+)(?:\.\d+)?", answer)
    server = int(connection.scalar(text("SHOW server_version_num")) or 0) // 10000
    if client is None or int(client.group(1)) < server:
        raise InvalidInput(f"{tool} is version {client.group(1) if client else '?'}, the server {server}: install "
                           f"the PostgreSQL {server} client (postgresql-client-{server})")
    return found


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the client tools, and the environment that carries the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise InvalidInput(f"{what} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _backup_postgres(db: DbEngine, out: Path, now: datetime) -> BackupManifest:
    dsn, env = libpq(db.url)
    with db.connect() as connection, tempfile.TemporaryDirectory(dir=out.parent) as folder:
        pg_dump = _client("pg_dump", connection)
        connection.rollback()
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            schema = connection.scalar(text("SELECT current_schema()"))
            with Session(bind=connection) as session:
                manifest, leaves = _manifest(session, "postgresql", now)
            dump = Path(folder) / "database.pgdump"
            # The dump sees what the tree above was read from: the same snapshot.
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--schema={schema}", "--no-owner",
                  "--file", str(dump), "--dbname", dsn], env, "pg_dump")
        _write_archive(out, manifest, leaves, dump)
    return manifest


# -- reading a backup and putting it back ------------------------------------------------------------------
def read_backup(path: Path) -> BackupFile:
    """The manifest and leaves of a backup file. :raise InvalidInput: not an opsflow backup."""
    try:
        with tarfile.open(path, "r:*") as archive:
            manifest_file, leaves_file = archive.extractfile(MANIFEST), archive.extractfile(LEAVES)
            if manifest_file is None or leaves_file is None:
                raise KeyError(MANIFEST)
            fields = json.loads(manifest_file.read())
            leaves_bytes = leaves_file.read()
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise InvalidInput(f"{path} is not an opsflow backup: {exc}") from exc
    if fields.get("format") != FORMAT:
        raise InvalidInput(f"{path} is not an {FORMAT} backup")
    manifest = BackupManifest(**{name: fields.get(name) for name in BackupManifest.__dataclass_fields__})
    leaves = [leaves_bytes[i:i + 32] for i in range(0, len(leaves_bytes), 32)]
    if len(leaves_bytes) % 32 or len(leaves) != manifest.tree_size or \
            base64.b64encode(merkle.root(leaves)).decode() != manifest.tree_root:
        raise InvalidInput(f"{path}: its leaves do not give the tree its manifest names: the file is damaged")
    return BackupFile(manifest, leaves, path)


@contextmanager
def _extracted(backup_file: BackupFile, folder: Path) -> Iterator[Path]:
    member = MEMBERS[backup_file.manifest.dialect]
    with tempfile.TemporaryDirectory(dir=folder) as temp, tarfile.open(backup_file.archive, "r:*") as archive:
        source = archive.extractfile(member)
        if source is None:
            raise InvalidInput(f"{backup_file.archive} holds no {member}")
        path = Path(temp) / member
        with open(path, "wb") as handle:
            shutil.copyfileobj(source, handle)
        yield path


def check_database(db: DbEngine, backup_file: BackupFile) -> list[Leaf] | None:
    """The backup is of this kind of database, and (SQLite) its database gives the tree its leaves name: then
    return that tree's leaves (a PostgreSQL dump is read once restored)."""
    if backup_file.manifest.dialect != db.dialect.name:
        raise InvalidInput(f"the backup is of a {backup_file.manifest.dialect} database, this one is "
                           f"{db.dialect.name}")
    if db.dialect.name == "sqlite":
        with _extracted(backup_file, _sqlite_path(db).parent) as copy:
            _, leaves = _leaves_of_sqlite(copy, tree_leaves)
            if [leaf.hash for leaf in leaves] != backup_file.leaves:
                raise InvalidInput(f"{backup_file.archive}: its database does not hold the tree its manifest names")
            return leaves
    with db.connect() as connection, connection.begin():
        live = _revision(connection)
    if live is not None and live != backup_file.manifest.revision:
        raise InvalidInput(f"the database is at schema revision {live}, the backup at "
                           f"{backup_file.manifest.revision}: tables of the newer schema would stay behind; drop "
                           "opsflow's tables first (or restore into an empty database), then restore and run "
                           "'opsflow init' (nothing was changed)")
    return None


def put_back(db: DbEngine, backup_file: BackupFile) -> None:
    """Replace the database's content with the backup's: all or nothing. :raise InvalidInput:"""
    if db.dialect.name == "sqlite":
        target_path = _sqlite_path(db)
        with _extracted(backup_file, target_path.parent) as copy:
            source, target = sqlite3.connect(copy), sqlite3.connect(target_path, timeout=10)
            try:
                source.backup(target)  # one write transaction on the live file: others see all of it or none
            except sqlite3.Error as exc:
                raise InvalidInput(f"the database could not be replaced ({exc}): is the web or the worker "
                                   "still running? stop them first") from exc
            finally:
                source.close()
                target.close()
        db.dispose()
        return
    dsn, env = libpq(db.url)
    with db.connect() as connection:
        pg_restore = _client("pg_restore", connection)
    db.dispose()
    with _extracted(backup_file, Path(tempfile.gettempdir())) as dump:
        # The schema itself stays (``public`` may hold other things, e.g. extensions); its objects are replaced.
        listing = subprocess.run([pg_restore, "--list", str(dump)], capture_output=True, text=True, env=env,
                                 check=False).stdout.splitlines()
        chosen = dump.with_name("restore.list")
        chosen.write_text("\n".join(line for line in listing if not _SCHEMA_ENTRY.match(line)) + "\n")
        _run([pg_restore, "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner",
              f"--use-list={chosen}", "--dbname", dsn, str(dump)], env, "pg_restore (nothing was changed)")


_SCHEMA_ENTRY = re.compile(r"^\d+;\s+\d+\s+\d+\s+(SCHEMA\s+-|COMMENT\s+-\s+SCHEMA)\s")


def _revision(connection: Connection) -> str | None:
    try:
        with connection.begin_nested():
            found = connection.scalar(text("SELECT version_num FROM alembic_version"))
        return str(found) if found is not None else None
    except DBAPIError:  # no schema yet: nothing would be left behind
        return None
