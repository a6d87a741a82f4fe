"""Time reports (CSV or XLSX), one row per shift -> :class:`~invoices.model.TimeReport`.

Columns
    required ``assistant_pnr, assistant_name, client_pnr, client_name, date, start, end,
    kind, decision_id``; optional ``assistant_signed, supervisor_signed,
    calculation_period, collective_agreement, assistant_lives_in_eea,
    assistant_capacity_to_work, assistant_related_to_client, assistant_lives_with_client``,
    and a free ``comment`` column that is ignored. Any other
    column is an error. Files, rows and cells: :mod:`invoices.tables`, :mod:`invoices.cells`.

Swedish headings
    The headings providers' time-report systems export are read as the columns they mean
    (case, spaces and hyphens do not matter; a column given under two of its names is an
    error naming both places; problems name the column by its English name):

    =================================  ==========================================================
    column                             also read from
    =================================  ==========================================================
    ``assistant_pnr``                  Personnummer assistent, Assistentens personnummer,
                                       Assistent personnummer
    ``assistant_name``                 Assistent, Namn, Assistentens namn, Assistent namn
    ``client_pnr``                     Brukarens personnummer, Kund personnummer, Kundens
                                       personnummer, Brukare personnummer, Personnummer brukare
    ``client_name``                    Brukare, Brukarens namn, Kund, Kundens namn, Kund namn
    ``date``                           Datum
    ``start``                          Start, Från, Starttid
    ``end``                            Slut, Till, Sluttid
    ``kind``                           Typ, Tidstyp
    ``decision_id``                    Beslut, Beslutsnummer
    ``assistant_signed``               Signerad av assistent
    ``supervisor_signed``              Signerad av arbetsledare, Attesterad
    ``calculation_period``             Beräkningsperiod
    ``collective_agreement``           Kollektivavtal
    ``assistant_lives_in_eea``         Bor inom EES
    ``assistant_capacity_to_work``     Arbetsförmåga
    ``assistant_related_to_client``    Närstående till brukaren, Närstående
    ``assistant_lives_with_client``    Bor med brukaren, Samma hushåll
    ``hours`` (ignored)                Timmar (the row's hours, as our attachments write them)
    ``comment`` (ignored)              Kommentar
    =================================  ==========================================================

Values
    * XLSX cells may be real dates/times or text; numbers in identity columns are read as digits.
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
    * Yes/no columns: a blank cell states nothing: signatures default to "not signed"; the
      assistant's facts (EEA, capacity to work, related to or living with the client, 9 d §
      2-3 and 11 a § LSS) are "not stated" (``None``), never "yes", and the source checks
      say so (LSS-SRC-013).
    * ``collective_agreement``: the agreement's name, or ``none``/``ingen``/``inget``/``nej``/
      ``no``/``-`` to state that no agreement applies; blank = not stated.

Grouping
    Rows are grouped into one report per (assistant, client, month of the shift's start
    date). Across all rows read in one call, an assistant's and a client's name and an
    assistant's register flags must agree, and within one report the signatures,
    calculation period and collective agreement must agree (blank cells state nothing and
    never conflict); a conflict names both rows.

Bytes
    :func:`read_timereport_bytes` reads the same format from bytes (an invoice's attachment,
    CSV or XLSX): the rows' sources and the problems are named by the name it is given
    (``"attachment 2 row 7"``). :func:`recognise_timereport` first asks whether a table is a
    time report at all: its header names (under any heading above) the ``date``, ``start``
    and ``end`` columns.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .cells import alias, cell_text, lookup, parse_bool, parse_date, parse_pnr, parse_time
from .input_errors import Collector, InputError
from .model import STOCKHOLM, Assistant, Client, Shift, ShiftKind, Signatures, TimeReport
from .tables import IGNORED_COLUMNS, RowReader, Table, TableBytes, header_names, read_table, table_files

__all__ = [
    "TIMEREPORT_COLUMNS", "TIMEREPORT_HEADINGS", "TIMEREPORT_OPTIONAL", "TIMEREPORT_REQUIRED", "TimeReportFile",
    "parse_local_shift", "read_timereport_bytes", "read_timereports", "recognise_timereport",
]

TIMEREPORT_REQUIRED = (
    "assistant_pnr", "assistant_name", "client_pnr", "client_name",
    "date", "start", "end", "kind", "decision_id",
)
TIMEREPORT_OPTIONAL = (
    "assistant_signed", "supervisor_signed", "calculation_period", "collective_agreement",
    "assistant_lives_in_eea", "assistant_capacity_to_work", "assistant_related_to_client",
    "assistant_lives_with_client",
)
TIMEREPORT_COLUMNS = TIMEREPORT_REQUIRED + TIMEREPORT_OPTIONAL
TIMEREPORT_HEADINGS: dict[str, tuple[str, ...]] = {
    "assistant_pnr": ("Personnummer assistent", "Assistentens personnummer", "Assistent personnummer"),
    "assistant_name": ("Assistent", "Namn", "Assistentens namn", "Assistent namn"),
    "client_pnr": ("Brukarens personnummer", "Kund personnummer", "Kundens personnummer",
                   "Brukare personnummer", "Personnummer brukare"),
    "client_name": ("Brukare", "Brukarens namn", "Kund", "Kundens namn", "Kund namn"),
    "date": ("Datum",),
    "start": ("Starttid", "Start", "Från"),
    "end": ("Sluttid", "Slut", "Till"),
    "kind": ("Tidstyp", "Typ"),
    "decision_id": ("Beslutsnummer", "Beslut"),
    "assistant_signed": ("Signerad av assistent",),
    "supervisor_signed": ("Signerad av arbetsledare", "Attesterad"),
    "calculation_period": ("Beräkningsperiod",),
    "collective_agreement": ("Kollektivavtal",),
    "assistant_lives_in_eea": ("Bor inom EES",),
    "assistant_capacity_to_work": ("Arbetsförmåga",),
    "assistant_related_to_client": ("Närstående till brukaren", "Närstående"),
    "assistant_lives_with_client": ("Bor med brukaren", "Samma hushåll"),
    "hours": ("Timmar",),
    "comment": ("Kommentar",),
}
"""The Swedish headings read as each column (see the module notes); the first of each is the
one our attachments write (:func:`invoices.underlag.timereport_csv`)."""
_ALIASES = header_names(TIMEREPORT_HEADINGS)
_IDENTIFYING = frozenset({"date", "start", "end"})

_KINDS = alias({
    "active": ShiftKind.ACTIVE, "aktiv": ShiftKind.ACTIVE, "aktiv tid": ShiftKind.ACTIVE,
    "waiting": ShiftKind.WAITING, "väntetid": ShiftKind.WAITING, "vantetid": ShiftKind.WAITING,
    "vänte": ShiftKind.WAITING,
    "on_call": ShiftKind.ON_CALL, "on call": ShiftKind.ON_CALL, "oncall": ShiftKind.ON_CALL,
    "jour": ShiftKind.ON_CALL,
    "standby": ShiftKind.STANDBY, "stand by": ShiftKind.STANDBY, "beredskap": ShiftKind.STANDBY,
})
_NO_AGREEMENT = {"none", "no", "nej", "ingen", "inget", "-", "–"}


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
    related_to_client: bool | None
    lives_with_client: bool | None

    @property
    def where(self) -> str:
        return f"{self.file} row {self.row}"


def _pnr_parser() -> Callable[[Any], str]:
    """:func:`~invoices.cells.parse_pnr` checking each number once per table (a person's
    number repeats on every row); a bad one is refused on every row it is on."""
    seen: dict[str, str] = {}

    def parse(value: Any) -> str:
        text = cell_text(value)
        if text not in seen:
            seen[text] = parse_pnr(text)
        return seen[text]

    return parse


def _shift_rows(table: Table, out: Collector) -> list[_ShiftRow]:
    kind_stated = "kind" in table.columns
    pnr = _pnr_parser()
    rows = (_shift_row(RowReader(table, row, out), kind_stated, pnr) for row in table.rows)
    return [r for r in rows if r is not None]


def _agreement(text: str) -> tuple[str | None] | None:
    """None: not stated; ``(None,)``: stated that none applies; else ``(name,)``."""
    if text == "":
        return None
    if text.lower() in _NO_AGREEMENT:
        return (None,)
    return (text,)


def _shift_row(cells: RowReader, kind_stated: bool, pnr: Callable[[Any], str]) -> _ShiftRow | None:
    """One row's shift and report fields, or None when the row has a problem (recorded)."""
    a_pnr = cells.get("assistant_pnr", pnr)
    a_name = cells.required_text("assistant_name")
    c_pnr = cells.get("client_pnr", pnr)
    c_name = cells.required_text("client_name")
    day = cells.get("date", parse_date)
    start = cells.get("start", parse_time)
    end = cells.get("end", parse_time, allow_24=True)
    kind = ShiftKind.ACTIVE
    if kind_stated:
        if cells.text("kind") == "":
            cells.error("kind", "missing")
        else:
            kind = cells.get("kind", lambda v: lookup(_KINDS, v, "kind of time"))
    decision_id = cells.required_text("decision_id")
    a_signed = cells.get("assistant_signed", parse_bool)
    s_signed = cells.get("supervisor_signed", parse_bool)
    eea = cells.get("assistant_lives_in_eea", parse_bool)
    capacity = cells.get("assistant_capacity_to_work", parse_bool)
    related = cells.get("assistant_related_to_client", parse_bool)
    household = cells.get("assistant_lives_with_client", parse_bool)
    period = cells.text("calculation_period") or None
    agreement = _agreement(cells.text("collective_agreement"))

    start_dt = end_dt = None
    if day is not None and start is not None and end is not None:
        try:
            start_dt, end_dt = parse_local_shift(day, start, end)
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            cells.error(field, message)
    if cells.failed:
        return None
    file, number = cells.table.file, cells.row.number
    try:
        shift = Shift(assistant_pnr=a_pnr, client_pnr=c_pnr, start=start_dt, end=end_dt,
                      kind=kind, decision_id=decision_id, source=f"{file} row {number}")
    except ValidationError as exc:  # not expected after the checks above
        cells.error(None, "; ".join(e["msg"] for e in exc.errors()))
        return None
    return _ShiftRow(file, number, a_pnr, a_name, c_pnr, c_name, shift, kind_stated,
                     a_signed, s_signed, period, agreement, eea, capacity, related, household)


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class _Agreed:
    """The first stated value of a field across rows; a different stated value is a conflict."""

    def __init__(self, field: str, what: str, out: Collector):
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


def _group(rows: list[_ShiftRow], out: Collector) -> list[TimeReport]:
    a_name = _Agreed("assistant_name", "the assistant's name", out)
    c_name = _Agreed("client_name", "the client's name", out)
    eea = _Agreed("assistant_lives_in_eea", "the assistant's lives_in_eea flag", out)
    capacity = _Agreed("assistant_capacity_to_work", "the assistant's capacity_to_work flag", out)
    a_signed = _Agreed("assistant_signed", "the report's assistant signature", out)
    s_signed = _Agreed("supervisor_signed", "the report's supervisor signature", out)
    period = _Agreed("calculation_period", "the report's calculation period", out)
    agreement = _Agreed("collective_agreement", "the report's collective agreement", out)
    related = _Agreed("assistant_related_to_client", "whether the assistant is related to the client", out)
    household = _Agreed("assistant_lives_with_client", "whether the assistant lives with the client", out)
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
        related.see(key, r.related_to_client, r)
        household.see(key, r.lives_with_client, r)
        agreement.see(key, r.collective_agreement, r,
                      equal=lambda x, y: (x[0] or "").casefold() == (y[0] or "").casefold())
    reports = []
    for key in sorted(groups, key=lambda k: (k[2], k[0], k[1])):
        a_pnr, c_pnr, month = key
        members = groups[key]
        stated_agreement = agreement.get(key)
        reports.append(TimeReport(
            assistant=Assistant(pnr=a_pnr, name=a_name.get(a_pnr),
                                lives_in_eea=eea.get(a_pnr),
                                capacity_to_work=capacity.get(a_pnr)),
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
            related_to_client=related.get(key),
            lives_with_client=household.get(key),
        ))
    return reports


def _table(source: Path | TableBytes, out: Collector, *, identify: bool = False) -> Table | None:
    """The time-report table of one file or attachment (the one reader of both)."""
    return read_table(source, out, known=TIMEREPORT_COLUMNS, required=TIMEREPORT_REQUIRED,
                      ignored=IGNORED_COLUMNS + ("hours",), optional_required=("kind",), aliases=_ALIASES,
                      identify=(lambda columns: _IDENTIFYING <= columns) if identify else None)


def read_timereports(path: str | Path) -> list[TimeReport]:
    """Time reports from a CSV/XLSX file, or from every ``*.csv``/``*.xlsx`` in a folder
    (not recursive, sorted by name; Excel lock files ``~$*`` and hidden files skipped).

    Returns reports ordered by month, assistant, client, each with its shifts in time
    order. Raises :class:`InputErrors` listing every problem found.
    """
    out = Collector()
    rows: list[_ShiftRow] = []
    for file in table_files(Path(path), out):
        table = _table(file, out)
        if table is not None:
            rows.extend(_shift_rows(table, out))
    reports = _group(rows, out)
    out.raise_if_any()
    return reports


@dataclass(frozen=True, slots=True)
class TimeReportFile:
    """What one time-report table held: its data rows (blank and ``#`` rows not counted),
    and either its reports or every problem found in it (then no report: a report read in
    part would hide the shifts its bad rows hold)."""

    rows: int
    reports: tuple[TimeReport, ...]
    errors: tuple[InputError, ...]


def recognise_timereport(data: bytes, name: str, format: str) -> TimeReportFile | None:  # noqa: A002
    """The time reports of bytes in ``format`` (:data:`~invoices.tables.CSV` or
    :data:`~invoices.tables.XLSX`), named ``name`` in sources and problems; None when the
    table is no time report (its header lacks the ``date``, ``start`` or ``end`` column).

    Never raises for anything in the bytes: an unreadable file is a :class:`TimeReportFile`
    with its problem."""
    out = Collector()
    table = _table(TableBytes(name, data, format), out, identify=True)
    if table is None and not out.errors:
        return None
    rows = _shift_rows(table, out) if table is not None else []
    reports = _group(rows, out)
    count = len(table.rows) if table is not None else 0
    if out.errors:
        return TimeReportFile(count, (), tuple(out.errors))
    return TimeReportFile(count, tuple(reports), ())


def read_timereport_bytes(data: bytes, name: str, format: str) -> list[TimeReport]:  # noqa: A002
    """Time reports from bytes in ``format`` (``"csv"`` or ``"xlsx"``), as :func:`read_timereports`
    reads a file; sources and problems are named by ``name``. Raises :class:`InputErrors`."""
    out = Collector()
    table = _table(TableBytes(name, data, format), out)
    rows = _shift_rows(table, out) if table is not None else []
    reports = _group(rows, out)
    out.raise_if_any()
    return reports
