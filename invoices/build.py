"""Invoices from time reports: Peppol BIS Billing 3.0 documents, planned, numbered, validated.

Two steps, so that nothing is numbered or written before everything is known to be right:

1. **Plan** (pure: no I/O, no numbers). :func:`plan_invoices` (base decision or temporary
   extension), :func:`plan_sickpay` (extra cost of sick pay, one sickness occasion) and
   :func:`plan_credit_note` (crediting an earlier invoice in full) read the model objects,
   run the source checks (:func:`invoices.checks.run_checks`) and return a :class:`Plan`:
   one :class:`InvoiceDraft` per invoice to be made, the findings (warnings and errors),
   and what was left out. A request that must not be made at all raises
   :class:`BuildRefused` with a stable ``code`` and a message for people.
2. **Issue** (:func:`issue`): reserve the numbers from the provider's persisted series
   (:mod:`invoices.series`), build every document, validate every document with the
   validation engine (UBL, and the SBDH envelope when asked), and only when *all* pass hand
   each to the caller's ``write`` callback, then commit its number with the document's
   SHA-256. A number whose document was not written is voided in the series with the
   reason (validation failed, could not be built, the write failed): reserve → build →
   validate → write → commit. The domain never writes files; the callback does.

What an invoice says (Peppol BIS Billing 3.0, Swedish national rules)
    * BuyerReference (BT-10): the municipality's reference code (registry; Tjörn TK2044,
      Borås YY307K). A buyer without one is refused (``no_reference_code``).
    * Endpoints: ``0007:<org nr>`` for seller and buyer (the buyer's Peppol ID from the
      registry); legal registration ids with scheme 0007.
    * The seller's F-tax approval as tax registration (BT-32, "Godkänd för F-skatt",
      SE-R-005); a provider without F-tax and without VAT number is refused
      (``no_tax_registration``, BR-E-02).
    * VAT category E, rate 0, exemption reason code VATEX-EU-132-1G with the text
      :data:`VAT_EXEMPTION_REASON` (DOMAIN.md: personal assistance is VAT-exempt social care).
    * InvoicePeriod (BG-14): the month. A time report holds the shifts that *start* in its
      month, so a night shift starting on the month's last evening ends in the next month;
      the period's end is then that shift's last day (so the line periods stay inside it,
      PEPPOL-EN16931-R110/R111). Sick pay: first to last sick day.
    * PaymentMeans code 30: bankgiro (``SE:BANKGIRO``), plusgiro (``SE:PLUSGIRO``) and/or
      IBAN (with BIC), in that order, each with the invoice number as payment reference.
    * Due date: issue date + the municipality's payment terms in days (registry; Tjörn's 30
      is a documented default), overridable with ``BuildOptions.payment_terms_days``.
    * One note (BT-22) saying what is billed; no personal data in it.

Lines (hours)
    One invoice per decision (Tjörn: one per base decision, a separate one per temporary
    extension; applied to every buyer). On it one line per **shift kind** the municipality
    bills (registry ``billed_kinds``: active, then waiting) and **year** the work was done
    in: a shift crossing midnight of 31 December is split there (local time), and each
    part is priced at its own year's rate. A year without a sourced rate is refused
    (``rate_unknown``, naming the municipality and the year): rates are never guessed.
    Line: quantity = hours, unit ``HUR``; price = the year's hourly rate.

Rounding (every one there is)
    * Hours: the line's shifts are summed in whole seconds of real elapsed time (UTC, so
      the 23 h and 25 h DST days count right), then rounded **once** to 2 decimals,
      ``ROUND_HALF_UP`` (:func:`round_hours`; 7 h 20 min = 7.3333… → 7.33 h).
    * Amount: line amount = round(hours × rate, 2), ``ROUND_HALF_UP``, of the rounded
      hours (:func:`line_amount`; 7.5 h × 284.81 = 2136.075 → 2136.08), so anyone can
      recompute every line from what it shows (and PEPPOL-EN16931-R120 holds exactly).
    * Totals: exact sums of the 2-decimal line amounts (Decimal), never rounded again;
      VAT is 0 (category E).
    * Sick pay: :mod:`invoices.sickpay` (each line rounded once, half-up, to öre).

Time kinds a municipality does not bill
    ``on_call`` (jour) and ``standby`` (beredskap) have no sourced billing rule at any
    buyer. Such shifts under the decision being billed are refused (``kind_not_billed``,
    naming the kind and the municipality), or with ``BuildOptions.omit_unbilled`` left off
    the lines and reported in :attr:`Plan.omitted` (they stay in the attached time report,
    commented "ej fakturerad").

Attachments (BG-24)
    The time reports, as CSV in the input format (:mod:`invoices.underlag`), one per
    assistant: for a base invoice the shifts under that decision; for an extension invoice
    the extension's shifts and, as required by Tjörn, the base decision's time reports of
    the same client and month (refused with ``base_timereports_missing`` when there are
    none); for sick pay the calculation, the substitutes' and the sick assistant's time
    reports and any files the occasion names. Attachment ids, names and descriptions carry
    a running number, never a name. **The client's name and personnummer are only in these
    attachments**: every free-text field of every draft is checked
    (:func:`invoices.underlag.free_text_problems`) and a hit is refused
    (``personal_data_in_free_text``).

Checks at the source
    The reports of the municipality's clients in the month are checked with
    :func:`invoices.checks.run_checks` under the caller's :class:`~invoices.checks.CheckPolicy`;
    overlapping shifts (LSS-SRC-020) are looked for across *all* reports given for the
    month ("all work of the assistant counts, whichever client it was for", Tjörn).
    :attr:`Plan.errors` non-empty → :func:`issue` refuses to run.
"""
from __future__ import annotations

import calendar
import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, localcontext

from pydantic import ValidationError

from peppol import codes
from peppol.model import (
    Address as PeppolAddress,
)
from peppol.model import (
    Attachment,
    Buyer,
    Contact,
    Document,
    Identifier,
    Line,
    PaymentMeans,
    Period,
    PrecedingInvoice,
    Seller,
    VatExemption,
)

from .checks import CheckPolicy, FindingsOutcome, SourceFinding, overlapping_shifts, run_checks
from .claims import ClaimRecord, SickPayLedger, refuse_if_recorded
from .inputs import InputError, InputErrors
from .model import (
    STOCKHOLM,
    Assistant,
    Client,
    Decision,
    DecisionKind,
    Person,
    Provider,
    Shift,
    ShiftKind,
    TimeReport,
)
from .occasion import OccasionSpec
from .registry import ChannelUnknown, Municipality, RateUnknown
from .series import NumberSeries
from .sickpay import Component, SickPayClaim, SickPayRefused, SicknessOccasion, compute_sickpay_claim, round_money
from .spreadsheet import csv_row
from .underlag import CSV_MIME, format_pnr, free_text_problems, safe_filename_part, timereport_csv

__all__ = [
    "BuildOptions", "BuildRefused", "InvoiceDraft", "Issued", "IssueFailed", "IssueResult", "OmittedTime",
    "Plan", "VAT_EXEMPTION_REASON", "issue", "line_amount", "municipality_matches", "parse_period",
    "plan_credit_note", "plan_invoices", "plan_sickpay", "read_original", "require_invoices", "round_hours",
    "source_checks", "year_pieces",
]

HOURS_QUANTUM = Decimal("0.01")
SECONDS_PER_HOUR = Decimal(3600)
ZERO = Decimal("0")
VAT_EXEMPTION_REASON = (
    "Momsfri social omsorg: personlig assistans enligt LSS "
    "(undantag enligt artikel 132.1 g i mervärdesskattedirektivet)"
)
KIND_ORDER = (ShiftKind.ACTIVE, ShiftKind.WAITING, ShiftKind.ON_CALL, ShiftKind.STANDBY)
KIND_LABEL = {
    ShiftKind.ACTIVE: "aktiv tid",
    ShiftKind.WAITING: "väntetid",
    ShiftKind.ON_CALL: "jour",
    ShiftKind.STANDBY: "beredskap",
}
DECISION_LABEL = {
    DecisionKind.BASE: "grundbeslut",
    DecisionKind.EXTENSION: "tillfällig utökning",
    DecisionKind.SICKPAY: "merkostnad sjuklön",
}


# ------------------------------------------------------------------------------ numbers

def round_hours(seconds: int) -> Decimal:
    """Hours from whole seconds, rounded once to 2 decimals, half-up (5400 s → 1.50)."""
    with localcontext() as ctx:
        ctx.prec = 40
        return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def line_amount(hours: Decimal, rate: Decimal) -> Decimal:
    """round(hours × rate, 2), half-up: 7.5 × 284.81 = 2136.075 → 2136.08."""
    with localcontext() as ctx:
        ctx.prec = 40
        return round_money(hours * rate)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(timezone.utc)


def year_pieces(shift: Shift) -> list[tuple[int, int]]:
    """(year, seconds) parts of a shift, cut at local midnight of each 1 January."""
    cur, end = shift.start_utc, shift.end_utc
    out: list[tuple[int, int]] = []
    while cur < end:
        year = cur.astimezone(STOCKHOLM).year
        boundary = _local_midnight(date(year + 1, 1, 1))
        piece_end = min(end, boundary)
        out.append((year, int((piece_end - cur).total_seconds())))
        cur = piece_end
    return out


def _last_day(shift: Shift) -> date:
    """The local date of the shift's last moment (a shift ending at 00:00 ends the day before)."""
    return (shift.end_utc - timedelta(microseconds=1)).astimezone(STOCKHOLM).date()


def parse_period(text: str) -> str:
    """``YYYY-MM`` or ValueError."""
    try:
        parsed = datetime.strptime(str(text).strip(), "%Y-%m")
    except ValueError:
        raise ValueError(f"period {text!r} is not a month YYYY-MM") from None
    return f"{parsed.year:04d}-{parsed.month:02d}"


def _month_bounds(period: str) -> tuple[date, date]:
    y, m = (int(p) for p in period.split("-"))
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def municipality_matches(m: Municipality, text: str) -> bool:
    """Whether a decision's ``municipality`` cell names this buyer: slug, name
    (case-insensitive), org nr (with or without dash) or Peppol ID."""
    want = " ".join(str(text).split()).casefold()
    if want in (m.slug, " ".join(m.name.value.split()).casefold()):
        return True
    raw = str(text).strip()
    digits = "".join(ch for ch in (raw.split(":", 1)[1] if raw.startswith("0007:") else raw) if ch.isdigit())
    return len(digits) == 10 and digits == m.org_nr.value


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
    ``payment_terms_days``: overrides the registry's payment terms."""

    issue_date: date
    policy: CheckPolicy = field(default_factory=CheckPolicy)
    omit_unbilled: bool = False
    payment_terms_days: int | None = None


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
            raise BuildRefused("document_invalid", f"invoice {number}: {_pydantic_message(exc)}") from None


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


def _pydantic_message(exc: ValidationError) -> str:
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


@dataclass(frozen=True)
class _Parties:
    seller: Seller
    buyer: Buyer
    buyer_reference: str
    due_date: date
    payment_terms: str
    payment_means: tuple[PaymentMeans, ...]


def _parties(provider: Provider, m: Municipality, options: BuildOptions) -> _Parties:
    if not provider.f_tax and not provider.vat_number:
        raise BuildRefused(
            "no_tax_registration",
            "the provider has neither F-tax approval nor a VAT number; a VAT-exempt (category E) invoice needs "
            "the seller's tax registration (BT-32 'Godkänd för F-skatt') or VAT identifier (BR-E-02)",
        )
    if m.reference_code is None:
        raise BuildRefused(
            "no_reference_code",
            f"{m.display_name}: no sourced reference code (BuyerReference, BT-10) in the registry ({m.origin}); "
            "add reference_code to the municipality's registry file",
        )
    if options.payment_terms_days is not None:
        days = options.payment_terms_days
    elif m.payment_terms_days is not None:
        days = m.payment_terms_days.value
    else:
        raise BuildRefused(
            "no_payment_terms",
            f"{m.display_name}: no payment terms in the registry ({m.origin}); add payment_terms_days there "
            "or give the terms explicitly",
        )
    if days < 0:
        raise BuildRefused("no_payment_terms", f"payment terms cannot be negative ({days} days)")
    try:
        org = provider.org_nr
        seller = Seller(
            registration_name=provider.name,
            endpoint=f"{codes.EAS_SE_ORGNR}:{org}",
            legal_registration_id=Identifier(value=org, scheme=codes.EAS_SE_ORGNR),
            vat_id=provider.vat_number,
            tax_registration_id=codes.SE_F_TAX_TEXT if provider.f_tax else None,
            address=PeppolAddress(street=provider.address.street, postal_code=provider.address.postal_code,
                                  city=provider.address.city, country=provider.address.country),
            contact=Contact(name=provider.contact.name, telephone=provider.contact.phone,
                            email=provider.contact.email),
        )
        buyer = Buyer(
            registration_name=m.display_name,
            endpoint=m.peppol_id.value if m.peppol_id else f"{codes.EAS_SE_ORGNR}:{m.org_nr.value}",
            legal_registration_id=Identifier(value=m.org_nr.value, scheme=codes.EAS_SE_ORGNR),
            address=_buyer_address(m),
        )
        means: list[PaymentMeans] = []
        if provider.bankgiro:
            means.append(PaymentMeans.bankgiro(provider.bankgiro))
        if provider.plusgiro:
            means.append(PaymentMeans.plusgiro(provider.plusgiro))
        if provider.iban:
            means.append(PaymentMeans.iban(provider.iban, provider.bic))
    except (ValidationError, ValueError) as exc:
        detail = _pydantic_message(exc) if isinstance(exc, ValidationError) else str(exc)
        raise BuildRefused("document_invalid", f"the provider profile or the buyer cannot be invoiced: {detail}") from None
    return _Parties(
        seller=seller, buyer=buyer, buyer_reference=m.reference_code.value,
        due_date=options.issue_date + timedelta(days=days),
        payment_terms=f"Betalningsvillkor {days} dagar netto",
        payment_means=tuple(means),
    )


def _buyer_address(m: Municipality) -> PeppolAddress:
    if m.invoice_address is None:
        return PeppolAddress(country="SE")
    a = m.invoice_address.value
    lines = list(a.lines)
    if lines and " ".join(lines[0].split()).casefold() == " ".join(m.display_name.split()).casefold():
        lines = lines[1:]  # the first line is the buyer's name, which BT-44 already carries
    return PeppolAddress(
        street=lines[0] if lines else None,
        additional_street=lines[1] if len(lines) > 1 else None,
        address_line=", ".join(lines[2:]) or None,
        postal_code=a.postal_code, city=a.city, country=a.country,
    )


def _vat_exemption() -> VatExemption:
    return VatExemption(category=codes.VAT_EXEMPT, reason_code=codes.VATEX_EU_132_1G, reason=VAT_EXEMPTION_REASON)


def _guard(draft: InvoiceDraft, persons: Iterable[Person], findings: Sequence[SourceFinding] = ()) -> None:
    problems = free_text_problems(draft.free_text(), persons)
    if problems:
        raise BuildRefused(
            "personal_data_in_free_text",
            "personal data in a free-text field of the invoice (names and personnummer go only into the "
            "attached time reports): " + "; ".join(problems), findings)


def _persons(reports: Iterable[TimeReport]) -> list[Person]:
    seen: dict[tuple[str, str], Person] = {}
    for r in reports:
        for p in (r.client, r.assistant):
            seen.setdefault((p.pnr, p.name), p)
    return list(seen.values())


def source_checks(selected: Sequence[TimeReport], all_reports: Sequence[TimeReport],
                  decisions: Sequence[Decision], policy: CheckPolicy) -> list[SourceFinding]:
    """:func:`run_checks` on ``selected``, plus overlaps (LSS-SRC-020) of their shifts with
    shifts in any of ``all_reports`` (another client's, too)."""
    found = list(run_checks(selected, decisions, policy))
    if policy.level("LSS-SRC-020") != "off":
        chosen = {id(r) for r in selected}
        if any(id(r) not in chosen for r in all_reports):
            sources = {s.source for r in selected for s in r.shifts if s.source}
            seen = {(f.code, f.message, f.where) for f in found}
            for f in policy.apply(overlapping_shifts(all_reports)):
                if (f.code, f.message, f.where) in seen:
                    continue
                if any(part in sources for part in f.where.split("; ")):
                    found.append(f)
                    seen.add((f.code, f.message, f.where))
    return sorted(found, key=lambda f: f.code)


def _where(shifts: Iterable[Shift], limit: int = 3) -> str:
    unique = list(dict.fromkeys(s.source for s in shifts if s.source))
    shown = "; ".join(unique[:limit])
    return shown + (f"; and {len(unique) - limit} more" if len(unique) > limit else "")


def _hours_text(value: Decimal) -> str:
    return f"{value:.2f}"


# -------------------------------------------------------------------- hours → lines

def _rate(m: Municipality, year: int, findings: Sequence[SourceFinding]) -> Decimal:
    try:
        return m.hourly_rate(year)
    except RateUnknown as exc:
        raise BuildRefused(
            "rate_unknown",
            f"{exc}. Work done in {year} cannot be priced: rates are never guessed — add the sourced rate "
            f"to the registry (a municipality file of your own, see invoices/data/README.md)", findings) from None


def hour_lines(decision: Decision, shifts: Sequence[Shift], m: Municipality, period: tuple[date, date],
               findings: Sequence[SourceFinding] = ()) -> list[Line]:
    """One line per shift kind and year (module notes); ``period`` bounds the line periods."""
    seconds: dict[tuple[ShiftKind, int], int] = defaultdict(int)
    for s in shifts:
        for year, secs in year_pieces(s):
            seconds[(s.kind, year)] += secs
    lines: list[Line] = []
    for kind in KIND_ORDER:
        for year in sorted(y for (k, y) in seconds if k is kind):
            rate = _rate(m, year, findings)
            hours = round_hours(seconds[(kind, year)])
            start = max(period[0], date(year, 1, 1))
            end = min(period[1], date(year, 12, 31))
            lines.append(Line(
                id=str(len(lines) + 1),
                quantity=hours,
                unit_code=codes.UNIT_HOUR,
                price=rate,
                net_amount=line_amount(hours, rate),
                vat_category=codes.VAT_EXEMPT,
                vat_rate=ZERO,
                item_name=f"Personlig assistans, {KIND_LABEL[kind]}",
                item_description=(f"{DECISION_LABEL[decision.kind].capitalize()} {decision.id}, utförd {year}: "
                                  f"{_hours_text(hours)} h à {rate:.2f} kr (timersättning {year})"),
                seller_item_id=f"LSS-{kind.value}",
                period=Period(start=start, end=end),
            ))
    return lines


def _attachment(index: int, period: str, label: str, content: bytes, description: str) -> Attachment:
    return Attachment.embedded(
        f"TR-{index}", content,
        filename=f"tidrapport-{period}-{safe_filename_part(label)}-{index:02d}.csv",
        mime_code=CSV_MIME, description=description)


# ------------------------------------------------------------------- base / extension

def plan_invoices(provider: Provider, reports: Sequence[TimeReport], decisions: Sequence[Decision],
                  municipality: Municipality, period: str, kind: DecisionKind | str = DecisionKind.BASE,
                  options: BuildOptions | None = None) -> Plan:
    """The invoices for one month of hours under base decisions or temporary extensions.

    ``reports``: every time report read (any month, any client; only ``period``'s are used,
    and all of them for the overlap check). ``decisions``: every decision read; those whose
    ``municipality`` names this buyer (:func:`municipality_matches`) are billed.
    """
    kind = DecisionKind(kind)
    if kind is DecisionKind.SICKPAY:
        raise ValueError("sick-pay claims are planned with plan_sickpay")
    options = options or BuildOptions(issue_date=date.today())
    m = municipality
    require_invoices(m, kind)
    period = parse_period(period)
    bounds = _month_bounds(period)
    here = [d for d in decisions if municipality_matches(m, d.municipality)]
    clients = {d.client_pnr for d in here}
    period_reports = [r for r in reports if r.month == period]
    selected = [r for r in period_reports if r.client.pnr in clients]
    findings = source_checks(selected, period_reports, decisions, options.policy)

    targets = [d for d in here if d.kind is kind]
    per_decision: list[tuple[Decision, list[tuple[TimeReport, Shift]]]] = []
    for d in targets:
        pairs = [(r, s) for r in selected for s in r.shifts
                 if s.decision_id == d.id and s.client_pnr == d.client_pnr]
        if pairs:
            per_decision.append((d, pairs))
    if not per_decision:
        named = ", ".join(d.id for d in targets) or "none"
        raise BuildRefused(
            "nothing_to_bill",
            f"{m.display_name}: no shifts in {period} under a {DECISION_LABEL[kind]} decision of this municipality "
            f"({DECISION_LABEL[kind]} decisions given for it: {named})", findings)

    unbilled: dict[ShiftKind, list[Shift]] = defaultdict(list)
    for _, pairs in per_decision:
        for _, s in pairs:
            if not m.bills(s.kind):
                unbilled[s.kind].append(s)
    if unbilled and not options.omit_unbilled:
        parts = []
        for k in KIND_ORDER:
            if k in unbilled:
                ss = unbilled[k]
                parts.append(f"{len(ss)} {k.value} ({KIND_LABEL[k]}) shift{'s' if len(ss) != 1 else ''}, "
                             f"{_hours_text(round_hours(sum(s.seconds for s in ss)))} h ({_where(ss)})")
        kinds = ", ".join(k.value for k in KIND_ORDER if k in unbilled)
        billed = ", ".join(k.value for k in m.billed_kinds.value) or "none"
        raise BuildRefused(
            "kind_not_billed",
            f"{m.display_name} is not billed for {kinds} time: there is no sourced rule for billing it as "
            f"assistance hours (billed kinds: {billed}). Found: {'; '.join(parts)}. Remove those shifts, or "
            "leave them out explicitly (omit unbilled kinds) and they are reported", findings)

    parties = _parties(provider, m, options)
    persons = _persons(reports)
    drafts: list[InvoiceDraft] = []
    omitted: list[OmittedTime] = []
    notes: list[str] = []
    for d, pairs in per_decision:
        billed = [s for _, s in pairs if m.bills(s.kind)]
        not_billed = [s for _, s in pairs if not m.bills(s.kind)]
        comments: dict[int, str] = {}
        for k in KIND_ORDER:
            ss = [s for s in not_billed if s.kind is k]
            if ss:
                reason = f"{m.display_name} has no sourced rule for billing {k.value} time"
                omitted.append(OmittedTime(d.id, k, len(ss), round_hours(sum(s.seconds for s in ss)), _where(ss), reason))
                for s in ss:
                    comments[id(s)] = f"ej fakturerad: {KIND_LABEL[k]} ({reason})"
        if not billed:
            notes.append(f"decision {d.id}: nothing left to bill after leaving out the unbilled kinds")
            continue
        inv_period = (bounds[0], max([bounds[1]] + [_last_day(s) for s in billed]))
        lines = hour_lines(d, billed, m, inv_period, findings)

        # attachments: the decision's own shifts, then (extension) the base decision's
        attachments: list[Attachment] = []
        own: dict[str, tuple[TimeReport, list[Shift]]] = {}
        for r, s in pairs:
            own.setdefault(r.assistant.pnr, (r, []))[1].append(s)
        base_ids = {x.id for x in decisions if x.kind is DecisionKind.BASE and x.client_pnr == d.client_pnr}
        base: dict[str, tuple[TimeReport, list[Shift]]] = {}
        if kind is DecisionKind.EXTENSION:
            for r in selected:
                if r.client.pnr != d.client_pnr:
                    continue
                for s in r.shifts:
                    if s.decision_id in base_ids:
                        base.setdefault(r.assistant.pnr, (r, []))[1].append(s)
            if not base:
                raise BuildRefused(
                    "base_timereports_missing",
                    f"the extension invoice for decision {d.id} ({period}) needs the base decision's time reports "
                    "of the same client and month as well (Tjörn: 'Tidsredovisning för grundbeslut'), and none of "
                    "the time reports given has shifts under a base decision of that client", findings)
        numbering = {pnr: i for i, pnr in enumerate(sorted(set(own) | set(base)), start=1)}
        for pnr in sorted(own, key=numbering.get):
            r, ss = own[pnr]
            attachments.append(_attachment(
                len(attachments) + 1, period, d.id, timereport_csv(r, ss, comments),
                f"Tidrapport {period}, assistent {numbering[pnr]}, {DECISION_LABEL[d.kind]} {d.id}"))
        for pnr in sorted(base, key=numbering.get):
            r, ss = base[pnr]
            ids = ", ".join(sorted({s.decision_id for s in ss}))
            base_comments = {id(s): f"underlag: grundbeslut {s.decision_id}, faktureras inte här" for s in ss}
            attachments.append(_attachment(
                len(attachments) + 1, period, f"grundbeslut-{ids}", timereport_csv(r, ss, base_comments),
                f"Tidrapport {period}, assistent {numbering[pnr]}, grundbeslut {ids} (underlag)"))

        if kind is DecisionKind.BASE:
            note = (f"Personlig assistans enligt 9 § 2 LSS, grundbeslut {d.id}, {period}. "
                    "Tidrapporter per assistent bifogade.")
        else:
            note = (f"Tillfällig utökning av personlig assistans, beslut {d.id}, {period}: separat faktura för "
                    "utökningen. Tidrapporter för utökningen och för grundbeslutet bifogade.")
        draft = InvoiceDraft(
            claim_kind=kind.value, buyer_name=m.display_name, seller=parties.seller, buyer=parties.buyer,
            buyer_reference=parties.buyer_reference, period=inv_period, issue_date=options.issue_date,
            due_date=parties.due_date, payment_terms=parties.payment_terms, note=note, lines=tuple(lines),
            attachments=tuple(attachments), payment_means=parties.payment_means,
            vat_exemptions=(_vat_exemption(),), decision_id=d.id,
        )
        _guard(draft, persons, findings)
        drafts.append(draft)
    if not drafts:
        raise BuildRefused("nothing_to_bill",
                           f"{m.display_name}: nothing to bill in {period} after leaving out the unbilled kinds",
                           findings)
    return Plan(kind.value, period, m.display_name, drafts, findings, omitted, notes)


# ---------------------------------------------------------------------------- sick pay

def _sickpay_csv(claim: SickPayClaim, spec: OccasionSpec, period: str) -> bytes:
    """The claim's supporting CSV: identities, the occasion, the calculation line by line.

    Every cell goes through :func:`invoices.spreadsheet.csv_row` (names and free text that
    begin with a formula character are written as text); amounts are written as numbers,
    with 2 decimals (they have at most 2, so ``round_money`` only pads them)."""
    occ = claim.occasion
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")

    def row(*cells) -> None:
        writer.writerow(csv_row(cells))

    row("uppgift", "värde", "underlag")
    row("Avser", "Merkostnad sjuklön vid ordinarie personlig assistents sjukfrånvaro (9 § 2 LSS)", "")
    row("Period", period, "")
    row("Den enskildes namn", occ.client.name, "")
    row("Den enskildes personnummer", format_pnr(occ.client.pnr), "")
    row("Sjuk assistent, namn", occ.sick_assistant.name, "")
    row("Sjuk assistent, personnummer", format_pnr(occ.sick_assistant.pnr), "")
    row("Sjukdagar", ", ".join(d.isoformat() for d in occ.sick_days), "")
    row("Sjukdagar med vikarie", ", ".join(d.isoformat() for d in claim.days_with_substitute), "")
    row("Sjukdagar utan vikarie", ", ".join(d.isoformat() for d in claim.days_without_substitute), "")
    if claim.karens_date is not None:
        row("Karensavdrag, datum", claim.karens_date.isoformat(), "")
    else:
        row("Karensavdrag ej gjort, orsak", claim.no_karens_reason or "", "")
    if spec.wage is not None:
        per = "timlön" if spec.wage_per == "hour" else "månadslön"
        row(f"Den sjuke assistentens lön ({per})", round_money(spec.wage), "lönespecifikation")
    if spec.collective_agreement:
        row("Kollektivavtal", spec.collective_agreement, "")
    row("Sjukdomstillfälle (nyckel)", claim.occasion_key, "")
    row()
    row("rad", "belopp (kr)", "beräkning")
    for line in claim.lines:
        if line.percent is None:
            how = "sjuklön i kronor enligt lönespecifikation"
        else:
            how = f"{line.percent} % av {line.base:.2f} kr, avrundat till hela ören (half-up)"
        row(line.label, round_money(line.amount), how)
    row("Summa", round_money(claim.total), "summan av de avrundade raderna")
    return buf.getvalue().encode("utf-8")


def plan_sickpay(provider: Provider, reports: Sequence[TimeReport], decisions: Sequence[Decision],
                 municipality: Municipality, period: str, spec: OccasionSpec,
                 options: BuildOptions | None = None, *, claimed: Iterable[ClaimRecord] = (),
                 inactive_numbers: Iterable[str] = ()) -> Plan:
    """The extra-cost-of-sick-pay invoice for one sickness occasion.

    ``reports``: the time reports read (the substitutes' and the sick assistant's; any
    month). At least one sick day must lie in ``period``. ``claimed``: the claims ledger's
    records (:meth:`invoices.claims.SickPayLedger.records`) with the series' voided numbers
    as ``inactive_numbers``: a second claim for the same occasion is refused
    (``duplicate_occasion``).
    """
    options = options or BuildOptions(issue_date=date.today())
    m = municipality
    require_invoices(m, DecisionKind.SICKPAY)
    period = parse_period(period)
    bounds = _month_bounds(period)
    if not any(bounds[0] <= d <= bounds[1] for d in spec.sick_days):
        raise BuildRefused(
            "occasion_outside_period",
            f"the sickness occasion ({spec.sick_days[0]}–{spec.sick_days[-1]}) has no sick day in {period}")

    client_reports = [r for r in reports if r.client.pnr == spec.client_pnr]
    if not client_reports:
        raise BuildRefused(
            "client_not_in_timereports",
            f"{spec.source or 'the occasion'}: the client has no time report among those given; the substitute's "
            "time report for the client is required")
    client: Client = client_reports[0].client
    sick_name = spec.sick_assistant_name or next(
        (r.assistant.name for r in reports if r.assistant.pnr == spec.sick_assistant_pnr), None)
    if not sick_name:
        raise BuildRefused(
            "sick_assistant_unknown",
            f"{spec.source or 'the occasion'}: the sick assistant has no time report among those given; give "
            "sick_assistant_name in the occasion file")
    sick = Assistant(pnr=spec.sick_assistant_pnr, name=sick_name)
    occasion = SicknessOccasion(sick_assistant=sick, client=client, sick_days=spec.sick_days)
    try:
        refuse_if_recorded(occasion, claimed, inactive_numbers)
    except SickPayRefused as exc:
        raise BuildRefused(exc.code, exc.message) from None

    substitutes = set(spec.substitute_pnrs)
    sub_shifts = [s for r in client_reports if r.assistant.pnr in substitutes for s in r.shifts]
    try:
        claim = compute_sickpay_claim(
            occasion, spec.sick_pay, spec.percentages, sub_shifts,
            karens_date=spec.karens_date, no_karens_reason=spec.no_karens_reason, bases=spec.bases)
    except SickPayRefused as exc:
        raise BuildRefused(exc.code, exc.message) from None

    months = {d.strftime("%Y-%m") for d in spec.sick_days}
    evidence_ids = {id(s) for s in claim.evidence_shifts}
    evidence_reports = [r for r in client_reports if any(id(s) in evidence_ids for s in r.shifts)]
    sick_reports = [r for r in client_reports if r.assistant.pnr == sick.pnr and r.month in months]
    checked = evidence_reports + [r for r in sick_reports if r not in evidence_reports]
    all_in_months = [r for r in reports if r.month in months]
    findings = source_checks(checked, all_in_months, decisions, options.policy)

    parties = _parties(provider, m, options)
    label = f"sjuklon-{occasion.first_day.isoformat()}"
    attachments = [Attachment.embedded(
        "SJ-1", _sickpay_csv(claim, spec, period),
        filename=f"merkostnad-sjuklon-{occasion.first_day.isoformat()}.csv", mime_code=CSV_MIME,
        description=f"Merkostnad sjuklön: beräkning och uppgifter om sjukdomstillfället {occasion.first_day}")]
    numbering = {pnr: i for i, pnr in enumerate(sorted({r.assistant.pnr for r in checked}), start=1)}
    for r in sorted(evidence_reports, key=lambda r: (r.month, numbering[r.assistant.pnr])):
        attachments.append(_attachment(
            len(attachments) + 1, r.month, label, timereport_csv(r),
            f"Tidrapport {r.month}, vikarie (assistent {numbering[r.assistant.pnr]})"))
    for r in sorted(sick_reports, key=lambda r: r.month):
        if r in evidence_reports:
            continue
        attachments.append(_attachment(
            len(attachments) + 1, r.month, label, timereport_csv(r),
            f"Tidrapport {r.month}, den sjuke ordinarie assistenten (assistent {numbering[r.assistant.pnr]})"))
    notes: list[str] = []
    if not sick_reports:
        notes.append("the sick assistant has no time report among those given; the municipality asks for a copy "
                     "of it (and the ordinary schedule): add it to the occasion's attachments")
    for i, extra in enumerate(spec.attachments, start=1):
        attachments.append(Attachment.embedded(
            f"BI-{i}", extra.content, filename=extra.filename, mime_code=extra.mime_code,
            description=f"Bilaga {i} till merkostnad sjuklön (enligt sjukdomstillfällets fil)"))

    lines = []
    for line in claim.lines:
        if line.component is Component.SICK_PAY:
            desc = f"Sjuklön enligt lönespecifikation, sjukdagar {occasion.first_day}–{occasion.last_day}"
        else:
            desc = f"{line.percent} % av {line.base:.2f} kr"
        lines.append(Line(
            id=str(len(lines) + 1), quantity=Decimal(1), unit_code=codes.UNIT_ONE, price=line.amount,
            net_amount=line.amount, vat_category=codes.VAT_EXEMPT, vat_rate=ZERO, item_name=line.label,
            item_description=desc, seller_item_id=f"LSS-sickpay-{line.component.value}"))
    note = (f"Merkostnad sjuklön vid ordinarie personlig assistents sjukfrånvaro {occasion.first_day}–"
            f"{occasion.last_day} (9 § 2 LSS): ett sjukdomstillfälle, vikarie har utfört assistans. "
            "Beräkning, karensuppgift och tidrapporter bifogade.")
    draft = InvoiceDraft(
        claim_kind=DecisionKind.SICKPAY.value, buyer_name=m.display_name, seller=parties.seller,
        buyer=parties.buyer, buyer_reference=parties.buyer_reference,
        period=(occasion.first_day, occasion.last_day), issue_date=options.issue_date,
        due_date=parties.due_date, payment_terms=parties.payment_terms, note=note, lines=tuple(lines),
        attachments=tuple(attachments), payment_means=parties.payment_means,
        vat_exemptions=(_vat_exemption(),), occasion=occasion, claim=claim,
    )
    _guard(draft, _persons(reports) + [sick, client], findings)
    return Plan(DecisionKind.SICKPAY.value, period, m.display_name, [draft], findings, [], notes)


# -------------------------------------------------------------------------- credit notes

def read_original(data: bytes, name: str = "invoice") -> Document:
    """An earlier invoice as written (UBL, or UBL in an SBDH envelope). Raises
    :class:`InputErrors` naming ``name`` when it cannot be read."""
    from peppol.reader import UblReadError, from_ubl
    from peppol.sbdh import SbdhError, unwrap

    try:
        head = data.lstrip()[:4096]
        if b"StandardBusinessDocument" in head and b"StandardBusinessDocumentHeader" in data:
            return from_ubl(unwrap(data).payload)
        return from_ubl(data)
    except (UblReadError, SbdhError, ValueError) as exc:
        raise InputErrors([InputError(name, None, None, f"not a readable BIS 3 invoice: {exc}")]) from None


def plan_credit_note(original: Document, provider: Provider, options: BuildOptions | None = None,
                     reason: str | None = None) -> Plan:
    """A CreditNote crediting ``original`` in full (same lines, quantities and prices),
    referring to it (BG-3), for the same buyer and buyer reference. Correct an invoice by
    crediting it and issuing a new one. ``reason`` goes into the note: no personal data."""
    options = options or BuildOptions(issue_date=date.today())
    if original.kind != "invoice":
        raise BuildRefused("not_an_invoice", f"{original.id} is a credit note; only an invoice is credited")
    seller_org = original.seller.legal_registration_id.value if original.seller.legal_registration_id else None
    if original.seller.endpoint.value != provider.org_nr and seller_org != provider.org_nr:
        raise BuildRefused(
            "not_our_invoice",
            f"invoice {original.id} was issued by {original.seller.registration_name} "
            f"({original.seller.endpoint}), not by this provider (0007:{provider.org_nr})")
    note = f"Kreditnota: krediterar faktura {original.id} av {original.issue_date.isoformat()} i sin helhet."
    if reason and reason.strip():
        note += f" Orsak: {' '.join(reason.split())}"
    period = original.invoice_period
    start = period.start if period and period.start else original.issue_date
    end = period.end if period and period.end else start
    lines = tuple(ln.model_copy() for ln in original.lines)
    draft = InvoiceDraft(
        claim_kind="credit", buyer_name=original.buyer.registration_name, seller=original.seller,
        buyer=original.buyer, buyer_reference=original.buyer_reference,
        order_reference=original.order_reference, period=(start, end), issue_date=options.issue_date,
        due_date=None, payment_terms=f"Kreditering av faktura {original.id}", note=note, lines=lines,
        vat_exemptions=tuple(original.vat_exemptions), document_kind="creditnote",
        preceding=PrecedingInvoice(id=original.id, issue_date=original.issue_date), credits=original.id,
    )
    _guard(draft, ())
    return Plan("credit", f"{start:%Y-%m}", draft.buyer_name, [draft])


# ------------------------------------------------------------------------------- issuing

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
          created: datetime | None = None) -> IssueResult:
    """Number, build, validate and (through ``write``) write the drafts; see the module notes.

    All documents are validated before the first is written: any fatal finding in any of
    them → every reserved number is voided with the reason and nothing is written
    (``result.ok`` is False, ``result.invalid`` has the findings). ``write`` is called once
    per document, in order; if it raises, the numbers not yet written are voided and
    :class:`IssueFailed` is raised (those already written stay committed). Sick-pay claims
    are recorded in ``ledger`` just before their invoice is written.
    """
    from peppol.sbdh import wrap
    from peppol.ubl import to_ubl

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

    def void_all(items: Iterable[str], reason: str) -> None:
        for n in items:
            series.void(n, reason)
            result.voided.append((n, reason))

    built: list[Issued] = []
    try:
        for number, draft in zip(assigned, drafts):
            doc = draft.document(number)
            ubl = to_ubl(doc)
            env = None
            if sbdh:
                env = wrap(ubl, sender=str(doc.seller.endpoint), receiver=str(doc.buyer.endpoint),
                           document_type_id=doc.document_type_id, process_id=doc.process_id, created=created)
            built.append(Issued(number, draft, doc, ubl, env, hashlib.sha256(ubl).hexdigest()))
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
        result.issued.append(item)
    return result
