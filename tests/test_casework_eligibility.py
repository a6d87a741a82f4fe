"""9 d § 1-3 LSS over the assistant register (invoices.casework.eligibility): hand-computed."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from invoices.casework.eligibility import not_a_cost_of_assistance

from .casework_factory import Case, codes, finding
from .factories import synthetic_pnr

CHECKS = (not_a_cost_of_assistance,)


def test_the_18th_birthday_inside_a_night_shift_is_cut_at_midnight():
    case = Case()
    young = case.assistant("20060315")  # turns 18 on 15 March 2024
    case.invoice(1, payable="7272.00")
    case.line(1, "1", "D1", "active", 2024, "24", "303", "7272.00")
    before = case.shift(young, "2024-03-13 08:00", "2024-03-13 16:00")
    night = case.shift(young, "2024-03-14 22:00", "2024-03-15 06:00")
    case.shift(young, "2024-03-15 08:00", "2024-03-15 16:00")
    result = case.run(checks=CHECKS)
    # 13 March 08-16 (8 h) and 14 March 22:00-24:00 (2 h) are before the birthday: 10 h × 303.
    f = finding(result, "F1", "LSS-CASE-010")
    assert (f.hours, f.amount, f.basis) == (Decimal("10.00"), Decimal("3030.00"), "9 d § 1 LSS")
    assert sorted((c[1], c[4]) for c in result.cuts) == [(before, 8 * 3600), (night, 2 * 3600)]
    assert "2006" not in f.message and young not in f.message


def test_born_on_29_february_turns_18_on_1_march_in_a_common_year():
    case = Case()
    leap = case.assistant("20060228", serial="456")  # control: 28 February, turns 18 on 28 Feb 2024
    case.invoice(1, period="2024-02", payable="606.00")
    case.line(1, "1", "D1", "active", 2024, "2", "303", "606.00")
    case.shift(leap, "2024-02-28 08:00", "2024-02-28 10:00")
    assert codes(case.run("2024-02", checks=CHECKS), "F1") == []
    case2 = Case()
    born29 = case2.assistant(pnr=_pnr_born("20040229"))  # turns 18 on 1 March 2022 (2022 is common)
    case2.invoice(1, period="2022-02", payable="606.00")
    case2.line(1, "1", "D1", "active", 2022, "2", "303", "606.00")
    case2.shift(born29, "2022-02-28 08:00", "2022-02-28 10:00")
    f = finding(case2.run("2022-02", checks=CHECKS), "F1", "LSS-CASE-010")
    assert (f.hours, f.amount) == (Decimal("2.00"), Decimal("606.00"))


def _pnr_born(birth: str) -> str:
    return synthetic_pnr(birth, "789")


def test_outside_the_eea_and_lacking_capacity_cut_whole_shifts_by_the_register_of_the_day():
    case = Case()
    swiss = case.assistant(serial="111", country="CH")
    norway = case.assistant(serial="222", country="NO")  # Norway is in the EEA
    moved = case.assistant(serial="333", country="SE", valid_to=date(2024, 3, 9))
    case.assistant(pnr=moved, country="GB", valid_from="2024-03-10")
    unable = case.assistant(serial="444", capacity=False)
    case.invoice(1, payable="9696.00")
    case.line(1, "1", "D1", "active", 2024, "32", "303", "9696.00")
    case.shift(swiss, "2024-03-04 08:00", "2024-03-04 16:00")
    case.shift(norway, "2024-03-05 08:00", "2024-03-05 16:00")
    case.shift(moved, "2024-03-08 08:00", "2024-03-08 12:00")  # still in Sweden
    case.shift(moved, "2024-03-11 08:00", "2024-03-11 12:00")  # moved to the UK on 10 March
    case.shift(unable, "2024-03-06 08:00", "2024-03-06 16:00")
    result = case.run(checks=CHECKS)
    eea = [f for f in result.invoice("F1").findings if f.code == "LSS-CASE-011"]
    # Switzerland 8 h (2424.00) and the UK from 10 March 4 h (1212.00); Norway nothing.
    assert sorted((f.hours, f.amount) for f in eea) == [(Decimal("4.00"), Decimal("1212.00")),
                                                         (Decimal("8.00"), Decimal("2424.00"))]
    f = finding(result, "F1", "LSS-CASE-012")
    assert (f.hours, f.amount, f.basis) == (Decimal("8.00"), Decimal("2424.00"), "9 d § 3 LSS")
    assert result.invoice("F1").disputed == Decimal("6060.00")


def test_an_assistant_missing_from_the_register_is_a_warning_that_cuts_nothing():
    case = Case()
    case.invoice(1, payable="2424.00")
    case.line(1, "1", "D1", "active", 2024, "8", "303", "2424.00")
    case.shift(_pnr_born("19800101"), "2024-03-04 08:00", "2024-03-04 16:00")
    f = finding(case.run(checks=CHECKS), "F1", "LSS-CASE-013")
    assert (f.severity, f.hours, f.amount) == ("warning", Decimal("0.00"), Decimal("0"))
