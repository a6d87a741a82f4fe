"""Every pre-check of the response builders is backed by the official rule it cites.

The builders of :mod:`peppol.responses` refuse early, naming a rule id, what the complete
official T111 / T71 rules (``PEPPOLBIS-T111.sch`` / ``PEPPOLBIS-T71.sch`` of each OpenPeppol
release, upstream's generated data-model rules included) reject. For each pre-check this
file

* asks the builder for the thing it refuses, and checks the refusal names the rule;
* writes a valid response with the builder, breaks the same thing in the XML with lxml
  (bypassing the pre-check; the document still passes the UBL 2.1 XSD, so the Schematron
  runs) and checks that the complete rules of every release held fire exactly that rule.

The one exception, PEPPOL-T111-R005, whose upstream test never fails, is pinned below. A
test also checks that no rule id is cited in the package without a case here, that the code
lists the builders hold are the rules' own, and that what the builders no longer refuse (the
rules accept it) builds and validates. peppol/ does not import validate/ (tests/test_layers.py),
so this proof lives here.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree
from stdnum import luhn

from peppol import codes
from peppol.responses import (
    RESPONSE_EAS_CODES, RESPONSE_ICD_CODES, UNCL1001_CODES, Clarification, Condition, Contact, DocumentParty,
    Endpoint, InvoiceReference, InvoiceResponse, LineResponse, MessageLevelResponse, MessageReference, PartyId,
    ResponseParty, ResponseRuleError,
)
from schemas.artefacts import artefact_path
from tests.helpers import edited
from validate.engine import Validator
from validate.findings import Severity
from validate.releases import all_releases

IR, MLR = "invoice-response", "mlr"
NS = {"cac": codes.UBL_CAC_NS, "cbc": codes.UBL_CBC_NS}

# --------------------------------------------------------------------------------------
# Valid responses, as in tests/test_peppol_responses.py: Tjörns kommun answers a synthetic
# supplier. Each breaks nothing (test_each_response_is_clean_before_it_is_edited).
# --------------------------------------------------------------------------------------
BUYER_ORGNR = "2120001306"  # Tjörns kommun
SUPPLIER_ORGNR = "556732170" + luhn.calc_check_digit("556732170")  # synthetic
BAD_ORGNR = SUPPLIER_ORGNR[:-1] + str((int(SUPPLIER_ORGNR[-1]) + 1) % 10)
TJORN = ResponseParty(endpoint=Endpoint(scheme="0007", id=BUYER_ORGNR), name="Tjörns kommun",
                      identification=PartyId(id=BUYER_ORGNR, scheme="0007"),
                      contact=Contact(name="Leverantörsreskontra", email="faktura@tjorn.se"))
SUPPLIER = ResponseParty(endpoint=Endpoint(scheme="0007", id=SUPPLIER_ORGNR), name="Assistans i Väst AB",
                         identification=PartyId(id=SUPPLIER_ORGNR, scheme="0007"))


def response(code: str, *clarifications: Clarification, **fields) -> InvoiceResponse:
    base = dict(id=f"IR-{code}-1", issue_date=date(2026, 11, 5), sender=TJORN, receiver=SUPPLIER, response_code=code,
                document_reference=InvoiceReference(id="2026-0042", issue_date=date(2026, 11, 2)),
                clarifications=clarifications)
    return InvoiceResponse(**(base | fields))


def mlr(code: str, *lines: LineResponse, **fields) -> MessageLevelResponse:
    base = dict(id=f"MLR-{code}-1", issue_date=date(2026, 11, 3), sender=TJORN.endpoint, receiver=SUPPLIER.endpoint,
                response_code=code, document_reference=MessageReference(id="6f1c1c5e-0001"), lines=lines)
    return MessageLevelResponse(**(base | fields))


STATUS_CASES = {
    "AB": response("AB", note="Fakturan är mottagen."),
    "UQ": response("UQ", Clarification.status_reason("REF", "Referens saknas",
                                                     [Condition(attribute_id="BT-10", description="4711")]),
                   Clarification.action("PIN", "Ange vår referens 4711")),
    "RE": response("RE", Clarification.status_reason("LEG", "F-skattebevis saknas"),
                   Clarification.status_reason("OTH", "Beslutet har upphört", [Condition(attribute_id="BT-11")]),
                   seller=DocumentParty(name="Assistans i Väst AB",
                                        identification=PartyId(id=SUPPLIER_ORGNR, scheme="0007"))),
    "PD": response("PD", Clarification.status_reason("PPD", "Delbetalning 120 000,00 SEK"),
                   effective_date=date(2026, 11, 30)),
}
MLR_CASES = {
    "AB": mlr("AB", description="Mottaget, ej validerat"),
    "AP": mlr("AP", LineResponse(line_id="/Invoice/cbc:Note[1]", description="[BR-CL-23] warning", issue="BW")),
    "RE": mlr("RE", LineResponse(line_id="/Invoice/cbc:ID[1]", description="[BR-02] error", issue="BV",
                                 response_code="RE"),
              document_reference=MessageReference(id="6f1c1c5e-0001", type_code="380", version_id="2.1")),
}


def swedish_invoice() -> bytes:
    return edited(
        "base-example.xml",
        ('<cbc:EndpointID schemeID="0088">9482348239847239874', f'<cbc:EndpointID schemeID="0007">{SUPPLIER_ORGNR}'),
        ('<cbc:EndpointID schemeID="0002">FR23342', f'<cbc:EndpointID schemeID="0007">{BUYER_ORGNR}'),
    )


@pytest.fixture(scope="module", params=[release.name for release in all_releases()])
def rules(request) -> Validator:
    """The complete T111/T71 rules of one release."""
    return Validator(release=request.param)


def fired(rules: Validator, xml: bytes, kind: str) -> tuple[set[str], set[str]]:
    """The fatal and the warning rule ids the complete rules report, after checking that the
    verdict is theirs: the XSD passed and the release's Schematron ran."""
    result = rules.validate_bytes(xml, "x.xml")
    assert result.document_type == kind
    prefix = "peppol-t111-" if kind == IR else "peppol-t71-"
    assert result.ruleset == prefix + rules.release.name
    assert not [f for s in result.steps if s.name in ("parse", "xsd") for f in s.findings if f.is_fatal]
    assert len(result.steps) == 3 and not any(s.skipped for s in result.steps)
    return ({f.rule_id for f in result.findings if f.is_fatal},
            {f.rule_id for f in result.findings if f.severity is Severity.WARNING})


# --------------------------------------------------------------------------------------
# Editing a builder-written response
# --------------------------------------------------------------------------------------
def edit(xml: bytes, path: str, change: Callable[[etree._Element], None], every: bool = False) -> bytes:
    root = etree.fromstring(xml)
    found = root.xpath(path, namespaces=NS)
    assert found, path
    for element in found if every else found[:1]:
        change(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def text(value: str) -> Callable[[etree._Element], None]:
    def change(element: etree._Element) -> None:
        element.text = value
    return change


def attribute(name: str, value: str | None) -> Callable[[etree._Element], None]:
    def change(element: etree._Element) -> None:
        if value is None:
            del element.attrib[name]
        else:
            element.set(name, value)
    return change


def drop(element: etree._Element) -> None:
    element.getparent().remove(element)


def empty(element: etree._Element) -> None:
    for child in list(element):
        element.remove(child)


def append(snippet: str) -> Callable[[etree._Element], None]:
    def change(element: etree._Element) -> None:
        element.append(etree.fromstring(f'<x xmlns:cac="{codes.UBL_CAC_NS}" xmlns:cbc="{codes.UBL_CBC_NS}">'
                                        f"{snippet}</x>")[0])
    return change


def both(*changes: Callable[[etree._Element], None]) -> Callable[[etree._Element], None]:
    def change(element: etree._Element) -> None:
        for one in changes:
            one(element)
    return change


def xml_of(code: str) -> Callable[[], bytes]:
    return lambda: STATUS_CASES[code].to_xml()


def mlr_of(code: str) -> Callable[[], bytes]:
    return lambda: MLR_CASES[code].to_xml()


def with_receiver(scheme: str, value: str) -> bytes:
    """An AB whose receiver has the electronic address scheme:value (valid: the builder wrote it)."""
    receiver = SUPPLIER.model_copy(update={"endpoint": Endpoint(scheme=scheme, id=value), "identification": None})
    return response("AB", receiver=receiver).to_xml()


def with_buyer_identifier() -> bytes:
    buyer = DocumentParty(name="Tjörns kommun", identification=PartyId(id=BUYER_ORGNR, scheme="0007"))
    return response("AB", buyer=buyer).to_xml()


SENDER_ENDPOINT = "/*/cac:SenderParty/cbc:EndpointID"
RECEIVER_ENDPOINT = "/*/cac:ReceiverParty/cbc:EndpointID"
SENDER_ID = "/*/cac:SenderParty/cac:PartyIdentification/cbc:ID"
RECEIVER_ID = "/*/cac:ReceiverParty/cac:PartyIdentification/cbc:ID"
RESPONSE = "/*/cac:DocumentResponse/cac:Response"
STATUS_CODE = f"{RESPONSE}/cac:Status/cbc:StatusReasonCode"
REFERENCE = "/*/cac:DocumentResponse/cac:DocumentReference"
LINE = "/*/cac:DocumentResponse/cac:LineResponse"


# --------------------------------------------------------------------------------------
# The pre-checks
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PreCheck:
    rule: str
    refuse: Callable[[], object]
    """The builder call the pre-check refuses."""
    broken: Callable[[], bytes]
    """A response the builder wrote, edited to break the same thing."""
    kind: str = IR
    warning: bool = False
    """The official rule is a warning (the builder refuses it by policy)."""


GLN, BAD_GLN = "7300010000001", "7300010000002"
NO_ORGNR, BAD_NO_ORGNR = "974760673", "974760674"
BE_NUMBER, BAD_BE_NUMBER = "0403170701", "0403170702"
ABN, BAD_ABN = "51824753556", "51824753557"

PRECHECKS: dict[str, PreCheck] = {
    # ---- published T111 rules
    "R001 RE without a clarification code": PreCheck(
        "PEPPOL-T111-R001", lambda: response("RE", Clarification(reason="text only")),
        lambda: edit(xml_of("RE")(), STATUS_CODE, drop, every=True)),
    "R002 OTH without a text": PreCheck(
        "PEPPOL-T111-R002", lambda: Clarification.status_reason("OTH"),
        lambda: edit(xml_of("RE")(), f"{RESPONSE}/cac:Status[cbc:StatusReasonCode='OTH']/cbc:StatusReason", drop),
        warning=True),
    "R004 PPD without a text": PreCheck(
        "PEPPOL-T111-R004", lambda: Clarification.status_reason("PPD"),
        lambda: edit(xml_of("PD")(), f"{RESPONSE}/cac:Status[cbc:StatusReasonCode='PPD']/cbc:StatusReason", drop)),
    "R006 a reason code under OPStatusAction": PreCheck(
        "PEPPOL-T111-R006", lambda: Clarification.action("REF", "x"),
        lambda: edit(xml_of("UQ")(), f"{STATUS_CODE}[@listID='OPStatusAction']", text("REF"))),
    "R007 an action code under OPStatusReason": PreCheck(
        "PEPPOL-T111-R007", lambda: Clarification.status_reason("NIN"),
        lambda: edit(xml_of("UQ")(), f"{STATUS_CODE}[@listID='OPStatusReason']", text("NIN"))),
    # ---- generated T111 data-model rules
    "B03001 an unknown status": PreCheck(
        "PEPPOL-T111-B03001", lambda: response("XX"),
        lambda: edit(xml_of("AB")(), f"{RESPONSE}/cbc:ResponseCode", text("XX"))),
    "B03302 a clarification code without listID": PreCheck(
        "PEPPOL-T111-B03302", lambda: Clarification(code="REF"),
        lambda: edit(xml_of("UQ")(), STATUS_CODE, attribute("listID", None))),
    "B03303 an unknown listID": PreCheck(
        "PEPPOL-T111-B03303", lambda: Clarification(list_id="UNCL4343", code="REF"),
        lambda: edit(xml_of("UQ")(), STATUS_CODE, attribute("listID", "UNCL4343"))),
    "B04201 a type code the T111 rules do not list": PreCheck(
        "PEPPOL-T111-B04201", lambda: InvoiceReference(id="1", type_code="875"),
        lambda: edit(xml_of("AB")(), f"{REFERENCE}/cbc:DocumentTypeCode", text("875"))),
    "B02003 a contact for the receiver": PreCheck(
        "PEPPOL-T111-B02003",
        lambda: response("AB", receiver=SUPPLIER.model_copy(update={"contact": Contact(name="x")})),
        lambda: edit(xml_of("AB")(), "/*/cac:ReceiverParty",
                     append("<cac:Contact><cbc:Name>x</cbc:Name></cac:Contact>"))),
    "B00902 the sender's EAS": PreCheck(
        "PEPPOL-T111-B00902",
        lambda: response("AB", sender=TJORN.model_copy(update={"endpoint": Endpoint(scheme="AN", id=BUYER_ORGNR)})),
        lambda: edit(xml_of("AB")(), SENDER_ENDPOINT, attribute("schemeID", "AN"))),
    "B02102 the receiver's EAS": PreCheck(
        "PEPPOL-T111-B02102",
        lambda: response("AB", receiver=SUPPLIER.model_copy(update={"endpoint": Endpoint(scheme="9999", id="x")})),
        lambda: edit(xml_of("AB")(), RECEIVER_ENDPOINT, attribute("schemeID", "9999"))),
    "B01201 the sender's ICD": PreCheck(
        "PEPPOL-T111-B01201",
        lambda: response("AB", sender=TJORN.model_copy(update={"identification": PartyId(id="x", scheme="SEPA")})),
        lambda: edit(xml_of("AB")(), SENDER_ID, attribute("schemeID", "SEPA"))),
    "B02401 the receiver's ICD": PreCheck(
        "PEPPOL-T111-B02401",
        lambda: response("AB", receiver=SUPPLIER.model_copy(update={"identification": PartyId(id="x", scheme="")})),
        lambda: edit(xml_of("AB")(), RECEIVER_ID, attribute("schemeID", ""))),
    "B04501 the seller's ICD": PreCheck(
        "PEPPOL-T111-B04501",
        lambda: response("AB", seller=DocumentParty(name="x", identification=PartyId(id="x", scheme="0001"))),
        lambda: edit(xml_of("RE")(), "//cac:IssuerParty/cac:PartyIdentification/cbc:ID",
                     attribute("schemeID", "0001"))),
    "B05101 the buyer's ICD": PreCheck(
        "PEPPOL-T111-B05101",
        lambda: response("AB", buyer=DocumentParty(name="x", identification=PartyId(id="x", scheme="0249"))),
        lambda: edit(with_buyer_identifier(), "//cac:RecipientParty/cac:PartyIdentification/cbc:ID",
                     attribute("schemeID", "0249"))),
    # ---- generated T71 data-model rules
    "T71 B01501 an unknown response code": PreCheck(
        "PEPPOL-T71-B01501", lambda: mlr("CA"),
        lambda: edit(mlr_of("AB")(), f"{RESPONSE}/cbc:ResponseCode", text("CA")), MLR),
    "T71 B02501 an unknown line response code": PreCheck(
        "PEPPOL-T71-B02501", lambda: LineResponse(description="x", issue="BV", response_code="UQ"),
        lambda: edit(mlr_of("RE")(), f"{LINE}/cac:Response/cbc:ResponseCode", text("UQ")), MLR),
    "T71 B02801 an unknown issue type": PreCheck(
        "PEPPOL-T71-B02801", lambda: LineResponse(description="x", issue="RVF"),
        lambda: edit(mlr_of("AP")(), f"{LINE}/cac:Response/cac:Status/cbc:StatusReasonCode", text("RVF")), MLR),
    "T71 B01901 a type code outside UNTDID 1001": PreCheck(
        "PEPPOL-T71-B01901", lambda: MessageReference(id="x", type_code="INV"),
        lambda: edit(mlr_of("RE")(), f"{REFERENCE}/cbc:DocumentTypeCode", text("INV")), MLR),
    "T71 B00802 the sender's EAS": PreCheck(
        "PEPPOL-T71-B00802", lambda: mlr("AB", sender=Endpoint(scheme="9999", id="x")),
        lambda: edit(mlr_of("AB")(), SENDER_ENDPOINT, attribute("schemeID", "9999")), MLR),
    "T71 B01102 a receiver without a scheme": PreCheck(
        "PEPPOL-T71-B01102", lambda: mlr("AB", receiver=Endpoint.parse(SUPPLIER_ORGNR)),
        lambda: edit(mlr_of("AB")(), RECEIVER_ENDPOINT, attribute("schemeID", "")), MLR),
    # ---- PEPPOL-COMMON-R001: no empty elements
    "R001 note": PreCheck(
        "PEPPOL-COMMON-R001", lambda: response("AB", note=" "),
        lambda: edit(xml_of("AB")(), "/*/cbc:Note", text(" "))),
    "R001 response id": PreCheck(
        "PEPPOL-COMMON-R001", lambda: response("AB", id=""),
        lambda: edit(xml_of("AB")(), "/*/cbc:ID", text(""))),
    "R001 endpoint id": PreCheck(
        "PEPPOL-COMMON-R001", lambda: Endpoint(scheme="0060", id=""),
        lambda: edit(xml_of("AB")(), SENDER_ENDPOINT, both(attribute("schemeID", "0060"), text("")))),
    "R001 party identifier": PreCheck(
        "PEPPOL-COMMON-R001", lambda: PartyId(id=" "),
        lambda: edit(xml_of("AB")(), SENDER_ID, both(attribute("schemeID", None), text(" ")))),
    "R001 party name": PreCheck(
        "PEPPOL-COMMON-R001", lambda: ResponseParty(endpoint=TJORN.endpoint, name=""),
        lambda: edit(xml_of("AB")(), "/*/cac:SenderParty/cac:PartyLegalEntity/cbc:RegistrationName", text(""))),
    "R001 contact": PreCheck(
        "PEPPOL-COMMON-R001", lambda: Contact(),
        lambda: edit(xml_of("AB")(), "/*/cac:SenderParty/cac:Contact", empty)),
    "R001 contact e-mail": PreCheck(
        "PEPPOL-COMMON-R001", lambda: Contact(email=""),
        lambda: edit(xml_of("AB")(), "/*/cac:SenderParty/cac:Contact/cbc:ElectronicMail", text(""))),
    "R001 clarification": PreCheck(
        "PEPPOL-COMMON-R001", lambda: Clarification(),
        lambda: edit(xml_of("AB")(), RESPONSE, append("<cac:Status/>"))),
    "R001 clarification reason": PreCheck(
        "PEPPOL-COMMON-R001", lambda: Clarification.status_reason("REF", "  "),
        lambda: edit(xml_of("UQ")(), f"{RESPONSE}/cac:Status/cbc:StatusReason", text("  "))),
    "R001 condition attribute id": PreCheck(
        "PEPPOL-COMMON-R001", lambda: Condition(attribute_id=""),
        lambda: edit(xml_of("UQ")(), "//cac:Condition/cbc:AttributeID", text(""))),
    "R001 condition description": PreCheck(
        "PEPPOL-COMMON-R001", lambda: Condition(attribute_id="BT-48", description=" "),
        lambda: edit(xml_of("UQ")(), "//cac:Condition/cbc:Description", text(" "))),
    "R001 invoice reference id": PreCheck(
        "PEPPOL-COMMON-R001", lambda: InvoiceReference(id=""),
        lambda: edit(xml_of("AB")(), f"{REFERENCE}/cbc:ID", text(""))),
    "R001 seller name": PreCheck(
        "PEPPOL-COMMON-R001", lambda: DocumentParty(name=""),
        lambda: edit(xml_of("RE")(), "//cac:IssuerParty/cac:PartyName/cbc:Name", text(""))),
    "T71 R001 response id": PreCheck(
        "PEPPOL-COMMON-R001", lambda: mlr("AB", id=" "),
        lambda: edit(mlr_of("AB")(), "/*/cbc:ID", text(" ")), MLR),
    "T71 R001 response description": PreCheck(
        "PEPPOL-COMMON-R001", lambda: mlr("AB", description=""),
        lambda: edit(mlr_of("AB")(), f"{RESPONSE}/cbc:Description", text("")), MLR),
    "T71 R001 message reference": PreCheck(
        "PEPPOL-COMMON-R001", lambda: MessageReference(id=""),
        lambda: edit(mlr_of("AB")(), f"{REFERENCE}/cbc:ID", text("")), MLR),
    "T71 R001 message version": PreCheck(
        "PEPPOL-COMMON-R001", lambda: MessageReference(id="x", version_id=""),
        lambda: edit(mlr_of("RE")(), f"{REFERENCE}/cbc:VersionID", text("")), MLR),
    "T71 R001 line id": PreCheck(
        "PEPPOL-COMMON-R001", lambda: LineResponse(line_id="", description="x", issue="BV"),
        lambda: edit(mlr_of("RE")(), f"{LINE}/cac:LineReference/cbc:LineID", text("")), MLR),
    "T71 R001 line description": PreCheck(
        "PEPPOL-COMMON-R001", lambda: LineResponse(description=" ", issue="BV"),
        lambda: edit(mlr_of("AP")(), f"{LINE}/cac:Response/cbc:Description", text(" ")), MLR),
    # ---- identifier check digits (common rules)
    "R049 endpoint": PreCheck(
        "PEPPOL-COMMON-R049", lambda: Endpoint(scheme="0007", id=BAD_ORGNR),
        lambda: edit(xml_of("AB")(), RECEIVER_ENDPOINT, text(BAD_ORGNR))),
    "R049 party identifier": PreCheck(
        "PEPPOL-COMMON-R049", lambda: PartyId(id=BAD_ORGNR, scheme="0007"),
        lambda: edit(xml_of("AB")(), RECEIVER_ID, text(BAD_ORGNR))),
    "T71 R049 endpoint": PreCheck(
        "PEPPOL-COMMON-R049", lambda: Endpoint(scheme="0007", id=BAD_ORGNR),
        lambda: edit(mlr_of("AB")(), RECEIVER_ENDPOINT, text(BAD_ORGNR)), MLR),
    "R040 GLN": PreCheck(
        "PEPPOL-COMMON-R040", lambda: Endpoint(scheme="0088", id=BAD_GLN),
        lambda: edit(with_receiver("0088", GLN), RECEIVER_ENDPOINT, text(BAD_GLN))),
    "R041 Norwegian organisation number": PreCheck(
        "PEPPOL-COMMON-R041", lambda: Endpoint(scheme="0192", id=BAD_NO_ORGNR),
        lambda: edit(with_receiver("0192", NO_ORGNR), RECEIVER_ENDPOINT, text(BAD_NO_ORGNR))),
    "R043 Belgian enterprise number": PreCheck(
        "PEPPOL-COMMON-R043", lambda: Endpoint(scheme="0208", id=BAD_BE_NUMBER),
        lambda: edit(with_receiver("0208", BE_NUMBER), RECEIVER_ENDPOINT, text(BAD_BE_NUMBER))),
    "R050 ABN": PreCheck(
        "PEPPOL-COMMON-R050", lambda: Endpoint(scheme="0151", id=BAD_ABN),
        lambda: edit(with_receiver("0151", ABN), RECEIVER_ENDPOINT, text(BAD_ABN))),
}


@pytest.mark.parametrize("case", sorted(PRECHECKS))
def test_the_builder_refuses_with_the_rule_it_cites(case):
    check = PRECHECKS[case]
    with pytest.raises(ResponseRuleError) as raised:
        check.refuse()
    assert raised.value.rule == check.rule
    assert BAD_ORGNR not in str(raised.value) and SUPPLIER_ORGNR not in str(raised.value)


@pytest.mark.parametrize("case", sorted(PRECHECKS))
def test_the_complete_rules_fire_exactly_that_rule(rules, case):
    check = PRECHECKS[case]
    fatal, warnings = fired(rules, check.broken(), check.kind)
    if check.warning:
        assert (fatal, warnings) == (set(), {check.rule})
    else:
        assert (fatal, warnings) == ({check.rule}, set())


def test_each_response_is_clean_before_it_is_edited(rules):
    """So each rule fired above is the edit's doing."""
    bases = [(STATUS_CASES[c].to_xml(), IR) for c in ("AB", "UQ", "RE", "PD")] + [
        (MLR_CASES[c].to_xml(), MLR) for c in ("AB", "AP", "RE")] + [
        (with_buyer_identifier(), IR)] + [
        (with_receiver(scheme, value), IR) for scheme, value in (("0088", GLN), ("0192", NO_ORGNR),
                                                                ("0208", BE_NUMBER), ("0151", ABN))]
    for xml, kind in bases:
        assert fired(rules, xml, kind) == (set(), set())


def test_reading_refuses_an_issue_date_as_r030_does(rules):
    """The one rule the readers cite that no builder can break (dates are written YYYY-MM-DD)."""
    xml = edit(xml_of("AB")(), "/*/cbc:IssueDate", text("2026-11-05Z"))
    assert fired(rules, xml, IR) == ({"PEPPOL-COMMON-R030"}, set())
    with pytest.raises(ResponseRuleError) as raised:
        InvoiceResponse.from_xml(xml)
    assert raised.value.rule == "PEPPOL-COMMON-R030"


def test_r005_is_the_one_pre_check_the_official_rules_never_confirm(rules):
    """PEPPOL-T111-R005 ("PPD SHALL only be used with PD", fatal) tests
    exists(/cbc:ResponseCode='PD'): from the document node that path selects nothing, the
    comparison is false() and exists(false()) is true. A PPD under AP passes the complete
    rules of every release held; the builder and the strict reader refuse it. When upstream
    mends the test this one fails: then R005 joins PRECHECKS."""
    xml = edit(xml_of("PD")(), f"{RESPONSE}/cbc:ResponseCode", text("AP"))
    assert fired(rules, xml, IR) == (set(), set())
    with pytest.raises(ResponseRuleError, match="^PEPPOL-T111-R005: "):
        InvoiceResponse.from_xml(xml)
    with pytest.raises(ResponseRuleError, match="^PEPPOL-T111-R005: "):
        response("AP", Clarification.status_reason("PPD", "half"))


def test_a_character_xml_cannot_hold_is_refused_without_a_peppol_rule():
    """No Schematron rule can judge what is not XML: the check has no official id. Without it
    lxml would fail while writing, with a message that names no field."""
    with pytest.raises(ResponseRuleError) as raised:
        response("AB", note="bell\x07")
    assert str(raised.value) == "XML: note contains a character XML 1.0 does not allow"
    with pytest.raises(ValueError, match="XML compatible"):
        etree.Element("Note").text = "bell\x07"


def test_no_rule_is_cited_in_the_package_without_a_case_here():
    """Every official rule id the package raises is proven above (R030 by the reader test,
    R005 pinned as the exception)."""
    import peppol.responses as package

    cited = set()
    for path in Path(package.__file__).parent.glob("*.py"):
        cited |= set(re.findall(r'"(PEPPOL-[A-Z0-9]+-[A-Z0-9]+)"', path.read_text(encoding="utf-8")))
    proven = {check.rule for check in PRECHECKS.values()} | {"PEPPOL-COMMON-R030", "PEPPOL-T111-R005"}
    assert cited == proven


# --------------------------------------------------------------------------------------
# Identifier checks: the builder accepts exactly what the rule accepts
# --------------------------------------------------------------------------------------
IDENTIFIER_VALUES = {
    "0007": ("PEPPOL-COMMON-R049", BUYER_ORGNR, [
        BUYER_ORGNR, BAD_ORGNR, f" {BUYER_ORGNR}\n", f"{BUYER_ORGNR}\u00a0", BUYER_ORGNR[:-1], BUYER_ORGNR + "0",
        "212000-1306", "16" + BUYER_ORGNR, "abcdefghij", "0000000000"]),
    "0088": ("PEPPOL-COMMON-R040", GLN, [GLN, BAD_GLN, "0", "00", "5798000012349", "5798000012348", f" {GLN} ",
                                         "73000100000019", "7300-010000001"]),
    "0192": ("PEPPOL-COMMON-R041", NO_ORGNR, [NO_ORGNR, BAD_NO_ORGNR, "000000000", "987654325", "987654321",
                                              "97476067", "974 760 673"]),
    "0208": ("PEPPOL-COMMON-R043", BE_NUMBER, [BE_NUMBER, BAD_BE_NUMBER, "0000000097", "1403170701",
                                               "040317070", "0403.170.701"]),
    "0151": ("PEPPOL-COMMON-R050", ABN, [ABN, BAD_ABN, "5182475355", "51 824 753 556", "00000000000"]),
}


@pytest.mark.parametrize("scheme", sorted(IDENTIFIER_VALUES))
def test_the_identifier_pre_checks_accept_exactly_what_the_rules_accept(rules, scheme):
    rule, good, values = IDENTIFIER_VALUES[scheme]
    base = with_receiver(scheme, good)
    for value in values:
        try:
            Endpoint(scheme=scheme, id=value)
            refused = None
        except ResponseRuleError as exc:
            refused = exc.rule
        fatal, _ = fired(rules, edit(base, RECEIVER_ENDPOINT, text(value)), IR)
        assert (refused == rule) == (rule in fatal), (scheme, rule, fatal)
        assert refused in (None, rule)


# --------------------------------------------------------------------------------------
# The code lists the builders hold are the rules' own
# --------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def rule_lists(release: str, transaction: str) -> dict[str, frozenset[str]]:
    """The code lists (``<let name="cl…" value="tokenize('…')"/>``) of a release's T111/T71 rules."""
    name = next(r for r in all_releases() if r.name == release).file(transaction.lower())
    found = re.findall(r'<let\s+name="(cl[^"]*)"\s+value="tokenize\(\'([^\']*)\'', artefact_path(name).read_text())
    return {list_name: frozenset(values.split()) for list_name, values in found}


def _every(list_name: str, transaction: str) -> list[frozenset[str]]:
    return [rule_lists(r.name, transaction)[list_name] for r in all_releases()]


def test_the_scheme_lists_are_the_union_over_the_releases():
    assert RESPONSE_EAS_CODES == frozenset().union(*_every("cleas", "T111"), *_every("cleas", "T71"))
    assert RESPONSE_ICD_CODES == frozenset().union(*_every("clICD", "T111"))
    # The lists do change between releases: a union, not any one release's list.
    assert len(set(_every("cleas", "T111"))) > 1 and len(set(_every("clICD", "T111"))) > 1


def test_the_other_code_lists_are_those_of_every_release():
    for transaction in ("T111", "T71"):
        assert set(_every("clUNCL1001", transaction)) == {UNCL1001_CODES}
    assert set(_every("clUNCL4343-T111", "T111")) == {frozenset(codes.INVOICE_STATUS_CODES)}
    assert set(_every("clOPStatusReason", "T111")) == {frozenset(codes.STATUS_REASON_CODES)}
    assert set(_every("clOPStatusAction", "T111")) == {frozenset(codes.STATUS_ACTION_CODES)}
    assert set(_every("clClarificationListID", "T111")) == {
        frozenset({codes.STATUS_REASON_LIST_ID, codes.STATUS_ACTION_LIST_ID})}
    assert set(_every("clUNCL4343", "T71")) == {frozenset(codes.MESSAGE_STATUS_CODES)}
    assert set(_every("clStatusReason", "T71")) == {frozenset(codes.MLR_ISSUE_TYPES)}


def test_a_scheme_only_some_releases_list_passes_the_builder_and_is_judged_by_the_release():
    """EAS 0242 is listed from 2026.5 on, 0037 until 2025.11, ICD 0245 from 2026.5 on: the
    builder writes them all, and the rules of the release in force judge (ingest.replies
    validates with those of the response's issue date)."""
    documents = (with_receiver("0242", "12345"), with_receiver("0037", "12345"),
                 response("AB", receiver=SUPPLIER.model_copy(update={"identification": PartyId(id="x", scheme="0245")}))
                 .to_xml())
    verdicts = {r.name: [fired(Validator(release=r.name), xml, IR)[0] for xml in documents] for r in all_releases()}
    assert verdicts == {"2025.5": [{"PEPPOL-T111-B02102"}, set(), {"PEPPOL-T111-B02401"}],
                        "2025.11": [{"PEPPOL-T111-B02102"}, set(), {"PEPPOL-T111-B02401"}],
                        "2026.5": [set(), {"PEPPOL-T111-B02102"}, set()]}


# --------------------------------------------------------------------------------------
# What the builders no longer refuse: the complete rules accept it
# --------------------------------------------------------------------------------------
def _accepted() -> dict[str, tuple[Callable[[], bytes], str]]:
    return {
        "MLR AB with a line response": (
            lambda: mlr("AB", LineResponse(description="x", issue="BW")).to_xml(), MLR),
        "MLR AP with an error": (lambda: mlr("AP", LineResponse(description="x", issue="BV")).to_xml(), MLR),
        "MLR RE without line responses": (lambda: mlr("RE").to_xml(), MLR),
        "MLR RE with warnings only": (lambda: mlr("RE", LineResponse(description="x", issue="BW")).to_xml(), MLR),
        "MLR type code 1999 (four digits)": (
            lambda: mlr("AB", document_reference=MessageReference(id="x", type_code="1999")).to_xml(), MLR),
        "a clarification with conditions only": (
            lambda: response("AB", Clarification(conditions=[Condition(attribute_id="BT-1")])).to_xml(), IR),
        "a listID without a code (the list is not written)": (
            lambda: response("AB", Clarification(list_id="OPStatusReason", reason="x")).to_xml(), IR),
        "a document type that is no invoice": (
            lambda: response("AB", document_reference=InvoiceReference(id="1", type_code="220")).to_xml(), IR),
    }


@pytest.mark.parametrize("case", sorted(_accepted()))
def test_what_the_rules_accept_the_builders_build(rules, case):
    build, kind = _accepted()[case]
    assert fired(rules, build(), kind) == (set(), set())


# --------------------------------------------------------------------------------------
# ingest: every response is checked with the rules in force on its issue date
# --------------------------------------------------------------------------------------
def test_the_replier_checks_a_response_with_the_rules_of_its_issue_date():
    from ingest.analysis import Answer
    from ingest.municipal import Receiver
    from ingest.replies import Replier, ResponseInvalid

    invoice = etree.fromstring(swedish_invoice().replace(
        f'<cbc:EndpointID schemeID="0007">{SUPPLIER_ORGNR}'.encode(), b'<cbc:EndpointID schemeID="0242">12345'))
    replier = Replier(Receiver("Tjörns kommun", "tjorn", f"0007:{BUYER_ORGNR}", ()))
    kind, code, receiver, xml = replier.invoice_response(invoice, 1, Answer("T111", "AB"), date(2026, 9, 1))
    assert (kind, code, receiver) == ("T111", "AB", "0242:12345")
    with pytest.raises(ResponseInvalid, match="PEPPOL-T111-B02102"):  # 2025.5 alone was in force
        replier.invoice_response(invoice, 1, Answer("T111", "AB"), date(2025, 9, 1))
