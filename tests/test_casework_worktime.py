"""9 d § 4 LSS, working time over all of an assistant's shifts (invoices.casework.worktime):
hand-computed scenarios, hours and amounts to the öre."""
from __future__ import annotations

from decimal import Decimal

from invoices.agreements import AverageWeek, Ordinary, Overtime, Profile, load_profiles

from invoices.casework.worktime import CHECKS

from .casework_factory import Case, codes, finding

ATL = load_profiles(use_env=False)


def _profile(**limits) -> dict[str, Profile]:
    return {**ATL, "test": Profile(name="test", title="test profile", source="tests", **limits)}


def test_daily_rest_cut_from_the_start_of_the_work_that_broke_it():
    case = Case()
    anna = case.assistant()
    case.invoice(1, payable="7982.40")
    case.line(1, "1", "D1", "active", 2024, "24", "332.60", "7982.40")
    case.shift(anna, "2024-03-04 08:00", "2024-03-04 16:00")
    night = case.shift(anna, "2024-03-04 22:00", "2024-03-05 06:00")
    evening = case.shift(anna, "2024-03-05 14:00", "2024-03-05 22:00")
    result = case.run(checks=CHECKS)
    inv = result.invoice("F1")
    # The 24 h from Mon 08:00: rests 16-22 (6 h) and 06-08 (2 h, to the period's end): 5 h short,
    # taken from the night shift's start: 22:00-03:00 = 5 h × 332.60 = 1663.00.
    # The 24 h from Mon 22:00: longest rest 06-14 (8 h): 3 h short, from 14:00: 14-17 = 997.80.
    assert codes(result, "F1") == ["LSS-CASE-061", "LSS-CASE-061"]
    assert [(f.hours, f.amount) for f in inv.findings] == [(Decimal("5.00"), Decimal("1663.00")),
                                                          (Decimal("3.00"), Decimal("997.80"))]
    assert [(c[1], c[4]) for c in result.cuts] == [(night, 5 * 3600), (evening, 3 * 3600)]
    assert (inv.invoiced, inv.disputed, inv.reimbursable) == (Decimal("7982.40"), Decimal("2660.80"),
                                                              Decimal("5321.60"))
    assert all("********-" in f.message and anna not in f.message for f in inv.findings)


def test_weekly_rest_in_the_calendar_week():
    case = Case()
    bo = case.assistant()
    case.invoice(1, payable="25452.00")
    case.line(1, "1", "D1", "active", 2024, "84", "303", "25452.00")
    for day in range(4, 11):  # Monday 4 to Sunday 10 March, 08-20 every day
        case.shift(bo, f"2024-03-{day:02d} 08:00", f"2024-03-{day:02d} 20:00")
    result = case.run(checks=CHECKS)
    # Longest rest in week 10: Mon 20:00 - Tue 08:00 (12 h; the first of the equal ones).
    # 36 h needed from Mon 20:00, to Wed 08:00: Tuesday's 12 h of work are cut: 12 × 303 = 3636.00.
    f = finding(result, "F1", "LSS-CASE-062")
    assert (f.hours, f.amount, f.basis) == (Decimal("12.00"), Decimal("3636.00"), "arbetstidslagen 14 §")
    assert codes(result, "F1") == ["LSS-CASE-062"]
    assert result.invoice("F1").reimbursable == Decimal("21816.00")


def test_agreement_stretch_and_daily_rest_cut_no_hour_twice():
    case = Case()
    eva = case.assistant(regime="exempelavtalet")
    case.invoice(1, payable="7272.00")
    case.line(1, "1", "D1", "active", 2024, "24", "303", "7272.00")
    case.shift(eva, "2024-03-06 08:00", "2024-03-07 08:00")
    result = case.run(checks=CHECKS)
    # Stretch: 20 h allowed, 04:00-08:00 cut (4 h, precedence first). Daily rest (9 h minimum in
    # the example agreement): no rest in the 24 h: the last 9 h, 23:00-08:00, of which 04-08 is
    # the stretch finding's already: 5 h. 4 × 303 = 1212.00; 5 × 303 = 1515.00.
    stretch, rest = finding(result, "F1", "LSS-CASE-060"), finding(result, "F1", "LSS-CASE-061")
    assert (stretch.hours, stretch.amount) == (Decimal("4.00"), Decimal("1212.00"))
    assert (rest.hours, rest.amount) == (Decimal("5.00"), Decimal("1515.00"))
    assert result.invoice("F1").disputed == Decimal("2727.00")


def test_on_call_past_50_hours_a_month_in_time_order():
    case = Case()
    cid = case.assistant()
    case.invoice(1, payable="6000.00")
    case.line(1, "1", "D1", "on_call", 2024, "60", "100", "6000.00")
    nights = [4, 6, 8, 11, 13, 15]  # Mon, Wed, Fri of two weeks: 22:00-08:00, 10 h each
    ids = [case.shift(cid, f"2024-03-{d:02d} 22:00", f"2024-03-{d + 1:02d} 08:00", kind="on_call") for d in nights]
    result = case.run(checks=CHECKS)
    # 60 h of on-call in March; 50 h allowed: the sixth night (10 h) is cut: 10 × 100 = 1000.00.
    f = finding(result, "F1", "LSS-CASE-063")
    assert (f.hours, f.amount) == (Decimal("10.00"), Decimal("1000.00"))
    # cut at local midnight into the day pieces the limit is counted in: two stretches, 10 h
    assert {c[1] for c in result.cuts} == {ids[-1]} and sum(c[4] for c in result.cuts) == 36000


def test_average_of_48_hours_over_a_block_of_four_months():
    case = Case()
    profiles = _profile(average_week=AverageWeek(hours=Decimal(48), months=4, basis="test 10 b"))
    dan = case.assistant(regime="test")
    case.invoice(1, period="2024-01")
    case.invoice(2, period="2024-02")
    case.invoice(3, payable="36360.00")
    case.line(3, "1", "D1", "active", 2024, "120", "303", "36360.00")
    for month, days, inv in ((1, 31, 1), (2, 29, 2), (3, 10, 3)):
        for day in range(1, days + 1):
            case.shift(dan, f"2024-{month:02d}-{day:02d} 08:00", f"2024-{month:02d}-{day:02d} 20:00", invoice=inv)
    result = case.run(checks=CHECKS, profiles=profiles)
    # Block January-April 2024: 121 days; 48 h × 121 / 7 = 829 h 42 min 51.43 s -> 2 986 971 s.
    # 69 days × 12 h = 828 h by 9 March; on 10 March the limit is reached at 09:42:51:
    # 09:42:51-20:00 is cut = 37 029 s = 10.2858 h -> 10.29 h × 303 = 3117.87.
    f = finding(result, "F3", "LSS-CASE-065")
    assert (f.seconds, f.hours, f.amount) == (37029, Decimal("10.29"), Decimal("3117.87"))


def test_overtime_past_general_overtime_a_month_with_no_extra_overtime():
    case = Case()
    profiles = _profile(
        ordinary=Ordinary(hours_per_week=Decimal(40), max_calculation_weeks=4, basis="test 5"),
        overtime=Overtime(general_per_month=Decimal(50), general_per_year=Decimal(200), basis="test 7"))
    fia = case.assistant(regime="test", calc_weeks=1)
    case.invoice(1, payable="135744.00")
    case.line(1, "1", "D1", "active", 2024, "448", "303", "135744.00")
    for day in range(4, 32):  # the four weeks from Monday 4 March, 8 h a day (31 March: 23 h day, still 8 h)
        case.shift(fia, f"2024-03-{day:02d} 08:00", f"2024-03-{day:02d} 16:00")
    result = case.run(checks=CHECKS, profiles=profiles)
    # Each week 56 h: 16 h overtime (Saturday and Sunday). March: 64 h of overtime, 50 h general,
    # 14 h past it and no extra overtime: the last 14 h in time order: Sat 30 March 10:00-16:00 (6 h)
    # and Sun 31 March 08:00-16:00 (8 h). 14 × 303 = 4242.00.
    f = finding(result, "F1", "LSS-CASE-064")
    assert (f.hours, f.amount) == (Decimal("14.00"), Decimal("4242.00"))


def test_daily_rest_across_both_dst_nights():
    case = Case()
    gus = case.assistant()
    case.invoice(1, period="2024-03", payable="4852.00")
    case.line(1, "1", "D1", "active", 2024, "16", "303.25", "4852.00")
    case.invoice(2, period="2024-10", payable="4852.00")
    case.line(2, "1", "D1", "active", 2024, "16", "303.25", "4852.00")
    case.shift(gus, "2024-03-30 14:00", "2024-03-30 22:00")
    case.shift(gus, "2024-03-31 08:00", "2024-03-31 16:00")
    case.shift(gus, "2024-10-26 14:00", "2024-10-26 22:00", invoice=2)
    case.shift(gus, "2024-10-27 07:00", "2024-10-27 15:00", invoice=2)
    spring = case.run("2024-03", checks=CHECKS)
    autumn = case.run("2024-10", checks=CHECKS)
    # 30-31 March: 22:00 CET to 08:00 CEST is 9 real hours: 2 h short: 08:00-10:00, 2 × 303.25 = 606.50.
    # 26-27 October: 22:00 CEST to 07:00 CET is 10 real hours: 1 h short: 07:00-08:00 = 303.25.
    s, a = finding(spring, "F1", "LSS-CASE-061"), finding(autumn, "F2", "LSS-CASE-061")
    assert (s.hours, s.amount, a.hours, a.amount) == (Decimal("2.00"), Decimal("606.50"), Decimal("1.00"),
                                                      Decimal("303.25"))


def test_rest_across_a_year_boundary_and_another_clients_work_counts():
    case = Case()
    ida = case.assistant()
    case.invoice(1, period="2024-12", seller="0007:5599011235")
    case.invoice(2, period="2025-01", seller="0007:5590000001", payable="2400.00")
    case.line(2, "1", "D2", "active", 2025, "8", "300", "2400.00")
    case.shift(ida, "2024-12-31 14:00", "2024-12-31 23:00", invoice=1, client="C1")
    late = case.shift(ida, "2025-01-01 06:00", "2025-01-01 14:00", invoice=2, client="C2", decision="D2")
    result = case.run("2025-01", checks=CHECKS)
    # The rest from 23:00 on New Year's Eve (another client, another provider) to 06:00 is 7 h:
    # 4 h short, cut 06:00-10:00 on the January invoice: 4 × 300 = 1200.00.
    f = finding(result, "F2", "LSS-CASE-061")
    assert (f.hours, f.amount) == (Decimal("4.00"), Decimal("1200.00"))
    assert [c[1] for c in result.cuts] == [late]


def test_rest_rules_as_warnings_cut_nothing():
    case = Case()
    profiles = {**ATL, "atl": ATL["atl"].model_copy(update={
        "daily_rest": ATL["atl"].daily_rest.model_copy(update={"cut": False})})}
    jon = case.assistant()
    case.invoice(1, payable="4848.00")
    case.line(1, "1", "D1", "active", 2024, "16", "303", "4848.00")
    case.shift(jon, "2024-03-04 08:00", "2024-03-04 16:00")
    case.shift(jon, "2024-03-04 22:00", "2024-03-05 06:00")
    result = case.run(checks=CHECKS, profiles=profiles)
    f = finding(result, "F1", "LSS-CASE-061")
    assert (f.severity, f.hours, f.amount) == ("warning", Decimal("0.00"), Decimal("0"))
    assert result.invoice("F1").disputed == Decimal("0")


def test_work_before_the_month_counts_once_however_often_it_was_billed():
    case = Case()
    profiles = _profile(average_week=AverageWeek(hours=Decimal(48), months=4, basis="test 10 b"))
    dan = case.assistant(regime="test")
    case.invoice(1, period="2024-01")
    case.invoice(2, period="2024-02")
    case.invoice(3, payable="36360.00")
    case.invoice(4, period="2024-01", seller="0007:5590000001")
    case.line(3, "1", "D1", "active", 2024, "120", "303", "36360.00")
    for month, days, inv in ((1, 31, 1), (2, 29, 2), (3, 10, 3)):
        for day in range(1, days + 1):
            case.shift(dan, f"2024-{month:02d}-{day:02d} 08:00", f"2024-{month:02d}-{day:02d} 20:00", invoice=inv)
    # January 10 billed again by another provider (whole), January 11 in three overlapping parts:
    # the work performed is unchanged, so is the cut (test_average_of_48_hours_...: 37 029 s).
    case.shift(dan, "2024-01-10 08:00", "2024-01-10 20:00", invoice=4)
    for start, end in (("09:00", "12:00"), ("11:00", "15:00"), ("14:00", "19:00")):
        case.shift(dan, f"2024-01-11 {start}", f"2024-01-11 {end}", invoice=4)
    f = finding(case.run(checks=CHECKS, profiles=profiles), "F3", "LSS-CASE-065")
    assert (f.seconds, f.hours, f.amount) == (37029, Decimal("10.29"), Decimal("3117.87"))
