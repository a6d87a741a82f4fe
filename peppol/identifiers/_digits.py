"""What the identifier modules share: separators, digit strings of a fixed length, and
python-stdnum's ``is_valid`` built from ``validate``.

>>> strip_separators(' 212000-1306 ')
'2120001306'
>>> fixed_digits('12345', 'Example number', 6)
Traceback (most recent call last):
    ...
peppol.identifiers.exceptions.InvalidLength: Example number: must have 6 digits, got 5.
"""
from __future__ import annotations

from collections.abc import Callable

from .exceptions import InvalidFormat, InvalidLength

SEPARATORS = " -.\t"
"""What :func:`strip_separators` removes: the separators people write in account and
registration numbers."""


def strip_separators(value: str) -> str:
    """*value* without spaces, hyphens, dots and tabs, and without surrounding whitespace."""
    return "".join(ch for ch in str(value) if ch not in SEPARATORS).strip()


def fixed_digits(number: str, name: str, length: int) -> str:
    """*number* when it is *length* ASCII digits; else :class:`InvalidFormat` or
    :class:`InvalidLength` naming *name* (never the value)."""
    if not number.isdigit() or not number.isascii():
        raise InvalidFormat(f"{name}: only digits are allowed.")
    if len(number) != length:
        raise InvalidLength(f"{name}: must have {length} digits, got {len(number)}.")
    return number


def is_valid_for(validate: Callable[[str], str]) -> Callable[[str], bool]:
    """The ``is_valid(value)`` of a module: whether its *validate* accepts the value."""
    def is_valid(value: str) -> bool:
        try:
            validate(value)
        except ValueError:
            return False
        return True

    is_valid.__doc__ = f"Whether *value* passes :func:`{validate.__module__}.validate`."
    return is_valid
