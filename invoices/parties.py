"""Who sells, who buys, and how the invoice is paid (Peppol BIS Billing 3.0, Swedish rules).

* BuyerReference (BT-10): the municipality's reference code (registry; Tjörn TK2044,
  Borås YY307K). A buyer without one is refused (``no_reference_code``).
* Endpoints: ``0007:<org nr>`` for seller and buyer (the buyer's Peppol ID from the
  registry); legal registration ids with scheme 0007.
* The seller's F-tax approval as tax registration (BT-32, "Godkänd för F-skatt",
  SE-R-005); a provider without F-tax and without VAT number is refused
  (``no_tax_registration``, BR-E-02).
* PaymentMeans code 30: bankgiro (``SE:BANKGIRO``), plusgiro (``SE:PLUSGIRO``) and/or
  IBAN (with BIC), in that order, each with the invoice number as payment reference.
* Due date: issue date + the municipality's payment terms in days (registry; Tjörn's 30
  is a documented default), overridable with ``BuildOptions.payment_terms_days``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import ValidationError

from peppol import codes
from peppol.model import Address as PeppolAddress
from peppol.model import Buyer, Contact, Identifier, PaymentMeans, Seller

from .drafts import BuildOptions, BuildRefused, pydantic_message
from .model import Provider
from .registry import Municipality

__all__ = ["Parties", "parties_for"]


@dataclass(frozen=True)
class Parties:
    """The parts of an hours or sick-pay invoice that depend on the provider and the buyer."""

    seller: Seller
    buyer: Buyer
    buyer_reference: str
    due_date: date
    payment_terms: str
    payment_means: tuple[PaymentMeans, ...]


def parties_for(provider: Provider, m: Municipality, options: BuildOptions) -> Parties:
    """Seller, buyer, reference, due date and payment means; refusals as in the module notes."""
    if not provider.f_tax and not provider.vat_number:
        raise BuildRefused(
            "no_tax_registration",
            "the provider has neither F-tax approval nor a VAT number; a VAT-exempt (category E) invoice needs "
            "the seller's tax registration (BT-32 'Godkänd för F-skatt') or VAT identifier (BR-E-02)",
        )
    if m.reference_code is None:
        raise BuildRefused(
            "no_reference_code",
            f"{m.display_name}: no sourced reference code (BuyerReference, BT-10) in the registry ({m.origin}); "
            "add reference_code to the municipality's registry file",
        )
    if options.payment_terms_days is not None:
        days = options.payment_terms_days
    elif m.payment_terms_days is not None:
        days = m.payment_terms_days.value
    else:
        raise BuildRefused(
            "no_payment_terms",
            f"{m.display_name}: no payment terms in the registry ({m.origin}); add payment_terms_days there "
            "or give the terms explicitly",
        )
    if days < 0:
        raise BuildRefused("no_payment_terms", f"payment terms cannot be negative ({days} days)")
    try:
        org = provider.org_nr
        seller = Seller(
            registration_name=provider.name,
            endpoint=f"{codes.EAS_SE_ORGNR}:{org}",
            legal_registration_id=Identifier(value=org, scheme=codes.EAS_SE_ORGNR),
            vat_id=provider.vat_number,
            tax_registration_id=codes.SE_F_TAX_TEXT if provider.f_tax else None,
            address=PeppolAddress(street=provider.address.street, postal_code=provider.address.postal_code,
                                  city=provider.address.city, country=provider.address.country),
            contact=Contact(name=provider.contact.name, telephone=provider.contact.phone,
                            email=provider.contact.email),
        )
        buyer = Buyer(
            registration_name=m.display_name,
            endpoint=m.peppol_id.value if m.peppol_id else f"{codes.EAS_SE_ORGNR}:{m.org_nr.value}",
            legal_registration_id=Identifier(value=m.org_nr.value, scheme=codes.EAS_SE_ORGNR),
            address=_buyer_address(m),
        )
        means: list[PaymentMeans] = []
        if provider.bankgiro:
            means.append(PaymentMeans.bankgiro(provider.bankgiro))
        if provider.plusgiro:
            means.append(PaymentMeans.plusgiro(provider.plusgiro))
        if provider.iban:
            means.append(PaymentMeans.iban(provider.iban, provider.bic))
    except (ValidationError, ValueError) as exc:
        detail = pydantic_message(exc) if isinstance(exc, ValidationError) else str(exc)
        raise BuildRefused("document_invalid",
                           f"the provider profile or the buyer cannot be invoiced: {detail}") from None
    return Parties(
        seller=seller, buyer=buyer, buyer_reference=m.reference_code.value,
        due_date=options.issue_date + timedelta(days=days),
        payment_terms=f"Betalningsvillkor {days} dagar netto",
        payment_means=tuple(means),
    )


def _buyer_address(m: Municipality) -> PeppolAddress:
    if m.invoice_address is None:
        return PeppolAddress(country="SE")
    a = m.invoice_address.value
    lines = list(a.lines)
    if lines and " ".join(lines[0].split()).casefold() == " ".join(m.display_name.split()).casefold():
        lines = lines[1:]  # the first line is the buyer's name, which BT-44 already carries
    return PeppolAddress(
        street=lines[0] if lines else None,
        additional_street=lines[1] if len(lines) > 1 else None,
        address_line=", ".join(lines[2:]) or None,
        postal_code=a.postal_code, city=a.city, country=a.country,
    )
