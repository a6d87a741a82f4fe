"""Credit notes: crediting an earlier invoice in full (BG-3 refers to it).

An invoice is corrected by crediting it and issuing a new one. The credit note copies the
original's lines, quantities and prices, its buyer, buyer reference and order reference,
and is refused when the original is a credit note (``not_an_invoice``) or was issued by
another seller (``not_our_invoice``).
"""
from __future__ import annotations

from datetime import date

from peppol import codes
from peppol.model import Document, PrecedingInvoice

from .drafts import BuildOptions, BuildRefused, InvoiceDraft, Plan, refuse_personal_data
from .input_errors import InputError, InputErrors
from .model import Provider

__all__ = ["plan_credit_note", "read_original"]


def read_original(data: bytes, name: str = "invoice") -> Document:
    """An earlier invoice as written (UBL, or UBL in an SBDH envelope). Raises
    :class:`InputErrors` naming ``name`` when it cannot be read."""
    from peppol.reader import UblReadError, from_ubl
    from peppol.sbdh import SbdhError, unwrap

    try:
        head = data.lstrip()[:4096]
        if b"StandardBusinessDocument" in head and b"StandardBusinessDocumentHeader" in data:
            return from_ubl(unwrap(data).payload)
        return from_ubl(data)
    except (UblReadError, SbdhError, ValueError) as exc:
        raise InputErrors([InputError(name, None, None, f"not a readable BIS 3 invoice: {exc}")]) from None


def plan_credit_note(original: Document, provider: Provider, options: BuildOptions | None = None,
                     reason: str | None = None) -> Plan:
    """A CreditNote crediting ``original`` in full (same lines, quantities and prices),
    referring to it (BG-3), for the same buyer and buyer reference. Correct an invoice by
    crediting it and issuing a new one. ``reason`` goes into the note: no personal data."""
    options = options or BuildOptions(issue_date=date.today())
    if original.kind != "invoice":
        raise BuildRefused("not_an_invoice", f"{original.id} is a credit note; only an invoice is credited")
    seller_org = original.seller.legal_registration_id.value if original.seller.legal_registration_id else None
    if original.seller.endpoint.value != provider.org_nr and seller_org != provider.org_nr:
        raise BuildRefused(
            "not_our_invoice",
            f"invoice {original.id} was issued by {original.seller.registration_name} "
            f"({original.seller.endpoint}), not by this provider ({codes.EAS_SE_ORGNR}:{provider.org_nr})")
    note = f"Kreditnota: krediterar faktura {original.id} av {original.issue_date.isoformat()} i sin helhet."
    if reason and reason.strip():
        note += f" Orsak: {' '.join(reason.split())}"
    period = original.invoice_period
    start = period.start if period and period.start else original.issue_date
    end = period.end if period and period.end else start
    lines = tuple(ln.model_copy() for ln in original.lines)
    draft = InvoiceDraft(
        claim_kind="credit", buyer_name=original.buyer.registration_name, seller=original.seller,
        buyer=original.buyer, buyer_reference=original.buyer_reference,
        order_reference=original.order_reference, period=(start, end), issue_date=options.issue_date,
        due_date=None, payment_terms=f"Kreditering av faktura {original.id}", note=note, lines=lines,
        vat_exemptions=tuple(original.vat_exemptions), document_kind="creditnote",
        preceding=PrecedingInvoice(id=original.id, issue_date=original.issue_date), credits=original.id,
    )
    refuse_personal_data(draft, ())
    return Plan("credit", f"{start:%Y-%m}", draft.buyer_name, [draft])
