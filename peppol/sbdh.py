"""The Peppol business message envelope (SBDH): :func:`wrap` and :func:`unwrap`.

Source: Peppol Business Message Envelope (SBDH) specification v2.0.1 (OpenPeppol), a
subset of UN/CEFACT Standard Business Document Header 1.3. The envelope is

.. code-block:: xml

    <StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader">
      <StandardBusinessDocumentHeader>
        <HeaderVersion>1.0</HeaderVersion>
        <Sender><Identifier Authority="iso6523-actorid-upis">0007:…</Identifier></Sender>
        <Receiver><Identifier Authority="iso6523-actorid-upis">0007:…</Identifier></Receiver>
        <DocumentIdentification>
          <Standard>root namespace of the payload</Standard>
          <TypeVersion>2.1</TypeVersion>
          <InstanceIdentifier>uuid</InstanceIdentifier>
          <Type>root local name of the payload</Type>
          <CreationDateAndTime>2024-02-05T10:00:00+00:00</CreationDateAndTime>
        </DocumentIdentification>
        <BusinessScope>
          <Scope><Type>DOCUMENTID</Type><InstanceIdentifier>…</InstanceIdentifier><Identifier>busdox-docid-qns</Identifier></Scope>
          <Scope><Type>PROCESSID</Type><InstanceIdentifier>…</InstanceIdentifier><Identifier>cenbii-procid-ubl</Identifier></Scope>
          <Scope><Type>COUNTRY_C1</Type><InstanceIdentifier>SE</InstanceIdentifier></Scope>
        </BusinessScope>
      </StandardBusinessDocumentHeader>
      <Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">…</Invoice>
    </StandardBusinessDocument>

Document type and process identifiers are handled with their scheme, as
``busdox-docid-qns::<value>`` and ``cenbii-procid-ubl::<value>`` (see :mod:`peppol.codes`);
in the envelope the scheme goes in ``Scope/Identifier`` (envelope spec 1.1 and later) and
the value in ``Scope/InstanceIdentifier``. When ``Scope/Identifier`` is absent, the reader
assumes the default schemes.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from lxml import etree

from . import codes
from ._xml import XmlInputError, parse_bytes, root_of
from .identifiers import peppol_id

__all__ = ["SBDH_NS", "HEADER_VERSION", "SbdhError", "Envelope", "wrap", "unwrap", "payload_of", "is_envelope",
           "Reply", "reply_address"]

SBDH_NS = codes.SBDH_NS
HEADER_VERSION = "1.0"
_S = "{%s}" % SBDH_NS
_DOCUMENT_SCHEMES = (codes.DOCUMENT_ID_SCHEME, "peppol-doctype-wildcard")
_PROCESS_SCHEMES = (codes.PROCESS_ID_SCHEME,)


class SbdhError(ValueError):
    """The envelope is broken, or the arguments cannot make a valid one."""


@dataclass(frozen=True)
class Envelope:
    """What :func:`unwrap` found in a StandardBusinessDocument."""

    sender: str
    """C1's participant identifier, ``scheme:value`` (e.g. ``0007:2120001306``)."""
    receiver: str
    """C4's participant identifier, ``scheme:value``."""
    document_type_id: str
    """With its scheme: ``busdox-docid-qns::urn:oasis:…::Invoice##…::2.1``."""
    process_id: str
    """With its scheme: ``cenbii-procid-ubl::urn:fdc:peppol.eu:2017:poacc:billing:01:1.0``."""
    instance_id: str
    created: dt.datetime
    payload: etree._Element = field(compare=False, repr=False)
    """The business document: the one element beside the header."""
    standard: str = ""
    type: str = ""
    type_version: str = ""
    country_c1: str | None = None


def _split_scheme(value: str, known: tuple[str, ...], what: str) -> tuple[str, str]:
    text = str(value).strip()
    if not text:
        raise SbdhError(f"the {what} identifier is empty")
    for scheme in known:
        if text.startswith(scheme + "::"):
            rest = text[len(scheme) + 2:]
            if not rest:
                raise SbdhError(f"the {what} identifier has a scheme but no value")
            return scheme, rest
    return known[0], text


def _participant(value: str, role: str) -> str:
    try:
        return peppol_id.validate(value)
    except ValueError as exc:
        raise SbdhError(f"{role}: {exc}") from None


def _el(parent: etree._Element, local: str, text: str | None = None, **attrib: str) -> etree._Element:
    child = etree.SubElement(parent, _S + local, attrib)
    if text is not None:
        child.text = text
    return child


def wrap(document_xml: bytes, *, sender: str, receiver: str, document_type_id: str, process_id: str,
         instance_id: str | None = None, created: dt.datetime | None = None,
         country_c1: str | None = "SE") -> bytes:
    """Wrap a business document in the Peppol envelope; UTF-8 bytes with XML declaration.

    *sender* / *receiver*: participant identifiers ``scheme:value`` (checked with
    :mod:`peppol.identifiers.peppol_id`). *document_type_id* / *process_id*: with or
    without their scheme (``busdox-docid-qns::`` / ``cenbii-procid-ubl::``); the document type
    must name the payload's root namespace and local name. *instance_id*: default a new
    UUID4. *created*: timezone-aware; default now in UTC. *country_c1*: the sender's country
    (ISO 3166-1 alpha-2) for the COUNTRY_C1 scope of envelope v2.0; ``None`` leaves it out.
    """
    try:
        payload = parse_bytes(document_xml).getroot()
    except XmlInputError as exc:
        raise SbdhError(f"the document to wrap: {exc}") from None
    qname = etree.QName(payload)
    if not qname.namespace:
        raise SbdhError("the document to wrap has no namespace on its root element")
    if qname.namespace == SBDH_NS:
        raise SbdhError("the document is already a StandardBusinessDocument")
    doc_scheme, doc_value = _split_scheme(document_type_id, _DOCUMENT_SCHEMES, "document type")
    proc_scheme, proc_value = _split_scheme(process_id, _PROCESS_SCHEMES, "process")
    expected_prefix = f"{qname.namespace}::{qname.localname}##"
    if doc_scheme == codes.DOCUMENT_ID_SCHEME and not doc_value.startswith(expected_prefix):
        raise SbdhError(
            f"the document type identifier does not match the payload: it should start with {expected_prefix!r}")
    if created is None:
        created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    if created.tzinfo is None or created.utcoffset() is None:
        raise SbdhError("created: CreationDateAndTime needs a timezone (give an aware datetime)")
    if country_c1 is not None and not (len(country_c1) == 2 and country_c1.isalpha() and country_c1.isupper()):
        raise SbdhError(f"country_c1: expected an ISO 3166-1 alpha-2 code such as 'SE', got {country_c1!r}")
    instance = instance_id if instance_id is not None else str(uuid.uuid4())
    if not str(instance).strip():
        raise SbdhError("instance_id: the InstanceIdentifier is empty")

    root = etree.Element(_S + "StandardBusinessDocument", nsmap={None: SBDH_NS})
    header = _el(root, "StandardBusinessDocumentHeader")
    _el(header, "HeaderVersion", HEADER_VERSION)
    _el(_el(header, "Sender"), "Identifier", _participant(sender, "sender"), Authority=codes.PARTICIPANT_ID_SCHEME)
    _el(_el(header, "Receiver"), "Identifier", _participant(receiver, "receiver"), Authority=codes.PARTICIPANT_ID_SCHEME)
    ident = _el(header, "DocumentIdentification")
    _el(ident, "Standard", qname.namespace)
    _el(ident, "TypeVersion", codes.UBL_VERSION)
    _el(ident, "InstanceIdentifier", str(instance).strip())
    _el(ident, "Type", qname.localname)
    _el(ident, "CreationDateAndTime", created.isoformat())
    scope_parent = _el(header, "BusinessScope")
    for type_, value, scheme in (("DOCUMENTID", doc_value, doc_scheme), ("PROCESSID", proc_value, proc_scheme)):
        scope = _el(scope_parent, "Scope")
        _el(scope, "Type", type_)
        _el(scope, "InstanceIdentifier", value)
        _el(scope, "Identifier", scheme)
    if country_c1 is not None:
        scope = _el(scope_parent, "Scope")
        _el(scope, "Type", "COUNTRY_C1")
        _el(scope, "InstanceIdentifier", country_c1)
    root.append(payload)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", pretty_print=True)


# ----------------------------------------------------------------------------------------
# unwrap
# ----------------------------------------------------------------------------------------

def _one(parent: etree._Element, local: str, where: str) -> etree._Element:
    found = parent.findall(_S + local)
    if not found:
        raise SbdhError(f"{where}: {local} is missing")
    if len(found) > 1:
        raise SbdhError(f"{where}: {local} occurs {len(found)} times, the Peppol envelope has exactly one")
    return found[0]


def _text(parent: etree._Element, local: str, where: str) -> str:
    el = _one(parent, local, where)
    text = (el.text or "").strip()
    if not text:
        raise SbdhError(f"{where}/{local} is empty")
    return text


def _party(header: etree._Element, role: str) -> str:
    party = _one(header, role, "StandardBusinessDocumentHeader")
    ident = _one(party, "Identifier", role)
    authority = (ident.get("Authority") or "").strip()
    if authority != codes.PARTICIPANT_ID_SCHEME:
        raise SbdhError(f"{role}/Identifier: Authority must be {codes.PARTICIPANT_ID_SCHEME!r}, got {authority!r}")
    value = (ident.text or "").strip()
    if not value:
        raise SbdhError(f"{role}/Identifier is empty")
    return _participant(value, role)


def is_envelope(root: etree._Element) -> bool:
    """Whether *root* is a StandardBusinessDocument (by its namespace and local name)."""
    return root.tag == _S + "StandardBusinessDocument"


def _header_and_payload(root: etree._Element) -> tuple[etree._Element, etree._Element]:
    """The one header and the one business document of an envelope, or :class:`SbdhError`."""
    if not is_envelope(root):
        raise SbdhError(f"not a StandardBusinessDocument: the root element is {root.tag}")
    children = list(root.iterchildren(tag=etree.Element))
    headers = [c for c in children if c.tag == _S + "StandardBusinessDocumentHeader"]
    if not headers:
        raise SbdhError("the StandardBusinessDocumentHeader is missing")
    if len(headers) > 1:
        raise SbdhError("the StandardBusinessDocument has more than one StandardBusinessDocumentHeader")
    payloads = [c for c in children if c is not headers[0]]
    if not payloads:
        raise SbdhError("the envelope holds no business document (payload)")
    if len(payloads) > 1:
        names = ", ".join(etree.QName(p).localname for p in payloads)
        raise SbdhError(f"the envelope holds {len(payloads)} business documents ({names}); Peppol allows exactly one")
    return headers[0], payloads[0]


def payload_of(tree: etree._ElementTree | etree._Element) -> etree._Element:
    """The business document of an envelope: the one element beside the one header
    (envelope spec v2.0.1; comments and processing instructions are not elements).

    The one way this package takes a payload out of an SBDH; :func:`unwrap` and the readers of
    :mod:`peppol.responses` use it. Raises :class:`SbdhError` when *tree* is not a
    StandardBusinessDocument or has no header, several, no payload or several. The header's
    content is not checked here (:func:`unwrap` does that). ``validate.detect.sbdh_payload``
    is the copy of the validation layer; ``tests/test_sbdh_payload.py`` asserts the two agree.
    """
    return _header_and_payload(tree.getroot() if isinstance(tree, etree._ElementTree) else tree)[1]


def unwrap(tree: etree._ElementTree | etree._Element | bytes) -> Envelope:
    """Read a StandardBusinessDocument; raise :class:`SbdhError` for a broken envelope.

    Accepts an lxml tree or element parsed by the caller, or bytes (parsed here with entity
    resolution, network and DTD loading off, DOCTYPE refused).
    """
    try:
        root = root_of(tree)
    except XmlInputError as exc:
        raise SbdhError(str(exc)) from None
    header, payload = _header_and_payload(root)

    version = _text(header, "HeaderVersion", "StandardBusinessDocumentHeader")
    if version != HEADER_VERSION:
        raise SbdhError(f"HeaderVersion must be {HEADER_VERSION!r}, got {version!r}")
    sender = _party(header, "Sender")
    receiver = _party(header, "Receiver")

    ident = _one(header, "DocumentIdentification", "StandardBusinessDocumentHeader")
    standard = _text(ident, "Standard", "DocumentIdentification")
    type_version = _text(ident, "TypeVersion", "DocumentIdentification")
    instance_id = _text(ident, "InstanceIdentifier", "DocumentIdentification")
    type_ = _text(ident, "Type", "DocumentIdentification")
    created_text = _text(ident, "CreationDateAndTime", "DocumentIdentification")
    try:
        created = dt.datetime.fromisoformat(created_text)
    except ValueError:
        raise SbdhError(f"DocumentIdentification/CreationDateAndTime: {created_text!r} is not an xs:dateTime") from None

    qname = etree.QName(payload)
    if qname.namespace != standard or qname.localname != type_:
        raise SbdhError(
            f"DocumentIdentification says {{{standard}}}{type_} but the payload is {{{qname.namespace}}}{qname.localname}")

    business_scope = _one(header, "BusinessScope", "StandardBusinessDocumentHeader")
    scopes: dict[str, list[tuple[str, str | None]]] = {}
    for scope in business_scope.findall(_S + "Scope"):
        scope_type = _text(scope, "Type", "BusinessScope/Scope")
        value = _text(scope, "InstanceIdentifier", f"BusinessScope/Scope[{scope_type}]")
        scheme_el = scope.find(_S + "Identifier")
        scheme = (scheme_el.text or "").strip() or None if scheme_el is not None else None
        scopes.setdefault(scope_type, []).append((value, scheme))

    def scoped(scope_type: str, default_scheme: str) -> str:
        found = scopes.get(scope_type, [])
        if not found:
            raise SbdhError(f"BusinessScope: the {scope_type} scope is missing")
        if len(found) > 1:
            raise SbdhError(f"BusinessScope: the {scope_type} scope occurs {len(found)} times")
        value, scheme = found[0]
        return f"{scheme or default_scheme}::{value}"

    document_type_id = scoped("DOCUMENTID", codes.DOCUMENT_ID_SCHEME)
    process_id = scoped("PROCESSID", codes.PROCESS_ID_SCHEME)
    country = scopes.get("COUNTRY_C1")
    return Envelope(
        sender=sender, receiver=receiver, document_type_id=document_type_id, process_id=process_id,
        instance_id=instance_id, created=created, payload=payload, standard=standard, type=type_,
        type_version=type_version, country_c1=country[0][0] if country else None,
    )


@dataclass(frozen=True)
class Reply:
    """Whom to answer about an envelope that may be broken: what could be read of it."""

    sender: str | None
    instance_id: str | None


def reply_address(tree: etree._ElementTree | etree._Element) -> Reply:
    """Best effort for a Message Level Response to a broken envelope: the Sender participant
    (when it is a well-formed ``scheme:value``) and the InstanceIdentifier, or None for each.
    Never raises: a broken envelope is exactly when this is needed."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    header = root.find(_S + "StandardBusinessDocumentHeader")
    if header is None:
        return Reply(None, None)
    sender = None
    ident = header.find(f"{_S}Sender/{_S}Identifier")
    if ident is not None and (ident.text or "").strip():
        try:
            sender = _participant(ident.text.strip(), "Sender")
        except SbdhError:
            sender = None
    instance = header.findtext(f"{_S}DocumentIdentification/{_S}InstanceIdentifier")
    return Reply(sender, (instance or "").strip() or None)
