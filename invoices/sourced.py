"""The sourced value every registry file is made of, and the check of an hourly amount.

Split from :mod:`invoices.registry` so that the parts of a buyer's entry kept in modules of
their own (:mod:`invoices.kind_rates`) use the same model; :mod:`invoices.registry`
re-exports :class:`Sourced` and :class:`Frozen`. Layout: ``invoices/data/README.md``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = ["Frozen", "Sourced", "YearAmounts", "amount"]

T = TypeVar("T")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(Frozen, Generic[T]):
    """A value and where it comes from.

    ``default = true`` marks a value the buyer does not state (a documented default, e.g.
    Tjörn's payment terms); its ``source`` then says why the default was chosen.
    """

    value: T
    source: str = Field(min_length=1)
    default: bool = False


def amount(v: Decimal) -> Decimal:
    """An amount in SEK per hour: positive, finite, at most 2 decimals (öre); else ValueError."""
    if not v.is_finite() or v <= 0:
        raise ValueError(f"an hourly amount must be a positive number, got {v}")
    if v.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"an hourly amount has at most 2 decimals (öre), got {v}")
    return v


YearAmounts = dict[int, Sourced[Annotated[Decimal, AfterValidator(amount)]]]
"""Hourly amounts by year, each checked by :func:`amount` and carrying its source."""
