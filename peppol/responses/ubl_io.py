"""The UBL side of both responses: writing the shared parts of an ApplicationResponse and
reading them back, strictly (every element outside the transaction's data model refused) or
leniently.

Element order follows the UBL 2.1 XSD (``UBL-ApplicationResponse-2.1.xsd`` and the common
aggregate types); no ``UBLExtensions`` are written. Dates are written, and read, as
``YYYY-MM-DD`` only: an IssueDate read otherwise breaks PEPPOL-COMMON-R030; the rule does
not look at ``cbc:EffectiveDate``, which the reader refuses under the transaction's name
(a ``datetime.date`` keeps no time zone).

The strict readers refuse, under the transaction's name (``T111``, ``T71``), what lies
outside its data model; the values read are then checked as the builders check them, with
the official rule ids.
"""
from __future__ import annotations

import re
from datetime import date, time
from typing import Any, TypeVar

from lxml import etree
from pydantic import ValidationError

from peppol import codes, sbdh
from peppol._xml import XmlInputError, root_of
from peppol.model import XML_WHITESPACE

from .common import RESPONSE_ICD_CODES, Endpoint, PartyId, ResponseParty, ResponseRuleError, RuleModel

__all__ = ["AR_NS", "CAC_NS", "CBC_NS", "cac", "cbc", "new_response", "write_party_id", "write_response_party",
           "serialise", "as_root", "business_document", "response_root", "validated", "Reader", "read_endpoint",
           "read_party_id", "read_response_party", "read_document_party", "billing_party"]

AR_NS = codes.UBL_APPLICATION_RESPONSE_NS
CAC_NS = codes.UBL_CAC_NS
CBC_NS = codes.UBL_CBC_NS
_NSMAP = {None: AR_NS, "cac": CAC_NS, "cbc": CBC_NS}

_M = TypeVar("_M", bound=RuleModel)

_R030_DATES = frozenset({"IssueDate", "DueDate", "TaxPointDate", "StartDate", "EndDate", "ActualDeliveryDate"})
"""The dates PEPPOL-COMMON-R030 looks at (its rule context)."""


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------
def cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC_NS}}}{name}")


def cbc(parent: etree._Element, name: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CBC_NS}}}{name}", attributes)
    element.text = text
    return element


def new_response(customization: str, profile: str, id: str, issue_date: date, issue_time: time | None,
          note: str | None) -> etree._Element:
    root = etree.Element(f"{{{AR_NS}}}ApplicationResponse", nsmap=_NSMAP)
    cbc(root, "CustomizationID", customization)
    cbc(root, "ProfileID", profile)
    cbc(root, "ID", id)
    cbc(root, "IssueDate", issue_date.isoformat())
    if issue_time is not None:
        cbc(root, "IssueTime", issue_time.isoformat())
    if note is not None:
        cbc(root, "Note", note)
    return root


def write_party_id(parent: etree._Element, identification: PartyId | None) -> None:
    if identification is None:
        return
    attributes = {"schemeID": identification.scheme} if identification.scheme is not None else {}
    cbc(cac(parent, "PartyIdentification"), "ID", identification.id, **attributes)


def write_response_party(root: etree._Element, tag: str, party: ResponseParty) -> None:
    # UBL PartyType order: EndpointID, PartyIdentification, …, PartyLegalEntity, Contact.
    element = cac(root, tag)
    cbc(element, "EndpointID", party.endpoint.id, schemeID=party.endpoint.scheme)
    write_party_id(element, party.identification)
    cbc(cac(element, "PartyLegalEntity"), "RegistrationName", party.name)
    if party.contact is not None:
        contact = cac(element, "Contact")
        for name, value in (("Name", party.contact.name), ("Telephone", party.contact.telephone),
                            ("ElectronicMail", party.contact.email)):
            if value is not None:
                cbc(contact, name, value)


def serialise(root: etree._Element) -> bytes:
    body = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------
def as_root(source: etree._ElementTree | etree._Element | bytes) -> etree._Element:
    """The root element of a tree, an element as given, or bytes parsed with the package's
    hardened parser (:func:`peppol._xml.root_of`); bytes that are no XML raise
    ``ResponseRuleError("XML", …)``."""
    try:
        return root_of(source)
    except XmlInputError as exc:
        raise ResponseRuleError("XML", str(exc)) from None


def business_document(root: etree._Element) -> etree._Element:
    """The payload of an SBDH envelope (:func:`peppol.sbdh.payload_of`: the one element beside
    the one header), or *root* itself when it is no envelope."""
    if not sbdh.is_envelope(root):
        return root
    try:
        return sbdh.payload_of(root)
    except sbdh.SbdhError as exc:
        raise ResponseRuleError("XML", str(exc)) from None


def response_root(source: Any, customization: str, profile: str, title: str, rule: str,
                   strict: bool) -> etree._Element:
    root = business_document(as_root(source))
    if root.tag != f"{{{AR_NS}}}ApplicationResponse":
        raise ResponseRuleError(
            rule, f"expected a UBL ApplicationResponse ({title}), not {etree.QName(root).localname}")
    found = " ".join((root.findtext(f"{{{CBC_NS}}}CustomizationID") or "").split())
    if found != customization and (strict or not found.startswith(customization)):
        raise ResponseRuleError(rule, f"CustomizationID {found!r} is not the {title} identifier {customization}")
    found_profile = " ".join((root.findtext(f"{{{CBC_NS}}}ProfileID") or "").split())
    if strict and found_profile != profile:
        raise ResponseRuleError(rule, f"ProfileID {found_profile!r} is not the {title} profile {profile}")
    return root


def validated(cls: type[_M], data: dict, strict: bool, rule: str) -> _M:
    """``cls`` from what was read; a value of the wrong type (a time that is no time, …)
    becomes a :class:`ResponseRuleError` like every other refusal of the readers."""
    try:
        return cls.model_validate(data, context={"lenient": not strict})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(step) for step in first["loc"])
        raise ResponseRuleError(rule, f"{where}: {first['msg']}") from None


class Reader:
    """Small helpers to read UBL elements; strict mode refuses what the data model lacks."""

    def __init__(self, strict: bool, rule: str):
        self.strict = strict
        self.rule = rule

    def only(self, element: etree._Element, allowed: tuple[str, ...]) -> None:
        if not self.strict:
            return
        for child in element.iterchildren(tag=etree.Element):
            local = etree.QName(child).localname
            if local not in allowed or etree.QName(child).namespace not in (CAC_NS, CBC_NS):
                raise ResponseRuleError(
                    self.rule, f"{etree.QName(child).localname} (line {child.sourceline}) in "
                               f"{etree.QName(element).localname} is not part of the {self.rule} data model")

    def one(self, element: etree._Element, prefix: str, name: str) -> etree._Element:
        ns = CAC_NS if prefix == "cac" else CBC_NS
        found = element.findall(f"{{{ns}}}{name}")
        if not found:
            raise ResponseRuleError(self.rule, f"{etree.QName(element).localname} has no {prefix}:{name}")
        if self.strict and len(found) > 1:
            raise ResponseRuleError(self.rule, f"{etree.QName(element).localname} has more than one {prefix}:{name}")
        return found[0]

    def text(self, element: etree._Element, name: str, required: bool = False) -> str | None:
        found = element.find(f"{{{CBC_NS}}}{name}")
        if found is None or (not self.strict and not (found.text or "").strip(XML_WHITESPACE)):
            if required:
                raise ResponseRuleError(self.rule, f"{etree.QName(element).localname} has no cbc:{name}")
            return None
        return found.text or ""

    def date(self, element: etree._Element, name: str, required: bool = False) -> date | None:
        value = self.text(element, name, required)
        if value is None:
            return None
        rule = "PEPPOL-COMMON-R030" if name in _R030_DATES else self.rule
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
            raise ResponseRuleError(rule, f"{name} {value!r} is not a date written YYYY-MM-DD")
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ResponseRuleError(rule, f"{name} {value!r} is not a date written YYYY-MM-DD") from None

    def time(self, element: etree._Element, name: str) -> time | None:
        value = self.text(element, name)
        if value is None:
            return None
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            raise ResponseRuleError(self.rule, f"{name} {value!r} is not a time written hh:mm:ss") from None


def read_endpoint(r: Reader, party: etree._Element) -> dict:
    endpoint = party.find(f"{{{CBC_NS}}}EndpointID")
    if endpoint is None:
        raise ResponseRuleError(r.rule, f"{etree.QName(party).localname} has no cbc:EndpointID")
    return {"scheme": endpoint.get("schemeID", ""), "id": endpoint.text or ""}


def read_party_id(r: Reader, party: etree._Element) -> dict | None:
    identification = party.find(f"{{{CAC_NS}}}PartyIdentification")
    if identification is None:
        return None
    if r.strict and len(party.findall(f"{{{CAC_NS}}}PartyIdentification")) > 1:
        raise ResponseRuleError(r.rule, f"{etree.QName(party).localname} has more than one cac:PartyIdentification")
    r.only(identification, ("ID",))
    element = r.one(identification, "cbc", "ID")
    return {"id": element.text or "", "scheme": element.get("schemeID")}


def read_response_party(r: Reader, party: etree._Element) -> dict:
    r.only(party, ("EndpointID", "PartyIdentification", "PartyLegalEntity", "Contact"))
    legal = r.one(party, "cac", "PartyLegalEntity")
    r.only(legal, ("RegistrationName",))
    contact = party.find(f"{{{CAC_NS}}}Contact")
    data = {
        "endpoint": read_endpoint(r, party),
        "identification": read_party_id(r, party),
        "name": r.text(legal, "RegistrationName", required=True),
        "contact": None,
    }
    if contact is not None:
        r.only(contact, ("Name", "Telephone", "ElectronicMail"))
        data["contact"] = {"name": r.text(contact, "Name"), "telephone": r.text(contact, "Telephone"),
                           "email": r.text(contact, "ElectronicMail")}
    return data


def read_document_party(r: Reader, party: etree._Element | None) -> dict | None:
    if party is None:
        return None
    r.only(party, ("PartyIdentification", "PartyName"))
    name = r.one(party, "cac", "PartyName")
    r.only(name, ("Name",))
    return {"name": r.text(name, "Name", required=True), "identification": read_party_id(r, party)}



def billing_party(r: Reader, root: etree._Element, role: str) -> ResponseParty:
    """Endpoint, legal name and identifier of a BIS Billing party, as an Invoice Response
    party. An identifier whose scheme is not in the ISO 6523 ICD list of the T111 rules (e.g.
    ``SEPA``) is left out."""
    party = root.find(f"{{{CAC_NS}}}{role}/{{{CAC_NS}}}Party")
    if party is None:
        raise ResponseRuleError(r.rule, f"the document has no {role}")
    endpoint = read_endpoint(r, party)
    name = (party.findtext(f"{{{CAC_NS}}}PartyLegalEntity/{{{CBC_NS}}}RegistrationName")
            or party.findtext(f"{{{CAC_NS}}}PartyName/{{{CBC_NS}}}Name") or "")
    identification = None
    for element in party.findall(f"{{{CAC_NS}}}PartyIdentification/{{{CBC_NS}}}ID"):
        scheme = element.get("schemeID")
        if scheme is None or scheme in RESPONSE_ICD_CODES:
            identification = PartyId(id=(element.text or "").strip(XML_WHITESPACE), scheme=scheme)
            break
    return ResponseParty(endpoint=Endpoint(scheme=endpoint["scheme"], id=endpoint["id"].strip(XML_WHITESPACE)),
                         name=name.strip(XML_WHITESPACE), identification=identification)
