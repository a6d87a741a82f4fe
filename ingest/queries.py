"""The pipeline's hot statements, built once per process.

SQLAlchemy caches a statement's compiled SQL, but building the statement object itself
(``insert(...).values(**row)``: a bound parameter per value, then a cache key over all of
them) cost more CPU per invoice than SQLite took to run it. These statements are built once,
with named parameters; the pipeline passes the values at execution time, and a list of rows
becomes one ``executemany``.

Parameter names never equal a column name of the statement's table (SQLAlchemy reserves
those for the SET and VALUES clauses).
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import and_, bindparam, insert, select, update

from . import tables as t

d, r, inv = t.documents, t.responses, t.invoices

INSERT_HISTORY = insert(t.status_history)
INSERT_FINDINGS = insert(t.findings)
INSERT_INVOICE = insert(inv)
INSERT_LINES = insert(t.invoice_lines)
INSERT_PARTIES = insert(t.parties)
INSERT_ATTACHMENTS = insert(t.attachments)

DOCUMENT_BY_SOURCE = select(d.c.id, d.c.state).where(
    and_(d.c.source_name == bindparam("p_name"), d.c.sha256 == bindparam("p_sha")))
DOCUMENT_STATE = select(d.c.state).where(d.c.id == bindparam("p_id"))
DOCUMENT_FOR_FINAL = (select(d.c.state, d.c.owner, d.c.reason_code)
                      .where(d.c.id == bindparam("p_id")).with_for_update())
# The earlier receipt of a duplicate: when, and the invoice number as its seller wrote it.
SAME_BYTES_STORED = select(d.c.id, d.c.received_at, inv.c.invoice_number).join(
    inv, inv.c.document_id == d.c.id).where(and_(
        d.c.sha256 == bindparam("p_sha"), d.c.id != bindparam("p_id"), d.c.state == "stored")).limit(1)
SAME_INVOICE = select(inv.c.document_id, inv.c.invoice_number, d.c.received_at).join(
    d, d.c.id == inv.c.document_id).where(and_(
        inv.c.seller_key == bindparam("p_seller"), inv.c.number_key == bindparam("p_number"),
        inv.c.issue_date == bindparam("p_issued"))).limit(1)
# Values of the SET clause are passed by column name at execution time.
UPDATE_DOCUMENT = update(d).where(d.c.id == bindparam("p_id"))
MARK_SENT = update(r).where(and_(r.c.id == bindparam("p_id"), r.c.state == "pending"))


@cache
def insert_ignore(dialect: str, table_name: str, keys: tuple[str, ...], returning: str | None = None):
    """INSERT … ON CONFLICT (keys) DO NOTHING [RETURNING column], for SQLite and PostgreSQL."""
    table = t.metadata.tables[table_name]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return stmt.returning(table.c[returning]) if returning else stmt
