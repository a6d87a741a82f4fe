"""Signing: one more enveloped XAdES-BES signature over the content element (see :mod:`validate.xmldsig`).

The signature (XML-DSig 1.1 §2 and ETSI EN 319 132-1 §4, §5.2) is appended to the root:

* ``SignedInfo``: Exclusive XML Canonicalization 1.0; RSASSA-PSS with SHA-256
  (``#sha256-rsa-MGF1``, RFC 9231 §2.3.10) for an RSA key, ECDSA with SHA-256 for an EC key;
* one ``Reference`` to ``#content_id`` (transforms: enveloped-signature, exclusive C14N;
  digest SHA-256) and one to the signature's own ``xades:SignedProperties`` (``Type``
  ``http://uri.etsi.org/01903#SignedProperties``, exclusive C14N, SHA-256). Nothing else is
  referenced (signxml's XAdES signer would also reference ``KeyInfo``; EN 319 132-1 §6.3
  leaves that optional, and the verifier accepts exactly these two);
* XAdES-BES signed properties (EN 319 132-1 §5.2.1, §5.2.2, §5.2.6): ``SigningTime``,
  ``SigningCertificateV2`` (the signing certificate's SHA-256 digest),
  ``SignerRole/ClaimedRoles/ClaimedRole``; and signxml's ``DataObjectFormat``;
* ``KeyInfo/X509Data``: the signing certificate first, then the chain.

The content element does not contain the signature, and the signature covers only the
content, so a second signer signs the same bytes as the first: the order does not matter.
"""
from __future__ import annotations

import secrets
from base64 import b64encode
from collections.abc import Sequence
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml import SignatureReference
from signxml.algorithms import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.util import SigningSettings
from signxml.xades import XAdESSigner

from validate.xmldsig_common import (
    DS_NS, EXC_C14N, NS, SIGNATURE_TAG, XADES_NS, canonical, duplicate_ids, root_signatures,
    shape_problems,
)
from validate.xmlsafe import XmlRefused, hardened_parser, parse_xml, serialize

SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"


def _ds(name: str) -> str:
    return f"{{{DS_NS}}}{name}"


def _xades(name: str) -> str:
    return f"{{{XADES_NS}}}{name}"


class _ContentSigner(XAdESSigner):
    """signxml's XAdES signer, told the signing time, the role, the Ids, and to reference
    only the content and the signed properties."""

    def __init__(self, *, signature_method: SignatureMethod, role: str, signing_time: datetime,
                 signature_id: str) -> None:
        super().__init__(claimed_roles=[role], method=SignatureConstructionMethod.enveloped,
                         signature_algorithm=signature_method, digest_algorithm=DigestAlgorithm.SHA256,
                         c14n_algorithm=EXC_C14N)
        self._signing_time = signing_time
        self._signature_id = signature_id
        self._parser = hardened_parser()
        before_xades = self.signature_annotators.index(self._build_xades_ds_object)
        self.signature_annotators.insert(before_xades, self._name_parts)

    def _name_parts(self, sig_root: etree._Element, signing_settings: SigningSettings) -> None:
        """Ids derived from the signature's own, so they are as unique as it is."""
        sig_root.set("Id", self._signature_id)
        sig_root.find("ds:KeyInfo", NS).set("Id", f"{self._signature_id}-keyinfo")
        sig_root.find("ds:SignedInfo/ds:Reference", NS).set("Id", f"{self._signature_id}-content")

    def add_signing_time(self, signed_signature_properties, sig_root, signing_settings) -> None:
        """EN 319 132-1 §5.2.1: the claimed time of signing, UTC, as xsd:dateTime."""
        element = etree.SubElement(signed_signature_properties, _xades("SigningTime"))
        element.text = self._signing_time.astimezone(timezone.utc).isoformat(timespec="seconds")

    def add_signing_certificate(self, signed_signature_properties, sig_root, signing_settings) -> None:
        """EN 319 132-1 §5.2.2: ``SigningCertificateV2`` with the signing certificate only
        (the first of the chain), digested with SHA-256; no SHA-1 ``SigningCertificate``."""
        certificate = signing_settings.cert_chain[0]
        der = certificate.public_bytes(serialization.Encoding.DER)
        v2 = etree.SubElement(signed_signature_properties, _xades("SigningCertificateV2"))
        digest = etree.SubElement(etree.SubElement(v2, _xades("Cert")), _xades("CertDigest"))
        etree.SubElement(digest, _ds("DigestMethod"), Algorithm=DigestAlgorithm.SHA256.value)
        value = etree.SubElement(digest, _ds("DigestValue"))
        value.text = b64encode(self._get_digest(der, DigestAlgorithm.SHA256)).decode()

    def _add_reference_to_signed_info(self, sig_root, node_to_reference, **attrs) -> None:
        """Reference the signed properties (with an explicit exclusive C14N transform), never
        ``KeyInfo``: the certificate is bound by ``SigningCertificateV2`` instead."""
        if node_to_reference.tag != _xades("SignedProperties"):
            return
        signed_info = sig_root.find("ds:SignedInfo", NS)
        reference = etree.SubElement(signed_info, _ds("Reference"), URI=f"#{node_to_reference.get('Id')}",
                                     Type=SIGNED_PROPERTIES_TYPE)
        transforms = etree.SubElement(reference, _ds("Transforms"))
        etree.SubElement(transforms, _ds("Transform"), Algorithm=EXC_C14N.value)
        etree.SubElement(reference, _ds("DigestMethod"), Algorithm=DigestAlgorithm.SHA256.value)
        digest = self._get_digest(canonical(node_to_reference, EXC_C14N.value), DigestAlgorithm.SHA256)
        etree.SubElement(reference, _ds("DigestValue")).text = b64encode(digest).decode()


def _load(key_pem: bytes, cert_pem: bytes, chain_pem: Sequence[bytes]):
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        cert = x509.load_pem_x509_certificate(cert_pem)
        chain = [x509.load_pem_x509_certificate(pem) for pem in chain_pem]
    except (ValueError, TypeError) as err:
        raise ValueError(f"the key or a certificate cannot be read: {err}") from None
    if key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) \
            != cert.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo):
        raise ValueError("the private key is not the key of the signing certificate")
    return key, cert, chain


def _signature_method(key) -> SignatureMethod:
    """RSA-PSS-SHA256 for RSA (RFC 9231 §2.3.10), ECDSA-SHA256 for EC (XML-DSig 1.1 §6.4.3)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return SignatureMethod.SHA256_RSA_MGF1
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return SignatureMethod.ECDSA_SHA256
    raise ValueError(f"a {type(key).__name__} cannot sign here: RSA or EC keys only")


def _document(data: bytes, content_tag: str, content_id: str) -> etree._Element:
    """The document's root, refused (ValueError) unless it is of the contract shape."""
    try:
        root = parse_xml(data).getroot()
    except XmlRefused as err:
        raise ValueError(f"not a document to sign: {err.rule_id} {err}") from None
    content, problems = shape_problems(root, content_tag, content_id)
    if content is None or problems:
        raise ValueError("not a document to sign: " + "; ".join(f"{c} {m}" for c, m in problems))
    if any(s.get("Id") == "placeholder" for s in root.iter(SIGNATURE_TAG)):
        raise ValueError("not a document to sign: a ds:Signature with Id 'placeholder'")
    return root


def _fresh_id(root: etree._Element) -> str:
    taken = {v for e in root.iter(etree.Element) for v in e.attrib.values()}
    while True:
        candidate = f"sig-{secrets.token_hex(6)}"
        if not any(t.startswith(candidate) for t in taken):
            return candidate


def sign_enveloped(data: bytes, *, content_tag: str, content_id: str, key_pem: bytes, cert_pem: bytes,
                   chain_pem: Sequence[bytes] = (), role: str, signing_time: datetime | None = None) -> bytes:
    """Append one XAdES-BES ``ds:Signature`` over the content element to the document's root.

    ``content_tag`` is the content element's Clark name and ``content_id`` its ``Id``;
    ``key_pem`` an unencrypted PKCS#8/PKCS#1/SEC1 private key, ``cert_pem`` its certificate,
    ``chain_pem`` the intermediates (written to ``KeyInfo`` after it); ``role`` the claimed
    role; ``signing_time`` (timezone-aware; default now) the XAdES ``SigningTime``.
    Raises ValueError for a document not of the contract shape, a key that is not the
    certificate's, an empty role or a naive time. Returns the signed document (UTF-8).
    """
    if not role or not role.strip():
        raise ValueError("a signature needs a role")
    if signing_time is None:
        signing_time = datetime.now(timezone.utc)
    elif signing_time.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    root = _document(data, content_tag, content_id)
    key, cert, chain = _load(key_pem, cert_pem, chain_pem)
    signer = _ContentSigner(signature_method=_signature_method(key), role=role, signing_time=signing_time,
                            signature_id=_fresh_id(root))
    signed = signer.sign(root, key=key, cert=[cert, *chain], always_add_key_value=False,
                         reference_uri=[SignatureReference(URI=f"#{content_id}")])
    if duplicate_ids(signed) or len(root_signatures(signed)) != len(root_signatures(root)) + 1:
        raise RuntimeError("signing produced a document of another shape")  # never expected
    return serialize(signed.getroottree())
