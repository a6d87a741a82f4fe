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
    # Before the near window: totals of work and duty per assistant and week-and-month (the
    # finest unit any limit counts in: calculation periods and weeks start on Mondays, the rest
    # on the 1st), from the shifts cut at local midnights. The union of overlapping pieces is
    # one sweep in time order per assistant: each piece adds what it reaches past the furthest
    # end before it (pieces of different days never overlap, so the sweep need not restart at
    # midnight); duty sweeps over its own kinds alone.
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_fp AS
    WITH far AS (SELECT * FROM w_performed WHERE a < {near_e}),
    pieces AS ({_DAY_PIECES.format(src="far", local_day=local_day)})
    SELECT aid, kind <> 'on_call' AS is_duty,
           greatest(d - CAST(isodow(d) - 1 AS INTEGER), CAST(date_trunc('month', d) AS DATE)) AS d, a, b
    FROM pieces WHERE d < DATE '{near}'
    """)
    con.execute("""
    CREATE OR REPLACE TEMP TABLE w_far AS
    WITH swept AS (
        SELECT aid, d, is_duty, a, b, max(b) OVER w AS reach_work, max(b) FILTER (WHERE is_duty) OVER w AS reach_duty
        FROM w_fp WINDOW w AS (PARTITION BY aid ORDER BY a, b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ), buckets AS (
        SELECT aid, d, sum(greatest(0, b - greatest(a, coalesce(reach_work, a)))) AS work,
               sum(greatest(0, b - greatest(a, coalesce(reach_duty, a)))) FILTER (WHERE is_duty) AS duty
        FROM swept GROUP BY aid, d
    )
    SELECT aid, 'work' AS scope, d, CAST(work AS BIGINT) AS secs FROM buckets
    UNION ALL SELECT aid, 'duty', d, CAST(duty AS BIGINT) FROM buckets WHERE duty IS NOT NULL
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


_OVER = """over AS (SELECT aid, unit FROM {src} GROUP BY aid, unit HAVING sum(secs) > min(lim) OR min(lim) IS NULL)"""
# Only a unit whose total passes its limit has a part past it: the running total (a window,
# a sort of its rows) is computed over those units alone (and over a unit without a limit, which
# the window keeps nothing of either way).


def beyond_limit(con: duckdb.DuckDBPyConnection, src: str, dst: str) -> None:
    """``src`` (assistant, unit, d, a, b, secs, lim, ...) → ``dst``: the parts past ``lim``
    seconds in each (assistant, unit), counted in time order (day, then instant); a day total
    (``a`` NULL) keeps NULL instants and only its seconds; ``cum_after`` the running total."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE {dst} AS
    WITH {_OVER.format(src=src)}, c AS (
        SELECT s.*, sum(secs) OVER (PARTITION BY aid, unit ORDER BY d, a NULLS FIRST, b
                                    ROWS UNBOUNDED PRECEDING) AS cum_after
        FROM {src} s SEMI JOIN over USING (aid, unit)
    ), part AS (
        SELECT *, CAST(least(secs, cum_after - lim) AS BIGINT) AS keep FROM c WHERE cum_after > lim
    )
    SELECT * EXCLUDE (a, secs, keep), b - keep AS a, keep AS secs FROM part
    """)


def within_limit(con: duckdb.DuckDBPyConnection, src: str, dst: str) -> None:
    """The complement of :func:`beyond_limit`: the parts up to ``lim`` seconds (a unit within
    its limit whole, ``cum_after`` NULL)."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE {dst} AS
    WITH {_OVER.format(src=src)}, c AS (
        SELECT s.*, sum(secs) OVER (PARTITION BY aid, unit ORDER BY d, a NULLS FIRST, b
                                    ROWS UNBOUNDED PRECEDING) AS cum_after
        FROM {src} s SEMI JOIN over USING (aid, unit)
    ), part AS (
        SELECT *, CAST(least(secs, lim - (cum_after - secs)) AS BIGINT) AS keep FROM c WHERE cum_after - secs < lim
    )
    SELECT * EXCLUDE (b, secs, keep), a + keep AS b, keep AS secs FROM part
    UNION ALL BY NAME
    SELECT s.*, CAST(NULL AS HUGEINT) AS cum_after FROM {src} s ANTI JOIN over USING (aid, unit)
    """)
