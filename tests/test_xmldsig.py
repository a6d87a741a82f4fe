"""validate.xmldsig: enveloped XAdES-BES signatures over one content element (issue 14).

Hostile variants are made from genuinely signed documents, and where a mutation touches
``SignedInfo`` the signature is computed again with the signer's key (:func:`resign`), so
the verdict comes from the policy check named, not from a broken signature value.
"""
from __future__ import annotations

import base64
import logging
import os
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, PSS, PKCS1v15
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from tests import pki
from validate import xmldsig_verify
from validate.xmldsig import TrustPolicy, sign_enveloped, verify_enveloped
from validate.xmldsig_checks import Fail
from validate.xmldsig_common import NS, canonical
from validate.xmlsafe import parse_xml, serialize

T = "urn:lssinvoice:timereport:1"
TAG = f"{{{T}}}Report"
DOC = (f'<t:TimeReport xmlns:t="{T}"><t:Report Id="report"><t:Assistant>{pki.ASSISTANT_PNR}</t:Assistant>'
       '<t:Day date="2026-03-01"><t:Hours>8.00</t:Hours></t:Day><t:Note>Natt, jour 22–07</t:Note>'
       '</t:Report></t:TimeReport>').encode()
SHA1_DIGEST = "http://www.w3.org/2000/09/xmldsig#sha1"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"


def sign(data: bytes, who: pki.Identity, role: str, when: datetime = pki.SIGNING_TIME) -> bytes:
    return sign_enveloped(data, content_tag=TAG, content_id="report", role=role, signing_time=when,
                          **who.sign_kwargs())


def verify(data: bytes, key_usage: str = "either"):
    return verify_enveloped(data, content_tag=TAG, content_id="report",
                            policy=TrustPolicy(anchors=pki.anchors(), key_usage=key_usage))


def codes(result) -> list[str | None]:
    return [s.code for s in result.signatures]


def problem_codes(result) -> list[str]:
    return [code for code, _ in result.problems]


@pytest.fixture(scope="module")
def signed_once() -> bytes:
    return sign(DOC, pki.assistant(), "assistant")


@pytest.fixture(scope="module")
def signed_twice(signed_once) -> bytes:
    return sign(signed_once, pki.supervisor(), "supervisor")


# --- helpers that make hostile variants -------------------------------------------------------

def edit(data: bytes, change) -> etree._Element:
    root = parse_xml(data).getroot()
    change(root)
    return root


def first_signature(root: etree._Element) -> etree._Element:
    return root.find("ds:Signature", NS)


def content_reference(signature: etree._Element) -> etree._Element:
    return signature.find("ds:SignedInfo/ds:Reference[@URI='#report']", NS)


def redigest(root: etree._Element, reference: etree._Element, algorithm, uri: str) -> None:
    """Digest the content again with ``algorithm`` and name it ``uri`` in the reference."""
    reference.find("ds:DigestMethod", NS).set("Algorithm", uri)
    digest = hashes.Hash(algorithm)
    digest.update(canonical(root.find(f"{{{T}}}Report"), "http://www.w3.org/2001/10/xml-exc-c14n#"))
    reference.find("ds:DigestValue", NS).text = base64.b64encode(digest.finalize()).decode()


def resign(root: etree._Element, who: pki.Identity, method: str = PSS_SHA256) -> bytes:
    """Compute the first signature's SignatureValue again over its (changed) SignedInfo."""
    signature = first_signature(root)
    signed_info = signature.find("ds:SignedInfo", NS)
    signed_info.find("ds:SignatureMethod", NS).set("Algorithm", method)
    data = canonical(signed_info, "http://www.w3.org/2001/10/xml-exc-c14n#")
    if method == RSA_SHA1:
        value = who.key.sign(data, PKCS1v15(), hashes.SHA1())
    else:
        value = who.key.sign(data, PSS(mgf=MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    signature.find("ds:SignatureValue", NS).text = base64.b64encode(value).decode()
    return serialize(root)


# --- what a good document gives -------------------------------------------------------------

@pytest.mark.parametrize("order", ["assistant first", "supervisor first"])
def test_two_signatures_in_either_order_are_both_valid(order):
    people = [(pki.assistant(), "assistant"), (pki.supervisor(), "supervisor")]
    data = DOC
    for who, role in (people if order == "assistant first" else people[::-1]):
        data = sign(data, who, role)
    result = verify(data)
    assert result.problems == [] and codes(result) == [None, None]
    by_role = {s.role: s for s in result.signatures}
    assert set(by_role) == {"assistant", "supervisor"}
    assert by_role["assistant"].subject_serial_number == pki.ASSISTANT_PNR
    assert by_role["supervisor"].subject_serial_number == pki.SUPERVISOR_PNR
    assert by_role["assistant"].signing_time == pki.SIGNING_TIME
    assert by_role["assistant"].subject == "CN=Assistenta Signerar,SN=Signerar,GN=Assistenta,C=SE"
    assert pki.ASSISTANT_PNR not in by_role["assistant"].subject + repr(by_role["assistant"])
    assert len({s.id for s in result.signatures}) == 2


def test_the_signature_is_what_the_contract_says(signed_once):
    signature = first_signature(parse_xml(signed_once).getroot())
    signed_info = signature.find("ds:SignedInfo", NS)
    assert signed_info.find("ds:CanonicalizationMethod", NS).get("Algorithm") == \
        "http://www.w3.org/2001/10/xml-exc-c14n#"
    assert signed_info.find("ds:SignatureMethod", NS).get("Algorithm") == PSS_SHA256
    uris = [r.get("URI") for r in signed_info.findall("ds:Reference", NS)]
    properties = signature.find("ds:Object/xades:QualifyingProperties/xades:SignedProperties", NS)
    assert uris == ["#report", f"#{properties.get('Id')}"]
    assert [t.get("Algorithm") for t in content_reference(signature).findall("ds:Transforms/ds:Transform", NS)] \
        == ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"]
    ssp = properties.find("xades:SignedSignatureProperties", NS)
    assert ssp.find("xades:SigningTime", NS).text == "2026-03-02T09:30:00+00:00"
    assert ssp.find("xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole", NS).text == "assistant"
    assert ssp.find("xades:SigningCertificateV2/xades:Cert/xades:CertDigest/ds:DigestMethod", NS).get(
        "Algorithm") == "http://www.w3.org/2001/04/xmlenc#sha256"
    assert len(signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)) == 2


def test_an_ec_key_signs_with_ecdsa_sha256():
    data = sign(DOC, pki.supervisor("ec"), "supervisor")
    method = first_signature(parse_xml(data).getroot()).find("ds:SignedInfo/ds:SignatureMethod", NS)
    assert method.get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    assert codes(verify(data)) == [None]


def test_the_content_returned_is_the_verified_element(signed_twice):
    result = verify(signed_twice)
    original = parse_xml(DOC).getroot().find(f"{{{T}}}Report")
    assert result.content.tag == TAG and result.content.get("Id") == "report"
    assert etree.tostring(result.content, method="c14n") == etree.tostring(original, method="c14n")
    assert "".join(result.content.itertext()) == "".join(original.itertext())
    assert result.content.getparent() is None  # read back from the verified bytes, not the input tree


def test_nothing_personal_is_logged_even_at_debug(signed_twice, caplog):
    caplog.set_level(logging.DEBUG)
    verify(signed_twice.replace(b"8.00", b"9.00"))
    verify(sign(DOC, pki.untrusted(), "assistant"))
    assert pki.ASSISTANT_PNR not in caplog.text


# --- content, trust, time, key usage ------------------------------------------------------------

def test_a_changed_byte_in_the_content_invalidates_both_signatures(signed_twice):
    result = verify(signed_twice.replace(b"Natt, jour", b"Natt, jout"))
    assert codes(result) == ["SIG-021", "SIG-021"]
    assert all("content was changed" in s.reason and s.id for s in result.signatures)
    assert result.content is None and result.problems == []


def test_one_broken_signature_leaves_the_other_valid(signed_twice):
    def garble_second(root):
        root.findall("ds:Signature", NS)[1].find("ds:SignatureValue", NS).text = \
            base64.b64encode(os.urandom(64)).decode()
    result = verify(serialize(edit(signed_twice, garble_second)))
    assert codes(result) == [None, "SIG-020"]
    assert result.content is not None


def test_a_certificate_from_an_untrusted_root():
    assert codes(verify(sign(DOC, pki.untrusted(), "assistant"))) == ["SIG-030"]


def test_a_certificate_expired_at_the_signing_time():
    result = verify(sign(DOC, pki.expired(), "assistant", when=pki.SIGNING_TIME))
    assert codes(result) == ["SIG-031"] and "not at the signing time" in result.signatures[0].reason
    assert codes(verify(sign(DOC, pki.expired(), "assistant", when=datetime(2022, 6, 1, tzinfo=timezone.utc)))) \
        == [None]


def test_a_certificate_not_yet_valid_at_the_signing_time():
    early = datetime(2024, 12, 31, tzinfo=timezone.utc)
    assert codes(verify(sign(DOC, pki.assistant(), "assistant", when=early))) == ["SIG-031"]


def test_a_signing_time_in_the_future():
    later = datetime.now(timezone.utc) + timedelta(days=1)
    assert codes(verify(sign(DOC, pki.assistant(), "assistant", when=later))) == ["SIG-018"]


@pytest.mark.parametrize("identity, policy, expected", [
    (pki.non_repudiation_only, "digitalSignature", "SIG-032"),
    (pki.non_repudiation_only, "nonRepudiation", None),
    (pki.non_repudiation_only, "either", None),
    (pki.digital_signature_only, "nonRepudiation", "SIG-032"),
    (pki.digital_signature_only, "digitalSignature", None),
    (pki.digital_signature_only, "either", None),
])
def test_the_key_usage_policy(identity, policy, expected):
    assert codes(verify(sign(DOC, identity(), "assistant"), key_usage=policy)) == [expected]


def test_signxml_path_validation_follows_the_key_usage_policy_too():
    """Past our own check, cryptography's path validation (through signxml) refuses too."""
    root = parse_xml(sign(DOC, pki.non_repudiation_only(), "assistant")).getroot()
    time_text = root.find(".//xades:SigningTime", NS).text
    policy = TrustPolicy(anchors=pki.anchors(), key_usage="digitalSignature")
    with pytest.raises(Fail) as refused:
        xmldsig_verify._run_engine(root, policy, pki.SIGNING_TIME, time_text, "report")
    assert refused.value.code == "SIG-030"
    ok = TrustPolicy(anchors=pki.anchors(), key_usage="nonRepudiation")
    assert len(xmldsig_verify._run_engine(root, ok, pki.SIGNING_TIME, time_text, "report")) == 2


def test_a_keyinfo_certificate_of_another_person(signed_once):
    other = base64.b64encode(pki.other_person().cert.public_bytes(Encoding.DER)).decode()

    def swap(root):
        first_signature(root).find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS).text = other
    assert codes(verify(serialize(edit(signed_once, swap)))) == ["SIG-033"]


def test_a_changed_role_breaks_the_signed_properties(signed_once):
    def promote(root):
        root.find(".//xades:ClaimedRole", NS).text = "supervisor"
    assert codes(verify(serialize(edit(signed_once, promote)))) == ["SIG-022"]


# --- algorithms, references, transforms ----------------------------------------------------------

def test_a_sha1_digest_is_refused_though_correctly_signed(signed_once):
    root = parse_xml(signed_once).getroot()
    redigest(root, content_reference(first_signature(root)), hashes.SHA1(), SHA1_DIGEST)
    result = verify(resign(root, pki.assistant()))
    assert codes(result) == ["SIG-015"] and "SHA-1" in result.signatures[0].reason


def test_the_rsa_sha1_signature_method_is_refused_though_correctly_signed(signed_once):
    root = parse_xml(signed_once).getroot()
    assert codes(verify(resign(root, pki.assistant(), RSA_SHA1))) == ["SIG-015"]


def test_signxml_enforces_the_allowlist_too(signed_once):
    root = parse_xml(signed_once).getroot()
    redigest(root, content_reference(first_signature(root)), hashes.SHA1(), SHA1_DIGEST)
    root = parse_xml(resign(root, pki.assistant())).getroot()
    with pytest.raises(Fail) as refused:
        xmldsig_verify._run_engine(root, TrustPolicy(anchors=pki.anchors()), pki.SIGNING_TIME,
                                   root.find(".//xades:SigningTime", NS).text, "report")
    assert refused.value.code == "SIG-010" and "forbidden" in refused.value.reason


@pytest.mark.parametrize("where, uri", [
    ("SignatureMethod", "http://example.invalid/xmldsig#rsa-whirlpool"),
    ("CanonicalizationMethod", "http://example.invalid/c14n"),
    ("DigestMethod", "http://www.w3.org/2001/04/xmldsig-more#md5"),
])
def test_an_unknown_algorithm(signed_once, where, uri):
    root = parse_xml(signed_once).getroot()
    signature = first_signature(root)
    target = (content_reference(signature).find("ds:DigestMethod", NS) if where == "DigestMethod"
              else signature.find(f"ds:SignedInfo/ds:{where}", NS))
    target.set("Algorithm", uri)
    data = resign(root, pki.assistant()) if where != "SignatureMethod" else serialize(root)
    assert codes(verify(data)) == ["SIG-014"]


def test_an_xpath_transform(signed_once):
    root = parse_xml(signed_once).getroot()
    transforms = content_reference(first_signature(root)).find("ds:Transforms", NS)
    xpath = etree.SubElement(transforms, f"{{{NS['ds']}}}Transform",
                             Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116")
    etree.SubElement(xpath, f"{{{NS['ds']}}}XPath").text = "not(ancestor-or-self::t:Note)"
    assert codes(verify(resign(root, pki.assistant()))) == ["SIG-013"]


def test_an_xslt_transform(signed_once):
    root = parse_xml(signed_once).getroot()
    transforms = content_reference(first_signature(root)).find("ds:Transforms", NS)
    etree.SubElement(transforms, f"{{{NS['ds']}}}Transform", Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116")
    assert codes(verify(resign(root, pki.assistant()))) == ["SIG-013"]


@pytest.mark.parametrize("uri", ["http://example.invalid/report.xml", "file:///etc/passwd", "", "#xpointer(/)",
                                 "#other"])
def test_a_reference_to_anything_but_the_content(signed_once, uri):
    root = parse_xml(signed_once).getroot()
    content_reference(first_signature(root)).set("URI", uri)
    result = verify(resign(root, pki.assistant()))
    assert codes(result) == ["SIG-012"] and result.content is None


def test_a_third_reference(signed_once):
    root = parse_xml(signed_once).getroot()
    signature = first_signature(root)
    extra = etree.fromstring(etree.tostring(content_reference(signature)))
    extra.set("URI", f"#{signature.find('ds:KeyInfo', NS).get('Id')}")
    extra.attrib.pop("Id")
    signature.find("ds:SignedInfo", NS).append(extra)
    assert codes(verify(resign(root, pki.assistant()))) == ["SIG-012"]


# --- hostile documents ----------------------------------------------------------------------------

def test_duplicate_ids(signed_once):
    def clash(root):
        signature = first_signature(root)
        etree.SubElement(signature, f"{{{NS['ds']}}}Object", Id=signature.get("Id"))
    result = verify(serialize(edit(signed_once, clash)))
    assert problem_codes(result) == ["SIG-004"] and result.content is None


def test_a_second_unsigned_copy_of_the_content_elsewhere(signed_once):
    def smuggle(root):
        decoy = etree.fromstring(etree.tostring(root.find(f"{{{T}}}Report")))
        decoy.set("Id", "report-2")
        decoy.find(f"{{{T}}}Day/{{{T}}}Hours").text = "24.00"
        etree.SubElement(first_signature(root), f"{{{NS['ds']}}}Object").append(decoy)
    result = verify(serialize(edit(signed_once, smuggle)))
    assert problem_codes(result) == ["SIG-005"] and result.content is None


def test_the_reference_pointing_at_a_moved_decoy_with_the_same_id(signed_once):
    """The classic wrapping attack: the signed original hidden in a ds:Object, where the
    reference still finds it, and a changed content element where the caller reads."""
    def wrap(root):
        original = root.find(f"{{{T}}}Report")
        forged = etree.fromstring(etree.tostring(original))
        forged.find(f"{{{T}}}Day/{{{T}}}Hours").text = "24.00"
        etree.SubElement(first_signature(root), f"{{{NS['ds']}}}Object").append(original)
        root.insert(0, forged)
    result = verify(serialize(edit(signed_once, wrap)))
    assert problem_codes(result) == ["SIG-004", "SIG-005"]
    assert codes(result) == ["SIG-016"] and result.content is None


def test_a_signature_elsewhere_than_the_root(signed_once):
    def nest(root):
        root.find(f"{{{T}}}Report").append(etree.fromstring(etree.tostring(first_signature(root))))
        root.remove(first_signature(root))
    assert "SIG-006" in problem_codes(verify(serialize(edit(signed_once, nest))))


@pytest.mark.parametrize("prefix", [b'<!DOCTYPE t:TimeReport SYSTEM "http://example.invalid/x.dtd">',
                                    b'<!DOCTYPE x [<!ENTITY e "8.00">]>'])
def test_a_dtd_is_a_problem_not_an_exception(signed_once, prefix):
    data = signed_once.replace(b"?>\n", b"?>\n" + prefix, 1)
    result = verify(data)
    assert problem_codes(result) == ["SIG-001"] and result.signatures == [] and result.content is None
    assert "LSS-XML-002" in result.problems[0][1]


def test_not_xml_is_a_problem():
    assert problem_codes(verify(b"<t:TimeReport xmlns:t='x'>")) == ["SIG-002"]


def test_an_unsigned_document():
    result = verify(DOC)
    assert problem_codes(result) == ["SIG-007"] and result.content is None


@pytest.mark.parametrize("value, expected", [
    (lambda: base64.b64encode(os.urandom(256)).decode(), "SIG-020"),
    (lambda: "this is not base64 !!", "SIG-010"),
    (lambda: "", "SIG-011"),
])
def test_a_garbage_or_missing_signature_value(signed_once, value, expected):
    def garble(root):
        first_signature(root).find("ds:SignatureValue", NS).text = value()
    assert codes(verify(serialize(edit(signed_once, garble)))) == [expected]


def test_missing_signed_properties(signed_once):
    def strip(root):
        signature = first_signature(root)
        signature.remove(signature.find("ds:Object", NS))
    assert codes(verify(serialize(edit(signed_once, strip)))) == ["SIG-017"]


def test_an_engine_failure_is_never_valid(signed_once, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(xmldsig_verify._Verifier, "verify", explode)
    result = verify(signed_once)
    assert codes(result) == ["SIG-040"] and not result.signatures[0].valid and result.content is None


def test_a_check_that_trips_is_never_valid(signed_once, monkeypatch):
    def trip(*args, **kwargs):
        raise KeyError("unexpected")
    monkeypatch.setattr(xmldsig_verify.checks, "certificates", trip)
    assert codes(verify(signed_once)) == ["SIG-040"]


# --- what signing refuses ------------------------------------------------------------------------

@pytest.mark.parametrize("document", [
    f'<t:TimeReport xmlns:t="{T}"/>',
    f'<t:TimeReport xmlns:t="{T}"><t:Report Id="other"/></t:TimeReport>',
    f'<t:TimeReport xmlns:t="{T}"><t:Report Id="report"/><t:Report Id="r2"/></t:TimeReport>',
    f'<t:TimeReport xmlns:t="{T}"><t:Report Id="report"/><t:Extra/></t:TimeReport>',
    f'<t:TimeReport xmlns:t="{T}"><t:Report Id="report"><t:X Id="report"/></t:Report></t:TimeReport>',
    f'<!DOCTYPE t:TimeReport [<!ENTITY e "x">]><t:TimeReport xmlns:t="{T}"><t:Report Id="report"/></t:TimeReport>',
])
def test_signing_refuses_a_document_not_of_the_contract_shape(document):
    with pytest.raises(ValueError, match="not a document to sign"):
        sign(document.encode(), pki.assistant(), "assistant")


def test_signing_refuses_a_key_that_is_not_the_certificates():
    with pytest.raises(ValueError, match="not the key of the signing certificate"):
        sign_enveloped(DOC, content_tag=TAG, content_id="report", role="assistant", key_pem=pki.supervisor().key_pem,
                       cert_pem=pki.assistant().cert_pem)


def test_signing_refuses_a_naive_time_and_an_empty_role():
    with pytest.raises(ValueError, match="timezone"):
        sign(DOC, pki.assistant(), "assistant", when=datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="role"):
        sign(DOC, pki.assistant(), " ")


# --- the signed properties, changed and signed again ----------------------------------------------

def reproperty(data: bytes, change) -> bytes:
    """Change the first signature's SignedProperties, digest them again, sign again: only
    the property check can then refuse it."""
    root = parse_xml(data).getroot()
    signature = first_signature(root)
    properties = signature.find("ds:Object/xades:QualifyingProperties/xades:SignedProperties", NS)
    change(properties)
    reference = signature.find(f"ds:SignedInfo/ds:Reference[@URI='#{properties.get('Id')}']", NS)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(canonical(properties, "http://www.w3.org/2001/10/xml-exc-c14n#"))
    reference.find("ds:DigestValue", NS).text = base64.b64encode(digest.finalize()).decode()
    return resign(root, pki.assistant())


def test_properties_changed_and_signed_again_still_verify(signed_once):
    assert codes(verify(reproperty(signed_once, lambda properties: None))) == [None]


def test_a_sha1_certificate_digest(signed_once):
    def sha1(properties):
        digest = properties.find(".//xades:CertDigest", NS)
        digest.find("ds:DigestMethod", NS).set("Algorithm", SHA1_DIGEST)
        digest.find("ds:DigestValue", NS).text = base64.b64encode(
            pki.assistant().cert.fingerprint(hashes.SHA1())).decode()
    assert codes(verify(reproperty(signed_once, sha1))) == ["SIG-015"]


@pytest.mark.parametrize("path, expected", [
    ("xades:SignedSignatureProperties/xades:SignerRole", "SIG-019"),
    ("xades:SignedSignatureProperties/xades:SigningTime", "SIG-018"),
    ("xades:SignedSignatureProperties/xades:SigningCertificateV2", "SIG-033"),
])
def test_a_missing_signed_property(signed_once, path, expected):
    def drop(properties):
        element = properties.find(path, NS)
        element.getparent().remove(element)
    assert codes(verify(reproperty(signed_once, drop))) == [expected]


def test_two_claimed_roles(signed_once):
    def two(properties):
        claimed = properties.find(".//xades:ClaimedRoles", NS)
        etree.SubElement(claimed, f"{{{NS['xades']}}}ClaimedRole").text = "supervisor"
    assert codes(verify(reproperty(signed_once, two))) == ["SIG-019"]


def test_no_certificate_in_keyinfo(signed_once):
    def strip(root):
        key_info = first_signature(root).find("ds:KeyInfo", NS)
        key_info.remove(key_info.find("ds:X509Data", NS))
    assert codes(verify(serialize(edit(signed_once, strip)))) == ["SIG-034"]
