"""Unit tests of our ISO Schematron -> XSLT 3.0 compiler on small hand-written schemas.

Every test writes its own schema (inline, or into ``tmp_path`` when includes are needed),
runs it with saxonche and asserts the exact findings: rule ids, severities, messages and
locations. No official artefact is used here.
"""
from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest

from validate.findings import Finding, Severity
from validate.schematron.compiler import (
    CompiledSchematron,
    cache_key,
    compile_file,
    compile_schema,
)
from validate.schematron.loader import (
    SchematronError,
    load_schematron,
    load_schematron_text,
    substitute_params,
)
from validate.schematron.runner import SchematronRunner, parse_for_saxon

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
XSL_NS = "http://www.w3.org/1999/XSL/Transform"
XI_NS = "http://www.w3.org/2001/XInclude"

FATAL, WARNING, INFORMATION = Severity.FATAL, Severity.WARNING, Severity.INFORMATION


def schema(body: str, *, binding: str = "xslt2", attrs: str = "") -> str:
    return f'<schema xmlns="{SCH_NS}" queryBinding="{binding}" {attrs}>{body}</schema>'


def compiled_of(text: str, phase: str | None = None, base: str | Path = ".") -> CompiledSchematron:
    return compile_schema(load_schematron_text(text, base), phase)


def run(text: str, xml: str, phase: str | None = None, base: str | Path = ".",
        ruleset: str = "rs", step: str = "st") -> list[Finding]:
    return run_compiled(compiled_of(text, phase, base), xml, ruleset, step)


def run_compiled(compiled: CompiledSchematron, xml: str, ruleset: str = "rs",
                 step: str = "st") -> list[Finding]:
    return SchematronRunner(compiled, ruleset=ruleset, step=step).run(parse_for_saxon(xml))


def fired(findings: list[Finding]) -> list[tuple[str, str]]:
    """(rule id, location) of each finding, in output order."""
    return [(f.rule_id, f.location) for f in findings]


def finding(rule_id: str, severity: Severity, message: str, location: str, test: str) -> Finding:
    return Finding(rule_id=rule_id, severity=severity, message=message, location=location,
                   ruleset="rs", step="st", test=test)


LINES = '<Invoice><Line amt="5"/><Line amt="50"/><Line amt="500"/></Invoice>'


# ---------------------------------------------------------------------------------------
# assert / report, id, flag, role


def test_assert_fires_only_where_its_test_is_false():
    sch = schema(
        '<pattern id="p"><rule context="Line">'
        '<assert id="BR-01" test="number(@amt) &gt; 10">Amount must exceed 10</assert>'
        "</rule></pattern>"
    )
    assert run(sch, LINES) == [
        finding("BR-01", FATAL, "Amount must exceed 10", "/Invoice[1]/Line[1]", "number(@amt) > 10"),
    ]


def test_report_fires_only_where_its_test_is_true():
    sch = schema(
        '<pattern id="p"><rule context="Line">'
        '<report id="BR-02" test="number(@amt) &gt; 10">Amount exceeds 10</report>'
        "</rule></pattern>"
    )
    assert run(sch, LINES) == [
        finding("BR-02", FATAL, "Amount exceeds 10", "/Invoice[1]/Line[2]", "number(@amt) > 10"),
        finding("BR-02", FATAL, "Amount exceeds 10", "/Invoice[1]/Line[3]", "number(@amt) > 10"),
    ]


def test_assert_and_report_that_hold_produce_no_findings():
    sch = schema(
        '<pattern id="p"><rule context="Line">'
        '<assert id="A" test="@amt">has amount</assert>'
        '<report id="R" test="@missing">has missing</report>'
        "</rule></pattern>"
    )
    assert run(sch, LINES) == []


def test_flags_map_to_severities_and_no_flag_is_fatal():
    sch = schema(
        '<pattern id="p"><rule context="Invoice">'
        '<report id="F-FATAL" flag="fatal" test="true()">f</report>'
        '<report id="F-WARN" flag="warning" test="true()">w</report>'
        '<report id="F-INFO" flag="information" test="true()">i</report>'
        '<report id="F-NONE" test="true()">n</report>'
        "</rule></pattern>"
    )
    got = run(sch, "<Invoice/>")
    assert [(f.rule_id, f.severity) for f in got] == [
        ("F-FATAL", FATAL), ("F-WARN", WARNING), ("F-INFO", INFORMATION), ("F-NONE", FATAL),
    ]
    assert all(f.location == "/Invoice[1]" for f in got)


def test_rule_flag_applies_when_the_assert_has_none_and_assert_flag_wins():
    sch = schema(
        '<pattern id="p"><rule context="Invoice" flag="warning">'
        '<report id="INHERITS" test="true()">x</report>'
        '<report id="OWN" flag="information" test="true()">y</report>'
        "</rule></pattern>"
    )
    assert [(f.rule_id, f.severity) for f in run(sch, "<Invoice/>")] == [
        ("INHERITS", WARNING), ("OWN", INFORMATION),
    ]
    table = compiled_of(sch).assertions
    assert [(a.rule_id, a.flag) for a in table] == [("INHERITS", "warning"), ("OWN", "information")]


def test_role_is_kept_and_used_as_severity_only_without_a_flag():
    sch = schema(
        '<pattern id="p"><rule context="Invoice">'
        '<report id="ROLE-W" role="warning" test="true()">a</report>'
        '<report id="ROLE-AND-FLAG" role="warning" flag="fatal" test="true()">b</report>'
        '<report id="ROLE-ERROR" role="error" test="true()">c</report>'
        "</rule></pattern>"
    )
    compiled = compiled_of(sch)
    assert [(a.rule_id, a.kind, a.flag, a.role) for a in compiled.assertions] == [
        ("ROLE-W", "report", "", "warning"),
        ("ROLE-AND-FLAG", "report", "fatal", "warning"),
        ("ROLE-ERROR", "report", "", "error"),
    ]
    assert [(f.rule_id, f.severity) for f in run_compiled(compiled, "<Invoice/>")] == [
        ("ROLE-W", WARNING), ("ROLE-AND-FLAG", FATAL), ("ROLE-ERROR", FATAL),
    ]


def test_assertion_without_id_is_named_by_pattern_and_index():
    sch = schema(
        '<pattern id="pat"><rule context="Invoice">'
        '<report id="X" test="true()">x</report>'
        '<report test="true()">anonymous</report>'
        "</rule></pattern>"
    )
    assert [f.rule_id for f in run(sch, "<Invoice/>")] == ["X", "pat#1"]


def test_assertion_table_records_kind_test_context_and_pattern():
    sch = schema(
        '<pattern id="p1"><rule context="Line">'
        '<assert id="A" test="@amt">a</assert></rule></pattern>'
        '<pattern id="p2"><rule context="Invoice">'
        '<report id="R" test="count(Line) = 3">r</report></rule></pattern>'
    )
    table = compiled_of(sch).assertions
    assert [(a.index, a.rule_id, a.kind, a.test, a.context, a.pattern) for a in table] == [
        (0, "A", "assert", "@amt", "Line", "p1"),
        (1, "R", "report", "count(Line) = 3", "Invoice", "p2"),
    ]


# ---------------------------------------------------------------------------------------
# Messages


def test_message_with_value_of_name_name_path_and_emph():
    sch = schema(
        '<pattern id="p"><rule context="Line">'
        '<report id="M" test="@amt = \'50\'">Element <name/> under <name path=".."/> '
        'has amount <value-of select="@amt"/> which is <emph>too</emph> high '
        '(<value-of select="@amt * 2"/>).</report>'
        "</rule></pattern>"
    )
    assert run(sch, LINES) == [
        finding("M", FATAL, "Element Line under Invoice has amount 50 which is too high (100).",
                "/Invoice[1]/Line[2]", "@amt = '50'"),
    ]


def test_message_name_uses_the_document_prefix():
    sch = schema(
        '<ns prefix="x" uri="urn:x"/>'
        '<pattern id="p"><rule context="x:Line">'
        '<report id="M" test="true()"><name/> in <name path="parent::*"/></report>'
        "</rule></pattern>"
    )
    xml = '<cbc:Invoice xmlns:cbc="urn:x"><cbc:Line/></cbc:Invoice>'
    assert run(sch, xml) == [
        finding("M", FATAL, "cbc:Line in cbc:Invoice", "/cbc:Invoice[1]/cbc:Line[1]", "true()"),
    ]


def test_message_whitespace_is_normalised():
    sch = schema(
        '<pattern id="p"><rule context="Invoice">'
        '<report id="WS" test="true()">\n    The   amount\n\t\tof  <value-of select="\'  a   b  \'"/>'
        "\n    is   <emph>  wrong </emph>\n  </report>"
        "</rule></pattern>"
    )
    assert [f.message for f in run(sch, "<Invoice/>")] == ["The amount of a b is wrong"]


def test_diagnostics_are_appended_to_the_message():
    sch = schema(
        '<pattern id="p"><rule context="Line">'
        '<assert id="D" test="number(@amt) &gt; 10" diagnostics="d1 d2">Too low.</assert>'
        "</rule></pattern>"
        "<diagnostics>"
        '<diagnostic id="d1">Found <value-of select="@amt"/> in <name/>.</diagnostic>'
        '<diagnostic id="d2">Second   diagnostic.</diagnostic>'
        "</diagnostics>"
    )
    assert run(sch, LINES) == [
        finding("D", FATAL, "Too low. | Found 5 in Line. | Second diagnostic.",
                "/Invoice[1]/Line[1]", "number(@amt) > 10"),
    ]


def test_unknown_diagnostic_is_refused():
    sch = schema(
        '<pattern id="p"><rule context="Line">'
        '<assert id="D" test="true()" diagnostics="nope">x</assert>'
        "</rule></pattern>"
    )
    with pytest.raises(SchematronError, match=re.escape("D: unknown diagnostic 'nope'")):
        compiled_of(sch)


# ---------------------------------------------------------------------------------------
# Locations


def test_location_counts_siblings_of_the_same_name_only():
    sch = schema(
        '<pattern id="p"><rule context="A | B | C">'
        '<report id="L" test="true()">x</report>'
        "</rule></pattern>"
    )
    xml = "<Invoice><A/><B/><A><C/><B/><C/></A></Invoice>"
    assert fired(run(sch, xml)) == [
        ("L", "/Invoice[1]/A[1]"),
        ("L", "/Invoice[1]/B[1]"),
        ("L", "/Invoice[1]/A[2]"),
        ("L", "/Invoice[1]/A[2]/C[1]"),
        ("L", "/Invoice[1]/A[2]/B[1]"),
        ("L", "/Invoice[1]/A[2]/C[2]"),
    ]


def test_location_of_root_document_and_attribute_contexts():
    sch = schema(
        '<pattern id="doc"><rule context="/"><report id="DOC" test="true()">d</report></rule></pattern>'
        '<pattern id="root"><rule context="/*"><report id="ROOT" test="true()">r</report></rule></pattern>'
        '<pattern id="attr"><rule context="Line/@amt">'
        '<assert id="ATTR" test=". castable as xs:decimal">not a number: <value-of select="."/></assert>'
        "</rule></pattern>"
    )
    xml = '<Invoice><Line amt="1"/><Line amt="x"/></Invoice>'
    assert run(sch, xml) == [
        finding("DOC", FATAL, "d", "/", "true()"),
        finding("ROOT", FATAL, "r", "/Invoice[1]", "true()"),
        finding("ATTR", FATAL, "not a number: x", "/Invoice[1]/Line[2]/@amt", ". castable as xs:decimal"),
    ]


def test_location_uses_document_prefixes_and_distinguishes_namespaces():
    sch = schema(
        '<ns prefix="cac" uri="urn:cac"/><ns prefix="other" uri="urn:other"/>'
        '<pattern id="p"><rule context="cac:Line">'
        '<report id="L" test="true()">x</report>'
        "</rule></pattern>"
    )
    # The second cac:Line follows a same-local-name element of another namespace: it is Line 2
    # of its own name, and the foreign o:Line does not count.
    xml = ('<Invoice xmlns:cac="urn:cac" xmlns:o="urn:other">'
           "<cac:Line/><o:Line/><cac:Line/></Invoice>")
    assert fired(run(sch, xml)) == [
        ("L", "/Invoice[1]/cac:Line[1]"),
        ("L", "/Invoice[1]/cac:Line[2]"),
    ]


# ---------------------------------------------------------------------------------------
# Rule matching


def test_first_matching_rule_wins_within_a_pattern_but_other_patterns_see_the_node():
    sch = schema(
        '<pattern id="p1">'
        "<rule context=\"Line[@type = 'special']\"><report id=\"R1\" test=\"true()\">first</report></rule>"
        '<rule context="Line"><report id="R2" test="true()">second</report></rule>'
        "</pattern>"
        '<pattern id="p2">'
        '<rule context="Line"><report id="R3" test="true()">other pattern</report></rule>'
        "</pattern>"
    )
    xml = '<Invoice><Line type="special"/><Line/></Invoice>'
    assert fired(run(sch, xml)) == [
        ("R1", "/Invoice[1]/Line[1]"),
        ("R2", "/Invoice[1]/Line[2]"),
        ("R3", "/Invoice[1]/Line[1]"),
        ("R3", "/Invoice[1]/Line[2]"),
    ]


def test_first_matching_rule_wins_even_when_a_later_rule_is_more_specific():
    # XSLT default priorities would prefer the predicate rule; Schematron rule order must win.
    sch = schema(
        '<pattern id="p">'
        '<rule context="*"><report id="ANY" test="self::Line">any</report></rule>'
        "<rule context=\"Line[@type = 'special']\"><report id=\"SPECIAL\" test=\"true()\">s</report></rule>"
        "</pattern>"
    )
    xml = '<Invoice><Line type="special"/></Invoice>'
    assert fired(run(sch, xml)) == [("ANY", "/Invoice[1]/Line[1]")]


def test_descendants_of_a_matched_node_are_still_visited():
    sch = schema(
        '<pattern id="p"><rule context="Line">'
        '<report id="R" test="true()">x</report>'
        "</rule></pattern>"
    )
    xml = "<Invoice><Line><Line/></Line><Group><Line/></Group></Invoice>"
    assert fired(run(sch, xml)) == [
        ("R", "/Invoice[1]/Line[1]"),
        ("R", "/Invoice[1]/Line[1]/Line[1]"),
        ("R", "/Invoice[1]/Group[1]/Line[1]"),
    ]


# ---------------------------------------------------------------------------------------
# let


def test_let_at_schema_pattern_and_rule_level():
    sch = schema(
        '<let name="lineCount" value="count(//Line)"/>'
        '<pattern id="p">'
        "<let name=\"currency\" value=\"string(/Invoice/@currency)\"/>"
        '<rule context="Line">'
        '<let name="amount" value="number(@amt)"/>'
        '<let name="share" value="$amount div sum(//Line/@amt)"/>'
        '<report id="LET" test="$amount &gt;= 50">'
        'line of <value-of select="$lineCount"/> in <value-of select="$currency"/>: '
        '<value-of select="$amount"/> is <value-of select="round($share * 100)"/>%</report>'
        "</rule></pattern>"
    )
    xml = '<Invoice currency="NOK"><Line amt="50"/><Line amt="150"/><Line amt="0"/></Invoice>'
    assert run(sch, xml) == [
        finding("LET", FATAL, "line of 3 in NOK: 50 is 25%", "/Invoice[1]/Line[1]", "$amount >= 50"),
        finding("LET", FATAL, "line of 3 in NOK: 150 is 75%", "/Invoice[1]/Line[2]", "$amount >= 50"),
    ]


def test_let_with_element_content_value():
    sch = schema(
        '<let name="code">ABC</let>'
        '<pattern id="p"><rule context="Invoice">'
        '<assert id="CODE" test="@code = string($code)">code <value-of select="$code"/></assert>'
        "</rule></pattern>"
    )
    assert run(sch, '<Invoice code="ABC"/>') == []
    assert [f.message for f in run(sch, '<Invoice code="X"/>')] == ["code ABC"]


def test_duplicate_global_let_across_patterns_names_both_scopes():
    sch = schema(
        '<pattern id="p1"><let name="dup" value="1"/>'
        '<rule context="Invoice"><report id="A" test="$dup">a</report></rule></pattern>'
        '<pattern id="p2"><let name="dup" value="2"/>'
        '<rule context="Invoice"><report id="B" test="$dup">b</report></rule></pattern>'
    )
    with pytest.raises(SchematronError, match=re.escape(
            "let 'dup' is declared in p1 and again in p2: global names must be unique")):
        compiled_of(sch)


def test_duplicate_global_let_between_schema_and_unnamed_pattern():
    sch = schema(
        '<let name="dup" value="1"/>'
        '<pattern><let name="dup" value="2"/>'
        '<rule context="Invoice"><report id="A" test="$dup">a</report></rule></pattern>'
    )
    with pytest.raises(SchematronError, match=re.escape(
            "let 'dup' is declared in schema and again in pattern 1: global names must be unique")):
        compiled_of(sch)


def test_rule_let_may_shadow_nothing_but_is_local_to_its_rule():
    # The same local name in two rules is fine (they are template-local variables).
    sch = schema(
        '<pattern id="p">'
        '<rule context="A"><let name="v" value="\'a\'"/><report id="RA" test="true()"><value-of select="$v"/></report></rule>'
        '<rule context="B"><let name="v" value="\'b\'"/><report id="RB" test="true()"><value-of select="$v"/></report></rule>'
        "</pattern>"
    )
    assert [(f.rule_id, f.message) for f in run(sch, "<Invoice><A/><B/></Invoice>")] == [
        ("RA", "a"), ("RB", "b"),
    ]


# ---------------------------------------------------------------------------------------
# Includes


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_include_of_pattern_file_rule_file_and_nested_includes(tmp_path):
    _write(tmp_path / "rules" / "line-rule.sch",
           f'<rule xmlns="{SCH_NS}" context="Line">'
           '<assert id="INC-LINE" test="@amt">line without amount</assert></rule>')
    # The pattern file lives in a subfolder and includes a rule file relative to itself.
    _write(tmp_path / "patterns" / "lines.sch",
           f'<pattern xmlns="{SCH_NS}" id="lines">'
           '<include href="../rules/line-rule.sch"/></pattern>')
    _write(tmp_path / "invoice-rule.sch",
           f'<rule xmlns="{SCH_NS}" context="Invoice">'
           '<assert id="INC-INV" test="Line">invoice without lines</assert></rule>')
    main = _write(tmp_path / "main.sch", schema(
        '<include href="patterns/lines.sch"/>'
        '<pattern id="inv"><include href="invoice-rule.sch"/></pattern>'
    ))
    loaded = load_schematron(main)
    assert loaded.sources == [
        main.resolve(),
        (tmp_path / "patterns" / "lines.sch").resolve(),
        (tmp_path / "rules" / "line-rule.sch").resolve(),
        (tmp_path / "invoice-rule.sch").resolve(),
    ]
    compiled = compile_schema(loaded)
    assert compiled.patterns == ["lines", "inv"]
    assert fired(run_compiled(compiled, '<Invoice><Line amt="1"/><Line/></Invoice>')) == [
        ("INC-LINE", "/Invoice[1]/Line[2]"),
    ]
    assert fired(run_compiled(compiled, "<Invoice/>")) == [("INC-INV", "/Invoice[1]")]


def test_include_from_text_resolves_against_base(tmp_path):
    _write(tmp_path / "p.sch",
           f'<pattern xmlns="{SCH_NS}" id="p"><rule context="Invoice">'
           '<report id="FROM-TEXT" test="true()">x</report></rule></pattern>')
    sch = schema('<include href="p.sch"/>')
    assert fired(run(sch, "<Invoice/>", base=tmp_path / "virtual.sch")) == [("FROM-TEXT", "/Invoice[1]")]


def test_include_through_a_resolver(tmp_path):
    target = _write(tmp_path / "elsewhere" / "p.sch",
                    f'<pattern xmlns="{SCH_NS}" id="p"><rule context="Invoice">'
                    '<report id="RESOLVED" test="true()">x</report></rule></pattern>')
    main = _write(tmp_path / "main.sch", schema('<include href="artefact:shared/p.sch"/>'))
    calls = []

    def resolver(href, base):
        calls.append((href, base))
        return target if href == "artefact:shared/p.sch" else None

    loaded = load_schematron(main, resolver)
    assert calls == [("artefact:shared/p.sch", main.resolve())]
    assert loaded.sources == [main.resolve(), target]
    assert fired(run_compiled(compile_schema(loaded), "<Invoice/>")) == [("RESOLVED", "/Invoice[1]")]


def test_missing_include_names_the_href(tmp_path):
    main = _write(tmp_path / "main.sch", schema('<include href="nowhere/missing.sch"/>'))
    with pytest.raises(SchematronError) as err:
        load_schematron(main)
    text = str(err.value)
    assert "include 'nowhere/missing.sch'" in text
    assert str(tmp_path / "nowhere" / "missing.sch") in text
    assert str(main) in text


def test_missing_nested_include_names_the_including_file(tmp_path):
    inner = _write(tmp_path / "inner.sch",
                   f'<pattern xmlns="{SCH_NS}" id="p"><include href="gone.sch"/></pattern>')
    main = _write(tmp_path / "main.sch", schema('<include href="inner.sch"/>'))
    with pytest.raises(SchematronError) as err:
        load_schematron(main)
    assert str(err.value).startswith(f"{inner}: include 'gone.sch'")


@pytest.mark.parametrize("href", [
    "http://example.com/rules.sch",
    "https://example.com/rules.sch",
    "file:///etc/passwd",
    "rules.sch#frag",
])
def test_non_local_include_href_is_refused(tmp_path, href):
    main = _write(tmp_path / "main.sch", schema(f'<include href="{href}"/>'))
    with pytest.raises(SchematronError, match=re.escape(f"include href {href!r} must be a local file path")):
        load_schematron(main)


def test_include_without_href_is_refused(tmp_path):
    main = _write(tmp_path / "main.sch", schema("<include/>"))
    with pytest.raises(SchematronError, match="include without href"):
        load_schematron(main)


def test_include_loop_is_refused(tmp_path):
    _write(tmp_path / "a.sch", f'<pattern xmlns="{SCH_NS}" id="a"><include href="b.sch"/></pattern>')
    _write(tmp_path / "b.sch", f'<rule xmlns="{SCH_NS}" context="X"><include href="a.sch"/></rule>')
    main = _write(tmp_path / "main.sch", schema('<include href="a.sch"/>'))
    with pytest.raises(SchematronError, match="includes nested deeper than 16"):
        load_schematron(main)


def test_xinclude_of_an_xslt_function_used_by_a_test(tmp_path):
    _write(tmp_path / "functions.xsl",
           f'<xsl:function xmlns:xsl="{XSL_NS}" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
           'xmlns:u="urn:utils" name="u:double" as="xs:decimal">'
           '<xsl:param name="v" as="xs:decimal"/>'
           '<xsl:sequence select="$v * 2"/></xsl:function>')
    main = _write(tmp_path / "main.sch", schema(
        '<ns prefix="u" uri="urn:utils"/>'
        f'<xi:include xmlns:xi="{XI_NS}" href="functions.xsl"/>'
        '<pattern id="p"><rule context="Line">'
        '<assert id="XI" test="u:double(@amt) &lt; 100">double of <value-of select="@amt"/> is '
        '<value-of select="u:double(@amt)"/></assert></rule></pattern>'
    ))
    loaded = load_schematron(main)
    assert loaded.sources == [main.resolve(), (tmp_path / "functions.xsl").resolve()]
    assert run_compiled(compile_schema(loaded), LINES) == [
        finding("XI", FATAL, "double of 50 is 100", "/Invoice[1]/Line[2]", "u:double(@amt) < 100"),
        finding("XI", FATAL, "double of 500 is 1000", "/Invoice[1]/Line[3]", "u:double(@amt) < 100"),
    ]


def test_included_file_with_doctype_is_refused(tmp_path):
    _write(tmp_path / "p.sch",
           f'<!DOCTYPE pattern [<!ENTITY e "x">]><pattern xmlns="{SCH_NS}" id="p"/>')
    main = _write(tmp_path / "main.sch", schema('<include href="p.sch"/>'))
    with pytest.raises(SchematronError, match="a DOCTYPE is not allowed"):
        load_schematron(main)


# ---------------------------------------------------------------------------------------
# Abstract patterns and abstract rules


ABSTRACT_PATTERN = (
    '<pattern abstract="true" id="required">'
    '<rule context="$ctx">'
    '<assert id="$id" test="$BR-10 and $BR-1" flag="$flag">'
    '<value-of select="$BR-1"/>/<value-of select="$BR-10"/> required in <name/></assert>'
    "</rule></pattern>"
)


def test_abstract_pattern_instances_with_prefix_param_names():
    sch = schema(
        ABSTRACT_PATTERN
        + '<pattern is-a="required" id="lines">'
        '<param name="ctx" value="Line"/><param name="id" value="ABS-LINE"/>'
        '<param name="BR-1" value="@one"/><param name="BR-10" value="@ten"/>'
        '<param name="flag" value="warning"/></pattern>'
        + '<pattern is-a="required" id="heads">'
        '<param name="BR-10" value="@ten"/><param name="BR-1" value="@one"/>'
        '<param name="ctx" value="Invoice"/><param name="id" value="ABS-HEAD"/>'
        '<param name="flag" value="fatal"/></pattern>'
    )
    compiled = compiled_of(sch)
    assert compiled.patterns == ["lines", "heads"]
    assert [(a.rule_id, a.test, a.context, a.flag, a.pattern) for a in compiled.assertions] == [
        ("ABS-LINE", "@ten and @one", "Line", "warning", "lines"),
        ("ABS-HEAD", "@ten and @one", "Invoice", "fatal", "heads"),
    ]
    xml = '<Invoice one="1"><Line one="a" ten="b"/><Line one="c"/></Invoice>'
    assert run_compiled(compiled, xml) == [
        finding("ABS-LINE", WARNING, "c/ required in Line", "/Invoice[1]/Line[2]", "@ten and @one"),
        finding("ABS-HEAD", FATAL, "1/ required in Invoice", "/Invoice[1]", "@ten and @one"),
    ]


def test_substitute_params_longest_name_first():
    params = [("BR-10", "TEN"), ("BR-1", "ONE")]
    assert substitute_params("$BR-10 $BR-1 $BR-100", params) == "TEN ONE TEN0"


def test_abstract_pattern_is_not_run_itself_and_unknown_is_a_is_refused():
    sch = schema(
        '<pattern abstract="true" id="ap"><rule context="Invoice">'
        '<report id="$id" test="true()">x</report></rule></pattern>'
    )
    assert compiled_of(sch).assertions == []
    bad = schema('<pattern is-a="nope" id="i"><param name="id" value="X"/></pattern>')
    with pytest.raises(SchematronError, match=re.escape("pattern is-a='nope' names no abstract pattern")):
        compiled_of(bad)


def test_abstract_rule_extends_in_place():
    sch = schema(
        '<pattern id="p">'
        '<rule abstract="true" id="has-amount">'
        '<let name="a" value="@amt"/>'
        '<assert id="AR-1" test="$a">no amount on <name/></assert>'
        "</rule>"
        '<rule context="Line">'
        '<report id="BEFORE" test="true()">before</report>'
        '<extends rule="has-amount"/>'
        '<report id="AFTER" test="$a = \'5\'">after <value-of select="$a"/></report>'
        "</rule>"
        '<rule context="Charge"><extends rule="has-amount"/></rule>'
        "</pattern>"
    )
    compiled = compiled_of(sch)
    assert [(a.rule_id, a.context) for a in compiled.assertions] == [
        ("BEFORE", "Line"), ("AR-1", "Line"), ("AFTER", "Line"), ("AR-1", "Charge"),
    ]
    xml = '<Invoice><Line amt="5"/><Line/><Charge/></Invoice>'
    assert [(f.rule_id, f.message, f.location) for f in run_compiled(compiled, xml)] == [
        ("BEFORE", "before", "/Invoice[1]/Line[1]"),
        ("AFTER", "after 5", "/Invoice[1]/Line[1]"),
        ("BEFORE", "before", "/Invoice[1]/Line[2]"),
        ("AR-1", "no amount on Line", "/Invoice[1]/Line[2]"),
        ("AR-1", "no amount on Charge", "/Invoice[1]/Charge[1]"),
    ]


def test_unknown_abstract_rule_is_refused():
    sch = schema(
        '<pattern id="p"><rule context="Line"><extends rule="ghost"/></rule></pattern>'
    )
    with pytest.raises(SchematronError, match=re.escape("extends names an unknown abstract rule 'ghost'")):
        compiled_of(sch)


def test_extends_href_is_refused():
    sch = schema(
        '<pattern id="p"><rule context="Line"><extends href="other.sch"/></rule></pattern>'
    )
    with pytest.raises(SchematronError, match="extends href is not supported"):
        compiled_of(sch)


# ---------------------------------------------------------------------------------------
# Phases


PHASED = schema(
    '<phase id="p1"><active pattern="a"/></phase>'
    '<phase id="p2"><let name="limit" value="2"/><active pattern="b"/><active pattern="c"/></phase>'
    '<pattern id="a"><rule context="Invoice"><report id="A" test="true()">a</report></rule></pattern>'
    '<pattern id="b"><rule context="Invoice"><report id="B" test="true()">b</report></rule></pattern>'
    '<pattern id="c"><rule context="Invoice">'
    '<report id="C" test="true()">c</report></rule></pattern>',
    attrs='defaultPhase="p1"',
)


def test_phase_runs_only_its_active_patterns():
    compiled = compiled_of(PHASED, phase="p1")
    assert (compiled.phase, compiled.patterns) == ("p1", ["a"])
    assert [f.rule_id for f in run_compiled(compiled, "<Invoice/>")] == ["A"]


def test_phase_patterns_keep_schema_order():
    compiled = compiled_of(PHASED, phase="p2")
    assert (compiled.phase, compiled.patterns) == ("p2", ["b", "c"])
    assert [f.rule_id for f in run_compiled(compiled, "<Invoice/>")] == ["B", "C"]


def test_default_phase_and_all():
    default = compiled_of(PHASED, phase="#DEFAULT")
    assert (default.phase, default.patterns) == ("p1", ["a"])
    assert [f.rule_id for f in run_compiled(default, "<Invoice/>")] == ["A"]
    every = compiled_of(PHASED, phase="#ALL")
    assert (every.phase, every.patterns) == ("#ALL", ["a", "b", "c"])
    assert [f.rule_id for f in run_compiled(every, "<Invoice/>")] == ["A", "B", "C"]


def test_default_phase_without_default_phase_attribute_is_all():
    sch = schema(
        '<phase id="only"><active pattern="a"/></phase>'
        '<pattern id="a"><rule context="Invoice"><report id="A" test="true()">a</report></rule></pattern>'
        '<pattern id="b"><rule context="Invoice"><report id="B" test="true()">b</report></rule></pattern>'
    )
    compiled = compiled_of(sch, phase="#DEFAULT")
    assert (compiled.phase, compiled.patterns) == ("#ALL", ["a", "b"])


def test_unknown_phase_lists_known_phases():
    with pytest.raises(SchematronError, match=re.escape("phase 'nope' is not defined (phases: p1, p2)")):
        compiled_of(PHASED, phase="nope")


def test_phase_activating_unknown_pattern_is_refused():
    sch = schema(
        '<phase id="x"><active pattern="missing"/></phase>'
        '<pattern id="a"><rule context="Invoice"><report id="A" test="true()">a</report></rule></pattern>'
    )
    with pytest.raises(SchematronError, match=re.escape("phase 'x' activates unknown patterns: ['missing']")):
        compiled_of(sch, phase="x")


def test_phase_level_let():
    sch = schema(
        '<phase id="strict"><let name="max" value="2"/><active pattern="count"/></phase>'
        '<pattern id="count"><rule context="Invoice">'
        '<assert id="MAX" test="count(Line) &lt;= $max">more than <value-of select="$max"/> lines</assert>'
        "</rule></pattern>"
    )
    compiled = compiled_of(sch, phase="strict")
    assert run_compiled(compiled, LINES) == [
        finding("MAX", FATAL, "more than 2 lines", "/Invoice[1]", "count(Line) <= $max"),
    ]
    assert run_compiled(compiled, "<Invoice><Line/></Invoice>") == []


def test_phase_let_clashing_with_schema_let_is_refused():
    sch = schema(
        '<let name="max" value="1"/>'
        '<phase id="strict"><let name="max" value="2"/><active pattern="a"/></phase>'
        '<pattern id="a"><rule context="Invoice"><report id="A" test="$max">a</report></rule></pattern>'
    )
    with pytest.raises(SchematronError, match=re.escape("let 'max' is declared in schema and again in phase")):
        compiled_of(sch, phase="strict")


# ---------------------------------------------------------------------------------------
# Foreign XSLT, namespaces, query binding


def test_schema_level_xsl_function_is_copied_through():
    sch = schema(
        '<ns prefix="u" uri="urn:utils"/>'
        f'<xsl:function xmlns:xsl="{XSL_NS}" name="u:is-even" as="xs:boolean">'
        '<xsl:param name="v"/><xsl:sequence select="number($v) mod 2 = 0"/></xsl:function>'
        '<pattern id="p"><rule context="Line">'
        '<assert id="EVEN" test="u:is-even(@amt)">odd <value-of select="@amt"/></assert>'
        "</rule></pattern>",
        attrs='xmlns:xs="http://www.w3.org/2001/XMLSchema"',
    )
    assert run(sch, LINES) == [
        finding("EVEN", FATAL, "odd 5", "/Invoice[1]/Line[1]", "u:is-even(@amt)"),
    ]


def test_pattern_level_xsl_function_is_copied_through():
    sch = schema(
        '<ns prefix="u" uri="urn:utils"/>'
        '<pattern id="p">'
        f'<xsl:function xmlns:xsl="{XSL_NS}" name="u:big" as="xs:boolean">'
        '<xsl:param name="v"/><xsl:sequence select="number($v) &gt; 100"/></xsl:function>'
        '<rule context="Line"><report id="BIG" test="u:big(@amt)">big</report></rule>'
        "</pattern>"
    )
    assert fired(run(sch, LINES)) == [("BIG", "/Invoice[1]/Line[3]")]


def test_xsl_key_is_copied_through_and_usable_with_key():
    sch = schema(
        f'<xsl:key xmlns:xsl="{XSL_NS}" name="party-by-id" match="Party" use="@id"/>'
        '<pattern id="p"><rule context="Line">'
        '<assert id="KEY" test="key(\'party-by-id\', @party)">line refers to unknown party '
        '<value-of select="@party"/></assert>'
        "</rule></pattern>"
    )
    xml = ('<Invoice><Party id="P1"/><Party id="P2"/>'
           '<Line party="P2"/><Line party="P3"/><Line party="P1"/></Invoice>')
    assert run(sch, xml) == [
        finding("KEY", FATAL, "line refers to unknown party P3", "/Invoice[1]/Line[2]",
                "key('party-by-id', @party)"),
    ]


def test_namespaces_from_sch_ns():
    sch = schema(
        '<ns prefix="inv" uri="urn:example:invoice"/>'
        '<ns prefix="cbc" uri="urn:example:basic"/>'
        '<pattern id="p"><rule context="inv:Invoice/inv:Line">'
        '<assert id="NS" test="cbc:Amount">line without amount</assert>'
        "</rule></pattern>"
    )
    xml = ('<Invoice xmlns="urn:example:invoice" xmlns:b="urn:example:basic">'
           "<Line><b:Amount>1</b:Amount></Line><Line/>"
           '<Line xmlns="urn:other"/></Invoice>')
    compiled = compiled_of(sch)
    assert compiled.namespaces == {"inv": "urn:example:invoice", "cbc": "urn:example:basic"}
    assert run_compiled(compiled, xml) == [
        finding("NS", FATAL, "line without amount", "/Invoice[1]/Line[2]", "cbc:Amount"),
    ]


def test_reserved_prefix_bound_elsewhere_is_refused():
    sch = schema(
        '<ns prefix="lssf" uri="urn:mine"/>'
        '<pattern id="p"><rule context="Invoice"><report id="A" test="true()">a</report></rule></pattern>'
    )
    with pytest.raises(SchematronError, match=re.escape("prefix 'lssf' is bound to 'urn:mine'; it is reserved")):
        compiled_of(sch)


@pytest.mark.parametrize("binding", ["exslt", "stx", "xpath"])
def test_unsupported_query_binding_is_refused(binding):
    sch = schema(
        '<pattern id="p"><rule context="Invoice"><report id="A" test="true()">a</report></rule></pattern>',
        binding=binding,
    )
    with pytest.raises(SchematronError, match=re.escape(f"queryBinding {binding!r} is not supported")):
        compiled_of(sch)


@pytest.mark.parametrize("binding", ["xslt2", "xslt3", "XSLT2"])
def test_supported_query_bindings(binding):
    sch = schema(
        '<pattern id="p"><rule context="Invoice"><report id="A" test="true()">a</report></rule></pattern>',
        binding=binding,
    )
    assert [f.rule_id for f in run(sch, "<Invoice/>")] == ["A"]


def test_title_is_normalised_and_used_as_default_step():
    sch = schema(
        "<title>  My\n   rules  </title>"
        '<pattern id="p"><rule context="Invoice"><report id="A" test="true()">a</report></rule></pattern>'
    )
    compiled = compiled_of(sch)
    assert compiled.title == "My rules"
    [f] = SchematronRunner(compiled).run(parse_for_saxon("<Invoice/>"))
    assert (f.step, f.ruleset) == ("My rules", "")


def test_root_that_is_not_a_schema_is_refused(tmp_path):
    path = _write(tmp_path / "p.sch", f'<pattern xmlns="{SCH_NS}" id="p"/>')
    with pytest.raises(SchematronError, match="not an ISO Schematron schema"):
        load_schematron(path)


# ---------------------------------------------------------------------------------------
# Disk cache


def _cached_project(tmp_path: Path) -> tuple[Path, Path]:
    inc = _write(tmp_path / "src" / "rule.sch",
                 f'<rule xmlns="{SCH_NS}" context="Invoice">'
                 '<report id="CACHED" test="true()">cached</report></rule>')
    main = _write(tmp_path / "src" / "main.sch", schema(
        '<title>Cached</title><pattern id="p"><include href="rule.sch"/></pattern>'))
    return main, inc


def test_compile_file_writes_and_reuses_the_disk_cache(tmp_path):
    main, inc = _cached_project(tmp_path)
    cache = tmp_path / "cache"
    first = compile_file(main, None, cache)
    key = first.key
    assert key == cache_key([main.resolve(), inc.resolve()], None)
    xsl, meta = cache / f"{key}.xsl", cache / f"{key}.json"
    assert xsl.is_file() and meta.is_file()
    assert sorted(p.name for p in cache.iterdir()) == sorted([xsl.name, meta.name])
    assert xsl.read_text("utf-8") == first.xslt

    # Mark the cached XSLT: a second compile must return it rather than recompiling.
    marked = first.xslt.replace("</xsl:stylesheet>", "<!-- from cache --></xsl:stylesheet>")
    xsl.write_text(marked, encoding="utf-8")
    second = compile_file(main, None, cache)
    assert second.key == key
    assert second.xslt == marked
    assert (second.title, second.phase, second.patterns, second.assertions) == (
        first.title, first.phase, first.patterns, first.assertions)
    assert fired(run_compiled(second, "<Invoice/>")) == [("CACHED", "/Invoice[1]")]


def test_cache_key_changes_with_included_file_and_phase(tmp_path):
    main, inc = _cached_project(tmp_path)
    cache = tmp_path / "cache"
    before = compile_file(main, None, cache).key
    assert compile_file(main, "#ALL", cache).key == before
    inc.write_text(inc.read_text("utf-8").replace("cached", "changed"), encoding="utf-8")
    after = compile_file(main, None, cache)
    assert after.key != before
    assert (cache / f"{after.key}.xsl").is_file()
    assert len(list(cache.glob("*.xsl"))) == 2
    assert [f.message for f in run_compiled(after, "<Invoice/>")] == ["changed"]


def test_compile_file_without_cache_dir_still_sets_the_key(tmp_path):
    main, inc = _cached_project(tmp_path)
    compiled = compile_file(main)
    assert compiled.key == cache_key([main.resolve(), inc.resolve()], None)
    assert not (tmp_path / "cache").exists()


def test_compiled_schematron_json_round_trip():
    sch = schema(
        '<pattern id="p"><rule context="Invoice" flag="warning">'
        '<report id="A" role="r" test="true()">a</report></rule></pattern>'
    )
    compiled = compile_schema(load_schematron_text(sch), None, key="k1")
    again = CompiledSchematron.from_json(compiled.to_json(), compiled.xslt)
    assert again == compiled


# ---------------------------------------------------------------------------------------
# Run-time and compile-time errors


def test_dynamic_error_becomes_one_fatal_finding():
    sch = schema(
        '<pattern id="p"><rule context="Line">'
        '<assert id="OK" test="false()">always</assert>'
        '<assert id="INT" test="xs:integer(@amt) &gt; 0">positive</assert>'
        "</rule></pattern>"
    )
    got = run(sch, '<Invoice><Line amt="1"/><Line amt="abc"/></Invoice>', ruleset="rs", step="st")
    assert len(got) == 1
    [f] = got
    assert (f.rule_id, f.severity, f.location, f.ruleset, f.step, f.test) == (
        "LSS-SCH-001", FATAL, "", "rs", "st", "")
    prefix = "the rules of st could not be evaluated on this document: "
    assert f.message.startswith(prefix)
    assert 'Cannot convert string "abc" to an integer' in f.message
    assert "\n" not in f.message


def test_xslt_compile_error_raises_schematron_error_from_the_runner():
    sch = schema(
        "<title>Broken</title>"
        '<pattern id="p"><rule context="Line">'
        '<assert id="BAD" test="count((@amt">x</assert>'
        "</rule></pattern>"
    )
    compiled = compiled_of(sch)  # the compiler does not parse XPath; Saxon does
    with pytest.raises(SchematronError, match=re.escape("the XSLT compiled from 'Broken' does not compile")):
        SchematronRunner(compiled)


def test_undeclared_prefix_in_context_raises_schematron_error():
    sch = schema(
        '<pattern id="p"><rule context="nope:Line">'
        '<report id="X" test="true()">x</report></rule></pattern>'
    )
    with pytest.raises(SchematronError, match="does not compile"):
        SchematronRunner(compiled_of(sch))


def test_rule_without_context_and_assert_without_test_are_refused():
    with pytest.raises(SchematronError, match=re.escape("pattern p: rule without context")):
        compiled_of(schema('<pattern id="p"><rule><report id="X" test="true()">x</report></rule></pattern>'))
    with pytest.raises(SchematronError, match=re.escape("X: assert/report without test")):
        compiled_of(schema('<pattern id="p"><rule context="A"><report id="X">x</report></rule></pattern>'))


def test_unkeyed_compiled_schemas_never_share_an_executable():
    """Each compiled schema runs its own XSLT, even when an earlier, unkeyed one was freed and
    its Python object id reused (the runner's executable cache must not key on id())."""
    for i in range(40):
        sch = schema(
            f'<pattern id="p"><rule context="Line"><assert id="N" test="@n = {i}">n</assert></rule></pattern>'
        )
        got = run(sch, f'<Invoice><Line n="{i}"/></Invoice>')
        assert got == [], f"schema {i} ran another schema's XSLT"
        gc.collect()
