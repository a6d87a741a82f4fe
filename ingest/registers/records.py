"""The three registers: their rows, their keys, and the columns their files may have.

Each register is a table of revision 0007 (``ingest/tables.py``) holding versions: a row
replaced or removed by a later import keeps its place with ``superseded_by`` set, so a check
run can always say which version of a register it judged by.

* ``decisions``: the municipality's decisions for a client (base decision, temporary
  extension, extra cost of sick pay; 9 § 2 LSS), keyed by ``decision_id``.
* ``fk_decisions``: Försäkringskassan's decisions, the hours per week of which the
  municipality pays the first 20 (FK's 20-hour invoice), keyed by (client, valid from).
* ``assistants``: what the employer tells the municipality of each assistant under
  11 a § 1 LSS (related to or living with the client, resident inside or outside the EEA;
  whether 18 follows from the personnummer, never a column), plus the capacity to work
  (9 d § 3 LSS) and the working-time regime (9 d § 4 LSS), keyed by (assistant, valid from):
  several rows of one assistant are versions in time.

A record holds exactly the columns its table stores apart from the bookkeeping ones (``id``,
``municipality``, ``import_id``, ``superseded_by``): a file's row and a stored row are
compared as records.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from sqlalchemy import Table

from .. import tables as t
from .columns import ASSISTANT_COLUMNS, DECISION_COLUMNS, FK_DECISION_COLUMNS

__all__ = [
    "REGISTERS", "AssistantRecord", "DecisionRecord", "FkDecisionRecord", "Record", "Register", "register_named",
]


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A municipal decision: hours granted to a client per week, month or the whole period."""

    decision_id: str
    client_pnr: str            # 12 digits, validated (personnummer or samordningsnummer)
    kind: str                  # base | extension | sickpay
    valid_from: date
    valid_to: date
    granted_hours: Decimal
    granted_per: str           # week | month | period


@dataclass(frozen=True, slots=True)
class FkDecisionRecord:
    """Försäkringskassan's decision for a client: hours of assistance per week."""

    client_pnr: str
    valid_from: date
    valid_to: date
    fk_hours_per_week: Decimal


@dataclass(frozen=True, slots=True)
class AssistantRecord:
    """One version (from ``valid_from``) of what the register says of an assistant."""

    assistant_pnr: str
    valid_from: date
    name: str | None
    residence_country: str     # ISO 3166-1 alpha-2
    capacity_to_work: bool
    related_to_client: bool
    same_household: bool
    employer_org_nr: str | None  # 10 digits
    regime: str                # a working-time profile's name (invoices.agreements)
    calculation_period_weeks: int | None


Record = DecisionRecord | FkDecisionRecord | AssistantRecord


@dataclass(frozen=True)
class Register:
    """A register: its name (as ``register_imports.register`` and the check runs record it),
    its table, its record type, the columns that identify a row, and its file's columns."""

    name: str
    table: Table
    record: type
    key: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]   # column -> the other headers that mean it
    optional: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.record))

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.optional)

    def key_of(self, record: Record) -> tuple:
        return tuple(getattr(record, k) for k in self.key)

    def values(self, record: Record) -> dict:
        return {name: getattr(record, name) for name in self.fields}

    def from_row(self, row) -> Record:
        """The record of a stored row (a SQLAlchemy row with the table's columns)."""
        mapping = row._mapping
        return self.record(**{name: mapping[name] for name in self.fields})


REGISTERS: dict[str, Register] = {
    "decisions": Register("decisions", t.reg_decisions, DecisionRecord, ("decision_id",), DECISION_COLUMNS),
    "fk_decisions": Register("fk_decisions", t.reg_fk_decisions, FkDecisionRecord, ("client_pnr", "valid_from"),
                             FK_DECISION_COLUMNS),
    "assistants": Register("assistants", t.reg_assistants, AssistantRecord, ("assistant_pnr", "valid_from"),
                           ASSISTANT_COLUMNS, optional=("name", "employer_org_nr", "calculation_period_weeks")),
}


def register_named(name: str) -> Register:
    """The register called ``name`` (``fk-decisions`` as the command line spells it, too)."""
    try:
        return REGISTERS[name.replace("-", "_")]
    except KeyError:
        raise ValueError(f"no register {name!r}; the registers are: {', '.join(REGISTERS)}") from None
