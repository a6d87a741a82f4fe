"""9 d § 4 LSS: work beyond the working-time limits, over ALL of an assistant's shifts.

"Allt arbete som utförs av en personlig assistent ska tas med vid beräkningen av arbetad tid,
oavsett för vilken insatsberättigad arbetet utförs" (Tjörn, seed 003): every limit is judged
on the assistant's timeline, the union of every shift loaded (all clients, all providers; a
double-billed hour was worked once). The limits come from the assistant's regime in the
register (``atl``, ``household`` or an agreement profile, :mod:`invoices.agreements`), in force
on each day; an assistant missing from the register is judged by the law's defaults (``atl``).

Time: a day starts at 00:00 local time (Europe/Stockholm), a week on Monday 00:00; the DST days
have 23 and 25 hours. Working time is active, waiting and on-call time; standby is not
(arbetstidslagen 2 §, 10 b §).

=============  =====================================  =============================================
code           limit (profile section)                what is cut (deterministic)
=============  =====================================  =============================================
LSS-CASE-060   one stretch of work at most            the work past ``max_hours`` from the stretch's
               ``stretch.max_hours`` (agreements)      start
LSS-CASE-061   daily rest (``daily_rest``): every     the shortfall, taken from the start of the work
               24-hour period starting when a          that broke the rest: if the period's longest
               stretch of work starts holds            rest ends with work inside the period, the work
               ``hours`` consecutive hours without     in [that work's start, rest start + hours);
               work (``minimum_hours`` when an         if it runs to the period's end, the work in
               agreement averages)                     [period end - hours, the rest's start)
LSS-CASE-062   weekly rest (``weekly_rest``): every    the same rule over the calendar week (the rest
               calendar week holds ``hours``           before the first work of the week counts from
               consecutive hours without work          Monday 00:00)
LSS-CASE-063   on-call (``on_call``): at most          the on-call time past the limit in time order
               ``hours_per_month`` per calendar month
LSS-CASE-064   overtime: active and waiting time past  the overtime past the extra overtime per year
               the ordinary time of the calculation    (or, with no extra overtime, past the general
               period (``ordinary``; ``hours_per_week``  caps), in time order
               × weeks) is overtime; general overtime
               at most ``general_per_month`` (or
               ``general_per_4_weeks``) and
               ``general_per_year``; what is past them
               is extra overtime, at most
               ``extra_per_year``
LSS-CASE-065   ``average_week``: all working time at   the work past ``hours`` × days / 7 of the block
               most ``hours`` per 7 days on average     in time order
               over blocks of ``months`` calendar
               months (January-April, May-August,
               September-December for 4)
=============  =====================================  =============================================

Calculation periods of N weeks (``ordinary``) are counted from Monday 1 January 1990, so they
do not depend on the data loaded; N is the register's ``calculation_period_weeks``, at most the
profile's ``max_calculation_weeks`` (a longer one stated is cut to it). A limit of a year or a
block counts all the work loaded in it: the loader loads from 1 January of the period's year
(and the block or week that starts earlier).

Each limit is judged on the work as performed, independently of the others: an hour past two
limits is cut once (:mod:`invoices.casework.resolve`). A rest shortfall is always a finding; a
profile with ``cut = false`` makes it a warning that cuts nothing: 9 d § 4 LSS names 5-10 b §
arbetstidslagen, not the rest rules of 13-14 §§, so whether a shortfall is reimbursed is the
municipality's choice.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import duckdb

from ..agreements import Profile
from .timeline import beyond_limit, build_timelines, within_limit

__all__ = ["CHECKS"]

EPOCH_MONDAY = "DATE '1990-01-01'"
PRECEDENCE = {"LSS-CASE-060": 40, "LSS-CASE-061": 41, "LSS-CASE-062": 42, "LSS-CASE-063": 43,
              "LSS-CASE-064": 44, "LSS-CASE-065": 45}


def _secs(hours: Decimal | None) -> int | None:
    """Hours of a profile as whole seconds (exact for the profiles' whole and decimal hours)."""
    return None if hours is None else int(Decimal(hours) * 3600)


def _profile_table(con: duckdb.DuckDBPyConnection, profiles: dict[str, Profile]) -> None:
    rows = []
    for name, p in sorted(profiles.items()):
        rows.append((
            name,
            _secs(p.stretch.max_hours) if p.stretch else None, p.stretch.basis if p.stretch else None,
            _secs(p.daily_rest.minimum_hours or p.daily_rest.hours) if p.daily_rest else None,
            p.daily_rest.cut if p.daily_rest else None, p.daily_rest.basis if p.daily_rest else None,
            _secs(p.weekly_rest.hours) if p.weekly_rest else None,
            p.weekly_rest.cut if p.weekly_rest else None, p.weekly_rest.basis if p.weekly_rest else None,
            _secs(p.on_call.hours_per_month) if p.on_call else None, p.on_call.basis if p.on_call else None,
            _secs(p.ordinary.hours_per_week) if p.ordinary else None,
            p.ordinary.max_calculation_weeks if p.ordinary else None,
            _secs(p.overtime.general_per_month) if p.overtime else None,
            _secs(p.overtime.general_per_4_weeks) if p.overtime else None,
            _secs(p.overtime.general_per_year) if p.overtime else None,
            _secs(p.overtime.extra_per_year) if p.overtime else None,
            (p.overtime.extra_basis or p.overtime.basis) if p.overtime else None,
            _secs(p.average_week.hours) if p.average_week else None,
            p.average_week.months if p.average_week else None, p.average_week.basis if p.average_week else None,
        ))
    con.execute("""CREATE OR REPLACE TEMP TABLE w_profiles (
        regime VARCHAR, stretch_max BIGINT, stretch_basis VARCHAR,
        daily_rest BIGINT, daily_cut BOOLEAN, daily_basis VARCHAR,
        weekly_rest BIGINT, weekly_cut BOOLEAN, weekly_basis VARCHAR,
        on_call_month BIGINT, on_call_basis VARCHAR,
        ordinary_week BIGINT, max_calc_weeks INTEGER,
        ot_month BIGINT, ot_4_weeks BIGINT, ot_year BIGINT, extra_year BIGINT, ot_basis VARCHAR,
        avg_week BIGINT, avg_months INTEGER, avg_basis VARCHAR)""")
    if rows:
        con.executemany("INSERT INTO w_profiles VALUES (" + ", ".join("?" * 21) + ")", rows)


def _emit(con: duckdb.DuckDBPyConnection, code: str, violations: str, message: str, label: str,
          basis: str = "basis", cut: str = "true", scope: str = "work") -> None:
    """Findings (one per aid and unit) and cuts from ``violations`` (aid, unit,
    a, b as epoch seconds, basis, cut, ...): the shifts of the scope under a violation are the
    finding's; ``label`` is the SQL naming the unit in keys and messages."""
    precedence = PRECEDENCE[code]
    kinds = {"work": "('active', 'waiting', 'on_call')", "duty": "('active', 'waiting')",
             "on_call": "('on_call')"}[scope]
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_hit AS
    WITH v AS (SELECT x.*, {label} AS label, m.assistant FROM {violations} x JOIN w_aid m USING (aid) WHERE x.b > x.a),
    hit AS (
        SELECT v.aid, v.unit, list(DISTINCT s.shift_id) AS shift_ids, min(s.shift_id) AS first_shift
        FROM v JOIN w_performed s ON s.aid = v.aid AND s.a < v.b AND s.b > v.a AND s.kind IN {kinds}
        GROUP BY v.aid, v.unit
    )
    SELECT '{code}:' || v.label || ':s' || h.first_shift AS key, v.*, h.shift_ids
    FROM v JOIN hit h USING (aid, unit)
    """)
    con.execute(f"""
    INSERT INTO f_findings
    SELECT key, '{code}', any_value({basis}), CASE WHEN bool_and({cut}) THEN 'error' ELSE 'warning' END,
           {message}, any_value(shift_ids), NULL, {precedence}
    FROM w_hit GROUP BY key, aid, unit, assistant
    """)
    con.execute(f"""
    INSERT INTO f_cuts SELECT key, {precedence}, NULL, assistant, '{scope}', to_timestamp(a), to_timestamp(b)
    FROM w_hit WHERE {cut}
    """)


def _near_month(ctx, column: str) -> str:
    """SQL: ``column`` (epoch seconds) from the day before the month to its end (local)."""
    return (f"{column} >= (SELECT m0 FROM w_days WHERE d = DATE '{ctx.first_day - timedelta(days=1)}') "
            f"AND {column} < (SELECT m0 FROM w_days WHERE d = DATE '{ctx.next_month}')")


_AT = "local_min(to_timestamp({}))"


def longest_stretch(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-060: a stretch of work longer than the agreement's ``stretch.max_hours``."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_v AS
    SELECT w.aid, w.a AS unit, w.a + p.stretch_max AS a, w.b, p.stretch_basis AS basis,
           w.b - w.a AS stretch_secs, p.stretch_max AS lim, w.a AS started
    FROM w_iv w
    LEFT JOIN w_reg r ON r.aid = w.aid AND CAST(to_timestamp(w.a) AS DATE) BETWEEN r.valid_from AND r.valid_to
    JOIN w_profiles p ON p.regime = coalesce(r.regime, 'atl')
    WHERE w.scope = 'work' AND p.stretch_max IS NOT NULL AND w.b - w.a > p.stretch_max AND {_near_month(ctx, "w.a")}
    """)
    _emit(con, "LSS-CASE-060", "w_v",
          "'assistant ' || masked(assistant) || ' worked ' || hrs(any_value(stretch_secs)) || ' in one stretch from ' "
          f"|| {_AT.format('any_value(started)')} || ', more than the ' || hrs(any_value(lim)) || ' allowed'",
          label="strftime(to_timestamp(unit), '%Y-%m-%dT%H%M')")


def _rest_violations(con: duckdb.DuckDBPyConnection, windows: str, dst: str) -> None:
    """Per window (aid, unit, ws, we, req, cut, basis) and the work pieces in it
    (``w_wpieces``: aid, unit, a, b clipped to the window): the longest rest (the first
    of equal ones), and when shorter than ``req`` the work that broke it (module table)."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_gaps AS
    WITH p AS (
        SELECT *, lead(a) OVER (PARTITION BY aid, unit ORDER BY a) AS next_a,
                  lag(b) OVER (PARTITION BY aid, unit ORDER BY a) AS prev_b
        FROM w_wpieces
    ), g AS (
        -- the rest before the window's first work (weekly rest: from Monday 00:00)
        SELECT aid, unit, ws AS gs, a AS ge, false AS tail FROM p JOIN {windows} USING (aid, unit)
        WHERE prev_b IS NULL AND a > ws
        UNION ALL
        SELECT aid, unit, b, coalesce(next_a, we), next_a IS NULL
        FROM p JOIN {windows} USING (aid, unit)
    )
    SELECT aid, unit, arg_max(gs, (ge - gs, -gs)) AS gs, arg_max(ge, (ge - gs, -gs)) AS ge,
           arg_max(tail, (ge - gs, -gs)) AS tail, max(ge - gs) AS rest
    FROM g GROUP BY aid, unit
    """)
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE {dst} AS
    SELECT w.*, g.rest,
           CASE WHEN g.tail THEN w.we - w.req ELSE g.ge END AS a,
           CASE WHEN g.tail THEN g.gs ELSE g.gs + w.req END AS b
    FROM {windows} w JOIN w_gaps g USING (aid, unit)
    WHERE g.rest < w.req
    """)


def daily_rest(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-061 (module table): windows of 24 h (86 400 s) from each stretch's start."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_windows AS
    SELECT w.aid, w.a AS unit, w.a AS ws, w.a + 86400 AS we,
           p.daily_rest AS req, p.daily_cut AS cut, p.daily_basis AS basis
    FROM w_iv w
    LEFT JOIN w_reg r ON r.aid = w.aid AND CAST(to_timestamp(w.a) AS DATE) BETWEEN r.valid_from AND r.valid_to
    JOIN w_profiles p ON p.regime = coalesce(r.regime, 'atl')
    WHERE w.scope = 'work' AND p.daily_rest IS NOT NULL AND {_near_month(ctx, "w.a")}
    """)
    con.execute("""
    CREATE OR REPLACE TEMP TABLE w_wpieces AS
    SELECT w.aid, w.unit, greatest(i.a, w.ws) AS a, least(i.b, w.we) AS b
    FROM w_windows w JOIN w_iv i ON i.aid = w.aid AND i.scope = 'work' AND i.a < w.we AND i.b > w.ws
    """)
    _rest_violations(con, "w_windows", "w_v")
    _emit(con, "LSS-CASE-061", "w_v",
          f"'assistant ' || masked(assistant) || ': the longest rest in the 24 hours from ' || {_AT.format('any_value(ws)')} "
          "|| ' was ' || hrs(any_value(rest)) || ', less than the ' || hrs(any_value(req)) || ' of daily rest'",
          label="strftime(to_timestamp(unit), '%Y-%m-%dT%H%M')", cut="cut")


def weekly_rest(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-062 (module table): every calendar week of the month with work in it."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_windows AS
    WITH weeks AS (
        SELECT monday, min(m0) AS ws, max(m1) AS we FROM w_days GROUP BY monday
        HAVING monday < DATE '{ctx.next_month}' AND monday + INTERVAL 7 DAY > DATE '{ctx.first_day}'
           AND count(*) = 7
    )
    SELECT i.aid, k.monday AS unit, any_value(k.ws) AS ws, any_value(k.we) AS we,
           any_value(p.weekly_rest) AS req, any_value(p.weekly_cut) AS cut, any_value(p.weekly_basis) AS basis
    FROM w_iv i JOIN weeks k ON i.a < k.we AND i.b > k.ws
    LEFT JOIN w_reg r ON r.aid = i.aid AND k.monday BETWEEN r.valid_from AND r.valid_to
    JOIN w_profiles p ON p.regime = coalesce(r.regime, 'atl')
    WHERE i.scope = 'work' AND p.weekly_rest IS NOT NULL
    GROUP BY i.aid, k.monday
    """)
    con.execute("""
    CREATE OR REPLACE TEMP TABLE w_wpieces AS
    SELECT w.aid, w.unit, greatest(i.a, w.ws) AS a, least(i.b, w.we) AS b
    FROM w_windows w JOIN w_iv i ON i.aid = w.aid AND i.scope = 'work' AND i.a < w.we AND i.b > w.ws
    """)
    _rest_violations(con, "w_windows", "w_v")
    _emit(con, "LSS-CASE-062", "w_v",
          "'assistant ' || masked(assistant) || ': the longest rest in week ' || any_value(label) || ' was ' "
          "|| hrs(any_value(rest)) || ', less than the ' || hrs(any_value(req)) || ' of weekly rest'",
          label="strftime(unit, '%G-W%V')", cut="cut")


def on_call_per_month(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-063: on-call time past the monthly limit, in time order."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_src AS
    SELECT d.aid, 0 AS unit, d.d, d.a, d.b, d.secs, p.on_call_month AS lim, p.on_call_basis AS basis
    FROM w_day d JOIN w_profiles p ON p.regime = d.regime
    WHERE d.scope = 'on_call' AND p.on_call_month IS NOT NULL
      AND d.d >= DATE '{ctx.first_day}' AND d.d < DATE '{ctx.next_month}'
    """)
    beyond_limit(con, "w_src", "w_v")
    _emit(con, "LSS-CASE-063", "w_v",
          "'assistant ' || masked(assistant) || ' was on call ' || hrs(max(cum_after)) || ' in ' || any_value(label) "
          "|| ', more than the ' || hrs(any_value(lim)) || ' allowed per calendar month'",
          label=f"'{ctx.period}'", scope="on_call")


def overtime(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-064 (module table): ordinary time per calculation period, then general
    overtime per month (or 4 weeks) and year, then extra overtime per year."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_src AS
    WITH d AS (
        SELECT d.*, p.*, least(coalesce(d.calc_weeks, p.max_calc_weeks), p.max_calc_weeks) AS n
        FROM w_day d JOIN w_profiles p ON p.regime = d.regime
        WHERE d.scope = 'duty' AND p.ordinary_week IS NOT NULL AND p.ot_year IS NOT NULL
          AND d.d < DATE '{ctx.next_month}'
    )
    SELECT aid, regime, {EPOCH_MONDAY} + CAST(((d - {EPOCH_MONDAY}) // (7 * n)) * 7 * n AS INTEGER) AS unit,
           a, b, d, secs, ordinary_week * n AS lim, ot_month, ot_4_weeks, ot_year, extra_year, ot_basis AS basis
    FROM d
    """)
    beyond_limit(con, "w_src", "w_ot")  # overtime: duty past the ordinary time of its period
    # General overtime per calendar month (or per 4 weeks from the epoch Monday).
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_src2 AS
    SELECT aid, regime, d, a, b, secs, basis, ot_year, extra_year,
           CASE WHEN ot_month IS NOT NULL THEN year(d) * 100 + month(d)
                ELSE (d - {EPOCH_MONDAY}) // 28 END AS unit,
           coalesce(ot_month, ot_4_weeks) AS lim
    FROM w_ot
    """)
    within_limit(con, "w_src2", "w_gen")
    beyond_limit(con, "w_src2", "w_extra1")
    con.execute("""
    CREATE OR REPLACE TEMP TABLE w_src3 AS
    SELECT aid, regime, d, a, b, secs, basis, extra_year, year(d) AS unit, ot_year AS lim FROM w_gen
    """)
    beyond_limit(con, "w_src3", "w_extra2")
    con.execute("""
    CREATE OR REPLACE TEMP TABLE w_src4 AS
    SELECT aid, year(d) AS unit, d, a, b, secs, coalesce(extra_year, 0) AS lim, basis
    FROM (SELECT aid, d, a, b, secs, extra_year, basis FROM w_extra1
          UNION ALL SELECT aid, d, a, b, secs, extra_year, basis FROM w_extra2)
    """)
    beyond_limit(con, "w_src4", "w_v")
    _emit(con, "LSS-CASE-064", "w_v",
          "'assistant ' || masked(assistant) || ': ' || hrs(sum(secs)) || ' of overtime in ' || any_value(label) "
          "|| ' past the general and extra overtime allowed'", label="CAST(unit AS VARCHAR)", scope="duty")


def average_week(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-065: all working time past ``hours`` × days / 7 of each block of months."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE w_src AS
    WITH d AS (
        SELECT d.*, p.avg_week, p.avg_months, p.avg_basis,
               make_date(year(d.d), ((month(d.d) - 1) // p.avg_months) * p.avg_months + 1, 1) AS block
        FROM w_day d JOIN w_profiles p ON p.regime = d.regime
        WHERE d.scope = 'work' AND p.avg_week IS NOT NULL AND d.d < DATE '{ctx.next_month}'
    )
    SELECT aid, block AS unit, avg_months, d, a, b, secs, avg_basis AS basis,
           -- whole seconds, rounded down: hours × 3600 × days / 7
           (avg_week * (CAST(block + to_months(avg_months) AS DATE) - block)) // 7 AS lim
    FROM d WHERE block + to_months(avg_months) > DATE '{ctx.first_day}'
    """)
    beyond_limit(con, "w_src", "w_v")
    _emit(con, "LSS-CASE-065", "w_v",
          "'assistant ' || masked(assistant) || ' worked ' || hrs(max(cum_after)) || ' in the block from ' "
          "|| any_value(label) || ', more than the ' || hrs(any_value(lim)) "
          "|| ' the weekly average allows over the block'",
          label="strftime(unit, '%Y-%m') || '+' || avg_months || 'm'")


def _prepare(con: duckdb.DuckDBPyConnection, ctx) -> None:
    _profile_table(con, dict(ctx.profiles))
    build_timelines(con, ctx.first_day, ctx.next_month)


CHECKS = (_prepare, longest_stretch, daily_rest, weekly_rest, on_call_per_month, overtime, average_week)
