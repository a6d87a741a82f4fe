"""Invoice Response (T111) and Message Level Response (T71) builders and readers.

Every response built here is validated in the test with the project's engine, against the
complete official T111 / T71 rules (UBL 2.1 XSD and the release's PEPPOLBIS-T111.sch /
PEPPOLBIS-T71.sch, generated data-model rules included) of each OpenPeppol release held:
the ``validator`` fixture runs each test once per release. No fatal and no warning finding.
The parties are Swedish: Tjörns kommun (2120001306) answers a synthetic supplier whose
organisation number gets its Luhn check digit computed below. That each builder pre-check is
backed by the official rule it cites is proven in tests/test_response_prechecks.py.
"""
from __future__ import annotations

from datetime import date, time

import pytest
from lxml import etree
from stdnum import luhn

from peppol.responses import (
    INVOICE_RESPONSE_CUSTOMIZATION_ID, MLR_CUSTOMIZATION_ID, Clarification, ClarificationList, Condition, Contact,
    DocumentParty, Endpoint, InvoiceReference, InvoiceResponse, InvoiceStatus, IssueType, LineResponse,
    MessageLevelResponse, MessageReference, MessageStatus, PartyId, ResponseParty, ResponseRuleError,
    received_message,
)
from schemas.artefacts import artefact_path
from tests.helpers import edited, sbdh
from validate.engine import Validator
from validate.findings import Severity
from validate.releases import all_releases

POACC = "peppol-poacc-3.0.15/rules"

BUYER_ORGNR = "2120001306"  # Tjörns kommun
SUPPLIER_ORGNR = "556732170" + luhn.calc_check_digit("556732170")  # synthetic
BAD_ORGNR = SUPPLIER_ORGNR[:-1] + str((int(SUPPLIER_ORGNR[-1]) + 1) % 10)

TJORN = ResponseParty(
    endpoint=Endpoint(scheme="0007", id=BUYER_ORGNR),
    identification=PartyId(id=BUYER_ORGNR, scheme="0007"),
    name="Tjörns kommun",
    contact=Contact(name="Leverantörsreskontra", telephone="0304-60 10 00", email="faktura@tjorn.se"),
)
SUPPLIER = ResponseParty(
    endpoint=Endpoint(scheme="0007", id=SUPPLIER_ORGNR),
    identification=PartyId(id=SUPPLIER_ORGNR, scheme="0007"),
    name="Assistans i Väst AB",
)
INVOICE = InvoiceReference(id="2026-0042", issue_date=date(2026, 11, 2), type_code="380")


@pytest.fixture(scope="module", params=[release.name for release in all_releases()])
def validator(request) -> Validator:
    """The complete T111/T71 rules of one release (each test using it runs for every release)."""
    return Validator(release=request.param)


def assert_clean(validator: Validator, xml: bytes, kind: str) -> None:
    result = validator.validate_bytes(xml, "r.xml")
    findings = [(f.rule_id, f.severity.value, f.message) for f in result.findings]
    assert result.document_type == kind
    assert result.valid and result.outcome.value == "valid", findings
    assert not [f for f in result.findings if f.severity is Severity.FATAL], findings
    assert not [f for f in result.findings if f.severity is Severity.WARNING], findings
    release = validator.release.name
    assert result.release == release
    assert result.ruleset == (f"peppol-t111-{release}" if kind == "invoice-response" else f"peppol-t71-{release}")
    # The XSD step and the Schematron step (the complete rules) both ran.
    schematron = "PEPPOL T111" if kind == "invoice-response" else "PEPPOL T71"
    assert [s.name for s in result.steps] == ["parse", "xsd", schematron]
    assert not any(s.skipped for s in result.steps)


def response(code: InvoiceStatus | str, *clarifications: Clarification, **fields) -> InvoiceResponse:
    base = dict(id=f"IR-{code}-1", issue_date=date(2026, 11, 5), issue_time=time(9, 30, 0), sender=TJORN,
                receiver=SUPPLIER, response_code=code, document_reference=INVOICE, clarifications=clarifications)
    base.update(fields)
    return InvoiceResponse(**base)


# One response per status, each with clarifications as a municipality would send them.
STATUS_CASES = {
    "AB": response("AB", note="Fakturan är mottagen."),
    "IP": response("IP", Clarification.status_reason("NON"), effective_date=date(2026, 11, 5)),
    "UQ": response(
        "UQ",
        Clarification.status_reason("REF", "Referens saknas", [Condition(attribute_id="BT-10", description="4711")]),
        Clarification.action("PIN", "Ange vår referens 4711"),
    ),
    "CA": response(
        "CA",
        Clarification.status_reason("QTY", "Timmarna stämmer inte med tidrapporten",
                                    [Condition(attribute_id="BT-129", description="712.5")]),
        Clarification.action("CNP"),
        effective_date=date(2026, 11, 6),
    ),
    "RE": response(
        "RE",
        Clarification.status_reason("LEG", "F-skattebevis saknas"),
        Clarification.action("NIN", "Skicka en ny faktura"),
        Clarification(reason="Fritext utan kod"),
        Clarification.status_reason("OTH", "Beslutet har upphört", [Condition(attribute_id="BT-11")]),
        effective_date=date(2026, 11, 6),
        seller=DocumentParty(name="Assistans i Väst AB", identification=PartyId(id=SUPPLIER_ORGNR, scheme="0007")),
        buyer=DocumentParty(name="Tjörns kommun"),
    ),
    "AP": response("AP", effective_date=date(2026, 11, 10)),
    "PD": response(
        "PD",
        Clarification.status_reason("PPD", "Delbetalning 120 000,00 SEK; resterande efter utredning"),
        effective_date=date(2026, 11, 30),
    ),
}


@pytest.mark.parametrize("code", ["AB", "IP", "UQ", "CA", "RE", "AP", "PD"])
def test_every_invoice_status_builds_validates_and_round_trips(validator, code):
    built = STATUS_CASES[code]
    assert built.response_code is InvoiceStatus(code)
    xml = built.to_xml()
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ApplicationResponse')
    assert b"UBLExtensions" not in xml
    assert_clean(validator, xml, "invoice-response")
    assert InvoiceResponse.from_xml(xml) == built
    assert InvoiceResponse.from_xml(etree.ElementTree(etree.fromstring(xml))) == built
    assert InvoiceResponse.from_xml(etree.fromstring(xml)) == built


def test_every_status_code_is_covered():
    assert set(STATUS_CASES) == {s.value for s in InvoiceStatus}


def test_written_invoice_response_has_the_xsd_order_and_the_official_identifiers():
    xml = STATUS_CASES["RE"].to_xml()
    root = etree.fromstring(xml)
    local = [etree.QName(e).localname for e in root]
    assert local == ["CustomizationID", "ProfileID", "ID", "IssueDate", "IssueTime",
                     "SenderParty", "ReceiverParty", "DocumentResponse"]
    ns = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
          "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert root.findtext("cbc:CustomizationID", namespaces=ns) == INVOICE_RESPONSE_CUSTOMIZATION_ID
    assert root.findtext("cbc:ProfileID", namespaces=ns) == "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
    sender = root.find("cac:SenderParty", ns)
    assert [etree.QName(e).localname for e in sender] == [
        "EndpointID", "PartyIdentification", "PartyLegalEntity", "Contact"]
    assert sender.find("cbc:EndpointID", ns).get("schemeID") == "0007"
    doc = root.find("cac:DocumentResponse", ns)
    assert [etree.QName(e).localname for e in doc] == ["Response", "DocumentReference", "IssuerParty", "RecipientParty"]
    statuses = doc.findall("cac:Response/cac:Status", ns)
    assert [s.find("cbc:StatusReasonCode", ns).get("listID") if s.find("cbc:StatusReasonCode", ns) is not None else None
            for s in statuses] == ["OPStatusReason", "OPStatusAction", None, "OPStatusReason"]
    assert [etree.QName(e).localname for e in statuses[3]] == ["StatusReasonCode", "StatusReason", "Condition"]
    assert root.findtext("cac:DocumentResponse/cac:DocumentReference/cbc:IssueDate", namespaces=ns) == "2026-11-02"
    # Every element has content (PEPPOL-COMMON-R001).
    assert all((e.text or "").strip() for e in root.iter() if len(e) == 0)


def test_clarification_names_and_condition_details():
    uq = STATUS_CASES["UQ"]
    assert [c.name for c in uq.clarifications] == ["References incorrect", "Provide information"]
    assert uq.clarifications[0].list_id is ClarificationList.REASON
    assert uq.clarifications[0].conditions == (Condition(attribute_id="BT-10", description="4711"),)
    assert Clarification(reason="text only").name is None


# --------------------------------------------------------------------------------------
# Message Level Response
# --------------------------------------------------------------------------------------
def mlr(code: MessageStatus | str, *lines: LineResponse, **fields) -> MessageLevelResponse:
    base = dict(id=f"MLR-{code}-1", issue_date=date(2026, 11, 3), issue_time=time(8, 0),
                sender=Endpoint(scheme="0007", id=BUYER_ORGNR), receiver=Endpoint(scheme="0007", id=SUPPLIER_ORGNR),
                response_code=code, document_reference=MessageReference(id="6f1c1c5e-1111-4c3e-9a55-000000000001"),
                lines=lines)
    base.update(fields)
    return MessageLevelResponse(**base)


MLR_CASES = {
    "AB": mlr("AB", description="Mottaget, ej validerat"),
    "AP": mlr("AP", LineResponse(line_id="/Invoice/cbc:Note[1]", description="[BR-CL-23] warning text",
                                 issue="BW")),
    "RE": mlr(
        "RE",
        LineResponse(line_id="/Invoice/cac:LegalMonetaryTotal[1]/cbc:TaxExclusiveAmount[1]",
                     description="[BR-CO-13] Invoice total amount without VAT = sum of lines …", issue="BV",
                     response_code="RE"),
        LineResponse(description="Not well-formed: unclosed tag at line 3", issue=IssueType.SYNTAX),
        LineResponse(line_id="NA", description="[PEPPOL-EN16931-R005] warning", issue="BW"),
        description="Avvisat: valideringsfel",
        document_reference=MessageReference(id="6f1c1c5e-1111-4c3e-9a55-000000000001", type_code="380",
                                            version_id="2.1"),
    ),
}


@pytest.mark.parametrize("code", ["AB", "AP", "RE"])
def test_every_mlr_code_builds_validates_and_round_trips(validator, code):
    built = MLR_CASES[code]
    assert built.response_code is MessageStatus(code)
    xml = built.to_xml()
    assert b"UBLExtensions" not in xml
    assert_clean(validator, xml, "mlr")
    assert MessageLevelResponse.from_xml(xml) == built


def test_written_mlr_has_the_xsd_order():
    root = etree.fromstring(MLR_CASES["RE"].to_xml())
    assert [etree.QName(e).localname for e in root] == [
        "CustomizationID", "ProfileID", "ID", "IssueDate", "IssueTime", "SenderParty", "ReceiverParty",
        "DocumentResponse"]
    assert root[0].text == MLR_CUSTOMIZATION_ID
    doc = root[-1]
    assert [etree.QName(e).localname for e in doc] == ["Response", "DocumentReference"] + ["LineResponse"] * 3
    assert [etree.QName(e).localname for e in doc[1]] == ["ID", "DocumentTypeCode", "VersionID"]
    first = doc[2]
    assert [etree.QName(e).localname for e in first] == ["LineReference", "Response"]
    assert [etree.QName(e).localname for e in first[1]] == ["ResponseCode", "Description", "Status"]
    assert [etree.QName(e).localname for e in doc[3][1]] == ["Description", "Status"]
    assert doc[3][0][0].text == "NA"  # LineID defaults to NA: no XPath for a syntax error


def test_line_response_fatal_flag():
    assert [line.fatal for line in MLR_CASES["RE"].lines] == [True, True, False]


# --------------------------------------------------------------------------------------
# Official examples and snippets
# --------------------------------------------------------------------------------------
def test_reads_the_official_invoice_response_example(validator):
    path = artefact_path(f"{POACC}/examples/InvoiceResponse_Example.xml")
    read = InvoiceResponse.from_xml(etree.parse(str(path)))
    assert read.id == "imrid001" and read.issue_date == date(2017, 12, 1) and read.issue_time == time(12, 0)
    assert read.note == "text"
    assert read.sender.endpoint == Endpoint(scheme="0088", id="5798000012349")
    assert read.sender.identification == PartyId(id="DK88776655", scheme="0184")
    assert read.sender.contact == Contact(name="Jens Jensen", telephone="23232323", email="jj@test-company.dk")
    assert read.receiver.name == "Seller company" and read.receiver.identification.scheme == "0192"
    assert read.response_code is InvoiceStatus.REJECTED and read.effective_date == date(2018, 9, 24)
    assert read.clarifications == (Clarification.action(
        "NOA", "VAT Reference not found", [Condition(attribute_id="BT-48", description="EU123456789")]),)
    assert read.document_reference == InvoiceReference(id="inv021", issue_date=date(2018, 9, 22), type_code="380")
    assert read.seller == DocumentParty(name="Test Company AS", identification=PartyId(id="123456785", scheme="0192"))
    assert read.buyer is None
    again = read.to_xml()
    assert_clean(validator, again, "invoice-response")
    assert InvoiceResponse.from_xml(again) == read
    assert InvoiceResponse.from_xml(path.read_bytes()) == read


def test_reads_the_official_mlr_example(validator):
    path = artefact_path(f"{POACC}/examples/MessageLevelResponse_Example.xml")
    read = MessageLevelResponse.from_xml(etree.parse(str(path)))
    assert read.response_code is MessageStatus.REJECTED
    assert read.description == "Rejected due to validation errore"  # sic
    assert read.document_reference == MessageReference(id="EnvelopeID-12456789", type_code="9", version_id="2")
    assert read.sender == Endpoint(scheme="0088", id="7300010000001")
    (line,) = read.lines
    assert line.line_id == "/Catalogue/cac:CatalogueLine[3]/cac:Item[1]/cac:ClassifiedTaxCategory[1]/cbc:ID[1]"
    assert line.issue is IssueType.BUSINESS_RULE_FATAL and line.response_code is MessageStatus.REJECTED
    assert_clean(validator, read.to_xml(), "mlr")
    assert MessageLevelResponse.from_xml(read.to_xml()) == read


@pytest.mark.parametrize("snippet, code, lines", [("snippet-1.xml", "AB", 0), ("snippet-2.xml", "AP", 0),
                                                  ("snippet-3.xml", "RE", 2)])
def test_reads_the_official_mlr_snippets(validator, snippet, code, lines):
    data = artefact_path(f"{POACC}/snippets/mlr/{snippet}").read_bytes()
    assert_clean(validator, data, "mlr")  # the snippets themselves are clean
    read = MessageLevelResponse.from_xml(data)
    assert read.response_code is MessageStatus(code) and len(read.lines) == lines
    assert read.document_reference.id == "EnvelopeID-12456789"
    assert read.sender == Endpoint(scheme="0192", id="987654325")
    assert_clean(validator, read.to_xml(), "mlr")
    assert MessageLevelResponse.from_xml(read.to_xml()) == read
    if lines:
        assert [line.line_id for line in read.lines] == ["NA", "Invoice/cac:TaxTotal/cac:TaxSubtotal/"]
        assert all(line.response_code is None and line.issue is IssueType.BUSINESS_RULE_FATAL for line in read.lines)


def _use_cases() -> dict[str, bytes]:
    """The T111 use cases of every release held, each distinct text once."""
    found: dict[str, bytes] = {}
    for release in all_releases():
        first = artefact_path(f"{release.file('examples')}/invoice-response-use-cases/"
                              "T111-uc001-Invoice in process.xml")
        for path in sorted(first.parent.glob("*.xml")):
            if path.read_bytes() not in found.values():
                found[f"{release.name}/{path.stem}"] = path.read_bytes()
    return found


@pytest.mark.parametrize("case", sorted(_use_cases()))
def test_reads_and_rewrites_the_official_invoice_response_use_cases(validator, case):
    """The use cases of each release, read and written again by the builder: clean against
    the complete rules of every release."""
    read = InvoiceResponse.from_xml(_use_cases()[case])
    again = read.to_xml()
    assert_clean(validator, again, "invoice-response")
    assert InvoiceResponse.from_xml(again) == read


def test_reads_a_response_inside_an_sbdh_envelope():
    built = STATUS_CASES["UQ"]
    assert InvoiceResponse.from_xml(sbdh(built.to_xml())) == built
    assert MessageLevelResponse.from_xml(sbdh(MLR_CASES["RE"].to_xml())) == MLR_CASES["RE"]


# --------------------------------------------------------------------------------------
# Answering a received invoice
# --------------------------------------------------------------------------------------
def swedish_invoice() -> bytes:
    return edited(
        "base-example.xml",
        ('<cbc:EndpointID schemeID="0088">9482348239847239874', f'<cbc:EndpointID schemeID="0007">{SUPPLIER_ORGNR}'),
        ('<cbc:EndpointID schemeID="0002">FR23342', f'<cbc:EndpointID schemeID="0007">{BUYER_ORGNR}'),
    )


def test_invoice_response_answering_an_invoice(validator):
    answer = InvoiceResponse.answering(
        swedish_invoice(), id="IR-1", issue_date=date(2026, 11, 5), response_code=InvoiceStatus.REJECTED,
        clarifications=[Clarification.status_reason("REF", "Referens saknas")],
        contact=Contact(email="faktura@tjorn.se"))
    assert answer.sender.endpoint == Endpoint(scheme="0007", id=BUYER_ORGNR)
    assert answer.sender.name == "Buyer Official Name"
    assert answer.sender.identification == PartyId(id="FR23342", scheme="0002")
    assert answer.sender.contact == Contact(email="faktura@tjorn.se")
    assert answer.receiver.endpoint == Endpoint(scheme="0007", id=SUPPLIER_ORGNR)
    assert answer.receiver.name == "SupplierOfficialName Ltd"
    assert answer.receiver.identification == PartyId(id="99887766")
    assert answer.document_reference == InvoiceReference(id="Snippet1", issue_date=date(2017, 11, 13), type_code="380")
    assert_clean(validator, answer.to_xml(), "invoice-response")


def test_invoice_response_answering_a_credit_note_in_an_envelope(validator):
    answer = InvoiceResponse.answering(sbdh(edited("base-creditnote-correction.xml")), id="IR-2",
                                       issue_date=date(2026, 11, 5), response_code="AB")
    assert answer.document_reference.type_code == "381"
    assert_clean(validator, answer.to_xml(), "invoice-response")


@pytest.mark.parametrize("code, written", [("875", "380"), ("471", "380"), ("326", "326"), ("220", "380")])
def test_invoice_response_names_only_a_type_code_the_t111_rules_list(validator, code, written):
    """BIS Billing accepts invoice types the UNTDID 1001 list of the T111 rules lacks (471-473,
    500-503, 817, 875-877): a response naming one would fail PEPPOL-T111-B04201, so it names
    the plain type of the document (380), as for a code that is no invoice type at all."""
    invoice = swedish_invoice().replace(b"<cbc:InvoiceTypeCode>380<", f"<cbc:InvoiceTypeCode>{code}<".encode())
    answer = InvoiceResponse.answering(invoice, id="IR-3", issue_date=date(2026, 11, 5), response_code="AB")
    assert answer.document_reference.type_code == written
    assert_clean(validator, answer.to_xml(), "invoice-response")


def test_mlr_answering_an_enveloped_invoice(validator):
    message = received_message(sbdh(swedish_invoice(), receiver=f"0007:{BUYER_ORGNR}"))
    assert message.reference == "6f1c1c5e-1111-4c3e-9a55-000000000001"  # the SBDH InstanceIdentifier
    assert message.sender == Endpoint(scheme="0007", id="5567321707")
    assert message.receiver == Endpoint(scheme="0007", id=BUYER_ORGNR)
    answer = MessageLevelResponse.answering(
        sbdh(swedish_invoice()), id="MLR-9", issue_date=date(2026, 11, 3), response_code="RE",
        lines=[LineResponse(description="[BR-CO-10] sum of line amounts", issue="BV")])
    assert answer.sender == message.receiver and answer.receiver == message.sender
    assert answer.document_reference == MessageReference(id=message.reference)
    assert_clean(validator, answer.to_xml(), "mlr")


def test_mlr_answering_a_bare_document_references_its_id():
    message = received_message(swedish_invoice())
    assert message.reference == "Snippet1"
    assert message.sender == Endpoint(scheme="0007", id=SUPPLIER_ORGNR)
    assert message.receiver == Endpoint(scheme="0007", id=BUYER_ORGNR)
    answer_to_response = received_message(STATUS_CASES["AB"].to_xml())
    assert answer_to_response == type(message)(reference="IR-AB-1", sender=TJORN.endpoint, receiver=SUPPLIER.endpoint)


# --------------------------------------------------------------------------------------
# Refusals: each builder rule, with its exact message
# --------------------------------------------------------------------------------------
def _contact_on_receiver():
    response("AB", receiver=SUPPLIER.model_copy(update={"contact": Contact(name="x")}))


REFUSALS = {
    "R001 UQ without clarification": (
        lambda: response("UQ"),
        "PEPPOL-T111-R001: status UQ needs at least one clarification code "
        "(a Clarification with a code from OPStatusReason or OPStatusAction)"),
    "R001 CA with text only": (
        lambda: response("CA", Clarification(reason="only text")),
        "PEPPOL-T111-R001: status CA needs at least one clarification code "
        "(a Clarification with a code from OPStatusReason or OPStatusAction)"),
    "R001 RE without clarification": (
        lambda: response("RE"),
        "PEPPOL-T111-R001: status RE needs at least one clarification code "
        "(a Clarification with a code from OPStatusReason or OPStatusAction)"),
    "R002 OTH without reason": (
        lambda: Clarification.action("OTH"),
        "PEPPOL-T111-R002: clarification code OTH needs a reason text (a warning in Peppol; refused by this builder)"),
    "R004 PPD without reason": (
        lambda: Clarification.status_reason("PPD"),
        "PEPPOL-T111-R004: clarification code PPD (partially paid) needs a reason text"),
    "R005 PPD with AP": (
        lambda: response("AP", Clarification.status_reason("PPD", "half")),
        "PEPPOL-T111-R005: clarification code PPD (partially paid) is only used with status PD, not AP"),
    "R006 action code": (
        lambda: Clarification.action("PPD", "x"),
        "PEPPOL-T111-R006: 'PPD' is not in the clarification code list OPStatusAction (NOA PIN NIN CNF CNP CNA OTH)"),
    "R007 reason code": (
        lambda: Clarification.status_reason("NIN"),
        "PEPPOL-T111-R007: 'NIN' is not in the clarification code list OPStatusReason "
        "(NON REF LEG REC QUA DEL PRI QTY ITM PAY UNR FIN PPD OTH)"),
    "code without list": (
        lambda: Clarification(code="REF"),
        "PEPPOL-T111-B03302: clarification code 'REF' needs its list: OPStatusReason or OPStatusAction"),
    "unknown list": (
        lambda: Clarification(list_id="UNCL4343", code="RE"),
        "PEPPOL-T111-B03303: listID 'UNCL4343' is not a clarification list "
        "(ClarificationListID: OPStatusReason OPStatusAction)"),
    "empty clarification": (
        lambda: Clarification(),
        "PEPPOL-COMMON-R001: a clarification needs a code, a reason text or a condition; "
        "Peppol documents must not contain empty elements"),
    "blank reason": (
        lambda: Clarification.status_reason("REF", "  "),
        "PEPPOL-COMMON-R001: clarification reason is empty; Peppol documents must not contain empty elements"),
    "blank condition": (
        lambda: Condition(attribute_id=""),
        "PEPPOL-COMMON-R001: condition attribute id is empty; Peppol documents must not contain empty elements"),
    "blank condition description": (
        lambda: Condition(attribute_id="BT-48", description=" "),
        "PEPPOL-COMMON-R001: condition description is empty; Peppol documents must not contain empty elements"),
    "unknown status": (
        lambda: response("OK"),
        "PEPPOL-T111-B03001: 'OK' is not an invoice status (UNCL4343 subset: AB IP UQ CA RE AP PD)"),
    "type code": (
        lambda: InvoiceReference(id="1", type_code="875"),
        "PEPPOL-T111-B04201: document type code '875' is not in the UNTDID 1001 code list (document name code) "
        "of the T111 rules, e.g. 380 or 381"),
    "blank invoice id": (
        lambda: InvoiceReference(id=""),
        "PEPPOL-COMMON-R001: invoice reference id is empty; Peppol documents must not contain empty elements"),
    "blank note": (
        lambda: response("AB", note=""),
        "PEPPOL-COMMON-R001: note is empty; Peppol documents must not contain empty elements"),
    "blank response id": (
        lambda: response("AB", id=" "),
        "PEPPOL-COMMON-R001: response id is empty; Peppol documents must not contain empty elements"),
    "control character": (
        lambda: response("AB", note="bell\x07"),
        "XML: note contains a character XML 1.0 does not allow"),
    "blank party name": (
        lambda: ResponseParty(endpoint=TJORN.endpoint, name=""),
        "PEPPOL-COMMON-R001: party name is empty; Peppol documents must not contain empty elements"),
    "empty contact": (
        lambda: Contact(),
        "PEPPOL-COMMON-R001: contact has no name, telephone or e-mail; "
        "Peppol documents must not contain empty elements"),
    "blank contact e-mail": (
        lambda: Contact(email=""),
        "PEPPOL-COMMON-R001: contact e-mail is empty; Peppol documents must not contain empty elements"),
    "contact on receiver": (
        _contact_on_receiver,
        "PEPPOL-T111-B02003: the receiver has no contact in the Invoice Response data model (only the sender has)"),
    "R049 endpoint check digit": (
        lambda: Endpoint(scheme="0007", id=BAD_ORGNR),
        "PEPPOL-COMMON-R049: endpoint (scheme 0007) must be a Swedish organisation number: "
        "10 digits with a Luhn check digit"),
    "R049 endpoint length": (
        lambda: Endpoint(scheme="0007", id="21200013060"),
        "PEPPOL-COMMON-R049: endpoint (scheme 0007) must be a Swedish organisation number: "
        "10 digits with a Luhn check digit"),
    "R049 endpoint with hyphen": (
        lambda: Endpoint(scheme="0007", id="212000-1306"),
        "PEPPOL-COMMON-R049: endpoint (scheme 0007) must be a Swedish organisation number: "
        "10 digits with a Luhn check digit"),
    "R049 party identifier": (
        lambda: PartyId(id=BAD_ORGNR, scheme="0007"),
        "PEPPOL-COMMON-R049: party identifier (scheme 0007) must be a Swedish organisation number: "
        "10 digits with a Luhn check digit"),
    "R040 GLN": (
        lambda: Endpoint(scheme="0088", id="5798000012348"),
        "PEPPOL-COMMON-R040: endpoint (scheme 0088) must be a GLN with a valid GS1 check digit"),
    "R041 Norwegian": (
        lambda: Endpoint(scheme="0192", id="987654321"),
        "PEPPOL-COMMON-R041: endpoint (scheme 0192) must be a Norwegian organisation number: "
        "9 digits with a modulus 11 check digit"),
    "R043 Belgian": (
        lambda: Endpoint(scheme="0208", id="0123456789"),
        "PEPPOL-COMMON-R043: endpoint (scheme 0208) must be a Belgian enterprise number: "
        "10 digits with modulus 97 check digits"),
    "R050 ABN": (
        lambda: Endpoint(scheme="0151", id="51824753557"),
        "PEPPOL-COMMON-R050: endpoint (scheme 0151) must be an Australian Business Number: 11 digits, modulus 89"),
    "EAS sender": (
        lambda: response("AB", sender=TJORN.model_copy(update={"endpoint": Endpoint(scheme="9999", id="x")})),
        "PEPPOL-T111-B00902: sender endpoint scheme '9999' is not in the Electronic Address Scheme (EAS) code list"),
    "EAS receiver, a billing scheme": (
        lambda: response("AB", receiver=SUPPLIER.model_copy(update={"endpoint": Endpoint(scheme="AN", id="x")})),
        "PEPPOL-T111-B02102: receiver endpoint scheme 'AN' is not in the Electronic Address Scheme (EAS) code list"),
    "blank endpoint": (
        lambda: Endpoint(scheme="0007", id=""),
        "PEPPOL-COMMON-R001: endpoint id is empty; Peppol documents must not contain empty elements"),
    "participant without scheme": (
        lambda: mlr("AB", receiver=Endpoint.parse(SUPPLIER_ORGNR)),
        "PEPPOL-T71-B01102: receiver endpoint has no scheme: a schemeID from the Electronic Address Scheme (EAS) "
        "code list is needed"),
    "ICD sender": (
        lambda: response("AB", sender=TJORN.model_copy(update={"identification": PartyId(id="x", scheme="SEPA")})),
        "PEPPOL-T111-B01201: sender identifier scheme 'SEPA' is not in the ISO 6523 ICD code list"),
    "ICD receiver": (
        lambda: response("AB", receiver=SUPPLIER.model_copy(update={"identification": PartyId(id="x", scheme="")})),
        "PEPPOL-T111-B02401: receiver identifier has no scheme: a schemeID from the ISO 6523 ICD code list is needed"),
    "ICD seller": (
        lambda: response("AB", seller=DocumentParty(name="x", identification=PartyId(id="x", scheme="0001"))),
        "PEPPOL-T111-B04501: seller identifier scheme '0001' is not in the ISO 6523 ICD code list"),
    "ICD buyer": (
        lambda: response("AB", buyer=DocumentParty(name="x", identification=PartyId(id="x", scheme="0249"))),
        "PEPPOL-T111-B05101: buyer identifier scheme '0249' is not in the ISO 6523 ICD code list"),
    "blank party identifier": (
        lambda: PartyId(id=""),
        "PEPPOL-COMMON-R001: party identifier is empty; Peppol documents must not contain empty elements"),
    "blank document party": (
        lambda: DocumentParty(name=""),
        "PEPPOL-COMMON-R001: party name is empty; Peppol documents must not contain empty elements"),
    # Message Level Response
    "MLR unknown code": (
        lambda: mlr("CA"),
        "PEPPOL-T71-B01501: response code 'CA' is not in the MLR code list (UNCL4343 subset: AB AP RE)"),
    "MLR sender EAS": (
        lambda: mlr("AB", sender=Endpoint(scheme="9999", id="x")),
        "PEPPOL-T71-B00802: sender endpoint scheme '9999' is not in the Electronic Address Scheme (EAS) code list"),
    "MLR issue type": (
        lambda: LineResponse(description="x", issue="RVF"),
        "PEPPOL-T71-B02801: 'RVF' is not an MLR issue type (StatusReason: BV BW SV)"),
    "MLR line response code": (
        lambda: LineResponse(description="x", issue="BV", response_code="UQ"),
        "PEPPOL-T71-B02501: line response code 'UQ' is not in the MLR code list (UNCL4343 subset: AB AP RE)"),
    "MLR blank line id": (
        lambda: LineResponse(line_id="", description="x", issue="BV"),
        "PEPPOL-COMMON-R001: line id (use NA when there is no XPath) is empty; "
        "Peppol documents must not contain empty elements"),
    "MLR blank description": (
        lambda: LineResponse(description=" ", issue="BV"),
        "PEPPOL-COMMON-R001: line response description is empty; Peppol documents must not contain empty elements"),
    "MLR blank response description": (
        lambda: mlr("AB", description=""),
        "PEPPOL-COMMON-R001: response description is empty; Peppol documents must not contain empty elements"),
    "MLR type code": (
        lambda: MessageReference(id="x", type_code="INV"),
        "PEPPOL-T71-B01901: document type code 'INV' is not in the UNTDID 1001 code list (document name code)"),
    "MLR blank reference": (
        lambda: MessageReference(id=""),
        "PEPPOL-COMMON-R001: message reference id is empty; Peppol documents must not contain empty elements"),
    "MLR blank version": (
        lambda: MessageReference(id="x", version_id=""),
        "PEPPOL-COMMON-R001: message reference version is empty; Peppol documents must not contain empty elements"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_builder_refusals_have_exact_messages(case):
    build, message = REFUSALS[case]
    with pytest.raises(ResponseRuleError) as raised:
        build()
    assert str(raised.value) == message
    assert f"{raised.value.rule}: {raised.value.message}" == message


def test_refusal_messages_never_echo_an_organisation_number():
    for build, message in REFUSALS.values():
        assert BAD_ORGNR not in message and SUPPLIER_ORGNR not in message


def _received() -> dict:
    """Responses from someone else, each breaking a rule: what the strict reader says, and
    what the complete rules fire."""
    ab, uq, ip = (STATUS_CASES[c].to_xml() for c in ("AB", "UQ", "IP"))
    return {
        "unknown status": (ab.replace(b">AB<", b">XX<"), InvoiceResponse,
                           "PEPPOL-T111-B03001: 'XX' is not an invoice status (UNCL4343 subset: AB IP UQ CA RE AP PD)",
                           {"PEPPOL-T111-B03001"}),
        "code without listID": (uq.replace(b' listID="OPStatusAction"', b""), InvoiceResponse,
                                "PEPPOL-T111-B03302: clarification code 'PIN' needs its list: OPStatusReason or "
                                "OPStatusAction", {"PEPPOL-T111-B03302"}),
        "endpoint scheme": (ab.replace(b'schemeID="0007">2120', b'schemeID="9999">2120', 1), InvoiceResponse,
                            "PEPPOL-T111-B00902: sender endpoint scheme '9999' is not in the Electronic Address "
                            "Scheme (EAS) code list", {"PEPPOL-T111-B00902"}),
        "no type code": (ab.replace(b"<cbc:DocumentTypeCode>380</cbc:DocumentTypeCode>", b""), InvoiceResponse,
                         "T111: DocumentReference has no cbc:DocumentTypeCode", {"PEPPOL-T111-B03902"}),
        "MLR issue type": (MLR_CASES["RE"].to_xml().replace(b">BV<", b">XX<"), MessageLevelResponse,
                           "PEPPOL-T71-B02801: 'XX' is not an MLR issue type (StatusReason: BV BW SV)",
                           {"PEPPOL-T71-B02801"}),
        # PEPPOL-COMMON-R030 does not look at EffectiveDate, and xs:date allows a zone: the
        # rules accept it; the reader cannot keep the zone in a date and refuses it.
        "effective date with zone": (
            ip.replace(b">2026-11-05</cbc:EffectiveDate", b">2026-11-05+01:00</cbc:EffectiveDate"), InvoiceResponse,
            "T111: EffectiveDate '2026-11-05+01:00' is not a date written YYYY-MM-DD", set()),
    }


@pytest.mark.parametrize("case", sorted(_received()))
def test_the_strict_reader_refuses_what_the_complete_rules_reject(validator, case):
    """Since the complete rules hold upstream's generated data-model rules, they catch what
    only builder and reader caught before; the reader's refusal names the same rule where a
    builder check backs it."""
    xml, model, message, fired = _received()[case]
    result = validator.validate_bytes(xml, "x.xml")
    assert {f.rule_id for f in result.findings if f.is_fatal} == fired
    assert result.valid == (not fired)
    with pytest.raises(ResponseRuleError) as raised:
        model.from_xml(xml)
    assert str(raised.value) == message


# --------------------------------------------------------------------------------------
# Reader refusals and the lenient reader
# --------------------------------------------------------------------------------------
def _re_without_codes() -> bytes:
    root = etree.fromstring(STATUS_CASES["RE"].to_xml())
    for code in root.iter("{*}StatusReasonCode"):
        code.getparent().remove(code)
    return etree.tostring(root)


READ_REFUSALS = {
    "mlr read as invoice response": (
        lambda: InvoiceResponse.from_xml(MLR_CASES["AB"].to_xml()),
        f"T111: CustomizationID '{MLR_CUSTOMIZATION_ID}' is not the Invoice Response identifier "
        f"{INVOICE_RESPONSE_CUSTOMIZATION_ID}"),
    "invoice response read as mlr": (
        lambda: MessageLevelResponse.from_xml(STATUS_CASES["AB"].to_xml()),
        f"T71: CustomizationID '{INVOICE_RESPONSE_CUSTOMIZATION_ID}' is not the Message Level Response "
        f"identifier {MLR_CUSTOMIZATION_ID}"),
    "an invoice": (
        lambda: InvoiceResponse.from_xml(swedish_invoice()),
        "T111: expected a UBL ApplicationResponse (Invoice Response), not Invoice"),
    "wrong profile": (
        lambda: InvoiceResponse.from_xml(STATUS_CASES["AB"].to_xml().replace(b"bis:invoice_response:3<", b"bis:x<")),
        "T111: ProfileID 'urn:fdc:peppol.eu:poacc:bis:x' is not the Invoice Response profile "
        "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"),
    "extension element": (
        lambda: InvoiceResponse.from_xml(STATUS_CASES["AB"].to_xml().replace(
            b"<cbc:CustomizationID>", b"<cbc:UBLVersionID>2.1</cbc:UBLVersionID><cbc:CustomizationID>")),
        "T111: UBLVersionID (line 3) in ApplicationResponse is not part of the T111 data model"),
    "date format": (
        lambda: InvoiceResponse.from_xml(STATUS_CASES["AB"].to_xml().replace(b">2026-11-05<", b">2026-11-05Z<")),
        "PEPPOL-COMMON-R030: IssueDate '2026-11-05Z' is not a date written YYYY-MM-DD"),
    "bad time": (
        lambda: InvoiceResponse.from_xml(STATUS_CASES["AB"].to_xml().replace(b">09:30:00<", b">noon<")),
        "T111: IssueTime 'noon' is not a time written hh:mm:ss"),
    "missing document reference": (
        lambda: MessageLevelResponse.from_xml(etree.tostring(_without(MLR_CASES["AB"].to_xml(), "DocumentReference"))),
        "T71: DocumentResponse has no cac:DocumentReference"),
    "two document references": (
        lambda: InvoiceResponse.from_xml(_twice(STATUS_CASES["AB"].to_xml(), "DocumentReference")),
        "T111: an Invoice Response answers one invoice: one DocumentReference"),
    "no clarification code": (
        lambda: InvoiceResponse.from_xml(_re_without_codes()),
        "PEPPOL-T111-R001: status RE needs at least one clarification code "
        "(a Clarification with a code from OPStatusReason or OPStatusAction)"),
    "two party identifiers": (
        lambda: InvoiceResponse.from_xml(_twice(STATUS_CASES["AB"].to_xml(), "PartyIdentification")),
        "T111: SenderParty has more than one cac:PartyIdentification"),
    "two line statuses": (
        lambda: MessageLevelResponse.from_xml(_twice(MLR_CASES["AP"].to_xml(), "Status")),
        "T71: Response has more than one cac:Status"),
    "line response without status": (
        lambda: MessageLevelResponse.from_xml(etree.tostring(_without(MLR_CASES["AP"].to_xml(), "Status"))),
        "T71: Response has no cac:Status"),
    "not xml": (
        lambda: InvoiceResponse.from_xml(b"<ApplicationResponse"),
        "XML: not well-formed XML: Couldn't find end of Start Tag ApplicationResponse line 1, line 1, column 21 "
        "(<string>, line 1)"),
}


def _without(xml: bytes, local: str) -> etree._Element:
    root = etree.fromstring(xml)
    for element in list(root.iter(f"{{*}}{local}")):
        element.getparent().remove(element)
    return root


def _twice(xml: bytes, local: str) -> bytes:
    root = etree.fromstring(xml)
    element = next(root.iter(f"{{*}}{local}"))
    element.addnext(etree.fromstring(etree.tostring(element)))
    return etree.tostring(root)


@pytest.mark.parametrize("case", sorted(READ_REFUSALS))
def test_reader_refusals_have_exact_messages(case):
    read, message = READ_REFUSALS[case]
    with pytest.raises(ResponseRuleError) as raised:
        read()
    assert str(raised.value) == message


def test_lenient_reader_reads_a_faulty_rejection_but_cannot_write_it():
    faulty = _re_without_codes().replace(
        b"<cbc:IssueTime>", b"<cbc:UBLVersionID>2.1</cbc:UBLVersionID><cbc:IssueTime>")
    read = InvoiceResponse.from_xml(faulty, strict=False)
    assert read.response_code is InvoiceStatus.REJECTED
    assert [c.reason for c in read.clarifications] == [
        "F-skattebevis saknas", "Skicka en ny faktura", "Fritext utan kod", "Beslutet har upphört"]
    assert all(c.code is None for c in read.clarifications)
    with pytest.raises(ResponseRuleError, match="^PEPPOL-T111-R001: status RE needs"):
        read.to_xml()


def test_lenient_reader_skips_empty_elements_and_check_digits():
    xml = STATUS_CASES["AB"].to_xml().replace(b"<cbc:Note>Fakturan \xc3\xa4r mottagen.</cbc:Note>", b"<cbc:Note/>")
    xml = xml.replace(f">{SUPPLIER_ORGNR}<".encode(), f">{BAD_ORGNR}<".encode())
    read = InvoiceResponse.from_xml(xml, strict=False)
    assert read.note is None and read.receiver.endpoint.id == BAD_ORGNR
    with pytest.raises(ResponseRuleError, match="^PEPPOL-COMMON-R049: receiver endpoint"):
        read.to_xml()


def test_lenient_reader_result_is_checked_in_full_before_writing():
    xml = STATUS_CASES["UQ"].to_xml().replace(b' listID="OPStatusAction"', b"")
    with pytest.raises(ResponseRuleError, match="^PEPPOL-T111-B03302: clarification code 'PIN' needs its list"):
        InvoiceResponse.from_xml(xml)
    read = InvoiceResponse.from_xml(xml, strict=False)
    assert read.clarifications[1].code == "PIN" and read.clarifications[1].list_id is None
    with pytest.raises(ResponseRuleError, match="^PEPPOL-T111-B03302: clarification code 'PIN' needs its list"):
        read.to_xml()


def test_lenient_reader_accepts_an_extended_customization_id():
    xml = MLR_CASES["AB"].to_xml().replace(b"trns:mlr:3<", b"trns:mlr:3#national:1<")
    with pytest.raises(ResponseRuleError, match="^T71: CustomizationID"):
        MessageLevelResponse.from_xml(xml)
    assert MessageLevelResponse.from_xml(xml, strict=False) == MLR_CASES["AB"]


def test_values_of_the_wrong_type_become_rule_errors():
    from peppol.responses.ubl_io import validated

    with pytest.raises(ResponseRuleError) as raised:
        validated(Endpoint, {"scheme": 7, "id": "x"}, True, "T71")
    assert str(raised.value) == "T71: scheme: Input should be a valid string"


def test_models_are_frozen():
    with pytest.raises(Exception):
        STATUS_CASES["AB"].id = "other"  # type: ignore[misc]
    assert hash(STATUS_CASES["AB"].document_reference) == hash(INVOICE)


def test_the_response_enums_are_the_code_lists_of_peppol_codes():
    from peppol import codes

    assert {s.value: s for s in InvoiceStatus}.keys() == codes.INVOICE_STATUS_CODES.keys()
    assert {s.value for s in MessageStatus} == set(codes.MESSAGE_STATUS_CODES)
    assert {s.value for s in IssueType} == set(codes.MLR_ISSUE_TYPES)
    assert {c.value for c in ClarificationList} == {codes.STATUS_REASON_LIST_ID, codes.STATUS_ACTION_LIST_ID}
    assert InvoiceResponse.CUSTOMIZATION_ID == INVOICE_RESPONSE_CUSTOMIZATION_ID == codes.INVOICE_RESPONSE_CUSTOMIZATION_ID
    assert MessageLevelResponse.PROFILE_ID == codes.MLR_PROFILE_ID


def test_the_responses_modules_are_small_and_import_no_lss_layer():
    import ast
    from pathlib import Path

    import peppol.responses as package

    for path in sorted(Path(package.__file__).parent.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) < 500, path
        tree = ast.parse(text)
        imported = {(node.module or "").split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and not node.level}
        imported |= {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        assert not imported & {"validate", "invoices", "ingest", "lssinvoice"}, path


@pytest.mark.parametrize("scheme,good,bad", [
    ("0192", "974760673", "974760674"),
    ("0208", "0403170701", "0403170702"),
    ("0151", "51824753556", "51824753557"),
    ("0088", "7300010000001", "7300010000002"),
])
def test_identifier_check_digits_of_other_schemes(scheme, good, bad):
    Endpoint(scheme=scheme, id=good)
    with pytest.raises(ResponseRuleError) as raised:
        Endpoint(scheme=scheme, id=bad)
    assert raised.value.rule.startswith("PEPPOL-COMMON-R0") and bad not in str(raised.value)
