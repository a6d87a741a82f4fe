"""Periods, addresses, identifiers and the parties of a BIS 3 document (BG-4 … BG-13)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, model_validator

from .. import codes
from ..identifiers import peppol_id as _peppol_id
from ..identifiers import se_orgnr as _se_orgnr
from ..identifiers import se_vat as _se_vat
from ._base import Code, CountryCode, Text, _Model


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
