"""Readers of a provider's files (invoices.inputs) and the templates (invoices.templates).

All identities are synthetic: personnummer from tests/factories.py (valid Luhn check digit),
obviously fictional names.
"""
from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from invoices import templates
from invoices.inputs import (
    TIMEREPORT_COLUMNS,
    InputError,
    InputErrors,
    read_decisions,
    read_provider,
    read_timereports,
)
from invoices.model import DecisionKind, GrantedPer, ShiftKind

from .factories import ASSISTANT2_PNR as ASSISTANT2
from .factories import ASSISTANT_PNR as ASSISTANT
from .factories import CLIENT2_PNR as CLIENT2
from .factories import CLIENT_PNR as CLIENT
from .factories import decision_row as decision
from .factories import timereport_row as row
from .factories import write_csv


def write_xlsx(tmp: Path, rows: list[dict], name: str = "timereports.xlsx", typed: bool = True) -> Path:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(columns)
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c, "")
            if typed and c == "date":
                v = date.fromisoformat(v)
            elif typed and c in ("start", "end") and v != "24:00":
                v = time.fromisoformat(v)
            elif typed and c.endswith("_pnr"):
                v = int(v)  # what Excel makes of a 12-digit number typed in
            cells.append(v if v != "" else None)
        ws.append(cells)
    wb.create_sheet("ignored").append(["not", "read"])
    path = tmp / name
    wb.save(path)
    return path


def errors_of(path, reader=read_timereports) -> list[InputError]:
    with pytest.raises(InputErrors) as info:
        reader(path)
    return info.value.errors


def one_error(path, reader=read_timereports) -> InputError:
    errs = errors_of(path, reader)
    assert len(errs) == 1, [str(e) for e in errs]
    return errs[0]


def without_sources(reports):
    return [r.model_copy(update={"shifts": tuple(s.model_copy(update={"source": ""}) for s in r.shifts)})
            for r in reports]


def hours_of(tmp, d, start, end) -> Decimal:
    [report] = read_timereports(write_csv(tmp, [row(date=d, start=start, end=end)]))
    [shift] = report.shifts
    return shift.hours


# --------------------------------------------------------------------------- happy paths

def test_reads_one_report_with_all_fields(tmp_path):
    reports = read_timereports(write_csv(tmp_path, [
        row(), row(date="2024-05-03", start="16:00", end="18:00", kind="waiting")]))
    assert len(reports) == 1
    r = reports[0]
    assert (r.assistant.pnr, r.assistant.name, r.client.pnr, r.client.name, r.month) == (
        ASSISTANT, "Testa Testsson", CLIENT, "Klienta Klientsson", "2024-05")
    assert (r.assistant.lives_in_eea, r.assistant.capacity_to_work, r.related_to_client, r.lives_with_client) == (
        True, True, False, False)
    assert (r.signatures.assistant, r.signatures.supervisor) == (True, True)
    assert (r.calculation_period, r.collective_agreement, r.collective_agreement_stated, r.kind_stated) == (
        "4 weeks", None, True, True)
    assert [s.source for s in r.shifts] == ["timereports.csv row 2", "timereports.csv row 3"]
    assert r.hours_by_kind() == {ShiftKind.ACTIVE: Decimal(8), ShiftKind.WAITING: Decimal(2)}
    assert r.shifts[0].start == datetime(2024, 5, 2, 8, 0, tzinfo=r.shifts[0].start.tzinfo)
    assert r.shifts[0].start.utcoffset() == timedelta(hours=2)


def test_semicolon_and_bom_and_tab_read_the_same(tmp_path):
    rows = [row(), row(date="2024-05-04", kind="jour")]
    plain = read_timereports(write_csv(tmp_path, rows, name="a.csv"))
    semi = read_timereports(write_csv(tmp_path, rows, name="a.csv", delimiter=";", bom=True))
    tab = read_timereports(write_csv(tmp_path, rows, name="a.csv", delimiter="\t"))
    assert plain == semi == tab


@pytest.mark.parametrize("typed", [True, False])
def test_csv_and_xlsx_give_identical_reports(tmp_path, typed):
    rows = [row(), row(date="2024-05-31", start="22:00", end="06:00", kind="väntetid"),
            row(date="2024-06-01", start="00:00", end="24:00", kind="beredskap"),
            row(assistant_pnr=ASSISTANT2, assistant_name="Prova Provsson", client_pnr=CLIENT2,
                client_name="Fiktiva Fiktivsdotter", collective_agreement="Exempelavtal",
                assistant_signed="nej", supervisor_signed="")]
    from_csv = read_timereports(write_csv(tmp_path, rows))
    from_xlsx = read_timereports(write_xlsx(tmp_path, rows, typed=typed))
    assert len(from_csv) == 3
    assert without_sources(from_csv) == without_sources(from_xlsx)
    assert sorted(s.source for r in from_xlsx for s in r.shifts) == [
        f"timereports.xlsx row {n}" for n in (2, 3, 4, 5)]


def test_xlsx_time_as_day_fraction_and_text_pnr_with_dash(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(row().keys()))
    r = row(assistant_pnr=f"{ASSISTANT[:8]}-{ASSISTANT[8:]}")
    values = list(r.values())
    values[5] = 0.375  # 09:00 as Excel stores a time without a format
    ws.append(values)
    wb.save(tmp_path / "t.xlsx")
    [report] = read_timereports(tmp_path / "t.xlsx")
    assert report.assistant.pnr == ASSISTANT
    assert report.shifts[0].start.time() == time(9, 0)
    assert report.shifts[0].hours == Decimal(7)


def test_grouping_per_assistant_client_and_start_month(tmp_path):
    reports = read_timereports(write_csv(tmp_path, [
        row(date="2024-01-31", start="22:00", end="06:00"),   # crosses into February: January
        row(date="2024-02-01", start="08:00", end="10:00"),
        row(date="2024-02-02", client_pnr=CLIENT2, client_name="Fiktiva Fiktivsdotter"),
        row(date="2024-02-03", assistant_pnr=ASSISTANT2, assistant_name="Prova Provsson"),
    ]))
    keys = [(r.month, r.assistant.pnr, r.client.pnr, len(r.shifts)) for r in reports]
    assert keys == sorted([
        ("2024-01", ASSISTANT, CLIENT, 1), ("2024-02", ASSISTANT, CLIENT, 1),
        ("2024-02", ASSISTANT, CLIENT2, 1), ("2024-02", ASSISTANT2, CLIENT, 1)])
    assert reports[0].shifts[0].hours == Decimal(8)


def test_shifts_are_sorted_in_time_order(tmp_path):
    [r] = read_timereports(write_csv(tmp_path, [row(date="2024-05-09"), row(date="2024-05-02")]))
    assert [s.source for s in r.shifts] == ["timereports.csv row 3", "timereports.csv row 2"]


@pytest.mark.parametrize("alias, kind", [
    ("active", ShiftKind.ACTIVE), ("Aktiv", ShiftKind.ACTIVE), ("waiting", ShiftKind.WAITING),
    ("väntetid", ShiftKind.WAITING), ("VANTETID", ShiftKind.WAITING), ("on_call", ShiftKind.ON_CALL),
    ("jour", ShiftKind.ON_CALL), ("standby", ShiftKind.STANDBY), ("beredskap", ShiftKind.STANDBY)])
def test_kind_aliases(tmp_path, alias, kind):
    [r] = read_timereports(write_csv(tmp_path, [row(kind=alias)]))
    assert r.shifts[0].kind is kind


@pytest.mark.parametrize("value, expected", [
    ("yes", True), ("ja", True), ("true", True), ("1", True), ("JA", True),
    ("no", False), ("nej", False), ("false", False), ("0", False), ("", False)])
def test_signature_values(tmp_path, value, expected):
    [r] = read_timereports(write_csv(tmp_path, [row(assistant_signed=value)]))
    assert r.signatures.assistant is expected


def test_register_flags_and_agreement_statements(tmp_path):
    rows = [row(assistant_lives_in_eea="nej", assistant_capacity_to_work="no",
                collective_agreement="Exempelavtal", calculation_period=""),
            row(date="2024-05-03", assistant_lives_in_eea="", assistant_capacity_to_work="",
                collective_agreement="", calculation_period="")]
    [r] = read_timereports(write_csv(tmp_path, rows))
    assert (r.assistant.lives_in_eea, r.assistant.capacity_to_work) == (False, False)
    assert (r.collective_agreement, r.collective_agreement_stated, r.calculation_period) == (
        "Exempelavtal", True, None)
    [r] = read_timereports(write_csv(tmp_path, [row(collective_agreement="")]))
    assert (r.collective_agreement, r.collective_agreement_stated) == (None, False)
    [r] = read_timereports(write_csv(tmp_path, [row(collective_agreement="ingen")]))
    assert (r.collective_agreement, r.collective_agreement_stated) == (None, True)


def test_optional_columns_may_be_absent(tmp_path):
    cols = ["assistant_pnr", "assistant_name", "client_pnr", "client_name", "date", "start", "end",
            "kind", "decision_id"]
    [r] = read_timereports(write_csv(tmp_path, [row()], columns=cols))
    assert (r.signatures.assistant, r.signatures.supervisor) == (False, False)
    assert (r.calculation_period, r.collective_agreement_stated, r.kind_stated) == (None, False, True)


def test_legacy_file_without_kind_column_is_read_as_active_and_marked(tmp_path):
    cols = [c for c in row() if c != "kind"]
    [r] = read_timereports(write_csv(tmp_path, [row()], columns=cols))
    assert r.kind_stated is False
    assert r.shifts[0].kind is ShiftKind.ACTIVE


def test_comment_and_blank_rows_are_skipped_and_counted(tmp_path):
    path = tmp_path / "t.csv"
    header = ",".join(row().keys())
    good = ",".join(row().values())
    bad = ",".join(row(start="7").values())
    path.write_text(f"{header}\n#{good}\n\n{good}\n{bad}\n", encoding="utf-8")
    err = one_error(path)
    assert str(err) == "t.csv row 5, field 'start': '7' is not a time HH:MM"


def test_comment_column_is_ignored(tmp_path):
    [r] = read_timereports(write_csv(tmp_path, [row(comment="covered for a colleague")]))
    assert len(r.shifts) == 1


# ------------------------------------------------------------------------ time and DST

@pytest.mark.parametrize("d, start, end, hours", [
    ("2024-05-02", "22:00", "06:00", 8),     # crosses midnight
    ("2024-03-30", "22:00", "06:00", 7),     # spring DST night: 23 h day
    ("2024-10-26", "22:00", "06:00", 9),     # autumn DST night: 25 h day
    ("2024-03-31", "00:00", "00:00", 23),
    ("2024-10-27", "00:00", "00:00", 25),
    ("2024-05-02", "00:00", "00:00", 24),
    ("2024-05-02", "08:00", "08:00", 24),
    ("2024-05-02", "22:00", "24:00", 2),
    ("2024-05-02", "08:15", "16:45", Decimal("8.5")),
    ("2024-03-31", "01:00", "03:00", 1),      # 02:00 -> 03:00 does not exist
    ("2024-10-27", "01:00", "03:00", 3),      # 02:00-03:00 happens twice
])
def test_shift_hours_are_real_elapsed_time(tmp_path, d, start, end, hours):
    assert hours_of(tmp_path, d, start, end) == Decimal(hours)


def test_start_in_the_spring_dst_gap_is_refused(tmp_path):
    err = one_error(write_csv(tmp_path, [row(date="2024-03-31", start="02:30", end="08:00")]))
    assert (err.file, err.row, err.field) == ("timereports.csv", 2, "start")
    assert str(err) == ("timereports.csv row 2, field 'start': 02:30 does not exist on 2024-03-31 "
                        "(clocks go forward from 02:00 to 03:00)")


def test_end_in_the_spring_dst_gap_is_refused(tmp_path):
    err = one_error(write_csv(tmp_path, [row(date="2024-03-30", start="22:00", end="02:00")]))
    assert (err.row, err.field) == (2, "end")
    assert "2024-03-31" in err.message


def test_ambiguous_autumn_time_is_the_first_occurrence(tmp_path):
    [r] = read_timereports(write_csv(tmp_path, [
        row(date="2024-10-26", start="22:00", end="02:30"),
        row(date="2024-10-27", start="02:30", end="07:00")]))
    first, second = r.shifts
    assert first.end.utcoffset() == timedelta(hours=2)      # summer time: first occurrence
    assert second.start.utcoffset() == timedelta(hours=2)
    assert first.end_utc == second.start_utc == datetime(2024, 10, 27, 0, 30, tzinfo=timezone.utc)
    assert (first.hours, second.hours) == (Decimal("4.5"), Decimal("5.5"))


# ---------------------------------------------------------------------------- errors

@pytest.mark.parametrize("over, field, message", [
    ({"start": "25:00"}, "start", "'25:00' is not a time HH:MM"),
    ({"end": "8"}, "end", "'8' is not a time HH:MM"),
    ({"start": "24:00"}, "start", "'24:00' is not a time HH:MM"),
    ({"date": "2024-02-30"}, "date", "'2024-02-30' is not a date YYYY-MM-DD"),
    ({"date": "02/05/2024"}, "date", "'02/05/2024' is not a date YYYY-MM-DD"),
    ({"kind": "lunch"}, "kind",
     "'lunch' is not a kind of time (active, on_call, standby, waiting)"),
    ({"kind": ""}, "kind", "missing"),
    ({"assistant_name": " "}, "assistant_name", "missing"),
    ({"client_name": ""}, "client_name", "missing"),
    ({"decision_id": ""}, "decision_id", "missing"),
    ({"assistant_pnr": ""}, "assistant_pnr", "missing"),
    ({"assistant_signed": "maybe"}, "assistant_signed",
     "'maybe' is not yes/no (yes, no, ja, nej, true, false, 1, 0)"),
    ({"supervisor_signed": "2"}, "supervisor_signed",
     "'2' is not yes/no (yes, no, ja, nej, true, false, 1, 0)"),
    ({"assistant_lives_in_eea": "kanske"}, "assistant_lives_in_eea",
     "'kanske' is not yes/no (yes, no, ja, nej, true, false, 1, 0)"),
    ({"assistant_capacity_to_work": "?"}, "assistant_capacity_to_work",
     "'?' is not yes/no (yes, no, ja, nej, true, false, 1, 0)"),
])
def test_row_errors_name_file_row_and_field(tmp_path, over, field, message):
    err = one_error(write_csv(tmp_path, [row(), row(**over)]))
    assert err == InputError("timereports.csv", 3, field, message)
    assert str(err) == f"timereports.csv row 3, field '{field}': {message}"


@pytest.mark.parametrize("field", ["assistant_pnr", "client_pnr"])
def test_invalid_pnr_is_named_but_never_repeated(tmp_path, field):
    bad = ASSISTANT[:-1] + str((int(ASSISTANT[-1]) + 1) % 10)   # wrong check digit
    err = one_error(write_csv(tmp_path, [row(**{field: bad})]))
    assert (err.file, err.row, err.field) == ("timereports.csv", 2, field)
    assert err.message == "not a valid personnummer or samordningsnummer (InvalidChecksum)"
    assert bad not in str(err) and bad[:8] not in str(err)


def test_a_personnummer_in_the_wrong_column_is_masked_in_the_message(tmp_path):
    err = one_error(write_csv(tmp_path, [row(date=f"{CLIENT[:8]}-{CLIENT[8:]}")]))
    assert str(err) == ("timereports.csv row 2, field 'date': "
                        f"'********-{CLIENT[8:]}' is not a date YYYY-MM-DD")
    assert CLIENT[:8] not in str(err)  # the birth date is hidden


def test_all_problems_are_collected(tmp_path):
    errs = errors_of(write_csv(tmp_path, [
        row(start="25:00", end="x"), row(), row(date="", kind="lunch")]))
    assert [(e.row, e.field) for e in errs] == [(2, "start"), (2, "end"), (4, "date"), (4, "kind")]
    with pytest.raises(InputErrors) as info:
        read_timereports(tmp_path / "timereports.csv")
    assert str(info.value).startswith("4 problems in the input:\n  timereports.csv row 2, field 'start'")


def test_xlsx_errors_name_file_row_and_field(tmp_path):
    path = write_xlsx(tmp_path, [row(), row(start="25:00")], typed=False)
    assert one_error(path) == InputError("timereports.xlsx", 3, "start", "'25:00' is not a time HH:MM")


def test_xlsx_datetime_in_a_time_cell_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(row().keys()))
    values = list(row().values())
    values[5] = datetime(2024, 5, 2, 8, 0)
    ws.append(values)
    wb.save(tmp_path / "t.xlsx")
    err = one_error(tmp_path / "t.xlsx")
    assert (err.file, err.row, err.field) == ("t.xlsx", 2, "start")
    assert err.message == "'2024-05-02 08:00:00' is a date and time, expected a time HH:MM"


def test_missing_required_column_is_named_in_the_header_row(tmp_path):
    cols = [c for c in row() if c != "decision_id"]
    err = one_error(write_csv(tmp_path, [row()], columns=cols))
    assert str(err) == "timereports.csv row 1, field 'decision_id': required column is missing"


def test_unknown_and_duplicate_columns_are_errors(tmp_path):
    path = tmp_path / "t.csv"
    header = ",".join(list(row().keys()) + ["supervisor_signd", "kind"])
    path.write_text(header + "\n", encoding="utf-8")
    errs = errors_of(path)
    assert [(e.row, e.field) for e in errs] == [(1, "supervisor_signd"), (1, "kind")]
    assert errs[0].message.startswith("unknown column; the columns are: assistant_pnr, ")
    assert errs[1].message == "column appears twice (columns 8 and 19)"


def test_value_without_header_is_an_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(",".join(row().keys()) + "\n" + ",".join(row().values()) + ",extra\n", encoding="utf-8")
    assert one_error(path) == InputError("t.csv", 2, None, "a value in column 18, which has no header")


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "t.csv"
    text = ",".join(row().keys()) + "\n" + ",".join(row(assistant_name="Testa Tëstsson").values()) + "\n"
    path.write_bytes(text.encode("cp1252"))
    err = one_error(path)
    assert (err.file, err.row, err.field) == ("t.csv", 2, None)
    assert "not UTF-8" in err.message


def test_empty_file_and_bad_workbook(tmp_path):
    (tmp_path / "e.csv").write_text("\n\n", encoding="utf-8")
    assert one_error(tmp_path / "e.csv") == InputError("e.csv", None, None, "the file is empty (no header row)")
    (tmp_path / "b.xlsx").write_bytes(b"not a zip")
    err = one_error(tmp_path / "b.xlsx")
    assert (err.file, err.row, err.field) == ("b.xlsx", None, None)
    assert err.message.startswith("not a readable Excel .xlsx workbook")


def test_inconsistent_assistant_name_names_both_rows(tmp_path):
    err = one_error(write_csv(tmp_path, [
        row(), row(date="2024-06-03", assistant_name="Annan Person"),
        row(date="2024-06-04", assistant_name="testa  TESTSSON")]))   # case/space: same name
    assert str(err) == ("timereports.csv row 3, field 'assistant_name': the assistant's name "
                        "differs from timereports.csv row 2")


def test_inconsistent_flags_across_files_name_both_rows(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder, [row(assistant_lives_in_eea="yes")], name="a.csv")
    write_csv(folder, [row(date="2024-07-01", assistant_lives_in_eea="no")], name="b.csv")
    err = one_error(folder)
    assert str(err) == ("b.csv row 2, field 'assistant_lives_in_eea': the assistant's "
                        "lives_in_eea flag differs from a.csv row 2")


@pytest.mark.parametrize("field, a, b", [
    ("assistant_signed", "yes", "no"), ("supervisor_signed", "ja", "nej"),
    ("calculation_period", "4 weeks", "1 week"), ("collective_agreement", "none", "Exempelavtal"),
])
def test_inconsistent_report_statements_name_both_rows(tmp_path, field, a, b):
    err = one_error(write_csv(tmp_path, [row(**{field: a}), row(date="2024-05-03", **{field: ""}),
                                         row(date="2024-05-04", **{field: b})]))
    assert (err.row, err.field) == (4, field)
    assert err.message.endswith("differs from timereports.csv row 2")


def test_report_statements_may_differ_between_months(tmp_path):
    reports = read_timereports(write_csv(tmp_path, [
        row(assistant_signed="yes"), row(date="2024-06-03", assistant_signed="no")]))
    assert [r.signatures.assistant for r in reports] == [True, False]


# --------------------------------------------------------------------------- folders

def test_folder_reads_all_tables_sorted_and_skips_lock_files(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    write_csv(folder, [row(date="2024-05-03")], name="b.csv")
    write_xlsx(folder, [row(date="2024-05-02")], name="a.xlsx")
    (folder / "~$a.xlsx").write_bytes(b"lock")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    [r] = read_timereports(folder)
    assert [s.source for s in r.shifts] == ["a.xlsx row 2", "b.csv row 2"]


def test_errors_from_several_files_are_collected(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    write_csv(folder, [row(start="x")], name="a.csv")
    write_csv(folder, [row(end="y")], name="b.csv")
    assert [str(e) for e in errors_of(folder)] == [
        "a.csv row 2, field 'start': 'x' is not a time HH:MM",
        "b.csv row 2, field 'end': 'y' is not a time HH:MM"]


def test_empty_folder_missing_path_and_wrong_suffix(tmp_path):
    (tmp_path / "empty").mkdir()
    assert str(one_error(tmp_path / "empty")) == "empty: the folder has no .csv or .xlsx file"
    assert str(one_error(tmp_path / "nope.csv")) == "nope.csv: no such file or folder"
    (tmp_path / "t.txt").write_text("x", encoding="utf-8")
    assert str(one_error(tmp_path / "t.txt")) == "t.txt: not a .csv or .xlsx file"


# -------------------------------------------------------------------------- decisions

DECISION_HEADER = ["decision_id", "client_pnr", "municipality", "kind", "valid_from", "valid_to",
                   "granted_hours", "granted_per"]


def test_reads_decisions_with_either_decimal_separator(tmp_path):
    path = write_csv(tmp_path, [
        decision(), decision(decision_id="D2", kind="tillfällig utökning", granted_hours="10.25",
                             granted_per="månad"),
        decision(decision_id="D3", kind="sjuklön", granted_hours="1 234", granted_per="period")],
        name="decisions.csv", delimiter=";")
    d1, d2, d3 = read_decisions(path)
    assert (d1.id, d1.client_pnr, d1.municipality, d1.kind, d1.granted_hours, d1.granted_per) == (
        "D1", CLIENT, "Exempelkommun", DecisionKind.BASE, Decimal("20.5"), GrantedPer.WEEK)
    assert (d1.valid_from, d1.valid_to) == (date(2024, 1, 1), date(2024, 12, 31))
    assert (d2.kind, d2.granted_hours, d2.granted_per) == (DecisionKind.EXTENSION, Decimal("10.25"), GrantedPer.MONTH)
    assert (d3.kind, d3.granted_hours, d3.granted_per) == (DecisionKind.SICKPAY, Decimal(1234), GrantedPer.PERIOD)


@pytest.mark.parametrize("over, field, message", [
    ({"kind": "other"}, "kind", "'other' is not a decision kind (base, extension, sickpay)"),
    ({"granted_per": "day"}, "granted_per", "'day' is not a unit (month, period, week)"),
    ({"granted_hours": "1.000,5"}, "granted_hours", "'1.000,5' mixes ',' and '.'; write one decimal separator only"),
    ({"granted_hours": "many"}, "granted_hours", "'many' is not a number"),
    ({"granted_hours": "-5"}, "granted_hours", "'-5' is negative"),
    ({"valid_from": "2024-13-01"}, "valid_from", "'2024-13-01' is not a date YYYY-MM-DD"),
    ({"valid_to": "2023-12-31"}, "valid_to", "2023-12-31 is before valid_from 2024-01-01"),
    ({"municipality": ""}, "municipality", "missing"),
    ({"client_pnr": "19800101-0000"}, "client_pnr",
     "not a valid personnummer or samordningsnummer (InvalidChecksum)"),
])
def test_decision_errors_name_file_row_and_field(tmp_path, over, field, message):
    path = write_csv(tmp_path, [decision(decision_id="D0"), decision(**over)], name="decisions.csv")
    assert one_error(path, read_decisions) == InputError("decisions.csv", 3, field, message)


def test_duplicate_decision_id_is_an_error(tmp_path):
    path = write_csv(tmp_path, [decision(), decision(decision_id="D2"), decision()], name="decisions.csv")
    assert str(one_error(path, read_decisions)) == (
        "decisions.csv row 4, field 'decision_id': decision 'D1' is already given on decisions.csv row 2")


def test_decisions_missing_column(tmp_path):
    path = write_csv(tmp_path, [decision()], name="decisions.csv", columns=DECISION_HEADER[:-1])
    assert str(one_error(path, read_decisions)) == (
        "decisions.csv row 1, field 'granted_per': required column is missing")


# --------------------------------------------------------------------------- provider

def provider_toml(tmp: Path, text: str) -> Path:
    path = tmp / "provider.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_PROVIDER = templates.provider_template_toml()


def test_provider_template_reads_back(tmp_path):
    p = read_provider(provider_toml(tmp_path, GOOD_PROVIDER))
    assert (p.name, p.org_nr, p.f_tax, p.bankgiro, p.vat_number, p.invoice_prefix) == (
        "Exempel Assistans AB", "5599990008", True, "9999996", None, "LSS-")
    assert (p.address.street, p.address.postal_code, p.address.city, p.address.country) == (
        "Exempelgatan 1", "123 45", "Exempelstad", "SE")
    assert (p.contact.name, p.contact.email) == ("Testa Testsson", "faktura@example.invalid")
    assert p.peppol_id == "0007:5599990008"


def test_provider_with_vat_plusgiro_iban(tmp_path):
    text = (GOOD_PROVIDER.replace('vat_number = ""', 'vat_number = "SE 559999-0008 01"')
            .replace('plusgiro = ""', 'plusgiro = "4711-8"')
            .replace('iban = ""', 'iban = "SE45 5000 0000 0583 9825 7466"')
            .replace('bic = ""', 'bic = "ESSESESS"').replace('postal_code = "123 45"', 'postal_code = "12345"'))
    p = read_provider(provider_toml(tmp_path, text))
    assert (p.vat_number, p.plusgiro, p.iban, p.bic, p.address.postal_code) == (
        "SE559999000801", "47118", "SE4550000000058398257466", "ESSESESS", "123 45")


@pytest.mark.parametrize("old, new, field, message", [
    ('org_nr = "559999-0008"', 'org_nr = "559999-0009"', "[provider] org_nr", "not a valid organisation number"),
    ('name = "Exempel Assistans AB"', 'name = ""', "[provider] name", "is empty"),
    ('f_tax = true', 'f_tax = "ja"', "[provider] f_tax", "must be true or false (without quotes)"),
    ('f_tax = true', '', "[provider] f_tax", "missing (true if approved for F-tax, else false)"),
    ('vat_number = ""', 'vat_number = "SE559999000802"', "[provider] vat_number",
     "not a valid Swedish VAT number (SE + organisation number + 01)"),
    ('bankgiro = "999-9996"', 'bankgiro = "999-9997"', "[provider] bankgiro",
     "not a bankgiro number (the check digit is wrong)"),
    ('bankgiro = "999-9996"', 'bankgiro = "99-96"', "[provider] bankgiro", "not a bankgiro number (7-8 digits)"),
    ('bankgiro = "999-9996"', 'bankgiro = ""', "[provider] bankgiro",
     "missing: give at least one of bankgiro, plusgiro or iban to be paid to"),
    ('iban = ""', 'iban = "SE00 1234"', "[provider] iban", "not a valid IBAN"),
    ('postal_code = "123 45"', 'postal_code = "1234"', "[address] postal_code",
     "not a Swedish postal code (five digits, NNN NN)"),
    ('city = "Exempelstad"', '', "[address] city", "missing"),
    ('street = "Exempelgatan 1"', 'street = 1', "[address] street", "must be a string in quotes"),
    ('country = "SE"', 'country = "Sverige"', "[address] country",
     "not an ISO 3166 two-letter country code (e.g. SE)"),
    ('email = "faktura@example.invalid"', 'email = "faktura"', "[contact] email", "not an e-mail address"),
    ('prefix = "LSS-"', 'prefix = "LSS 2024"', "[invoice] prefix",
     "use at most 20 letters A-Z, digits and - _ / . (no spaces)"),
    ('[address]', 'mobile = "1"\n[address]', "[provider] mobile",
     "unknown key; the keys are: name, org_nr, f_tax, vat_number, bankgiro, plusgiro, iban, bic"),
])
def test_provider_errors_name_table_and_key(tmp_path, old, new, field, message):
    assert old in GOOD_PROVIDER
    err = one_error(provider_toml(tmp_path, GOOD_PROVIDER.replace(old, new, 1)), read_provider)
    assert err == InputError("provider.toml", None, field, message)
    assert str(err) == f"provider.toml: {field}: {message}"


@pytest.mark.parametrize("key, module, value", [
    ("bankgiro", "bankgiro", "999-9996"), ("bankgiro", "bankgiro", "5551-2347"), ("bankgiro", "bankgiro", "5551-2348"),
    ("bankgiro", "bankgiro", "12345"), ("bankgiro", "bankgiro", "5551 2347"), ("bankgiro", "bankgiro", "555١2347"),
    ("plusgiro", "plusgiro", "4711-8"), ("plusgiro", "plusgiro", "4711-9"), ("plusgiro", "plusgiro", "1"),
    ("org_nr", "se_orgnr", "559999-0008"), ("org_nr", "se_orgnr", "16559999-0008"),
    ("org_nr", "se_orgnr", "559999-0009"),
    ("vat_number", "se_vat", "SE559999000801"), ("vat_number", "se_vat", "559999000801"),
    ("vat_number", "se_vat", "SE559999000901"),
])
def test_provider_identifiers_are_checked_by_peppol_identifiers(tmp_path, key, module, value):
    """One rule in one place: the profile takes exactly what :mod:`peppol.identifiers` takes,
    stored in its compact form."""
    from peppol import identifiers

    checker = getattr(identifiers, module)
    field = {"org_nr": 'org_nr = "559999-0008"', "bankgiro": 'bankgiro = "999-9996"',
             "plusgiro": 'plusgiro = ""', "vat_number": 'vat_number = ""'}[key]
    path = provider_toml(tmp_path, GOOD_PROVIDER.replace(field, f'{key} = "{value}"', 1))
    if checker.is_valid(value):
        assert getattr(read_provider(path), key) == checker.validate(value)
    else:
        assert one_error(path, read_provider).field == f"[provider] {key}"


def test_provider_path_missing_or_a_folder(tmp_path):
    assert str(one_error(tmp_path / "nope.toml", read_provider)) == "nope.toml: no such file"
    (tmp_path / "dir.toml").mkdir()
    assert str(one_error(tmp_path / "dir.toml", read_provider)) == "dir.toml: cannot be read (IsADirectoryError)"


def test_provider_missing_tables_and_invalid_toml(tmp_path):
    errs = errors_of(provider_toml(tmp_path, "[other]\nx = 1\n"), read_provider)
    assert [str(e) for e in errs] == [
        "provider.toml: [provider]: missing table",
        "provider.toml: [address]: missing table",
        "provider.toml: [contact]: missing table"]
    err = one_error(provider_toml(tmp_path, "[provider\n"), read_provider)
    assert (err.file, err.row, err.field) == ("provider.toml", None, None)
    assert err.message.startswith("not valid TOML: ") and "line 1" in err.message


# -------------------------------------------------------------------------- templates

def uncomment_csv(text: str) -> str:
    header, example, *_ = text.splitlines()
    return f"{header}\n{example.lstrip('#')}\n"


def test_timereport_csv_template_reads_back(tmp_path):
    text = templates.timereport_template_csv()
    header, example = text.splitlines()
    assert header.split(",") == list(TIMEREPORT_COLUMNS)
    assert example.startswith("#")
    (tmp_path / "t.csv").write_text(text, encoding="utf-8")
    assert read_timereports(tmp_path / "t.csv") == []
    (tmp_path / "t.csv").write_text(uncomment_csv(text), encoding="utf-8")
    [r] = read_timereports(tmp_path / "t.csv")
    assert (r.month, r.assistant.name, r.shifts[0].hours) == ("2024-05", "Testa Testsson", Decimal(8))


def test_timereport_xlsx_template_reads_back(tmp_path):
    data = templates.timereport_template_xlsx()
    (tmp_path / "t.xlsx").write_bytes(data)
    assert read_timereports(tmp_path / "t.xlsx") == []
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == list(TIMEREPORT_COLUMNS)
    assert all(c.font.bold for c in ws[1])
    assert ws.column_dimensions["A"].width >= 10
    info = wb["Instructions"]
    documented = [r[0] for r in info.iter_rows(min_row=2, values_only=True) if r[0]]
    assert documented == list(TIMEREPORT_COLUMNS)
    assert all(r[2] and r[3] for r in info.iter_rows(min_row=2, max_row=len(TIMEREPORT_COLUMNS) + 1,
                                                          values_only=True))
    ws["A2"] = ws["A2"].value.lstrip("#")
    wb.save(tmp_path / "t.xlsx")
    from_xlsx = read_timereports(tmp_path / "t.xlsx")
    (tmp_path / "t.csv").write_text(uncomment_csv(templates.timereport_template_csv()), encoding="utf-8")
    assert without_sources(from_xlsx) == without_sources(read_timereports(tmp_path / "t.csv"))
    assert len(from_xlsx) == 1


def test_decisions_templates_read_back(tmp_path):
    text = templates.decisions_template_csv()
    (tmp_path / "d.csv").write_text(text, encoding="utf-8")
    assert read_decisions(tmp_path / "d.csv") == []
    (tmp_path / "d.csv").write_text(uncomment_csv(text), encoding="utf-8")
    [d] = read_decisions(tmp_path / "d.csv")
    assert (d.id, d.granted_hours, d.granted_per) == ("EX-2024-001", Decimal("20.5"), GrantedPer.WEEK)
    wb = openpyxl.load_workbook(io.BytesIO(templates.decisions_template_xlsx()))
    wb.worksheets[0]["A2"] = wb.worksheets[0]["A2"].value.lstrip("#")
    wb.save(tmp_path / "d.xlsx")
    assert read_decisions(tmp_path / "d.xlsx") == [d]
