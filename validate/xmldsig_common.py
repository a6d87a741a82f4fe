"""What signing and verifying share (see :mod:`validate.xmldsig` for the codes and the contract).

The namespaces, the algorithm allowlists (XML-DSig 1.1 §6 "Algorithms", RFC 9231 for the
``xmldsig-more`` identifiers), the finding codes, and the structural reading of a document
of the contract shape: a root whose element children are exactly one content element
followed by ``ds:Signature`` elements.
"""
from __future__ import annotations

import logging
import re

from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from validate.xmlsafe import hardened_parser

# signxml logs every canonicalised string at DEBUG level: a time report's content would then
# reach the logs, personnummer and all. Nothing of signxml's below INFO is ever wanted.
logging.getLogger("signxml").setLevel(logging.INFO)

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
EXC_C14N_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"
NS = {"ds": DS_NS, "xades": XADES_NS, "ec": EXC_C14N_NS}
SIGNATURE_TAG = f"{{{DS_NS}}}Signature"

ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
DEFAULT_C14N = CanonicalizationMethod.CANONICAL_XML_1_0
"""What a reference's octets are canonicalised with when its transforms name no C14N
method (XML-DSig 1.1 §4.4.3.2)."""
C14N_METHODS = frozenset(m.value for m in CanonicalizationMethod)
"""Canonical XML 1.0 and 1.1, Exclusive XML Canonicalization 1.0, each with or without
comments (XML-DSig 1.1 §6.5): the only transforms allowed besides enveloped-signature."""

SIGNATURE_METHODS = frozenset({
    SignatureMethod.SHA256_RSA_MGF1, SignatureMethod.SHA384_RSA_MGF1, SignatureMethod.SHA512_RSA_MGF1,
    SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384, SignatureMethod.RSA_SHA512,
    SignatureMethod.ECDSA_SHA256, SignatureMethod.ECDSA_SHA384, SignatureMethod.ECDSA_SHA512,
})
"""RSASSA-PSS and RSASSA-PKCS1-v1_5 (RFC 9231 §2.3) and ECDSA (XML-DSig 1.1 §6.4.3) over
SHA-2: what Swedish e-identification signs with. Nothing else is accepted."""
DIGEST_METHODS = frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512})
SIGNATURE_METHOD_URIS = frozenset(m.value for m in SIGNATURE_METHODS)
DIGEST_METHOD_URIS = frozenset(m.value for m in DIGEST_METHODS)

_SHA1 = re.compile(r"(?<![a-z0-9])sha-?1(?![0-9])")

ID_NAMES = frozenset({"Id", "ID", "id"})
"""Attribute local names signxml resolves a ``#fragment`` reference by (any namespace, so
``xml:id`` too): all of them count as identifiers here."""

# --- finding codes (documented in validate.xmldsig) --------------------------------------
DOCTYPE = "SIG-001"
NOT_XML = "SIG-002"
NO_CONTENT = "SIG-003"
DUPLICATE_ID = "SIG-004"
WRAPPED = "SIG-005"
NOT_THE_SHAPE = "SIG-006"
NO_SIGNATURE = "SIG-007"
UNREADABLE = "SIG-010"
UNSIGNED = "SIG-011"
BAD_REFERENCE = "SIG-012"
BAD_TRANSFORM = "SIG-013"
BAD_ALGORITHM = "SIG-014"
SHA1 = "SIG-015"
WRONG_TARGET = "SIG-016"
NO_PROPERTIES = "SIG-017"
BAD_SIGNING_TIME = "SIG-018"
BAD_ROLE = "SIG-019"
BAD_SIGNATURE_VALUE = "SIG-020"
CONTENT_CHANGED = "SIG-021"
PROPERTIES_CHANGED = "SIG-022"
UNTRUSTED = "SIG-030"
NOT_VALID_AT_SIGNING_TIME = "SIG-031"
KEY_USAGE = "SIG-032"
SIGNING_CERTIFICATE = "SIG-033"
NO_CERTIFICATE = "SIG-034"
ENGINE_FAILURE = "SIG-040"


def is_sha1(uri: str | None) -> bool:
    """Whether an algorithm identifier names SHA-1 (``#sha1``, ``#rsa-sha1``, ``#sha1-rsa-MGF1``...)."""
    return bool(uri) and bool(_SHA1.search(uri.lower()))


def id_values(element: etree._Element) -> set[str]:
    """The identifier values an element carries (``Id``, ``ID``, ``id``, ``xml:id``...)."""
    return {value for name, value in element.attrib.items() if etree.QName(name).localname in ID_NAMES}


def elements_with_id(root: etree._Element, value: str) -> list[etree._Element]:
    """Every element a ``#value`` reference could resolve to, in document order."""
    return [e for e in root.iter(etree.Element) if value in id_values(e)]


def duplicate_ids(root: etree._Element) -> list[str]:
    """Identifier values carried by more than one element (XML-DSig 1.1 §4.4.3.3: a
    same-document reference must name one element; two make a wrapping attack possible)."""
    seen: dict[str, int] = {}
    for element in root.iter(etree.Element):
        for value in id_values(element):
            seen[value] = seen.get(value, 0) + 1
    return sorted(v for v, n in seen.items() if n > 1)


def shape_problems(root: etree._Element, content_tag: str, content_id: str
                   ) -> tuple[etree._Element | None, list[tuple[str, str]]]:
    """Read the contract shape: the content element, and what is wrong with the document.

    The shape: the root's element children are exactly one ``content_tag`` element whose
    ``Id`` is ``content_id``, then only ``ds:Signature`` elements; the content tag occurs
    nowhere else, no identifier is carried twice, no ``ds:Signature`` is anywhere but a
    child of the root. Text, comments and processing instructions between them are
    ignored (nothing reads them)."""
    problems: list[tuple[str, str]] = []
    children = [c for c in root if isinstance(c.tag, str)]
    candidates = [c for c in children if c.tag == content_tag]
    content = candidates[0] if len(candidates) == 1 and candidates[0].get("Id") == content_id else None
    if content is None:
        problems.append((NO_CONTENT, f"the root must hold exactly one {content_tag} with Id={content_id!r}; "
                                     f"found {len(candidates)} {content_tag} children"))
    for value in duplicate_ids(root):
        problems.append((DUPLICATE_ID, f"the identifier {value!r} is carried by more than one element"))
    first = candidates[0] if candidates else None
    copies = [e for e in root.iter(content_tag) if e is not first]
    if copies:
        problems.append((WRAPPED, f"{len(copies)} further {content_tag} element(s) inside the document, "
                                  "outside the content the signatures are read for (signature wrapping)"))
    problems += _order_problems(root, children, content_tag)
    return content, problems


def _order_problems(root: etree._Element, children: list[etree._Element],
                    content_tag: str) -> list[tuple[str, str]]:
    problems = []
    for position, child in enumerate(children):
        if position == 0 and child.tag == content_tag:
            continue
        if child.tag != SIGNATURE_TAG:
            where = "before the content" if child.tag == content_tag else "at the root"
            problems.append((NOT_THE_SHAPE, f"unexpected element {child.tag} {where}: only the content "
                                            "element and then ds:Signature elements may be children of the root"))
    nested = [s for s in root.iter(SIGNATURE_TAG) if s.getparent() is not root]
    if nested:
        problems.append((NOT_THE_SHAPE, f"{len(nested)} ds:Signature element(s) elsewhere than as children "
                                        "of the root"))
    return problems


def root_signatures(root: etree._Element) -> list[etree._Element]:
    """The ``ds:Signature`` children of the root, in document order."""
    return [c for c in root if c.tag == SIGNATURE_TAG]


def canonical(element: etree._Element, algorithm: str) -> bytes:
    """``element`` canonicalised alone by the C14N method ``algorithm`` (one of
    :data:`C14N_METHODS`), as a reference to it is digested (XML-DSig 1.1 §4.4.3.2): a
    serialised copy (its in-scope namespaces declared on it) read back by the hardened
    parser, as signxml does before it canonicalises."""
    alone = etree.fromstring(etree.tostring(element), hardened_parser())
    return etree.tostring(alone, method="c14n", exclusive="xml-exc-c14n" in algorithm,
                          with_comments=algorithm.endswith("#WithComments"))
