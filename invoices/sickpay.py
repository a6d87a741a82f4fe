"""Extra cost of sick pay (merkostnad sjuklön): what the provider claims, line by line.

When the regular assistant is sick and a substitute works, the municipality pays the actual
extra cost: the sick pay and the costs that follow it (9 § 2 LSS; seeds 001, 002, 003).
DOMAIN.md names the evidence: the sick pay in SEK (payslip) and, as percentages, holiday
pay (semesterersättning), statutory employer contributions (arbetsgivaravgift), contractual
insurance (avtalsförsäkring) and collective pension (kollektivavtalad pension); the
qualifying-day deduction (karens) date or why none was made; the substitute's time report.

The claim has five lines, always in this order::

    sick pay                 = the payslip amount (2 decimals, as paid)
    holiday pay              = round(base × holiday %)            base: sick pay
    employer contributions   = round(base × contributions %)     base: sick pay + holiday pay
    contractual insurance    = round(base × insurance %)         base: sick pay + holiday pay
    collective pension       = round(base × pension %)           base: sick pay + holiday pay
    total                    = the exact sum of the five rounded lines

Decisions where the domain is silent (documented, configurable):

* **Bases.** DOMAIN.md gives the percentages but not what they are a percentage *of*.
  Holiday pay is a percentage of the sick pay (it is the only base that does not include
  itself). Contributions, insurance and pension default to sick pay + holiday pay, since
  holiday pay is paid wages too; each is switchable to sick pay alone with
  :class:`SickPayBases`. The "holiday pay" in a base is the *rounded* holiday-pay line, so
  every line can be checked by hand from the lines above it.
* **Rounding.** Each line is rounded once, half-up (``ROUND_HALF_UP``) to 2 decimals (öre);
  the total is the sum of the rounded lines and is never rounded again. Percentages are
  given as percent (``Decimal("31.42")`` = 31.42 %), 0–100 inclusive.
* **Substitute evidence.** A shift counts when it is for the occasion's client, by someone
  other than the sick assistant, of a kind in ``evidence_kinds`` (default: active and waiting
  time — the time billed as assistance; standby and on-call are not "assistance actually
  performed" by any source), and overlaps a sick day in Europe/Stockholm local time. One
  such shift on any sick day is enough to claim; the claim reports the sick days with and
  without substitute work so the municipality can see coverage. Partial coverage is not
  refused (no source says the claim shrinks with it).
* **One claim per sickness occasion.** An occasion is keyed by client, sick assistant and
  first sick day (:attr:`SicknessOccasion.key`); :func:`refuse_if_claimed` also refuses an
  occasion overlapping the days of an earlier one for the same client and assistant. The
  key is a truncated SHA-256 over the personnummer: a pseudonym fit for a journal, not an
  anonymisation.

Money is Decimal throughout; floats are refused.
"""
from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from invoices.model import STOCKHOLM, Assistant, Client, Shift, ShiftKind

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
DEFAULT_EVIDENCE_KINDS = frozenset({ShiftKind.ACTIVE, ShiftKind.WAITING})


def round_money(value: Decimal) -> Decimal:
    """Half-up to öre (2 decimals): 0.005 → 0.01. The one rounding rule of this module."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class SickPayRefused(Exception):
    """A claim that must not be made. ``code`` is stable for programs, ``message`` for people.

    Codes: ``invalid_sick_pay``, ``percentage_out_of_range``, ``karens_missing``,
    ``karens_ambiguous``, ``no_substitute_work``, ``duplicate_occasion``.
    """

    def __init__(self, code: str, message: str):
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def _no_float(v: Any) -> Any:
    if isinstance(v, float):
        raise TypeError(f"money and percentages are Decimal, never float (got {v!r}); pass Decimal('{v}') or a string")
    return v


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Component(str, enum.Enum):
    SICK_PAY = "sick_pay"                              # sjuklön
    HOLIDAY_PAY = "holiday_pay"                        # semesterersättning
    EMPLOYER_CONTRIBUTIONS = "employer_contributions"  # lagstadgad arbetsgivaravgift
    INSURANCE = "insurance"                            # avtalsförsäkring
    PENSION = "pension"                                # kollektivavtalad pension


LABELS = {
    Component.SICK_PAY: "Sjuklön",
    Component.HOLIDAY_PAY: "Semesterersättning",
    Component.EMPLOYER_CONTRIBUTIONS: "Lagstadgad arbetsgivaravgift",
    Component.INSURANCE: "Avtalsförsäkring",
    Component.PENSION: "Kollektivavtalad pension",
}


class Base(str, enum.Enum):
    """What a percentage is taken of."""

    SICK_PAY = "sick_pay"
    SICK_PAY_AND_HOLIDAY_PAY = "sick_pay_and_holiday_pay"


class SickPayBases(Frozen):
    """The base of each percentage (see the module docstring for the defaults' reasons)."""

    employer_contributions: Base = Base.SICK_PAY_AND_HOLIDAY_PAY
    insurance: Base = Base.SICK_PAY_AND_HOLIDAY_PAY
    pension: Base = Base.SICK_PAY_AND_HOLIDAY_PAY
    # Holiday pay is always a percentage of the sick pay: it cannot be part of its own base.


class SickPayPercentages(Frozen):
    """Percent, 0–100 inclusive (``Decimal("12")`` = 12 %). Pass 0 for a cost not incurred
    (e.g. no collective pension); every component is stated explicitly."""

    holiday_pay: Decimal
    employer_contributions: Decimal
    insurance: Decimal
    pension: Decimal

    @field_validator("*", mode="before")
    @classmethod
    def _percent(cls, v: Any, info: ValidationInfo) -> Any:
        _no_float(v)
        try:
            pct = Decimal(v)
        except Exception:
            return v  # not a number: pydantic's own error says so
        if not pct.is_finite() or pct < 0 or pct > HUNDRED:
            # Not a ValueError: pydantic lets it through unwrapped, as a refusal.
            component = Component(info.field_name)
            raise SickPayRefused(
                "percentage_out_of_range",
                f"{LABELS[component]} ({component.value}) is {pct} %; a percentage must be between 0 and 100",
            )
        return pct


class SicknessOccasion(Frozen):
    """One sickness occasion of one regular assistant working for one client."""

    sick_assistant: Assistant
    client: Client
    sick_days: tuple[date, ...] = Field(min_length=1)

    @field_validator("sick_days")
    @classmethod
    def _days(cls, v: tuple[date, ...]) -> tuple[date, ...]:
        return tuple(sorted(set(v)))

    @property
    def first_day(self) -> date:
        return self.sick_days[0]

    @property
    def last_day(self) -> date:
        return self.sick_days[-1]

    @property
    def key(self) -> str:
        """``sickpay:<first day>:<16 hex>`` from client, sick assistant and first sick day."""
        digest = hashlib.sha256(
            f"{self.client.pnr}|{self.sick_assistant.pnr}|{self.first_day.isoformat()}".encode()
        ).hexdigest()[:16]
        return f"sickpay:{self.first_day.isoformat()}:{digest}"

    def overlaps(self, other: "SicknessOccasion") -> bool:
        """Same client and sick assistant, and at least one sick day in common."""
        return (
            self.client.pnr == other.client.pnr
            and self.sick_assistant.pnr == other.sick_assistant.pnr
            and bool(set(self.sick_days) & set(other.sick_days))
        )


class SickPayLine(Frozen):
    component: Component
    label: str
    base: Decimal | None = None     # what the percentage was taken of (None for sick pay)
    percent: Decimal | None = None  # percent, e.g. 31.42
    amount: Decimal


class SickPayClaim(Frozen):
    occasion: SicknessOccasion
    occasion_key: str
    lines: tuple[SickPayLine, ...]
    total: Decimal
    karens_date: date | None
    no_karens_reason: str | None
    bases: SickPayBases
    evidence_shifts: tuple[Shift, ...]
    days_with_substitute: tuple[date, ...]
    days_without_substitute: tuple[date, ...]

    def line(self, component: Component | str) -> SickPayLine:
        component = Component(component)
        return next(line for line in self.lines if line.component is component)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local (Europe/Stockholm) calendar day as a UTC interval [start, end).

    Compared in UTC: Python compares two datetimes sharing one tzinfo on their wall clocks,
    which is wrong across a DST change."""
    start = datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=STOCKHOLM).astimezone(timezone.utc)
    return start, end


def _overlaps_day(s: Shift, day: date) -> bool:
    lo, hi = _day_bounds(day)
    return s.start.astimezone(timezone.utc) < hi and s.end.astimezone(timezone.utc) > lo


def _sick_pay(value: Any) -> Decimal:
    _no_float(value)
    try:
        amount = Decimal(value)
    except Exception:
        raise SickPayRefused("invalid_sick_pay", f"sick pay {value!r} is not an amount in SEK") from None
    if not amount.is_finite() or amount <= 0:
        raise SickPayRefused("invalid_sick_pay", f"sick pay must be more than 0 SEK, got {amount}")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise SickPayRefused("invalid_sick_pay", f"sick pay {amount} has more than 2 decimals; give it as on the payslip")
    return amount


def refuse_if_claimed(occasion: SicknessOccasion, claimed: Iterable[SicknessOccasion | SickPayClaim]) -> None:
    """Raise ``duplicate_occasion`` when this occasion (same key, or overlapping sick days for
    the same client and assistant) was already claimed."""
    for earlier in claimed:
        prev = earlier.occasion if isinstance(earlier, SickPayClaim) else earlier
        if prev.key == occasion.key or prev.overlaps(occasion):
            raise SickPayRefused(
                "duplicate_occasion",
                f"the sickness occasion starting {occasion.first_day} ({occasion.key}) overlaps one already "
                f"claimed ({prev.first_day}–{prev.last_day}, {prev.key}); one claim per sickness occasion",
            )


def compute_sickpay_claim(
    occasion: SicknessOccasion,
    sick_pay: Decimal,
    percentages: SickPayPercentages,
    substitute_shifts: Iterable[Shift],
    *,
    karens_date: date | None = None,
    no_karens_reason: str | None = None,
    bases: SickPayBases | None = None,
    evidence_kinds: Iterable[ShiftKind] = DEFAULT_EVIDENCE_KINDS,
    already_claimed: Iterable[SicknessOccasion | SickPayClaim] = (),
) -> SickPayClaim:
    """The sick-pay extra-cost claim for one sickness occasion, or :class:`SickPayRefused`.

    ``sick_pay`` is the sick assistant's sick pay in SEK from the payslip. Exactly one of
    ``karens_date`` and ``no_karens_reason`` must be given. ``substitute_shifts`` may be a
    whole month of time reports: only shifts qualifying as substitute work (module
    docstring) count as evidence.
    """
    bases = bases or SickPayBases()
    kinds = frozenset(ShiftKind(k) for k in evidence_kinds)
    amount = _sick_pay(sick_pay)

    reason = no_karens_reason.strip() if no_karens_reason else None
    if karens_date is None and not reason:
        raise SickPayRefused(
            "karens_missing",
            "give the date of the qualifying-day deduction (karens) or the reason none was made",
        )
    if karens_date is not None and reason:
        raise SickPayRefused(
            "karens_ambiguous",
            f"both a karens date ({karens_date}) and a reason for no karens were given; give one",
        )

    refuse_if_claimed(occasion, already_claimed)

    evidence: list[Shift] = []
    covered: set[date] = set()
    by_sick, other_client, wrong_kind, off_days = 0, 0, 0, 0
    for s in substitute_shifts:
        if s.client_pnr != occasion.client.pnr:
            other_client += 1
            continue
        if s.assistant_pnr == occasion.sick_assistant.pnr:
            by_sick += 1
            continue
        if s.kind not in kinds:
            wrong_kind += 1
            continue
        days = {d for d in occasion.sick_days if _overlaps_day(s, d)}
        if not days:
            off_days += 1
            continue
        evidence.append(s)
        covered |= days
    if not evidence:
        ignored = (
            f"shifts ignored: {other_client} for another client, {by_sick} by the sick assistant, "
            f"{wrong_kind} of a kind not counted ({', '.join(sorted(k.value for k in kinds))} count), "
            f"{off_days} not on a sick day"
        )
        raise SickPayRefused(
            "no_substitute_work",
            f"no substitute's time report shows work for the client on any sick day "
            f"({occasion.first_day}–{occasion.last_day}); the extra cost of sick pay is reimbursed only "
            f"if a substitute actually worked ({ignored})",
        )

    with localcontext() as ctx:
        ctx.prec = 50  # exact products before the one rounding per line
        holiday = round_money(amount * percentages.holiday_pay / HUNDRED)

        def base_of(which: Base) -> Decimal:
            return amount if which is Base.SICK_PAY else amount + holiday

        lines = [
            SickPayLine(component=Component.SICK_PAY, label=LABELS[Component.SICK_PAY], amount=amount),
            SickPayLine(
                component=Component.HOLIDAY_PAY, label=LABELS[Component.HOLIDAY_PAY],
                base=amount, percent=percentages.holiday_pay, amount=holiday,
            ),
        ]
        for component, which in (
            (Component.EMPLOYER_CONTRIBUTIONS, bases.employer_contributions),
            (Component.INSURANCE, bases.insurance),
            (Component.PENSION, bases.pension),
        ):
            base = base_of(which)
            pct: Decimal = getattr(percentages, component.value)
            lines.append(SickPayLine(
                component=component, label=LABELS[component], base=base, percent=pct,
                amount=round_money(base * pct / HUNDRED),
            ))
        total = sum((line.amount for line in lines), Decimal("0.00"))

    return SickPayClaim(
        occasion=occasion,
        occasion_key=occasion.key,
        lines=tuple(lines),
        total=total,
        karens_date=karens_date,
        no_karens_reason=reason,
        bases=bases,
        evidence_shifts=tuple(sorted(evidence, key=lambda s: s.start.astimezone(timezone.utc))),
        days_with_substitute=tuple(sorted(covered)),
        days_without_substitute=tuple(d for d in occasion.sick_days if d not in covered),
    )


__all__ = [
    "Base", "Component", "DEFAULT_EVIDENCE_KINDS", "SickPayBases", "SickPayClaim", "SickPayLine",
    "SickPayPercentages", "SickPayRefused", "SicknessOccasion", "compute_sickpay_claim",
    "refuse_if_claimed", "round_money",
]
