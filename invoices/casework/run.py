"""One run of every check over a period: findings, exclusive cuts, and per invoice what is
invoiced, reimbursable and disputed.

The run reads the input tables of :mod:`invoices.casework.frame` (all shifts known, every
provider and client, with the reference periods around the month) and judges the invoices of
the period (``invoices.period``; credit notes and credited invoices are context only). Steps:

1. the checks that judge work as it was performed (double billing, 9 d § 1-3 LSS, the
   decision's validity and kind, working time, the 20-hour invoice, sick pay, formalities);
2. their cuts made exclusive (:mod:`invoices.casework.resolve`);
3. the granted hours, counted on the hours still reimbursable after step 2 (a granted hour
   is one the municipality would pay for);
4. the money checks per line (arithmetic, rate), on what no cut took;
5. amounts per finding and invoice, to the öre.

Deterministic: every query orders its output, keys are derived from the data, and
:meth:`CaseRun.digest` is the SHA-256 of the canonical result, so a re-run on the same data
proves itself equal.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

import duckdb

from ..agreements import Profile
from ..hours import ZERO, line_amount, round_hours
from .fk import FK_SELLER
from .frame import create_outputs
from .resolve import owned_by_line, resolve_cuts

__all__ = ["CaseFinding", "CaseRun", "CheckContext", "InvoiceResult", "run_checks"]


@dataclass(frozen=True)
class CheckContext:
    """What the checks need besides the tables: the month judged and the rules' data."""

    period: str  # YYYY-MM
    profiles: Mapping[str, Profile]
    fk_amounts: Mapping[int, Decimal] = field(default_factory=dict)  # FK's standard amount per year
    fk_seller: str = FK_SELLER  # Försäkringskassan (org nr 202100-5521)
    levels: Mapping[str, str] = field(default_factory=dict)  # code -> error | warning | off

    @property
    def first_day(self) -> date:
        y, m = (int(p) for p in self.period.split("-"))
        return date(y, m, 1)

    @property
    def next_month(self) -> date:
        d = self.first_day
        return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


@dataclass(frozen=True)
class CaseFinding:
    key: str
    code: str
    basis: str
    severity: str
    message: str
    seconds: int
    hours: Decimal
    amount: Decimal
    shift_ids: tuple[int, ...]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hours"], d["amount"], d["shift_ids"] = str(self.hours), str(self.amount), list(self.shift_ids)
        return d


@dataclass(frozen=True)
class InvoiceResult:
    invoice_id: int
    number: str
    seller: str
    invoiced: Decimal
    reimbursable: Decimal
    disputed: Decimal
    findings: tuple[CaseFinding, ...]

    def to_dict(self) -> dict:
        return {"invoice_id": self.invoice_id, "number": self.number, "seller": self.seller,
                "invoiced": str(self.invoiced), "reimbursable": str(self.reimbursable),
                "disputed": str(self.disputed), "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class CaseRun:
    period: str
    invoices: tuple[InvoiceResult, ...]
    cuts: tuple[tuple[str, int, object, object, int], ...]  # key, shift_id, start, end, seconds

    def digest(self) -> str:
        canonical = json.dumps({"period": self.period, "invoices": [i.to_dict() for i in self.invoices],
                                "cuts": [[k, s, a.isoformat(), b.isoformat(), n] for k, s, a, b, n in self.cuts]},
                               sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def invoice(self, number: str) -> InvoiceResult:
        return next(i for i in self.invoices if i.number == number)


CENT = Decimal("0.01")  # amounts are shown to the öre (each was rounded once already: resolve)
Check = Callable[[duckdb.DuckDBPyConnection, CheckContext], None]


def _checks() -> tuple[Sequence[Check], Sequence[Check], Sequence[Check]]:
    from . import billing, decisions, eligibility, formalities, fk, sickpay, worktime
    performed = (billing.double_billing, eligibility.not_a_cost_of_assistance, decisions.outside_decision,
                 *worktime.CHECKS, fk.fk_twenty_hours, sickpay.sick_pay_claims, formalities.formalities)
    granted = (decisions.beyond_granted_hours,)
    money = (billing.line_arithmetic, billing.line_rate)
    return performed, granted, money


def _select_targets(con: duckdb.DuckDBPyConnection, ctx: CheckContext) -> None:
    con.execute("""CREATE OR REPLACE TEMP TABLE target_invoices AS
        SELECT invoice_id FROM invoices WHERE period = ? AND doc_kind = 'invoice' AND NOT credited""",
                [ctx.period])


def _apply_levels(con: duckdb.DuckDBPyConnection, ctx: CheckContext) -> None:
    """The municipality's levels: a code set to ``off`` is dropped with its cuts; ``warning``
    keeps the finding but cuts nothing; ``error`` cuts."""
    by_level: dict[str, list[str]] = defaultdict(list)
    for code, level in sorted(ctx.levels.items()):
        by_level[level].append(code)
    uncut = by_level["off"] + by_level["warning"]
    if uncut:
        marks = ", ".join("?" * len(uncut))
        for table in ("f_cuts", "f_amounts"):
            con.execute(f"DELETE FROM {table} WHERE key IN (SELECT key FROM f_findings WHERE code IN ({marks}))", uncut)
    if by_level["off"]:
        con.execute(f"DELETE FROM f_findings WHERE code IN ({', '.join('?' * len(by_level['off']))})", by_level["off"])
    for level in ("warning", "error"):
        if by_level[level]:
            con.execute(f"UPDATE f_findings SET severity = ? WHERE code IN ({', '.join('?' * len(by_level[level]))})",
                        [level, *by_level[level]])


def run_checks(con: duckdb.DuckDBPyConnection, ctx: CheckContext) -> CaseRun:
    """Every check over the loaded tables; the result for the invoices of ``ctx.period``."""
    performed, granted, money = _checks()
    create_outputs(con)
    _select_targets(con, ctx)
    for check in performed:
        check(con, ctx)
    _apply_levels(con, ctx)
    resolve_cuts(con)
    for check in granted:
        check(con, ctx)
    _apply_levels(con, ctx)
    resolve_cuts(con)
    for check in money:
        check(con, ctx)
    _apply_levels(con, ctx)
    return _collect(con, ctx)


def _line_prices(con: duckdb.DuckDBPyConnection) -> Callable[[int, str, str, int], Decimal | None]:
    """The price a cut of (invoice, decision, kind, year) is priced at: that of the invoice's
    line billing it, the same matching as the loader's ``shifts.billed`` (a line's decision,
    kind or year that could not be read matches any; a line reading neither decision nor kind
    bills no shift); the most specific line first (fewest unread), then the lowest line id."""
    by_invoice: dict[int, list[tuple]] = defaultdict(list)
    for inv, dec, kind, year, line_id, price in con.execute("""
            SELECT invoice_id, decision_id, kind, year, line_id, price FROM lines
            WHERE (decision_id IS NOT NULL OR kind IS NOT NULL) AND price IS NOT NULL
              AND invoice_id IN (SELECT invoice_id FROM target_invoices)  -- only their shifts are cut
            ORDER BY invoice_id, (decision_id IS NULL)::INT + (kind IS NULL)::INT + (year IS NULL)::INT,
                     line_id""").fetchall():
        by_invoice[inv].append((dec, kind, year, Decimal(price)))

    def price(inv: int, dec: str, kind: str, year: int) -> Decimal | None:
        return next((p for d, k, y, p in by_invoice.get(inv, ())
                     if d in (None, dec) and k in (None, kind) and y in (None, year)), None)
    return price


def _collect(con: duckdb.DuckDBPyConnection, ctx: CheckContext) -> CaseRun:
    prices = _line_prices(con)
    seconds: dict[tuple[str, int], int] = defaultdict(int)
    amounts: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for key, inv, dec, kind, year, secs in owned_by_line(con):
        seconds[(key, inv)] += secs
        price = prices(inv, dec, kind, year)
        if price is not None:
            amounts[(key, inv)] += line_amount(round_hours(secs), price)
    for key, inv, amount, secs in con.execute(
            "SELECT key, invoice_id, sum(amount), sum(seconds)::BIGINT FROM f_amounts GROUP BY ALL ORDER BY ALL").fetchall():
        amounts[(key, inv)] += Decimal(amount)
        seconds[(key, inv)] += secs

    # Which invoices each finding concerns: those it cuts or prices, the invoice it names,
    # and the invoices of the shifts it names (all within the period's targets).
    concern = con.execute("""
        WITH named AS (
            SELECT f.key, s.invoice_id FROM f_findings f, unnest(coalesce(f.shift_ids, [])) AS u(sid)
            JOIN shifts s ON s.shift_id = u.sid
            UNION SELECT key, invoice_id FROM f_findings WHERE invoice_id IS NOT NULL
            UNION SELECT o.key, s.invoice_id FROM r_owned o JOIN shifts s USING (shift_id)
            UNION SELECT key, invoice_id FROM f_amounts
        )
        SELECT DISTINCT n.key, n.invoice_id FROM named n
        WHERE n.invoice_id IN (SELECT invoice_id FROM target_invoices) ORDER BY ALL
    """).fetchall()
    info = {r[0]: r[1:] for r in con.execute(
        "SELECT key, code, basis, severity, message, coalesce(list_sort(shift_ids), []) FROM f_findings ORDER BY key").fetchall()}
    per_invoice: dict[int, list[CaseFinding]] = defaultdict(list)
    for key, inv in concern:
        if key not in info:
            continue
        code, basis, severity, message, shift_ids = info[key]
        secs = seconds.get((key, inv), 0)
        per_invoice[inv].append(CaseFinding(
            key=key, code=code, basis=basis, severity=severity, message=message, seconds=secs,
            hours=round_hours(secs), amount=amounts.get((key, inv), ZERO).quantize(CENT), shift_ids=tuple(shift_ids)))

    results = []
    for inv, number, seller, payable in con.execute("""
            SELECT i.invoice_id, i.number, i.seller, i.payable FROM invoices i
            JOIN target_invoices USING (invoice_id) ORDER BY i.seller, i.number, i.invoice_id""").fetchall():
        found = tuple(sorted(per_invoice.get(inv, ()), key=lambda f: (f.code, f.key)))
        invoiced = Decimal(payable)
        disputed = (min(invoiced, sum((f.amount for f in found), ZERO)) if invoiced > 0 else ZERO).quantize(CENT)
        results.append(InvoiceResult(inv, number, seller, invoiced, invoiced - disputed, disputed, found))
    cuts = tuple(con.execute(
        "SELECT key, shift_id, cut_start, cut_end, seconds FROM r_owned ORDER BY shift_id, cut_start").fetchall())
    return CaseRun(ctx.period, tuple(results), cuts)
