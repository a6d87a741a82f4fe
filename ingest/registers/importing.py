"""Importing register files: a new version of each register where the file changes something.

One call, ONE transaction (:func:`import_registers`): every file is read and validated first
(:mod:`.reading`; a problem in any of them raises
:class:`~invoices.input_errors.InputErrors` and nothing is written); then each file's rows are
compared by key with the rows of that register in force for the municipality
(``superseded_by`` IS NULL):

* added (a key the register does not have): inserted;
* changed (the same key, another value): the old row gets ``superseded_by`` = the new
  import's id, the new row is inserted;
* removed (a key the file no longer has): the old row is superseded, nothing inserted;
* unchanged: kept as it is, untouched.

A register that changes gets a ``register_imports`` row (who, when, the file's name and the
SHA-256 of its bytes, the counts) and an ``audit_log`` row ("register-import"; the counts and
the SHA-256, never a personnummer). A file equal to the register in force changes NOTHING: no
import, no audit row; its outcome says "unchanged". Keys: decisions by ``decision_id``, FK's
decisions by (client, ``valid_from``), assistants by (assistant, ``valid_from``).

Imports are serialised (SQLite: ``BEGIN IMMEDIATE`` before the register is read; PostgreSQL:
a transaction-scoped advisory lock), so two imports at once cannot both insert the same row.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, and_, insert, select, update

from invoices.agreements import Profile
from invoices.model import mask_personal_numbers

from .. import tables as t
from ..batches import batches
from ..rows import column_problem
from ..store import Store
from .reading import RegisterFile, read_register_files

__all__ = ["IMPORT_LOCK", "RegisterImport", "import_register", "import_registers"]

IMPORT_LOCK = 4242007  # PostgreSQL advisory lock of register imports (revision 0007)
_CHUNK = 5000


@dataclass(frozen=True)
class RegisterImport:
    """What importing one file did. ``import_id`` is None when the file equals the register
    in force (nothing was written)."""

    register: str
    source_name: str
    sha256: str
    rows: int
    added: int
    changed: int
    removed: int
    unchanged: int
    import_id: int | None

    @property
    def status(self) -> str:
        return "unchanged" if self.import_id is None else "imported"

    def to_dict(self) -> dict:
        """Plain values; a personnummer in the file's name masked (a name may hold one)."""
        return asdict(self) | {"status": self.status, "source_name": mask_personal_numbers(self.source_name)}


def _engine(target: Engine | Store) -> Engine:
    return target.engine if isinstance(target, Store) else target


def _serialised(conn: Connection) -> None:
    """One import at a time, the lock taken before the register in force is read."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({IMPORT_LOCK})")


def _in_force(conn: Connection, file: RegisterFile, municipality: str) -> dict[tuple, tuple[int, object]]:
    """The register's rows in force for the municipality: key -> (row id, record)."""
    reg = file.register
    table = reg.table
    rows = conn.execute(select(table).where(and_(table.c.municipality == municipality,
                                                 table.c.superseded_by.is_(None))).order_by(table.c.id))
    found = {}
    for row in rows:
        record = reg.from_row(row)
        found[reg.key_of(record)] = (row.id, record)
    return found


def _supersede(conn: Connection, table, ids: list[int], import_id: int) -> None:
    for chunk in batches(ids, _CHUNK):
        conn.execute(update(table).where(table.c.id.in_(chunk)).values(superseded_by=import_id))


def _apply(conn: Connection, file: RegisterFile, municipality: str, by: str, now: datetime) -> RegisterImport:
    """The file compared with the register in force, and the difference written (module notes)."""
    reg = file.register
    current = _in_force(conn, file, municipality)
    incoming = {reg.key_of(record): record for record in file.records}
    added = [r for key, r in incoming.items() if key not in current]
    changed = [r for key, r in incoming.items() if key in current and current[key][1] != r]
    replaced = [current[reg.key_of(r)][0] for r in changed]
    removed = [row_id for key, (row_id, _) in current.items() if key not in incoming]
    counts = dict(rows=len(file.records), added=len(added), changed=len(changed), removed=len(removed),
                  unchanged=len(incoming) - len(added) - len(changed))
    if not (added or changed or removed):
        return RegisterImport(reg.name, file.source_name, file.sha256, import_id=None, **counts)
    import_id = conn.execute(insert(t.register_imports).values(
        register=reg.name, municipality=municipality, source_name=file.source_name, sha256=file.sha256,
        imported_by=by, imported_at=now, **counts)).inserted_primary_key[0]
    _supersede(conn, reg.table, replaced + removed, import_id)
    new_rows = [reg.values(r) | {"municipality": municipality, "import_id": import_id}  # in file order
                for key, r in incoming.items() if key not in current or current[key][1] != r]
    for chunk in batches(new_rows, _CHUNK):
        conn.execute(insert(reg.table), chunk)
    outcome = RegisterImport(reg.name, file.source_name, file.sha256, import_id=import_id, **counts)
    conn.execute(insert(t.audit_log).values(
        at=now, actor=by, action="register-import", subject=f"{municipality} {reg.name}",
        detail=json.dumps(outcome.to_dict(), sort_keys=True)))
    return outcome


def _check_names(municipality: str, imported_by: str, files: Iterable[str | Path]) -> None:
    """Who and for whom fit the store (the same limits on SQLite and PostgreSQL)."""
    values = [(t.register_imports, "municipality", municipality), (t.register_imports, "imported_by", imported_by),
              *((t.register_imports, "source_name", Path(f).name) for f in files)]
    for table, column, value in values:
        if not value.strip():
            raise ValueError(f"{column} is empty")
        problem = column_problem(table, column, value)
        if problem:
            raise ValueError(f"{column}: {problem}")


def import_registers(target: Engine | Store, municipality: str, files: Mapping[str, str | Path], *,
                     imported_by: str, now: datetime,
                     profiles: Mapping[str, Profile] | None = None) -> list[RegisterImport]:
    """Import the files (register name -> path) of ``municipality`` (its registry slug) in
    ONE transaction; every file validated before anything is written (module notes).

    Raises :class:`~invoices.input_errors.InputErrors` (bad rows: nothing imported),
    :class:`OSError` (a file cannot be read) or :class:`ValueError` (an unknown register, an
    empty or too long name). ``profiles``: the working-time profiles a ``regime`` may name
    (default :func:`invoices.agreements.load_profiles`).
    """
    _check_names(municipality, imported_by, files.values())
    read = read_register_files(files, profiles)
    with _engine(target).connect() as conn:
        try:
            _serialised(conn)
            outcomes = [_apply(conn, file, municipality, imported_by, now) for file in read]
            if any(o.import_id is not None for o in outcomes):
                conn.commit()
        finally:
            conn.rollback()  # nothing open unless nothing was to be written, or it failed
    return outcomes


def import_register(target: Engine | Store, register: str, municipality: str, path: str | Path,
                    imported_by: str, now: datetime, *,
                    profiles: Mapping[str, Profile] | None = None) -> RegisterImport:
    """Import one register file (:func:`import_registers`)."""
    return import_registers(target, municipality, {register: path}, imported_by=imported_by, now=now,
                            profiles=profiles)[0]
