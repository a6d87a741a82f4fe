"""Each assistant's working time as the working-time checks read it: instants as epoch seconds.

The limits are counted in real elapsed seconds (BIGINT epoch seconds, so every sum and
comparison is integer arithmetic); the calendar — local days, Monday 00:00, months — comes
from ``w_days``, one row per local day (Europe/Stockholm) with the epoch second of its midnight,
computed once per run (23- and 25-hour days included), so no row-by-row time-zone arithmetic
is needed over the shifts.

Tables (temporary, per run)
    ``w_days``       d, m0, m1 (epoch of the day's and the next day's local midnight), monday
                     (the date of the week's Monday)
    ``w_aid``        each assistant as a small integer ``aid`` (``w_reg``: the register with it)
    ``w_performed``  every shift that counts as performed work (standby is not work; credit
                     notes and credited invoices never count): shift_id, aid, kind, a, b
    ``w_iv``         near window only: per assistant and scope (work, duty, on_call) the union
                     of the shifts, overlapping or touching ones merged (``a``, ``b``)
    ``w_day``        per assistant, scope and local day: the near window's pieces (``a``/``b``)
                     and, before it, totals per week-and-month (``d`` its first day, ``a``/``b``
                     NULL), with ``secs`` and the regime in force on ``d``

Scopes: ``work`` is active, waiting and on-call time (working time, arbetstidslagen 10 b §),
``duty`` active and waiting time (ordinary time and overtime, 5-8 §§), ``on_call`` jour (6 §).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import duckdb

from ..model import STOCKHOLM

__all__ = ["beyond_limit", "build_timelines", "near_window", "within_limit"]


def near_window(first_day: date, next_month: date) -> tuple[date, date]:
    """The weeks around the month, one day more each side (local dates): rest and stretches
    are judged on instants there; before it, days count as totals."""
    start = first_day - timedelta(days=first_day.weekday() + 1)
    last = next_month - timedelta(days=1)
    return start, last + timedelta(days=7 - last.weekday() + 1)


def _midnight(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=STOCKHOLM).timestamp())


def _days_table(con: duckdb.DuckDBPyConnection, first: date, last: date) -> None:
    rows, day = [], first
    while day <= last:
        rows.append((day, _midnight(day), _midnight(day + timedelta(days=1)), day - timedelta(days=day.weekday())))
        day += timedelta(days=1)
    con.execute("CREATE OR REPLACE TEMP TABLE w_days (d DATE, m0 BIGINT, m1 BIGINT, monday DATE)")
    con.executemany("INSERT INTO w_days VALUES (?, ?, ?, ?)", rows)


_SCOPED = """
    SELECT 'work' AS scope, * FROM {src} WHERE kind IN ('active', 'waiting', 'on_call')
    UNION ALL SELECT 'duty', * FROM {src} WHERE kind IN ('active', 'waiting')
    {on_call}"""
_ISLANDS = """
    WITH ordered AS (
        SELECT *, max(b) OVER (PARTITION BY {keys} ORDER BY a, b, shift_id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
        FROM {src}
    ), islands AS (
        SELECT *, sum(CASE WHEN reach IS NULL OR a > reach THEN 1 ELSE 0 END)
                  OVER (PARTITION BY {keys} ORDER BY a, b, shift_id ROWS UNBOUNDED PRECEDING) AS island
        FROM ordered
    )
    SELECT {keys}, min(a) AS a, max(b) AS b, min(shift_id) AS shift_id FROM islands GROUP BY {keys}, island"""
# Rows cut at every local midnight they cross: the local day a row starts in (epoch arithmetic
# with the run's offsets, ``{local_day}``), then, for rows that go on past it, the later days.
_DAY_PIECES = """
    WITH first AS (
        SELECT r.*, w.d, w.m0, w.m1 FROM (SELECT *, {local_day} AS d FROM {src}) r JOIN w_days w USING (d)
    ), later AS (
        SELECT f.* EXCLUDE (d, m0, m1, k), w.d, w.m0, w.m1
        FROM (SELECT *, unnest(range(1, (b - m1) // 82800 + 2)) AS k FROM first WHERE b > m1) f
        JOIN w_days w ON w.d = f.d + CAST(f.k AS INTEGER)
        WHERE w.m0 < f.b
    ), pieces AS (SELECT * FROM first UNION ALL SELECT * FROM later)
    SELECT * EXCLUDE (a, b, m0, m1), greatest(a, m0) AS a, least(b, m1) AS b FROM pieces"""


def _local_day_sql(first: date, last: date) -> str:
    """SQL computing the local date of epoch second ``a``: its UTC offset is constant between
    the time zone's transitions (Europe/Stockholm: +1 h, +2 h in summer), found here once."""
    cases, offset_of = [], lambda e: int(datetime.fromtimestamp(e, STOCKHOLM).utcoffset().total_seconds())
    start = _midnight(first)
    base = offset_of(start)
    end, e = _midnight(last), start
    current, since = base, start
    while e < end:
        nxt = e + 3600
        if offset_of(nxt) != current:
            cases.append((since, nxt, current))
            current, since = offset_of(nxt), nxt
        e = nxt
    cases.append((since, None, current))
    expr = " ".join(f"WHEN a < {upto} THEN {off}" for _, upto, off in cases if upto is not None)
    offset = f"(CASE {expr} ELSE {cases[-1][2]} END)" if expr else str(cases[-1][2])
    return f"(DATE '1970-01-01' + CAST((a + {offset}) // 86400 AS INTEGER))"


def build_timelines(con: duckdb.DuckDBPyConnection, first_day: date, next_month: date) -> None:
    """``w_days``, ``w_performed``, ``w_iv`` and ``w_day`` for the month (module docstring)."""
    near, until = near_window(first_day, next_month)
    lo = con.execute("SELECT min(start_at) FROM shifts").fetchone()[0]
    first = min(near, lo.astimezone(STOCKHOLM).date() if lo else near) - timedelta(days=1)
    _days_table(con, first, until + timedelta(days=2))
    local_day = _local_day_sql(first, until + timedelta(days=2))
    near_e, until_e = _midnight(near), _midnight(until)
    # Assistants as small integers (``aid``): every sort and hash below is on them.
    con.execute("""
    CREATE OR REPLACE TEMP TABLE w_aid AS
    SELECT assistant, CAST(row_number() OVER (ORDER BY assistant) AS INTEGER) AS aid
    FROM (SELECT DISTINCT assistant FROM shifts)
    """)
    con.execute("CREATE OR REPLACE TEMP TABLE w_reg AS SELECT m.aid, r.* FROM assistants r JOIN w_aid m USING (assistant)")
    con.execute("""
    CREATE OR REPLACE TEMP TABLE w_performed AS
    SELECT s.shift_id, m.aid, s.kind, CAST(epoch(s.start_at) AS BIGINT) AS a, CAST(epoch(s.end_at) AS BIGINT) AS b
    FROM shifts s JOIN w_aid m USING (assistant) LEFT JOIN invoices i USING (invoice_id)
    WHERE s.kind <> 'standby' AND (i.invoice_id IS NULL OR (i.doc_kind = 'invoice' AND NOT i.credited))
    """)
    on_call = "UNION ALL SELECT 'on_call', * FROM {src} WHERE kind = 'on_call'"
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_iv AS
    WITH near AS (SELECT * FROM w_performed WHERE b > {near_e} AND a < {until_e}),
    scoped AS ({_SCOPED.format(src="near", on_call=on_call.format(src="near"))})
    SELECT * FROM ({_ISLANDS.format(src="scoped", keys="aid, scope")})
    """)
    # Before the near window: day totals of work and duty (on-call is judged per month, in the
    # near window), one pass over the day pieces for both. The union of a day's pieces: one
    # piece is itself; two overlap by max(0, min(b) - max(a)); three or more (rare) are merged
    # as islands. Then the days are summed per week and month they share (the finest unit any
    # limit counts in: calculation periods and weeks start on Mondays, the rest on the 1st).
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_fp AS
    WITH far AS (SELECT * FROM w_performed WHERE a < {near_e}),
    pieces AS ({_DAY_PIECES.format(src="far", local_day=local_day)})
    SELECT aid, kind, d, a, b, shift_id FROM pieces WHERE d < DATE '{near}'
    """)
    duty = "FILTER (WHERE kind <> 'on_call')"
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_far AS
    WITH g AS (
        SELECT aid, d, count(*) AS n_w, sum(b - a) AS s_w, min(b) AS mb_w, max(a) AS ma_w,
               count(*) {duty} AS n_d, sum(b - a) {duty} AS s_d, min(b) {duty} AS mb_d, max(a) {duty} AS ma_d
        FROM w_fp GROUP BY aid, d
    ), days AS (
        SELECT aid, 'work' AS scope, d, n_w AS n, s_w AS s, mb_w AS mb, ma_w AS ma FROM g
        UNION ALL SELECT aid, 'duty', d, n_d, s_d, mb_d, ma_d FROM g WHERE n_d > 0
    ), several AS (
        SELECT f.*, x.scope FROM w_fp f JOIN (SELECT aid, d, scope FROM days WHERE n > 2) x USING (aid, d)
        WHERE x.scope = 'work' OR f.kind <> 'on_call'
    ), merged AS (
        SELECT * FROM ({_ISLANDS.format(src="several", keys="aid, scope, d")})
    ), united AS (
        SELECT aid, scope, d, CASE WHEN n = 1 THEN s ELSE s - greatest(0, mb - ma) END AS secs FROM days WHERE n <= 2
        UNION ALL SELECT aid, scope, d, sum(b - a) FROM merged GROUP BY ALL
    )
    SELECT aid, scope, greatest(d - CAST(isodow(d) - 1 AS INTEGER), CAST(date_trunc('month', d) AS DATE)) AS d,
           CAST(sum(secs) AS BIGINT) AS secs
    FROM united GROUP BY ALL
    """)
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_day AS
    WITH near AS ({_DAY_PIECES.format(src="w_iv", local_day=local_day)}),
    rows AS (
        SELECT aid, scope, d, a, b, b - a AS secs FROM near
        WHERE d >= DATE '{near}' AND d < DATE '{until}' AND b > a
        UNION ALL SELECT aid, scope, d, NULL, NULL, secs FROM w_far
    )
    SELECT p.*, coalesce(r.regime, 'atl') AS regime, r.calculation_period_weeks AS calc_weeks
    FROM rows p LEFT JOIN w_reg r ON r.aid = p.aid AND p.d BETWEEN r.valid_from AND r.valid_to
    """)


def beyond_limit(con: duckdb.DuckDBPyConnection, src: str, dst: str) -> None:
    """``src`` (assistant, unit, d, a, b, secs, lim, ...) → ``dst``: the parts past ``lim``
    seconds in each (assistant, unit), counted in time order (day, then instant); a day total
    (``a`` NULL) keeps NULL instants and only its seconds; ``cum_after`` the running total."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE {dst} AS
    WITH c AS (
        SELECT *, sum(secs) OVER (PARTITION BY aid, unit ORDER BY d, a NULLS FIRST, b
                                  ROWS UNBOUNDED PRECEDING) AS cum_after
        FROM {src}
    ), part AS (
        SELECT *, CAST(least(secs, cum_after - lim) AS BIGINT) AS keep FROM c WHERE cum_after > lim
    )
    SELECT * EXCLUDE (a, secs, keep), b - keep AS a, keep AS secs FROM part
    """)


def within_limit(con: duckdb.DuckDBPyConnection, src: str, dst: str) -> None:
    """The complement of :func:`beyond_limit`: the parts up to ``lim`` seconds."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE {dst} AS
    WITH c AS (
        SELECT *, sum(secs) OVER (PARTITION BY aid, unit ORDER BY d, a NULLS FIRST, b
                                  ROWS UNBOUNDED PRECEDING) AS cum_after
        FROM {src}
    ), part AS (
        SELECT *, CAST(least(secs, lim - (cum_after - secs)) AS BIGINT) AS keep FROM c WHERE cum_after - secs < lim
    )
    SELECT * EXCLUDE (b, secs, keep), a + keep AS b, keep AS secs FROM part
    """)
