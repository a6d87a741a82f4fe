"""Parsing bytes in :mod:`peppol`: the package's one hardened lxml parser, no DOCTYPE.

The reader, the SBDH envelope and the responses all parse bytes here (``tests/
test_peppol_foundations.py`` checks that no other module of the package makes a parser).
Callers that already parsed the document (with the project's hardened parser,
``validate.xmlsafe``, which ``peppol`` may not import) pass the lxml tree or element
instead; this is only the fallback for bytes. The settings are those of the OWASP XML
External Entity Prevention Cheat Sheet: no entity expansion, no DTD loading, no network.
"""
from __future__ import annotations

from lxml import etree


class XmlInputError(ValueError):
    """The bytes are not a well-formed XML document this package accepts."""


def parser(huge_tree: bool = False) -> etree.XMLParser:
    """A new hardened parser; ``huge_tree`` relaxes libxml2's own limits (text nodes above
    10,000,000 bytes), never the entity, DTD or network settings."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=huge_tree, remove_comments=False, remove_pis=False)


def _text_node_too_long(exc: etree.XMLSyntaxError) -> bool:
    """libxml2's 10,000,000-byte limit on one text node: an embedded attachment (BT-125) of
    more than about 7.5 MB in base64. Nothing else makes a document be parsed again."""
    return exc.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT and "text node too long" in (exc.msg or "").lower()


def parse_bytes(data: bytes) -> etree._ElementTree:
    """Parse *data* without entity resolution, network or DTD loading; refuse a DOCTYPE."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, an lxml tree or element, got {type(data).__name__}")
    try:
        try:
            root = etree.fromstring(bytes(data), parser())
        except etree.XMLSyntaxError as exc:
            if not _text_node_too_long(exc):
                raise
            # Still no entities, DTD or network; the caller bounds the size of what it passes.
            root = etree.fromstring(bytes(data), parser(huge_tree=True))
        tree = etree.ElementTree(root)
    except etree.XMLSyntaxError as exc:
        raise XmlInputError(f"not well-formed XML: {exc}") from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlInputError("a DOCTYPE is not accepted (entity expansion and external references are refused)")
    return tree


def root_of(source) -> etree._Element:
    """The element to work on: the root of a tree, an element as given, or parsed bytes."""
    if isinstance(source, etree._ElementTree):
        return source.getroot()
    if isinstance(source, etree._Element):
        return source
    return parse_bytes(source).getroot()
