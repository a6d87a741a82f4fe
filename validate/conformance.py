"""Conformance runner for the official unit tests in VEFA ``testSet`` format.

Each official test file is a ``testSet`` (namespace ``http://difi.no/xsd/vefa/validator/1.0``)
of ``test`` elements; a test holds an ``assert`` block listing rule ids that must
``success`` (not fire), ``warning`` (fire as a warning) or ``error`` (fire as fatal), and the
document fragment to validate. The fragments are not schema-valid documents, so only the
Schematron steps of the suite's rule set run (as upstream's own test harness does).

Suites: ``peppol`` (Peppol 3.0.19 ``rules/unit-UBL-*`` against the Peppol-bundled CEN and the
PEPPOL rules of 3.0.19), ``cen`` (CEN 1.3.16 ``test/Invoice-unit-UBL`` and
``test/CreditNote-unit-UBL`` against CEN's modular rules), ``cen-3.0.21`` (the same units
against the CEN part bundled in 3.0.21, which is CEN 1.3.16), ``t111`` (the post-award 3.0.15
Invoice Response unit tests against the complete T111 rules of release 2025.5). Upstream tests that are genuinely
wrong are listed in :data:`EXCEPTIONS`, one by one, with the reason.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from schemas.artefacts import artefacts_dir

from . import releases, rulesets
from .engine import Validator
from .findings import Finding, Severity
from .schematron.runner import parse_for_saxon
from .xmlsafe import parse_file

VEFA = "http://difi.no/xsd/vefa/validator/1.0"


@dataclass(frozen=True)
class Suite:
    name: str
    ruleset: rulesets.RuleSet
    globs: tuple[str, ...]
    step: str | None = None
    """Run only this step of the rule set (None: every Schematron step)."""
    title: str = ""


CEN_UNITS = (
    "cen-en16931-validation-1.3.16/test/Invoice-unit-UBL/*.xml",
    "cen-en16931-validation-1.3.16/test/CreditNote-unit-UBL/*.xml",
)

SUITES = {
    # The Peppol units of 3.0.19 (the last release whose unit tests are published), against the
    # 3.0.19 rule set of the 2025.5 release (its .sch files are those of the v3.0.19 tag).
    "peppol": Suite("peppol", rulesets.get("peppol-bis-billing-3.0.19"),
                    ("peppol-bis-billing-3.0.19/rules/unit-UBL-*/*.xml",)),
    "cen": Suite("cen", rulesets.CEN_UBL, CEN_UNITS),
    # The same CEN 1.3.16 units against the CEN part that OpenPeppol 2026.5 (3.0.21) bundles:
    # the CEN rules of that release are CEN's 1.3.16.
    "cen-3.0.21": Suite("cen-3.0.21", rulesets.get("peppol-bis-billing-3.0.21"), CEN_UNITS, step="CEN EN 16931 UBL"),
    # The post-award 3.0.15 units against the complete T111 rules of the same release (2025.5).
    "t111": Suite("t111", rulesets.get("peppol-t111-2025.5"),
                  ("peppol-poacc-3.0.15/rules/unit-invoice-response/*.xml",)),
}

# (suite, file name, test number (1-based, in file order), rule id) -> why the upstream
# expectation is not held against us. Keep this list short and every reason checkable.
EXCEPTIONS: dict[tuple[str, str, int, str], str] = {}

# Official example documents that genuinely fail the official rules they ship with, and the
# fatal rule ids they fail with. Everything else under the example folders must be valid.
KNOWN_INVALID_EXAMPLES: dict[str, tuple[frozenset[str], str]] = {
    "peppol-bis-billing-3.0.19/rules/national-examples/GR/GR-base-example-correct.xml": (
        frozenset({"UBL-XSD"}),
        "cac:AdditionalDocumentReference stands after cac:AccountingCustomerParty; the UBL 2.1 "
        "Invoice schema requires it before cac:AccountingSupplierParty",
    ),
    "peppol-bis-billing-3.0.19/rules/national-examples/GR/GR-base-example-TaxRepresentative.xml": (
        frozenset({"UBL-XSD", "BR-06"}),
        "the same element-order error, and the seller has no cac:PartyLegalEntity/"
        "cbc:RegistrationName (BR-06, Seller name BT-27)",
    ),
}

@dataclass(frozen=True)
class ExampleSet:
    """A folder of official example documents and the rules it is meant for: a rule-set id,
    or an OpenPeppol release (its rule set for each document's kind)."""

    label: str
    folder: str
    ruleset: str | None = None
    release: str | None = None

    def validator(self, **options) -> Validator:
        """All steps run even after a failed XSD, so that an upstream example's defects are
        described whole (:data:`KNOWN_INVALID_EXAMPLES`)."""
        options.setdefault("all_steps", True)
        return Validator(self.ruleset, release=self.release, **options)


def _example_sets() -> tuple[ExampleSet, ...]:
    out = [
        ExampleSet("Peppol BIS 3.0.19 national examples", "peppol-bis-billing-3.0.19/rules/national-examples",
                   release="3.0.19"),
        ExampleSet("CEN EN 16931 examples", "cen-en16931-validation-1.3.16/ubl/examples",
                   ruleset="cen-en16931-ubl-1.3.16"),
        ExampleSet("Post-award 3.0.15 examples (T111, T71)", "peppol-poacc-3.0.15/rules/examples",
                   release="2025.5"),
    ]
    for release in releases.all_releases():
        out.append(ExampleSet(f"OpenPeppol {release.name} examples (BIS Billing {release.billing}, T111, T71)",
                              release.file("examples"), release=release.name))
    return tuple(out)


EXAMPLE_SETS: tuple[ExampleSet, ...] = _example_sets()
"""Every official example folder: each release's (billing, Invoice Response use cases, T111 and
T71 examples) with its own rules, the 3.0.19 national examples, CEN's and post-award 3.0.15's."""


@dataclass(frozen=True)
class Expectation:
    rule_id: str
    expected: str  # "success" | "warning" | "error"


@dataclass
class UnitTest:
    file: Path
    number: int
    description: str
    expectations: list[Expectation]
    document: etree._Element


@dataclass
class Outcome:
    suite: str
    file: str
    number: int
    rule_id: str
    expected: str
    actual: str
    status: str  # "passed" | "failed" | "excepted"
    reason: str = ""

    def to_dict(self) -> dict:
        return self.__dict__.copy()


@dataclass
class SuiteReport:
    outcomes: list[Outcome] = field(default_factory=list)
    files: int = 0
    tests: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def excepted(self) -> int:
        return self.count("excepted")

    def summary_line(self) -> str:
        return f"conformance: {self.passed} passed, {self.failed} failed, {self.excepted} excepted"


def _v(local: str) -> str:
    return f"{{{VEFA}}}{local}"


def read_testset(path: Path) -> Iterator[UnitTest]:
    """The tests of one VEFA file, each with its expectations and its document fragment."""
    root = parse_file(path).getroot()
    if root.tag != _v("testSet"):
        raise ValueError(f"{path}: not a VEFA testSet (root {root.tag})")
    for number, test in enumerate(root.iterchildren(_v("test")), start=1):
        assert_el = test.find(_v("assert"))
        expectations: list[Expectation] = []
        description = ""
        if assert_el is not None:
            for child in assert_el:
                if not isinstance(child.tag, str):
                    continue
                local = etree.QName(child).localname
                if local == "description":
                    description = " ".join((child.text or "").split())
                elif local in ("success", "warning", "error"):
                    expectations.append(Expectation((child.text or "").strip(), local))
        docs = [c for c in test if isinstance(c.tag, str) and etree.QName(c).namespace != VEFA]
        if len(docs) != 1:
            raise ValueError(f"{path}: test {number} holds {len(docs)} documents, expected 1")
        yield UnitTest(path, number, description, expectations, docs[0])


def _actual(rule_id: str, findings: list[Finding]) -> str:
    levels = {f.severity for f in findings if f.rule_id == rule_id}
    if Severity.FATAL in levels:
        return "error"
    if Severity.WARNING in levels:
        return "warning"
    if Severity.INFORMATION in levels:
        return "information"
    return "success"


def run_test(test: UnitTest, ruleset: rulesets.RuleSet, only_step: str | None = None) -> list[Finding]:
    text = etree.tostring(test.document, encoding="unicode")
    node = parse_for_saxon(text)
    findings: list[Finding] = []
    for step in ruleset.schematrons:
        if only_step is None or step.name == only_step:
            findings.extend(rulesets.runner(ruleset, step).run(node))
    return findings


def suite_files(suite: Suite, base: Path | None = None) -> list[Path]:
    base = base or artefacts_dir()
    files: list[Path] = []
    for pattern in suite.globs:
        files.extend(sorted(base.glob(pattern)))
    return files


def run_suite(suite: Suite, progress: Callable[[Path], None] | None = None,
              report: SuiteReport | None = None) -> SuiteReport:
    report = report or SuiteReport()
    for path in suite_files(suite):
        report.files += 1
        for test in read_testset(path):
            report.tests += 1
            findings = run_test(test, suite.ruleset, suite.step)
            for exp in test.expectations:
                actual = _actual(exp.rule_id, findings)
                status = "passed" if actual == exp.expected else "failed"
                reason = EXCEPTIONS.get((suite.name, path.name, test.number, exp.rule_id), "")
                if status == "failed" and reason:
                    status = "excepted"
                report.outcomes.append(Outcome(suite.name, path.name, test.number, exp.rule_id,
                                               exp.expected, actual, status, reason))
        if progress:
            progress(path)
    return report


def run(names: list[str] | None = None, progress: Callable[[Path], None] | None = None) -> SuiteReport:
    report = SuiteReport()
    for name in names or list(SUITES):
        run_suite(SUITES[name], progress, report)
    return report
