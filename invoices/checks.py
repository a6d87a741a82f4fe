"""Checks at the source: what the municipality would refuse, found before anything is written.

Each check is a small function named from the domain that returns :class:`SourceFinding`
objects at the code's *default* severity; :func:`run_checks` runs them all and applies a
:class:`CheckPolicy` (each code: ``error``, ``warning`` or ``off``). Findings name the
source rows (``where``) and show only masked personnummer.

Codes (default level):

=============  =======  ==========================================================================
LSS-SRC-001    error    hours billed under a decision beyond the granted hours per week/month/period
LSS-SRC-002    error    a shift (partly) outside the decision's valid period
LSS-SRC-003    error    a shift names a decision that is not among the decisions given
LSS-SRC-004    error    a shift names a decision granted to another client
LSS-SRC-010    error    assistant under 18 on the day of the work (9 d § 1 LSS)
LSS-SRC-011    error    assistant lives outside the EEA (9 d § 2 LSS)
LSS-SRC-012    error    assistant lacks the capacity to work as an assistant (9 d § 3 LSS)
LSS-SRC-020    error    one assistant's shifts overlap in time (across all clients and reports)
LSS-SRC-030    error    time report not signed by the assistant
LSS-SRC-031    warning  time report not signed by the supervisor / ombud
LSS-SRC-040    warning  active and waiting time not separated (legacy report without ``kind``)
LSS-SRC-041    warning  time report does not state the calculation period
LSS-SRC-042    warning  time report does not state whether a collective agreement applies
LSS-SRC-050    warning  daily rest under 11 consecutive hours (9 d § 4 LSS, arbetstidslagen 13 §)
LSS-SRC-051    warning  weekly rest under 36 consecutive hours (9 d § 4 LSS, arbetstidslagen 14 §)
=============  =======  ==========================================================================

Definitions, where the domain leaves room:

* Hours are real elapsed time, summed in whole seconds (no rounding before the comparison).
* LSS-SRC-001 counts every kind of time (active, waiting, on-call, standby) unless ``kinds``
  is given: every row of a time report is billed time. Shifts of ALL assistants naming the
  decision count. Only the part of a shift inside the decision's period counts (the rest is
  LSS-SRC-002), and a shift crossing a unit boundary (Monday 00:00, the 1st 00:00, local
  time) is split there. The cap is the same for every unit, partial ones included (a decision
  starting on a Wednesday still allows its weekly hours in that first week: no pro-rating).
  Only the shifts in the data given are counted: an ISO week straddling two months is
  checked with the shifts present, and the message names the ISO week and its dates.
* LSS-SRC-002 compares the shift with ``valid_from 00:00`` .. ``valid_to + 1 day 00:00``
  local time. Shifts for an unknown decision (003) or another client's decision (004) are not
  counted against any decision.
* LSS-SRC-010: the 18th birthday counts as 18; a shift is by a minor if it *starts* before
  that day. A person born on 29 February turns 18 on 1 March in a common year (the
  conservative reading: the later day). The message names the birthday relative to the
  shift ("turns 18 3 days after this shift"), never the date: a date of birth is personal
  data.
* LSS-SRC-020: shifts that touch (one ends when the next starts) do not overlap; an
  identical shift reported twice does.
* LSS-SRC-040..042 read the statements the reader recorded: ``kind_stated`` (False for a
  legacy file without the ``kind`` column), ``calculation_period`` (blank = not stated) and
  ``collective_agreement_stated`` (blank = not stated; ``none`` is a statement).
* LSS-SRC-050/051 (rest): an assistant's work is the union of the shifts of every report
  given, all clients together ("all work of the assistant counts, whichever client", Tjörn);
  active, waiting (väntetid) and on-call (jour) time are work, standby (beredskap) is not.
  Each 24-hour period starting when a stretch of work starts must hold 11 consecutive
  hours without work, and each 7-day period so starting 36 hours; time with no shift in the
  data counts as rest, so the edges of the data never make a finding. Consecutive periods
  that fail are reported as one finding. These are warnings by default: a collective
  agreement may set other rest rules (the finding names the one the report states), and in
  personal assistance many do; ``--check LSS-SRC-050=error`` refuses instead.
  The other limits of the working-time acts (ordinary and overtime hours, 48 h per week on
  average over 4 months, the household work act) need the whole calculation period and the
  contract, which the time reports of one month do not give: they are not checked here.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, NamedTuple

from .model import STOCKHOLM, Decision, GrantedPer, Shift, ShiftKind, TimeReport, birth_date, mask_pnr

__all__ = [
    "SourceFinding",
    "CheckPolicy",
    "CODES",
    "DEFAULT_LEVELS",
    "hours_beyond_decision",
    "assistant_under_18",
    "eighteenth_birthday",
    "assistant_outside_eea",
    "assistant_lacks_capacity",
    "overlapping_shifts",
    "unsigned_reports",
    "missing_active_waiting_split",
    "missing_calculation_period",
    "missing_collective_agreement_statement",
    "rest_violations",
    "run_checks",
]

Severity = Literal["error", "warning"]
Level = Literal["error", "warning", "off"]
LEVELS = ("error", "warning", "off")

# code -> (default level, title)
CODES: Mapping[str, tuple[Level, str]] = MappingProxyType({
    "LSS-SRC-001": ("error", "hours beyond the decision"),
    "LSS-SRC-002": ("error", "shift outside the decision's period"),
    "LSS-SRC-003": ("error", "unknown decision"),
    "LSS-SRC-004": ("error", "decision for another client"),
    "LSS-SRC-010": ("error", "assistant under 18 (9 d § 1 LSS)"),
    "LSS-SRC-011": ("error", "assistant lives outside the EEA (9 d § 2 LSS)"),
    "LSS-SRC-012": ("error", "assistant lacks capacity to work (9 d § 3 LSS)"),
    "LSS-SRC-020": ("error", "overlapping shifts"),
    "LSS-SRC-030": ("error", "not signed by the assistant"),
    "LSS-SRC-031": ("warning", "not signed by the supervisor or ombud"),
    "LSS-SRC-040": ("warning", "active and waiting time not separated"),
    "LSS-SRC-041": ("warning", "calculation period not stated"),
    "LSS-SRC-042": ("warning", "collective agreement not stated"),
    "LSS-SRC-050": ("warning", "daily rest under 11 h (9 d § 4 LSS, arbetstidslagen 13 §)"),
    "LSS-SRC-051": ("warning", "weekly rest under 36 h (9 d § 4 LSS, arbetstidslagen 14 §)"),
})
DEFAULT_LEVELS: Mapping[str, Level] = MappingProxyType({c: lvl for c, (lvl, _) in CODES.items()})


@dataclass(frozen=True, slots=True)
class SourceFinding:
    """One problem in the source data. ``assistant``/``client`` are masked personnummer."""

    code: str
    severity: Severity
    message: str
    where: str = ""        # "timereports.csv row 7", or several joined with "; "
    assistant: str = ""
    client: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        at = f" ({self.where})" if self.where else ""
        return f"{self.severity.upper()} {self.code}: {self.message}{at}"


class FindingsOutcome:
    """Mixin for a plan that carries source findings (``self.findings``): errors stop it."""

    findings: list[SourceFinding]

    @property
    def errors(self) -> list[SourceFinding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[SourceFinding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class CheckPolicy:
    """The level of each code: ``error``, ``warning`` or ``off``. Codes not given keep their
    default; an unknown code or level is a ValueError (a typo must not silently do nothing)."""

    overrides: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clean: dict[str, str] = {}
        for code, level in self.overrides.items():
            if code not in CODES:
                raise ValueError(f"unknown check code {code!r}; the codes are {', '.join(CODES)}")
            lvl = str(level).strip().lower()
            if lvl not in LEVELS:
                raise ValueError(f"{code}: level must be one of {', '.join(LEVELS)}, not {level!r}")
            clean[code] = lvl
        object.__setattr__(self, "overrides", MappingProxyType(clean))

    def level(self, code: str) -> Level:
        return self.overrides.get(code, DEFAULT_LEVELS[code])  # type: ignore[return-value]

    def levels(self) -> dict[str, Level]:
        return {code: self.level(code) for code in CODES}

    def with_levels(self, overrides: Mapping[str, str]) -> "CheckPolicy":
        return CheckPolicy({**self.overrides, **overrides})

    def apply(self, findings: Iterable[SourceFinding]) -> list[SourceFinding]:
        out = []
        for f in findings:
            lvl = self.level(f.code)
            if lvl == "off":
                continue
            out.append(f if f.severity == lvl else SourceFinding(
                f.code, lvl, f.message, f.where, f.assistant, f.client))  # type: ignore[arg-type]
        return out


def _finding(code: str, message: str, where: str = "", assistant: str = "", client: str = "") -> SourceFinding:
    return SourceFinding(code, DEFAULT_LEVELS[code], message, where,  # type: ignore[arg-type]
                         mask_pnr(assistant) if assistant else "", mask_pnr(client) if client else "")


def _hours(seconds: int) -> str:
    return f"{Decimal(seconds) / Decimal(3600):.2f} h"


def _fmt_hours(value: Decimal) -> str:
    return f"{value.normalize():f} h"


def _local_midnight(day: date) -> datetime:
    """00:00 local time on ``day``, in UTC (aware datetimes sharing one tzinfo subtract on
    their wall clocks, so all arithmetic here is done in UTC)."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(timezone.utc)


def _span(shift: Shift) -> str:
    s, e = shift.start, shift.end
    end = f"{e:%H:%M}" if e.date() == s.date() else f"{e:%Y-%m-%d %H:%M}"
    return f"{s:%Y-%m-%d %H:%M}–{end}"


# --------------------------------------------------------------------- decisions (001-004)

def _unit_of(moment: datetime, per: GrantedPer) -> tuple:
    d = moment.astimezone(STOCKHOLM).date()
    if per is GrantedPer.WEEK:
        iso = d.isocalendar()
        return (iso.year, iso.week)
    if per is GrantedPer.MONTH:
        return (d.year, d.month)
    return ("period",)


def _unit_end(unit: tuple, per: GrantedPer) -> datetime | None:
    if per is GrantedPer.WEEK:
        return _local_midnight(date.fromisocalendar(unit[0], unit[1], 1) + timedelta(days=7))
    if per is GrantedPer.MONTH:
        y, m = unit
        return _local_midnight(date(y + (m == 12), m % 12 + 1, 1))
    return None


def _unit_name(unit: tuple, per: GrantedPer) -> str:
    if per is GrantedPer.WEEK:
        monday = date.fromisocalendar(unit[0], unit[1], 1)
        sunday = monday + timedelta(days=6)
        straddles = " (the week straddles two months; only the shifts in the data given count)" \
            if monday.month != sunday.month else ""
        return f"ISO week {unit[0]}-W{unit[1]:02d} ({monday}–{sunday}){straddles}"
    if per is GrantedPer.MONTH:
        return f"calendar month {unit[0]}-{unit[1]:02d}"
    return "the decision period"


def _split_seconds(start: datetime, end: datetime, per: GrantedPer) -> Iterable[tuple[tuple, int]]:
    """(unit, seconds) pieces of [start, end), cut at unit boundaries (local midnight)."""
    cur, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    while cur < end:
        unit = _unit_of(cur, per)
        boundary = _unit_end(unit, per)
        piece_end = end if boundary is None or boundary >= end else boundary
        yield unit, int((piece_end - cur).total_seconds())
        cur = piece_end


def hours_beyond_decision(reports: Iterable[TimeReport], decisions: Iterable[Decision],
                          kinds: Iterable[ShiftKind] | None = None) -> list[SourceFinding]:
    """LSS-SRC-001..004: shifts against the decisions they name (see module notes)."""
    by_id: dict[str, Decision] = {}
    for d in decisions:
        by_id.setdefault(d.id, d)
    counted = set(kinds) if kinds is not None else set(ShiftKind)
    findings: list[SourceFinding] = []
    # decision id -> unit -> seconds; and the sources that contributed
    totals: dict[str, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    sources: dict[str, dict[tuple, list[str]]] = defaultdict(lambda: defaultdict(list))
    for report in reports:
        for shift in report.shifts:
            a, c = shift.assistant_pnr, shift.client_pnr
            d = by_id.get(shift.decision_id)
            if d is None:
                findings.append(_finding(
                    "LSS-SRC-003",
                    f"shift {_span(shift)} names decision {shift.decision_id!r}, "
                    "which is not among the decisions given", shift.source, a, c))
                continue
            if d.client_pnr != shift.client_pnr:
                findings.append(_finding(
                    "LSS-SRC-004",
                    f"shift {_span(shift)} names decision {d.id!r}, which was granted to client "
                    f"{mask_pnr(d.client_pnr)}, not to this shift's client {mask_pnr(c)}",
                    shift.source, a, c))
                continue
            period_start = _local_midnight(d.valid_from)
            period_end = _local_midnight(d.valid_to + timedelta(days=1))
            start, end = shift.start_utc, shift.end_utc
            inside_start = max(start, period_start)
            inside_end = min(end, period_end)
            if start < period_start or end > period_end:
                outside = (end - start).total_seconds() - max(0, (inside_end - inside_start).total_seconds())
                findings.append(_finding(
                    "LSS-SRC-002",
                    f"shift {_span(shift)}: {_hours(int(outside))} outside decision {d.id!r}'s "
                    f"period {d.valid_from}–{d.valid_to}", shift.source, a, c))
            if shift.kind not in counted or inside_end <= inside_start:
                continue
            for unit, seconds in _split_seconds(inside_start, inside_end, d.granted_per):
                totals[d.id][unit] += seconds
                sources[d.id][unit].append(shift.source)
    for decision_id, units in totals.items():
        d = by_id[decision_id]
        limit_seconds = d.granted_hours * 3600
        for unit in sorted(units):
            seconds = units[unit]
            if seconds > limit_seconds:
                over = (Decimal(seconds) - limit_seconds) / 3600
                findings.append(_finding(
                    "LSS-SRC-001",
                    f"decision {d.id!r}: {_hours(seconds)} billed in {_unit_name(unit, d.granted_per)}, "
                    f"granted {_fmt_hours(d.granted_hours)} per {d.granted_per.value}; "
                    f"{over:.2f} h beyond the decision",
                    _where(sources[decision_id][unit]), "", d.client_pnr))
    return findings


def _where(sources: list[str], limit: int = 5) -> str:
    unique = list(dict.fromkeys(s for s in sources if s))
    shown = "; ".join(unique[:limit])
    return shown + (f"; and {len(unique) - limit} more" if len(unique) > limit else "")


# ---------------------------------------------------------------- the assistant (010-012)

def eighteenth_birthday(pnr: str) -> date:
    """The day the person turns 18 (29 February -> 1 March in a common year)."""
    born = birth_date(pnr)
    year = born.year + 18
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return born.replace(year=year)


def assistant_under_18(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-010: one finding per shift starting before the assistant's 18th birthday."""
    findings = []
    for report in reports:
        adult_from = eighteenth_birthday(report.assistant.pnr)
        for shift in report.shifts:
            days = (adult_from - shift.start.astimezone(STOCKHOLM).date()).days
            if days > 0:
                findings.append(_finding(
                    "LSS-SRC-010",
                    f"shift {_span(shift)} by an assistant who turns 18 {days} day{'s' if days != 1 else ''} "
                    "after this shift: not a cost of personal assistance (9 d § 1 LSS)",
                    shift.source, report.assistant.pnr, report.client.pnr))
    return findings


def _report_where(report: TimeReport) -> str:
    return _where([s.source for s in report.shifts], limit=3)


def assistant_outside_eea(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-011: one finding per report of an assistant registered as living outside the EEA."""
    return [_finding(
        "LSS-SRC-011",
        f"time report {r.month}: the assistant lives outside the EEA; the "
        f"{_hours(sum(s.seconds for s in r.shifts))} are not a cost of personal assistance (9 d § 2 LSS)",
        _report_where(r), r.assistant.pnr, r.client.pnr)
        for r in reports if not r.assistant.lives_in_eea]


def assistant_lacks_capacity(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-012: one finding per report of an assistant registered as lacking capacity."""
    return [_finding(
        "LSS-SRC-012",
        f"time report {r.month}: the assistant is registered as lacking the capacity to work as "
        f"a personal assistant; the {_hours(sum(s.seconds for s in r.shifts))} are not a cost "
        "of personal assistance (9 d § 3 LSS)",
        _report_where(r), r.assistant.pnr, r.client.pnr)
        for r in reports if not r.assistant.capacity_to_work]


# ------------------------------------------------------------------------- overlaps (020)

def overlapping_shifts(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-020: one finding per pair of one assistant's shifts that overlap in time."""
    by_assistant: dict[str, list[Shift]] = defaultdict(list)
    for r in reports:
        by_assistant[r.assistant.pnr].extend(r.shifts)
    findings = []
    for pnr, shifts in by_assistant.items():
        ordered = sorted(shifts, key=lambda s: (s.start_utc, s.end_utc, s.source))
        open_: list[Shift] = []
        for shift in ordered:
            open_ = [o for o in open_ if o.end_utc > shift.start_utc]
            for other in open_:
                overlap = int((min(other.end_utc, shift.end_utc) - shift.start_utc).total_seconds())
                other_client = "" if other.client_pnr == shift.client_pnr else \
                    f" (client {mask_pnr(other.client_pnr)})"
                findings.append(_finding(
                    "LSS-SRC-020",
                    f"shift {_span(shift)} overlaps shift {_span(other)}{other_client} "
                    f"of the same assistant by {_hours(overlap)}",
                    _where([other.source, shift.source]), pnr, shift.client_pnr))
            open_.append(shift)
    return findings


# ------------------------------------------------------------- the report itself (030-042)

def unsigned_reports(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-030 (assistant) and LSS-SRC-031 (supervisor/ombud) signatures missing."""
    findings = []
    for r in reports:
        if not r.signatures.assistant:
            findings.append(_finding("LSS-SRC-030", f"time report {r.month} is not signed by the assistant",
                                     _report_where(r), r.assistant.pnr, r.client.pnr))
        if not r.signatures.supervisor:
            findings.append(_finding("LSS-SRC-031",
                                     f"time report {r.month} is not signed by the supervisor or ombud",
                                     _report_where(r), r.assistant.pnr, r.client.pnr))
    return findings


def missing_active_waiting_split(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-040: the report does not separate active and waiting time (legacy file
    without the ``kind`` column, whose rows were read as active time)."""
    return [_finding("LSS-SRC-040",
                     f"time report {r.month} does not show active and waiting time separately "
                     "(no 'kind' column; all time was read as active)",
                     _report_where(r), r.assistant.pnr, r.client.pnr)
            for r in reports if not r.kind_stated]


def missing_calculation_period(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-041: the report does not say which calculation period applies."""
    return [_finding("LSS-SRC-041",
                     f"time report {r.month} does not state the assistant's calculation period",
                     _report_where(r), r.assistant.pnr, r.client.pnr)
            for r in reports if not (r.calculation_period or "").strip()]


def missing_collective_agreement_statement(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-042: the report does not say whether a collective agreement applies."""
    return [_finding("LSS-SRC-042",
                     f"time report {r.month} does not state whether a collective agreement "
                     "covers the assistant (write the agreement, or 'none')",
                     _report_where(r), r.assistant.pnr, r.client.pnr)
            for r in reports if not r.collective_agreement_stated]


# ------------------------------------------------------------------------------------ all

# ------------------------------------------------------------------ rest (050-051)

WORKING_KINDS = frozenset({ShiftKind.ACTIVE, ShiftKind.WAITING, ShiftKind.ON_CALL})


class RestRule(NamedTuple):
    period: timedelta  # each period of this length, from the start of a stretch of work …
    minimum: timedelta  # … holds this much consecutive time without work
    code: str
    name: str
    span: str  # the period, as the message says it
    source: str


DAILY_REST = RestRule(timedelta(hours=24), timedelta(hours=11), "LSS-SRC-050", "daily rest", "24 h",
                      "arbetstidslagen 13 §")
WEEKLY_REST = RestRule(timedelta(days=7), timedelta(hours=36), "LSS-SRC-051", "weekly rest", "7 days",
                       "arbetstidslagen 14 §")


def _work_stretches(shifts: Iterable[Shift]) -> list[tuple[datetime, datetime, list[str]]]:
    """The union of the working shifts, in UTC: (start, end, sources) per unbroken stretch."""
    stretches: list[tuple[datetime, datetime, list[str]]] = []
    for shift in sorted((s for s in shifts if s.kind in WORKING_KINDS), key=lambda s: s.start_utc):
        if stretches and shift.start_utc <= stretches[-1][1]:
            start, end, sources = stretches[-1]
            stretches[-1] = (start, max(end, shift.end_utc), sources + [shift.source])
        else:
            stretches.append((shift.start_utc, shift.end_utc, [shift.source]))
    return stretches


def _longest_rest(stretches, first: int, period: timedelta) -> tuple[timedelta, int]:
    """The longest time without work in ``period`` from the start of stretch ``first``
    (rest after the data counts), and the index of the last stretch inside it."""
    window_end = stretches[first][0] + period
    longest, last = timedelta(0), first
    while last + 1 < len(stretches) and stretches[last + 1][0] < window_end:
        longest = max(longest, stretches[last + 1][0] - stretches[last][1])
        last += 1
    return max(longest, window_end - min(stretches[last][1], window_end)), last


def _rest_findings(stretches, rule: RestRule, assistant: str, agreement: str | None) -> list[SourceFinding]:
    period, minimum, code, name, span, source = rule
    findings: list[SourceFinding] = []
    run: list[tuple[int, int, timedelta]] = []  # consecutive failing periods: (first, last, longest)

    def flush() -> None:
        if not run:
            return
        first, last = run[0][0], run[-1][1]  # later periods reach no fewer stretches
        worst = min(r[2] for r in run)
        begin = stretches[first][0].astimezone(STOCKHOLM)
        starts = f"from {begin:%Y-%m-%d %H:%M}" if len(run) == 1 else \
            f"starting {begin:%Y-%m-%d %H:%M} … {stretches[run[-1][0]][0].astimezone(STOCKHOLM):%Y-%m-%d %H:%M}"
        message = (f"{name}: in the {span} {starts} the longest time without work is "
                   f"{_hours(int(worst.total_seconds()))} (at least {_hours(int(minimum.total_seconds()))}, "
                   f"{source}; 9 d § 4 LSS: such work is not a cost of personal assistance)")
        # The shifts of the periods, and the next one when it starts right at a period's end
        # (then it is what cut the rest short).
        upto = last + 1 if last + 1 < len(stretches) and \
            stretches[last + 1][0] <= stretches[run[-1][0]][0] + period else last
        where = _where([src for i in range(first, upto + 1) for src in stretches[i][2]])
        if agreement:
            message += f"; the collective agreement {agreement!r} may allow it: check it does"
        findings.append(_finding(code, message, where, assistant))
        run.clear()

    for first in range(len(stretches)):
        longest, last = _longest_rest(stretches, first, period)
        if longest < minimum:
            run.append((first, last, longest))
        else:
            flush()
    flush()
    return findings


def rest_violations(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-050/051: an assistant's daily rest of 11
    consecutive hours per 24 hours and weekly rest of 36 consecutive hours per 7 days
    (arbetstidslagen 1982:673, 13 § and 14 §), across all clients: work beyond the limits of
    the working-time acts is not a cost of personal assistance (9 d § 4 LSS)."""
    shifts: dict[str, list[Shift]] = defaultdict(list)
    agreements: dict[str, str | None] = {}
    for r in reports:
        shifts[r.assistant.pnr].extend(r.shifts)
        if r.collective_agreement and not agreements.get(r.assistant.pnr):
            agreements[r.assistant.pnr] = r.collective_agreement
    findings = []
    for pnr, own in shifts.items():
        stretches = _work_stretches(own)
        for rule in (DAILY_REST, WEEKLY_REST):
            findings += _rest_findings(stretches, rule, pnr, agreements.get(pnr))
    return findings


_CHECKS: tuple[tuple[tuple[str, ...], Callable[..., list[SourceFinding]], bool], ...] = (
    (("LSS-SRC-001", "LSS-SRC-002", "LSS-SRC-003", "LSS-SRC-004"), hours_beyond_decision, True),
    (("LSS-SRC-010",), assistant_under_18, False),
    (("LSS-SRC-011",), assistant_outside_eea, False),
    (("LSS-SRC-012",), assistant_lacks_capacity, False),
    (("LSS-SRC-020",), overlapping_shifts, False),
    (("LSS-SRC-030", "LSS-SRC-031"), unsigned_reports, False),
    (("LSS-SRC-040",), missing_active_waiting_split, False),
    (("LSS-SRC-041",), missing_calculation_period, False),
    (("LSS-SRC-042",), missing_collective_agreement_statement, False),
    (("LSS-SRC-050", "LSS-SRC-051"), rest_violations, False),
)


def run_checks(reports: Iterable[TimeReport], decisions: Iterable[Decision],
               policy: CheckPolicy | None = None) -> list[SourceFinding]:
    """Every check, with ``policy`` applied (default levels when None); findings ordered by
    code, then in the order the check found them."""
    policy = policy or CheckPolicy()
    reports = list(reports)
    decisions = list(decisions)
    found: list[SourceFinding] = []
    for codes, check, needs_decisions in _CHECKS:
        if all(policy.level(c) == "off" for c in codes):
            continue
        found.extend(check(reports, decisions) if needs_decisions else check(reports))
    found = policy.apply(found)
    return sorted(found, key=lambda f: f.code)
