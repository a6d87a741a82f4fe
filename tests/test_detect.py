"""Document detection on the official examples and on documents it must refuse."""
from __future__ import annotations

import pytest
from lxml import etree

from schemas.artefacts import artefact_path
from validate.detect import (BIS_BILLING_3, EN16931, DocumentType, Kind, UnknownDocument, detect,
                             sbdh_payload)
from validate.findings import Severity
from validate.xmlsafe import parse_file, parse_xml

BILLING = "peppol-bis-billing-3.0.19/rules/examples/"
POACC = "peppol-poacc-3.0.15/rules/examples/"
UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
BILLING_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

EXAMPLES = {
    BILLING + "Allowance-example.xml": "invoice",
    BILLING + "Vat-category-S.xml": "invoice",
    BILLING + "base-creditnote-correction.xml": "creditnote",
    BILLING + "base-example.xml": "invoice",
    BILLING + "base-negative-inv-correction.xml": "invoice",
    BILLING + "sales-order-example.xml": "invoice",
    BILLING + "vat-category-E.xml": "invoice",
    BILLING + "vat-category-O.xml": "invoice",
    BILLING + "vat-category-Z.xml": "invoice",
    POACC + "InvoiceResponse_Example.xml": "invoice-response",
    POACC + "MessageLevelResponse_Example.xml": "mlr",
}


def invoice(customization: str | None, root: str = "Invoice", ns: str = UBL + "Invoice-2") -> bytes:
    cid = f"<cbc:CustomizationID>{customization}</cbc:CustomizationID>" if customization is not None else ""
    return (f'<{root} xmlns="{ns}" xmlns:cbc="{UBL}CommonBasicComponents-2">\n'
            f"  {cid}\n  <cbc:ProfileID>{BILLING_PROFILE}</cbc:ProfileID>\n</{root}>").encode()


def refused(tree, **kwargs) -> UnknownDocument:
    with pytest.raises(UnknownDocument) as info:
        detect(tree, **kwargs)
    assert info.value.finding.severity is Severity.FATAL
    return info.value


def test_every_official_example_is_covered():
    folders = [artefact_path(BILLING + "base-example.xml").parent,
               artefact_path(POACC + "InvoiceResponse_Example.xml").parent]
    on_disk = {f"{folder.parent.parent.name}/rules/examples/{p.name}"
               for folder in folders for p in folder.glob("*.xml")}
    assert on_disk == set(EXAMPLES)


@pytest.mark.parametrize("relpath,kind", sorted(EXAMPLES.items()))
def test_official_examples(relpath, kind):
    found = detect(parse_file(artefact_path(relpath)))
    assert found.kind == kind
    assert found.kind is Kind(kind)
    assert found.extension is False
    if kind in ("invoice", "creditnote"):
        assert found.customization_id == BIS_BILLING_3
        assert found.profile_id == BILLING_PROFILE
        assert found.is_bis_billing_3 and found.is_en16931
        local = "Invoice" if kind == "invoice" else "CreditNote"
        assert found.root == f"{{{UBL}{local}-2}}{local}"
    elif kind == "invoice-response":
        assert found.customization_id == "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
        assert found.profile_id == "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
        assert found.local_name == "ApplicationResponse"
    else:
        assert found.customization_id == "urn:fdc:peppol.eu:poacc:trns:mlr:3"
        assert found.profile_id == "urn:fdc:peppol.eu:poacc:bis:mlr:3"
        assert not found.is_en16931


def test_unknown_root_names_the_root():
    tree = parse_xml(invoice(BIS_BILLING_3, root="Order", ns=UBL + "Order-2"))
    error = refused(tree)
    assert error.rule_id == "LSS-DOC-001"
    assert f"root element {{{UBL}Order-2}}Order (line 1) is not a supported document" in error.finding.message
    assert error.finding.location == "/*"


def test_invoice_in_a_foreign_namespace_is_unknown():
    error = refused(parse_xml(invoice(BIS_BILLING_3, ns="urn:example:not-ubl")))
    assert error.rule_id == "LSS-DOC-001"
    assert "{urn:example:not-ubl}Invoice" in error.finding.message


def test_root_without_namespace_is_unknown():
    error = refused(parse_xml(b"<Invoice/>"))
    assert error.rule_id == "LSS-DOC-001"
    assert "root element {}Invoice" in error.finding.message


def test_bad_customization_id_names_the_value():
    error = refused(parse_xml(invoice("urn:www.example.com:my-own-invoice:1")))
    assert error.rule_id == "LSS-DOC-002"
    assert "'urn:www.example.com:my-own-invoice:1'" in error.finding.message
    assert "line 1" in error.finding.message
    assert error.finding.location == "/*/cbc:CustomizationID"


def test_bad_customization_accepted_when_not_strict():
    found = detect(parse_xml(invoice("123")), strict=False)
    assert found.kind == "invoice"
    assert found.customization_id == "123"
    assert not found.is_en16931


def test_missing_customization_id():
    error = refused(parse_xml(invoice(None)))
    assert error.rule_id == "LSS-DOC-002"
    assert "missing CustomizationID" in error.finding.message
    assert detect(parse_xml(invoice(None)), strict=False).customization_id == ""


def test_official_unit_test_with_customization_123_is_refused_when_strict():
    """CEN unit test BR-01: an Invoice inside a VEFA testSet, CustomizationID '123'."""
    testset = parse_file(artefact_path("cen-en16931-validation-1.3.16/test/Invoice-unit-UBL/BR-01.xml"))
    first = testset.getroot().find(f".//{{{UBL}Invoice-2}}Invoice")
    error = refused(first)
    assert error.rule_id == "LSS-DOC-002"
    assert "CustomizationID '123'" in error.finding.message


def test_peppol_r004_unit_test_customizations():
    """Official PEPPOL-EN16931-R004 tests: BIS 3, BIS 3 + EHF, and a malformed EHF one."""
    testset = parse_file(artefact_path("peppol-bis-billing-3.0.19/rules/unit-UBL-PEPPOL/PEPPOL-EN16931-R004.xml"))
    found = [detect(el) for el in testset.getroot().iter(f"{{{UBL}Invoice-2}}Invoice")]
    assert [(f.is_bis_billing_3, f.extension) for f in found] == [(True, False), (True, True), (False, False)]
    assert all(f.is_en16931 for f in found)


@pytest.mark.parametrize("customization,extension", [
    (EN16931, False),
    (EN16931 + "#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", False),
    (EN16931 + "#conformant#urn:example:extension:1", True),
    (BIS_BILLING_3 + "#conformant#urn:fdc:peppol.eu:2017:poacc:billing:international:aunz:3.0", True),
])
def test_en16931_family_accepted(customization, extension):
    found = detect(parse_xml(invoice(customization)))
    assert found.customization_id == customization
    assert found.extension is extension


def test_en16931_prefix_must_end_at_a_separator():
    assert refused(parse_xml(invoice(EN16931 + "9"))).rule_id == "LSS-DOC-002"


def test_customization_whitespace_is_normalised():
    found = detect(parse_xml(invoice(f"\n   {BIS_BILLING_3}\n  ")))
    assert found.customization_id == BIS_BILLING_3


def test_creditnote_with_bad_customization():
    error = refused(parse_xml(invoice("urn:x", root="CreditNote", ns=UBL + "CreditNote-2")))
    assert error.rule_id == "LSS-DOC-002"
    assert error.finding.message.startswith("CreditNote (line 1) has CustomizationID 'urn:x'")


def test_unknown_application_response_refused_even_when_not_strict():
    data = invoice("urn:fdc:peppol.eu:poacc:trns:order_response:3", root="ApplicationResponse",
                   ns=UBL + "ApplicationResponse-2")
    for strict in (True, False):
        error = refused(parse_xml(data), strict=strict)
        assert error.rule_id == "LSS-DOC-002"
        assert "'urn:fdc:peppol.eu:poacc:trns:order_response:3'" in error.finding.message


def test_mlr_with_further_parts_is_an_extension():
    data = invoice("urn:fdc:peppol.eu:poacc:trns:mlr:3#urn:example:sub", root="ApplicationResponse",
                   ns=UBL + "ApplicationResponse-2")
    found = detect(parse_xml(data))
    assert (found.kind, found.extension) == ("mlr", True)


SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"


def sbdh_around(payload: bytes) -> bytes:
    return (f'<StandardBusinessDocument xmlns="{SBDH_NS}">\n'
            "  <StandardBusinessDocumentHeader><HeaderVersion>1.0</HeaderVersion>"
            "</StandardBusinessDocumentHeader>\n").encode() + payload + b"\n</StandardBusinessDocument>"


def test_sbdh_envelope_and_its_payload():
    body = artefact_path(BILLING + "base-example.xml").read_bytes().split(b"?>", 1)[1]
    tree = parse_xml(sbdh_around(body))
    found = detect(tree)
    assert found == DocumentType(Kind.SBDH, SBDH_NS, "StandardBusinessDocument")
    payload = sbdh_payload(tree)
    assert etree.QName(payload).localname == "Invoice"
    assert detect(payload).kind == "invoice"


def test_sbdh_without_payload():
    tree = parse_xml(sbdh_around(b"<!-- nothing -->"))
    assert detect(tree).kind == "sbdh"
    assert sbdh_payload(tree) is None
    assert sbdh_payload(parse_xml(invoice(BIS_BILLING_3))) is None
