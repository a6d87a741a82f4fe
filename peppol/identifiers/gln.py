"""GS1 Global Location Number (GLN), the identifier of ISO 6523 ICD / EAS ``0088``.

Rule: digits, the last a GS1 check digit (modulus 10, weights 3 and 1 alternating from the
right of the other digits), as PEPPOL-COMMON-R040 checks it (``u:gln`` in
``parts/function/gln.xml`` of Peppol poacc-upgrade-3 v3.0.15). That rule does not fix the
length, so neither does this module; a GLN proper has 13 digits (GS1 General
Specifications, section 3.4.2). python-stdnum's :mod:`stdnum.ean` computes the same digit.

Messages are worded for a Peppol participant identifier of scheme 0088.

>>> validate('7300010000001')
'7300010000001'
>>> is_valid('7300010000002')
False
"""
from __future__ import annotations

from stdnum import ean as _ean

from ._digits import is_valid_for
from .exceptions import InvalidChecksum, InvalidFormat, InvalidLength

__all__ = ["compact", "validate", "is_valid", "format", "calc_check_digit", "NAME"]

NAME = "GLN"


def compact(value: str) -> str:
    """Remove whitespace (and nothing else)."""
    return "".join(str(value).split())


def calc_check_digit(digits: str) -> str:
    """The GS1 check digit to append to *digits*.

    >>> calc_check_digit('730001000000')
    '1'
    """
    return _ean.calc_check_digit(digits)


def validate(value: str) -> str:
    """Return the compact digits, or raise a :class:`ValueError` subclass."""
    number = compact(value)
    if not number.isdigit() or not number.isascii():
        raise InvalidFormat("a GLN (scheme 0088) has digits only.")
    if len(number) < 2:
        raise InvalidLength("a GLN (scheme 0088) is too short.")
    if calc_check_digit(number[:-1]) != number[-1]:
        raise InvalidChecksum("the GS1 check digit of the GLN (scheme 0088) is wrong (PEPPOL-COMMON-R040).")
    return number


is_valid = is_valid_for(validate)


def format(value: str) -> str:  # noqa: A001 - the python-stdnum name
    """The digits, as they are written in UBL."""
    return validate(value)
