"""The store: SQLAlchemy engine set-up for SQLite (default) and PostgreSQL, and migrations.

SQLite runs in WAL mode with a busy timeout, so a reader never blocks the writer and a second
process waits instead of failing; PostgreSQL is for several workers. The schema is created
and upgraded only through Alembic (``Store.migrate``), never ad hoc.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from . import faults

MIGRATIONS = Path(__file__).parent / "migrations"
_log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` (what people paste) for psycopg 3, and a
    bare path for SQLite."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    return url


WAL_SWITCH_SECONDS = 30


def _enable_wal(cursor) -> None:
    """Put the database in WAL mode, waiting for other connections if need be.

    Switching the journal mode needs an exclusive lock and SQLite does not call its busy
    handler for it: two processes opening a new store at the same moment would see
    "database is locked" at once. So the switch is made only when the mode is not WAL yet
    (a read, no lock), and retried while another connection holds the lock."""
    import sqlite3
    import time

    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    _enable_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it consistent
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class StoreError(Exception):
    """The store cannot be used as it is; the message names it and says what to do."""


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite opens it.

    The store holds personal data (personnummer in time reports). SQLite creates its -wal
    and -shm files with the permissions of the database file, so they follow. An existing
    file keeps its permissions (the administrator may have chosen a group)."""
    from .blobs import private_dirs

    private_dirs(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            _create_private(Path(path))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    """A database of received documents; ``migrate()`` brings its schema to the newest."""

    def __init__(self, url: str):
        self.url = normalise_url(url)
        self.engine = make_engine(url)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def migrate(self) -> None:
        """Create or upgrade the schema in ONE transaction, one migrator at a time.

        A crash part-way (SIGKILL, power cut) leaves the store as it was before, never
        tables without a schema version; a second process starting at the same moment waits
        for the first and then finds nothing to do. On SQLite that needs an explicit
        ``BEGIN IMMEDIATE``: the sqlite3 module opens transactions only before INSERT and
        UPDATE, so the DDL of a first creation would otherwise commit statement by statement.
        A store that an earlier version left half-created is repaired when its tables are
        empty, and refused with :class:`StoreError` otherwise.
        """
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # SQLite changes a column by copying its table, which the foreign keys of the
                # rows pointing at it would refuse; the pragma only takes effect outside a
                # transaction. The keys are checked once the copy is done.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()  # ends SQLAlchemy's autobegun (empty) transaction
            try:
                if sqlite:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, before reading the version
                else:
                    # One migrator at a time when several workers start together.
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
                self._repair_half_created(conn)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise StoreError(f"{self.url}: the migration left rows without their parent: {broken[:5]}")
                faults.point("store.migrated")
                conn.commit()
            finally:
                conn.rollback()  # nothing open unless the upgrade failed
                if sqlite:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.commit()

    def _repair_half_created(self, conn) -> None:
        """Tables of ours but no schema version: a first creation that was interrupted by a
        version before creation was atomic. Empty tables are dropped (the migration then
        creates them again); tables holding rows are refused, never guessed at."""
        from sqlalchemy import func, inspect, select

        from .tables import metadata

        present = set(inspect(conn).get_table_names())
        if "alembic_version" in present and conn.exec_driver_sql("SELECT version_num FROM alembic_version").first():
            return
        ours = [table for table in reversed(metadata.sorted_tables) if table.name in present]
        if not ours:
            return
        holding = [table.name for table in ours
                   if conn.execute(select(func.count()).select_from(table)).scalar_one()]
        if holding:
            raise StoreError(
                f"{self.url}: the store has lssinvoice tables but no schema version, and "
                f"{', '.join(sorted(holding))} hold rows: its creation was interrupted or it was not made by "
                "lssinvoice. Nothing was changed; restore it from a backup or move it aside.")
        for table in ours:
            table.drop(conn)
        if "alembic_version" in present:
            conn.exec_driver_sql("DROP TABLE alembic_version")
        _log.warning("%s: dropped the empty tables of an interrupted first creation (%s); creating them again",
                     self.url, ", ".join(table.name for table in ours))

    def dispose(self) -> None:
        self.engine.dispose()
