"""Peppol post-award responses: Invoice Response (T111) and Message Level Response (T71).

Both are a UBL 2.1 ``ApplicationResponse``; the CustomizationID tells them apart.

* :class:`InvoiceResponse` — Peppol BIS Invoice Response 3 (transaction T111, poacc
  3.0.15): the buyer tells the seller where an invoice is in its process (AB received,
  IP in process, UQ under query, CA conditionally accepted, RE rejected, AP accepted,
  PD paid), with :class:`Clarification` s (``cac:Status``): a clarification *reason* code
  (list ``OPStatusReason``) or *action* code (list ``OPStatusAction``), a free text, and
  :class:`Condition` s naming the invoice field in question (e.g. ``BT-48``) and the value
  the buyer proposes.
* :class:`MessageLevelResponse` — Peppol BIS Message Level Response 3 (T71): the receiving
  side tells the sending side that a message was received (AB), accepted (AP) or rejected
  (RE), with one :class:`LineResponse` per issue (an XPath or ``NA``, a description and
  the issue type BV / BW / SV).

Each model is a frozen pydantic model with ``to_xml() -> bytes`` and
``from_xml(tree | element | bytes)``. The builders enforce, with a
:class:`ResponseRuleError` naming the rule, what the official rules check:

* the published Peppol rules (``PEPPOL-T111-R001`` … ``R007``, ``PEPPOL-T71-R001``, the
  common rules ``PEPPOL-COMMON-R001`` no empty elements, ``R030`` dates, ``R040``/``R041``/
  ``R043``/``R049``/``R050`` identifier check digits);
* the data model of the two transactions (cardinalities and code lists: UNCL4343 subsets,
  EAS, ISO 6523 ICD, UNCL1001). Upstream generates these checks at build time
  (``T111-basic.sch`` / ``T71-basic.sch``) and does not publish them, so the rule sets
  composed from the published parts cannot catch a breach: the builder is the guard;
* a few points of policy where Peppol only warns or only describes (named in the message):
  an ``OTH`` clarification must carry a text (R002 is a warning upstream), an MLR ``AB``
  carries no line responses, an ``AP`` only warnings, an ``RE`` at least one error.

``PEPPOL-T111-R005`` ("PPD only with PD") is enforced here although the published test,
``exists(/cbc:ResponseCode='PD')``, can never fail (``/cbc:ResponseCode`` selects nothing
from the document node, the comparison is ``false()``, and ``exists(false())`` is true).
``PEPPOL-COMMON-R030`` (dates YYYY-MM-DD) does not list ``cbc:EffectiveDate``; the
writer writes every date as YYYY-MM-DD and the reader accepts no other form.

Element order follows the UBL 2.1 XSD (``UBL-ApplicationResponse-2.1.xsd`` and the common
aggregate types); no ``UBLExtensions`` are written. Error messages name the field, never a
Swedish organisation number (a sole trader's is a personal identity number).

This module is the Peppol standard only: nothing here knows about LSS.
"""
from __future__ import annotations

import enum
import re
from datetime import date, time
from typing import Any, ClassVar, Iterable, TypeVar

from lxml import etree
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

from peppol._xml import XmlInputError, parse_bytes
from peppol.model import XML_WHITESPACE
from peppol.identifiers import peppol_id, se_orgnr
from peppol.codes import (
    CREDIT_NOTE_TYPE_CODES, EAS_CODES, INVOICE_TYPE_CODES, STATUS_ACTION_CODES, STATUS_REASON_CODES,
)

__all__ = [
    "ResponseRuleError",
    "INVOICE_RESPONSE_CUSTOMIZATION_ID", "INVOICE_RESPONSE_PROFILE_ID",
    "MLR_CUSTOMIZATION_ID", "MLR_PROFILE_ID",
    "InvoiceStatus", "ClarificationList", "STATUS_REASON_CODES", "STATUS_ACTION_CODES",
    "MessageStatus", "IssueType",
    "Endpoint", "PartyId", "Contact", "ResponseParty", "DocumentParty",
    "Condition", "Clarification", "InvoiceReference", "InvoiceResponse",
    "MessageReference", "LineResponse", "MessageLevelResponse",
    "ReceivedMessage", "received_message",
]

# --------------------------------------------------------------------------------------
# Namespaces and identifiers
# --------------------------------------------------------------------------------------
AR_NS = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDITNOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
_NSMAP = {None: AR_NS, "cac": CAC_NS, "cbc": CBC_NS}

INVOICE_RESPONSE_CUSTOMIZATION_ID = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
"""Specification identifier of Peppol BIS Invoice Response 3 (PEPPOL-T111-R003)."""
INVOICE_RESPONSE_PROFILE_ID = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
MLR_CUSTOMIZATION_ID = "urn:fdc:peppol.eu:poacc:trns:mlr:3"
"""Specification identifier of Peppol BIS Message Level Response 3 (PEPPOL-T71-R001)."""
MLR_PROFILE_ID = "urn:fdc:peppol.eu:poacc:bis:mlr:3"


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


# --------------------------------------------------------------------------------------
# Code lists
# --------------------------------------------------------------------------------------
class InvoiceStatus(str, enum.Enum):
    """Invoice status (UNCL4343 subset ``UNCL4343-T111``), ``cbc:ResponseCode`` of T111."""

    RECEIVED = "AB"
    """Message acknowledgement: a readable invoice was received and submitted for processing."""
    IN_PROCESS = "IP"
    """Processing of the invoice has started in the buyer's system."""
    UNDER_QUERY = "UQ"
    """Halted: the buyer will not proceed without more information from the seller."""
    CONDITIONALLY_ACCEPTED = "CA"
    """Accepted under the conditions stated in the clarifications; paid so unless disputed."""
    REJECTED = "RE"
    """The buyer will not process the invoice any further."""
    ACCEPTED = "AP"
    """Final approval; the next step is payment."""
    PAID = "PD"
    """The buyer has initiated the payment."""

    def __str__(self) -> str:
        return self.value


class ClarificationList(str, enum.Enum):
    """``listID`` of a clarification code (code list ``ClarificationListID``)."""

    REASON = "OPStatusReason"
    """Why the invoice has its status."""
    ACTION = "OPStatusAction"
    """What the buyer asks the seller to do."""

    def __str__(self) -> str:
        return self.value


_CLARIFICATION_CODES = {ClarificationList.REASON: STATUS_REASON_CODES, ClarificationList.ACTION: STATUS_ACTION_CODES}
_CLARIFICATION_RULE = {ClarificationList.REASON: "PEPPOL-T111-R007", ClarificationList.ACTION: "PEPPOL-T111-R006"}
_CLARIFICATION_NEEDED = (InvoiceStatus.UNDER_QUERY, InvoiceStatus.CONDITIONALLY_ACCEPTED, InvoiceStatus.REJECTED)


class MessageStatus(str, enum.Enum):
    """Message level response code (UNCL4343 subset AB, AP, RE), ``cbc:ResponseCode`` of T71."""

    ACKNOWLEDGED = "AB"
    """The message was received; no validation has been performed (yet)."""
    ACCEPTED = "AP"
    """The message passed validation (warnings may be reported as line responses)."""
    REJECTED = "RE"
    """The message failed validation; the line responses say why."""

    def __str__(self) -> str:
        return self.value


class IssueType(str, enum.Enum):
    """Kind of an issue in an MLR line response (code list ``StatusReason``):
    ``cac:LineResponse/cac:Response/cac:Status/cbc:StatusReasonCode``."""

    BUSINESS_RULE_FATAL = "BV"
    BUSINESS_RULE_WARNING = "BW"
    SYNTAX = "SV"

    def __str__(self) -> str:
        return self.value


# ISO 6523 ICD, as checked by BR-CL-10 in the CEN rules bundled with Peppol BIS Billing
# 3.0.19: 0002-0240 except 0092, 0103, 0181 and 0182. (EAS, OPStatusReason/-Action and the
# invoice/credit note type codes come from peppol.codes.)
ICD_CODES = frozenset(f"{n:04d}" for n in range(2, 241) if n not in (92, 103, 181, 182))


# --------------------------------------------------------------------------------------
# Checks shared by both transactions
# --------------------------------------------------------------------------------------
def _lenient(info: ValidationInfo | None) -> bool:
    return bool(info is not None and isinstance(info.context, dict) and info.context.get("lenient"))


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _filled(value: str | None, what: str) -> None:
    """PEPPOL-COMMON-R001: every element written must have content (and XML 1.0 characters)."""
    if value is None:
        return
    if not value.strip(XML_WHITESPACE):  # the rules' normalize-space: a no-break space is content
        raise ResponseRuleError("PEPPOL-COMMON-R001",
                                f"{what} is empty; Peppol documents must not contain empty elements")
    if _NOT_XML.search(value):
        raise ResponseRuleError("XML", f"{what} contains a character XML 1.0 does not allow")


def _mod11_ok(v: str) -> bool:
    body, check = v[:-1], v[-1]
    total = sum(int(d) * (i % 6 + 2) for i, d in enumerate(reversed(body)))
    return int(v) > 0 and (11 - total % 11) % 11 == int(check)


def _mod97_0208_ok(v: str) -> bool:
    return 97 - int(v[:8]) % 97 == int(v[8:])


def _abn_ok(v: str) -> bool:
    weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
    digits = [int(d) for d in v]
    digits[0] -= 1
    return sum(w * d for w, d in zip(weights, digits)) % 89 == 0


# scheme -> (rule, pattern, checksum, what the value must be). The fatal identifier checks
# of parts/common/rules.sch (poacc 3.0.15), applied to EndpointID and PartyIdentification/ID.
_ID_CHECKS = {
    "0007": ("PEPPOL-COMMON-R049", r"[0-9]{10}", se_orgnr.is_valid,
             "a Swedish organisation number: 10 digits with a Luhn check digit"),
    "0088": ("PEPPOL-COMMON-R040", r"[0-9]{2,}", lambda v: peppol_id.is_valid(f"0088:{v}"),
             "a GLN with a valid GS1 check digit"),
    "0192": ("PEPPOL-COMMON-R041", r"[0-9]{9}", _mod11_ok,
             "a Norwegian organisation number: 9 digits with a modulus 11 check digit"),
    "0208": ("PEPPOL-COMMON-R043", r"[0-9]{10}", _mod97_0208_ok,
             "a Belgian enterprise number: 10 digits with modulus 97 check digits"),
    "0151": ("PEPPOL-COMMON-R050", r"[0-9]{11}", _abn_ok, "an Australian Business Number: 11 digits, modulus 89"),
}


def _check_identifier(value: str, scheme: str | None, what: str) -> None:
    check = _ID_CHECKS.get(scheme or "")
    if check is None:
        return
    rule, pattern, ok, expected = check
    compact = value.strip()
    if not re.fullmatch(pattern, compact) or not ok(compact):
        # The value is not echoed: under 0007 it may be a sole trader's personal identity number.
        raise ResponseRuleError(rule, f"{what} (scheme {scheme}) must be {expected}")


_M = TypeVar("_M", bound="_Model")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> "_Model":
        if not _lenient(info):
            self.check()
        return self

    def check(self) -> None:
        """Raise :class:`ResponseRuleError` on the first rule this object breaks."""


# --------------------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------------------
class Endpoint(_Model):
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
        _filled(self.id, f"{what} id")
        if self.scheme not in EAS_CODES:
            raise ResponseRuleError(
                "EAS", f"{what} scheme {self.scheme!r} is not in the Electronic Address Scheme (EAS) code list")
        _check_identifier(self.id, self.scheme, what)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.id}"


class PartyId(_Model):
    """A party identifier, ``cac:PartyIdentification/cbc:ID`` with an optional ISO 6523
    ICD ``schemeID``."""

    id: str
    scheme: str | None = None

    def check(self, what: str = "party identifier") -> None:  # type: ignore[override]
        _filled(self.id, what)
        if self.scheme is not None and self.scheme not in ICD_CODES:
            raise ResponseRuleError("ICD", f"{what} scheme {self.scheme!r} is not in the ISO 6523 ICD code list")
        _check_identifier(self.id, self.scheme, what)


class Contact(_Model):
    """Contact point of the sender of an Invoice Response (``cac:Contact``)."""

    name: str | None = None
    telephone: str | None = None
    email: str | None = None

    def check(self) -> None:
        if self.name is None and self.telephone is None and self.email is None:
            raise ResponseRuleError("PEPPOL-COMMON-R001", "contact has no name, telephone or e-mail; "
                                    "Peppol documents must not contain empty elements")
        _filled(self.name, "contact name")
        _filled(self.telephone, "contact telephone")
        _filled(self.email, "contact e-mail")


class ResponseParty(_Model):
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
        _filled(self.name, f"{what} name")
        if self.contact is not None:
            self.contact.check()


class DocumentParty(_Model):
    """Seller (``cac:IssuerParty``) or buyer (``cac:RecipientParty``) of the invoice
    responded to: a name and an optional identifier."""

    name: str
    identification: PartyId | None = None

    def check(self, what: str = "party") -> None:  # type: ignore[override]
        if self.identification is not None:
            self.identification.check(f"{what} identifier")
        _filled(self.name, f"{what} name")


# --------------------------------------------------------------------------------------
# Invoice Response (T111)
# --------------------------------------------------------------------------------------
class Condition(_Model):
    """A detail of a clarification (``cac:Condition``): the business term of the invoice
    concerned (``attribute_id``, e.g. ``BT-48``) and the value the buyer proposes."""

    attribute_id: str
    description: str | None = None

    def check(self) -> None:
        _filled(self.attribute_id, "condition attribute id")
        _filled(self.description, "condition description")


class Clarification(_Model):
    """One ``cac:Status`` of an Invoice Response: a code from ``OPStatusReason`` (why) or
    ``OPStatusAction`` (what the seller should do), a free text (``cbc:StatusReason``),
    or both, and any number of :class:`Condition` s."""

    list_id: ClarificationList | None = None
    code: str | None = None
    reason: str | None = None
    conditions: tuple[Condition, ...] = ()

    @field_validator("list_id", mode="before")
    @classmethod
    def _known_list(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in {c.value for c in ClarificationList}:
            raise ResponseRuleError(
                "T111",
                f"listID {value!r} is not a clarification list (ClarificationListID: OPStatusReason OPStatusAction)")
        return value

    @classmethod
    def status_reason(cls, code: str, reason: str | None = None,
                      conditions: Iterable[Condition] = ()) -> "Clarification":
        """A clarification reason code (``listID="OPStatusReason"``), e.g. ``REF``."""
        return cls(list_id=ClarificationList.REASON, code=code, reason=reason, conditions=tuple(conditions))

    @classmethod
    def action(cls, code: str, reason: str | None = None, conditions: Iterable[Condition] = ()) -> "Clarification":
        """A clarification action code (``listID="OPStatusAction"``), e.g. ``NIN``."""
        return cls(list_id=ClarificationList.ACTION, code=code, reason=reason, conditions=tuple(conditions))

    @property
    def name(self) -> str | None:
        """The code's name in its list, e.g. ``"References incorrect"`` for ``REF``."""
        if self.list_id is None or self.code is None:
            return None
        return _CLARIFICATION_CODES[self.list_id].get(self.code)

    def check(self) -> None:
        if self.code is not None and self.list_id is None:
            raise ResponseRuleError(
                "T111", f"clarification code {self.code!r} needs its list: OPStatusReason or OPStatusAction")
        if self.list_id is not None and self.code is None:
            raise ResponseRuleError("T111", f"clarification list {self.list_id.value} is given without a code")
        if self.code is None and self.reason is None:
            raise ResponseRuleError("T111", "a clarification needs a code, a reason text or both")
        if self.list_id is not None:
            codes = _CLARIFICATION_CODES[self.list_id]
            if self.code not in codes:
                raise ResponseRuleError(
                    _CLARIFICATION_RULE[self.list_id],
                    f"{self.code!r} is not in the clarification code list {self.list_id.value} ({' '.join(codes)})")
        _filled(self.reason, "clarification reason")
        for condition in self.conditions:
            condition.check()
        if self.code == "OTH" and self.reason is None:
            raise ResponseRuleError(
                "PEPPOL-T111-R002",
                "clarification code OTH needs a reason text (a warning in Peppol; refused by this builder)")
        if self.code == "PPD" and self.reason is None:
            raise ResponseRuleError(
                "PEPPOL-T111-R004", "clarification code PPD (partially paid) needs a reason text")


class InvoiceReference(_Model):
    """The invoice (or credit note) responded to: ``cac:DocumentReference`` with its number
    (BT-1), issue date (BT-2) and type code (BT-3, UNTDID 1001; mandatory in T111)."""

    id: str
    issue_date: date | None = None
    type_code: str = "380"

    def check(self) -> None:
        _filled(self.id, "invoice reference id")
        if self.type_code not in INVOICE_TYPE_CODES | CREDIT_NOTE_TYPE_CODES:
            raise ResponseRuleError(
                "T111", f"document type code {self.type_code!r} is not an invoice or credit note type code "
                        "of Peppol BIS Billing 3.0 (UNTDID 1001, BR-CL-01), e.g. 380 or 381")


class InvoiceResponse(_Model):
    """A Peppol BIS Invoice Response 3 (T111).

    ``sender`` is the buyer answering, ``receiver`` the seller; ``document_reference`` the
    invoice; ``seller`` / ``buyer`` optionally name the invoice's issuer and recipient
    (``cac:IssuerParty`` / ``cac:RecipientParty``) when they differ from the parties of the
    message, e.g. when a third party answers.
    """

    CUSTOMIZATION_ID: ClassVar[str] = INVOICE_RESPONSE_CUSTOMIZATION_ID
    PROFILE_ID: ClassVar[str] = INVOICE_RESPONSE_PROFILE_ID

    id: str
    issue_date: date
    issue_time: time | None = None
    note: str | None = None
    sender: ResponseParty
    receiver: ResponseParty
    response_code: InvoiceStatus
    effective_date: date | None = None
    clarifications: tuple[Clarification, ...] = ()
    document_reference: InvoiceReference
    seller: DocumentParty | None = None
    buyer: DocumentParty | None = None

    @field_validator("response_code", mode="before")
    @classmethod
    def _known_status(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in {s.value for s in InvoiceStatus}:
            raise ResponseRuleError(
                "T111",
                f"{value!r} is not an invoice status (UNCL4343 subset: {' '.join(s.value for s in InvoiceStatus)})")
        return value

    def check(self) -> None:
        _filled(self.id, "response id")
        _filled(self.note, "note")
        self.sender.check("sender")
        self.receiver.check("receiver")
        if self.receiver.contact is not None:
            raise ResponseRuleError("T111", "the receiver has no contact in the Invoice Response data model "
                                            "(only the sender has)")
        for clarification in self.clarifications:
            clarification.check()
        self.document_reference.check()
        if self.response_code in _CLARIFICATION_NEEDED and not any(c.code for c in self.clarifications):
            raise ResponseRuleError(
                "PEPPOL-T111-R001",
                f"status {self.response_code.value} needs at least one clarification code "
                "(a Clarification with a code from OPStatusReason or OPStatusAction)")
        if self.response_code is not InvoiceStatus.PAID and any(c.code == "PPD" for c in self.clarifications):
            raise ResponseRuleError(
                "PEPPOL-T111-R005",
                f"clarification code PPD (partially paid) is only used with status PD, not {self.response_code.value}")
        if self.seller is not None:
            self.seller.check("seller")
        if self.buyer is not None:
            self.buyer.check("buyer")

    # ---- writing ------------------------------------------------------------------
    def to_xml(self) -> bytes:
        """The response as a UTF-8 UBL 2.1 ApplicationResponse document."""
        self.check()
        root = _root(self.CUSTOMIZATION_ID, self.PROFILE_ID, self.id, self.issue_date, self.issue_time, self.note)
        _write_response_party(root, "SenderParty", self.sender)
        _write_response_party(root, "ReceiverParty", self.receiver)
        doc = _cac(root, "DocumentResponse")
        response = _cac(doc, "Response")
        _cbc(response, "ResponseCode", self.response_code.value)
        if self.effective_date is not None:
            _cbc(response, "EffectiveDate", self.effective_date.isoformat())
        for clarification in self.clarifications:
            status = _cac(response, "Status")
            if clarification.code is not None and clarification.list_id is not None:
                _cbc(status, "StatusReasonCode", clarification.code, listID=clarification.list_id.value)
            if clarification.reason is not None:
                _cbc(status, "StatusReason", clarification.reason)
            for condition in clarification.conditions:
                cond = _cac(status, "Condition")
                _cbc(cond, "AttributeID", condition.attribute_id)
                if condition.description is not None:
                    _cbc(cond, "Description", condition.description)
        ref = _cac(doc, "DocumentReference")
        _cbc(ref, "ID", self.document_reference.id)
        if self.document_reference.issue_date is not None:
            _cbc(ref, "IssueDate", self.document_reference.issue_date.isoformat())
        _cbc(ref, "DocumentTypeCode", self.document_reference.type_code)
        for tag, party in (("IssuerParty", self.seller), ("RecipientParty", self.buyer)):
            if party is not None:
                element = _cac(doc, tag)
                _write_party_id(element, party.identification)
                _cbc(_cac(element, "PartyName"), "Name", party.name)
        return _serialise(root)

    # ---- reading ------------------------------------------------------------------
    @classmethod
    def from_xml(cls, source: etree._ElementTree | etree._Element | bytes, *, strict: bool = True) -> "InvoiceResponse":
        """Read an Invoice Response (bare, or the payload of an SBDH envelope).

        ``strict`` (the default) refuses what the rules refuse, and elements outside the
        T111 data model. ``strict=False`` reads what it can: it still needs the data model's
        mandatory parts and codes, but skips the Peppol rules (e.g. an ``RE`` without a
        clarification code, a wrong check digit) and ignores unknown elements, so that a
        receiver can still learn the status of a faulty response. Such an object cannot be
        written back with :meth:`to_xml`.
        """
        root = _response_root(source, cls.CUSTOMIZATION_ID, cls.PROFILE_ID, "Invoice Response", "T111", strict)
        r = _Reader(strict, "T111")
        r.only(root, ("CustomizationID", "ProfileID", "ID", "IssueDate", "IssueTime", "Note",
                      "SenderParty", "ReceiverParty", "DocumentResponse"))
        doc = r.one(root, "cac", "DocumentResponse")
        r.only(doc, ("Response", "DocumentReference", "IssuerParty", "RecipientParty"))
        response = r.one(doc, "cac", "Response")
        r.only(response, ("ResponseCode", "EffectiveDate", "Status"))
        clarifications = []
        for status in response.findall(f"{{{CAC_NS}}}Status"):
            r.only(status, ("StatusReasonCode", "StatusReason", "Condition"))
            code_el = status.find(f"{{{CBC_NS}}}StatusReasonCode")
            conditions = []
            for cond in status.findall(f"{{{CAC_NS}}}Condition"):
                r.only(cond, ("AttributeID", "Description"))
                conditions.append({"attribute_id": r.text(cond, "AttributeID", required=True),
                                   "description": r.text(cond, "Description")})
            clarifications.append({
                "list_id": None if code_el is None else code_el.get("listID"),
                "code": r.text(status, "StatusReasonCode"),
                "reason": r.text(status, "StatusReason"),
                "conditions": conditions,
            })
        references = doc.findall(f"{{{CAC_NS}}}DocumentReference")
        if strict and len(references) > 1:
            raise ResponseRuleError("T111", "an Invoice Response answers one invoice: one DocumentReference")
        ref = r.one(doc, "cac", "DocumentReference")
        r.only(ref, ("ID", "IssueDate", "DocumentTypeCode"))
        data = {
            "id": r.text(root, "ID", required=True),
            "issue_date": r.date(root, "IssueDate", required=True),
            "issue_time": r.time(root, "IssueTime"),
            "note": r.text(root, "Note"),
            "sender": _read_response_party(r, r.one(root, "cac", "SenderParty")),
            "receiver": _read_response_party(r, r.one(root, "cac", "ReceiverParty")),
            "response_code": r.text(response, "ResponseCode", required=True),
            "effective_date": r.date(response, "EffectiveDate"),
            "clarifications": clarifications,
            "document_reference": {
                "id": r.text(ref, "ID", required=True),
                "issue_date": r.date(ref, "IssueDate"),
                "type_code": r.text(ref, "DocumentTypeCode", required=True),
            },
            "seller": _read_document_party(r, doc.find(f"{{{CAC_NS}}}IssuerParty")),
            "buyer": _read_document_party(r, doc.find(f"{{{CAC_NS}}}RecipientParty")),
        }
        return _validated(cls, data, strict, "T111")

    @classmethod
    def answering(cls, invoice: etree._ElementTree | etree._Element | bytes, *, id: str, issue_date: date,
                  response_code: InvoiceStatus | str, clarifications: Iterable[Clarification] = (),
                  effective_date: date | None = None, note: str | None = None,
                  issue_time: time | None = None, contact: Contact | None = None,
                  sender: ResponseParty | None = None) -> "InvoiceResponse":
        """A response to a UBL Invoice or CreditNote (bare, or in an SBDH envelope): the
        buyer (AccountingCustomerParty) answers the seller (AccountingSupplierParty) about
        the document's number, issue date and type code. ``sender``: who answers, when it is
        not the buyer as the invoice names it (a receiver answering an invoice addressed
        wrongly, or naming its buyer badly: then the buyer party is not read at all)."""
        root = _payload(_as_root(invoice))
        if root.tag == f"{{{INVOICE_NS}}}Invoice":
            type_tag = "InvoiceTypeCode"
        elif root.tag == f"{{{CREDITNOTE_NS}}}CreditNote":
            type_tag = "CreditNoteTypeCode"
        else:
            raise ResponseRuleError(
                "T111", f"an Invoice Response answers a UBL Invoice or CreditNote, not {etree.QName(root).localname}")
        r = _Reader(False, "T111")
        buyer = sender or _billing_party(r, root, "AccountingCustomerParty")
        seller = _billing_party(r, root, "AccountingSupplierParty")
        return cls(
            id=id, issue_date=issue_date, issue_time=issue_time, note=note,
            sender=buyer.model_copy(update={"contact": contact}), receiver=seller,
            response_code=response_code, effective_date=effective_date,
            clarifications=tuple(clarifications),
            document_reference=InvoiceReference(
                id=r.text(root, "ID", required=True) or "", issue_date=_date_if_valid(r, root, "IssueDate"),
                type_code=_type_code_if_valid(r, root, type_tag)),
        )


# --------------------------------------------------------------------------------------
# Message Level Response (T71)
# --------------------------------------------------------------------------------------
class MessageReference(_Model):
    """The message responded to: the instance identifier of its SBDH envelope (or, without
    one, the document's own ID), with an optional UNCL1001 type code and version."""

    id: str
    type_code: str | None = None
    version_id: str | None = None

    def check(self) -> None:
        _filled(self.id, "message reference id")
        _filled(self.version_id, "message reference version")
        if self.type_code is not None and not re.fullmatch(r"[0-9]{1,3}", self.type_code):
            raise ResponseRuleError(
                "T71", f"document type code {self.type_code!r} is not a UNTDID 1001 code (1 to 3 digits)")


class LineResponse(_Model):
    """One issue found in the message (``cac:LineResponse``): where (an XPath to the element,
    or ``NA`` when there is none), what (a description) and of which kind (BV / BW / SV),
    with an optional line response code."""

    line_id: str = "NA"
    description: str
    issue: IssueType
    response_code: MessageStatus | None = None

    @field_validator("issue", mode="before")
    @classmethod
    def _known_issue(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in {s.value for s in IssueType}:
            raise ResponseRuleError("T71", f"{value!r} is not an MLR issue type (StatusReason: BV BW SV)")
        return value

    @field_validator("response_code", mode="before")
    @classmethod
    def _known_code(cls, value: Any) -> Any:
        return _known_message_status(value, "line response code")

    @property
    def fatal(self) -> bool:
        return self.issue is not IssueType.BUSINESS_RULE_WARNING

    def check(self) -> None:
        _filled(self.line_id, "line id (use NA when there is no XPath)")
        _filled(self.description, "line response description")


def _known_message_status(value: Any, what: str) -> Any:
    if isinstance(value, str) and value not in {s.value for s in MessageStatus}:
        raise ResponseRuleError("T71", f"{what} {value!r} is not in the MLR code list (UNCL4343 subset: AB AP RE)")
    return value


class MessageLevelResponse(_Model):
    """A Peppol BIS Message Level Response 3 (T71).

    ``sender`` is the party (endpoint) that received the message and answers, ``receiver``
    the one that sent it; ``document_reference`` names the message.
    """

    CUSTOMIZATION_ID: ClassVar[str] = MLR_CUSTOMIZATION_ID
    PROFILE_ID: ClassVar[str] = MLR_PROFILE_ID

    id: str
    issue_date: date
    issue_time: time | None = None
    sender: Endpoint
    receiver: Endpoint
    response_code: MessageStatus
    description: str | None = None
    document_reference: MessageReference
    lines: tuple[LineResponse, ...] = ()

    @field_validator("response_code", mode="before")
    @classmethod
    def _known_code(cls, value: Any) -> Any:
        return _known_message_status(value, "response code")

    def check(self) -> None:
        _filled(self.id, "response id")
        self.sender.check("sender endpoint")
        self.receiver.check("receiver endpoint")
        _filled(self.description, "response description")
        self.document_reference.check()
        for line in self.lines:
            line.check()
        fatal = [line for line in self.lines if line.fatal]
        if self.response_code is MessageStatus.ACKNOWLEDGED and self.lines:
            raise ResponseRuleError("T71", "an acknowledgement (AB) reports no validation result: no line responses")
        if self.response_code is MessageStatus.ACCEPTED and fatal:
            raise ResponseRuleError(
                "T71", "an accepted message (AP) can only carry warnings (BW); errors (BV, SV) mean rejection (RE)")
        if self.response_code is MessageStatus.REJECTED and not fatal:
            raise ResponseRuleError(
                "T71", "a rejection (RE) needs at least one line response with an error (BV or SV) saying why")

    def to_xml(self) -> bytes:
        """The response as a UTF-8 UBL 2.1 ApplicationResponse document."""
        self.check()
        root = _root(self.CUSTOMIZATION_ID, self.PROFILE_ID, self.id, self.issue_date, self.issue_time, None)
        for tag, endpoint in (("SenderParty", self.sender), ("ReceiverParty", self.receiver)):
            _cbc(_cac(root, tag), "EndpointID", endpoint.id, schemeID=endpoint.scheme)
        doc = _cac(root, "DocumentResponse")
        response = _cac(doc, "Response")
        _cbc(response, "ResponseCode", self.response_code.value)
        if self.description is not None:
            _cbc(response, "Description", self.description)
        ref = _cac(doc, "DocumentReference")
        _cbc(ref, "ID", self.document_reference.id)
        if self.document_reference.type_code is not None:
            _cbc(ref, "DocumentTypeCode", self.document_reference.type_code)
        if self.document_reference.version_id is not None:
            _cbc(ref, "VersionID", self.document_reference.version_id)
        for line in self.lines:
            element = _cac(doc, "LineResponse")
            _cbc(_cac(element, "LineReference"), "LineID", line.line_id)
            line_response = _cac(element, "Response")
            if line.response_code is not None:
                _cbc(line_response, "ResponseCode", line.response_code.value)
            _cbc(line_response, "Description", line.description)
            _cbc(_cac(line_response, "Status"), "StatusReasonCode", line.issue.value)
        return _serialise(root)

    @classmethod
    def from_xml(cls, source: etree._ElementTree | etree._Element | bytes, *,
                 strict: bool = True) -> "MessageLevelResponse":
        """Read an MLR (bare, or the payload of an SBDH envelope); ``strict`` as for
        :meth:`InvoiceResponse.from_xml`."""
        root = _response_root(source, cls.CUSTOMIZATION_ID, cls.PROFILE_ID, "Message Level Response", "T71", strict)
        r = _Reader(strict, "T71")
        r.only(root, ("CustomizationID", "ProfileID", "ID", "IssueDate", "IssueTime",
                      "SenderParty", "ReceiverParty", "DocumentResponse"))
        endpoints = {}
        for tag in ("SenderParty", "ReceiverParty"):
            party = r.one(root, "cac", tag)
            r.only(party, ("EndpointID",))
            endpoints[tag] = _read_endpoint(r, party)
        doc = r.one(root, "cac", "DocumentResponse")
        r.only(doc, ("Response", "DocumentReference", "LineResponse"))
        response = r.one(doc, "cac", "Response")
        r.only(response, ("ResponseCode", "Description"))
        ref = r.one(doc, "cac", "DocumentReference")
        r.only(ref, ("ID", "DocumentTypeCode", "VersionID"))
        lines = []
        for element in doc.findall(f"{{{CAC_NS}}}LineResponse"):
            r.only(element, ("LineReference", "Response"))
            line_ref = r.one(element, "cac", "LineReference")
            r.only(line_ref, ("LineID",))
            line_response = r.one(element, "cac", "Response")
            r.only(line_response, ("ResponseCode", "Description", "Status"))
            status = r.one(line_response, "cac", "Status")
            r.only(status, ("StatusReasonCode",))
            lines.append({
                "line_id": r.text(line_ref, "LineID", required=True),
                "description": r.text(line_response, "Description", required=True),
                "issue": r.text(status, "StatusReasonCode", required=True),
                "response_code": r.text(line_response, "ResponseCode"),
            })
        data = {
            "id": r.text(root, "ID", required=True),
            "issue_date": r.date(root, "IssueDate", required=True),
            "issue_time": r.time(root, "IssueTime"),
            "sender": endpoints["SenderParty"],
            "receiver": endpoints["ReceiverParty"],
            "response_code": r.text(response, "ResponseCode", required=True),
            "description": r.text(response, "Description"),
            "document_reference": {
                "id": r.text(ref, "ID", required=True),
                "type_code": r.text(ref, "DocumentTypeCode"),
                "version_id": r.text(ref, "VersionID"),
            },
            "lines": lines,
        }
        return _validated(cls, data, strict, "T71")

    @classmethod
    def answering(cls, received: etree._ElementTree | etree._Element | bytes, *, id: str, issue_date: date,
                  response_code: MessageStatus | str, lines: Iterable[LineResponse] = (),
                  description: str | None = None, issue_time: time | None = None) -> "MessageLevelResponse":
        """An MLR to a received message: see :func:`received_message` for what is read."""
        message = received_message(received)
        return cls(id=id, issue_date=issue_date, issue_time=issue_time,
                   sender=message.receiver, receiver=message.sender,
                   response_code=response_code, description=description,
                   document_reference=MessageReference(id=message.reference), lines=tuple(lines))


class ReceivedMessage(BaseModel):
    """Who sent a message to whom, and the identifier to answer it by."""

    model_config = ConfigDict(frozen=True)

    reference: str
    sender: Endpoint
    receiver: Endpoint


def received_message(received: etree._ElementTree | etree._Element | bytes) -> ReceivedMessage:
    """The reference and the parties of a received message, for a response to it.

    In an SBDH envelope: the envelope's ``InstanceIdentifier`` and its Sender / Receiver
    participant identifiers (``scheme:value``). A bare UBL Invoice / CreditNote: its ``cbc:ID``
    and the endpoints of AccountingSupplierParty (sender) and AccountingCustomerParty
    (receiver); a bare ApplicationResponse: its ``cbc:ID``, SenderParty and ReceiverParty.
    """
    root = _as_root(received)
    r = _Reader(False, "T71")
    if root.tag == f"{{{SBDH_NS}}}StandardBusinessDocument":
        header = root.find(f"{{{SBDH_NS}}}StandardBusinessDocumentHeader")
        if header is None:
            raise ResponseRuleError("T71", "the SBDH envelope has no StandardBusinessDocumentHeader")

        def sbdh(path: str) -> str:
            value = header.findtext("/".join(f"{{{SBDH_NS}}}{step}" for step in path.split("/")))
            if not value or not value.strip():
                raise ResponseRuleError("T71", f"the SBDH envelope has no {path}")
            return value.strip()

        return ReceivedMessage(
            reference=sbdh("DocumentIdentification/InstanceIdentifier"),
            sender=Endpoint.parse(sbdh("Sender/Identifier")),
            receiver=Endpoint.parse(sbdh("Receiver/Identifier")),
        )
    if root.tag in (f"{{{INVOICE_NS}}}Invoice", f"{{{CREDITNOTE_NS}}}CreditNote"):
        parties = ("AccountingSupplierParty", "AccountingCustomerParty")
        sender, receiver = (_billing_party(r, root, tag).endpoint for tag in parties)
    elif root.tag == f"{{{AR_NS}}}ApplicationResponse":
        sender, receiver = (Endpoint(**_read_endpoint(r, r.one(root, "cac", tag)))
                            for tag in ("SenderParty", "ReceiverParty"))
    else:
        raise ResponseRuleError("T71", f"cannot answer a {etree.QName(root).localname}: expected an SBDH envelope, "
                                       "a UBL Invoice, CreditNote or ApplicationResponse")
    return ReceivedMessage(reference=r.text(root, "ID", required=True) or "", sender=sender, receiver=receiver)


# --------------------------------------------------------------------------------------
# XML helpers
# --------------------------------------------------------------------------------------
def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC_NS}}}{name}")


def _cbc(parent: etree._Element, name: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CBC_NS}}}{name}", attributes)
    element.text = text
    return element


def _root(customization: str, profile: str, id: str, issue_date: date, issue_time: time | None,
          note: str | None) -> etree._Element:
    root = etree.Element(f"{{{AR_NS}}}ApplicationResponse", nsmap=_NSMAP)
    _cbc(root, "CustomizationID", customization)
    _cbc(root, "ProfileID", profile)
    _cbc(root, "ID", id)
    _cbc(root, "IssueDate", issue_date.isoformat())
    if issue_time is not None:
        _cbc(root, "IssueTime", issue_time.isoformat())
    if note is not None:
        _cbc(root, "Note", note)
    return root


def _write_party_id(parent: etree._Element, identification: PartyId | None) -> None:
    if identification is None:
        return
    attributes = {"schemeID": identification.scheme} if identification.scheme is not None else {}
    _cbc(_cac(parent, "PartyIdentification"), "ID", identification.id, **attributes)


def _write_response_party(root: etree._Element, tag: str, party: ResponseParty) -> None:
    # UBL PartyType order: EndpointID, PartyIdentification, …, PartyLegalEntity, Contact.
    element = _cac(root, tag)
    _cbc(element, "EndpointID", party.endpoint.id, schemeID=party.endpoint.scheme)
    _write_party_id(element, party.identification)
    _cbc(_cac(element, "PartyLegalEntity"), "RegistrationName", party.name)
    if party.contact is not None:
        contact = _cac(element, "Contact")
        for name, value in (("Name", party.contact.name), ("Telephone", party.contact.telephone),
                            ("ElectronicMail", party.contact.email)):
            if value is not None:
                _cbc(contact, name, value)


def _serialise(root: etree._Element) -> bytes:
    body = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _as_root(source: etree._ElementTree | etree._Element | bytes) -> etree._Element:
    if isinstance(source, (bytes, bytearray)):
        try:
            return parse_bytes(bytes(source)).getroot()
        except XmlInputError as exc:
            raise ResponseRuleError("XML", str(exc)) from None
    if isinstance(source, etree._ElementTree):
        return source.getroot()
    return source


def _payload(root: etree._Element) -> etree._Element:
    """The business document of an SBDH envelope (the element after the header), else root."""
    if root.tag != f"{{{SBDH_NS}}}StandardBusinessDocument":
        return root
    for child in root.iterchildren(tag=etree.Element):
        if child.tag != f"{{{SBDH_NS}}}StandardBusinessDocumentHeader":
            return child
    raise ResponseRuleError("XML", "the SBDH envelope holds no business document")


def _response_root(source: Any, customization: str, profile: str, title: str, rule: str,
                   strict: bool) -> etree._Element:
    root = _payload(_as_root(source))
    if root.tag != f"{{{AR_NS}}}ApplicationResponse":
        raise ResponseRuleError(
            rule, f"expected a UBL ApplicationResponse ({title}), not {etree.QName(root).localname}")
    found = " ".join((root.findtext(f"{{{CBC_NS}}}CustomizationID") or "").split())
    if found != customization and (strict or not found.startswith(customization)):
        raise ResponseRuleError(rule, f"CustomizationID {found!r} is not the {title} identifier {customization}")
    found_profile = " ".join((root.findtext(f"{{{CBC_NS}}}ProfileID") or "").split())
    if strict and found_profile != profile:
        raise ResponseRuleError(rule, f"ProfileID {found_profile!r} is not the {title} profile {profile}")
    return root


def _validated(cls: type[_M], data: dict, strict: bool, rule: str) -> _M:
    """``cls`` from what was read; a value of the wrong type (a time that is no time, …)
    becomes a :class:`ResponseRuleError` like every other refusal of the readers."""
    try:
        return cls.model_validate(data, context={"lenient": not strict})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(step) for step in first["loc"])
        raise ResponseRuleError(rule, f"{where}: {first['msg']}") from None


class _Reader:
    """Small helpers to read UBL elements; strict mode refuses what the data model lacks."""

    def __init__(self, strict: bool, rule: str):
        self.strict = strict
        self.rule = rule

    def only(self, element: etree._Element, allowed: tuple[str, ...]) -> None:
        if not self.strict:
            return
        for child in element.iterchildren(tag=etree.Element):
            local = etree.QName(child).localname
            if local not in allowed or etree.QName(child).namespace not in (CAC_NS, CBC_NS):
                raise ResponseRuleError(
                    self.rule, f"{etree.QName(child).localname} (line {child.sourceline}) in "
                               f"{etree.QName(element).localname} is not part of the {self.rule} data model")

    def one(self, element: etree._Element, prefix: str, name: str) -> etree._Element:
        ns = CAC_NS if prefix == "cac" else CBC_NS
        found = element.findall(f"{{{ns}}}{name}")
        if not found:
            raise ResponseRuleError(self.rule, f"{etree.QName(element).localname} has no {prefix}:{name}")
        if self.strict and len(found) > 1:
            raise ResponseRuleError(self.rule, f"{etree.QName(element).localname} has more than one {prefix}:{name}")
        return found[0]

    def text(self, element: etree._Element, name: str, required: bool = False) -> str | None:
        found = element.find(f"{{{CBC_NS}}}{name}")
        if found is None or (not self.strict and not (found.text or "").strip(XML_WHITESPACE)):
            if required:
                raise ResponseRuleError(self.rule, f"{etree.QName(element).localname} has no cbc:{name}")
            return None
        return found.text or ""

    def date(self, element: etree._Element, name: str, required: bool = False) -> date | None:
        value = self.text(element, name, required)
        if value is None:
            return None
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
            raise ResponseRuleError("PEPPOL-COMMON-R030", f"{name} {value!r} is not a date written YYYY-MM-DD")
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ResponseRuleError("PEPPOL-COMMON-R030",
                                    f"{name} {value!r} is not a date written YYYY-MM-DD") from None

    def time(self, element: etree._Element, name: str) -> time | None:
        value = self.text(element, name)
        if value is None:
            return None
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            raise ResponseRuleError(self.rule, f"{name} {value!r} is not a time written hh:mm:ss") from None


def _read_endpoint(r: _Reader, party: etree._Element) -> dict:
    endpoint = party.find(f"{{{CBC_NS}}}EndpointID")
    if endpoint is None:
        raise ResponseRuleError(r.rule, f"{etree.QName(party).localname} has no cbc:EndpointID")
    return {"scheme": endpoint.get("schemeID", ""), "id": endpoint.text or ""}


def _read_party_id(r: _Reader, party: etree._Element) -> dict | None:
    identification = party.find(f"{{{CAC_NS}}}PartyIdentification")
    if identification is None:
        return None
    if r.strict and len(party.findall(f"{{{CAC_NS}}}PartyIdentification")) > 1:
        raise ResponseRuleError(r.rule, f"{etree.QName(party).localname} has more than one cac:PartyIdentification")
    r.only(identification, ("ID",))
    element = r.one(identification, "cbc", "ID")
    return {"id": element.text or "", "scheme": element.get("schemeID")}


def _read_response_party(r: _Reader, party: etree._Element) -> dict:
    r.only(party, ("EndpointID", "PartyIdentification", "PartyLegalEntity", "Contact"))
    legal = r.one(party, "cac", "PartyLegalEntity")
    r.only(legal, ("RegistrationName",))
    contact = party.find(f"{{{CAC_NS}}}Contact")
    data = {
        "endpoint": _read_endpoint(r, party),
        "identification": _read_party_id(r, party),
        "name": r.text(legal, "RegistrationName", required=True),
        "contact": None,
    }
    if contact is not None:
        r.only(contact, ("Name", "Telephone", "ElectronicMail"))
        data["contact"] = {"name": r.text(contact, "Name"), "telephone": r.text(contact, "Telephone"),
                           "email": r.text(contact, "ElectronicMail")}
    return data


def _read_document_party(r: _Reader, party: etree._Element | None) -> dict | None:
    if party is None:
        return None
    r.only(party, ("PartyIdentification", "PartyName"))
    name = r.one(party, "cac", "PartyName")
    r.only(name, ("Name",))
    return {"name": r.text(name, "Name", required=True), "identification": _read_party_id(r, party)}


def _type_code_if_valid(r: _Reader, root: etree._Element, tag: str) -> str:
    """The type code (BT-3) of the document answered, or the plain one of its kind (380, 381)
    when it has none or one that is not an invoice or credit note code: T111 needs a valid
    code, and an invoice with a broken one (BR-CL-01) is one to answer RE."""
    code = (r.text(root, tag) or "").strip(XML_WHITESPACE)
    if code in INVOICE_TYPE_CODES | CREDIT_NOTE_TYPE_CODES:
        return code
    return "381" if tag == "CreditNoteTypeCode" else "380"


def _date_if_valid(r: _Reader, element: etree._Element, name: str) -> date | None:
    """A date of the document being answered, or None when it is not a real YYYY-MM-DD date.

    The reference's IssueDate is optional in T111 (0..1), and a response is most needed for
    the invoices that are broken: an IssueDate of 2024-02-30 must not stop the RE that says
    so (PEPPOL-COMMON-R030 applies to the dates we write, not to the ones we answer about)."""
    try:
        return r.date(element, name)
    except ResponseRuleError:
        return None


def _billing_party(r: _Reader, root: etree._Element, role: str) -> ResponseParty:
    """Endpoint, legal name and identifier of a BIS Billing party, as an Invoice Response
    party. An identifier whose scheme is not an ISO 6523 ICD (e.g. ``SEPA``) is left out."""
    party = root.find(f"{{{CAC_NS}}}{role}/{{{CAC_NS}}}Party")
    if party is None:
        raise ResponseRuleError("T111", f"the document has no {role}")
    endpoint = _read_endpoint(r, party)
    name = (party.findtext(f"{{{CAC_NS}}}PartyLegalEntity/{{{CBC_NS}}}RegistrationName")
            or party.findtext(f"{{{CAC_NS}}}PartyName/{{{CBC_NS}}}Name") or "")
    identification = None
    for element in party.findall(f"{{{CAC_NS}}}PartyIdentification/{{{CBC_NS}}}ID"):
        scheme = element.get("schemeID")
        if scheme is None or scheme in ICD_CODES:
            identification = PartyId(id=(element.text or "").strip(XML_WHITESPACE), scheme=scheme)
            break
    return ResponseParty(endpoint=Endpoint(scheme=endpoint["scheme"], id=endpoint["id"].strip(XML_WHITESPACE)),
                         name=name.strip(XML_WHITESPACE), identification=identification)
