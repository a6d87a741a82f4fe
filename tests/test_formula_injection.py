"""Formula (CSV) injection: every CSV and XLSX cell we write that begins with ``=``, ``+``,
``-``, ``@``, tab or carriage return is text, never a formula (OWASP "CSV Injection";
invoices.spreadsheet). Numbers stay numbers.

Names and free text from a provider's time report reach the Västerås monthly report (CSV and
XLSX), the time reports uploaded with it and attached to an invoice (BG-24), and the sick-pay
calculation. Synthetic personnummer only (tests/factories.py).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, time
from decimal import Decimal

import openpyxl
import pytest

from invoices import templates
from invoices.inputs import read_timereports
from invoices.model import Assistant, Client, Contact
from invoices.redovisning import HEADER_ASSISTANTS, HEADER_YEARS, ROUNDING_NOTE, TITLE, ClientReport, plan_redovisning
from invoices.spreadsheet import csv_cell, csv_row, xlsx_append, xlsx_cell
from invoices.underlag import format_pnr
from tests.factories import (
    ANNA, ATTACH_NOTE, BERTIL, CECILIA, CLIENT, PROVIDER, VASTERAS, attachments, decision, issue_all, occasion_spec,
    report, shift, sick_plan, tjorn_plan,
)
from tests.factories import REDOVISNING_OPTS as OPTS

D = Decimal
HYPERLINK = '=HYPERLINK("http://x","y")'
EVIL = (HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")

# the same synthetic people, with names a spreadsheet would evaluate
EVIL_CLIENT = Client(pnr=CLIENT.pnr, name=HYPERLINK)
PLUS = Assistant(pnr=ANNA.pnr, name="+1+1")
MINUS = Assistant(pnr=BERTIL.pnr, name="-2+3")
AT = Assistant(pnr=CECILIA.pnr, name="@SUM(A1)")
EVIL_PROVIDER = PROVIDER.model_copy(update={
    "contact": Contact(name="@SUM(A1)", phone="+46 31 000 00 00", email="faktura@test.invalid")})


def evil_report(*shifts, who, calculation_period, agreement=None):
    r = report(*shifts, who=who, client=EVIL_CLIENT)
    return r.model_copy(update={"calculation_period": calculation_period, "collective_agreement": agreement})


def csv_grid(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def assert_no_formula(data: bytes) -> openpyxl.Workbook:
    """No cell of any sheet is a formula, as openpyxl reads it and in the stored XML."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >/]", z.read(name)), name
    return wb


# ------------------------------------------------------------------- the cell functions

@pytest.mark.parametrize("text", EVIL)
def test_csv_cell_prefixes_a_quote_to_text_that_starts_a_formula(text):
    assert csv_cell(text) == "'" + text
    assert csv_cell(text, decimal_comma=True) == "'" + text


@pytest.mark.parametrize("text", ["Anna Provsson", "", "19880412-2821", "2024-03-04", "08:00", "1+1", "a=b",
                                  "'=1", "#N/A", " =1", "Exempelavtalet för personlig assistans"])
def test_csv_cell_leaves_other_text_alone(text):
    assert csv_cell(text) == text


def test_csv_cell_writes_numbers_and_dates_plainly():
    assert csv_cell(None) == ""
    assert csv_cell(D("-1234.50")) == "-1234.50"          # a number, not provider text: no quote
    assert csv_cell(D("-1234.50"), decimal_comma=True) == "-1234,50"
    assert csv_cell(D("0.00")) == "0.00" and csv_cell(D("299")) == "299"  # exact, never rounded
    assert csv_cell(-3) == "-3" and csv_cell(2021) == "2021"
    assert csv_cell(date(2024, 3, 4)) == "2024-03-04" and csv_cell(time(22, 0)) == "22:00"
    assert csv_row(["-2+3", D("-2.30"), None, 7]) == ["'-2+3", "-2.30", "", "7"]


@pytest.mark.parametrize("value", [1.5, True])
def test_no_float_or_bool_cells(value):
    with pytest.raises(TypeError):
        csv_cell(value)


def test_xlsx_cells_text_is_a_string_cell_numbers_stay_numbers():
    wb = openpyxl.Workbook()
    ws = wb.active
    cells = xlsx_append(ws, [*EVIL, "#N/A", "Anna", D("-5.25"), -3, date(2024, 3, 4), None])
    xlsx_cell(ws.cell(2, 1), HYPERLINK)
    assert [c.coordinate for c in cells][:2] == ["A1", "B1"]
    buf = io.BytesIO()
    wb.save(buf)
    back = assert_no_formula(buf.getvalue()).active
    row = [back.cell(1, col) for col in range(1, 13)]
    assert [(c.value, c.data_type, bool(c.quotePrefix)) for c in row[:8]] == \
        [(t, "s", True) for t in EVIL] + [("#N/A", "s", False), ("Anna", "s", False)]
    assert (row[8].value, row[8].data_type) == (-5.25, "n")
    assert (row[9].value, row[9].data_type) == (-3, "n")
    assert row[10].is_date and row[10].value.date() == date(2024, 3, 4)
    assert row[11].value is None
    assert (back["A2"].value, back["A2"].data_type, back["A2"].quotePrefix) == (HYPERLINK, "s", True)


# ---------------------------------------------------------------- the Västerås report

def evil_plan():
    reports = [
        evil_report(shift("2021-03-01", "08:00", "15:30", who=PLUS, client=EVIL_CLIENT), who=PLUS,
                    calculation_period="\t=1", agreement="\r=1"),
        evil_report(shift("2021-03-02", "08:00", "12:00", who=MINUS, client=EVIL_CLIENT), who=MINUS,
                    calculation_period="@SUM(A1)"),
    ]
    plan = plan_redovisning(EVIL_PROVIDER, reports, [decision(municipality="Västerås stad", client=EVIL_CLIENT)],
                            VASTERAS, "2021-03", OPTS)
    assert plan.findings == [] and plan.omitted == []
    (rep,) = plan.reports
    return rep, reports


def test_redovisning_csv_cell_by_cell():
    rep, _ = evil_plan()
    client_pnr, plus_pnr, minus_pnr = (format_pnr(p.pnr) for p in (CLIENT, ANNA, BERTIL))
    data = rep.csv_bytes()
    assert data.startswith("\ufeff".encode("utf-8"))
    assert csv_grid(data, ";") == [
        [TITLE], [],
        ["Kommun", "Västerås stad", "212000-2080"],
        ["Utförare", "Testbolaget Assistans AB", "559901-1235"],
        ["Kontaktperson", "'@SUM(A1)", "'+46 31 000 00 00", "faktura@test.invalid"],
        ["Period", "2021-03"],
        ["Assistansberättigad", "'" + HYPERLINK],
        ["Personnummer", client_pnr],
        ["Beslut", "D-BASE (grundbeslut)"],
        [],
        list(HEADER_ASSISTANTS),
        ["D-BASE", "'+1+1", plus_pnr, "2021", "7,50", "0,00", "7,50", "ja", "ja", "'\t=1", "'\r=1"],
        ["D-BASE", "'-2+3", minus_pnr, "2021", "4,00", "0,00", "4,00", "ja", "ja", "'@SUM(A1)", "inget"],
        [], list(HEADER_YEARS),
        ["2021", "11,50", "0,00", "11,50", "299,00", "3438,50"],
        ["Totalt", "11,50", "0,00", "11,50", "", "3438,50"],
        [], [ROUNDING_NOTE], [ATTACH_NOTE],
    ]


def test_redovisning_xlsx_text_cells_and_numbers():
    rep, _ = evil_plan()
    ws = assert_no_formula(rep.xlsx_bytes()).worksheets[0]
    text = {
        "B5": "@SUM(A1)", "C5": "+46 31 000 00 00",
        "B7": HYPERLINK,
        "B12": "+1+1", "J12": "\t=1", "K12": "\r=1",
        "B13": "-2+3", "J13": "@SUM(A1)",
    }
    for ref, value in text.items():
        c = ws[ref]
        assert (c.value, c.data_type, c.quotePrefix) == (value, "s", True), ref
    assert (ws["A7"].value, ws["A7"].data_type, ws["A7"].quotePrefix) == ("Assistansberättigad", "s", False)
    assert (ws["C12"].value, ws["C12"].data_type) == (format_pnr(ANNA.pnr), "s")
    numbers = {"E12": D("7.50"), "G12": D("7.50"), "E13": D("4.00"), "F13": D("0.00"),
               "B16": D("11.50"), "E16": D("299.00"), "F16": D("3438.50"), "F17": D("3438.50")}
    for ref, value in numbers.items():
        c = ws[ref]
        assert c.data_type == "n" and isinstance(c.value, (int, float)), ref
        assert Decimal(str(c.value)) == value and c.number_format == "0.00", ref
    assert (ws["A17"].value, ws["E17"].value) == ("Totalt", None)


def test_negative_amounts_stay_numbers_in_the_report_files():
    rows = ((TITLE,), (), ("Belopp", D("-1234.50"), "-1234,50"), ("Timmar", D("-0.25")))
    rep = ClientReport("2021-03", ("D-BASE",), rows, D("-0.25"), D("-1234.50"), ())
    assert csv_grid(rep.csv_bytes(), ";")[2:] == [["Belopp", "-1234,50", "'-1234,50"], ["Timmar", "-0,25"]]
    ws = assert_no_formula(rep.xlsx_bytes()).worksheets[0]
    assert (ws["B3"].value, ws["B3"].data_type, ws["B3"].number_format) == (-1234.5, "n", "0.00")
    assert (ws["C3"].value, ws["C3"].data_type, ws["C3"].quotePrefix) == ("-1234,50", "s", True)  # text stays text
    assert (ws["B4"].value, ws["B4"].data_type) == (-0.25, "n")


def test_uploaded_time_reports_cell_by_cell_and_read_back(tmp_path):
    rep, reports = evil_plan()
    client_pnr = format_pnr(CLIENT.pnr)
    got = {}
    for name, data in rep.timereports:
        grid = [row for row in csv_grid(data) if row and not row[0].startswith("#")]
        assert grid[0][:2] == ["Personnummer assistent", "Assistent"] and grid[0][-2:] == ["Timmar", "Kommentar"]
        got[grid[1][1]] = grid[1:]
        (tmp_path / name).write_bytes(data)
    assert got == {
        "'+1+1": [[format_pnr(ANNA.pnr), "'+1+1", client_pnr, "'" + HYPERLINK, "2021-03-01", "08:00", "15:30",
                   "aktiv tid", "D-BASE", "ja", "ja", "'\t=1", "'\r=1", "ja", "ja", "nej", "nej", "7.50", ""]],
        "'-2+3": [[format_pnr(BERTIL.pnr), "'-2+3", client_pnr, "'" + HYPERLINK, "2021-03-02", "08:00", "12:00",
                   "aktiv tid", "D-BASE", "ja", "ja", "'@SUM(A1)", "inget", "ja", "ja", "nej", "nej", "4.00", ""]],
    }
    # the provider-side reader still reads them: same people (names with the leading '), same shifts
    back = sorted(read_timereports(tmp_path), key=lambda r: r.assistant.pnr)
    want = sorted(reports, key=lambda r: r.assistant.pnr)
    assert [(r.assistant.pnr, r.client.pnr, r.assistant.name, r.client.name) for r in back] == \
        [(r.assistant.pnr, r.client.pnr, "'" + r.assistant.name, "'" + HYPERLINK) for r in want]
    assert [[(s.start, s.end, s.kind, s.decision_id) for s in r.shifts] for r in back] == \
        [[(s.start, s.end, s.kind, s.decision_id) for s in r.shifts] for r in want]


# ------------------------------------------------------- the invoice's attachments (BG-24)

def test_embedded_time_report_of_an_invoice(tmp_path):
    r = evil_report(shift("2024-03-04", "08:00", "15:30", who=AT, client=EVIL_CLIENT),
                    shift("2024-03-05", "22:00", "07:00", kind="waiting", who=AT, client=EVIL_CLIENT),
                    who=AT, calculation_period="-2+3", agreement="+1+1")
    result, written = issue_all(tjorn_plan(r, decisions=[decision(client=EVIL_CLIENT)]), tmp_path)
    assert result.ok
    (content,) = attachments(written["T-2024-00001"]).values()
    pnr, client_pnr = format_pnr(CECILIA.pnr), format_pnr(CLIENT.pnr)
    assert csv_grid(content)[1:] == [
        [pnr, "'@SUM(A1)", client_pnr, "'" + HYPERLINK, "2024-03-04", "08:00", "15:30", "aktiv tid", "D-BASE",
         "ja", "ja", "'-2+3", "'+1+1", "ja", "ja", "nej", "nej", "7.50", ""],
        [pnr, "'@SUM(A1)", client_pnr, "'" + HYPERLINK, "2024-03-05", "22:00", "07:00", "väntetid", "D-BASE",
         "ja", "ja", "'-2+3", "'+1+1", "ja", "ja", "nej", "nej", "9.00", ""],
        [],
        ["# Summa aktiv tid: 7.50 h"], ["# Summa väntetid: 9.00 h"],
        ["# Timmar i verklig tid (Europe/Stockholm), summerade i sekunder och avrundade till två decimaler en gång "
         "(half-up)."],
    ]
    path = tmp_path / "back.csv"
    path.write_bytes(content)
    (back,) = read_timereports(path)
    assert (back.assistant.pnr, back.client.pnr, back.assistant.name) == (CECILIA.pnr, CLIENT.pnr, "'@SUM(A1)")
    assert [(s.start, s.end, s.kind) for s in back.shifts] == [(s.start, s.end, s.kind) for s in r.shifts]


def test_sickpay_calculation_csv():
    sick = Assistant(pnr=ANNA.pnr, name="-2+3")
    substitute = Assistant(pnr=CECILIA.pnr, name="\t=1")
    reports = [
        report(shift("2024-03-04", "08:00", "15:00", who=sick, client=EVIL_CLIENT),
               shift("2024-03-13", "08:00", "15:00", who=sick, client=EVIL_CLIENT), who=sick, client=EVIL_CLIENT),
        report(shift("2024-03-11", "08:00", "15:00", who=substitute, client=EVIL_CLIENT),
               shift("2024-03-12", "08:00", "15:00", who=substitute, client=EVIL_CLIENT),
               who=substitute, client=EVIL_CLIENT),
    ]
    spec = occasion_spec(collective_agreement="@SUM(A1)", wage=D("172.5"), wage_per="hour")
    (draft,) = sick_plan(reports, spec=spec).drafts
    files = {a.filename: a.content for a in draft.attachments if a.mime_code != "application/pdf"}
    rows = {row[0]: row[1:] for row in csv_grid(files["merkostnad-sjuklon-2024-03-11.csv"]) if row}
    assert rows["Den enskildes namn"] == ["'" + HYPERLINK, ""]
    assert rows["Sjuk assistent, namn"] == ["'-2+3", ""]
    assert rows["Kollektivavtal"] == ["'@SUM(A1)", ""]
    assert rows["Den sjuke assistentens lön (timlön)"] == ["172.50", "lönespecifikation"]
    assert rows["Sjuklön"][0] == "1159.20" and rows["Semesterersättning"][0] == "139.10"
    assert rows["Summa"] == ["1772.44", "summan av de avrundade raderna"]
    names = {row[1] for name, content in files.items() if name.startswith("tidrapport-")
             for row in csv_grid(content)[1:] if row and not row[0].startswith("#")}
    assert names == {"'-2+3", "'\t=1"}   # the sick assistant's and the substitute's time reports


# ------------------------------------------------------------------------ the templates

@pytest.mark.parametrize("make", [templates.timereport_template_xlsx, templates.decisions_template_xlsx])
def test_templates_have_no_formula_and_keep_dates(make):
    wb = assert_no_formula(make())
    ws = wb.worksheets[0]
    assert all(c.data_type == "s" for c in ws[1])
    assert any(c.is_date for c in ws[2])
