"""Swedish PlusGiro number (plusgironummer), the payee account (BT-84) when the financial
institution branch (BT-86) is ``SE:PLUSGIRO``.

Rule (Nordea/PlusGirot: 2 to 8 digits, the last a modulus-10 (Luhn) check digit over the
preceding digits). The Peppol national rules for Swedish suppliers warn when the account ID
is not numeric (``SE-R-007``) or not 2–8 characters (``SE-R-010``) (PEPPOL-EN16931-UBL.sch,
Peppol BIS Billing 3.0).

Presentation: a hyphen before the check digit, e.g. ``4711-8``.

>>> validate('9001-9')
'90019'
>>> format('12345674')
'1234567-4'
>>> is_valid('1')
False
"""
from __future__ import annotations

from . import luhn
from ._digits import is_valid_for, strip_separators
from .exceptions import InvalidFormat, InvalidLength

__all__ = ["compact", "validate", "is_valid", "format", "NAME"]

NAME = "PlusGiro number"


def compact(value: str) -> str:
    """Strip spaces, hyphens and dots and surrounding whitespace."""
    return strip_separators(value)


def validate(value: str) -> str:
    """Return the compact digits, or raise a :class:`ValueError` subclass."""
    number = compact(value)
    if not number.isdigit() or not number.isascii():
        raise InvalidFormat(f"{NAME}: only digits (and the separator '-') are allowed (SE-R-007).")
    if not 2 <= len(number) <= 8:
        raise InvalidLength(f"{NAME}: must have 2 to 8 digits (SE-R-010), got {len(number)}.")
    luhn.check(number, NAME)
    return number


is_valid = is_valid_for(validate)


def format(value: str) -> str:  # noqa: A001
    """Digits with a hyphen before the check digit: ``NNNNNNN-N``."""
    number = validate(value)
    return f"{number[:-1]}-{number[-1]}"
