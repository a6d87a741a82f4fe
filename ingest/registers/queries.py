"""The registers as the check engine and ``lssinvoice registers show`` read them.

* :func:`current_rows`: a register's rows in force for a municipality (``superseded_by`` IS
  NULL), as records, ordered by key;
* :func:`current_versions`: per register the id of its latest import, the version a check run
  records it judged by (None for a register never imported);
* :func:`import_history`: the imports, newest first; :func:`row_versions`: every version of
  every row, with the import that brought it and the one that replaced it.

Each takes an open :class:`sqlalchemy.Connection`, so a caller reads several in one snapshot.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, func, select

from .. import tables as t
from .records import REGISTERS, Record, register_named

__all__ = ["ImportEntry", "RowVersion", "current_rows", "current_versions", "import_history", "row_versions"]


@dataclass(frozen=True)
class ImportEntry:
    """One import: a version of a register (``register_imports``)."""

    id: int
    register: str
    source_name: str
    sha256: str
    imported_by: str
    imported_at: datetime
    rows: int
    added: int
    changed: int
    removed: int
    unchanged: int


@dataclass(frozen=True)
class RowVersion:
    """A stored row: its record, the import that brought it and the one that replaced it."""

    record: Record
    import_id: int
    superseded_by: int | None


def _utc(value: datetime) -> datetime:
    """An instant as stored, aware in UTC (SQLite gives it back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _of(table, municipality: str):
    return table.c.municipality == municipality


def current_rows(conn: Connection, register: str, municipality: str) -> list[Record]:
    """The rows of ``register`` (decisions, fk_decisions, assistants) in force for
    ``municipality``, ordered by the register's key."""
    reg = register_named(register)
    table = reg.table
    rows = conn.execute(select(table).where(and_(_of(table, municipality), table.c.superseded_by.is_(None)))
                        .order_by(*(table.c[k] for k in reg.key), table.c.id))
    return [reg.from_row(row) for row in rows]


def current_versions(conn: Connection, municipality: str) -> dict[str, int | None]:
    """Per register, the id of its latest import for ``municipality`` (None: never imported).
    An import is made only when a file changes something, so the latest is the one in force."""
    imp = t.register_imports
    latest = dict(conn.execute(select(imp.c.register, func.max(imp.c.id)).where(_of(imp, municipality))
                               .group_by(imp.c.register)).all())
    return {name: latest.get(name) for name in REGISTERS}


def import_history(conn: Connection, municipality: str, register: str | None = None) -> list[ImportEntry]:
    """The imports of ``municipality`` (of one register, or all), newest first."""
    imp = t.register_imports
    query = select(imp).where(_of(imp, municipality))
    if register is not None:
        query = query.where(imp.c.register == register_named(register).name)
    rows = conn.execute(query.order_by(imp.c.id.desc()))
    return [ImportEntry(**{k: v for k, v in row._mapping.items() if k != "municipality"}
                        | {"imported_at": _utc(row.imported_at)}) for row in rows]


def row_versions(conn: Connection, register: str, municipality: str) -> list[RowVersion]:
    """Every row ``register`` has held for ``municipality``, current and replaced, by key and
    then in the order of the imports."""
    reg = register_named(register)
    table = reg.table
    rows = conn.execute(select(table).where(_of(table, municipality))
                        .order_by(*(table.c[k] for k in reg.key), table.c.import_id, table.c.id))
    return [RowVersion(reg.from_row(row), row.import_id, row.superseded_by) for row in rows]
