"""Cell values of a provider's tables (CSV text or typed XLSX cells) -> Python values.

Every parser raises ``ValueError`` with a message that quotes the cell through
:func:`shown`, which masks anything shaped like a personnummer.

* Dates are ``YYYY-MM-DD`` (or a real date cell); times ``HH:MM`` (``H:MM`` and
  ``HH:MM:00`` accepted, ``24:00`` where an end is read; an Excel time cell or day fraction).
* Yes/no: ``yes/no/ja/nej/true/false/1/0`` (``y/n/j`` too); a blank cell states nothing.
* Decimals: ``,`` or ``.`` as the separator (not both), spaces as thousands separators.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from .model import mask_pnr, validate_pnr

__all__ = [
    "alias", "cell_text", "lookup", "parse_bool", "parse_date", "parse_decimal", "parse_pnr", "parse_time", "shown",
]


def cell_text(value: Any) -> str:
    """The cell as stripped text (an integral float as digits: numbers in identity columns)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


_PNR_LIKE = re.compile(r"^(\d{6}|\d{8})[-+]?\d{4}$")


def shown(value: Any) -> str:
    """The cell as quoted in a message; anything shaped like a personnummer is masked."""
    text = cell_text(value)
    if _PNR_LIKE.match(text):
        text = mask_pnr(text)
    return repr(text if len(text) <= 40 else text[:37] + "...")


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(00))?$")
_EXCEL_EPOCH_DAYS = (date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1))


def parse_date(value: Any) -> date:
    """A date ``YYYY-MM-DD`` (or a date cell without a time)."""
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise ValueError(f"{shown(value)} is a date and time, expected a date YYYY-MM-DD")
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if text == "":
        raise ValueError("missing")
    m = _DATE_RE.match(text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise ValueError(f"{shown(value)} is not a date YYYY-MM-DD")


def parse_time(value: Any, *, allow_24: bool = False) -> time:
    """A wall-clock time; ``24:00`` (end only) is returned as 00:00 (it means midnight)."""
    if isinstance(value, datetime):
        if value.date() in _EXCEL_EPOCH_DAYS and value.second == 0 and value.microsecond == 0:
            return value.time().replace(tzinfo=None)
        raise ValueError(f"{shown(value)} is a date and time, expected a time HH:MM")
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise ValueError(f"{shown(value)} has seconds, expected a time HH:MM")
        return value.replace(tzinfo=None)
    if isinstance(value, float) and 0 <= value < 1:  # an Excel time stored as a day fraction
        minutes = round(value * 24 * 60)
        if abs(minutes - value * 24 * 60) < 1e-6 and minutes < 24 * 60:
            return time(minutes // 60, minutes % 60)
    text = cell_text(value)
    if text == "":
        raise ValueError("missing")
    m = _TIME_RE.match(text)
    if m:
        hh, mm = int(m[1]), int(m[2])
        if hh == 24 and mm == 0 and allow_24:
            return time(0)
        if hh < 24 and mm < 60:
            return time(hh, mm)
    raise ValueError(f"{shown(value)} is not a time HH:MM")


_YES = {"yes", "y", "ja", "j", "true", "sant", "1", "x"}
_NO = {"no", "n", "nej", "false", "falskt", "0"}


def parse_bool(value: Any) -> bool | None:
    """True/False, or None for a blank cell (states nothing)."""
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text == "":
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"{shown(value)} is not yes/no (yes, no, ja, nej, true, false, 1, 0)")


def alias(table: dict[str, Any]) -> dict[str, Any]:
    """The table with its keys normalised as :func:`lookup` normalises a cell."""
    out = {}
    for k, v in table.items():
        out[re.sub(r"[\s\-]+", "_", k.strip().lower())] = v
    return out



def lookup(table: dict[str, Any], value: Any, what: str) -> Any:
    """The value a cell names in ``table`` (made with :func:`alias`), or ValueError listing them."""
    key = re.sub(r"[\s\-]+", "_", cell_text(value).lower())
    if key in table:
        return table[key]
    canonical = sorted({v.value for v in table.values()})
    raise ValueError(f"{shown(value)} is not a {what} ({', '.join(canonical)})")


def parse_decimal(value: Any) -> Decimal:
    """A decimal number, exact (``Decimal``), from text or a number cell."""
    if isinstance(value, bool):
        raise ValueError(f"{shown(value)} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = re.sub(r"[\s\u00a0\u202f\u2009]", "", cell_text(value))
    if "," in text and "." in text:
        raise ValueError(f"{shown(value)} mixes ',' and '.'; write one decimal separator only")
    if not re.fullmatch(r"-?\d+([.,]\d+)?", text):
        raise ValueError(f"{shown(value)} is not a number")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{shown(value)} is not a number") from None


def parse_pnr(value: Any) -> str:
    """A validated personnummer; the message never repeats the value."""
    text = cell_text(value)
    if text == "":
        raise ValueError("missing")
    return validate_pnr(text)
