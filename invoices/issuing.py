"""Issuing: numbers, documents, validation, writing — all or nothing.

:func:`issue` reserves the numbers from the provider's persisted series
(:mod:`invoices.series`), builds every document, validates every document with the
validation engine (UBL, and the SBDH envelope when asked), and only when *all* pass hands
each to the caller's ``write`` callback, then commits its number with the document's
SHA-256. A number whose document was not written is voided in the series with the reason
(validation failed, could not be built, the write failed): reserve → build → validate →
write → commit. The domain never writes files; the callback does.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from peppol.model import Document

from .claims import SickPayLedger
from .drafts import BuildRefused, InvoiceDraft, Plan
from .series import NumberSeries
from .sickpay import SickPayRefused
from .underlag import safe_filename_part

__all__ = ["IssueFailed", "IssueResult", "Issued", "issue"]


@dataclass(frozen=True)
class Issued:
    """One document, validated, with its number. ``ubl`` is the Invoice/CreditNote,
    ``sbdh`` the same wrapped in the Peppol envelope (when asked)."""

    number: str
    draft: InvoiceDraft
    document: Document
    ubl: bytes
    sbdh: bytes | None
    sha256: str

    @property
    def filename(self) -> str:
        """``<number>.xml`` with anything unsafe in a file name replaced by ``_``."""
        return f"{safe_filename_part(self.number)}.xml"

    @property
    def total(self) -> Decimal:
        return self.document.totals().amount_due


@dataclass
class IssueResult:
    """``issued``: written and committed. ``invalid``: (number, validation result) of the
    documents that failed validation (then nothing was written). ``voided``: (number,
    reason). ``stale``: numbers a previous run handed out and never committed or voided
    (a crash): check they were not sent, then void them."""

    issued: list[Issued] = field(default_factory=list)
    invalid: list[tuple[str, object]] = field(default_factory=list)
    voided: list[tuple[str, str]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.invalid


class IssueFailed(Exception):
    """Writing failed part-way: ``result`` holds what was written (and committed) and what
    was voided; ``cause`` is the exception from the writer."""

    def __init__(self, result: IssueResult, cause: BaseException):
        super().__init__(f"{cause.__class__.__name__}: {cause}")
        self.result = result
        self.cause = cause


def issue(drafts: Plan | Sequence[InvoiceDraft], *, series: NumberSeries, write: Callable[[Issued], None],
          validator=None, sbdh: bool = False, ledger: SickPayLedger | None = None,
          created: datetime | None = None, hours_ledger=None) -> IssueResult:
    """Number, build, validate and (through ``write``) write the drafts; see the module notes.

    All documents are validated before the first is written: any fatal finding in any of
    them → every reserved number is voided with the reason and nothing is written
    (``result.ok`` is False, ``result.invalid`` has the findings). ``write`` is called once
    per document, in order; if it raises, the numbers not yet written are voided and
    :class:`IssueFailed` is raised (those already written stay committed). Sick-pay claims
    are recorded in ``ledger``, the hours an invoice bills in ``hours_ledger``
    (:class:`invoices.billed.HoursLedger`), just before their invoice is written.
    """
    if isinstance(drafts, Plan):
        if drafts.errors:
            raise BuildRefused("checks_failed", f"{len(drafts.errors)} error(s) in the source checks: nothing is "
                               "numbered or written", drafts.findings)
        drafts = drafts.drafts
    if not drafts:
        return IssueResult()
    if validator is None:
        from validate.engine import Validator
        validator = Validator()
    result = IssueResult(stale=series.uncommitted())
    assigned = _reserve(drafts, series)

    def void_all(items: Iterable[str], reason: str) -> None:
        for n in items:
            series.void(n, reason)
            result.voided.append((n, reason))

    try:
        built = [_build(number, draft, sbdh, created) for number, draft in zip(assigned, drafts)]
    except BaseException as exc:
        void_all(assigned, f"not written: the document could not be built ({exc.__class__.__name__}: {exc})")
        raise

    for item in built:
        for label, data in (("", item.ubl), (" (SBDH)", item.sbdh)):
            if data is None:
                continue
            res = validator.validate_bytes(data, f"{item.filename}{label}")
            if not res.valid:
                result.invalid.append((item.number, res))
    if result.invalid:
        rules = sorted({f.rule_id for _, res in result.invalid for f in res.findings if f.is_fatal})
        void_all(assigned, f"not written: validation failed ({', '.join(rules)})")
        return result

    for i, item in enumerate(built):
        try:
            if ledger is not None and item.draft.occasion is not None:
                voided = [e.number for e in series.journal() if e.status == "void"]
                ledger.record(item.draft.occasion, item.number, voided)
            if hours_ledger is not None and item.draft.billed_shifts:
                voided = [e.number for e in series.journal() if e.status == "void"]
                hours_ledger.record(item.number, item.draft.claim_kind, item.draft.month,
                                    dict(item.draft.billed_shifts), voided,
                                    parts={d: dict(keys) for d, keys in item.draft.billed_parts})
            write(item)
        except BaseException as exc:
            void_all([b.number for b in built[i:]],
                     f"not written: {exc.__class__.__name__}: {getattr(exc, 'message', None) or exc}")
            if isinstance(exc, SickPayRefused):
                raise BuildRefused(exc.code, exc.message) from None
            if not isinstance(exc, Exception):
                raise
            raise IssueFailed(result, exc) from exc
        series.commit(item.number, item.sha256)
        if ledger is not None and item.draft.credits:
            ledger.mark_credited(item.draft.credits, item.number)
        if hours_ledger is not None and item.draft.credits:
            hours_ledger.mark_credited(item.draft.credits, item.number)
        result.issued.append(item)
    return result


def _reserve(drafts: Sequence[InvoiceDraft], series: NumberSeries) -> list[str]:
    """One number per draft from its issue year's series, in order; all voided if one fails."""
    assigned: list[str] = [""] * len(drafts)
    try:
        for year in sorted({d.issue_date.year for d in drafts}):
            idx = [i for i, d in enumerate(drafts) if d.issue_date.year == year]
            for i, number in zip(idx, series.reserve_many(len(idx), year=year)):
                assigned[i] = number
    except BaseException:
        for number in filter(None, assigned):
            series.void(number, "not written: reserving the other numbers of the run failed")
        raise
    return assigned


def _build(number: str, draft: InvoiceDraft, sbdh: bool, created: datetime | None) -> Issued:
    """The document with this number as UBL (and in its SBDH envelope when asked)."""
    from peppol.model import Attachment
    from peppol.sbdh import wrap
    from peppol.ubl import to_ubl

    from .pdf_copies import PDF_MIME, invoice_pdf
    from .underlag import safe_filename_part

    doc = draft.document(number)
    # A readable copy of the document itself, listing the attachments it carries.
    what = "faktura" if doc.kind == "invoice" else "kreditnota"
    copy = Attachment.embedded(f"{what.upper()}-PDF", invoice_pdf(doc), filename=f"{what}-{safe_filename_part(number)}.pdf",
                               mime_code=PDF_MIME, description=f"Läsbar kopia av {what}n {number} (PDF)")
    doc = doc.model_copy(update={"attachments": [*doc.attachments, copy]})
    ubl = to_ubl(doc)
    env = None
    if sbdh:
        env = wrap(ubl, sender=str(doc.seller.endpoint), receiver=str(doc.buyer.endpoint),
                   document_type_id=doc.document_type_id, process_id=doc.process_id, created=created)
    return Issued(number, draft, doc, ubl, env, hashlib.sha256(ubl).hexdigest())
