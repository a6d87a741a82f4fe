"""Readers: a provider's files -> model objects, with every problem named by file, row, field.

Nothing here writes, logs or prints. A reader collects *all* problems in the input and raises
one :class:`InputErrors` at the end, so a provider fixes a file in one pass. Messages never
repeat a personnummer (not even a malformed one: it may be a real number with a typo); they
name the file, the row and the field.

The readers, by job (this module gathers their public names):

* :mod:`invoices.input_errors` — :class:`InputError`, :class:`InputErrors`;
* :mod:`invoices.tables` — CSV/XLSX files and folders, header and rows (row numbers as a
  spreadsheet shows them, ``#`` comment rows); :mod:`invoices.cells` — cell values;
* :mod:`invoices.timereports` — time reports, one row per shift (:func:`read_timereports`,
  :func:`parse_local_shift`);
* :mod:`invoices.decisions` — decisions (:func:`read_decisions`);
* :mod:`invoices.provider` — the provider profile, TOML (:func:`read_provider`).
"""
from __future__ import annotations

from .decisions import DECISION_COLUMNS, read_decisions
from .input_errors import InputError, InputErrors
from .provider import read_provider
from .timereports import (
    TIMEREPORT_COLUMNS,
    TIMEREPORT_OPTIONAL,
    TIMEREPORT_REQUIRED,
    parse_local_shift,
    read_timereports,
)

__all__ = [
    "InputError",
    "InputErrors",
    "TIMEREPORT_COLUMNS",
    "TIMEREPORT_REQUIRED",
    "TIMEREPORT_OPTIONAL",
    "DECISION_COLUMNS",
    "read_timereports",
    "read_decisions",
    "read_provider",
    "parse_local_shift",
]
