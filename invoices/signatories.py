"""The provider's signatories (CSV or XLSX) -> :class:`~invoices.signed_reports.Signatory`.

Who may sign a time report for the provider besides the assistant: its supervisors
(arbetsledare) and any ombud with a power of attorney (Västerås: "arbetsledare/chef eller
ombud som finns omnämnd i fullmakten"). Columns ``pnr, name, role`` and optional
``power_of_attorney`` (ja/nej; an ombud's fullmakt is on file); ``role`` supervisor or ombud
(arbetsledare, chef). Read by :func:`read_signatories`; every problem names file, row and
column (:class:`~invoices.input_errors.InputErrors`).
"""
from __future__ import annotations

from pathlib import Path

from .cells import alias, lookup, parse_bool, parse_pnr
from .input_errors import Collector
from .signed_reports import Signatory
from .tables import IGNORED_COLUMNS, RowReader, read_table, table_files

__all__ = ["SIGNATORY_COLUMNS", "read_signatories"]

SIGNATORY_COLUMNS = ("pnr", "name", "role", "power_of_attorney")
_ROLES = alias({"supervisor": "supervisor", "arbetsledare": "supervisor", "chef": "supervisor",
                "ombud": "ombud"})


def read_signatories(path: str | Path) -> dict[str, Signatory]:
    """The signatories of a file (or folder of files), by personnummer. Raises InputErrors."""
    out = Collector()
    found: dict[str, Signatory] = {}
    for file in table_files(Path(path), out):
        table = read_table(file, out, known=SIGNATORY_COLUMNS, required=SIGNATORY_COLUMNS[:3],
                           ignored=IGNORED_COLUMNS)
        if table is None:
            continue
        for row in table.rows:
            cells = RowReader(table, row, out)
            pnr = cells.get("pnr", parse_pnr)
            name = cells.required_text("name")
            role = cells.get("role", lambda v: lookup(_ROLES, v, "role (supervisor or ombud)"))
            attorney = cells.get("power_of_attorney", parse_bool)
            if pnr in found:
                cells.error("pnr", "this person is already listed")
            if not cells.failed:
                found[pnr] = Signatory(pnr, name, role, bool(attorney))
    out.raise_if_any()
    return found
