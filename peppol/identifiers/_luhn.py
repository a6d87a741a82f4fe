"""Luhn (modulus 10, weights 2-1 from the right) helpers shared by the Swedish identifiers.

The algorithm is ISO/IEC 7812-1 Annex B; python-stdnum's :mod:`stdnum.luhn` implements it.
"""
from __future__ import annotations

from stdnum import luhn

from .exceptions import InvalidChecksum


def check(digits: str, what: str) -> None:
    """Raise :class:`InvalidChecksum` naming *what* when the last digit is not the Luhn digit."""
    expected = luhn.calc_check_digit(digits[:-1])
    if digits[-1] != expected:
        raise InvalidChecksum(f"{what}: the check digit is {digits[-1]}, the Luhn (modulus 10) check digit is {expected}.")


def check_digit(digits: str) -> str:
    """The Luhn check digit to append to *digits*."""
    return luhn.calc_check_digit(digits)
