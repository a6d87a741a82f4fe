"""Signed time reports on the provider's invoices (``invoice create --signed-reports``).

The provider's signed reports (:mod:`invoices.signed_reports`, verified before use) stand in
for the yes/no cells of its CSV reports:

* :func:`apply_signatures`: a CSV report's ``signatures`` become the roles that verified on
  the signed report of the same assistant, client and month, when that report holds every
  shift of the CSV one; otherwise the CSV report counts as unsigned (a note says which) —
  so the source checks (LSS-SRC-030/031) and the evidence checklist judge real signatures;
* :func:`attach_signed`: on each draft, a time report attachment (``TR-n``, CSV) whose shifts
  are exactly the signed report's is replaced, with its PDF twin, by the signed report's PDF
  rendering carrying the signed XML (:func:`invoices.pdf_copies.signed_timereport_pdf`; BR-CL-24
  allows no XML attachment); one that bills part of the month (an extension, a month cut)
  keeps its CSV and gets the signed report beside it (``TR-n-SIGNERAD``), which the
  municipality checks the CSV against (:mod:`ingest.timereport_intake`).

Nothing here reads files: the caller gives the verified reports and their bytes.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from peppol.model import Attachment

from .model import Signatures, TimeReport
from .pdf_copies import PDF_MIME, signed_timereport_pdf
from .signed_reports import SignedReport

__all__ = ["SignedInput", "apply_signatures", "attach_signed", "report_key", "signed_copy"]


@dataclass(frozen=True)
class SignedInput:
    """A verified signed report (its ``report`` read from the signed bytes) and those bytes."""

    checked: SignedReport
    xml: bytes

    @property
    def key(self) -> tuple[str, str, str]:
        return report_key(self.checked.report)


def report_key(report: TimeReport) -> tuple[str, str, str]:
    """(assistant, client, month): which signed report covers a report."""
    return report.assistant.pnr, report.client.pnr, report.month


def _shifts(report: TimeReport) -> set[tuple]:
    return {(s.start_utc, s.end_utc, s.kind, s.decision_id) for s in report.shifts}


def signed_copy(report: TimeReport, signed: TimeReport) -> TimeReport | None:
    """``report`` with the signatures of the verified ``signed`` report of its assistant,
    client and month, when ``signed`` holds every shift of it; None when it does not."""
    if not _shifts(report) <= _shifts(signed):
        return None
    return report.model_copy(update={"signatures": signed.signatures})


def _by_key(signed: Iterable[SignedInput]) -> dict[tuple[str, str, str], SignedInput]:
    return {s.key: s for s in signed if s.checked.report is not None}


def apply_signatures(reports: Sequence[TimeReport], signed: Iterable[SignedInput]) -> tuple[list[TimeReport],
                                                                                            list[str]]:
    """The reports with their signatures from the signed reports (module notes), and notes."""
    found = _by_key(signed)
    if not found:
        return list(reports), []
    out, notes = [], []
    for r in reports:
        match = found.get(report_key(r))
        copy = signed_copy(r, match.checked.report) if match else None
        if copy is not None:
            out.append(copy)
            continue
        out.append(r.model_copy(update={"signatures": Signatures()}))
        why = "no signed report given" if match is None else "shifts that its signed report does not hold"
        notes.append(f"time report {r.month} of assistant {r.assistant.masked}: {why}, counted as unsigned")
    return out, notes


def attach_signed(draft, signed: Iterable[SignedInput]):
    """The draft with its time reports' attachments replaced or joined by the signed reports
    (module notes)."""
    from .timereports import read_timereport_bytes

    found = _by_key(signed)
    if not found:
        return draft
    attachments: list[Attachment] = []
    dropped: set[str] = set()
    added: list[Attachment] = []
    for att in draft.attachments:
        if not (att.id.startswith("TR-") and att.id.count("-") == 1 and att.mime_code == "text/csv"):
            attachments.append(att)
            continue
        [attached] = read_timereport_bytes(att.content, att.id, "csv")
        match = found.get(report_key(attached))
        if match is None or not _shifts(attached) <= _shifts(match.checked.report):
            attachments.append(att)
            continue
        pdf = signed_timereport_pdf(match.checked.report, match.checked.signers, match.xml)
        stem = (att.filename or att.id).rsplit(".", 1)[0]
        what = f"{att.description or 'Tidrapport'}, signerad (XML med XAdES-signaturer i PDF:en)"
        if _shifts(attached) == _shifts(match.checked.report):
            attachments.append(Attachment.embedded(att.id, pdf, filename=f"{stem}-signerad.pdf", mime_code=PDF_MIME,
                                                   description=what))
            dropped.add(f"{att.id}-PDF")
        else:
            attachments.append(att)
            added.append(Attachment.embedded(f"{att.id}-SIGNERAD", pdf, filename=f"{stem}-signerad.pdf",
                                             mime_code=PDF_MIME, description=what))
    kept = [a for a in attachments if a.id not in dropped]
    reports = tuple((role, _with_signatures(r, found)) for role, r in draft.reports)
    return replace(draft, attachments=tuple(kept + added), reports=reports)


def _with_signatures(report: TimeReport, found: dict) -> TimeReport:
    match = found.get(report_key(report))
    return (signed_copy(report, match.checked.report) if match else None) or report
