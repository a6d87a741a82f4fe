"""Run compiled Schematron with Saxon (SaxonC-HE, or Saxon-HE on the JVM: :mod:`.engines`) and
turn its output into findings.

One Saxon processor per process; each compiled schema is turned into an executable once per
process and reused for every document (compiling the CEN rules takes far longer than
running them).
"""
from __future__ import annotations

import hashlib
import threading

from lxml import etree

from validate.findings import Finding, Severity
from validate.xmlsafe import MAX_ATTRIBUTES_CEILING

from .compiler import CompiledSchematron
from .loader import SchematronError

_LOCK = threading.Lock()
_PROCESSOR = None
_EXECUTABLES: dict[str, object] = {}


# SaxonC parses with the JDK's XML parser (in its native image), whose JAXP processing limits
# are lower than what the hardened parser (validate.xmlsafe) accepts: 200 attributes plus
# namespace declarations per element and 100 levels of nesting. Each is raised per processor
# with a parser property; xmlsafe keeps its own limits at or below these, so a document it
# accepts is not refused here. Verified with SaxonC-HE 13.1: a limit of 10,000 attributes
# accepts 5,000 (and 10,000) and refuses 10,001, namespace declarations counted alike; a depth
# of 2,040 parses and runs the CEN and Peppol rules. Other JDK limits stay as they are (names
# above 1,000 characters, jdk.xml.maxXMLNameLimit, are refused): the engine turns any
# refusal into a finding (LSS-SCH-003). Text nodes have no such limit (80 MB parsed).
_PARSER_PROPERTY = "http://saxon.sf.net/feature/parserProperty?uri="
SAXON_PARSER_LIMITS = {
    "jdk.xml.elementAttributeLimit": str(MAX_ATTRIBUTES_CEILING),
    # libxml2's own maximum with huge_tree; without it, libxml2 stops at 256 (our default).
    "jdk.xml.maxElementDepth": "2048",
}
# A second layer behind xmlsafe's DOCTYPE refusal: SaxonC's own parser refuses any DOCTYPE too,
# so no DTD, entity or external reference is ever loaded by the engine, even for a document
# that reached it by some other path (measured: without this, it fetches an external DTD).
SAXON_PARSER_FEATURES = {
    "http%3A//apache.org/xml/features/disallow-doctype-decl": "true",
}
_PARSER_FEATURE = "http://saxon.sf.net/feature/parserFeature?uri="


def saxon_processor():
    """The process-wide SaxonC processor (created on first use), with the parser limits above."""
    global _PROCESSOR
    with _LOCK:
        if _PROCESSOR is None:
            from saxonche import PySaxonProcessor

            proc = PySaxonProcessor(license=False)
            for name, value in SAXON_PARSER_LIMITS.items():
                proc.set_configuration_property(_PARSER_PROPERTY + name, value)
            for name, value in SAXON_PARSER_FEATURES.items():
                proc.set_configuration_property(_PARSER_FEATURE + name, value)
            _PROCESSOR = proc
        return _PROCESSOR


class SaxonCEngine:
    """SaxonC-HE (saxonche, a native image): the engine every machine has."""

    name = "saxonc"
    title = "SaxonC"
    """How findings name this engine (``LSS-SCH-003``)."""
    parallel = False
    """saxonche holds the GIL in its calls: threads would only take turns."""

    @property
    def version(self) -> str:
        return saxon_processor().version

    def parse(self, text: str):
        return saxon_processor().parse_xml(xml_text=text)

    def parse_bytes(self, data: bytes):
        """The tree of a whole UTF-8 document from its bytes."""
        return self.parse(data.decode("utf-8-sig"))

    def compile(self, xslt_text: str):
        return saxon_processor().new_xslt30_processor().compile_stylesheet(stylesheet_text=xslt_text)

    def run(self, executable, node, pattern: int = 0) -> str:
        if pattern:  # the engine runs one thread at a time: its patterns are never split
            raise ValueError("SaxonC runs a schema's patterns together (pattern=0)")
        return executable.transform_to_string(xdm_node=node)


def parse_for_saxon(text: str):
    """Build the engine's tree (:func:`validate.schematron.engines.current`) from XML text
    that the hardened parser has already accepted.

    Raises whatever the engine raises when its parser refuses the text; the validation
    engine turns that into a finding."""
    from .engines import current

    return current().parse(text)


def parse_bytes_for_saxon(data: bytes):
    """:func:`parse_for_saxon` of a whole UTF-8 document, from its bytes."""
    from .engines import current

    return current().parse_bytes(data)


def _executable(compiled: CompiledSchematron):
    from .engines import current

    engine = current()
    # An unkeyed schema is cached by the hash of its XSLT, never by id(): a freed object's id
    # is reused by later objects, which would then run the earlier schema's executable.
    key = engine.name + ":" + (compiled.key or "xslt:" + hashlib.sha256(compiled.xslt.encode("utf-8")).hexdigest())
    with _LOCK:
        exe = _EXECUTABLES.get(key)
    if exe is None:
        try:
            exe = engine.compile(compiled.xslt)
        except Exception as exc:  # the engine's own error: report what Saxon said
            raise SchematronError(f"the XSLT compiled from {compiled.title!r} does not compile: {exc}") from exc
        if exe is None:
            raise SchematronError(f"the XSLT compiled from {compiled.title!r} does not compile")
        with _LOCK:
            exe = _EXECUTABLES.setdefault(key, exe)
    return engine, exe


def _clean(text: str) -> str:
    return " ".join(text.split())


class SchematronRunner:
    """A compiled schema bound to its Saxon executable."""

    def __init__(self, compiled: CompiledSchematron, ruleset: str = "", step: str = ""):
        self.compiled = compiled
        self.ruleset = ruleset
        self.step = step or compiled.title
        self._engine, self._exe = _executable(compiled)

    def run_raw(self, node, pattern: int = 0) -> str:
        return self._engine.run(self._exe, node, pattern)

    def run(self, node, pattern: int = 0) -> list[Finding]:
        """Findings for one document (a Saxon XdmNode): of every pattern, or of the
        ``pattern``-th alone (1-based; engines that run in parallel). A dynamic error of the
        rules themselves becomes one fatal ``LSS-SCH-001`` finding, not an exception."""
        try:
            out = self.run_raw(node, pattern)
        except Exception as exc:
            return [Finding("LSS-SCH-001", Severity.FATAL,
                            f"the rules of {self.step} could not be evaluated on this document: {_clean(str(exc))}",
                            ruleset=self.ruleset, step=self.step)]
        return self.findings_from_output(out)

    def findings_from_output(self, out: str) -> list[Finding]:
        if "<f " not in out:
            return []
        root = etree.fromstring(out.encode("utf-8"))
        table = self.compiled.assertions
        findings = []
        for f in root.iter("f"):
            info = table[int(f.get("k"))]
            message = _clean("".join(f.find("m").itertext()))
            diags = [_clean("".join(d.itertext())) for d in f.findall("d")]
            if diags:
                message = message + " | " + " | ".join(diags)
            findings.append(Finding(
                rule_id=info.rule_id or f"{info.pattern}#{info.index}",
                severity=Severity.from_flag(info.flag or info.role),
                message=message, location=f.get("l", ""), ruleset=self.ruleset,
                step=self.step, test=info.test,
            ))
        return findings
