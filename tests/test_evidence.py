"""The municipality's evidence checklist (issue 13): what it asks for, and what the invoice carries."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from invoices.attachment_files import ExtraAttachment
from invoices.build import BuildOptions, plan_sickpay
from invoices.checks import CheckPolicy
from invoices.evidence import EVIDENCE, checklist, missing_findings
from invoices.registry import RegistryError, load_municipality, load_registry
from lssinvoice.cli import main

from .factories import (
    BORAS,
    CECILIA,
    EXAMPLES,
    ISSUE_DATE,
    OPTS,
    PROVIDER,
    SICK_REPORTS,
    TJORN,
    decision,
    example_inputs,
    occasion_spec,
    report,
    shift,
    sick_plan,
)

SCHEDULE = ExtraAttachment("ordinarie-schema-2024-03.csv", b"Veckodag,Starttid\r\nmandag,08:00\r\n", "text/csv", None)


def statuses(draft) -> dict[str, str]:
    return {item.value: item.status for item in draft.checklist}


def test_tjorn_base_invoice_from_the_examples_carries_everything_tjorn_lists():
    from invoices.build import plan_invoices

    provider, reports, decisions = example_inputs("tjorn-2024-03")
    plan = plan_invoices(provider, reports, decisions, TJORN, "2024-03", "base", OPTS)
    (draft,) = plan.drafts
    assert [(i.evidence, i.status) for i in draft.checklist] == [
        ("timereports", "present"), ("assistant_facts", "present"), ("client_identity", "present"),
        ("period", "present"), ("hours_and_rates", "present"), ("calculation_period", "present"),
        ("collective_agreement", "present"), ("assistant_signed", "present"), ("kinds_separated", "present"),
        ("provider_details", "present"), ("org_nr", "present"), ("payment_account", "present"),
        ("invoice_number", "present"), ("reference_code", "present")]
    assert not [f for f in plan.findings if f.code in ("LSS-SRC-060", "LSS-SRC-061")]


def test_a_report_without_calculation_period_or_signature_is_missing_from_the_checklist():
    from invoices.build import plan_invoices

    unsigned = report(shift("2024-03-04", "08:00", "15:00"), signed=(False, True), period=None)
    plan = plan_invoices(PROVIDER, [unsigned], [decision()], TJORN, "2024-03", "base",
                         BuildOptions(issue_date=ISSUE_DATE, policy=CheckPolicy({"LSS-SRC-030": "warning"})))
    (draft,) = plan.drafts
    got = statuses(draft)
    assert got["Vilken beräkningsperiod den personliga assistenten tillämpar, tydligt i tidrapporterna"] == "missing"
    assert got["Tidrapport signerad av assistenten (elektronisk signering godkänns)"] == "missing"
    assert [(f.code, f.severity, f.message.split('"')[1]) for f in plan.findings if f.code.startswith("LSS-SRC-06")] == [
        ("LSS-SRC-061", "warning", "Vilken beräkningsperiod den personliga assistenten tillämpar, tydligt i tidrapporterna"),
        ("LSS-SRC-061", "warning", "Tidrapport signerad av assistenten (elektronisk signering godkänns)")]
    assert plan.errors == []  # warnings only: the invoice can be written


def test_the_schedule_attached_by_the_occasion_is_present():
    plan = sick_plan(spec=occasion_spec(attachments=(SCHEDULE,), wage=Decimal("172.50"), wage_per="hour"))
    (draft,) = plan.drafts
    got = statuses(draft)
    assert got["Den sjuke assistentens ordinarie schema"] == "present"
    assert got["Storlek på den sjuke ordinarie assistentens lön (timlön/månadslön)"] == "present"
    assert got["Kopia av vikariens tidrapport"] == "present"
    assert plan.findings == []


def test_a_sickpay_claim_without_the_substitutes_report_is_an_error_at_tjorn():
    # plan_sickpay refuses a claim whose substitute did not work (no_substitute_work), so the
    # checklist is judged here on the draft without its substitute report.
    (draft,) = sick_plan().drafts
    bare = replace(draft, reports=tuple((role, r) for role, r in draft.reports if role != "substitute"))
    items = checklist(TJORN, bare)
    [missing] = [i for i in items if i.evidence == "substitute_timereports"]
    assert (missing.status, missing.level) == ("missing", "error")
    found = missing_findings(items, TJORN.display_name, "the sickpay invoice")
    assert [(f.code, f.severity) for f in found if "vikariens" in f.message] == [("LSS-SRC-060", "error")]
    assert found[[f.code for f in found].index("LSS-SRC-060")].message == (
        'the sickpay invoice: Tjörns kommun asks for "Kopia av vikariens tidrapport" and the invoice does not carry '
        "it; the claim is not handled without it (the checklist has the municipality's words)")


def test_boras_refuses_a_sickpay_claim_whose_substitute_did_not_sign():
    substitute = SICK_REPORTS[1]
    unsigned = [SICK_REPORTS[0], substitute.model_copy(update={"signatures": substitute.signatures.model_copy(
        update={"assistant": False})})]
    spec = occasion_spec(attachments=(SCHEDULE,))
    plan = plan_sickpay(PROVIDER, unsigned, [decision(municipality="Borås Stad")], BORAS, "2024-03", spec,
                        BuildOptions(issue_date=ISSUE_DATE, policy=CheckPolicy({"LSS-SRC-030": "warning"})))
    assert [(f.code, f.message.split('"')[1]) for f in plan.errors] == [
        ("LSS-SRC-060", "Kopia av vikariens tidrapport, påskriven av vikarien")]
    (draft,) = plan.drafts
    got = statuses(draft)
    # Borås's other items: the fullmakt and the sick-leave notice are files the provider adds.
    assert got["Fullmakt från brukaren: vem som i hens ställe har rätt att ansöka om och ta emot ersättningen"] == "missing"
    assert got["Kopia av arbetsgruppens grundschema under aktuell tidsperiod"] == "present"
    assert got["Underskrift av brukaren eller eventuellt av företrädaren"] == "not checked"
    # The provider who sends the signed copy another way can lower the level.
    lowered = plan_sickpay(PROVIDER, unsigned, [decision(municipality="Borås Stad")], BORAS, "2024-03", spec,
                           BuildOptions(issue_date=ISSUE_DATE, policy=CheckPolicy(
                               {"LSS-SRC-030": "warning", "LSS-SRC-060": "warning"})))
    assert lowered.errors == []


def test_a_file_the_provider_adds_is_matched_by_its_description():
    fullmakt = ExtraAttachment("f.pdf", b"%PDF-1.4\n", "application/pdf", "Fullmakt från brukaren")
    plan = sick_plan(spec=occasion_spec(attachments=(SCHEDULE,)))
    (draft,) = plan.drafts
    assert statuses(draft)["Den sjuke assistentens ordinarie schema"] == "present"
    borås = {i.value: i.status for i in checklist(BORAS, draft)}
    key = "Fullmakt från brukaren: vem som i hens ställe har rätt att ansöka om och ta emot ersättningen"
    assert borås[key] == "missing"
    options = BuildOptions(issue_date=ISSUE_DATE, extra_attachments=(fullmakt,))
    with_it = plan_sickpay(PROVIDER, SICK_REPORTS, [decision()], BORAS, "2024-03", occasion_spec(), options)
    assert statuses(with_it.drafts[0])[key] == "present"


@pytest.mark.parametrize("extra, message", [
    ('evidence = "signed_in_blood"', "evidence 'signed_in_blood' is not one of"),
    ('evidence = "attachment"', 'evidence = "attachment" goes with words'),
    ('words = ["fullmakt"]', 'evidence = "attachment" goes with words'),
    ('evidence = "timereports"\nlevel = { value = "error" }', "source"),
])
def test_a_malformed_checklist_item_is_a_registry_error(tmp_path, extra, message):
    text = (Path(TJORN.origin).read_text(encoding="utf-8")
            + f'\n[[underlag]]\nkinds = ["base"]\nvalue = "Något"\nsource = "test"\n{extra}\n')
    path = tmp_path / "tjorn.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError) as e:
        load_municipality(path)
    assert message in str(e.value) and "tjorn.toml" in str(e.value)


def test_every_packaged_evidence_key_is_known_and_every_key_is_used_or_documented():
    import invoices.evidence as module

    used = {i.evidence for m in load_registry(use_env=False) for i in m.underlag if i.evidence}
    assert used <= set(EVIDENCE)
    doc = " ".join(module.__doc__.split())
    assert all(f"``{key}``" in doc for key in EVIDENCE)


# ------------------------------------------------------------------------------ the command

def _cli_inputs(root: Path) -> tuple[list[str], Path]:
    ex = root / "ex"
    shutil.copytree(EXAMPLES, ex, ignore=shutil.ignore_patterns("*.series*", "*.py", "casework"))
    reg = root / "reg"
    reg.mkdir()
    # Tjörn as a registry of the provider's own that does not handle a claim without the fullmakt.
    (reg / "tjorn.toml").write_text(Path(TJORN.origin).read_text(encoding="utf-8") + (
        '\n[[underlag]]\nkinds = ["base"]\nvalue = "Fullmakt"\nsource = "test registry"\nevidence = "attachment"\n'
        'words = ["fullmakt"]\nlevel = { value = "error", source = "test registry: not handled without it" }\n'),
        encoding="utf-8")
    args = ["invoice", "create", "--provider", str(ex / "provider.toml"), "--timereports",
            str(ex / "timereports" / "tjorn-2024-03"), "--decisions", str(ex / "decisions.csv"), "--municipality",
            "tjorn", "--period", "2024-03", "--issue-date", "2024-04-02", "--out", str(root / "out"),
            "--registry", str(reg)]
    return args, ex


def test_cli_lists_the_checklist_and_refuses_without_a_required_file(tmp_path):
    args, ex = _cli_inputs(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(main, [*args, "--format", "json"])
    assert refused.exit_code == 1, refused.output
    data = json.loads(refused.stdout)["result"]
    assert data["status"] == "findings" and [f["code"] for f in data["findings"]] == ["LSS-SRC-060"]
    [listing] = data["checklist"]
    assert listing["invoice"] == "the base invoice for TJ-2024-01"
    assert [(i["item"], i["status"], i["level"]) for i in listing["items"]][-1] == ("Fullmakt", "missing", "error")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.xml"))

    fullmakt = tmp_path / "fullmakt.pdf"
    fullmakt.write_bytes(b"%PDF-1.4\n%%EOF\n")
    text = runner.invoke(main, [*args, "--attach", f"{fullmakt}:Fullmakt att företräda brukaren"])
    assert text.exit_code == 0, text.output
    flat = " ".join(text.stdout.split())
    assert "What Tjörns kommun asks for with the base invoice for TJ-2024-01" in flat
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in text.stdout.splitlines() if line.startswith("│")]
    assert ["present", "Fullmakt"] in rows and "MISSING" not in flat
