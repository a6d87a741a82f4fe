"""Belgian enterprise number (ondernemingsnummer / numéro d'entreprise, KBO/BCE), ISO 6523
ICD / EAS ``0208``.

Rule (PEPPOL-COMMON-R043, Peppol poacc-upgrade-3 v3.0.15, function ``u:mod97-0208`` in
``parts/function/mod97-0208.xml``): 10 digits, the last two being 97 minus the first eight
modulo 97. Presentation ``NNNN.NNN.NNN``.

>>> validate('0403.170.701')
'0403170701'
>>> format('0403170701')
'0403.170.701'
>>> is_valid('0403170702')
False
"""
from __future__ import annotations

from ._digits import fixed_digits, is_valid_for, strip_separators
from .exceptions import InvalidChecksum

__all__ = ["compact", "validate", "is_valid", "format", "checksum_ok", "NAME"]

NAME = "Belgian enterprise number"


def compact(value: str) -> str:
    """Strip spaces, hyphens and dots and surrounding whitespace."""
    return strip_separators(value)


def checksum_ok(digits: str) -> bool:
    """The test of ``u:mod97-0208`` on 10 digits: digits 9-10 are 97 - (digits 1-8 mod 97)."""
    return 97 - int(digits[:8]) % 97 == int(digits[8:])


def validate(value: str) -> str:
    """Return the compact 10 digits, or raise a :class:`ValueError` subclass."""
    number = fixed_digits(compact(value), NAME, 10)
    if not checksum_ok(number):
        raise InvalidChecksum(f"{NAME}: the modulus 97 check digits are wrong (PEPPOL-COMMON-R043).")
    return number


is_valid = is_valid_for(validate)


def format(value: str) -> str:  # noqa: A001 - the python-stdnum name
    """``NNNN.NNN.NNN``."""
    number = validate(value)
    return f"{number[:4]}.{number[4:7]}.{number[7:]}"
