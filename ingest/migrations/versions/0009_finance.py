"""Finance: payment exports imported and matched to invoices, and recovery claims (12 § LSS)
tracked until settled.

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ingest.tables import ExactDecimal

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=100), nullable=False),
        sa.Column("source_name", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("municipality", "sha256", name="uq_payment_imports_municipality_sha256"),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("invoice_number", sa.String(length=200), nullable=False),
        sa.Column("seller_org_nr", sa.String(length=10), nullable=False),
        sa.Column("amount", ExactDecimal(18, 2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["payment_imports.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_import_id"), ["import_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_invoice_id"), ["invoice_id"], unique=False)
    op.create_table(
        "recovery_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=100), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("amount", ExactDecimal(18, 2), nullable=False),
        sa.Column("finding_codes", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_by", sa.String(length=200), nullable=True),
        sa.Column("offset_invoice_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.ForeignKeyConstraint(["offset_invoice_id"], ["invoices.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["check_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recovery_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_claims_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    for name in ("recovery_claims", "payments", "payment_imports"):
        op.drop_table(name)
