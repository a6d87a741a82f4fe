"""Readable PDF copies: of the invoice itself and of each attached time report (BG-24).

A case officer opens a PDF, not UBL: every invoice carries a readable copy of itself
(parties, lines, totals, payment details, the attachments listed) and, beside each time
report CSV, the same report as a PDF. Made with fpdf2 (PyPI, maintained, pure Python) in its
core Helvetica font, whose Latin-1 holds Swedish (å, ä, ö); a character outside it (an en
dash, say) is written as its nearest Latin-1 form. The files carry a fixed creation date, so
the same document gives the same bytes. The time report PDF holds what its CSV holds (names
and personnummer: the attachments are the one place they go, :mod:`invoices.underlag`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from peppol.model import Attachment, Document

from .hours import KIND_LABEL, KIND_ORDER, round_hours
from .model import Shift, TimeReport

__all__ = ["PDF_MIME", "invoice_pdf", "pdf_twin", "timereport_pdf"]

PDF_MIME = "application/pdf"
FIXED = datetime(2000, 1, 1, tzinfo=UTC)
_REPLACE = {"–": "-", "—": "-", "−": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "\u00a0": " ",
            "→": "->", "≤": "<=", "≥": ">="}


def _t(value) -> str:
    text = "" if value is None else str(value)
    for a, b in _REPLACE.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def _pdf(title: str):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED)
    pdf.set_title(_t(title))
    pdf.set_creator("lssinvoice")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, _t(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    return pdf


def _pairs(pdf, rows: Iterable[tuple[str, object]]) -> None:
    for label, value in rows:
        if value in (None, ""):
            continue
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(45, 5, _t(label))
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 5, _t(value), new_x="LMARGIN", new_y="NEXT")


def _heading(pdf, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, _t(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)


def _table(pdf, headers: list[str], rows: list[list], widths: list[int], right: set[int]) -> None:
    with pdf.table(col_widths=widths, text_align=tuple("RIGHT" if i in right else "LEFT" for i in range(len(headers))),
                   line_height=5, first_row_as_headings=True) as table:
        table.row([_t(h) for h in headers])
        for r in rows:
            table.row([_t(c) for c in r])


def _party(p) -> str:
    a = p.address
    place = " ".join(x for x in (a.postal_code, a.city) if x)
    return ", ".join(x for x in (p.registration_name, a.street, place, str(p.endpoint)) if x)


def invoice_pdf(doc: Document) -> bytes:
    """A readable copy of the invoice or credit note ``doc`` (module notes)."""
    what = "Faktura" if doc.kind == "invoice" else "Kreditnota"
    pdf = _pdf(f"{what} {doc.id}")
    period = f"{doc.invoice_period.start} - {doc.invoice_period.end}" if doc.invoice_period else None
    _pairs(pdf, [("Fakturadatum", doc.issue_date), ("Förfallodatum", doc.due_date), ("Period", period),
                 ("Köparens referens", doc.buyer_reference),
                 ("Avser faktura", ", ".join(p.id for p in doc.preceding_invoices) or None),
                 ("Säljare", _party(doc.seller)), ("Köpare", _party(doc.buyer)), ("Betalningsvillkor", doc.payment_terms)])
    if doc.notes:
        _pairs(pdf, [("Meddelande", doc.notes[0])])
    _heading(pdf, "Rader")
    _table(pdf, ["Rad", "Benämning", "Beskrivning", "Antal", "Enhet", "Pris", "Belopp"],
           [[ln.id, ln.item_name, ln.item_description or "", f"{ln.quantity}", ln.unit_code, f"{ln.price:.2f}",
             f"{ln.net_amount:.2f}"] for ln in doc.lines], [10, 40, 66, 16, 12, 20, 24], {3, 5, 6})
    totals = doc.totals()
    _heading(pdf, "Summor")
    _pairs(pdf, [("Summa exkl. moms", f"{totals.total_without_vat:.2f} {doc.currency}"),
                 ("Moms", f"{totals.vat_total:.2f} {doc.currency}"),
                 ("Att betala", f"{totals.amount_due:.2f} {doc.currency}")])
    for ex in doc.vat_exemptions:
        _pairs(pdf, [("Momsbefrielse", " ".join(x for x in (ex.reason_code, ex.reason) if x))])
    _heading(pdf, "Betalning")
    for pm in doc.payment_means:
        _pairs(pdf, [("Konto", " ".join(x for x in (pm.branch_id, pm.account_id) if x)),
                     ("Betalningsreferens", pm.payment_id)])
    _heading(pdf, "Bilagor")
    _table(pdf, ["Id", "Fil", "Beskrivning"],
           [[a.id, a.filename or a.uri or "", a.description or ""] for a in doc.attachments] or [["-", "", ""]],
           [30, 60, 98], set())
    return bytes(pdf.output())


def timereport_pdf(report: TimeReport, shifts: Iterable[Shift] | None = None,
                   comments: Mapping[int, str] | None = None) -> bytes:
    """The time report as its CSV shows it (:func:`invoices.underlag.timereport_csv`), readable."""
    from .underlag import _elapsed_note, _shift_cells, format_pnr

    rows = sorted(report.shifts if shifts is None else shifts, key=lambda s: (s.start_utc, s.end_utc, s.decision_id))
    comments = comments or {}
    pdf = _pdf(f"Tidrapport {report.month}")
    yes = {True: "ja", False: "nej", None: "ej angivet"}
    _pairs(pdf, [("Assistent", f"{report.assistant.name} ({format_pnr(report.assistant.pnr)})"),
                 ("Den enskilde", f"{report.client.name} ({format_pnr(report.client.pnr)})"),
                 ("Signerad av assistent", yes[report.signatures.assistant]),
                 ("Signerad av arbetsledare", yes[report.signatures.supervisor]),
                 ("Beräkningsperiod", report.calculation_period or "ej angiven"),
                 ("Kollektivavtal", report.collective_agreement or
                  ("inget" if report.collective_agreement_stated else "ej angivet"))])
    per_kind: dict = {}
    table = []
    for s in rows:
        day, start, end = _shift_cells(s)
        per_kind[s.kind] = per_kind.get(s.kind, 0) + s.seconds
        note = "; ".join(n for n in (comments.get(id(s), ""), _elapsed_note(s)) if n)
        table.append([day, start, end, KIND_LABEL[s.kind], s.decision_id, f"{round_hours(s.seconds)}", note])
    _heading(pdf, "Pass")
    _table(pdf, ["Datum", "Start", "Slut", "Tidstyp", "Beslut", "Timmar", "Kommentar"], table,
           [22, 14, 14, 22, 26, 16, 76], {5})
    _heading(pdf, "Summor")
    _pairs(pdf, [(f"Summa {KIND_LABEL[k]}", f"{round_hours(per_kind[k])} h")
                 for k in sorted(per_kind, key=KIND_ORDER.index)])
    _pairs(pdf, [("", "Timmar i verklig tid (Europe/Stockholm), summerade i sekunder och avrundade till två "
                      "decimaler en gång (half-up).")])
    return bytes(pdf.output())


SIGNED_XML_NAME = "tidrapport-signerad.xml"
"""The name the signed XML report has inside its PDF rendering (:func:`signed_timereport_pdf`)."""


def signed_timereport_pdf(report: TimeReport, signers: Iterable, xml: bytes) -> bytes:
    """The signed report readable (as :func:`timereport_pdf`, then who signed, in which role,
    when), carrying the signed XML byte for byte as an embedded file (:data:`SIGNED_XML_NAME`).

    Why a PDF: an invoice may embed only PDF, PNG, JPEG, CSV, XLSX or ODS (BR-CL-24), not
    XML; a PDF may carry files (ISO 32000 embedded files), so the signed bytes travel
    unchanged inside the one attachment type every receiver opens, and the municipality
    verifies them (:func:`embedded_signed_report`)."""
    pdf_bytes = timereport_pdf(report)
    pdf = _pdf(f"Tidrapport {report.month}, signerad")
    _pairs(pdf, [("Innehåll", "Tidrapporten i PDF:en före denna sida är en läsbar kopia; den signerade "
                              f"tidrapporten (XML, XAdES) är bifogad i denna fil som {SIGNED_XML_NAME}.")])
    _heading(pdf, "Signaturer")
    roles = {"assistant": "assistent", "supervisor": "arbetsledare", "ombud": "ombud"}
    _table(pdf, ["Roll", "Signerad", "Giltig", "Anmärkning"],
           [[roles.get(s.role or "", s.role or "?"), s.signing_time.isoformat(timespec="minutes") if s.signing_time
             else "", "ja" if s.valid else "nej", s.reason if not s.valid else ""] for s in signers],
           [30, 40, 16, 104], set())
    pdf.embed_file(bytes=xml, basename=SIGNED_XML_NAME, mime_type="application/xml",
                   desc="Signerad tidrapport (urn:lssinvoice:timereport:1)")
    return _concat(pdf_bytes, bytes(pdf.output()))


def _concat(first: bytes, second: bytes) -> bytes:
    """Two PDFs as one, the second's embedded files kept (pypdf)."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(first)))
    second_reader = PdfReader(io.BytesIO(second))
    writer.append(second_reader)
    for name, contents in second_reader.attachments.items():
        for content in contents:
            writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def embedded_signed_report(pdf: bytes) -> bytes | None:
    """The signed XML report a PDF carries (:func:`signed_timereport_pdf`), or None when it
    carries none (any other PDF). Raises ValueError for a PDF that cannot be read."""
    import io

    from pypdf import PdfReader

    # A PDF with no embedded file at all (an invoice copy, a scan) is not opened: the names
    # tree of embedded files is written uncompressed (pypdf, as signed_timereport_pdf does).
    if b"/EmbeddedFile" not in pdf:
        return None
    try:
        found = PdfReader(io.BytesIO(pdf)).attachments.get(SIGNED_XML_NAME)
    except Exception as exc:  # pypdf on a hostile or broken file: any error is "cannot be read"
        raise ValueError(f"the PDF cannot be read ({type(exc).__name__})") from None
    if not found:
        return None
    if len(found) > 1:
        raise ValueError(f"the PDF carries {len(found)} files named {SIGNED_XML_NAME}")
    return found[0]


def pdf_twin(csv_attachment: Attachment, content: bytes) -> Attachment:
    """The PDF beside a time report CSV attachment: its id + ``-PDF``, its name with ``.pdf``."""
    stem = (csv_attachment.filename or csv_attachment.id).rsplit(".", 1)[0]
    return Attachment.embedded(f"{csv_attachment.id}-PDF", content, filename=f"{stem}.pdf", mime_code=PDF_MIME,
                               description=f"{csv_attachment.description or 'Tidrapport'} (PDF)")


