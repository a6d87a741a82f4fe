"""Small attachments are kept in the store, decoded.

Revision ID: 0002
Revises: 0001

Before this revision every decoded attachment was also written to the archive as a file of its
own, next to the original document that already holds it (base64): one more archive write per
invoice, an S3 request each. Now an attachment up to ``INLINE_ATTACHMENT_BYTES`` is kept in
``attachments.content``, where matching and ``ingest attachment`` read it without a round
trip; larger ones are still archived by content. Rows of earlier revisions keep their
``archive_uri`` and get no content: nothing is lost, both are read the same way.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("content")
