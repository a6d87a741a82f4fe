"""Which finding owns which second: cuts made exclusive, priced, and summed per invoice.

Every check adds the time it takes out of reimbursement to ``f_cuts``: a stretch of one shift,
or of an assistant's timeline (mapped here to the shifts of the cut's scope that lie under
it). Cuts of different findings may cover the same second (a double-billed shift that is also
past a working-time limit): the second goes to the covering cut of the lowest precedence, then
the lowest key, so **no hour is cut twice** and the outcome does not depend on the order the
checks ran in.

Amounts (every rounding there is)
    The seconds a finding cuts are summed per invoice line they fall under (the line of the
    shift's invoice, decision, kind and year of the work, a part a line does not state
    matching any: ``run._line_prices``; a shift crossing New Year is split at local midnight), rounded once to hours with 2 decimals and priced like the line itself:
    round(round_hours(seconds) × line price, 2), half-up (:func:`invoices.hours.round_hours`,
    :func:`invoices.hours.line_amount`). Time cut from a shift no line bills (a kind the
    municipality does not pay, say) cuts hours but no money.
"""
from __future__ import annotations

import duckdb

__all__ = ["resolve_cuts"]

_SCOPE_MATCH = """(
    (c.scope = 'work' AND s.kind IN ('active', 'waiting', 'on_call')) OR
    (c.scope = 'duty' AND s.kind IN ('active', 'waiting')) OR
    (c.scope = 'on_call' AND s.kind = 'on_call') OR
    (c.scope = 'any'))"""


def resolve_cuts(con: duckdb.DuckDBPyConnection, target: str = "target_invoices") -> None:
    """``f_cuts`` → ``r_owned``: (key, shift_id, cut_start, cut_end, seconds), exclusive.

    Only shifts of the invoices in ``target`` are cut (the others are context: they belong
    to another period's run, or are already settled).
    """
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE r_cuts AS
    WITH billed AS (
        SELECT s.* FROM shifts s WHERE s.billed AND s.invoice_id IN (SELECT invoice_id FROM {target})
    )
    SELECT c.key, c.precedence, s.shift_id,
           greatest(c.cut_start, s.start_at) AS cs, least(c.cut_end, s.end_at) AS ce
    FROM f_cuts c JOIN billed s ON s.shift_id = c.shift_id
    WHERE c.shift_id IS NOT NULL AND c.cut_start < s.end_at AND c.cut_end > s.start_at
    UNION ALL
    SELECT c.key, c.precedence, s.shift_id,
           greatest(c.cut_start, s.start_at), least(c.cut_end, s.end_at)
    FROM f_cuts c JOIN billed s
      ON s.assistant = c.assistant AND s.start_at < c.cut_end AND s.end_at > c.cut_start
    WHERE c.shift_id IS NULL AND {_SCOPE_MATCH}
    """)
    # Elementary segments of each cut shift between every cut boundary (and New Year, where a
    # shift crosses it: the two parts are priced at their own year's rate).
    con.execute("""
    CREATE OR REPLACE TEMP TABLE r_owned AS
    WITH pts AS (
        SELECT shift_id, cs AS t FROM r_cuts
        UNION SELECT shift_id, ce FROM r_cuts
        UNION SELECT s.shift_id, date_trunc('year', s.end_at) FROM shifts s
              WHERE s.shift_id IN (SELECT shift_id FROM r_cuts)
                AND date_trunc('year', s.end_at) > s.start_at AND date_trunc('year', s.end_at) < s.end_at
    ), seg AS (
        SELECT shift_id, t AS a, lead(t) OVER (PARTITION BY shift_id ORDER BY t) AS b FROM pts
    ), owned AS (
        SELECT seg.shift_id, seg.a, seg.b, first(r.key ORDER BY r.precedence, r.key) AS key
        FROM seg JOIN r_cuts r ON r.shift_id = seg.shift_id AND r.cs <= seg.a AND r.ce >= seg.b
        WHERE seg.b IS NOT NULL AND seg.b > seg.a
        GROUP BY seg.shift_id, seg.a, seg.b
    )
    SELECT key, shift_id, a AS cut_start, b AS cut_end,
           CAST(epoch(b) - epoch(a) AS BIGINT) AS seconds
    FROM owned
    """)


def owned_by_line(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(key, invoice_id, decision_id, kind, year, seconds) of the exclusive cuts, sorted."""
    return con.execute("""
        SELECT o.key, s.invoice_id, s.decision_id, s.kind, year(o.cut_start) AS yr, sum(o.seconds)::BIGINT
        FROM r_owned o JOIN shifts s USING (shift_id)
        GROUP BY ALL ORDER BY ALL
    """).fetchall()
