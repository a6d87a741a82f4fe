"""The stated figures of a received sick-pay claim: read during the analysis, stored with it.

A document is a sick-pay claim when a line reads as one (:func:`invoices.casework.lines.line_reference`:
the seller's item id ``LSS-sickpay-*`` or a description starting "Merkostnad sjuklön"). Its
calculation is the embedded supporting document ``SJ-1`` (BT-122), read by the provider side's
own reader (:func:`invoices.sickpay_statement.read_stated_claim`) from the decoded bytes.

Finding (severity warning, step ``sickpay``; the invoice is stored all the same)
    ``LSS-SP-001`` a claim without a readable calculation: none attached, or one that cannot
    be read (the message names the row). The case work then has no stated figures to recompute
    the claim from and disputes it (LSS-CASE-083). Not given to a credit note. Personnummer
    in messages are masked.

Storing (:func:`insert_sick_claim`, in the final transaction): one ``sick_claims`` row.
"""
from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from invoices.casework.lines import line_reference
from invoices.model import mask_personal_numbers
from invoices.sickpay_statement import CALCULATION_ID, StatedClaim, StatementUnreadable, read_stated_claim
from validate.findings import Finding, Severity

from . import tables as t
from .rows import column_problem

__all__ = ["NO_CALCULATION_RULE", "STEP", "insert_sick_claim", "take_in_claim"]

STEP = "sickpay"
NO_CALCULATION_RULE = "LSS-SP-001"


def _is_claim(document) -> bool:
    return any(line_reference(ln.item_name, ln.item_description, ln.seller_item_id, None, None, set()).claim
               == "sickpay" for ln in document.lines)


def _row(invoice_id: int | None, claim: StatedClaim) -> dict:
    return dict(
        invoice_id=invoice_id, client_pnr=claim.client, sick_assistant_pnr=claim.sick_assistant,
        sick_days=",".join(d.isoformat() for d in claim.days), sick_pay=claim.sick_pay,
        holiday_pct=claim.holiday_pct, contributions_pct=claim.contributions_pct,
        insurance_pct=claim.insurance_pct, pension_pct=claim.pension_pct,
        contributions_base=claim.contributions_base, insurance_base=claim.insurance_base,
        pension_base=claim.pension_base, karens_date=claim.karens_date,
        no_karens_reason=claim.no_karens_reason)


def _unstorable(claim: StatedClaim) -> list[str]:
    """A problem per value ``sick_claims`` cannot hold on every database (checked here, so the
    final transaction never fails on one)."""
    return [f"{name}: {problem}" for name, value in _row(None, claim).items()
            if (problem := column_problem(t.sick_claims, name, value))]


def take_in_claim(document) -> tuple[StatedClaim | None, list[Finding]]:
    """The stated figures of a read BIS document (``peppol.model.Document``) that is a sick-pay
    claim, and the finding when they cannot be read (module notes); (None, []) for any other."""
    if document.kind == "creditnote" or not _is_claim(document):
        return None, []
    calculation = next((a for a in document.attachments if a.id == CALCULATION_ID and a.content), None)
    if calculation is None:
        problem = f"no embedded calculation {CALCULATION_ID} (BT-122) attached"
    else:
        try:
            claim = read_stated_claim(calculation.content)
            problems = _unstorable(claim)
            if not problems:
                return claim, []
            problem = f"the calculation {CALCULATION_ID} holds values the store cannot hold: {'; '.join(problems)}"
        except StatementUnreadable as exc:
            problem = f"the calculation {CALCULATION_ID} cannot be read: {exc}"
        except Exception as exc:  # a bug of ours on this input: the invoice is stored all the same
            problem = f"the calculation {CALCULATION_ID} could not be read ({type(exc).__name__})"
    message = f"sick-pay claim: {mask_personal_numbers(problem)}; the claim cannot be recomputed"
    return None, [Finding(NO_CALCULATION_RULE, Severity.WARNING, message, step=STEP)]


def insert_sick_claim(conn: Connection, invoice_id: int, claim: StatedClaim | None) -> None:
    """Store a stored invoice's stated claim (nothing when there is none)."""
    if claim is None:
        return
    conn.execute(insert(t.sick_claims).values(**_row(invoice_id, claim)))
