"""Norwegian organisation number (organisasjonsnummer), ISO 6523 ICD / EAS ``0192``.

Rule (PEPPOL-COMMON-R041, Peppol poacc-upgrade-3 v3.0.15, function ``u:mod11`` in
``parts/function/mod11.xml``): 9 digits, not all zero, the last a modulus 11 check digit
over the first eight with the weights 2, 3, 4, 5, 6, 7 repeated from the right
(Brønnøysundregistrene: 3 2 7 6 5 4 3 2 from the left); a remainder that would give 10 has
no valid check digit. Presentation ``NNN NNN NNN``.

>>> validate('974 760 673')
'974760673'
>>> format('974760673')
'974 760 673'
>>> is_valid('974760674')
False
"""
from __future__ import annotations

from ._digits import fixed_digits, is_valid_for, strip_separators
from .exceptions import InvalidChecksum

__all__ = ["compact", "validate", "is_valid", "format", "checksum_ok", "NAME"]

NAME = "Norwegian organisation number"


def compact(value: str) -> str:
    """Strip spaces, hyphens and dots and surrounding whitespace."""
    return strip_separators(value)


def checksum_ok(digits: str) -> bool:
    """The test of ``u:mod11`` on a string of digits: not zero, and the modulus 11 check digit
    (weights 2..7 repeated from the right of the body) is the last digit."""
    body, check = digits[:-1], digits[-1]
    total = sum(int(d) * (i % 6 + 2) for i, d in enumerate(reversed(body)))
    return int(digits) > 0 and (11 - total % 11) % 11 == int(check)


def validate(value: str) -> str:
    """Return the compact 9 digits, or raise a :class:`ValueError` subclass."""
    number = fixed_digits(compact(value), NAME, 9)
    if not checksum_ok(number):
        raise InvalidChecksum(f"{NAME}: the modulus 11 check digit is wrong (PEPPOL-COMMON-R041).")
    return number


is_valid = is_valid_for(validate)


def format(value: str) -> str:  # noqa: A001 - the python-stdnum name
    """``NNN NNN NNN``."""
    number = validate(value)
    return f"{number[:3]} {number[3:6]} {number[6:]}"
