"""The validation engine on official examples and on documents broken on purpose."""
from __future__ import annotations

import json

import pytest
from lxml import etree

from schemas.artefacts import artefacts_dir
from validate import report
from validate.conformance import EXAMPLE_SETS, KNOWN_INVALID_EXAMPLES
from validate.engine import Validator, collect_paths, validate_many

from .helpers import edited, example_bytes, sbdh, write


def _fatal_ids(result):
    return sorted({f.rule_id for f in result.findings if f.is_fatal})


def _official_examples():
    for _, folder, ruleset in EXAMPLE_SETS:
        files, _ = collect_paths([artefacts_dir() / folder])
        for path in files:
            yield pytest.param(path, ruleset, id=path.relative_to(artefacts_dir()).as_posix())


@pytest.mark.parametrize("path,ruleset", list(_official_examples()))
def test_every_official_example_is_valid_or_a_known_upstream_defect(path, ruleset):
    result = Validator(ruleset).validate_path(path)
    rel = path.relative_to(artefacts_dir()).as_posix()
    if rel in KNOWN_INVALID_EXAMPLES:
        assert set(_fatal_ids(result)) == KNOWN_INVALID_EXAMPLES[rel][0]
    else:
        assert result.valid, report.render_text([result])
        assert result.ruleset
        assert [s.name for s in result.steps][:2] == ["parse", "xsd"]


def test_steps_run_in_order_for_an_invoice():
    result = Validator().validate_bytes(example_bytes("base-example.xml"), "base-example.xml")
    assert result.document_type == "invoice"
    assert result.ruleset == "peppol-bis-billing-3.0.19"
    assert [s.name for s in result.steps] == ["parse", "xsd", "CEN EN 16931 UBL", "PEPPOL BIS 3"]
    assert result.findings == []


def test_missing_buyer_reference_is_peppol_r003():
    data = edited("vat-category-E.xml", ("<cbc:BuyerReference>test reference</cbc:BuyerReference>", ""))
    result = Validator().validate_bytes(data, "x.xml")
    assert not result.valid
    [finding] = result.findings
    assert finding.rule_id == "PEPPOL-EN16931-R003"
    assert finding.severity.value == "fatal"
    assert finding.location == "/Invoice[1]"
    assert finding.step == "PEPPOL BIS 3"
    assert finding.message == "A buyer reference or purchase order reference MUST be provided."


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


def test_sbdh_without_payload_is_lss_doc_010():
    env = sbdh(b"")
    result = Validator().validate_bytes(env, "env.xml")
    assert _fatal_ids(result) == ["LSS-DOC-010"]


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
    result = Validator("peppol-t111-3.0.15").validate_bytes(example_bytes("base-example.xml"), "b.xml")
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
    assert parsed["summary"] == {"documents": 1, "valid": 0, "invalid": 1, "fatal": 1, "warning": 0}
    assert parsed["results"][0]["findings"][0]["rule_id"] == "PEPPOL-EN16931-R003"
    svrl = etree.fromstring(report.render_svrl([result]).encode())
    failed = svrl.findall(".//{http://purl.oclc.org/dsdl/svrl}failed-assert")
    assert [(f.get("id"), f.get("flag"), f.get("location")) for f in failed] == [
        ("PEPPOL-EN16931-R003", "fatal", "/Invoice[1]")]
    text = report.render_text([result])
    assert text.splitlines()[1].startswith("  FATAL PEPPOL-EN16931-R003 (PEPPOL BIS 3) at /Invoice[1]")
