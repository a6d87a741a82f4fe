"""Swedish VAT registration number (momsregistreringsnummer) as used in BT-31 / BT-48 / BT-63.

Rule: ``SE`` + the 10-digit organisation number (Luhn check digit, see :mod:`.se_orgnr`)
+ ``01``, 14 characters in all (Skatteverket; python-stdnum :mod:`stdnum.se.vat`). The
Peppol national rules for Swedish sellers require 14 characters (``SE-R-001``) with the
trailing 12 numeric (``SE-R-002``) (PEPPOL-EN16931-UBL.sch, Peppol BIS Billing 3.0).

>>> validate('SE 212000-1306 01')
'SE212000130601'
"""
from __future__ import annotations

from . import luhn
from ._digits import is_valid_for
from .exceptions import InvalidComponent, InvalidFormat, InvalidLength

__all__ = ["compact", "validate", "is_valid", "format", "NAME"]

NAME = "Swedish VAT number"


def compact(value: str) -> str:
    """Remove separators and whitespace, upper-case, and make sure of the ``SE`` prefix
    when the rest is 12 digits."""
    number = "".join(ch for ch in str(value) if ch not in " -.\t").upper().strip()
    if not number.startswith("SE") and len(number) == 12 and number.isdigit():
        number = "SE" + number
    return number


def validate(value: str) -> str:
    """Return the compact 14-character form ``SE############``, or raise a :class:`ValueError`
    subclass."""
    number = compact(value)
    if not number.startswith("SE"):
        raise InvalidFormat(f"{NAME}: must start with the country prefix 'SE'.")
    digits = number[2:]
    if not digits.isdigit() or not digits.isascii():
        raise InvalidFormat(f"{NAME}: the 12 characters after 'SE' must be digits (SE-R-002).")
    if len(number) != 14:
        raise InvalidLength(f"{NAME}: must have 14 characters (SE + 12 digits, SE-R-001), got {len(number)}.")
    if not digits.endswith("01"):
        raise InvalidComponent(f"{NAME}: must end with '01' after the organisation number.")
    luhn.check(digits[:10], f"{NAME} (organisation number part)")
    return number


is_valid = is_valid_for(validate)


def format(value: str) -> str:  # noqa: A001
    """The form used on invoices: ``SE`` + 12 digits, no separators."""
    return validate(value)
