"""The time report as XML (issue 14): lossless with the CSV and XLSX reports, checked on reading."""
from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner

from invoices.inputs import InputErrors, read_provider, read_timereports
from invoices.model import Signatures
from invoices.timereport_xml import ReportParty, read_report_xml, report_xml
from invoices.timereports import read_timereport_bytes
from invoices.underlag import timereport_csv
from lssinvoice.cli import main

from .factories import EXAMPLES, report, shift

PROVIDER = read_provider(EXAMPLES / "provider.toml")
PARTY = ReportParty(PROVIDER.name, PROVIDER.org_nr)
FOLDERS = ["tjorn-2024-03", "boras-2024-03", "vasteras-2021-03", "../casework/timereports/boras-2024-03-annan"]


def comparable(r):
    """The report but for what XML does not carry: the yes/no "signed" cells and the row sources."""
    return r.model_copy(update={"signatures": Signatures(),
                                "shifts": tuple(s.model_copy(update={"source": ""}) for s in r.shifts)})


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_example_round_trips_csv_xml_csv(folder):
    reports = read_timereports(EXAMPLES / "timereports" / folder)
    assert reports
    for r in reports:
        back, party = read_report_xml(report_xml(r, PARTY), "t.xml")
        assert comparable(back) == comparable(r) and party == PARTY
        [again] = read_timereport_bytes(timereport_csv(back), "a.csv", "csv")
        assert comparable(again) == comparable(r)


def test_an_xlsx_report_round_trips_too(tmp_path):
    [r] = [x for x in read_timereports(EXAMPLES / "timereports" / "tjorn-2024-03") if x.assistant.name.startswith("B")]
    rows = list(csv_rows(timereport_csv(r)))
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    [from_xlsx] = read_timereports(path)
    back, _ = read_report_xml(report_xml(from_xlsx, PARTY), "t.xml")
    assert comparable(back) == comparable(r)


@pytest.mark.parametrize("folder", FOLDERS[:3])
def test_every_example_round_trips_xml_xlsx_xml(tmp_path, folder):
    runner = CliRunner()
    out = tmp_path / "xml"
    assert runner.invoke(main, ["timereport", "export", str(EXAMPLES / "timereports" / folder), "--provider",
                                str(EXAMPLES / "provider.toml"), "--out", str(out)]).exit_code == 0
    back = runner.invoke(main, ["timereport", "csv", "--xlsx", *map(str, sorted(out.glob("*.xml"))),
                                "--out", str(tmp_path / "xlsx")])
    assert back.exit_code == 0, back.output
    assert sorted(p.suffix for p in (tmp_path / "xlsx").iterdir()) == [".xlsx"] * len(list(out.glob("*.xml")))
    again = sorted(map(comparable, read_timereports(tmp_path / "xlsx")), key=lambda r: r.assistant.pnr)
    original = sorted(map(comparable, read_timereports(EXAMPLES / "timereports" / folder)),
                      key=lambda r: r.assistant.pnr)
    assert again == original


def csv_rows(data: bytes):
    import csv
    import io
    for row in csv.reader(io.StringIO(data.decode("utf-8"))):
        if row and not row[0].startswith("#"):
            yield row


def test_a_dst_night_is_exact_and_facts_not_stated_stay_not_stated():
    r = report(shift("2024-03-30", "22:00", "07:00", kind="waiting"))
    r = r.model_copy(update={"assistant": r.assistant.model_copy(update={"lives_in_eea": None}),
                             "collective_agreement_stated": False, "calculation_period": None})
    data = report_xml(r, PARTY)
    assert b"<tr:Start>2024-03-30T22:00:00+01:00</tr:Start><tr:End>2024-03-31T07:00:00+02:00</tr:End>" in data
    assert b"<tr:Hours>8.00</tr:Hours>" in data and b'<tr:Total kind="waiting">8.00</tr:Total>' in data
    assert b"livesInEEA" not in data and b"CollectiveAgreement" not in data and b"CalculationPeriod" not in data
    back, _ = read_report_xml(data, "t.xml")
    assert (back.assistant.lives_in_eea, back.collective_agreement_stated, back.calculation_period) == (None, False, None)


@pytest.mark.parametrize("edit, where", [
    ((b"<tr:Hours>8.00</tr:Hours>", b"<tr:Hours>9.00</tr:Hours>"), "Shift[1]/Hours"),
    ((b'<tr:Total kind="waiting">8.00</tr:Total>', b'<tr:Total kind="waiting">9.00</tr:Total>'), "Totals"),
    ((b"<tr:Kind>waiting</tr:Kind>", b"<tr:Kind>resting</tr:Kind>"), "Kind"),
])
def test_an_edited_figure_is_an_error_naming_the_element(edit, where):
    data = report_xml(report(shift("2024-03-30", "22:00", "07:00", kind="waiting")), PARTY).replace(*edit)
    with pytest.raises(InputErrors) as e:
        read_report_xml(data, "t.xml")
    assert all(err.file == "t.xml" for err in e.value.errors)
    assert any(where in (err.field or "") or where in err.message for err in e.value.errors), str(e.value)


def test_a_doctype_is_refused_by_the_hardened_parser():
    data = report_xml(report(shift("2024-03-04", "08:00", "12:00")), PARTY)
    data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e "x">]>', 1)
    with pytest.raises(InputErrors) as e:
        read_report_xml(data, "t.xml")
    assert "DOCTYPE" in str(e.value)


def test_cli_export_and_back_to_csv(tmp_path):
    runner = CliRunner()
    out = tmp_path / "xml"
    result = runner.invoke(main, ["timereport", "export", str(EXAMPLES / "timereports" / "tjorn-2024-03"),
                                  "--provider", str(EXAMPLES / "provider.toml"), "--out", str(out),
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)["result"]["written"]
    assert [w["file"].rsplit("/", 1)[-1] for w in written] == [
        "tidrapport-2024-03-01.xml", "tidrapport-2024-03-02.xml", "tidrapport-2024-03-03.xml"]
    assert (out / "tidrapport-2024-03-01.xml").stat().st_mode & 0o077 == 0  # personnummer inside: owner only
    back = runner.invoke(main, ["timereport", "csv", *(w["file"] for w in written), "--out", str(tmp_path / "csv")])
    assert back.exit_code == 0, back.output
    again = read_timereports(tmp_path / "csv")
    original = read_timereports(EXAMPLES / "timereports" / "tjorn-2024-03")
    assert sorted(map(comparable, again), key=lambda r: r.assistant.pnr) == sorted(
        map(comparable, original), key=lambda r: r.assistant.pnr)
    assert "19880412" not in result.output + back.output
