"""Our own checks of one signature, before signxml sees it (see :mod:`validate.xmldsig`).

Each check raises :class:`Fail` with a code; they run in the order of :func:`structure` and
then the property and certificate checks, so the first thing wrong names the verdict.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import verification
from lxml import etree

from validate.xmldsig_common import (
    BAD_ALGORITHM, BAD_REFERENCE, DEFAULT_C14N, BAD_ROLE, BAD_SIGNING_TIME, BAD_TRANSFORM, C14N_METHODS,
    DIGEST_METHOD_URIS, DS_NS, ENVELOPED, EXC_C14N_NS, KEY_USAGE, NO_CERTIFICATE, NO_PROPERTIES,
    NOT_VALID_AT_SIGNING_TIME, NS, SHA1, SIGNATURE_METHOD_URIS, SIGNING_CERTIFICATE, UNREADABLE,
    UNSIGNED, UNTRUSTED, WRONG_TARGET, XADES_NS, elements_with_id, is_sha1,
)

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future (by our clock) a SigningTime may lie."""
_CERT_DIGESTS = {"http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256(),
                 "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384(),
                 "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512()}


class Fail(Exception):
    """A signature is not valid: ``code`` and ``reason`` say why."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


_NUMBERS = re.compile(r"\d{6,}")
_SUBJECT = re.compile(r"subject=[^)>]*[)>]?")


def scrub(message: str) -> str:
    """An engine's message without certificate subjects or long numbers in it (a subject's
    serialNumber is a personnummer)."""
    return _NUMBERS.sub("…", _SUBJECT.sub("subject=…", message))


@dataclass(frozen=True)
class Read:
    """What the structural checks read from a signature."""

    signed_properties: etree._Element
    certificates: list[x509.Certificate]
    content_c14n: str
    """The C14N method the content reference's transforms end with."""


def _one(parent: etree._Element, path: str, what: str) -> etree._Element:
    found = parent.findall(path, NS)
    if len(found) != 1:
        raise Fail(UNREADABLE, f"{len(found)} {what} where XML-DSig 1.1 §4 requires one")
    return found[0]


def _algorithm(uri: str | None, allowed: frozenset[str], what: str) -> None:
    """XML-DSig 1.1 §6: SHA-1 is refused by name; anything outside the allowlist too."""
    if is_sha1(uri):
        raise Fail(SHA1, f"{what} {uri} uses SHA-1")
    if uri not in allowed:
        raise Fail(BAD_ALGORITHM, f"{what} {uri!r} is unknown or not allowed")


def _signature_value(signature: etree._Element) -> None:
    value = signature.findall("ds:SignatureValue", NS)
    text = "".join((value[0].text or "").split()) if len(value) == 1 else ""
    if not text:
        raise Fail(UNSIGNED, "the signature has no SignatureValue: it was never signed")
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Fail(UNREADABLE, "the SignatureValue is not base64") from None


def _signed_properties(signature: etree._Element, sig_id: str) -> etree._Element:
    """EN 319 132-1 §4.3: one ``QualifyingProperties`` in a ``ds:Object`` of this signature,
    targeting it (``Target="#Id"``), holding one ``SignedProperties`` with an ``Id``."""
    qualifying = signature.findall("ds:Object/xades:QualifyingProperties", NS)
    elsewhere = [q for q in signature.iter(f"{{{XADES_NS}}}QualifyingProperties") if q not in qualifying]
    if len(qualifying) != 1 or elsewhere:
        raise Fail(NO_PROPERTIES, f"{len(qualifying) + len(elsewhere)} xades:QualifyingProperties where one "
                                  "ds:Object/xades:QualifyingProperties is required")
    if qualifying[0].get("Target") != f"#{sig_id}":
        raise Fail(NO_PROPERTIES, "the qualifying properties do not target this signature")
    found = qualifying[0].findall("xades:SignedProperties", NS)
    if len(found) != 1 or not found[0].get("Id"):
        raise Fail(NO_PROPERTIES, "no single xades:SignedProperties with an Id")
    return found[0]


def _transforms(reference: etree._Element, uri: str) -> str:
    """Only enveloped-signature and the canonicalisations (XML-DSig 1.1 §6.6): no XPath,
    XSLT, base64 or XPointer; returns the C14N method applied last."""
    c14n = DEFAULT_C14N.value
    for transform in reference.findall("ds:Transforms/ds:Transform", NS):
        algorithm = transform.get("Algorithm")
        if algorithm != ENVELOPED and algorithm not in C14N_METHODS:
            raise Fail(BAD_TRANSFORM, f"the reference {uri} has the transform {algorithm!r}: only "
                                      "enveloped-signature and canonicalisation are allowed")
        extra = [c for c in transform if isinstance(c.tag, str) and c.tag != f"{{{EXC_C14N_NS}}}InclusiveNamespaces"]
        if extra:
            raise Fail(BAD_TRANSFORM, f"the reference {uri} has a transform with a {extra[0].tag} parameter")
        if algorithm in C14N_METHODS:
            c14n = algorithm
    strays = [c for c in reference.iter(f"{{{DS_NS}}}Transform") if c.getparent().tag != f"{{{DS_NS}}}Transforms"]
    if strays:
        raise Fail(BAD_TRANSFORM, f"the reference {uri} has a transform outside ds:Transforms")
    return c14n


def _references(signed_info: etree._Element, content_id: str, properties_id: str) -> dict[str, etree._Element]:
    """Exactly two references: ``#content_id`` and this signature's ``#SignedProperties``."""
    references = signed_info.findall("ds:Reference", NS)
    allowed = {f"#{content_id}", f"#{properties_id}"}
    by_uri: dict[str, etree._Element] = {}
    for reference in references:
        uri = reference.get("URI")
        if uri not in allowed:
            raise Fail(BAD_REFERENCE, f"the reference URI {uri!r} is not allowed: only #{content_id} and "
                                      "this signature's own signed properties")
        if uri in by_uri:
            raise Fail(BAD_REFERENCE, f"{uri} is referenced twice")
        by_uri[uri] = reference
    if set(by_uri) != allowed:
        raise Fail(BAD_REFERENCE, f"the signature must reference #{content_id} and its own signed properties")
    for uri, reference in by_uri.items():
        _algorithm(_one(reference, "ds:DigestMethod", "DigestMethod").get("Algorithm"), DIGEST_METHOD_URIS,
                   f"the digest method of {uri}")
    return by_uri


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    """``KeyInfo/X509Data/X509Certificate``: the signing certificate first, then the chain."""
    texts = [e.text or "" for e in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)]
    if not texts:
        raise Fail(NO_CERTIFICATE, "KeyInfo carries no X509Certificate")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode("".join(t.split()), validate=True))
                for t in texts]
    except (binascii.Error, ValueError):
        raise Fail(NO_CERTIFICATE, "a KeyInfo certificate cannot be read") from None


def structure(root: etree._Element, content: etree._Element | None, signature: etree._Element,
              content_id: str) -> Read:
    """The signature's structure, algorithms, references and their targets."""
    sig_id = signature.get("Id")
    if not sig_id:
        raise Fail(UNREADABLE, "the signature has no Id")
    signed_info = _one(signature, "ds:SignedInfo", "SignedInfo")
    _signature_value(signature)
    c14n = _one(signed_info, "ds:CanonicalizationMethod", "CanonicalizationMethod").get("Algorithm")
    _algorithm(c14n, C14N_METHODS, "the canonicalisation method")
    _algorithm(_one(signed_info, "ds:SignatureMethod", "SignatureMethod").get("Algorithm"), SIGNATURE_METHOD_URIS,
               "the signature method")
    properties = _signed_properties(signature, sig_id)
    references = _references(signed_info, content_id, properties.get("Id"))
    content_c14n = _transforms(references[f"#{content_id}"], f"#{content_id}")
    _transforms(references[f"#{properties.get('Id')}"], f"#{properties.get('Id')}")
    targets = elements_with_id(root, content_id)
    if content is None or targets != [content]:
        raise Fail(WRONG_TARGET, f"#{content_id} resolves to {len(targets)} element(s), not to the one "
                                 "content element of the document")
    if elements_with_id(root, properties.get("Id")) != [properties]:
        raise Fail(WRONG_TARGET, "the signed-properties reference does not resolve to this signature's own")
    return Read(properties, _certificates(signature), content_c14n)


def signing_time(signed_properties: etree._Element, now: datetime) -> tuple[datetime, str]:
    """EN 319 132-1 §5.2.1: one ``SigningTime``, an xsd:dateTime with a zone, not in the future."""
    found = signed_properties.findall("xades:SignedSignatureProperties/xades:SigningTime", NS)
    if len(found) != 1 or not (found[0].text or "").strip():
        raise Fail(BAD_SIGNING_TIME, "no single XAdES SigningTime")
    text = found[0].text
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Fail(BAD_SIGNING_TIME, f"the SigningTime {text!r} is not a date and time") from None
    if moment.tzinfo is None:
        raise Fail(BAD_SIGNING_TIME, f"the SigningTime {text!r} has no time zone")
    if moment > now + CLOCK_SKEW:
        raise Fail(BAD_SIGNING_TIME, f"the SigningTime {text!r} is in the future")
    return moment, text


def signing_certificate(signed_properties: etree._Element, certificate: x509.Certificate) -> None:
    """EN 319 132-1 §5.2.2: ``SigningCertificateV2`` (and no SHA-1 ``SigningCertificate``),
    whose first ``CertDigest`` is the digest of the KeyInfo signing certificate."""
    ssp = "xades:SignedSignatureProperties/"
    if signed_properties.findall(ssp + "xades:SigningCertificate", NS):
        raise Fail(SIGNING_CERTIFICATE, "the legacy SigningCertificate is not accepted: SigningCertificateV2")
    digests = signed_properties.findall(ssp + "xades:SigningCertificateV2/xades:Cert/xades:CertDigest", NS)
    if not digests:
        raise Fail(SIGNING_CERTIFICATE, "no SigningCertificateV2 digest")
    for digest in digests:
        _algorithm(_one(digest, "ds:DigestMethod", "DigestMethod").get("Algorithm"), frozenset(_CERT_DIGESTS),
                   "the signing certificate's digest method")
    first = digests[0]
    algorithm = _CERT_DIGESTS[first.find("ds:DigestMethod", NS).get("Algorithm")]
    try:
        value = base64.b64decode("".join((_one(first, "ds:DigestValue", "DigestValue").text or "").split()),
                                 validate=True)
    except (binascii.Error, ValueError):
        raise Fail(SIGNING_CERTIFICATE, "the SigningCertificateV2 digest is not base64") from None
    if value != certificate.fingerprint(algorithm):
        raise Fail(SIGNING_CERTIFICATE, "SigningCertificateV2 does not name the certificate in KeyInfo")


def role(signed_properties: etree._Element) -> str:
    """EN 319 132-1 §5.2.6: exactly one ``SignerRole/ClaimedRoles/ClaimedRole`` with text."""
    found = signed_properties.findall(
        "xades:SignedSignatureProperties/xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole", NS)
    text = (found[0].text or "").strip() if len(found) == 1 else ""
    if not text or len(found[0]):
        raise Fail(BAD_ROLE, f"{len(found)} claimed roles where one, as text, is required")
    return text


def key_usage_allows(usage: x509.KeyUsage, policy: str) -> bool:
    """RFC 5280 §4.2.1.3: digitalSignature, nonRepudiation (contentCommitment), or either."""
    if policy == "digitalSignature":
        return usage.digital_signature
    if policy == "nonRepudiation":
        return usage.content_commitment
    return usage.digital_signature or usage.content_commitment


def ee_policy(policy: str) -> verification.ExtensionPolicy:
    """The end-entity extension policy for cryptography's path validation: keyUsage present
    and allowing what ``policy`` says; other extensions as they come."""
    def check(_policy, _cert, usage: x509.KeyUsage) -> None:
        if not key_usage_allows(usage, policy):
            raise ValueError(f"key usage does not allow {policy}")
    return verification.ExtensionPolicy.permit_all().require_present(
        x509.KeyUsage, verification.Criticality.AGNOSTIC, check)


def certificates(certs: list[x509.Certificate], policy, moment: datetime) -> None:
    """Each certificate valid at the signing time, the key usage the policy asks for, and a
    path from the signing certificate through KeyInfo's others to a pinned anchor, validated
    at the signing time (RFC 5280 §6 as cryptography implements it)."""
    for cert in certs:
        if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
            raise Fail(NOT_VALID_AT_SIGNING_TIME, f"a certificate of the chain is valid from "
                                                  f"{cert.not_valid_before_utc:%Y-%m-%d} to "
                                                  f"{cert.not_valid_after_utc:%Y-%m-%d}, not at the signing time")
    try:
        usage = certs[0].extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise Fail(KEY_USAGE, "the signing certificate has no keyUsage") from None
    if not key_usage_allows(usage, policy.key_usage):
        raise Fail(KEY_USAGE, f"the signing certificate's key usage does not allow {policy.key_usage}")
    builder = (verification.PolicyBuilder().store(verification.Store(list(policy.anchors))).time(moment)
               .extension_policies(ee_policy=ee_policy(policy.key_usage),
                                   ca_policy=verification.ExtensionPolicy.webpki_defaults_ca()))
    try:
        builder.build_client_verifier().verify(certs[0], certs[1:])
    except verification.VerificationError as err:
        if "not valid at validation time" in str(err):
            raise Fail(NOT_VALID_AT_SIGNING_TIME, "a certificate of the path is not valid at the signing time") \
                from None
        raise Fail(UNTRUSTED, "the certificate does not chain to a trusted anchor of the policy") from None
