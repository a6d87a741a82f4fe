"""Renderers for validation results: text for people, JSON for machines, SVRL for tools.

SVRL (ISO/IEC 19757-3 Annex D) is written per document and step as an
``svrl:schematron-output`` with one ``svrl:failed-assert`` per finding; the several outputs
of a run are wrapped in one ``lss:validation-reports`` element of our own namespace.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from lxml import etree

from .findings import Severity, ValidationResult

SVRL = "http://purl.oclc.org/dsdl/svrl"
LSS = "urn:lssinvoice:validation-reports"

_MARK = {Severity.FATAL: "FATAL", Severity.WARNING: "WARN ", Severity.INFORMATION: "INFO "}


def text_line(result: ValidationResult) -> str:
    counts = result.counts()
    verdict = "valid  " if result.valid else "INVALID"
    parts = [f"{counts['fatal']} fatal", f"{counts['warning']} warning"]
    if counts["information"]:
        parts.append(f"{counts['information']} information")
    kind = f" [{result.document_type}]" if result.document_type else ""
    return f"{verdict} {result.source}{kind}: {', '.join(parts)} ({result.millis:.1f} ms)"


def render_text(results: Iterable[ValidationResult], *, warnings: bool = True) -> str:
    """A line per document, then its findings indented (warnings optional)."""
    lines: list[str] = []
    for result in results:
        lines.append(text_line(result))
        for f in result.findings:
            if f.severity is not Severity.FATAL and not warnings:
                continue
            where = f" at {f.location}" if f.location else ""
            step = f" ({f.step})" if f.step else ""
            lines.append(f"  {_MARK[f.severity]} {f.rule_id}{step}{where}: {f.message}")
    return "\n".join(lines)


def summary(results: list[ValidationResult]) -> dict:
    valid = sum(1 for r in results if r.valid)
    return {
        "documents": len(results),
        "valid": valid,
        "invalid": len(results) - valid,
        "fatal": sum(r.counts()["fatal"] for r in results),
        "warning": sum(r.counts()["warning"] for r in results),
    }


def render_json(results: list[ValidationResult]) -> str:
    return json.dumps({"summary": summary(results), "results": [r.to_dict() for r in results]},
                      indent=2, ensure_ascii=False)


def svrl_element(result: ValidationResult) -> list[etree._Element]:
    outputs = []
    for step in result.steps:
        out = etree.Element(f"{{{SVRL}}}schematron-output", nsmap={"svrl": SVRL},
                            title=step.name, phase="#ALL")
        out.set("document", result.source)
        for f in step.findings:
            failed = etree.SubElement(out, f"{{{SVRL}}}failed-assert", id=f.rule_id,
                                      flag=f.severity.value, location=f.location or "/")
            if f.test:
                failed.set("test", f.test)
            etree.SubElement(failed, f"{{{SVRL}}}text").text = f.message
        outputs.append(out)
    return outputs


def render_svrl(results: Iterable[ValidationResult]) -> str:
    root = etree.Element(f"{{{LSS}}}validation-reports", nsmap={"lss": LSS, "svrl": SVRL})
    for result in results:
        doc = etree.SubElement(root, f"{{{LSS}}}document", source=result.source,
                               valid="true" if result.valid else "false",
                               ruleset=result.ruleset)
        for out in svrl_element(result):
            doc.append(out)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")
