"""UBL 2.1 writer for Peppol BIS Billing 3.0 documents: :func:`to_ubl`.

Elements are written in the order of the UBL 2.1 schemas (maindoc/UBL-Invoice-2.1.xsd,
maindoc/UBL-CreditNote-2.1.xsd and common/UBL-CommonAggregateComponents-2.1.xsd) and filled
as the Peppol BIS Billing 3.0 examples fill them. No ``UBLExtensions`` (UBL-CR-001). Every
amount carries ``currencyID`` and exactly 2 decimals; prices keep their own decimals (at
least 2); quantities and percentages are written without exponent or trailing zeros.

The differences between Invoice and CreditNote that the writer takes care of:

* ``cbc:DueDate`` exists only in Invoice; a CreditNote has BT-9 as
  ``cac:PaymentMeans/cbc:PaymentDueDate`` (written on the first PaymentMeans only, UBL-SR-45);
* ``cbc:TaxPointDate`` comes before the type code in CreditNote, after the note in Invoice;
* ``cac:OriginatorDocumentReference`` comes before the contract reference in Invoice and
  after the additional document references in CreditNote;
* CreditNote has no ``cac:ProjectReference``: BT-11 is an AdditionalDocumentReference with
  DocumentTypeCode 50 (PEPPOL-EN16931-R080);
* lines are ``cac:CreditNoteLine`` with ``cbc:CreditedQuantity``.
"""
from __future__ import annotations

from decimal import Decimal

from lxml import etree

from . import codes
from .model import (
    CENT,
    Address,
    AllowanceCharge,
    Attachment,
    Buyer,
    Document,
    Identifier,
    Line,
    LineAllowanceCharge,
    PaymentMeans,
    Seller,
)

__all__ = ["to_ubl", "to_element", "format_amount", "format_number", "format_price"]

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CAC = "{%s}" % codes.UBL_CAC_NS
CBC = "{%s}" % codes.UBL_CBC_NS


# ----------------------------------------------------------------------------------------
# Number formatting
# ----------------------------------------------------------------------------------------

def format_amount(value: Decimal) -> str:
    """An amount with exactly 2 decimals (``1200`` → ``1200.00``); never ``-0.00``."""
    value = value.quantize(CENT)
    if value == 0:
        value = abs(value)
    return f"{value:f}"


def format_number(value: Decimal) -> str:
    """A quantity or percentage without exponent or trailing zeros (``25.0`` → ``25``)."""
    if value == 0:
        return "0"
    text = f"{value.normalize():f}"
    return text


def format_price(value: Decimal) -> str:
    """A price: at least 2 decimals, more when the price has them (``284.8125``)."""
    normalized = value.normalize()
    if normalized.as_tuple().exponent >= -2:  # type: ignore[operator]
        return format_amount(value)
    return f"{normalized:f}"


# ----------------------------------------------------------------------------------------
# Element helpers
# ----------------------------------------------------------------------------------------

def _el(parent: etree._Element, tag: str, text: str | None = None, **attrib: str | None) -> etree._Element:
    child = etree.SubElement(parent, tag, {k: v for k, v in attrib.items() if v is not None})
    if text is not None:
        child.text = text
    return child


def _opt(parent: etree._Element, tag: str, text: str | None, **attrib: str | None) -> None:
    if text is not None:
        _el(parent, tag, text, **attrib)


def _date(value) -> str:
    return value.isoformat()


class _Writer:
    def __init__(self, doc: Document):
        self.doc = doc
        self.cn = doc.is_credit_note
        self.currency = doc.currency

    # -- amounts -------------------------------------------------------------------------

    def amount(self, parent: etree._Element, tag: str, value: Decimal) -> None:
        _el(parent, tag, format_amount(value), currencyID=self.currency)

    def price(self, parent: etree._Element, tag: str, value: Decimal) -> None:
        _el(parent, tag, format_price(value), currencyID=self.currency)

    # -- document --------------------------------------------------------------------------

    def build(self) -> etree._Element:
        doc = self.doc
        local = "CreditNote" if self.cn else "Invoice"
        ns = codes.UBL_CREDIT_NOTE_NS if self.cn else codes.UBL_INVOICE_NS
        root = etree.Element(f"{{{ns}}}{local}", nsmap={None: ns, "cac": codes.UBL_CAC_NS, "cbc": codes.UBL_CBC_NS})
        _el(root, CBC + "CustomizationID", doc.customization_id)
        _el(root, CBC + "ProfileID", doc.profile_id)
        _el(root, CBC + "ID", doc.id)
        _el(root, CBC + "IssueDate", _date(doc.issue_date))
        if self.cn:
            _opt(root, CBC + "TaxPointDate", doc.tax_point_date and _date(doc.tax_point_date))
            _el(root, CBC + "CreditNoteTypeCode", doc.type_code)
            for note in doc.notes:
                _el(root, CBC + "Note", note)
        else:
            _opt(root, CBC + "DueDate", doc.due_date and _date(doc.due_date))
            _el(root, CBC + "InvoiceTypeCode", doc.type_code)
            for note in doc.notes:
                _el(root, CBC + "Note", note)
            _opt(root, CBC + "TaxPointDate", doc.tax_point_date and _date(doc.tax_point_date))
        _el(root, CBC + "DocumentCurrencyCode", doc.currency)
        _opt(root, CBC + "TaxCurrencyCode", doc.tax_currency)
        _opt(root, CBC + "AccountingCost", doc.accounting_cost)
        _opt(root, CBC + "BuyerReference", doc.buyer_reference)
        if doc.invoice_period is not None:
            self.period(root, doc.invoice_period)
        if doc.order_reference or doc.sales_order_reference:
            order = _el(root, CAC + "OrderReference")
            # BT-14 without BT-13: the BIS fills the mandatory UBL ID with "NA".
            _el(order, CBC + "ID", doc.order_reference or "NA")
            _opt(order, CBC + "SalesOrderID", doc.sales_order_reference)
        for preceding in doc.preceding_invoices:
            ref = _el(_el(root, CAC + "BillingReference"), CAC + "InvoiceDocumentReference")
            _el(ref, CBC + "ID", preceding.id)
            _opt(ref, CBC + "IssueDate", preceding.issue_date and _date(preceding.issue_date))
        if doc.despatch_advice_reference:
            _el(_el(root, CAC + "DespatchDocumentReference"), CBC + "ID", doc.despatch_advice_reference)
        if doc.receiving_advice_reference:
            _el(_el(root, CAC + "ReceiptDocumentReference"), CBC + "ID", doc.receiving_advice_reference)
        if not self.cn and doc.tender_reference:
            _el(_el(root, CAC + "OriginatorDocumentReference"), CBC + "ID", doc.tender_reference)
        if doc.contract_reference:
            _el(_el(root, CAC + "ContractDocumentReference"), CBC + "ID", doc.contract_reference)
        self.additional_references(root)
        if self.cn and doc.tender_reference:
            _el(_el(root, CAC + "OriginatorDocumentReference"), CBC + "ID", doc.tender_reference)
        if not self.cn and doc.project_reference:
            _el(_el(root, CAC + "ProjectReference"), CBC + "ID", doc.project_reference)
        self.party(_el(root, CAC + "AccountingSupplierParty"), doc.seller)
        self.party(_el(root, CAC + "AccountingCustomerParty"), doc.buyer)
        self.payee(root)
        self.tax_representative(root)
        self.delivery(root)
        for index, means in enumerate(doc.payment_means):
            self.payment_means(root, means, with_due_date=self.cn and index == 0)
        if doc.payment_terms:
            _el(_el(root, CAC + "PaymentTerms"), CBC + "Note", doc.payment_terms)
        for ac in doc.allowances_charges:
            self.allowance_charge(root, ac)
        self.tax_totals(root)
        self.monetary_total(root)
        for line in doc.lines:
            self.line(root, line)
        return root

    def period(self, parent: etree._Element, period) -> None:
        el = _el(parent, CAC + "InvoicePeriod")
        _opt(el, CBC + "StartDate", period.start and _date(period.start))
        _opt(el, CBC + "EndDate", period.end and _date(period.end))

    def additional_references(self, root: etree._Element) -> None:
        doc = self.doc
        if doc.invoiced_object is not None:
            ref = _el(root, CAC + "AdditionalDocumentReference")
            _el(ref, CBC + "ID", doc.invoiced_object.value, schemeID=doc.invoiced_object.scheme)
            _el(ref, CBC + "DocumentTypeCode", codes.DOCUMENT_TYPE_INVOICED_OBJECT)
        if self.cn and doc.project_reference:
            ref = _el(root, CAC + "AdditionalDocumentReference")
            _el(ref, CBC + "ID", doc.project_reference)
            _el(ref, CBC + "DocumentTypeCode", codes.DOCUMENT_TYPE_PROJECT)
        for attachment in doc.attachments:
            self.attachment(root, attachment)

    @staticmethod
    def attachment(root: etree._Element, att: Attachment) -> None:
        ref = _el(root, CAC + "AdditionalDocumentReference")
        _el(ref, CBC + "ID", att.id)
        _opt(ref, CBC + "DocumentDescription", att.description)
        if att.content is not None or att.uri is not None:
            holder = _el(ref, CAC + "Attachment")
            if att.content is not None:
                _el(holder, CBC + "EmbeddedDocumentBinaryObject", att.base64(), mimeCode=att.mime_code, filename=att.filename)
            if att.uri is not None:
                _el(_el(holder, CAC + "ExternalReference"), CBC + "URI", att.uri)

    # -- parties -----------------------------------------------------------------------------

    @staticmethod
    def address(parent: etree._Element, tag: str, address: Address) -> None:
        el = _el(parent, tag)
        _opt(el, CBC + "StreetName", address.street)
        _opt(el, CBC + "AdditionalStreetName", address.additional_street)
        _opt(el, CBC + "CityName", address.city)
        _opt(el, CBC + "PostalZone", address.postal_code)
        _opt(el, CBC + "CountrySubentity", address.subdivision)
        if address.address_line:
            _el(_el(el, CAC + "AddressLine"), CBC + "Line", address.address_line)
        _el(_el(el, CAC + "Country"), CBC + "IdentificationCode", address.country)

    @staticmethod
    def identifier(parent: etree._Element, tag: str, ident: Identifier) -> None:
        _el(parent, tag, ident.value, schemeID=ident.scheme)

    @staticmethod
    def tax_scheme(parent: etree._Element, company_id: str, scheme: str) -> None:
        el = _el(parent, CAC + "PartyTaxScheme")
        _el(el, CBC + "CompanyID", company_id)
        _el(_el(el, CAC + "TaxScheme"), CBC + "ID", scheme)

    def party(self, parent: etree._Element, party: Seller | Buyer) -> None:
        el = _el(parent, CAC + "Party")
        _el(el, CBC + "EndpointID", party.endpoint.value, schemeID=party.endpoint.scheme)
        for ident in party.identifiers:
            self.identifier(_el(el, CAC + "PartyIdentification"), CBC + "ID", ident)
        if party.name:
            _el(_el(el, CAC + "PartyName"), CBC + "Name", party.name)
        self.address(el, CAC + "PostalAddress", party.address)
        if party.vat_id:
            self.tax_scheme(el, party.vat_id, codes.TAX_SCHEME_VAT)
        if isinstance(party, Seller) and party.tax_registration_id:
            self.tax_scheme(el, party.tax_registration_id, codes.TAX_SCHEME_TAX)
        legal = _el(el, CAC + "PartyLegalEntity")
        _el(legal, CBC + "RegistrationName", party.registration_name)
        if party.legal_registration_id is not None:
            self.identifier(legal, CBC + "CompanyID", party.legal_registration_id)
        if isinstance(party, Seller):
            _opt(legal, CBC + "CompanyLegalForm", party.legal_form)
        if party.contact is not None:
            contact = _el(el, CAC + "Contact")
            _opt(contact, CBC + "Name", party.contact.name)
            _opt(contact, CBC + "Telephone", party.contact.telephone)
            _opt(contact, CBC + "ElectronicMail", party.contact.email)

    def payee(self, root: etree._Element) -> None:
        payee = self.doc.payee
        if payee is None:
            return
        el = _el(root, CAC + "PayeeParty")
        if payee.identifier is not None:
            self.identifier(_el(el, CAC + "PartyIdentification"), CBC + "ID", payee.identifier)
        _el(_el(el, CAC + "PartyName"), CBC + "Name", payee.name)
        if payee.legal_registration_id is not None:
            self.identifier(_el(el, CAC + "PartyLegalEntity"), CBC + "CompanyID", payee.legal_registration_id)

    def tax_representative(self, root: etree._Element) -> None:
        rep = self.doc.tax_representative
        if rep is None:
            return
        el = _el(root, CAC + "TaxRepresentativeParty")
        _el(_el(el, CAC + "PartyName"), CBC + "Name", rep.name)
        self.address(el, CAC + "PostalAddress", rep.address)
        self.tax_scheme(el, rep.vat_id, codes.TAX_SCHEME_VAT)

    def delivery(self, root: etree._Element) -> None:
        delivery = self.doc.delivery
        if delivery is None:
            return
        el = _el(root, CAC + "Delivery")
        _opt(el, CBC + "ActualDeliveryDate", delivery.date and _date(delivery.date))
        if delivery.location_id is not None or delivery.address is not None:
            location = _el(el, CAC + "DeliveryLocation")
            if delivery.location_id is not None:
                self.identifier(location, CBC + "ID", delivery.location_id)
            if delivery.address is not None:
                self.address(location, CAC + "Address", delivery.address)
        if delivery.party_name:
            _el(_el(_el(el, CAC + "DeliveryParty"), CAC + "PartyName"), CBC + "Name", delivery.party_name)

    # -- payment -------------------------------------------------------------------------------

    def payment_means(self, root: etree._Element, means: PaymentMeans, *, with_due_date: bool) -> None:
        el = _el(root, CAC + "PaymentMeans")
        _el(el, CBC + "PaymentMeansCode", means.code, name=means.text)
        if with_due_date and self.doc.due_date is not None:
            _el(el, CBC + "PaymentDueDate", _date(self.doc.due_date))
        _opt(el, CBC + "PaymentID", means.payment_id)
        if means.card_number:
            card = _el(el, CAC + "CardAccount")
            _el(card, CBC + "PrimaryAccountNumberID", means.card_number)
            _el(card, CBC + "NetworkID", means.card_network)
            _opt(card, CBC + "HolderName", means.card_holder)
        if means.account_id:
            account = _el(el, CAC + "PayeeFinancialAccount")
            _el(account, CBC + "ID", means.account_id)
            _opt(account, CBC + "Name", means.account_name)
            if means.branch_id:
                _el(_el(account, CAC + "FinancialInstitutionBranch"), CBC + "ID", means.branch_id)
        if means.mandate_id or means.debited_account:
            mandate = _el(el, CAC + "PaymentMandate")
            _opt(mandate, CBC + "ID", means.mandate_id)
            if means.debited_account:
                _el(_el(mandate, CAC + "PayerFinancialAccount"), CBC + "ID", means.debited_account)

    # -- allowances, charges, VAT --------------------------------------------------------------

    def allowance_charge(self, parent: etree._Element, ac: AllowanceCharge | LineAllowanceCharge) -> None:
        el = _el(parent, CAC + "AllowanceCharge")
        _el(el, CBC + "ChargeIndicator", "true" if ac.is_charge else "false")
        _opt(el, CBC + "AllowanceChargeReasonCode", ac.reason_code)
        _opt(el, CBC + "AllowanceChargeReason", ac.reason)
        if ac.percentage is not None:
            _el(el, CBC + "MultiplierFactorNumeric", format_number(ac.percentage))
        self.amount(el, CBC + "Amount", ac.amount)
        if ac.base_amount is not None:
            self.amount(el, CBC + "BaseAmount", ac.base_amount)
        if isinstance(ac, AllowanceCharge):
            self.tax_category(el, CAC + "TaxCategory", ac.vat_category, ac.vat_rate)

    @staticmethod
    def tax_category(parent: etree._Element, tag: str, category: str, rate: Decimal | None,
                     reason_code: str | None = None, reason: str | None = None) -> None:
        el = _el(parent, tag)
        _el(el, CBC + "ID", category)
        if rate is not None:
            _el(el, CBC + "Percent", format_number(rate))
        _opt(el, CBC + "TaxExemptionReasonCode", reason_code)
        _opt(el, CBC + "TaxExemptionReason", reason)
        _el(_el(el, CAC + "TaxScheme"), CBC + "ID", codes.TAX_SCHEME_VAT)

    def tax_totals(self, root: etree._Element) -> None:
        breakdown = self.doc.vat_breakdown()
        total = _el(root, CAC + "TaxTotal")
        self.amount(total, CBC + "TaxAmount", sum((b.tax_amount for b in breakdown), Decimal("0.00")))
        for entry in breakdown:
            sub = _el(total, CAC + "TaxSubtotal")
            self.amount(sub, CBC + "TaxableAmount", entry.taxable_amount)
            self.amount(sub, CBC + "TaxAmount", entry.tax_amount)
            self.tax_category(sub, CAC + "TaxCategory", entry.category, entry.rate,
                              entry.exemption_reason_code, entry.exemption_reason)
        if self.doc.tax_currency and self.doc.tax_total_in_tax_currency is not None:
            other = _el(root, CAC + "TaxTotal")
            _el(other, CBC + "TaxAmount", format_amount(self.doc.tax_total_in_tax_currency), currencyID=self.doc.tax_currency)

    def monetary_total(self, root: etree._Element) -> None:
        doc = self.doc
        totals = doc.totals()
        el = _el(root, CAC + "LegalMonetaryTotal")
        self.amount(el, CBC + "LineExtensionAmount", totals.line_net_total)
        self.amount(el, CBC + "TaxExclusiveAmount", totals.total_without_vat)
        self.amount(el, CBC + "TaxInclusiveAmount", totals.total_with_vat)
        if any(not ac.is_charge for ac in doc.allowances_charges):
            self.amount(el, CBC + "AllowanceTotalAmount", totals.allowance_total)
        if any(ac.is_charge for ac in doc.allowances_charges):
            self.amount(el, CBC + "ChargeTotalAmount", totals.charge_total)
        if doc.paid_amount is not None:
            self.amount(el, CBC + "PrepaidAmount", doc.paid_amount)
        if doc.rounding_amount is not None:
            self.amount(el, CBC + "PayableRoundingAmount", doc.rounding_amount)
        self.amount(el, CBC + "PayableAmount", totals.amount_due)

    # -- lines ---------------------------------------------------------------------------------

    def line(self, root: etree._Element, line: Line) -> None:
        el = _el(root, CAC + ("CreditNoteLine" if self.cn else "InvoiceLine"))
        _el(el, CBC + "ID", line.id)
        _opt(el, CBC + "Note", line.note)
        _el(el, CBC + ("CreditedQuantity" if self.cn else "InvoicedQuantity"), format_number(line.quantity), unitCode=line.unit_code)
        self.amount(el, CBC + "LineExtensionAmount", line.net_amount if line.net_amount is not None else line.computed_net_amount())
        _opt(el, CBC + "AccountingCost", line.accounting_cost)
        if line.period is not None:
            self.period(el, line.period)
        if line.order_line_reference:
            _el(_el(el, CAC + "OrderLineReference"), CBC + "LineID", line.order_line_reference)
        if line.object_id is not None:
            ref = _el(el, CAC + "DocumentReference")
            self.identifier(ref, CBC + "ID", line.object_id)
            _el(ref, CBC + "DocumentTypeCode", codes.DOCUMENT_TYPE_INVOICED_OBJECT)
        for ac in line.allowances_charges:
            self.allowance_charge(el, ac)
        item = _el(el, CAC + "Item")
        _opt(item, CBC + "Description", line.item_description)
        _el(item, CBC + "Name", line.item_name)
        if line.buyer_item_id:
            _el(_el(item, CAC + "BuyersItemIdentification"), CBC + "ID", line.buyer_item_id)
        if line.seller_item_id:
            _el(_el(item, CAC + "SellersItemIdentification"), CBC + "ID", line.seller_item_id)
        if line.standard_item_id is not None:
            self.identifier(_el(item, CAC + "StandardItemIdentification"), CBC + "ID", line.standard_item_id)
        if line.origin_country:
            _el(_el(item, CAC + "OriginCountry"), CBC + "IdentificationCode", line.origin_country)
        for cls in line.classifications:
            _el(_el(item, CAC + "CommodityClassification"), CBC + "ItemClassificationCode", cls.code,
                listID=cls.list_id, listVersionID=cls.list_version)
        self.tax_category(item, CAC + "ClassifiedTaxCategory", line.vat_category, line.vat_rate)
        for attr in line.attributes:
            prop = _el(item, CAC + "AdditionalItemProperty")
            _el(prop, CBC + "Name", attr.name)
            _el(prop, CBC + "Value", attr.value)
        price = _el(el, CAC + "Price")
        self.price(price, CBC + "PriceAmount", line.price)
        if line.base_quantity is not None:
            _el(price, CBC + "BaseQuantity", format_number(line.base_quantity), unitCode=line.unit_code)
        if line.price_discount is not None:
            discount = _el(price, CAC + "AllowanceCharge")
            _el(discount, CBC + "ChargeIndicator", "false")
            self.price(discount, CBC + "Amount", line.price_discount)
            if line.gross_price is not None:
                self.price(discount, CBC + "BaseAmount", line.gross_price)


def to_element(document: Document) -> etree._Element:
    """The UBL Invoice or CreditNote as an lxml element."""
    return _Writer(document).build()


def to_ubl(document: Document) -> bytes:
    """The UBL 2.1 Invoice or CreditNote of *document*: UTF-8 bytes with an XML declaration."""
    body = etree.tostring(to_element(document), encoding="UTF-8", pretty_print=True)
    return XML_DECLARATION + body
