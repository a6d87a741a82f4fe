"""The monthly reconciliation: invoiced, reimbursable, disputed, approved, paid, outstanding, and
what is claimed back, per provider and per invoice.

What is read (the store, into DuckDB: the columnar engine the checks run on)
    the stored invoices of the period (the month of their invoice period, BT-73, else of their
    issue date, as the checks choose them) and of the eleven months before it (the trend), the
    credit notes naming them (BT-25), the latest check run of the municipality that judged each
    (``case_results``, ``case_findings``), the case officer's decisions, the payments and the
    recovery claims.

Per invoice (amounts in SEK, Decimal, to the öre; nothing is rounded here: every amount was
rounded once where it was made)
    ``invoiced`` payable (BT-115); ``credited`` the credit notes naming it; ``net`` the two
    netted; ``reimbursable`` and ``disputed`` (by finding code) from the latest check run;
    ``approved`` by the last decision (:mod:`.amounts`: AP the net amount, CA its amount, RE 0,
    none yet: pending); ``paid`` the payments matched to it; ``outstanding`` approved − paid when
    positive; ``recoverable`` (12 § LSS) what was paid beyond what is now owed: beyond the
    approved amount, and beyond the reimbursable amount of a check run later than the approval
    (new time reports, a corrected register, another provider's invoice for the same hours).

Findings of the run (``FIN-*``)
    ``FIN-001`` a payment of the period that matches no invoice; ``FIN-002`` an invoice paid
    more than approved (or paid with nothing approved); ``FIN-003`` a recovery claim opened by
    this run; ``FIN-004`` an invoice of the period no check run has judged.

Recovery claims: when an invoice's recoverable amount passes what its claims (any state)
already claim, the run opens a claim for the difference (``recovery_claims``, state ``open``,
the check run and finding codes that show it); :func:`settle_claim` closes one (``offset``
against a later invoice of the same seller, or ``repaid``). A re-run on the same data opens
nothing and gives the same figures.

Försäkringskassan's 20-hour invoices (seller :data:`invoices.casework.fk.FK_SELLER`) are a
section of their own, not a provider.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection

from invoices.casework.fk import FK_SELLER
from invoices.model import STOCKHOLM

from .. import tables as t
from ..batches import batches
from ..casework.load import append_rows
from .amounts import approved_of

__all__ = ["ClaimRow", "InvoiceRow", "PaymentRow", "Reconciliation", "RunFinding", "reconcile", "settle_claim"]

ZERO = Decimal("0.00")
STORED = "stored"


@dataclass(frozen=True)
class InvoiceRow:
    invoice_id: int
    number: str
    seller: str  # the endpoint, 0007:<org nr>
    seller_name: str
    fk: bool
    invoiced: Decimal
    credited: Decimal
    net: Decimal
    checked: bool
    reimbursable: Decimal | None
    disputed: Decimal | None
    disputed_by_code: dict[str, Decimal]
    status: str  # the last decision: AP CA RE UQ IP PD, or "none"
    approved: Decimal | None
    paid: Decimal
    outstanding: Decimal
    recoverable: Decimal
    credit_notes: tuple[str, ...]


@dataclass(frozen=True)
class PaymentRow:
    payment_id: int
    source: str
    row: int
    invoice_number: str
    seller_org_nr: str
    amount: Decimal
    paid_on: date
    invoice_id: int | None


@dataclass(frozen=True)
class ClaimRow:
    claim_id: int
    invoice_id: int
    number: str
    seller: str
    amount: Decimal
    state: str
    finding_codes: tuple[str, ...]
    opened_in: str  # the period whose reconciliation opened it
    offset_invoice: str | None


@dataclass(frozen=True)
class RunFinding:
    code: str
    subject: str  # an invoice number or "payment <file> row <n>"
    seller: str
    amount: Decimal
    message: str


@dataclass
class Reconciliation:
    municipality: str
    period: str
    invoices: list[InvoiceRow]
    payments: list[PaymentRow]
    claims: list[ClaimRow]
    findings: list[RunFinding]
    findings_detail: list[dict]  # the case findings of the period's invoices (latest runs)
    trend: list[dict]  # per month: invoiced, approved, disputed, paid
    weekly_hours: list[dict] = field(default_factory=list)  # clients with findings: hours per week vs granted
    lines: list[dict] = field(default_factory=list)  # the period's invoice lines

    @property
    def providers(self) -> list[dict]:
        """Per provider (Försäkringskassan apart): the sums of its invoices."""
        sums: dict[str, dict] = {}
        for inv in self.invoices:
            if inv.fk:
                continue
            p = sums.setdefault(inv.seller, {"seller": inv.seller, "name": inv.seller_name, "invoices": 0,
                                             **{k: ZERO for k in _SUMMED}})
            p["invoices"] += 1
            for k in _SUMMED:
                p[k] += getattr(inv, k) or ZERO
        return [sums[k] for k in sorted(sums)]

    def totals(self, fk: bool = False) -> dict:
        rows = [i for i in self.invoices if i.fk == fk]
        return {"invoices": len(rows), **{k: sum((getattr(i, k) or ZERO for i in rows), ZERO) for k in _SUMMED}}


_SUMMED = ("invoiced", "credited", "net", "reimbursable", "disputed", "approved", "paid", "outstanding", "recoverable")


def _month(period: str, back: int) -> str:
    y, m = (int(p) for p in period.split("-"))
    index = y * 12 + (m - 1) - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_sql(conn: Connection):
    """The invoice's month (YYYY-MM) of its period start, else issue date, in the store's SQL."""
    day = func.coalesce(t.invoices.c.period_start, t.invoices.c.issue_date)
    if conn.dialect.name == "postgresql":
        return func.to_char(day, "YYYY-MM")
    return func.strftime("%Y-%m", day)


def _load(conn: Connection, con: duckdb.DuckDBPyConnection, municipality: str, period: str) -> None:
    inv, doc, par = t.invoices, t.documents, t.parties
    first = _month(period, 11)
    month = _month_sql(conn)
    seller_name = (select(par.c.name).where(and_(par.c.invoice_id == inv.c.id, par.c.role == "seller"))
                   .limit(1).scalar_subquery())
    rows = conn.execute(select(
        inv.c.id, inv.c.invoice_number, inv.c.seller_key, seller_name, inv.c.kind, month, inv.c.payable,
        inv.c.preceding_invoice,
    ).join(doc, doc.c.id == inv.c.document_id).where(and_(
        doc.c.state == STORED, (inv.c.kind == "creditnote") | and_(month >= first, month <= period)))
        .order_by(inv.c.id))
    con.execute("""CREATE OR REPLACE TABLE f_inv (invoice_id BIGINT, number VARCHAR, seller VARCHAR, seller_name VARCHAR,
                   doc_kind VARCHAR, month VARCHAR, payable DECIMAL(18,2), preceding VARCHAR)""")
    append_rows(con, "f_inv", ("invoice_id", "number", "seller", "seller_name", "doc_kind", "month", "payable",
                               "preceding"), (tuple(r) for r in rows))
    runs = select(t.check_runs.c.id).where(t.check_runs.c.municipality == municipality)
    res = t.case_results
    con.execute("CREATE OR REPLACE TABLE f_res (invoice_id BIGINT, run_id BIGINT, reimbursable DECIMAL(18,2), "
                "disputed DECIMAL(18,2))")
    append_rows(con, "f_res", ("invoice_id", "run_id", "reimbursable", "disputed"), (tuple(r) for r in conn.execute(
        select(res.c.invoice_id, res.c.run_id, res.c.reimbursable, res.c.disputed).where(res.c.run_id.in_(runs)))))
    d = t.case_decisions
    con.execute("CREATE OR REPLACE TABLE f_dec (invoice_id BIGINT, round INTEGER, status VARCHAR, amount DECIMAL(18,2), "
                "run_id BIGINT)")
    append_rows(con, "f_dec", ("invoice_id", "round", "status", "amount", "run_id"), (tuple(r) for r in conn.execute(
        select(d.c.invoice_id, d.c.round, d.c.status, d.c.amount, d.c.run_id))))
    p, pi = t.payments, t.payment_imports
    con.execute("CREATE OR REPLACE TABLE f_pay (payment_id BIGINT, source VARCHAR, row INTEGER, number VARCHAR, "
                "org_nr VARCHAR, amount DECIMAL(18,2), paid_on DATE, invoice_id BIGINT)")
    append_rows(con, "f_pay", ("payment_id", "source", "row", "number", "org_nr", "amount", "paid_on", "invoice_id"),
                (tuple(r) for r in conn.execute(select(
                    p.c.id, pi.c.source_name, p.c.row, p.c.invoice_number, p.c.seller_org_nr, p.c.amount, p.c.paid_on,
                    p.c.invoice_id).join(pi, pi.c.id == p.c.import_id).where(pi.c.municipality == municipality))))


_INVOICES = """
WITH credit AS (
    SELECT i.invoice_id, sum(c.payable) AS credited, list(c.number ORDER BY c.number) AS notes
    FROM f_inv i JOIN f_inv c ON c.doc_kind = 'creditnote' AND c.seller = i.seller AND c.preceding = i.number
    WHERE i.doc_kind = 'invoice' GROUP BY i.invoice_id
), latest AS (
    SELECT * FROM f_res QUALIFY row_number() OVER (PARTITION BY invoice_id ORDER BY run_id DESC) = 1
), decided AS (
    SELECT invoice_id, status, amount, run_id FROM f_dec WHERE status <> 'PD'
    QUALIFY row_number() OVER (PARTITION BY invoice_id ORDER BY round DESC) = 1
), last AS (
    SELECT invoice_id, status FROM f_dec QUALIFY row_number() OVER (PARTITION BY invoice_id ORDER BY round DESC) = 1
), paid AS (
    SELECT invoice_id, sum(amount) AS paid FROM f_pay WHERE invoice_id IS NOT NULL GROUP BY invoice_id
)
SELECT i.invoice_id, i.number, i.seller, coalesce(i.seller_name, i.seller), i.month, i.payable,
       coalesce(c.credited, 0), coalesce(c.notes, []), r.run_id, r.reimbursable, r.disputed,
       coalesce(l.status, 'none'), d.status, d.amount, d.run_id, coalesce(p.paid, 0)
FROM f_inv i LEFT JOIN credit c USING (invoice_id) LEFT JOIN latest r USING (invoice_id)
LEFT JOIN decided d USING (invoice_id) LEFT JOIN last l USING (invoice_id) LEFT JOIN paid p USING (invoice_id)
WHERE i.doc_kind = 'invoice'
ORDER BY i.month, i.seller, i.number, i.invoice_id
"""


def _invoice_row(r, codes: dict[str, Decimal]) -> tuple[str, InvoiceRow]:
    (invoice_id, number, seller, name, month, payable, credited, notes, run_id, reimbursable, disputed,
     last, status, amount, decision_run, paid) = r
    invoiced, credited, paid = Decimal(payable), Decimal(credited), Decimal(paid)
    net = invoiced - credited
    approved = approved_of(status, amount, net)
    basis = approved if approved is not None else ZERO
    if reimbursable is not None and approved is not None and (decision_run is None or run_id > decision_run):
        basis = min(basis, Decimal(reimbursable))  # a later check shows less is owed
    return month, InvoiceRow(
        invoice_id=invoice_id, number=number, seller=seller, seller_name=name, fk=seller == FK_SELLER,
        invoiced=invoiced, credited=credited, net=net, checked=run_id is not None,
        reimbursable=None if reimbursable is None else Decimal(reimbursable),
        disputed=None if disputed is None else Decimal(disputed), disputed_by_code=codes, status=last,
        approved=approved, paid=paid, outstanding=max(ZERO, approved - paid) if approved is not None else ZERO,
        recoverable=max(ZERO, paid - basis), credit_notes=tuple(notes))


def _case_findings(conn: Connection, runs_of: dict[int, int]) -> list[dict]:
    """The findings of the latest run of each invoice, with the people of their shifts."""
    if not runs_of:
        return []
    f, s = t.case_findings, t.shifts
    out = []
    pairs = sorted(set(runs_of.items()))
    by_run: dict[int, list[int]] = defaultdict(list)
    for invoice_id, run_id in pairs:
        by_run[run_id].append(invoice_id)
    for run_id, ids in sorted(by_run.items()):
        for part in batches(ids):
            for r in conn.execute(select(f.c.invoice_id, f.c.key, f.c.code, f.c.severity, f.c.basis, f.c.hours,
                                         f.c.amount, f.c.message, f.c.shift_ids)
                                  .where(f.c.run_id == run_id, f.c.invoice_id.in_(part))):
                out.append({"invoice_id": r.invoice_id, "key": r.key, "code": r.code, "severity": r.severity,
                            "basis": r.basis, "hours": Decimal(r.hours), "amount": Decimal(r.amount),
                            "message": r.message, "shift_ids": json.loads(r.shift_ids or "[]")})
    ids = sorted({i for row in out for i in row["shift_ids"]})
    people: dict[int, tuple[str, str]] = {}
    for chunk in batches(ids):
        for sid, a, c in conn.execute(select(s.c.id, s.c.assistant_pnr, s.c.client_pnr).where(s.c.id.in_(chunk))):
            people[sid] = (a, c)
    for row in out:
        found = [people[i] for i in row["shift_ids"] if i in people]
        row["assistants"] = sorted({a for a, _ in found})
        row["clients"] = sorted({c for _, c in found})
    return sorted(out, key=lambda r: (r["invoice_id"], r["code"], r["key"]))


def _weekly_hours(conn: Connection, invoices: list[InvoiceRow], detail: list[dict], period: str) -> list[dict]:
    """For each client of a finding: the hours billed per week of the period's invoices (all
    providers) against the decision's granted hours per week (week decisions only)."""
    clients = sorted({c for row in detail for c in row["clients"]})
    if not clients:
        return []
    ids = [i.invoice_id for i in invoices if not i.fk]
    s, d = t.shifts, t.reg_decisions
    hours: dict[tuple[str, str, date], int] = defaultdict(int)
    for chunk in batches(ids):
        for client, decision, start, secs in conn.execute(
                select(s.c.client_pnr, s.c.decision_id, s.c.start_at, s.c.seconds)
                .where(s.c.invoice_id.in_(chunk), s.c.client_pnr.in_(clients))):
            local = (start if start.tzinfo else start.replace(tzinfo=UTC)).astimezone(STOCKHOLM)
            monday = local.date() - timedelta(days=local.weekday())
            hours[(client, decision, monday)] += secs
    granted = {r.decision_id: Decimal(r.granted_hours) for r in conn.execute(
        select(d.c.decision_id, d.c.granted_hours).where(d.c.superseded_by.is_(None), d.c.granted_per == "week"))}
    out = []
    for (client, decision, monday), secs in sorted(hours.items()):
        out.append({"client": client, "decision": decision, "week": monday,
                    "hours": (Decimal(secs) / 3600).quantize(Decimal("0.01")), "granted": granted.get(decision)})
    return out


def reconcile(store, municipality: str, period: str, *, now: datetime, by: str, record_claims: bool = True,
              threads: int | None = None) -> Reconciliation:
    """The reconciliation of ``period`` (module notes); opens the recovery claims it finds
    (``record_claims``) and returns what it read and computed."""
    from invoices.casework.frame import connect

    con = connect(threads=threads)
    try:
        with store.engine.connect() as conn:
            _load(conn, con, municipality, period)
            rows = con.execute(_INVOICES).fetchall()
        runs_of = {r[0]: r[8] for r in rows if r[4] == period and r[8] is not None}
        with store.engine.connect() as conn:
            detail = _case_findings(conn, runs_of)
        codes: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        for f in detail:
            if f["amount"] > 0:
                codes[f["invoice_id"]][f["code"]] += f["amount"]
        monthly: dict[str, list[InvoiceRow]] = defaultdict(list)
        for r in rows:
            month, row = _invoice_row(r, dict(sorted(codes.get(r[0], {}).items())))
            monthly[month].append(row)
        invoices = monthly.get(period, [])
        providers_of = {m: [i for i in v if not i.fk] for m, v in monthly.items()}  # FK apart, as in the totals
        trend = [{"month": m, "invoices": len(v), "invoiced": sum((i.net for i in v), ZERO),
                  "approved": sum((i.approved or ZERO for i in v), ZERO),
                  "disputed": sum((i.disputed or ZERO for i in v), ZERO), "paid": sum((i.paid for i in v), ZERO)}
                 for m, v in sorted(providers_of.items()) if v]
        payments = [PaymentRow(*r[:5], Decimal(r[5]), r[6], r[7]) for r in con.execute(
            "SELECT payment_id, source, row, number, org_nr, amount, paid_on, invoice_id FROM f_pay "
            "ORDER BY source, row, payment_id").fetchall()]
    finally:
        con.close()
    by_id = {i.invoice_id: i for i in invoices}
    period_payments = [p for p in payments if p.invoice_id in by_id or
                       (p.invoice_id is None and p.paid_on.strftime("%Y-%m") == period)]
    if record_claims:
        _record_claims(store, municipality, period, invoices, runs_of, detail, now, by)
    with store.engine.connect() as conn:
        claims = _claims(conn, municipality, by_id)
        weekly = _weekly_hours(conn, invoices, detail, period)
        lines = _lines(conn, by_id)
    findings = _run_findings(invoices, period_payments, [c for c in claims if c.opened_in == period and
                                                         c.invoice_id in by_id])
    return Reconciliation(municipality, period, invoices, period_payments, claims, findings, detail, trend, weekly, lines)


def _lines(conn: Connection, by_id: dict[int, InvoiceRow]) -> list[dict]:
    ln = t.invoice_lines
    ids = sorted(by_id)
    out = []
    for chunk in batches(ids):
        for r in conn.execute(select(ln.c.invoice_id, ln.c.line_id, ln.c.item_name, ln.c.seller_item_id, ln.c.description,
                                     ln.c.quantity, ln.c.unit_code, ln.c.price, ln.c.net_amount)
                              .where(ln.c.invoice_id.in_(chunk))):
            inv = by_id[r.invoice_id]
            out.append({"number": inv.number, "seller": inv.seller, "line": r.line_id, "item": r.item_name,
                        "item_id": r.seller_item_id, "description": r.description,
                        "quantity": None if r.quantity is None else Decimal(r.quantity), "unit": r.unit_code,
                        "price": None if r.price is None else Decimal(r.price), "net": Decimal(r.net_amount)})
    return sorted(out, key=lambda r: (r["seller"], r["number"], r["line"]))


def _record_claims(store, municipality, period, invoices, runs_of, detail, now, by) -> None:
    """Open a claim for what an invoice's recoverable amount passes its claims (module notes)."""
    due = [i for i in invoices if i.recoverable > 0]
    if not due:
        return
    with store.engine.begin() as conn:
        claimed: dict[int, Decimal] = defaultdict(lambda: ZERO)  # summed in Decimal, not by SQLite
        for invoice_id, amount in conn.execute(select(t.recovery_claims.c.invoice_id, t.recovery_claims.c.amount)
                                               .where(t.recovery_claims.c.invoice_id.in_([i.invoice_id for i in due]))):
            claimed[invoice_id] += Decimal(amount)
        for inv in due:
            more = inv.recoverable - Decimal(claimed.get(inv.invoice_id) or 0)
            if more <= 0:
                continue
            run_id = runs_of.get(inv.invoice_id)
            if run_id is None:  # paid beyond approval, never checked: the claim names no run
                continue
            codes = sorted({f["code"] for f in detail if f["invoice_id"] == inv.invoice_id and f["amount"] > 0})
            conn.execute(insert(t.recovery_claims).values(
                municipality=municipality, invoice_id=inv.invoice_id, run_id=run_id, period=period, amount=more,
                finding_codes=json.dumps(codes), state="open", opened_at=now))
            conn.execute(insert(t.audit_log).values(
                at=now, actor=by, action="recovery-claim", subject=inv.number,
                detail=json.dumps({"amount": str(more), "run_id": run_id, "codes": codes, "period": period})))


def _claims(conn: Connection, municipality: str, by_id: dict[int, InvoiceRow]) -> list[ClaimRow]:
    """The claims still open, and every claim of the period's invoices."""
    c, inv, off = t.recovery_claims, t.invoices, t.invoices.alias("off")
    rows = conn.execute(select(c.c.id, c.c.invoice_id, inv.c.invoice_number, inv.c.seller_key, c.c.amount, c.c.state,
                               c.c.finding_codes, c.c.period, off.c.invoice_number)
                        .join(inv, inv.c.id == c.c.invoice_id).outerjoin(off, off.c.id == c.c.offset_invoice_id)
                        .where(c.c.municipality == municipality).order_by(c.c.id)).all()
    return [ClaimRow(r[0], r[1], r[2], r[3], Decimal(r[4]), r[5], tuple(json.loads(r[6])), r[7], r[8])
            for r in rows if r[5] == "open" or r[1] in by_id]


def _run_findings(invoices: list[InvoiceRow], payments: list[PaymentRow], opened: list[ClaimRow]) -> list[RunFinding]:
    out = []
    for p in payments:
        if p.invoice_id is None:
            out.append(RunFinding("FIN-001", f"payment {p.source} row {p.row}", f"0007:{p.seller_org_nr}", p.amount,
                                  f"payment of {p.amount:.2f} on {p.paid_on} for invoice {p.invoice_number} matches "
                                  "no stored invoice of that seller"))
    for inv in invoices:
        if inv.paid > (inv.approved or ZERO):
            what = f"approved {inv.approved:.2f}" if inv.approved is not None else "nothing approved yet"
            out.append(RunFinding("FIN-002", inv.number, inv.seller, inv.paid - (inv.approved or ZERO),
                                  f"paid {inv.paid:.2f}, {what}"))
        if not inv.checked and not inv.fk and inv.net > 0:
            out.append(RunFinding("FIN-004", inv.number, inv.seller, inv.net,
                                  "no check run has judged this invoice (lssinvoice check)"))
    for c in opened:
        out.append(RunFinding("FIN-003", c.number, c.seller, c.amount,
                              f"recovery claim {c.claim_id} of {c.amount:.2f} opened in {c.opened_in} (12 § LSS; "
                              f"findings {', '.join(c.finding_codes) or 'none'}): {c.state}"))
    return sorted(out, key=lambda f: (f.code, f.seller, f.subject, f.message))


def settle_claim(store, claim_id: int, *, by: str, now: datetime, offset_invoice: int | None = None,
                 note: str | None = None) -> str:
    """Close an open claim: ``offset`` against a later invoice (its id) or ``repaid``."""
    state = "offset" if offset_invoice is not None else "repaid"
    with store.engine.begin() as conn:
        row = conn.execute(select(t.recovery_claims.c.state).where(t.recovery_claims.c.id == claim_id)).first()
        if row is None:
            raise LookupError(f"no recovery claim {claim_id}")
        if row.state != "open":
            raise ValueError(f"recovery claim {claim_id} is already {row.state}")
        conn.execute(update(t.recovery_claims).where(t.recovery_claims.c.id == claim_id).values(
            state=state, settled_at=now, settled_by=by, offset_invoice_id=offset_invoice, note=note))
        conn.execute(insert(t.audit_log).values(
            at=now, actor=by, action="recovery-settled", subject=f"claim {claim_id}",
            detail=json.dumps({"state": state, "offset_invoice_id": offset_invoice, "note": note})))
    return state
