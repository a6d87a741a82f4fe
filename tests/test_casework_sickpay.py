"""The extra cost of sick pay (invoices.casework.sickpay): claims recomputed from their stated
figures, a substitute's work in the shifts held, one claim per occasion; hand-computed."""
from __future__ import annotations

from decimal import Decimal

from invoices.casework.billing import line_arithmetic, line_rate
from invoices.casework.sickpay import sick_pay_claims

from .casework_factory import Case, codes, finding
from .factories import synthetic_pnr

CHECKS = (sick_pay_claims,)
MONEY = (line_arithmetic, line_rate)
CLIENT, CLIENT2 = synthetic_pnr("19800101", "987"), synthetic_pnr("19751231", "222")
# The claim: sick pay 1000.00; holiday pay 12 % of it = 120.00; the rest of 1000.00 + 120.00 = 1120.00:
# contributions 31.42 % = 351.904 -> 351.90, insurance 0.6 % = 6.72, pension 4.5 % = 50.40.
# Total 1000.00 + 120.00 + 351.90 + 6.72 + 50.40 = 1529.02.
LINES = ("1000.00", "120.00", "351.90", "6.72", "50.40")
TOTAL = "1529.02"


def _claim(case: Case, invoice_id: int, sick: str, days: list[str], *, lines=LINES, seq=None, client=CLIENT,
           credited=False, **figures) -> None:
    total = sum((Decimal(x) for x in lines), Decimal("0.00"))
    case.invoice(invoice_id, claim="sickpay", payable=str(total), seq=seq, credited=credited)
    for i, amount in enumerate(lines, start=1):
        case.line(invoice_id, str(i), None, None, None, "1", amount, amount)
    if figures.pop("stated", True):
        case.sick_claim(invoice_id, client, sick, days, figures.pop("sick_pay", "1000.00"), **figures)


def _people(case: Case) -> tuple[str, str]:
    return case.assistant(serial="111"), case.assistant(serial="222")


def test_a_claim_with_a_substitute_is_recomputed_and_uncovered_days_are_shown():
    case = Case()
    sick, sub = _people(case)
    _claim(case, 1, sick, ["2024-03-04", "2024-03-05"], karens="2024-03-04")
    case.invoice(9, payable="0")
    case.shift(sub, "2024-03-04 08:00", "2024-03-04 16:00", invoice=9, client=CLIENT)          # the substitute
    case.shift(sick, "2024-03-05 08:00", "2024-03-05 16:00", invoice=9, client=CLIENT)         # the sick one
    case.shift(sub, "2024-03-05 08:00", "2024-03-05 16:00", invoice=9, client=CLIENT2)         # another client
    case.shift(sub, "2024-03-05 20:00", "2024-03-05 23:00", invoice=9, client=CLIENT, kind="standby")
    result = case.run(checks=CHECKS, money=MONEY)
    # 1529.02 as stated: nothing disputed; 5 March had no substitute (standby is not assistance).
    assert codes(result, "F1") == ["LSS-CASE-084"]
    f = finding(result, "F1", "LSS-CASE-084")
    assert (f.severity, f.amount) == ("warning", Decimal("0.00"))
    assert "2024-03-05" in f.message and "a substitute worked on 2024-03-04" in f.message
    assert result.invoice("F1").reimbursable == Decimal(TOTAL)


def test_a_claim_above_its_recomputation_and_a_base_of_sick_pay_alone():
    case = Case()
    sick, sub = _people(case)
    # Insurance on the sick pay alone: 0.6 % of 1000.00 = 6.00; total 1000 + 120 + 351.90 + 6.00 + 50.40
    # = 1528.30. The claim bills pension 60.00 instead of 50.40: 1537.90, 9.60 beyond.
    _claim(case, 1, sick, ["2024-03-06"], lines=("1000.00", "120.00", "351.90", "6.00", "60.00"),
           no_karens="karens already drawn on 2024-02-28 in the same sickness period",
           bases=(None, "sick_pay", None))
    case.shift(sub, "2024-03-06 22:00", "2024-03-07 06:00", invoice=9, client=CLIENT)   # a night into the sick day
    result = case.run(checks=CHECKS)
    f = finding(result, "F1", "LSS-CASE-081")
    assert (f.amount, f.severity) == (Decimal("9.60"), "error")
    assert "1537.90" in f.message and "1528.30" in f.message
    assert codes(result, "F1") == ["LSS-CASE-081"]
    assert result.invoice("F1").reimbursable == Decimal("1528.30")


def test_no_substitute_worked_the_whole_claim_is_disputed():
    case = Case()
    sick, sub = _people(case)
    _claim(case, 1, sick, ["2024-03-04"], karens="2024-03-04")
    case.shift(sick, "2024-03-04 08:00", "2024-03-04 16:00", invoice=9, client=CLIENT)
    case.shift(sub, "2024-03-04 08:00", "2024-03-04 16:00", invoice=9, client=CLIENT2)
    case.shift(sub, "2024-03-03 16:00", "2024-03-04 00:00", invoice=9, client=CLIENT)   # ends as the day begins
    result = case.run(checks=CHECKS)
    f = finding(result, "F1", "LSS-CASE-080")
    assert f.amount == Decimal(TOTAL)   # every line: 1000.00 + 120.00 + 351.90 + 6.72 + 50.40
    assert CLIENT not in f.message and CLIENT[-4:] in f.message
    assert result.invoice("F1").reimbursable == Decimal("0.00")


def test_one_claim_per_occasion_the_later_is_disputed_a_credited_one_does_not_count():
    case = Case()
    sick, sub = _people(case)
    _claim(case, 1, sick, ["2024-03-04", "2024-03-05"], seq=2, karens="2024-03-04")
    _claim(case, 2, sick, ["2024-03-05", "2024-03-06"], seq=3, karens="2024-03-05")    # 5 March again
    _claim(case, 3, sick, ["2024-03-05"], seq=1, karens="2024-03-05", credited=True)   # credited: no claim
    _claim(case, 4, sick, ["2024-03-05"], seq=4, karens="2024-03-05", client=CLIENT2)  # another client's
    for day in ("04", "05", "06"):
        case.shift(sub, f"2024-03-{day} 08:00", f"2024-03-{day} 16:00", invoice=9, client=CLIENT)
    case.shift(sub, "2024-03-05 17:00", "2024-03-05 20:00", invoice=9, client=CLIENT2)
    result = case.run(checks=CHECKS)
    assert codes(result, "F1") == []
    f = finding(result, "F2", "LSS-CASE-082")
    assert f.amount == Decimal(TOTAL)
    assert "F1" in f.message and "F3" not in f.message
    assert codes(result, "F4") == []


def test_a_claim_without_its_figures_or_karens_cannot_be_recomputed():
    case = Case()
    sick, sub = _people(case)
    _claim(case, 1, sick, ["2024-03-04"])                                   # neither karens date nor reason
    _claim(case, 2, sick, ["2024-03-11"], stated=False)                    # nothing read
    _claim(case, 3, sick, ["2024-03-12"], karens="2024-03-12", percentages=("12", None, "0.6", "4.5"))
    case.shift(sub, "2024-03-04 08:00", "2024-03-04 16:00", invoice=9, client=CLIENT)
    result = case.run(checks=CHECKS)
    for number, why in (("F1", "karens"), ("F2", "no calculation"), ("F3", "employer_contributions")):
        f = finding(result, number, "LSS-CASE-083")
        assert f.amount == Decimal(TOTAL) and why in f.message
        assert codes(result, number) == ["LSS-CASE-083"]
