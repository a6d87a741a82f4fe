"""Alembic environment: runs migrations on the connection the Store hands over."""
from __future__ import annotations

from alembic import context

from ingest.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the Store always passes its connection
    raise RuntimeError("run migrations through ingest.store.Store.migrate()")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
