"""The official unit-test suites, run through our compiler: every assertion must hold."""
from __future__ import annotations

import pytest

from validate import conformance, rulesets
from validate.conformance import Suite, read_testset, run, suite_files

# Assertions per suite in the pinned artefacts (peppol 3.0.19, CEN 1.3.16 on CEN's modular rules
# and on the CEN part of 3.0.21, poacc 3.0.15 on the complete T111 rules of 2025.5).
EXPECTED = {"peppol": 552, "cen": 1133, "cen-3.0.21": 1133, "t111": 13}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_suite_holds_entirely(name):
    report = run([name])
    failures = [o for o in report.outcomes if o.status == "failed"]
    assert failures == []
    assert report.passed == EXPECTED[name]
    assert report.excepted == 0
    assert report.summary_line() == f"conformance: {EXPECTED[name]} passed, 0 failed, 0 excepted"


def test_suites_expect_fatal_and_warning_findings_not_only_silence():
    report = run(["peppol", "cen", "t111"])
    expected = {o.expected for o in report.outcomes}
    assert expected == {"success", "error", "warning"}
    assert sum(o.expected == "error" for o in report.outcomes) == 813


def test_the_bundled_cen_suite_runs_only_the_cen_step_of_3_0_21():
    suite = conformance.SUITES["cen-3.0.21"]
    assert suite.ruleset.id == "peppol-bis-billing-3.0.21" and suite.step == "CEN EN 16931 UBL"
    assert suite.globs == conformance.SUITES["cen"].globs


def test_runner_reports_failures_when_rules_do_not_fire(tmp_path):
    # A rule set that never fires anything: every 'error' expectation must then fail.
    silent = tmp_path / "silent.sch"
    silent.write_text('<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
                      '<pattern><rule context="/"><assert id="X" test="true()">x</assert></rule></pattern></schema>')
    rs = rulesets.RuleSet("silent", "0", "silent", ("invoice",), (rulesets.SchematronStep("silent", str(silent)),))
    suite = Suite("t111", rs, conformance.SUITES["t111"].globs)
    report = conformance.run_suite(suite)
    errors = [o for o in report.outcomes if o.expected == "error"]
    assert errors and all(o.status == "failed" and o.actual == "success" for o in errors)


def test_read_testset_yields_documents_and_expectations():
    [path] = [p for p in suite_files(conformance.SUITES["t111"]) if p.name == "PEPPOL-T111-R001.xml"]
    tests = list(read_testset(path))
    assert tests[0].expectations == [conformance.Expectation("PEPPOL-T111-R001", "success")]
    assert tests[0].document.tag == "{urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2}ApplicationResponse"
