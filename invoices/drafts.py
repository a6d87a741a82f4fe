"""What every plan is made of: the drafts, the options, the refusals, and the guards they share.

A plan (:mod:`invoices.hourplans`, :mod:`invoices.sickpay_invoice`, :mod:`invoices.credit`)
is pure: no I/O, no numbers. It returns a :class:`Plan` — one :class:`InvoiceDraft` per
invoice to be made, the findings of the source checks and what was left out — or raises
:class:`BuildRefused` with a stable ``code`` and a message for people.

What every invoice says
    * VAT category E, rate 0, exemption reason code VATEX-EU-132-1G with the text
      :data:`VAT_EXEMPTION_REASON` (DOMAIN.md: personal assistance is VAT-exempt social care).
    * One note (BT-22) saying what is billed; **the client's name and personnummer are only
      in the attachments**: every free-text field of every draft is checked
      (:func:`invoices.underlag.free_text_problems`) and a hit is refused
      (``personal_data_in_free_text``, :func:`refuse_personal_data`).

Checks at the source
    The reports being billed are checked with :func:`invoices.checks.run_checks` under the
    caller's :class:`~invoices.checks.CheckPolicy`; overlapping shifts (LSS-SRC-020) are
    looked for across *all* reports given for the month ("all work of the assistant counts,
    whichever client it was for", Tjörn) (:func:`source_checks`).
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pydantic import ValidationError

from peppol import codes
from peppol.model import Attachment, Buyer, Document, Line, PaymentMeans, Period, PrecedingInvoice, Seller, VatExemption

from .checks import CheckPolicy, FindingsOutcome, SourceFinding, run_checks
from .hours import ZERO
from .model import Decision, DecisionKind, Person, ShiftKind, TimeReport
from .registry import ChannelUnknown, Municipality
from .sickpay import SickPayClaim, SicknessOccasion
from .underlag import CSV_MIME, free_text_problems, safe_filename_part

__all__ = [
    "BuildOptions", "BuildRefused", "InvoiceDraft", "OmittedTime", "Plan", "VAT_EXEMPTION_REASON", "persons_in",
    "pydantic_message", "refuse_personal_data", "require_invoices", "source_checks", "timereport_attachment",
    "vat_exemption",
]

VAT_EXEMPTION_REASON = (
    "Momsfri social omsorg: personlig assistans enligt LSS "
    "(undantag enligt artikel 132.1 g i mervärdesskattedirektivet)"
)


# ------------------------------------------------------------------------------- errors

class BuildRefused(Exception):
    """An invoice that must not be made. ``code`` is stable for programs, ``message`` for
    people; ``findings`` are the source-check findings known at the time (shown with it).

    Codes: ``no_invoices``, ``channel_unknown``, ``no_reference_code``, ``no_payment_terms``,
    ``no_tax_registration``, ``nothing_to_bill``, ``kind_not_billed``, ``rate_unknown``,
    ``base_timereports_missing``, ``personal_data_in_free_text``, ``document_invalid``,
    ``occasion_outside_period``, ``client_not_in_timereports``, ``sick_assistant_unknown``,
    ``not_an_invoice``, ``not_our_invoice``, ``checks_failed``, ``invoices_taken`` (redovisning
    for a municipality that takes invoices), and the sick-pay codes of
    :class:`invoices.sickpay.SickPayRefused` (``no_substitute_work``,
    ``duplicate_occasion``, ``karens_missing``, …).
    """

    def __init__(self, code: str, message: str, findings: Sequence[SourceFinding] = ()):
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.findings = list(findings)

    def __str__(self) -> str:
        return self.message


# ------------------------------------------------------------------------------ results

@dataclass(frozen=True)
class BuildOptions:
    """``issue_date``: the invoice date (BT-2); the due date follows from it.
    ``policy``: levels of the source checks. ``omit_unbilled``: leave shifts of kinds the
    municipality does not bill off the invoice (reported) instead of refusing.
    ``payment_terms_days``: overrides the registry's payment terms. ``cap_at_granted``: bill at
    most each decision's granted hours and list the rest (:mod:`invoices.granted_cap`). ``extra_attachments``:
    files the provider adds to every invoice (``--attach``, :mod:`invoices.attachment_files`),
    after the time reports, as ``BILAGA-<n>``."""

    issue_date: date
    policy: CheckPolicy = field(default_factory=CheckPolicy)
    omit_unbilled: bool = False
    payment_terms_days: int | None = None
    extra_attachments: tuple = ()
    # Hours billed before (invoices.billed): the ledger's records, the numbers voided in the
    # series, and how a month billed before may be billed again (--replace / --supplement).
    billed: tuple = ()
    inactive_numbers: tuple = ()
    replace: str | None = None
    supplement: bool = False
    # Bill at most each decision's granted hours, the rest listed (invoices.granted_cap).
    cap_at_granted: bool = False
    # Verified signed time reports (invoices.signed_attach.SignedInput): attached in place of
    # (or beside) the regenerated CSV reports they cover.
    signed_reports: tuple = ()


@dataclass(frozen=True)
class OmittedTime:
    """Shifts left off an invoice (``omit_unbilled``): no personnummer, only where."""

    decision_id: str
    kind: ShiftKind
    shifts: int
    hours: Decimal
    where: str
    reason: str

    def to_dict(self) -> dict:
        return {"decision_id": self.decision_id, "kind": self.kind.value, "shifts": self.shifts,
                "hours": str(self.hours), "where": self.where, "reason": self.reason}


@dataclass(frozen=True)
class InvoiceDraft:
    """Everything of one invoice but its number. :meth:`document` makes the BIS 3 document."""

    claim_kind: str                      # base | extension | sickpay | credit
    buyer_name: str
    seller: Seller
    buyer: Buyer
    buyer_reference: str | None
    period: tuple[date, date]
    issue_date: date
    due_date: date | None
    payment_terms: str
    note: str
    lines: tuple[Line, ...]
    attachments: tuple[Attachment, ...] = ()
    payment_means: tuple[PaymentMeans, ...] = ()
    vat_exemptions: tuple[VatExemption, ...] = ()
    document_kind: str = "invoice"       # invoice | creditnote
    decision_id: str | None = None
    order_reference: str | None = None
    preceding: PrecedingInvoice | None = None
    credits: str | None = None           # the invoice number a credit note credits
    occasion: SicknessOccasion | None = None
    claim: SickPayClaim | None = None
    month: str | None = None             # the month of hours it bills (invoices.billed)
    billed_shifts: tuple = ()            # (decision id, shift keys) it bills (invoices.billed)
    billed_parts: tuple = ()             # (decision id, ((whole key, stretches), ...)) billed in part
    # What the municipality's evidence checklist looks at (invoices.evidence): the attached time
    # reports with their role (billed | base | substitute | sick), the sick-pay facts the plan
    # gave, and the checklist itself once judged.
    reports: tuple = ()
    provided: frozenset = frozenset()
    checklist: tuple = ()

    @property
    def total(self) -> Decimal:
        return sum((ln.net_amount or ZERO for ln in self.lines), Decimal("0.00"))

    @property
    def period_label(self) -> str:
        start, end = self.period
        if start.day == 1 and (end.month, end.year) == (start.month, start.year) \
                and end.day == calendar.monthrange(start.year, start.month)[1]:
            return f"{start:%Y-%m}"
        return f"{start.isoformat()}–{end.isoformat()}"

    def free_text(self) -> dict[str, str | None]:
        """Every free-text field of the draft, by label (what the personal-data guard reads)."""
        fields: dict[str, str | None] = {
            "note (BT-22)": self.note,
            "payment terms (BT-20)": self.payment_terms,
            "buyer reference (BT-10)": self.buyer_reference,
            "order reference (BT-13)": self.order_reference,
        }
        for i, ln in enumerate(self.lines, start=1):
            fields[f"line {i} item name (BT-153)"] = ln.item_name
            fields[f"line {i} item description (BT-154)"] = ln.item_description
            fields[f"line {i} note (BT-127)"] = ln.note
        for i, att in enumerate(self.attachments, start=1):
            fields[f"attachment {i} id (BT-122)"] = att.id
            fields[f"attachment {i} description (BT-123)"] = att.description
            fields[f"attachment {i} filename (BT-125-2)"] = att.filename
        return fields

    def document(self, number: str) -> Document:
        """The Invoice or CreditNote with this number. Raises :class:`BuildRefused`
        (``document_invalid``) if the model rejects it (not expected: the parts are
        checked when the draft is made)."""
        means = [pm.model_copy(update={"payment_id": number}) for pm in self.payment_means]
        try:
            return Document(
                kind=self.document_kind,
                id=number,
                issue_date=self.issue_date,
                due_date=self.due_date,
                notes=[self.note],
                buyer_reference=self.buyer_reference,
                order_reference=self.order_reference,
                invoice_period=Period(start=self.period[0], end=self.period[1]),
                preceding_invoices=[self.preceding] if self.preceding else [],
                attachments=list(self.attachments),
                seller=self.seller,
                buyer=self.buyer,
                payment_means=means,
                payment_terms=self.payment_terms,
                vat_exemptions=list(self.vat_exemptions),
                lines=list(self.lines),
            )
        except ValidationError as exc:
            raise BuildRefused("document_invalid", f"invoice {number}: {pydantic_message(exc)}") from None


@dataclass
class Plan(FindingsOutcome):
    """What would be produced, and what the source checks found."""

    claim_kind: str
    period: str
    buyer_name: str
    drafts: list[InvoiceDraft]
    findings: list[SourceFinding] = field(default_factory=list)
    omitted: list[OmittedTime] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    beyond_granted: list = field(default_factory=list)  # invoices.granted_cap.BeyondGranted, with the cap


def pydantic_message(exc: ValidationError) -> str:
    """A pydantic error as one line: ``field.path: message; ...``."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())



# ---------------------------------------------------------------------- common parts

def require_invoices(m: Municipality, kind: DecisionKind | str) -> None:
    """Refuse (``no_invoices``, ``channel_unknown``) when ``m`` takes no invoices for ``kind``."""
    kind = DecisionKind(kind)
    try:
        accepts = m.accepts_invoices(kind)
    except ChannelUnknown as exc:
        raise BuildRefused("channel_unknown", f"{exc}; no invoice is made without a sourced channel") from None
    if accepts:
        return
    if kind is DecisionKind.SICKPAY:
        raise BuildRefused(
            "no_invoices",
            f"{m.display_name} takes no invoices for the extra cost of sick pay (\"Faktura ska inte skickas\"): "
            "the request is made in the municipality's e-service, which lssinvoice does not fill in",
        )
    raise BuildRefused(
        "no_invoices",
        f"{m.display_name} takes no invoices for personal assistance (\"Inga fakturor tas emot\"): "
        f"the hours are reported monthly in the municipality's e-service. Write that monthly report with "
        f"`lssinvoice redovisning --municipality {m.slug} ...`",
    )


def vat_exemption() -> VatExemption:
    """The VAT exemption every LSS invoice carries (category E, VATEX-EU-132-1G)."""
    return VatExemption(category=codes.VAT_EXEMPT, reason_code=codes.VATEX_EU_132_1G, reason=VAT_EXEMPTION_REASON)


def refuse_personal_data(draft: InvoiceDraft, persons: Iterable[Person],
                         findings: Sequence[SourceFinding] = ()) -> None:
    """Refuse (``personal_data_in_free_text``) a draft naming one of ``persons`` outside its attachments."""
    problems = free_text_problems(draft.free_text(), persons)
    if problems:
        raise BuildRefused(
            "personal_data_in_free_text",
            "personal data in a free-text field of the invoice (names and personnummer go only into the "
            "attached time reports): " + "; ".join(problems), findings)


def persons_in(reports: Iterable[TimeReport]) -> list[Person]:
    """The clients and assistants of the reports, once each."""
    seen: dict[tuple[str, str], Person] = {}
    for r in reports:
        for p in (r.client, r.assistant):
            seen.setdefault((p.pnr, p.name), p)
    return list(seen.values())


def source_checks(selected: Sequence[TimeReport], all_reports: Sequence[TimeReport],
                  decisions: Sequence[Decision], policy: CheckPolicy) -> list[SourceFinding]:
    """:func:`run_checks` on ``selected``, with the rest of ``all_reports`` (another client's,
    another month's) as context: overlaps with them and working time across them count."""
    chosen = {id(r) for r in selected}
    return run_checks(selected, decisions, policy, context=[r for r in all_reports if id(r) not in chosen])


def added_attachments(options: BuildOptions) -> list[Attachment]:
    """The provider's own files (``options.extra_attachments``) as attachments ``BILAGA-<n>``."""
    return [Attachment.embedded(f"BILAGA-{i}", extra.content, filename=extra.filename, mime_code=extra.mime_code,
                                description=extra.description)
            for i, extra in enumerate(options.extra_attachments, start=1)]


def timereport_attachment(index: int, period: str, label: str, content: bytes, description: str) -> Attachment:
    """Attachment ``TR-<index>``: a time report CSV, named by period, label and number (never a name)."""
    return Attachment.embedded(
        f"TR-{index}", content,
        filename=f"tidrapport-{period}-{safe_filename_part(label)}-{index:02d}.csv",
        mime_code=CSV_MIME, description=description)
