"""The time reports attached to a received invoice: read during the analysis, stored with it.

Reading (:func:`take_in`, no I/O)
    Every embedded attachment whose MIME code or file name says CSV or XLSX
    (:func:`invoices.tables.table_format`; images are never opened, a PDF only for the signed
    report it may carry, :mod:`ingest.signed_intake`) is read by the
    provider side's own reader (:func:`invoices.timereports.recognise_timereport`, the same
    code that reads a provider's files), from the decoded bytes the BIS model already holds,
    large attachments included (those go to the archive, not the store, but the analysis has
    them). A table whose header names no ``date``, ``start`` and ``end`` column (under any of
    the Swedish headings) is no time report and is left alone. A time report is marked on
    its attachment row (``recognised_as`` ``timereport-csv``/``timereport-xlsx``, ``rows``
    its data rows) whether or not it reads cleanly.

    An attachment is taken in whole or not at all: one bad row (or a value the store cannot
    hold, checked here against the columns as :mod:`ingest.rows` checks the invoice's) keeps
    all its reports out, since a report read in part would hide the shifts its bad rows hold.

Findings (severity warning, step ``timereports``; the invoice is stored all the same)
    * ``LSS-TR-001`` no parseable time report attached: the invoice ends with no time report
      stored (none attached, or only ones that could not be read). Not given to a credit
      note, which needs none (its attached reports are stored all the same).
    * ``LSS-TR-002`` time report attachment N (its file name): each problem the reader found,
      naming the row and the field, at most :data:`MAX_PROBLEMS` per attachment.
    Every personnummer in a message is masked (:func:`invoices.model.mask_personal_numbers`).

Storing (:func:`insert_timereports`, in the final transaction)
    ``timereports``: one row per assistant, client and month of an attachment, with its
    attachment's id; ``shifts``: one per row, start and end as UTC instants, ``seconds`` the
    exact elapsed time (23 h for the spring DST day, 25 h for the autumn one), ``source``
    ``"attachment N row R"`` (N the attachment's position in the invoice, from 1; R the
    spreadsheet row, header = 1).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection

from invoices.input_errors import InputError
from invoices.model import Signatures, TimeReport, mask_personal_numbers
from invoices.signed_attach import report_key, signed_copy
from invoices.tables import table_format
from invoices.timereports import recognise_timereport
from validate.findings import Finding, Severity

from . import tables as t
from .rows import InvoiceRows, column_problem
from .signed_intake import ReportSigning, judge_unsigned, signed_finding, signed_in_pdf

__all__ = [
    "BAD_TIMEREPORT_RULE", "MAX_PROBLEMS", "NO_TIMEREPORT_RULE", "STEP", "AttachedReports", "insert_timereports",
    "take_in",
]

STEP = "timereports"
NO_TIMEREPORT_RULE = "LSS-TR-001"
BAD_TIMEREPORT_RULE = "LSS-TR-002"
MAX_PROBLEMS = 10

_INSERT_REPORTS = insert(t.timereports).returning(t.timereports.c.id, sort_by_parameter_order=True)
_INSERT_SHIFTS = insert(t.shifts)
_ATTACHMENT_IDS = (select(t.attachments.c.id).where(t.attachments.c.invoice_id == bindparam("p_invoice"))
                   .order_by(t.attachments.c.id))


@dataclass(frozen=True)
class AttachedReports:
    """The time reports read from one attachment (``number``: its position, from 1)."""

    number: int
    reports: tuple[TimeReport, ...]


# ------------------------------------------------------------------ reading

def _label(number: int) -> str:
    """What sources and messages call the attachment."""
    return f"attachment {number}"


def _where(error: InputError) -> str:
    """The row and field a problem names, without the file (the finding names the attachment)."""
    parts = [f"row {error.row}" if error.row is not None else "", f"field '{error.field}'" if error.field else ""]
    place = ", ".join(p for p in parts if p)
    return f"{place}: {error.message}" if place else error.message


def _problem(number: int, filename: str | None, text: str) -> Finding:
    shown = f" ({filename})" if filename else ""
    message = mask_personal_numbers(f"time report {_label(number)}{shown}: {text}")
    return Finding(BAD_TIMEREPORT_RULE, Severity.WARNING, message, step=STEP)


def _problems(number: int, filename: str | None, errors: list[InputError]) -> list[Finding]:
    findings = [_problem(number, filename, _where(e)) for e in errors[:MAX_PROBLEMS]]
    if len(errors) > MAX_PROBLEMS:
        findings.append(_problem(number, filename, f"and {len(errors) - MAX_PROBLEMS} more problem(s)"))
    return findings


def _row_of(source: str) -> int | None:
    """The row of a shift's source ``"attachment N row R"``."""
    _, _, row = source.rpartition(" row ")
    return int(row) if row.isdigit() else None


def _unstorable(number: int, reports: tuple[TimeReport, ...]) -> list[InputError]:
    """A problem per value the store's time-report columns cannot hold (checked on every
    database alike, so PostgreSQL never refuses one in the final transaction)."""
    errors = []
    for report in reports:
        first = _row_of(report.shifts[0].source) if report.shifts else None
        for name, value in (("calculation_period", report.calculation_period),
                            ("collective_agreement", report.collective_agreement)):
            problem = column_problem(t.timereports, name, value)
            if problem:
                errors.append(InputError(_label(number), first, name, problem))
        for shift in report.shifts:
            for name, value in (("decision_id", shift.decision_id), ("source", shift.source)):
                problem = column_problem(t.shifts, name, value)
                if problem:
                    errors.append(InputError(_label(number), _row_of(shift.source), name, problem))
    return errors


def take_in(document, rows: InvoiceRows, signing: ReportSigning = ReportSigning()) -> tuple[
        list[AttachedReports], list[Finding]]:
    """The time reports of a read BIS document (``peppol.model.Document``) and the findings
    about them; marks the attachment rows that hold a time report (see the module notes).
    ``signing``: how signed reports (in PDFs) and yes/no signature cells are taken
    (:mod:`ingest.signed_intake`)."""
    tables: list[AttachedReports] = []
    signed: list[AttachedReports] = []
    findings: list[Finding] = []
    for number, (att, row) in enumerate(zip(document.attachments, rows.attachments), start=1):
        if att.content and att.mime_code == "application/pdf":
            reports, found = signed_in_pdf(att.content, _label(number), signing)
            findings += found
            if reports is not None:
                row["recognised_as"], row["rows"] = "timereport-signed", sum(len(r.shifts) for r in reports)
                errors = _unstorable(number, reports)
                if errors:
                    findings += _problems(number, att.filename, errors)
                else:
                    signed.append(AttachedReports(number, reports))
            continue
        fmt = table_format(att.filename, att.mime_code) if att.content else None
        if fmt is None:
            continue
        try:
            read = recognise_timereport(att.content, _label(number), fmt)
        except Exception as exc:  # a bug of ours on this input: the invoice is stored all the same
            findings.append(_problem(number, att.filename, f"could not be read ({type(exc).__name__})"))
            continue
        if read is None:
            continue
        row["recognised_as"], row["rows"] = f"timereport-{fmt}", read.rows
        errors = list(read.errors) or _unstorable(number, read.reports)
        if errors:
            findings += _problems(number, att.filename, errors)
        elif read.reports:
            tables.append(AttachedReports(number, read.reports))
    attached, found = _merge(tables, signed, signing)
    findings += found
    if not attached and document.kind != "creditnote":
        findings.append(Finding(NO_TIMEREPORT_RULE, Severity.WARNING, "no parseable time report attached",
                                step=STEP))
    return attached, findings


def _merge(tables: list[AttachedReports], signed: list[AttachedReports],
           signing: ReportSigning) -> tuple[list[AttachedReports], list[Finding]]:
    """The reports to store: a CSV/XLSX report whose assistant, client and month a verified
    signed report also covers takes its signatures from it when every shift of the table is in
    the signed report (the table holds the shifts this invoice bills, the signed report the
    month), and is unsigned, with LSS-TR-003, when one is not; then the signed report is not
    stored twice. Any other table report is judged as yes/no cells (:func:`judge_unsigned`)."""
    by_key = {report_key(r): (a.number, r) for a in signed for r in a.reports}
    used: set[tuple[str, str, str]] = set()
    out: list[AttachedReports] = []
    findings: list[Finding] = []
    for table in tables:
        reports: list[TimeReport] = []
        plain: list[TimeReport] = []
        for r in table.reports:
            match = by_key.get(report_key(r))
            if match is None:
                plain.append(r)
                continue
            used.add(report_key(r))
            number, signed_report = match
            copy = signed_copy(r, signed_report)
            if copy is not None:
                reports.append(copy)
            else:
                reports.append(r.model_copy(update={"signatures": Signatures()}))
                findings.append(signed_finding(f"{_label(table.number)}: shifts that the signed report "
                                               f"{_label(number)} does not hold: counted as unsigned"))
        judged, found = judge_unsigned(tuple(plain), _label(table.number), signing)
        findings += found
        out.append(AttachedReports(table.number, tuple(reports) + judged))
    for a in signed:
        rest = tuple(r for r in a.reports if report_key(r) not in used)
        if rest:
            out.append(AttachedReports(a.number, rest))
    return sorted(out, key=lambda a: a.number), findings


# ------------------------------------------------------------------ storing

def _report_row(invoice_id: int, attachment_id: int, report: TimeReport) -> dict:
    return dict(
        invoice_id=invoice_id, attachment_id=attachment_id, assistant_pnr=report.assistant.pnr,
        client_pnr=report.client.pnr, month=report.month, assistant_signed=report.signatures.assistant,
        supervisor_signed=report.signatures.supervisor, calculation_period=report.calculation_period,
        collective_agreement=report.collective_agreement, agreement_stated=report.collective_agreement_stated,
        kind_stated=report.kind_stated)


def _shift_rows(invoice_id: int, report_id: int, report: TimeReport) -> list[dict]:
    return [dict(
        timereport_id=report_id, invoice_id=invoice_id, assistant_pnr=s.assistant_pnr, client_pnr=s.client_pnr,
        decision_id=s.decision_id, kind=s.kind.value, start_at=s.start_utc, end_at=s.end_utc, seconds=s.seconds,
        source=s.source) for s in report.shifts]


def insert_timereports(conn: Connection, invoice_id: int, attached: list[AttachedReports]) -> int:
    """Store the time reports and shifts of a stored invoice whose attachments are already
    inserted (in document order); returns the number of shifts stored."""
    if not attached:
        return 0
    ids = conn.execute(_ATTACHMENT_IDS, {"p_invoice": invoice_id}).scalars().all()
    reports = [(ids[a.number - 1], report) for a in attached for report in a.reports]
    report_ids = conn.execute(_INSERT_REPORTS, [_report_row(invoice_id, attachment_id, report)
                                                for attachment_id, report in reports]).scalars().all()
    shifts = [row for report_id, (_, report) in zip(report_ids, reports)
              for row in _shift_rows(invoice_id, report_id, report)]
    if shifts:
        conn.execute(_INSERT_SHIFTS, shifts)
    return len(shifts)
