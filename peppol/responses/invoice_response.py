"""Peppol BIS Invoice Response 3 (transaction T111): :class:`InvoiceResponse`.

The buyer tells the seller where an invoice is in its process (:class:`InvoiceStatus`), with
:class:`Clarification` s: a reason or action code, a text, and :class:`Condition` s naming
the invoice field in question. The builder's pre-checks each cite the official rule of the
complete T111 Schematron that backs them: ``PEPPOL-T111-R001`` … ``R007``, the generated
data-model rules (``PEPPOL-T111-B03001`` status code list, ``B03302``/``B03303`` the
clarification's listID, ``B04201`` the document type code, ``B02003`` no contact for the
receiver, the EAS and ICD lists of each party) and the common rules (see
:mod:`peppol.responses`).
"""
from __future__ import annotations

import enum
from datetime import date, time
from typing import Any, ClassVar, Iterable

from lxml import etree
from pydantic import field_validator

from peppol import codes
from peppol.model import XML_WHITESPACE

from .common import (
    UNCL1001_CODES, Contact, DocumentParty, PartyRules, ResponseParty, ResponseRuleError, RuleModel, filled, known_code,
)
from .ubl_io import (
    CAC_NS, CBC_NS, Reader, as_root, billing_party, business_document, cac, cbc, new_response, read_document_party,
    read_response_party, response_root, serialise, validated, write_party_id, write_response_party,
)

__all__ = ["InvoiceStatus", "ClarificationList", "Condition", "Clarification", "InvoiceReference", "InvoiceResponse"]


class InvoiceStatus(str, enum.Enum):
    """Invoice status (UNCL4343 subset ``UNCL4343-T111``, :data:`peppol.codes.INVOICE_STATUS_CODES`),
    ``cbc:ResponseCode`` of T111."""

    RECEIVED = codes.STATUS_RECEIVED
    """Message acknowledgement: a readable invoice was received and submitted for processing."""
    IN_PROCESS = codes.STATUS_IN_PROCESS
    """Processing of the invoice has started in the buyer's system."""
    UNDER_QUERY = codes.STATUS_UNDER_QUERY
    """Halted: the buyer will not proceed without more information from the seller."""
    CONDITIONALLY_ACCEPTED = codes.STATUS_CONDITIONALLY_ACCEPTED
    """Accepted under the conditions stated in the clarifications; paid so unless disputed."""
    REJECTED = codes.STATUS_REJECTED
    """The buyer will not process the invoice any further."""
    ACCEPTED = codes.STATUS_ACCEPTED
    """Final approval; the next step is payment."""
    PAID = codes.STATUS_PAID
    """The buyer has initiated the payment."""

    def __str__(self) -> str:
        return self.value


class ClarificationList(str, enum.Enum):
    """``listID`` of a clarification code (code list ``ClarificationListID``)."""

    REASON = codes.STATUS_REASON_LIST_ID
    """Why the invoice has its status."""
    ACTION = codes.STATUS_ACTION_LIST_ID
    """What the buyer asks the seller to do."""

    def __str__(self) -> str:
        return self.value


_CLARIFICATION_CODES = {ClarificationList.REASON: codes.STATUS_REASON_CODES,
                        ClarificationList.ACTION: codes.STATUS_ACTION_CODES}
_CLARIFICATION_RULE = {ClarificationList.REASON: "PEPPOL-T111-R007", ClarificationList.ACTION: "PEPPOL-T111-R006"}
_CLARIFICATION_NEEDED = (InvoiceStatus.UNDER_QUERY, InvoiceStatus.CONDITIONALLY_ACCEPTED, InvoiceStatus.REJECTED)

# The official rules of the scheme lists at each party's place in a T111.
_SENDER = PartyRules(eas="PEPPOL-T111-B00902", icd="PEPPOL-T111-B01201")
_RECEIVER = PartyRules(eas="PEPPOL-T111-B02102", icd="PEPPOL-T111-B02401")
_SELLER_ICD = "PEPPOL-T111-B04501"  # cac:IssuerParty
_BUYER_ICD = "PEPPOL-T111-B05101"  # cac:RecipientParty


class Condition(RuleModel):
    """A detail of a clarification (``cac:Condition``): the business term of the invoice
    concerned (``attribute_id``, e.g. ``BT-48``) and the value the buyer proposes."""

    attribute_id: str
    description: str | None = None

    def check(self) -> None:
        filled(self.attribute_id, "condition attribute id")
        filled(self.description, "condition description")


class Clarification(RuleModel):
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
        return known_code(value, (codes.STATUS_REASON_LIST_ID, codes.STATUS_ACTION_LIST_ID), "PEPPOL-T111-B03303",
                          "listID {value} is not a clarification list (ClarificationListID: OPStatusReason "
                          "OPStatusAction)")

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
                "PEPPOL-T111-B03302",
                f"clarification code {self.code!r} needs its list: OPStatusReason or OPStatusAction")
        if self.code is None and self.reason is None and not self.conditions:
            raise ResponseRuleError(
                "PEPPOL-COMMON-R001", "a clarification needs a code, a reason text or a condition; "
                                      "Peppol documents must not contain empty elements")
        if self.list_id is not None and self.code is not None:
            codes = _CLARIFICATION_CODES[self.list_id]
            if self.code not in codes:
                raise ResponseRuleError(
                    _CLARIFICATION_RULE[self.list_id],
                    f"{self.code!r} is not in the clarification code list {self.list_id.value} ({' '.join(codes)})")
        filled(self.reason, "clarification reason")
        for condition in self.conditions:
            condition.check()
        if self.code == "OTH" and self.reason is None:
            raise ResponseRuleError(
                "PEPPOL-T111-R002",
                "clarification code OTH needs a reason text (a warning in Peppol; refused by this builder)")
        if self.code == "PPD" and self.reason is None:
            raise ResponseRuleError(
                "PEPPOL-T111-R004", "clarification code PPD (partially paid) needs a reason text")


class InvoiceReference(RuleModel):
    """The invoice (or credit note) responded to: ``cac:DocumentReference`` with its number
    (BT-1), issue date (BT-2) and type code (BT-3; mandatory in T111, from the UNTDID 1001
    list of the T111 rules, :data:`~peppol.responses.common.UNCL1001_CODES`)."""

    id: str
    issue_date: date | None = None
    type_code: str = codes.INVOICE

    def check(self) -> None:
        filled(self.id, "invoice reference id")
        if self.type_code.strip(XML_WHITESPACE) not in UNCL1001_CODES:
            raise ResponseRuleError(
                "PEPPOL-T111-B04201", f"document type code {self.type_code!r} is not in the UNTDID 1001 code list "
                                      "(document name code) of the T111 rules, e.g. 380 or 381")


class InvoiceResponse(RuleModel):
    """A Peppol BIS Invoice Response 3 (T111).

    ``sender`` is the buyer answering, ``receiver`` the seller; ``document_reference`` the
    invoice; ``seller`` / ``buyer`` optionally name the invoice's issuer and recipient
    (``cac:IssuerParty`` / ``cac:RecipientParty``) when they differ from the parties of the
    message, e.g. when a third party answers.
    """

    CUSTOMIZATION_ID: ClassVar[str] = codes.INVOICE_RESPONSE_CUSTOMIZATION_ID
    PROFILE_ID: ClassVar[str] = codes.INVOICE_RESPONSE_PROFILE_ID

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
        statuses = " ".join(codes.INVOICE_STATUS_CODES)
        return known_code(value, codes.INVOICE_STATUS_CODES, "PEPPOL-T111-B03001",
                          f"{{value}} is not an invoice status (UNCL4343 subset: {statuses})")

    def check(self) -> None:
        filled(self.id, "response id")
        filled(self.note, "note")
        self.sender.check("sender", _SENDER)
        self.receiver.check("receiver", _RECEIVER)
        if self.receiver.contact is not None:
            raise ResponseRuleError("PEPPOL-T111-B02003", "the receiver has no contact in the Invoice Response "
                                                          "data model (only the sender has)")
        for clarification in self.clarifications:
            clarification.check()
        self.document_reference.check()
        if self.response_code in _CLARIFICATION_NEEDED and not any(c.code for c in self.clarifications):
            raise ResponseRuleError(
                "PEPPOL-T111-R001",
                f"status {self.response_code.value} needs at least one clarification code "
                "(a Clarification with a code from OPStatusReason or OPStatusAction)")
        if self.response_code is not InvoiceStatus.PAID and any(c.code == "PPD" for c in self.clarifications):
            # The one pre-check the official rules never confirm: upstream's test of R005,
            # exists(/cbc:ResponseCode='PD'), is always true (see peppol.responses). The rule
            # says SHALL and is fatal, so the builder keeps it.
            raise ResponseRuleError(
                "PEPPOL-T111-R005",
                f"clarification code PPD (partially paid) is only used with status PD, not {self.response_code.value}")
        if self.seller is not None:
            self.seller.check("seller", _SELLER_ICD)
        if self.buyer is not None:
            self.buyer.check("buyer", _BUYER_ICD)

    # ---- writing ------------------------------------------------------------------
    def to_xml(self) -> bytes:
        """The response as a UTF-8 UBL 2.1 ApplicationResponse document."""
        self.check()
        root = new_response(self.CUSTOMIZATION_ID, self.PROFILE_ID, self.id, self.issue_date, self.issue_time,
                            self.note)
        write_response_party(root, "SenderParty", self.sender)
        write_response_party(root, "ReceiverParty", self.receiver)
        doc = cac(root, "DocumentResponse")
        response = cac(doc, "Response")
        cbc(response, "ResponseCode", self.response_code.value)
        if self.effective_date is not None:
            cbc(response, "EffectiveDate", self.effective_date.isoformat())
        for clarification in self.clarifications:
            status = cac(response, "Status")
            if clarification.code is not None and clarification.list_id is not None:
                cbc(status, "StatusReasonCode", clarification.code, listID=clarification.list_id.value)
            if clarification.reason is not None:
                cbc(status, "StatusReason", clarification.reason)
            for condition in clarification.conditions:
                cond = cac(status, "Condition")
                cbc(cond, "AttributeID", condition.attribute_id)
                if condition.description is not None:
                    cbc(cond, "Description", condition.description)
        ref = cac(doc, "DocumentReference")
        cbc(ref, "ID", self.document_reference.id)
        if self.document_reference.issue_date is not None:
            cbc(ref, "IssueDate", self.document_reference.issue_date.isoformat())
        cbc(ref, "DocumentTypeCode", self.document_reference.type_code)
        for tag, party in (("IssuerParty", self.seller), ("RecipientParty", self.buyer)):
            if party is not None:
                element = cac(doc, tag)
                write_party_id(element, party.identification)
                cbc(cac(element, "PartyName"), "Name", party.name)
        return serialise(root)

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
        root = response_root(source, cls.CUSTOMIZATION_ID, cls.PROFILE_ID, "Invoice Response", "T111", strict)
        r = Reader(strict, "T111")
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
            "sender": read_response_party(r, r.one(root, "cac", "SenderParty")),
            "receiver": read_response_party(r, r.one(root, "cac", "ReceiverParty")),
            "response_code": r.text(response, "ResponseCode", required=True),
            "effective_date": r.date(response, "EffectiveDate"),
            "clarifications": clarifications,
            "document_reference": {
                "id": r.text(ref, "ID", required=True),
                "issue_date": r.date(ref, "IssueDate"),
                "type_code": r.text(ref, "DocumentTypeCode", required=True),
            },
            "seller": read_document_party(r, doc.find(f"{{{CAC_NS}}}IssuerParty")),
            "buyer": read_document_party(r, doc.find(f"{{{CAC_NS}}}RecipientParty")),
        }
        return validated(cls, data, strict, "T111")

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
        root = business_document(as_root(invoice))
        if root.tag == f"{{{codes.UBL_INVOICE_NS}}}Invoice":
            type_tag = "InvoiceTypeCode"
        elif root.tag == f"{{{codes.UBL_CREDIT_NOTE_NS}}}CreditNote":
            type_tag = "CreditNoteTypeCode"
        else:
            raise ResponseRuleError(
                "T111", f"an Invoice Response answers a UBL Invoice or CreditNote, not {etree.QName(root).localname}")
        r = Reader(False, "T111")
        buyer = sender or billing_party(r, root, "AccountingCustomerParty")
        seller = billing_party(r, root, "AccountingSupplierParty")
        return cls(
            id=id, issue_date=issue_date, issue_time=issue_time, note=note,
            sender=buyer.model_copy(update={"contact": contact}), receiver=seller,
            response_code=response_code, effective_date=effective_date,
            clarifications=tuple(clarifications),
            document_reference=InvoiceReference(
                id=r.text(root, "ID", required=True) or "", issue_date=_date_if_valid(r, root, "IssueDate"),
                type_code=_type_code_if_valid(r, root, type_tag)),
        )


def _type_code_if_valid(r: Reader, root: etree._Element, tag: str) -> str:
    """The type code (BT-3) of the document answered, or the plain one of its kind (380, 381)
    when it has none, one that is not an invoice or credit note code (an invoice with a
    broken one, BR-CL-01, is one to answer RE), or one the T111 rules do not list: their
    UNTDID 1001 list lacks some invoice types BIS Billing accepts (471-473, 500-503, 817,
    875-877), and a T111 naming one fails PEPPOL-T111-B04201. The invoice is still named by
    its number (and issue date)."""
    code = (r.text(root, tag) or "").strip(XML_WHITESPACE)
    if code in (codes.INVOICE_TYPE_CODES | codes.CREDIT_NOTE_TYPE_CODES) & UNCL1001_CODES:
        return code
    return codes.CREDIT_NOTE if tag == "CreditNoteTypeCode" else codes.INVOICE


def _date_if_valid(r: Reader, element: etree._Element, name: str) -> date | None:
    """A date of the document being answered, or None when it is not a real YYYY-MM-DD date.

    The reference's IssueDate is optional in T111 (0..1), and a response is most needed for
    the invoices that are broken: an IssueDate of 2024-02-30 must not stop the RE that says
    so (PEPPOL-COMMON-R030 applies to the dates we write, not to the ones we answer about)."""
    try:
        return r.date(element, name)
    except ResponseRuleError:
        return None


