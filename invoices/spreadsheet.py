"""Cells for the CSV and XLSX files the project writes, safe against formula injection.

Every CSV and XLSX file lssinvoice writes (the monthly report for Västerås, the time reports
attached to an invoice or uploaded with the report, the sick-pay calculation, the blank
templates, the examples) goes through this module, cell by cell.

Why
    Names and other free text in those files come from a provider's time report. A
    spreadsheet program (Excel, LibreOffice Calc, Google Sheets) does not show a cell that
    begins with ``=``, ``+``, ``-`` or ``@`` as text: it evaluates it as a formula, and a
    leading tab or carriage return is skipped before the same test. A "name" such as
    ``=HYPERLINK("http://x","y")`` becomes a live link in the case officer's spreadsheet;
    other formulas can fetch URLs with the sheet's contents or, in older Excel, start
    programs (DDE). This is OWASP's "CSV Injection"
    (https://owasp.org/www-community/attacks/CSV_Injection), CWE-1236.

What (OWASP's guidance)
    "Ensure that no cells begin with any of the following characters: Equals to (=), Plus
    (+), Minus (-), At (@), Tab (0x09), Carriage return (0x0D)" — by prepending a single
    quote, which spreadsheet programs take as "this cell is text".

    * CSV (:func:`csv_cell`, :func:`csv_row`): a text that begins with one of
      :data:`FORMULA_TRIGGERS` is written with a leading ``'``. Every other text is written
      as it is. The ``csv`` module quotes a cell holding the file's delimiter, a quote or a
      line break and doubles its quotes, so a text cannot start a new cell of the file (the
      other half of OWASP's advice). Numbers (``int``, ``Decimal``) are written plainly:
      they are ours, not provider text, and a negative amount stays a number. Dates are
      ``YYYY-MM-DD``, times ``HH:MM``: neither begins with a trigger.
    * XLSX (:func:`xlsx_cell`, :func:`xlsx_append`): every text is written as a string cell
      (``data_type`` ``"s"``), never a formula — openpyxl otherwise makes a formula of any
      ``str`` that begins with ``=`` (and an error cell of ``"#N/A"``). The text is kept as it
      is (no ``'`` is added to the value); a text that begins with a trigger also gets the
      cell style's ``quotePrefix``, Excel's own "'" marker, so that it stays text when a user
      edits the cell. Numbers and dates stay number and date cells.

    The key columns a reader matches on (personnummer, date, time, kind, yes/no) never begin
    with a trigger, so :mod:`invoices.inputs` and the municipality's ingest read what we
    write. A free-text cell that begins with a trigger reads back with its leading ``'``
    (the price of being safe in a spreadsheet).

Not covered: a reader that splits a file on another delimiter than the one it was written
with (a ``,`` file opened as ``;``-separated) can see a new cell in the middle of a text.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Union

__all__ = ["FORMULA_TRIGGERS", "CellValue", "starts_formula", "csv_cell", "csv_row", "xlsx_cell", "xlsx_append",
           "xlsx_streamed_row"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet program read a cell as a formula (OWASP)."""

CellValue = Union[str, int, Decimal, date, time, None]
"""What a cell may hold. No ``float``: money and hours are ``Decimal``."""


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet program would take ``text``, as a cell, for a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def _checked(value: Any) -> CellValue:
    if isinstance(value, (bool, float)) or not isinstance(value, (str, int, Decimal, date, time, type(None))):
        raise TypeError(f"not a spreadsheet cell value: {type(value).__name__}")
    return value


def csv_cell(value: CellValue, *, decimal_comma: bool = False) -> str:
    """The text of one CSV cell (see the module notes).

    ``None`` is the empty cell; an ``int`` or ``Decimal`` is written exactly as it is (no
    rounding; ``decimal_comma`` writes ``1234,50`` for the Swedish ``;`` files); a ``date``
    is ``YYYY-MM-DD``, a ``time`` ``HH:MM``; a ``str`` that begins with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return gets a leading ``'`` so that a spreadsheet shows it as text.
    """
    value = _checked(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if starts_formula(value) else value
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        raise TypeError("a datetime is not a spreadsheet cell here: write its date or its time")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value.isoformat()


def csv_row(values: Iterable[CellValue], *, decimal_comma: bool = False) -> list[str]:
    """:func:`csv_cell` of every value: the row to give ``csv.writer.writerow``."""
    return [csv_cell(v, decimal_comma=decimal_comma) for v in values]


def xlsx_cell(cell: Any, value: CellValue) -> Any:
    """Set an openpyxl cell to ``value``: a ``str`` always as a string cell (data type
    ``"s"``, never a formula), with ``quotePrefix`` when it begins with a formula trigger;
    numbers and dates as openpyxl writes them (number and date cells). Returns the cell."""
    value = _checked(value)
    if isinstance(value, datetime):
        raise TypeError("a datetime is not a spreadsheet cell here: write its date or its time")
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"   # openpyxl made "=..." a formula ("f") and "#N/A" an error ("e")
        if starts_formula(value):
            cell.quotePrefix = True
    return cell


def xlsx_append(ws: Any, values: Iterable[CellValue]) -> tuple[Any, ...]:
    """Append one row to the openpyxl worksheet ``ws`` (as ``ws.append``), every value set
    with :func:`xlsx_cell`; returns the row's cells, to style them."""
    from openpyxl.cell.cell import Cell

    cells = tuple(xlsx_cell(Cell(ws), v) for v in values)
    ws.append(list(cells))
    return cells


def xlsx_streamed_row(ws: Any, values: Iterable[CellValue], *, formats: dict[int, str] | None = None,
                      font: Any = None) -> None:
    """Append one row to a write-only (streaming) openpyxl worksheet, by the rules of
    :func:`xlsx_cell`, making a cell object only where one is needed: a text that openpyxl
    would write as a plain string anyway (not beginning with a formula trigger or ``#``, which
    openpyxl reads as an error literal), and a number or date without a format, go as values;
    every other value (a text that could be a formula, a number in ``formats`` {column index:
    number format}, any cell of a row with ``font``) is a cell set by :func:`xlsx_cell`."""
    from openpyxl.cell import WriteOnlyCell

    formats = formats or {}
    row: list[Any] = []
    for i, value in enumerate(values):
        value = _checked(value)
        plain = font is None and i not in formats and not (
            isinstance(value, str) and (starts_formula(value) or value.startswith("#")))
        if plain and not (i in formats and isinstance(value, (int, Decimal))):
            row.append(value)
            continue
        cell = xlsx_cell(WriteOnlyCell(ws), value)
        if font is not None:
            cell.font = font
        if i in formats and isinstance(value, (int, Decimal)):
            cell.number_format = formats[i]
        row.append(cell)
    ws.append(row)
