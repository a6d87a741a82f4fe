"""Payment instructions (BG-16 … BG-19), with the Swedish giro numbers (SE-R-007 … SE-R-011)."""
from __future__ import annotations


from pydantic import Field, field_validator, model_validator

from .. import codes
from ..identifiers import bankgiro as _bankgiro
from ..identifiers import plusgiro as _plusgiro
from ._base import Code, Text, _Model


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
