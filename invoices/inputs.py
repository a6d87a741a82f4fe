"""Readers: a provider's files -> model objects, with every problem named by file, row, field.

Nothing here writes, logs or prints. A reader collects *all* problems in the input and raises
one :class:`InputErrors` at the end, so a provider fixes a file in one pass. Messages never
repeat a personnummer (not even a malformed one: it may be a real number with a typo); they
name the file, the row and the field.

Rows
    ``row`` is the row as a spreadsheet shows it: the header is row 1, the first data row is
    row 2. Blank rows count (they are rows in the spreadsheet) and are skipped. A row whose
    first cell starts with ``#`` is a comment and is skipped (the templates carry their
    example row that way).

Time reports (CSV or XLSX), one row per shift
    required columns ``assistant_pnr, assistant_name, client_pnr, client_name, date, start,
    end, kind, decision_id``; optional ``assistant_signed, supervisor_signed,
    calculation_period, collective_agreement, assistant_lives_in_eea,
    assistant_capacity_to_work``, and a free ``comment`` column that is ignored. Any other
    column is an error (a misspelt optional column would otherwise be silently lost).

    * CSV: UTF-8 with or without BOM; the delimiter (``,``, ``;`` or tab) is the one that
      occurs most often in the header line. XLSX: the first sheet, read-only; cells may be
      real dates/times or text; numbers in identity columns are read as digits.
    * ``date`` is ``YYYY-MM-DD``; ``start``/``end`` are ``HH:MM`` (``H:MM`` and ``HH:MM:00``
      accepted; ``end`` may be ``24:00``) in local Europe/Stockholm time.
    * ``end`` earlier than or equal to ``start`` means the next day: a shift may cross
      midnight, and ``00:00``-``00:00`` is a full day (23 h on the last Sunday of March,
      25 h on the last Sunday of October: hours are real elapsed time).
    * A wall time that does not exist (02:00-02:59 on the last Sunday of March) is an error.
      A wall time that occurs twice (02:00-02:59 on the last Sunday of October) is read as
      its FIRST occurrence (summer time, ``fold=0``), for ``start`` and ``end`` alike, so a
      hand-over at 02:30 stays contiguous (one shift's end equals the next one's start).
    * ``kind``: ``active``, ``waiting``, ``on_call``, ``standby`` or the Swedish ``aktiv``,
      ``väntetid``/``vantetid``, ``jour``, ``beredskap`` (case-insensitive). A file without
      a ``kind`` column at all is a legacy report that did not separate active and waiting
      time: its rows are read as active and the report carries ``kind_stated=False``, which
      the source checks flag (LSS-SRC-040).
    * Yes/no columns: ``yes/no/ja/nej/true/false/1/0`` (``y/n/j`` too). A blank cell states
      nothing: signatures default to "not signed", register flags to "yes".
    * ``collective_agreement``: the agreement's name, or ``none``/``ingen``/``inget``/``nej``/
      ``no``/``-`` to state that no agreement applies; blank = not stated.

    Rows are grouped into one :class:`~invoices.model.TimeReport` per (assistant, client,
    month of the shift's start date). Across all rows read in one call, an assistant's and a
    client's name and an assistant's register flags must agree, and within one report the
    signatures, calculation period and collective agreement must agree (blank cells state
    nothing and never conflict); a conflict names both rows.

Decisions (CSV or XLSX)
    columns ``decision_id, client_pnr, municipality, kind, valid_from, valid_to,
    granted_hours, granted_per``; ``kind`` base/extension/sickpay (grundbeslut,
    utökning/tillfällig utökning, sjuklön/merkostnad sjuklön); ``granted_per`` week/month/
    period (vecka, månad); ``granted_hours`` a decimal with ``,`` or ``.`` (spaces as
    thousands separators allowed). A ``decision_id`` may occur once.

Provider profile (TOML), see :func:`read_provider` for the layout.
"""
from __future__ import annotations

import csv
import io
import re
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .model import (
    STOCKHOLM,
    mask_pnr,
    Address,
    Assistant,
    Client,
    Contact,
    Decision,
    DecisionKind,
    GrantedPer,
    Provider,
    Shift,
    ShiftKind,
    Signatures,
    TimeReport,
    validate_orgnr,
    validate_pnr,
)

__all__ = [
    "InputError",
    "InputErrors",
    "TIMEREPORT_COLUMNS",
    "TIMEREPORT_REQUIRED",
    "TIMEREPORT_OPTIONAL",
    "DECISION_COLUMNS",
    "read_timereports",
    "read_decisions",
    "read_provider",
    "parse_local_shift",
]

TIMEREPORT_REQUIRED = (
    "assistant_pnr", "assistant_name", "client_pnr", "client_name",
    "date", "start", "end", "kind", "decision_id",
)
TIMEREPORT_OPTIONAL = (
    "assistant_signed", "supervisor_signed", "calculation_period", "collective_agreement",
    "assistant_lives_in_eea", "assistant_capacity_to_work",
)
TIMEREPORT_COLUMNS = TIMEREPORT_REQUIRED + TIMEREPORT_OPTIONAL
IGNORED_COLUMNS = ("comment",)
DECISION_COLUMNS = (
    "decision_id", "client_pnr", "municipality", "kind",
    "valid_from", "valid_to", "granted_hours", "granted_per",
)
TABLE_SUFFIXES = (".csv", ".xlsx")


# --------------------------------------------------------------------------------- errors

@dataclass(frozen=True, slots=True)
class InputError:
    """One problem in one input file.

    ``row`` is the spreadsheet row (header = 1) or, for TOML, None; ``field`` a column name
    or, for TOML, ``"[table] key"``; either may be None for a whole-file problem.
    """

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        if self.row is not None and self.field:
            return f"{self.file} row {self.row}, field '{self.field}': {self.message}"
        if self.row is not None:
            return f"{self.file} row {self.row}: {self.message}"
        if self.field:
            return f"{self.file}: {self.field}: {self.message}"
        return f"{self.file}: {self.message}"


class InputErrors(ValueError):
    """Everything wrong with the inputs of one read, in file and row order."""

    def __init__(self, errors: Iterable[InputError]):
        self.errors: list[InputError] = list(errors)
        super().__init__(self._summary())

    def _summary(self) -> str:
        n = len(self.errors)
        head = f"{n} problem{'s' if n != 1 else ''} in the input"
        return head + ":\n" + "\n".join(f"  {e}" for e in self.errors)

    def __iter__(self) -> Iterator[InputError]:
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, file: str, row: int | None, field: str | None, message: str) -> None:
        self.errors.append(InputError(file, row, field, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InputErrors(self.errors)


# --------------------------------------------------------------------------------- tables

@dataclass(slots=True)
class _Row:
    number: int                # spreadsheet row, header = 1
    cells: dict[str, Any]      # column -> raw value (str for CSV, typed for XLSX)


@dataclass(slots=True)
class _Table:
    file: str
    columns: list[str]
    header_row: int
    rows: list[_Row]


def _norm_header(value: Any) -> str:
    text = _text(value).lstrip("\ufeff").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def _is_blank(cells: list[Any]) -> bool:
    return all(_text(c) == "" for c in cells)


def _is_comment(cells: list[Any]) -> bool:
    for c in cells:
        t = _text(c)
        if t:
            return t.startswith("#")
    return False


def _csv_records(path: Path, name: str, out: _Collector) -> list[list[Any]] | None:
    data = path.read_bytes()
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


def _xlsx_records(path: Path, name: str, out: _Collector) -> list[list[Any]] | None:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        out.add(name, None, None, f"not a readable Excel .xlsx workbook ({exc.__class__.__name__})")
        return None
    try:
        if not wb.worksheets:
            out.add(name, None, None, "the workbook has no sheet")
            return None
        ws = wb.worksheets[0]
        return [list(values) for values in ws.iter_rows(min_row=1, values_only=True)]
    finally:
        wb.close()


def _read_table(path: Path, out: _Collector, *, known: tuple[str, ...], required: tuple[str, ...],
                ignored: tuple[str, ...] = (), optional_required: tuple[str, ...] = ()) -> _Table | None:
    """Header and data rows of a CSV or XLSX file; header problems go to ``out``.

    ``optional_required`` are required columns whose absence the caller handles itself.
    """
    name = path.name
    if path.suffix.lower() == ".xlsx":
        records = _xlsx_records(path, name, out)
    else:
        records = _csv_records(path, name, out)
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
    rows: list[_Row] = []
    for idx in range(header_at + 1, len(records)):
        raw = list(records[idx])
        number = idx + 1
        if _is_blank(raw) or _is_comment(raw):
            continue
        extra = [j for j in range(len(columns), len(raw)) if _text(raw[j]) != ""]
        if extra:
            out.add(name, number, None,
                    f"a value in column {extra[0] + 1}, which has no header")
        cells = {col: (raw[j] if j < len(raw) else None)
                 for j, col in enumerate(columns) if col not in ignored}
        rows.append(_Row(number, cells))
    return _Table(name, columns, header_row, rows)


# --------------------------------------------------------------------------------- values

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


_PNR_LIKE = re.compile(r"^(\d{6}|\d{8})[-+]?\d{4}$")


def _shown(value: Any) -> str:
    """The cell as quoted in a message; anything shaped like a personnummer is masked."""
    text = _text(value)
    if _PNR_LIKE.match(text):
        text = mask_pnr(text)
    return repr(text if len(text) <= 40 else text[:37] + "...")


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(00))?$")
_EXCEL_EPOCH_DAYS = (date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1))


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise ValueError(f"{_shown(value)} is a date and time, expected a date YYYY-MM-DD")
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if text == "":
        raise ValueError("missing")
    m = _DATE_RE.match(text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise ValueError(f"{_shown(value)} is not a date YYYY-MM-DD")


def _parse_time(value: Any, *, allow_24: bool = False) -> time:
    """A wall-clock time; ``24:00`` (end only) is returned as 00:00 (it means midnight)."""
    if isinstance(value, datetime):
        if value.date() in _EXCEL_EPOCH_DAYS and value.second == 0 and value.microsecond == 0:
            return value.time().replace(tzinfo=None)
        raise ValueError(f"{_shown(value)} is a date and time, expected a time HH:MM")
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise ValueError(f"{_shown(value)} has seconds, expected a time HH:MM")
        return value.replace(tzinfo=None)
    if isinstance(value, float) and 0 <= value < 1:  # an Excel time stored as a day fraction
        minutes = round(value * 24 * 60)
        if abs(minutes - value * 24 * 60) < 1e-6 and minutes < 24 * 60:
            return time(minutes // 60, minutes % 60)
    text = _text(value)
    if text == "":
        raise ValueError("missing")
    m = _TIME_RE.match(text)
    if m:
        hh, mm = int(m[1]), int(m[2])
        if hh == 24 and mm == 0 and allow_24:
            return time(0)
        if hh < 24 and mm < 60:
            return time(hh, mm)
    raise ValueError(f"{_shown(value)} is not a time HH:MM")


_YES = {"yes", "y", "ja", "j", "true", "sant", "1", "x"}
_NO = {"no", "n", "nej", "false", "falskt", "0"}


def _parse_bool(value: Any) -> bool | None:
    """True/False, or None for a blank cell (states nothing)."""
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text == "":
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"{_shown(value)} is not yes/no (yes, no, ja, nej, true, false, 1, 0)")


def _alias(table: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in table.items():
        out[re.sub(r"[\s\-]+", "_", k.strip().lower())] = v
    return out


_KINDS = _alias({
    "active": ShiftKind.ACTIVE, "aktiv": ShiftKind.ACTIVE, "aktiv tid": ShiftKind.ACTIVE,
    "waiting": ShiftKind.WAITING, "väntetid": ShiftKind.WAITING, "vantetid": ShiftKind.WAITING,
    "vänte": ShiftKind.WAITING,
    "on_call": ShiftKind.ON_CALL, "on call": ShiftKind.ON_CALL, "oncall": ShiftKind.ON_CALL,
    "jour": ShiftKind.ON_CALL,
    "standby": ShiftKind.STANDBY, "stand by": ShiftKind.STANDBY, "beredskap": ShiftKind.STANDBY,
})
_DECISION_KINDS = _alias({
    "base": DecisionKind.BASE, "grundbeslut": DecisionKind.BASE, "grund": DecisionKind.BASE,
    "extension": DecisionKind.EXTENSION, "utökning": DecisionKind.EXTENSION,
    "utokning": DecisionKind.EXTENSION, "tillfällig utökning": DecisionKind.EXTENSION,
    "tillfallig utokning": DecisionKind.EXTENSION,
    "sickpay": DecisionKind.SICKPAY, "sick pay": DecisionKind.SICKPAY,
    "sjuklön": DecisionKind.SICKPAY, "sjuklon": DecisionKind.SICKPAY,
    "merkostnad sjuklön": DecisionKind.SICKPAY, "merkostnad sjuklon": DecisionKind.SICKPAY,
})
_GRANTED_PER = _alias({
    "week": GrantedPer.WEEK, "vecka": GrantedPer.WEEK,
    "month": GrantedPer.MONTH, "månad": GrantedPer.MONTH, "manad": GrantedPer.MONTH,
    "period": GrantedPer.PERIOD, "beslutsperiod": GrantedPer.PERIOD,
})
_NO_AGREEMENT = {"none", "no", "nej", "ingen", "inget", "-", "–"}


def _lookup(table: dict[str, Any], value: Any, what: str) -> Any:
    key = re.sub(r"[\s\-]+", "_", _text(value).lower())
    if key in table:
        return table[key]
    canonical = sorted({v.value for v in table.values()})
    raise ValueError(f"{_shown(value)} is not a {what} ({', '.join(canonical)})")


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{_shown(value)} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = re.sub(r"[\s\u00a0\u202f\u2009]", "", _text(value))
    if "," in text and "." in text:
        raise ValueError(f"{_shown(value)} mixes ',' and '.'; write one decimal separator only")
    if not re.fullmatch(r"-?\d+([.,]\d+)?", text):
        raise ValueError(f"{_shown(value)} is not a number")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{_shown(value)} is not a number") from None


def _pnr(value: Any) -> str:
    """A validated personnummer; the message never repeats the value."""
    text = _text(value)
    if text == "":
        raise ValueError("missing")
    return validate_pnr(text)


# --------------------------------------------------------------------------------- shifts

def _in_gap(local: datetime) -> bool:
    """Whether a naive-wall-time-with-zone does not exist (spring DST gap)."""
    back = local.astimezone(timezone.utc).astimezone(STOCKHOLM)
    return back.replace(tzinfo=None) != local.replace(tzinfo=None)


def parse_local_shift(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """Aware start and end (Europe/Stockholm) of a shift given as a date and wall times.

    ``end`` <= ``start`` means the next day. A time in the spring DST gap raises ValueError
    naming ``start`` or ``end`` (as ``"start: ..."``); a time in the autumn repeated hour is
    its first occurrence (``fold=0``).
    """
    start_dt = datetime.combine(day, start, tzinfo=STOCKHOLM)  # fold=0: first occurrence
    end_day = day + timedelta(days=1) if end <= start else day
    end_dt = datetime.combine(end_day, end, tzinfo=STOCKHOLM)
    if _in_gap(start_dt):
        raise ValueError(f"start: {start:%H:%M} does not exist on {day} (clocks go forward from 02:00 to 03:00)")
    if _in_gap(end_dt):
        raise ValueError(f"end: {end:%H:%M} does not exist on {end_day} (clocks go forward from 02:00 to 03:00)")
    return start_dt, end_dt


@dataclass(slots=True)
class _ShiftRow:
    file: str
    row: int
    assistant_pnr: str
    assistant_name: str
    client_pnr: str
    client_name: str
    shift: Shift
    kind_stated: bool
    assistant_signed: bool | None
    supervisor_signed: bool | None
    calculation_period: str | None        # None = not stated
    collective_agreement: tuple[str | None] | None   # None = not stated; (None,) = "none applies"
    lives_in_eea: bool | None
    capacity_to_work: bool | None

    @property
    def where(self) -> str:
        return f"{self.file} row {self.row}"


def _shift_rows(table: _Table, out: _Collector) -> list[_ShiftRow]:
    kind_stated = "kind" in table.columns
    result: list[_ShiftRow] = []
    for row in table.rows:
        c = row.cells
        before = len(out.errors)

        def err(field: str | None, message: str) -> None:
            out.add(table.file, row.number, field, message)

        def get(field: str, parse, **kw):
            try:
                return parse(c.get(field), **kw)
            except ValueError as exc:
                err(field, str(exc))
                return None

        def required_text(field: str) -> str | None:
            text = _text(c.get(field))
            if text == "":
                err(field, "missing")
                return None
            return text

        a_pnr = get("assistant_pnr", _pnr)
        a_name = required_text("assistant_name")
        c_pnr = get("client_pnr", _pnr)
        c_name = required_text("client_name")
        day = get("date", _parse_date)
        start = get("start", _parse_time)
        end = get("end", _parse_time, allow_24=True)
        kind = ShiftKind.ACTIVE
        if kind_stated:
            if _text(c.get("kind")) == "":
                err("kind", "missing")
            else:
                kind = get("kind", lambda v: _lookup(_KINDS, v, "kind of time"))
        decision_id = required_text("decision_id")
        a_signed = get("assistant_signed", _parse_bool)
        s_signed = get("supervisor_signed", _parse_bool)
        eea = get("assistant_lives_in_eea", _parse_bool)
        capacity = get("assistant_capacity_to_work", _parse_bool)
        period = _text(c.get("calculation_period")) or None
        agreement_text = _text(c.get("collective_agreement"))
        if agreement_text == "":
            agreement = None
        elif agreement_text.lower() in _NO_AGREEMENT:
            agreement = (None,)
        else:
            agreement = (agreement_text,)

        start_dt = end_dt = None
        if day is not None and start is not None and end is not None:
            try:
                start_dt, end_dt = parse_local_shift(day, start, end)
            except ValueError as exc:
                field, _, message = str(exc).partition(": ")
                err(field, message)
        if len(out.errors) > before:
            continue
        try:
            shift = Shift(assistant_pnr=a_pnr, client_pnr=c_pnr, start=start_dt, end=end_dt,
                          kind=kind, decision_id=decision_id, source=f"{table.file} row {row.number}")
        except ValidationError as exc:  # not expected after the checks above
            err(None, "; ".join(e["msg"] for e in exc.errors()))
            continue
        result.append(_ShiftRow(
            table.file, row.number, a_pnr, a_name, c_pnr, c_name, shift, kind_stated,
            a_signed, s_signed, period, agreement, eea, capacity))
    return result


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class _Agreed:
    """The first stated value of a field across rows; a different stated value is a conflict."""

    def __init__(self, field: str, what: str, out: _Collector):
        self.field, self.what, self.out = field, what, out
        self.values: dict[Any, tuple[Any, _ShiftRow]] = {}

    def see(self, key: Any, value: Any, r: _ShiftRow, *, equal=lambda a, b: a == b) -> None:
        if value is None:
            return
        first = self.values.get(key)
        if first is None:
            self.values[key] = (value, r)
        elif not equal(first[0], value):
            self.out.add(r.file, r.row, self.field,
                         f"{self.what} differs from {first[1].where}")

    def get(self, key: Any, default: Any = None) -> Any:
        first = self.values.get(key)
        return default if first is None else first[0]


def _group(rows: list[_ShiftRow], out: _Collector) -> list[TimeReport]:
    a_name = _Agreed("assistant_name", "the assistant's name", out)
    c_name = _Agreed("client_name", "the client's name", out)
    eea = _Agreed("assistant_lives_in_eea", "the assistant's lives_in_eea flag", out)
    capacity = _Agreed("assistant_capacity_to_work", "the assistant's capacity_to_work flag", out)
    a_signed = _Agreed("assistant_signed", "the report's assistant signature", out)
    s_signed = _Agreed("supervisor_signed", "the report's supervisor signature", out)
    period = _Agreed("calculation_period", "the report's calculation period", out)
    agreement = _Agreed("collective_agreement", "the report's collective agreement", out)
    groups: dict[tuple[str, str, str], list[_ShiftRow]] = {}
    for r in rows:
        month = r.shift.start.strftime("%Y-%m")
        key = (r.assistant_pnr, r.client_pnr, month)
        groups.setdefault(key, []).append(r)
        a_name.see(r.assistant_pnr, r.assistant_name, r, equal=_same_name)
        c_name.see(r.client_pnr, r.client_name, r, equal=_same_name)
        eea.see(r.assistant_pnr, r.lives_in_eea, r)
        capacity.see(r.assistant_pnr, r.capacity_to_work, r)
        a_signed.see(key, r.assistant_signed, r)
        s_signed.see(key, r.supervisor_signed, r)
        period.see(key, r.calculation_period, r, equal=_same_name)
        agreement.see(key, r.collective_agreement, r,
                      equal=lambda x, y: (x[0] or "").casefold() == (y[0] or "").casefold())
    reports = []
    for key in sorted(groups, key=lambda k: (k[2], k[0], k[1])):
        a_pnr, c_pnr, month = key
        members = groups[key]
        stated_agreement = agreement.get(key)
        reports.append(TimeReport(
            assistant=Assistant(pnr=a_pnr, name=a_name.get(a_pnr),
                                lives_in_eea=eea.get(a_pnr, True),
                                capacity_to_work=capacity.get(a_pnr, True)),
            client=Client(pnr=c_pnr, name=c_name.get(c_pnr)),
            month=month,
            shifts=tuple(sorted((m.shift for m in members),
                                key=lambda s: (s.start_utc, s.end_utc, s.source))),
            signatures=Signatures(assistant=bool(a_signed.get(key, False)),
                                  supervisor=bool(s_signed.get(key, False))),
            calculation_period=period.get(key),
            collective_agreement=stated_agreement[0] if stated_agreement else None,
            collective_agreement_stated=stated_agreement is not None,
            kind_stated=all(m.kind_stated for m in members),
        ))
    return reports


def _table_files(path: Path, out: _Collector) -> list[Path]:
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


def read_timereports(path: str | Path) -> list[TimeReport]:
    """Time reports from a CSV/XLSX file, or from every ``*.csv``/``*.xlsx`` in a folder
    (not recursive, sorted by name; Excel lock files ``~$*`` and hidden files skipped).

    Returns reports ordered by month, assistant, client, each with its shifts in time
    order. Raises :class:`InputErrors` listing every problem found.
    """
    out = _Collector()
    rows: list[_ShiftRow] = []
    for file in _table_files(Path(path), out):
        table = _read_table(file, out, known=TIMEREPORT_COLUMNS, required=TIMEREPORT_REQUIRED,
                            ignored=IGNORED_COLUMNS, optional_required=("kind",))
        if table is not None:
            rows.extend(_shift_rows(table, out))
    reports = _group(rows, out)
    out.raise_if_any()
    return reports


# ------------------------------------------------------------------------------ decisions

def read_decisions(path: str | Path) -> list[Decision]:
    """Decisions from a CSV (or XLSX) file, in file order. Raises :class:`InputErrors`."""
    out = _Collector()
    decisions: list[Decision] = []
    seen: dict[str, str] = {}
    for file in _table_files(Path(path), out):
        table = _read_table(file, out, known=DECISION_COLUMNS, required=DECISION_COLUMNS,
                            ignored=IGNORED_COLUMNS)
        if table is None:
            continue
        for row in table.rows:
            c = row.cells
            before = len(out.errors)

            def get(field: str, parse):
                try:
                    return parse(c.get(field))
                except ValueError as exc:
                    out.add(table.file, row.number, field, str(exc))
                    return None

            def required_text(field: str) -> str | None:
                text = _text(c.get(field))
                if text == "":
                    out.add(table.file, row.number, field, "missing")
                    return None
                return text

            decision_id = required_text("decision_id")
            if decision_id is not None:
                if decision_id in seen:
                    out.add(table.file, row.number, "decision_id",
                            f"decision {decision_id!r} is already given on {seen[decision_id]}")
                else:
                    seen[decision_id] = f"{table.file} row {row.number}"
            client = get("client_pnr", _pnr)
            municipality = required_text("municipality")
            kind = get("kind", lambda v: _lookup(_DECISION_KINDS, v, "decision kind"))
            valid_from = get("valid_from", _parse_date)
            valid_to = get("valid_to", _parse_date)
            hours = get("granted_hours", _parse_decimal)
            if hours is not None and hours < 0:
                out.add(table.file, row.number, "granted_hours", f"{_shown(c.get('granted_hours'))} is negative")
            per = get("granted_per", lambda v: _lookup(_GRANTED_PER, v, "unit"))
            if valid_from and valid_to and valid_to < valid_from:
                out.add(table.file, row.number, "valid_to",
                        f"{valid_to} is before valid_from {valid_from}")
            if len(out.errors) > before:
                continue
            try:
                decisions.append(Decision(
                    id=decision_id, client_pnr=client, municipality=municipality, kind=kind,
                    valid_from=valid_from, valid_to=valid_to, granted_hours=hours, granted_per=per))
            except ValidationError as exc:  # not expected after the checks above
                out.add(table.file, row.number, None, "; ".join(e["msg"] for e in exc.errors()))
    out.raise_if_any()
    return decisions


# ------------------------------------------------------------------------------- provider

_PROVIDER_KEYS = ("name", "org_nr", "f_tax", "vat_number", "bankgiro", "plusgiro", "iban", "bic")
_ADDRESS_KEYS = ("street", "postal_code", "city", "country")
_CONTACT_KEYS = ("name", "phone", "email")
_INVOICE_KEYS = ("prefix",)


def _valid_vat(value: str) -> str:
    from stdnum.se import vat
    try:
        return "SE" + vat.validate(value)  # stdnum returns the 12 digits without "SE"
    except Exception:
        raise ValueError("not a valid Swedish VAT number (SE + organisation number + 01)") from None


def _valid_giro(value: str, lengths: range, what: str) -> str:
    from stdnum import luhn
    digits = re.sub(r"[\s\-.]", "", value)
    if not digits.isdigit() or not digits.isascii() or len(digits) not in lengths:
        raise ValueError(f"not a {what} ({lengths.start}-{lengths.stop - 1} digits)")
    try:
        luhn.validate(digits)
    except Exception:
        raise ValueError(f"not a {what} (the check digit is wrong)") from None
    return digits


def _valid_bankgiro(value: str) -> str:
    # Bankgirot: 7 or 8 digits, the last a modulus-10 (Luhn) check digit (Peppol SE-R-009).
    return _valid_giro(value, range(7, 9), "bankgiro number")


def _valid_plusgiro(value: str) -> str:
    # PlusGirot: 2 to 8 digits, the last a modulus-10 (Luhn) check digit (Peppol SE-R-010).
    return _valid_giro(value, range(2, 9), "plusgiro number")


def _valid_iban(value: str) -> str:
    from stdnum import iban
    try:
        return iban.validate(value)
    except Exception:
        raise ValueError("not a valid IBAN") from None


def _valid_bic(value: str) -> str:
    from stdnum import bic
    try:
        return bic.validate(value)
    except Exception:
        raise ValueError("not a valid BIC") from None


def _valid_orgnr(value: str) -> str:
    try:
        return validate_orgnr(value)
    except ValueError:
        raise ValueError("not a valid organisation number") from None


def _valid_prefix(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9\-_/.]{0,20}", value):
        raise ValueError("use at most 20 letters A-Z, digits and - _ / . (no spaces)")
    return value


def _valid_email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise ValueError("not an e-mail address")
    return value


def _valid_country(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError("not an ISO 3166 two-letter country code (e.g. SE)")
    return value


def read_provider(path: str | Path) -> Provider:
    """The provider profile, a TOML file laid out as follows (``provider_template_toml()``
    in :mod:`invoices.templates` writes a filled-in example)::

        [provider]
        name = "..."               # required, the legal name
        org_nr = "NNNNNN-NNNN"     # required, organisation number (Luhn)
        f_tax = true               # required, godkänd för F-skatt (true/false)
        vat_number = "SE...01"     # optional, SE + org nr + 01
        bankgiro = "NNNN-NNNN"     # at least one of bankgiro, plusgiro, iban
        plusgiro = "NNNNNN-N"
        iban = "SE.."
        bic = "..."                # optional, with iban

        [address]                  # required
        street = "..."
        postal_code = "NNN NN"     # five digits when country is SE
        city = "..."
        country = "SE"             # optional, ISO 3166 alpha-2, default SE

        [contact]                  # required
        name = "..."
        phone = "..."              # optional
        email = "..."              # optional

        [invoice]                  # optional
        prefix = "LSS-"            # invoice number prefix, <= 20 of A-Z 0-9 - _ / .

    An optional key written as ``""`` counts as absent. Unknown keys in these four tables
    are errors (a misspelt key would otherwise be lost); other top-level tables are left
    for other tools. Identifiers are stored compact (digits; VAT and IBAN without spaces).
    Raises :class:`InputErrors`, one error per missing or invalid key.
    """
    path = Path(path)
    name = path.name
    out = _Collector()
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        out.add(name, None, None, "no such file")
        out.raise_if_any()
    except OSError as exc:
        out.add(name, None, None, f"cannot be read ({exc.__class__.__name__})")
        out.raise_if_any()
    except UnicodeDecodeError:
        out.add(name, None, None, "the file is not UTF-8 text")
        out.raise_if_any()
    except tomllib.TOMLDecodeError as exc:
        out.add(name, None, None, f"not valid TOML: {exc}")
        out.raise_if_any()

    def table(key: str, required: bool, allowed: tuple[str, ...]) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                out.add(name, None, f"[{key}]", "missing table")
            return {}
        if not isinstance(value, dict):
            out.add(name, None, key, f"must be a table [{key}]")
            return {}
        for k in value:
            if k not in allowed:
                out.add(name, None, f"[{key}] {k}", "unknown key; the keys are: " + ", ".join(allowed))
        return value

    def text(tbl: dict[str, Any], tname: str, key: str, required: bool, check=None) -> str | None:
        field = f"[{tname}] {key}"
        if key not in tbl or (not required and tbl[key] == ""):
            if required and tname in data:
                out.add(name, None, field, "missing")
            return None
        value = tbl[key]
        if not isinstance(value, str):
            out.add(name, None, field, "must be a string in quotes")
            return None
        value = value.strip()
        if value == "":
            out.add(name, None, field, "is empty")
            return None
        if check is not None:
            try:
                return check(value)
            except ValueError as exc:
                out.add(name, None, field, str(exc))
                return None
        return value

    provider = table("provider", True, _PROVIDER_KEYS)
    address = table("address", True, _ADDRESS_KEYS)
    contact = table("contact", True, _CONTACT_KEYS)
    invoice = table("invoice", False, _INVOICE_KEYS)

    p_name = text(provider, "provider", "name", True)
    org_nr = text(provider, "provider", "org_nr", True, _valid_orgnr)
    f_tax = None
    if "provider" in data:
        if "f_tax" not in provider:
            out.add(name, None, "[provider] f_tax", "missing (true if approved for F-tax, else false)")
        elif not isinstance(provider["f_tax"], bool):
            out.add(name, None, "[provider] f_tax", "must be true or false (without quotes)")
        else:
            f_tax = provider["f_tax"]
    vat_number = text(provider, "provider", "vat_number", False, _valid_vat)
    bankgiro = text(provider, "provider", "bankgiro", False, _valid_bankgiro)
    plusgiro = text(provider, "provider", "plusgiro", False, _valid_plusgiro)
    iban = text(provider, "provider", "iban", False, _valid_iban)
    bic = text(provider, "provider", "bic", False, _valid_bic)
    if "provider" in data and not any(provider.get(k) for k in ("bankgiro", "plusgiro", "iban")):
        out.add(name, None, "[provider] bankgiro",
                "missing: give at least one of bankgiro, plusgiro or iban to be paid to")

    country = text(address, "address", "country", False, _valid_country) or "SE"
    street = text(address, "address", "street", True)
    postal = text(address, "address", "postal_code", True)
    if postal is not None and country == "SE":
        digits = re.sub(r"\s", "", postal)
        if not re.fullmatch(r"\d{5}", digits):
            out.add(name, None, "[address] postal_code", "not a Swedish postal code (five digits, NNN NN)")
            postal = None
        else:
            postal = f"{digits[:3]} {digits[3:]}"
    city = text(address, "address", "city", True)

    c_name = text(contact, "contact", "name", True)
    phone = text(contact, "contact", "phone", False)
    email = text(contact, "contact", "email", False, _valid_email)

    prefix = ""
    if "prefix" in invoice:
        raw = invoice["prefix"]
        if not isinstance(raw, str):
            out.add(name, None, "[invoice] prefix", "must be a string in quotes")
        else:
            try:
                prefix = _valid_prefix(raw.strip())
            except ValueError as exc:
                out.add(name, None, "[invoice] prefix", str(exc))

    out.raise_if_any()
    try:
        return Provider(
            name=p_name, org_nr=org_nr,
            address=Address(street=street, postal_code=postal, city=city, country=country),
            contact=Contact(name=c_name, phone=phone, email=email),
            f_tax=f_tax, vat_number=vat_number, bankgiro=bankgiro, plusgiro=plusgiro,
            iban=iban, bic=bic, invoice_prefix=prefix,
        )
    except ValidationError as exc:  # not expected after the checks above
        raise InputErrors([InputError(name, None, "[provider]", e["msg"]) for e in exc.errors()]) from None
