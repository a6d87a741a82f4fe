"""9 d § 1-3 LSS: work that is not a cost of personal assistance because of who did it.

Each shift is judged by the assistant register's version in force on the day the shift
starts (local time); a shift crossing into the 18th birthday is cut at that midnight.

=================  ==========================================================================
LSS-CASE-010       under 18 on the day of the work (9 d § 1 LSS): the part before the 18th
                   birthday 00:00 local time is cut (the day of the birthday counts as 18;
                   born 29 February: 1 March in a common year, ``eighteenth_birthday``)
LSS-CASE-011       lives outside the EEA (9 d § 2 LSS): the whole shift is cut
LSS-CASE-012       lacks the capacity to work as an assistant (9 d § 3 LSS): the whole shift
LSS-CASE-013       the assistant is not in the register (11 a § LSS information missing):
                   9 d § 1-3 cannot be judged; a warning, nothing cut
=================  ==========================================================================

One finding per assistant and invoice for each code, naming the shifts.
"""
from __future__ import annotations

import duckdb

__all__ = ["EEA", "not_a_cost_of_assistance"]

# The EEA: the 27 EU member states and Iceland, Liechtenstein, Norway (Switzerland is not in
# the EEA; DOMAIN.md 9 d § 2 LSS). ISO 3166-1 alpha-2.
EEA = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
       "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO")
PRECEDENCE = {"LSS-CASE-010": 20, "LSS-CASE-011": 21, "LSS-CASE-012": 22, "LSS-CASE-013": 23}


def _register_in_force(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
    CREATE OR REPLACE TEMP TABLE e_shifts AS
    SELECT s.shift_id, s.invoice_id, s.assistant, s.start_at, s.end_at,
           a.assistant IS NOT NULL AS registered, a.adult_from, a.residence_country, a.capacity_to_work
    FROM shifts s LEFT JOIN assistants a
      ON a.assistant = s.assistant AND CAST(s.start_at AS DATE) BETWEEN a.valid_from AND a.valid_to
    WHERE s.invoice_id IN (SELECT invoice_id FROM target_invoices)
    """)


def _finding_per_assistant_invoice(con, code: str, basis: str, where: str, cut_end: str | None,
                                   message: str) -> None:
    """Findings (one per assistant and invoice) over ``e_shifts`` rows matching ``where``,
    each cutting [start, ``cut_end``) of its shifts (no cut when ``cut_end`` is None)."""
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE e_hits AS
    SELECT '{code}:s' || min(shift_id) OVER w AS key, * FROM e_shifts WHERE {where}
    WINDOW w AS (PARTITION BY assistant, invoice_id)
    """)
    con.execute(f"""
    INSERT INTO f_findings
    SELECT key, '{code}', '{basis}', 'error', {message}, list(shift_id ORDER BY shift_id), NULL, {PRECEDENCE[code]}
    FROM e_hits GROUP BY key, assistant
    """)
    if cut_end is not None:
        con.execute(f"""INSERT INTO f_cuts SELECT key, {PRECEDENCE[code]}, shift_id, NULL, NULL, start_at, {cut_end}
                        FROM e_hits""")


def not_a_cost_of_assistance(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-010..013 (module docstring)."""
    _register_in_force(con)
    eea = ", ".join(f"'{c}'" for c in EEA)
    _finding_per_assistant_invoice(
        con, "LSS-CASE-010", "9 d § 1 LSS", "registered AND start_at < CAST(adult_from AS TIMESTAMPTZ)",
        "least(end_at, CAST(adult_from AS TIMESTAMPTZ))",
        "'assistant ' || masked(assistant) || ' was under 18 during ' || count(*) || ' shift(s) from ' "
        "|| local_min(min(start_at)) || ': work before the 18th birthday is not a cost of personal assistance'")
    _finding_per_assistant_invoice(
        con, "LSS-CASE-011", "9 d § 2 LSS", f"registered AND residence_country NOT IN ({eea})", "end_at",
        "'assistant ' || masked(assistant) || ' lives outside the EEA (' || any_value(residence_country) || '): ' "
        "|| count(*) || ' shift(s) are not a cost of personal assistance'")
    _finding_per_assistant_invoice(
        con, "LSS-CASE-012", "9 d § 3 LSS", "registered AND NOT capacity_to_work", "end_at",
        "'assistant ' || masked(assistant) || ' is registered as lacking the capacity to work as an assistant: ' "
        "|| count(*) || ' shift(s) are not a cost of personal assistance'")
    _finding_per_assistant_invoice(
        con, "LSS-CASE-013", "11 a § LSS", "NOT registered", None,
        "'assistant ' || masked(assistant) || ' is not in the assistant register on the day of ' || count(*) "
        "|| ' shift(s): 9 d § 1-3 LSS cannot be checked'")
    con.execute("UPDATE f_findings SET severity = 'warning' WHERE code = 'LSS-CASE-013'")
