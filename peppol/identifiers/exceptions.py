"""Errors raised by the identifier modules.

Each class is a :class:`ValueError` (through python-stdnum's
:class:`stdnum.exceptions.ValidationError`), so callers may catch ``ValueError``, the
python-stdnum class of the same name, or :class:`InvalidIdentifier` for all of them.

Messages name the kind of identifier and what is wrong with it, but never echo the value:
a Swedish organisation number of a sole trader is that person's personal identity number.
"""
from __future__ import annotations

from stdnum import exceptions as _std

__all__ = ["InvalidIdentifier", "InvalidFormat", "InvalidLength", "InvalidChecksum", "InvalidComponent"]


class InvalidIdentifier(_std.ValidationError):
    """Base class: the value is not a valid identifier of the kind asked for."""

    message = "The identifier is invalid."


class InvalidFormat(InvalidIdentifier, _std.InvalidFormat):
    """Characters or parts that are not allowed, or required parts missing."""

    message = "The identifier has an invalid format."


class InvalidLength(InvalidFormat, _std.InvalidLength):
    """The identifier has the wrong number of characters or digits."""

    message = "The identifier has an invalid length."


class InvalidChecksum(InvalidIdentifier, _std.InvalidChecksum):
    """The check digit does not match."""

    message = "The identifier's check digit is invalid."


class InvalidComponent(InvalidIdentifier, _std.InvalidComponent):
    """A part of the identifier refers to something unknown (e.g. an unknown scheme)."""

    message = "A part of the identifier is invalid or unknown."
