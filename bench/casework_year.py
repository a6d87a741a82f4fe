"""The synthetic year of the case-work benchmark (:mod:`bench.casework`).

The year (:func:`generate`) is built inside DuckDB (``range`` and ``hash``, no Python loop
per row), deterministic for a seed; the scale is the number of shifts of the year with
assistants, clients and providers in proportion (12 M ↔ 100,000 / 20,000 / 200). The year is
2023, so that a night crossing New Year is priced at a rate DOMAIN.md knows (FK's standard
amounts 2023 and 2024, as Tjörn pays). Local time is Europe/Stockholm: every instant is made
from a wall time (``TIMESTAMP ... AT TIME ZONE``), so the DST nights (26 March, 29 October)
have their 23 and 25 hours. People are synthetic personnummer (YYYYMMDD, a serial, the Luhn
digit), unique by construction.

What the year holds
    * assistants working a 14-day rota of 2-6 day (07-16 or 08-17) or evening (16-22 or 15-22)
      shifts, or 2-3 night shifts 22-07 (active 22-23, then on-call, waiting or standby time
      23-06, active 06-07), or 2-4 24-hour shifts 08-08 (relatives under the household act);
      three weeks of summer leave; each at 1-3 clients (one client per week); regime mostly
      ``atl``, 15 % ``exempelavtalet``, the relatives ``household``; calculation period 4
      weeks; residence SE (2 % elsewhere in the EEA);
    * clients with a base decision (granted hours per week or per month, sized to the work
      they get), 5 % with a two-month temporary extension whose share of the shifts is billed
      on its own invoice; one provider per client;
    * one invoice per provider, client, month and decision (the month of each shift's local
      start), lines per decision, kind and year of the work (a night crossing New Year is
      split) priced at the year's rate (Tjörn's: FK's standard amount, from the registry), one
      time report per invoice and assistant (calculation period and agreement stated);
    * Försäkringskassan's clients, 30 % as many again, with FK's decisions and FK's monthly
      20-hour invoice (a line per client and week, the week on the invoice of the month its
      Monday is in, at the year's standard amount);
    * a sickness occasion for 2 % of the assistants (2-5 days at one client, their shifts there
      gone), each claimed on an invoice of its own (claim kind ``sickpay``) with its figures in
      ``sick_claims`` and lines computed as :mod:`invoices.sickpay` computes them;
    * a small share of violations (:data:`ROLE_SHARES`, :data:`CLIENT_SHARES`), each at least
      twice at any scale, so that a tiny year has them all: under-18 assistants, residence
      outside the EEA (all year, or from a move mid-year), lacking capacity, assistants
      missing from the register, quick returns (evening then morning: daily rest), seven-day
      weeks (weekly rest), shifts overlapping at two clients, a shift entered twice in one
      time report, heavy on-call months, 24-hour
      stretches under the example agreement, 60-hour weeks all year (overtime, the 48-hour
      average), a second provider billing copies of a client's shifts, decisions that end or
      start within the year, shifts naming an unknown decision or another client's, an
      extension's hours on the base invoice, granted hours below the work, lines with a wrong rate or wrong
      arithmetic, time reports unsigned or not stating the calculation period, the agreement
      or the kinds of time; FK decisions starting after FK's first lines, 24 hours billed in
      a week, a wrong amount or line total, a week billed again the next month; sick-pay
      claims for a client whose time reports show no substitute, claimed twice, without their
      figures, or above the recomputed claim. Apart from them the rotas
      keep every limit.
"""
from __future__ import annotations

YEAR = 2023
SEED = 20241
MUNICIPALITY = "tjorn"  # whose rates (FK's standard amount) and case levels the year is judged by
FK_SHARE = 0.3  # clients with Försäkringskassan's assistance, as many again as 30 % of the municipality's

# Shares of the injected violations (each at least MIN_INJECTED rows, whatever the scale).
MIN_INJECTED = 2
ROLE_SHARES = (  # assistants, by rank of a hash: the first ranks get a role
    ("minor", 0.003), ("abroad", 0.002), ("moves", 0.002), ("incapable", 0.001), ("unregistered", 0.001),
    ("quick", 0.01), ("seven", 0.003), ("overlap", 0.003), ("heavy_on_call", 0.01), ("regime_change", 0.005),
    ("long_stretch", 0.002), ("overtime", 0.002), ("twice", 0.002),
)
FK_SHARES = (("fk_late", 0.01), ("fk_again", 0.01), ("fk_over", 0.01), ("fk_amount", 0.01), ("fk_arith", 0.01))
SICK_SHARE = 0.02  # assistants with a sickness occasion whose extra cost of sick pay is claimed
SICK_SHARES = (("no_substitute", 0.02), ("duplicate", 0.02), ("unstated", 0.02), ("inflated", 0.02))
CLIENT_SHARES = (("double_billed", 0.005), ("decision_ends", 0.01), ("decision_late", 0.005),
                 ("unknown_decision", 0.002), ("foreign_decision", 0.002), ("misfiled", 0.002),
                 ("over_granted", 0.03), ("extension", 0.05))
FK_SELLER = "0007:2021005521"  # Försäkringskassan (CheckContext.fk_seller)


def municipality():
    """The municipality the year is judged for (:data:`MUNICIPALITY`, from the registry)."""
    from invoices.registry import load_registry

    return load_registry().find(MUNICIPALITY)


def fk_standard_amounts() -> dict:
    """FK's standard amount per year, from the registry (as ``lssinvoice check`` passes them)."""
    from invoices.registry import load_registry

    registry = load_registry()
    return {year: registry.fk_standard_amount(year) for year in registry.fk.years}


def check_context(period: str):
    """The run's context: the period, the packaged working-time profiles, FK's amounts and
    the municipality's levels (as ``lssinvoice check`` builds it)."""
    from invoices.agreements import load_profiles
    from invoices.casework.run import CheckContext

    levels = {code: s.value for code, s in municipality().case_levels.items()}
    return CheckContext(period=period, profiles=load_profiles(use_env=False), fk_amounts=fk_standard_amounts(),
                        fk_seller=FK_SELLER, levels=levels)


def scale(shifts: int) -> dict[str, int]:
    """Assistants, clients and providers in proportion to the shifts (12 M ↔ 100k/20k/200)."""
    return {"assistants": max(40, round(shifts / 120)), "clients": max(8, round(shifts / 600)),
            "providers": max(3, round(shifts / 60_000))}


def _roles(shares, count: int, column: str) -> str:
    """A CASE over ``column`` (a rank 0..count-1) giving each share's rows their role."""
    parts, upto = [], 0
    for name, share in shares:
        upto += max(MIN_INJECTED, round(share * count))
        parts.append(f"WHEN {column} < {upto} THEN '{name}'")
    return "CASE " + " ".join(parts) + " ELSE 'none' END"


def generate(con, shifts: int, seed: int = SEED) -> dict[str, int]:
    """Fill the checks' input tables of ``con`` (created here) with a synthetic year of about
    ``shifts`` shifts; returns the row counts. ``con`` must be on Stockholm time."""
    from invoices.casework.frame import create_inputs
    from invoices.casework.sickpay import create_sick_claims

    n = scale(shifts)
    A, C, P, S = n["assistants"], n["clients"], n["providers"], int(seed)
    F = max(MIN_INJECTED * len(FK_SHARES) + 4, round(C * FK_SHARE))
    NS = max(MIN_INJECTED * len(SICK_SHARES) + 4, round(A * SICK_SHARE))
    buyer = municipality()
    rates = {y: buyer.hourly_rate(y) for y in buyer.known_rate_years()}
    fk_amounts = fk_standard_amounts()
    for year in (YEAR, YEAR + 1):
        if year not in rates or year not in fk_amounts:
            raise RuntimeError(f"{MUNICIPALITY}: no hourly rate or FK standard amount for {year} in the registry")
    create_inputs(con)
    create_sick_claims(con)
    q = con.execute
    q(f"CREATE OR REPLACE TEMP MACRO hh(t, x) AS hash({S}, t, x)")
    q(f"CREATE OR REPLACE TEMP MACRO hh2(t, x, y) AS hash({S}, t, x, y)")
    q(f"CREATE OR REPLACE TEMP MACRO hh3(t, x, y, z) AS hash({S}, t, x, y, z)")
    q("CREATE OR REPLACE TEMP MACRO pct(h) AS CAST(h % 1000 AS INTEGER)")  # per mille
    # A synthetic personnummer: YYYYMMDD, a 3-digit serial, the Luhn digit over YYMMDD + serial.
    q("""CREATE OR REPLACE TEMP MACRO luhn9(x) AS (10 - list_sum(list_transform(range(1, 10), lambda i:
             (CAST(x[i] AS INTEGER) * (2 - (i + 1) % 2)) // 10 + (CAST(x[i] AS INTEGER) * (2 - (i + 1) % 2)) % 10))
             % 10) % 10""")
    q("""CREATE OR REPLACE TEMP MACRO pnr(born, serial) AS strftime(born, '%Y%m%d') || lpad(CAST(serial AS VARCHAR), 3, '0')
             || CAST(luhn9(strftime(born, '%y%m%d') || lpad(CAST(serial AS VARCHAR), 3, '0')) AS VARCHAR)""")

    # Assistants: type of work, rota, regime, clients, birth, residence.
    q(f"""
    CREATE OR REPLACE TEMP TABLE g_asst AS
    WITH r AS (
        SELECT a, hh('asst', a) AS h, row_number() OVER (ORDER BY hh('role', a), a) - 1 AS rk FROM range({A}) t(a)
    ), roled AS (SELECT *, {_roles(ROLE_SHARES, A, 'rk')} AS role FROM r
    ), typed AS (
        SELECT *, CASE WHEN role IN ('quick', 'seven', 'overlap', 'long_stretch', 'regime_change', 'twice') THEN 'day'
                       WHEN role = 'overtime' THEN 'long_day'
                       WHEN role = 'heavy_on_call' THEN 'night'
                       WHEN pct(h) < 550 THEN 'day' WHEN pct(h) < 780 THEN 'evening'
                       WHEN pct(h) < 950 THEN 'night' ELSE 'h24' END AS typ
        FROM roled
    )
    SELECT a, role, typ,
           CAST(CASE WHEN role = 'heavy_on_call' THEN 4
                     WHEN typ IN ('day', 'evening') THEN 2 + (h >> 10) % 5 WHEN typ = 'h24' THEN 2 + (h >> 12) % 3
                     ELSE 2 + (h >> 12) % 2 END AS INTEGER) AS w,
           CASE WHEN typ = 'h24' THEN 'household'
                WHEN role IN ('long_stretch') THEN 'exempelavtalet'
                WHEN role IN ('quick', 'seven', 'heavy_on_call', 'regime_change', 'overtime') THEN 'atl'
                WHEN pct(h >> 14) < 150 THEN 'exempelavtalet' ELSE 'atl' END AS regime,
           CAST(CASE WHEN typ = 'h24' THEN 1 WHEN pct(h >> 20) < 700 THEN (CASE WHEN role = 'overlap' THEN 2 ELSE 1 END)
                     WHEN pct(h >> 20) < 920 THEN 2 ELSE 3 END AS INTEGER) AS n_clients,
           CASE WHEN role = 'heavy_on_call' OR pct(h >> 24) < 600 THEN 'on_call'
                WHEN pct(h >> 24) < 950 THEN 'waiting' ELSE 'standby' END AS night_kind,
           CAST((h >> 28) % 2 AS INTEGER) AS variant,
           CAST((h >> 32) % 14 AS INTEGER) AS off,
           CAST(175 + 7 * ((h >> 36) % 5) AS INTEGER) AS vac,
           CASE WHEN role = 'minor' THEN DATE '2006-03-01' + CAST(a % 100 * 7 + (h >> 40) % 7 AS INTEGER)
                ELSE DATE '1960-01-01' + CAST(a % 100 * 160 + (h >> 40) % 160 AS INTEGER) END AS born,
           CAST(60 + (h >> 50) % 240 AS INTEGER) AS change_day,
           CASE WHEN role = 'abroad' THEN ['TH', 'US', 'CH', 'GB', 'IQ'][1 + CAST((h >> 52) % 5 AS INTEGER)]
                WHEN pct(h >> 54) < 20 THEN ['FI', 'NO', 'DK', 'PL', 'DE'][1 + CAST((h >> 56) % 5 AS INTEGER)]
                ELSE 'SE' END AS country
    FROM typed
    """)
    q("""ALTER TABLE g_asst ADD COLUMN pnr VARCHAR""")
    q("""UPDATE g_asst SET pnr = pnr(born, a // 100)""")  # unique: (a % 100, a // 100)

    # Links assistant -> client (slot j of n_clients), spread evenly: about 7 assistants a client.
    q(f"""
    CREATE OR REPLACE TEMP TABLE g_link AS
    WITH slots AS (SELECT a, unnest(range(n_clients)) AS j FROM g_asst),
    r AS (SELECT a, CAST(j AS INTEGER) AS j, row_number() OVER (ORDER BY hh2('link', a, j), a, j) - 1 AS rk FROM slots)
    SELECT a, j, CAST(rk % {C} AS INTEGER) AS c FROM r
    """)

    # Clients: provider, decisions' shapes, injected roles.
    q(f"""
    CREATE OR REPLACE TEMP TABLE g_client AS
    WITH r AS (SELECT c, hh('client', c) AS h, row_number() OVER (ORDER BY hh('crole', c), c) - 1 AS rk
               FROM range({C}) t(c))
    SELECT CAST(c AS INTEGER) AS c, {_roles(CLIENT_SHARES, C, 'rk')} AS role,
           CAST(h % {P} AS INTEGER) AS p,
           pnr(DATE '1929-01-01' + CAST(c % 100 * 110 + (h >> 12) % 110 AS INTEGER), c // 100) AS pnr,
           CASE WHEN pct(h >> 24) < 700 THEN 'week' ELSE 'month' END AS per,
           CASE WHEN {_roles(CLIENT_SHARES, C, 'rk')} = 'misfiled' THEN [11, 5][1 + rk % 2]
                ELSE CAST(1 + (h >> 34) % 11 AS INTEGER) END AS ext_month,  -- extension: this month and the next
           [6, 12, 3, 9, 1, 7, 4, 10, 2, 8, 5, 11][1 + rk % 12] AS dbl_month  -- June and December first
    FROM r
    """)

    q(f"""
    CREATE OR REPLACE TEMP TABLE g_fk AS
    WITH r AS (SELECT CAST(f AS INTEGER) AS f, hh('fk', f) AS h, row_number() OVER (ORDER BY hh('fkrole', f), f) - 1 AS rk
               FROM range({F}) t(f))
    SELECT *, pnr(DATE '1929-01-01' + CAST(f % 100 * 110 + (h >> 12) % 110 AS INTEGER), 500 + f // 100) AS pnr,
           {_roles(FK_SHARES, F, 'rk')} AS role
    FROM r
    """)

    # Days worked: the rota (W days per 14, evenly spread), minus leave, plus seven-day weeks.
    q("""
    CREATE OR REPLACE TEMP TABLE g_day AS
    WITH cyc AS (SELECT a, role, w, off, vac, unnest(range(27)) AS cq FROM g_asst),
    k AS (SELECT *, unnest(range(w)) AS k FROM cyc),
    rota AS (SELECT a, role, vac, CAST(cq * 14 + (k * 14) // w - off AS INTEGER) AS day FROM k),
    seven AS (SELECT a, role, vac, CAST(wk * 7 + dd AS INTEGER) AS day
              FROM (SELECT a, role, vac, unnest(range(53)) AS wk FROM g_asst WHERE role = 'seven')
              CROSS JOIN range(7) t(dd) WHERE hh2('seven', a, wk) % 4 = 0)
    SELECT DISTINCT a, day FROM (SELECT * FROM rota WHERE role <> 'overtime' UNION ALL SELECT * FROM seven
                                 UNION ALL SELECT a, role, vac, CAST(d AS INTEGER) FROM g_asst, range(366) t(d)
                                 WHERE role = 'overtime' AND (d + 6) % 7 < 5)  -- day 0 is a Sunday: Monday-Friday
    WHERE day BETWEEN 0 AND 365 AND NOT (day >= vac AND day < vac + 21)
    """)

    # Templates: (typ, variant, seq, kind, start hour, end hour) from the day's local midnight.
    q("""
    CREATE OR REPLACE TEMP TABLE g_tmpl AS SELECT * FROM (VALUES
        ('day', 0, 0, 'active', 7, 16), ('day', 1, 0, 'active', 8, 17),
        ('long_day', 0, 0, 'active', 6, 18), ('long_day', 1, 0, 'active', 6, 18),
        ('evening', 0, 0, 'active', 16, 22), ('evening', 1, 0, 'active', 15, 22),
        ('night', 0, 0, 'active', 22, 23), ('night', 0, 1, 'NIGHT', 23, 30), ('night', 0, 2, 'active', 30, 31),
        ('night', 1, 0, 'active', 22, 23), ('night', 1, 1, 'NIGHT', 23, 30), ('night', 1, 2, 'active', 30, 31),
        ('h24', 0, 0, 'active', 8, 22), ('h24', 0, 1, 'on_call', 22, 31), ('h24', 0, 2, 'active', 31, 32),
        ('h24', 1, 0, 'active', 8, 22), ('h24', 1, 1, 'on_call', 22, 31), ('h24', 1, 2, 'active', 31, 32),
        ('quick', 0, 0, 'active', -8, -2), ('overlap', 0, 0, 'active', 12, 18)
    ) t(typ, variant, seq, kind, sh, eh)
    """)
    # Work items: (assistant, day, client slot, template); the injected extras beside the rota.
    q("""
    CREATE OR REPLACE TEMP TABLE g_work AS
    WITH d AS (
        SELECT d.a, d.day, g.typ, g.variant, g.role, g.n_clients, g.night_kind,
               CAST(hh2('cl', d.a, d.day // 7) % g.n_clients AS INTEGER) AS j
        FROM g_day d JOIN g_asst g USING (a)
    )
    SELECT a, day, j, CASE WHEN role = 'long_stretch' AND hh2('long', a, day) % 6 = 0 THEN 'h24' ELSE typ END AS typ,
           variant, night_kind, 0 AS extra FROM d
    UNION ALL  -- quick return: an evening shift the day before (16-22 then 07: 9 h of rest)
    SELECT a, day, j, 'quick', 0, night_kind, 1 FROM d WHERE role = 'quick' AND hh2('quick', a, day) % 3 = 0
    UNION ALL  -- the same assistant at another client during the day's shift
    SELECT a, day, (j + 1) % n_clients, 'overlap', 0, night_kind, 2 FROM d
    WHERE role = 'overlap' AND hh2('ovl', a, day) % 5 = 0
    UNION ALL  -- the same shift entered twice in a time report
    SELECT a, day, j, typ, variant, night_kind, 3 FROM d WHERE role = 'twice' AND hh2('twice', a, day) % 8 = 0
    """)
    q(f"""
    CREATE OR REPLACE TEMP TABLE g_shift AS
    SELECT w.a, l.c, w.day, w.extra, t.seq,
           CASE WHEN t.kind = 'NIGHT' THEN w.night_kind ELSE t.kind END AS kind,
           CAST(DATE '{YEAR}-01-01' + w.day AS TIMESTAMP) + to_hours(t.sh) AS local_start,
           CAST(DATE '{YEAR}-01-01' + w.day AS TIMESTAMP) + to_hours(t.eh) AS local_end
    FROM g_work w JOIN g_tmpl t ON t.typ = w.typ AND t.variant = (CASE WHEN w.typ IN ('quick', 'overlap') THEN 0 ELSE w.variant END)
    JOIN g_link l ON l.a = w.a AND l.j = w.j
    """)
    q(f"DELETE FROM g_shift WHERE local_start < TIMESTAMP '{YEAR}-01-01'")  # a quick return before the year

    # Sickness occasions (2 % of the assistants, one each): 2-5 sick days at one client, whose
    # shifts of the sick assistant there are gone; the claim of the extra cost of sick pay
    # below. Injected by rank: a claim for a client whose time reports the municipality does
    # not hold (an FK client: no substitute's work shown), a second claim for the same
    # occasion, a claim whose figures are missing, lines above the recomputed claim.
    q(f"""
    CREATE OR REPLACE TEMP TABLE g_sick AS
    WITH pick AS (
        SELECT g.a, g.pnr, row_number() OVER (ORDER BY hh('sick', g.a), g.a) - 1 AS rk
        FROM g_asst g WHERE g.role = 'none'
    ), o AS (
        SELECT p.*, {_roles(SICK_SHARES, NS, 'p.rk')} AS role, hh('sickday', p.a) AS h FROM pick p WHERE p.rk < {NS}
    ), m AS (
        SELECT *, CASE WHEN role <> 'none' THEN [6, 12][1 + rk % 2] ELSE CAST(1 + h % 12 AS INTEGER) END AS m FROM o
    )
    SELECT m.a, m.pnr AS sick_assistant, m.rk, m.role, l.c,
           CASE WHEN m.role = 'no_substitute' THEN f.pnr ELSE c.pnr END AS client,
           CASE WHEN m.role = 'no_substitute' THEN f.h % {P} ELSE c.p END AS p,
           make_date({YEAR}, m.m, 1) + CAST((m.h >> 8) % 20 AS INTEGER) AS first_day,
           CAST(2 + (m.h >> 16) % 4 AS INTEGER) AS n_days,
           CAST(600 + (m.h >> 20) % 900 AS DECIMAL(18, 2)) * CAST(2 + (m.h >> 16) % 4 AS INTEGER)
               + CAST((m.h >> 32) % 100 AS DECIMAL(18, 2)) * 0.01 AS sick_pay,
           (m.h >> 40) % 10 = 0 AS no_karens
    FROM m JOIN g_link l ON l.a = m.a AND l.j = 0 JOIN g_client c ON c.c = l.c
    LEFT JOIN g_fk f ON f.f = m.rk % {F}
    """)
    q(f"""DELETE FROM g_shift WHERE EXISTS (
              SELECT 1 FROM g_sick k WHERE k.a = g_shift.a AND k.c = g_shift.c AND k.role <> 'no_substitute'
                 AND DATE '{YEAR}-01-01' + g_shift.day BETWEEN k.first_day AND k.first_day + k.n_days - 1)""")

    # Decisions per shift (the extension's share in its two months), the billing provider,
    # and copies billed by a second provider (double billing).
    q(f"""
    CREATE OR REPLACE TEMP TABLE g_billed AS
    WITH s AS (
        SELECT s.*, month(s.local_start) AS m, c.p, c.role AS crole, c.dbl_month, c.ext_month,
               hh3('ext', s.a, s.day, s.seq) AS hx
        FROM g_shift s JOIN g_client c USING (c)
    ), dec AS (  -- the decision the work is done under, and the invoice it is billed on
        SELECT *, CASE WHEN crole IN ('extension', 'misfiled') AND m IN (ext_month, ext_month + 1) AND hx % 3 = 0
                       THEN 'U-' || lpad(CAST(c AS VARCHAR), 6, '0') ELSE 'B-' || lpad(CAST(c AS VARCHAR), 6, '0') END
                   AS inv_decision
        FROM s
    ), named AS (  -- what the time report names: the decision, or an injected wrong one
        SELECT *, CASE WHEN crole = 'misfiled' AND inv_decision LIKE 'U-%' AND hx % 2 = 0
                       THEN 'B-' || lpad(CAST(c AS VARCHAR), 6, '0') ELSE inv_decision END AS inv,
                  CASE WHEN crole = 'unknown_decision' AND m IN (6, 12) AND hx % 5 = 1 THEN inv_decision || 'X'
                       WHEN crole = 'foreign_decision' AND m IN (6, 12) AND hx % 5 = 1
                       THEN 'B-' || lpad(CAST((c + 1) % {C} AS VARCHAR), 6, '0')
                       ELSE inv_decision END AS decision_id
        FROM dec
    )
    SELECT a, c, p, inv, decision_id, kind, local_start, local_end, m, extra, 0 AS copy FROM named
    UNION ALL
    SELECT a, c, (p + 1) % {P}, inv, decision_id, kind, local_start, local_end, m, extra, 1 FROM named
    WHERE crole = 'double_billed' AND m = dbl_month AND hx % 3 = 1
    """)
    q("""
    CREATE OR REPLACE TEMP TABLE g_inv AS
    SELECT p, c, m, inv, row_number() OVER (ORDER BY m, p, c, inv) AS invoice_id
    FROM (SELECT DISTINCT p, c, m, inv FROM g_billed)
    """)
    q("""
    INSERT INTO shifts
    SELECT row_number() OVER (ORDER BY i.invoice_id, b.a, b.local_start, b.kind, b.extra) AS shift_id, i.invoice_id,
           dense_rank() OVER (ORDER BY i.invoice_id, g.pnr), g.pnr, c.pnr, b.decision_id, b.kind,
           b.local_start AT TIME ZONE 'Europe/Stockholm', b.local_end AT TIME ZONE 'Europe/Stockholm', true, 'bench'
    FROM g_billed b JOIN g_inv i USING (p, c, m, inv) JOIN g_asst g USING (a) JOIN g_client c USING (c)
    ORDER BY shift_id
    """)
    q("""
    INSERT INTO timereports
    WITH t AS (
        SELECT timereport_id, invoice_id, assistant, any_value(client) AS client,
               any_value(strftime(start_at, '%Y-%m')) AS month, any_value(g.regime) AS regime
        FROM shifts s JOIN g_asst g ON g.pnr = s.assistant GROUP BY timereport_id, invoice_id, assistant
    ), r AS (  -- the omissions by rank within the month: every month has each of them
        SELECT *, row_number() OVER (PARTITION BY month ORDER BY hh2('tr', invoice_id, assistant), timereport_id) AS rr
        FROM t
    )
    SELECT timereport_id, invoice_id, assistant, client, month, rr % 200 <> 1, rr % 200 <> 2,
           CASE WHEN rr % 300 <> 3 THEN '4 veckor' END, CASE WHEN regime = 'exempelavtalet' THEN 'Exempelavtalet' END,
           rr % 300 <> 4, rr % 300 <> 5
    FROM r ORDER BY timereport_id
    """)
    q("INSERT INTO rates VALUES " + ", ".join(f"({y}, {r})" for y, r in sorted(rates.items())))

    # Lines: per invoice, decision, kind and year of the work (split at local New Year).
    q("""
    CREATE OR REPLACE TEMP TABLE g_lines AS
    WITH pieces AS (
        SELECT invoice_id, decision_id, kind, year(start_at) AS yr,
               epoch(least(end_at, CAST(make_date(year(start_at) + 1, 1, 1) AS TIMESTAMPTZ))) - epoch(start_at) AS secs
        FROM shifts
        UNION ALL
        SELECT invoice_id, decision_id, kind, year(end_at), epoch(end_at) - epoch(CAST(make_date(year(end_at), 1, 1) AS TIMESTAMPTZ))
        FROM shifts WHERE year(end_at) > year(start_at) AND end_at > CAST(make_date(year(end_at), 1, 1) AS TIMESTAMPTZ)
    ), sums AS (
        SELECT invoice_id, decision_id, kind, yr, CAST(sum(secs) AS BIGINT) AS secs FROM pieces GROUP BY ALL
    )
    SELECT s.invoice_id, CAST(row_number() OVER (PARTITION BY s.invoice_id ORDER BY s.decision_id, s.kind, s.yr) AS VARCHAR)
               AS line_id, s.decision_id, s.kind, s.yr,
           CAST((s.secs + 18) // 36 AS DECIMAL(18, 0)) * CAST(0.01 AS DECIMAL(3, 2)) AS quantity,
           CAST(r.rate AS DECIMAL(18, 4)) + CASE WHEN hh2('rate', s.invoice_id, s.kind) % 300 = 0 THEN 12 ELSE 0 END AS price,
           hh2('arith', s.invoice_id, s.kind) % 300 = 0 AS arith_error
    FROM sums s JOIN rates r ON r.year = s.yr
    """)
    q("""
    INSERT INTO lines
    SELECT invoice_id, line_id, decision_id, kind, yr, NULL, NULL, quantity, price,
           round(quantity * price, 2) + CASE WHEN arith_error THEN 100 ELSE 0 END
    FROM g_lines
    """)
    q(f"""
    INSERT INTO invoices
    SELECT i.invoice_id, 'F{YEAR}-' || lpad(CAST(i.p AS VARCHAR), 3, '0') || '-' || lpad(CAST(i.invoice_id AS VARCHAR), 8, '0'),
           '0007:' || CAST(5566000000 + i.p * 1013 AS VARCHAR),
           row_number() OVER (ORDER BY i.m, hh('seq', i.invoice_id), i.invoice_id), 'invoice',
           CASE WHEN i.inv LIKE 'U-%' THEN 'extension' ELSE 'base' END,
           '{YEAR}-' || lpad(CAST(i.m AS VARCHAR), 2, '0'), coalesce(l.payable, 0), false
    FROM g_inv i LEFT JOIN (SELECT invoice_id, sum(net_amount) AS payable FROM lines GROUP BY ALL) l USING (invoice_id)
    """)

    # Decisions, sized to the work (per week: the busiest week; per month: the busiest month),
    # 3 % granted less than that; some ending 31 October or starting 1 February.
    q(f"""
    INSERT INTO decisions
    WITH h AS (
        SELECT s.client, s.decision_id,
               max(w_h) FILTER (WHERE unit = 'week') AS max_week, max(w_h) FILTER (WHERE unit = 'month') AS max_month
        FROM (SELECT client, decision_id, 'week' AS unit, date_trunc('week', start_at) AS u,
                     sum(epoch(end_at) - epoch(start_at)) / 3600 AS w_h FROM shifts GROUP BY ALL
              UNION ALL
              SELECT client, decision_id, 'month', date_trunc('month', start_at),
                     sum(epoch(end_at) - epoch(start_at)) / 3600 FROM shifts GROUP BY ALL) s
        GROUP BY ALL
    )
    SELECT h.decision_id, h.client, CASE WHEN h.decision_id LIKE 'U-%' THEN 'extension' ELSE 'base' END,
           CASE WHEN h.decision_id LIKE 'U-%' THEN make_date({YEAR}, c.ext_month, 1)
                WHEN c.role = 'decision_late' THEN DATE '{YEAR}-02-01' ELSE DATE '{YEAR - 1}-07-01' END,
           CASE WHEN h.decision_id LIKE 'U-%' THEN CAST(make_date({YEAR}, c.ext_month, 1) + INTERVAL 2 MONTH - INTERVAL 1 DAY AS DATE)
                WHEN c.role = 'decision_ends' THEN DATE '{YEAR}-10-31' ELSE DATE '{YEAR + 1}-06-30' END,
           CAST(ceil(CASE WHEN h.decision_id LIKE 'U-%' OR c.per = 'month' THEN h.max_month ELSE h.max_week END
                     * CASE WHEN c.role = 'over_granted' THEN 0.8 ELSE 1.05 END) AS DECIMAL(12, 2)),
           CASE WHEN h.decision_id LIKE 'U-%' THEN 'month' ELSE c.per END
    FROM h JOIN g_client c ON c.pnr = h.client
    WHERE h.decision_id IN ('B-' || lpad(CAST(c.c AS VARCHAR), 6, '0'), 'U-' || lpad(CAST(c.c AS VARCHAR), 6, '0'))
    """)

    # Försäkringskassan's clients (assistansersättning): their decisions and FK's monthly
    # invoice of the first 20 hours per week (a line per client and week, the week in the
    # invoice of the month its Monday is in) at the year's standard amount. Injected: a few
    # decisions starting mid-June or mid-December under lines from January, 24 hours billed in a
    # week, a wrong amount, a wrong line total, a week billed again the next month.
    q(f"""
    INSERT INTO fk_decisions
    SELECT pnr, CASE WHEN role = 'fk_late' THEN [DATE '{YEAR}-06-15', DATE '{YEAR}-12-15'][1 + rk % 2]
                     ELSE DATE '{YEAR - 1}-01-01' END,
           DATE '{YEAR + 1}-12-31', CAST(60 + (h >> 20) % 100 AS DECIMAL(12, 2))
    FROM g_fk ORDER BY pnr
    """)
    first_fk = con.execute("SELECT coalesce(max(invoice_id), 0) + 1 FROM invoices").fetchone()[0]
    amounts = ", ".join(f"({y}, {a})" for y, a in sorted(fk_amounts.items()))
    q(f"""
    CREATE OR REPLACE TEMP TABLE g_fk_lines AS
    WITH weeks AS (
        SELECT w, DATE '{YEAR}-01-02' + CAST(7 * w AS INTEGER) AS week FROM range(52) t(w)  -- the Mondays of {YEAR}
    ), l AS (  -- an injected error every fourth week of the client's
        SELECT g.pnr AS client, g.role, w.week, month(w.week) AS m, (w.w + g.rk) % 4 = 0 AS hit
        FROM g_fk g CROSS JOIN weeks w
    ), again AS (
        SELECT *, false AS repeat FROM l
        UNION ALL SELECT client, role, week, m + 1, hit, true FROM l WHERE role = 'fk_again' AND m < 12 AND hit
    )
    SELECT {first_fk} + m - 1 AS invoice_id,
           CAST(row_number() OVER (PARTITION BY m ORDER BY client, week, repeat) AS VARCHAR) AS line_id,
           client, week, CAST(CASE WHEN role = 'fk_over' AND hit THEN 24 ELSE 20 END AS DECIMAL(18, 4)) AS quantity,
           CAST(a.amount AS DECIMAL(18, 4)) + CASE WHEN role = 'fk_amount' AND hit THEN 10 ELSE 0 END AS price,
           CASE WHEN role = 'fk_arith' AND hit THEN 50 ELSE 0 END AS arith
    FROM again JOIN (VALUES {amounts}) a(yr, amount) ON a.yr = year(week)
    """)
    q("""INSERT INTO lines SELECT invoice_id, line_id, NULL, NULL, year(week), client, week, quantity, price,
                                  round(quantity * price, 2) + arith FROM g_fk_lines ORDER BY invoice_id, line_id""")
    q(f"""
    INSERT INTO invoices
    SELECT invoice_id, 'FK-{YEAR}-' || lpad(CAST(invoice_id - {first_fk} + 1 AS VARCHAR), 2, '0'), '{FK_SELLER}',
           (SELECT max(received_seq) FROM invoices) + invoice_id - {first_fk} + 1, 'invoice', 'fk',
           '{YEAR}-' || lpad(CAST(invoice_id - {first_fk} + 1 AS VARCHAR), 2, '0'), sum(round(quantity * price, 2) + arith),
           false
    FROM g_fk_lines GROUP BY invoice_id ORDER BY invoice_id
    """)

    # The sick-pay claims: an invoice each (claim kind 'sickpay', the client's provider, the
    # month of the first sick day), its figures in sick_claims, lines per component computed
    # as invoices.sickpay computes them (each rounded once, half-up, to the öre).
    first_sick = con.execute("SELECT max(invoice_id) + 1 FROM invoices").fetchone()[0]
    q(f"""
    CREATE OR REPLACE TEMP TABLE g_claims AS
    WITH k AS (
        SELECT *, false AS again FROM g_sick
        UNION ALL SELECT *, true FROM g_sick WHERE role = 'duplicate'
    ), n AS (
        SELECT *, {first_sick} + row_number() OVER (ORDER BY first_day, sick_assistant, again) - 1 AS invoice_id,
               CAST(12 AS DECIMAL(9, 4)) AS holiday_pct, CAST(31.42 AS DECIMAL(9, 4)) AS contributions_pct,
               CAST(0.6 AS DECIMAL(9, 4)) AS insurance_pct, CAST(4.5 AS DECIMAL(9, 4)) AS pension_pct
        FROM k
    ), c AS (
        SELECT *, round(sick_pay * holiday_pct * 0.01, 2) AS holiday FROM n
    )
    SELECT *, round((sick_pay + holiday) * contributions_pct * 0.01, 2) AS contributions,
           round((sick_pay + holiday) * insurance_pct * 0.01, 2) AS insurance,
           round((sick_pay + holiday) * pension_pct * 0.01, 2) AS pension
    FROM c
    """)
    q("""
    INSERT INTO sick_claims
    SELECT invoice_id, client, sick_assistant, list_transform(range(n_days), lambda i: first_day + CAST(i AS INTEGER)),
           sick_pay, holiday_pct, contributions_pct, insurance_pct, pension_pct, NULL, NULL, NULL,
           CASE WHEN no_karens THEN NULL ELSE first_day END,
           CASE WHEN no_karens THEN 'karens already deducted this sickness period' END
    FROM g_claims WHERE role <> 'unstated' ORDER BY invoice_id
    """)
    q("""
    INSERT INTO lines
    SELECT invoice_id, CAST(i AS VARCHAR), NULL, NULL, year(first_day), NULL, NULL, NULL, NULL,
           [sick_pay, holiday, contributions, insurance, pension][i] + CASE WHEN role = 'inflated' AND i = 1 THEN 500 ELSE 0 END
    FROM g_claims, range(1, 6) t(i) ORDER BY invoice_id, i
    """)
    q(f"""
    INSERT INTO invoices
    SELECT invoice_id, 'S{YEAR}-' || lpad(CAST(p AS VARCHAR), 3, '0') || '-' || lpad(CAST(invoice_id AS VARCHAR), 8, '0'),
           '0007:' || CAST(5566000000 + p * 1013 AS VARCHAR),
           (SELECT max(received_seq) FROM invoices) + row_number() OVER (ORDER BY invoice_id), 'invoice', 'sickpay',
           strftime(first_day, '%Y-%m'), sick_pay + holiday + contributions + insurance + pension
               + CASE WHEN role = 'inflated' THEN 500 ELSE 0 END, false
    FROM g_claims ORDER BY invoice_id
    """)

    # The assistant register: one version from 2000, or two (a move abroad, a new regime).
    q(f"""
    INSERT INTO assistants
    WITH v AS (
        SELECT g.*, 1 AS version FROM g_asst g WHERE role <> 'unregistered'
        UNION ALL SELECT g.*, 2 FROM g_asst g WHERE role IN ('moves', 'regime_change')
    )
    SELECT pnr,
           CASE WHEN version = 1 THEN DATE '2000-01-01' ELSE DATE '{YEAR}-01-01' + change_day END,
           CASE WHEN version = 1 AND role IN ('moves', 'regime_change') THEN DATE '{YEAR}-01-01' + change_day - 1
                ELSE DATE '9999-12-31' END,
           CASE WHEN month(born) = 2 AND day(born) = 29 THEN make_date(year(born) + 18, 3, 1)
                ELSE CAST(born + INTERVAL 18 YEAR AS DATE) END,
           CASE WHEN role = 'moves' AND version = 2 THEN 'GB' ELSE country END,
           role <> 'incapable', regime = 'household', regime = 'household', NULL,
           CASE WHEN role = 'regime_change' AND version = 2 THEN 'exempelavtalet' ELSE regime END, 4
    FROM v ORDER BY pnr, version
    """)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("shifts", "timereports", "invoices", "lines", "decisions", "fk_decisions", "assistants",
                        "sick_claims")}
    counts.update(assistants_generated=A, clients=C, providers=P)
    for t in ("g_asst", "g_link", "g_client", "g_day", "g_tmpl", "g_work", "g_shift", "g_billed", "g_inv", "g_lines",
              "g_fk", "g_fk_lines", "g_sick", "g_claims"):
        q(f"DROP TABLE {t}")
    return counts
