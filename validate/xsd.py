"""UBL 2.1 XSD validation, the first step of every rule set.

The schemas are the official OASIS UBL 2.1 files from the artefact cache. Each maindoc
schema is compiled once per process (about 35 ms for Invoice with its 13 imported
modules) and kept in a module-level cache; validating a typical invoice afterwards takes
tens of microseconds.

Loading is hardened like document parsing (OWASP XXE Prevention): the schema documents
are parsed without entity expansion, DTD loading or network access, and every file
libxml2 asks for while compiling (``xsd:import`` / ``xsd:include``, and any external
entity, since libxml2 parses imported schemas with entity substitution on) goes through a
resolver that only serves regular files under the UBL ``xsd`` folder. Anything else is
refused and makes loading fail with :class:`XsdLoadError`.
"""
from __future__ import annotations

import os
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from lxml import etree

from schemas.artefacts import artefact_path
from validate.detect import DocumentType, Kind
from validate.findings import Finding, Severity

RULE_ID = "UBL-XSD"
RULESET = "oasis-ubl-2.1"
STEP = "xsd"

MAINDOC = "oasis-ubl-2.1/xsd/maindoc/"
XSD_BY_KIND: dict[Kind, str] = {
    Kind.INVOICE: MAINDOC + "UBL-Invoice-2.1.xsd",
    Kind.CREDITNOTE: MAINDOC + "UBL-CreditNote-2.1.xsd",
    Kind.INVOICE_RESPONSE: MAINDOC + "UBL-ApplicationResponse-2.1.xsd",
    Kind.MLR: MAINDOC + "UBL-ApplicationResponse-2.1.xsd",
}


class XsdLoadError(Exception):
    """A schema could not be compiled, or asked for a file outside its folder."""


class _LocalOnlyResolver(etree.Resolver):
    """Serves files under ``root`` only; records every other request as refused."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = os.path.normpath(os.path.abspath(root))
        self.refused: list[str] = []

    @staticmethod
    def _local_path(url: str) -> str | None:
        """The normalised absolute path a URL names, or None for anything not a local file."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            raw = urllib.request.url2pathname(parts.path)
        elif parts.scheme == "" or (len(parts.scheme) == 1 and url[1:2] == ":"):  # path, or C:\
            raw = url
        else:
            return None
        return os.path.normpath(os.path.abspath(raw))

    def _allowed(self, path: str) -> bool:
        """Lexically inside the folder (``..`` removed) and a regular file."""
        return os.path.commonpath([self.root, path]) == self.root and os.path.isfile(path)

    def resolve(self, url, pubid, context):
        path = self._local_path(url or "")
        if path is not None and self._allowed(path):
            return self.resolve_filename(path, context)
        self.refused.append(url or f"(public id {pubid})")
        return self.resolve_string("", context)


def _schema_parser(resolver: _LocalOnlyResolver) -> etree.XMLParser:
    """The hardened parser settings of :mod:`validate.xmlsafe`, plus the local resolver.

    ``huge_tree`` is off; the UBL schema files are far below libxml2's default limits.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, dtd_validation=False,
                             load_dtd=False, huge_tree=False)
    parser.resolvers.add(resolver)
    return parser


def compile_schema(path: Path) -> etree.XMLSchema:
    """Compile one maindoc schema; its imports may only come from the UBL ``xsd`` folder."""
    resolver = _LocalOnlyResolver(path.parent.parent)  # .../xsd/maindoc/X.xsd -> .../xsd
    try:
        schema = etree.XMLSchema(etree.parse(str(path), _schema_parser(resolver)))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as err:
        raise XsdLoadError(f"cannot compile {path}: {err}"
                           + (f" (refused: {', '.join(resolver.refused)})" if resolver.refused else "")
                           ) from err
    if resolver.refused:
        raise XsdLoadError(f"{path} asked for files outside {resolver.root}: {', '.join(resolver.refused)}")
    return schema


class XsdValidator:
    """One compiled UBL maindoc schema.

    An lxml ``XMLSchema`` keeps the error log of its last ``validate`` call on the object,
    so a lock makes ``validate`` + reading the log atomic when threads share a validator.
    """

    def __init__(self, relpath: str):
        self.relpath = relpath
        self.path = artefact_path(relpath)
        self._schema = compile_schema(self.path)
        self._lock = threading.Lock()

    def validate(self, tree: etree._ElementTree | etree._Element) -> list[Finding]:
        """One fatal ``UBL-XSD`` finding per libxml2 schema error; none when valid."""
        with self._lock:
            valid = self._schema.validate(tree)
            entries = list(self._schema.error_log)
        findings = [_finding(entry) for entry in entries]
        if not valid and not findings:
            findings.append(Finding(RULE_ID, Severity.FATAL, f"not valid against {self.relpath}",
                                    ruleset=RULESET, step=STEP))
        return findings


def _finding(entry) -> Finding:
    """``location`` is ``line N`` plus libxml2's XPath of the element, when it gives one."""
    location = f"line {entry.line}"
    if entry.path:
        location += f", {entry.path}"
    return Finding(rule_id=RULE_ID, severity=Severity.FATAL, message=entry.message,
                   location=location, ruleset=RULESET, step=STEP)


_CACHE: dict[Path, XsdValidator] = {}
_BY_KIND: dict[tuple, "XsdValidator"] = {}
_CACHE_LOCK = threading.Lock()


def _kind_of(kind: Kind | str | DocumentType) -> Kind:
    if isinstance(kind, DocumentType):
        return kind.kind
    try:
        return Kind(kind)
    except ValueError:
        raise ValueError(f"unknown document kind {kind!r}") from None


def validator_for(kind: Kind | str | DocumentType) -> XsdValidator:
    """The process-wide validator for a document kind, compiled on first use.

    An SBDH envelope has no UBL schema: validate its payload (``detect.sbdh_payload``).
    """
    kind = _kind_of(kind)
    # Fast path: resolving the artefact path (user cache dir, stat) costs more than an XSD
    # check of a small invoice; the cache location only changes with the environment.
    fast_key = (kind, os.environ.get("LSSINVOICE_ARTEFACTS"))
    validator = _BY_KIND.get(fast_key)
    if validator is not None:
        return validator
    relpath = XSD_BY_KIND.get(kind)
    if relpath is None:
        raise ValueError(f"no UBL XSD for document kind {kind}: validate the SBDH payload instead")
    path = artefact_path(relpath)
    with _CACHE_LOCK:
        validator = _CACHE.get(path)
        if validator is None:
            validator = _CACHE[path] = XsdValidator(relpath)
        _BY_KIND[fast_key] = validator
    return validator


def validate_xsd(tree: etree._ElementTree | etree._Element,
                 kind: Kind | str | DocumentType) -> list[Finding]:
    """XSD findings for a parsed document of the given kind (empty list when valid)."""
    return validator_for(kind).validate(tree)
