"""Register files (CSV or XLSX, English or Swedish headers) -> records, every row validated.

Files, rows and cells are read as a provider's files are (:mod:`invoices.tables`,
:mod:`invoices.cells`): row numbers as the spreadsheet shows them (header = row 1), blank and
``#`` rows skipped, dates ``YYYY-MM-DD``, decimals with ``,`` or ``.``, yes/no as ``yes, no,
ja, nej, true, false, 1, 0``. Every problem of every file is collected and raised together as
:class:`invoices.input_errors.InputErrors`, each naming the file, the row and the column (the
header as the file writes it); a personnummer is never repeated in a message. Nothing is
imported from a set of files of which one has a problem.

What a row must hold
    * personnummer and samordningsnummer: valid (date and Luhn check digit;
      :func:`invoices.model.validate_pnr`), stored as 12 digits; the birth date comes from it
      and is never a column (11 a § 1 LSS: "om assistenten har fyllt 18 år");
    * decisions: ``kind`` base/extension/sickpay (grundbeslut, tillfällig utökning/utökning,
      sjuklön/merkostnad sjuklön), ``granted_per`` week/month/period (vecka, månad),
      ``granted_hours`` ≥ 0 exact; ``valid_to`` not before ``valid_from``; a ``decision_id``
      once per file;
    * FK's decisions: hours per week ≥ 0; one row per client and ``valid_from``, and the
      periods of one client do not overlap (a week has one FK figure for the 20-hour invoice);
    * assistants (11 a § 1 LSS, 9 d § LSS): ``residence_country`` an ISO 3166-1 alpha-2 code
      (:mod:`.countries`; 9 d § 2); ``capacity_to_work`` (9 d § 3), ``related_to_client`` and
      ``same_household`` yes or no, never blank; ``regime`` the name of a working-time profile
      (:func:`invoices.agreements.load_profiles`; 9 d § 4), ``calculation_period_weeks`` a
      whole number of weeks no longer than that profile allows; ``employer_org_nr`` a valid
      organisation number (:func:`invoices.model.validate_orgnr`) when given; one row per
      assistant and ``valid_from`` (several rows of one assistant are versions in time).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from invoices.agreements import Profile, load_profiles
from invoices.cells import alias, cell_text, lookup, parse_bool, parse_date, parse_decimal, parse_pnr, shown
from invoices.decisions import _DECISION_KINDS as DECISION_KINDS
from invoices.decisions import _GRANTED_PER as GRANTED_PER
from invoices.input_errors import Collector
from invoices.model import mask_pnr, validate_orgnr
from invoices.tables import TABLE_SUFFIXES, Row, RowReader, Table, read_table

from ..rows import column_problem
from .columns import IGNORED_HEADERS
from .countries import COUNTRY_CODES
from .records import AssistantRecord, DecisionRecord, FkDecisionRecord, Record, Register, register_named

__all__ = ["RegisterFile", "read_register_file", "read_register_files"]


@dataclass(frozen=True)
class RegisterFile:
    """A register file read and validated: its records in file order, and its bytes' SHA-256."""

    register: Register
    source_name: str
    sha256: str
    records: tuple[Record, ...]


# ------------------------------------------------------------------ the header

def _header_names(register: Register) -> dict[str, str]:
    """Every header the register's file may have (as :mod:`invoices.tables` normalises it) ->
    its column; the English names first."""
    names = {column: column for column in register.columns}
    names |= {other: column for column, others in register.columns.items() for other in others}
    return alias(names)


class _Cells(RowReader):
    """A row's cells by column; a problem names the column by its header in the file."""

    def __init__(self, table: Table, row: Row, out: Collector, register: Register, written: Mapping[str, str]):
        super().__init__(table, row, out)
        self.register, self.written = register, written

    def error(self, field: str | None, message: str) -> None:
        super().error(self.written.get(field, field) if field else None, message)

    def header(self, column: str) -> str:
        return self.written.get(column, column)


def _register_table(register: Register, path: Path, out: Collector) -> tuple[Table, dict[str, str]] | None:
    """The file's table with its cells keyed by column, and column -> header as written;
    None when the header has a problem (recorded)."""
    names = _header_names(register)
    table = read_table(path, out, known=tuple(names), required=(), ignored=IGNORED_HEADERS)
    if table is None:
        return None
    written: dict[str, str] = {}
    ok = True
    for header in table.columns:
        column = names.get(header)
        if column is None:  # a comment column
            continue
        if column in written:
            out.add(table.file, table.header_row, header,
                    f"means the same column as '{written[column]}' ({column}); give it once")
            ok = False
        else:
            written[column] = header
    for column in register.required:
        if column not in written:
            swedish = register.columns[column][:2]
            out.add(table.file, table.header_row, column,
                    "required column is missing" + (f" (in Swedish: {' or '.join(swedish)})" if swedish else ""))
            ok = False
    if not ok:
        return None
    for row in table.rows:
        row.cells = {names[h]: v for h, v in row.cells.items() if h in names}
    return table, written


# ------------------------------------------------------------------ cells

def _yes_no(value: Any) -> bool:
    answer = parse_bool(value)
    if answer is None:
        raise ValueError("missing: write yes or no (ja or nej)")
    return answer


def _country(value: Any) -> str:
    code = cell_text(value).upper()
    if code == "":
        raise ValueError("missing")
    if code not in COUNTRY_CODES:
        raise ValueError(f"{shown(value)} is not an ISO 3166-1 alpha-2 country code (e.g. SE, NO, FI)")
    return code


def _org_nr(value: Any) -> str | None:
    text = cell_text(value)
    return validate_orgnr(text) if text else None


def _weeks(value: Any) -> int | None:
    if cell_text(value) == "":
        return None
    try:
        weeks = parse_decimal(value)
    except ValueError:
        weeks = None
    if weeks is None or weeks != weeks.to_integral_value() or weeks < 1:
        raise ValueError(f"{shown(value)} is not a whole number of weeks (1 or more)")
    return int(weeks)


def _regime(value: Any, profiles: Mapping[str, Profile]) -> Profile:
    name = cell_text(value).lower()
    if name == "":
        raise ValueError(f"missing: one of {', '.join(sorted(profiles))}")
    if name not in profiles:
        raise ValueError(f"{shown(value)} is not a known working-time regime (the known ones: "
                         f"{', '.join(sorted(profiles))})")
    return profiles[name]


def _hours(cells: _Cells, column: str) -> Any:
    """An exact number of hours, not negative, that the store holds as it is."""
    hours = cells.get(column, parse_decimal)
    if hours is not None and hours < 0:
        cells.error(column, f"{shown(cells.raw(column))} is negative")
    elif hours is not None:
        _fits(cells, column, hours)
    return hours


def _fits(cells: _Cells, column: str, value: Any) -> None:
    """The value fits its column on SQLite and PostgreSQL alike (:func:`ingest.rows.column_problem`)."""
    problem = column_problem(cells.register.table, column, value)
    if problem:
        cells.error(column, problem)


def _validity(cells: _Cells) -> tuple[Any, Any]:
    """``valid_from`` and ``valid_to``; ``valid_to`` may not come before ``valid_from``."""
    valid_from = cells.get("valid_from", parse_date)
    valid_to = cells.get("valid_to", parse_date)
    if valid_from and valid_to and valid_to < valid_from:
        cells.error("valid_to", f"{valid_to} is before {cells.header('valid_from')} {valid_from}")
    return valid_from, valid_to


# ------------------------------------------------------------------ rows

def _decision(cells: _Cells, profiles) -> DecisionRecord | None:
    decision_id = cells.required_text("decision_id")
    if decision_id is not None:
        _fits(cells, "decision_id", decision_id)
    client = cells.get("client_pnr", parse_pnr)
    kind = cells.get("kind", lambda v: lookup(DECISION_KINDS, v, "decision kind"))
    valid_from, valid_to = _validity(cells)
    hours = _hours(cells, "granted_hours")
    per = cells.get("granted_per", lambda v: lookup(GRANTED_PER, v, "unit"))
    if cells.failed:
        return None
    return DecisionRecord(decision_id, client, kind.value, valid_from, valid_to, hours, per.value)


def _fk_decision(cells: _Cells, profiles) -> FkDecisionRecord | None:
    client = cells.get("client_pnr", parse_pnr)
    valid_from, valid_to = _validity(cells)
    hours = _hours(cells, "fk_hours_per_week")
    if cells.failed:
        return None
    return FkDecisionRecord(client, valid_from, valid_to, hours)


def _assistant(cells: _Cells, profiles: Mapping[str, Profile]) -> AssistantRecord | None:
    """One version of an assistant (11 a § 1 LSS and 9 d § LSS; the module notes)."""
    pnr = cells.get("assistant_pnr", parse_pnr)
    valid_from = cells.get("valid_from", parse_date)
    name = cells.text("name") or None
    country = cells.get("residence_country", _country)
    capacity = cells.get("capacity_to_work", _yes_no)
    related = cells.get("related_to_client", _yes_no)
    household = cells.get("same_household", _yes_no)
    employer = cells.get("employer_org_nr", _org_nr)
    profile = cells.get("regime", _regime, profiles=profiles)
    weeks = cells.get("calculation_period_weeks", _weeks)
    if profile is not None and weeks is not None and profile.ordinary is not None \
            and weeks > profile.ordinary.max_calculation_weeks:
        cells.error("calculation_period_weeks",
                    f"{weeks} weeks is longer than regime '{profile.name}' allows: at most "
                    f"{profile.ordinary.max_calculation_weeks} weeks ({profile.ordinary.basis})")
    if cells.failed:
        return None
    return AssistantRecord(pnr, valid_from, name, country, capacity, related, household, employer, profile.name,
                           weeks)


_ROWS: dict[str, Callable[[_Cells, Mapping[str, Profile]], Record | None]] = {
    "decisions": _decision, "fk_decisions": _fk_decision, "assistants": _assistant,
}


# ------------------------------------------------------------------ the file as a whole

def _key_text(register: Register, record: Record) -> str:
    """The row's key as a message may show it (a personnummer masked)."""
    if register.name == "decisions":
        return f"decision {record.decision_id!r}"
    who = "client" if register.name == "fk_decisions" else "assistant"
    pnr = record.client_pnr if register.name == "fk_decisions" else record.assistant_pnr
    return f"{who} {mask_pnr(pnr)} from {record.valid_from}"


def _once_per_key(register: Register, rows: list[tuple[_Cells, Record]]) -> None:
    """A key (decision id; person and valid_from) on one row of a file only."""
    first: dict[tuple, int] = {}
    for cells, record in rows:
        key = register.key_of(record)
        if key in first:
            cells.error(register.key[0], f"{_key_text(register, record)} is already given on row {first[key]}")
        else:
            first[key] = cells.row.number


def _fk_periods_apart(rows: list[tuple[_Cells, Record]]) -> None:
    """FK's decisions of one client do not overlap: each week has one figure of FK hours."""
    by_client: dict[str, list[tuple[_Cells, FkDecisionRecord]]] = {}
    for cells, record in rows:
        by_client.setdefault(record.client_pnr, []).append((cells, record))
    for periods in by_client.values():
        periods.sort(key=lambda item: (item[1].valid_from, item[0].row.number))
        reach = periods[0]  # of the periods so far, the one that ends last
        for cells, record in periods[1:]:
            before_cells, before = reach
            if before.valid_from < record.valid_from <= before.valid_to:
                cells.error("valid_from", f"the period {record.valid_from} to {record.valid_to} overlaps the FK "
                                          f"decision on row {before_cells.row.number} ({before.valid_from} to "
                                          f"{before.valid_to}) of the same client; one FK decision per week")
            if record.valid_to > before.valid_to:
                reach = (cells, record)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_register_file(register: Register | str, path: str | Path, out: Collector,
                       profiles: Mapping[str, Profile] | None = None) -> RegisterFile | None:
    """The file's records, or None when it has a problem (every problem recorded in ``out``).

    An unreadable path raises :class:`OSError` (an I/O error, not a problem of the file's rows).
    """
    register = register_named(register) if isinstance(register, str) else register
    profiles = load_profiles() if profiles is None else profiles
    path = Path(path)
    sha256 = _sha256(path)
    before = len(out.errors)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        out.add(path.name, None, None, "not a .csv or .xlsx file")
        return None
    found = _register_table(register, path, out)
    if found is None:
        return None
    table, written = found
    rows: list[tuple[_Cells, Record]] = []
    for row in table.rows:
        cells = _Cells(table, row, out, register, written)
        record = _ROWS[register.name](cells, profiles)
        if record is not None:
            rows.append((cells, record))
    _once_per_key(register, rows)
    if register.name == "fk_decisions":
        _fk_periods_apart(rows)
    if _sha256(path) != sha256:
        out.add(path.name, None, None, "the file changed while it was read; import it again")
    if len(out.errors) > before:
        out.errors[before:] = sorted(out.errors[before:], key=lambda e: e.row or 0)  # in row order
        return None
    return RegisterFile(register, path.name, sha256, tuple(record for _, record in rows))


def read_register_files(files: Mapping[str, str | Path],
                        profiles: Mapping[str, Profile] | None = None) -> list[RegisterFile]:
    """Every file (register name -> path) read and validated; all their problems raised
    together as :class:`~invoices.input_errors.InputErrors`."""
    registers = [register_named(name) for name in files]
    if len({r.name for r in registers}) < len(registers):
        raise ValueError(f"a register is named twice: {', '.join(files)}")
    profiles = load_profiles() if profiles is None else profiles
    out = Collector()
    read = [read_register_file(reg, path, out, profiles) for reg, path in zip(registers, files.values())]
    out.raise_if_any()
    return [f for f in read if f is not None]
