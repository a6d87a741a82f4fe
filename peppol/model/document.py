"""Attachments, references, totals and the document itself (BG-22, BG-23, BG-24)."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .. import codes
from ._base import Amount, Code, CurrencyCode, Number, Text, _Model, _arithmetic, _vat_key, round_amount
from .lines import AllowanceCharge, Line, VatExemption
from .parties import Buyer, Delivery, Identifier, Payee, Period, Seller, TaxRepresentative
from .payment import PaymentMeans


class Attachment(_Model):
    """Additional supporting document (BG-24): embedded (BT-125) or external (BT-124)."""

    id: Text = Field(description="BT-122 Supporting document reference")
    description: Text | None = Field(None, description="BT-123 Supporting document description")
    uri: Text | None = Field(None, description="BT-124 External document location")
    content: bytes | None = Field(None, description="BT-125 Attached document (decoded bytes; base64 in UBL)")
    mime_code: Code | None = Field(None, description="BT-125-1 Attached document Mime code (BR-CL-24)")
    filename: Text | None = Field(None, description="BT-125-2 Attached document Filename")

    @field_validator("content", mode="before")
    @classmethod
    def _content(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and info.mode == "python":
            raise ValueError("give the attachment content as bytes (it is base64-encoded when written)")
        return value

    @model_validator(mode="after")
    def _check(self) -> Attachment:
        if self.content is not None:
            if not self.content:
                raise ValueError("content: an embedded attachment is not empty (PEPPOL-EN16931-R008)")
            if not self.mime_code:
                raise ValueError("mime_code: an embedded attachment needs a MIME code (BT-125-1)")
            if not self.filename:
                raise ValueError("filename: an embedded attachment needs a file name (BT-125-2)")
        elif self.mime_code or self.filename:
            raise ValueError("content: a MIME code or file name belongs to an embedded attachment (BT-125)")
        if self.mime_code is not None and self.mime_code not in codes.ATTACHMENT_MIME_CODES:
            raise ValueError(
                f"mime_code: {self.mime_code!r} is not allowed for attachments; allowed: "
                f"{', '.join(sorted(codes.ATTACHMENT_MIME_CODES))} (BR-CL-24)")
        return self

    @classmethod
    def embedded(cls, id: str, content: bytes, *, filename: str, mime_code: str,  # noqa: A002
                 description: str | None = None) -> Attachment:
        """An attachment embedded in the document."""
        return cls(id=id, content=content, filename=filename, mime_code=mime_code, description=description)

    def base64(self) -> str | None:
        """The content base64-encoded, as written in UBL."""
        return None if self.content is None else base64.b64encode(self.content).decode("ascii")

    @staticmethod
    def decode(text: str) -> bytes:
        """Decode base64 text (whitespace allowed) as read from UBL; raises ValueError."""
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"the embedded attachment is not valid base64: {exc}") from None


class PrecedingInvoice(_Model):
    """Preceding invoice reference (BG-3)."""

    id: Text = Field(description="BT-25 Preceding Invoice reference")
    issue_date: dt.date | None = Field(None, description="BT-26 Preceding Invoice issue date")


# ----------------------------------------------------------------------------------------
# Computed results
# ----------------------------------------------------------------------------------------

class VatBreakdown(_Model):
    """One VAT breakdown (BG-23), computed per VAT category and rate."""

    category: Code = Field(description="BT-118 VAT category code")
    rate: Number | None = Field(None, description="BT-119 VAT category rate (none for category O)")
    taxable_amount: Amount = Field(description="BT-116 VAT category taxable amount (BR-S-08, BR-Z-08, BR-E-08, …)")
    tax_amount: Amount = Field(description="BT-117 VAT category tax amount (BR-CO-17)")
    exemption_reason_code: Code | None = Field(None, description="BT-121 VAT exemption reason code")
    exemption_reason: Text | None = Field(None, description="BT-120 VAT exemption reason text")


class Totals(_Model):
    """Document totals (BG-22)."""

    line_net_total: Amount = Field(description="BT-106 Sum of Invoice line net amount (BR-CO-10)")
    allowance_total: Amount = Field(Decimal("0.00"), description="BT-107 Sum of allowances on document level (BR-CO-11)")
    charge_total: Amount = Field(Decimal("0.00"), description="BT-108 Sum of charges on document level (BR-CO-12)")
    total_without_vat: Amount = Field(description="BT-109 Invoice total amount without VAT (BR-CO-13)")
    vat_total: Amount = Field(description="BT-110 Invoice total VAT amount (BR-CO-14)")
    total_with_vat: Amount = Field(description="BT-112 Invoice total amount with VAT (BR-CO-15)")
    paid_amount: Amount = Field(Decimal("0.00"), description="BT-113 Paid amount")
    rounding_amount: Amount = Field(Decimal("0.00"), description="BT-114 Rounding amount")
    amount_due: Amount = Field(description="BT-115 Amount due for payment (BR-CO-16)")


# ----------------------------------------------------------------------------------------
# The document
# ----------------------------------------------------------------------------------------

class Document(_Model):
    """A Peppol BIS Billing 3.0 Invoice (``kind="invoice"``) or CreditNote
    (``kind="creditnote"``)."""

    kind: Literal["invoice", "creditnote"] = Field("invoice", description="UBL Invoice or CreditNote")
    customization_id: Text = Field(codes.BIS3_CUSTOMIZATION_ID, description="BT-24 Specification identifier (PEPPOL-EN16931-R004)")
    profile_id: Text = Field(codes.BIS3_PROFILE_ID, description="BT-23 Business process type (PEPPOL-EN16931-R001/R007)")
    id: Text = Field(description="BT-1 Invoice number")
    issue_date: dt.date = Field(description="BT-2 Invoice issue date")
    due_date: dt.date | None = Field(None, description="BT-9 Payment due date (Invoice: cbc:DueDate; CreditNote: PaymentMeans/PaymentDueDate)")
    type_code: Code | None = Field(None, description="BT-3 Invoice type code (UNTDID 1001, BR-CL-01); default 380 invoice / 381 credit note")
    notes: list[Text] = Field(default_factory=list, description="BG-1/BT-22 Invoice note (at most one, PEPPOL-EN16931-R002)")
    tax_point_date: dt.date | None = Field(None, description="BT-7 Value added tax point date")
    currency: CurrencyCode = Field("SEK", description="BT-5 Invoice currency code")
    tax_currency: CurrencyCode | None = Field(None, description="BT-6 VAT accounting currency code")
    accounting_cost: Text | None = Field(None, description="BT-19 Buyer accounting reference")
    buyer_reference: Text | None = Field(None, description="BT-10 Buyer reference (PEPPOL-EN16931-R003)")
    invoice_period: Period | None = Field(None, description="BG-14 Invoicing period")
    order_reference: Text | None = Field(None, description="BT-13 Purchase order reference")
    sales_order_reference: Text | None = Field(None, description="BT-14 Sales order reference")
    preceding_invoices: list[PrecedingInvoice] = Field(default_factory=list, description="BG-3 Preceding Invoice reference")
    despatch_advice_reference: Text | None = Field(None, description="BT-16 Despatch advice reference")
    receiving_advice_reference: Text | None = Field(None, description="BT-15 Receiving advice reference")
    tender_reference: Text | None = Field(None, description="BT-17 Tender or lot reference (OriginatorDocumentReference)")
    contract_reference: Text | None = Field(None, description="BT-12 Contract reference")
    invoiced_object: Identifier | None = Field(None, description="BT-18 Invoiced object identifier (AdditionalDocumentReference, type 130)")
    project_reference: Text | None = Field(None, description="BT-11 Project reference (Invoice: ProjectReference; CreditNote: AdditionalDocumentReference type 50)")
    attachments: list[Attachment] = Field(default_factory=list, description="BG-24 Additional supporting documents")
    seller: Seller = Field(description="BG-4 Seller")
    buyer: Buyer = Field(description="BG-7 Buyer")
    payee: Payee | None = Field(None, description="BG-10 Payee")
    tax_representative: TaxRepresentative | None = Field(None, description="BG-11 Seller tax representative party")
    delivery: Delivery | None = Field(None, description="BG-13 Delivery information")
    payment_means: list[PaymentMeans] = Field(default_factory=list, description="BG-16 Payment instructions")
    payment_terms: Text | None = Field(None, description="BT-20 Payment terms")
    allowances_charges: list[AllowanceCharge] = Field(default_factory=list, description="BG-20 Document level allowances / BG-21 Document level charges")
    vat_exemptions: list[VatExemption] = Field(default_factory=list, description="BT-120/BT-121 VAT exemption reason per VAT category of the breakdown (BG-23)")
    tax_total_in_tax_currency: Amount | None = Field(None, description="BT-111 Invoice total VAT amount in accounting currency (with BT-6)")
    paid_amount: Amount | None = Field(None, description="BT-113 Paid amount")
    rounding_amount: Amount | None = Field(None, description="BT-114 Rounding amount")
    lines: list[Line] = Field(min_length=1, description="BG-25 Invoice lines (BR-16: at least one)")

    # -- validation ---------------------------------------------------------------------

    @model_validator(mode="after")
    def _check(self) -> Document:
        if self.type_code is None:
            self.type_code = codes.INVOICE if self.kind == "invoice" else codes.CREDIT_NOTE
        allowed = codes.INVOICE_TYPE_CODES if self.kind == "invoice" else codes.CREDIT_NOTE_TYPE_CODES
        if self.type_code not in allowed:
            raise ValueError(f"type_code: {self.type_code!r} is not a UNTDID 1001 code allowed for a {self.kind} (BR-CL-01)")
        if not self.customization_id.startswith(codes.BIS3_CUSTOMIZATION_ID):
            raise ValueError(f"customization_id: must start with {codes.BIS3_CUSTOMIZATION_ID!r} (PEPPOL-EN16931-R004)")
        if len(self.notes) > 1 and not (self.seller.address.country == "DE" and self.buyer.address.country == "DE"):
            raise ValueError("notes: at most one invoice note (BT-22) (PEPPOL-EN16931-R002)")
        if not (self.buyer_reference or self.order_reference):
            raise ValueError("buyer_reference: a buyer reference (BT-10) or purchase order reference (BT-13) is required (PEPPOL-EN16931-R003)")
        if self.tax_currency is not None:
            if self.tax_currency == self.currency:
                raise ValueError("tax_currency: the VAT accounting currency differs from the invoice currency (PEPPOL-EN16931-R005)")
            if self.tax_total_in_tax_currency is None:
                raise ValueError("tax_total_in_tax_currency: required with a VAT accounting currency (BT-111, BR-53, PEPPOL-EN16931-R054)")
        elif self.tax_total_in_tax_currency is not None:
            raise ValueError("tax_currency: BT-111 needs the VAT accounting currency code (BT-6)")
        if self.kind == "creditnote" and self.due_date is not None and not self.payment_means:
            raise ValueError("due_date: a CreditNote carries the due date in PaymentMeans/PaymentDueDate; add payment means (BG-16)")
        if self.invoice_period is not None:
            for i, line in enumerate(self.lines):
                if line.period is not None and not self.invoice_period.contains(line.period):
                    raise ValueError(f"lines[{i}].period: the line period is outside the invoicing period (PEPPOL-EN16931-R110/R111)")
        self._check_vat_information()
        with _arithmetic("lines"):
            totals = self.totals()
        if totals.amount_due > 0 and self.due_date is None and self.payment_terms is None:
            raise ValueError("due_date: a positive amount due needs a payment due date (BT-9) or payment terms (BT-20) (BR-CO-25)")
        return self

    def _check_vat_information(self) -> None:
        used = {line.vat_category for line in self.lines} | {ac.vat_category for ac in self.allowances_charges}
        seen: set[str] = set()
        for exemption in self.vat_exemptions:
            if exemption.category in seen:
                raise ValueError(f"vat_exemptions: VAT category {exemption.category} has more than one exemption reason")
            seen.add(exemption.category)
            if exemption.category not in used:
                raise ValueError(f"vat_exemptions: VAT category {exemption.category} is used by no line or allowance/charge")
            if exemption.category in codes.VAT_CATEGORIES_WITHOUT_EXEMPTION_REASON:
                raise ValueError(
                    f"vat_exemptions: VAT category {exemption.category} has no exemption reason "
                    f"(BR-{ {'L': 'AF', 'M': 'AG'}.get(exemption.category, exemption.category)}-10)")
        for category in sorted(used & codes.VAT_CATEGORIES_REQUIRING_EXEMPTION_REASON):
            if category not in seen:
                rule = {"K": "IC"}.get(category, category)
                raise ValueError(
                    f"vat_exemptions: VAT category {category} needs an exemption reason code (BT-121) or text "
                    f"(BT-120) (BR-{rule}-10)")
        needs_seller_tax_id = used & codes.VAT_CATEGORIES_NEEDING_SELLER_TAX_ID
        if needs_seller_tax_id and not (
            self.seller.vat_id or self.seller.tax_registration_id
            or (self.tax_representative is not None and self.tax_representative.vat_id)
        ):
            category = sorted(needs_seller_tax_id)[0]
            rule = {"L": "AF", "M": "AG"}.get(category, category)
            raise ValueError(
                f"seller: VAT category {category} needs the seller VAT identifier (BT-31), the seller tax "
                f"registration identifier (BT-32) or a tax representative VAT identifier (BT-63) (BR-{rule}-02)")

    # -- derived values -----------------------------------------------------------------

    @property
    def is_credit_note(self) -> bool:
        return self.kind == "creditnote"

    @property
    def document_type_id(self) -> str:
        """The Peppol document type identifier (with scheme) for the SBDH and SMP lookup."""
        return codes.CREDIT_NOTE_DOCUMENT_TYPE_ID if self.is_credit_note else codes.INVOICE_DOCUMENT_TYPE_ID

    @property
    def process_id(self) -> str:
        """The Peppol process identifier (with scheme) of BIS Billing 3.0."""
        return codes.BILLING_PROCESS_ID

    def exemption_for(self, category: str) -> VatExemption | None:
        """The VAT exemption reason given for *category*, if any."""
        for exemption in self.vat_exemptions:
            if exemption.category == category:
                return exemption
        return None

    def vat_breakdown(self) -> list[VatBreakdown]:
        """The VAT breakdown (BG-23): one entry per VAT category code and rate, in the order
        they first occur in the lines, then the document level allowances/charges.

        taxable amount (BT-116) = Σ line net amounts + Σ charges − Σ allowances of that
        category and rate (BR-S-08, BR-Z-08, BR-E-08, …); tax amount (BT-117) = taxable
        amount × rate ÷ 100, rounded to 2 decimals half away from zero (BR-CO-17); 0 for
        category O and zero-rated categories.
        """
        taxable: dict[tuple[str, Decimal | None], Decimal] = {}
        rates: dict[tuple[str, Decimal | None], Decimal | None] = {}
        items: Iterable[tuple[str, Decimal | None, Decimal]] = [
            *((ln.vat_category, ln.vat_rate, ln.net_amount or Decimal(0)) for ln in self.lines),
            *((ac.vat_category, ac.vat_rate, ac.signed_amount) for ac in self.allowances_charges),
        ]
        for category, rate, amount in items:
            key = _vat_key(category, rate)
            taxable[key] = taxable.get(key, Decimal(0)) + amount
            rates.setdefault(key, rate)
        out = []
        for key, base in taxable.items():
            category, _ = key
            rate = rates[key]
            tax = round_amount(base * rate / 100) if rate else Decimal("0.00")
            exemption = self.exemption_for(category)
            out.append(VatBreakdown(
                category=category, rate=rate, taxable_amount=round_amount(base), tax_amount=tax,
                exemption_reason_code=exemption.reason_code if exemption else None,
                exemption_reason=exemption.reason if exemption else None,
            ))
        return out

    def totals(self) -> Totals:
        """Document totals (BG-22) by BR-CO-10…BR-CO-16."""
        line_net_total = sum((ln.net_amount or Decimal(0) for ln in self.lines), Decimal("0.00"))
        allowance_total = sum((ac.amount for ac in self.allowances_charges if not ac.is_charge), Decimal("0.00"))
        charge_total = sum((ac.amount for ac in self.allowances_charges if ac.is_charge), Decimal("0.00"))
        total_without_vat = line_net_total - allowance_total + charge_total
        vat_total = sum((b.tax_amount for b in self.vat_breakdown()), Decimal("0.00"))
        total_with_vat = total_without_vat + vat_total
        paid = self.paid_amount or Decimal("0.00")
        rounding = self.rounding_amount or Decimal("0.00")
        return Totals(
            line_net_total=round_amount(line_net_total),
            allowance_total=round_amount(allowance_total),
            charge_total=round_amount(charge_total),
            total_without_vat=round_amount(total_without_vat),
            vat_total=round_amount(vat_total),
            total_with_vat=round_amount(total_with_vat),
            paid_amount=round_amount(paid),
            rounding_amount=round_amount(rounding),
            amount_due=round_amount(total_with_vat - paid + rounding),
        )
