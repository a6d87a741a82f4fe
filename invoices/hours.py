"""Hours and money: how time worked becomes billed hours and amounts, and the labels for it.

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

Years
    A shift crossing midnight of 31 December is split there (local time,
    :func:`year_pieces`), and each part is priced at its own year's rate.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .model import STOCKHOLM, DecisionKind, Shift, ShiftKind, TimeReport
from .sickpay import round_money

__all__ = [
    "DECISION_LABEL", "KIND_LABEL", "KIND_ORDER", "ZERO", "hours_text", "last_day", "line_amount", "month_bounds",
    "month_parts",
    "parse_period", "round_hours", "shift_sources", "year_pieces",
]

HOURS_QUANTUM = Decimal("0.01")
SECONDS_PER_HOUR = Decimal(3600)
ZERO = Decimal("0")
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


def hours_text(value: Decimal) -> str:
    """Hours as an invoice shows them: two decimals (``7.50``)."""
    return f"{value:.2f}"


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


def last_day(shift: Shift) -> date:
    """The local date of the shift's last moment (a shift ending at 00:00 ends the day before)."""
    return (shift.end_utc - timedelta(microseconds=1)).astimezone(STOCKHOLM).date()


def month_parts(reports: Iterable[TimeReport], period: str) -> tuple[list[TimeReport], list[TimeReport]]:
    """The reports cut at the month's boundaries in real time (local midnight of the 1st, the
    instant, DST or not): (the parts inside ``period``, each a report of that month, in the
    order given; the parts outside it, as the reports they came from). A night shift from
    31 March 22:00 to 1 April 06:00 is 2 h of March and 6 h of April, whichever month's
    report holds it. A shift keeps its source row."""
    first, last = month_bounds(period)
    lo = datetime.combine(first, time(0), tzinfo=STOCKHOLM).astimezone(timezone.utc)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=STOCKHOLM).astimezone(timezone.utc)

    def piece(s, a, b):
        if a == s.start_utc and b == s.end_utc:
            return s
        return s.model_copy(update={"start": a.astimezone(STOCKHOLM), "end": b.astimezone(STOCKHOLM)})

    inside, outside = [], []
    for r in reports:
        ins, outs = [], []
        for s in r.shifts:
            a, b = max(s.start_utc, lo), min(s.end_utc, hi)
            if b > a:
                ins.append(piece(s, a, b))
            if s.start_utc < lo:
                outs.append(piece(s, s.start_utc, min(s.end_utc, lo)))
            if s.end_utc > hi:
                outs.append(piece(s, max(s.start_utc, hi), s.end_utc))
        if ins:
            inside.append(r if len(ins) == len(r.shifts) and not outs and r.month == period
                          else r.model_copy(update={"month": period, "shifts": tuple(ins)}))
        if outs:
            outside.append(r.model_copy(update={"shifts": tuple(outs)}))
    return inside, outside


def parse_period(text: str) -> str:
    """``YYYY-MM`` or ValueError."""
    try:
        parsed = datetime.strptime(str(text).strip(), "%Y-%m")
    except ValueError:
        raise ValueError(f"period {text!r} is not a month YYYY-MM") from None
    return f"{parsed.year:04d}-{parsed.month:02d}"


def month_bounds(period: str) -> tuple[date, date]:
    """First and last day of the month ``YYYY-MM``."""
    y, m = (int(p) for p in period.split("-"))
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def shift_sources(shifts: Iterable[Shift], limit: int = 3) -> str:
    """Where the shifts were read (``file row N``), the first ``limit`` of them, for a message."""
    unique = list(dict.fromkeys(s.source for s in shifts if s.source))
    shown = "; ".join(unique[:limit])
    return shown + (f"; and {len(unique) - limit} more" if len(unique) > limit else "")
