"""Run compiled Schematron with SaxonC-HE (saxonche) and turn its output into findings.

One Saxon processor per process; each compiled schema is turned into an executable once per
process and reused for every document (compiling the CEN rules takes far longer than
running them).
"""
from __future__ import annotations

import hashlib
import threading

from lxml import etree

from validate.findings import Finding, Severity

from .compiler import CompiledSchematron
from .loader import SchematronError

_LOCK = threading.Lock()
_PROCESSOR = None
_EXECUTABLES: dict[str, object] = {}


def saxon_processor():
    """The process-wide SaxonC processor (created on first use)."""
    global _PROCESSOR
    with _LOCK:
        if _PROCESSOR is None:
            from saxonche import PySaxonProcessor

            _PROCESSOR = PySaxonProcessor(license=False)
        return _PROCESSOR


def parse_for_saxon(text: str):
    """Build a Saxon tree from XML text that the hardened parser has already accepted."""
    return saxon_processor().parse_xml(xml_text=text)


def _executable(compiled: CompiledSchematron):
    # An unkeyed schema is cached by the hash of its XSLT, never by id(): a freed object's id
    # is reused by later objects, which would then run the earlier schema's executable.
    key = compiled.key or "xslt:" + hashlib.sha256(compiled.xslt.encode("utf-8")).hexdigest()
    exe = _EXECUTABLES.get(key)
    if exe is None:
        proc = saxon_processor()
        xslt = proc.new_xslt30_processor()
        try:
            exe = xslt.compile_stylesheet(stylesheet_text=compiled.xslt)
        except Exception as exc:  # PySaxonApiError: report what Saxon said
            raise SchematronError(f"the XSLT compiled from {compiled.title!r} does not compile: {exc}") from exc
        if exe is None:
            raise SchematronError(f"the XSLT compiled from {compiled.title!r} does not compile")
        _EXECUTABLES[key] = exe
    return exe


def _clean(text: str) -> str:
    return " ".join(text.split())


class SchematronRunner:
    """A compiled schema bound to its Saxon executable."""

    def __init__(self, compiled: CompiledSchematron, ruleset: str = "", step: str = ""):
        self.compiled = compiled
        self.ruleset = ruleset
        self.step = step or compiled.title
        self._exe = _executable(compiled)

    def run_raw(self, node) -> str:
        return self._exe.transform_to_string(xdm_node=node)

    def run(self, node) -> list[Finding]:
        """Findings for one document (a Saxon XdmNode). A dynamic error of the rules
        themselves becomes one fatal ``LSS-SCH-001`` finding, not an exception."""
        try:
            out = self.run_raw(node)
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
