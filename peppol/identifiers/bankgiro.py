"""Swedish Bankgiro number (bankgironummer), the payee account (BT-84) when the financial
institution branch (BT-86) is ``SE:BANKGIRO``.

Rule (Bankgirot, "Bankgironummer": 7 or 8 digits, the last a modulus-10 (Luhn) check digit
over the preceding digits). The Peppol national rules for Swedish suppliers warn when the
account ID is not numeric (``SE-R-008``) or not 7–8 characters (``SE-R-009``)
(PEPPOL-EN16931-UBL.sch, Peppol BIS Billing 3.0). The BIS puts it in UBL without separators.

Presentation: ``NNN-NNNN`` (7 digits) or ``NNNN-NNNN`` (8 digits).

>>> validate('5050-1055')
'50501055'
>>> format('1234566')
'123-4566'
>>> is_valid('5050-1056')
False
"""
from __future__ import annotations

from . import luhn
from ._digits import is_valid_for, strip_separators
from .exceptions import InvalidFormat, InvalidLength

__all__ = ["compact", "validate", "is_valid", "format", "NAME"]

NAME = "Bankgiro number"


def compact(value: str) -> str:
    """Strip spaces, hyphens and dots and surrounding whitespace."""
    return strip_separators(value)


def validate(value: str) -> str:
    """Return the compact digits, or raise a :class:`ValueError` subclass."""
    number = compact(value)
    if not number.isdigit() or not number.isascii():
        raise InvalidFormat(f"{NAME}: only digits (and the separator '-') are allowed (SE-R-008).")
    if len(number) not in (7, 8):
        raise InvalidLength(f"{NAME}: must have 7 or 8 digits (SE-R-009), got {len(number)}.")
    luhn.check(number, NAME)
    return number


is_valid = is_valid_for(validate)


def format(value: str) -> str:  # noqa: A001
    """``NNN-NNNN`` or ``NNNN-NNNN``."""
    number = validate(value)
    return f"{number[:-4]}-{number[-4:]}"
