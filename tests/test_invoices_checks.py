"""Checks at the source (invoices.checks): each fires exactly when it should.

Synthetic personnummer only (valid Luhn check digit, fictional names).
"""
from __future__ import annotations

from datetime import date
from functools import partial

import pytest

from invoices.checks import (
    CODES,
    DEFAULT_LEVELS,
    CheckPolicy,
    SourceFinding,
    assistant_lacks_capacity,
    assistant_outside_eea,
    assistant_under_18,
    eighteenth_birthday,
    hours_beyond_decision,
    missing_active_waiting_split,
    missing_calculation_period,
    missing_collective_agreement_statement,
    overlapping_shifts,
    rest_violations,
    run_checks,
    unsigned_reports,
)
from invoices.model import Decision, GrantedPer, ShiftKind, TimeReport, mask_pnr

from . import factories
from .factories import ASSISTANT2_PNR as ASSISTANT2
from .factories import ASSISTANT_PNR as ASSISTANT
from .factories import CLIENT2_PNR as CLIENT2
from .factories import CLIENT_PNR as CLIENT
from .factories import assistant, synthetic_pnr

ALL_PNRS = (ASSISTANT, ASSISTANT2, CLIENT, CLIENT2)

# the builders of tests/factories.py, for people given by personnummer and one decision D1
shift = partial(factories.shift, who=ASSISTANT, client=CLIENT, decision="D1", source="t.csv row 2")
report = partial(factories.report, who=ASSISTANT, client=CLIENT, period="4 weeks")
decision = partial(factories.decision, id="D1", client=CLIENT, municipality="Exempelkommun", hours="40",
                   per=GrantedPer.WEEK, valid_from="2024-01-01", valid_to="2024-12-31")


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def assert_no_pnr(findings):
    for f in findings:
        text = f"{f} {f.assistant} {f.client} {f.where}"
        for pnr in ALL_PNRS:
            assert pnr not in text and pnr[2:] not in text


def clean_month() -> list[TimeReport]:
    """May 2024: two assistants, one client, 8 h weekdays, signed, all statements."""
    a = [shift(f"2024-05-{d:02d}", "08:00", "16:00", source=f"a.csv row {d}") for d in (6, 7, 8)]
    b = [shift(f"2024-05-{d:02d}", "16:00", "22:00", who=ASSISTANT2, kind=ShiftKind.WAITING,
               source=f"b.csv row {d}") for d in (6, 7)]
    return [report(*a), report(*b, who=assistant(ASSISTANT2, "Prova Provsson"))]


# ---------------------------------------------------------------------------- clean data

def test_clean_data_has_no_findings():
    assert run_checks(clean_month(), [decision()]) == []


def test_every_code_has_a_default_level():
    assert set(DEFAULT_LEVELS) == set(CODES)
    assert DEFAULT_LEVELS["LSS-SRC-031"] == "warning"
    assert {c for c, lvl in DEFAULT_LEVELS.items() if lvl == "warning"} == {
        "LSS-SRC-031", "LSS-SRC-040", "LSS-SRC-041", "LSS-SRC-042", "LSS-SRC-050", "LSS-SRC-051"}


# ------------------------------------------------------------------------- decisions

def test_week_limit_counts_all_assistants_and_fires_only_above():
    # 24 h + 12 h = 36 h in ISO week 19; granted 36 h: fine; 35.5 h: 0.5 h beyond
    reports = clean_month()
    assert hours_beyond_decision(reports, [decision(hours="36")]) == []
    [f] = hours_beyond_decision(reports, [decision(hours="35.5")])
    assert (f.code, f.severity, f.client, f.assistant) == ("LSS-SRC-001", "error", mask_pnr(CLIENT), "")
    assert f.message == ("decision 'D1': 36.00 h billed in ISO week 2024-W19 (2024-05-06–2024-05-12), "
                         "granted 35.5 h per week; 0.50 h beyond the decision")
    assert f.where == "a.csv row 6; a.csv row 7; a.csv row 8; b.csv row 6; b.csv row 7"
    assert_no_pnr([f])


def test_week_straddling_two_months_is_named():
    shifts = [shift("2024-04-29", "08:00", "20:00"), shift("2024-04-30", "08:00", "20:00"),
              shift("2024-05-01", "08:00", "20:00", source="t.csv row 9")]
    reports = [report(*shifts[:2]), report(shifts[2])]
    [f] = hours_beyond_decision(reports, [decision(hours="30")])
    assert f.message == (
        "decision 'D1': 36.00 h billed in ISO week 2024-W18 (2024-04-29–2024-05-05) (the week "
        "straddles two months; only the shifts in the data given count), granted 30 h per week; "
        "6.00 h beyond the decision")
    # only April's shifts given: 24 h in the week, within 30 h
    assert hours_beyond_decision([reports[0]], [decision(hours="30")]) == []


def test_shift_crossing_into_a_new_week_is_split_at_monday_midnight():
    # Sunday 2024-05-12 16:00 -> Monday 04:00: 8 h in W19, 4 h in W20
    reports = [report(shift("2024-05-12", "16:00", "04:00"), shift("2024-05-13", "08:00", "12:00"))]
    assert hours_beyond_decision(reports, [decision(hours="8")]) == []
    w19, w20 = hours_beyond_decision(reports, [decision(hours="7.5")])
    assert "8.00 h billed in ISO week 2024-W19 " in w19.message
    assert "8.00 h billed in ISO week 2024-W20 " in w20.message


def test_dst_week_counts_real_hours():
    # 2024-03-31 00:00-00:00 is 23 h: within a 23 h/week grant
    reports = [report(shift("2024-03-31", "00:00", "00:00"))]
    assert hours_beyond_decision(reports, [decision(hours="23")]) == []
    reports = [report(shift("2024-10-27", "00:00", "00:00"))]
    [f] = hours_beyond_decision(reports, [decision(hours="24.5")])
    assert "25.00 h billed" in f.message


def test_month_and_period_limits():
    reports = clean_month()   # 36 h in May
    assert hours_beyond_decision(reports, [decision(hours="36", per=GrantedPer.MONTH)]) == []
    [f] = hours_beyond_decision(reports, [decision(hours="35", per=GrantedPer.MONTH)])
    assert f.message.startswith("decision 'D1': 36.00 h billed in calendar month 2024-05, granted 35 h per month")
    june = [report(shift("2024-06-03", "08:00", "18:00"))]
    assert hours_beyond_decision(reports + june, [decision(hours="46", per=GrantedPer.PERIOD)]) == []
    [f] = hours_beyond_decision(reports + june, [decision(hours="45.75", per=GrantedPer.PERIOD)])
    assert f.message == ("decision 'D1': 46.00 h billed in the decision period, granted 45.75 h "
                         "per period; 0.25 h beyond the decision")


def test_kinds_parameter_limits_the_counted_time():
    reports = clean_month()   # 24 h active, 12 h waiting
    assert hours_beyond_decision(reports, [decision(hours="24")], kinds=[ShiftKind.ACTIVE]) == []
    assert codes(hours_beyond_decision(reports, [decision(hours="24")])) == ["LSS-SRC-001"]


def test_shift_outside_the_decision_period():
    reports = [report(shift("2024-05-31", "22:00", "06:00", source="t.csv row 5"),
                      shift("2024-05-30", "08:00", "16:00"))]
    findings = hours_beyond_decision(reports, [decision(valid_to="2024-05-31")])
    [f] = findings
    assert (f.code, f.where, f.assistant, f.client) == (
        "LSS-SRC-002", "t.csv row 5", mask_pnr(ASSISTANT), mask_pnr(CLIENT))
    assert f.message == ("shift 2024-05-31 22:00–2024-06-01 06:00: 6.00 h outside decision 'D1''s "
                         "period 2024-01-01–2024-05-31")
    # a shift wholly before the period, and one ending exactly at its end
    reports = [report(shift("2023-12-31", "08:00", "10:00"), shift("2024-01-01", "22:00", "00:00"))]
    assert codes(hours_beyond_decision(reports, [decision(valid_to="2024-01-01")])) == ["LSS-SRC-002"]


def test_hours_outside_the_period_are_not_counted_against_it():
    reports = [report(shift("2024-05-31", "14:00", "06:00"))]   # 10 h inside, 6 h outside
    assert codes(hours_beyond_decision(reports, [decision(hours="10", valid_to="2024-05-31")])) == [
        "LSS-SRC-002"]


def test_unknown_decision_and_decision_for_another_client():
    reports = [report(shift("2024-05-06", "08:00", "16:00", decision="NOPE", source="t.csv row 3"),
                      shift("2024-05-07", "08:00", "16:00", decision="D2", source="t.csv row 4"))]
    findings = hours_beyond_decision(reports, [decision(), decision(id="D2", client=CLIENT2, hours="1")])
    assert [(f.code, f.where) for f in findings] == [("LSS-SRC-003", "t.csv row 3"), ("LSS-SRC-004", "t.csv row 4")]
    assert findings[0].message == ("shift 2024-05-06 08:00–16:00 names decision 'NOPE', which is not "
                                   "among the decisions given")
    assert findings[1].message == (f"shift 2024-05-07 08:00–16:00 names decision 'D2', which was granted "
                                   f"to client {mask_pnr(CLIENT2)}, not to this shift's client {mask_pnr(CLIENT)}")
    assert_no_pnr(findings)


# ------------------------------------------------------------------------ the assistant

YOUNG = synthetic_pnr("20060510", "321")      # turns 18 on 2024-05-10


@pytest.mark.parametrize("day, when", [("2024-05-09", "1 day"), ("2024-05-10", None), ("2024-05-11", None),
                                       ("2023-12-01", "161 days")])
def test_under_18_boundary_is_the_birthday(day, when):
    r = report(shift(day, "08:00", "12:00", who=YOUNG), who=YOUNG)
    findings = assistant_under_18([r])
    assert codes(findings) == (["LSS-SRC-010"] if when else [])
    if when:
        # the birthday relative to the shift, never the date of birth (personal data)
        assert findings[0].message == (f"shift {day} 08:00–12:00 by an assistant who turns 18 {when} after "
                                       "this shift: not a cost of personal assistance (9 d § 1 LSS)")
        assert findings[0].assistant == "********-" + YOUNG[-4:]
        assert YOUNG not in str(findings[0])
        assert "2024-05-10" not in str(findings[0]) and "2006-05-10" not in str(findings[0])


def test_night_shift_into_the_18th_birthday_still_fires():
    r = report(shift("2024-05-09", "22:00", "06:00", who=YOUNG), who=YOUNG)
    findings = assistant_under_18([r])
    assert codes(findings) == ["LSS-SRC-010"]
    assert "turns 18 1 day after this shift" in findings[0].message


def test_leap_day_birthday_turns_18_on_1_march_in_a_common_year():
    assert eighteenth_birthday(synthetic_pnr("20040229", "111")) == date(2022, 3, 1)
    assert eighteenth_birthday(synthetic_pnr("20060228", "111")) == date(2024, 2, 28)


def test_samordningsnummer_birth_day_is_day_minus_60():
    samordning = synthetic_pnr("20060570", "321")   # born 2006-05-10
    r = report(shift("2024-05-09", "08:00", "12:00", who=samordning), who=samordning)
    findings = assistant_under_18([r])
    assert codes(findings) == ["LSS-SRC-010"]
    assert "turns 18 1 day after this shift" in findings[0].message


def test_register_flags():
    clean = clean_month()
    assert assistant_outside_eea(clean) == [] and assistant_lacks_capacity(clean) == []
    r = report(shift("2024-05-06", "08:00", "16:00"), shift("2024-05-07", "08:00", "10:00", source="t.csv row 3"),
               who=assistant(ASSISTANT, eea=False, capacity=False))
    [eea] = assistant_outside_eea([r])
    [cap] = assistant_lacks_capacity([r])
    assert (eea.code, eea.severity, eea.where) == ("LSS-SRC-011", "error", "t.csv row 2; t.csv row 3")
    assert eea.message == ("time report 2024-05: the assistant lives outside the EEA; the 10.00 h are "
                           "not a cost of personal assistance (9 d § 2 LSS)")
    assert (cap.code, cap.severity) == ("LSS-SRC-012", "error")
    assert "9 d § 3 LSS" in cap.message
    assert_no_pnr([eea, cap])


# ---------------------------------------------------------------------------- overlaps

def test_overlap_across_clients_and_reports():
    r1 = report(shift("2024-05-06", "08:00", "16:00", source="a.csv row 2"))
    r2 = report(shift("2024-05-06", "15:00", "20:00", client=CLIENT2, decision="D2", source="b.csv row 2"),
                client=CLIENT2)
    [f] = overlapping_shifts([r1, r2])
    assert (f.code, f.severity, f.where, f.assistant, f.client) == (
        "LSS-SRC-020", "error", "a.csv row 2; b.csv row 2", mask_pnr(ASSISTANT), mask_pnr(CLIENT2))
    assert f.message == (f"shift 2024-05-06 15:00–20:00 overlaps shift 2024-05-06 08:00–16:00 (client "
                         f"{mask_pnr(CLIENT)}) of the same assistant by 1.00 h")


def test_touching_shifts_and_other_assistants_do_not_overlap():
    r1 = report(shift("2024-05-06", "08:00", "16:00"), shift("2024-05-06", "16:00", "22:00"),
                shift("2024-05-06", "22:00", "08:00"))
    r2 = report(shift("2024-05-06", "08:00", "16:00", who=ASSISTANT2), who=ASSISTANT2)
    assert overlapping_shifts([r1, r2]) == []
    # the autumn repeated hour: a hand-over at 02:30 (first occurrence) stays contiguous
    r3 = report(shift("2024-10-26", "22:00", "02:30"), shift("2024-10-27", "02:30", "07:00"))
    assert overlapping_shifts([r3]) == []


def test_duplicate_and_nested_shifts_overlap():
    r = report(shift("2024-05-06", "08:00", "16:00", source="t.csv row 2"),
               shift("2024-05-06", "08:00", "16:00", source="t.csv row 3"),
               shift("2024-05-06", "10:00", "11:00", source="t.csv row 4"))
    findings = overlapping_shifts([r])
    assert [(f.where, f.message.split(" by ")[-1]) for f in findings] == [
        ("t.csv row 2; t.csv row 3", "8.00 h"), ("t.csv row 2; t.csv row 4", "1.00 h"),
        ("t.csv row 3; t.csv row 4", "1.00 h")]


# --------------------------------------------------------------------------- signatures

@pytest.mark.parametrize("signed, expected", [
    ((True, True), []), ((False, True), ["LSS-SRC-030"]), ((True, False), ["LSS-SRC-031"]),
    ((False, False), ["LSS-SRC-030", "LSS-SRC-031"])])
def test_signatures(signed, expected):
    findings = unsigned_reports([report(shift("2024-05-06", "08:00", "16:00"), signed=signed)])
    assert codes(findings) == expected
    assert [f.severity for f in findings] == [DEFAULT_LEVELS[c] for c in expected]


def test_signature_messages():
    [a, s] = unsigned_reports([report(shift("2024-05-06", "08:00", "16:00"), signed=(False, False))])
    assert str(a) == "ERROR LSS-SRC-030: time report 2024-05 is not signed by the assistant (t.csv row 2)"
    assert str(s) == ("WARNING LSS-SRC-031: time report 2024-05 is not signed by the supervisor or ombud "
                      "(t.csv row 2)")


# ------------------------------------------------------------------------- statements

def test_statements():
    s = shift("2024-05-06", "08:00", "16:00")
    assert missing_active_waiting_split([report(s)]) == []
    assert codes(missing_active_waiting_split([report(s, kind_stated=False)])) == ["LSS-SRC-040"]
    assert missing_calculation_period([report(s)]) == []
    assert codes(missing_calculation_period([report(s, period=None)])) == ["LSS-SRC-041"]
    assert codes(missing_calculation_period([report(s, period="  ")])) == ["LSS-SRC-041"]
    assert missing_collective_agreement_statement([report(s)]) == []
    [f] = missing_collective_agreement_statement([report(s, agreement_stated=False)])
    assert (f.code, f.severity) == ("LSS-SRC-042", "warning")
    assert f.message == ("time report 2024-05 does not state whether a collective agreement covers the "
                         "assistant (write the agreement, or 'none')")


def test_reports_from_the_reader_feed_the_statement_checks(tmp_path):
    from invoices.inputs import read_timereports
    path = tmp_path / "legacy.csv"
    path.write_text("assistant_pnr,assistant_name,client_pnr,client_name,date,start,end,decision_id\n"
                    f"{ASSISTANT},Testa Testsson,{CLIENT},Klienta Klientsson,2024-05-06,08:00,16:00,D1\n",
                    encoding="utf-8")
    findings = run_checks(read_timereports(path), [decision()])
    assert [(f.code, f.severity) for f in findings] == [
        ("LSS-SRC-030", "error"), ("LSS-SRC-031", "warning"), ("LSS-SRC-040", "warning"),
        ("LSS-SRC-041", "warning"), ("LSS-SRC-042", "warning")]
    assert all(f.where == "legacy.csv row 2" for f in findings)
    assert_no_pnr(findings)


# ------------------------------------------------------------------------------ policy

def dirty() -> tuple[list[TimeReport], list[Decision]]:
    young = report(shift("2024-05-09", "08:00", "12:00", who=YOUNG), who=YOUNG, signed=(True, False))
    return [young], [decision()]


def test_run_checks_with_default_policy():
    findings = run_checks(*dirty())
    assert [(f.code, f.severity) for f in findings] == [("LSS-SRC-010", "error"), ("LSS-SRC-031", "warning")]
    assert all(isinstance(f, SourceFinding) for f in findings)


def test_policy_turns_an_error_into_a_warning_or_off():
    policy = CheckPolicy({"LSS-SRC-010": "warning", "LSS-SRC-031": "off"})
    assert [(f.code, f.severity) for f in run_checks(*dirty(), policy)] == [("LSS-SRC-010", "warning")]
    assert run_checks(*dirty(), policy.with_levels({"LSS-SRC-010": "off"})) == []
    stricter = CheckPolicy({"LSS-SRC-031": "ERROR"})
    assert [(f.code, f.severity) for f in run_checks(*dirty(), stricter)] == [
        ("LSS-SRC-010", "error"), ("LSS-SRC-031", "error")]
    assert stricter.levels()["LSS-SRC-031"] == "error" and stricter.level("LSS-SRC-001") == "error"


def test_policy_off_for_all_decision_codes_skips_the_decision_check():
    reports, _ = dirty()
    off = CheckPolicy({c: "off" for c in ("LSS-SRC-001", "LSS-SRC-002", "LSS-SRC-003", "LSS-SRC-004")})
    assert codes(run_checks(reports, [], off)) == ["LSS-SRC-010", "LSS-SRC-031"]
    assert codes(run_checks(reports, [])) == ["LSS-SRC-003", "LSS-SRC-010", "LSS-SRC-031"]


@pytest.mark.parametrize("overrides, message", [
    ({"LSS-SRC-999": "off"}, "unknown check code 'LSS-SRC-999'"),
    ({"LSS-SRC-010": "fatal"}, "LSS-SRC-010: level must be one of error, warning, off, not 'fatal'"),
])
def test_policy_refuses_unknown_codes_and_levels(overrides, message):
    with pytest.raises(ValueError, match=message):
        CheckPolicy(overrides)


def test_all_checks_on_dirty_data_fire_once_each():
    young = report(shift("2024-05-09", "08:00", "20:00", who=YOUNG),
                   shift("2024-05-09", "19:00", "21:00", who=YOUNG, decision="X"),
                   who=assistant(YOUNG, eea=False, capacity=False), signed=(False, False), period=None,
                   agreement_stated=False, kind_stated=False)
    other = report(shift("2025-01-02", "08:00", "10:00", decision="D2"))
    decisions = [decision(hours="10"), decision(id="D2", client=CLIENT2)]
    findings = run_checks([young, other], decisions)
    assert codes(findings) == [
        "LSS-SRC-001", "LSS-SRC-003", "LSS-SRC-004", "LSS-SRC-010", "LSS-SRC-010", "LSS-SRC-011",
        "LSS-SRC-012", "LSS-SRC-020", "LSS-SRC-030", "LSS-SRC-031", "LSS-SRC-040", "LSS-SRC-041",
        "LSS-SRC-042"]
    assert_no_pnr(findings)
    out_of_period = run_checks([report(shift("2025-01-02", "08:00", "10:00"))], [decision()])
    assert codes(out_of_period) == ["LSS-SRC-002"]


# ------------------------------------------------------------------------------ rest (050-051)

def test_daily_rest_of_eleven_hours_is_enough_and_ten_is_not():
    ok = report(shift("2024-05-06", "08:00", "21:00", source="r2"), shift("2024-05-07", "08:00", "16:00", source="r3"))
    assert rest_violations([ok]) == []  # 21:00 to 08:00 is 11 h
    short = report(shift("2024-05-06", "08:00", "22:00", source="r2"), shift("2024-05-07", "08:00", "16:00", source="r3"))
    (finding,) = rest_violations([short])
    assert (finding.code, finding.severity, finding.where) == ("LSS-SRC-050", "warning", "r2; r3")
    assert finding.message.startswith("daily rest: in the 24 h from 2024-05-06 08:00 the longest time without work "
                                      "is 10.00 h (at least 11.00 h, arbetstidslagen 13 §")
    assert finding.assistant == mask_pnr(ASSISTANT)


def test_split_shifts_rest_after_the_second_part():
    # 06-10 and 14-18: the 4 h between is not the daily rest, 18:00 to 06:00 (12 h) is.
    days = [shift(f"2024-05-{d:02d}", a, b) for d in (6, 7) for a, b in (("06:00", "10:00"), ("14:00", "18:00"))]
    assert rest_violations([report(*days)]) == []


def test_rest_counts_every_client_and_waiting_and_on_call_but_not_standby():
    day = shift("2024-05-06", "08:00", "16:00", client=CLIENT)
    night_elsewhere = shift("2024-05-06", "22:00", "06:00", client=CLIENT2, kind=ShiftKind.WAITING, source="other")
    findings = rest_violations([report(day), report(night_elsewhere, client=CLIENT2)])
    assert codes(findings) == ["LSS-SRC-050"]  # 6 h + 2 h: the two clients' work together
    on_call = shift("2024-05-06", "16:00", "22:00", kind=ShiftKind.ON_CALL)
    next_morning = shift("2024-05-07", "07:00", "12:00")
    assert codes(rest_violations([report(day, on_call, next_morning)])) == ["LSS-SRC-050"]  # 22-07: 9 h
    standby = shift("2024-05-06", "16:00", "22:00", kind=ShiftKind.STANDBY)
    assert rest_violations([report(day, standby, next_morning)]) == []  # 16-07: 15 h


def test_weekly_rest_of_36_hours_in_every_seven_days():
    # Monday to Friday 08-16, then Monday again: 64 h off over the weekend.
    weeks = [shift(f"2024-05-{d:02d}", "08:00", "16:00", source=f"row {d}") for d in (6, 7, 8, 9, 10, 13, 14)]
    assert rest_violations([report(*weeks)]) == []
    # Every day from the 6th to the 19th: no 36 h off in any 7 days; the failing periods, one after
    # the other, are one finding.
    every_day = [shift(f"2024-05-{d:02d}", "08:00", "16:00", source=f"row {d}") for d in range(6, 20)]
    (finding,) = rest_violations([report(*every_day)])
    assert finding.code == "LSS-SRC-051"
    assert finding.message.startswith("weekly rest: in the 7 days starting 2024-05-06 08:00 … 2024-05-13 08:00 "
                                      "the longest time without work is 16.00 h (at least 36.00 h")
    assert finding.where.startswith("row 6; row 7") and finding.where.endswith("and 9 more")


def test_a_stated_collective_agreement_is_named_in_the_finding():
    short = report(shift("2024-05-06", "08:00", "22:00"), shift("2024-05-07", "06:00", "12:00"))
    covered = short.model_copy(update={"collective_agreement": "Exempelavtalet"})
    (finding,) = rest_violations([covered])
    assert finding.message.endswith("the collective agreement 'Exempelavtalet' may allow it: check it does")
    strict = run_checks([covered], [decision()], CheckPolicy({"LSS-SRC-050": "error"}))
    assert [(f.code, f.severity) for f in strict] == [("LSS-SRC-050", "error")]
