"""Tables of a provider's files: header and data rows of a CSV or XLSX file.

Rows
    ``row`` is the row as a spreadsheet shows it: the header is row 1, the first data row is
    row 2. Blank rows count (they are rows in the spreadsheet) and are skipped. A row whose
    first cell starts with ``#`` is a comment and is skipped (the templates carry their
    example row that way).

Files
    * CSV: UTF-8 with or without BOM; the delimiter (``,``, ``;`` or tab) is the one that
      occurs most often in the header line. XLSX: the first sheet, read-only; a workbook whose
      parts unpack to more than :data:`XLSX_MAX_UNPACKED` bytes is refused unread (a zip bomb).
    * A column not known to the reader is an error (a misspelt optional column would
      otherwise be silently lost); so is a column without a header or one given twice
      (also under two names that mean the same column: a reader's ``aliases``, e.g. the
      Swedish headings of :mod:`invoices.timereports`).
    * A folder is read as every ``*.csv``/``*.xlsx`` in it (not recursive, sorted by name;
      Excel lock files ``~$*`` and hidden files skipped).
    * The same tables come from bytes (:class:`TableBytes`: an invoice's attachment, its
      format told by :func:`table_format` from its MIME code or file name), read by the same
      code as a file: only where the bytes come from differs. Whatever the bytes, a problem is
      recorded as an input error naming the source, never raised as anything else.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cells import cell_text
from .input_errors import Collector

__all__ = [
    "CSV", "IGNORED_COLUMNS", "TABLE_SUFFIXES", "XLSX", "Row", "RowReader", "Table", "TableBytes", "header_names",
    "read_table", "table_files", "table_format",
]

IGNORED_COLUMNS = ("comment",)
TABLE_SUFFIXES = (".csv", ".xlsx")
CSV, XLSX = "csv", "xlsx"
_FORMAT_BY_MIME = {
    "text/csv": CSV,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": XLSX,
}
XLSX_MAX_UNPACKED = 100 * 1024 * 1024
"""The most a workbook's parts may unpack to (bytes): far above any time report's."""


@dataclass(frozen=True, slots=True)
class TableBytes:
    """A table's content from elsewhere than a file (an invoice's attachment).

    ``name`` is what messages and sources call it (``"attachment 2"``), ``format``
    :data:`CSV` or :data:`XLSX` (see :func:`table_format`)."""

    name: str
    data: bytes
    format: str


def table_format(filename: str | None, mime: str | None) -> str | None:
    """:data:`CSV` or :data:`XLSX` by the MIME code (BIS 3: BT-125-1), else by the file
    name's suffix (BT-125-2); None for anything else (a PDF, an image).

    >>> table_format("tid.csv", "text/csv"), table_format("tid.XLSX", None), table_format("a.csv", "application/pdf")
    ('csv', 'xlsx', None)
    """
    if mime:
        return _FORMAT_BY_MIME.get(mime.split(";")[0].strip().lower())
    suffix = Path(filename or "").suffix.lower()
    return {".csv": CSV, ".xlsx": XLSX}.get(suffix)


@dataclass(slots=True)
class Row:
    """One data row: its spreadsheet number and its cells by column."""

    number: int                # spreadsheet row, header = 1
    cells: dict[str, Any]      # column -> raw value (str for CSV, typed for XLSX)


@dataclass(slots=True)
class Table:
    """A file's columns (normalised headers) and data rows."""

    file: str
    columns: list[str]
    header_row: int
    rows: list[Row]


def _norm_header(value: Any) -> str:
    text = cell_text(value).lstrip("\ufeff").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def header_names(aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Other headings of columns (column -> its other headings, as people write them) as
    the normalised heading -> column map :func:`read_table` takes as ``aliases``."""
    return {_norm_header(other): column for column, others in aliases.items() for other in others}


def _is_blank(cells: list[Any]) -> bool:
    return all(cell_text(c) == "" for c in cells)


def _is_comment(cells: list[Any]) -> bool:
    for c in cells:
        t = cell_text(c)
        if t:
            return t.startswith("#")
    return False


def _csv_records(data: bytes, name: str, out: Collector) -> list[list[Any]] | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        out.add(name, line, None,
                "the file is not UTF-8 text (in Excel: save as 'CSV UTF-8 (kommaavgränsad)')")
        return None
    delimiter = ","
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            counts = {d: line.count(d) for d in (",", ";", "\t")}
            best = max(counts, key=lambda d: counts[d])
            if counts[best]:
                delimiter = best
            break
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        out.add(name, None, None, f"not readable as CSV ({exc})")
        return None


def _unpacked_size(data: bytes) -> int:
    """What the workbook's parts unpack to, as its zip directory states (a bomb states it
    too: the reader refuses to inflate more than the stated size)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


def _xlsx_records(data: bytes, name: str, out: Collector) -> list[list[Any]] | None:
    import openpyxl

    try:
        if _unpacked_size(data) > XLSX_MAX_UNPACKED:
            out.add(name, None, None, f"the workbook unpacks to more than {XLSX_MAX_UNPACKED // 2**20} MB")
            return None
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # whatever the bytes: a broken zip, XML, styles, a missing part
        out.add(name, None, None, f"not a readable Excel .xlsx workbook ({exc.__class__.__name__})")
        return None
    try:
        if not wb.worksheets:
            out.add(name, None, None, "the workbook has no sheet")
            return None
        ws = wb.worksheets[0]
        return [list(values) for values in ws.iter_rows(min_row=1, values_only=True)]
    except Exception as exc:  # the sheet is read lazily: its XML may break only now
        out.add(name, None, None, f"not a readable Excel .xlsx workbook ({exc.__class__.__name__})")
        return None
    finally:
        wb.close()


def _records(source: Path | TableBytes, out: Collector) -> tuple[str, list[list[Any]] | None]:
    """The source's name and its rows of raw cells (None when unreadable: recorded)."""
    if isinstance(source, TableBytes):
        name, data, fmt = source.name, source.data, source.format
    else:
        name, fmt = source.name, XLSX if source.suffix.lower() == ".xlsx" else CSV
        data = source.read_bytes()
    return name, (_xlsx_records if fmt == XLSX else _csv_records)(data, name, out)


def read_table(source: Path | TableBytes, out: Collector, *, known: tuple[str, ...], required: tuple[str, ...],
               ignored: tuple[str, ...] = (), optional_required: tuple[str, ...] = (),
               aliases: Mapping[str, str] | None = None,
               identify: Callable[[set[str]], bool] | None = None) -> Table | None:
    """Header and data rows of a CSV or XLSX file (or of bytes); header problems go to ``out``.

    ``optional_required`` are required columns whose absence the caller handles itself.
    ``aliases``: other headings (normalised, see :func:`header_names`) -> the column they
    mean; the table's columns are then the columns, whichever heading the file writes.
    ``identify``: whether the header's columns are a table of the kind asked for at all; when
    not, None is returned and nothing recorded (an attachment that is some other table).
    """
    name, records = _records(source, out)
    if records is None:
        return None
    header_at = next((i for i, r in enumerate(records) if not _is_blank(r) and not _is_comment(r)), None)
    if header_at is None:
        out.add(name, None, None, "the file is empty (no header row)")
        return None
    header_row = header_at + 1
    columns = [_norm_header(v) for v in records[header_at]]
    while columns and columns[-1] == "":
        columns.pop()
    if aliases:
        columns = [aliases.get(col, col) for col in columns]
    if identify is not None and not identify(set(columns)):
        return None
    ok = True
    seen: dict[str, int] = {}
    for i, col in enumerate(columns):
        if col == "":
            out.add(name, header_row, None, f"column {i + 1} has no header")
            ok = False
        elif col in seen:
            out.add(name, header_row, col, f"column appears twice (columns {seen[col] + 1} and {i + 1})")
            ok = False
        elif col not in known and col not in ignored:
            out.add(name, header_row, col,
                    "unknown column; the columns are: " + ", ".join(known))
            ok = False
        else:
            seen[col] = i
    for col in required:
        if col not in seen and col not in optional_required:
            out.add(name, header_row, col, "required column is missing")
            ok = False
    if not ok:
        return None
    rows: list[Row] = []
    for idx in range(header_at + 1, len(records)):
        raw = list(records[idx])
        number = idx + 1
        if _is_blank(raw) or _is_comment(raw):
            continue
        extra = [j for j in range(len(columns), len(raw)) if cell_text(raw[j]) != ""]
        if extra:
            out.add(name, number, None,
                    f"a value in column {extra[0] + 1}, which has no header")
        cells = {col: (raw[j] if j < len(raw) else None)
                 for j, col in enumerate(columns) if col not in ignored}
        rows.append(Row(number, cells))
    return Table(name, columns, header_row, rows)



def table_files(path: Path, out: Collector) -> list[Path]:
    """The table files at ``path`` (a file, or a folder's files; see the module notes)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES
                       and not p.name.startswith(("~$", ".")))
        if not files:
            out.add(path.name or str(path), None, None, "the folder has no .csv or .xlsx file")
        return files
    if not path.exists():
        out.add(path.name or str(path), None, None, "no such file or folder")
        return []
    if path.suffix.lower() not in TABLE_SUFFIXES:
        out.add(path.name, None, None, "not a .csv or .xlsx file")
        return []
    return [path]



class RowReader:
    """One data row's cells read into values; every problem goes to ``out`` with the file,
    the row and the field, and the read goes on (all problems are found in one pass)."""

    def __init__(self, table: Table, row: Row, out: Collector):
        self.table, self.row, self.out = table, row, out
        self._before = len(out.errors)

    @property
    def failed(self) -> bool:
        """Whether any problem was found in this row."""
        return len(self.out.errors) > self._before

    def error(self, field: str | None, message: str) -> None:
        self.out.add(self.table.file, self.row.number, field, message)

    def raw(self, field: str) -> Any:
        return self.row.cells.get(field)

    def text(self, field: str) -> str:
        return cell_text(self.row.cells.get(field))

    def get(self, field: str, parse, **kw) -> Any:
        """``parse(cell, **kw)``, or None with the parser's message as the problem."""
        try:
            return parse(self.row.cells.get(field), **kw)
        except ValueError as exc:
            self.error(field, str(exc))
            return None

    def required_text(self, field: str) -> str | None:
        text = self.text(field)
        if text == "":
            self.error(field, "missing")
            return None
        return text
