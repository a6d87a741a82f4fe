"""On-call (jour) and standby (beredskap): billed where the buyer's registry entry says how.

No seed gives a rule for billing jour or beredskap (DOMAIN.md: the municipalities ask for
active time and waiting time, "shown separately"), so no packaged buyer has one and such
shifts are refused (``kind_not_billed``) as before. A buyer whose entry (a registry file of
the provider's own, ``invoices/data/README.md``) has a ``[[kind_rates]]`` entry for the kind
has the kind billed, on its own line per decision, kind and year like active and waiting time
(:mod:`invoices.hourplans`). An entry names the kind and, with a source, EITHER

* ``amounts``: SEK per hour per year of the work (``{ 2024 = { value = "100.00", source = "…" } }``,
  a string with at most 2 decimals, as every amount in the registry), OR
* ``share``: a share of that year's hourly rate (``{ value = "0.5", source = "…" }``, a
  string, 0 < share <= 1).

Price (rounding)
    ``amounts``: the amount, as written. ``share``: share × the year's hourly rate
    (:meth:`~invoices.registry.Municipality.sourced_hourly_rate`), rounded once to öre,
    ``ROUND_HALF_UP`` (:func:`invoices.hours.line_amount`: 0.375 × 332.60 = 124.725 →
    124.73 kr/h). The line amount is then round(hours × price, 2), half-up, as for every
    line (:mod:`invoices.hours`), so the line can be recomputed from what it shows.
    A year without an amount (or, for a share, without an hourly rate) is refused
    (``rate_unknown``), never guessed.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import field_validator, model_validator

from .hours import KIND_LABEL, line_amount
from .model import ShiftKind
from .registry_errors import RateUnknown
from .sourced import Frozen, Sourced, YearAmounts

if TYPE_CHECKING:
    from .registry import Municipality

__all__ = ["KindPrice", "KindRate", "RATED_KINDS", "kind_price", "kind_rates_valid"]

# The kinds a [[kind_rates]] entry may name: the others are billed at the hourly rate.
RATED_KINDS = (ShiftKind.ON_CALL, ShiftKind.STANDBY)


class KindRate(Frozen):
    """How one kind of time is priced at a buyer: ``amounts`` per year, or a ``share`` of the
    year's hourly rate (module notes); every value with its source."""

    kind: ShiftKind
    amounts: YearAmounts = {}
    share: Sourced[Decimal] | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: ShiftKind) -> ShiftKind:
        if v not in RATED_KINDS:
            raise ValueError(f"kind_rates are for {' and '.join(k.value for k in RATED_KINDS)}; "
                             f"{v.value} time is billed at the hourly rate (billed_kinds)")
        return v

    @field_validator("share")
    @classmethod
    def _share(cls, v: Sourced[Decimal] | None) -> Sourced[Decimal] | None:
        if v is not None and not (v.value.is_finite() and Decimal(0) < v.value <= 1):
            raise ValueError(f"a share of the hourly rate is more than 0 and at most 1, got {v.value}")
        return v

    @model_validator(mode="after")
    def _one_way(self) -> "KindRate":
        if bool(self.amounts) == (self.share is not None):
            raise ValueError(f"a {self.kind.value} kind rate gives either amounts (per year) or a share "
                             "of the hourly rate, not both and not neither")
        return self


def kind_rates_valid(rates: Sequence[KindRate], billed: Sequence[ShiftKind]) -> None:
    """One entry per kind, and none for a kind billed at the hourly rate; else ValueError."""
    kinds = [r.kind for r in rates]
    twice = sorted({k.value for k in kinds if kinds.count(k) > 1})
    if twice:
        raise ValueError(f"kind_rates: more than one entry for {', '.join(twice)}")
    both = sorted(k.value for k in kinds if k in billed)
    if both:
        raise ValueError(f"kind_rates: {', '.join(both)} is in billed_kinds too (billed at the hourly rate)")


@dataclass(frozen=True)
class KindPrice:
    """The price of an hour of ``kind`` worked in ``year``, what it is (Swedish, for the
    invoice line) and its source."""

    kind: ShiftKind
    year: int
    price: Decimal
    basis: str
    source: str


def _percent(share: Decimal) -> str:
    text = format((share * 100).normalize(), "f")
    return text.replace(".", ",")


def kind_price(m: "Municipality", kind: ShiftKind, year: int) -> KindPrice:
    """The price of ``kind`` in ``year`` at ``m`` (module notes); :class:`RateUnknown` when
    the entry has no amount for the year, or the share's hourly rate is unknown; ValueError
    when ``m`` has no entry for the kind (ask :meth:`Municipality.kind_rate` first)."""
    rule = m.kind_rate(kind)
    if rule is None:
        raise ValueError(f"{m.display_name} has no kind rate for {kind.value}")
    label = KIND_LABEL[kind]
    if rule.share is None:
        try:
            sourced = rule.amounts[year]
        except KeyError:
            known = tuple(sorted(rule.amounts))
            raise RateUnknown(
                f"{m.display_name}: no sourced amount for {kind.value} ({label}) time in {year} "
                f"(known: {', '.join(str(y) for y in known)})", who=m.display_name, year=year, known=known) from None
        return KindPrice(kind, year, sourced.value, f"{label} {year}", sourced.source)
    rate = m.sourced_hourly_rate(year)
    price = line_amount(rule.share.value, rate.value)
    return KindPrice(kind, year, price,
                     f"{label}: {_percent(rule.share.value)} % av timersättningen {year}, {rate.value:.2f} kr",
                     f"{rule.share.source}; hourly rate {year}: {rate.source}")
