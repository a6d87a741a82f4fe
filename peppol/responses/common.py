"""What the two responses share: the rule error, the checks of every element written, and
the parties (electronic address, party identifier, contact, legal name).

Checks cite the Peppol rule they enforce (``PEPPOL-COMMON-R001`` no empty elements, the
identifier check digits of ``R040``/``R041``/``R043``/``R049``/``R050``); the identifier
rules themselves are :mod:`peppol.identifiers`. Error messages name the field, never a
Swedish organisation number (a sole trader's is a personal identity number).
"""
from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

from peppol import codes
from peppol.identifiers import au_abn, be_enterprise, gln, no_orgnr, se_orgnr
from peppol.model import XML_WHITESPACE

__all__ = ["ResponseRuleError", "RuleModel", "filled", "known_code", "check_identifier",
           "Endpoint", "PartyId", "Contact", "ResponseParty", "DocumentParty"]


class ResponseRuleError(Exception):
    """A response the Peppol rules (or this builder's stated policy) do not allow.

    Deliberately not a :class:`ValueError`: raised inside a pydantic validator it reaches
    the caller as it is, with ``rule`` (a Peppol rule id, or ``T111``/``T71`` for the data
    model of the transaction) and ``message``; ``str(error)`` is ``"<rule>: <message>"``.
    """

    def __init__(self, rule: str, message: str):
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


def _lenient(info: ValidationInfo | None) -> bool:
    return bool(info is not None and isinstance(info.context, dict) and info.context.get("lenient"))


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def filled(value: str | None, what: str) -> None:
    """PEPPOL-COMMON-R001: every element written must have content (and XML 1.0 characters)."""
    if value is None:
        return
    if not value.strip(XML_WHITESPACE):  # the rules' normalize-space: a no-break space is content
        raise ResponseRuleError("PEPPOL-COMMON-R001",
                                f"{what} is empty; Peppol documents must not contain empty elements")
    if _NOT_XML.search(value):
        raise ResponseRuleError("XML", f"{what} contains a character XML 1.0 does not allow")


def known_code(value: Any, allowed: Collection[str], rule: str, refusal: str) -> Any:
    """*value* as it is, for a pydantic "before" validator of a code field, unless it is a
    string outside the code list *allowed*: then :class:`ResponseRuleError` with *rule* and
    *refusal*, in which ``{value}`` stands for the value's repr."""
    if isinstance(value, str) and value not in allowed:
        raise ResponseRuleError(rule, refusal.replace("{value}", repr(value)))
    return value


# scheme -> (rule, the rule's pattern, the identifier module, what the value must be): the
# fatal identifier checks of parts/common/rules.sch (poacc 3.0.15), applied to EndpointID and
# PartyIdentification/ID. The pattern is the rule's own (no separators); the module checks
# the check digits the rule's function (u:gln, u:mod11, …) computes.
_ID_CHECKS = {
    codes.EAS_SE_ORGNR: ("PEPPOL-COMMON-R049", r"[0-9]{10}", se_orgnr,
                         "a Swedish organisation number: 10 digits with a Luhn check digit"),
    codes.EAS_GLN: ("PEPPOL-COMMON-R040", r"[0-9]{2,}", gln, "a GLN with a valid GS1 check digit"),
    codes.EAS_NO_ORGNR: ("PEPPOL-COMMON-R041", r"[0-9]{9}", no_orgnr,
                         "a Norwegian organisation number: 9 digits with a modulus 11 check digit"),
    codes.EAS_BE_ENTERPRISE: ("PEPPOL-COMMON-R043", r"[0-9]{10}", be_enterprise,
                              "a Belgian enterprise number: 10 digits with modulus 97 check digits"),
    codes.EAS_AU_ABN: ("PEPPOL-COMMON-R050", r"[0-9]{11}", au_abn,
                       "an Australian Business Number: 11 digits, modulus 89"),
}


def check_identifier(value: str, scheme: str | None, what: str) -> None:
    check = _ID_CHECKS.get(scheme or "")
    if check is None:
        return
    rule, pattern, module, expected = check
    compact = value.strip()
    if not re.fullmatch(pattern, compact) or not module.is_valid(compact):
        # The value is not echoed: under 0007 it may be a sole trader's personal identity number.
        raise ResponseRuleError(rule, f"{what} (scheme {scheme}) must be {expected}")


class RuleModel(BaseModel):
    """A frozen part of a response that checks its rules when it is made (unless read with
    ``context={"lenient": True}``, as the lenient readers do)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> "RuleModel":
        if not _lenient(info):
            self.check()
        return self

    def check(self) -> None:
        """Raise :class:`ResponseRuleError` on the first rule this object breaks."""


# --------------------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------------------
class Endpoint(RuleModel):
    """An electronic address, ``cbc:EndpointID`` with ``schemeID`` (EAS), e.g. ``0007`` +
    a Swedish organisation number."""

    scheme: str
    id: str

    @classmethod
    def parse(cls, participant: str) -> "Endpoint":
        """From a Peppol participant identifier value ``scheme:id`` (e.g. ``0007:2120001306``)."""
        scheme, sep, value = participant.strip().partition(":")
        if not sep:
            raise ResponseRuleError("EAS", "a participant identifier is written scheme:value, e.g. 0007:2120001306")
        return cls(scheme=scheme, id=value)

    def check(self, what: str = "endpoint") -> None:  # type: ignore[override]
        filled(self.id, f"{what} id")
        if self.scheme not in codes.EAS_CODES:
            raise ResponseRuleError(
                "EAS", f"{what} scheme {self.scheme!r} is not in the Electronic Address Scheme (EAS) code list")
        check_identifier(self.id, self.scheme, what)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.id}"


class PartyId(RuleModel):
    """A party identifier, ``cac:PartyIdentification/cbc:ID`` with an optional ISO 6523
    ICD ``schemeID``."""

    id: str
    scheme: str | None = None

    def check(self, what: str = "party identifier") -> None:  # type: ignore[override]
        filled(self.id, what)
        if self.scheme is not None and self.scheme not in codes.ICD_CODES:
            raise ResponseRuleError("ICD", f"{what} scheme {self.scheme!r} is not in the ISO 6523 ICD code list")
        check_identifier(self.id, self.scheme, what)


class Contact(RuleModel):
    """Contact point of the sender of an Invoice Response (``cac:Contact``)."""

    name: str | None = None
    telephone: str | None = None
    email: str | None = None

    def check(self) -> None:
        if self.name is None and self.telephone is None and self.email is None:
            raise ResponseRuleError("PEPPOL-COMMON-R001", "contact has no name, telephone or e-mail; "
                                    "Peppol documents must not contain empty elements")
        filled(self.name, "contact name")
        filled(self.telephone, "contact telephone")
        filled(self.email, "contact e-mail")


class ResponseParty(RuleModel):
    """Sender or receiver of an Invoice Response: electronic address, optional party
    identifier, legal name (``cac:PartyLegalEntity/cbc:RegistrationName``) and, for the
    sender only, a contact."""

    endpoint: Endpoint
    name: str
    identification: PartyId | None = None
    contact: Contact | None = None

    def check(self, what: str = "party") -> None:  # type: ignore[override]
        self.endpoint.check(f"{what} endpoint")
        if self.identification is not None:
            self.identification.check(f"{what} identifier")
        filled(self.name, f"{what} name")
        if self.contact is not None:
            self.contact.check()


class DocumentParty(RuleModel):
    """Seller (``cac:IssuerParty``) or buyer (``cac:RecipientParty``) of the invoice
    responded to: a name and an optional identifier."""

    name: str
    identification: PartyId | None = None

    def check(self, what: str = "party") -> None:  # type: ignore[override]
        if self.identification is not None:
            self.identification.check(f"{what} identifier")
        filled(self.name, f"{what} name")
