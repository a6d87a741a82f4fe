"""The store's schema comes only from Alembic revisions, and every revision upgrades data."""
from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select

from ingest import tables as t
from ingest.store import MIGRATIONS, Store


def _upgrade(store: Store, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_head_schema_is_exactly_the_tables_module(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), t.metadata)
    store.dispose()
    assert diffs == []


def test_baseline_database_upgrades_with_its_rows(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    _upgrade(store, "0001")
    assert "content" not in {c["name"] for c in inspect(store.engine).get_columns("attachments")}
    now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with store.engine.begin() as conn:
        conn.execute(insert(t.documents).values(id=1, source_name="a.xml", sha256="0" * 64, size=10, state="stored",
                                                attempts=1, source_removed=True, received_at=now, updated_at=now))
        conn.execute(insert(t.invoices).values(id=1, document_id=1, kind="invoice", seller_key="0007:5599000006",
                                               invoice_number="A-1", issue_date=now.date(), currency="SEK",
                                               payable=0))
        conn.execute(t.attachments.insert().values(invoice_id=1, filename="tidrapport.csv",
                                                   archive_uri="archive/ab/cd/abcd"))
    store.migrate()
    with store.engine.connect() as conn:
        row = conn.execute(select(t.attachments)).one()
    store.dispose()
    assert (row.filename, row.archive_uri, row.content) == ("tidrapport.csv", "archive/ab/cd/abcd", None)
