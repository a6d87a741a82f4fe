"""Renderers for validation results: text for people, JSON for machines, SVRL for tools.

SVRL (ISO/IEC 19757-3 Annex D) is written per document and step as an
``svrl:schematron-output`` with one ``svrl:failed-assert`` per finding; the several outputs
of a run are wrapped in one ``lss:validation-reports`` element of our own namespace.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from lxml import etree

from .findings import Outcome, Severity, ValidationResult

SVRL = "http://purl.oclc.org/dsdl/svrl"
LSS = "urn:lssinvoice:validation-reports"

_MARK = {Severity.FATAL: "FATAL", Severity.WARNING: "WARN ", Severity.INFORMATION: "INFO "}


_VERDICT = {Outcome.VALID: "valid  ", Outcome.INVALID: "INVALID", Outcome.ERROR: "ERROR  "}


def judged_by(result: ValidationResult) -> str:
    """``peppol-bis-billing-3.0.21 (OpenPeppol 2026.5, accepted on 2026-12-05)``, or the rule set."""
    if not result.ruleset:
        return ""
    parts = [f"OpenPeppol {result.release}"] if result.release else []
    if result.reference_date:
        parts.append(f"accepted on {result.reference_date}")
    return result.ruleset + (f" ({', '.join(parts)})" if parts else "")


def other_lines(result: ValidationResult) -> list[str]:
    """What the other releases accepted on the reference date say (transition periods)."""
    out = []
    for other in result.others:
        if other.error:
            said = "could not be run (engine error)"
        elif other.valid:
            said = "passes it too"
        elif other.fatal_rules:
            said = "would fail " + ", ".join(other.fatal_rules)
        else:
            said = "not run"
        out.append(f"  also accepted: {other.ruleset} (OpenPeppol {other.release}): {said}")
    return out


def text_line(result: ValidationResult) -> str:
    counts = result.counts()
    verdict = _VERDICT[result.outcome]
    parts = [f"{counts['fatal']} fatal", f"{counts['warning']} warning"]
    if counts["information"]:
        parts.append(f"{counts['information']} information")
    kind = f" [{result.document_type}]" if result.document_type else ""
    by = f" by {judged_by(result)}" if result.ruleset else ""
    return f"{verdict} {result.source}{kind}{by}: {', '.join(parts)} ({result.millis:.1f} ms)"


def render_text(results: Iterable[ValidationResult], *, warnings: bool = True) -> str:
    """A line per document, then its findings indented (warnings optional)."""
    lines: list[str] = []
    for result in results:
        lines.append(text_line(result))
        if result.note:
            lines.append(f"  note: {result.note}")
        lines.extend(other_lines(result))
        for step in result.steps:
            if step.skipped and step.reason:
                lines.append(f"  SKIP  {step.name}: {step.reason}")
        for f in result.findings:
            if f.severity is not Severity.FATAL and not warnings:
                continue
            where = f" at {f.location}" if f.location else ""
            step = f" ({f.step})" if f.step else ""
            lines.append(f"  {_MARK[f.severity]} {f.rule_id}{step}{where}: {f.message}")
    return "\n".join(lines)


def summary(results: list[ValidationResult]) -> dict:
    valid = sum(1 for r in results if r.valid)
    errors = sum(1 for r in results if r.error)
    return {
        "documents": len(results),
        "valid": valid,
        "invalid": len(results) - valid - errors,
        "error": errors,
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
        if result.ruleset:
            out.set("schemaVersion", result.ruleset)
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
                               outcome=result.outcome.value, ruleset=result.ruleset,
                               release=result.release, **({"reference-date": result.reference_date}
                                                          if result.reference_date else {}))
        for other in result.others:
            etree.SubElement(doc, f"{{{LSS}}}also-accepted", ruleset=other.ruleset, release=other.release,
                             valid="true" if other.valid else "false",
                             **({"would-fail": " ".join(other.fatal_rules)} if other.fatal_rules else {}))
        for out in svrl_element(result):
            doc.append(out)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")
