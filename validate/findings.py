"""Findings: the flat result of every validation step (the phive idea).

A finding has a rule id, a severity, a location (an XPath into the document), a message,
and the rule set and step that produced it. A document is *valid* when no finding is fatal.
Refusals by the hardened parser and document detection are findings too, with ids of our
own (``LSS-XML-*``, ``LSS-DOC-*``), so callers never see a traceback for bad input.
"""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field


class Severity(str, enum.Enum):
    """Finding levels, as Schematron ``flag`` values map to them.

    Peppol and CEN use ``flag="fatal"`` and ``flag="warning"``; ``information`` is used by
    some national rule sets. An assert without a flag is treated as fatal (it is an
    assertion the document must satisfy).
    """

    FATAL = "fatal"
    WARNING = "warning"
    INFORMATION = "information"

    @classmethod
    def from_flag(cls, flag: str | None) -> "Severity":
        value = (flag or "").strip().lower()
        if value in ("warning", "warn"):
            return cls.WARNING
        if value in ("information", "info"):
            return cls.INFORMATION
        return cls.FATAL


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    location: str = ""
    ruleset: str = ""
    step: str = ""
    test: str = ""

    @property
    def is_fatal(self) -> bool:
        return self.severity is Severity.FATAL

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


ENGINE_ERRORS = frozenset({"LSS-SCH-001", "LSS-SCH-002", "LSS-ENG-001"})
"""Rule ids that say the engine failed, not the document: a Saxon error while the rules ran
(``LSS-SCH-001``), rules that do not compile (``LSS-SCH-002``), an artefact missing or not
matching the manifest (``LSS-ENG-001``). A result with one of them is an ``error``, never
valid and never the sender's fault (phive: an engine failure is not a verdict)."""


class Outcome(str, enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    ERROR = "error"


class FindingError(Exception):
    """Input refused before the rules could run; ``finding`` says why and where."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding

    @property
    def rule_id(self) -> str:
        return self.finding.rule_id


@dataclass(slots=True)
class StepResult:
    """One step of a rule set run on one document (XSD, or one Schematron)."""

    name: str
    findings: list[Finding] = field(default_factory=list)
    millis: float = 0.0
    skipped: bool = False
    reason: str = ""
    """Why a skipped step did not run."""


@dataclass(frozen=True, slots=True)
class OtherVerdict:
    """What another release accepted on the same reference date says of the document."""

    ruleset: str
    release: str
    valid: bool
    fatal_rules: tuple[str, ...] = ()
    error: bool = False

    def to_dict(self) -> dict:
        return {"ruleset": self.ruleset, "release": self.release, "valid": self.valid,
                "error": self.error, "fatal_rules": list(self.fatal_rules)}


@dataclass(slots=True)
class ValidationResult:
    """All steps of one rule set on one document."""

    source: str
    ruleset: str = ""
    document_type: str = ""
    steps: list[StepResult] = field(default_factory=list)
    extra: list[Finding] = field(default_factory=list)
    release: str = ""
    """The OpenPeppol release whose rules judged the document (empty: a rule set outside the
    releases, or no rules ran)."""
    reference_date: str = ""
    """The date the releases were chosen for (ISO); empty when a rule set was named."""
    others: list[OtherVerdict] = field(default_factory=list)
    note: str = ""

    @property
    def findings(self) -> list[Finding]:
        out = list(self.extra)
        for step in self.steps:
            out.extend(step.findings)
        return out

    @property
    def error(self) -> bool:
        """The engine failed (see :data:`ENGINE_ERRORS`): no verdict on the document."""
        return any(f.rule_id in ENGINE_ERRORS for f in self.findings)

    @property
    def valid(self) -> bool:
        return not any(f.is_fatal for f in self.findings)

    @property
    def outcome(self) -> Outcome:
        if self.error:
            return Outcome.ERROR
        return Outcome.VALID if self.valid else Outcome.INVALID

    @property
    def millis(self) -> float:
        return sum(s.millis for s in self.steps)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "ruleset": self.ruleset,
            "release": self.release,
            "reference_date": self.reference_date,
            "document_type": self.document_type,
            "outcome": self.outcome.value,
            "valid": self.valid,
            "counts": self.counts(),
            "steps": [
                {"name": s.name, "millis": round(s.millis, 3), "skipped": s.skipped,
                 "findings": len(s.findings), **({"reason": s.reason} if s.reason else {})}
                for s in self.steps
            ],
            "others": [o.to_dict() for o in self.others],
            **({"note": self.note} if self.note else {}),
            "findings": [f.to_dict() for f in self.findings],
        }
