"""The tables every case-work check reads and writes, in one DuckDB connection.

The checks are columnar: SQL over all the shifts the municipality knows, never a Python loop
per shift, so the same code runs on the store's data (:mod:`ingest.casework` loads it) and on
a national-scale year (``bench/casework.py``). Whoever loads the data creates the input tables
with :func:`create_inputs` and fills them; :func:`invoices.casework.run.run_checks` does the
rest. Instants are ``TIMESTAMPTZ``; the connection's time zone is Europe/Stockholm, so
``date_trunc('week', t)`` is Monday 00:00 local time and ``+ INTERVAL 1 DAY`` keeps the wall
clock across a DST change.

Inputs
    ``shifts``       one row per shift of every time report held (all providers, all clients);
                     ``billed`` is false for a shift its invoice carries as a supporting
                     document only (no line bills its decision and kind: the base decision's
                     reports on an extension invoice, a kind the municipality does not pay)
    ``timereports``  the statements of each time report (signatures, period, agreement)
    ``invoices``     the invoices the shifts came with; ``received_seq`` orders receipt
    ``lines``        invoice lines as (decision, shift kind, year of the work): hours × price;
                     lines of Försäkringskassan's 20-hour invoice as (client, ``week``: its
                     Monday) instead
    ``decisions``    the decision register (current version)
    ``fk_decisions`` Försäkringskassan's decisions for its 20-hour invoice
    ``assistants``   the assistant register, versions in time (``valid_from``..``valid_to``),
                     with ``adult_from``, the 18th birthday (:func:`invoices.checks.eighteenth_birthday`;
                     the loader computes it, so no birth date enters the engine)
    ``rates``        the municipality's hourly rate per year of the work

Outputs (filled by the checks)
    ``f_findings``   one row per finding: a stable ``key``, ``code``, legal ``basis``,
                     ``severity``, ``message`` and the ``shift_ids`` or ``invoice_id`` involved
    ``f_cuts``       the time a finding takes out of reimbursement: a stretch of one shift
                     (``shift_id``) or of an assistant's timeline (``assistant`` + ``scope``:
                     which kinds of shift it cuts), with the finding's ``precedence``
    ``f_amounts``    line-level disputes that are money, not hours (rate, arithmetic)

No hour is cut twice: :mod:`invoices.casework.resolve` gives every second of a shift to the
covering cut of lowest precedence (then lowest key).
"""
from __future__ import annotations

import duckdb

__all__ = ["SCOPES", "WORK_KINDS", "connect", "create_inputs", "create_outputs"]

# Kinds of time that are working time (arbetstidslagen 2 §: active and waiting time at the
# workplace; on-call, jour, counts as working time for the 48-hour average, 10 b §); standby
# (beredskap) is not working time.
WORK_KINDS = ("active", "waiting", "on_call")
# What a timeline cut takes from: ``work`` every working-time kind, ``duty`` active and
# waiting time (ordinary time and overtime, 5-8 §§), ``on_call`` jour only (6 §).
SCOPES = {"work": WORK_KINDS, "duty": ("active", "waiting"), "on_call": ("on_call",), "any": WORK_KINDS + ("standby",)}

INPUTS = """
CREATE TABLE shifts (
    shift_id BIGINT PRIMARY KEY, invoice_id BIGINT, timereport_id BIGINT,
    assistant VARCHAR NOT NULL, client VARCHAR NOT NULL, decision_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, start_at TIMESTAMPTZ NOT NULL, end_at TIMESTAMPTZ NOT NULL,
    billed BOOLEAN NOT NULL DEFAULT true, source VARCHAR);
CREATE TABLE timereports (
    timereport_id BIGINT PRIMARY KEY, invoice_id BIGINT, assistant VARCHAR, client VARCHAR,
    month VARCHAR, assistant_signed BOOLEAN, supervisor_signed BOOLEAN,
    calculation_period VARCHAR, collective_agreement VARCHAR, agreement_stated BOOLEAN,
    kind_stated BOOLEAN);
CREATE TABLE invoices (
    invoice_id BIGINT PRIMARY KEY, number VARCHAR NOT NULL, seller VARCHAR NOT NULL,
    received_seq BIGINT NOT NULL, doc_kind VARCHAR NOT NULL, claim_kind VARCHAR,
    period VARCHAR, payable DECIMAL(18,2) NOT NULL, credited BOOLEAN NOT NULL DEFAULT false);
CREATE TABLE lines (
    invoice_id BIGINT NOT NULL, line_id VARCHAR NOT NULL, decision_id VARCHAR, kind VARCHAR,
    year INTEGER, client VARCHAR, week DATE, quantity DECIMAL(18,4), price DECIMAL(18,4),
    net_amount DECIMAL(18,2) NOT NULL);
CREATE TABLE decisions (
    decision_id VARCHAR PRIMARY KEY, client VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    valid_from DATE NOT NULL, valid_to DATE NOT NULL, granted_hours DECIMAL(12,2) NOT NULL,
    granted_per VARCHAR NOT NULL);
CREATE TABLE fk_decisions (
    client VARCHAR NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL,
    fk_hours_per_week DECIMAL(12,2) NOT NULL);
CREATE TABLE assistants (
    assistant VARCHAR NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL,
    adult_from DATE NOT NULL, residence_country VARCHAR NOT NULL, capacity_to_work BOOLEAN NOT NULL,
    related_to_client BOOLEAN, same_household BOOLEAN, employer_org_nr VARCHAR,
    regime VARCHAR NOT NULL, calculation_period_weeks INTEGER);
CREATE TABLE rates (year INTEGER PRIMARY KEY, rate DECIMAL(10,2) NOT NULL);
"""

OUTPUTS = """
CREATE OR REPLACE TABLE f_findings (
    key VARCHAR NOT NULL, code VARCHAR NOT NULL, basis VARCHAR NOT NULL, severity VARCHAR NOT NULL,
    message VARCHAR NOT NULL, shift_ids BIGINT[], invoice_id BIGINT, precedence INTEGER NOT NULL);
CREATE OR REPLACE TABLE f_cuts (
    key VARCHAR NOT NULL, precedence INTEGER NOT NULL, shift_id BIGINT, assistant VARCHAR,
    scope VARCHAR, cut_start TIMESTAMPTZ NOT NULL, cut_end TIMESTAMPTZ NOT NULL);
CREATE OR REPLACE TABLE f_amounts (
    key VARCHAR NOT NULL, invoice_id BIGINT NOT NULL, line_id VARCHAR NOT NULL,
    amount DECIMAL(18,2) NOT NULL, seconds BIGINT NOT NULL DEFAULT 0);
"""


def connect(threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection on Stockholm time."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'Europe/Stockholm'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def create_inputs(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(INPUTS)


def create_outputs(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(OUTPUTS)
    # What a message shows of a person: the last four digits (invoices.model.mask_pnr).
    con.execute("CREATE OR REPLACE MACRO masked(p) AS '********-' || right(replace(p, '-', ''), 4)")
    con.execute("CREATE OR REPLACE MACRO local_min(t) AS strftime(t, '%Y-%m-%d %H:%M')")
    con.execute("CREATE OR REPLACE MACRO hrs(s) AS printf('%d h %02d min', CAST(s AS BIGINT) // 3600, (CAST(s AS BIGINT) % 3600) // 60)")
