"""The hour plans: invoices for one month of hours under base decisions or temporary extensions.

Which invoices (rules that vary by buyer: registry data, ``invoices/data/README.md``)
    One invoice per decision (``one_invoice_per_decision``, the default and Tjörn's rule:
    one per base decision, a separate one per temporary extension), or, for a buyer whose
    entry sets it to false, one per client and month for all the client's decisions of the
    claim kind. Base decisions and temporary extensions are never on the same invoice.

Lines (hours)
    One line per decision, **shift kind** the municipality bills (registry
    ``billed_kinds``: active, then waiting; then on-call and standby where the buyer's entry
    has a ``[[kind_rates]]`` entry for them) and **year** the work was done in: a shift
    crossing midnight of 31 December is split there (local time), and each part is priced at
    its own year's rate. A year without a sourced rate is refused (``rate_unknown``, naming
    the municipality and the year): rates are never guessed. Line: quantity = hours, unit
    ``HUR``; price = the year's hourly rate, or for on-call/standby the kind's amount for the
    year or its share of the hourly rate rounded to öre, half-up (:mod:`invoices.kind_rates`).
    Rounding: :mod:`invoices.hours`.

InvoicePeriod (BG-14)
    The month, exactly. Its hours are the time inside it in real elapsed time, whichever
    report holds a shift (:func:`invoices.hours.month_parts`): a night shift from 31 March
    22:00 to 1 April 06:00 bills 2 h on March's invoice and 6 h on April's (the attached time
    reports show the parts), so no hour of April is billed in March.

Hours billed before (:mod:`invoices.billed`)
    A decision's month of a kind that an earlier invoice billed is refused (``already_billed``),
    unless ``BuildOptions.supplement`` (only the shifts no earlier invoice holds) or
    ``BuildOptions.replace`` names that invoice after it was credited.

Time kinds a municipality does not bill
    ``on_call`` (jour) and ``standby`` (beredskap) have no sourced billing rule at any
    packaged buyer; a buyer's entry may give one (``[[kind_rates]]``, :mod:`invoices.kind_rates`).
    Without one, such shifts under the decisions being billed are refused (``kind_not_billed``,
    naming the kind and the municipality), or with ``BuildOptions.omit_unbilled`` left off
    the lines and reported in :attr:`Plan.omitted` (they stay in the attached time report,
    commented "ej fakturerad"; billed ones are not).

Hours beyond the granted hours
    Refused by the source checks (``LSS-SRC-001``), or with ``BuildOptions.cap_at_granted``
    cut (the latest hours of each decision's week, month or period) and listed in
    :attr:`Plan.beyond_granted` (:mod:`invoices.granted_cap`).

Attachments (BG-24)
    The time reports, as CSV in the input format (:mod:`invoices.underlag`), one per
    assistant: the shifts under the invoice's decisions; for an extension invoice, when the
    buyer's entry says ``extension_carries_base_timereports`` (the default and Tjörn's rule,
    "Tidsredovisning för grundbeslut"), the base decision's time reports of the same client
    and month too (refused with ``base_timereports_missing`` when there are none).
    Attachment ids, names and descriptions carry a running number, never a name.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from peppol import codes
from peppol.model import Attachment, Line, Period

from .billed import shift_key, still_to_bill
from .evidence import attach_checklists
from .signed_attach import attach_signed
from .granted_cap import GrantedCap, cap_comments, capped_checks, stretches
from .kind_rates import kind_price
from .pdf_copies import pdf_twin, timereport_pdf
from .checks import SourceFinding
from .drafts import (
    added_attachments,
    BuildOptions,
    BuildRefused,
    InvoiceDraft,
    OmittedTime,
    Plan,
    persons_in,
    refuse_personal_data,
    require_invoices,
    source_checks,
    timereport_attachment,
    vat_exemption,
)
from .hours import (
    DECISION_LABEL,
    KIND_LABEL,
    KIND_ORDER,
    ZERO,
    hours_text,
    line_amount,
    month_bounds,
    month_parts,
    parse_period,
    round_hours,
    shift_sources,
    year_pieces,
)
from .model import Decision, DecisionKind, Person, Provider, Shift, ShiftKind, TimeReport
from .parties import Parties, parties_for
from .registry import Municipality, RateUnknown
from .underlag import timereport_csv

__all__ = ["hour_lines", "plan_invoices", "rate_for_year"]

Pairs = list[tuple[TimeReport, Shift]]
ByAssistant = dict[str, tuple[TimeReport, list[Shift]]]


def rate_for_year(m: Municipality, year: int, findings: Sequence[SourceFinding] = ()) -> Decimal:
    """The buyer's hourly rate for work done in ``year``; refused (``rate_unknown``) when unsourced."""
    try:
        return m.hourly_rate(year)
    except RateUnknown as exc:
        raise BuildRefused(
            "rate_unknown",
            f"{exc}. Work done in {year} cannot be priced: rates are never guessed — add the sourced rate "
            f"to the registry (a municipality file of your own, see invoices/data/README.md)", findings) from None


def _replaced(options: BuildOptions, period: str, kind: DecisionKind) -> None:
    """``replace=NUMBER`` names an invoice of this month and kind that was credited."""
    if options.replace is None:
        return
    rec = next((r for r in options.billed if r.invoice_number == options.replace), None)
    if rec is None or rec.month != period or rec.kind != kind.value:
        raise BuildRefused("replace_unknown", f"--replace {options.replace}: no {kind.value} invoice of {period} "
                           "with that number is in the billed-hours ledger")
    if not rec.credited_by:
        raise BuildRefused("replace_not_credited", f"--replace {options.replace}: that invoice is not credited; "
                           "credit it first (`lssinvoice invoice credit`)")


def _price(m: Municipality, kind: ShiftKind, year: int, findings: Sequence[SourceFinding]) -> tuple[Decimal, str]:
    """The price of an hour of ``kind`` in ``year`` and what it is (for the line's description):
    the hourly rate, or the kind's own rate (:mod:`invoices.kind_rates`); ``rate_unknown`` when unsourced."""
    if m.bills(kind):
        return rate_for_year(m, year, findings), f"timersättning {year}"
    try:
        p = kind_price(m, kind, year)
    except RateUnknown as exc:
        raise BuildRefused(
            "rate_unknown",
            f"{exc}. {kind.value} ({KIND_LABEL[kind]}) time done in {year} cannot be priced: rates are never "
            "guessed — add the sourced amount to the registry (kind_rates, see invoices/data/README.md)",
            findings) from None
    return p.price, p.basis


def hour_lines(decision: Decision, shifts: Sequence[Shift], m: Municipality, period: tuple[date, date],
               findings: Sequence[SourceFinding] = (), first_id: int = 1) -> list[Line]:
    """One line per shift kind and year (module notes), numbered from ``first_id``;
    ``period`` bounds the line periods."""
    seconds: dict[tuple[ShiftKind, int], int] = defaultdict(int)
    for s in shifts:
        for year, secs in year_pieces(s):
            seconds[(s.kind, year)] += secs
    lines: list[Line] = []
    for kind in KIND_ORDER:
        for year in sorted(y for (k, y) in seconds if k is kind):
            rate, basis = _price(m, kind, year, findings)
            hours = round_hours(seconds[(kind, year)])
            start = max(period[0], date(year, 1, 1))
            end = min(period[1], date(year, 12, 31))
            lines.append(Line(
                id=str(first_id + len(lines)),
                quantity=hours,
                unit_code=codes.UNIT_HOUR,
                price=rate,
                net_amount=line_amount(hours, rate),
                vat_category=codes.VAT_EXEMPT,
                vat_rate=ZERO,
                item_name=f"Personlig assistans, {KIND_LABEL[kind]}",
                item_description=(f"{DECISION_LABEL[decision.kind].capitalize()} {decision.id}, utförd {year}: "
                                  f"{hours_text(hours)} h à {rate:.2f} kr ({basis})"),
                seller_item_id=f"LSS-{kind.value}",
                period=Period(start=start, end=end),
            ))
    return lines


@dataclass(frozen=True)
class _Month:
    """What every invoice of one plan shares."""

    m: Municipality
    period: str
    kind: DecisionKind
    options: BuildOptions
    findings: list[SourceFinding]
    decisions: Sequence[Decision]
    selected: list[TimeReport]
    parties: Parties
    persons: list[Person]
    pieces: dict[int, list[Shift]]  # id() of a shift -> the pieces of it billed (absent: all of it)
    cut_seconds: dict[int, int]     # id() of a shift -> its seconds beyond the granted hours


def plan_invoices(provider: Provider, reports: Sequence[TimeReport], decisions: Sequence[Decision],
                  municipality: Municipality, period: str, kind: DecisionKind | str = DecisionKind.BASE,
                  options: BuildOptions | None = None) -> Plan:
    """The invoices for one month of hours under base decisions or temporary extensions.

    ``reports``: every time report read (any month, any client; ``period``'s are billed, and
    all of them are context for the source checks: overlaps and working time). ``decisions``: every decision read; those whose
    ``municipality`` names this buyer (:meth:`~invoices.registry.Municipality.matches`) are billed.
    """
    kind = DecisionKind(kind)
    if kind is DecisionKind.SICKPAY:
        raise ValueError("sick-pay claims are planned with plan_sickpay")
    options = options or BuildOptions(issue_date=date.today())
    m = municipality
    require_invoices(m, kind)
    period = parse_period(period)
    here = [d for d in decisions if m.matches(d.municipality)]
    clients = {d.client_pnr for d in here}
    # The month's shifts in real time, whichever report holds them (a night shift into the
    # next month is cut at midnight); the rest, and other clients' reports, are context.
    inside, outside = month_parts(reports, period)
    selected = [r for r in inside if r.client.pnr in clients]
    context = [r for r in inside if r.client.pnr not in clients] + outside
    # Every report given is context (another client's, another municipality's, another
    # month's): working time counts all of an assistant's work (9 d § 4 LSS, Tjörn: "oavsett
    # för vilken insatsberättigad") and its limits run over calculation periods.
    policy = options.policy.under({code: level.value for code, level in m.source_levels.items()})
    if options.cap_at_granted:
        findings, cuts = capped_checks(selected, selected + context, decisions, policy)
    else:
        findings, cuts = source_checks(selected, selected + context, decisions, policy), []
    _replaced(options, period, kind)
    pieces: dict[int, list[Shift]] = {}
    per_decision = _decision_shifts(kind, [d for d in here if d.kind is kind], selected, m, period, findings, options,
                                    pieces)
    cap = GrantedCap(cuts)
    if options.cap_at_granted:
        for d, pairs in per_decision:
            for _, s in pairs:
                pieces[id(s)] = cap.apply(d, s, pieces.get(id(s), [s]))
    beyond = cap.listing(here)
    _refuse_unbilled(m, per_decision, pieces, options, findings)

    month = _Month(m, period, kind, options, findings, decisions, selected,
                   parties_for(provider, m, options), persons_in(reports), pieces, cap.cut_seconds)
    drafts: list[InvoiceDraft] = []
    omitted: list[OmittedTime] = []
    notes: list[str] = []
    for group in _invoice_groups(m, per_decision):
        draft = _hours_draft(month, group, omitted, notes)
        if draft is not None:
            drafts.append(draft)
    if not drafts:
        capped = "; ".join(str(b) for b in beyond)
        raise BuildRefused("nothing_to_bill",
                           f"{m.display_name}: nothing to bill in {period} after leaving out the unbilled kinds"
                           + (f" and the hours beyond the granted hours ({capped})" if capped else ""), findings)
    plan = Plan(kind.value, period, m.display_name, drafts, findings, omitted, notes, beyond)
    return attach_checklists(plan, m, policy)


def _decision_shifts(kind: DecisionKind, targets: list[Decision], selected: list[TimeReport], m: Municipality,
                     period: str, findings: list[SourceFinding], options: BuildOptions,
                     pieces: dict[int, list[Shift]]) -> list[tuple[Decision, Pairs]]:
    """Each target decision with its (report, shift) pairs; refused (``nothing_to_bill``) if none has any."""
    per_decision: list[tuple[Decision, Pairs]] = []
    for d in targets:
        pairs = [(r, s) for r in selected for s in r.shifts
                 if s.decision_id == d.id and s.client_pnr == d.client_pnr]
        pairs = still_to_bill(d, kind, period, pairs, options, findings, pieces)
        if pairs:
            per_decision.append((d, pairs))
    if not per_decision:
        label = DECISION_LABEL[kind]
        named = ", ".join(d.id for d in targets) or "none"
        raise BuildRefused(
            "nothing_to_bill",
            f"{m.display_name}: no shifts in {period} under a {label} decision of this municipality "
            f"({label} decisions given for it: {named})", findings)
    return per_decision


def _refuse_unbilled(m: Municipality, per_decision: list[tuple[Decision, Pairs]], pieces: dict[int, list[Shift]],
                     options: BuildOptions, findings: list[SourceFinding]) -> None:
    """Refuse (``kind_not_billed``) shifts of kinds ``m`` does not bill (what is left of them
    after the cap), unless they are to be omitted."""
    unbilled: dict[ShiftKind, list[Shift]] = defaultdict(list)
    for _, pairs in per_decision:
        for _, s in pairs:
            if not m.invoices_kind(s.kind):
                unbilled[s.kind].extend(pieces.get(id(s), [s]))
    if not unbilled or options.omit_unbilled:
        return
    raise kind_not_billed(m, [s for k in KIND_ORDER for s in unbilled.get(k, [])], "billed for", findings)


def kind_not_billed(m: Municipality, unbilled: Sequence[Shift], what: str,
                    findings: list[SourceFinding]) -> BuildRefused:
    """The refusal (``kind_not_billed``) of shifts of kinds ``m`` has no sourced rule for
    (``what``: "billed for" on an invoice, "reported" in a redovisning), each kind counted
    with its hours and where its shifts are."""
    kinds = [k for k in KIND_ORDER if any(s.kind is k for s in unbilled)]
    parts = []
    for k in kinds:
        ss = [s for s in unbilled if s.kind is k]
        parts.append(f"{len(ss)} {k.value} ({KIND_LABEL[k]}) shift{'s' if len(ss) != 1 else ''}, "
                     f"{hours_text(round_hours(sum(s.seconds for s in ss)))} h ({shift_sources(ss)})")
    billed = ", ".join(k.value for k in m.invoiced_kinds()) or "none"
    return BuildRefused(
        "kind_not_billed",
        f"{m.display_name} is not {what} {', '.join(k.value for k in kinds)} time: there is no sourced rule "
        f"for it as assistance hours (billed kinds: {billed}). Found: {'; '.join(parts)}. Remove those shifts, "
        "or leave them out explicitly (omit unbilled kinds) and they are reported", findings)


def _invoice_groups(m: Municipality, per_decision: list[tuple[Decision, Pairs]]) -> list[list[tuple[Decision, Pairs]]]:
    """The decisions of each invoice: one each, or (``one_invoice_per_decision`` false) one group per client."""
    if m.invoice_per_decision:
        return [[item] for item in per_decision]
    groups: dict[str, list[tuple[Decision, Pairs]]] = {}
    for d, pairs in per_decision:
        groups.setdefault(d.client_pnr, []).append((d, pairs))
    return list(groups.values())


def _omit(m: Municipality, d: Decision, not_billed: list[tuple[Shift, list[Shift]]],
          comments: dict[int, str]) -> list[OmittedTime]:
    """What is left off for ``d`` (by kind): each shift given with the pieces of it that would
    be billed; each shift commented in the attached report."""
    omitted = []
    for k in KIND_ORDER:
        ss = [(s, ps) for s, ps in not_billed if s.kind is k]
        if ss:
            reason = f"{m.display_name} has no sourced rule for billing {k.value} time"
            omitted.append(OmittedTime(d.id, k, len(ss), round_hours(sum(p.seconds for _, ps in ss for p in ps)),
                                       shift_sources([s for s, _ in ss]), reason))
            for s, _ in ss:
                comments[id(s)] = "; ".join(c for c in (comments.get(id(s)),
                                                        f"ej fakturerad: {KIND_LABEL[k]} ({reason})") if c)
    return omitted


def _hours_draft(month: _Month, group: list[tuple[Decision, Pairs]], omitted: list[OmittedTime],
                 notes: list[str]) -> InvoiceDraft | None:
    """The invoice of one group of decisions, or None (with a note) when nothing of it is billed."""
    m = month.m
    comments: dict[int, str] = {}
    billed: list[tuple[Decision, list[Shift]]] = []
    parts: list[tuple[str, tuple]] = []
    for d, pairs in group:
        cap_comments(month.cut_seconds, [s for _, s in pairs], comments)
        left = [(s, month.pieces.get(id(s), [s])) for _, s in pairs]
        omitted.extend(_omit(m, d, [(s, ps) for s, ps in left if ps and not m.invoices_kind(s.kind)], comments))
        left = [(s, ps) for s, ps in left if ps and m.invoices_kind(s.kind)]
        shifts = [p for _, ps in left for p in ps]
        partly = tuple((shift_key(s.assistant_pnr, s), stretches(s, ps)) for s, ps in left
                       if stretches(s, ps) != ((0, s.seconds),))
        if partly:
            parts.append((d.id, partly))
        if shifts:
            billed.append((d, shifts))
        else:
            notes.append(f"decision {d.id}: nothing left to bill after leaving out the unbilled kinds"
                         + (" and the hours beyond the granted hours" if month.options.cap_at_granted else ""))
    if not billed:
        return None
    bounds = month_bounds(month.period)
    inv_period = bounds  # the month: its shifts are cut at its boundaries (hours.month_parts)
    lines: list[Line] = []
    for d, shifts in billed:
        lines += hour_lines(d, shifts, m, inv_period, month.findings, first_id=len(lines) + 1)
    ids = ", ".join(d.id for d, _ in group)
    attachments, with_base, shown = _attachments(month, group, ids, comments)
    attachments += added_attachments(month.options)
    parties = month.parties
    draft = InvoiceDraft(
        month=month.period, billed_shifts=tuple((d.id, tuple(shift_key(s.assistant_pnr, s) for s in shifts))
                                                for d, shifts in billed),
        billed_parts=tuple(parts),
        claim_kind=month.kind.value, buyer_name=m.display_name, seller=parties.seller, buyer=parties.buyer,
        buyer_reference=parties.buyer_reference, period=inv_period, issue_date=month.options.issue_date,
        due_date=parties.due_date, payment_terms=parties.payment_terms,
        note=_note(month.kind, ids, month.period, with_base), lines=tuple(lines),
        attachments=tuple(attachments), payment_means=parties.payment_means,
        vat_exemptions=(vat_exemption(),), decision_id=ids, reports=tuple(shown),
    )
    draft = attach_signed(draft, month.options.signed_reports)
    refuse_personal_data(draft, month.persons, month.findings)
    return draft


def _note(kind: DecisionKind, ids: str, period: str, with_base: bool) -> str:
    if kind is DecisionKind.BASE:
        return (f"Personlig assistans enligt 9 § 2 LSS, grundbeslut {ids}, {period}. "
                "Tidrapporter per assistent bifogade.")
    attached = "för utökningen och för grundbeslutet" if with_base else "för utökningen"
    return (f"Tillfällig utökning av personlig assistans, beslut {ids}, {period}: separat faktura för "
            f"utökningen. Tidrapporter {attached} bifogade.")


def _base_shifts(month: _Month, client_pnr: str, ids: str) -> ByAssistant:
    """The client's shifts under base decisions in the month, by assistant; refused
    (``base_timereports_missing``) when there are none."""
    base_ids = {x.id for x in month.decisions if x.kind is DecisionKind.BASE and x.client_pnr == client_pnr}
    base: ByAssistant = {}
    for r in month.selected:
        if r.client.pnr != client_pnr:
            continue
        for s in r.shifts:
            if s.decision_id in base_ids:
                base.setdefault(r.assistant.pnr, (r, []))[1].append(s)
    if not base:
        raise BuildRefused(
            "base_timereports_missing",
            f"the extension invoice for decision {ids} ({month.period}) needs the base decision's time reports "
            "of the same client and month as well (Tjörn: 'Tidsredovisning för grundbeslut'), and none of "
            "the time reports given has shifts under a base decision of that client", month.findings)
    return base


def _attachments(month: _Month, group: list[tuple[Decision, Pairs]], ids: str,
                 comments: dict[int, str]) -> tuple[list[Attachment], bool, list[tuple[str, TimeReport]]]:
    """The time reports of the group's shifts, then (extension, when the buyer asks) the base
    decision's; whether the base decision's are among them; and the reports attached with
    their role (``billed``, ``base``: :mod:`invoices.evidence`)."""
    own: ByAssistant = {}
    for _, pairs in group:
        for r, s in pairs:
            own.setdefault(r.assistant.pnr, (r, []))[1].append(s)
    base: ByAssistant = {}
    if month.kind is DecisionKind.EXTENSION and month.m.extension_needs_base_timereports:
        base = _base_shifts(month, group[0][0].client_pnr, ids)
    period = month.period
    numbering = {pnr: i for i, pnr in enumerate(sorted(set(own) | set(base)), start=1)}
    attachments: list[Attachment] = []
    pdfs: list[Attachment] = []  # each report's PDF copy, after the CSVs (their numbers unchanged)
    for pnr in sorted(own, key=numbering.get):
        r, ss = own[pnr]
        attachments.append(timereport_attachment(
            len(attachments) + 1, period, ids, timereport_csv(r, ss, comments),
            f"Tidrapport {period}, assistent {numbering[pnr]}, {DECISION_LABEL[month.kind]} {ids}"))
        pdfs.append(pdf_twin(attachments[-1], timereport_pdf(r, ss, comments)))
    for pnr in sorted(base, key=numbering.get):
        r, ss = base[pnr]
        base_ids = ", ".join(sorted({s.decision_id for s in ss}))
        base_comments = {id(s): f"underlag: grundbeslut {s.decision_id}, faktureras inte här" for s in ss}
        attachments.append(timereport_attachment(
            len(attachments) + 1, period, f"grundbeslut-{base_ids}", timereport_csv(r, ss, base_comments),
            f"Tidrapport {period}, assistent {numbering[pnr]}, grundbeslut {base_ids} (underlag)"))
        pdfs.append(pdf_twin(attachments[-1], timereport_pdf(r, ss, base_comments)))
    shown = [("billed", own[p][0]) for p in sorted(own, key=numbering.get)]
    shown += [("base", base[p][0]) for p in sorted(base, key=numbering.get)]
    return attachments + pdfs, bool(base), shown
