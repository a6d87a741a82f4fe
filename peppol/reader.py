"""UBL 2.1 reader for Peppol BIS Billing 3.0 documents: :func:`from_ubl` and :func:`read_ubl`.

Reads an Invoice or CreditNote into :class:`~peppol.model.Document`. Elements the model does
not hold (UBL extensions, Signature, line-level TaxTotal, item properties beyond BG-32, …)
are ignored. The document's own totals (BG-22) and VAT breakdown (BG-23) are not part of
the model, which computes them; :func:`read_ubl` returns them beside the document so a
caller can compare stated and computed values.

Input: an lxml tree or element already parsed by the caller (the project parses with its
hardened parser), or bytes, parsed here without entity resolution, network access or DTD
loading, refusing a DOCTYPE. A StandardBusinessDocument is refused: unwrap it first
(:func:`peppol.sbdh.unwrap`).

Errors are :class:`UblReadError` (a :class:`ValueError`) whose message says where; for a
document the model rejects, ``errors`` holds pydantic's error list.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree
from pydantic import ValidationError

from . import codes
from ._xml import XmlInputError, root_of
from .model import XML_WHITESPACE, Attachment, Document, Totals, VatBreakdown

__all__ = ["UblReadError", "ReadResult", "from_ubl", "read_ubl"]

NS = {"cac": codes.UBL_CAC_NS, "cbc": codes.UBL_CBC_NS}


class UblReadError(ValueError):
    """The input is not a readable BIS 3 Invoice/CreditNote."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.errors = errors or []


@dataclass
class ReadResult:
    """A document with the totals and VAT breakdown it states."""

    document: Document
    stated_totals: Totals | None = None
    stated_vat_breakdown: list[VatBreakdown] = field(default_factory=list)
    stated_tax_total: Decimal | None = None
    """BT-110 as stated in the TaxTotal with subtotals."""


# ----------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------

def _path(el: etree._Element) -> str:
    return el.getroottree().getpath(el) if el.getroottree() is not None else el.tag


@lru_cache(maxsize=None)
def _child_steps(path: str) -> tuple[str, ...] | None:
    """``cac:A/cbc:B`` as Clark names (``{urn…}A``, ``{urn…}B``); None for any other path."""
    steps = []
    for step in path.split("/"):
        prefix, _, local = step.partition(":")
        if prefix not in NS or not local.isalnum():
            return None
        steps.append(f"{{{NS[prefix]}}}{local}")
    return tuple(steps)


def _walk(el: etree._Element, steps: tuple[str, ...], depth: int = 0) -> Iterator[etree._Element]:
    """Elements at the end of a child path, in document order (as ElementPath gives them)."""
    last = depth == len(steps) - 1
    for child in el.iterchildren(steps[depth]):
        if last:
            yield child
        else:
            yield from _walk(child, steps, depth + 1)


# The reader asks for some 170 paths per invoice. lxml's find() runs ElementPath (Python) for
# each; walking the children by Clark name (iterchildren filters in C) gives the same elements
# in the same order several times faster. Any other path still goes to ElementPath.
def _find(el: etree._Element | None, path: str) -> etree._Element | None:
    if el is None:
        return None
    steps = _child_steps(path)
    if steps is None:
        return el.find(path, NS)
    return next(_walk(el, steps), None)


def _all(el: etree._Element | None, path: str) -> list[etree._Element]:
    if el is None:
        return []
    steps = _child_steps(path)
    return el.findall(path, NS) if steps is None else list(_walk(el, steps))


def _text(el: etree._Element | None, path: str | None = None) -> str | None:
    node = el if path is None else _find(el, path)
    if node is None or node.text is None:
        return None
    # XML white space only: a no-break space is content to the rules (normalize-space), and
    # so to the model.
    text = node.text.strip(XML_WHITESPACE)
    return text or None


def _decimal(el: etree._Element | None, path: str | None = None) -> Decimal | None:
    node = el if path is None else _find(el, path)
    text = _text(node)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UblReadError(f"{_path(node)}: {text!r} is not a number") from None
    if not value.is_finite():
        raise UblReadError(f"{_path(node)}: {text!r} is not a finite number")
    return value


def _date(el: etree._Element | None, path: str) -> dt.date | None:
    node = _find(el, path)
    text = _text(node)
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UblReadError(f"{_path(node)}: {text!r} is not a date YYYY-MM-DD") from None


def _identifier(node: etree._Element | None) -> dict[str, Any] | None:
    value = _text(node)
    if value is None:
        return None
    scheme = node.get("schemeID")
    return {"value": value, "scheme": scheme.strip() if scheme and scheme.strip() else None}


def _prune(data: Any) -> Any:
    """Drop None values and empty lists/dicts so model defaults apply."""
    if isinstance(data, dict):
        out = {k: _prune(v) for k, v in data.items()}
        return {k: v for k, v in out.items() if v is not None and v != [] and v != {}}
    if isinstance(data, list):
        return [_prune(v) for v in data]
    return data


# ----------------------------------------------------------------------------------------
# Parts
# ----------------------------------------------------------------------------------------

def _period(el: etree._Element | None) -> dict[str, Any] | None:
    if el is None:
        return None
    period = {"start": _date(el, "cbc:StartDate"), "end": _date(el, "cbc:EndDate")}
    return period if any(period.values()) else None


def _address(el: etree._Element | None) -> dict[str, Any] | None:
    if el is None:
        return None
    return {
        "street": _text(el, "cbc:StreetName"),
        "additional_street": _text(el, "cbc:AdditionalStreetName"),
        "address_line": _text(el, "cac:AddressLine/cbc:Line"),
        "city": _text(el, "cbc:CityName"),
        "postal_code": _text(el, "cbc:PostalZone"),
        "subdivision": _text(el, "cbc:CountrySubentity"),
        "country": _text(el, "cac:Country/cbc:IdentificationCode"),
    }


def _party(el: etree._Element | None, *, seller: bool) -> dict[str, Any] | None:
    party = _find(el, "cac:Party")
    if party is None:
        return None
    vat_id = None
    tax_registration = None
    for scheme in _all(party, "cac:PartyTaxScheme"):
        company_id = _text(scheme, "cbc:CompanyID")
        if (_text(scheme, "cac:TaxScheme/cbc:ID") or "").upper() == codes.TAX_SCHEME_VAT:
            vat_id = vat_id or company_id
        else:
            tax_registration = tax_registration or company_id
    endpoint = _find(party, "cbc:EndpointID")
    contact = _find(party, "cac:Contact")
    data: dict[str, Any] = {
        "registration_name": _text(party, "cac:PartyLegalEntity/cbc:RegistrationName"),
        "name": _text(party, "cac:PartyName/cbc:Name"),
        "endpoint": None if endpoint is None else {"scheme": endpoint.get("schemeID"), "value": _text(endpoint)},
        "identifiers": [i for i in (_identifier(n) for n in _all(party, "cac:PartyIdentification/cbc:ID")) if i],
        "legal_registration_id": _identifier(_find(party, "cac:PartyLegalEntity/cbc:CompanyID")),
        "vat_id": vat_id,
        "address": _address(_find(party, "cac:PostalAddress")),
        "contact": None if contact is None else {
            "name": _text(contact, "cbc:Name"),
            "telephone": _text(contact, "cbc:Telephone"),
            "email": _text(contact, "cbc:ElectronicMail"),
        },
    }
    if seller:
        data["tax_registration_id"] = tax_registration
        data["legal_form"] = _text(party, "cac:PartyLegalEntity/cbc:CompanyLegalForm")
    return data


def _payee(el: etree._Element | None) -> dict[str, Any] | None:
    if el is None:
        return None
    return {
        "name": _text(el, "cac:PartyName/cbc:Name"),
        "identifier": _identifier(_find(el, "cac:PartyIdentification/cbc:ID")),
        "legal_registration_id": _identifier(_find(el, "cac:PartyLegalEntity/cbc:CompanyID")),
    }


def _tax_representative(el: etree._Element | None) -> dict[str, Any] | None:
    if el is None:
        return None
    vat_id = None
    for scheme in _all(el, "cac:PartyTaxScheme"):
        if (_text(scheme, "cac:TaxScheme/cbc:ID") or "").upper() == codes.TAX_SCHEME_VAT:
            vat_id = _text(scheme, "cbc:CompanyID")
    return {"name": _text(el, "cac:PartyName/cbc:Name"), "vat_id": vat_id,
            "address": _address(_find(el, "cac:PostalAddress"))}


def _delivery(el: etree._Element | None) -> dict[str, Any] | None:
    if el is None:
        return None
    data = {
        "party_name": _text(el, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
        "location_id": _identifier(_find(el, "cac:DeliveryLocation/cbc:ID")),
        "date": _date(el, "cbc:ActualDeliveryDate"),
        "address": _address(_find(el, "cac:DeliveryLocation/cac:Address")),
    }
    return data if any(v is not None for v in data.values()) else None


def _payment_means(el: etree._Element) -> dict[str, Any]:
    code = _find(el, "cbc:PaymentMeansCode")
    return {
        "code": _text(code),
        "text": code.get("name").strip() if code is not None and code.get("name", "").strip() else None,
        "payment_id": _text(el, "cbc:PaymentID"),
        "account_id": _text(el, "cac:PayeeFinancialAccount/cbc:ID"),
        "account_name": _text(el, "cac:PayeeFinancialAccount/cbc:Name"),
        "branch_id": _text(el, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"),
        "card_number": _text(el, "cac:CardAccount/cbc:PrimaryAccountNumberID"),
        "card_network": _text(el, "cac:CardAccount/cbc:NetworkID"),
        "card_holder": _text(el, "cac:CardAccount/cbc:HolderName"),
        "mandate_id": _text(el, "cac:PaymentMandate/cbc:ID"),
        "debited_account": _text(el, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"),
    }


def _charge_indicator(el: etree._Element) -> bool | None:
    text = (_text(el, "cbc:ChargeIndicator") or "").lower()
    if text == "true":
        return True
    if text == "false":
        return False
    node = _find(el, "cbc:ChargeIndicator")
    raise UblReadError(f"{_path(node if node is not None else el)}: ChargeIndicator is 'true' or 'false' (PEPPOL-EN16931-R043)")


def _allowance_charge(el: etree._Element, *, document_level: bool) -> dict[str, Any]:
    data = {
        "is_charge": _charge_indicator(el),
        "amount": _decimal(el, "cbc:Amount"),
        "base_amount": _decimal(el, "cbc:BaseAmount"),
        "percentage": _decimal(el, "cbc:MultiplierFactorNumeric"),
        "reason": _text(el, "cbc:AllowanceChargeReason"),
        "reason_code": _text(el, "cbc:AllowanceChargeReasonCode"),
    }
    if document_level:
        data["vat_category"] = _text(el, "cac:TaxCategory/cbc:ID")
        data["vat_rate"] = _decimal(el, "cac:TaxCategory/cbc:Percent")
    return data


def _line(el: etree._Element, *, credit_note: bool) -> dict[str, Any]:
    quantity = _find(el, "cbc:CreditedQuantity" if credit_note else "cbc:InvoicedQuantity")
    item = _find(el, "cac:Item")
    price = _find(el, "cac:Price")
    discount = _find(price, "cac:AllowanceCharge")
    object_ref = None
    for ref in _all(el, "cac:DocumentReference"):
        if _text(ref, "cbc:DocumentTypeCode") == codes.DOCUMENT_TYPE_INVOICED_OBJECT:
            object_ref = _identifier(_find(ref, "cbc:ID"))
    return {
        "id": _text(el, "cbc:ID"),
        "note": _text(el, "cbc:Note"),
        "object_id": object_ref,
        "quantity": _decimal(quantity),
        "unit_code": None if quantity is None else (quantity.get("unitCode") or "").strip() or None,
        "net_amount": _decimal(el, "cbc:LineExtensionAmount"),
        "order_line_reference": _text(el, "cac:OrderLineReference/cbc:LineID"),
        "accounting_cost": _text(el, "cbc:AccountingCost"),
        "period": _period(_find(el, "cac:InvoicePeriod")),
        "allowances_charges": [_allowance_charge(ac, document_level=False) for ac in _all(el, "cac:AllowanceCharge")],
        "price": _decimal(price, "cbc:PriceAmount"),
        "price_discount": _decimal(discount, "cbc:Amount"),
        "gross_price": _decimal(discount, "cbc:BaseAmount"),
        "base_quantity": _decimal(price, "cbc:BaseQuantity"),
        "vat_category": _text(item, "cac:ClassifiedTaxCategory/cbc:ID"),
        "vat_rate": _decimal(item, "cac:ClassifiedTaxCategory/cbc:Percent"),
        "item_name": _text(item, "cbc:Name"),
        "item_description": _text(item, "cbc:Description"),
        "seller_item_id": _text(item, "cac:SellersItemIdentification/cbc:ID"),
        "buyer_item_id": _text(item, "cac:BuyersItemIdentification/cbc:ID"),
        "standard_item_id": _identifier(_find(item, "cac:StandardItemIdentification/cbc:ID")),
        "classifications": [
            {"code": _text(c), "list_id": c.get("listID"), "list_version": c.get("listVersionID")}
            for c in _all(item, "cac:CommodityClassification/cbc:ItemClassificationCode") if _text(c)
        ],
        "origin_country": _text(item, "cac:OriginCountry/cbc:IdentificationCode"),
        "attributes": [
            {"name": _text(p, "cbc:Name"), "value": _text(p, "cbc:Value")}
            for p in _all(item, "cac:AdditionalItemProperty")
        ],
    }


def _attachment(el: etree._Element) -> dict[str, Any]:
    binary = _find(el, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
    content = None
    if binary is not None and binary.text and binary.text.strip():
        try:
            content = Attachment.decode(binary.text)
        except ValueError as exc:
            raise UblReadError(f"{_path(binary)}: {exc}") from None
    return {
        "id": _text(el, "cbc:ID"),
        "description": _text(el, "cbc:DocumentDescription"),
        "uri": _text(el, "cac:Attachment/cac:ExternalReference/cbc:URI"),
        "content": content,
        "mime_code": None if binary is None else binary.get("mimeCode"),
        "filename": None if binary is None else binary.get("filename"),
    }


# ----------------------------------------------------------------------------------------
# Document
# ----------------------------------------------------------------------------------------

def _kind(root: etree._Element) -> str:
    qname = etree.QName(root)
    if qname.namespace == codes.SBDH_NS:
        raise UblReadError("this is a StandardBusinessDocument (SBDH envelope): unwrap it first with peppol.sbdh.unwrap")
    if qname.namespace == codes.UBL_INVOICE_NS and qname.localname == "Invoice":
        return "invoice"
    if qname.namespace == codes.UBL_CREDIT_NOTE_NS and qname.localname == "CreditNote":
        return "creditnote"
    raise UblReadError(f"not a UBL 2.1 Invoice or CreditNote: root element is {{{qname.namespace}}}{qname.localname}")


def _document_data(root: etree._Element, kind: str) -> dict[str, Any]:
    cn = kind == "creditnote"
    due_date = _date(root, "cac:PaymentMeans/cbc:PaymentDueDate") if cn else _date(root, "cbc:DueDate")
    order_id = _text(root, "cac:OrderReference/cbc:ID")
    sales_order = _text(root, "cac:OrderReference/cbc:SalesOrderID")
    if order_id == "NA" and sales_order:
        order_id = None  # the BIS fills the mandatory UBL ID with NA when only BT-14 is given
    invoiced_object = None
    project = _text(root, "cac:ProjectReference/cbc:ID")
    attachments = []
    for ref in _all(root, "cac:AdditionalDocumentReference"):
        type_code = _text(ref, "cbc:DocumentTypeCode")
        if type_code == codes.DOCUMENT_TYPE_INVOICED_OBJECT:
            invoiced_object = _identifier(_find(ref, "cbc:ID"))
        elif type_code == codes.DOCUMENT_TYPE_PROJECT and cn:
            project = _text(ref, "cbc:ID")
        else:
            attachments.append(_attachment(ref))
    exemptions = []
    tax_currency = _text(root, "cbc:TaxCurrencyCode")
    tax_in_tax_currency = None
    for total in _all(root, "cac:TaxTotal"):
        subtotals = _all(total, "cac:TaxSubtotal")
        if not subtotals:
            amount = _find(total, "cbc:TaxAmount")
            if tax_currency and amount is not None and amount.get("currencyID") == tax_currency:
                tax_in_tax_currency = _decimal(amount)
            continue
        for sub in subtotals:
            category = _find(sub, "cac:TaxCategory")
            code, reason = _text(category, "cbc:TaxExemptionReasonCode"), _text(category, "cbc:TaxExemptionReason")
            if code or reason:
                exemptions.append({"category": _text(category, "cbc:ID"), "reason_code": code, "reason": reason})
    return {
        "kind": kind,
        "customization_id": _text(root, "cbc:CustomizationID"),
        "profile_id": _text(root, "cbc:ProfileID"),
        "id": _text(root, "cbc:ID"),
        "issue_date": _date(root, "cbc:IssueDate"),
        "due_date": due_date,
        "type_code": _text(root, "cbc:CreditNoteTypeCode" if cn else "cbc:InvoiceTypeCode"),
        "notes": [t for t in (_text(n) for n in _all(root, "cbc:Note")) if t],
        "tax_point_date": _date(root, "cbc:TaxPointDate"),
        "currency": _text(root, "cbc:DocumentCurrencyCode"),
        "tax_currency": tax_currency,
        "accounting_cost": _text(root, "cbc:AccountingCost"),
        "buyer_reference": _text(root, "cbc:BuyerReference"),
        "invoice_period": _period(_find(root, "cac:InvoicePeriod")),
        "order_reference": order_id,
        "sales_order_reference": sales_order,
        "preceding_invoices": [
            {"id": _text(ref, "cbc:ID"), "issue_date": _date(ref, "cbc:IssueDate")}
            for ref in _all(root, "cac:BillingReference/cac:InvoiceDocumentReference")
        ],
        "despatch_advice_reference": _text(root, "cac:DespatchDocumentReference/cbc:ID"),
        "receiving_advice_reference": _text(root, "cac:ReceiptDocumentReference/cbc:ID"),
        "tender_reference": _text(root, "cac:OriginatorDocumentReference/cbc:ID"),
        "contract_reference": _text(root, "cac:ContractDocumentReference/cbc:ID"),
        "invoiced_object": invoiced_object,
        "project_reference": project,
        "attachments": attachments,
        "seller": _party(_find(root, "cac:AccountingSupplierParty"), seller=True),
        "buyer": _party(_find(root, "cac:AccountingCustomerParty"), seller=False),
        "payee": _payee(_find(root, "cac:PayeeParty")),
        "tax_representative": _tax_representative(_find(root, "cac:TaxRepresentativeParty")),
        "delivery": _delivery(_find(root, "cac:Delivery")),
        "payment_means": [_payment_means(pm) for pm in _all(root, "cac:PaymentMeans")],
        "payment_terms": _text(root, "cac:PaymentTerms/cbc:Note"),
        "allowances_charges": [_allowance_charge(ac, document_level=True) for ac in _all(root, "cac:AllowanceCharge")],
        "vat_exemptions": exemptions,
        "tax_total_in_tax_currency": tax_in_tax_currency,
        "paid_amount": _decimal(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount"),
        "rounding_amount": _decimal(root, "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount"),
        "lines": [_line(ln, credit_note=cn) for ln in _all(root, "cac:CreditNoteLine" if cn else "cac:InvoiceLine")],
    }


def _stated(root: etree._Element) -> tuple[Totals | None, list[VatBreakdown], Decimal | None]:
    totals_el = _find(root, "cac:LegalMonetaryTotal")
    currency = _text(root, "cbc:DocumentCurrencyCode")
    tax_total = None
    breakdown: list[VatBreakdown] = []
    for total in _all(root, "cac:TaxTotal"):
        subtotals = _all(total, "cac:TaxSubtotal")
        amount = _find(total, "cbc:TaxAmount")
        if not subtotals and (amount is None or amount.get("currencyID") != currency):
            continue
        tax_total = _decimal(amount)
        for sub in subtotals:
            category = _find(sub, "cac:TaxCategory")
            breakdown.append(VatBreakdown.model_validate(_prune({
                "category": _text(category, "cbc:ID"),
                "rate": _decimal(category, "cbc:Percent"),
                "taxable_amount": _decimal(sub, "cbc:TaxableAmount"),
                "tax_amount": _decimal(sub, "cbc:TaxAmount"),
                "exemption_reason_code": _text(category, "cbc:TaxExemptionReasonCode"),
                "exemption_reason": _text(category, "cbc:TaxExemptionReason"),
            })))
    totals = None
    if totals_el is not None:
        zero = Decimal("0.00")
        totals = Totals(
            line_net_total=_decimal(totals_el, "cbc:LineExtensionAmount"),
            allowance_total=_decimal(totals_el, "cbc:AllowanceTotalAmount") or zero,
            charge_total=_decimal(totals_el, "cbc:ChargeTotalAmount") or zero,
            total_without_vat=_decimal(totals_el, "cbc:TaxExclusiveAmount"),
            vat_total=tax_total if tax_total is not None else zero,
            total_with_vat=_decimal(totals_el, "cbc:TaxInclusiveAmount"),
            paid_amount=_decimal(totals_el, "cbc:PrepaidAmount") or zero,
            rounding_amount=_decimal(totals_el, "cbc:PayableRoundingAmount") or zero,
            amount_due=_decimal(totals_el, "cbc:PayableAmount"),
        )
    return totals, breakdown, tax_total


def read_ubl(source: etree._ElementTree | etree._Element | bytes) -> ReadResult:
    """Read a BIS 3 Invoice/CreditNote with the totals and VAT breakdown it states."""
    try:
        root = root_of(source)
    except XmlInputError as exc:
        raise UblReadError(str(exc)) from None
    kind = _kind(root)
    data = _prune(_document_data(root, kind))
    try:
        document = Document.model_validate(data)
    except ValidationError as exc:
        raise UblReadError(f"the {kind} does not fit the BIS 3 model: {exc}", exc.errors(include_url=False)) from None
    try:
        totals, breakdown, tax_total = _stated(root)
    except ValidationError as exc:
        raise UblReadError(f"the {kind}'s stated totals are not readable: {exc}", exc.errors(include_url=False)) from None
    return ReadResult(document, totals, breakdown, tax_total)


def from_ubl(source: etree._ElementTree | etree._Element | bytes) -> Document:
    """Read a BIS 3 Invoice/CreditNote into a :class:`~peppol.model.Document`."""
    return read_ubl(source).document
