"""The store's schema comes only from Alembic revisions, and every revision upgrades data."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select, update
from sqlalchemy.exc import StatementError

from ingest import tables as t
from ingest.store import Store

from .ingest_factory import upgrade_to


def test_head_schema_is_exactly_the_tables_module(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), t.metadata)
    store.dispose()
    assert diffs == []


def test_baseline_database_upgrades_with_its_rows(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade_to(store, "0001")
    assert "content" not in {c["name"] for c in inspect(store.engine).get_columns("attachments")}
    now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with store.engine.begin() as conn:
        conn.execute(insert(t.documents).values(id=1, source_name="a.xml", sha256="0" * 64, size=10, state="stored",
                                                attempts=1, source_removed=True, received_at=now, updated_at=now))
        # Written as revision 0001 wrote them: NUMERIC, which SQLite keeps as REAL.
        conn.exec_driver_sql(
            "INSERT INTO invoices (id, document_id, kind, seller_key, invoice_number, issue_date, currency, "
            "line_total, payable) VALUES (1, 1, 'invoice', '0007:5599000006', 'A-1', '2026-11-02', 'SEK', "
            "44386.85, 44386.85)")
        conn.exec_driver_sql("INSERT INTO invoice_lines (invoice_id, line_id, quantity, net_amount, price) "
                             "VALUES (1, '1', 120.5, 40078.3, 332.6)")
        conn.execute(t.attachments.insert().values(invoice_id=1, filename="tidrapport.csv",
                                                   archive_uri="archive/ab/cd/abcd"))
    store.migrate()
    with store.engine.connect() as conn:
        row = conn.execute(select(t.attachments)).one()
        invoice = conn.execute(select(t.invoices)).one()
        line = conn.execute(select(t.invoice_lines)).one()
        stored_as = conn.exec_driver_sql("SELECT typeof(payable), typeof(quantity), typeof(price) "
                                         "FROM invoices, invoice_lines").one()
        foreign_keys = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
    store.dispose()
    assert (row.filename, row.archive_uri, row.content) == ("tidrapport.csv", "archive/ab/cd/abcd", None)
    assert invoice.number_key == "A-1"  # revision 0004 keys the rows it finds
    assert (str(invoice.payable), str(invoice.line_total)) == ("44386.85", "44386.85")
    assert (str(line.quantity), str(line.net_amount), str(line.price)) == ("120.5000", "40078.30", "332.60")
    assert tuple(stored_as) == ("text", "text", "text") and foreign_keys == 1


def test_amounts_are_stored_exactly_and_never_rounded(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.migrate()
    now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    big = Decimal("98765432109876.55")  # beyond a float's exact cents
    with store.engine.begin() as conn:
        conn.execute(insert(t.documents).values(id=1, source_name="a.xml", sha256="0" * 64, size=10, state="stored",
                                                attempts=1, source_removed=True, received_at=now, updated_at=now))
        conn.execute(insert(t.invoices).values(id=1, document_id=1, kind="invoice", seller_key="0007:5599000006",
                                               invoice_number="A-1", number_key="A-1", issue_date=now.date(),
                                               currency="SEK", payable=big))
        conn.execute(insert(t.invoice_lines).values(invoice_id=1, line_id="1", quantity=Decimal("0.333333"),
                                                    net_amount=Decimal("1.5"), price=Decimal("4.50001")))
    with store.engine.connect() as conn:
        invoice = conn.execute(select(t.invoices)).one()
        line = conn.execute(select(t.invoice_lines)).one()
        for bad, error in ((1.5, "takes Decimal or int, not float"), (Decimal("1.005"), "more than 2 decimals")):
            with pytest.raises(StatementError, match=error):
                conn.execute(update(t.invoices).values(payable=bad))
    store.dispose()
    assert invoice.payable == big and str(invoice.payable) == "98765432109876.55"
    assert (line.quantity, line.net_amount, line.price) == (Decimal("0.333333"), Decimal("1.50"), Decimal("4.50001"))


def test_look_alike_numbers_already_stored_stop_the_upgrade_and_change_nothing(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade_to(store, "0003")
    now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with store.engine.begin() as conn:
        for doc_id, number in ((1, "INV-1"), (2, "INV\u200b-1")):
            conn.execute(insert(t.documents).values(id=doc_id, source_name=f"{doc_id}.xml", sha256=f"{doc_id:064x}",
                                                    size=10, state="stored", attempts=1, source_removed=True,
                                                    received_at=now, updated_at=now))
            conn.exec_driver_sql(
                "INSERT INTO invoices (id, document_id, kind, seller_key, invoice_number, issue_date, currency, "
                f"payable) VALUES ({doc_id}, {doc_id}, 'invoice', '0007:5599000006', ?, '2026-11-02', 'SEK', '1.00')",
                (number,))
    with pytest.raises(RuntimeError, match=r"invoices \[\(1, 2\)\] have look-alike numbers"):
        store.migrate()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0003"
        assert "number_key" not in {c["name"] for c in inspect(conn).get_columns("invoices")}
    store.dispose()


def test_documents_of_revision_0005_upgrade_without_a_release_they_never_recorded(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade_to(store, "0005")
    now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO documents (id, source_name, sha256, size, state, attempts, ruleset, source_removed, "
            "received_at, updated_at) VALUES (1, 'a.xml', ?, 10, 'stored', 1, 'municipal-tjorn', 1, ?, ?)",
            ("0" * 64, now.isoformat(" "), now.isoformat(" ")))
    store.migrate()
    with store.engine.connect() as conn:
        row = conn.execute(select(t.documents)).one()
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0009"
    store.dispose()
    assert (row.state, row.ruleset) == ("stored", "municipal-tjorn")
    assert (row.release, row.reference_date, row.other_releases, row.last_error, row.last_error_at) == (None,) * 5
