"""The validation engine on official examples and on documents broken on purpose."""
from __future__ import annotations

import json
from datetime import date

import pytest
from lxml import etree

from schemas.artefacts import artefacts_dir
from validate import report
from validate.conformance import EXAMPLE_SETS, KNOWN_INVALID_EXAMPLES
from validate.engine import Validator, collect_paths, validate_many
from validate.schematron.engines import current as current_engine

from .factories import invoice_with_attachment
from .helpers import edited, example_bytes, sbdh, write


def _fatal_ids(result):
    return sorted({f.rule_id for f in result.findings if f.is_fatal})


def _official_examples():
    for example_set in EXAMPLE_SETS:
        files, _ = collect_paths([artefacts_dir() / example_set.folder])
        for path in files:
            yield pytest.param(path, example_set, id=path.relative_to(artefacts_dir()).as_posix())


@pytest.mark.parametrize("path,example_set", list(_official_examples()))
def test_every_official_example_is_valid_or_a_known_upstream_defect(path, example_set):
    result = example_set.validator().validate_path(path)
    rel = path.relative_to(artefacts_dir()).as_posix()
    if rel in KNOWN_INVALID_EXAMPLES:
        assert set(_fatal_ids(result)) == KNOWN_INVALID_EXAMPLES[rel][0]
    else:
        assert result.valid, report.render_text([result])
        assert result.ruleset
        assert [s.name for s in result.steps][:2] == ["parse", "xsd"]


def test_steps_run_in_order_for_an_invoice():
    result = Validator(at=date(2026, 12, 5)).validate_bytes(example_bytes("base-example.xml"), "base-example.xml")
    assert result.document_type == "invoice"
    assert (result.ruleset, result.release, result.reference_date) == ("peppol-bis-billing-3.0.21", "2026.5", "2026-12-05")
    assert [s.name for s in result.steps] == ["parse", "xsd", "CEN EN 16931 UBL", "PEPPOL BIS 3"]
    assert result.findings == []


def test_missing_buyer_reference_is_peppol_r003():
    data = edited("vat-category-E.xml", ("<cbc:BuyerReference>test reference</cbc:BuyerReference>", ""))
    result = Validator(release="3.0.21").validate_bytes(data, "x.xml")
    assert not result.valid
    [finding] = result.findings
    assert finding.rule_id == "PEPPOL-EN16931-R003"
    assert finding.severity.value == "fatal"
    assert finding.location == "/Invoice[1]"
    assert finding.step == "PEPPOL BIS 3"
    # 3.0.21 puts the rule id in front of its messages (3.0.19 did not)
    assert finding.message == "[PEPPOL-EN16931-R003]-A buyer reference or purchase order reference MUST be provided."


def test_swedish_supplier_with_short_vat_number_is_se_r_001():
    data = edited("vat-category-E.xml",
                  ("<cbc:CompanyID>GB928741974</cbc:CompanyID>", "<cbc:CompanyID>SE12345</cbc:CompanyID>"),
                  ("<cbc:IdentificationCode>GB</cbc:IdentificationCode>",
                   "<cbc:IdentificationCode>SE</cbc:IdentificationCode>"))
    result = Validator().validate_bytes(data, "x.xml")
    assert _fatal_ids(result) == ["SE-R-001"]
    [finding] = result.findings
    assert finding.location == "/Invoice[1]/cac:AccountingSupplierParty[1]/cac:Party[1]"


def test_xsd_error_is_reported_and_schematron_still_runs():
    # An element UBL does not know, inside the header: XSD fails, the business rules still run.
    data = edited("vat-category-E.xml", ("<cbc:BuyerReference>", "<cbc:Bogus>1</cbc:Bogus><cbc:BuyerReference>"))
    result = Validator().validate_bytes(data, "x.xml")
    xsd = [f for f in result.findings if f.rule_id == "UBL-XSD"]
    assert len(xsd) == 1 and xsd[0].step == "xsd" and "Bogus" in xsd[0].message
    assert [s.name for s in result.steps] == ["parse", "xsd", "CEN EN 16931 UBL", "PEPPOL BIS 3"]


def test_no_xsd_option_skips_the_step():
    result = Validator(xsd=False).validate_bytes(example_bytes("base-example.xml"), "b.xml")
    assert [s.name for s in result.steps] == ["parse", "CEN EN 16931 UBL", "PEPPOL BIS 3"]


def test_sbdh_envelope_is_unwrapped_and_its_payload_validated():
    result = Validator().validate_bytes(sbdh(example_bytes("base-example.xml")), "env.xml")
    assert result.document_type == "invoice"
    assert result.valid and result.findings == []


def test_sbdh_without_payload_is_an_envelope_finding():
    env = sbdh(b"")
    result = Validator().validate_bytes(env, "env.xml")
    assert _fatal_ids(result) == ["LSS-SBDH-002"]
    assert [s.name for s in result.steps] == ["parse", "envelope"]


@pytest.mark.parametrize("data,rule", [
    (b"not xml at all", "LSS-XML-003"),
    (b"", "LSS-XML-005"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "LSS-XML-002"),
    (b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>", "LSS-DOC-001"),
])
def test_bad_input_is_one_fatal_finding_not_an_exception(data, rule):
    result = Validator().validate_bytes(data, "bad.xml")
    assert not result.valid
    assert _fatal_ids(result) == [rule]


def test_wrong_customization_id_is_reported_by_the_rules():
    data = edited("base-example.xml", (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", "urn:example:other"))
    result = Validator().validate_bytes(data, "x.xml")
    assert "PEPPOL-EN16931-R004" in _fatal_ids(result)


def test_explicit_ruleset_for_the_wrong_document_kind_is_lss_doc_012():
    result = Validator("peppol-t111-2026.5").validate_bytes(example_bytes("base-example.xml"), "b.xml")
    assert _fatal_ids(result) == ["LSS-DOC-012"]


def test_unreadable_path_is_lss_io_001(tmp_path):
    result = Validator().validate_path(tmp_path / "missing.xml")
    assert _fatal_ids(result) == ["LSS-IO-001"]


def test_two_workers_give_the_same_results_in_the_same_order(tmp_path):
    names = ["base-example.xml", "vat-category-E.xml", "Allowance-example.xml", "vat-category-Z.xml"]
    paths = [write(tmp_path, n, example_bytes(n)) for n in names]
    paths.append(write(tmp_path, "broken.xml", edited(
        "vat-category-E.xml", ("<cbc:BuyerReference>test reference</cbc:BuyerReference>", ""))))
    one = list(validate_many(paths, jobs=1))
    two = list(validate_many(paths, jobs=2))
    assert [r.source for r in two] == [str(p) for p in paths]
    assert [(r.valid, _fatal_ids(r)) for r in one] == [(r.valid, _fatal_ids(r)) for r in two]
    assert _fatal_ids(two[-1]) == ["PEPPOL-EN16931-R003"]


def test_reports_render_the_same_findings():
    data = edited("vat-category-E.xml", ("<cbc:BuyerReference>test reference</cbc:BuyerReference>", ""))
    result = Validator().validate_bytes(data, "x.xml")
    parsed = json.loads(report.render_json([result]))
    assert parsed["summary"] == {"documents": 1, "valid": 0, "invalid": 1, "error": 0, "fatal": 1, "warning": 0}
    assert parsed["results"][0]["findings"][0]["rule_id"] == "PEPPOL-EN16931-R003"
    svrl = etree.fromstring(report.render_svrl([result]).encode())
    failed = svrl.findall(".//{http://purl.oclc.org/dsdl/svrl}failed-assert")
    assert [(f.get("id"), f.get("flag"), f.get("location")) for f in failed] == [
        ("PEPPOL-EN16931-R003", "fatal", "/Invoice[1]")]
    text = report.render_text([result])
    assert text.splitlines()[1].startswith("  FATAL PEPPOL-EN16931-R003 (PEPPOL BIS 3) at /Invoice[1]")


# --- limits of the Schematron engine's parser (SaxonC, JDK) --------------------------------------

EXT = ('<ext:UBLExtensions xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2">'
       '<ext:UBLExtension><ext:ExtensionContent>{}</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>'
       '<cbc:CustomizationID>')


def _with_extension(content: str) -> bytes:
    """base-example.xml with ``content`` in an extension, which the UBL XSD does not check."""
    return edited("base-example.xml", ("<cbc:CustomizationID>", EXT.format(content)))


def _no_fatal_but_warnings_of_extensions(result):
    # UBL-CR-001 ("should not include extensions") is a warning of the Peppol rules.
    assert result.valid, report.render_text([result])
    assert {f.rule_id for f in result.findings} <= {"UBL-CR-001"}


def test_201_and_more_namespace_declarations_on_one_element_are_validated():
    """SaxonC's parser refused more than 200 attributes + declarations (a traceback)."""
    decls = " ".join(f'xmlns:p{i}="urn:example:{i}"' for i in range(900))
    data = edited("base-example.xml", ("<cbc:Note>", f"<cbc:Note {decls}>"))
    result = Validator().validate_bytes(data, "x.xml")
    assert result.valid and result.findings == []
    assert [s.name for s in result.steps] == ["parse", "xsd", "CEN EN 16931 UBL", "PEPPOL BIS 3"]


def test_201_attributes_give_a_verdict():
    attrs = " ".join(f'a{i}="x"' for i in range(201))
    result = Validator().validate_bytes(edited("base-example.xml", ("<cbc:Note>", f"<cbc:Note {attrs}>")), "x.xml")
    assert _fatal_ids(result) == ["UBL-XSD"]  # attributes UBL does not know
    # a verdict: the XSD refuses it, so the rules are skipped for that reason, not for Saxon's
    assert [s.reason.startswith("not run: the document fails the UBL 2.1 XSD") for s in result.steps[2:]] == [True, True]
    every = Validator(all_steps=True).validate_bytes(
        edited("base-example.xml", ("<cbc:Note>", f"<cbc:Note {attrs}>")), "x.xml")
    assert _fatal_ids(every) == ["UBL-XSD"] and not any(s.skipped for s in every.steps)


def test_more_attributes_than_our_limit_is_lss_xml_006():
    attrs = " ".join(f'a{i}="x"' for i in range(1001))
    result = Validator().validate_bytes(edited("base-example.xml", ("<cbc:Note>", f"<cbc:Note {attrs}>")), "x.xml")
    assert _fatal_ids(result) == ["LSS-XML-006"]
    assert "element cbc:Note at line" in result.findings[0].message


def test_nesting_deeper_than_saxons_default_of_100_is_validated():
    result = Validator().validate_bytes(_with_extension('<a xmlns="urn:x">' * 240 + "x" + "</a>" * 240), "x.xml")
    _no_fatal_but_warnings_of_extensions(result)


def test_a_name_saxon_refuses_is_lss_sch_003_and_the_rules_are_skipped():
    name = "N" * 2000  # lxml takes names up to 50,000 characters, SaxonC's parser up to 1,000
    result = Validator(release="3.0.21").validate_bytes(_with_extension(f'<{name} xmlns="urn:x">x</{name}>'), "x.xml")
    assert not result.valid
    assert _fatal_ids(result) == ["LSS-SCH-003"]
    [finding] = result.findings
    assert finding.step == "parse" and finding.ruleset == result.ruleset == "peppol-bis-billing-3.0.21"
    assert f"the Schematron engine ({current_engine().title}) could not read the document" in finding.message
    assert current_engine().title in ("SaxonC", "Saxon-HE on the JVM")
    assert "JAXP00010005" in finding.message
    assert [(s.name, s.skipped) for s in result.steps] == [
        ("parse", False), ("xsd", False), ("CEN EN 16931 UBL", True), ("PEPPOL BIS 3", True)]
    assert json.loads(report.render_json([result]))["results"][0]["steps"][2]["skipped"] is True


def test_any_exception_of_the_engine_is_a_finding(monkeypatch):
    import validate.engine as engine

    def broken(text):
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(engine, "parse_for_saxon", broken)
    result = Validator().validate_bytes(example_bytes("base-example.xml"), "b.xml")
    assert _fatal_ids(result) == ["LSS-SCH-003"]
    assert result.findings[0].message.endswith("its rules were not run: the engine fell over")


# --- big embedded attachments ---------------------------------------------------------------------

@pytest.mark.parametrize("size", [8_000_000, 30_000_000])
def test_big_embedded_attachments_validate_and_read_back(size):
    """base64 text above libxml2's 10,000,000-byte text node limit was LSS-XML-001/003."""
    from peppol.reader import read_ubl
    from validate.xmlsafe import parse_xml

    data, content = invoice_with_attachment(size)
    assert len(data) > 10_000_000
    result = Validator().validate_bytes(data, "big.xml")
    assert result.valid, report.render_text([result])
    assert [s.name for s in result.steps] == ["parse", "xsd", "CEN EN 16931 UBL", "PEPPOL BIS 3"]
    [attachment] = read_ubl(parse_xml(data)).document.attachments
    assert attachment.content == content


def test_a_document_over_the_byte_cap_is_still_lss_xml_001():
    from validate.xmlsafe import Limits

    data, _ = invoice_with_attachment(8_000_000)
    result = Validator(limits=Limits(max_bytes=len(data) - 1)).validate_bytes(data, "big.xml")
    assert _fatal_ids(result) == ["LSS-XML-001"]


def test_workers_get_every_limit_not_only_the_byte_cap(tmp_path):
    from validate.xmlsafe import Limits

    attrs = " ".join(f'a{i}="x"' for i in range(20))
    paths = [write(tmp_path, f"{i}.xml", edited("base-example.xml", ("<cbc:Note>", f"<cbc:Note {attrs}>")))
             for i in range(2)]
    results = list(validate_many(paths, jobs=2, limits=Limits(max_attributes=10)))
    assert [_fatal_ids(r) for r in results] == [["LSS-XML-006"], ["LSS-XML-006"]]


def test_the_engines_own_parser_refuses_a_doctype_too():
    """Behind xmlsafe's refusal: SaxonC is never the one to load a DTD or expand an entity."""
    from validate.schematron.runner import parse_for_saxon

    with pytest.raises(Exception, match="DOCTYPE is disallowed"):
        parse_for_saxon('<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>')
    assert parse_for_saxon("<r/>") is not None
