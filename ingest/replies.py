"""The municipality's answers: Invoice Responses (T111) and Message Level Responses (T71).

:class:`Replier` turns the answer an analysis decided (AB, RE, or an MLR rejecting the
message) into response XML from the already parsed message, and checks every response
against the complete official T111/T71 rules in force on its issue date before it may be
stored. A response that cannot be built, or that fails those rules, is recorded as the
document's finding and the document is quarantined (``unanswerable`` when it would otherwise
have been stored): answering never stops a run. When a T111 cannot be built (the invoice
names no seller to answer, say), an MLR to the envelope's sender is tried instead.
"""
from __future__ import annotations

import uuid
from datetime import UTC, date

from lxml import etree

from peppol import codes, sbdh
from peppol.responses import (
    Clarification, Endpoint, InvoiceResponse, InvoiceStatus, IssueType, LineResponse, MessageLevelResponse,
    MessageReference, ResponseParty, MessageStatus,
)
from invoices.model import mask_personal_numbers
from validate.engine import Validator
from validate.findings import ENGINE_ERRORS, Finding, Severity

from .analysis import Analysis, Answer, engine_error
from .municipal import BUYER_ENDPOINT, BUYER_REFERENCE, Receiver
from .states import STORED, UNANSWERABLE

MAX_CLARIFICATIONS = 20
REPLY_FAILED_RULE = "LSS-ING-REPLY"


class ResponseInvalid(Exception):
    """A response we generated fails the official rules: a bug, never sent."""


class ResponseUnchecked(Exception):
    """The rules that check a response could not be run (an engine error): no verdict, so
    the document waits for the next run instead of being quarantined."""

    def __init__(self, message: str, errors: list[Finding]):
        super().__init__(message)
        self.errors = errors


def clarification(finding: Finding) -> Clarification:
    """Status reason per problem (OPStatusReason): references → REF, our endpoint → REC,
    duplicates and the rest → OTH with the rule id and message as the reason."""
    if finding.rule_id == BUYER_REFERENCE:
        code = "REF"
    elif finding.rule_id == BUYER_ENDPOINT:
        code = "REC"
    else:
        code = "OTH"
    text = f"{finding.rule_id}: {finding.message}"
    if finding.location:
        text += f" (at {finding.location})"
    return Clarification.status_reason(code, mask_personal_numbers(text)[:1000])


class Replier:
    """Builds and checks the responses of one receiving municipality."""

    def __init__(self, receiver: Receiver, validator: Validator | None = None):
        self.receiver = receiver
        self.validator = validator or Validator()

    def response_id(self, doc_id: int, kind: str, code: str) -> str:
        return f"{self.receiver.slug}-{doc_id:08d}-{kind}-{code}"

    def our_party(self) -> ResponseParty:
        return ResponseParty(endpoint=Endpoint(scheme=self.receiver.endpoint_scheme, id=self.receiver.endpoint_id),
                             name=self.receiver.name)

    # ------------------------------------------------------------------ answering an analysis

    def answer(self, analysis: Analysis, doc_id: int, received_on: date) -> Analysis:
        """Build the responses the analysis decided on, or record why none could be built."""
        answer = analysis.answer
        if answer is None or analysis.received is None:
            return analysis
        try:
            return self._answer(analysis, answer, doc_id, received_on)
        except ResponseUnchecked as exc:
            return engine_error(analysis, exc.errors)

    def _answer(self, analysis: Analysis, answer, doc_id: int, received_on: date) -> Analysis:
        if answer.kind == "T111":
            try:
                analysis.responses = [self.invoice_response(analysis.payload, doc_id, answer, received_on)]
                return analysis
            except ResponseUnchecked:
                raise
            except Exception as exc:
                _record_failure(analysis, f"the T111 {answer.code} could not be built ({_error(exc)})")
            if analysis.envelope is None:
                return analysis  # a bare document names nobody else to answer
            reason = answer.reason or analysis.reason or "the invoice cannot be processed"
        else:
            reason = answer.reason
        try:
            mlr = self.message_level_response(analysis.received, doc_id, reason, received_on)
        except ResponseUnchecked:
            raise
        except Exception as exc:
            _record_failure(analysis, f"the T71 RE could not be built ({_error(exc)})")
            return analysis
        analysis.responses = [mlr] if mlr else []  # None: the envelope names no sender to answer
        return analysis

    # ------------------------------------------------------------------ the two responses

    def invoice_response(self, invoice: etree._Element, doc_id: int, answer: Answer,
                         received_on: date) -> tuple[str, str, str, bytes]:
        problems = list(answer.problems)
        clarifications = [clarification(f) for f in problems[:MAX_CLARIFICATIONS]]
        if len(problems) > MAX_CLARIFICATIONS:
            clarifications.append(Clarification.status_reason(
                "OTH", f"{len(problems) - MAX_CLARIFICATIONS} more problem(s) not listed"))
        code = InvoiceStatus(answer.code)
        response = InvoiceResponse.answering(
            invoice, id=self.response_id(doc_id, "T111", code.value), issue_date=received_on, response_code=code,
            clarifications=clarifications, sender=self.our_party(),  # we answer, whoever the invoice names as buyer
            note=None if code is InvoiceStatus.RECEIVED else "The invoice cannot be processed: see the reasons.")
        xml = response.to_xml()
        self.check(xml, "invoice-response", at=response.issue_date)
        endpoint = response.receiver.endpoint
        return "T111", code.value, f"{endpoint.scheme}:{endpoint.id}", xml

    def message_level_response(self, received: etree._Element, doc_id: int, reason: str,
                               received_on: date) -> tuple[str, str, str, bytes] | None:
        rid = self.response_id(doc_id, "T71", "RE")
        lines = [LineResponse(line_id="NA", description=mask_personal_numbers(reason)[:1000],
                              issue=IssueType.BUSINESS_RULE_FATAL)]
        try:
            mlr = MessageLevelResponse.answering(received, id=rid, issue_date=received_on,
                                                 response_code=MessageStatus.REJECTED, lines=lines)
        except Exception:
            # A broken envelope: answer whoever its header names as sender, if anyone.
            reply = sbdh.reply_address(received)
            if reply.sender is None:
                return None
            scheme, _, value = reply.sender.partition(":")
            mlr = MessageLevelResponse(
                id=rid, issue_date=received_on, sender=self.our_party().endpoint,
                receiver=Endpoint(scheme=scheme, id=value), response_code=MessageStatus.REJECTED,
                document_reference=MessageReference(id=(reply.instance_id or "NA")[:200]), lines=tuple(lines))
        xml = mlr.to_xml()
        self.check(xml, "mlr", at=mlr.issue_date)
        return "T71", "RE", f"{mlr.receiver.scheme}:{mlr.receiver.id}", xml

    def check(self, xml: bytes, kind: str, at: date | None = None) -> None:
        """Every response passes the complete official T111/T71 rules before it may be stored:
        those of the releases accepted on ``at``, the response's issue date (default: the
        validator's reference date, or today)."""
        result = self.validator.validate_bytes(xml, f"response.{kind}.xml", at=at)
        if result.error:
            errors = [f for f in result.findings if f.rule_id in ENGINE_ERRORS]
            raise ResponseUnchecked(f"the rules of the {kind} response could not be run", errors)
        if not result.valid or result.document_type != kind:
            problems = "; ".join(f"{f.rule_id}: {f.message}" for f in result.findings if f.is_fatal)
            raise ResponseInvalid(f"the generated {kind} response is not valid: {problems}")

    # ------------------------------------------------------------------ the envelope for the access point

    def envelope(self, row) -> bytes:
        """A stored response in its SBDH envelope (instance id derived from the response id,
        so writing it again gives the same bytes)."""
        if not row.receiver:
            return row.xml
        t111 = row.kind == "T111"
        return sbdh.wrap(row.xml, sender=self.receiver.participant, receiver=row.receiver,
                         document_type_id=codes.INVOICE_RESPONSE_DOCUMENT_TYPE_ID if t111 else codes.MLR_DOCUMENT_TYPE_ID,
                         process_id=codes.INVOICE_RESPONSE_PROCESS_ID if t111 else codes.MLR_PROCESS_ID,
                         instance_id=str(uuid.uuid5(uuid.NAMESPACE_URL, row.response_id)),
                         created=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC))


def _record_failure(analysis: Analysis, message: str) -> None:
    """The document's finding; one that would have been stored is quarantined instead (stored
    but never answered would leave the sender waiting for an answer that never comes)."""
    finding = Finding(REPLY_FAILED_RULE, Severity.FATAL, message, step="respond")
    if analysis.state == STORED:
        analysis.quarantine(UNANSWERABLE, message, finding)
    else:
        analysis.findings.append(finding)


def _error(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"
