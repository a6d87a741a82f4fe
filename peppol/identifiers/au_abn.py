"""Australian Business Number (ABN), ISO 6523 ICD / EAS ``0151``.

Rule (PEPPOL-COMMON-R050, Peppol poacc-upgrade-3 v3.0.15, function ``u:abn`` in
``parts/function/abn.xml``; Australian Business Register, "ABN format"): 11 digits;
subtract 1 from the first, weight the digits 10, 1, 3, 5, … 19, and the sum is divisible
by 89. Presentation ``NN NNN NNN NNN``.

>>> validate('51 824 753 556')
'51824753556'
>>> format('51824753556')
'51 824 753 556'
>>> is_valid('51824753557')
False
"""
from __future__ import annotations

from ._digits import fixed_digits, is_valid_for, strip_separators
from .exceptions import InvalidChecksum

__all__ = ["compact", "validate", "is_valid", "format", "checksum_ok", "NAME"]

NAME = "Australian Business Number"
_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def compact(value: str) -> str:
    """Strip spaces, hyphens and dots and surrounding whitespace."""
    return strip_separators(value)


def checksum_ok(digits: str) -> bool:
    """The test of ``u:abn`` on 11 digits: the weighted sum, first digit less one, mod 89 is 0."""
    values = [int(d) for d in digits]
    values[0] -= 1
    return sum(w * d for w, d in zip(_WEIGHTS, values)) % 89 == 0


def validate(value: str) -> str:
    """Return the compact 11 digits, or raise a :class:`ValueError` subclass."""
    number = fixed_digits(compact(value), NAME, 11)
    if not checksum_ok(number):
        raise InvalidChecksum(f"{NAME}: the modulus 89 check is wrong (PEPPOL-COMMON-R050).")
    return number


is_valid = is_valid_for(validate)


def format(value: str) -> str:  # noqa: A001 - the python-stdnum name
    """``NN NNN NNN NNN``."""
    number = validate(value)
    return f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
