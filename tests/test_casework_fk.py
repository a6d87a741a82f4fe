"""Försäkringskassan's 20-hour invoice (invoices.casework.fk): hand-computed, to the öre."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from invoices.casework.billing import line_arithmetic, line_rate
from invoices.casework.fk import fk_twenty_hours

from .casework_factory import Case, codes
from .factories import synthetic_pnr

FK = "0007:2021005521"
AMOUNTS = {2024: Decimal("332.60")}  # FK's standard amount 2024 (DOMAIN.md); 2023 left out on purpose
P1, P2, P3 = synthetic_pnr("19800101", "987"), synthetic_pnr("19751231", "222"), synthetic_pnr("19600606", "333")


def _case() -> Case:
    case = Case()
    case.fk_decision(P1, "2023-01-01", "2024-12-31", "40")
    case.fk_decision(P2, "2024-03-11", "2024-12-31", "30")   # FK's decision from Monday 11 March
    case.fk_decision(P3, "2024-01-01", "2024-12-31", "15")   # fewer than 20 hours a week
    return case


def test_fk_twenty_hour_invoice_line_by_line():
    case = _case()
    case.invoice(1, seller=FK, claim="fk", period="2024-02", seq=1, payable="6652.00")
    case.line(1, "1", None, None, None, "20", "332.60", "6652.00", client=P1, week=date(2024, 2, 26))
    case.invoice(3, seller=FK, claim="fk", period="2024-02", seq=3, payable="6652.00", credited=True)
    case.line(3, "1", None, None, None, "20", "332.60", "6652.00", client=P1, week=date(2024, 3, 4))
    case.invoice(2, seller=FK, claim="fk", period="2024-03", seq=4, payable="53999.70")
    rows = [  # line, client, week (Monday), hours, price, net amount
        ("1", P1, date(2024, 3, 4), "20", "332.60", "6652.00"),    # as it should be (the credited copy is no billing)
        ("2", P1, date(2024, 3, 11), "24", "332.60", "7982.40"),   # 4 h past 20
        ("3", P2, date(2024, 3, 4), "20", "332.60", "6652.00"),    # before FK's decision for P2
        ("4", P2, date(2024, 3, 11), "20", "342.60", "6852.00"),   # 10 kr above the standard amount
        ("5", P1, date(2024, 2, 26), "20", "332.60", "6652.00"),   # the week February's invoice billed
        ("6", P1, date(2024, 3, 18), "10", "332.60", "3400.00"),   # 10 × 332.60 = 3326.00
        ("7", P1, date(2023, 12, 25), "5", "324.50", "1622.50"),   # 2023: no standard amount known here
        ("8", P2, date(2024, 3, 18), "24", "300.00", "7200.00"),   # 4 h past 20, below the amount
        ("9", P3, date(2024, 3, 4), "18", "332.60", "5986.80"),    # within 20, past FK's 15
        ("10", None, None, "3", "333.33", "1000.00"),               # names no client or week
    ]
    for line_id, client, week, qty, price, net in rows:
        case.line(2, line_id, None, None, None, qty, price, net, client=client, week=week)
    result = case.run(checks=(fk_twenty_hours,), money=(line_arithmetic, line_rate), fk_amounts=AMOUNTS,
                      fk_seller=FK)
    inv = result.invoice("F2")
    found = [(f.key.split(":")[2], f.code, f.severity, f.hours, f.amount) for f in inv.findings]
    assert sorted(found) == sorted([
        ("l2", "LSS-CASE-071", "error", Decimal("4.00"), Decimal("1330.40")),     # 24 - 20 = 4 h × 332.60
        ("l3", "LSS-CASE-070", "error", Decimal("20.00"), Decimal("6652.00")),    # the whole line
        ("l4", "LSS-CASE-072", "error", Decimal("20.00"), Decimal("200.00")),      # 20 × 342.60 - 20 × 332.60
        ("l5", "LSS-CASE-071", "error", Decimal("20.00"), Decimal("6652.00")),    # 20 + 20 in week 9: all 20 × 332.60
        ("l6", "LSS-CASE-075", "error", Decimal("0.00"), Decimal("74.00")),       # 3400.00 - 3326.00
        ("l7", "LSS-CASE-073", "warning", Decimal("0.00"), Decimal("0.00")),      # never guessed
        ("l8", "LSS-CASE-071", "error", Decimal("4.00"), Decimal("1200.00")),     # 4 h × 300.00 (its own price)
        ("l8", "LSS-CASE-077", "warning", Decimal("0.00"), Decimal("0.00")),
        ("l9", "LSS-CASE-076", "warning", Decimal("0.00"), Decimal("0.00")),
        ("l10", "LSS-CASE-074", "warning", Decimal("0.00"), Decimal("0.00")),
    ])
    # 1330.40 + 6652.00 + 200.00 + 6652.00 + 74.00 + 1200.00 = 16108.40 of 53999.70.
    assert (inv.disputed, inv.reimbursable) == (Decimal("16108.40"), Decimal("37891.30"))
    messages = " ".join(f.message for f in inv.findings)
    assert P1 not in messages and P1[-4:] in messages
    assert "unknown for 2023" in messages
    assert [i.number for i in result.invoices] == ["F2"]


def test_twenty_hours_spread_over_two_lines_of_one_week():
    case = _case()
    case.invoice(1, seller=FK, claim="fk", payable="8647.60")
    case.line(1, "1", None, None, None, "12", "332.60", "3991.20", client=P1, week=date(2024, 3, 4))
    case.line(1, "2", None, None, None, "14", "332.60", "4656.40", client=P1, week=date(2024, 3, 4))
    result = case.run(checks=(fk_twenty_hours,), fk_amounts=AMOUNTS, fk_seller=FK)
    # 12 + 14 = 26 h: the second line holds the 6 h past 20: 6 × 332.60 = 1995.60.
    (f,) = result.invoice("F1").findings
    assert (f.code, f.key, f.hours, f.amount) == ("LSS-CASE-071", "LSS-CASE-071:i1:l2", Decimal("6.00"),
                                                  Decimal("1995.60"))
    assert "12.00 h of the week on earlier lines" in f.message


def test_fk_is_recognised_by_its_seller_and_other_invoices_are_not_judged_as_fk():
    case = _case()
    case.invoice(1, seller=FK, claim=None, payable="7982.40")    # claim kind not read: the seller says FK
    case.line(1, "1", None, None, None, "24", "332.60", "7982.40", client=P1, week=date(2024, 3, 4))
    case.invoice(2, payable="303.00")                             # a provider's invoice
    case.line(2, "1", None, None, None, "1", "303", "303.00", client=P1, week=date(2024, 3, 4))
    result = case.run(checks=(fk_twenty_hours,), fk_amounts=AMOUNTS, fk_seller=FK)
    assert codes(result, "F1") == ["LSS-CASE-071"]
    assert codes(result, "F2") == []
