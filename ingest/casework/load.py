"""The store's data as the checks' input tables (:mod:`invoices.casework.frame`).

What is loaded for a period (a month)
    * every stored invoice and credit note, with its lines read by
      :func:`invoices.casework.lines.line_reference` (Försäkringskassan's, seller
      :data:`invoices.casework.fk.FK_SELLER`, by :func:`~invoices.casework.lines.fk_line_reference`), and whether a credit note names it (BT-25:
      then it is credited and bills nothing);
    * every shift of their time reports that overlaps the **reference window**: from the
      earlier of 1 January of the period's year and 17 weeks before the month (the longest
      calculation period of a profile is 16 weeks; the 48-hour blocks of months start in the
      year) to 8 days after the month (a rest period starting in the month ends in the next);
    * the stated figures of every stored sick-pay claim (``sick_claims``);
    * the registers' current versions (decisions, FK's decisions, assistants with their
      versions in time; the 18th birthday computed here, so no birth date enters the engine);
    * the municipality's rate for every year it knows (:class:`invoices.registry.Municipality`).

Shift instants are stored in UTC; a naive value read back from SQLite is UTC.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
from sqlalchemy import Connection, and_, select

from invoices.casework.frame import create_inputs
from invoices.casework.fk import FK_SELLER
from invoices.casework.lines import fk_line_reference, line_reference
from invoices.casework.sickpay import create_sick_claims
from invoices.checks import eighteenth_birthday
from invoices.registry import Municipality

from .. import tables as t
from ..registers import current_rows, current_versions

__all__ = ["LoadInfo", "load_case_data", "reference_window"]

STORED = "stored"
FAR_FUTURE = date(9999, 12, 31)


@dataclass(frozen=True)
class LoadInfo:
    window: tuple[date, date]
    shifts: int
    invoices: int
    register_imports: dict[str, int | None]


def reference_window(period: str) -> tuple[date, date]:
    y, m = (int(p) for p in period.split("-"))
    first = date(y, m, 1)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return min(date(y, 1, 1), first - timedelta(weeks=17)), nxt + timedelta(days=8)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _invoices(conn: Connection, con: duckdb.DuckDBPyConnection, known: set[str]) -> int:
    inv, doc, lines = t.invoices, t.documents, t.invoice_lines
    rows = conn.execute(select(
        inv.c.id, inv.c.invoice_number, inv.c.seller_key, doc.c.id, inv.c.kind, inv.c.period_start,
        inv.c.issue_date, inv.c.payable, inv.c.preceding_invoice,
    ).join(doc, doc.c.id == inv.c.document_id).where(doc.c.state == STORED).order_by(inv.c.id)).all()
    credited = {(r.seller_key, r.preceding_invoice) for r in rows if r.kind == "creditnote" and r.preceding_invoice}
    line_rows = conn.execute(select(
        lines.c.invoice_id, lines.c.line_id, lines.c.item_name, lines.c.description, lines.c.note,
        lines.c.seller_item_id, lines.c.period_start, lines.c.quantity, lines.c.price, lines.c.net_amount,
    ).order_by(lines.c.invoice_id, lines.c.id)).all()
    by_invoice: dict[int, list] = {}
    for ln in line_rows:
        by_invoice.setdefault(ln.invoice_id, []).append(ln)
    out_inv, out_lines = [], []
    for r in rows:
        period_day = r.period_start or r.issue_date
        claims = []
        for ln in by_invoice.get(r.id, ()):
            if r.seller_key == FK_SELLER:  # a client's week, not a decision's hours
                fk = fk_line_reference(ln.item_name, ln.description, ln.note, ln.period_start)
                out_lines.append((r.id, ln.line_id, None, None, None, fk.client, fk.week,
                                  ln.quantity, ln.price, ln.net_amount))
                continue
            ref = line_reference(ln.item_name, ln.description, ln.seller_item_id, ln.period_start,
                                 period_day.year, known, ln.note)
            claims.append(ref.claim)
            out_lines.append((r.id, ln.line_id, ref.decision_id, ref.kind, ref.year, None, None,
                              ln.quantity, ln.price, ln.net_amount))
        claim = max(set(c for c in claims if c), key=claims.count, default=None)
        out_inv.append((r.id, r.invoice_number, r.seller_key, r[3], r.kind, claim,
                        f"{period_day.year:04d}-{period_day.month:02d}", r.payable,
                        (r.seller_key, r.invoice_number) in credited))
    if out_inv:
        con.executemany("INSERT INTO invoices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", out_inv)
    if out_lines:
        con.executemany("INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", out_lines)
    return len(out_inv)


def _shifts(conn: Connection, con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> int:
    s, tr, inv, doc = t.shifts, t.timereports, t.invoices, t.documents
    lo = datetime.combine(window[0], datetime.min.time(), UTC) - timedelta(days=1)
    hi = datetime.combine(window[1], datetime.min.time(), UTC) + timedelta(days=1)
    stored = select(inv.c.id).join(doc, doc.c.id == inv.c.document_id).where(doc.c.state == STORED)
    rows = conn.execute(select(
        s.c.id, s.c.invoice_id, s.c.timereport_id, s.c.assistant_pnr, s.c.client_pnr, s.c.decision_id, s.c.kind,
        s.c.start_at, s.c.end_at, s.c.source,
    ).where(and_(s.c.invoice_id.in_(stored), s.c.start_at < hi, s.c.end_at > lo)).order_by(s.c.id)).all()
    if rows:
        con.executemany("INSERT INTO shifts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, true, ?)", [
            (r.id, r.invoice_id, r.timereport_id, r.assistant_pnr, r.client_pnr, r.decision_id, r.kind,
             _utc(r.start_at), _utc(r.end_at), r.source) for r in rows])
    reports = conn.execute(select(
        tr.c.id, tr.c.invoice_id, tr.c.assistant_pnr, tr.c.client_pnr, tr.c.month, tr.c.assistant_signed,
        tr.c.supervisor_signed, tr.c.calculation_period, tr.c.collective_agreement, tr.c.agreement_stated,
        tr.c.kind_stated).where(tr.c.invoice_id.in_(stored)).order_by(tr.c.id)).all()
    if reports:
        con.executemany("INSERT INTO timereports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [tuple(r) for r in reports])
    # A shift its invoice carries as a supporting document only (a sick-pay claim's substitute
    # reports): no line bills its decision and kind. A line whose decision or kind could not be
    # read bills every shift matching what it does say; a line saying neither (a sick-pay
    # component) bills none.
    con.execute("""UPDATE shifts SET billed = EXISTS (
        SELECT 1 FROM lines l WHERE l.invoice_id = shifts.invoice_id
           AND (l.decision_id IS NOT NULL OR l.kind IS NOT NULL)
           AND coalesce(l.decision_id, shifts.decision_id) = shifts.decision_id
           AND coalesce(l.kind, shifts.kind) = shifts.kind)""")
    return len(rows)


def _sick_claims(conn: Connection, con: duckdb.DuckDBPyConnection) -> None:
    """The stated figures of every stored sick-pay claim (:mod:`ingest.sickclaim_intake`): a
    claim is compared with claims of any period (one claim per occasion)."""
    create_sick_claims(con)
    c, inv, doc = t.sick_claims, t.invoices, t.documents
    rows = conn.execute(select(
        c.c.invoice_id, c.c.client_pnr, c.c.sick_assistant_pnr, c.c.sick_days, c.c.sick_pay, c.c.holiday_pct,
        c.c.contributions_pct, c.c.insurance_pct, c.c.pension_pct, c.c.contributions_base, c.c.insurance_base,
        c.c.pension_base, c.c.karens_date, c.c.no_karens_reason,
    ).join(inv, inv.c.id == c.c.invoice_id).join(doc, doc.c.id == inv.c.document_id)
        .where(doc.c.state == STORED).order_by(c.c.invoice_id)).all()
    if rows:
        con.executemany("INSERT INTO sick_claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (r.invoice_id, r.client_pnr, r.sick_assistant_pnr,
             [date.fromisoformat(d) for d in r.sick_days.split(",") if d], *r[4:]) for r in rows])


def _registers(conn: Connection, con: duckdb.DuckDBPyConnection, municipality: str) -> dict[str, int | None]:
    """The registers in force (:func:`ingest.registers.current_rows`), an assistant's versions
    each valid until the day before the next; the ids of the imports they came with."""
    decisions = current_rows(conn, "decisions", municipality)
    if decisions:
        con.executemany("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?)", [
            (r.decision_id, r.client_pnr, r.kind, r.valid_from, r.valid_to, r.granted_hours, r.granted_per)
            for r in decisions])
    fks = current_rows(conn, "fk_decisions", municipality)
    if fks:
        con.executemany("INSERT INTO fk_decisions VALUES (?, ?, ?, ?)", [
            (r.client_pnr, r.valid_from, r.valid_to, r.fk_hours_per_week) for r in fks])
    people = current_rows(conn, "assistants", municipality)
    versions = []
    for i, p in enumerate(people):
        nxt = people[i + 1] if i + 1 < len(people) and people[i + 1].assistant_pnr == p.assistant_pnr else None
        valid_to = nxt.valid_from - timedelta(days=1) if nxt else FAR_FUTURE
        versions.append((p.assistant_pnr, p.valid_from, valid_to, eighteenth_birthday(p.assistant_pnr),
                         p.residence_country, p.capacity_to_work, p.related_to_client, p.same_household,
                         p.employer_org_nr, p.regime, p.calculation_period_weeks))
    if versions:
        con.executemany("INSERT INTO assistants VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", versions)
    return current_versions(conn, municipality)


def _rates(con: duckdb.DuckDBPyConnection, m: Municipality) -> None:
    rows = [(year, m.hourly_rate(year)) for year in m.known_rate_years()]
    if rows:
        con.executemany("INSERT INTO rates VALUES (?, ?)", rows)


def load_case_data(conn: Connection, con: duckdb.DuckDBPyConnection, municipality: Municipality,
                   period: str) -> LoadInfo:
    """Fill ``con``'s input tables from the store for ``period`` (module docstring)."""
    create_inputs(con)
    window = reference_window(period)
    imports = _registers(conn, con, municipality.slug)
    known = {r[0] for r in con.execute("SELECT decision_id FROM decisions").fetchall()}
    invoices = _invoices(conn, con, known)
    shifts = _shifts(conn, con, window)
    _sick_claims(conn, con)
    _rates(con, municipality)
    return LoadInfo(window, shifts, invoices, imports)
