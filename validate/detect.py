"""Document detection: which kind of Peppol document a parsed tree is.

The kind decides the XSD and the rule sets to run. It is read from the root element
(namespace + local name) and, where the root alone is ambiguous or where Peppol requires
it, from ``cbc:CustomizationID`` (the specification identifier, BT-24 in EN 16931):

* UBL ``Invoice`` / ``CreditNote`` (Peppol BIS Billing 3.0, EN 16931). With ``strict``
  the CustomizationID must be EN 16931 based (``urn:cen.eu:en16931:2017``, alone or
  followed by ``#compliant#<CIUS>`` / ``#conformant#<extension>``, EN 16931-1 §6.4 and the
  BIS 3 "Specification identification" section);
* UBL ``ApplicationResponse`` is two Peppol documents, told apart only by CustomizationID:
  Invoice Response (T111, ``urn:fdc:peppol.eu:poacc:trns:invoice_response:3``) and Message
  Level Response (T71, ``urn:fdc:peppol.eu:poacc:trns:mlr:3``);
* an SBDH ``StandardBusinessDocument`` envelope, as access points exchange them.

Anything else is refused with a finding (``LSS-DOC-001`` / ``LSS-DOC-002``), raised as
:class:`UnknownDocument`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from lxml import etree

from validate.findings import Finding, FindingError, Severity

STEP = "detect"
NOT_SUPPORTED = "LSS-DOC-001"
BAD_CUSTOMIZATION = "LSS-DOC-002"

UBL_NS = "urn:oasis:names:specification:ubl:schema:xsd:"
INVOICE_NS = UBL_NS + "Invoice-2"
CREDITNOTE_NS = UBL_NS + "CreditNote-2"
APPLICATION_RESPONSE_NS = UBL_NS + "ApplicationResponse-2"
CBC_NS = UBL_NS + "CommonBasicComponents-2"
SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
SBDH_ROOT = f"{{{SBDH_NS}}}StandardBusinessDocument"
SBDH_HEADER = f"{{{SBDH_NS}}}StandardBusinessDocumentHeader"

EN16931 = "urn:cen.eu:en16931:2017"
BIS_BILLING_3 = EN16931 + "#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
INVOICE_RESPONSE_3 = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
MLR_3 = "urn:fdc:peppol.eu:poacc:trns:mlr:3"


class Kind(str, enum.Enum):
    """Document kinds; a ``str`` so ``kind == "invoice"`` reads naturally."""

    INVOICE = "invoice"
    CREDITNOTE = "creditnote"
    INVOICE_RESPONSE = "invoice-response"
    MLR = "mlr"
    SBDH = "sbdh"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class DocumentType:
    """What :func:`detect` found.

    ``extension`` is True when the CustomizationID goes beyond the base specification:
    an EN 16931 *extension* (``#conformant#``), further parts after the BIS Billing 3.0
    identifier (a national CIUS on top of Peppol, e.g. EHF), or parts after the Invoice
    Response / MLR identifier.
    """

    kind: Kind
    namespace: str
    local_name: str
    customization_id: str = ""
    profile_id: str = ""
    extension: bool = False

    @property
    def root(self) -> str:
        """The root element in Clark notation, ``{namespace}local``."""
        return f"{{{self.namespace}}}{self.local_name}"

    @property
    def is_en16931(self) -> bool:
        return _is_or_extends(self.customization_id, EN16931)

    @property
    def is_bis_billing_3(self) -> bool:
        return _is_or_extends(self.customization_id, BIS_BILLING_3)


class UnknownDocument(FindingError):
    """The tree is not a document we handle; ``finding`` says why."""


_ROOTS = {
    (INVOICE_NS, "Invoice"): Kind.INVOICE,
    (CREDITNOTE_NS, "CreditNote"): Kind.CREDITNOTE,
    (APPLICATION_RESPONSE_NS, "ApplicationResponse"): None,  # decided by CustomizationID
    (SBDH_NS, "StandardBusinessDocument"): Kind.SBDH,
}
_RESPONSES = ((INVOICE_RESPONSE_3, Kind.INVOICE_RESPONSE), (MLR_3, Kind.MLR))


def _is_or_extends(value: str, base: str) -> bool:
    """``value`` is ``base`` or ``base`` followed by ``#``-separated further parts.

    Stricter than a bare ``startswith``: ``urn:cen.eu:en16931:2017foo`` is another
    identifier, not an EN 16931 one.
    """
    return value == base or value.startswith(base + "#")


def _child_text(root: etree._Element, local: str) -> tuple[str, etree._Element | None]:
    """Whitespace-normalised text of the first ``cbc:<local>`` child (XPath normalize-space)."""
    element = root.find(f"{{{CBC_NS}}}{local}")
    if element is None:
        return "", None
    return " ".join((element.text or "").split()), element


def _refuse(rule_id: str, message: str, node: etree._Element) -> UnknownDocument:
    location = node.getroottree().getpath(node)
    return UnknownDocument(Finding(rule_id=rule_id, severity=Severity.FATAL, message=message,
                                   location=location, step=STEP))


def _describe(value: str) -> str:
    return f"CustomizationID {value!r}" if value else "a missing CustomizationID"


def _response_kind(root: etree._Element, customization: str,
                   element: etree._Element | None) -> tuple[Kind, bool]:
    """Invoice Response or MLR; any other ApplicationResponse is refused even when not
    strict, since its kind (and so its rules) cannot be known."""
    for base, kind in _RESPONSES:
        if _is_or_extends(customization, base):
            return kind, customization != base
    raise _refuse(
        BAD_CUSTOMIZATION,
        f"ApplicationResponse (line {root.sourceline}) with {_describe(customization)} is neither "
        f"a Peppol Invoice Response ({INVOICE_RESPONSE_3}) nor a Message Level Response ({MLR_3})",
        element if element is not None else root,
    )


def _billing_extension(root: etree._Element, customization: str, element: etree._Element | None,
                       strict: bool) -> bool:
    """Check an Invoice/CreditNote CustomizationID; True when it is an extension."""
    if _is_or_extends(customization, EN16931):
        return "#conformant#" in customization or customization.startswith(BIS_BILLING_3 + "#")
    if strict:
        raise _refuse(
            BAD_CUSTOMIZATION,
            f"{etree.QName(root).localname} (line {root.sourceline}) has {_describe(customization)}, "
            f"which is not Peppol BIS Billing 3.0 / EN 16931 (expected {BIS_BILLING_3}, or another "
            f"identifier starting with {EN16931})",
            element if element is not None else root,
        )
    return False


def detect(tree: etree._ElementTree | etree._Element, *, strict: bool = True) -> DocumentType:
    """The :class:`DocumentType` of a parsed document, or :class:`UnknownDocument`.

    ``strict=False`` skips the EN 16931 check of an Invoice/CreditNote CustomizationID
    (useful to let the Schematron rules report a wrong identifier themselves); it cannot
    skip the ApplicationResponse check, which is what decides the kind.
    """
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    qname = etree.QName(root)
    namespace, local = qname.namespace or "", qname.localname
    if (namespace, local) not in _ROOTS:
        raise _refuse(
            NOT_SUPPORTED,
            f"root element {{{namespace}}}{local} (line {root.sourceline}) is not a supported "
            "document: expected a UBL 2.1 Invoice, CreditNote or ApplicationResponse, "
            "or an SBDH StandardBusinessDocument",
            root,
        )
    kind = _ROOTS[(namespace, local)]
    if kind is Kind.SBDH:
        return DocumentType(kind, namespace, local)
    customization, element = _child_text(root, "CustomizationID")
    profile, _ = _child_text(root, "ProfileID")
    if kind is None:
        kind, extension = _response_kind(root, customization, element)
    else:
        extension = _billing_extension(root, customization, element, strict)
    return DocumentType(kind, namespace, local, customization, profile, extension)


def sbdh_parts(root: etree._Element) -> tuple[list[etree._Element], list[etree._Element]]:
    """The headers and the business documents of an SBDH envelope: its child elements that
    are a ``StandardBusinessDocumentHeader``, and all the others (comments and processing
    instructions are not elements). A valid envelope has exactly one of each."""
    children = list(root.iterchildren(tag=etree.Element))
    headers = [c for c in children if c.tag == SBDH_HEADER]
    return headers, [c for c in children if c.tag != SBDH_HEADER]


def sbdh_payload(tree: etree._ElementTree | etree._Element) -> etree._Element | None:
    """The business document inside an SBDH envelope: the one element beside the one header;
    None for a document that is no envelope, or an envelope with no header, several, no
    payload or several.

    The same acceptance as ``peppol.sbdh.payload_of`` (which raises where this returns None),
    written again because ``validate`` may not import ``peppol``; ``tests/test_sbdh_payload.py``
    asserts the two agree on every envelope the tests build.
    """
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    if root.tag != SBDH_ROOT:
        return None
    headers, payloads = sbdh_parts(root)
    return payloads[0] if len(headers) == 1 and len(payloads) == 1 else None
