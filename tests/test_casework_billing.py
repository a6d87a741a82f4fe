"""Double billing and the hour lines (invoices.casework.billing): hand-computed scenarios, hours
and amounts to the öre. Every expected number is written out with its arithmetic."""
from __future__ import annotations

from decimal import Decimal

from invoices.casework.billing import double_billing, line_arithmetic, line_rate
from invoices.casework.decisions import beyond_granted_hours, outside_decision

from .casework_factory import Case, codes, finding

CHECKS = (double_billing,)
MONEY = (line_arithmetic, line_rate)
OTHER = "0007:5566778899"  # a second provider


def test_a_shift_billed_by_two_providers_is_cut_from_the_invoice_received_later():
    case = Case()
    anna = case.assistant()
    case.rate(2024, "303")
    case.invoice(1, payable="2424.00", seq=5)                 # received after invoice 2
    case.invoice(2, seller=OTHER, payable="2424.00", seq=3)
    case.line(1, "1", "D1", "active", 2024, "8", "303", "2424.00")
    case.line(2, "1", "D2", "active", 2024, "8", "303", "2424.00")
    late = case.shift(anna, "2024-03-04 12:00", "2024-03-04 20:00", invoice=1, client="C", decision="D1")
    case.shift(anna, "2024-03-04 08:00", "2024-03-04 16:00", invoice=2, client="K", decision="D2")
    result = case.run(checks=CHECKS, money=MONEY)
    # Overlap 12:00-16:00 = 4 h, on invoice 1 (received_seq 5 > 3): 4 × 303 = 1212.00.
    f = finding(result, "F1", "LSS-CASE-001")
    assert (f.hours, f.amount, f.basis, f.shift_ids) == (Decimal("4.00"), Decimal("1212.00"), "9 § 2 LSS; 12 § LSS",
                                                         (late,))
    assert "F2" in f.message and anna not in f.message and "********-" in f.message
    assert [(c[1], c[4]) for c in result.cuts] == [(late, 4 * 3600)]
    assert codes(result, "F2") == []
    inv = result.invoice("F1")
    assert (inv.invoiced, inv.disputed, inv.reimbursable) == (Decimal("2424.00"), Decimal("1212.00"), Decimal("1212.00"))


def test_equal_receipt_order_the_higher_invoice_id_is_later():
    case = Case()
    bo = case.assistant()
    case.invoice(1, payable="1212.00", seq=1)
    case.invoice(2, seller=OTHER, payable="1212.00", seq=1)
    case.line(1, "1", "D1", "active", 2024, "4", "303", "1212.00")
    case.line(2, "1", "D1", "active", 2024, "4", "303", "1212.00")
    case.shift(bo, "2024-03-05 08:00", "2024-03-05 12:00", invoice=1)
    copy = case.shift(bo, "2024-03-05 08:00", "2024-03-05 12:00", invoice=2)
    result = case.run(checks=CHECKS)
    # An identical shift overlaps entirely: 4 h × 303 = 1212.00, all of invoice 2.
    f = finding(result, "F2", "LSS-CASE-001")
    assert (f.hours, f.amount, f.shift_ids) == (Decimal("4.00"), Decimal("1212.00"), (copy,))
    assert result.invoice("F2").reimbursable == Decimal("0.00")
    assert codes(result, "F1") == []


def test_on_one_invoice_touching_shifts_do_not_overlap_and_a_duplicate_does():
    case = Case()
    eva = case.assistant()
    case.rate(2024, "303")
    case.invoice(1, payable="4242.00")
    case.line(1, "1", "D1", "active", 2024, "14", "303", "4242.00")
    case.shift(eva, "2024-03-06 08:00", "2024-03-06 12:00")
    case.shift(eva, "2024-03-06 12:00", "2024-03-06 16:00")        # touches: no overlap
    dup = case.shift(eva, "2024-03-06 08:00", "2024-03-06 12:00")  # the same 4 h again
    later = case.shift(eva, "2024-03-06 15:00", "2024-03-06 17:00")  # 15-16 overlaps the 12-16 shift
    result = case.run(checks=CHECKS, money=MONEY)
    # LSS-CASE-002: the duplicate (same start, higher id) 4 h and 15:00-16:00 of the last, 1 h:
    # 5 h × 303 = 1515.00. The line's 14 h are all reported (4 + 4 + 4 + 2): no LSS-CASE-040.
    f = finding(result, "F1", "LSS-CASE-002")
    assert (f.hours, f.amount, f.shift_ids) == (Decimal("5.00"), Decimal("1515.00"), (dup, later))
    assert sorted((c[1], c[4]) for c in result.cuts) == [(dup, 4 * 3600), (later, 3600)]
    assert codes(result, "F1") == ["LSS-CASE-002"]
    assert result.invoice("F1").reimbursable == Decimal("2727.00")  # 9 h × 303


def test_an_invoice_re_sent_after_a_credit_note_is_not_compared_with_the_credited_one():
    case = Case()
    ida = case.assistant()
    case.rate(2024, "303")
    case.invoice(1, payable="2424.00", seq=1, credited=True)           # credited by invoice 2
    case.invoice(2, payable="-2424.00", seq=2, doc_kind="creditnote")
    case.invoice(3, payable="2424.00", seq=3)                          # the same month sent again
    for inv in (1, 3):
        case.line(inv, "1", "D1", "active", 2024, "8", "303", "2424.00")
        case.shift(ida, "2024-03-07 08:00", "2024-03-07 16:00", invoice=inv)
    case.line(2, "1", "D1", "active", 2024, "-8", "303", "-2424.00")
    result = case.run(checks=CHECKS, money=MONEY)
    # Only invoice 3 is judged (the credited invoice and the credit note bill nothing), and
    # nothing of it was billed before: no finding, all 2424.00 reimbursable.
    assert [i.number for i in result.invoices] == ["F3"]
    assert codes(result, "F3") == []
    assert result.invoice("F3").reimbursable == Decimal("2424.00")
    assert result.cuts == ()


def test_an_earlier_period_s_invoice_counts_as_earlier_and_a_later_one_cuts_nothing_here():
    case = Case()
    jan = case.assistant()
    case.invoice(10, period="2024-02", payable="2424.00", seq=1)              # February's, received first
    case.invoice(11, seller=OTHER, period="2024-03", payable="2424.00", seq=2)
    case.invoice(12, period="2024-04", payable="606.00", seq=3)               # April's, received after March's
    case.line(10, "1", "D1", "active", 2024, "8", "303", "2424.00")
    case.line(11, "1", "D2", "active", 2024, "8", "303", "2424.00")
    case.line(12, "1", "D1", "active", 2024, "2", "303", "606.00")
    case.shift(jan, "2024-02-29 22:00", "2024-03-01 06:00", invoice=10)       # 8 h, February's night
    night = case.shift(jan, "2024-03-01 00:00", "2024-03-01 06:00", invoice=11, client="K", decision="D2")
    case.shift(jan, "2024-03-01 06:00", "2024-03-01 08:00", invoice=11, client="K", decision="D2")
    case.shift(jan, "2024-03-01 07:00", "2024-03-01 09:00", invoice=12)       # overlaps 07-08, but later
    result = case.run(checks=CHECKS)
    # March's invoice: 00:00-06:00 = 6 h overlap February's invoice (earlier): 6 × 303 = 1818.00.
    # Its 07-08 hour overlaps April's invoice, received later: April's is cut in April's run, not here.
    assert [i.number for i in result.invoices] == ["F11"]
    f = finding(result, "F11", "LSS-CASE-001")
    assert (f.hours, f.amount, f.shift_ids) == (Decimal("6.00"), Decimal("1818.00"), (night,))
    assert "F10" in f.message and "F12" not in f.message


def test_line_arithmetic_hours_beyond_the_reports_wrong_sums_and_lines_without_support():
    case = Case()
    ola = case.assistant()
    case.rate(2024, "303")
    case.invoice(1, payable="8454.00")
    case.line(1, "1", "D1", "active", 2024, "10", "303", "3030.00")   # reports show 8 h
    case.line(1, "2", "D1", "waiting", 2024, "5", "303", "1600.00")   # 5 h reported, 5 × 303 = 1515.00
    case.line(1, "3", "D2", "active", 2024, "3", "303", "909.00")     # no time report at all
    case.line(1, "4", None, None, None, "1", "415", "415.00")          # names no decision (a fee)
    case.line(1, "5", "D1", "active", 2024, "8.5", "303", "2500.00")  # D1 active again: 0 h left
    case.shift(ola, "2024-03-11 08:00", "2024-03-11 16:00")
    case.shift(ola, "2024-03-12 08:00", "2024-03-12 13:00", kind="waiting")
    result = case.run(money=MONEY)
    by_code = {(f.code, f.key): (f.hours, f.amount) for f in result.invoice("F1").findings}
    assert by_code == {
        # line 1: 3030.00 - 8.00 × 303 (2424.00) = 606.00, 10 - 8 = 2 h
        ("LSS-CASE-040", "LSS-CASE-040:i1:l1"): (Decimal("2.00"), Decimal("606.00")),
        # line 2: 1600.00 - 5.00 × 303 (1515.00) = 85.00, no hour beyond the reports
        ("LSS-CASE-040", "LSS-CASE-040:i1:l2"): (Decimal("0.00"), Decimal("85.00")),
        # line 3: no shift of D2 at all: the whole 909.00, 3 h
        ("LSS-CASE-040", "LSS-CASE-040:i1:l3"): (Decimal("3.00"), Decimal("909.00")),
        # line 4: no decision: the whole 415.00
        ("LSS-CASE-042", "LSS-CASE-042:i1:l4"): (Decimal("0.00"), Decimal("415.00")),
        # line 5: the 8 h of D1 active were all billed by line 1: the whole 2500.00, 8.5 h
        ("LSS-CASE-040", "LSS-CASE-040:i1:l5"): (Decimal("8.50"), Decimal("2500.00")),
    }
    assert "no time report" in next(f.message for f in result.invoice("F1").findings if f.key.endswith(":l3"))
    # Disputed 606 + 85 + 909 + 415 + 2500 = 4515.00 of the invoice's 8454.00 (capped at it).
    inv = result.invoice("F1")
    assert (inv.disputed, inv.reimbursable) == (Decimal("4515.00"), Decimal("3939.00"))
    assert result.cuts == ()


def test_a_wrong_rate_is_disputed_on_the_hours_no_other_finding_takes():
    case = Case()
    kim = case.assistant()
    case.rate(2024, "303")
    case.invoice(1, payable="2800.00", seq=2)
    case.invoice(2, seller=OTHER, payable="606.00", seq=1)
    case.line(1, "1", "D1", "active", 2024, "8", "350", "2800.00")
    case.line(2, "1", "D2", "active", 2024, "2", "303", "606.00")
    case.shift(kim, "2024-03-13 08:00", "2024-03-13 16:00", invoice=1)
    case.shift(kim, "2024-03-13 14:00", "2024-03-13 16:00", invoice=2, client="K", decision="D2")
    result = case.run(checks=CHECKS, money=MONEY)
    # 14-16 was billed earlier by invoice 2: 2 h × 350 = 700.00 (LSS-CASE-001).
    # The rate on the other 6 h: 6 × 350 - 6 × 303 = 2100.00 - 1818.00 = 282.00 = (350 - 303) × 6.
    assert (finding(result, "F1", "LSS-CASE-001").amount, finding(result, "F1", "LSS-CASE-041").amount) == \
        (Decimal("700.00"), Decimal("282.00"))
    # Reimbursable: 2800.00 - 982.00 = 1818.00 = 6 h × 303, the municipality's rate.
    assert result.invoice("F1").reimbursable == Decimal("1818.00")
    # Alone (no double billing): (350 - 303) × 8 = 376.00 exactly.
    alone = Case()
    kim = alone.assistant()
    alone.rate(2024, "303")
    alone.invoice(1, payable="2800.00")
    alone.line(1, "1", "D1", "active", 2024, "8", "350", "2800.00")
    alone.shift(kim, "2024-03-13 08:00", "2024-03-13 16:00")
    f = finding(alone.run(money=MONEY), "F1", "LSS-CASE-041")
    assert (f.hours, f.amount, f.severity, f.basis) == (Decimal("8.00"), Decimal("376.00"), "error",
                                                        "the municipality's rate (rates)")


def test_a_night_across_new_year_is_priced_per_year_and_an_unknown_year_is_never_guessed():
    case = Case()
    liv = case.assistant()
    case.rate(2023, "324.50")
    case.rate(2024, "332.60")
    case.invoice(1, period="2023-12", payable="4342.50")
    case.line(1, "1", "D1", "active", 2023, "5", "324.50", "1622.50")   # 4 h reported in 2023
    case.line(1, "2", "D1", "active", 2024, "8", "340.00", "2720.00")   # 8 h in 2024, at 340.00
    case.shift(liv, "2023-12-31 20:00", "2024-01-01 08:00")              # 4 h in 2023 + 8 h in 2024
    result = case.run("2023-12", money=MONEY)
    # Line 1: 1622.50 - 4.00 × 324.50 (1298.00) = 324.50 (1 h beyond the reports).
    # Line 2: 8 × 340.00 - 8 × 332.60 = 2720.00 - 2660.80 = 59.20.
    assert [(f.code, f.hours, f.amount) for f in result.invoice("F1").findings] == [
        ("LSS-CASE-040", Decimal("1.00"), Decimal("324.50")), ("LSS-CASE-041", Decimal("8.00"), Decimal("59.20"))]
    assert result.invoice("F1").disputed == Decimal("383.70")  # 324.50 + 59.20
    # The same invoice where the municipality knows no 2024 rate: a warning, no amount; 2023's line as before.
    unknown = Case()
    liv = unknown.assistant()
    unknown.rate(2023, "324.50")
    unknown.invoice(1, period="2023-12", payable="4018.00")
    unknown.line(1, "1", "D1", "active", 2023, "4", "324.50", "1298.00")
    unknown.line(1, "2", "D1", "active", 2024, "8", "340.00", "2720.00")
    unknown.shift(liv, "2023-12-31 20:00", "2024-01-01 08:00")
    result = unknown.run("2023-12", money=MONEY)
    assert codes(result, "F1") == ["LSS-CASE-043"]
    f = finding(result, "F1", "LSS-CASE-043")
    assert (f.severity, f.amount, result.invoice("F1").disputed) == ("warning", Decimal("0.00"), Decimal("0.00"))
    assert "rate unknown for 2024" in f.message


def test_dst_nights_arithmetic_23_and_25_hour_days():
    spring = Case()
    max_ = spring.assistant()
    spring.rate(2024, "303")
    spring.invoice(1, payable="3030.00")
    spring.line(1, "1", "D1", "active", 2024, "10", "303", "3030.00")
    spring.shift(max_, "2024-03-30 22:00", "2024-03-31 08:00")   # the clock jumps 02:00 -> 03:00: 9 h
    f = finding(spring.run(money=MONEY), "F1", "LSS-CASE-040")
    # 3030.00 - 9.00 × 303 (2727.00) = 303.00, 1 h.
    assert (f.hours, f.amount) == (Decimal("1.00"), Decimal("303.00"))
    autumn = Case()
    max_ = autumn.assistant()
    autumn.rate(2024, "303")
    autumn.invoice(1, period="2024-10", payable="3333.00")
    autumn.line(1, "1", "D1", "active", 2024, "11", "303", "3333.00")
    autumn.shift(max_, "2024-10-26 22:00", "2024-10-27 08:00")   # 03:00 -> 02:00 again: 11 h
    assert codes(autumn.run("2024-10", money=MONEY), "F1") == []  # 11 × 303 = 3333.00: as billed


def test_the_whole_run_together():
    """All the run's checks: the double billing and the rate on one invoice, cut once each."""
    case = Case()
    una = case.assistant()
    case.rate(2024, "303")
    case.decision("D1", "C")
    case.decision("D2", "K")
    case.invoice(1, payable="2800.00", seq=2)
    case.invoice(2, seller=OTHER, payable="2424.00", seq=1)
    case.line(1, "1", "D1", "active", 2024, "8", "350", "2800.00")
    case.line(2, "1", "D2", "active", 2024, "8", "303", "2424.00")
    case.shift(una, "2024-03-14 08:00", "2024-03-14 16:00", invoice=1)
    case.shift(una, "2024-03-14 12:00", "2024-03-14 20:00", invoice=2, client="K", decision="D2")
    result = case.run()
    # Invoice 2 was received first: invoice 1 loses 12-16, 4 h × 350 = 1400.00; the rate on the
    # remaining 4 h: (350 - 303) × 4 = 188.00; reimbursable 2800.00 - 1588.00 = 1212.00 = 4 × 303.
    assert codes(result, "F1") == ["LSS-CASE-001", "LSS-CASE-041"]
    assert result.invoice("F1").reimbursable == Decimal("1212.00")
    assert codes(result, "F2") == []
    assert result.digest() == case.run().digest()


def test_granted_hours_see_the_double_billing_cut_first():
    case = Case()
    pia = case.assistant()
    case.decision("D1", "C", granted="10")
    case.invoice(1, payable="2424.00", seq=1)
    case.invoice(2, seller=OTHER, payable="2424.00", seq=2)
    case.line(1, "1", "D1", "active", 2024, "8", "303", "2424.00")
    case.line(2, "1", "D1", "active", 2024, "8", "303", "2424.00")
    case.shift(pia, "2024-03-15 08:00", "2024-03-15 16:00", invoice=1)
    case.shift(pia, "2024-03-15 08:00", "2024-03-15 16:00", invoice=2)
    result = case.run(checks=(double_billing, outside_decision), granted=(beyond_granted_hours,))
    # Invoice 2's copy is cut (8 h × 303 = 2424.00); the decision then has 8 h of its 10: no LSS-CASE-030.
    assert codes(result, "F2") == ["LSS-CASE-001"]
    assert codes(result, "F1") == []
    assert result.invoice("F2").disputed == Decimal("2424.00")
