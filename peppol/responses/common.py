"""What the two responses share: the rule error, the checks of every element written, and
the parties (electronic address, party identifier, contact, legal name).

Every check cites the official Peppol rule that backs it: ``PEPPOL-COMMON-R001`` (no empty
elements), the identifier rules ``R040``/``R041``/``R043``/``R049``/``R050``, and the
generated data-model rules of the complete T111/T71 Schematron for the code lists of a
party's scheme (EAS, ISO 6523 ICD). Those list rules have one id per place in the document
(``PEPPOL-T111-B00902`` for the sender's EndpointID, ``PEPPOL-T111-B02102`` for the
receiver's, ``PEPPOL-T71-B00802`` …), so a party checks its lists only when the response
tells it its place (:class:`PartyRules`); an :class:`Endpoint` made on its own checks what
holds anywhere (content, check digits). The identifier rules themselves are
:mod:`peppol.identifiers`. Error messages name the field, never a Swedish organisation
number (a sole trader's is a personal identity number).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

from peppol import codes
from peppol.identifiers import au_abn, be_enterprise, gln, no_orgnr, se_orgnr
from peppol.model import XML_WHITESPACE

__all__ = ["ResponseRuleError", "RuleModel", "filled", "known_code", "check_identifier", "PartyRules",
           "RESPONSE_EAS_CODES", "RESPONSE_ICD_CODES", "UNCL1001_CODES",
           "Endpoint", "PartyId", "Contact", "ResponseParty", "DocumentParty"]


class ResponseRuleError(Exception):
    """A response the Peppol rules do not allow, or one that cannot be read or answered.

    Deliberately not a :class:`ValueError`: raised inside a pydantic validator it reaches
    the caller as it is, with ``rule`` and ``message``; ``str(error)`` is
    ``"<rule>: <message>"``. ``rule`` is

    * for a builder's check, the id of the official rule that backs it (``PEPPOL-T111-R001``,
      ``PEPPOL-T111-B03001``, ``PEPPOL-COMMON-R049`` …): the complete T111/T71 rules report
      the same id for a response that breaks the same thing;
    * ``XML`` for a value XML 1.0 cannot hold, or bytes that are no XML (no Peppol rule
      can judge what is not XML);
    * ``T111`` / ``T71`` when a strict reader refuses a received response outside the
      transaction's data model, or a message cannot be answered (it names no party to
      answer, …).
    """

    def __init__(self, rule: str, message: str):
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


def _lenient(info: ValidationInfo | None) -> bool:
    return bool(info is not None and isinstance(info.context, dict) and info.context.get("lenient"))


# --------------------------------------------------------------------------------------
# The code lists of the complete T111/T71 rules (PEPPOLBIS-T111.sch, PEPPOLBIS-T71.sch):
# each list as the union over the OpenPeppol releases 2025.5, 2025.11 and 2026.5, so that a
# builder refuses only what every release refuses. A scheme that only some releases list
# (EAS 0037, dropped in 2026.5; 0245, added in 2026.5) passes the builder and is judged by
# the rules of the release in force when the response is validated before it is written.
# tests/test_response_prechecks.py proves each list against the installed rules.
# --------------------------------------------------------------------------------------
RESPONSE_EAS_CODES = frozenset(
    "0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177 0183 0184 "
    "0188 0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205 0208 0209 0210 0211 "
    "0212 0213 0215 0216 0217 0218 0221 0225 0230 0235 0240 0242 0244 0245 0246 0248 9910 9913 9914 9915 "
    "9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 "
    "9939 9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959".split())
"""Electronic Address Scheme (EAS) of an EndpointID (T111 ``$cleas``, T71 ``$cleas``). Not
:data:`peppol.codes.EAS_CODES`, the billing list (BR-CL-25), which differs."""

RESPONSE_ICD_CODES = frozenset(f"{n:04d}" for n in range(2, 249) if n not in (92, 103, 181, 182))
"""ISO 6523 ICD of a PartyIdentification/ID/@schemeID (T111 ``$clICD``): 0002-0248 except
0092, 0103, 0181 and 0182."""

UNCL1001_CODES = frozenset(str(n) for first, last in (
    (1, 470), (481, 491), (493, 499), (520, 539), (550, 554), (575, 589), (610, 610), (621, 659), (700, 751),
    (760, 761), (763, 766), (770, 770), (775, 775), (780, 799), (810, 812), (820, 825), (830, 830), (833, 833),
    (840, 841), (850, 853), (855, 856), (860, 865), (870, 870), (890, 890), (895, 896), (901, 901), (910, 911),
    (913, 917), (925, 927), (929, 938), (940, 941), (950, 955), (960, 966), (970, 972), (974, 979), (990, 991),
    (995, 996), (998, 998), (1999, 1999)) for n in range(first, last + 1))
"""Document name code, full list (UNCL1001) as the T111 and T71 rules hold it (``$clUNCL1001``)
for DocumentReference/DocumentTypeCode. It lacks some newer codes BIS Billing accepts as an
invoice type (471-473, 500-503, 817, 875-877)."""


class PartyRules(NamedTuple):
    """The official rules for the scheme lists of a party at one place in a response."""

    eas: str
    """The rule of its ``cbc:EndpointID/@schemeID`` (EAS), e.g. ``PEPPOL-T111-B00902``."""
    icd: str = ""
    """The rule of its ``cac:PartyIdentification/cbc:ID/@schemeID`` (ICD), e.g. ``PEPPOL-T111-B01201``."""


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def filled(value: str | None, what: str) -> None:
    """PEPPOL-COMMON-R001: every element written must have content (and XML 1.0 characters)."""
    if value is None:
        return
    if not value.strip(XML_WHITESPACE):  # the rules' normalize-space: a no-break space is content
        raise ResponseRuleError("PEPPOL-COMMON-R001",
                                f"{what} is empty; Peppol documents must not contain empty elements")
    if _NOT_XML.search(value):
        # No Peppol rule backs this one: a character outside XML 1.0 (a control character,
        # U+FFFE, a lone surrogate) cannot be written at all, so no Schematron rule ever sees
        # it. Without the check, writing fails inside lxml (ValueError "All strings must be
        # XML compatible", or a UnicodeEncodeError) with a message that names no field.
        raise ResponseRuleError("XML", f"{what} contains a character XML 1.0 does not allow")


def known_code(value: Any, allowed: Collection[str], rule: str, refusal: str) -> Any:
    """*value* as it is, for a pydantic "before" validator of a code field, unless it is a
    string outside the code list *allowed*: then :class:`ResponseRuleError` with *rule* and
    *refusal*, in which ``{value}`` stands for the value's repr."""
    if isinstance(value, str) and value not in allowed:
        raise ResponseRuleError(rule, refusal.replace("{value}", repr(value)))
    return value


# scheme -> (rule, the rule's pattern, the rule's check-digit test, what the value must be):
# the fatal identifier checks of the common rules of T111 and T71 (the same in every release
# held), applied to EndpointID and PartyIdentification/ID. The pattern is the rule's own (no
# separators), over the value as normalize-space leaves it; the test is the one the rule's
# function (u:gln, u:mod11, …) computes.
_ID_CHECKS: dict[str, tuple[str, str, Callable[[str], bool], str]] = {
    codes.EAS_SE_ORGNR: ("PEPPOL-COMMON-R049", r"[0-9]{10}", se_orgnr.is_valid,
                         "a Swedish organisation number: 10 digits with a Luhn check digit"),
    codes.EAS_GLN: ("PEPPOL-COMMON-R040", r"[0-9]+", lambda v: gln.calc_check_digit(v[:-1]) == v[-1],
                    "a GLN with a valid GS1 check digit"),
    codes.EAS_NO_ORGNR: ("PEPPOL-COMMON-R041", r"[0-9]{9}", no_orgnr.checksum_ok,
                         "a Norwegian organisation number: 9 digits with a modulus 11 check digit"),
    codes.EAS_BE_ENTERPRISE: ("PEPPOL-COMMON-R043", r"[0-9]{10}", be_enterprise.checksum_ok,
                              "a Belgian enterprise number: 10 digits with modulus 97 check digits"),
    codes.EAS_AU_ABN: ("PEPPOL-COMMON-R050", r"[0-9]{11}", au_abn.checksum_ok,
                       "an Australian Business Number: 11 digits, modulus 89"),
}


def check_identifier(value: str, scheme: str | None, what: str) -> None:
    check = _ID_CHECKS.get(scheme or "")
    if check is None:
        return
    rule, pattern, test, expected = check
    compact = value.strip(XML_WHITESPACE)
    if not re.fullmatch(pattern, compact) or not test(compact):
        # The value is not echoed: under 0007 it may be a sole trader's personal identity number.
        raise ResponseRuleError(rule, f"{what} (scheme {scheme}) must be {expected}")


def _check_scheme(scheme: str | None, allowed: Collection[str], rule: str, what: str, kind: str) -> None:
    if scheme is None or scheme in allowed:
        return
    if not scheme.strip(XML_WHITESPACE):
        raise ResponseRuleError(rule, f"{what} has no scheme: a schemeID from the {kind} code list is needed")
    raise ResponseRuleError(rule, f"{what} scheme {scheme!r} is not in the {kind} code list")


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
        """From a Peppol participant identifier value ``scheme:id`` (e.g. ``0007:2120001306``).
        A value without ``scheme:`` gives an endpoint without a scheme, which every response
        refuses where it places it (``PEPPOL-T71-B01102`` for the receiver of an MLR, …)."""
        scheme, sep, value = participant.strip().partition(":")
        if not sep:
            return cls(scheme="", id=scheme)
        return cls(scheme=scheme, id=value)

    def check(self, what: str = "endpoint", eas_rule: str | None = None) -> None:  # type: ignore[override]
        """Content (PEPPOL-COMMON-R001) and check digits (R040 …); with *eas_rule*, the rule
        of the endpoint's place in a response, also the EAS code list of the scheme."""
        filled(self.id, f"{what} id")
        if eas_rule is not None:
            _check_scheme(self.scheme, RESPONSE_EAS_CODES, eas_rule, what, "Electronic Address Scheme (EAS)")
        check_identifier(self.id, self.scheme, what)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.id}"


class PartyId(RuleModel):
    """A party identifier, ``cac:PartyIdentification/cbc:ID`` with an optional ISO 6523
    ICD ``schemeID``."""

    id: str
    scheme: str | None = None

    def check(self, what: str = "party identifier", icd_rule: str | None = None) -> None:  # type: ignore[override]
        """Content and check digits; with *icd_rule* also the ICD code list of the scheme."""
        filled(self.id, what)
        if icd_rule is not None:
            _check_scheme(self.scheme, RESPONSE_ICD_CODES, icd_rule, what, "ISO 6523 ICD")
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

    def check(self, what: str = "party", rules: PartyRules | None = None) -> None:  # type: ignore[override]
        self.endpoint.check(f"{what} endpoint", rules.eas if rules else None)
        if self.identification is not None:
            self.identification.check(f"{what} identifier", rules.icd if rules else None)
        filled(self.name, f"{what} name")
        if self.contact is not None:
            self.contact.check()


class DocumentParty(RuleModel):
    """Seller (``cac:IssuerParty``) or buyer (``cac:RecipientParty``) of the invoice
    responded to: a name and an optional identifier."""

    name: str
    identification: PartyId | None = None

    def check(self, what: str = "party", icd_rule: str | None = None) -> None:  # type: ignore[override]
        if self.identification is not None:
            self.identification.check(f"{what} identifier", icd_rule)
        filled(self.name, f"{what} name")
