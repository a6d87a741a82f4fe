"""The decision a shift is billed under: whether it exists, is the client's, is in force, is
of the invoice's kind, and has hours left.

Time is local (Europe/Stockholm): a decision is in force from ``valid_from`` 00:00 to
``valid_to`` + 1 day 00:00; a week runs from Monday 00:00 to the next Monday 00:00 (167 h in
the week of the spring DST change, 169 h in the autumn's), a month from the 1st 00:00.

Step 1 of the run, :func:`outside_decision`: billed shifts of the period's invoices.

================  ==========================  ===========  ==========================================
code              basis                       precedence   cut
================  ==========================  ===========  ==========================================
LSS-CASE-020      9 § 2 LSS (no decision)     30           the shift names a decision not in the
                                                           register: the whole shift
LSS-CASE-021      9 § 2 LSS (no decision      30           the decision was granted to another client
                  for this client)                         than the shift's: the whole shift
LSS-CASE-022      9 § 2 LSS; the decision     31           the part of the shift before ``valid_from``
                                                           00:00 and after ``valid_to`` + 1 day 00:00
LSS-CASE-023      9 § 2 LSS; the decision     32           the decision's kind is not the invoice's
                  (separate invoices, Tjörn)               claim kind (an extension's hours only on an
                                                           extension invoice, a base decision's only on
                                                           a base invoice): the whole shift. An invoice
                                                           whose claim kind is not known is not judged
================  ==========================  ===========  ==========================================

One finding per code, invoice and decision named, naming its shifts; key ``CODE:s<min shift id>``.

Step 3, :func:`beyond_granted_hours` (after the first resolve: ``r_owned`` holds what the
other findings already took):

================  ==========================  ===========  ==========================================
LSS-CASE-030      9 § 2 LSS; the decision     50           per decision and unit (``granted_per``:
                                                           week, calendar month, or ``period`` = the
                                                           decision's validity), the seconds past
                                                           ``granted_hours`` × 3600, in time order
                                                           (start, shift id)
================  ==========================  ===========  ==========================================

What counts against a decision: the billed seconds of ALL shifts naming it that are loaded
(every provider and invoice, any period; invoices, not credit notes or credited invoices),
for its own client, inside its validity, each shift split at the unit boundaries; minus the
seconds a cut of another finding owns (``r_owned``: those of the period's invoices; a shift of
another period counts as it was billed, its own period's run judged the rest). The count runs
in time order (start of the piece, then shift id); the piece crossing the granted hours is
split at that second, and everything after it in the unit is cut (it falls on whichever
invoices hold it: resolve cuts only the period's). Partial units are not pro-rated (a decision
starting on a Wednesday allows the whole week's hours, as ``LSS-SRC-001``); a week across a
month boundary counts all of its shifts loaded, the previous month's included. Every kind of
time billed counts. One finding per decision and unit with excess on the period's invoices;
key ``LSS-CASE-030:s<min shift id cut>:<unit start date>``.
"""
from __future__ import annotations

import duckdb

__all__ = ["beyond_granted_hours", "outside_decision"]

PRECEDENCE = {"LSS-CASE-020": 30, "LSS-CASE-021": 30, "LSS-CASE-022": 31, "LSS-CASE-023": 32, "LSS-CASE-030": 50}
BASIS = {"LSS-CASE-020": "9 § 2 LSS", "LSS-CASE-021": "9 § 2 LSS", "LSS-CASE-022": "9 § 2 LSS; the decision",
         "LSS-CASE-023": "9 § 2 LSS; the decision", "LSS-CASE-030": "9 § 2 LSS; the decision"}
KIND_NAME = "CASE {k} WHEN 'base' THEN 'base decision' WHEN 'extension' THEN 'temporary extension' ELSE {k} END"


def _emit(con: duckdb.DuckDBPyConnection, code: str, where: str, cut_start: str, cut_end: str, message: str) -> None:
    """A finding per invoice and decision over the ``d_shifts`` rows matching ``where``, each
    cutting [``cut_start``, ``cut_end``) of its shift."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE d_hits AS
    SELECT '{code}:s' || min(shift_id) OVER (PARTITION BY invoice_id, decision_id) AS key,
           *, {cut_start} AS cs, {cut_end} AS ce
    FROM d_shifts WHERE {where}
    """)
    con.execute(f"""
    INSERT INTO f_findings
    SELECT key, '{code}', '{BASIS[code]}', 'error', {message}, list(shift_id ORDER BY shift_id), any_value(invoice_id),
           {PRECEDENCE[code]}
    FROM d_hits GROUP BY key, decision_id ORDER BY key
    """)
    con.execute(f"""INSERT INTO f_cuts SELECT key, {PRECEDENCE[code]}, shift_id, NULL, NULL, cs, ce FROM d_hits
                    WHERE ce > cs ORDER BY key, shift_id""")


def outside_decision(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-020..023 (module docstring)."""
    con.execute("""
    CREATE OR REPLACE TEMP TABLE d_shifts AS
    SELECT s.shift_id, s.invoice_id, s.client, s.decision_id, s.start_at, s.end_at, i.claim_kind,
           d.decision_id IS NOT NULL AS known, d.client AS d_client, d.kind AS d_kind, d.valid_from, d.valid_to,
           CAST(d.valid_from AS TIMESTAMPTZ) AS vf, CAST(d.valid_to + 1 AS TIMESTAMPTZ) AS vt
    FROM shifts s JOIN invoices i USING (invoice_id) LEFT JOIN decisions d ON d.decision_id = s.decision_id
    WHERE s.billed AND s.invoice_id IN (SELECT invoice_id FROM target_invoices)
    """)
    _emit(con, "LSS-CASE-020", "NOT known", "start_at", "end_at",
          "count(*) || ' shift(s) from ' || local_min(min(start_at)) || ' name decision ' || decision_id "
          "|| ', which is not in the decision register: ' || hrs(sum(epoch(end_at) - epoch(start_at))) "
          "|| ' not granted by any decision'")
    _emit(con, "LSS-CASE-021", "known AND d_client <> client", "start_at", "end_at",
          "count(*) || ' shift(s) from ' || local_min(min(start_at)) || ' for client ' || masked(any_value(client)) "
          "|| ' name decision ' || decision_id || ', granted to client ' || masked(any_value(d_client)) "
          "|| ': ' || hrs(sum(epoch(end_at) - epoch(start_at))) || ' not granted to this client'")
    con.execute("""
    CREATE OR REPLACE TEMP TABLE d_outside AS
    SELECT *, start_at AS os, least(end_at, vf) AS oe FROM d_shifts
    WHERE known AND d_client = client AND start_at < vf
    UNION ALL
    SELECT *, greatest(start_at, vt), end_at FROM d_shifts
    WHERE known AND d_client = client AND end_at > vt
    """)
    con.execute("""
    CREATE OR REPLACE TEMP TABLE d_hits AS
    SELECT 'LSS-CASE-022:s' || min(shift_id) OVER (PARTITION BY invoice_id, decision_id) AS key, * FROM d_outside
    """)
    con.execute(f"""
    INSERT INTO f_findings
    SELECT key, 'LSS-CASE-022', '{BASIS["LSS-CASE-022"]}', 'error',
           count(DISTINCT shift_id) || ' shift(s) from ' || local_min(min(start_at)) || ': '
           || hrs(sum(epoch(oe) - epoch(os))) || ' outside decision ' || decision_id || '''s period '
           || strftime(any_value(valid_from), '%Y-%m-%d') || '–' || strftime(any_value(valid_to), '%Y-%m-%d'),
           list(DISTINCT shift_id ORDER BY shift_id), any_value(invoice_id), {PRECEDENCE["LSS-CASE-022"]}
    FROM d_hits GROUP BY key, decision_id ORDER BY key
    """)
    con.execute(f"""INSERT INTO f_cuts SELECT key, {PRECEDENCE["LSS-CASE-022"]}, shift_id, NULL, NULL, os, oe
                    FROM d_hits ORDER BY key, shift_id, os""")
    _emit(con, "LSS-CASE-023",
          "known AND d_client = client AND claim_kind IN ('base', 'extension') AND d_kind <> claim_kind",
          "start_at", "end_at",
          "count(*) || ' shift(s) from ' || local_min(min(start_at)) || ' under ' "
          f"|| {KIND_NAME.format(k='any_value(d_kind)')} || ' ' || decision_id || ' are billed on an invoice for a ' "
          f"|| {KIND_NAME.format(k='any_value(claim_kind)')} || ': ' || hrs(sum(epoch(end_at) - epoch(start_at))) "
          "|| ' belong on the decision''s own invoice'")


def beyond_granted_hours(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-030 (module docstring)."""
    # Every billed shift's part inside its decision's validity, split at the unit boundaries;
    # of a week or month decision only the shifts of the units the period's shifts touch.
    con.execute("""
    CREATE OR REPLACE TEMP TABLE g_pieces AS
    WITH win AS (
        SELECT min(start_at) AS lo, max(end_at) AS hi FROM shifts
        WHERE billed AND invoice_id IN (SELECT invoice_id FROM target_invoices)
    ), dec AS (
        SELECT d.decision_id, d.client, d.granted_per, d.granted_hours,
               CAST(d.valid_from AS TIMESTAMPTZ) AS vf, CAST(d.valid_to + 1 AS TIMESTAMPTZ) AS vt,
               CASE d.granted_per WHEN 'week' THEN date_trunc('week', win.lo)
                                  WHEN 'month' THEN date_trunc('month', win.lo) END AS from_t,
               CASE d.granted_per WHEN 'week' THEN win.hi + INTERVAL 7 DAY
                                  WHEN 'month' THEN win.hi + INTERVAL 1 MONTH END AS to_t
        FROM decisions d, win
    ), inside AS (
        SELECT s.shift_id, s.invoice_id, s.decision_id, d.granted_per, d.granted_hours, d.vf, d.vt,
               greatest(s.start_at, d.vf) AS a, least(s.end_at, d.vt) AS b
        FROM shifts s JOIN invoices i USING (invoice_id)
        JOIN dec d ON d.decision_id = s.decision_id AND d.client = s.client
        WHERE s.billed AND i.doc_kind = 'invoice' AND NOT i.credited
          AND (d.from_t IS NULL OR (s.end_at > d.from_t AND s.start_at < d.to_t))
    ), units AS (
        SELECT *, unnest(CASE granted_per
            WHEN 'week' THEN generate_series(date_trunc('week', a), b - INTERVAL 1 MICROSECOND, INTERVAL 7 DAY)
            WHEN 'month' THEN generate_series(date_trunc('month', a), b - INTERVAL 1 MICROSECOND, INTERVAL 1 MONTH)
            ELSE [vf] END) AS unit_start
        FROM inside WHERE b > a
    )
    SELECT shift_id, invoice_id, decision_id, granted_per, CAST(granted_hours * 3600 AS BIGINT) AS limit_secs,
           unit_start, greatest(a, unit_start) AS a,
           least(b, CASE granted_per WHEN 'week' THEN unit_start + INTERVAL 7 DAY
                                     WHEN 'month' THEN unit_start + INTERVAL 1 MONTH ELSE vt END) AS b
    FROM units
    """)
    # Minus what another finding's cut owns: the free stretches between the owned ones.
    con.execute("""
    CREATE OR REPLACE TEMP TABLE g_free AS
    WITH owned AS (SELECT shift_id, cut_start, cut_end FROM r_owned),
    cut AS (SELECT * FROM g_pieces WHERE shift_id IN (SELECT shift_id FROM owned)),
    pts AS (
        SELECT shift_id, unit_start, a AS t FROM cut
        UNION SELECT shift_id, unit_start, b FROM cut
        UNION SELECT c.shift_id, c.unit_start, o.cut_start FROM cut c JOIN owned o USING (shift_id)
              WHERE o.cut_start > c.a AND o.cut_start < c.b
        UNION SELECT c.shift_id, c.unit_start, o.cut_end FROM cut c JOIN owned o USING (shift_id)
              WHERE o.cut_end > c.a AND o.cut_end < c.b
    ), seg AS (
        SELECT shift_id, unit_start, t AS a, lead(t) OVER (PARTITION BY shift_id, unit_start ORDER BY t) AS b FROM pts
    )
    SELECT c.shift_id, c.invoice_id, c.decision_id, c.granted_per, c.limit_secs, c.unit_start, seg.a, seg.b
    FROM seg JOIN cut c USING (shift_id, unit_start)
    WHERE seg.b IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM owned o WHERE o.shift_id = seg.shift_id AND o.cut_start <= seg.a AND o.cut_end >= seg.b)
    UNION ALL
    SELECT * FROM g_pieces WHERE shift_id NOT IN (SELECT shift_id FROM owned)
    """)
    # The units over their hours, counted in time order; the excess of each piece.
    con.execute("""
    CREATE OR REPLACE TEMP TABLE g_excess AS
    WITH f AS (SELECT *, CAST(epoch(b) - epoch(a) AS BIGINT) AS secs FROM g_free WHERE b > a),
    over AS (
        SELECT decision_id, unit_start FROM f GROUP BY ALL HAVING sum(secs) > any_value(limit_secs)
    ), run AS (
        SELECT f.*, sum(secs) OVER (PARTITION BY decision_id, unit_start ORDER BY a, shift_id
                                    ROWS UNBOUNDED PRECEDING) AS cum,
               sum(secs) OVER (PARTITION BY decision_id, unit_start) AS total
        FROM f JOIN over USING (decision_id, unit_start)
    )
    SELECT *, a + to_seconds(greatest(0, limit_secs - (cum - secs))) AS cs, b AS ce
    FROM run WHERE cum > limit_secs
    """)
    con.execute("""
    CREATE OR REPLACE TEMP TABLE g_hits AS
    WITH t AS (SELECT * FROM g_excess WHERE invoice_id IN (SELECT invoice_id FROM target_invoices))
    SELECT 'LSS-CASE-030:s' || min(shift_id) OVER (PARTITION BY decision_id, unit_start) || ':'
           || strftime(unit_start, '%Y-%m-%d') AS key, * FROM t
    """)
    con.execute(f"""
    INSERT INTO f_findings
    SELECT h.key, 'LSS-CASE-030', '{BASIS["LSS-CASE-030"]}', 'error',
           'decision ' || h.decision_id || ': ' || hrs(any_value(h.total)) || ' billed in '
           || CASE any_value(h.granted_per)
                WHEN 'week' THEN 'the week ' || strftime(h.unit_start, '%Y-%m-%d') || '–'
                                 || strftime(h.unit_start + INTERVAL 6 DAY, '%Y-%m-%d')
                WHEN 'month' THEN 'the month ' || strftime(h.unit_start, '%Y-%m')
                ELSE 'the decision''s period' END
           || ', granted ' || printf('%.2f', any_value(d.granted_hours)) || ' h per ' || any_value(h.granted_per)
           || '; ' || hrs(any_value(h.total) - any_value(h.limit_secs)) || ' beyond the decision, cut in time order',
           list(DISTINCT h.shift_id ORDER BY h.shift_id), NULL, {PRECEDENCE["LSS-CASE-030"]}
    FROM g_hits h JOIN decisions d USING (decision_id)
    GROUP BY h.key, h.decision_id, h.unit_start ORDER BY h.key
    """)
    con.execute(f"""INSERT INTO f_cuts SELECT key, {PRECEDENCE["LSS-CASE-030"]}, shift_id, NULL, NULL, cs, ce
                    FROM g_hits ORDER BY key, shift_id, cs""")
