"""The store: SQLAlchemy engine set-up for SQLite (default) and PostgreSQL, and migrations.

SQLite runs in WAL mode with a busy timeout, so a reader never blocks the writer and a second
process waits instead of failing; PostgreSQL is for several workers. The schema is created
and upgraded only through Alembic (``Store.migrate``), never ad hoc.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it consistent
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
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
                with conn.begin():
                    if self.is_postgres:
                        # One migrator at a time when several workers start together.
                        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
            finally:
                if sqlite:
                    conn.rollback()  # nothing open unless the upgrade failed
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.commit()

    def dispose(self) -> None:
        self.engine.dispose()
