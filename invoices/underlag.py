"""Supporting documents (underlag): the time reports as CSV, and the personal-data guard.

The client's name and personnummer go to the municipality in exactly one place: the time
reports attached to the invoice (BG-24) or uploaded with the monthly report. This module
renders them, and :func:`free_text_problems` checks that no free-text field of a generated
document carries a name or personnummer (the rule is enforced, not only followed).

Time report CSV
    The attachment is the time report in the very format the provider's time reports are
    read in (:mod:`invoices.inputs`): UTF-8, ``,`` delimiter, CRLF line ends, the columns
    ``TIMEREPORT_COLUMNS`` plus ``comment``. So a municipality can read an attachment back
    with ``invoices.inputs.read_timereports`` and get the same shifts (tested). One row per
    shift, in time order; ``date`` is the local date the shift starts, ``start``/``end``
    local wall times (``end`` <= ``start`` means the next day, as in the input). The
    ``comment`` column says when a row is not billed (a kind the municipality does not take)
    or is supporting evidence only (the base decision's report on an extension invoice).
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

from .model import STOCKHOLM, Person, Shift, TimeReport, validate_pnr
from .spreadsheet import csv_row
from .timereports import TIMEREPORT_COLUMNS

__all__ = [
    "CSV_MIME",
    "XLSX_MIME",
    "format_pnr",
    "timereport_csv",
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


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


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


def timereport_csv(report: TimeReport, shifts: Iterable[Shift] | None = None,
                   comments: Mapping[int, str] | None = None) -> bytes:
    """One time report as CSV bytes (see the module notes).

    ``shifts``: the rows to include (default: all of the report's shifts), written in time
    order. ``comments``: text for the ``comment`` column, keyed by ``id()`` of the shift.
    """
    rows = sorted(report.shifts if shifts is None else shifts,
                  key=lambda s: (s.start_utc, s.end_utc, s.decision_id))
    comments = comments or {}
    if report.collective_agreement:
        agreement = report.collective_agreement
    elif report.collective_agreement_stated:
        agreement = "none"
    else:
        agreement = ""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(csv_row((*TIMEREPORT_COLUMNS, "comment")))
    for s in rows:
        day, start, end = _shift_cells(s)
        values = {
            "assistant_pnr": format_pnr(report.assistant.pnr),
            "assistant_name": report.assistant.name,
            "client_pnr": format_pnr(report.client.pnr),
            "client_name": report.client.name,
            "date": day,
            "start": start,
            "end": end,
            "kind": s.kind.value,
            "decision_id": s.decision_id,
            "assistant_signed": _yes_no(report.signatures.assistant),
            "supervisor_signed": _yes_no(report.signatures.supervisor),
            "calculation_period": report.calculation_period or "",
            "collective_agreement": agreement,
            "assistant_lives_in_eea": _yes_no(report.assistant.lives_in_eea),
            "assistant_capacity_to_work": _yes_no(report.assistant.capacity_to_work),
            "comment": comments.get(id(s), ""),
        }
        writer.writerow(csv_row(values[c] for c in (*TIMEREPORT_COLUMNS, "comment")))
    return buf.getvalue().encode("utf-8")


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
