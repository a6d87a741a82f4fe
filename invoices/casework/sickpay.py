"""The extra cost of sick pay (merkostnad sjuklön): a claim per sickness occasion, reimbursed only
if a substitute actually worked (9 § 2 LSS; seeds 001-003, DOMAIN.md "Sick-pay extra cost").

A claim is an invoice of claim kind ``'sickpay'``; what it states about the occasion is in the
input table ``sick_claims`` (:func:`create_sick_claims`; one row per claim invoice, filled by
the loader from the invoice's calculation, see :data:`SICK_CLAIMS`). Each claim of the period
is recomputed from its stated figures with :func:`invoices.sickpay.compute_sickpay_claim` (the
same rules, bases and rounding the provider side uses), with the substitute's work taken from
the shifts the municipality holds: a shift for the claim's client, by another assistant than
the sick one, of active or waiting time (the kinds that are assistance performed), overlapping a
sick day in local time; any shift loaded counts (whichever invoice carried its time report).

================  ==============================  ==========================================================
code              basis                           amount disputed (``f_amounts``; nothing is cut)
================  ==============================  ==========================================================
LSS-CASE-082      9 § 2 LSS; one claim per        the same client, sick assistant and a sick day in common
                  sickness occasion               with a claim received earlier (``received_seq``, then
                                                  ``invoice_id``; any period, not credited): the whole claim
LSS-CASE-083      11 a § LSS; the evidence the    no stated figures for the claim, or figures the calculation
                  municipality asks for            refuses (no sick days, an unreadable personnummer, a sick
                                                  pay or a percentage out of range, neither or both of a
                                                  karens date and a reason for none): the whole claim
LSS-CASE-080      9 § 2 LSS (a substitute must    no substitute worked for the client on any sick day: the
                  have worked)                    whole claim
LSS-CASE-081      9 § 2 LSS; the actual extra     the claim's lines add up to more than the claim recomputed
                  cost                            from its stated figures: the difference
LSS-CASE-084      9 § 2 LSS                       warning, no amount: sick days on which no substitute
                                                  worked (partial cover is not refused: no source says the
                                                  claim shrinks with it, :mod:`invoices.sickpay`)
================  ==============================  ==========================================================

The first that applies of 082, 083, 080 is the claim's only finding disputing money (the whole
claim is disputed once); 081 and 084 are judged only for a claim none of them refuses. A whole
claim is disputed line by line (each line's net amount); 081's difference concerns the claim
as a whole and is recorded under the line id ``(claim)``. One finding per claim and code; key
``CODE:i<invoice_id>``.

What the loader fills from a received claim (as :mod:`invoices.sickpay_invoice` writes one)
    ``client``, ``sick_assistant``, ``days``: the calculation attachment ``SJ-1`` (CSV, rows
    "Den enskildes personnummer", "Sjuk assistent, personnummer", "Sjukdagar" as comma-separated
    ISO dates); ``karens_date`` / ``no_karens_reason``: its row "Karensavdrag, datum" or
    "Karensavdrag ej gjort, orsak"; ``sick_pay``: the line with seller's item id
    ``LSS-sickpay-sick_pay`` (its amount); each percentage and base: the line
    ``LSS-sickpay-<component>`` whose description reads "P % av B kr" (B equal to the sick pay:
    base ``sick_pay``; to sick pay + holiday pay: ``sick_pay_and_holiday_pay``; the CSV's rows
    say the same). A claim whose figures cannot be read gets no row (or NULLs): LSS-CASE-083.
"""
from __future__ import annotations

from decimal import Decimal

import duckdb
from pydantic import ValidationError

from ..hours import ZERO
from ..model import Assistant, Client, Shift
from ..sickpay import (
    Base,
    SickPayBases,
    SickPayPercentages,
    SickPayRefused,
    SicknessOccasion,
    compute_sickpay_claim,
)

__all__ = ["SICK_CLAIMS", "create_sick_claims", "sick_pay_claims"]

SICK_CLAIMS = """
CREATE TABLE IF NOT EXISTS sick_claims (
    invoice_id BIGINT PRIMARY KEY,      -- the claim's invoice (claim_kind 'sickpay')
    client VARCHAR,                     -- the client's personnummer
    sick_assistant VARCHAR,             -- the sick regular assistant's personnummer
    days DATE[],                        -- the sick days (local dates)
    sick_pay DECIMAL(18,2),             -- the sick pay in SEK, as on the payslip
    holiday_pct DECIMAL(9,4),           -- percent (12 = 12 %), of the sick pay
    contributions_pct DECIMAL(9,4),     -- statutory employer contributions, percent
    insurance_pct DECIMAL(9,4),         -- contractual insurance, percent
    pension_pct DECIMAL(9,4),           -- collective pension, percent
    contributions_base VARCHAR,         -- 'sick_pay' | 'sick_pay_and_holiday_pay' (NULL: the latter)
    insurance_base VARCHAR,
    pension_base VARCHAR,
    karens_date DATE,                   -- the qualifying-day deduction's date, or
    no_karens_reason VARCHAR            -- why none was made (exactly one of the two)
)"""
BASIS = {"LSS-CASE-080": "9 § 2 LSS (a substitute must have worked)",
         "LSS-CASE-081": "9 § 2 LSS (the actual extra cost)",
         "LSS-CASE-082": "9 § 2 LSS (one claim per sickness occasion)",
         "LSS-CASE-083": "11 a § LSS (the evidence the municipality asks for)",
         "LSS-CASE-084": "9 § 2 LSS (a substitute must have worked)"}
PRECEDENCE = {code: 80 + int(code[-1]) for code in BASIS}


def create_sick_claims(con: duckdb.DuckDBPyConnection) -> None:
    """The ``sick_claims`` input table (idempotent): the loader calls it beside
    :func:`invoices.casework.frame.create_inputs`."""
    con.execute(SICK_CLAIMS)


def _masked(pnr: str | None) -> str:
    return "********-" + pnr.replace("-", "")[-4:] if pnr else "(not stated)"


def _percentages(row: dict) -> SickPayPercentages:
    values = {"holiday_pay": row["holiday_pct"], "employer_contributions": row["contributions_pct"],
              "insurance": row["insurance_pct"], "pension": row["pension_pct"]}
    missing = sorted(k for k, v in values.items() if v is None)
    if missing:
        raise SickPayRefused("percentage_missing", f"the claim states no percentage for {', '.join(missing)}")
    return SickPayPercentages(**{k: Decimal(v) for k, v in values.items()})


def _bases(row: dict) -> SickPayBases:
    return SickPayBases(**{k: Base(row[col]) for k, col in (("employer_contributions", "contributions_base"),
                                                            ("insurance", "insurance_base"),
                                                            ("pension", "pension_base")) if row[col]})


def _recompute(row: dict, evidence: list[tuple]):
    """The claim as :func:`compute_sickpay_claim` makes it, or SickPayRefused."""
    if row["client"] is None or row["sick_assistant"] is None or not row["days"]:
        raise SickPayRefused("occasion_missing", "the claim does not state the client, the sick assistant and the sick days")
    if row["sick_pay"] is None:
        raise SickPayRefused("invalid_sick_pay", "the claim states no sick pay")
    try:
        occasion = SicknessOccasion(sick_assistant=Assistant(pnr=row["sick_assistant"], name="sick assistant"),
                                    client=Client(pnr=row["client"], name="client"), sick_days=tuple(row["days"]))
        shifts = [Shift(assistant_pnr=a, client_pnr=c, start=s, end=e, kind=k, decision_id=d)
                  for a, c, s, e, k, d in evidence]
        return compute_sickpay_claim(occasion, Decimal(row["sick_pay"]), _percentages(row), shifts,
                                     karens_date=row["karens_date"], no_karens_reason=row["no_karens_reason"],
                                     bases=_bases(row))
    except ValidationError as exc:
        raise SickPayRefused("unreadable", f"the claim's figures cannot be read ({exc.error_count()} error(s): "
                             f"{exc.errors()[0]['msg']})") from None
    except ValueError as exc:  # an unknown base
        raise SickPayRefused("unreadable", f"the claim's figures cannot be read: {exc}") from None


def sick_pay_claims(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-080..084 (module docstring)."""
    create_sick_claims(con)
    con.execute("""
    CREATE OR REPLACE TEMP TABLE p_claims AS
    SELECT c.*, i.received_seq, i.number FROM sick_claims c JOIN invoices i USING (invoice_id)
    WHERE i.claim_kind = 'sickpay' AND i.doc_kind = 'invoice' AND NOT i.credited
    """)
    targets = con.execute("""
        SELECT i.invoice_id, c.invoice_id IS NOT NULL AS stated FROM invoices i
        LEFT JOIN p_claims c USING (invoice_id)
        WHERE i.invoice_id IN (SELECT invoice_id FROM target_invoices) AND i.claim_kind = 'sickpay'
        ORDER BY i.invoice_id""").fetchall()
    if not targets:
        return
    duplicates = dict(con.execute("""
        SELECT l.invoice_id, string_agg(DISTINCT e.number, ', ' ORDER BY e.number)
        FROM p_claims l JOIN p_claims e
          ON e.client = l.client AND e.sick_assistant = l.sick_assistant AND len(list_intersect(e.days, l.days)) > 0
         AND (e.received_seq < l.received_seq OR (e.received_seq = l.received_seq AND e.invoice_id < l.invoice_id))
        WHERE l.invoice_id IN (SELECT invoice_id FROM target_invoices)
        GROUP BY l.invoice_id""").fetchall())
    evidence: dict[int, list[tuple]] = {}
    for inv, *shift in con.execute("""
        WITH d AS (SELECT invoice_id, client, sick_assistant, unnest(days) AS day FROM p_claims
                   WHERE invoice_id IN (SELECT invoice_id FROM target_invoices))
        SELECT DISTINCT d.invoice_id, s.shift_id, s.assistant, s.client, s.start_at, s.end_at, s.kind, s.decision_id
        FROM d JOIN shifts s ON s.client = d.client AND s.assistant <> d.sick_assistant
         AND s.kind IN ('active', 'waiting')
         AND s.start_at < CAST(d.day + 1 AS TIMESTAMPTZ) AND s.end_at > CAST(d.day AS TIMESTAMPTZ)
        ORDER BY d.invoice_id, s.start_at, s.shift_id""").fetchall():
        evidence.setdefault(inv, []).append(tuple(shift[1:]))
    cols = [d[0] for d in con.execute("SELECT * FROM p_claims LIMIT 0").description]
    rows = {r[0]: dict(zip(cols, r)) for r in con.execute("SELECT * FROM p_claims").fetchall()}
    lines: dict[int, list[tuple[str, Decimal]]] = {}
    for inv, line_id, net in con.execute("""
            SELECT invoice_id, line_id, net_amount FROM lines
            WHERE invoice_id IN (SELECT invoice_id FROM target_invoices) ORDER BY invoice_id, line_id""").fetchall():
        lines.setdefault(inv, []).append((line_id, Decimal(net)))

    findings: list[tuple] = []
    amounts: list[tuple] = []

    def add(code: str, inv: int, message: str, severity: str = "error") -> str:
        key = f"{code}:i{inv}"
        findings.append((key, code, BASIS[code], severity, message, inv, PRECEDENCE[code]))
        return key

    def whole(key: str, inv: int) -> Decimal:
        for line_id, net in lines.get(inv, ()):
            if net > ZERO:
                amounts.append((key, inv, line_id, net, 0))
        return sum((net for _, net in lines.get(inv, ()) if net > ZERO), ZERO)

    for inv, stated in targets:
        billed = sum((net for _, net in lines.get(inv, ())), ZERO)
        row = rows.get(inv)
        if inv in duplicates:
            key = add("LSS-CASE-082", inv, f"the sickness occasion of sick assistant {_masked(row['sick_assistant'])} "
                      f"(client {_masked(row['client'])}) has sick days in common with the claim on invoice(s) "
                      f"{duplicates[inv]}, received earlier: one claim per sickness occasion")
            whole(key, inv)
            continue
        try:
            if not stated:
                raise SickPayRefused("not_stated", "no calculation of the claim was read (sick days, sick pay, "
                                     "percentages, karens)")
            claim = _recompute(row, evidence.get(inv, []))
        except SickPayRefused as exc:
            if exc.code == "no_substitute_work":
                days = ", ".join(d.isoformat() for d in sorted(row["days"]))
                key = add("LSS-CASE-080", inv, f"no substitute worked for client {_masked(row['client'])} on any sick "
                          f"day of the occasion ({days}) in the time reports held: the extra cost of sick pay is "
                          "reimbursed only if a substitute actually worked")
            else:
                key = add("LSS-CASE-083", inv, f"the sick-pay claim cannot be recomputed: {exc.message}")
            whole(key, inv)
            continue
        if billed > claim.total:
            key = add("LSS-CASE-081", inv, "the claim's lines add up to {:.2f} kr, recomputed from its stated figures "
                      "it is {:.2f} kr ({}): {:.2f} kr beyond the actual extra cost".format(
                          billed, claim.total, ", ".join(f"{ln.label} {ln.amount:.2f}" for ln in claim.lines),
                          billed - claim.total))
            amounts.append((key, inv, "(claim)", billed - claim.total, 0))
        if claim.days_without_substitute:
            add("LSS-CASE-084", inv, "no substitute worked on sick day(s) {} (a substitute worked on {})".format(
                ", ".join(d.isoformat() for d in claim.days_without_substitute),
                ", ".join(d.isoformat() for d in claim.days_with_substitute)), "warning")
    if findings:
        con.executemany("INSERT INTO f_findings VALUES (?, ?, ?, ?, ?, NULL, ?, ?)", findings)
    if amounts:
        con.executemany("INSERT INTO f_amounts VALUES (?, ?, ?, ?, ?)", amounts)
