"""Absence guards (issue 15): an assertion ``not(P)``, ``P`` a plain path, is evaluated only when
the document holds a node of a name ``P`` ends in. Which expressions are plain paths and what
they end in; the guards in the compiled XSLT; and the same findings in the same order with
and without them, on a hand-written schema and on the official CEN rules, with documents
that do carry what the UBL-CR rules forbid."""
from __future__ import annotations

import doctest
import functools

import pytest
from lxml import etree

from schemas.artefacts import artefact_path, load_manifest
from validate import releases, rulesets
from validate.schematron import patterns
from validate.schematron.compiler import GUARD_MIN_ASSERTIONS, compile_schema
from validate.schematron.loader import load_schematron, load_schematron_text
from validate.schematron.patterns import negated, path_names
from validate.schematron.runner import SchematronRunner, parse_for_saxon

from .mutations import KINDS, mutations

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
E, A = "element", "attribute"
XSL = "{http://www.w3.org/1999/XSL/Transform}"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"


def test_the_doctests_of_the_pattern_reader():
    failed, attempted = doctest.testmod(patterns, report=False)
    assert attempted >= 10 and failed == 0


@pytest.mark.parametrize("expression, names", [
    ("cbc:UUID", {(E, "cbc:UUID")}),
    ("ext:UBLExtensions", {(E, "ext:UBLExtensions")}),
    ("(cac:InvoiceLine|cac:CreditNoteLine)/cac:Item/cac:OriginCountry/cbc:Name", {(E, "cbc:Name")}),
    ("( cac:InvoiceLine | cac:CreditNoteLine ) / cbc:UUID", {(E, "cbc:UUID")}),
    ("//cac:PartyTaxScheme/cbc:CompanyID/@schemeID", {(A, "schemeID", "cbc:CompanyID")}),
    ("cbc:ID/attribute::schemeName | cac:Delivery", {(A, "schemeName", "cbc:ID"), (E, "cac:Delivery")}),
    ("(cbc:A | cbc:B)/@x", {(A, "x", "cbc:A"), (A, "x", "cbc:B")}),
    ("(cbc:A/@x | cbc:B)", {(A, "x", "cbc:A"), (E, "cbc:B")}),
    ("/ubl:Invoice/cbc:Note", {(E, "cbc:Note")}),
    ("../cbc:ID", {(E, "cbc:ID")}),
    ("./cbc:ID", {(E, "cbc:ID")}),
    ("ancestor::cac:Party", {(E, "cac:Party")}),
    ("*/cbc:ID", {(E, "cbc:ID")}),
    ("unionist", {(E, "unionist")}),
])
def test_the_names_a_plain_path_ends_in(expression, names):
    assert path_names(expression) == frozenset(names)


@pytest.mark.parametrize("expression", [
    "cbc:ID = 'x'", "cbc:ID[1]", "cbc:ID[. = 'a/b']", "a/b and c/d", "a or b", "a union b", "a except b",
    "$x/cbc:ID", "count(a)", "exists(cbc:ID)", "a/text()", "a/node()", "a/*", "*", "cac:*", ".", "..", "@x",
    "*/@x", "../@x", "a/b + 1", "a | ", "(a", "a)", "(: c :) a", "doc('x')/a", "'cbc:ID'", "", "a/b/", "1",
])
def test_anything_else_is_not_a_plain_path(expression):
    assert path_names(expression) is None


@pytest.mark.parametrize("expression, inner", [
    ("not(cbc:ID)", "cbc:ID"), ("  not ( (a|b)/c )  ", "(a|b)/c"), ("not(a) or not(b)", None),
    ("not(a)[1]", None), ("not(a) and b", None), ("nota(b)", None), ("not(')')", "')'"),
])
def test_the_argument_of_a_whole_not(expression, inner):
    assert negated(expression) == inner


def _schema(asserts: str) -> str:
    return (f'<schema xmlns="{SCH_NS}" queryBinding="xslt2"><ns prefix="c" uri="urn:c"/>'
            f'<pattern><rule context="/c:Doc">{asserts}</rule></pattern>'
            '<pattern><rule context="c:Line"><assert id="L-1" test="not(c:Gone)">line has Gone</assert>'
            '<report id="L-2" test="c:Note/@lang">line note has a language</report></rule></pattern></schema>')


# Twelve guardable assertions on the document element (ten would do: GUARD_MIN_ASSERTIONS),
# one that is not a plain path, and the line rules.
GUARDED = "".join(f'<assert id="D-{i}" test="not(c:Line/c:X{i})">X{i} on a line</assert>' for i in range(10)) + (
    '<assert id="D-A" test="not(c:Line/@weird)">weird line</assert>'
    '<assert id="D-B" test="not(//c:Note/@lang | c:Top)">a language or a Top</assert>'
    '<assert id="D-C" test="count(c:Line) &lt; 3">at most two lines</assert>')

DOC = ('<c:Doc xmlns:c="urn:c"><c:Line weird="1"><c:X3/><c:Gone/></c:Line>'
       '<c:Line><c:Note lang="sv"/><c:X7/></c:Line><c:X1/><c:Line><c:Gone/></c:Line></c:Doc>')


def _run(compiled, xml: str):
    return [(f.rule_id, f.location) for f in SchematronRunner(compiled, "rs", "st").run(parse_for_saxon(xml))]


def test_a_guarded_schema_fires_exactly_what_the_plain_one_fires():
    loaded = load_schematron_text(_schema(GUARDED), ".")
    guarded, plain = compile_schema(loaded), compile_schema(loaded, guard_min=0)
    assert GUARD_MIN_ASSERTIONS <= 14
    assert "exists(//c:X3)" in guarded.xslt and "exists(//c:Line/@weird)" in guarded.xslt
    assert "exists(//c:Note/@lang)" in guarded.xslt and "exists(//c:Gone)" in guarded.xslt
    assert "lssf:present-" not in plain.xslt
    expected = [
        ("D-3", "/c:Doc[1]"), ("D-7", "/c:Doc[1]"), ("D-A", "/c:Doc[1]"), ("D-B", "/c:Doc[1]"), ("D-C", "/c:Doc[1]"),
        ("L-1", "/c:Doc[1]/c:Line[1]"), ("L-2", "/c:Doc[1]/c:Line[2]"), ("L-1", "/c:Doc[1]/c:Line[3]"),
    ]
    assert _run(guarded, DOC) == _run(plain, DOC) == expected
    # c:X1 is in the document but not on a line: its guard lets the path run, which finds nothing.
    bare = '<c:Doc xmlns:c="urn:c"><c:Line/></c:Doc>'
    assert _run(guarded, bare) == _run(plain, bare) == []


def test_too_few_guardable_assertions_get_no_guard():
    few = "".join(f'<assert id="D-{i}" test="not(c:X{i})">x</assert>' for i in range(GUARD_MIN_ASSERTIONS - 3))
    compiled = compile_schema(load_schematron_text(_schema(few), "."))  # plus L-1 and L-2: one short
    assert "lssf:present-" not in compiled.xslt
    assert _run(compiled, '<c:Doc xmlns:c="urn:c"><c:X0/><c:Line><c:Gone/></c:Line></c:Doc>') == [
        ("D-0", "/c:Doc[1]"), ("L-1", "/c:Doc[1]/c:Line[1]")]


# --- the official CEN rules ---------------------------------------------------------------------

def _newest() -> releases.Release:
    return max(releases.all_releases(), key=lambda r: r.mandatory_from)


@functools.cache
def _cen() -> tuple[SchematronRunner, SchematronRunner]:
    release = _newest()
    ruleset = rulesets.get(release.billing_ruleset)
    [step] = [s for s in ruleset.schematrons if s.source == release.file("cen")]
    loaded = load_schematron(step.path())
    return (SchematronRunner(compile_schema(loaded, step.phase), ruleset.id, step.name),
            SchematronRunner(compile_schema(loaded, step.phase, guard_min=0), ruleset.id, step.name))


def _first(root: etree._Element, path: str) -> etree._Element | None:
    found = root.xpath(path, namespaces={"cbc": CBC, "cac": CAC})
    return found[0] if found else None


def _forbidden(data: bytes) -> bytes:
    """The document with what five UBL-CR rules forbid: extensions (001), a UUID (005), a line
    UUID (515), a line item's origin country name (591), a tax scheme's company id scheme (652)."""
    root = etree.fromstring(data)
    ext = etree.Element("{urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2}UBLExtensions")
    root.insert(0, ext)
    _first(root, "cbc:ID").addnext(etree.Element(f"{{{CBC}}}UUID"))
    line = _first(root, "cac:InvoiceLine | cac:CreditNoteLine")
    line[0].addnext(etree.Element(f"{{{CBC}}}UUID"))
    item = _first(line, "cac:Item")
    origin = etree.SubElement(item, f"{{{CAC}}}OriginCountry")
    etree.SubElement(origin, f"{{{CBC}}}Name").text = "Sverige"
    company = _first(root, "//cac:PartyTaxScheme/cbc:CompanyID")
    if company is not None:
        company.set("schemeID", "VAT")
    return etree.tostring(root)


@functools.cache
def _documents() -> tuple[tuple[str, bytes], ...]:
    base = _newest().file("examples") + "/billing/"
    paths = sorted(f.path for f in load_manifest().files if f.path.startswith(base))
    examples = [(p.rsplit("/", 1)[-1], artefact_path(p).read_bytes()) for p in paths]
    forbidden = [(f"{name} + UBL-CR", _forbidden(data)) for name, data in examples]
    made = mutations(examples, 100, seed="schematron-guards", kinds=KINDS)
    return tuple(examples + forbidden + [(m.id, m.data) for m in made])


def test_the_official_cen_rules_are_guarded():
    guarded, plain = _cen()
    xslt = etree.fromstring(guarded.compiled.xslt.encode())
    presence = {v.get("select") for v in xslt.iter(XSL + "variable") if v.get("name", "").startswith("lssf:present-")}
    assert len(presence) > 200
    assert {"exists(//cbc:UUID)", "exists(//cbc:CompanyID/@schemeID)", "exists(//ext:UBLExtensions)"} <= presence
    assert "lssf:present-" not in plain.compiled.xslt


def test_the_forbidden_elements_fire_their_ubl_cr_rules_guarded():
    guarded, _ = _cen()
    examples = [(name, data) for name, data in _documents() if name.endswith("+ UBL-CR")]
    assert len(examples) >= 5
    for name, data in examples:
        fired = {f.rule_id for f in guarded.run(parse_for_saxon(data.decode("utf-8")))}
        assert {"UBL-CR-001", "UBL-CR-005", "UBL-CR-515", "UBL-CR-591"} <= fired, name
    base = dict(examples)["base-example.xml + UBL-CR"]
    fired = [f.rule_id for f in guarded.run(parse_for_saxon(base.decode("utf-8"))) if f.rule_id.startswith("UBL-CR")]
    assert fired == ["UBL-CR-001", "UBL-CR-005", "UBL-CR-515", "UBL-CR-591", "UBL-CR-652"]


def test_the_official_cen_rules_fire_the_same_findings_in_the_same_order_with_and_without_guards():
    guarded, plain = _cen()
    documents = _documents()
    assert len(documents) > 100
    fired_any = 0
    for name, data in documents:
        node = parse_for_saxon(data.decode("utf-8-sig"))
        got = guarded.run(node)
        assert got == plain.run(node), name
        fired_any += any(f.rule_id.startswith("UBL-CR") for f in got)
    assert fired_any >= 5
