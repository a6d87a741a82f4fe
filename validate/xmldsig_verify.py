"""Verification: every signature of a document of the contract shape, each on its own.

See :mod:`validate.xmldsig` for the contract and the codes. Each signature goes through our
structural checks first (:mod:`validate.xmldsig_checks`: what it references, how, with which
algorithms, its XAdES properties, its certificates against the pinned anchors at the signing
time), then through signxml's :class:`~signxml.xades.XAdESVerifier` on a copy of the document
holding the content and that one signature, configured with the same allowlists, anchors and
key-usage policy. Any failure of either is the signature's verdict; an exception of the
engine that is not a verdict is ``SIG-040``, never "valid".
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

import cryptography.exceptions
from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.util import X509CertChainVerifier
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier, XAdESVerifyResult

from validate import xmldsig_checks as checks
from validate.xmldsig_checks import Fail, scrub
from validate.xmldsig_common import (
    BAD_SIGNATURE_VALUE, CONTENT_CHANGED, DEFAULT_C14N, DIGEST_METHODS, DOCTYPE,
    ENGINE_FAILURE, NO_SIGNATURE, NOT_XML, NS, PROPERTIES_CHANGED, SIGNATURE_METHODS, SIGNING_CERTIFICATE,
    UNREADABLE, UNTRUSTED, WRONG_TARGET, canonical, root_signatures, shape_problems,
)
from validate.xmlsafe import DOCTYPE_REFUSED, XmlRefused, hardened_parser, parse_xml

KeyUsagePolicy = Literal["digitalSignature", "nonRepudiation", "either"]


@dataclass(frozen=True)
class TrustPolicy:
    """Whom to believe: the pinned trust anchors (never the system's store) and the key
    usage a signing certificate must allow (RFC 5280 §4.2.1.3): ``digitalSignature``,
    ``nonRepudiation`` (``contentCommitment``), or ``either`` of them."""

    anchors: tuple[x509.Certificate, ...]
    key_usage: KeyUsagePolicy = "either"

    def __post_init__(self) -> None:
        if not self.anchors:
            raise ValueError("a trust policy needs at least one anchor")
        if self.key_usage not in ("digitalSignature", "nonRepudiation", "either"):
            raise ValueError(f"unknown key usage policy {self.key_usage!r}")


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one ``ds:Signature`` (named by its ``Id``).

    ``code`` and ``reason`` say why it is not valid (``code`` is None when it is). The
    signer's facts come from verified data only, so they are set only for a valid
    signature: ``role`` (the XAdES ClaimedRole), ``subject_serial_number`` (the signing
    certificate's subject serialNumber: a personnummer for Swedish e-ID, kept out of
    ``repr``), ``subject`` (the subject without its serialNumber) and ``signing_time``."""

    id: str
    role: str | None
    valid: bool
    code: str | None
    reason: str
    subject_serial_number: str | None = field(default=None, repr=False)
    subject: str = ""
    signing_time: datetime | None = None


@dataclass(frozen=True)
class Verification:
    """Every signature's verdict, the document's own problems as (code, message), and
    ``content``: the content element as signed and verified (the canonical bytes the
    signatures cover, read back), None unless no document-level problem was found and at
    least one signature is valid."""

    signatures: list[SignatureCheck]
    problems: list[tuple[str, str]]
    content: etree._Element | None = None

    @property
    def valid_signatures(self) -> list[SignatureCheck]:
        return [s for s in self.signatures if s.valid]


# --- signxml, pinned ------------------------------------------------------------------------

class _PinnedChain(X509CertChainVerifier):
    """signxml's chain verifier with the policy's anchors as its only store (never certifi's)."""

    def __init__(self, anchors: tuple[x509.Certificate, ...], **kwargs) -> None:
        self._anchors = anchors
        super().__init__(ca_pem_file="<pinned anchors>", **kwargs)

    @property
    def store(self) -> x509.verification.Store:
        return x509.verification.Store(list(self._anchors))


class _Verifier(XAdESVerifier):
    """signxml's XAdES verifier: pinned anchors, and the SigningTime we judged by must be
    the one in the verified signed properties (EN 319 132-1 §5.2.1)."""

    def __init__(self, policy: TrustPolicy, signing_time_text: str) -> None:
        super().__init__()
        self._policy = policy
        self._signing_time_text = signing_time_text

    def get_cert_chain_verifier(self, ca_pem_file, ee_policy, ca_policy):
        return _PinnedChain(self._policy.anchors, verification_time=self._get_cert_verification_time(),
                            ee_policy=ee_policy, ca_policy=ca_policy)

    def _verify_signing_time(self, verify_result) -> None:
        times = verify_result.signed_xml.findall("xades:SignedSignatureProperties/xades:SigningTime", NS)
        if [t.text for t in times] != [self._signing_time_text]:
            raise InvalidInput("the verified SigningTime is not the one the certificates were judged at")


def _engine_config(signing_time: datetime) -> XAdESSignatureConfiguration:
    """Exactly two references, the allowlists, the signature as a child of the root, the
    certificates judged at the signing time, and a reference without a canonicalisation
    transform canonicalised as XML-DSig 1.1 §4.4.3.2 says (Canonical XML 1.0), as our
    structural check reads it."""
    return XAdESSignatureConfiguration(location="./", expect_references=2, signature_methods=SIGNATURE_METHODS,
                                       digest_algorithms=DIGEST_METHODS, verification_time=signing_time,
                                       default_reference_c14n_method=DEFAULT_C14N)


def _alone(root: etree._Element, signature: etree._Element) -> etree._Element:
    """A copy of the document without the other signatures (the content is unchanged, and
    signxml verifies the first ``ds:Signature`` it finds)."""
    index = root.index(signature)
    alone = copy.deepcopy(root)
    for position, child in reversed(list(enumerate(alone))):
        if child.tag == signature.tag and position != index:
            alone.remove(child)
    return alone


def _digest_code(message: str, content_id: str) -> str:
    if "certificate digest" in message:
        return SIGNING_CERTIFICATE
    return CONTENT_CHANGED if f"(#{content_id})" in message else PROPERTIES_CHANGED


def _run_engine(alone: etree._Element, policy: TrustPolicy, signing_time: datetime, signing_time_text: str,
                content_id: str) -> list:
    """signxml's verdict as results, or a :class:`Fail` with our code."""
    verifier = _Verifier(policy, signing_time_text)
    try:
        return verifier.verify(alone, expect_config=_engine_config(signing_time), parser=hardened_parser(),
                               ee_policy=checks.ee_policy(policy.key_usage))
    except InvalidDigest as err:
        code = _digest_code(str(err), content_id)
        what = {CONTENT_CHANGED: "the content was changed after signing",
                PROPERTIES_CHANGED: "the signed properties were changed after signing",
                SIGNING_CERTIFICATE: "SigningCertificateV2 does not match the certificate"}[code]
        raise Fail(code, f"{what} ({scrub(str(err))})") from None
    except InvalidCertificate:
        raise Fail(UNTRUSTED, "the certificate chain was refused by the verifier at the signing time") from None
    except (InvalidSignature, cryptography.exceptions.InvalidSignature) as err:
        raise Fail(BAD_SIGNATURE_VALUE, f"the signature value does not verify ({scrub(str(err))})") from None
    except (InvalidInput, etree.DocumentInvalid) as err:
        raise Fail(UNREADABLE, f"refused by the verifier: {scrub(str(err))}") from None
    except Exception as err:  # noqa: BLE001 - an engine failure is a verdict of its own, never "valid"
        raise Fail(ENGINE_FAILURE, f"the verification engine failed: {type(err).__name__}") from None


def _verified_facts(results: list, content: etree._Element, content_c14n: str):
    """The content result and the signed properties from signxml's verified results."""
    props = [r for r in results if isinstance(r, XAdESVerifyResult)]
    others = [r for r in results if not isinstance(r, XAdESVerifyResult)]
    if len(props) != 1 or len(others) != 1:
        raise Fail(ENGINE_FAILURE, "the verifier did not return one content and one signed-properties result")
    if others[0].signed_data != canonical(content, content_c14n) or others[0].signed_xml is None:
        raise Fail(WRONG_TARGET, "what the signature covers is not the content element the document holds")
    return others[0].signed_xml, props[0].signed_xml


_NAMES = {NameOID.GIVEN_NAME: "GN", NameOID.SURNAME: "SN"}


def _subject(cert: x509.Certificate) -> tuple[str | None, str]:
    numbers = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    rest = x509.Name([a for a in cert.subject if a.oid != NameOID.SERIAL_NUMBER])
    return (str(numbers[0].value) if numbers else None), rest.rfc4514_string(_NAMES)


def _judge(root: etree._Element, content: etree._Element | None, signature: etree._Element, content_id: str,
           policy: TrustPolicy, now: datetime) -> tuple[SignatureCheck, etree._Element | None]:
    """One signature's verdict, and the verified content element when valid."""
    sig_id = signature.get("Id") or ""
    try:
        read = checks.structure(root, content, signature, content_id)
        signing_time, time_text = checks.signing_time(read.signed_properties, now)
        checks.signing_certificate(read.signed_properties, read.certificates[0])
        checks.role(read.signed_properties)
        checks.certificates(read.certificates, policy, signing_time)
        results = _run_engine(_alone(root, signature), policy, signing_time, time_text, content_id)
        verified_content, signed_properties = _verified_facts(results, content, read.content_c14n)
        role = checks.role(signed_properties)
    except Fail as failure:
        return SignatureCheck(id=sig_id, role=None, valid=False, code=failure.code, reason=failure.reason), None
    except Exception as err:  # noqa: BLE001 - hostile input that trips a check is no verdict, never valid
        return SignatureCheck(id=sig_id, role=None, valid=False, code=ENGINE_FAILURE,
                              reason=f"the signature could not be checked: {type(err).__name__}"), None
    serial, subject = _subject(read.certificates[0])
    return SignatureCheck(id=sig_id, role=role, valid=True, code=None, reason="", subject_serial_number=serial,
                          subject=subject, signing_time=signing_time), verified_content


def verify_enveloped(data: bytes, *, content_tag: str, content_id: str, policy: TrustPolicy,
                     now: datetime | None = None) -> Verification:
    """Verify every ``ds:Signature`` of ``data`` over its content element (see the module doc).

    Hostile or broken input is reported, never raised: a document that cannot be read has
    one problem and no signatures. ``now`` (default: the clock) bounds the signing time.
    """
    now = now or datetime.now(timezone.utc)
    try:
        root = parse_xml(data).getroot()
    except XmlRefused as err:
        code = DOCTYPE if err.rule_id == DOCTYPE_REFUSED else NOT_XML
        return Verification(signatures=[], problems=[(code, f"{err.rule_id}: {err}")])
    content, problems = shape_problems(root, content_tag, content_id)
    signatures = root_signatures(root)
    if not signatures:
        problems.append((NO_SIGNATURE, "the document carries no ds:Signature"))
    verdicts, verified = [], []
    for signature in signatures:
        verdict, element = _judge(root, content, signature, content_id, policy, now)
        verdicts.append(verdict)
        if element is not None:
            verified.append(element)
    return Verification(signatures=verdicts, problems=problems,
                        content=verified[0] if verified and not problems else None)


__all__ = ["KeyUsagePolicy", "SignatureCheck", "TrustPolicy", "Verification", "verify_enveloped"]
