"""Swedish Bankgiro number (bankgironummer), the payee account (BT-84) when the financial
institution branch (BT-86) is ``SE:BANKGIRO``.

Rule (Bankgirot, "Bankgironummer": 7 or 8 digits, the last a modulus-10 (Luhn) check digit
over the preceding digits). The Peppol national rules for Swedish suppliers warn when the
account ID is not numeric (``SE-R-008``) or not 7–8 characters (``SE-R-009``)
(PEPPOL-EN16931-UBL.sch, Peppol BIS Billing 3.0). The BIS puts it in UBL without separators.

Presentation: ``NNN-NNNN`` (7 digits) or ``NNNN-NNNN`` (8 digits).
"""
from __future__ import annotations

from . import _luhn
from .exceptions import InvalidFormat, InvalidLength

__all__ = ["compact", "validate", "is_valid", "format", "NAME"]

NAME = "Bankgiro number"


def compact(value: str) -> str:
    """Strip spaces, hyphens and dots and surrounding whitespace."""
    return "".join(ch for ch in str(value) if ch not in " -.\t").strip()


def validate(value: str) -> str:
    """Return the compact digits, or raise a :class:`ValueError` subclass."""
    number = compact(value)
    if not number.isdigit() or not number.isascii():
        raise InvalidFormat(f"{NAME}: only digits (and the separator '-') are allowed (SE-R-008).")
    if len(number) not in (7, 8):
        raise InvalidLength(f"{NAME}: must have 7 or 8 digits (SE-R-009), got {len(number)}.")
    _luhn.check(number, NAME)
    return number


def is_valid(value: str) -> bool:
    """Whether *value* is a valid Bankgiro number."""
    try:
        validate(value)
    except ValueError:
        return False
    return True


def format(value: str) -> str:  # noqa: A001
    """``NNN-NNNN`` or ``NNNN-NNNN``."""
    number = validate(value)
    return f"{number[:-4]}-{number[-4:]}"
