"""The store's first creation: atomic under SIGKILL, safe with two first runs at once, a
half-created store repaired or refused, and the SQLite file readable by its owner only."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, insert

from ingest import tables as t
from ingest.store import Store, StoreError

REPO = Path(__file__).resolve().parents[1]


def _migrate_process(db: str, fault: str | None = None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "LSSINVOICE_FAULT"}
    if fault:
        env["LSSINVOICE_FAULT"] = fault
    return subprocess.Popen([sys.executable, "-c", f"from ingest.store import Store; Store({db!r}).migrate()"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _tables(db: str) -> set[str]:
    store = Store(db)
    with store.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    store.dispose()
    return names


def _version(db: str) -> str | None:
    store = Store(db)
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    store.dispose()
    return row[0] if row else None


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from ingest.store import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_sigkill_during_first_creation_leaves_an_empty_store_that_the_next_run_creates(tmp_path):
    db = f"sqlite:///{tmp_path / 'store.db'}"
    killed = _migrate_process(db, fault="store.migrated")
    killed.communicate(timeout=120)
    assert killed.returncode == -9  # killed after every table was made, before the commit
    assert _tables(db) == set()  # nothing of the half-done creation is left
    again = _migrate_process(db)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert set(t.metadata.tables) <= _tables(db) and _version(db) == _head()


def test_two_first_runs_at_once_both_succeed(tmp_path):
    for attempt in range(5):
        db = f"sqlite:///{tmp_path / f'race-{attempt}.db'}"
        procs = [_migrate_process(db) for _ in range(2)]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
        assert _version(db) == _head()


def test_half_created_store_with_empty_tables_is_repaired(tmp_path, caplog):
    db = f"sqlite:///{tmp_path / 'half.db'}"
    store = Store(db)
    t.metadata.create_all(store.engine)  # what the old, non-atomic creation left: no version
    store.migrate()
    assert _version(db) == _head()
    assert "dropped the empty tables of an interrupted first creation" in caplog.text
    store.dispose()


def test_half_created_store_holding_rows_is_refused_and_left_alone(tmp_path):
    from datetime import UTC, datetime

    db = f"sqlite:///{tmp_path / 'rows.db'}"
    store = Store(db)
    t.metadata.create_all(store.engine)
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(insert(t.documents).values(source_name="a.xml", sha256="0" * 64, size=1, state="stored",
                                                attempts=1, received_at=now, updated_at=now, source_removed=True))
    with pytest.raises(StoreError, match=r"has lssinvoice tables but no schema version, and documents hold rows"):
        store.migrate()
    assert "alembic_version" not in _tables(db)  # nothing was changed
    store.dispose()


def test_sqlite_store_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "private" / "store.db"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    store.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for extra in (path.with_name("store.db-wal"), path.with_name("store.db-shm")):
        if extra.exists():
            assert stat.S_IMODE(extra.stat().st_mode) == 0o600


def test_a_fault_point_that_does_not_exist_is_refused(monkeypatch):
    from ingest import faults

    monkeypatch.setenv(faults.ENV, "no.such.point")
    faults._plan.cache_clear()
    try:
        with pytest.raises(ValueError, match="unknown fault point 'no.such.point'"):
            faults.point("store.migrated")
    finally:
        monkeypatch.delenv(faults.ENV)
        faults._plan.cache_clear()
