"""--cap-at-granted (invoices.granted_cap): at most the granted hours billed, the rest listed;
the billed-hours ledger holds only what was billed."""
from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from invoices.billed import HoursLedger, shift_key
from invoices.build import BuildOptions, BuildRefused
from invoices.granted_cap import BeyondGranted, cut_out
from lssinvoice.cli import main

from .envelope import result_of
from .factories import ANNA, ISSUE_DATE, attachments, decision, issue_all, report, shift, tjorn_plan

CAP = BuildOptions(issue_date=ISSUE_DATE, cap_at_granted=True)
TWENTY_A_WEEK = [decision(hours="20", per="week")]


def week_over():
    """24 h in the week of 4 March (20 granted): the latest 4 h, Wednesday 12-16, are beyond."""
    return report(shift("2024-03-04", "08:00", "16:00", source="a.csv row 2"),
                  shift("2024-03-05", "08:00", "16:00", source="a.csv row 3"),
                  shift("2024-03-06", "08:00", "16:00", source="a.csv row 4"),
                  shift("2024-03-11", "08:00", "16:00", source="a.csv row 5"))


def test_without_the_cap_the_excess_is_an_error_as_before():
    plan = tjorn_plan(week_over(), decisions=TWENTY_A_WEEK)
    assert [(f.code, f.where) for f in plan.errors] == [("LSS-SRC-001", "a.csv row 4")]
    assert plan.beyond_granted == []


def test_a_week_over_its_granted_hours_is_billed_at_the_granted_hours():
    plan = tjorn_plan(week_over(), decisions=TWENTY_A_WEEK, options=CAP)
    assert plan.errors == [] and [f.code for f in plan.findings] == []
    (draft,) = plan.drafts
    assert [(ln.quantity, ln.net_amount) for ln in draft.lines] == [(Decimal("28.00"), Decimal("9312.80"))]
    assert plan.beyond_granted == [BeyondGranted("D-BASE", "week", date(2024, 3, 4), date(2024, 3, 10), Decimal("20"),
                                                 1, Decimal("4.00"), "a.csv row 4")]
    assert plan.beyond_granted[0].to_dict()["unit"] == "week 2024-03-04–2024-03-10"


def test_the_latest_hours_of_the_unit_are_cut_across_shifts():
    """26 h (20 granted): Thursday's 2 h and Wednesday 12-16 are the latest 6 h."""
    r = report(shift("2024-03-04", "08:00", "16:00", source="a.csv row 2"),
               shift("2024-03-05", "08:00", "16:00", source="a.csv row 3"),
               shift("2024-03-07", "08:00", "10:00", source="a.csv row 5"),
               shift("2024-03-06", "08:00", "16:00", source="a.csv row 4"))
    plan = tjorn_plan(r, decisions=TWENTY_A_WEEK, options=CAP)
    assert [ln.quantity for ln in plan.drafts[0].lines] == [Decimal("20.00")]
    (b,) = plan.beyond_granted
    assert (b.shifts, b.hours, b.where) == (2, Decimal("6.00"), "a.csv row 5; a.csv row 4")


def test_capped_hours_commented_in_the_time_report_and_ledger_holds_only_billed(tmp_path):
    r = week_over()
    plan = tjorn_plan(r, decisions=TWENTY_A_WEEK, options=CAP)
    ledger = HoursLedger(tmp_path / "billed.json")
    result, written = issue_all(plan, tmp_path, hours_ledger=ledger)
    assert result.ok
    (content,) = attachments(written["T-2024-00001"]).values()
    rows = [x for x in csv.DictReader(io.StringIO(content.decode("utf-8"))) if x["Datum"]]
    assert [(x["Datum"], x["Timmar"], x["Kommentar"]) for x in rows] == [
        ("2024-03-04", "8.00", ""), ("2024-03-05", "8.00", ""),
        ("2024-03-06", "8.00", "delvis ej fakturerad: 4.00 h utöver beviljade timmar"), ("2024-03-11", "8.00", "")]
    wednesday = r.shifts[2]
    (billed_part,) = cut_out(wednesday, [(wednesday.start_utc.replace(hour=11), wednesday.end_utc)])  # 12-16 local
    assert billed_part.seconds == 4 * 3600
    (rec,) = ledger.records()
    assert rec.decisions == {"D-BASE": (shift_key(ANNA.pnr, r.shifts[0]), shift_key(ANNA.pnr, r.shifts[1]),
                                        shift_key(ANNA.pnr, billed_part), shift_key(ANNA.pnr, r.shifts[3]))}
    assert rec.parts == {"D-BASE": {shift_key(ANNA.pnr, wednesday): ((0, 14400),)}}
    raw = json.loads((tmp_path / "billed.json").read_text())
    assert raw["invoices"][0]["parts"] == {"D-BASE": {shift_key(ANNA.pnr, wednesday): [[0, 14400]]}}


def test_capped_hours_stay_unbilled_until_a_decision_grants_them(tmp_path):
    r = week_over()
    ledger = HoursLedger(tmp_path / "billed.json")
    first, _ = issue_all(tjorn_plan(r, decisions=TWENTY_A_WEEK, options=CAP), tmp_path, hours_ledger=ledger)
    assert first.ok
    supplement = BuildOptions(issue_date=ISSUE_DATE, billed=tuple(ledger.records()), supplement=True)
    # the same decision: the 4 h are beyond it still: an error without the cap ...
    again = tjorn_plan(r, decisions=TWENTY_A_WEEK, options=supplement)
    assert [f.code for f in again.errors] == ["LSS-SRC-001"]
    # ... and nothing to bill with it
    with pytest.raises(BuildRefused) as e:
        tjorn_plan(r, decisions=TWENTY_A_WEEK, options=replace(supplement, cap_at_granted=True))
    assert e.value.code == "nothing_to_bill" and "4.00 h in 1 shift(s) not billed" in e.value.message
    # a decision granting 24 h a week: the supplement bills exactly the 4 h not billed before
    more = tjorn_plan(r, decisions=[decision(hours="24", per="week")], options=supplement)
    assert more.errors == []
    assert [(ln.quantity, ln.net_amount) for ln in more.drafts[0].lines] == [(Decimal("4.00"), Decimal("1330.40"))]
    second, _ = issue_all(more, tmp_path, hours_ledger=ledger)
    assert second.ok
    with pytest.raises(BuildRefused) as e:  # everything billed now
        tjorn_plan(r, decisions=[decision(hours="24", per="week")],
                   options=replace(supplement, billed=tuple(ledger.records())))
    assert e.value.code == "nothing_to_bill"


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HEADER = ("assistant_pnr,assistant_name,client_pnr,client_name,date,start,end,kind,decision_id,assistant_signed,"
          "supervisor_signed,calculation_period,collective_agreement,assistant_lives_in_eea,assistant_capacity_to_work,"
          "assistant_related_to_client,assistant_lives_with_client\n")
ROW = ("19880412-2821,Anna Provsson,19750315-1289,Klara Exempelsson,{day},08:00,15:00,active,TJ-2024-01,ja,ja,"
       "4 veckor,none,ja,ja,nej,nej\n")


def _cli_inputs(root: Path) -> list[str]:
    """The examples' provider and decisions (10 h a week granted) and a report of 14 h in the
    week of 4 March: the arguments of `invoice create` for them."""
    ex = root / "ex"
    shutil.copytree(EXAMPLES, ex, ignore=shutil.ignore_patterns("*.series*", "*.py", "timereports"))
    (ex / "tr").mkdir()
    (ex / "tr" / "anna.csv").write_text(HEADER + ROW.format(day="2024-03-04") + ROW.format(day="2024-03-05"),
                                        encoding="utf-8")
    dec = ex / "decisions.csv"
    dec.write_text(dec.read_text(encoding="utf-8").replace("2024-12-31,60,week", "2024-12-31,10,week"),
                   encoding="utf-8")
    return ["invoice", "create", "--provider", str(ex / "provider.toml"), "--timereports", str(ex / "tr"),
            "--decisions", str(dec), "--municipality", "tjorn", "--period", "2024-03", "--issue-date", "2024-04-02",
            "--out", str(root / "out")]


def test_cli_cap_at_granted_json(tmp_path):
    args = _cli_inputs(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(main, args)
    assert refused.exit_code == 1 and "LSS-SRC-001" in refused.stderr
    result = runner.invoke(main, [*args, "--cap-at-granted", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = result_of(result.stdout, "invoice create")
    assert data["findings"] == [] and data["produced"][0]["total"] == "3326.00"  # 10.00 h × 332.60
    assert data["beyond_granted"] == [{
        "decision_id": "TJ-2024-01", "per": "week", "unit": "week 2024-03-04–2024-03-10",
        "unit_start": "2024-03-04", "unit_end": "2024-03-10", "granted_hours": "10", "shifts": 1, "hours": "4.00",
        "where": "anna.csv row 3", "reason": "beyond the granted hours"}]
    ledger = json.loads((tmp_path / "ex" / "provider.series.billed.json").read_text())
    assert list(ledger["invoices"][0]["parts"]["TJ-2024-01"].values()) == [[[0, 10800]]]
    assert "19880412" not in result.output and "19750315" not in result.output


def test_cli_cap_at_granted_text(tmp_path):
    runner = CliRunner()
    text = runner.invoke(main, [*_cli_inputs(tmp_path), "--cap-at-granted"])
    assert text.exit_code == 0, text.output
    assert ("not billed: decision TJ-2024-01, week 2024-03-04–2024-03-10 (granted 10.00 h per week): 4.00 h in 1 "
            "shift(s) not billed, beyond the granted hours (anna.csv row 3)") in " ".join(text.stderr.split())
    assert "19880412" not in text.output and "19750315" not in text.output
    assert "--cap-at-granted" in runner.invoke(main, ["invoice", "create", "--help"]).output
    sick = runner.invoke(main, [*_cli_inputs(tmp_path / "s"), "--cap-at-granted", "--kind", "sickpay",
                                "--sickpay", "x.toml"])
    assert sick.exit_code == 2 and "--cap-at-granted is for --kind base or extension" in sick.output
