"""Baseline: documents, status history, findings, invoices, lines, parties, attachments,
responses.

Revision ID: 0001
Revises:
"""
from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The baseline is the schema of ingest/tables.py as first released. Later revisions
    # must use explicit operations (op.add_column, ...), never create_all.
    from ingest.tables import metadata

    metadata.create_all(op.get_bind())


def downgrade() -> None:
    from ingest.tables import metadata

    metadata.drop_all(op.get_bind())
