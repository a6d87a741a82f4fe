"""``--cap-at-granted``: bill at most each decision's granted hours, and list the rest.

Without the cap, hours beyond a decision's granted hours are a source-check error
(``LSS-SRC-001``, the municipal check ``LSS-CASE-030``) and nothing is billed. With
``BuildOptions.cap_at_granted`` the invoice bills the hours up to the granted hours and lists
the rest (:class:`BeyondGranted`, in :attr:`invoices.drafts.Plan.beyond_granted`); the
``LSS-SRC-001`` finding is not reported then (its hours are not billed), whatever its level.

Which hours are cut
    Exactly those the municipality's own check cuts: the excess is not computed here but
    taken from the case-work run (:func:`invoices.checks.judge`,
    :func:`invoices.casework.decisions.beyond_granted_hours`, run at level ``error``). Per
    decision and unit (``granted_per``: week Monday–Sunday, calendar month, or ``period`` =
    the decision's validity, local time) the hours are counted in time order, and **the
    latest ones in the unit** are cut, the shift crossing the granted hours split at that
    second. What counts is what that check counts: every shift given naming the decision
    (other months' reports given as context included: a week across the month boundary
    counts both months' shifts), of every kind of time, partial units not pro-rated.

What is billed
    Each shift's stretches outside the cuts (:func:`cut_out`), on the lines as any hours
    (:mod:`invoices.hours`: summed in seconds, rounded once). The attached time report keeps
    the shift as reported, commented with the hours not billed. The billed-hours ledger
    records only the billed stretches (:mod:`invoices.billed`, "Shifts billed in part"), so
    the capped hours stay unbilled: a later ``supplement`` offers them again and they are
    judged against the decisions given then (cut again, or refused by LSS-SRC-001, unless a
    decision now grants them).
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from .checks import CheckPolicy, SourceFinding, judge
from .hours import hours_text, round_hours, shift_sources
from .model import STOCKHOLM, Decision, Shift, TimeReport

__all__ = ["BeyondGranted", "GrantedCap", "REASON", "cap_comments", "capped_checks", "cut_out", "stretches"]

REASON = "beyond the granted hours"
CASE_CODE = "LSS-CASE-030"
SOURCE_CODE = "LSS-SRC-001"


@dataclass(frozen=True)
class BeyondGranted:
    """The hours of one decision and unit not billed because they are beyond its granted
    hours: no personnummer, only where (the shifts' sources)."""

    decision_id: str
    per: str            # week | month | period
    unit_start: date
    unit_end: date
    granted_hours: Decimal
    shifts: int
    hours: Decimal
    where: str
    reason: str = REASON

    @property
    def unit(self) -> str:
        if self.per == "month":
            return f"month {self.unit_start:%Y-%m}"
        return f"{self.per} {self.unit_start.isoformat()}–{self.unit_end.isoformat()}"

    def to_dict(self) -> dict:
        return {"decision_id": self.decision_id, "per": self.per, "unit": self.unit,
                "unit_start": self.unit_start.isoformat(), "unit_end": self.unit_end.isoformat(),
                "granted_hours": str(self.granted_hours), "shifts": self.shifts, "hours": str(self.hours),
                "where": self.where, "reason": self.reason}

    def __str__(self) -> str:
        return (f"decision {self.decision_id}, {self.unit} (granted {hours_text(self.granted_hours)} h per "
                f"{self.per}): {hours_text(self.hours)} h in {self.shifts} shift(s) not billed, {self.reason} "
                f"({self.where})")


def capped_checks(selected: Sequence[TimeReport], all_reports: Sequence[TimeReport], decisions: Sequence[Decision],
                  policy: CheckPolicy) -> tuple[list[SourceFinding], list]:
    """The source checks (as :func:`invoices.drafts.source_checks`) with the granted hours
    judged at level error, and the cuts they make: (the findings without ``LSS-SRC-001``,
    the ``LSS-CASE-030`` cuts on ``selected``'s shifts)."""
    chosen = {id(r) for r in selected}
    findings, cuts = judge(selected, decisions, policy.with_levels({SOURCE_CODE: "error"}),
                           context=[r for r in all_reports if id(r) not in chosen], cuts_of=CASE_CODE)
    return [f for f in findings if f.code != SOURCE_CODE], cuts


def _piece(s: Shift, a: datetime, b: datetime) -> Shift:
    if a == s.start_utc and b == s.end_utc:
        return s
    return s.model_copy(update={"start": a.astimezone(STOCKHOLM), "end": b.astimezone(STOCKHOLM)})


def cut_out(s: Shift, stretches_: Iterable[tuple[datetime, datetime]]) -> list[Shift]:
    """The pieces of ``s`` outside the [start, end) ``stretches_`` (aware instants), in time
    order; ``[s]`` itself when none touches it. A piece keeps the shift's source row."""
    free = [(s.start_utc, s.end_utc)]
    for a, b in sorted(stretches_):
        nxt = []
        for x, y in free:
            if b <= x or a >= y:
                nxt.append((x, y))
                continue
            if a > x:
                nxt.append((x, a))
            if b < y:
                nxt.append((b, y))
        free = nxt
    return [_piece(s, x, y) for x, y in free if y > x]


def stretches(whole: Shift, pieces: Iterable[Shift]) -> tuple[tuple[int, int], ...]:
    """The pieces as [from, to) seconds from ``whole``'s start (:mod:`invoices.billed`)."""
    t0 = whole.start_utc
    return tuple((int((p.start_utc - t0).total_seconds()), int((p.end_utc - t0).total_seconds())) for p in pieces)


def _ident(s: Shift) -> tuple:
    return (s.assistant_pnr, s.decision_id, s.start_utc, s.end_utc)


def _unit_end(d: Decision, start: date) -> date:
    if d.granted_per.value == "week":
        return start + timedelta(days=6)
    if d.granted_per.value == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return d.valid_to


class GrantedCap:
    """The cuts of one run (:func:`capped_checks`), applied shift by shift (:meth:`apply`),
    with what was cut kept for :meth:`listing` and for the time reports' comments."""

    def __init__(self, cuts: Sequence):
        self._cuts: dict[tuple, list[tuple[datetime, datetime, date]]] = defaultdict(list)
        for c in cuts:
            unit = date.fromisoformat(c.key.rsplit(":", 1)[1])
            self._cuts[_ident(c.shift)].append((c.start, c.end, unit))
        self._cut: dict[tuple[str, date], list[tuple[Shift, int]]] = defaultdict(list)
        self.cut_seconds: dict[int, int] = {}  # id() of a shift given -> its seconds cut

    def apply(self, d: Decision, s: Shift, pieces: list[Shift]) -> list[Shift]:
        """``pieces`` (of ``s``, still to bill) without the stretches beyond ``d``'s granted hours."""
        out = pieces
        for a, b, unit in self._cuts.get(_ident(s), ()):
            before = sum(p.seconds for p in out)
            out = [q for p in out for q in cut_out(p, [(a, b)])]
            secs = before - sum(p.seconds for p in out)
            if secs:
                self._cut[(d.id, unit)].append((s, secs))
                self.cut_seconds[id(s)] = self.cut_seconds.get(id(s), 0) + secs
        return out

    def listing(self, decisions: Iterable[Decision]) -> list[BeyondGranted]:
        """Per decision and unit (in that order) the hours cut and where."""
        by_id = {d.id: d for d in decisions}
        out = []
        for (decision_id, unit), cut in sorted(self._cut.items()):
            d = by_id[decision_id]
            shifts = list(dict.fromkeys(id(s) for s, _ in cut))
            out.append(BeyondGranted(decision_id, d.granted_per.value, unit, _unit_end(d, unit), d.granted_hours,
                                     len(shifts), round_hours(sum(secs for _, secs in cut)),
                                     shift_sources([s for s, _ in cut], limit=10)))
        return out


def cap_comments(cut_seconds: dict[int, int], shifts: Iterable[Shift], comments: dict[int, str]) -> None:
    """The hours of each shift not billed as beyond the granted hours, for the attached report's
    ``Kommentar`` (``cut_seconds``: :attr:`GrantedCap.cut_seconds`)."""
    for s in shifts:
        secs = cut_seconds.get(id(s))
        if secs:
            whole = "ej fakturerad" if secs >= s.seconds else "delvis ej fakturerad"
            comments[id(s)] = f"{whole}: {hours_text(round_hours(secs))} h utöver beviljade timmar"
