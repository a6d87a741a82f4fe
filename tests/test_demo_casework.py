"""The demo's case-work step (lssinvoice/demo_casework.py) on examples/casework, into a tmp folder.

Every figure below is computed by hand from the example files (examples/make_examples.py
writes them; examples/README.md, "Case work", says the same), NOT copied from a run.

Borås, BO-2024-03 for Bo Testberg: 65 h granted per week, 303 kr/h (2024).

Påhittad Assistans (PA, Borås, received first): weekdays David 07:30-15:00 (7.5 h) and Eva
15:00-18:00 (3 h), Fridays Eva 22:00-06:00 waiting (8 h): 10.5 h a weekday, 60.5 h a full week;
220.50 h active + 40.00 h waiting = 260.50 h × 303 = 78 931.50.

Annan Assistans (AA, Borås, received second, 350 kr/h from its own wrong registry copy):
    David   Wed  6 Mar 07:30-15:00                         7.5 h  (also on PA)
    Greta   Sat  2 Mar 10-14, Thu 14 Mar 22:00-06:00, Sat 16 Mar 10-14   4 + 8 + 4 = 16 h
            (18 on 15 March: the 4 h of 2 March and 22:00-24:00 on 14 March are by a minor)
    Heidi   Sat  9 and Sun 10 Mar 09-17 (lives in Switzerland)   16 h
    Ivar    Mon 18 - Sun 24 Mar 08-20, seven days                84 h
    one line: 7.5 + 16 + 16 + 84 = 123.50 h × 350 = 43 225.00

Step 1 (as performed), every cut at 350 on AA:
    LSS-CASE-001 double billing: David's 6 March is on PA, received first: 7.50 h → 2 625.00
    LSS-CASE-010 under 18: 4 h (2 March) + 2 h (14 March 22-24) = 6.00 h → 2 100.00
    LSS-CASE-011 outside the EEA (CH): 16.00 h → 5 600.00
    LSS-CASE-062 weekly rest (atl, 36 h in the calendar week): week 12's longest rest is 12 h
        (20:00-08:00; the first is Mon 18 20:00 - Tue 19 08:00); the work in
        [Tue 08:00, Mon 20:00 + 36 h = Wed 08:00) is cut: Tuesday 08-20 = 12.00 h → 4 200.00
Step 3, granted hours (LSS-CASE-030): per week, both providers' hours not already cut, in time
order; past the 65th hour everything is cut, on whichever invoice holds it:
    week 10: PA 60.5; AA's David (001) and Heidi (011) already cut → 60.5, nothing
    week 11: PA Mon-Thu 42; Greta Fri 00-06 6 → 48; Fri David 7.5 → 55.5, Eva 3 → 58.5,
        Eva's night 8 → 66.5: its last 1.5 h cut (PA, waiting); Greta Sat 16 4 h cut (AA).
        5.5 h beyond = 1.5 (PA) + 4 (AA)
    week 12: Mon David 7.5, Ivar 12, Eva 3 → 22.5; Tue David 7.5, (Ivar cut by 062), Eva 3 → 33;
        Wed 7.5 + 12 + 3 → 55.5; Thu David 7.5 → 63, Ivar's Thursday crosses 65 after 2 h:
        10 h cut; then everything: Eva Thu 3, David Fri 7.5, Eva Fri 3 + night 8 (PA: 13.5 h
        active + 8 h waiting = 21.5 h) and Ivar Fri, Sat, Sun 36 h (AA: 10 + 36 = 46 h).
        132.5 - 65 = 67.5 h beyond = 21.5 (PA) + 46 (AA)
    PA: 1.50 h × 303 = 454.50 and 21.50 h × 303 = 6 514.50 (13.5 × 303 + 8 × 303)
    AA: 4.00 h × 350 = 1 400.00 and 46.00 h × 350 = 16 100.00
Step 4, the rate (LSS-CASE-041) on AA's hours no cut took: 123.5 - 7.5 - 6 - 16 - 12 - 4 - 46
    = 32.00 h (Greta's 6 h of 15 March, Ivar's Monday 12, Wednesday 12 and Thursday 08-10 2):
    32 × 350 - 32 × 303 = 11 200.00 - 9 696.00 = 1 504.00
Per invoice:
    PA Borås disputed 454.50 + 6 514.50 = 6 969.00; reimbursable 78 931.50 - 6 969.00 = 71 962.50
    AA disputed 2 625 + 2 100 + 5 600 + 4 200 + 1 400 + 16 100 + 1 504 = 33 529.00;
       reimbursable 43 225.00 - 33 529.00 = 9 696.00 (= 32 h × 303)
Tjörn (Påhittad's base 86 808.60, extension 9 312.80, sick pay 1 772.44): no finding.

Answers: the policy (findings=query) puts PA Borås and AA under query (UQ) and accepts the
Tjörn invoices (AP); the officer approves AA in part for 9 696.00 (CA).
"""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from rich.console import Console

from lssinvoice.cmd_demo import municipal_demo, provider_demo
from lssinvoice.demo_casework import EXPECTED, casework_demo
from tests.personal_data import scan

D = Decimal


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, highlight=False)
    provider = provider_demo(out, console, issue_date=date(2024, 4, 2))
    municipal = municipal_demo(out, provider.outbox, console, provider.signing)  # Tjörn verifies the signed reports
    assert provider.ok and municipal.ok, provider.problems + municipal.problems
    result = casework_demo(out, console, issue_date=date(2024, 4, 3), pahittad=provider.invoices)
    return result, buffer.getvalue()


def _invoice(result, provider: str, municipality: str, kind: str) -> dict:
    (found,) = [i for i in result.invoices
                if (i["provider"], i["municipality"], i["kind"]) == (provider, municipality, kind)]
    return found


def _findings(inv: dict) -> list[tuple[str, D, D]]:
    return [(f["code"], D(f["hours"]), D(f["amount"])) for f in inv["findings"]]


def test_the_careless_providers_invoice(demo):
    result, _ = demo
    inv = _invoice(result, "Annan", "boras", "base")
    assert (inv["invoiced"], inv["reimbursable"], inv["disputed"]) == (D("43225.00"), D("9696.00"), D("33529.00"))
    assert _findings(inv) == [
        ("LSS-CASE-001", D("7.50"), D("2625.00")),    # (a) David's 6 March, billed by Påhittad first
        ("LSS-CASE-010", D("6.00"), D("2100.00")),    # (b) 2 March 4 h + 14 March 22-24 2 h
        ("LSS-CASE-011", D("16.00"), D("5600.00")),   # (c) Heidi, Switzerland
        ("LSS-CASE-030", D("4.00"), D("1400.00")),    # (d) week 11: Greta's Saturday 16 March
        ("LSS-CASE-030", D("46.00"), D("16100.00")),  # (d) week 12: Ivar Thu 10-20, Fri, Sat, Sun
        ("LSS-CASE-041", D("32.00"), D("1504.00")),   # (f) 32 h × (350 - 303)
        ("LSS-CASE-062", D("12.00"), D("4200.00")),   # (e) Ivar's Tuesday 19 March 08-20
    ]


def test_the_first_provider_loses_the_hours_past_the_grant_that_fall_on_its_shifts(demo):
    result, _ = demo
    inv = _invoice(result, "Påhittad", "boras", "base")
    assert (inv["invoiced"], inv["reimbursable"], inv["disputed"]) == (D("78931.50"), D("71962.50"), D("6969.00"))
    assert _findings(inv) == [
        ("LSS-CASE-030", D("1.50"), D("454.50")),     # week 11: the end of Eva's Friday night
        ("LSS-CASE-030", D("21.50"), D("6514.50")),   # week 12: Thursday 15:00 to Saturday 06:00
    ]


@pytest.mark.parametrize("kind, invoiced", [("base", "86808.60"), ("extension", "9312.80")])
def test_tjorn_invoices_are_clean_and_accepted(demo, kind, invoiced):
    result, _ = demo
    inv = _invoice(result, "Påhittad", "tjorn", kind)
    assert (inv["codes"], inv["invoiced"], inv["disputed"]) == ([], D(invoiced), D("0.00"))
    assert [r["status"] for r in result.responses if r["number"] == inv["number"]] == ["AP"]


# The sick-pay claim is right (Cecilia substituted on both sick days; 1 772.44 recomputes from its
# figures), but the check reads its figures from the store's sick_claims, which the loader does
# not fill yet (ingest/casework/load.py; invoices/casework/sickpay.py says from what): until it
# does, the claim gets LSS-CASE-083 and a UQ. Strict: this fails once the loader is there.

def test_tjorn_sick_pay_claim_is_clean_and_accepted(demo):
    result, _ = demo
    inv = _invoice(result, "Påhittad", "tjorn", "sickpay")
    assert (inv["codes"], inv["invoiced"], inv["disputed"]) == ([], D("1772.44"), D("0.00"))
    assert [r["status"] for r in result.responses if r["number"] == inv["number"]] == ["AP"]


def test_answers_written_and_valid(demo):
    result, _ = demo
    by_invoice = {}
    for r in result.responses:
        by_invoice.setdefault(r["number"], []).append((r["status"], r.get("amount")))
        assert r["valid"] is True, r
    sloppy = _invoice(result, "Annan", "boras", "base")["number"]
    assert by_invoice[sloppy] == [("UQ", None), ("CA", D("9696.00"))]
    assert by_invoice[_invoice(result, "Påhittad", "boras", "base")["number"]] == [("UQ", None)]


def test_the_demo_expects_what_was_computed_here(demo):
    """The demo's own expectations (what `make demo` checks) are these hand-computed figures."""
    assert {k: (v.codes.count("LSS-CASE-030"), v.disputed) for k, v in EXPECTED.items()} == {
        ("Påhittad", "tjorn", "base"): (0, D("0.00")),
        ("Påhittad", "tjorn", "extension"): (0, D("0.00")),
        ("Påhittad", "tjorn", "sickpay"): (0, D("0.00")),
        ("Påhittad", "boras", "base"): (2, D("6969.00")),
        ("Annan", "boras", "base"): (2, D("33529.00")),
    }
    result, _ = demo
    assert [f[:3] for f in result.found] == [
        ("a", "a shift billed by two providers", "LSS-CASE-001"),
        ("b", "an assistant under 18 until 15 March (a night cut at midnight)", "LSS-CASE-010"),
        ("c", "an assistant living outside the EEA", "LSS-CASE-011"),
        ("d", "weeks over the 65 h granted (both providers together)", "LSS-CASE-030"),
        ("e", "seven days 08-20 without 36 h of weekly rest", "LSS-CASE-062"),
        ("f", "a rate of 350 where Borås pays 303", "LSS-CASE-041"),
    ]
    assert all(number for *_, number in result.found)


def test_the_demo_lists_no_problem(demo):
    result, _ = demo
    assert result.problems == []


def test_no_personnummer_or_birth_date_in_the_output(demo):
    _, output = demo
    assert "LSS-CASE-010" in output and "********-2380" in output  # the minor, masked
    assert [leak.describe() for leak in scan(output)] == []
    assert "2006-03-15" not in output and "20060315" not in output
