"""UBL 2.1 XSD step: official examples pass, broken documents give UBL-XSD findings."""
from __future__ import annotations

import pytest

from schemas.artefacts import artefact_path
from validate import xsd
from validate.detect import detect
from validate.findings import Severity
from validate.xmlsafe import parse_file, parse_xml
from validate.xsd import XsdLoadError, compile_schema, validate_xsd, validator_for

BILLING = "peppol-bis-billing-3.0.19/rules/examples/"
POACC = "peppol-poacc-3.0.15/rules/examples/"
BASE_EXAMPLE = BILLING + "base-example.xml"
SECRET = "S3CRET-xsd-4711"


def official_examples() -> list[str]:
    names = sorted(p.name for p in artefact_path(BASE_EXAMPLE).parent.glob("*.xml"))
    return [BILLING + name for name in names] + [POACC + "InvoiceResponse_Example.xml",
                                                 POACC + "MessageLevelResponse_Example.xml"]


def base_example() -> bytes:
    return artefact_path(BASE_EXAMPLE).read_bytes()


def test_all_official_examples_are_found():
    """Nine BIS Billing 3.0.19 examples, plus the Invoice Response and MLR examples."""
    assert len(official_examples()) == 11


@pytest.mark.parametrize("relpath", official_examples())
def test_official_examples_are_xsd_valid(relpath):
    tree = parse_file(artefact_path(relpath))
    assert validate_xsd(tree, detect(tree)) == []


def test_element_out_of_order():
    lines = base_example().split(b"\n")
    assert lines[6].strip() == b"<cbc:ID>Snippet1</cbc:ID>"
    assert lines[7].strip() == b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>"
    lines[6], lines[7] = lines[7], lines[6]
    findings = validate_xsd(parse_xml(b"\n".join(lines)), "invoice")
    assert len(findings) == 1
    finding = findings[0]
    assert finding.rule_id == "UBL-XSD"
    assert finding.severity is Severity.FATAL
    assert finding.is_fatal
    assert finding.location == "line 7, /*/cbc:IssueDate"
    assert finding.message.startswith(
        "Element '{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}IssueDate': "
        "This element is not expected.")
    assert (finding.ruleset, finding.step) == ("oasis-ubl-2.1", "xsd")


def test_unknown_element():
    data = base_example().replace(b"<cbc:DueDate>", b"<cbc:PaymentDueSoon>x</cbc:PaymentDueSoon><cbc:DueDate>")
    findings = validate_xsd(parse_xml(data), "invoice")
    assert [(f.rule_id, f.location) for f in findings] == [("UBL-XSD", "line 9, /*/cbc:PaymentDueSoon")]
    assert "PaymentDueSoon': This element is not expected" in findings[0].message


def test_invalid_date_value():
    data = base_example().replace(b"<cbc:IssueDate>2017-11-13<", b"<cbc:IssueDate>2017-13-45<")
    findings = validate_xsd(parse_xml(data), "invoice")
    assert len(findings) == 1
    assert findings[0].location == "line 8, /*/cbc:IssueDate"
    assert "'2017-13-45' is not a valid value of the atomic type 'xs:date'" in findings[0].message


def test_one_finding_per_error():
    data = (base_example()
            .replace(b"<cbc:IssueDate>2017-11-13<", b"<cbc:IssueDate>not-a-date<")
            .replace(b"<cbc:DueDate>2017-12-01<", b"<cbc:DueDate>nor-this<"))
    findings = validate_xsd(parse_xml(data), "invoice")
    assert [f.location for f in findings] == ["line 8, /*/cbc:IssueDate", "line 9, /*/cbc:DueDate"]


def test_invoice_validated_as_creditnote_fails():
    findings = validate_xsd(parse_xml(base_example()), "creditnote")
    assert len(findings) == 1
    assert findings[0].rule_id == "UBL-XSD"
    assert "No matching global declaration available for the validation root" in findings[0].message
    assert findings[0].location == "line 4, /*"  # libxml2 counts the root tag's last line


def test_validators_are_cached_per_schema_file():
    assert validator_for("invoice") is validator_for("invoice")
    assert validator_for("invoice-response") is validator_for("mlr")
    assert validator_for("invoice") is not validator_for("creditnote")
    assert validator_for("invoice").path == artefact_path("oasis-ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd")


def test_kinds_without_a_schema():
    with pytest.raises(ValueError, match="SBDH payload"):
        validate_xsd(parse_xml(b"<a/>"), "sbdh")
    with pytest.raises(ValueError, match="unknown document kind 'order'"):
        validate_xsd(parse_xml(b"<a/>"), "order")


# --- schema loading only reads local files under the xsd folder ------------------------------

def schema_tree(tmp_path, imports: str, sub: str | None = None):
    """A tmp ``xsd/maindoc/main.xsd`` (+ optional ``xsd/common/sub.xsd``)."""
    (tmp_path / "xsd" / "maindoc").mkdir(parents=True)
    (tmp_path / "xsd" / "common").mkdir()
    if sub is not None:
        (tmp_path / "xsd" / "common" / "sub.xsd").write_text(sub)
    main = tmp_path / "xsd" / "maindoc" / "main.xsd"
    main.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a">'
                    f'{imports}<xs:element name="a" type="xs:string"/></xs:schema>')
    return main


SUB = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b">'
       '<xs:element name="b" type="xs:string"/></xs:schema>')


def test_local_imports_inside_the_folder_load(tmp_path):
    main = schema_tree(tmp_path, '<xs:import namespace="urn:b" schemaLocation="../common/sub.xsd"/>', SUB)
    schema = compile_schema(main)
    assert schema.validate(parse_xml(b'<a xmlns="urn:a">x</a>'))


@pytest.mark.parametrize("location", ["http://attacker.invalid/evil.xsd", "../../outside.xsd"])
def test_imports_from_outside_the_folder_are_refused(tmp_path, location):
    (tmp_path / "outside.xsd").write_text(SUB)
    main = schema_tree(tmp_path, f'<xs:import namespace="urn:b" schemaLocation="{location}"/>')
    with pytest.raises(XsdLoadError, match="refused"):
        compile_schema(main)


def test_external_entity_in_an_imported_schema_is_never_read(tmp_path):
    """libxml2 parses imported schemas with entity substitution on; the resolver stops it."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    sub = (f'<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
           '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b">'
           '<xs:annotation><xs:documentation>&x;</xs:documentation></xs:annotation>'
           '<xs:element name="b" type="xs:string"/></xs:schema>')
    main = schema_tree(tmp_path, '<xs:import namespace="urn:b" schemaLocation="../common/sub.xsd"/>', sub)
    with pytest.raises(XsdLoadError) as info:
        compile_schema(main)
    assert secret.as_uri() in str(info.value)
    assert SECRET not in str(info.value)


def test_the_real_ubl_schemas_need_nothing_from_outside():
    """Loading Invoice, CreditNote and ApplicationResponse refused no request at all."""
    for kind in ("invoice", "creditnote", "mlr"):
        assert isinstance(validator_for(kind), xsd.XsdValidator)
