"""Peppol post-award responses: Invoice Response (T111) and Message Level Response (T71).

Both are a UBL 2.1 ``ApplicationResponse``; the CustomizationID tells them apart.

* :class:`InvoiceResponse` — Peppol BIS Invoice Response 3 (transaction T111): the buyer
  tells the seller where an invoice is in its process (AB received, IP in process, UQ
  under query, CA conditionally accepted, RE rejected, AP accepted, PD paid), with
  :class:`Clarification` s (``cac:Status``): a clarification *reason* code (list
  ``OPStatusReason``) or *action* code (list ``OPStatusAction``), a free text, and
  :class:`Condition` s naming the invoice field in question (e.g. ``BT-48``) and the value
  the buyer proposes.
* :class:`MessageLevelResponse` — Peppol BIS Message Level Response 3 (T71): the receiving
  side tells the sending side that a message was received (AB), accepted (AP) or rejected
  (RE), with one :class:`LineResponse` per issue (an XPath or ``NA``, a description and
  the issue type BV / BW / SV).

Each model is a frozen pydantic model with ``to_xml() -> bytes`` and
``from_xml(tree | element | bytes)``.

Every response is validated with the complete official T111 / T71 rules of the OpenPeppol
release in force (``PEPPOLBIS-T111.sch`` / ``PEPPOLBIS-T71.sch``: the published rules and
upstream's generated data-model rules, ``PEPPOL-T111-B…`` / ``PEPPOL-T71-B…``) before it is
written: on the municipal side ``ingest.replies.Replier.check`` does this with the rules in
force on the response's issue date, and stores nothing they reject. This package does not
validate (it is the Peppol standard only and knows no validator); its builders refuse early,
with a :class:`ResponseRuleError` naming the field, what those rules would reject. Each
pre-check cites the official rule that backs it, and tests/test_response_prechecks.py
proves, for every pre-check (R005 aside, below), that the complete rules of each release
report that very rule id for a response that breaks the same thing:

* the published rules: ``PEPPOL-T111-R001`` (CA/UQ/RE need a clarification code), ``R004``
  (PPD needs a text), ``R006``/``R007`` (the code is in the list its listID names), and the
  common rules ``PEPPOL-COMMON-R001`` (no empty elements) and ``R040``/``R041``/``R043``/
  ``R049``/``R050`` (identifier check digits);
* the generated data-model rules: the code lists of the status (``PEPPOL-T111-B03001``,
  ``PEPPOL-T71-B01501``, ``B02501``), of the clarification's listID (``PEPPOL-T111-B03302``
  present, ``B03303`` known), of the MLR issue type (``PEPPOL-T71-B02801``), of the document
  type code (UNTDID 1001: ``PEPPOL-T111-B04201``, ``PEPPOL-T71-B01901``), of each party's
  EAS and ICD scheme (``PEPPOL-T111-B00902``, ``B01201``, ``B02102``, ``B02401``, ``B04501``,
  ``B05101``; ``PEPPOL-T71-B00802``, ``B01102``), and the receiver of a T111 without a
  contact (``PEPPOL-T111-B02003``). The lists are held as the union over the releases (see
  :mod:`.common`), so that a pre-check never refuses what a release accepts.

Two pre-checks are stricter than the rules' tests, by policy: an ``OTH`` clarification must
carry a text (``PEPPOL-T111-R002``, which fires, is only a warning upstream; our responses
carry no warnings), and ``PEPPOL-T111-R005`` ("PPD only with PD") is enforced although the published
test, ``exists(/cbc:ResponseCode='PD')``, can never fail (``/cbc:ResponseCode`` selects
nothing from the document node, the comparison is ``false()``, and ``exists(false())`` is
true). One check has no Peppol rule: a value XML 1.0 cannot hold (``XML``), which could not
be written at all. What the rules do not check the builders do not refuse either (which line
responses an MLR with AB, AP or RE carries is the sender's business).

Element order follows the UBL 2.1 XSD (``UBL-ApplicationResponse-2.1.xsd`` and the common
aggregate types); no ``UBLExtensions`` are written. Error messages name the field, never a
Swedish organisation number (a sole trader's is a personal identity number).

The package is the Peppol standard only: nothing here knows about LSS. Its modules:
:mod:`.common` (the rule error, element checks, parties), :mod:`.ubl_io` (writing and
reading the shared UBL parts), :mod:`.invoice_response` (T111) and :mod:`.message_level`
(T71); the code lists and identifiers are :mod:`peppol.codes`, except the scheme and
document-type lists of the T111/T71 rules (in :mod:`.common`). Import from here:
``from peppol.responses import InvoiceResponse``.
"""
from peppol.codes import (
    INVOICE_RESPONSE_CUSTOMIZATION_ID, INVOICE_RESPONSE_PROFILE_ID, MLR_CUSTOMIZATION_ID, MLR_PROFILE_ID,
    STATUS_ACTION_CODES, STATUS_REASON_CODES,
)

from .common import (
    RESPONSE_EAS_CODES, RESPONSE_ICD_CODES, UNCL1001_CODES, Contact, DocumentParty, Endpoint, PartyId, PartyRules,
    ResponseParty, ResponseRuleError,
)
from .invoice_response import (
    Clarification, ClarificationList, Condition, InvoiceReference, InvoiceResponse, InvoiceStatus,
)
from .message_level import (
    IssueType, LineResponse, MessageLevelResponse, MessageReference, MessageStatus, ReceivedMessage,
    received_message,
)

__all__ = [
    "ResponseRuleError", "PartyRules", "RESPONSE_EAS_CODES", "RESPONSE_ICD_CODES", "UNCL1001_CODES",
    "INVOICE_RESPONSE_CUSTOMIZATION_ID", "INVOICE_RESPONSE_PROFILE_ID",
    "MLR_CUSTOMIZATION_ID", "MLR_PROFILE_ID",
    "InvoiceStatus", "ClarificationList", "STATUS_REASON_CODES", "STATUS_ACTION_CODES",
    "MessageStatus", "IssueType",
    "Endpoint", "PartyId", "Contact", "ResponseParty", "DocumentParty",
    "Condition", "Clarification", "InvoiceReference", "InvoiceResponse",
    "MessageReference", "LineResponse", "MessageLevelResponse",
    "ReceivedMessage", "received_message",
]
