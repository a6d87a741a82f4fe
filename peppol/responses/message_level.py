"""Peppol BIS Message Level Response 3 (transaction T71): :class:`MessageLevelResponse`.

The receiving side tells the sending side that a message was received (AB), accepted (AP)
or rejected (RE), with one :class:`LineResponse` per issue (an XPath or ``NA``, a
description and the issue type BV / BW / SV). The builder's pre-checks each cite the official
rule of the complete T71 Schematron that backs them: the generated data-model rules
(``PEPPOL-T71-B01501``/``B02501`` response codes, ``B02801`` issue types, ``B01901`` the
document type code, ``B00802``/``B01102`` the EAS list of the two endpoints) and the common
rules (see :mod:`peppol.responses`). Which line responses go with which response code is the
sender's business: the rules do not check it, and neither does the builder.
:func:`received_message` reads whom to answer, and about what, from a received message.
"""
from __future__ import annotations

import enum
from datetime import date, time
from typing import Any, ClassVar, Iterable

from lxml import etree
from pydantic import BaseModel, ConfigDict, field_validator

from peppol import codes, sbdh
from peppol.model import XML_WHITESPACE

from .common import UNCL1001_CODES, Endpoint, ResponseRuleError, RuleModel, filled, known_code
from .ubl_io import (
    AR_NS, CAC_NS, Reader, as_root, billing_party, cac, cbc, new_response, read_endpoint, response_root, serialise,
    validated,
)

__all__ = ["MessageStatus", "IssueType", "MessageReference", "LineResponse", "MessageLevelResponse",
           "ReceivedMessage", "received_message"]


class MessageStatus(str, enum.Enum):
    """Message level response code (UNCL4343 subset AB, AP, RE,
    :data:`peppol.codes.MESSAGE_STATUS_CODES`), ``cbc:ResponseCode`` of T71."""

    ACKNOWLEDGED = codes.STATUS_RECEIVED
    """The message was received; no validation has been performed (yet)."""
    ACCEPTED = codes.STATUS_ACCEPTED
    """The message passed validation (warnings may be reported as line responses)."""
    REJECTED = codes.STATUS_REJECTED
    """The message failed validation; the line responses say why."""

    def __str__(self) -> str:
        return self.value


class IssueType(str, enum.Enum):
    """Kind of an issue in an MLR line response (code list ``StatusReason``,
    :data:`peppol.codes.MLR_ISSUE_TYPES`):
    ``cac:LineResponse/cac:Response/cac:Status/cbc:StatusReasonCode``."""

    BUSINESS_RULE_FATAL = codes.ISSUE_BUSINESS_RULE_FATAL
    BUSINESS_RULE_WARNING = codes.ISSUE_BUSINESS_RULE_WARNING
    SYNTAX = codes.ISSUE_SYNTAX

    def __str__(self) -> str:
        return self.value




class MessageReference(RuleModel):
    """The message responded to: the instance identifier of its SBDH envelope (or, without
    one, the document's own ID), with an optional type code (the UNTDID 1001 list of the T71
    rules, :data:`~peppol.responses.common.UNCL1001_CODES`) and version."""

    id: str
    type_code: str | None = None
    version_id: str | None = None

    def check(self) -> None:
        filled(self.id, "message reference id")
        filled(self.version_id, "message reference version")
        if self.type_code is not None and self.type_code.strip(XML_WHITESPACE) not in UNCL1001_CODES:
            raise ResponseRuleError(
                "PEPPOL-T71-B01901",
                f"document type code {self.type_code!r} is not in the UNTDID 1001 code list (document name code)")


class LineResponse(RuleModel):
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
        return known_code(value, codes.MLR_ISSUE_TYPES, "PEPPOL-T71-B02801",
                          "{value} is not an MLR issue type (StatusReason: BV BW SV)")

    @field_validator("response_code", mode="before")
    @classmethod
    def _known_code(cls, value: Any) -> Any:
        return _known_message_status(value, "line response code", "PEPPOL-T71-B02501")

    @property
    def fatal(self) -> bool:
        return self.issue is not IssueType.BUSINESS_RULE_WARNING

    def check(self) -> None:
        filled(self.line_id, "line id (use NA when there is no XPath)")
        filled(self.description, "line response description")


def _known_message_status(value: Any, what: str, rule: str) -> Any:
    return known_code(value, codes.MESSAGE_STATUS_CODES, rule,
                      f"{what} {{value}} is not in the MLR code list (UNCL4343 subset: AB AP RE)")


class MessageLevelResponse(RuleModel):
    """A Peppol BIS Message Level Response 3 (T71).

    ``sender`` is the party (endpoint) that received the message and answers, ``receiver``
    the one that sent it; ``document_reference`` names the message.
    """

    CUSTOMIZATION_ID: ClassVar[str] = codes.MLR_CUSTOMIZATION_ID
    PROFILE_ID: ClassVar[str] = codes.MLR_PROFILE_ID

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
        return _known_message_status(value, "response code", "PEPPOL-T71-B01501")

    def check(self) -> None:
        filled(self.id, "response id")
        self.sender.check("sender endpoint", "PEPPOL-T71-B00802")
        self.receiver.check("receiver endpoint", "PEPPOL-T71-B01102")
        filled(self.description, "response description")
        self.document_reference.check()
        for line in self.lines:
            line.check()

    def to_xml(self) -> bytes:
        """The response as a UTF-8 UBL 2.1 ApplicationResponse document."""
        self.check()
        root = new_response(self.CUSTOMIZATION_ID, self.PROFILE_ID, self.id, self.issue_date, self.issue_time, None)
        for tag, endpoint in (("SenderParty", self.sender), ("ReceiverParty", self.receiver)):
            cbc(cac(root, tag), "EndpointID", endpoint.id, schemeID=endpoint.scheme)
        doc = cac(root, "DocumentResponse")
        response = cac(doc, "Response")
        cbc(response, "ResponseCode", self.response_code.value)
        if self.description is not None:
            cbc(response, "Description", self.description)
        ref = cac(doc, "DocumentReference")
        cbc(ref, "ID", self.document_reference.id)
        if self.document_reference.type_code is not None:
            cbc(ref, "DocumentTypeCode", self.document_reference.type_code)
        if self.document_reference.version_id is not None:
            cbc(ref, "VersionID", self.document_reference.version_id)
        for line in self.lines:
            element = cac(doc, "LineResponse")
            cbc(cac(element, "LineReference"), "LineID", line.line_id)
            line_response = cac(element, "Response")
            if line.response_code is not None:
                cbc(line_response, "ResponseCode", line.response_code.value)
            cbc(line_response, "Description", line.description)
            cbc(cac(line_response, "Status"), "StatusReasonCode", line.issue.value)
        return serialise(root)

    @classmethod
    def from_xml(cls, source: etree._ElementTree | etree._Element | bytes, *,
                 strict: bool = True) -> "MessageLevelResponse":
        """Read an MLR (bare, or the payload of an SBDH envelope); ``strict`` as for
        :meth:`InvoiceResponse.from_xml`."""
        root = response_root(source, cls.CUSTOMIZATION_ID, cls.PROFILE_ID, "Message Level Response", "T71", strict)
        r = Reader(strict, "T71")
        r.only(root, ("CustomizationID", "ProfileID", "ID", "IssueDate", "IssueTime",
                      "SenderParty", "ReceiverParty", "DocumentResponse"))
        endpoints = {}
        for tag in ("SenderParty", "ReceiverParty"):
            party = r.one(root, "cac", tag)
            r.only(party, ("EndpointID",))
            endpoints[tag] = read_endpoint(r, party)
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
        return validated(cls, data, strict, "T71")

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
    root = as_root(received)
    r = Reader(False, "T71")
    if sbdh.is_envelope(root):
        header = root.find(f"{{{sbdh.SBDH_NS}}}StandardBusinessDocumentHeader")
        if header is None:
            raise ResponseRuleError("T71", "the SBDH envelope has no StandardBusinessDocumentHeader")

        def header_text(path: str) -> str:
            value = header.findtext("/".join(f"{{{sbdh.SBDH_NS}}}{step}" for step in path.split("/")))
            if not value or not value.strip():
                raise ResponseRuleError("T71", f"the SBDH envelope has no {path}")
            return value.strip()

        return ReceivedMessage(
            reference=header_text("DocumentIdentification/InstanceIdentifier"),
            sender=Endpoint.parse(header_text("Sender/Identifier")),
            receiver=Endpoint.parse(header_text("Receiver/Identifier")),
        )
    if root.tag in (f"{{{codes.UBL_INVOICE_NS}}}Invoice", f"{{{codes.UBL_CREDIT_NOTE_NS}}}CreditNote"):
        parties = ("AccountingSupplierParty", "AccountingCustomerParty")
        sender, receiver = (billing_party(r, root, tag).endpoint for tag in parties)
    elif root.tag == f"{{{AR_NS}}}ApplicationResponse":
        sender, receiver = (Endpoint(**read_endpoint(r, r.one(root, "cac", tag)))
                            for tag in ("SenderParty", "ReceiverParty"))
    else:
        raise ResponseRuleError("T71", f"cannot answer a {etree.QName(root).localname}: expected an SBDH envelope, "
                                       "a UBL Invoice, CreditNote or ApplicationResponse")
    return ReceivedMessage(reference=r.text(root, "ID", required=True) or "", sender=sender, receiver=receiver)
