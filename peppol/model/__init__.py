"""Pydantic v2 model of a Peppol BIS Billing 3.0 Invoice or CreditNote.

Field names follow the business terms of EN 16931-1 (the semantic model the BIS is built
on); each field's description cites its ``BT-``/``BG-`` number. Money is
:class:`decimal.Decimal` everywhere: a ``float`` is refused.

What the model checks on construction (each error message starts with the field it is
about, and cites the rule):

* amounts have at most 2 decimals (BR-DEC-*), prices are not negative (BR-27, BR-28), base
  quantity is positive (PEPPOL-EN16931-R121);
* code lists: document type (BR-CL-01), VAT category (BR-CL-17/18), VATEX (BR-CL-22),
  payment means (BR-CL-16), attachment MIME code (BR-CL-24), endpoint scheme (BR-CL-25);
* VAT rates per category (BR-S-05, BR-Z-05, BR-E-05, BR-O-05, …), exemption reasons per
  category (BR-E-10, BR-S-10, …), the seller VAT/tax registration for VAT categories
  S/Z/E/L/M (BR-S-02, BR-Z-02, BR-E-02, BR-AF-02, BR-AG-02);
* the line net amount (BT-131) against quantity × price ÷ base quantity + charges −
  allowances (PEPPOL-EN16931-R120, 0.02 tolerance) — when it is not given it is computed;
* allowance/charge amount against base × percentage (PEPPOL-EN16931-R040/R041/R042);
* the Peppol document rules R002 (one note), R003 (buyer reference or order reference),
  R005/R054 (VAT accounting currency), R110/R111 (line periods inside the invoice period);
* Swedish sellers (country SE): organisation number (SE-R-003/004/013), VAT number
  (SE-R-001/002), F-tax text (SE-R-005);
* BR-CO-25: a positive amount due needs a due date (BT-9) or payment terms (BT-20).

Totals (BG-22) and the VAT breakdown (BG-23) are not stored: :meth:`Document.totals` and
:meth:`Document.vat_breakdown` compute them with the EN 16931 calculation rules
(BR-CO-10…BR-CO-17). Rounding: every computed amount that can have more than two decimals
(VAT per category, a computed line net amount) is rounded once, to 2 decimals, half away
from zero (``ROUND_HALF_UP`` in :mod:`decimal`: 0.125 → 0.13, −0.125 → −0.13); sums of
2-decimal amounts are exact.

The model is split by part of the document: :mod:`._base` (scalar types, rounding),
:mod:`.parties`, :mod:`.payment`, :mod:`.lines` and :mod:`.document`; every name is
imported from here (``from peppol.model import Document``).
"""
from __future__ import annotations

from ._base import (CENT, R120_TOLERANCE, XML_WHITESPACE, Amount, Code, CountryCode, CurrencyCode, Number, Text,
                    round_amount)
from .document import Attachment, Document, PrecedingInvoice, Totals, VatBreakdown
from .lines import AllowanceCharge, ItemAttribute, ItemClassification, Line, LineAllowanceCharge, VatExemption
from .parties import Address, Buyer, Contact, Delivery, EndpointId, Identifier, Payee, Period, Seller, TaxRepresentative
from .payment import PaymentMeans

__all__ = [
    "CENT", "R120_TOLERANCE", "round_amount", "XML_WHITESPACE",
    "Amount", "Number", "Text", "Code", "CountryCode", "CurrencyCode",
    "Period", "Address", "Contact", "Identifier", "EndpointId",
    "Seller", "Buyer", "Payee", "TaxRepresentative", "Delivery",
    "PaymentMeans", "AllowanceCharge", "LineAllowanceCharge", "VatExemption",
    "ItemClassification", "ItemAttribute", "Line", "Attachment", "PrecedingInvoice",
    "VatBreakdown", "Totals", "Document",
]
