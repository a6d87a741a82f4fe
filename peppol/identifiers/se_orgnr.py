"""Swedish organisation number (organisationsnummer), the identifier of ISO 6523 ICD 0007.

Rule (Skatteverket, "Organisationsnummer", SKV 709; python-stdnum :mod:`stdnum.se.orgnr`):
10 digits, the last a Luhn (modulus 10) check digit over the first nine. The Peppol
national rules check the same for the seller's legal registration identifier
(``SE-R-003`` numeric, ``SE-R-004`` 10 characters, ``SE-R-013`` Luhn; PEPPOL-EN16931-UBL.sch
of Peppol BIS Billing 3.0).

The customary presentation is ``NNNNNN-NNNN``. The 12-digit form with the century prefix
``16`` used by some registers is accepted by :func:`compact` and reduced to 10 digits.

>>> validate('212000-1306')
'2120001306'
>>> format('2120001306')
'212000-1306'
"""
from __future__ import annotations

from functools import lru_cache

from stdnum.se import orgnr as _stdnum_orgnr

from . import luhn
from ._digits import is_valid_for
from .exceptions import InvalidFormat, InvalidLength

__all__ = ["compact", "validate", "is_valid", "format", "NAME"]

NAME = "Swedish organisation number"


def compact(value: str) -> str:
    """Strip separators (space, ``-``, ``.``, ``+``) and surrounding whitespace; drop a
    leading ``16`` century prefix from a 12-digit value."""
    number = _stdnum_orgnr.compact(str(value)).replace("+", "")
    if len(number) == 12 and number.startswith("16"):
        number = number[2:]
    return number


def validate(value: str) -> str:
    """Return the compact 10-digit form, or raise a :class:`ValueError` subclass."""
    return _validated(str(value))


# A document names the same few parties many times, and every model that holds a party checks
# it again: remember the valid ones (an invalid value raises and is not remembered).
@lru_cache(maxsize=4096)
def _validated(value: str) -> str:
    number = compact(value)
    if not number:
        raise InvalidFormat(f"{NAME}: the value is empty.")
    if not number.isdigit() or not number.isascii():
        raise InvalidFormat(f"{NAME}: only digits (and the separator '-') are allowed.")
    if len(number) != 10:
        raise InvalidLength(f"{NAME}: must have 10 digits, got {len(number)}.")
    luhn.check(number, NAME)
    return number


is_valid = is_valid_for(validate)


def format(value: str) -> str:  # noqa: A001 - the python-stdnum name
    """The presentation form ``NNNNNN-NNNN`` of a valid number."""
    number = validate(value)
    return f"{number[:6]}-{number[6:]}"
