"""Invoice numbers compared as people read them; inbox files of any size recorded.

Revision ID: 0004
Revises: 0003

* ``invoices.number_key``: the invoice number after Unicode NFKC with invisible characters
  removed (``ingest.rows.number_key``). Duplicates are found on it, so ``INV-1`` sent again
  as ``INV\\u200b-1`` or with fullwidth digits is the same invoice. The unique key moves from
  the number as written to this key. Rows of earlier revisions get their key computed; if two
  of them turn out to be the same invoice, the upgrade stops and names them (nothing is
  changed), since which one is the duplicate is for a person to decide.
* ``documents.size`` becomes a 64-bit integer: a file over 2 GiB left in the inbox (recorded
  as too large, unread) would not fit PostgreSQL's ``integer`` and stopped the run.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from ingest.rows import number_key

    bind = op.get_bind()
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("number_key", sa.String(200), nullable=True))
    rows = bind.execute(sa.text("SELECT id, seller_key, invoice_number, issue_date FROM invoices")).all()
    seen: dict[tuple, int] = {}
    clashes = []
    for row in rows:
        key = (row.seller_key, number_key(row.invoice_number), str(row.issue_date))
        if key in seen:
            clashes.append((seen[key], row.id))
        seen[key] = row.id
        bind.execute(sa.text("UPDATE invoices SET number_key = :key WHERE id = :id"), {"key": key[1], "id": row.id})
    if clashes:
        raise RuntimeError(f"invoices {clashes[:10]} have look-alike numbers of the same seller and date: "
                           "decide which is the duplicate before upgrading")
    with op.batch_alter_table("invoices") as batch:
        batch.alter_column("number_key", existing_type=sa.String(200), nullable=False)
        batch.drop_constraint("uq_invoices_seller_number_date", type_="unique")
        batch.create_unique_constraint("uq_invoices_seller_number_key_date", ["seller_key", "number_key", "issue_date"])
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("size", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("size", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint("uq_invoices_seller_number_key_date", type_="unique")
        batch.create_unique_constraint("uq_invoices_seller_number_date", ["seller_key", "invoice_number", "issue_date"])
        batch.drop_column("number_key")
