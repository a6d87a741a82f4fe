"""Rules by release and date: which OpenPeppol release judges a document on its reference date.

The dates are data (validate/data/releases.toml) and must agree with the artefact manifest's
record of Peppol's release notes. The documents that tell the releases apart are official
examples with one edit each, chosen from what the releases' rules really changed:

* BR-CO-25 (a positive amount due needs a due date or payment terms) is in the CEN rules of
  3.0.19 and 3.0.20 and was removed in 3.0.21;
* UBL-SR-56 (at most one originator document reference, BT-17) is new in 3.0.21.
"""
from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from lssinvoice.cli import main
from schemas.artefacts import ArtefactMissing, load_manifest
from validate import releases, report, rulesets
from validate.engine import Validator
from validate.findings import Outcome

from .helpers import edited, example_bytes, write

NO_PAYMENT_TERMS = ("<cac:PaymentTerms>\n        <cbc:Note>Payment within 30 days</cbc:Note>\n    </cac:PaymentTerms>", "")
TWO_ORIGINATORS = ("<cbc:BuyerReference>0150abc</cbc:BuyerReference>",
                   "<cbc:BuyerReference>0150abc</cbc:BuyerReference>"
                   "<cac:OriginatorDocumentReference><cbc:ID>A-1</cbc:ID></cac:OriginatorDocumentReference>"
                   "<cac:OriginatorDocumentReference><cbc:ID>A-2</cbc:ID></cac:OriginatorDocumentReference>")


def _old_only() -> bytes:
    """Fails BR-CO-25 (3.0.19, 3.0.20); passes 3.0.21."""
    return edited("vat-category-E.xml", NO_PAYMENT_TERMS)


def _new_fails() -> bytes:
    """Passes 3.0.20; fails UBL-SR-56 of 3.0.21."""
    return edited("base-example.xml", TWO_ORIGINATORS)


def _fatal(result) -> list[str]:
    return sorted({f.rule_id for f in result.findings if f.is_fatal})


# --- the data ---------------------------------------------------------------------------------

def test_release_dates_agree_with_the_manifest_sources():
    sources = {s.name: s for s in load_manifest().sources}
    for release in releases.all_releases():
        source = sources[release.artefacts]
        assert (source.published, source.mandatory_from) == (
            release.published.isoformat(), release.mandatory_from.isoformat()), release.name


def test_every_release_file_is_pinned_in_the_manifest():
    pinned = {f.path for f in load_manifest().files}
    for release in releases.all_releases():
        for part in ("cen", "peppol", "t111", "t71"):
            assert release.file(part) in pinned
        for name in ("CEN-EN16931-UBL", "PEPPOL-EN16931-UBL", "PEPPOLBIS-T111", "PEPPOLBIS-T71"):
            assert f"{release.file('oracle')}/{name}.xslt" in pinned


def test_each_release_has_three_rule_sets_registered():
    for release in releases.all_releases():
        billing = rulesets.get(release.billing_ruleset)
        assert billing.release == release.name and billing.document_kinds == ("invoice", "creditnote")
        assert [s.source for s in billing.schematrons] == [release.file("cen"), release.file("peppol")]
        assert [s.source for s in rulesets.get(release.t111_ruleset).schematrons] == [release.file("t111")]
        assert [s.source for s in rulesets.get(release.t71_ruleset).schematrons] == [release.file("t71")]


@pytest.mark.parametrize("at,accepted", [
    (date(2025, 5, 20), ["3.0.19"]),             # before any release held: the earliest, with a note
    (date(2025, 8, 25), ["3.0.19"]),
    (date(2025, 11, 23), ["3.0.19"]),
    (date(2025, 11, 24), ["3.0.19", "3.0.20"]),  # 3.0.20 published: both accepted
    (date(2026, 2, 22), ["3.0.19", "3.0.20"]),
    (date(2026, 2, 23), ["3.0.20"]),             # 3.0.20 mandatory: 3.0.19 no longer
    (date(2026, 5, 20), ["3.0.20", "3.0.21"]),
    (date(2026, 8, 23), ["3.0.20", "3.0.21"]),
    (date(2026, 8, 24), ["3.0.21"]),
    (date(2026, 12, 5), ["3.0.21"]),
])
def test_the_releases_accepted_on_a_date(at, accepted):
    selection = releases.select(at)
    assert [r.billing for r in selection.accepted] == accepted
    assert selection.primary.billing == accepted[-1]
    assert bool(selection.note) == (at < date(2025, 8, 25))


def test_a_release_is_found_by_name_version_or_rule_set():
    assert releases.find("2025.11") == releases.find("3.0.20") == releases.find("peppol-t71-2025.11")
    with pytest.raises(releases.UnknownRelease, match="unknown release '3.0.99'; known: 2025.5 \\(3.0.19\\)"):
        releases.find("3.0.99")


# --- judging by date ---------------------------------------------------------------------------

def test_after_the_mandatory_date_only_the_new_release_judges():
    result = Validator().validate_bytes(_new_fails(), "x.xml", at=date(2026, 9, 1))
    assert result.outcome is Outcome.INVALID
    assert (result.ruleset, result.release, result.reference_date) == ("peppol-bis-billing-3.0.21", "2026.5", "2026-09-01")
    assert _fatal(result) == ["UBL-SR-56"]
    assert result.others == []


def test_in_a_transition_a_document_the_old_release_passes_is_valid_and_says_what_the_new_would_fail():
    result = Validator().validate_bytes(_new_fails(), "x.xml", at=date(2026, 6, 1))
    assert result.outcome is Outcome.VALID
    assert (result.ruleset, result.release) == ("peppol-bis-billing-3.0.20", "2025.11")
    [other] = result.others
    assert (other.ruleset, other.valid, other.fatal_rules) == ("peppol-bis-billing-3.0.21", False, ("UBL-SR-56",))
    text = report.render_text([result])
    assert "by peppol-bis-billing-3.0.20 (OpenPeppol 2025.11, accepted on 2026-06-01)" in text
    assert "also accepted: peppol-bis-billing-3.0.21 (OpenPeppol 2026.5): would fail UBL-SR-56" in text


def test_in_a_transition_a_document_both_pass_is_judged_by_the_new_release():
    result = Validator().validate_bytes(_old_only(), "x.xml", at=date(2026, 6, 1))
    assert result.outcome is Outcome.VALID and result.ruleset == "peppol-bis-billing-3.0.21"
    [other] = result.others
    assert (other.ruleset, other.valid, other.fatal_rules) == ("peppol-bis-billing-3.0.20", False, ("BR-CO-25",))


def test_a_document_no_accepted_release_passes_is_judged_by_the_newest():
    result = Validator().validate_bytes(_old_only(), "x.xml", at=date(2025, 12, 1))
    assert result.outcome is Outcome.INVALID
    assert result.ruleset == "peppol-bis-billing-3.0.20" and _fatal(result) == ["BR-CO-25"]
    [other] = result.others
    assert (other.ruleset, other.valid, other.fatal_rules) == ("peppol-bis-billing-3.0.19", False, ("BR-CO-25",))


def test_a_named_release_judges_alone():
    result = Validator(release="3.0.19").validate_bytes(_old_only(), "x.xml")
    assert (result.ruleset, _fatal(result), result.others, result.reference_date) == (
        "peppol-bis-billing-3.0.19", ["BR-CO-25"], [], "")
    assert Validator(release="2026.5").validate_bytes(_old_only(), "x.xml").valid


def test_responses_are_judged_by_the_post_award_rules_of_the_release_in_force():
    data = example_bytes("InvoiceResponse_Example.xml", "peppol-release-2026.5/examples")
    result = Validator().validate_bytes(data, "r.xml", at=date(2026, 12, 5))
    assert (result.document_type, result.ruleset, result.outcome) == ("invoice-response", "peppol-t111-2026.5", Outcome.VALID)
    data = example_bytes("MessageLevelResponse_Example.xml", "peppol-release-2025.11/examples")
    result = Validator().validate_bytes(data, "m.xml", at=date(2026, 3, 1))
    assert (result.document_type, result.ruleset, result.outcome) == ("mlr", "peppol-t71-2025.11", Outcome.VALID)


def test_a_release_compiles_on_first_use_only():
    validator = Validator(at=date(2026, 12, 5))
    validator.warm()
    compiled = {key[0] for key in rulesets._COMPILED}
    old = str(rulesets.get("peppol-bis-billing-3.0.19").schematrons[0].path())
    if old not in compiled:  # another test in this process may have used it: then nothing to show
        assert all("peppol-release-2025.5" not in k for k in compiled)


# --- a failed XSD, and an engine that fails ------------------------------------------------------

def test_schematron_is_skipped_after_a_failed_xsd_unless_all_steps():
    data = edited("base-example.xml", ("<cbc:Note>", "<cbc:Nope>x</cbc:Nope><cbc:Note>"))
    result = Validator().validate_bytes(data, "x.xml")
    assert _fatal(result) == ["UBL-XSD"]
    skipped = [(s.name, s.skipped) for s in result.steps]
    assert skipped == [("parse", False), ("xsd", False), ("CEN EN 16931 UBL", True), ("PEPPOL BIS 3", True)]
    assert all("fails the UBL 2.1 XSD" in s.reason for s in result.steps[2:])
    assert "SKIP  CEN EN 16931 UBL: not run: the document fails the UBL 2.1 XSD" in report.render_text([result])
    every = Validator(all_steps=True).validate_bytes(data, "x.xml")
    assert not any(s.skipped for s in every.steps) and _fatal(every) == ["UBL-XSD"]


def _engine_failure(monkeypatch, how: str) -> None:
    if how == "does-not-compile":
        def broken(ruleset, step):
            raise rulesets.SchematronError("the XSLT compiled from 'x' does not compile: XTSE0010")
        monkeypatch.setattr(rulesets, "runner", broken)
    elif how == "transform-error":
        from validate.schematron.runner import SchematronRunner

        def fails(self, node):
            raise RuntimeError("XPDY0002: a Saxon error during the transform")
        monkeypatch.setattr(SchematronRunner, "run_raw", fails)
    else:
        def missing(step):
            raise ArtefactMissing("peppol-release-2026.5/sch/CEN-EN16931-UBL.sch is not installed")
        monkeypatch.setattr(rulesets, "compiled_step", missing)
        monkeypatch.setattr(rulesets, "_RUNNERS", {})


@pytest.mark.parametrize("how,rule", [("does-not-compile", "LSS-SCH-002"), ("transform-error", "LSS-SCH-001"),
                                      ("artefact-missing", "LSS-ENG-001")])
def test_an_engine_failure_is_an_error_never_valid(monkeypatch, tmp_path, how, rule):
    _engine_failure(monkeypatch, how)
    result = Validator().validate_bytes(example_bytes("base-example.xml"), "b.xml")
    assert result.outcome is Outcome.ERROR and result.error and not result.valid
    assert rule in _fatal(result)
    path = write(tmp_path, "b.xml", example_bytes("base-example.xml"))
    cli = CliRunner().invoke(main, ["validate", str(path)])
    assert cli.exit_code == 2, cli.output
    assert cli.output.startswith(f"ERROR   {path} [invoice]")
    assert "1 engine error(s)" in cli.output
    as_json = CliRunner().invoke(main, ["validate", "--format", "json", str(path)])
    envelope = json.loads(as_json.output)
    assert as_json.exit_code == 2 and envelope["ok"] is False
    assert envelope["result"]["results"][0]["outcome"] == "error"


# --- the commands --------------------------------------------------------------------------------

def test_validate_at_and_rules_on_the_command_line(tmp_path):
    path = write(tmp_path, "x.xml", _new_fails())
    runner = CliRunner()
    transition = runner.invoke(main, ["validate", "--at", "2026-06-01", str(path)])
    assert transition.exit_code == 0, transition.output
    assert "would fail UBL-SR-56" in transition.output
    after = runner.invoke(main, ["validate", "--at", "2026-09-01", str(path)])
    assert after.exit_code == 1 and "UBL-SR-56" in after.output
    forced = runner.invoke(main, ["validate", "--rules", "3.0.20", str(path)])
    assert forced.exit_code == 0 and "by peppol-bis-billing-3.0.20" in forced.output
    both = runner.invoke(main, ["validate", "--rules", "3.0.20", "--at", "2026-06-01", str(path)])
    assert both.exit_code == 2 and "does not go with --at" in both.output
    unknown = runner.invoke(main, ["validate", "--rules", "3.0.99", str(path)])
    assert unknown.exit_code == 2 and "unknown release '3.0.99'" in unknown.output
    svrl = runner.invoke(main, ["validate", "--format", "svrl", "--at", "2026-06-01", str(path)])
    assert 'ruleset="peppol-bis-billing-3.0.20"' in svrl.output and 'would-fail="UBL-SR-56"' in svrl.output


def test_schemas_status_lists_the_releases_and_the_one_in_force():
    result = CliRunner().invoke(main, ["schemas", "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["result"]["releases"]
    assert [(r["name"], r["billing"], r["published"], r["mandatory_from"]) for r in listed] == [
        (r.name, r.billing, r.published.isoformat(), r.mandatory_from.isoformat()) for r in releases.all_releases()]
    in_force = [r["name"] for r in listed if r["in_force_today"]]
    assert in_force == [releases.in_force(date.today()).name]


def test_an_xsd_that_cannot_be_loaded_is_an_engine_error(monkeypatch):
    import validate.engine as engine

    def missing(tree, kind):
        raise ArtefactMissing("oasis-ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd is not installed")
    monkeypatch.setattr(engine, "validate_xsd", missing)
    result = Validator().validate_bytes(example_bytes("base-example.xml"), "b.xml")
    assert result.outcome is Outcome.ERROR and _fatal(result) == ["LSS-ENG-001"]
    assert result.steps[1].name == "xsd" and "could not be loaded" in result.steps[1].findings[0].message
