"""Luhn check digit (modulus 10, weights 2-1 from the right), shared by the Swedish identifiers.

Source: ISO/IEC 7812-1 Annex B. Skatteverket uses it for the organisation number (SKV 709)
and the personal identity number (SKV 704), Bankgirot and PlusGirot for their account
numbers; python-stdnum's :mod:`stdnum.luhn` computes it.

>>> calc_check_digit('212000130')
'6'
>>> validate('2120001306')
'2120001306'
>>> is_valid('2120001307')
False
>>> validate('21200a1306')
Traceback (most recent call last):
    ...
peppol.identifiers.exceptions.InvalidFormat: Luhn number: only digits are allowed.
"""
from __future__ import annotations

from stdnum import luhn as _stdnum_luhn

from ._digits import is_valid_for
from .exceptions import InvalidChecksum, InvalidFormat

__all__ = ["calc_check_digit", "check", "validate", "is_valid", "NAME"]

NAME = "Luhn number"


def calc_check_digit(digits: str) -> str:
    """The Luhn check digit to append to *digits*."""
    return _stdnum_luhn.calc_check_digit(digits)


def check(digits: str, what: str) -> None:
    """Raise :class:`InvalidChecksum` naming *what* when the last digit is not the Luhn digit
    of the others (*digits* are digits only)."""
    expected = calc_check_digit(digits[:-1])
    if digits[-1] != expected:
        raise InvalidChecksum(
            f"{what}: the check digit is {digits[-1]}, the Luhn (modulus 10) check digit is {expected}.")


def validate(digits: str) -> str:
    """Return *digits* when they end with their Luhn check digit, or raise a
    :class:`ValueError` subclass (:class:`InvalidFormat`, :class:`InvalidChecksum`)."""
    if not digits or not digits.isdigit() or not digits.isascii():
        raise InvalidFormat(f"{NAME}: only digits are allowed.")
    check(digits, NAME)
    return digits


is_valid = is_valid_for(validate)
