"""peppol.sbdh: wrap/unwrap round trip and each broken-envelope case."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from lxml import etree

from peppol import codes
from peppol.reader import from_ubl
from peppol.sbdh import Envelope, SbdhError, unwrap, wrap
from peppol.ubl import to_ubl

from .factories import (
    BROKEN_ENVELOPES,
    CREATED,
    INSTANCE,
    RECEIVER,
    SENDER,
    S,
    credit_note,
    envelope_bytes,
    exempt_invoice,
    header,
    scope,
)


def edited(edit) -> etree._Element:
    """A good envelope, parsed, changed by *edit(root)*."""
    root = etree.fromstring(envelope_bytes())
    edit(root)
    return root


# -- round trip --------------------------------------------------------------------------------

def test_wrap_unwrap_round_trip():
    doc = exempt_invoice()
    data = envelope_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<StandardBusinessDocument ')
    env = unwrap(data)
    assert env == Envelope(
        sender=SENDER, receiver=RECEIVER, document_type_id=codes.INVOICE_DOCUMENT_TYPE_ID,
        process_id=codes.BILLING_PROCESS_ID, instance_id=INSTANCE, created=CREATED, payload=env.payload,
        standard=codes.UBL_INVOICE_NS, type="Invoice", type_version="2.1", country_c1="SE")
    assert etree.QName(env.payload) == etree.QName(codes.UBL_INVOICE_NS, "Invoice")
    assert from_ubl(env.payload) == doc


def test_envelope_layout():
    root = etree.fromstring(envelope_bytes())
    h = header(root)
    assert [etree.QName(c).localname for c in root] == ["StandardBusinessDocumentHeader", "Invoice"]
    assert h.findtext(S + "HeaderVersion") == "1.0"
    sender = h.find(f"{S}Sender/{S}Identifier")
    assert (sender.get("Authority"), sender.text) == ("iso6523-actorid-upis", SENDER)
    receiver = h.find(f"{S}Receiver/{S}Identifier")
    assert (receiver.get("Authority"), receiver.text) == ("iso6523-actorid-upis", RECEIVER)
    ident = h.find(S + "DocumentIdentification")
    assert [(etree.QName(c).localname, c.text) for c in ident] == [
        ("Standard", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"),
        ("TypeVersion", "2.1"),
        ("InstanceIdentifier", INSTANCE),
        ("Type", "Invoice"),
        ("CreationDateAndTime", "2024-02-05T10:30:00+01:00"),
    ]
    scopes = [[(etree.QName(c).localname, c.text) for c in sc] for sc in h.find(S + "BusinessScope")]
    assert scopes == [
        [("Type", "DOCUMENTID"),
         ("InstanceIdentifier", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:"
                                "en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"),
         ("Identifier", "busdox-docid-qns")],
        [("Type", "PROCESSID"), ("InstanceIdentifier", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"),
         ("Identifier", "cenbii-procid-ubl")],
        [("Type", "COUNTRY_C1"), ("InstanceIdentifier", "SE")],
    ]


def test_defaults_and_scheme_less_identifiers():
    env = unwrap(wrap(to_ubl(credit_note()), sender="iso6523-actorid-upis::0007:559900-0006", receiver=RECEIVER,
                      document_type_id=codes.CREDIT_NOTE_DOCUMENT_TYPE_ID.removeprefix("busdox-docid-qns::"),
                      process_id="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0", country_c1=None))
    assert env.sender == SENDER
    assert env.document_type_id == codes.CREDIT_NOTE_DOCUMENT_TYPE_ID
    assert env.process_id == codes.BILLING_PROCESS_ID
    assert env.type == "CreditNote"
    assert env.country_c1 is None
    assert uuid.UUID(env.instance_id).version == 4
    assert env.created.tzinfo is not None
    assert abs(dt.datetime.now(dt.timezone.utc) - env.created) < dt.timedelta(minutes=5)
    assert from_ubl(env.payload) == credit_note()


def test_unwrap_accepts_a_parsed_tree_and_defaults_missing_scope_schemes():
    root = edited(lambda r: [sc.remove(sc.find(S + "Identifier")) for sc in
                             (scope(r, "DOCUMENTID"), scope(r, "PROCESSID"))])
    env = unwrap(etree.ElementTree(root))
    assert env.document_type_id == codes.INVOICE_DOCUMENT_TYPE_ID
    assert env.process_id == codes.BILLING_PROCESS_ID


def test_the_engine_validates_the_wrapped_document():
    validate_engine = pytest.importorskip("validate.engine")
    result = validate_engine.Validator().validate_bytes(envelope_bytes(), "sbd.xml")
    assert result.document_type == "invoice"
    assert [(f.rule_id, f.severity.value) for f in result.findings] == []


# -- wrap refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides,message", [
    (dict(document_type_id=codes.CREDIT_NOTE_DOCUMENT_TYPE_ID),
     "the document type identifier does not match the payload: it should start with "
     "'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##'"),
    (dict(created=dt.datetime(2024, 2, 5, 10, 30)),
     "created: CreationDateAndTime needs a timezone (give an aware datetime)"),
    (dict(sender="0007:5599000007"),
     "sender: Swedish organisation number: the check digit is 7, the Luhn (modulus 10) check digit is 6."),
    (dict(receiver="2120001306"),
     "receiver: Peppol participant identifier: expected 'scheme:value', e.g. '0007:2120001306' (no ':' found)."),
    (dict(country_c1="Sweden"), "country_c1: expected an ISO 3166-1 alpha-2 code such as 'SE', got 'Sweden'"),
    (dict(process_id=""), "the process identifier is empty"),
])
def test_wrap_refuses(overrides, message):
    with pytest.raises(SbdhError) as info:
        envelope_bytes(**overrides)
    assert str(info.value) == message


def test_wrap_refuses_bad_payloads():
    args = dict(sender=SENDER, receiver=RECEIVER, document_type_id=codes.INVOICE_DOCUMENT_TYPE_ID,
                process_id=codes.BILLING_PROCESS_ID)
    with pytest.raises(SbdhError) as info:
        wrap(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', **args)
    assert str(info.value) == (
        "the document to wrap: a DOCTYPE is not accepted (entity expansion and external references are refused)")
    with pytest.raises(SbdhError) as info:
        wrap(b"<Invoice>", **args)
    assert str(info.value).startswith("the document to wrap: not well-formed XML: ")
    with pytest.raises(SbdhError) as info:
        wrap(b"<Invoice/>", **args)
    assert str(info.value) == "the document to wrap has no namespace on its root element"
    with pytest.raises(SbdhError) as info:
        wrap(envelope_bytes(), **args)
    assert str(info.value) == "the document is already a StandardBusinessDocument"


# -- broken envelopes ----------------------------------------------------------------------------

@pytest.mark.parametrize("edit,message", BROKEN_ENVELOPES)
def test_broken_envelopes(edit, message):
    root = edited(edit)
    with pytest.raises(SbdhError) as info:
        unwrap(root)
    assert str(info.value) == message


def test_unwrap_refuses_other_documents_and_doctype():
    with pytest.raises(SbdhError) as info:
        unwrap(to_ubl(exempt_invoice()))
    assert str(info.value) == (
        "not a StandardBusinessDocument: the root element is {urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice")
    with pytest.raises(SbdhError) as info:
        unwrap(b'<!DOCTYPE StandardBusinessDocument [<!ENTITY a "b">]><StandardBusinessDocument/>')
    assert str(info.value) == "a DOCTYPE is not accepted (entity expansion and external references are refused)"
    assert issubclass(SbdhError, ValueError)
