"""Allowances and charges (BG-20/21, BG-27/28), VAT exemptions and invoice lines (BG-25)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from .. import codes
from ._base import (R120_TOLERANCE, Amount, Code, CountryCode, Number, Text, _arithmetic, _check_vat, _Model,
                    round_amount)
from .parties import Identifier, Period


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
