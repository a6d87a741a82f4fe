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
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, getcontext
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from . import codes
from .identifiers import bankgiro as _bankgiro
from .identifiers import peppol_id as _peppol_id
from .identifiers import plusgiro as _plusgiro
from .identifiers import se_orgnr as _se_orgnr
from .identifiers import se_vat as _se_vat

__all__ = [
    "CENT", "R120_TOLERANCE", "round_amount",
    "Period", "Address", "Contact", "Identifier", "EndpointId",
    "Seller", "Buyer", "Payee", "TaxRepresentative", "Delivery",
    "PaymentMeans", "AllowanceCharge", "LineAllowanceCharge", "VatExemption",
    "ItemClassification", "ItemAttribute", "Line", "Attachment", "PrecedingInvoice",
    "VatBreakdown", "Totals", "Document",
]

CENT = Decimal("0.01")
R120_TOLERANCE = Decimal("0.02")
"""Slack the Peppol rules allow between stated and calculated amounts (u:slack in
PEPPOL-EN16931-UBL.sch, R040 and R120)."""


def round_amount(value: Decimal) -> Decimal:
    """Round to 2 decimals, half away from zero (``ROUND_HALF_UP``): 0.125 → 0.13."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------------------
# Annotated scalar types
# ----------------------------------------------------------------------------------------

def _no_float(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        raise ValueError("floats are not accepted for amounts, quantities or rates: pass a Decimal, an int or a string")
    return value


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


def _two_decimals(value: Decimal) -> Decimal:
    _finite(value)
    try:
        ok = value == value.quantize(CENT)
    except InvalidOperation:  # pragma: no cover - more digits than the context holds
        ok = False
    if not ok:
        raise ValueError(f"an amount has at most 2 decimals (BR-DEC-*), got {value}")
    return value


Amount = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_two_decimals)]
"""A money amount: Decimal with at most 2 decimals."""
Number = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_finite)]
"""A quantity, price or rate: Decimal, any number of decimals."""
XML_WHITESPACE = " \t\n\r"
"""White space as XML and the rules (XPath normalize-space) know it. Other Unicode spaces
(no-break space, U+3000, NEL, U+2028) are content to them: an element holding only one is not
empty (PEPPOL-EN16931-R008), so the model does not strip them either (a document the rules
accept must be readable)."""


def _strip_xml_whitespace(value: Any) -> Any:
    return value.strip(XML_WHITESPACE) if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_strip_xml_whitespace), StringConstraints(min_length=1)]
"""Non-empty text (PEPPOL-EN16931-R008: no empty elements); surrounding XML white space removed."""
Code = Annotated[str, BeforeValidator(_strip_xml_whitespace),
                 StringConstraints(min_length=1, pattern=r"^[^ \t\n\r]+$")]
"""A code or identifier without (XML) white space."""
CountryCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9]{2}$")]
"""ISO 3166-1 alpha-2 country code (BR-CL-14)."""
CurrencyCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{3}$")]
"""ISO 4217 alphabetic currency code (BR-CL-04)."""


class _Model(BaseModel):
    # bytes (attachment content) travel as (URL-safe) base64 in JSON, so model_dump_json() round-trips.
    # No str_strip_whitespace: it strips Unicode white space; Text and Code strip XML's.
    model_config = ConfigDict(extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")


def _check_vat(category: str, rate: Decimal | None, field: str = "vat_rate") -> None:
    """VAT category code list and the rate rules per category."""
    if category not in codes.VAT_CATEGORIES:
        raise ValueError(
            f"vat_category: {category!r} is not a UNCL5305 VAT category of EN 16931 "
            f"({', '.join(codes.VAT_CATEGORIES)}) (BR-CL-17/BR-CL-18)")
    if category in codes.VAT_CATEGORIES_WITHOUT_RATE:
        if rate is not None:
            raise ValueError(f"{field}: VAT category O (not subject to VAT) has no VAT rate (BR-O-05)")
        return
    if rate is None:
        raise ValueError(f"{field}: VAT category {category} needs a VAT rate (BR-{category}-05 / BR-CO-04)")
    if category in codes.VAT_CATEGORIES_ZERO_RATE and rate != 0:
        raise ValueError(f"{field}: VAT category {category} has VAT rate 0, got {rate} (BR-{category}-05)")
    if category == codes.VAT_STANDARD and rate <= 0:
        raise ValueError(f"{field}: VAT category S has a VAT rate above 0, got {rate} (BR-S-05)")
    if rate < 0:
        raise ValueError(f"{field}: a VAT rate is not negative, got {rate}")


@contextmanager
def _arithmetic(field: str) -> Iterator[None]:
    """decimal's errors on numbers beyond its context (Overflow; InvalidOperation when a
    result needs more than 28 significant digits, e.g. rounding 10^30 to cents) as the
    ValueError of *field*: a document with absurd numbers is a validation error, never a crash."""
    try:
        yield
    except ArithmeticError as exc:
        raise ValueError(f"{field}: the numbers are too large to compute the amounts with ({type(exc).__name__}: "
                         f"more than {getcontext().prec} significant digits)") from None


def _vat_key(category: str, rate: Decimal | None) -> tuple[str, Decimal | None]:
    return category, (None if rate is None else rate.normalize())


# ----------------------------------------------------------------------------------------
# Small building blocks
# ----------------------------------------------------------------------------------------

class Period(_Model):
    """Invoicing period (BG-14) or invoice line period (BG-26)."""

    start: dt.date | None = Field(None, description="BT-73 Invoicing period start date / BT-134 Invoice line period start date")
    end: dt.date | None = Field(None, description="BT-74 Invoicing period end date / BT-135 Invoice line period end date")

    @model_validator(mode="after")
    def _check(self) -> Period:
        if self.start is None and self.end is None:
            raise ValueError("start: a period has a start date, an end date or both (BR-CO-19, BR-CO-20)")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end: the end date {self.end} is before the start date {self.start} (BR-29, BR-30)")
        return self

    def contains(self, other: Period) -> bool:
        """Whether *other* lies inside this period (PEPPOL-EN16931-R110/R111)."""
        if self.start and other.start and other.start < self.start:
            return False
        if self.end and other.end and other.end > self.end:
            return False
        return True


class Address(_Model):
    """Postal address: seller BG-5, buyer BG-8, tax representative BG-12, deliver-to BG-15."""

    street: Text | None = Field(None, description="BT-35 / BT-50 / BT-64 / BT-75 Address line 1 (StreetName)")
    additional_street: Text | None = Field(None, description="BT-36 / BT-51 / BT-65 / BT-76 Address line 2 (AdditionalStreetName)")
    address_line: Text | None = Field(None, description="BT-162 / BT-163 / BT-164 / BT-165 Address line 3 (AddressLine/Line)")
    city: Text | None = Field(None, description="BT-37 / BT-52 / BT-66 / BT-77 City")
    postal_code: Text | None = Field(None, description="BT-38 / BT-53 / BT-67 / BT-78 Post code (PostalZone)")
    subdivision: Text | None = Field(None, description="BT-39 / BT-54 / BT-68 / BT-79 Country subdivision")
    country: CountryCode = Field(description="BT-40 / BT-55 / BT-69 / BT-80 Country code (BR-09, BR-11, BR-20, BR-57)")


class Contact(_Model):
    """Seller contact (BG-6) or buyer contact (BG-9)."""

    name: Text | None = Field(None, description="BT-41 / BT-56 Contact point")
    telephone: Text | None = Field(None, description="BT-42 / BT-57 Contact telephone number")
    email: Text | None = Field(None, description="BT-43 / BT-58 Contact email address")

    @model_validator(mode="after")
    def _not_empty(self) -> Contact:
        if not (self.name or self.telephone or self.email):
            raise ValueError("name: a contact has a name, a telephone number or an email address (PEPPOL-EN16931-R008)")
        return self


class Identifier(_Model):
    """An identifier with an optional scheme (ISO 6523 ICD, e.g. ``0007``).

    With scheme ``0007`` the value must be a valid Swedish organisation number and is
    stored compact (10 digits).
    """

    value: Text = Field(description="The identifier")
    scheme: Code | None = Field(None, description="Scheme identifier (schemeID), e.g. ISO 6523 ICD 0007")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"value": data}
        return data

    @model_validator(mode="after")
    def _check(self) -> Identifier:
        if self.scheme == codes.EAS_SE_ORGNR:
            try:
                self.value = _se_orgnr.validate(self.value)
            except ValueError as exc:
                raise ValueError(f"value: {exc}") from None
        return self


class EndpointId(_Model):
    """Electronic address (BT-34 seller, BT-49 buyer): the Peppol participant identifier.

    Accepts ``"0007:2120001306"`` as well as ``{"scheme": "0007", "value": "2120001306"}``.
    The scheme must be in the EAS code list (BR-CL-25); values of scheme 0007 (Swedish
    organisation number) and 0088 (GLN) are checked and stored compact.
    """

    scheme: Code = Field(description="BT-34-1 / BT-49-1 Electronic address identification scheme identifier (EAS)")
    value: Text = Field(description="BT-34 / BT-49 Electronic address")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            scheme, sep, value = data.strip().partition(":")
            if not sep:
                raise ValueError("endpoint: expected 'scheme:value', e.g. '0007:2120001306'")
            return {"scheme": scheme, "value": value}
        return data

    @model_validator(mode="after")
    def _check(self) -> EndpointId:
        try:
            parsed = _peppol_id.parse(f"{self.scheme}:{self.value}")
        except ValueError as exc:
            raise ValueError(f"value: {exc}") from None
        self.scheme, self.value = parsed.scheme, parsed.value
        return self

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


# ----------------------------------------------------------------------------------------
# Parties
# ----------------------------------------------------------------------------------------

class _Party(_Model):
    registration_name: Text = Field(description="BT-27 Seller name / BT-44 Buyer name (PartyLegalEntity/RegistrationName)")
    name: Text | None = Field(None, description="BT-28 Seller trading name / BT-45 Buyer trading name (PartyName/Name)")
    endpoint: EndpointId = Field(description="BT-34 Seller / BT-49 Buyer electronic address (PEPPOL-EN16931-R020/R010)")
    identifiers: list[Identifier] = Field(default_factory=list, description="BT-29 Seller identifier / BT-46 Buyer identifier (PartyIdentification)")
    legal_registration_id: Identifier | None = Field(None, description="BT-30 Seller / BT-47 Buyer legal registration identifier (PartyLegalEntity/CompanyID), scheme 0007 for a Swedish organisation number")
    vat_id: Text | None = Field(None, description="BT-31 Seller / BT-48 Buyer VAT identifier (PartyTaxScheme with TaxScheme VAT)")
    address: Address = Field(description="BG-5 Seller / BG-8 Buyer postal address (BR-08, BR-10)")
    contact: Contact | None = Field(None, description="BG-6 Seller / BG-9 Buyer contact")


class Seller(_Party):
    """Seller (BG-4)."""

    legal_form: Text | None = Field(None, description="BT-33 Seller additional legal information (PartyLegalEntity/CompanyLegalForm)")
    tax_registration_id: Text | None = Field(None, description="BT-32 Seller tax registration identifier (PartyTaxScheme with TaxScheme TAX); for a Swedish seller 'Godkänd för F-skatt' (SE-R-005)")

    @model_validator(mode="after")
    def _swedish_rules(self) -> Seller:
        if self.address.country != "SE":
            return self
        if self.vat_id and self.vat_id.upper().startswith("SE"):
            try:
                self.vat_id = _se_vat.validate(self.vat_id)
            except ValueError as exc:
                raise ValueError(f"vat_id: {exc}") from None
        if self.legal_registration_id is not None:
            try:
                self.legal_registration_id.value = _se_orgnr.validate(self.legal_registration_id.value)
            except ValueError as exc:
                raise ValueError(f"legal_registration_id: {exc} (SE-R-003/SE-R-004/SE-R-013)") from None
            if self.tax_registration_id is not None and self.tax_registration_id.upper() != codes.SE_F_TAX_TEXT.upper():
                raise ValueError(
                    f"tax_registration_id: a Swedish seller states {codes.SE_F_TAX_TEXT!r} as tax registration "
                    f"identifier (SE-R-005)")
        return self


class Buyer(_Party):
    """Buyer (BG-7)."""


class Payee(_Model):
    """Payee (BG-10), when it is not the seller."""

    name: Text = Field(description="BT-59 Payee name (PartyName/Name)")
    identifier: Identifier | None = Field(None, description="BT-60 Payee identifier (PartyIdentification/ID)")
    legal_registration_id: Identifier | None = Field(None, description="BT-61 Payee legal registration identifier (PartyLegalEntity/CompanyID)")


class TaxRepresentative(_Model):
    """Seller tax representative party (BG-11)."""

    name: Text = Field(description="BT-62 Seller tax representative name")
    vat_id: Code = Field(description="BT-63 Seller tax representative VAT identifier (BR-56)")
    address: Address = Field(description="BG-12 Seller tax representative postal address (BR-54)")


class Delivery(_Model):
    """Delivery information (BG-13) with the deliver-to address (BG-15)."""

    party_name: Text | None = Field(None, description="BT-70 Deliver to party name")
    location_id: Identifier | None = Field(None, description="BT-71 Deliver to location identifier")
    date: dt.date | None = Field(None, description="BT-72 Actual delivery date")
    address: Address | None = Field(None, description="BG-15 Deliver to address")

    @model_validator(mode="after")
    def _not_empty(self) -> Delivery:
        if self.party_name is None and self.location_id is None and self.date is None and self.address is None:
            raise ValueError("party_name: delivery information has a party name, location, date or address "
                             "(an empty cac:Delivery breaks PEPPOL-EN16931-R008)")
        return self


# ----------------------------------------------------------------------------------------
# Payment
# ----------------------------------------------------------------------------------------

class PaymentMeans(_Model):
    """Payment instructions (BG-16) with credit transfer (BG-17), card (BG-18) or direct
    debit (BG-19).

    Swedish Bankgiro/PlusGiro: code 30 with account ID the giro number and financial
    institution branch ``SE:BANKGIRO`` / ``SE:PLUSGIRO`` (SE-R-007…SE-R-011). Use
    :meth:`bankgiro`, :meth:`plusgiro` or :meth:`iban` to build one with the number checked.
    """

    code: Code = Field(codes.PAYMENT_CREDIT_TRANSFER, description="BT-81 Payment means type code (UNCL4461, BR-CL-16)")
    text: Text | None = Field(None, description="BT-82 Payment means text (PaymentMeansCode/@name)")
    payment_id: Text | None = Field(None, description="BT-83 Remittance information (PaymentID)")
    account_id: Code | None = Field(None, description="BT-84 Payment account identifier (PayeeFinancialAccount/ID): IBAN, Bankgiro or PlusGiro number")
    account_name: Text | None = Field(None, description="BT-85 Payment account name")
    branch_id: Code | None = Field(None, description="BT-86 Payment service provider identifier (FinancialInstitutionBranch/ID): BIC, or SE:BANKGIRO / SE:PLUSGIRO")
    card_number: Code | None = Field(None, description="BT-87 Payment card primary account number (last digits only)")
    card_network: Code | None = Field(None, description="Card network (CardAccount/NetworkID, mandatory in UBL with BT-87)")
    card_holder: Text | None = Field(None, description="BT-88 Payment card holder name")
    mandate_id: Text | None = Field(None, description="BT-89 Mandate reference identifier")
    debited_account: Code | None = Field(None, description="BT-91 Debited account identifier")

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if value not in codes.UNCL4461_CODES:
            raise ValueError(f"{value!r} is not a UNCL4461 payment means code (BR-CL-16)")
        return value

    @model_validator(mode="after")
    def _check(self) -> PaymentMeans:
        if self.code in codes.PAYMENT_DIRECT_DEBIT_CODES and not self.mandate_id:
            raise ValueError("mandate_id: direct debit needs a mandate reference (BT-89, PEPPOL-EN16931-R061)")
        if (self.account_name or self.branch_id) and not self.account_id:
            raise ValueError("account_id: an account name or branch needs the payment account identifier (BT-84, BR-50)")
        if (self.card_network or self.card_holder) and not self.card_number:
            raise ValueError("card_number: card details need the primary account number (BT-87)")
        if self.card_number and not self.card_network:
            raise ValueError("card_network: UBL CardAccount needs a NetworkID with the card number (BT-87)")
        if self.branch_id == codes.SE_BANKGIRO_BRANCH and self.account_id is not None:
            if not self.account_id.isdigit() or len(self.account_id) not in (7, 8):
                raise ValueError("account_id: a Bankgiro number is 7 or 8 digits without separators (SE-R-008, SE-R-009)")
        if self.branch_id == codes.SE_PLUSGIRO_BRANCH and self.account_id is not None:
            if not self.account_id.isdigit() or not 2 <= len(self.account_id) <= 8:
                raise ValueError("account_id: a PlusGiro number is 2 to 8 digits without separators (SE-R-007, SE-R-010)")
        return self

    @classmethod
    def bankgiro(cls, number: str, *, payment_id: str | None = None, account_name: str | None = None) -> PaymentMeans:
        """Credit transfer (30) to a Bankgiro number (checked: 7–8 digits, Luhn)."""
        return cls(code=codes.PAYMENT_CREDIT_TRANSFER, payment_id=payment_id, account_id=_bankgiro.validate(number),
                   account_name=account_name, branch_id=codes.SE_BANKGIRO_BRANCH)

    @classmethod
    def plusgiro(cls, number: str, *, payment_id: str | None = None, account_name: str | None = None) -> PaymentMeans:
        """Credit transfer (30) to a PlusGiro number (checked: 2–8 digits, Luhn)."""
        return cls(code=codes.PAYMENT_CREDIT_TRANSFER, payment_id=payment_id, account_id=_plusgiro.validate(number),
                   account_name=account_name, branch_id=codes.SE_PLUSGIRO_BRANCH)

    @classmethod
    def iban(cls, iban: str, bic: str | None = None, *, payment_id: str | None = None,
             account_name: str | None = None, code: str = codes.PAYMENT_CREDIT_TRANSFER) -> PaymentMeans:
        """Credit transfer to an IBAN (checked with python-stdnum), with an optional BIC."""
        from stdnum import bic as _bic
        from stdnum import iban as _iban

        try:
            number = _iban.validate(iban)
        except ValueError as exc:
            raise ValueError(f"account_id: not a valid IBAN: {exc}") from None
        try:
            branch = _bic.validate(bic) if bic else None
        except ValueError as exc:
            raise ValueError(f"branch_id: not a valid BIC: {exc}") from None
        return cls(code=code, payment_id=payment_id, account_id=number, account_name=account_name, branch_id=branch)


# ----------------------------------------------------------------------------------------
# Allowances and charges
# ----------------------------------------------------------------------------------------

class _AllowanceChargeBase(_Model):
    is_charge: bool = Field(description="ChargeIndicator: true for a charge (BG-21/BG-28), false for an allowance (BG-20/BG-27)")
    amount: Amount = Field(description="BT-92 / BT-99 / BT-136 / BT-141 Allowance or charge amount")
    base_amount: Amount | None = Field(None, description="BT-93 / BT-100 / BT-137 / BT-142 Base amount")
    percentage: Number | None = Field(None, description="BT-94 / BT-101 / BT-138 / BT-143 Percentage (MultiplierFactorNumeric)")
    reason: Text | None = Field(None, description="BT-97 / BT-104 / BT-139 / BT-144 Reason")
    reason_code: Code | None = Field(None, description="BT-98 / BT-105 / BT-140 / BT-145 Reason code (UNCL5189 allowances, UNCL7161 charges)")

    @model_validator(mode="after")
    def _check_base(self) -> Any:
        if not (self.reason or self.reason_code):
            raise ValueError("reason: an allowance or charge has a reason or a reason code (BR-33, BR-38, BR-42, BR-44)")
        if self.percentage is not None and self.base_amount is None:
            raise ValueError("base_amount: a percentage needs a base amount (PEPPOL-EN16931-R041)")
        if self.base_amount is not None and self.percentage is None:
            raise ValueError("percentage: a base amount needs a percentage (PEPPOL-EN16931-R042)")
        if self.percentage is not None and self.base_amount is not None:
            with _arithmetic("percentage"):
                expected = self.base_amount * self.percentage / 100
                if abs(self.amount - expected) > R120_TOLERANCE:
                    raise ValueError(
                        f"amount: {self.amount} is not base amount × percentage / 100 = {round_amount(expected)} "
                        f"(PEPPOL-EN16931-R040)")
        return self

    @property
    def signed_amount(self) -> Decimal:
        """The amount with the sign it has in the totals: + for a charge, − for an allowance."""
        return self.amount if self.is_charge else -self.amount


class AllowanceCharge(_AllowanceChargeBase):
    """Document level allowance (BG-20) or charge (BG-21), with its VAT category."""

    vat_category: Code = Field(description="BT-95 / BT-102 Document level allowance/charge VAT category code (BR-32, BR-37)")
    vat_rate: Number | None = Field(None, description="BT-96 / BT-103 Document level allowance/charge VAT rate")

    @model_validator(mode="after")
    def _check_vat(self) -> AllowanceCharge:
        _check_vat(self.vat_category, self.vat_rate)
        return self

    @classmethod
    def allowance(cls, amount: Any, reason: str, vat_category: str, vat_rate: Any = None, **kw: Any) -> AllowanceCharge:
        """A document level allowance (BG-20)."""
        return cls(is_charge=False, amount=amount, reason=reason, vat_category=vat_category, vat_rate=vat_rate, **kw)

    @classmethod
    def charge(cls, amount: Any, reason: str, vat_category: str, vat_rate: Any = None, **kw: Any) -> AllowanceCharge:
        """A document level charge (BG-21)."""
        return cls(is_charge=True, amount=amount, reason=reason, vat_category=vat_category, vat_rate=vat_rate, **kw)


class LineAllowanceCharge(_AllowanceChargeBase):
    """Invoice line allowance (BG-27) or charge (BG-28); it takes the line's VAT category."""


class VatExemption(_Model):
    """The VAT exemption reason of one VAT category, shown in its VAT breakdown (BG-23)."""

    category: Code = Field(description="BT-118 VAT category code the reason applies to")
    reason_code: Code | None = Field(None, description="BT-121 VAT exemption reason code (VATEX, BR-CL-22)")
    reason: Text | None = Field(None, description="BT-120 VAT exemption reason text")

    @model_validator(mode="after")
    def _check(self) -> VatExemption:
        if self.category not in codes.VAT_CATEGORIES:
            raise ValueError(f"category: {self.category!r} is not a UNCL5305 VAT category (BR-CL-18)")
        if not (self.reason_code or self.reason):
            raise ValueError("reason_code: give a VAT exemption reason code (BT-121) or text (BT-120)")
        if self.reason_code is not None and self.reason_code not in codes.VATEX_ALL_CODES:
            raise ValueError(f"reason_code: {self.reason_code!r} is not in the VATEX code list (BR-CL-22)")
        return self


# ----------------------------------------------------------------------------------------
# Lines
# ----------------------------------------------------------------------------------------

class ItemClassification(_Model):
    """Item classification identifier (BT-158) with its scheme (BT-158-1, BR-65)."""

    code: Code = Field(description="BT-158 Item classification identifier")
    list_id: Code = Field(description="BT-158-1 Scheme identifier (UNCL7143, e.g. STI)")
    list_version: Text | None = Field(None, description="BT-158-2 Scheme version identifier")


class ItemAttribute(_Model):
    """Item attribute (BG-32)."""

    name: Text = Field(description="BT-160 Item attribute name")
    value: Text = Field(description="BT-161 Item attribute value")


class Line(_Model):
    """Invoice line (BG-25) with its period (BG-26), allowances/charges (BG-27/28), price
    details (BG-29), VAT information (BG-30) and item information (BG-31)."""

    id: Code = Field(description="BT-126 Invoice line identifier")
    note: Text | None = Field(None, description="BT-127 Invoice line note")
    object_id: Identifier | None = Field(None, description="BT-128 Invoice line object identifier (DocumentReference, type 130)")
    quantity: Number = Field(description="BT-129 Invoiced quantity (BR-22)")
    unit_code: Code = Field(description="BT-130 Invoiced quantity unit of measure code (UN/ECE Rec 20/21, BR-23, BR-CL-23)")
    net_amount: Amount | None = Field(None, description="BT-131 Invoice line net amount; computed from quantity × price ÷ base quantity + charges − allowances when not given (PEPPOL-EN16931-R120)")
    order_line_reference: Text | None = Field(None, description="BT-132 Referenced purchase order line reference")
    accounting_cost: Text | None = Field(None, description="BT-133 Invoice line Buyer accounting reference")
    period: Period | None = Field(None, description="BG-26 Invoice line period")
    allowances_charges: list[LineAllowanceCharge] = Field(default_factory=list, description="BG-27 Invoice line allowances / BG-28 Invoice line charges")
    price: Number = Field(description="BT-146 Item net price (BR-26, BR-27)")
    price_discount: Number | None = Field(None, description="BT-147 Item price discount (Price/AllowanceCharge/Amount)")
    gross_price: Number | None = Field(None, description="BT-148 Item gross price (Price/AllowanceCharge/BaseAmount, BR-28)")
    base_quantity: Number | None = Field(None, description="BT-149 Item price base quantity (unit BT-150 = BT-130, PEPPOL-EN16931-R121/R130)")
    vat_category: Code = Field(description="BT-151 Invoiced item VAT category code")
    vat_rate: Number | None = Field(None, description="BT-152 Invoiced item VAT rate")
    item_name: Text = Field(description="BT-153 Item name (BR-25)")
    item_description: Text | None = Field(None, description="BT-154 Item description")
    seller_item_id: Text | None = Field(None, description="BT-155 Item Seller's identifier")
    buyer_item_id: Text | None = Field(None, description="BT-156 Item Buyer's identifier")
    standard_item_id: Identifier | None = Field(None, description="BT-157 Item standard identifier with its scheme (BR-64)")
    classifications: list[ItemClassification] = Field(default_factory=list, description="BT-158 Item classification identifiers")
    origin_country: CountryCode | None = Field(None, description="BT-159 Item country of origin")
    attributes: list[ItemAttribute] = Field(default_factory=list, description="BG-32 Item attributes")

    def _unrounded_net_amount(self) -> Decimal:
        base = self.base_quantity if self.base_quantity else Decimal(1)
        charges = sum((ac.signed_amount for ac in self.allowances_charges), Decimal(0))
        return self.quantity * self.price / base + charges

    def computed_net_amount(self) -> Decimal:
        """Quantity × (price ÷ base quantity) + line charges − line allowances, rounded to
        2 decimals half away from zero (the formula of PEPPOL-EN16931-R120)."""
        return round_amount(self._unrounded_net_amount())

    @model_validator(mode="after")
    def _check(self) -> Line:
        if self.price < 0:
            raise ValueError(f"price: the item net price is not negative, got {self.price} (BR-27)")
        if self.gross_price is not None and self.gross_price < 0:
            raise ValueError(f"gross_price: the item gross price is not negative, got {self.gross_price} (BR-28)")
        if self.base_quantity is not None and self.base_quantity <= 0:
            raise ValueError(f"base_quantity: must be above zero, got {self.base_quantity} (PEPPOL-EN16931-R121)")
        if self.gross_price is not None:
            with _arithmetic("gross_price"):
                discount = self.gross_price - self.price
            if self.price_discount is None:
                self.price_discount = discount
            elif self.price_discount != discount:
                raise ValueError(
                    f"price_discount: net price {self.price} is not gross price {self.gross_price} − discount "
                    f"{self.price_discount} (PEPPOL-EN16931-R046)")
        _check_vat(self.vat_category, self.vat_rate)
        with _arithmetic("net_amount"):
            computed = self.computed_net_amount()
            if self.net_amount is None:
                self.net_amount = computed
            elif abs(self.net_amount - self._unrounded_net_amount()) > R120_TOLERANCE:
                raise ValueError(
                    f"net_amount: {self.net_amount} is not quantity × price ÷ base quantity + charges − allowances "
                    f"= {computed} (PEPPOL-EN16931-R120)")
        return self


# ----------------------------------------------------------------------------------------
# Attachments and references
# ----------------------------------------------------------------------------------------

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
