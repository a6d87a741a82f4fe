"""Peppol participant identifier ``scheme:value`` (e.g. ``0007:2120001306``).

Source: Peppol Policy for use of Identifiers — a participant identifier is the identifier
scheme code from the Peppol code list of participant identifier schemes (the same codes as
the CEF Electronic Address Scheme list, EAS, that BR-CL-25 checks for EndpointID), a colon,
and the identifier value; on the network it is qualified by the identifier scheme
``iso6523-actorid-upis`` (``iso6523-actorid-upis::0007:2120001306``). Participant
identifiers are compared case-insensitively.

Value rules by scheme that this module checks:

* ``0007`` Swedish organisation number: 10 digits with a Luhn check digit
  (:mod:`.se_orgnr`);
* ``0088`` GS1 GLN: digits with a valid GS1 (modulus 10, weights 3-1) check digit, as
  PEPPOL-COMMON-R040 checks it (:mod:`.gln`).

Other schemes are checked for a non-empty value without whitespace only.

>>> parse('0007:212000-1306')
ParticipantId(scheme='0007', value='2120001306')
"""
from __future__ import annotations

from typing import NamedTuple

from .. import codes
from . import gln, se_orgnr
from ._digits import is_valid_for
from .exceptions import InvalidComponent, InvalidFormat, InvalidIdentifier

__all__ = ["ParticipantId", "compact", "parse", "validate", "is_valid", "format", "validate_value", "NAME"]

NAME = "Peppol participant identifier"
_QUALIFIER = codes.PARTICIPANT_ID_SCHEME + "::"


class ParticipantId(NamedTuple):
    """A parsed participant identifier: ICD/EAS scheme code and value."""

    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    @property
    def qualified(self) -> str:
        """``iso6523-actorid-upis::scheme:value``."""
        return f"{_QUALIFIER}{self.scheme}:{self.value}"


def _split(value: str) -> tuple[str, str]:
    text = str(value).strip()
    if text.lower().startswith(_QUALIFIER):
        text = text[len(_QUALIFIER):]
    scheme, sep, rest = text.partition(":")
    if not sep:
        raise InvalidFormat(f"{NAME}: expected 'scheme:value', e.g. '0007:2120001306' (no ':' found).")
    return scheme.strip().upper(), rest.strip()


def validate_value(scheme: str, value: str) -> str:
    """Validate *value* as an identifier of *scheme* and return its compact form."""
    scheme = str(scheme).strip().upper()
    value = str(value).strip()
    if scheme == codes.EAS_SE_ORGNR:
        return se_orgnr.validate(value)
    if scheme == codes.EAS_GLN:
        try:
            return gln.validate(value)
        except InvalidIdentifier as exc:
            raise type(exc)(f"{NAME}: {exc}") from None
    if not value:
        raise InvalidFormat(f"{NAME}: the value after the scheme {scheme} is empty.")
    if any(ch.isspace() for ch in value):
        raise InvalidFormat(f"{NAME}: the value must not contain whitespace.")
    return value


def compact(value: str) -> str:
    """Strip whitespace and the ``iso6523-actorid-upis::`` qualifier, upper-case the scheme,
    and compact the value of a known scheme (``0007:212000-1306`` → ``0007:2120001306``).
    Does not validate."""
    scheme, rest = _split(value)
    if scheme == codes.EAS_SE_ORGNR:
        rest = se_orgnr.compact(rest)
    elif scheme == codes.EAS_GLN:
        rest = gln.compact(rest)
    return f"{scheme}:{rest}"


def parse(value: str) -> ParticipantId:
    """Validate and split into ``(scheme, value)``; raises a :class:`ValueError` subclass."""
    scheme, rest = _split(value)
    if not scheme:
        raise InvalidFormat(f"{NAME}: the scheme before ':' is empty.")
    if scheme not in codes.EAS_CODES:
        raise InvalidComponent(f"{NAME}: unknown identifier scheme {scheme!r} (not in the EAS code list, BR-CL-25).")
    return ParticipantId(scheme, validate_value(scheme, rest))


def validate(value: str) -> str:
    """Return the compact form ``scheme:value``, or raise a :class:`ValueError` subclass."""
    return str(parse(value))


is_valid = is_valid_for(validate)


def format(value: str) -> str:  # noqa: A001
    """The canonical ``scheme:value`` form (unqualified)."""
    return validate(value)
