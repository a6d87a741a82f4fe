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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, String, and_, cast, literal, select

from invoices.casework.frame import create_inputs
from invoices.casework.fk import FK_SELLER
from invoices.casework.lines import fk_line_reference, line_reference
from invoices.casework.sickpay import create_sick_claims
from invoices.checks import eighteenth_birthday
from invoices.registry import Municipality

from .. import tables as t
from ..batches import batches
from ..registers import current_rows, current_versions

__all__ = ["LoadInfo", "append_rows", "load_case_data", "reference_window"]

STORED = "stored"
FAR_FUTURE = date(9999, 12, 31)


@dataclass(frozen=True)
class LoadInfo:
    window: tuple[date, date]
    shifts: int
    invoices: int
    register_imports: dict[str, int | None]


_BATCH = 100_000


def append_rows(con: duckdb.DuckDBPyConnection, table: str, names: tuple[str, ...], rows: Iterable[Sequence],
            select: str | None = None) -> int:
    """Insert ``rows`` (tuples in ``names`` order) into DuckDB ``table`` a batch at a time, as
    Arrow columns: a whole batch in one statement (``executemany`` is a statement per row,
    about a thousand rows a second). ``select`` maps the batch (``_batch``, columns ``names``)
    to the table's columns (default: as they are)."""
    count = 0
    for batch in batches(rows, _BATCH):
        columns = list(zip(*batch))
        _batch = pa.table({name: pa.array(col) for name, col in zip(names, columns)})  # noqa: F841 (DuckDB reads it)
        con.execute(f"INSERT INTO {table} {select or 'SELECT * FROM _batch'}")
        count += len(batch)
    return count


def reference_window(period: str) -> tuple[date, date]:
    y, m = (int(p) for p in period.split("-"))
    first = date(y, m, 1)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return min(date(y, 1, 1), first - timedelta(weeks=17)), nxt + timedelta(days=8)


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
    append_rows(con, "invoices", _INVOICE_COLUMNS, out_inv, "SELECT * REPLACE (CAST(payable AS DECIMAL(18,2)) AS payable) "
            "FROM _batch")
    append_rows(con, "lines", _LINE_COLUMNS, out_lines, "SELECT * REPLACE (CAST(quantity AS DECIMAL(18,4)) AS quantity, "
            "CAST(price AS DECIMAL(18,4)) AS price, CAST(net_amount AS DECIMAL(18,2)) AS net_amount) FROM _batch")
    return len(out_inv)


def _shift_rows(conn: Connection, window: tuple[date, date]):
    s, inv, doc = t.shifts, t.invoices, t.documents
    lo = datetime.combine(window[0], datetime.min.time(), UTC) - timedelta(days=1)
    hi = datetime.combine(window[1], datetime.min.time(), UTC) + timedelta(days=1)
    stored = select(inv.c.id).join(doc, doc.c.id == inv.c.document_id).where(doc.c.state == STORED)
    if conn.dialect.name == "postgresql":
        def text(c):
            return cast(c.op("AT TIME ZONE")(literal("UTC")), String) + literal("+00:00")
    else:
        def text(c):
            return cast(c, String) + literal("+00:00")
    query = select(
        s.c.id, s.c.invoice_id, s.c.timereport_id, s.c.assistant_pnr, s.c.client_pnr, s.c.decision_id, s.c.kind,
        text(s.c.start_at), text(s.c.end_at), s.c.source,
    ).where(and_(s.c.invoice_id.in_(stored), s.c.start_at < hi, s.c.end_at > lo)).order_by(s.c.id)
    result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
    for part in result.partitions():
        yield from part


_SHIFT_COLUMNS = ("shift_id", "invoice_id", "timereport_id", "assistant", "client", "decision_id", "kind",
                  "start_at", "end_at", "source")
_INVOICE_COLUMNS = ("invoice_id", "number", "seller", "received_seq", "doc_kind", "claim_kind", "period", "payable",
                    "credited")
_LINE_COLUMNS = ("invoice_id", "line_id", "decision_id", "kind", "year", "client", "week", "quantity", "price",
                 "net_amount")


def _shifts(conn: Connection, con: duckdb.DuckDBPyConnection, window: tuple[date, date]) -> int:
    tr, inv, doc = t.timereports, t.invoices, t.documents
    stored = select(inv.c.id).join(doc, doc.c.id == inv.c.document_id).where(doc.c.state == STORED)
    count = append_rows(con, "shifts", _SHIFT_COLUMNS, _shift_rows(conn, window), """
        SELECT shift_id, invoice_id, timereport_id, assistant, client, decision_id, kind,
               CAST(start_at AS TIMESTAMPTZ), CAST(end_at AS TIMESTAMPTZ), true, source FROM _batch""")
    reports = conn.execute(select(
        tr.c.id, tr.c.invoice_id, tr.c.assistant_pnr, tr.c.client_pnr, tr.c.month, tr.c.assistant_signed,
        tr.c.supervisor_signed, tr.c.calculation_period, tr.c.collective_agreement, tr.c.agreement_stated,
        tr.c.kind_stated).where(tr.c.invoice_id.in_(stored)).order_by(tr.c.id)).all()
    append_rows(con, "timereports", ("timereport_id", "invoice_id", "assistant", "client", "month", "assistant_signed",
                                 "supervisor_signed", "calculation_period", "collective_agreement",
                                 "agreement_stated", "kind_stated"), [tuple(r) for r in reports])
    # A shift its invoice carries as a supporting document only (a sick-pay claim's substitute
    # reports): no line bills its decision and kind. A line whose decision or kind could not be
    # read bills every shift matching what it does say; a line saying neither (a sick-pay
    # component) bills none.
    con.execute("""UPDATE shifts SET billed = EXISTS (
        SELECT 1 FROM lines l WHERE l.invoice_id = shifts.invoice_id
           AND (l.decision_id IS NOT NULL OR l.kind IS NOT NULL)
           AND coalesce(l.decision_id, shifts.decision_id) = shifts.decision_id
           AND coalesce(l.kind, shifts.kind) = shifts.kind)""")
    return count


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
    append_rows(con, "decisions", ("decision_id", "client", "kind", "valid_from", "valid_to", "granted_hours",
                               "granted_per"),
            [(r.decision_id, r.client_pnr, r.kind, r.valid_from, r.valid_to, r.granted_hours, r.granted_per)
             for r in decisions])
    fks = current_rows(conn, "fk_decisions", municipality)
    append_rows(con, "fk_decisions", ("client", "valid_from", "valid_to", "fk_hours_per_week"),
            [(r.client_pnr, r.valid_from, r.valid_to, r.fk_hours_per_week) for r in fks])
    people = current_rows(conn, "assistants", municipality)
    versions = []
    for i, p in enumerate(people):
        nxt = people[i + 1] if i + 1 < len(people) and people[i + 1].assistant_pnr == p.assistant_pnr else None
        valid_to = nxt.valid_from - timedelta(days=1) if nxt else FAR_FUTURE
        versions.append((p.assistant_pnr, p.valid_from, valid_to, eighteenth_birthday(p.assistant_pnr),
                         p.residence_country, p.capacity_to_work, p.related_to_client, p.same_household,
                         p.employer_org_nr, p.regime, p.calculation_period_weeks))
    append_rows(con, "assistants", tuple(c[0] for c in con.execute("SELECT * FROM assistants LIMIT 0").description),
            versions)
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
