"""Decisions (CSV or XLSX) -> :class:`~invoices.model.Decision`.

Columns ``decision_id, client_pnr, municipality, kind, valid_from, valid_to,
granted_hours, granted_per`` (and a free ``comment`` column that is ignored); ``kind``
base/extension/sickpay (grundbeslut, utökning/tillfällig utökning, sjuklön/merkostnad
sjuklön); ``granted_per`` week/month/period (vecka, månad); ``granted_hours`` a decimal with
``,`` or ``.`` (spaces as thousands separators allowed). A ``decision_id`` may occur once.

``municipality`` names the buyer. Read with a registry, the cell must name one of its
buyers as :meth:`invoices.registry.Municipality.matches` understands it (slug, name with or
without "kommun"/"stad", any case, with or without å/ä/ö, org nr with or without the
hyphen); a cell naming none is an error naming the value, the file and the row and listing
the known buyers. The cell is kept as written.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from .cells import alias, lookup, parse_date, parse_decimal, parse_pnr, shown
from .input_errors import Collector
from .model import Decision, DecisionKind, GrantedPer
from .registry import Registry, UnknownMunicipality
from .tables import IGNORED_COLUMNS, RowReader, read_table, table_files

__all__ = ["DECISION_COLUMNS", "read_decisions"]

DECISION_COLUMNS = (
    "decision_id", "client_pnr", "municipality", "kind",
    "valid_from", "valid_to", "granted_hours", "granted_per",
)
_DECISION_KINDS = alias({
    "base": DecisionKind.BASE, "grundbeslut": DecisionKind.BASE, "grund": DecisionKind.BASE,
    "extension": DecisionKind.EXTENSION, "utökning": DecisionKind.EXTENSION,
    "utokning": DecisionKind.EXTENSION, "tillfällig utökning": DecisionKind.EXTENSION,
    "tillfallig utokning": DecisionKind.EXTENSION,
    "sickpay": DecisionKind.SICKPAY, "sick pay": DecisionKind.SICKPAY,
    "sjuklön": DecisionKind.SICKPAY, "sjuklon": DecisionKind.SICKPAY,
    "merkostnad sjuklön": DecisionKind.SICKPAY, "merkostnad sjuklon": DecisionKind.SICKPAY,
})
_GRANTED_PER = alias({
    "week": GrantedPer.WEEK, "vecka": GrantedPer.WEEK,
    "month": GrantedPer.MONTH, "månad": GrantedPer.MONTH, "manad": GrantedPer.MONTH,
    "period": GrantedPer.PERIOD, "beslutsperiod": GrantedPer.PERIOD,
})


def read_decisions(path: str | Path, registry: Registry | None = None) -> list[Decision]:
    """Decisions from a CSV (or XLSX) file, in file order. Raises :class:`InputErrors`.

    With ``registry``, every ``municipality`` cell must name one of its buyers (module notes).
    """
    out = Collector()
    decisions: list[Decision] = []
    seen: dict[str, str] = {}
    for file in table_files(Path(path), out):
        table = read_table(file, out, known=DECISION_COLUMNS, required=DECISION_COLUMNS,
                           ignored=IGNORED_COLUMNS)
        if table is None:
            continue
        for row in table.rows:
            decision = _decision(RowReader(table, row, out), seen, registry)
            if decision is not None:
                decisions.append(decision)
    out.raise_if_any()
    return decisions


def _decision(cells: RowReader, seen: dict[str, str], registry: Registry | None) -> Decision | None:
    """One row's decision, or None when the row has a problem (recorded in the collector)."""
    where = f"{cells.table.file} row {cells.row.number}"
    decision_id = cells.required_text("decision_id")
    if decision_id is not None:
        if decision_id in seen:
            cells.error("decision_id", f"decision {decision_id!r} is already given on {seen[decision_id]}")
        else:
            seen[decision_id] = where
    client = cells.get("client_pnr", parse_pnr)
    municipality = cells.required_text("municipality")
    if municipality is not None and registry is not None:
        try:
            registry.find(municipality)
        except UnknownMunicipality as exc:
            cells.error("municipality", str(exc))
    kind = cells.get("kind", lambda v: lookup(_DECISION_KINDS, v, "decision kind"))
    valid_from = cells.get("valid_from", parse_date)
    valid_to = cells.get("valid_to", parse_date)
    hours = cells.get("granted_hours", parse_decimal)
    if hours is not None and hours < 0:
        cells.error("granted_hours", f"{shown(cells.raw('granted_hours'))} is negative")
    per = cells.get("granted_per", lambda v: lookup(_GRANTED_PER, v, "unit"))
    if valid_from and valid_to and valid_to < valid_from:
        cells.error("valid_to", f"{valid_to} is before valid_from {valid_from}")
    if cells.failed:
        return None
    try:
        return Decision(id=decision_id, client_pnr=client, municipality=municipality, kind=kind,
                        valid_from=valid_from, valid_to=valid_to, granted_hours=hours, granted_per=per)
    except ValidationError as exc:  # not expected after the checks above
        cells.error(None, "; ".join(e["msg"] for e in exc.errors()))
        return None
