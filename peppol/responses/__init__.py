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

The package is the Peppol standard only: nothing here knows about LSS. Its modules:
:mod:`.common` (the rule error, element checks, parties), :mod:`.ubl_io` (writing and
reading the shared UBL parts), :mod:`.invoice_response` (T111) and :mod:`.message_level`
(T71); the code lists and identifiers are :mod:`peppol.codes`. Import from here:
``from peppol.responses import InvoiceResponse``.
"""
from peppol.codes import (
    INVOICE_RESPONSE_CUSTOMIZATION_ID, INVOICE_RESPONSE_PROFILE_ID, MLR_CUSTOMIZATION_ID, MLR_PROFILE_ID,
    STATUS_ACTION_CODES, STATUS_REASON_CODES,
)

from .common import Contact, DocumentParty, Endpoint, PartyId, ResponseParty, ResponseRuleError
from .invoice_response import (
    Clarification, ClarificationList, Condition, InvoiceReference, InvoiceResponse, InvoiceStatus,
)
from .message_level import (
    IssueType, LineResponse, MessageLevelResponse, MessageReference, MessageStatus, ReceivedMessage,
    received_message,
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
