"""A retry keeps the findings that quarantined the document.

Revision ID: 0005
Revises: 0004

``ingest retry`` used to delete a document's findings before analysing it again, so after
a retry nothing said why it had been quarantined. Now the earlier findings stay, marked with
``findings.superseded_at`` (the time of the retry, the same as the ``status_history`` row
of the retry); the document's current findings are those without it. Rows of earlier
revisions are current findings: the column is added empty.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM findings WHERE superseded_at IS NOT NULL")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("superseded_at")
