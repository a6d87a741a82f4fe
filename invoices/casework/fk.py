"""Försäkringskassan's 20-hour invoice: what the municipality owes FK per client and week.

FK pays state assistance (assistansersättning) and bills each municipality afterwards, monthly,
for the first 20 hours per week of the assistance it decided and approved, at that year's
standard amount (schablonbelopp): an e-invoice listing hours × amount per week (DOMAIN.md). FK's
invoices are those whose seller is ``ctx.fk_seller`` (org nr 202100-5521) or whose claim kind is
``'fk'``; each line names a client and a ``week`` (its Monday), ``quantity`` hours at ``price``.

The 20 hours are per client and week over ALL of FK's lines loaded (invoices, not credited;
any period): lines are counted in the order FK's invoices were received (``received_seq``,
``invoice_id``, then line number), so a week billed again (on the next month's invoice, or twice
on one) finds its hours already used. The year of a week is the year of its Monday; FK's
standard amount for it comes from ``ctx.fk_amounts`` (the registry's table), never guessed.

Why 20 and not min(20, FK's decided hours per week): FK's decision states hours per week, but
DOMAIN.md says nothing about how FK settles a week against them (week by week or over a longer
period), so a lower decided figure is no sourced cap on one week: the limit is 20, and a week
past FK's decided hours is a warning (LSS-CASE-076) for the case officer to look at.

================  ===========================  =================================================================
code              basis                        amount disputed (``f_amounts``; FK's lines have no shifts to cut)
================  ===========================  =================================================================
LSS-CASE-070      9 § 2 LSS, 20-hour rule      no FK decision for the client in force on any day of the week:
                  (FK's decision)              the whole line; the line's hours do not count towards the 20
LSS-CASE-071      9 § 2 LSS, 20-hour rule      hours past 20 for the client and week (in receipt order):
                                               line_amount(excess, price)
LSS-CASE-072      FK's standard amount         price above the standard amount for the Monday's year, on the
                  (schablonbelopp)             hours left after LSS-CASE-071 (h):
                                               line_amount(h, price) − line_amount(h, standard amount)
LSS-CASE-073      FK's standard amount         warning, no amount: the standard amount of the year is unknown
LSS-CASE-074      11 a § LSS                   warning, no amount: the line names no client or week (or no
                                               quantity or price): it cannot be checked
LSS-CASE-075      BR-LIN-04                    net_amount above line_amount(quantity, price): the excess
LSS-CASE-076      9 § 2 LSS (FK's decision)    warning, no amount: the week's hours pass the hours per week of
                                               FK's decision (which are fewer than 20)
LSS-CASE-077      FK's standard amount         warning, no amount: the price is below the standard amount
================  ===========================  =================================================================

One finding per line; key ``CODE:i<invoice_id>:l<line_id>``. Amounts: :func:`invoices.hours.line_amount`
(half-up to the öre). The hours a finding shows (``f_amounts.seconds``) are those its amount is
for: the whole line's (070), the excess (071), h (072); none for 075 and the warnings.
"""
from __future__ import annotations

from decimal import Decimal

import duckdb

from ..hours import ZERO, line_amount

__all__ = ["FK_SELLER", "TWENTY", "fk_twenty_hours"]

FK_SELLER = "0007:2021005521"  # Försäkringskassan (org nr 202100-5521) as the store keys a seller
TWENTY = Decimal(20)
BASIS = {"LSS-CASE-070": "9 § 2 LSS; FK's decision (20-hour rule)", "LSS-CASE-071": "9 § 2 LSS (20-hour rule)",
         "LSS-CASE-072": "FK's standard amount (schablonbelopp)", "LSS-CASE-073": "FK's standard amount (schablonbelopp)",
         "LSS-CASE-074": "11 a § LSS", "LSS-CASE-075": "BR-LIN-04", "LSS-CASE-076": "9 § 2 LSS; FK's decision",
         "LSS-CASE-077": "FK's standard amount (schablonbelopp)"}
PRECEDENCE = {code: 70 + i for i, code in enumerate(sorted(BASIS))}
SEVERITY = {"LSS-CASE-073": "warning", "LSS-CASE-074": "warning", "LSS-CASE-076": "warning", "LSS-CASE-077": "warning"}


def fk_twenty_hours(con: duckdb.DuckDBPyConnection, ctx) -> None:
    """LSS-CASE-070..077 (module docstring)."""
    con.execute("""
    CREATE OR REPLACE TEMP TABLE k_lines AS
    WITH fk AS (
        SELECT invoice_id, received_seq FROM invoices
        WHERE (seller = ? OR claim_kind = 'fk') AND doc_kind = 'invoice' AND NOT credited
    ), l AS (
        SELECT l.*, fk.received_seq, count(d.client) > 0 AS covered, max(d.fk_hours_per_week) AS fk_hours
        FROM lines l JOIN fk USING (invoice_id)
        LEFT JOIN fk_decisions d ON d.client = l.client AND d.valid_from <= l.week + 6 AND d.valid_to >= l.week
        GROUP BY ALL
    )
    SELECT *,
           CASE WHEN covered AND quantity IS NOT NULL AND price IS NOT NULL THEN
                coalesce(sum(quantity) OVER (PARTITION BY client, week, covered AND quantity IS NOT NULL
                                                                        AND price IS NOT NULL
                                             ORDER BY received_seq, invoice_id, try_cast(line_id AS BIGINT) NULLS LAST,
                                                      line_id
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) END AS before
    FROM l
    """, [ctx.fk_seller])
    rows = con.execute("""
        SELECT invoice_id, line_id, client, week, quantity, price, net_amount, covered, fk_hours, before
        FROM k_lines WHERE invoice_id IN (SELECT invoice_id FROM target_invoices)
        ORDER BY invoice_id, try_cast(line_id AS BIGINT) NULLS LAST, line_id""").fetchall()
    findings: list[tuple] = []
    amounts: list[tuple] = []

    def add(code: str, inv: int, line_id: str, message: str, amount: Decimal = ZERO, seconds: int = 0) -> None:
        key = f"{code}:i{inv}:l{line_id}"
        findings.append((key, code, BASIS[code], SEVERITY.get(code, "error"), message, inv, PRECEDENCE[code]))
        if amount > ZERO:
            amounts.append((key, inv, line_id, amount, seconds))

    for inv, line_id, client, week, qty, price, net, covered, fk_hours, before in rows:
        net = Decimal(net)
        if client is None or week is None or qty is None or price is None:
            add("LSS-CASE-074", inv, line_id, f"line {line_id} of FK's invoice names no client, week, hours or "
                f"amount: {net:.2f} kr cannot be checked against FK's decisions and the 20-hour rule")
            continue
        qty, price = Decimal(qty), Decimal(price)
        who = f"line {line_id}: client {_masked(client)}, the week of {week.isoformat()}"
        if not covered:
            add("LSS-CASE-070", inv, line_id, f"{who}: no decision of FK's for the client is in force in that "
                f"week: the whole line ({net:.2f} kr) is not the municipality's to pay", net,
                int(qty * 3600))
            continue
        stated = line_amount(qty, price)
        if net > stated:
            add("LSS-CASE-075", inv, line_id, f"{who}: {qty:.2f} h × {price:.2f} = {stated:.2f} kr, the line says "
                f"{net:.2f} kr: {net - stated:.2f} kr beyond its own hours and amount", net - stated)
        before = Decimal(before)
        excess = min(qty, max(ZERO, before + qty - TWENTY))
        if excess > ZERO:
            earlier = f" ({before:.2f} h of the week on earlier lines)" if before else ""
            add("LSS-CASE-071", inv, line_id, f"{who}: {before + qty:.2f} h billed for the week{earlier}, the "
                f"municipality pays the first 20: {excess:.2f} h × {price:.2f} = {line_amount(excess, price):.2f} kr",
                line_amount(excess, price), int(excess * 3600))
        if fk_hours is not None and Decimal(fk_hours) < TWENTY and before + qty > Decimal(fk_hours):
            add("LSS-CASE-076", inv, line_id, f"{who}: {before + qty:.2f} h billed for the week, FK's decision "
                f"grants {Decimal(fk_hours):.2f} h per week")
        year = week.year
        amount = ctx.fk_amounts.get(year)
        if amount is None:
            add("LSS-CASE-073", inv, line_id, f"{who}: FK's standard amount for {year} is unknown here "
                f"(standard amount unknown for {year}); the price {price:.2f} kr/h cannot be checked")
            continue
        amount = Decimal(amount)
        hours = qty - excess
        if price > amount:
            diff = line_amount(hours, price) - line_amount(hours, amount)
            add("LSS-CASE-072", inv, line_id, f"{who}: {price:.2f} kr/h, FK's standard amount for {year} is "
                f"{amount:.2f} kr/h: {hours:.2f} × {price:.2f} − {hours:.2f} × {amount:.2f} = {diff:.2f} kr", diff,
                int(hours * 3600))
        elif price < amount:
            add("LSS-CASE-077", inv, line_id, f"{who}: {price:.2f} kr/h is below FK's standard amount for {year}, "
                f"{amount:.2f} kr/h")
    if findings:
        con.executemany("INSERT INTO f_findings VALUES (?, ?, ?, ?, ?, NULL, ?, ?)", findings)
    if amounts:
        con.executemany("INSERT INTO f_amounts VALUES (?, ?, ?, ?, ?)", amounts)


def _masked(pnr: str) -> str:
    """As the SQL macro ``masked()`` (:mod:`invoices.casework.frame`): the last four digits."""
    return "********-" + pnr.replace("-", "")[-4:]
