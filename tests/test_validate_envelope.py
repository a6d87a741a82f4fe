"""validate.envelope and peppol.sbdh.unwrap refuse the same envelopes.

``validate`` may not import ``peppol``, so the envelope checks exist twice: here they are run
side by side (a test may import both layers) on every broken envelope of
tests/factories.py and tests/ingest_factory.py, on cases of our own, and on good ones.
"""
from __future__ import annotations

import copy

import pytest
from lxml import etree

from peppol import codes
from peppol.identifiers import peppol_id
from peppol.sbdh import SbdhError, unwrap
from peppol.ubl import to_ubl
from validate import envelope
from validate.engine import ENVELOPE_STEP, Validator
from validate.envelope import RULE_PREFIX, STEP, check_envelope, envelope_findings, participant_problem
from validate.xmlsafe import parse_xml

from . import ingest_factory
from .helpers import example_bytes, sbdh
from .helpers import removing as _remove
from .helpers import setting as _set
from .factories import BROKEN_ENVELOPES, HDR, S, credit_note, envelope_bytes, header, scope

ID = f"{HDR}/{S}DocumentIdentification"


def _two_headers(root):
    root.insert(1, copy.deepcopy(header(root)))


def _remove_scope(*types: str):
    def edit(root):
        for type_ in types:
            sc = scope(root, type_)
            sc.getparent().remove(sc)
    return edit


def _duplicate_scope(type_: str):
    def edit(root):
        sc = scope(root, type_)
        sc.addnext(copy.deepcopy(sc))
    return edit


def _authority(role: str, value: str | None):
    def edit(root):
        ident = root.find(f"{HDR}/{S}{role}/{S}Identifier")
        if value is None:
            del ident.attrib["Authority"]
        else:
            ident.set("Authority", value)
    return edit


def _second_identifier(root):
    ident = root.find(f"{HDR}/{S}Sender/{S}Identifier")
    ident.addnext(copy.deepcopy(ident))


def _payload_in_other_namespace(root):
    root.remove(root[1])
    root.append(etree.fromstring(to_ubl(credit_note())))


def _scope_without_type(root):
    sc = scope(root, "COUNTRY_C1")
    sc.remove(sc.find(S + "Type"))


# Our own broken envelopes, with the rule ids validate gives them (unwrap's message is not
# compared: it stops at the first problem, validate reports each).
OWN_BROKEN = [
    pytest.param(_remove(f"{HDR}/{S}Receiver"), {"LSS-SBDH-005"}, id="no-receiver"),
    pytest.param(_remove(HDR), {"LSS-SBDH-001"}, id="no-header"),
    pytest.param(_two_headers, {"LSS-SBDH-001"}, id="two-headers"),
    pytest.param(lambda r: r.append(etree.fromstring(to_ubl(credit_note()))), {"LSS-SBDH-002"}, id="two-payloads"),
    pytest.param(lambda r: r.remove(r[1]), {"LSS-SBDH-002"}, id="no-payload"),
    pytest.param(lambda r: (r.remove(r[1]), r.remove(r[0])), {"LSS-SBDH-001", "LSS-SBDH-002"}, id="empty-envelope"),
    pytest.param(_authority("Receiver", "0007"), {"LSS-SBDH-006"}, id="wrong-authority"),
    pytest.param(_authority("Sender", None), {"LSS-SBDH-006"}, id="no-authority"),
    pytest.param(_set(f"{HDR}/{S}Sender/{S}Identifier", "0007:5599000007"), {"LSS-SBDH-007"}, id="bad-luhn"),
    pytest.param(_set(f"{HDR}/{S}Receiver/{S}Identifier", "2120001306"), {"LSS-SBDH-007"}, id="no-scheme"),
    pytest.param(_set(f"{HDR}/{S}Receiver/{S}Identifier", "9999:2120001306"), {"LSS-SBDH-007"}, id="unknown-scheme"),
    pytest.param(_set(f"{HDR}/{S}Receiver/{S}Identifier", "0088:7300010000002"), {"LSS-SBDH-007"}, id="bad-gln"),
    pytest.param(_set(f"{HDR}/{S}Receiver/{S}Identifier", "0192:12 34"), {"LSS-SBDH-007"}, id="space-in-value"),
    pytest.param(_set(f"{HDR}/{S}Sender/{S}Identifier", ""), {"LSS-SBDH-004"}, id="empty-sender"),
    pytest.param(_remove(f"{HDR}/{S}Sender/{S}Identifier"), {"LSS-SBDH-004"}, id="sender-without-identifier"),
    pytest.param(_second_identifier, {"LSS-SBDH-004"}, id="two-sender-identifiers"),
    pytest.param(_remove(f"{HDR}/{S}HeaderVersion"), {"LSS-SBDH-003"}, id="no-header-version"),
    pytest.param(_set(f"{HDR}/{S}HeaderVersion", "1.1"), {"LSS-SBDH-003"}, id="header-version-1.1"),
    pytest.param(_remove_scope("DOCUMENTID"), {"LSS-SBDH-012"}, id="missing-documentid-scope"),
    pytest.param(_remove_scope("DOCUMENTID", "PROCESSID"), {"LSS-SBDH-012", "LSS-SBDH-013"}, id="missing-scopes"),
    pytest.param(_duplicate_scope("PROCESSID"), {"LSS-SBDH-013"}, id="two-processid-scopes"),
    pytest.param(_scope_without_type, {"LSS-SBDH-011"}, id="scope-without-type"),
    pytest.param(_set(f"{ID}/{S}Type", "CreditNote"), {"LSS-SBDH-010"}, id="mismatched-type"),
    pytest.param(_set(f"{ID}/{S}Standard", codes.UBL_CREDIT_NOTE_NS), {"LSS-SBDH-010"}, id="mismatched-standard"),
    pytest.param(_payload_in_other_namespace, {"LSS-SBDH-010"}, id="payload-not-what-the-header-says"),
    pytest.param(_set(f"{ID}/{S}CreationDateAndTime", "2024-13-45T10:00:00Z"), {"LSS-SBDH-009"}, id="bad-date"),
    pytest.param(_set(f"{ID}/{S}CreationDateAndTime", "yesterday"), {"LSS-SBDH-009"}, id="not-a-date"),
    pytest.param(_set(f"{ID}/{S}CreationDateAndTime", " "), {"LSS-SBDH-008"}, id="empty-date"),
    pytest.param(_remove(f"{ID}/{S}TypeVersion"), {"LSS-SBDH-008"}, id="no-type-version"),
    pytest.param(
        lambda r: (_remove(f"{HDR}/{S}Receiver")(r), _set(f"{ID}/{S}Type", "Order")(r),
                   _remove_scope("PROCESSID")(r)),
        {"LSS-SBDH-005", "LSS-SBDH-010", "LSS-SBDH-013"}, id="three-problems-three-findings"),
]

GOOD = [
    pytest.param(lambda r: None, id="as-wrapped"),
    pytest.param(lambda r: [sc.remove(sc.find(S + "Identifier")) for sc in
                            (scope(r, "DOCUMENTID"), scope(r, "PROCESSID"))], id="scope-schemes-defaulted"),
    pytest.param(_remove_scope("COUNTRY_C1"), id="no-country"),
    pytest.param(_set(f"{HDR}/{S}Sender/{S}Identifier", "iso6523-actorid-upis::0007:559900-0006"), id="qualified"),
    pytest.param(_set(f"{HDR}/{S}Receiver/{S}Identifier", "  0007:212000-1306 "), id="separators"),
    pytest.param(_set(f"{HDR}/{S}Receiver/{S}Identifier", "0088:7300010000001"), id="gln"),
    pytest.param(_set(f"{HDR}/{S}Receiver/{S}Identifier", "0192:987654321"), id="other-scheme"),
    pytest.param(_set(f"{ID}/{S}CreationDateAndTime", "2024-02-05T10:30:00.123Z"), id="fraction-and-z"),
    # Laxer than xs:dateTime, on both sides alike (unwrap uses datetime.fromisoformat):
    pytest.param(_set(f"{ID}/{S}CreationDateAndTime", "2024-02-05"), id="date-only-accepted-by-both"),
]


def _sides(root: etree._Element) -> tuple[bool, list]:
    """(unwrap refuses, validate's envelope findings)."""
    try:
        unwrap(copy.deepcopy(root))
        refused = False
    except SbdhError:
        refused = True
    return refused, check_envelope(root)


def _edited(edit) -> etree._Element:
    root = etree.fromstring(envelope_bytes())
    edit(root)
    return root


def _assert_envelope_findings(findings):
    for f in findings:
        assert f.is_fatal and f.step == STEP == "envelope" and f.rule_id.startswith(RULE_PREFIX)
        assert f.rule_id in envelope.RULES and f.location.startswith("/")


@pytest.mark.parametrize("edit,message", BROKEN_ENVELOPES)
def test_both_refuse_every_broken_envelope_of_the_sbdh_tests(edit, message):
    refused, findings = _sides(_edited(edit))
    assert refused
    assert message in [f.message for f in findings]  # unwrap's reason is one of validate's findings
    _assert_envelope_findings(findings)


def test_both_refuse_the_broken_envelope_of_the_ingest_tests():
    root = parse_xml(ingest_factory.broken_envelope()).getroot()
    refused, findings = _sides(root)
    assert refused
    assert {f.rule_id for f in findings} == {"LSS-SBDH-005"}
    assert findings[0].message == "StandardBusinessDocumentHeader: Receiver is missing"


@pytest.mark.parametrize("edit,rule_ids", OWN_BROKEN)
def test_both_refuse_our_own_broken_envelopes(edit, rule_ids):
    refused, findings = _sides(_edited(edit))
    assert refused
    assert {f.rule_id for f in findings} == rule_ids
    _assert_envelope_findings(findings)


@pytest.mark.parametrize("edit", GOOD)
def test_both_accept_good_envelopes(edit):
    refused, findings = _sides(_edited(edit))
    assert not refused
    assert findings == []


def test_both_accept_the_ingest_tests_good_envelope_and_the_test_helper():
    for data in (ingest_factory.wrapped(ingest_factory.invoice_xml("OK-1")), sbdh(example_bytes("base-example.xml"))):
        assert _sides(parse_xml(data).getroot()) == (False, [])


@pytest.mark.parametrize("value", [
    "0007:2120001306", "0007:212000-1306", "0007:16212000-1306", "0007:2120001307", "0007:212000130",
    "0007:21200013061", "0007:", "0007:abc", "0007:２１２０００１３０６", "0007:212000\u20131306",
    "0088:7300010000001", "0088:7300010000002", "0088:7", "0088:73 00010000001", "0088:", "0088:x",
    "0192:987654321", "0192:", "0192:a b", "0192:a:b", "0192 : 987654321", "9999:1", ":1", "1", "",
    "ISO6523-ACTORID-UPIS::0007:2120001306", "iso6523-actorid-upis::0007:2120001306", "an:x", "em:x",
])
def test_participant_identifiers_agree_with_peppol_id(value):
    assert (participant_problem(value) is None) == peppol_id.is_valid(value), participant_problem(value)


def test_the_eas_code_list_is_the_same_as_peppol_codes():
    assert envelope.EAS_CODES == codes.EAS_CODES


# --- in the engine ------------------------------------------------------------------------------

@pytest.mark.parametrize("edit,rule_ids", OWN_BROKEN)
def test_a_broken_envelope_is_invalid_in_validate(edit, rule_ids):
    data = etree.tostring(_edited(edit), xml_declaration=True, encoding="UTF-8")
    result = Validator().validate_bytes(data, "env.xml")
    assert not result.valid
    assert {f.rule_id for f in envelope_findings(result)} == rule_ids
    [step] = [s for s in result.steps if s.name == ENVELOPE_STEP]
    assert step.findings == envelope_findings(result)
    # The payload is validated when there is exactly one: its own findings come after.
    if {"LSS-SBDH-002", "LSS-SBDH-001"} & rule_ids:
        assert all(f.rule_id.startswith(RULE_PREFIX) for f in result.findings)


def test_the_payload_of_a_broken_envelope_is_still_validated():
    root = _edited(_remove(f"{HDR}/{S}Receiver"))
    result = Validator().validate_bytes(etree.tostring(root), "env.xml")
    assert [s.name for s in result.steps] == ["parse", "envelope", "xsd", "CEN EN 16931 UBL", "PEPPOL BIS 3"]
    assert result.document_type == "invoice"
    assert [f.rule_id for f in result.findings if f.is_fatal] == ["LSS-SBDH-005"]


def test_two_payloads_are_not_validated_as_the_first():
    root = _edited(lambda r: r.append(etree.fromstring(to_ubl(credit_note()))))
    result = Validator().validate_bytes(etree.tostring(root), "env.xml")
    assert [s.name for s in result.steps] == ["parse", "envelope"]
    assert [f.rule_id for f in result.findings] == ["LSS-SBDH-002"]
    assert "2 business documents (Invoice, CreditNote)" in result.findings[0].message


def test_a_good_envelope_has_an_empty_envelope_step_and_bare_documents_none():
    result = Validator().validate_bytes(envelope_bytes(), "env.xml")
    assert result.valid and result.findings == []
    assert [s.name for s in result.steps] == ["parse", "envelope", "xsd", "CEN EN 16931 UBL", "PEPPOL BIS 3"]
    bare = Validator().validate_bytes(example_bytes("base-example.xml"), "b.xml")
    assert "envelope" not in [s.name for s in bare.steps] and envelope_findings(bare) == []
