"""What a delivered document is and what becomes of it: the analysis, with no I/O.

Steps, each able to end the analysis with a quarantine reason and a named finding:
parse (hardened) → envelope (the SBDH checks of ``validate``, then: addressed to us?) →
work bound (line count) → validate (the OpenPeppol releases accepted on the day the document
was received, then our municipal rules) → read into the BIS model → can the store hold it →
what to answer. A document to be stored then has its attached time reports read
(:mod:`ingest.timereport_intake`), which never quarantines it: a problem there is a warning.
The analysis decides the answer (AB, RE or an MLR); :mod:`ingest.replies` builds it. Nothing
here touches the store, the archive or the network, so a document can be analysed again with
the same outcome.

An engine error while validating (the rules do not compile, Saxon fails while running them,
an artefact is missing: :data:`validate.findings.ENGINE_ERRORS`) is no verdict on the
document and not the sender's fault: the analysis ends :data:`~ingest.states.PENDING`, with
no answer, and the pipeline keeps the document for the next run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from peppol import codes, sbdh
from peppol.reader import UblReadError, read_ubl
from schemas.artefacts import ArtefactError
from validate import envelope as envelope_checks
from validate.engine import ARTEFACT_MISSING, RULES_BROKEN, Validator
from validate.findings import ENGINE_ERRORS, Finding, OtherVerdict, Outcome, Severity
from validate.xmlsafe import Limits, XmlRefused, parse_xml
from validate.xsd import XsdLoadError

from . import rows as r
from .municipal import Receiver
from .states import (
    ANALYSIS_FAILED, BROKEN_SBDH, ENGINE_ERROR, FAILED_RULES, NOT_FOR_US, NOT_STORABLE, NOT_XML, PENDING,
    QUARANTINED, STORED, TOO_MANY_LINES, UNREADABLE, WRONG_TYPE,
)
from .sickclaim_intake import take_in_claim
from .signed_intake import ReportSigning
from .timereport_intake import AttachedReports, take_in

INVOICE_KINDS = ("invoice", "creditnote")
DEFAULT_MAX_LINES = 10_000
TOO_MANY_LINES_RULE = "LSS-ING-LINES"
ANALYSIS_FAILED_RULE = "LSS-ING-ERROR"
_LINE_TAGS = {
    f"{{{codes.UBL_INVOICE_NS}}}Invoice": f"{{{codes.UBL_CAC_NS}}}InvoiceLine",
    f"{{{codes.UBL_CREDIT_NOTE_NS}}}CreditNote": f"{{{codes.UBL_CAC_NS}}}CreditNoteLine",
}


@dataclass(frozen=True)
class Answer:
    """What to answer: an Invoice Response (T111) with a status code and the problems it
    names, or a Message Level Response (T71) rejecting the message with a reason (also the
    reason of the MLR sent instead of a T111 that cannot be built, when given)."""

    kind: str  # "T111" | "T71"
    code: str  # "AB" | "RE" for T111, "RE" for T71
    problems: tuple[Finding, ...] = ()
    reason: str = ""


@dataclass
class Analysis:
    """The outcome of the analysis: what the final transaction stores."""

    state: str  # stored | quarantined | pending (an engine error: kept for the next run)
    document_kind: str | None = None
    ruleset: str | None = None  # the rule set that judged it (``peppol-bis-billing-3.0.21``)
    release: str | None = None  # its OpenPeppol release (``2026.5``)
    reference_date: date | None = None  # the day the accepted releases were chosen for
    others: list[OtherVerdict] = field(default_factory=list)  # the other accepted releases' verdicts
    envelope: sbdh.Envelope | None = None
    reason_code: str | None = None
    reason: str | None = None
    findings: list[Finding] = field(default_factory=list)
    read: object | None = None  # peppol.reader.ReadResult
    rows: r.InvoiceRows | None = None
    timereports: list[AttachedReports] = field(default_factory=list)  # the attachments' time reports
    sick_claim: object | None = None  # invoices.sickpay_statement.StatedClaim of a sick-pay claim
    received: etree._Element | None = None  # the parsed message (envelope or bare document)
    payload: etree._Element | None = None  # the business document in it
    answer: Answer | None = None
    responses: list[tuple[str, str, str, bytes]] = field(default_factory=list)  # (kind, code, receiver, xml)

    def quarantine(self, code: str, reason: str, *findings: Finding) -> "Analysis":
        self.state, self.reason_code, self.reason = QUARANTINED, code, reason
        self.findings.extend(findings)
        return self


def _shown(text: str, limit: int = 500) -> str:
    """A reason as stored and printed: whole when short, else cut (never the document)."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def engine_error(analysis: Analysis, errors: list[Finding]) -> Analysis:
    """The rules could not be run: no verdict, no answer; the document waits for the next run
    (``reason`` says why, for the operator)."""
    what = "; ".join(f"{f.rule_id}" + (f" ({f.ruleset}, {f.step})" if f.ruleset else "") + f": {f.message}"
                     for f in errors)
    analysis.state, analysis.reason_code, analysis.answer = PENDING, ENGINE_ERROR, None
    analysis.reason = _shown(f"the rules could not be run (an engine error, not the sender's fault): {what}", 1000)
    analysis.findings = list(errors)
    return analysis


class Analyser:
    """The analysis of documents delivered to one receiver."""

    def __init__(self, receiver: Receiver, validator: Validator, limits: Limits,
                 max_lines: int = DEFAULT_MAX_LINES, signing: ReportSigning | None = None):
        self.receiver, self.validator, self.limits, self.max_lines = receiver, validator, limits, max_lines
        self.signing = signing or ReportSigning()

    def analyse(self, data: bytes, name: str, received_on: date | None = None) -> Analysis:
        """Everything that decides the document's fate. ``received_on`` is its reference date:
        the releases accepted that day judge it (default: today). An error of ours in any step
        is the document's finding (``analysis-failed``), never an exception: no single document
        may stop a run. An engine error is no verdict: the analysis ends pending."""
        try:
            return self._analyse(data, name, received_on)
        except Exception as exc:  # a bug of ours, or of a library, on this input
            message = f"the analysis of this document failed ({type(exc).__name__}: {_shown(str(exc), 300)})"
            return Analysis(QUARANTINED, reason_code=ANALYSIS_FAILED, reason=message, findings=[
                Finding(ANALYSIS_FAILED_RULE, Severity.FATAL, message, step="ingest")])

    def _analyse(self, data: bytes, name: str, received_on: date | None) -> Analysis:
        try:
            tree = parse_xml(data, source=name, limits=self.limits)
        except XmlRefused as refused:
            return Analysis(QUARANTINED, reason_code=NOT_XML, reason=_shown(refused.finding.message),
                            findings=[refused.finding])
        root = tree.getroot()
        analysis = Analysis(STORED, received=root, payload=root)
        if etree.QName(root).localname == "StandardBusinessDocument" and not self._open_envelope(analysis):
            return analysis
        if self._too_many_lines(analysis):
            return analysis
        try:
            result = self.validator.validate_parsed(data, tree, name, at=received_on)
        except (ArtefactError, XsdLoadError) as exc:  # e.g. the UBL XSD missing: the engine's, not the sender's
            rule = ARTEFACT_MISSING if isinstance(exc, ArtefactError) else RULES_BROKEN
            return engine_error(analysis, [Finding(rule, Severity.FATAL, _shown(" ".join(str(exc).split())),
                                                    step="validate")])
        analysis.document_kind, analysis.ruleset = result.document_type or None, result.ruleset or None
        analysis.release = result.release or None
        analysis.reference_date = date.fromisoformat(result.reference_date) if result.reference_date else None
        analysis.others = list(result.others)
        if result.outcome is Outcome.ERROR:
            return engine_error(analysis, [f for f in result.findings if f.rule_id in ENGINE_ERRORS])
        analysis.findings.extend(result.findings)
        if result.document_type not in INVOICE_KINDS:
            message = "; ".join(f.message for f in result.findings if f.is_fatal) or \
                f"a {result.document_type or 'document'} is not an invoice or credit note"
            return self._not_a_document(analysis, WRONG_TYPE, message)
        if not result.valid:
            fatal = [f for f in result.findings if f.is_fatal]
            analysis.quarantine(FAILED_RULES, f"{len(fatal)} fatal finding(s): "
                                + ", ".join(sorted({f.rule_id for f in fatal})))
            analysis.answer = Answer("T111", "RE", tuple(fatal))
            return analysis
        try:
            analysis.read = read_ubl(analysis.payload)
        except UblReadError as exc:
            # Valid by the rules, yet not readable into the model: where a rule's test is looser
            # than what it states (SE-R-007 takes a Plusgiro number of "1e400", a number to
            # XPath), the model holds to what it states. The seller is told, with the reason.
            finding = Finding("LSS-ING-003", Severity.FATAL, _shown(str(exc)), step="parse")
            analysis.quarantine(UNREADABLE, _shown(str(exc)), finding)
            analysis.answer = Answer("T111", "RE", (finding,))
            return analysis
        analysis.rows = r.invoice_rows(analysis.read)
        problems = r.storable_problems(analysis.rows)
        if problems:
            analysis.quarantine(NOT_STORABLE, f"{len(problems)} value(s) the store cannot hold: "
                                + _shown("; ".join(f.message for f in problems), 400), *problems)
            analysis.answer = Answer("T111", "RE", tuple(problems))
            return analysis
        lookalike = r.lookalike_number(analysis.read.document.id)
        if lookalike:
            analysis.findings.append(lookalike)
        analysis.timereports, found = take_in(analysis.read.document, analysis.rows, self.signing)
        analysis.findings.extend(found)
        analysis.sick_claim, found = take_in_claim(analysis.read.document)
        analysis.findings.extend(found)
        analysis.answer = Answer("T111", "AB")
        return analysis

    def _open_envelope(self, analysis: Analysis) -> bool:
        """The envelope checks of ``validate`` (the same as ``lssinvoice validate``), then the
        receiver: False when the document ends here (broken, or not for us)."""
        broken = envelope_checks.check_envelope(analysis.received)
        if not broken:
            try:
                analysis.envelope = sbdh.unwrap(analysis.received)
            except sbdh.SbdhError as exc:  # the two checks are tested to agree; never trust that blindly
                broken = [Finding("LSS-ING-BROKEN-SBDH", Severity.FATAL, str(exc), step="envelope")]
        if broken:
            message = "broken SBDH envelope: " + "; ".join(f.message for f in broken)
            self._not_a_document(analysis, BROKEN_SBDH, message, broken)
            return False
        analysis.payload = analysis.envelope.payload
        if analysis.envelope.receiver != self.receiver.participant:
            self._not_a_document(analysis, NOT_FOR_US, f"the envelope is addressed to {analysis.envelope.receiver}, "
                                 f"not to {self.receiver.name} ({self.receiver.participant})")
            return False
        return True

    def _too_many_lines(self, analysis: Analysis) -> bool:
        """Bound the work per document before validating it: the rules' cost grows faster
        than the number of lines (measured: 10,000 lines about 6 s of CPU, 20,000 about 16 s),
        so an invoice of 100,000 lines would hold a worker for many minutes."""
        tag = _LINE_TAGS.get(analysis.payload.tag)
        if tag is None:
            return False
        lines = sum(1 for _ in analysis.payload.iterchildren(tag))
        if lines <= self.max_lines:
            return False
        message = f"the document has {lines} lines, more than the limit of {self.max_lines} lines per document"
        analysis.document_kind = "invoice" if tag.endswith("}InvoiceLine") else "creditnote"
        finding = Finding(TOO_MANY_LINES_RULE, Severity.FATAL, message, step="ingest")
        analysis.quarantine(TOO_MANY_LINES, message, finding)
        analysis.answer = Answer("T111", "RE", (finding,))
        return True

    @staticmethod
    def _not_a_document(analysis: Analysis, code: str, reason: str,
                        findings: list[Finding] | None = None) -> Analysis:
        """Not an invoice we can take: quarantined, the message rejected with an MLR."""
        reason = _shown(reason)
        extra = list(findings or [Finding(f"LSS-ING-{code.upper()}", Severity.FATAL, reason, step="ingest")])
        analysis.quarantine(code, reason, *[f for f in extra if f not in analysis.findings])
        analysis.answer = Answer("T71", "RE", reason=reason)
        return analysis
