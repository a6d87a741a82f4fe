"""The sick-pay plan: the invoice for the extra cost of sick pay of one sickness occasion.

When the regular assistant is sick and a substitute works, the municipality pays the extra
cost (9 § 2 LSS): the calculation is :mod:`invoices.sickpay`, the occasion file
:mod:`invoices.occasion`. The invoice: one line per component of the claim (sick pay, then
each percentage on it), quantity 1, unit ``C62``; InvoicePeriod first to last sick day.

Attachments (BG-24)
    The calculation (``SJ-1``, :func:`_sickpay_csv`), the substitutes' time reports that
    evidence the substitute work, the sick assistant's time reports of the occasion's months
    (a note asks for them when none is given), and any files the occasion names
    (``BI-<n>``). Assistants are numbered, never named, in every description.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from peppol import codes
from peppol.model import Attachment, Line

from .claims import ClaimRecord, refuse_if_recorded
from .evidence import attach_checklists
from .signed_attach import attach_signed
from .drafts import BuildOptions, BuildRefused, added_attachments, InvoiceDraft, Plan, persons_in, refuse_personal_data
from .drafts import require_invoices, source_checks, timereport_attachment, vat_exemption
from .hours import ZERO, month_bounds, parse_period
from .model import Assistant, Client, Decision, DecisionKind, Provider, TimeReport
from .occasion import OccasionSpec
from .pdf_copies import pdf_twin, timereport_pdf
from .parties import parties_for
from .registry import Municipality
from .sickpay import Component, SickPayClaim, SickPayRefused, SicknessOccasion, compute_sickpay_claim, round_money
from .spreadsheet import csv_row
from .underlag import CSV_MIME, format_pnr, timereport_csv

__all__ = ["plan_sickpay"]


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
    bounds = month_bounds(period)
    if not any(bounds[0] <= d <= bounds[1] for d in spec.sick_days):
        raise BuildRefused(
            "occasion_outside_period",
            f"the sickness occasion ({spec.sick_days[0]}–{spec.sick_days[-1]}) has no sick day in {period}")

    client_reports = [r for r in reports if r.client.pnr == spec.client_pnr]
    occasion = _occasion(spec, reports, client_reports)
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
    sick_reports = [r for r in client_reports if r.assistant.pnr == occasion.sick_assistant.pnr and r.month in months]
    checked = evidence_reports + [r for r in sick_reports if r not in evidence_reports]
    all_in_months = [r for r in reports if r.month in months]
    policy = options.policy.under({code: level.value for code, level in m.source_levels.items()})
    findings = source_checks(checked, all_in_months, decisions, policy)

    parties = parties_for(provider, m, options)
    attachments = _attachments(claim, spec, period, checked, evidence_reports, sick_reports)
    attachments += added_attachments(options)
    notes: list[str] = []
    if not sick_reports:
        notes.append("the sick assistant has no time report among those given; the municipality asks for a copy "
                     "of it (and the ordinary schedule): add it to the occasion's attachments")
    note = (f"Merkostnad sjuklön vid ordinarie personlig assistents sjukfrånvaro {occasion.first_day}–"
            f"{occasion.last_day} (9 § 2 LSS): ett sjukdomstillfälle, vikarie har utfört assistans. "
            "Beräkning, karensuppgift och tidrapporter bifogade.")
    draft = InvoiceDraft(
        claim_kind=DecisionKind.SICKPAY.value, buyer_name=m.display_name, seller=parties.seller,
        buyer=parties.buyer, buyer_reference=parties.buyer_reference,
        period=(occasion.first_day, occasion.last_day), issue_date=options.issue_date,
        due_date=parties.due_date, payment_terms=parties.payment_terms, note=note, lines=_lines(claim),
        attachments=tuple(attachments), payment_means=parties.payment_means,
        vat_exemptions=(vat_exemption(),), occasion=occasion, claim=claim,
        reports=tuple([("substitute", r) for r in evidence_reports]
                      + [("sick", r) for r in sick_reports if r not in evidence_reports]),
        provided=_provided(claim, spec),
    )
    draft = attach_signed(draft, options.signed_reports)
    refuse_personal_data(draft, persons_in(reports) + [occasion.sick_assistant, occasion.client], findings)
    plan = Plan(DecisionKind.SICKPAY.value, period, m.display_name, [draft], findings, [], notes)
    return attach_checklists(plan, m, policy)


def _provided(claim: SickPayClaim, spec: OccasionSpec) -> frozenset[str]:
    """What the claim's calculation (``SJ-1``) states, as evidence keys (:mod:`invoices.evidence`):
    the sick assistant, the sick pay and the percentages on it always (the occasion file requires
    them, a cost not incurred stated as 0), the wage, the karens and the agreement when given."""
    given = {"sickpay_calculation", "sick_assistant_identity", "sick_pay_amount", "holiday_pay",
             "employer_contributions", "contractual_costs"}
    if spec.wage is not None:
        given.add("sick_wage")
    if claim.karens_date is not None or claim.no_karens_reason:
        given.add("karens")
    if spec.collective_agreement:
        given.add("employer_agreement")
    return frozenset(given)


def _occasion(spec: OccasionSpec, reports: Sequence[TimeReport],
              client_reports: list[TimeReport]) -> SicknessOccasion:
    """The occasion with the client and the sick assistant as the time reports name them;
    refused (``client_not_in_timereports``, ``sick_assistant_unknown``) when they cannot."""
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
    return SicknessOccasion(sick_assistant=sick, client=client, sick_days=spec.sick_days)


def _attachments(claim: SickPayClaim, spec: OccasionSpec, period: str, checked: list[TimeReport],
                 evidence_reports: list[TimeReport], sick_reports: list[TimeReport]) -> list[Attachment]:
    """The calculation, the substitutes' and the sick assistant's time reports, the occasion's files."""
    occasion = claim.occasion
    label = f"sjuklon-{occasion.first_day.isoformat()}"
    attachments = [Attachment.embedded(
        "SJ-1", _sickpay_csv(claim, spec, period),
        filename=f"merkostnad-sjuklon-{occasion.first_day.isoformat()}.csv", mime_code=CSV_MIME,
        description=f"Merkostnad sjuklön: beräkning och uppgifter om sjukdomstillfället {occasion.first_day}")]
    numbering = {pnr: i for i, pnr in enumerate(sorted({r.assistant.pnr for r in checked}), start=1)}
    pdfs: list[Attachment] = []  # each report's PDF copy, after the CSVs (their numbers unchanged)
    for r in sorted(evidence_reports, key=lambda r: (r.month, numbering[r.assistant.pnr])):
        attachments.append(timereport_attachment(
            len(attachments) + 1, r.month, label, timereport_csv(r),
            f"Tidrapport {r.month}, vikarie (assistent {numbering[r.assistant.pnr]})"))
        pdfs.append(pdf_twin(attachments[-1], timereport_pdf(r)))
    for r in sorted(sick_reports, key=lambda r: r.month):
        if r in evidence_reports:
            continue
        attachments.append(timereport_attachment(
            len(attachments) + 1, r.month, label, timereport_csv(r),
            f"Tidrapport {r.month}, den sjuke ordinarie assistenten (assistent {numbering[r.assistant.pnr]})"))
        pdfs.append(pdf_twin(attachments[-1], timereport_pdf(r)))
    attachments += pdfs
    for i, extra in enumerate(spec.attachments, start=1):
        attachments.append(Attachment.embedded(
            f"BI-{i}", extra.content, filename=extra.filename, mime_code=extra.mime_code,
            description=f"Bilaga {i} till merkostnad sjuklön (enligt sjukdomstillfällets fil)"))
    return attachments


def _lines(claim: SickPayClaim) -> tuple[Line, ...]:
    """One line per component of the claim, quantity 1, price = the component's amount."""
    occasion = claim.occasion
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
    return tuple(lines)
