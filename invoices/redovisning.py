"""The monthly report (redovisning) for a municipality that takes no invoices (Västerås).

Västerås stad: "Redovisning för utförd personlig assistans enligt 9 § 2 LSS sker via
Västerås stads E-tjänst för assistansanordnare. [...] Inga fakturor tas emot." and "För att
få ersättning så måste du skicka in ett redovisningsformulär tillsammans med bifogad
tidsredovisning varje månad" (seed 001). :func:`plan_redovisning` makes, per client, the
report to upload there — as CSV and as XLSX with the same cells — and the time reports to
attach (one CSV per assistant, the format of :mod:`invoices.underlag`). Nothing is written
here; the CLI writes the files.

The report (one sheet; CSV and XLSX hold the same grid, cell for cell)::

    Redovisning av utförd personlig assistans enligt 9 § 2 LSS
    <blank>
    Kommun              <name>   <org nr>
    Utförare            <name>   <org nr>
    Kontaktperson       <name>   <phone>   <e-mail>
    Period              YYYY-MM
    Assistansberättigad <name>
    Personnummer        YYYYMMDD-NNNN
    Beslut              <id> (grundbeslut), ...
    <blank>
    Beslut | Assistent | Personnummer | År | Aktiv tid (h) | Väntetid (h) | Summa (h) |
        Signerad av assistent | Signerad av arbetsledare/ombud | Beräkningsperiod | Kollektivavtal
    one row per decision, assistant and year
    <blank>
    År | Aktiv tid (h) | Väntetid (h) | Summa (h) | Timersättning (kr/h) | Belopp (kr)
    one row per year, then "Totalt"
    <blank>
    Avrundning: ...
    Tidrapporter: ...

The client's and the assistants' names and personnummer are in it: the report goes to the
municipality's case officer, who needs them ("Namn och personnummer på assistansberättigad
ska framgå av tidrapporten"). File names carry the period and the decision id, never a name.

Numbers and rounding
    * Hours per row: the row's shifts summed in whole seconds of real elapsed time (UTC:
      the DST days count 23 h and 25 h), then rounded once to 2 decimals, half-up
      (:func:`invoices.hours.round_hours`).
    * A year's hours (the totals table) are rounded from the *exact* sum of that year's
      seconds, not added up from the rounded rows (they can differ by 0.01 h per row).
    * Amount per year = round(year's total hours × that year's rate, 2), half-up, of the
      rounded hours (:func:`invoices.hours.line_amount`); "Totalt" is the exact sum of the
      year amounts. A shift crossing midnight of 31 December is split there and each part
      is priced at its own year's rate; a year without a sourced rate is refused
      (``rate_unknown``), never guessed.
    * CSV: UTF-8 with BOM, ``;`` delimiter, decimal comma, CRLF — what Swedish Excel opens
      as it is ("CSV UTF-8 (semikolonavgränsad)"). XLSX: real numbers, format ``0.00``.
    * Every cell goes through :mod:`invoices.spreadsheet`: a text from the time report
      (a name, a calculation period, ...) that begins with ``=``, ``+``, ``-``, ``@``, tab or
      carriage return is written as text (a leading ``'`` in the CSV; a string cell with
      ``quotePrefix`` in the XLSX), never as a formula; numbers stay numbers.

The same source checks as for invoices run first (:func:`invoices.drafts.source_checks`),
and kinds the municipality does not bill are refused or, with ``omit_unbilled``, left out
and reported — exactly as for invoices.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .drafts import BuildOptions, BuildRefused, OmittedTime, source_checks
from .hourplans import kind_not_billed, rate_for_year
from .hours import (
    DECISION_LABEL,
    KIND_LABEL,
    KIND_ORDER,
    line_amount,
    month_parts,
    parse_period,
    round_hours,
    shift_sources,
    year_pieces,
)
from .checks import FindingsOutcome, SourceFinding
from .model import Decision, DecisionKind, Provider, Shift, ShiftKind, TimeReport
from .registry import ChannelUnknown, Municipality
from .spreadsheet import csv_row, xlsx_append
from .underlag import format_pnr, safe_filename_part, timereport_csv

__all__ = ["ClientReport", "RedovisningPlan", "plan_redovisning", "HEADER_ASSISTANTS", "HEADER_YEARS"]

TITLE = "Redovisning av utförd personlig assistans enligt 9 § 2 LSS"
HEADER_ASSISTANTS = ("Beslut", "Assistent", "Personnummer", "År", "Aktiv tid (h)", "Väntetid (h)", "Summa (h)",
                     "Signerad av assistent", "Signerad av arbetsledare/ombud", "Beräkningsperiod",
                     "Kollektivavtal")
HEADER_YEARS = ("År", "Aktiv tid (h)", "Väntetid (h)", "Summa (h)", "Timersättning (kr/h)", "Belopp (kr)")
ROUNDING_NOTE = ("Avrundning: timmar summeras i sekunder och avrundas till två decimaler (half-up); "
                 "belopp = avrundade timmar × årets timersättning, avrundat till hela ören (half-up).")
KINDS = (DecisionKind.BASE, DecisionKind.EXTENSION)

Cell = str | Decimal | int | None


def _org(org: str) -> str:
    return f"{org[:6]}-{org[6:]}"


def _yes(value: bool) -> str:
    return "ja" if value else "nej"


@dataclass(frozen=True)
class ClientReport:
    """The monthly report of one client: the grid, and the time reports to attach."""

    period: str
    decision_ids: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total_hours: Decimal
    total_amount: Decimal
    timereports: tuple[tuple[str, bytes], ...]   # (file name, CSV bytes)

    @property
    def stem(self) -> str:
        """``redovisning-<period>-<first decision id>``: no name, no personnummer."""
        return f"redovisning-{self.period}-{safe_filename_part(self.decision_ids[0])}"

    def csv_bytes(self) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        for row in self.rows:
            writer.writerow(csv_row(row, decimal_comma=True))
        return ("\ufeff" + buf.getvalue()).encode("utf-8")

    def xlsx_bytes(self) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "Redovisning"
        bold = Font(bold=True)
        for row in self.rows:
            cells = xlsx_append(ws, row)
            for cell, value in zip(cells, row):
                if isinstance(value, Decimal):
                    cell.number_format = "0.00"
            if row and (row[0] in (TITLE, "Totalt") or tuple(row) in (HEADER_ASSISTANTS, HEADER_YEARS)):
                for cell in cells:
                    cell.font = bold
        for letter, width in zip("ABCDEFGHIJK", (22, 26, 16, 8, 14, 14, 12, 22, 30, 18, 36)):
            ws.column_dimensions[letter].width = width
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


@dataclass
class RedovisningPlan(FindingsOutcome):
    municipality: str
    period: str
    reports: list[ClientReport]
    findings: list[SourceFinding] = field(default_factory=list)
    omitted: list[OmittedTime] = field(default_factory=list)


def plan_redovisning(provider: Provider, reports: Sequence[TimeReport], decisions: Sequence[Decision],
                     municipality: Municipality, period: str,
                     options: BuildOptions | None = None) -> RedovisningPlan:
    """The month's report per client for a municipality that takes reports, not invoices
    (base decisions and temporary extensions: "Vid tillfällig utökning [...] gäller samma
    rutin", seed 001). A municipality that takes invoices is refused (``invoices_taken``):
    use :func:`invoices.hourplans.plan_invoices` for it."""
    options = options or BuildOptions(issue_date=date.today())
    m = municipality
    try:
        takes_invoices = m.accepts_invoices(DecisionKind.BASE)
    except ChannelUnknown as exc:
        raise BuildRefused("channel_unknown", str(exc)) from None
    if takes_invoices:
        raise BuildRefused(
            "invoices_taken",
            f"{m.display_name} takes invoices, not a monthly report: use `lssinvoice invoice create "
            f"--municipality {m.slug} ...`")
    period = parse_period(period)
    here = [d for d in decisions if m.matches(d.municipality) and d.kind in KINDS]
    by_id = {d.id: d for d in here}
    clients = {d.client_pnr for d in decisions if m.matches(d.municipality)}
    # The month's shifts in real time, whichever report holds them (invoices.hours.month_parts);
    # every other report given, and the parts outside the month, are context: working time
    # counts all of an assistant's work (9 d § 4 LSS) and its limits run over calculation periods.
    inside, outside = month_parts(reports, period)
    selected = [r for r in inside if r.client.pnr in clients]
    context = [r for r in inside if r.client.pnr not in clients] + outside
    policy = options.policy.under({code: level.value for code, level in m.source_levels.items()})
    findings = source_checks(selected, selected + context, decisions, policy)

    # client -> [(report, shift)] under this municipality's decisions
    per_client: dict[str, list[tuple[TimeReport, Shift]]] = defaultdict(list)
    for r in selected:
        for s in r.shifts:
            d = by_id.get(s.decision_id)
            if d is not None and d.client_pnr == s.client_pnr:
                per_client[r.client.pnr].append((r, s))
    if not per_client:
        raise BuildRefused(
            "nothing_to_bill",
            f"{m.display_name}: no shifts in {period} under a decision of this municipality "
            f"(decisions given for it: {', '.join(by_id) or 'none'})", findings)

    unbilled = [s for pairs in per_client.values() for _, s in pairs if not m.bills(s.kind)]
    omitted: list[OmittedTime] = []
    if unbilled:
        kinds = [k for k in KIND_ORDER if any(s.kind is k for s in unbilled)]
        if not options.omit_unbilled:
            raise kind_not_billed(m, unbilled, "reported", findings)
        for k in kinds:
            for decision_id in sorted({s.decision_id for s in unbilled if s.kind is k}):
                ss = [s for s in unbilled if s.kind is k and s.decision_id == decision_id]
                omitted.append(OmittedTime(decision_id, k, len(ss), round_hours(sum(s.seconds for s in ss)),
                                           shift_sources(ss), f"{m.display_name} has no sourced rule for {k.value} time"))

    out: list[ClientReport] = []
    for client_pnr in sorted(per_client):
        pairs = per_client[client_pnr]
        out.append(_client_report(provider, m, period, pairs, by_id, findings))
    return RedovisningPlan(m.display_name, period, out, findings, omitted)


def _client_report(provider: Provider, m: Municipality, period: str,
                   pairs: list[tuple[TimeReport, Shift]], by_id: dict[str, Decision],
                   findings: Sequence[SourceFinding]) -> ClientReport:
    client = pairs[0][0].client
    billed = [(r, s) for r, s in pairs if m.bills(s.kind)]
    decision_ids = tuple(sorted({s.decision_id for _, s in pairs},
                                key=lambda i: (by_id[i].kind is not DecisionKind.BASE, i)))

    # seconds per (decision, assistant, year, kind) and per (year, kind)
    row_secs: dict[tuple[str, str, int], dict[ShiftKind, int]] = defaultdict(lambda: defaultdict(int))
    year_secs: dict[int, dict[ShiftKind, int]] = defaultdict(lambda: defaultdict(int))
    report_of: dict[str, TimeReport] = {}
    for r, s in billed:
        report_of.setdefault(r.assistant.pnr, r)
        for year, secs in year_pieces(s):
            row_secs[(s.decision_id, r.assistant.pnr, year)][s.kind] += secs
            year_secs[year][s.kind] += secs
    rates = {year: rate_for_year(m, year, findings) for year in sorted(year_secs)}

    rows: list[tuple[Cell, ...]] = [
        (TITLE,),
        (),
        ("Kommun", m.display_name, m.org_nr_display),
        ("Utförare", provider.name, _org(provider.org_nr)),
        ("Kontaktperson", provider.contact.name, provider.contact.phone or "", provider.contact.email or ""),
        ("Period", period),
        ("Assistansberättigad", client.name),
        ("Personnummer", format_pnr(client.pnr)),
        ("Beslut", ", ".join(f"{i} ({DECISION_LABEL[by_id[i].kind]})" for i in decision_ids)),
        (),
        HEADER_ASSISTANTS,
    ]
    order = sorted(row_secs, key=lambda k: (decision_ids.index(k[0]), report_of[k[1]].assistant.name, k[1], k[2]))
    for decision_id, pnr, year in order:
        secs = row_secs[(decision_id, pnr, year)]
        r = report_of[pnr]
        active = secs.get(ShiftKind.ACTIVE, 0)
        waiting = secs.get(ShiftKind.WAITING, 0)
        total = sum(secs.values())
        if r.collective_agreement:
            agreement = r.collective_agreement
        elif r.collective_agreement_stated:
            agreement = "inget"
        else:
            agreement = "ej angivet"
        rows.append((decision_id, r.assistant.name, format_pnr(r.assistant.pnr), str(year),
                     round_hours(active), round_hours(waiting), round_hours(total),
                     _yes(r.signatures.assistant), _yes(r.signatures.supervisor),
                     r.calculation_period or "ej angiven", agreement))
    rows += [(), HEADER_YEARS]
    total_amount = Decimal("0.00")
    total_secs = {ShiftKind.ACTIVE: 0, ShiftKind.WAITING: 0}
    all_secs = 0
    for year, secs in sorted(year_secs.items()):
        hours = round_hours(sum(secs.values()))
        amount = line_amount(hours, rates[year])
        total_amount += amount
        for k in total_secs:
            total_secs[k] += secs.get(k, 0)
        all_secs += sum(secs.values())
        rows.append((str(year), round_hours(secs.get(ShiftKind.ACTIVE, 0)), round_hours(secs.get(ShiftKind.WAITING, 0)),
                     hours, rates[year].quantize(Decimal("0.01")), amount))
    total_hours = round_hours(all_secs)
    rows.append(("Totalt", round_hours(total_secs[ShiftKind.ACTIVE]), round_hours(total_secs[ShiftKind.WAITING]),
                 total_hours, None, total_amount))
    # Say "signed by both" only when every report is: a report that is not (its check turned
    # down to a warning, say) is named by its row instead.
    unsigned = sorted({report_of[pnr].assistant.name for _, pnr, _ in order
                       if not (report_of[pnr].signatures.assistant and report_of[pnr].signatures.supervisor)})
    signed = ("signerade av assistent och arbetsledare/ombud." if not unsigned else
              "se kolumnerna Signerad av assistent och Signerad av arbetsledare/ombud: inte signerade av båda: "
              + ", ".join(unsigned) + ".")
    rows += [(), (ROUNDING_NOTE,),
             ("Tidrapporter: en per assistent bifogas i e-tjänsten (filerna tidrapport-*.csv), " + signed,)]

    # the time reports to attach, one per assistant, numbered (no names in file names)
    comments = {id(s): f"ej redovisad: {KIND_LABEL[s.kind]} (ingen regel hos {m.display_name})"
                for _, s in pairs if not m.bills(s.kind)}
    by_assistant: dict[str, tuple[TimeReport, list[Shift]]] = {}
    for r, s in pairs:
        by_assistant.setdefault(r.assistant.pnr, (r, []))[1].append(s)
    files = []
    for i, pnr in enumerate(sorted(by_assistant), start=1):
        r, ss = by_assistant[pnr]
        name = f"tidrapport-{period}-{safe_filename_part(decision_ids[0])}-{i:02d}.csv"
        files.append((name, timereport_csv(r, ss, comments)))
    return ClientReport(period, decision_ids, tuple(rows), total_hours, total_amount, tuple(files))
