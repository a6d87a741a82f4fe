"""A large document on the JVM engine is validated on threads (issue 15): Saxon's parse beside
libxml2's and the XSD, the Schematron steps side by side. The result is the same as one step
after the other, for a valid invoice, one that breaks business rules, one that fails the XSD,
one the hardened parser refuses, one in an envelope and one in another encoding."""
from __future__ import annotations

import threading

import pytest

from bench.generate import large_invoice
from validate import engine as validation
from validate.engine import OVERLAP_MIN_CHARACTERS, TREES, Validator, overlapping
from validate.schematron.runner import SchematronRunner
from validate.schematron import engines

from .helpers import sbdh

WHY = engines.jvm_available()
needs_jvm = pytest.mark.skipif(WHY is not None, reason=f"JVM engine unavailable: {WHY}")

LINES = 600  # 576 KB: over OVERLAP_MIN_CHARACTERS


@pytest.fixture
def engine_restored():
    before = engines._CURRENT
    yield
    engines._CURRENT = before


def _text() -> str:
    text = large_invoice(LINES).decode("utf-8")
    assert len(text) >= OVERLAP_MIN_CHARACTERS
    return text


def _wrong_line_amount(text: str) -> str:
    """One line's LineExtensionAmount in the middle of the invoice set to 999999.00."""
    line = text.index("<cac:InvoiceLine>", len(text) // 2)
    amount = text.index(">", text.index("<cbc:LineExtensionAmount", line)) + 1
    return text[:amount] + "999999.00" + text[text.index("<", amount):]


def _unknown_element(text: str) -> str:
    line = text.index("<cac:InvoiceLine>", len(text) // 2)
    at = text.index("</cbc:ID>", line) + len("</cbc:ID>")
    return text[:at] + "<cbc:Bogus>x</cbc:Bogus>" + text[at:]


def _latin1(text: str) -> bytes:
    body = text[text.index("?>") + 2:]
    return ("<?xml version='1.0' encoding='ISO-8859-1'?>" + body).encode("iso-8859-1")


def _documents() -> dict[str, bytes]:
    text = _text()
    return {
        "valid": text.encode(),
        "business rules": _wrong_line_amount(text).encode(),
        "xsd": _unknown_element(text).encode(),
        "truncated": text.encode()[:-200],
        "envelope": sbdh(text.encode()),
        "latin-1": _latin1(text),
    }


def _summary(result) -> tuple:
    return (result.valid, result.document_type, result.ruleset,
            [(s.name, s.skipped, s.reason) for s in result.steps],
            [(f.rule_id, f.severity, f.location, f.message, f.step) for f in result.findings])


@needs_jvm
def test_a_large_document_gives_the_same_result_on_threads_as_in_sequence(engine_restored, monkeypatch):
    engines.select("jvm")
    documents = _documents()
    validator = Validator()
    threaded = {name: _summary(validator.validate_bytes(data, name)) for name, data in documents.items()}
    monkeypatch.setattr(validation, "OVERLAP_MIN_CHARACTERS", 10 ** 12)
    assert not overlapping(len(documents["valid"]))
    in_sequence = {name: _summary(validator.validate_bytes(data, name)) for name, data in documents.items()}
    assert threaded == in_sequence

    def fatal(name):
        return sorted({f[0] for f in threaded[name][4] if f[1].name == "FATAL"})

    steps = ["parse", "xsd", "CEN EN 16931 UBL", "PEPPOL BIS 3"]
    assert threaded["valid"][0] is True and [s[0] for s in threaded["valid"][3]] == steps
    assert threaded["latin-1"][0] is True and threaded["envelope"][0] is True
    assert fatal("business rules") == ["BR-CO-10", "BR-E-08", "PEPPOL-EN16931-R120"]
    assert fatal("truncated") == ["LSS-XML-003"]
    xsd = threaded["xsd"]
    assert xsd[0] is False and fatal("xsd") and all(f[4] == "xsd" for f in xsd[4])
    assert [(name, skipped) for name, skipped, _ in xsd[3]] == [
        ("parse", False), ("xsd", False), ("CEN EN 16931 UBL", True), ("PEPPOL BIS 3", True)]


@needs_jvm
def test_saxons_parse_of_a_large_document_runs_beside_the_hardened_parse(engine_restored, monkeypatch):
    engines.select("jvm")
    parses = []  # (what was parsed: "text" from lxml or the "bytes" as they came, on which thread)

    def recording(real, what):
        def recorded(source):
            parses.append((what, threading.current_thread().name))
            return real(source)
        return recorded

    monkeypatch.setattr(validation, "parse_for_saxon", recording(validation.parse_for_saxon, "text"))
    monkeypatch.setattr(validation, "parse_bytes_for_saxon", recording(validation.parse_bytes_for_saxon, "bytes"))
    documents = _documents()
    validator = Validator()

    def parsed(what):
        return [thread for kind, thread in parses if kind == what]

    assert validator.validate_bytes(documents["valid"], "valid.xml").valid
    # a tree per thread from the bytes, on the pool, and nothing else
    assert len(parses) == len(parsed("bytes")) == TREES and all(t.startswith("validate") for t in parsed("bytes"))
    parses.clear()
    assert validator.validate_bytes(documents["envelope"], "env.xml").valid
    # the payload's text, on the pool: no early parse of the envelope's bytes
    assert len(parses) == len(parsed("text")) == TREES and all(t.startswith("validate") for t in parsed("text"))
    parses.clear()
    assert validator.validate_bytes(documents["latin-1"], "latin.xml").valid
    # Saxon reads lxml's text; the early parses of the bytes are dropped (cancelled if not started yet)
    assert len(parsed("text")) == TREES and len(parsed("bytes")) <= TREES
    parses.clear()
    small = large_invoice(5)
    assert validator.validate_bytes(small, "small.xml").valid
    assert parses == [("text", threading.current_thread().name)]  # a small document stays on the caller's thread


@needs_jvm
def test_only_the_jvm_engine_overlaps(engine_restored):
    engines.select("saxonc")
    assert not overlapping(OVERLAP_MIN_CHARACTERS)
    engines.select("jvm")
    assert overlapping(OVERLAP_MIN_CHARACTERS) and not overlapping(OVERLAP_MIN_CHARACTERS - 1)


SCH = ('<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
       '<ns prefix="cbc" uri="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"/>'
       '<ns prefix="cac" uri="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"/>'
       '<pattern><rule context="cac:InvoiceLine[cbc:ID = (\'2\', \'3\')]">'
       '<report id="M-LINE" test="true()">line <value-of select="cbc:ID"/></report></rule></pattern>'
       '<pattern><rule context="cbc:IssueDate"><assert id="M-DATE" test="false()">date</assert></rule></pattern>'
       '{third}</schema>')
FAILING = ('<pattern><rule context="cbc:DueDate | cbc:IssueDate">'
           '<assert id="M-BAD" test="xs:decimal(.) gt 0">never</assert></rule></pattern>')
LAST = '<pattern><rule context="/*"><report id="M-LAST" test="true()">last</report></rule></pattern>'


@needs_jvm
@pytest.mark.parametrize("third, expected", [
    (LAST, [("M-LINE", "line 2"), ("M-LINE", "line 3"), ("M-DATE", "date"), ("M-LAST", "last")]),
    (FAILING, [("LSS-SCH-001", None)]),
])
def test_a_schemas_patterns_on_threads_join_in_pattern_order(engine_restored, monkeypatch, tmp_path, third, expected):
    """A municipality's rules of three patterns, run one pattern per task: their findings in
    pattern order; a pattern whose rules fail leaves the step with that one finding, as one
    run of the whole stylesheet does."""
    from validate.rulesets import RuleSet, SchematronStep

    path = tmp_path / "municipal.sch"
    path.write_text(SCH.format(third=third), "utf-8")
    own = RuleSet(id=f"test-municipal-{len(third)}", version="1", title="test", document_kinds=("invoice",),
                  schematrons=(SchematronStep("municipal", str(path)),))
    engines.select("jvm")
    data = large_invoice(LINES)
    threaded = Validator(extra=[own]).validate_bytes(data, "big.xml")
    monkeypatch.setattr(validation, "OVERLAP_MIN_CHARACTERS", 10 ** 12)
    in_sequence = Validator(extra=[own]).validate_bytes(data, "big.xml")
    assert _summary(threaded) == _summary(in_sequence)
    [step] = [s for s in threaded.steps if s.name == "municipal"]
    got = [(f.rule_id, f.message if f.rule_id != "LSS-SCH-001" else None) for f in step.findings]
    assert got == expected


@needs_jvm
def test_no_two_tasks_use_one_tree_at_once(engine_restored, monkeypatch):
    """Saxon-HE 9.9's tree is not safe for two transforms at once (TREES): every pattern task
    holds a tree of its own while it runs, and the tasks did run side by side."""
    engines.select("jvm")
    lock = threading.Lock()
    busy: set[int] = set()
    shared, at_once, most = [], [0], [0]
    real = SchematronRunner.run

    def watched(self, node, pattern=0):
        with lock:
            if id(node) in busy:
                shared.append(pattern)
            busy.add(id(node))
            at_once[0] += 1
            most[0] = max(most[0], at_once[0])
        try:
            return real(self, node, pattern)
        finally:
            with lock:
                busy.discard(id(node))
                at_once[0] -= 1

    monkeypatch.setattr(SchematronRunner, "run", watched)
    result = Validator().validate_bytes(large_invoice(LINES), "big.xml")
    assert result.valid and shared == [] and most[0] == TREES
