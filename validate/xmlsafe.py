"""Hardened XML parsing: the only way this project turns bytes into an XML tree.

Every invoice, response or envelope we read comes from outside (a customer's system, an
access point, a file dropped in a folder), so parsing follows the OWASP XML External
Entity Prevention Cheat Sheet and the "XML Security" section of the lxml FAQ:

* no DOCTYPE at all. A UBL document never needs one, and refusing it outright closes
  entity expansion bombs ("billion laughs"), external entities (XXE: ``file:///...``,
  ``http://...``) and external DTD fetches in one rule, instead of relying on each of
  them being individually disabled (``LSS-XML-002``);
* the parser itself also never expands entities, never loads a DTD, never touches the
  network and keeps libxml2's ``huge_tree`` safety limits on, so even the tree we
  build before refusing the DOCTYPE contains nothing fetched or expanded. The one
  exception is a text node above libxml2's 10,000,000-byte limit (a large embedded
  attachment in base64): that document is parsed again with ``huge_tree`` (see
  :func:`parse_xml`), our own size, DOCTYPE, depth and attribute limits still applying;
* XInclude is never processed (lxml only does it on an explicit ``tree.xinclude()``,
  which this project never calls);
* a size cap (``LSS-XML-001``) and a nesting-depth cap (``LSS-XML-004``) bound the
  memory and the recursion any later step (XSD, Schematron/XSLT) can be made to use;
* a cap on attributes plus namespace declarations of one element (``LSS-XML-006``), below
  the limit we give SaxonC's parser (:data:`MAX_ATTRIBUTES_CEILING`), so that no document
  accepted here is refused by the Schematron engine.

Refusals are raised as :class:`XmlRefused`, which carries a :class:`Finding`, so a caller
can put them in a report like any other validation result.
"""
from __future__ import annotations

import functools
import io
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from validate.findings import Finding, FindingError, Severity

ENV_MAX_BYTES = "LSSINVOICE_MAX_XML_BYTES"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_DEPTH = 256
DEFAULT_MAX_ATTRIBUTES = 1_000
MAX_ATTRIBUTES_CEILING = 10_000
"""The highest ``max_attributes`` allowed: the limit :mod:`validate.schematron.runner` sets for
SaxonC's (JDK) parser, ``jdk.xml.elementAttributeLimit``, which counts attributes and namespace
declarations of one element together, as we do. Its JDK default is 200."""
STEP = "parse"

TOO_LARGE = "LSS-XML-001"
DOCTYPE_REFUSED = "LSS-XML-002"
NOT_WELL_FORMED = "LSS-XML-003"
TOO_DEEP = "LSS-XML-004"
EMPTY = "LSS-XML-005"
TOO_MANY_ATTRIBUTES = "LSS-XML-006"
TOO_MANY_ELEMENTS = "LSS-XML-007"
# Elements per document. Memory grows with them, not with the bytes (libxml2 takes about 40
# times the size of a file of small elements), and libxml2's XPath refuses node sets above
# 10,000,000, which the depth and attribute checks select. A 10,000-line invoice has about
# 300,000 elements; 100 MB of UBL (the byte cap) about 4,300,000.
DEFAULT_MAX_ELEMENTS = 5_000_000
UNREADABLE = "LSS-IO-001"


def _default_max_bytes() -> int:
    """100 MB unless ``LSSINVOICE_MAX_XML_BYTES`` says otherwise (read at Limits() time)."""
    raw = os.environ.get(ENV_MAX_BYTES, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{ENV_MAX_BYTES}={raw!r} is not a whole number of bytes") from None
    if value <= 0:
        raise ValueError(f"{ENV_MAX_BYTES}={raw!r} must be a positive number of bytes")
    return value


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits for one parse.

    ``max_bytes`` bounds memory before any parsing happens, and so does ``max_elements``
    (start tags counted in the bytes, an upper bound of the elements); ``max_depth`` (the root element
    is depth 1) bounds recursion in every later tree walk; ``max_attributes`` bounds the
    attributes plus namespace declarations written on one element (at most
    :data:`MAX_ATTRIBUTES_CEILING`, the limit SaxonC's parser is given). ``huge_tree``
    stays False so libxml2 keeps its own limits (text node size, name length, depth 256),
    as the lxml FAQ recommends for untrusted input; only a document whose sole problem is a
    text node above 10,000,000 bytes is parsed again with them relaxed (:func:`parse_xml`).
    ``huge_tree=True`` relaxes them from the start.
    """

    max_bytes: int = field(default_factory=_default_max_bytes)
    max_depth: int = DEFAULT_MAX_DEPTH
    huge_tree: bool = False
    max_attributes: int = DEFAULT_MAX_ATTRIBUTES
    max_elements: int = DEFAULT_MAX_ELEMENTS

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_depth <= 0 or self.max_attributes <= 0 or self.max_elements <= 0:
            raise ValueError(f"limits must be positive: {self!r}")
        if self.max_attributes > MAX_ATTRIBUTES_CEILING:
            raise ValueError(f"max_attributes={self.max_attributes} is more than {MAX_ATTRIBUTES_CEILING}, "
                             "the limit the Schematron engine's (SaxonC) parser is given")


class XmlRefused(FindingError):
    """The input was not accepted as XML; ``finding`` says why and where."""


def _refuse(rule_id: str, message: str, location: str = "") -> XmlRefused:
    return XmlRefused(Finding(rule_id=rule_id, severity=Severity.FATAL, message=message,
                              location=location, step=STEP))


def _where(source: str) -> str:
    return source or "<input>"


# --- the parser -------------------------------------------------------------------------

_PARSERS = threading.local()


def _new_parser(huge_tree: bool) -> etree.XMLParser:
    """The parser settings recommended by OWASP (XXE Prevention, lxml section).

    ``resolve_entities=False`` keeps entity references as references (no expansion, so no
    billion laughs and no XXE); ``load_dtd=False`` / ``dtd_validation=False`` never fetch
    an external DTD; ``no_network=True`` forbids any network access libxml2 might try.
    Blank text is kept so line numbers and signatures stay true to the input.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=huge_tree,
        remove_blank_text=False,
    )


def hardened_parser(limits: Limits | None = None, *, huge_tree: bool | None = None) -> etree.XMLParser:
    """The hardened parser for this thread (lxml parsers should not be shared by threads).

    ``huge_tree`` (default: ``limits.huge_tree``) relaxes libxml2's hard-coded limits."""
    huge = bool(limits and limits.huge_tree) if huge_tree is None else huge_tree
    name = "huge" if huge else "normal"
    parser = getattr(_PARSERS, name, None)
    if parser is None:
        parser = _new_parser(huge)
        setattr(_PARSERS, name, parser)
    return parser


# --- checks -------------------------------------------------------------------------------

_SPACE = re.compile(rb"[ \t\r\n]*")
_BOM = b"\xef\xbb\xbf"


def _prolog_end(data: bytes) -> int:
    """Offset of the first thing after the XML declaration, comments, PIs and whitespace.

    A plain scanner (``find`` and a one-class regex), so it stays linear on hostile input.
    For a UTF-8 or ASCII document, a DOCTYPE can only start at this offset, and input where
    it reaches the end has no root element. Unterminated constructs stop the scan.
    """
    pos = len(_BOM) if data.startswith(_BOM) else 0
    while True:
        pos = _SPACE.match(data, pos).end()
        for opening, closing in ((b"<?", b"?>"), (b"<!--", b"-->")):
            if data.startswith(opening, pos):
                end = data.find(closing, pos + len(opening))
                if end < 0:
                    return pos
                pos = end + len(closing)
                break
        else:
            return pos


def _line_at(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _has_no_root(data: bytes) -> bool:
    return _prolog_end(data) >= len(data)


_LXML_POSITION = re.compile(r", line \d+, column \d+$")


def _syntax_refusal(err: etree.XMLSyntaxError, data: bytes, source: str,
                    limits: Limits) -> XmlRefused:
    """Map libxml2's first fatal error to one of our ids, keeping its line and column."""
    line, column = err.position if err.position else (err.lineno or 0, 0)
    where = f"{_where(source)}, line {line}, column {column}"
    location = f"line {line}"
    msg = _LXML_POSITION.sub("", err.msg or str(err))
    if err.code == etree.ErrorTypes.ERR_DOCUMENT_EMPTY and _has_no_root(data):
        return _refuse(EMPTY, f"{_where(source)}: empty document (no root element)", location)
    if err.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
        if "depth" in msg.lower():
            return _refuse(TOO_DEEP, f"{where}: elements nested too deeply "
                                     f"(parser limit reached; our limit is {limits.max_depth}): {msg}",
                           location)
        return _refuse(TOO_LARGE, f"{where}: exceeds a parser size limit: {msg}", location)
    return _refuse(NOT_WELL_FORMED, f"{where}: not well-formed XML: {msg}", location)


def _only_text_too_long(err: etree.XMLSyntaxError) -> bool:
    """libxml2 stopped at a text node above its 10,000,000-byte limit (``XML_MAX_TEXT_LENGTH``).

    libxml2 (2.14) reports it as ``XML_ERR_RESOURCE_LIMIT`` "Resource limit exceeded: Text
    node too long, try XML_PARSE_HUGE". It is a fatal error and the parser stops there, so it
    is the only problem reported: anything wrong after it is found by the second parse. Other
    resource limits are not retried: an attribute value or CDATA section above 10 MB
    ("Buffer size limit exceeded"), a name above 50,000 characters ("Name too long", its own
    error code) or a comment above 10 MB are no part of a UBL document.
    """
    return (err.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT
            and "text node too long" in (err.msg or "").lower())


def _doctype_refusal(source: str, line: int | None, doctype: str = "") -> XmlRefused:
    at = f", line {line}" if line else ""
    what = f" ({doctype})" if doctype else ""
    return _refuse(
        DOCTYPE_REFUSED,
        f"{_where(source)}{at}: DOCTYPE declaration refused{what}; documents must not declare "
        "a DTD or entities, and nothing in it was loaded or expanded",
        f"line {line}" if line else "",
    )


def _check_prolog(data: bytes, source: str) -> None:
    """Refuse a DOCTYPE before libxml2 even reads it (OWASP: "disallow DOCTYPE altogether")."""
    pos = _prolog_end(data)
    if data.startswith(b"<!DOCTYPE", pos):
        raise _doctype_refusal(source, _line_at(data, pos))


def _check_no_doctype(tree: etree._ElementTree, source: str) -> None:
    """Backstop for encodings the byte scan cannot read (UTF-16): ask the parsed tree."""
    info = tree.docinfo
    if info.internalDTD is not None or info.doctype or info.system_url:
        raise _doctype_refusal(source, None, info.doctype)


# Deeper limits than this are checked by a Python walk: libxml2's XPath compiler refuses
# location paths of a few thousand steps ("Recursion limit exceeded").
_XPATH_DEPTH_MAX = 1024


@functools.lru_cache(maxsize=16)
def _deeper_than(max_depth: int) -> etree.XPath:
    """XPath selecting elements at depth ``max_depth + 1``: one C-level pass, no Python walk.

    Measured on a 1 MB invoice (18k elements): about 0.4 ms, against 4 ms for an
    ``iterwalk`` depth counter in Python.
    """
    return etree.XPath("/*" + "/*" * max_depth)


def _walk_deeper_than(tree: etree._ElementTree, max_depth: int) -> list[etree._Element]:
    """The slow path, for limits above 1024 levels (an unusual configuration)."""
    depth = 0
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > max_depth:
            return [element]
    return []


def _check_depth(tree: etree._ElementTree, source: str, limits: Limits) -> None:
    if limits.max_depth <= _XPATH_DEPTH_MAX:
        too_deep = _deeper_than(limits.max_depth)(tree)
    else:
        too_deep = _walk_deeper_than(tree, limits.max_depth)
    if not too_deep:
        return
    line = too_deep[0].sourceline
    raise _refuse(
        TOO_DEEP,
        f"{_where(source)}, line {line}: elements nested deeper than {limits.max_depth} levels",
        f"line {line}",
    )


# Attributes plus namespace declarations of one element (LSS-XML-006). SaxonC's (JDK) parser
# refuses an element with more than jdk.xml.elementAttributeLimit of them together; lxml has no
# such limit. The check is in two parts:
#
# 1. a filter that may over-select but never misses. When the bytes are in an ASCII-compatible
#    encoding: every attribute and every namespace declaration is written with a ``=``, and a
#    start tag holds no ``<`` after its first (XML 1.0 [10]: not even in attribute values), so
#    an element above K has more than K ``=`` bytes between its ``<`` and the next ``<``. A
#    document with at most K ``=`` in all has none (one byte count); otherwise a regular
#    expression looks for such a stretch (possessive, so it never backtracks). In any other
#    encoding, ``count(@*) + count(namespace::*)`` in one libxml2 XPath pass (namespace::*
#    counts the namespaces in scope, inherited ones and ``xml`` included, so it is at least the
#    number declared on the element);
# 2. exact counting, only when the filter found a candidate: the declarations *written on*
#    each element (not the inherited ones, and including redundant re-declarations, which the
#    JDK counts too) come from libxml2's start-ns events, with a second, equally hardened parse.
#
# Measured (lxml 6.2.0, libxml2 2.14.6, this project's 2-core machine):
# * a 10,000-line invoice (9.5 MB, 170,000 elements, parse_xml 245 ms in all): the expression
#   60 ms; the XPath filter it replaced, ``//*[count(@*) > K - count(b"xmlns")]``, took 88 ms;
# * a typical invoice (base-example.xml, 9 KB, 30 "="): 4 microseconds, the "=" count alone;
# * a 40 MB invoice with a 30 MB (decoded) attachment: 26 ms, the byte counts (few elements).

_ASCII_COMPATIBLE = re.compile(r"(UTF-8|UTF8|US-ASCII|ASCII|ISO-8859-\d+|ISO-LATIN-1|LATIN1|WINDOWS-125\d)$",
                               re.IGNORECASE)


@functools.lru_cache(maxsize=32)
def _xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression)


def _ascii_compatible(data: bytes, tree: etree._ElementTree) -> bool:
    """Whether ASCII characters of the document are their ASCII bytes (UTF-8, Latin-1...).

    Not UTF-16/32 (a BOM, or NUL bytes around the first ``<``); otherwise the declared
    encoding decides (``docinfo.encoding`` says UTF-8 when nothing is declared, which is then
    what libxml2 read)."""
    if data[:2] in (b"\xfe\xff", b"\xff\xfe") or b"\x00" in data[:4]:
        return False
    return bool(_ASCII_COMPATIBLE.match(tree.docinfo.encoding or "UTF-8"))


@functools.lru_cache(maxsize=4)
def _crowded_start_tag(limit: int) -> re.Pattern[bytes]:
    """A ``<`` followed by more than ``limit`` ``=`` bytes before the next ``<``."""
    return re.compile(rb"<(?:[^<=]*+=){%d}" % (limit + 1))


def _attribute_candidates(data: bytes, tree: etree._ElementTree, limit: int) -> bool:
    """Whether some element may carry more than ``limit`` attributes + declarations."""
    if _ascii_compatible(data, tree):
        if data.count(b"=") <= limit:
            return False
        return _crowded_start_tag(limit).search(data) is not None
    return bool(_xpath(f"//*[count(@*) + count(namespace::*) > {limit}]")(tree))


def _too_many_attributes(data: bytes, limits: Limits) -> tuple[str, int | None, int] | None:
    """The first element with more than ``max_attributes`` attributes + declarations written on
    it, as (name as written, line, count), or None.

    A second parse of bytes the hardened parser has already accepted, with the same settings
    (no entities, no DTD, no network; ``huge_tree`` since the first parse may have needed it).
    """
    pending = 0
    events = etree.iterparse(io.BytesIO(data), events=("start-ns", "start"), resolve_entities=False,
                             no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=True, remove_blank_text=False)
    for event, item in events:
        if event == "start-ns":
            pending += 1
            continue
        count = pending + len(item.attrib)
        pending = 0
        if count > limits.max_attributes:
            local = etree.QName(item).localname
            return (f"{item.prefix}:{local}" if item.prefix else local), item.sourceline, count
    return None


def _check_attributes(data: bytes, tree: etree._ElementTree, source: str, limits: Limits) -> None:
    if not _attribute_candidates(data, tree, limits.max_attributes):
        return
    found = _too_many_attributes(data, limits)
    if found is None:
        return
    name, line, count = found
    raise _refuse(
        TOO_MANY_ATTRIBUTES,
        f"{_where(source)}: element {name} at line {line} has {count} attributes/namespace declarations, "
        f"more than the limit of {limits.max_attributes}",
        f"line {line}",
    )


# --- public API ---------------------------------------------------------------------------

def parse_xml(data: bytes, *, source: str = "", limits: Limits | None = None) -> etree._ElementTree:
    """Parse untrusted XML bytes, or raise :class:`XmlRefused` with a finding.

    Order: size and emptiness (before any parsing), DOCTYPE in the prolog, well-formedness
    (libxml2, with the hardened parser; input with no root element is "empty"; a text node
    above libxml2's 10,000,000-byte limit makes a second parse with ``huge_tree``), DOCTYPE
    again on the parsed tree (for UTF-16 input), depth, attributes per element.
    ``source`` names the input in messages.
    """
    limits = limits or Limits()
    data = check_bytes(data, source=source, limits=limits)
    return parse_checked(data, source=source, limits=limits)


def parse_checked(data: bytes, *, source: str = "", limits: Limits | None = None) -> etree._ElementTree:
    """:func:`parse_xml` of bytes that :func:`check_bytes` has already accepted: the parse and
    the checks of the tree (the validation engine checks the bytes first, starts Saxon's
    parse of a large document, then parses here)."""
    limits = limits or Limits()
    try:
        root = etree.fromstring(data, hardened_parser(limits), base_url=source or None)
    except etree.XMLSyntaxError as err:
        if limits.huge_tree or not _only_text_too_long(err):
            raise _syntax_refusal(err, data, source, limits) from None
        root = _parse_huge(data, source, limits)
    tree = root.getroottree()
    _check_no_doctype(tree, source)
    try:
        _check_depth(tree, source, limits)
        _check_attributes(data, tree, source, limits)
    except etree.XPathError as err:  # libxml2's node-set limit: far more elements than counted
        raise _refuse(TOO_MANY_ELEMENTS, f"{_where(source)}: too many elements to check ({err})") from None
    return tree


def check_bytes(data: bytes, *, source: str = "", limits: Limits | None = None) -> bytes:
    """The checks of :func:`parse_xml` that read the bytes alone, before any parser sees them:
    size, emptiness, a DOCTYPE in the prolog, the number of start tags. Returns the data as
    ``bytes``; raises :class:`XmlRefused` (``TypeError`` for text: the encoding is part of the
    XML). The validation engine runs them before it lets Saxon's parser start on a large
    document beside libxml2, then :func:`parse_checked`."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_xml needs bytes, not {type(data).__name__} (encoding is part of the XML)")
    data = bytes(data)
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise _refuse(TOO_LARGE, f"{_where(source)}: {len(data)} bytes is more than the limit "
                                 f"of {limits.max_bytes} bytes")
    if not data:
        raise _refuse(EMPTY, f"{_where(source)}: empty input (0 bytes)", "line 1")
    _check_prolog(data, source)
    _check_element_count(data, source, limits)
    return data


def _check_element_count(data: bytes, source: str, limits: Limits) -> None:
    """Refuse, before parsing, a document with more start tags than ``max_elements``.

    Every element starts with a ``<`` not followed by ``/`` (comments, PIs and CDATA do too,
    so this over-counts, never under-counts, in ASCII-compatible encodings; in UTF-16 every
    ``<`` still gives a 0x3C byte). Two byte counts, no parse: the memory a parse would take
    is what this protects."""
    if len(data) <= limits.max_elements:
        return  # fewer bytes than the limit: fewer elements too
    tags = data.count(b"<") - data.count(b"</")
    if tags > limits.max_elements:
        raise _refuse(TOO_MANY_ELEMENTS, f"{_where(source)}: about {tags} elements (start tags counted before "
                                         f"parsing), more than the limit of {limits.max_elements}")


def _parse_huge(data: bytes, source: str, limits: Limits) -> etree._Element:
    """The second parse of a document whose one problem was a text node above 10,000,000 bytes.

    Typically an embedded attachment (``cbc:EmbeddedDocumentBinaryObject``): 7.5 MB of PDF is
    10 MB of base64. ``huge_tree`` (XML_PARSE_HUGE) relaxes libxml2's hard-coded limits
    (libxml2 2.14 ``parserInternals.h``): text nodes, attribute values, comments, PIs and
    CDATA from 10,000,000 to 1,000,000,000 bytes, names from 50,000 characters to the same,
    the dictionary and look-ahead limits, and the nesting depth from 256 to 2048. That is safe
    here because none of them is what protects us: every length is already bounded by our
    byte cap (``max_bytes``, checked before any parsing), a DOCTYPE was refused before parsing
    and is checked again on the tree (so there is no entity to expand, which is what the
    amplification limits are for; they stay on anyway), the depth is bounded by our own
    ``max_depth`` check after the parse, and attributes per element by ``max_attributes``.
    Names above SaxonC's 1,000-character limit are refused by the engine with its own finding.
    """
    try:
        return etree.fromstring(data, hardened_parser(limits, huge_tree=True), base_url=source or None)
    except etree.XMLSyntaxError as err:
        raise _syntax_refusal(err, data, source, limits) from None


def read_capped(path: str | os.PathLike, limits: Limits | None = None) -> bytes:
    """Read a file, refusing it by its size before reading it all.

    The size is checked with ``fstat`` first, then by reading at most ``max_bytes + 1``
    bytes (files whose size ``stat`` does not know, such as pipes, are still bounded).
    """
    limits = limits or Limits()
    name = str(path)
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limits.max_bytes:
                raise _refuse(TOO_LARGE, f"{name}: {size} bytes is more than the limit "
                                         f"of {limits.max_bytes} bytes")
            data = handle.read(limits.max_bytes + 1)
    except OSError as err:
        raise _refuse(UNREADABLE, f"{name}: cannot read file: {err.strerror or err}") from None
    if len(data) > limits.max_bytes:
        raise _refuse(TOO_LARGE, f"{name}: more than the limit of {limits.max_bytes} bytes")
    return data


def parse_file(path: str | os.PathLike, limits: Limits | None = None) -> etree._ElementTree:
    """:func:`parse_xml` for a file; an unreadable file is refused with ``LSS-IO-001``."""
    limits = limits or Limits()
    return parse_xml(read_capped(path, limits), source=str(Path(path)), limits=limits)


def serialize(tree: etree._ElementTree | etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration: the one encoding Peppol documents use."""
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
