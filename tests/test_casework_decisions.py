"""The decision a shift is billed under (invoices.casework.decisions): hand-computed scenarios,
hours and amounts to the öre, local time across both DST changes."""
from __future__ import annotations

from decimal import Decimal

from invoices.casework.billing import double_billing
from invoices.casework.decisions import beyond_granted_hours, outside_decision

from .casework_factory import Case, codes, finding

CHECKS = (outside_decision,)
GRANTED = (beyond_granted_hours,)


def test_unknown_decision_another_client_s_outside_its_period_and_an_extension_on_a_base_invoice():
    case = Case()
    ebba = case.assistant()
    case.decision("D1", "C", valid_from="2024-01-01", valid_to="2024-03-15")
    case.decision("DK", "K")                                   # another client's
    case.decision("X1", "C", kind="extension")                 # a temporary extension of C's
    case.invoice(1, payable="10908.00", claim="base")
    case.line(1, "1", "D1", "active", 2024, "8", "303", "2424.00")
    case.line(1, "2", "NOPE", "active", 2024, "6", "303", "1818.00")
    case.line(1, "3", "DK", "active", 2024, "4", "303", "1212.00")
    case.line(1, "4", "X1", "active", 2024, "18", "303", "5454.00")
    night = case.shift(ebba, "2024-03-15 22:00", "2024-03-16 06:00", decision="D1")   # ends after valid_to
    nope = case.shift(ebba, "2024-03-04 08:00", "2024-03-04 14:00", decision="NOPE")
    other = case.shift(ebba, "2024-03-05 08:00", "2024-03-05 12:00", decision="DK")   # client C, DK is K's
    ext = [case.shift(ebba, f"2024-03-{d:02d} 08:00", f"2024-03-{d:02d} 17:00", decision="X1") for d in (6, 7)]
    result = case.run(checks=CHECKS)
    found = {f.code: (f.hours, f.amount, f.shift_ids) for f in result.invoice("F1").findings}
    assert found == {
        "LSS-CASE-020": (Decimal("6.00"), Decimal("1818.00"), (nope,)),       # 6 h × 303
        "LSS-CASE-021": (Decimal("4.00"), Decimal("1212.00"), (other,)),      # 4 h × 303
        "LSS-CASE-022": (Decimal("6.00"), Decimal("1818.00"), (night,)),      # 16 March 00:00-06:00, 6 h × 303
        "LSS-CASE-023": (Decimal("18.00"), Decimal("5454.00"), tuple(ext)),   # 2 × 9 h × 303
    }
    # 2424.00 (the night's 8 h) - 1818.00 = 606.00: the 2 h before midnight on 15 March.
    assert result.invoice("F1").reimbursable == Decimal("606.00")
    msg = {f.code: f.message for f in result.invoice("F1").findings}
    assert "2024-01-01–2024-03-15" in msg["LSS-CASE-022"]
    assert "temporary extension X1" in msg["LSS-CASE-023"] and "base decision" in msg["LSS-CASE-023"]
    assert "granted to client ********-K" in msg["LSS-CASE-021"]   # people masked (here a one-letter id)


def test_a_base_decision_on_an_extension_invoice_and_an_invoice_of_unknown_kind():
    case = Case()
    fia = case.assistant()
    case.decision("D1", "C")
    case.invoice(1, payable="1212.00", claim="extension")
    case.invoice(2, payable="1212.00", claim=None)
    case.line(1, "1", "D1", "active", 2024, "4", "303", "1212.00")
    case.line(2, "1", "D1", "active", 2024, "4", "303", "1212.00")
    case.shift(fia, "2024-03-04 08:00", "2024-03-04 12:00", invoice=1)
    case.shift(fia, "2024-03-05 08:00", "2024-03-05 12:00", invoice=2)
    result = case.run(checks=CHECKS)
    assert finding(result, "F1", "LSS-CASE-023").amount == Decimal("1212.00")   # 4 h × 303
    assert codes(result, "F2") == []   # an invoice whose claim kind is not known is not judged


def test_shifts_not_billed_are_not_judged():
    case = Case()
    gus = case.assistant()
    case.invoice(1, payable="0", claim="extension")
    case.shift(gus, "2024-03-04 08:00", "2024-03-04 12:00", decision="NOPE", billed=False)
    assert codes(case.run(checks=CHECKS), "F1") == []


def test_granted_hours_per_week_across_a_month_boundary_count_february_s_shifts():
    case = Case()
    hugo = case.assistant()
    case.decision("D1", "C", granted="20")
    case.invoice(1, period="2024-02", payable="4848.00")      # February's invoice, judged last month
    case.invoice(2, period="2024-03", payable="6060.00")
    case.line(1, "1", "D1", "active", 2024, "16", "303", "4848.00")
    case.line(2, "1", "D1", "active", 2024, "20", "303", "6060.00")
    case.shift(hugo, "2024-02-26 08:00", "2024-02-26 16:00", invoice=1)   # Monday of week 9
    case.shift(hugo, "2024-02-27 08:00", "2024-02-27 16:00", invoice=1)
    friday = case.shift(hugo, "2024-03-01 08:00", "2024-03-01 16:00", invoice=2)
    saturday = case.shift(hugo, "2024-03-02 10:00", "2024-03-02 14:00", invoice=2)
    case.shift(hugo, "2024-03-04 08:00", "2024-03-04 16:00", invoice=2)   # week 10: 8 h of 20
    result = case.run(checks=CHECKS, granted=GRANTED)
    # Week 26 Feb - 3 Mar: 8 + 8 (February) + 8 + 4 = 28 h of 20 granted. In time order the 20th
    # hour ends on Friday 1 March at 12:00 (16 + 4): cut Friday 12-16 (4 h) and Saturday 10-14
    # (4 h): 8 h × 303 = 2424.00, all on March's invoice.
    f = finding(result, "F2", "LSS-CASE-030")
    assert (f.hours, f.amount, f.shift_ids) == (Decimal("8.00"), Decimal("2424.00"), (friday, saturday))
    assert f.key == f"LSS-CASE-030:s{friday}:2024-02-26"
    assert "28 h 00 min" in f.message and "2024-02-26–2024-03-03" in f.message and "8 h 00 min beyond" in f.message
    assert sorted((c[1], c[2].strftime("%d %H:%M"), c[4]) for c in result.cuts) == [
        (friday, "01 12:00", 4 * 3600), (saturday, "02 10:00", 4 * 3600)]
    assert codes(result, "F2") == ["LSS-CASE-030"]
    assert result.invoice("F2").reimbursable == Decimal("3636.00")  # 6060.00 - 2424.00


def test_granted_per_month_splits_a_night_at_the_month_and_per_period_counts_the_validity():
    case = Case()
    ines = case.assistant()
    case.decision("M1", "C", granted="10", per="month")
    case.decision("P1", "K", granted="20", per="period", valid_from="2024-03-01", valid_to="2024-03-10")
    case.invoice(1, payable="4848.00")
    case.invoice(2, payable="7575.00")
    case.line(1, "1", "M1", "active", 2024, "16", "303", "4848.00")
    case.line(2, "1", "P1", "active", 2024, "25", "303", "7575.00")
    day = case.shift(ines, "2024-03-30 08:00", "2024-03-30 16:00", invoice=1, decision="M1")
    # 31 March is the spring DST day: 20:00 to 04:00 is 8 h; 4 h in March (20-24), 4 h in April.
    night = case.shift(ines, "2024-03-31 20:00", "2024-04-01 04:00", invoice=1, decision="M1")
    p = [case.shift(ines, f"2024-03-{d:02d} 08:00", f"2024-03-{d:02d} 13:00", invoice=2, client="K", decision="P1")
         for d in (4, 5, 6, 7, 8)]
    result = case.run(checks=CHECKS, granted=GRANTED)
    # March: 8 + 4 = 12 h of 10: the last 2 h of March, 31 March 22:00-24:00, 2 × 303 = 606.00.
    # April's 4 h count in April (4 of 10).
    f = finding(result, "F1", "LSS-CASE-030")
    assert (f.hours, f.amount, f.shift_ids) == (Decimal("2.00"), Decimal("606.00"), (night,))
    assert day not in f.shift_ids
    # P1: 5 × 5 h = 25 h of 20 for its whole period: the last 5 h, 8 March 08-13: 5 × 303 = 1515.00.
    g = finding(result, "F2", "LSS-CASE-030")
    assert (g.hours, g.amount, g.shift_ids) == (Decimal("5.00"), Decimal("1515.00"), (p[-1],))
    assert "the decision's period" in g.message


def test_granted_168_hours_a_week_in_the_dst_weeks():
    spring = Case()
    jon = spring.assistant()
    spring.decision("D1", "C", granted="168")
    spring.invoice(1, payable="50601.00")
    spring.line(1, "1", "D1", "active", 2024, "167", "303", "50601.00")
    for d in range(25, 32):   # Monday 25 - Sunday 31 March 2024, midnight to midnight
        end = f"2024-03-{d + 1:02d} 00:00" if d < 31 else "2024-04-01 00:00"
        spring.shift(jon, f"2024-03-{d:02d} 00:00", end)
    # The week has 167 h (the clock skips 02-03 on Sunday 31 March): within 168.
    assert codes(spring.run(checks=CHECKS, granted=GRANTED), "F1") == []

    autumn = Case()
    jon = autumn.assistant()
    autumn.decision("D1", "C", granted="168")
    autumn.invoice(1, period="2024-10", payable="51207.00")
    autumn.line(1, "1", "D1", "active", 2024, "169", "303", "51207.00")
    days = [autumn.shift(jon, f"2024-10-{d:02d} 00:00", f"2024-10-{d + 1:02d} 00:00") for d in range(21, 28)]
    result = autumn.run("2024-10", checks=CHECKS, granted=GRANTED)
    # Monday 21 - Sunday 27 October: 169 h (02-03 twice on Sunday 27 October): 1 h beyond 168,
    # the last one, Sunday 23:00-24:00: 1 × 303 = 303.00.
    f = finding(result, "F1", "LSS-CASE-030")
    assert (f.hours, f.amount, f.shift_ids) == (Decimal("1.00"), Decimal("303.00"), (days[-1],))
    assert [c[2].strftime("%Y-%m-%d %H:%M") for c in result.cuts] == ["2024-10-27 23:00"]


def test_granted_hours_count_every_provider_and_skip_what_other_findings_own():
    case = Case()
    kaj, lo = case.assistant(serial="111"), case.assistant(serial="222")
    case.decision("D1", "C", granted="10", valid_from="2024-03-05")
    case.invoice(1, payable="2424.00", seq=1)
    case.invoice(2, seller="0007:5566778899", payable="2424.00", seq=2)
    case.line(1, "1", "D1", "active", 2024, "8", "303", "2424.00")
    case.line(2, "1", "D1", "active", 2024, "8", "303", "2424.00")
    # 4 March is before the decision: LSS-CASE-022 owns 08-16 there, and it does not count.
    case.shift(kaj, "2024-03-04 08:00", "2024-03-04 16:00", invoice=1)
    case.shift(lo, "2024-03-06 08:00", "2024-03-06 12:00", invoice=2)
    last = case.shift(lo, "2024-03-07 08:00", "2024-03-07 12:00", invoice=2)
    # A credited invoice's copy of a day does not count either.
    case.invoice(3, payable="2424.00", seq=3, credited=True)
    case.shift(kaj, "2024-03-06 08:00", "2024-03-06 16:00", invoice=3)
    result = case.run(checks=CHECKS, granted=GRANTED)
    # Week 4-10 March counted: 6 March 4 h + 7 March 4 h = 8 h of 10 (4 March is outside): no excess.
    assert codes(result, "F2") == []
    assert codes(result, "F1") == ["LSS-CASE-022"]
    # The same with 6 h granted: 2 h past, the last 2 h of 7 March (10-12): 2 × 303 = 606.00.
    case.con.execute("UPDATE decisions SET granted_hours = 6")
    result = case.run(checks=CHECKS, granted=GRANTED)
    f = finding(result, "F2", "LSS-CASE-030")
    assert (f.hours, f.amount, f.shift_ids) == (Decimal("2.00"), Decimal("606.00"), (last,))


def test_two_assistants_at_once_count_in_start_order_then_shift_id():
    case = Case()
    mo, ned = case.assistant(serial="111"), case.assistant(serial="222")
    case.decision("D1", "C", granted="6")
    case.invoice(1, payable="2424.00")
    case.line(1, "1", "D1", "active", 2024, "8", "303", "2424.00")
    first = case.shift(mo, "2024-03-11 08:00", "2024-03-11 12:00")
    second = case.shift(ned, "2024-03-11 08:00", "2024-03-11 12:00")   # same start, higher id
    result = case.run(checks=(double_billing, outside_decision), granted=GRANTED)
    # Two assistants working together is not double billing; 8 h of 6: the second shift's last
    # 2 h (10-12), 2 × 303 = 606.00.
    f = finding(result, "F1", "LSS-CASE-030")
    assert (f.hours, f.amount, f.shift_ids) == (Decimal("2.00"), Decimal("606.00"), (second,))
    assert first not in [c[1] for c in result.cuts]
