"""Scalar types, rounding and the helpers the models share (BR-DEC-*, the VAT rules per category)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, getcontext
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

from .. import codes


CENT = Decimal("0.01")
R120_TOLERANCE = Decimal("0.02")
"""Slack the Peppol rules allow between stated and calculated amounts (u:slack in
PEPPOL-EN16931-UBL.sch, R040 and R120)."""


def round_amount(value: Decimal) -> Decimal:
    """Round to 2 decimals, half away from zero (``ROUND_HALF_UP``): 0.125 → 0.13."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------------------
# Annotated scalar types
# ----------------------------------------------------------------------------------------

def _no_float(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        raise ValueError("floats are not accepted for amounts, quantities or rates: pass a Decimal, an int or a string")
    return value


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


def _two_decimals(value: Decimal) -> Decimal:
    _finite(value)
    try:
        ok = value == value.quantize(CENT)
    except InvalidOperation:  # pragma: no cover - more digits than the context holds
        ok = False
    if not ok:
        raise ValueError(f"an amount has at most 2 decimals (BR-DEC-*), got {value}")
    return value


Amount = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_two_decimals)]
"""A money amount: Decimal with at most 2 decimals."""
Number = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_finite)]
"""A quantity, price or rate: Decimal, any number of decimals."""
XML_WHITESPACE = " \t\n\r"
"""White space as XML and the rules (XPath normalize-space) know it. Other Unicode spaces
(no-break space, U+3000, NEL, U+2028) are content to them: an element holding only one is not
empty (PEPPOL-EN16931-R008), so the model does not strip them either (a document the rules
accept must be readable)."""


def _strip_xml_whitespace(value: Any) -> Any:
    return value.strip(XML_WHITESPACE) if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_strip_xml_whitespace), StringConstraints(min_length=1)]
"""Non-empty text (PEPPOL-EN16931-R008: no empty elements); surrounding XML white space removed."""
Code = Annotated[str, BeforeValidator(_strip_xml_whitespace),
                 StringConstraints(min_length=1, pattern=r"^[^ \t\n\r]+$")]
"""A code or identifier without (XML) white space."""
CountryCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9]{2}$")]
"""ISO 3166-1 alpha-2 country code (BR-CL-14)."""
CurrencyCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{3}$")]
"""ISO 4217 alphabetic currency code (BR-CL-04)."""


class _Model(BaseModel):
    # bytes (attachment content) travel as (URL-safe) base64 in JSON, so model_dump_json() round-trips.
    # No str_strip_whitespace: it strips Unicode white space; Text and Code strip XML's.
    model_config = ConfigDict(extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")


def _check_vat(category: str, rate: Decimal | None, field: str = "vat_rate") -> None:
    """VAT category code list and the rate rules per category."""
    if category not in codes.VAT_CATEGORIES:
        raise ValueError(
            f"vat_category: {category!r} is not a UNCL5305 VAT category of EN 16931 "
            f"({', '.join(codes.VAT_CATEGORIES)}) (BR-CL-17/BR-CL-18)")
    if category in codes.VAT_CATEGORIES_WITHOUT_RATE:
        if rate is not None:
            raise ValueError(f"{field}: VAT category O (not subject to VAT) has no VAT rate (BR-O-05)")
        return
    if rate is None:
        raise ValueError(f"{field}: VAT category {category} needs a VAT rate (BR-{category}-05 / BR-CO-04)")
    if category in codes.VAT_CATEGORIES_ZERO_RATE and rate != 0:
        raise ValueError(f"{field}: VAT category {category} has VAT rate 0, got {rate} (BR-{category}-05)")
    if category == codes.VAT_STANDARD and rate <= 0:
        raise ValueError(f"{field}: VAT category S has a VAT rate above 0, got {rate} (BR-S-05)")
    if rate < 0:
        raise ValueError(f"{field}: a VAT rate is not negative, got {rate}")


@contextmanager
def _arithmetic(field: str) -> Iterator[None]:
    """decimal's errors on numbers beyond its context (Overflow; InvalidOperation when a
    result needs more than 28 significant digits, e.g. rounding 10^30 to cents) as the
    ValueError of *field*: a document with absurd numbers is a validation error, never a crash."""
    try:
        yield
    except ArithmeticError as exc:
        raise ValueError(f"{field}: the numbers are too large to compute the amounts with ({type(exc).__name__}: "
                         f"more than {getcontext().prec} significant digits)") from None


def _vat_key(category: str, rate: Decimal | None) -> tuple[str, Decimal | None]:
    return category, (None if rate is None else rate.normalize())
