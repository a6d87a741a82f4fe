"""Billing: the same hour billed twice, and what each hour line of an invoice may ask for.

Who billed what (step 1 of the run, :func:`double_billing`)
    Only *billing* counts: billed shifts (``shifts.billed``) of invoices (``doc_kind``
    ``'invoice'``) that no credit note names (``invoices.credited`` false). An invoice re-sent
    after a credit note is therefore compared with the other invoices, never with the credited
    copy of itself. The comparison runs over ALL shifts loaded (every provider, client and
    period: an earlier period's invoice is earlier); only shifts of the period's invoices are
    cut (:mod:`invoices.casework.resolve`).

    Two shifts overlap when they share a positive stretch of time: touching shifts (one ends
    when the next starts) do not, an identical shift billed twice overlaps entirely.

================  ======================  ===========  ==============================================
code              basis                   precedence   cut
================  ======================  ===========  ==============================================
LSS-CASE-001      9 § 2 LSS; 12 § LSS     10           the same assistant's shifts on two DIFFERENT
                                                       invoices overlap (any client, any provider):
                                                       the overlapping part of the shift on the invoice
                                                       received later (higher ``received_seq``; tie:
                                                       higher ``invoice_id``)
LSS-CASE-002      9 § 2 LSS; 12 § LSS     11           two of one assistant's shifts on the SAME
                                                       invoice overlap: the overlapping part of the
                                                       later one (order ``start_at``, ``shift_id``)
================  ======================  ===========  ==============================================

One finding per code, assistant and invoice, naming the shifts cut; key ``CODE:s<min shift id>``.

The hour lines (step 4, on what no cut took, :func:`line_arithmetic`, :func:`line_rate`)
    A line of an hour invoice (claim kind base or extension, or not known; not
    Försäkringskassan's 20-hour invoice, not a sick-pay claim) bills a decision, a kind of
    time and the year of the work. Its *reported* seconds are the seconds of its invoice's
    billed shifts naming that decision, of that kind (a line naming no kind: the kinds no
    other line of the invoice names for the decision) and in that year (a shift crossing New
    Year split at local midnight; a line naming no year: every year). Hours are
    :func:`invoices.hours.round_hours` of the seconds, amounts :func:`invoices.hours.line_amount`
    (half-up to the öre, :mod:`invoices.hours`).

================  =======================  ===================================================================
code              basis                    amount disputed (``f_amounts``; no hour is cut)
================  =======================  ===================================================================
LSS-CASE-040      11 a § LSS; BR-LIN-04    quantity > reported hours: net_amount − line_amount(reported, price)
                                           (no time report at all: the whole line); otherwise
                                           net_amount − line_amount(quantity, price) when positive
                                           (the line's own arithmetic). A line stating no quantity or price:
                                           the whole line. ``seconds``: (quantity − reported hours) × 3600
LSS-CASE-041      the municipality's rate  price > the rate for the line's year (``rates``):
                  (``rates``)              line_amount(h, price) − line_amount(h, rate), where h = the
                                           smaller of the quantity and round_hours(the reported seconds no
                                           cut owns: ``r_owned`` after the granted hours; lines repeating a
                                           decision, kind and year share them in line order); ``seconds``: h
LSS-CASE-042      11 a § LSS               a line of an hour invoice naming no decision (and no week): its
                                           whole net_amount when positive
LSS-CASE-043      the municipality's rate  warning, no amount: no rate in ``rates`` for the line's year (or the
                                           line names no year): never guessed
LSS-CASE-044      the municipality's rate  warning, no amount: the price is below the rate
================  =======================  ===================================================================

One finding per line; key ``CODE:i<invoice_id>:l<line_id>``.
"""
from __future__ import annotations

from decimal import Decimal

import duckdb

from ..hours import ZERO, line_amount, round_hours

__all__ = ["double_billing", "line_arithmetic", "line_rate"]

PRECEDENCE = {"LSS-CASE-001": 10, "LSS-CASE-002": 11, "LSS-CASE-040": 12, "LSS-CASE-041": 13,
              "LSS-CASE-042": 12, "LSS-CASE-043": 13, "LSS-CASE-044": 13}
BASIS = {"LSS-CASE-001": "9 § 2 LSS; 12 § LSS", "LSS-CASE-002": "9 § 2 LSS; 12 § LSS",
         "LSS-CASE-040": "11 a § LSS; BR-LIN-04", "LSS-CASE-041": "the municipality's rate (rates)",
         "LSS-CASE-042": "11 a § LSS", "LSS-CASE-043": "the municipality's rate (rates)",
         "LSS-CASE-044": "the municipality's rate (rates)"}
ONE_HOUR = Decimal(3600)


def double_billing(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-001, LSS-CASE-002 (module docstring)."""
    # The billing, and in it the shifts that overlap another of the assistant's: after sorting
    # by (start, id), a shift overlaps an earlier one iff the latest end before it lies after
    # its start, and a later one iff the next start lies before its end. Only those few are
    # paired, so the pairing never meets an assistant's whole year.
    con.execute("""
    CREATE OR REPLACE TEMP TABLE b_flagged AS
    WITH win AS (  -- only a shift within the period's shifts' span can overlap one of them
        SELECT min(start_at) AS lo, max(end_at) AS hi FROM shifts
        WHERE billed AND invoice_id IN (SELECT invoice_id FROM target_invoices)
    ), b AS (
        SELECT s.shift_id, s.invoice_id, s.assistant, s.start_at, s.end_at, i.received_seq, i.number,
               max(s.end_at) OVER (PARTITION BY s.assistant ORDER BY s.start_at, s.shift_id
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end,
               lead(s.start_at) OVER (PARTITION BY s.assistant ORDER BY s.start_at, s.shift_id) AS next_start
        FROM shifts s JOIN invoices i USING (invoice_id), win
        WHERE s.billed AND i.doc_kind = 'invoice' AND NOT i.credited AND s.end_at > s.start_at
          AND s.end_at > win.lo AND s.start_at < win.hi
    )
    SELECT * EXCLUDE (prev_end, next_start) FROM b WHERE prev_end > start_at OR next_start < end_at
    """)
    con.execute("""
    CREATE OR REPLACE TEMP TABLE b_pairs AS
    SELECT CASE WHEN l.invoice_id = e.invoice_id THEN 'LSS-CASE-002' ELSE 'LSS-CASE-001' END AS code,
           l.shift_id, l.invoice_id, l.assistant, l.start_at,
           greatest(l.start_at, e.start_at) AS cs, least(l.end_at, e.end_at) AS ce,
           e.invoice_id AS earlier_invoice, e.number AS earlier_number
    FROM b_flagged l JOIN b_flagged e
      ON e.assistant = l.assistant AND e.start_at < l.end_at AND l.start_at < e.end_at AND e.shift_id <> l.shift_id
    WHERE l.invoice_id IN (SELECT invoice_id FROM target_invoices)
      AND CASE WHEN l.invoice_id = e.invoice_id
               THEN e.start_at < l.start_at OR (e.start_at = l.start_at AND e.shift_id < l.shift_id)
               ELSE e.received_seq < l.received_seq OR (e.received_seq = l.received_seq AND e.invoice_id < l.invoice_id)
          END
    """)
    con.execute("""
    CREATE OR REPLACE TEMP TABLE b_hits AS
    SELECT code || ':s' || min(shift_id) OVER (PARTITION BY code, assistant, invoice_id) AS key, *
    FROM b_pairs
    """)
    con.execute(f"""
    INSERT INTO f_findings
    SELECT key, code, '{BASIS["LSS-CASE-001"]}', 'error',
           'assistant ' || masked(any_value(assistant)) || ': ' || count(DISTINCT shift_id) || ' shift(s) from '
           || local_min(min(start_at)) || CASE WHEN code = 'LSS-CASE-001'
              THEN ' overlap shifts billed earlier on invoice(s) ' || string_agg(DISTINCT earlier_number, ', ' ORDER BY earlier_number)
                   || ': the overlapping time is cut from this invoice (the same hour is paid once)'
              ELSE ' overlap earlier shifts on this invoice: the overlapping time is billed twice' END,
           list(DISTINCT shift_id ORDER BY shift_id), any_value(invoice_id),
           CASE code WHEN 'LSS-CASE-001' THEN {PRECEDENCE["LSS-CASE-001"]} ELSE {PRECEDENCE["LSS-CASE-002"]} END
    FROM b_hits GROUP BY key, code ORDER BY key
    """)
    con.execute(f"""
    INSERT INTO f_cuts
    SELECT key, CASE code WHEN 'LSS-CASE-001' THEN {PRECEDENCE["LSS-CASE-001"]} ELSE {PRECEDENCE["LSS-CASE-002"]} END,
           shift_id, NULL, NULL, cs, ce
    FROM b_hits ORDER BY key, shift_id, cs, ce
    """)


def _hour_lines(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """``b_lines``: every line of the period's hour invoices with its reported seconds, the
    seconds of them no cut owns (``r_owned``), and whether any shift stands behind it."""
    con.execute("""
    CREATE OR REPLACE TEMP TABLE b_hour_invoices AS
    SELECT invoice_id FROM invoices
    WHERE invoice_id IN (SELECT invoice_id FROM target_invoices)
      AND seller <> ? AND coalesce(claim_kind, '') NOT IN ('fk', 'sickpay')
    """, [ctx.fk_seller])
    con.execute("""
    CREATE OR REPLACE TEMP TABLE b_lines AS
    WITH hl AS (
        SELECT l.* FROM lines l WHERE l.invoice_id IN (SELECT invoice_id FROM b_hour_invoices)
    ), named AS (  -- the kinds each invoice's lines name per decision
        SELECT DISTINCT invoice_id, decision_id, kind FROM hl WHERE decision_id IS NOT NULL AND kind IS NOT NULL
    ), sh AS (
        SELECT s.shift_id, s.invoice_id, s.decision_id, s.kind, s.start_at, s.end_at,
               date_trunc('year', s.end_at) AS ny
        FROM shifts s WHERE s.billed AND s.invoice_id IN (SELECT invoice_id FROM b_hour_invoices)
    ), pieces AS (  -- split at local New Year (the part before and the part after)
        SELECT shift_id, invoice_id, decision_id, kind, start_at AS a,
               CASE WHEN ny > start_at AND ny < end_at THEN ny ELSE end_at END AS b FROM sh
        UNION ALL
        SELECT shift_id, invoice_id, decision_id, kind, ny, end_at FROM sh WHERE ny > start_at AND ny < end_at
    ), owned AS (
        SELECT shift_id, year(cut_start) AS yr, sum(seconds) AS secs FROM r_owned GROUP BY ALL
    ), per AS (
        SELECT p.shift_id, p.invoice_id, p.decision_id, p.kind, year(p.a) AS yr,
               CAST(epoch(p.b) - epoch(p.a) AS BIGINT) AS secs
        FROM pieces p
    )
    SELECT hl.invoice_id, hl.line_id, hl.decision_id, hl.kind, hl.year, hl.quantity, hl.price, hl.net_amount,
           coalesce(sum(per.secs), 0)::BIGINT AS secs,
           coalesce(sum(per.secs - coalesce(o.secs, 0)), 0)::BIGINT AS free_secs,
           count(per.shift_id) AS pieces
    FROM hl
    LEFT JOIN per ON per.invoice_id = hl.invoice_id AND per.decision_id = hl.decision_id
        AND (hl.year IS NULL OR per.yr = hl.year)
        AND (per.kind = hl.kind OR (hl.kind IS NULL AND NOT EXISTS (
             SELECT 1 FROM named n WHERE n.invoice_id = per.invoice_id AND n.decision_id = per.decision_id
                                     AND n.kind = per.kind)))
    LEFT JOIN owned o ON o.shift_id = per.shift_id AND o.yr = per.yr
    WHERE hl.decision_id IS NOT NULL
    GROUP BY ALL
    """)


def _allocated(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The lines of ``b_lines`` in order (invoice, line id), each with its share of the reported
    and of the free hours: lines billing the same decision, kind and year on one invoice share
    one set of shifts, taken in line order (a line repeated bills nothing the first did not)."""
    rows = con.execute("""SELECT invoice_id, line_id, decision_id, kind, year, quantity, price, net_amount,
                                 secs, free_secs, pieces FROM b_lines""").fetchall()
    rows.sort(key=lambda r: (r[0], r[1].zfill(12), r[1]))
    left: dict[tuple, list[Decimal]] = {}
    out = []
    for r in rows:
        inv, line_id, decision, kind, year, qty, price, net, secs, free, pieces = r
        pool = left.setdefault((inv, decision, kind, year), [round_hours(secs), round_hours(free)])
        want = Decimal(qty) if qty is not None else ZERO
        reported, unowned = min(want, pool[0]), min(want, pool[1])
        shared = pool[0] < round_hours(secs)
        pool[0] -= reported
        pool[1] -= unowned
        out.append((*r, reported, unowned, shared))
    return out


def _line_order(rows):
    return sorted(rows, key=lambda r: (r[0], r[1].zfill(12), r[1]))


def _emit(con: duckdb.DuckDBPyConnection, findings: list[tuple], amounts: list[tuple]) -> None:
    if findings:
        con.executemany("INSERT INTO f_findings VALUES (?, ?, ?, ?, ?, NULL, ?, ?)", findings)
    if amounts:
        con.executemany("INSERT INTO f_amounts VALUES (?, ?, ?, ?, ?)", amounts)


def _key(code: str, invoice_id: int, line_id: str) -> str:
    return f"{code}:i{invoice_id}:l{line_id}"


def line_arithmetic(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-040, LSS-CASE-042 (module docstring)."""
    _hour_lines(con, ctx)
    findings, amounts = [], []
    for inv, line_id, decision, kind, year, qty, price, net, secs, _free, pieces, reported, _unowned, shared \
            in _allocated(con):
        net = Decimal(net)
        what = f"line {line_id} (decision {decision}, {kind or 'kind not stated'}, {year or 'year not stated'})"
        if qty is None or price is None:
            excess, seconds = net, 0
            msg = f"{what} states no quantity or price: {net:.2f} kr cannot be checked against the time reports"
        else:
            qty, price = Decimal(qty), Decimal(price)
            seconds = max(0, int((qty - reported) * ONE_HOUR))
            if qty > reported:
                excess = net - line_amount(reported, price)
                if pieces == 0:
                    msg = (f"{what} bills {qty:.2f} h, and no time report of the invoice shows any such time: "
                           f"the whole line ({net:.2f} kr) is without support")
                else:
                    also = " not billed by an earlier line of the invoice" if shared else ""
                    msg = (f"{what} bills {qty:.2f} h, the time reports show {reported:.2f} h{also}: "
                           f"{net:.2f} − {reported:.2f} × {price:.2f} = {excess:.2f} kr beyond them")
            else:
                expected = line_amount(qty, price)
                excess = net - expected
                msg = (f"{what}: {qty:.2f} h × {price:.2f} = {expected:.2f} kr, the line says {net:.2f} kr: "
                       f"{excess:.2f} kr beyond its own hours and price")
        if excess > ZERO:
            key = _key("LSS-CASE-040", inv, line_id)
            findings.append((key, "LSS-CASE-040", BASIS["LSS-CASE-040"], "error", msg, inv, PRECEDENCE["LSS-CASE-040"]))
            amounts.append((key, inv, line_id, excess, seconds))
    for inv, line_id, net in _line_order(con.execute("""
            SELECT invoice_id, line_id, net_amount FROM lines
            WHERE invoice_id IN (SELECT invoice_id FROM b_hour_invoices)
              AND decision_id IS NULL AND week IS NULL AND net_amount > 0""").fetchall()):
        key = _key("LSS-CASE-042", inv, line_id)
        findings.append((key, "LSS-CASE-042", BASIS["LSS-CASE-042"], "error",
                         f"line {line_id} names no decision: {Decimal(net):.2f} kr is not shown to be assistance "
                         "granted by a decision", inv, PRECEDENCE["LSS-CASE-042"]))
        amounts.append((key, inv, line_id, Decimal(net), 0))
    _emit(con, findings, amounts)


def line_rate(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-041, LSS-CASE-043, LSS-CASE-044 (module docstring)."""
    _hour_lines(con, ctx)
    rates = {int(y): Decimal(r) for y, r in con.execute("SELECT year, rate FROM rates").fetchall()}
    findings, amounts = [], []
    for inv, line_id, decision, kind, year, qty, price, _net, _secs, _free, _pieces, _reported, unowned, _shared \
            in _allocated(con):
        if price is None or qty is None:
            continue  # LSS-CASE-040 disputes the whole line
        price = Decimal(price)
        what = f"line {line_id} (decision {decision}, {kind or 'kind not stated'}, {year or 'year not stated'})"
        rate = rates.get(year) if year is not None else None
        if rate is None:
            code = "LSS-CASE-043"
            msg = (f"{what}: the municipality's rate for {year} is unknown (rate unknown for {year}); "
                   "the price cannot be checked" if year is not None else
                   f"{what} names no year of the work: the price cannot be checked against a year's rate")
            findings.append((_key(code, inv, line_id), code, BASIS[code], "warning", msg, inv, PRECEDENCE[code]))
            continue
        if price == rate:
            continue
        if price < rate:
            code = "LSS-CASE-044"
            findings.append((_key(code, inv, line_id), code, BASIS[code], "warning",
                             f"{what}: price {price:.2f} kr/h is below the rate for {year}, {rate:.2f} kr/h",
                             inv, PRECEDENCE[code]))
            continue
        disputed = line_amount(unowned, price) - line_amount(unowned, rate)
        code, key = "LSS-CASE-041", _key("LSS-CASE-041", inv, line_id)
        findings.append((key, code, BASIS[code], "error",
                         f"{what}: price {price:.2f} kr/h, the rate for {year} is {rate:.2f} kr/h: on the {unowned:.2f} h "
                         f"no other finding takes, {unowned:.2f} × {price:.2f} − {unowned:.2f} × {rate:.2f} = "
                         f"{disputed:.2f} kr", inv, PRECEDENCE[code]))
        if disputed > ZERO:
            amounts.append((key, inv, line_id, disputed, int(unowned * ONE_HOUR)))
    _emit(con, findings, amounts)
