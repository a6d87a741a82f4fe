"""Amounts, prices and quantities as exact decimals on SQLite too; prices keep every decimal.

Revision ID: 0003
Revises: 0002

Up to revision 0002 these columns were NUMERIC, which SQLite stores as a binary float (REAL),
and a price (BT-146) was cut to two decimals. Now they are ``ingest.tables.ExactDecimal``:
NUMERIC on PostgreSQL (unconstrained for prices and quantities), the decimal text on SQLite.
Values stored earlier on SQLite are rewritten as decimal text at their column's scale (a
float of an amount with two decimals reads back exactly at that scale).
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MONEY_COLUMNS = {
    "invoices": ("line_total", "tax_exclusive", "tax_amount", "tax_inclusive", "payable"),
    "invoice_lines": ("net_amount",),
}
NUMBER_COLUMNS = {"invoice_lines": ("quantity", "price")}
OLD_SCALE = {"quantity": 4}  # the rest were Numeric(18, 2)


def upgrade() -> None:
    from ingest.tables import ExactDecimal

    for table in ("invoices", "invoice_lines"):
        with op.batch_alter_table(table) as batch:
            for column in MONEY_COLUMNS.get(table, ()):
                batch.alter_column(column, type_=ExactDecimal(18, 2), existing_type=sa.Numeric(18, 2))
            for column in NUMBER_COLUMNS.get(table, ()):
                batch.alter_column(column, type_=ExactDecimal(),
                                   existing_type=sa.Numeric(18, OLD_SCALE.get(column, 2)))
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in ("invoices", "invoice_lines"):
        columns = MONEY_COLUMNS.get(table, ()) + NUMBER_COLUMNS.get(table, ())
        rows = bind.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
        for row in rows:
            values = {}
            for column in columns:
                raw = getattr(row, column)
                if raw is None:
                    continue
                exact = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(str(raw))
                scale = 2 if column in MONEY_COLUMNS.get(table, ()) else OLD_SCALE.get(column, 2)
                values[column] = format(exact.quantize(Decimal(1).scaleb(-scale)), "f")
            if values:
                sets = ", ".join(f"{c} = :{c}" for c in values)
                bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), {**values, "id": row.id})


def downgrade() -> None:
    for table in ("invoices", "invoice_lines"):
        with op.batch_alter_table(table) as batch:
            for column in MONEY_COLUMNS.get(table, ()) + NUMBER_COLUMNS.get(table, ()):
                batch.alter_column(column, type_=sa.Numeric(18, OLD_SCALE.get(column, 2)))
