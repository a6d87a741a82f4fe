"""The monthly report for Västerås (invoices.redovisning): CSV and XLSX checked cell by cell."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from invoices.build import BuildOptions, BuildRefused
from invoices.checks import CheckPolicy
from invoices.inputs import read_decisions, read_provider, read_timereports
from invoices.redovisning import HEADER_ASSISTANTS, HEADER_YEARS, ROUNDING_NOTE, TITLE, plan_redovisning
from invoices.model import ShiftKind
from tests.factories import (
    ANNA,
    ATTACH_NOTE,
    BERTIL,
    CLIENT,
    CLIENT2,
    EXAMPLES,
    PROVIDER,
    TJORN,
    VASTERAS,
    decision,
    report,
    shift,
)
from tests.factories import REDOVISNING_OPTS as OPTS

D = Decimal


def csv_grid(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode("utf-8"))  # BOM: Excel reads UTF-8
    assert b"\r\n" in data
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_grid(data: bytes) -> list[list]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert ws.title == "Redovisning"
    rows = []
    for row in ws.iter_rows():
        cells = list(row)
        while cells and cells[-1].value is None:
            cells.pop()
        for c in cells:
            if isinstance(c.value, (int, float)):
                assert c.number_format == "0.00", (c.coordinate, c.number_format)
        rows.append([c.value for c in cells])
    while rows and rows[-1] == []:
        rows.pop()
    return rows


def as_csv(expected: list[tuple]) -> list[list[str]]:
    out = []
    for row in expected:
        out.append([("" if v is None else f"{v:.2f}".replace(".", ",") if isinstance(v, Decimal) else v)
                    for v in row])
    return out


def assert_xlsx(data: bytes, expected: list[tuple]) -> None:
    got = xlsx_grid(data)
    assert len(got) == len(expected)
    for r, (g, e) in enumerate(zip(got, expected), start=1):
        e = list(e)
        while e and e[-1] is None:
            e.pop()
        assert len(g) == len(e), f"row {r}: {g} != {e}"
        for c, (gv, ev) in enumerate(zip(g, e), start=1):
            if isinstance(ev, Decimal):
                assert isinstance(gv, (int, float)) and Decimal(str(gv)) == ev, f"row {r} col {c}: {gv!r} != {ev}"
            else:
                assert gv == ev, f"row {r} col {c}: {gv!r} != {ev!r}"


def header(client_name: str, client_pnr: str, decisions: str, period: str,
           provider=("Påhittad Assistans AB", "559901-1235"),
           contact=("Fakturaansvarig Testperson", "031-000 00 00", "faktura@pahittad-assistans.invalid")):
    return [
        (TITLE,), (),
        ("Kommun", "Västerås stad", "212000-2080"),
        ("Utförare", *provider),
        ("Kontaktperson", *contact),
        ("Period", period),
        ("Assistansberättigad", client_name),
        ("Personnummer", client_pnr),
        ("Beslut", decisions),
        (),
        HEADER_ASSISTANTS,
    ]


FOOTER = [(), (ROUNDING_NOTE,), (ATTACH_NOTE,)]


def test_vasteras_example_cell_by_cell():
    provider = read_provider(EXAMPLES / "provider.toml")
    reports = read_timereports(EXAMPLES / "timereports" / "vasteras-2021-03")
    decisions = read_decisions(EXAMPLES / "decisions.csv")
    plan = plan_redovisning(provider, reports, decisions, VASTERAS, "2021-03", OPTS)
    assert plan.findings == [] and plan.omitted == []
    (rep,) = plan.reports
    expected = header("Vera Påhittad", "19821120-4469", "VA-2021-02 (grundbeslut)", "2021-03") + [
        ("VA-2021-02", "David Demosson", "19910618-4717", "2021", D("84.00"), D("8.00"), D("92.00"),
         "ja", "ja", "4 veckor", "inget"),
        ("VA-2021-02", "Filip Skenbarsson", "19970314-6937", "2021", D("133.00"), D("0.00"), D("133.00"),
         "ja", "ja", "4 veckor", "inget"),
        (), HEADER_YEARS,
        ("2021", D("217.00"), D("8.00"), D("225.00"), D("299.00"), D("67275.00")),
        ("Totalt", D("217.00"), D("8.00"), D("225.00"), None, D("67275.00")),
    ] + FOOTER
    assert csv_grid(rep.csv_bytes()) == as_csv(expected)
    assert_xlsx(rep.xlsx_bytes(), expected)
    assert (rep.total_hours, rep.total_amount) == (D("225.00"), D("67275.00"))
    assert rep.stem == "redovisning-2021-03-VA-2021-02"
    assert [name for name, _ in rep.timereports] == ["tidrapport-2021-03-VA-2021-02-01.csv",
                                                     "tidrapport-2021-03-VA-2021-02-02.csv"]


def test_attached_time_reports_read_back(tmp_path):
    reports = read_timereports(EXAMPLES / "timereports" / "vasteras-2021-03")
    plan = plan_redovisning(read_provider(EXAMPLES / "provider.toml"), reports,
                            read_decisions(EXAMPLES / "decisions.csv"), VASTERAS, "2021-03", OPTS)
    for name, data in plan.reports[0].timereports:
        (tmp_path / name).write_bytes(data)
    back = read_timereports(tmp_path)
    key = lambda r: r.assistant.pnr  # noqa: E731
    assert [(r.assistant, r.client, [(s.start, s.end, s.kind) for s in r.shifts]) for r in sorted(back, key=key)] == \
        [(r.assistant, r.client, [(s.start, s.end, s.kind) for s in r.shifts]) for r in sorted(reports, key=key)]


def vasteras_plan(*reports, period, options=OPTS, decisions=None):
    return plan_redovisning(PROVIDER, list(reports), decisions or [decision(municipality="Västerås stad")],
                            VASTERAS, period, options)


TEST_HEADER = dict(provider=("Testbolaget Assistans AB", "559901-1235"),
                   contact=("Fakturafrågor Test", "031-000 00 00", "faktura@test.invalid"))


def test_new_year_night_reported_in_each_month_at_each_years_rate():
    """31 December 2020 22:00 - 1 January 2021 06:00: December's report holds 2 h at 2020's
    rate, January's the 6 h at 2021's (the month cut in real time, invoices.hours.month_parts)."""
    night = report(shift("2020-12-31", "22:00", "06:00"))
    anna = (ANNA.name, f"{ANNA.pnr[:8]}-{ANNA.pnr[8:]}")
    for period, year, hours, rate, amount in (("2020-12", "2020", D("2.00"), D("289.00"), D("578.00")),
                                              ("2021-01", "2021", D("6.00"), D("299.00"), D("1794.00"))):
        (rep,) = vasteras_plan(night, period=period).reports
        expected = header(CLIENT.name, f"{CLIENT.pnr[:8]}-{CLIENT.pnr[8:]}", "D-BASE (grundbeslut)", period,
                          **TEST_HEADER) + [
            ("D-BASE", *anna, year, hours, D("0.00"), hours, "ja", "ja", "4 veckor", "inget"),
            (), HEADER_YEARS,
            (year, hours, D("0.00"), hours, rate, amount),
            ("Totalt", hours, D("0.00"), hours, None, amount),
        ] + FOOTER
        assert csv_grid(rep.csv_bytes()) == as_csv(expected)
        assert_xlsx(rep.xlsx_bytes(), expected)


def test_rounding_half_up_2019_rate():
    (rep,) = vasteras_plan(report(shift("2019-05-06", "08:00", "15:30")), period="2019-05").reports
    assert rep.rows[-5] == ("2019", D("7.50"), D("0.00"), D("7.50"), D("284.81"), D("2136.08"))  # 2136.075
    assert rep.total_amount == D("2136.08")


def test_year_total_is_rounded_from_exact_seconds_not_from_rounded_rows():
    plan = vasteras_plan(report(shift("2021-03-01", "08:00", "08:20")),
                         report(shift("2021-03-01", "09:00", "09:20", who=BERTIL), who=BERTIL), period="2021-03")
    (rep,) = plan.reports
    rows = [r for r in rep.rows if r and r[0] == "D-BASE"]
    assert [r[6] for r in rows] == [D("0.33"), D("0.33")]                  # 20 min each
    assert rep.rows[-5] == ("2021", D("0.67"), D("0.00"), D("0.67"), D("299.00"), D("200.33"))  # 40 min


def test_active_waiting_split_and_dst_25_hour_day():
    plan = vasteras_plan(report(shift("2020-10-25", "00:00", "00:00", kind="waiting"),
                                shift("2020-10-26", "08:00", "12:00")), period="2020-10")
    (rep,) = plan.reports
    assert rep.rows[-5] == ("2020", D("4.00"), D("25.00"), D("29.00"), D("289.00"), D("8381.00"))


def test_year_without_rate_is_refused():
    with pytest.raises(BuildRefused) as e:
        vasteras_plan(report(shift("2022-02-01", "08:00", "16:00")), period="2022-02")
    assert e.value.code == "rate_unknown"
    assert "Västerås stad" in e.value.message and "2022" in e.value.message


def test_municipality_that_takes_invoices_is_refused():
    with pytest.raises(BuildRefused) as e:
        plan_redovisning(PROVIDER, [report(shift("2024-03-04", "08:00", "16:00"))], [decision()], TJORN, "2024-03")
    assert e.value.code == "invoices_taken" and "lssinvoice invoice create" in e.value.message


def test_checks_run_first_and_vasteras_requires_the_supervisors_signature():
    """Västerås: "Tidrapporterna ska vara undertecknade av assistenter och arbetsledare/chef
    eller ombud" (seed 001): a missing supervisor's signature is an error there (its registry
    entry's [source_levels]), a warning elsewhere; --check still overrides."""
    plan = vasteras_plan(report(shift("2021-03-01", "08:00", "16:00"), signed=(False, False)), period="2021-03")
    assert [f.code for f in plan.errors] == ["LSS-SRC-030", "LSS-SRC-031"] and plan.warnings == []
    plan = vasteras_plan(report(shift("2021-03-01", "08:00", "16:00"), signed=(True, False)), period="2021-03")
    assert [f.code for f in plan.errors] == ["LSS-SRC-031"]
    lenient = BuildOptions(issue_date=date(2021, 4, 2),
                           policy=CheckPolicy({"LSS-SRC-030": "off", "LSS-SRC-031": "warning"}))
    plan = vasteras_plan(report(shift("2021-03-01", "08:00", "16:00"), signed=(False, False)), period="2021-03",
                         options=lenient)
    assert plan.ok and [f.code for f in plan.warnings] == ["LSS-SRC-031"]
    row = next(r for r in plan.reports[0].rows if r and r[0] == "D-BASE")
    assert row[7:9] == ("nej", "nej")  # the signature status is shown as it is
    # ... and the report does not claim what a row denies
    note = next(r[0] for r in plan.reports[0].rows if r and str(r[0]).startswith("Tidrapporter:"))
    assert "signerade av assistent och arbetsledare/ombud." not in note
    assert note.endswith(f"inte signerade av båda: {ANNA.name}.")


def test_on_call_refused_or_left_out():
    r = report(shift("2021-03-01", "08:00", "16:00"), shift("2021-03-01", "16:00", "20:00", kind="on_call"))
    with pytest.raises(BuildRefused) as e:
        vasteras_plan(r, period="2021-03")
    assert e.value.code == "kind_not_billed" and "on_call" in e.value.message and "Västerås stad" in e.value.message
    assert e.value.message.startswith("Västerås stad is not reported on_call time: ")
    assert " 1 on_call (" in e.value.message and " shift, 4.00 h (" in e.value.message
    plan = vasteras_plan(r, period="2021-03", options=BuildOptions(issue_date=date(2021, 4, 2), omit_unbilled=True))
    assert [(o.kind, o.hours) for o in plan.omitted] == [(ShiftKind.ON_CALL, D("4.00"))]
    (rep,) = plan.reports
    assert rep.total_hours == D("8.00") and rep.total_amount == D("2392.00")
    (name, data), = rep.timereports
    rows = [x for x in csv.DictReader(io.StringIO(data.decode("utf-8"))) if x["Datum"]]
    assert [(x["Tidstyp"], x["Kommentar"].split(":")[0]) for x in rows] == [("aktiv tid", ""), ("jour", "ej redovisad")]


def test_nothing_to_report_is_refused():
    with pytest.raises(BuildRefused) as e:
        vasteras_plan(report(shift("2021-02-01", "08:00", "16:00")), period="2021-03")
    assert e.value.code == "nothing_to_bill"


def test_one_report_per_client_no_names_in_file_names():
    decisions = [decision(municipality="Västerås stad"),
                 decision("D-2", municipality="vasteras", client=CLIENT2),
                 decision("D-EXT", kind="extension", municipality="Västerås stad", per="period")]
    plan = vasteras_plan(
        report(shift("2021-03-01", "08:00", "16:00"), shift("2021-03-01", "16:00", "18:00", decision="D-EXT")),
        report(shift("2021-03-02", "08:00", "16:00", client=CLIENT2, decision="D-2"), client=CLIENT2),
        period="2021-03", decisions=decisions)
    assert sorted(r.stem for r in plan.reports) == ["redovisning-2021-03-D-2", "redovisning-2021-03-D-BASE"]
    mine = next(r for r in plan.reports if r.stem.endswith("D-BASE"))
    assert ("Beslut", "D-BASE (grundbeslut), D-EXT (tillfällig utökning)") in mine.rows
    assert mine.total_hours == D("10.00")
    for rep in plan.reports:
        for name in [rep.stem] + [n for n, _ in rep.timereports]:
            assert CLIENT.pnr[2:8] not in name and "Klienta" not in name and ANNA.name not in name
