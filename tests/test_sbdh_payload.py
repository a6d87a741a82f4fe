"""peppol.sbdh and validate.detect take the same payload out of an SBDH envelope.

``validate`` may not import ``peppol``, so the two layers each have one way to find the
business document of an envelope: :func:`peppol.sbdh.payload_of` (raises ``SbdhError``) and
:func:`validate.detect.sbdh_payload` (returns None). They must agree on every envelope the
tests build: the same element when there is one payload beside one header, a refusal on both
sides otherwise. The envelopes: the broken ones of tests/factories.py, the structural
cases below, the wrapped and broken envelopes of tests/ingest_factory.py, and every official
example wrapped with tests/helpers.sbdh.
"""
from __future__ import annotations

import copy

import pytest
from lxml import etree

from peppol import sbdh as peppol_sbdh
from peppol.responses import InvoiceResponse, ResponseRuleError
from peppol.ubl import to_ubl
from validate import detect, envelope
from validate.xmlsafe import parse_xml

from . import ingest_factory
from .helpers import example_bytes, sbdh
from .factories import BROKEN_ENVELOPES, HDR, credit_note, envelope_bytes, header

BILLING = "peppol-bis-billing-3.0.19/rules/examples"
POACC = "peppol-poacc-3.0.15/rules/examples"
EXAMPLES = [(BILLING, name) for name in (
    "Allowance-example.xml", "Vat-category-S.xml", "base-creditnote-correction.xml", "base-example.xml",
    "base-negative-inv-correction.xml", "sales-order-example.xml", "vat-category-E.xml", "vat-category-O.xml",
    "vat-category-Z.xml")] + [(POACC, "InvoiceResponse_Example.xml"), (POACC, "MessageLevelResponse_Example.xml")]


def _serialised(root: etree._Element) -> bytes:
    return etree.tostring(root)


def _edited(edit) -> bytes:
    root = etree.fromstring(envelope_bytes())
    edit(root)
    return _serialised(root)


def _second_header(root):
    root.insert(1, copy.deepcopy(header(root)))


def _header_after_payload(root):
    root.append(root[0])


def _only_a_comment_beside_the_header(root):
    root.remove(root[1])
    root.append(etree.Comment(" no payload "))
    root.append(etree.ProcessingInstruction("pi", "also not a payload"))


def _comment_and_pi_around_the_payload(root):
    root[1].addprevious(etree.Comment(" before "))
    root[1].addnext(etree.ProcessingInstruction("after", "x"))


def _header_in_another_namespace(root):
    header(root).tag = "{urn:example:other}StandardBusinessDocumentHeader"


STRUCTURE = [
    pytest.param(_second_header, id="two-headers"),
    pytest.param(_header_after_payload, id="header-after-payload"),
    pytest.param(lambda r: r.append(etree.fromstring(to_ubl(credit_note()))), id="two-payloads"),
    pytest.param(lambda r: r.remove(r[1]), id="no-payload"),
    pytest.param(lambda r: (r.remove(r[1]), r.remove(r[0])), id="empty-envelope"),
    pytest.param(_only_a_comment_beside_the_header, id="comment-and-pi-only"),
    pytest.param(_comment_and_pi_around_the_payload, id="comment-and-pi-around-the-payload"),
    pytest.param(_header_in_another_namespace, id="header-in-another-namespace"),
    pytest.param(lambda r: r.remove(r.find(HDR)), id="no-header"),
    pytest.param(lambda r: r.find(HDR).append(etree.fromstring(to_ubl(credit_note()))), id="payload-in-the-header"),
]


def _documents() -> list:
    cases = [pytest.param(_edited(edit), id=f"broken-{i}") for i, (edit, _message) in enumerate(BROKEN_ENVELOPES)]
    cases += [pytest.param(_edited(p.values[0]), id=p.id) for p in STRUCTURE]
    cases += [
        pytest.param(envelope_bytes(), id="test-peppol-sbdh-envelope"),
        pytest.param(ingest_factory.wrapped(ingest_factory.invoice_xml("AGREE-1")), id="ingest-wrapped"),
        pytest.param(ingest_factory.broken_envelope(), id="ingest-broken-envelope"),
        pytest.param(ingest_factory.wrapped_order(), id="ingest-wrapped-order"),
        pytest.param(ingest_factory.invoice_xml("AGREE-2"), id="bare-invoice"),
        pytest.param(sbdh(b""), id="helpers-sbdh-without-payload"),
    ]
    cases += [pytest.param(sbdh(example_bytes(name, folder)), id=f"example-{name}") for folder, name in EXAMPLES]
    return cases


def _peppol_side(root: etree._Element) -> etree._Element | None:
    try:
        return peppol_sbdh.payload_of(root)
    except peppol_sbdh.SbdhError:
        return None


@pytest.mark.parametrize("data", _documents())
def test_peppol_and_validate_take_the_same_payload(data):
    tree = parse_xml(data)
    from_peppol = _peppol_side(tree.getroot())
    from_validate = detect.sbdh_payload(tree)
    assert (from_peppol is None) == (from_validate is None)
    if from_peppol is not None:
        assert from_peppol is from_validate
        assert _serialised(from_peppol) == _serialised(from_validate)
        headers, payloads = detect.sbdh_parts(tree.getroot())
        assert len(headers) == 1 and envelope.payloads(tree.getroot()) == payloads == [from_validate]


@pytest.mark.parametrize("data", _documents())
def test_unwrap_refuses_every_envelope_whose_payload_cannot_be_taken(data):
    tree = parse_xml(data)
    if detect.sbdh_payload(tree) is not None:
        return
    with pytest.raises(peppol_sbdh.SbdhError):
        peppol_sbdh.unwrap(tree)


def test_the_cases_cover_both_outcomes():
    outcomes = {detect.sbdh_payload(parse_xml(p.values[0])) is None for p in _documents()}
    assert outcomes == {True, False}


def test_payload_of_names_what_is_wrong():
    root = etree.fromstring(_edited(_second_header))
    with pytest.raises(peppol_sbdh.SbdhError,
                       match="^the StandardBusinessDocument has more than one StandardBusinessDocumentHeader$"):
        peppol_sbdh.payload_of(root)
    with pytest.raises(peppol_sbdh.SbdhError, match="^not a StandardBusinessDocument: the root element is "):
        peppol_sbdh.payload_of(etree.fromstring(to_ubl(credit_note())))


def test_a_response_in_an_envelope_with_two_payloads_is_refused():
    """The response readers take the payload the way unwrap does: the first of two payloads
    was read before, as if the envelope were good."""
    response = example_bytes("InvoiceResponse_Example.xml", POACC)
    root = etree.fromstring(sbdh(response))
    assert InvoiceResponse.from_xml(copy.deepcopy(root)).response_code.value == "RE"
    root.append(etree.fromstring(response))
    with pytest.raises(ResponseRuleError, match="^XML: the envelope holds 2 business documents"):
        InvoiceResponse.from_xml(root)


def test_the_copies_of_the_validation_layer_are_the_constants_of_peppol_codes():
    from peppol import codes

    assert (detect.INVOICE_NS, detect.CREDITNOTE_NS, detect.APPLICATION_RESPONSE_NS, detect.CBC_NS) == (
        codes.UBL_INVOICE_NS, codes.UBL_CREDIT_NOTE_NS, codes.UBL_APPLICATION_RESPONSE_NS, codes.UBL_CBC_NS)
    assert detect.SBDH_NS == envelope.SBDH_NS == codes.SBDH_NS == peppol_sbdh.SBDH_NS
    assert detect.BIS_BILLING_3 == codes.BIS3_CUSTOMIZATION_ID
    assert (detect.INVOICE_RESPONSE_3, detect.MLR_3) == (codes.INVOICE_RESPONSE_CUSTOMIZATION_ID,
                                                         codes.MLR_CUSTOMIZATION_ID)
    assert envelope.PARTICIPANT_SCHEME == codes.PARTICIPANT_ID_SCHEME
    assert envelope.HEADER_VERSION == peppol_sbdh.HEADER_VERSION
