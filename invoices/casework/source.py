"""The provider side's source checks: the municipal checks themselves, run on the provider's data.

Before a provider invoices, its time reports are judged by the very checks the municipality
runs on the invoice it receives (:func:`invoices.casework.run.run_checks`), so a provider
sees what the case officer will see, by one implementation. The provider's data is put in the
checks' tables (:mod:`invoices.casework.frame`) as the municipality's would be:

* ``shifts`` / ``timereports``: the reports being invoiced on invoice 1 (the one judged);
  every other report given (another client's, another month's) on invoice 2, received
  earlier, as context: overlaps with them and working time across them count, the findings
  are about invoice 1 only;
* ``decisions``: the decisions given;
* ``assistants``: the assistants of the reports as the provider knows them (the 18th birthday
  from the personnummer; outside the EEA when ``lives_in_eea`` is false; the capacity to
  work); the regime is the agreement profile the report's collective agreement names
  (:func:`invoices.agreements.load_profiles`), else arbetstidslagen (``atl``); the calculation
  period the weeks the report states ("4 veckor", "4 weeks"), else the profile's.

No lines and no rates: the checks of money (LSS-CASE-040..044), Försäkringskassan's invoice
and sick-pay claims are the municipality's alone. Codes that have no meaning here are off:
LSS-CASE-013 (not in the register: the provider's assistants are the register),
LSS-CASE-023 (the kind of invoice is the plan's) and LSS-CASE-055 (a provider's report always
names its client; shifts under another client's decision are LSS-SRC-004 already). The provider's codes
(:data:`SOURCE_CODE`) name the same checks; :mod:`invoices.checks` sets their levels.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from ..agreements import Profile
from ..model import Decision, TimeReport
from .frame import connect, create_inputs
from .run import CheckContext, run_checks

__all__ = ["SOURCE_CODE", "SourceCut", "SourceHit", "judge_reports", "judge_reports_cut"]

# The municipal check each provider code is (LSS-CASE-001 and 002 are both overlaps here: a
# shift the provider reports twice, or one that overlaps another report's).
SOURCE_CODE: Mapping[str, str] = {
    "LSS-CASE-030": "LSS-SRC-001", "LSS-CASE-022": "LSS-SRC-002", "LSS-CASE-020": "LSS-SRC-003",
    "LSS-CASE-021": "LSS-SRC-004", "LSS-CASE-010": "LSS-SRC-010", "LSS-CASE-011": "LSS-SRC-011",
    "LSS-CASE-012": "LSS-SRC-012", "LSS-CASE-001": "LSS-SRC-020", "LSS-CASE-002": "LSS-SRC-020",
    "LSS-CASE-050": "LSS-SRC-030", "LSS-CASE-051": "LSS-SRC-031", "LSS-CASE-052": "LSS-SRC-040",
    "LSS-CASE-053": "LSS-SRC-041", "LSS-CASE-054": "LSS-SRC-042",
    "LSS-CASE-061": "LSS-SRC-050", "LSS-CASE-062": "LSS-SRC-051", "LSS-CASE-060": "LSS-SRC-052",
    "LSS-CASE-063": "LSS-SRC-053", "LSS-CASE-064": "LSS-SRC-054", "LSS-CASE-065": "LSS-SRC-055",
}
_OFF = {"LSS-CASE-013": "off", "LSS-CASE-023": "off", "LSS-CASE-055": "off"}
_NOT_EEA = "country not stated"  # the provider knows only that the assistant lives outside the EEA
_FOREVER = (date(1, 1, 1), date(9999, 12, 31))
_REPORT_KEY = re.compile(r":t(\d+)$")
_WEEKS = re.compile(r"^\s*(\d{1,2})\s*(?:veckor|vecka|v\.?|weeks?|w)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class SourceHit:
    """One municipal finding on the provider's invoice, in the provider's terms."""

    code: str  # the provider's code (SOURCE_CODE)
    case_code: str
    basis: str
    message: str
    sources: tuple[str, ...]  # the shifts' sources ("tidrapport.csv row 7"), in shift order
    assistant: str | None  # personnummer of the first shift's assistant (the caller masks it)
    client: str | None


@dataclass(frozen=True)
class SourceCut:
    """A stretch the municipal run cuts from one of the judged shifts: the finding's ``key``
    and ``case_code``, the shift as given, and the cut [``start``, ``end``) in UTC."""

    case_code: str
    key: str
    shift: object  # the judged reports' Shift
    start: object  # datetime
    end: object
    seconds: int


def calculation_weeks(text: str | None) -> int | None:
    """The weeks of a stated calculation period ("4 veckor", "16 weeks"), else None.

    >>> calculation_weeks("4 veckor"), calculation_weeks("16 weeks"), calculation_weeks("en månad")
    (4, 16, None)
    """
    found = _WEEKS.match(text or "")
    return int(found[1]) if found and int(found[1]) > 0 else None


def _regime(report: TimeReport, profiles: Mapping[str, Profile]) -> str:
    agreement = (report.collective_agreement or "").strip().lower()
    return agreement if agreement in profiles else "atl"


def _fill(con: duckdb.DuckDBPyConnection, judged: Sequence[TimeReport], context: Sequence[TimeReport],
          decisions: Sequence[Decision], period: str, profiles: Mapping[str, Profile]) -> list:
    from ..checks import eighteenth_birthday

    create_inputs(con)
    con.executemany("INSERT INTO invoices VALUES (?, ?, ?, ?, 'invoice', NULL, ?, 0, false)",
                    [(1, "(the reports invoiced)", "provider", 2, period),
                     (2, "(the other time reports given)", "provider", 1, period)])
    shifts, reports, people = [], [], {}
    for invoice_id, group in ((1, judged), (2, context)):
        for report in group:
            report_id = len(reports) + 1
            reports.append((report_id, invoice_id, report.assistant.pnr, report.client.pnr, report.month,
                            report.signatures.assistant, report.signatures.supervisor, report.calculation_period,
                            report.collective_agreement, report.collective_agreement_stated, report.kind_stated))
            a = report.assistant
            # A fact the report does not state (None) is not a finding of 9 d § here (it is
            # LSS-SRC-013's, invoices.checks): only a stated "no" is.
            people.setdefault(a.pnr, (a.pnr, *_FOREVER, eighteenth_birthday(a.pnr),
                                      _NOT_EEA if a.lives_in_eea is False else "SE", a.capacity_to_work is not False,
                                      report.related_to_client, report.lives_with_client, None,
                                      _regime(report, profiles), calculation_weeks(report.calculation_period)))
            for s in report.shifts:
                shifts.append((len(shifts) + 1, invoice_id, report_id, s.assistant_pnr, s.client_pnr, s.decision_id,
                               s.kind.value, s.start_utc, s.end_utc, s.source))
    if shifts:
        con.executemany("INSERT INTO shifts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, true, ?)", shifts)
    if reports:
        con.executemany("INSERT INTO timereports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", reports)
    if people:
        con.executemany("INSERT INTO assistants VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(people.values()))
    if decisions:
        con.executemany("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?)", [
            (d.id, d.client_pnr, d.kind.value, d.valid_from, d.valid_to, d.granted_hours, d.granted_per.value)
            for d in {d.id: d for d in reversed(decisions)}.values()])
    return shifts


def judge_reports(judged: Sequence[TimeReport], context: Sequence[TimeReport], decisions: Sequence[Decision],
                  profiles: Mapping[str, Profile], levels: Mapping[str, str] | None = None) -> list[SourceHit]:
    """The municipal checks on the reports ``judged`` (with ``context`` around them), as
    :class:`SourceHit` in the order the municipal run gives its findings.

    ``levels``: the provider's level of each of its codes (``error``, ``warning``, ``off``),
    given to the municipal run as the level of the check it is, so a warning cuts nothing
    (the hours it concerns still count towards the granted hours, LSS-SRC-001) and a code
    that is off is not run into the others either."""
    return judge_reports_cut(judged, context, decisions, profiles, levels)[0]


def judge_reports_cut(judged: Sequence[TimeReport], context: Sequence[TimeReport], decisions: Sequence[Decision],
                      profiles: Mapping[str, Profile], levels: Mapping[str, str] | None = None,
                      cuts_of: str | None = None) -> tuple[list[SourceHit], list[SourceCut]]:
    """:func:`judge_reports`, and the run's exclusive cuts (``r_owned``,
    :mod:`invoices.casework.resolve`) of the municipal check ``cuts_of`` (``LSS-CASE-030``: the
    hours beyond the granted hours, :func:`invoices.casework.decisions.beyond_granted_hours`)
    that fall on the judged shifts, in shift order then time; none without ``cuts_of``. A cut
    is made only at level ``error`` (its provider code's level in ``levels``)."""
    if not judged:
        return [], []
    months = sorted({r.month for r in judged} or {r.month for r in context})
    period = months[-1]
    con = connect()
    try:
        shifts = _fill(con, judged, context, decisions, period, profiles)
        case_levels = {case: (levels or {}).get(src) for case, src in SOURCE_CODE.items()}
        case_levels = {case: level for case, level in case_levels.items() if level} | _OFF
        result = run_checks(con, CheckContext(period=period, profiles=profiles, levels=case_levels))
    finally:
        con.close()
    by_id = {s[0]: s for s in shifts}
    hits = []
    for inv in result.invoices:
        if inv.invoice_id != 1:
            continue
        for f in inv.findings:
            code = SOURCE_CODE.get(f.code)
            if code is None:
                continue
            report = _REPORT_KEY.search(f.key)  # a report's formalities name no shift: its shifts
            own = ([s for s in shifts if s[2] == int(report[1])] if report and not f.shift_ids
                   else [by_id[i] for i in f.shift_ids if i in by_id])
            first = own[0] if own else None
            hits.append(SourceHit(code, f.code, f.basis, f.message, tuple(s[9] for s in own if s[9]),
                                  first[3] if first else None, first[4] if first else None))
    given = [s for r in judged for s in r.shifts]  # shift ids 1..n, in this order (_fill)
    cuts = [SourceCut(cuts_of, key, given[shift_id - 1], start, end, secs)
            for key, shift_id, start, end, secs in sorted(result.cuts, key=lambda c: (c[1], c[2]))
            if cuts_of and key.startswith(cuts_of + ":") and shift_id <= len(given)]
    return hits, cuts
