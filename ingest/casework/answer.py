"""The Invoice Response (Peppol BIS T111) of a case decision, built from the store's rows.

The ingest answers from the parsed message (:class:`ingest.replies.Replier`); a decision comes
days later, when the message is archived, so its response is built from the stored invoice
(:class:`~ingest.casework.cases.StoredInvoice`) with the same builder
(:class:`peppol.responses.InvoiceResponse`) and checked the same way
(:meth:`ingest.replies.Replier.check`: the complete official T111 rules of the releases in
force on the response's issue date) before anything is stored.

Who answers whom (BIS T111, "Parties"): the sender is the buyer (us, the municipality, as the
ingest's answers name it), the receiver the seller at its electronic address (BT-34, the
invoice's ``cac:AccountingSupplierParty/cac:Party/cbc:EndpointID``); the invoice is referred
to by number, issue date and type code (BT-1..BT-3; a type code the T111 rules' UNTDID 1001
list lacks is answered as 380/381, as the ingest does).

Clarifications (``cac:Status``), by status
    * UQ, CA, RE carry one clarification **per finding** of the latest check run (PEPPOL-T111-R001
      needs at least one clarification code for them): the reason code of the finding's kind
      (:data:`REASON_OF_CODE`) and a text naming the finding's code, hours, amount, legal basis
      and message (personnummer masked). T111 sets no upper bound on ``cac:Status`` (0..n); like
      the ingest (:data:`ingest.replies.MAX_CLARIFICATIONS`) at most 20 are listed, the rest
      summed up in one more ``OTH`` clarification.
    * The officer's own words go into one more clarification, with the action asked of the
      seller, as the official use cases do: UQ → ``PIN`` "provide information" (use case 6a);
      CA → ``CNP`` "credit partially" with a ``cac:Condition`` naming BT-115 (amount due for
      payment) and the accepted amount as the value the buyer proposes (use cases 5 and 6c:
      the condition names the business term and the value); RE → the officer's reason as
      ``OTH`` with its text (PEPPOL-T111-R002: OTH carries a text), then ``CNF`` "credit fully"
      and ``NIN`` "issue new invoice" (use case 4c, rejected requesting replacement: an
      invoice the buyer will not process stays in the seller's books until credited).
    * AP carries none (use case 3); PD has the payment date as ``cbc:EffectiveDate`` (use case
      7) and, after a CA for less than the invoice, ``PPD`` "partially paid" with the amount
      paid (PEPPOL-T111-R004: PPD needs a text; R005: only with PD).

Why these reason codes (OpenPeppol code list ``OPStatusReason``, :data:`peppol.codes.STATUS_REASON_CODES`)
    ``QTY`` (quantity incorrect) for hours billed that are not owed: twice (LSS-CASE-001/002),
    beyond the decision (022, 023, 030), more than the time reports show (040), past FK's 20
    hours (071); ``PRI`` (prices incorrect) for rates and amounts (041, 043, 044, 072, 075,
    077, and 081: more than the actual sick-pay extra cost); ``LEG`` (legal information
    incorrect: not as the law requires) for work 9 d § LSS says is no cost of personal
    assistance (010-012 its points 1-3, 060-065 point 4, the working-time limits); ``REF``
    (references incorrect) for what refers to a decision we do not know or that is not the
    client's (020, 021, 042 a line naming no decision, 070 no FK decision); ``ITM`` (items
    not received) where the service billed was not performed (080, 084: no substitute
    worked); ``OTH`` with the text for the rest (013 an assistant not in the register, the time
    reports' formalities 050-055, 073, 074, 076, 082, 083), as the ingest does for what no
    code names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoices.model import mask_personal_numbers
from peppol import codes
from peppol.responses import (
    UNCL1001_CODES, Clarification, Condition, Endpoint, InvoiceReference, InvoiceResponse, InvoiceStatus,
    ResponseParty,
)

from ..municipal import Receiver
from ..replies import MAX_CLARIFICATIONS
from .cases import CaseFinding, StoredInvoice

__all__ = ["REASON_OF_CODE", "AMOUNT_DUE", "Answer", "reason_code", "finding_clarifications", "response_id",
           "build_response"]

MAX_TEXT = 1000  # as the ingest's clarifications (ingest.replies.clarification)
AMOUNT_DUE = "BT-115"  # Amount due for payment: the term a CA's accepted amount is a condition on

REASON_OF_CODE: dict[str, str] = {
    **{c: "QTY" for c in ("LSS-CASE-001", "LSS-CASE-002", "LSS-CASE-022", "LSS-CASE-023", "LSS-CASE-030",
                          "LSS-CASE-040", "LSS-CASE-071")},
    **{c: "PRI" for c in ("LSS-CASE-041", "LSS-CASE-043", "LSS-CASE-044", "LSS-CASE-072", "LSS-CASE-075",
                          "LSS-CASE-077", "LSS-CASE-081")},
    **{c: "LEG" for c in ("LSS-CASE-010", "LSS-CASE-011", "LSS-CASE-012", "LSS-CASE-060", "LSS-CASE-061",
                          "LSS-CASE-062", "LSS-CASE-063", "LSS-CASE-064", "LSS-CASE-065")},
    **{c: "REF" for c in ("LSS-CASE-020", "LSS-CASE-021", "LSS-CASE-042", "LSS-CASE-070")},
    **{c: "ITM" for c in ("LSS-CASE-080", "LSS-CASE-084")},
}
"""Finding code → OPStatusReason code (module docstring); any other code: ``OTH``."""


def reason_code(finding_code: str) -> str:
    """The clarification reason code of a finding (``OTH`` when no code names its kind)."""
    return REASON_OF_CODE.get(finding_code, "OTH")


def _text(value: str) -> str:
    return mask_personal_numbers(" ".join(value.split()))[:MAX_TEXT]


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def finding_clarifications(findings: list[CaseFinding], currency: str) -> list[Clarification]:
    """One clarification per finding (at most :data:`ingest.replies.MAX_CLARIFICATIONS`, then
    one for the rest): its reason code and ``CODE (severity): H h, A CUR not reimbursed
    [basis]: message``."""
    out = []
    for f in findings[:MAX_CLARIFICATIONS]:
        level = "" if f.severity == "error" else f" ({f.severity})"
        out.append(Clarification.status_reason(reason_code(f.code), _text(
            f"{f.code}{level}: {f.hours} h, {_money(f.amount)} {currency} [{f.basis}]: {f.message}")))
    rest = findings[MAX_CLARIFICATIONS:]
    if rest:
        total = sum((f.amount for f in rest), Decimal(0))
        out.append(Clarification.status_reason("OTH", f"{len(rest)} more finding(s) not listed, "
                                                      f"{_money(total)} {currency} in all"))
    return out


@dataclass(frozen=True)
class Answer:
    """What a decision says in its response: the status, the officer's text, the accepted
    amount of a CA, the amount paid after a CA (PD), and the findings answered."""

    status: InvoiceStatus
    text: str | None = None
    amount: Decimal | None = None
    paid_after_ca: Decimal | None = None
    findings: tuple[CaseFinding, ...] = ()


def _clarifications(answer: Answer, inv: StoredInvoice) -> tuple[list[Clarification], str | None]:
    """(clarifications, note) of the response (module docstring)."""
    cur, status, text = inv.currency, answer.status, answer.text and _text(answer.text)
    listed = finding_clarifications(list(answer.findings), cur)
    if status is InvoiceStatus.UNDER_QUERY:
        return listed + [Clarification.action("PIN", text)], None
    if status is InvoiceStatus.CONDITIONALLY_ACCEPTED:
        amount = answer.amount
        asked = text or (f"Accepted {_money(amount)} {cur} of {_money(inv.payable)} {cur}: please credit "
                         f"{_money(inv.payable - amount)} {cur}.")
        return listed + [Clarification.action("CNP", asked, [Condition(attribute_id=AMOUNT_DUE,
                                                                       description=_money(amount))])], None
    if status is InvoiceStatus.REJECTED:
        return ([Clarification.status_reason("OTH", text)] + listed
                + [Clarification.action("CNF"), Clarification.action("NIN")]), None
    if status is InvoiceStatus.PAID and answer.paid_after_ca is not None and answer.paid_after_ca != inv.payable:
        paid = Clarification.status_reason(
            "PPD", f"Paid {_money(answer.paid_after_ca)} {cur} of {_money(inv.payable)} {cur}, "
                   "as conditionally accepted.")
        return [paid], text
    return [], text


def response_id(receiver: Receiver, inv: StoredInvoice, status: str, round: int) -> str:
    """``<municipality>-<document id>-T111-<status>-r<round>``: the ingest's scheme
    (:meth:`ingest.replies.Replier.response_id`) with the round, unique per round."""
    return f"{receiver.slug}-{inv.document_id:08d}-T111-{status}-r{round}"


def _type_code(inv: StoredInvoice) -> str:
    code = (inv.type_code or "").strip()
    if code in (codes.INVOICE_TYPE_CODES | codes.CREDIT_NOTE_TYPE_CODES) & UNCL1001_CODES:
        return code
    return codes.CREDIT_NOTE if inv.kind == "creditnote" else codes.INVOICE


def build_response(receiver: Receiver, inv: StoredInvoice, answer: Answer, *, id: str,
                   issue_date: date) -> InvoiceResponse:
    """The T111 answering ``inv`` (the builder's pre-checks run; the caller validates the XML
    against the complete official rules before storing it)."""
    clarifications, note = _clarifications(answer, inv)
    return InvoiceResponse(
        id=id, issue_date=issue_date, note=note,
        sender=ResponseParty(endpoint=Endpoint(scheme=receiver.endpoint_scheme, id=receiver.endpoint_id),
                             name=receiver.name),
        receiver=ResponseParty(endpoint=Endpoint.parse(inv.seller_endpoint), name=inv.seller_name),
        response_code=answer.status,
        effective_date=issue_date if answer.status is InvoiceStatus.PAID else None,
        clarifications=tuple(clarifications),
        document_reference=InvoiceReference(id=inv.number, issue_date=inv.issue_date, type_code=_type_code(inv)))
