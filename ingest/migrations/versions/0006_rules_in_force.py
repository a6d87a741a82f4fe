"""The rules in force on the reception date judge a document; engine errors leave it pending.

Revision ID: 0006
Revises: 0005

``documents`` gains:

* ``release``: the OpenPeppol release of the rule set that judged the document (``2026.5``),
  beside ``ruleset`` (``peppol-bis-billing-3.0.21``);
* ``reference_date``: the date the accepted releases were chosen for (the day it was
  received);
* ``other_releases``: what the other releases accepted on that date said (JSON text);
* ``last_error``, ``last_error_at``: why a document is still pending (an engine error while
  validating it, not the sender's fault) and when; cleared by its final transaction.

Rows of earlier revisions were judged by one fixed rule set whose release was not recorded:
the new columns are added empty, nothing is guessed.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("release", sa.String(20), nullable=True))
        batch.add_column(sa.Column("reference_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("other_releases", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for column in ("last_error_at", "last_error", "other_releases", "reference_date", "release"):
            batch.drop_column(column)
