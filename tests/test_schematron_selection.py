"""A pattern's pass over the nodes its rules can match, instead of a walk over every node
(issue 15): the names a match pattern can match, and the same findings in the same order as
the walk, on hand-written schemas and on the official rules with the official examples and
the oracle's mutations of them."""
from __future__ import annotations

import functools

import pytest
from lxml import etree

from schemas.artefacts import artefact_path, load_manifest
from validate import releases, rulesets
from validate.schematron.compiler import SELECT_MAX_NAMES, compile_schema
from validate.schematron.loader import load_schematron, load_schematron_text
from validate.schematron.patterns import candidate_names
from validate.schematron.runner import SchematronRunner, parse_for_saxon

from .mutations import KINDS, mutations

SCH_NS = "http://purl.oclc.org/dsdl/schematron"


def schema(body: str) -> str:
    return f'<schema xmlns="{SCH_NS}" queryBinding="xslt2">{body}</schema>'


def run_compiled(compiled, xml: str):
    return SchematronRunner(compiled, ruleset="rs", step="st").run(parse_for_saxon(xml))

XSL = "{http://www.w3.org/1999/XSL/Transform}"
E, A, DOC = "element", "attribute", ("document",)


@pytest.mark.parametrize("pattern, names", [
    ("cac:InvoiceLine", {(E, "cac:InvoiceLine")}),
    ("/ubl:Invoice | /cn:CreditNote", {(E, "ubl:Invoice"), (E, "cn:CreditNote")}),
    ("cac:Party[cbc:Name = 'a|b']/cbc:ID", {(E, "cbc:ID")}),
    ("cac:Party[cbc:Name = 'x]/y']/cbc:ID[. = \"p/q|r\"]", {(E, "cbc:ID")}),
    ("//cac:TaxCategory[//cac:Party[cbc:ID = 'NO']]", {(E, "cac:TaxCategory")}),
    ("cac:A union cac:B", {(E, "cac:A"), (E, "cac:B")}),
    ("(/a:X/b:Y | /a:Z/b:Y)[$flag]", {(E, "b:Y")}),
    ("(/a:X | /a:Z)[$flag]/b:Y", {(E, "b:Y")}),
    ("(/a:X | /a:Z)/@id", {(A, "id")}),
    ("cbc:ID/@schemeID | cbc:ID/attribute::listID", {(A, "schemeID"), (A, "listID")}),
    ("child::a/descendant::b | self::c", {(E, "b"), (E, "c")}),
    ("/", {DOC}),
    ("/ | Invoice", {DOC, (E, "Invoice")}),
    ("cac:PartyTaxScheme [cbc:ID = 'VAT'] /cbc:CompanyID [starts-with(., 'SE')]", {(E, "cbc:CompanyID")}),
    ("unionist", {(E, "unionist")}),
    ("$doc//a", {(E, "a")}),
])
def test_the_names_a_rule_context_can_match(pattern, names):
    assert candidate_names(pattern) == frozenset(names)


@pytest.mark.parametrize("pattern", [
    "*", "cac:*", "*:ID", "node()", "@*", "a/*", "text()", "element(cac:Party)", "document-node()",
    "//*[ends-with(name(), 'Amount')]", "key('k', 'v')", "a except b", "x/a intersect x/b",
    "a | *", "(: a comment :) a", ".", "a | ",
])
def test_a_context_that_may_match_any_name_gives_none(pattern):
    assert candidate_names(pattern) is None


# --- the compiled XSLT ------------------------------------------------------------------------

def _starts(compiled) -> list[str]:
    """The ``select`` that starts each pattern's pass, in pattern order."""
    root = etree.fromstring(compiled.xslt.encode())
    [main] = [t for t in root.iter(f"{XSL}template") if t.get("match") == "/" and not t.get("mode")]
    return [a.get("select") for a in main.iter(f"{XSL}apply-templates")]


NARROW_AND_WIDE = schema(
    '<ns prefix="c" uri="urn:c"/>'
    '<pattern id="narrow"><rule context="c:Line[c:Qty &gt; 5]"><report id="N-BIG" test="true()">big</report></rule>'
    '<rule context="c:Line"><assert id="N-QTY" test="c:Qty">qty</assert></rule>'
    '<rule context="c:Line/@n"><assert id="N-NUM" test=". castable as xs:integer">n</assert></rule>'
    '<rule context="/"><report id="N-DOC" test="count(//c:Line) &gt; 2">many</report></rule></pattern>'
    '<pattern id="wide"><rule context="*[not(*) and not(normalize-space())]">'
    '<report id="W-EMPTY" test="true()">empty</report></rule></pattern>'
    '<pattern id="positional"><rule context="c:Line"><report id="P-FIRST" test="position() = 1">first</report></rule></pattern>'
    '<pattern id="in-predicate"><rule context="c:Group"><report id="G-1" test="c:Line[position() = 1]">g</report></rule></pattern>'
)
NESTED = """<c:Doc xmlns:c="urn:c"><c:Line n="1"><c:Qty>9</c:Qty></c:Line><c:Line n="x"/>
<c:Group><c:Line n="3"><c:Qty>2</c:Qty><c:Line n="4"><c:Qty>7</c:Qty></c:Line></c:Line><c:Note/></c:Group></c:Doc>"""


def test_narrow_patterns_select_their_nodes_and_the_others_walk():
    compiled = compile_schema(load_schematron_text(NARROW_AND_WIDE, "."))
    # position() outside a predicate keeps a pattern walking; inside one it does not matter.
    assert _starts(compiled) == [". | descendant::c:Line | descendant::*/@n", "/", "/", ". | descendant::c:Group"]
    walked = compile_schema(load_schematron_text(NARROW_AND_WIDE, "."), select_max_names=0)
    assert _starts(walked) == ["/", "/", "/", "/"]


def test_selection_fires_what_the_walk_fires_in_the_same_order():
    selected = compile_schema(load_schematron_text(NARROW_AND_WIDE, "."))
    walked = compile_schema(load_schematron_text(NARROW_AND_WIDE, "."), select_max_names=0)
    got = run_compiled(selected, NESTED)
    assert got == run_compiled(walked, NESTED)
    # first rule wins per node (N-BIG, not N-QTY, on the lines with Qty > 5), attributes
    # right after their element, nested lines in document order, the document node first;
    # position() keeps its pattern walking, so it is still the place among the siblings.
    assert [(f.rule_id, f.location) for f in got] == [
        ("N-DOC", "/"),
        ("N-BIG", "/c:Doc[1]/c:Line[1]"),
        ("N-QTY", "/c:Doc[1]/c:Line[2]"),
        ("N-NUM", "/c:Doc[1]/c:Line[2]/@n"),
        ("N-BIG", "/c:Doc[1]/c:Group[1]/c:Line[1]/c:Line[1]"),
        ("W-EMPTY", "/c:Doc[1]/c:Line[2]"),
        ("W-EMPTY", "/c:Doc[1]/c:Group[1]/c:Note[1]"),
        ("P-FIRST", "/c:Doc[1]/c:Line[1]"),
        ("P-FIRST", "/c:Doc[1]/c:Group[1]/c:Line[1]"),
        ("G-1", "/c:Doc[1]/c:Group[1]"),
    ]


def test_a_pattern_over_the_name_limit_walks():
    names = [f"c:E{i}" for i in range(SELECT_MAX_NAMES + 1)]
    body = '<ns prefix="c" uri="urn:c"/><pattern>' + "".join(
        f'<rule context="{n}"><report test="true()">x</report></rule>' for n in names) + "</pattern>"
    assert _starts(compile_schema(load_schematron_text(schema(body), "."))) == ["/"]
    fewer = '<ns prefix="c" uri="urn:c"/><pattern>' + "".join(
        f'<rule context="{n}"><report test="true()">x</report></rule>' for n in names[:-1]) + "</pattern>"
    assert _starts(compile_schema(load_schematron_text(schema(fewer), ".")))[0].count("descendant::") == SELECT_MAX_NAMES


# --- the official rules -----------------------------------------------------------------------

def _newest() -> releases.Release:
    return max(releases.all_releases(), key=lambda r: r.mandatory_from)


@functools.cache
def _both(part: str) -> tuple[SchematronRunner, SchematronRunner]:
    release = _newest()
    ruleset = rulesets.get(release.billing_ruleset)
    [step] = [s for s in ruleset.schematrons if s.source == release.file(part)]
    loaded = load_schematron(step.path())
    return (SchematronRunner(compile_schema(loaded, step.phase), ruleset.id, step.name),
            SchematronRunner(compile_schema(loaded, step.phase, select_max_names=0), ruleset.id, step.name))


@functools.cache
def _documents() -> tuple[tuple[str, bytes], ...]:
    """The newest release's billing examples and 200 mutations of them (:mod:`tests.mutations`)."""
    base = _newest().file("examples") + "/billing/"
    paths = sorted(f.path for f in load_manifest().files if f.path.startswith(base))
    examples = [(p.rsplit("/", 1)[-1], artefact_path(p).read_bytes()) for p in paths]
    made = mutations(examples, 200, seed="schematron-selection", kinds=KINDS)
    return tuple(examples + [(m.id, m.data) for m in made])


def test_which_official_patterns_select():
    """Peppol's patterns select but for three (empty elements: any name; the common rules: 27
    names; the code lists: 26); CEN's three walk (27 and 30 names, and
    //*[ends-with(name(), 'Amount')])."""
    peppol, walked = _both("peppol")
    starts = _starts(peppol.compiled)
    assert len(starts) == 13 and [i for i, s in enumerate(starts) if s == "/"] == [0, 2, 12]
    assert all(s.startswith(". | descendant::") for i, s in enumerate(starts) if i not in (0, 2, 12))
    assert starts[1] == ". | descendant::ubl-creditnote:CreditNote"
    assert set(_starts(walked.compiled)) == {"/"}
    assert _starts(_both("cen")[0].compiled) == ["/", "/", "/"]


@pytest.mark.parametrize("part", ["cen", "peppol"])
def test_the_official_rules_fire_the_same_findings_in_the_same_order_either_way(part):
    selected, walked = _both(part)
    documents = _documents()
    assert len(documents) > 100
    fired_any = 0
    for name, data in documents:
        node = parse_for_saxon(data.decode("utf-8-sig"))
        got, expected = selected.run(node), walked.run(node)
        assert got == expected, name
        fired_any += bool(got)
    assert fired_any > 20  # the mutations do make the rules fire

