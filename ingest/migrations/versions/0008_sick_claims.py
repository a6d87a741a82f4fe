"""The stated figures of received sick-pay claims (``sick_claims``), read from their calculation
``SJ-1`` at ingest, so the case work recomputes each claim (LSS-CASE-080..084).

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ingest.tables import ExactDecimal

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sick_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("client_pnr", sa.String(length=13), nullable=False),
        sa.Column("sick_assistant_pnr", sa.String(length=13), nullable=False),
        sa.Column("sick_days", sa.Text(), nullable=False),
        sa.Column("sick_pay", ExactDecimal(18, 2), nullable=False),
        sa.Column("holiday_pct", ExactDecimal(), nullable=False),
        sa.Column("contributions_pct", ExactDecimal(), nullable=False),
        sa.Column("insurance_pct", ExactDecimal(), nullable=False),
        sa.Column("pension_pct", ExactDecimal(), nullable=False),
        sa.Column("contributions_base", sa.String(length=30), nullable=False),
        sa.Column("insurance_base", sa.String(length=30), nullable=False),
        sa.Column("pension_base", sa.String(length=30), nullable=False),
        sa.Column("karens_date", sa.Date(), nullable=True),
        sa.Column("no_karens_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_id"),
    )


def downgrade() -> None:
    op.drop_table("sick_claims")
