"""The registers as ``lssinvoice registers show`` prints them: plain values, personnummer masked.

Reading changes nothing: the store is opened as it is (:func:`ingest.reading.open_existing`),
never created or migrated. A personnummer is shown masked (``********-1234``,
:func:`invoices.model.mask_pnr`) unless the reader needs it whole (``full_pnr``: the
municipality's case officer); an employer's organisation number that is a personnummer (a
sole trader's) is masked the same way. No birth date is ever shown.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal

from invoices.model import mask_personal_numbers, mask_pnr
from peppol.identifiers import se_orgnr

from ..reading import open_existing
from .queries import ImportEntry, RowVersion, current_versions, import_history, row_versions
from .records import REGISTERS, register_named

__all__ = ["registers_view"]

_PNR_COLUMNS = ("client_pnr", "assistant_pnr")


def _pnr(pnr: str, full: bool) -> str:
    return f"{pnr[:-4]}-{pnr[-4:]}" if full else mask_pnr(pnr)


def _plain(column: str, value, full: bool):
    if value is None:
        return None
    if column in _PNR_COLUMNS:
        return _pnr(value, full)
    if column == "employer_org_nr":
        shown = se_orgnr.format(value)
        return shown if full else mask_personal_numbers(shown)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(version: RowVersion, full: bool, history: bool) -> dict:
    row = {column: _plain(column, value, full) for column, value in asdict(version.record).items()}
    row["import_id"] = version.import_id
    if history:
        row["superseded_by"] = version.superseded_by
    return row


def _import(entry: ImportEntry) -> dict:
    data = asdict(entry)
    data.pop("register")
    return data | {"imported_at": entry.imported_at.isoformat(),
                   "source_name": mask_personal_numbers(entry.source_name)}


def registers_view(db: str, municipality: str, *, register: str | None = None, history: bool = False,
                   full_pnr: bool = False) -> dict:
    """The registers of ``municipality`` (or the one named) in the store at ``db``: per
    register its version in force (the latest import id) and its current rows; with
    ``history`` every row version (with the import that replaced it) and the imports, newest
    first. Raises :class:`ingest.store.StoreError` when there is no such store."""
    names = [register_named(register).name] if register else list(REGISTERS)
    store = open_existing(db)
    try:
        with store.engine.connect() as conn:
            versions = current_versions(conn, municipality)
            registers = []
            for name in names:
                rows = [v for v in row_versions(conn, name, municipality) if history or v.superseded_by is None]
                entry = {"register": name, "version": versions[name],
                         "rows": [_row(v, full_pnr, history) for v in rows]}
                if history:
                    entry["imports"] = [_import(i) for i in import_history(conn, municipality, name)]
                registers.append(entry)
    finally:
        store.dispose()
    return {"municipality": municipality, "personnummer": "full" if full_pnr else "masked", "registers": registers}
