"""Supporting documents (underlag): the time reports as CSV, and the personal-data guard.

The client's name and personnummer go to the municipality in exactly one place: the time
reports attached to the invoice (BG-24) or uploaded with the monthly report. This module
renders them, and :func:`free_text_problems` checks that no free-text field of a generated
document carries a name or personnummer (the rule is enforced, not only followed).

Time report CSV
    The attachment is the provider's own record, in Swedish, that a case officer reads and
    that a program reads back (:func:`invoices.timereports.read_timereports` gets the same
    shifts; tested): UTF-8, ``,`` delimiter, CRLF line ends, the columns
    ``TIMEREPORT_COLUMNS`` under their Swedish headings (Personnummer assistent, Datum,
    Starttid, Tidstyp, ...) plus ``Timmar`` and ``Kommentar``. One row per shift, in time
    order; ``Datum`` is the local date the shift starts, ``Starttid``/``Sluttid`` local wall
    times (``Sluttid`` <= ``Starttid`` means the next day, as in the input); ``Tidstyp`` aktiv
    tid, väntetid, jour or beredskap; yes/no as ja/nej. ``Timmar`` is the row's hours in
    **real elapsed time** (a night across the spring DST change shows 7.00 h where the clock
    says 8, with a note in ``Kommentar``); after the rows, comment rows (``# Summa aktiv tid:
    217.00 h``) give the report's hours per kind, summed in seconds and rounded once, which
    is what the invoice line of that kind counts for this assistant. ``Kommentar`` also says
    when a row is not billed (a kind the municipality does not take) or is supporting
    evidence only (the base decision's report on an extension invoice).
    Every cell goes through :func:`invoices.spreadsheet.csv_cell`: a name or other text that
    begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` (it is
    text, not a formula, in a spreadsheet; it reads back with the ``'``). The columns a reader
    matches on (personnummer, date, times, kind, yes/no) never begin with one of them.

Nothing here reads or writes files.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from .hours import KIND_LABEL, KIND_ORDER, round_hours
from .model import STOCKHOLM, Person, Shift, TimeReport, validate_pnr
from .spreadsheet import csv_row, xlsx_append
from .timereports import TIMEREPORT_COLUMNS, TIMEREPORT_HEADINGS

__all__ = [
    "CSV_MIME",
    "XLSX_MIME",
    "format_pnr",
    "timereport_csv",
    "timereport_rows",
    "timereport_xlsx",
    "safe_filename_part",
    "free_text_problems",
    "pnr_variants",
]

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIME = "application/pdf"
MIME_BY_SUFFIX = {
    ".csv": CSV_MIME,
    ".xlsx": XLSX_MIME,
    ".pdf": PDF_MIME,
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
"""The attachment types BIS 3 allows (BR-CL-24), by file suffix."""


def format_pnr(pnr: str) -> str:
    """``YYYYMMDD-NNNN`` (the 12-digit form with the dash the municipalities' forms use)."""
    digits = pnr.replace("-", "").replace("+", "")
    return f"{digits[:8]}-{digits[8:]}" if len(digits) == 12 else pnr


def _yes_no(value: bool | None) -> str:
    """``ja``/``nej``; a fact not stated (None) stays blank, as the provider gave it."""
    return "" if value is None else "ja" if value else "nej"


def _wall(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def _shift_cells(shift: Shift) -> tuple[str, str, str]:
    """``date``, ``start``, ``end`` of a shift as the time-report format writes them.

    The format can say "ends the next day" but nothing longer: a shift that ends later than
    the next day at its own start time cannot be written and raises ValueError.
    """
    start, end = _wall(shift.start), _wall(shift.end)
    next_day = start.date() + timedelta(days=1)
    if end.date() == start.date():
        if end.time() <= start.time():  # not expected: the model orders start < end
            raise ValueError(f"{shift.source or 'shift'}: cannot be written as a time-report row")
    elif end.date() == next_day:
        if end.time() > start.time():
            raise ValueError(f"{shift.source or 'shift'}: longer than 24 hours; a time-report row holds at most a day")
    else:
        raise ValueError(f"{shift.source or 'shift'}: ends more than a day after it starts")
    return start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}"


def _heading(column: str) -> str:
    return TIMEREPORT_HEADINGS[column][0]


def _elapsed_note(shift: Shift) -> str:
    """A note when the row's real elapsed time differs from its clock times (a DST night)."""
    wall = (_wall(shift.end) - _wall(shift.start)).total_seconds()
    if wall == shift.seconds:
        return ""
    change = "klockan ställdes fram en timme (sommartid)" if shift.seconds < wall else \
        "klockan ställdes tillbaka en timme (normaltid)"
    return f"{change}: verklig tid {round_hours(shift.seconds)} h"


def timereport_rows(report: TimeReport, shifts: Iterable[Shift] | None = None,
                    comments: Mapping[int, str] | None = None) -> tuple[list[str], list[list], list[str]]:
    """(headings, one row of values per shift in time order, the total lines per kind) of a
    time report: what :func:`timereport_csv` and :func:`timereport_xlsx` write."""
    rows = sorted(report.shifts if shifts is None else shifts,
                  key=lambda s: (s.start_utc, s.end_utc, s.decision_id))
    comments = comments or {}
    if report.collective_agreement:
        agreement = report.collective_agreement
    elif report.collective_agreement_stated:
        agreement = "inget"
    else:
        agreement = ""
    columns = (*TIMEREPORT_COLUMNS, "hours", "comment")
    body = []
    per_kind: dict = {}
    for s in rows:
        day, start, end = _shift_cells(s)
        per_kind[s.kind] = per_kind.get(s.kind, 0) + s.seconds
        note = "; ".join(n for n in (comments.get(id(s), ""), _elapsed_note(s)) if n)
        values = {
            "assistant_pnr": format_pnr(report.assistant.pnr),
            "assistant_name": report.assistant.name,
            "client_pnr": format_pnr(report.client.pnr),
            "client_name": report.client.name,
            "date": day,
            "start": start,
            "end": end,
            "kind": KIND_LABEL[s.kind],
            "decision_id": s.decision_id,
            "assistant_signed": _yes_no(report.signatures.assistant),
            "supervisor_signed": _yes_no(report.signatures.supervisor),
            "calculation_period": report.calculation_period or "",
            "collective_agreement": agreement,
            "assistant_lives_in_eea": _yes_no(report.assistant.lives_in_eea),
            "assistant_capacity_to_work": _yes_no(report.assistant.capacity_to_work),
            "assistant_related_to_client": _yes_no(report.related_to_client),
            "assistant_lives_with_client": _yes_no(report.lives_with_client),
            "hours": round_hours(s.seconds),
            "comment": note,
        }
        body.append([values[c] for c in columns])
    # Totals per kind, as comment rows (a reader skips rows starting with '#'): the hours of
    # this report that its invoice line of the kind counts (each line sums every assistant's).
    totals = [f"# Summa {KIND_LABEL[kind]}: {round_hours(per_kind[kind])} h"
              for kind in sorted(per_kind, key=lambda k: KIND_ORDER.index(k))]
    totals.append("# Timmar i verklig tid (Europe/Stockholm), summerade i sekunder och avrundade "
                  "till två decimaler en gång (half-up).")
    return [_heading(c) for c in columns], body, totals


def timereport_csv(report: TimeReport, shifts: Iterable[Shift] | None = None,
                   comments: Mapping[int, str] | None = None) -> bytes:
    """One time report as CSV bytes, in Swedish (see the module notes).

    ``shifts``: the rows to include (default: all of the report's shifts), written in time
    order. ``comments``: text for the ``Kommentar`` column, keyed by ``id()`` of the shift.
    """
    headings, body, totals = timereport_rows(report, shifts, comments)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(csv_row(headings))
    for row in body:
        writer.writerow(csv_row(row))
    writer.writerow([])
    for line in totals:
        writer.writerow(csv_row((line,)))
    return buf.getvalue().encode("utf-8")


def timereport_xlsx(report: TimeReport) -> bytes:
    """The same report as an XLSX workbook (sheet "Tidrapport"; text cells never formulas,
    :func:`invoices.spreadsheet.xlsx_append`), read back by the same reader."""
    from openpyxl import Workbook

    headings, body, totals = timereport_rows(report)
    wb = Workbook()
    ws = wb.active
    ws.title = "Tidrapport"
    xlsx_append(ws, headings)
    for row in body:
        xlsx_append(ws, [str(v) if not isinstance(v, str) else v for v in row])
    xlsx_append(ws, [])
    for line in totals:
        xlsx_append(ws, [line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def safe_filename_part(text: str) -> str:
    """``text`` with anything but letters, digits, ``-``, ``_`` and ``.`` replaced by ``_``
    (invoice numbers may contain ``/``; decision ids anything)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned or "_"


# ------------------------------------------------------------------- personal-data guard

_PNR_LIKE = re.compile(r"(?<!\d)(\d{6}|\d{8})[-+]?(\d{4})(?!\d)")


def pnr_variants(pnr: str) -> set[str]:
    """The ways a personnummer is written: 12 digits, 10 digits, with ``-`` or ``+``."""
    digits = pnr.replace("-", "").replace("+", "")
    short = digits[2:]
    return {digits, short, f"{digits[:8]}-{digits[8:]}", f"{short[:6]}-{short[6:]}", f"{short[:6]}+{short[6:]}"}


def _looks_like_pnr(text: str) -> bool:
    for m in _PNR_LIKE.finditer(text):
        try:
            validate_pnr(m.group(0))
        except ValueError:
            continue
        return True
    return False


def free_text_problems(fields: Mapping[str, str | None], persons: Iterable[Person]) -> list[str]:
    """Which free-text fields carry a person's name or any valid personnummer.

    ``fields``: field label -> text. ``persons``: everyone whose data the run has read
    (clients and assistants). A name matches case-insensitively as a whole (first and last
    name together, as written in the time report); a personnummer in any of its written
    forms, or any number that validates as a personnummer. The messages name the field and
    the kind of data, never the data itself.
    """
    people = list(persons)
    problems: list[str] = []
    for label, text in fields.items():
        if not text:
            continue
        folded = text.casefold()
        if _looks_like_pnr(text) or any(v in text for p in people for v in pnr_variants(p.pnr)):
            problems.append(f"{label}: contains a personnummer")
            continue
        if any(p.name.strip() and p.name.strip().casefold() in folded for p in people):
            problems.append(f"{label}: contains a person's name")
    return problems
