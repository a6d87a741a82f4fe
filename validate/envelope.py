"""Checks of the Peppol business message envelope (SBDH), as findings.

The same checks as :func:`peppol.sbdh.unwrap`, which the ingest side uses to read an
envelope, written again here because ``validate`` must not import ``peppol`` (the layering
rule: ``validate`` sits below it). A test (``tests/test_validate_envelope.py``) runs both on
every broken envelope we know of and asserts they agree: :func:`check_envelope` returns a
fatal finding exactly when ``unwrap`` raises ``SbdhError``.

Where ``unwrap`` stops at the first problem, this module reports every problem it can see
(one finding per failed check; checks that need an element which is missing are not run),
so a sender learns everything wrong with the envelope at once. Every finding has the step
:data:`STEP` (``"envelope"``) and a rule id starting with :data:`RULE_PREFIX`
(``"LSS-SBDH-"``); all are fatal.

Source: Peppol Business Message Envelope (SBDH) specification v2.0.1 (OpenPeppol), a
subset of UN/CEFACT Standard Business Document Header 1.3; participant identifiers as the
Peppol Policy for use of Identifiers has them (see :func:`participant_problem`).
"""
from __future__ import annotations

import datetime as dt

from lxml import etree
from stdnum import ean, luhn
from stdnum.se import orgnr

from validate.detect import SBDH_NS, SBDH_ROOT, sbdh_parts
from validate.findings import Finding, Severity, ValidationResult

__all__ = ["STEP", "RULE_PREFIX", "RULES", "SBDH_NS", "check_envelope", "payloads",
           "is_envelope_finding", "envelope_findings", "participant_problem"]

STEP = "envelope"
"""The step name of every envelope finding (``Finding.step``, ``StepResult.name``)."""
RULE_PREFIX = "LSS-SBDH-"
"""Every envelope finding's rule id starts with this."""

HEADER_VERSION = "1.0"
PARTICIPANT_SCHEME = "iso6523-actorid-upis"
_S = "{%s}" % SBDH_NS
_ROOT = "/*[local-name()='StandardBusinessDocument']"
_HDR = _ROOT + "/*[local-name()='StandardBusinessDocumentHeader']"

HEADER = "LSS-SBDH-001"
PAYLOAD = "LSS-SBDH-002"
HEADER_VERSION_RULE = "LSS-SBDH-003"
SENDER = "LSS-SBDH-004"
RECEIVER = "LSS-SBDH-005"
AUTHORITY = "LSS-SBDH-006"
PARTICIPANT = "LSS-SBDH-007"
DOCUMENT_IDENTIFICATION = "LSS-SBDH-008"
CREATION_DATE_AND_TIME = "LSS-SBDH-009"
PAYLOAD_TYPE = "LSS-SBDH-010"
BUSINESS_SCOPE = "LSS-SBDH-011"
DOCUMENTID_SCOPE = "LSS-SBDH-012"
PROCESSID_SCOPE = "LSS-SBDH-013"

RULES: dict[str, str] = {
    HEADER: "The document is a StandardBusinessDocument with exactly one StandardBusinessDocumentHeader.",
    PAYLOAD: "The envelope holds exactly one business document (payload) beside the header.",
    HEADER_VERSION_RULE: f"HeaderVersion occurs once and is {HEADER_VERSION!r}.",
    SENDER: "Sender occurs once, with one non-empty Identifier.",
    RECEIVER: "Receiver occurs once, with one non-empty Identifier.",
    AUTHORITY: f"The Sender and Receiver Identifier have Authority {PARTICIPANT_SCHEME!r}.",
    PARTICIPANT: "The Sender and Receiver Identifier are valid Peppol participant identifiers 'scheme:value'.",
    DOCUMENT_IDENTIFICATION: "DocumentIdentification occurs once, with Standard, TypeVersion, InstanceIdentifier, "
                             "Type and CreationDateAndTime each once and not empty.",
    CREATION_DATE_AND_TIME: "DocumentIdentification/CreationDateAndTime is a date and time.",
    PAYLOAD_TYPE: "DocumentIdentification Standard and Type are the payload's root namespace and local name.",
    BUSINESS_SCOPE: "BusinessScope occurs once; each Scope has one non-empty Type and InstanceIdentifier.",
    DOCUMENTID_SCOPE: "BusinessScope has exactly one DOCUMENTID scope.",
    PROCESSID_SCOPE: "BusinessScope has exactly one PROCESSID scope.",
}

# Participant identifier schemes: the Peppol code list of participant identifier schemes,
# the same codes as the EAS list that BR-CL-25 checks. A copy of peppol.codes.EAS_CODES
# (validate may not import peppol); tests/test_validate_envelope.py asserts they are equal.
EAS_CODES = frozenset(
    "0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 "
    "0177 0183 0184 0188 0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 "
    "0204 0205 0208 0209 0210 0211 0212 0213 0215 0216 0217 0218 0219 0220 0221 0225 0230 "
    "0235 0240 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 "
    "9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 "
    "9947 9948 9949 9950 9951 9952 9953 9957 9959 AN AQ AS AU EM".split()
)
_SE_ORGNR = "0007"
_GLN = "0088"


def is_envelope_finding(finding: Finding) -> bool:
    """Whether a finding comes from these envelope checks (what ingest calls "broken-sbdh")."""
    return finding.step == STEP and finding.rule_id.startswith(RULE_PREFIX)


def envelope_findings(result: ValidationResult) -> list[Finding]:
    """The envelope findings of a validation result: non-empty exactly when the input was an
    SBDH whose envelope ``peppol.sbdh.unwrap`` refuses too (empty for input without one)."""
    return [f for f in result.findings if is_envelope_finding(f)]


def payloads(root: etree._Element) -> list[etree._Element]:
    """The business documents of an envelope: every child element that is not a header
    (exactly one in a valid envelope; :func:`validate.detect.sbdh_parts`)."""
    return sbdh_parts(root)[1]


# --- participant identifiers -------------------------------------------------------------

def participant_problem(value: str) -> str | None:
    """Why ``value`` is not a Peppol participant identifier, or None when it is one.

    The same acceptance as ``peppol.identifiers.peppol_id.validate`` (which ``unwrap`` uses):
    an optional ``iso6523-actorid-upis::`` qualifier, a scheme from :data:`EAS_CODES`
    (case-insensitive), ``:`` and a value; for ``0007`` a Swedish organisation number (10
    digits after python-stdnum's ``se.orgnr.compact``, ``+`` removed and a ``16`` century
    prefix of a 12-digit form dropped, Luhn
    check digit), for ``0088`` a GLN (digits, GS1 check digit), otherwise any value without
    whitespace. A syntactic ``scheme:value`` test alone would not do: ``unwrap`` refuses an
    unknown scheme or a wrong check digit, and the two sides must refuse the same envelopes.
    """
    text = str(value).strip()
    if text.lower().startswith(PARTICIPANT_SCHEME + "::"):
        text = text[len(PARTICIPANT_SCHEME) + 2:]
    scheme, sep, rest = text.partition(":")
    if not sep:
        return f"expected 'scheme:value', e.g. '0007:2120001306' (no ':' found in {value!r})"
    scheme, rest = scheme.strip().upper(), rest.strip()
    if not scheme:
        return "the scheme before ':' is empty"
    if scheme not in EAS_CODES:
        return f"unknown identifier scheme {scheme!r} (not in the EAS code list, BR-CL-25)"
    if scheme == _SE_ORGNR:
        number = orgnr.compact(rest).replace("+", "")
        if len(number) == 12 and number.startswith("16"):
            number = number[2:]
        if not number:
            return "the Swedish organisation number is empty"
        if not (number.isdigit() and number.isascii()):
            return "a Swedish organisation number has digits only (and the separator '-')"
        if len(number) != 10:
            return f"a Swedish organisation number has 10 digits, got {len(number)}"
        if luhn.calc_check_digit(number[:-1]) != number[-1]:
            return "the Luhn check digit of the Swedish organisation number is wrong"
        return None
    if scheme == _GLN:
        number = "".join(rest.split())
        if not (number.isdigit() and number.isascii()):
            return "a GLN (scheme 0088) has digits only"
        if len(number) < 2:
            return "a GLN (scheme 0088) is too short"
        if ean.calc_check_digit(number[:-1]) != number[-1]:
            return "the GS1 check digit of the GLN (scheme 0088) is wrong"
        return None
    if not rest:
        return f"the value after the scheme {scheme} is empty"
    if any(ch.isspace() for ch in rest):
        return "the value must not contain whitespace"
    return None


# --- the checks -----------------------------------------------------------------------------

class _Checks:
    """Collects findings for one envelope."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def fail(self, rule_id: str, message: str, location: str) -> None:
        self.findings.append(Finding(rule_id, Severity.FATAL, message, location=location, step=STEP))

    def one(self, parent: etree._Element, local: str, rule_id: str, where: str, location: str) -> etree._Element | None:
        """The single ``local`` child (SBDH namespace), or a finding and None."""
        found = parent.findall(_S + local)
        if len(found) == 1:
            return found[0]
        if not found:
            self.fail(rule_id, f"{where}: {local} is missing", location)
        else:
            self.fail(rule_id, f"{where}: {local} occurs {len(found)} times, the Peppol envelope has exactly one",
                      f"{location}/*[local-name()='{local}'][2]")
        return None

    def text(self, parent: etree._Element, local: str, rule_id: str, where: str, location: str) -> str | None:
        """The stripped text of the single ``local`` child, or a finding and None when it is
        missing, repeated or empty (its own text only, as ``unwrap`` reads it)."""
        element = self.one(parent, local, rule_id, where, location)
        if element is None:
            return None
        value = (element.text or "").strip()
        if not value:
            self.fail(rule_id, f"{where}/{local} is empty", f"{location}/*[local-name()='{local}']")
            return None
        return value


def _party(checks: _Checks, header: etree._Element, role: str, rule_id: str) -> None:
    location = f"{_HDR}/*[local-name()='{role}']"
    party = checks.one(header, role, rule_id, "StandardBusinessDocumentHeader", _HDR)
    if party is None:
        return
    ident = checks.one(party, "Identifier", rule_id, role, location)
    if ident is None:
        return
    location += "/*[local-name()='Identifier']"
    authority = (ident.get("Authority") or "").strip()
    if authority != PARTICIPANT_SCHEME:
        checks.fail(AUTHORITY, f"{role}/Identifier: Authority must be {PARTICIPANT_SCHEME!r}, got {authority!r}",
                    location + "/@Authority")
    value = (ident.text or "").strip()
    if not value:
        checks.fail(rule_id, f"{role}/Identifier is empty", location)
        return
    problem = participant_problem(value)
    if problem:
        checks.fail(PARTICIPANT, f"{role}/Identifier {value!r} is not a Peppol participant identifier: {problem}",
                    location)


def _document_identification(checks: _Checks, header: etree._Element,
                             payload: etree._Element | None) -> None:
    location = f"{_HDR}/*[local-name()='DocumentIdentification']"
    ident = checks.one(header, "DocumentIdentification", DOCUMENT_IDENTIFICATION,
                       "StandardBusinessDocumentHeader", _HDR)
    if ident is None:
        return
    values = {local: checks.text(ident, local, DOCUMENT_IDENTIFICATION, "DocumentIdentification", location)
              for local in ("Standard", "TypeVersion", "InstanceIdentifier", "Type", "CreationDateAndTime")}
    created = values["CreationDateAndTime"]
    if created is not None:
        # The acceptance of unwrap (datetime.fromisoformat), so that both sides agree; see the
        # report of this change: it is laxer than xs:dateTime (a date alone passes).
        try:
            dt.datetime.fromisoformat(created)
        except ValueError:
            checks.fail(CREATION_DATE_AND_TIME,
                        f"DocumentIdentification/CreationDateAndTime: {created!r} is not an xs:dateTime",
                        location + "/*[local-name()='CreationDateAndTime']")
    standard, type_ = values["Standard"], values["Type"]
    if payload is not None and standard is not None and type_ is not None:
        qname = etree.QName(payload)
        if qname.namespace != standard or qname.localname != type_:
            checks.fail(PAYLOAD_TYPE,
                        f"DocumentIdentification says {{{standard}}}{type_} but the payload is "
                        f"{{{qname.namespace}}}{qname.localname}", location)


def _business_scope(checks: _Checks, header: etree._Element) -> None:
    location = f"{_HDR}/*[local-name()='BusinessScope']"
    scope_parent = checks.one(header, "BusinessScope", BUSINESS_SCOPE, "StandardBusinessDocumentHeader", _HDR)
    if scope_parent is None:
        return
    counts: dict[str, int] = {}
    for index, scope in enumerate(scope_parent.findall(_S + "Scope"), start=1):
        where = f"{location}/*[local-name()='Scope'][{index}]"
        scope_type = checks.text(scope, "Type", BUSINESS_SCOPE, "BusinessScope/Scope", where)
        label = f"BusinessScope/Scope[{scope_type}]" if scope_type else f"BusinessScope/Scope[{index}]"
        value = checks.text(scope, "InstanceIdentifier", BUSINESS_SCOPE, label, where)
        if scope_type is not None and value is not None:
            counts[scope_type] = counts.get(scope_type, 0) + 1
    for scope_type, rule_id in (("DOCUMENTID", DOCUMENTID_SCOPE), ("PROCESSID", PROCESSID_SCOPE)):
        found = counts.get(scope_type, 0)
        if found == 0:
            checks.fail(rule_id, f"BusinessScope: the {scope_type} scope is missing", location)
        elif found > 1:
            checks.fail(rule_id, f"BusinessScope: the {scope_type} scope occurs {found} times", location)


def check_envelope(root: etree._Element | etree._ElementTree) -> list[Finding]:
    """Every problem of a StandardBusinessDocument envelope as a fatal finding (step
    ``envelope``, rule ids ``LSS-SBDH-*``); an empty list for a good envelope.

    The checks of :func:`peppol.sbdh.unwrap`: one header and one payload, HeaderVersion 1.0,
    Sender and Receiver once each with an ``iso6523-actorid-upis`` Identifier holding a valid
    participant identifier, DocumentIdentification with its five fields (CreationDateAndTime a
    date and time), Standard/Type naming the payload's root, BusinessScope with exactly one
    DOCUMENTID and one PROCESSID scope. A scope with a missing or empty Type or
    InstanceIdentifier is a problem even when it is neither of those two (as in ``unwrap``).
    """
    root = root.getroot() if isinstance(root, etree._ElementTree) else root
    checks = _Checks()
    if root.tag != SBDH_ROOT:
        checks.fail(HEADER, f"not a StandardBusinessDocument: the root element is {root.tag}", "/*")
        return checks.findings
    headers, found = sbdh_parts(root)
    if not headers:
        checks.fail(HEADER, "the StandardBusinessDocumentHeader is missing", _ROOT)
    elif len(headers) > 1:
        checks.fail(HEADER, "the StandardBusinessDocument has more than one StandardBusinessDocumentHeader",
                    _HDR + "[2]")
    if not found:
        checks.fail(PAYLOAD, "the envelope holds no business document (payload)", _ROOT)
    elif len(found) > 1:
        names = ", ".join(etree.QName(p).localname for p in found)
        checks.fail(PAYLOAD, f"the envelope holds {len(found)} business documents ({names}); "
                             "Peppol allows exactly one", _ROOT)
    if len(headers) != 1:
        return checks.findings
    header = headers[0]
    payload = found[0] if len(found) == 1 else None

    version = checks.text(header, "HeaderVersion", HEADER_VERSION_RULE, "StandardBusinessDocumentHeader", _HDR)
    if version is not None and version != HEADER_VERSION:
        checks.fail(HEADER_VERSION_RULE, f"HeaderVersion must be {HEADER_VERSION!r}, got {version!r}",
                    _HDR + "/*[local-name()='HeaderVersion']")
    _party(checks, header, "Sender", SENDER)
    _party(checks, header, "Receiver", RECEIVER)
    _document_identification(checks, header, payload)
    _business_scope(checks, header)
    return checks.findings
