"""What a time report must show: signatures and statements (Tjörn, Västerås, Borås; DOMAIN.md
"What the reports must show"). The municipality needs them to judge the hours (11 a § LSS: the
provider gives the information the municipality needs); none of them is an hour that was not
worked, so these findings **cut nothing** and dispute no amount.

The level is the municipality's: its registry entry's ``[case_levels]`` sets each code to
``error``, ``warning`` or ``off`` (``invoices/data/README.md``; Tjörn makes 050, 052, 053 and
054 errors, seed 003), applied by :func:`invoices.casework.run.run_checks` through
``CheckContext.levels``; ``lssinvoice check --level CODE=LEVEL`` overrides it for one run. The
defaults below are what a municipality that says nothing gets.

================  =====================================================  ========  ===========================
code              the time report …                                      default   read from ``timereports``
================  =====================================================  ========  ===========================
LSS-CASE-050      is not signed by the assistant                         error     ``assistant_signed`` not true
LSS-CASE-051      is not signed by the supervisor / ombud                warning   ``supervisor_signed`` not true
LSS-CASE-052      does not show active and waiting time separately       warning   ``kind_stated`` false
LSS-CASE-053      does not state the assistant's calculation period      warning   ``calculation_period`` blank
LSS-CASE-054      does not state whether a collective agreement applies  warning   ``agreement_stated`` not true
                                                                                   (unknown: a stated
                                                                                   ``collective_agreement``)
LSS-CASE-055      does not identify the client, or names another         warning   ``client`` blank, or a shift
                  client than the decision its shifts are billed under             of the report names a
                                                                                   registered decision of
                                                                                   another client
================  =====================================================  ========  ===========================

Basis of all: 11 a § LSS and the municipality's requirements for time reports. A statement the
loader could not read (NULL) counts as not made. Only the time reports of the period's invoices
are judged; one finding per report and code, on the report's invoice; key
``CODE:t<timereport_id>``.
"""
from __future__ import annotations

import duckdb

__all__ = ["DEFAULT_SEVERITY", "formalities"]

BASIS = "11 a § LSS; the municipality's requirements for time reports"
DEFAULT_SEVERITY = {"LSS-CASE-050": "error", "LSS-CASE-051": "warning", "LSS-CASE-052": "warning",
                    "LSS-CASE-053": "warning", "LSS-CASE-054": "warning", "LSS-CASE-055": "warning"}
PRECEDENCE = {code: 60 + i for i, code in enumerate(sorted(DEFAULT_SEVERITY))}  # no cuts: order only

# (code, condition over the report ``r`` and ``other_client``, what it fails to show)
_RULES = (
    ("LSS-CASE-050", "NOT coalesce(r.assistant_signed, false)", "is not signed by the assistant"),
    ("LSS-CASE-051", "NOT coalesce(r.supervisor_signed, false)", "is not signed by the supervisor or ombud"),
    ("LSS-CASE-052", "NOT coalesce(r.kind_stated, false)", "does not show active time and waiting time separately"),
    ("LSS-CASE-053", "coalesce(trim(r.calculation_period), '') = ''",
     "does not state the assistant's calculation period"),
    ("LSS-CASE-054", "NOT coalesce(r.agreement_stated, coalesce(trim(r.collective_agreement), '') <> '')",
     "does not state whether a collective agreement applies"),
    ("LSS-CASE-055", "coalesce(trim(r.client), '') = '' OR other_client IS NOT NULL",
     "CASE WHEN coalesce(trim(r.client), '') = '' THEN 'does not identify the client' "
     "ELSE 'is for client ' || masked(r.client) || ', but its shifts are billed under decision ' || other_client "
     "|| ', granted to another client' END"),
)


def formalities(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-050..055 (module docstring)."""
    con.execute("""
    CREATE OR REPLACE TEMP TABLE t_reports AS
    WITH other AS (
        SELECT s.timereport_id, min(d.decision_id) AS other_client
        FROM shifts s JOIN timereports r USING (timereport_id) JOIN decisions d ON d.decision_id = s.decision_id
        WHERE r.invoice_id IN (SELECT invoice_id FROM target_invoices) AND d.client <> r.client
        GROUP BY s.timereport_id
    )
    SELECT r.*, o.other_client FROM timereports r LEFT JOIN other o USING (timereport_id)
    WHERE r.invoice_id IN (SELECT invoice_id FROM target_invoices)
    """)
    for code, condition, what in _RULES:
        text = what if what.startswith("CASE") else "'" + what.replace("'", "''") + "'"
        con.execute(f"""
        INSERT INTO f_findings
        SELECT '{code}:t' || r.timereport_id, '{code}', ?, '{DEFAULT_SEVERITY[code]}',
               'time report ' || coalesce(r.month, '(month not stated)')
               || CASE WHEN r.assistant IS NULL THEN '' ELSE ' of assistant ' || masked(r.assistant) END
               || ' ' || {text}, NULL, r.invoice_id, {PRECEDENCE[code]}
        FROM t_reports r WHERE {condition}
        ORDER BY r.timereport_id
        """, [BASIS])
