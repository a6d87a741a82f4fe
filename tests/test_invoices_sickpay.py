"""Sick-pay extra cost (merkostnad sjuklön): exact lines, rounding, evidence and refusals.

Personnummer are synthetic (valid check digit, fictional names).
"""
from __future__ import annotations

import random
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import partial

import pytest

from invoices.model import STOCKHOLM, Assistant, Client, Shift, ShiftKind
from invoices.sickpay import (
    Base,
    Component,
    SickPayBases,
    SickPayPercentages,
    SicknessOccasion,
    SickPayRefused,
    compute_sickpay_claim,
    refuse_if_claimed,
    round_money,
)

from .factories import shift_between, synthetic_pnr

SICK = Assistant(pnr=synthetic_pnr("19850312", "123"), name="Sjuka Testassistent")
SUBSTITUTE_PNR = synthetic_pnr("19920615", "456")
CLIENT = Client(pnr=synthetic_pnr("19770101", "987"), name="Testa Testbrukare")
OTHER_CLIENT_PNR = synthetic_pnr("19990909", "321")

PCT = SickPayPercentages(
    holiday_pay=Decimal("12"),
    employer_contributions=Decimal("31.42"),
    insurance=Decimal("0.6"),
    pension=Decimal("4.5"),
)


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=STOCKHOLM)


# the substitute's shifts for CLIENT (tests/factories.py)
shift = partial(shift_between, who=SUBSTITUTE_PNR, client=CLIENT, decision="D-1", source="vikarie.csv")


OCCASION = SicknessOccasion(
    sick_assistant=SICK, client=CLIENT, sick_days=(date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 6)),
)
SUB_WORK = shift(at(5, 8), at(5, 16))


def claim(**kw):
    args = dict(
        occasion=OCCASION, sick_pay=Decimal("1234.56"), percentages=PCT,
        substitute_shifts=[SUB_WORK], karens_date=date(2024, 3, 4),
    )
    args.update(kw)
    return compute_sickpay_claim(**args)


def test_worked_example_all_five_lines_and_total():
    """1234.56 SEK sick pay; 12 % holiday pay; 31.42 %, 0.6 %, 4.5 % on sick + holiday pay.

    holiday pay   1234.56 × 12 %    = 148.1472   → 148.15
    base          1234.56 + 148.15  = 1382.71
    contributions 1382.71 × 31.42 % = 434.447482 → 434.45
    insurance     1382.71 × 0.6 %   = 8.29626    → 8.30
    pension       1382.71 × 4.5 %   = 62.22195   → 62.22
    total         1234.56 + 148.15 + 434.45 + 8.30 + 62.22 = 1887.68
    """
    c = claim()
    assert [(ln.component, ln.base, ln.percent, ln.amount) for ln in c.lines] == [
        (Component.SICK_PAY, None, None, Decimal("1234.56")),
        (Component.HOLIDAY_PAY, Decimal("1234.56"), Decimal("12"), Decimal("148.15")),
        (Component.EMPLOYER_CONTRIBUTIONS, Decimal("1382.71"), Decimal("31.42"), Decimal("434.45")),
        (Component.INSURANCE, Decimal("1382.71"), Decimal("0.6"), Decimal("8.30")),
        (Component.PENSION, Decimal("1382.71"), Decimal("4.5"), Decimal("62.22")),
    ]
    assert c.total == Decimal("1887.68") and str(c.total) == "1887.68"
    assert [ln.label for ln in c.lines] == [
        "Sjuklön", "Semesterersättning", "Lagstadgad arbetsgivaravgift", "Avtalsförsäkring", "Kollektivavtalad pension",
    ]
    assert c.line("insurance").amount == Decimal("8.30")
    assert c.karens_date == date(2024, 3, 4) and c.no_karens_reason is None
    assert c.occasion_key == OCCASION.key
    assert c.evidence_shifts == (SUB_WORK,)
    assert c.days_with_substitute == (date(2024, 3, 5),)
    assert c.days_without_substitute == (date(2024, 3, 4), date(2024, 3, 6))


def test_bases_are_configurable_per_component():
    """Contributions and pension on sick pay alone; insurance keeps the default base.

    contributions 1234.56 × 31.42 % = 387.898752 → 387.90
    insurance     1382.71 × 0.6 %   = 8.29626    → 8.30
    pension       1234.56 × 4.5 %   = 55.5552    → 55.56
    total 1234.56 + 148.15 + 387.90 + 8.30 + 55.56 = 1834.47
    """
    c = claim(bases=SickPayBases(employer_contributions=Base.SICK_PAY, pension="sick_pay"))
    assert [ln.amount for ln in c.lines] == [
        Decimal("1234.56"), Decimal("148.15"), Decimal("387.90"), Decimal("8.30"), Decimal("55.56"),
    ]
    assert c.line(Component.EMPLOYER_CONTRIBUTIONS).base == Decimal("1234.56")
    assert c.line(Component.INSURANCE).base == Decimal("1382.71")
    assert c.total == Decimal("1834.47")


def test_rounding_is_half_up_not_bankers():
    """1.00 × 0.5 % = 0.005 → 0.01; (1.00 + 0.01) × 50 % = 0.505 → 0.51 (banker's: 0.00, 0.50)."""
    pct = SickPayPercentages(
        holiday_pay=Decimal("0.5"), employer_contributions=Decimal("50"), insurance=Decimal("0"), pension=Decimal("0"),
    )
    c = claim(sick_pay=Decimal("1.00"), percentages=pct)
    assert [ln.amount for ln in c.lines] == [
        Decimal("1.00"), Decimal("0.01"), Decimal("0.51"), Decimal("0.00"), Decimal("0.00"),
    ]
    assert c.total == Decimal("1.52")
    assert round_money(Decimal("2.675")) == Decimal("2.68")
    assert round_money(Decimal("-2.675")) == Decimal("-2.68")


def test_total_is_the_exact_sum_of_rounded_lines():
    rng = random.Random(7)
    for _ in range(300):
        sick = Decimal(rng.randint(1, 5_000_000)) / 100
        pct = SickPayPercentages(**{
            k: Decimal(rng.randint(0, 10_000)) / 100
            for k in ("holiday_pay", "employer_contributions", "insurance", "pension")
        })
        c = claim(sick_pay=sick, percentages=pct)
        assert c.total == sum(ln.amount for ln in c.lines)
        assert all(ln.amount == ln.amount.quantize(Decimal("0.01")) for ln in c.lines)
        holiday = c.line("holiday_pay").amount
        assert holiday == round_money(sick * pct.holiday_pay / 100)
        assert c.line("pension").base == sick + holiday


def test_zero_and_hundred_percent_are_allowed():
    pct = SickPayPercentages(
        holiday_pay=Decimal("0"), employer_contributions=Decimal("100"), insurance=Decimal("0"), pension=Decimal("0"),
    )
    c = claim(sick_pay=Decimal("100.00"), percentages=pct)
    assert [ln.amount for ln in c.lines] == [
        Decimal("100.00"), Decimal("0.00"), Decimal("100.00"), Decimal("0.00"), Decimal("0.00"),
    ]
    assert c.total == Decimal("200.00")


def test_no_karens_reason_instead_of_a_date():
    c = claim(karens_date=None, no_karens_reason="  karensavdrag redan gjort i tidigare sjukperiod  ")
    assert c.karens_date is None and c.no_karens_reason == "karensavdrag redan gjort i tidigare sjukperiod"


# --- evidence ------------------------------------------------------------------------------

def test_only_substitute_work_for_the_client_on_a_sick_day_counts():
    noise = [
        shift(at(5, 8), at(5, 16), who=SICK.pnr),                    # the sick assistant
        shift(at(5, 8), at(5, 16), client=OTHER_CLIENT_PNR),         # another client
        shift(at(5, 8), at(5, 16), kind=ShiftKind.STANDBY),           # standby
        shift(at(5, 17), at(5, 20), kind=ShiftKind.ON_CALL),          # on-call
        shift(at(7, 8), at(7, 16)),                                   # not a sick day
    ]
    with pytest.raises(SickPayRefused) as exc:
        claim(substitute_shifts=noise)
    e = exc.value
    assert e.code == "no_substitute_work"
    assert "reimbursed only if a substitute actually worked" in e.message
    assert "2024-03-04–2024-03-06" in e.message
    assert ("1 for another client, 1 by the sick assistant, 2 of a kind not counted "
            "(active, waiting count), 1 not on a sick day") in e.message
    assert SICK.pnr not in str(e) and CLIENT.pnr not in str(e)  # no personnummer in messages
    c = claim(substitute_shifts=noise + [SUB_WORK])
    assert c.evidence_shifts == (SUB_WORK,)


def test_no_shifts_at_all_is_refused():
    with pytest.raises(SickPayRefused, match="no_substitute_work"):
        claim(substitute_shifts=[])


def test_waiting_time_counts_and_evidence_kinds_can_widen():
    waiting = shift(at(6, 9), at(6, 12), kind=ShiftKind.WAITING)
    assert claim(substitute_shifts=[waiting]).days_with_substitute == (date(2024, 3, 6),)
    on_call = shift(at(6, 9), at(6, 12), kind=ShiftKind.ON_CALL)
    with pytest.raises(SickPayRefused, match="no_substitute_work"):
        claim(substitute_shifts=[on_call])
    c = claim(substitute_shifts=[on_call], evidence_kinds=[ShiftKind.ACTIVE, "on_call"])
    assert c.evidence_shifts == (on_call,)


def test_shift_across_midnight_covers_both_days():
    night = shift(at(3, 22), at(4, 6))  # starts the day before the first sick day
    c = claim(substitute_shifts=[night])
    assert c.days_with_substitute == (date(2024, 3, 4),)
    ends_at_midnight = shift(at(3, 16), datetime(2024, 3, 4, 0, 0, tzinfo=STOCKHOLM))
    with pytest.raises(SickPayRefused, match="1 not on a sick day"):
        claim(substitute_shifts=[ends_at_midnight])


def test_sick_day_on_the_dst_change_uses_local_time():
    occ = SicknessOccasion(sick_assistant=SICK, client=CLIENT, sick_days=(date(2024, 3, 31),))
    early = shift(at(31, 0), at(31, 4))  # the clocks jump 02:00 → 03:00 that night
    c = claim(occasion=occ, substitute_shifts=[early])
    assert c.days_with_substitute == (date(2024, 3, 31),)
    # the day before ends at local midnight, 23:00 UTC: a shift ending then is not on the sick day
    before = Shift(
        assistant_pnr=SUBSTITUTE_PNR, client_pnr=CLIENT.pnr, kind=ShiftKind.ACTIVE, decision_id="D-1",
        start=datetime(2024, 3, 30, 15, tzinfo=timezone.utc), end=datetime(2024, 3, 30, 23, tzinfo=timezone.utc),
    )
    with pytest.raises(SickPayRefused, match="1 not on a sick day"):
        claim(occasion=occ, substitute_shifts=[before])
    # a shift written in UTC that reaches 00:30 local time on the sick day counts
    utc_shift = Shift(
        assistant_pnr=SUBSTITUTE_PNR, client_pnr=CLIENT.pnr, kind=ShiftKind.ACTIVE, decision_id="D-1",
        start=datetime(2024, 3, 30, 15, tzinfo=timezone.utc), end=datetime(2024, 3, 30, 23, 30, tzinfo=timezone.utc),
    )
    assert claim(occasion=occ, substitute_shifts=[utc_shift]).days_with_substitute == (date(2024, 3, 31),)


# --- refusals ------------------------------------------------------------------------------

def test_karens_missing():
    with pytest.raises(SickPayRefused) as exc:
        claim(karens_date=None)
    assert exc.value.code == "karens_missing"
    assert "karens" in exc.value.message and str(exc.value).startswith("karens_missing: ")
    with pytest.raises(SickPayRefused, match="karens_missing"):
        claim(karens_date=None, no_karens_reason="   ")


def test_karens_date_and_reason_both_given():
    with pytest.raises(SickPayRefused) as exc:
        claim(no_karens_reason="ingen karens")
    assert exc.value.code == "karens_ambiguous"


@pytest.mark.parametrize("field", ["holiday_pay", "employer_contributions", "insurance", "pension"])
@pytest.mark.parametrize("value", ["-0.01", "-5", "100.01", "250", "NaN", "Infinity"])
def test_percentage_out_of_range(field, value):
    values = {k: Decimal("1") for k in ("holiday_pay", "employer_contributions", "insurance", "pension")}
    values[field] = Decimal(value)
    with pytest.raises(SickPayRefused) as exc:
        SickPayPercentages(**values)
    assert exc.value.code == "percentage_out_of_range"
    assert field in exc.value.message and "between 0 and 100" in exc.value.message


@pytest.mark.parametrize("value,fragment", [
    (Decimal("0"), "more than 0"), (Decimal("-10.00"), "more than 0"),
    (Decimal("10.005"), "more than 2 decimals"), ("tio kronor", "not an amount"),
])
def test_invalid_sick_pay(value, fragment):
    with pytest.raises(SickPayRefused) as exc:
        claim(sick_pay=value)
    assert exc.value.code == "invalid_sick_pay" and fragment in exc.value.message


def test_floats_are_refused():
    with pytest.raises(TypeError, match="never float"):
        claim(sick_pay=1234.56)
    with pytest.raises(TypeError, match="never float"):
        SickPayPercentages(holiday_pay=12.0, employer_contributions="31.42", insurance="0.6", pension="4.5")


# --- one claim per occasion ----------------------------------------------------------------

def test_occasion_key_is_stable_and_pseudonymous():
    again = SicknessOccasion(
        sick_assistant=SICK, client=CLIENT, sick_days=(date(2024, 3, 6), date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 4)),
    )
    assert again.sick_days == OCCASION.sick_days
    assert again.key == OCCASION.key
    assert OCCASION.key.startswith("sickpay:2024-03-04:") and len(OCCASION.key.split(":")[2]) == 16
    assert SICK.pnr not in OCCASION.key and CLIENT.pnr not in OCCASION.key
    later = SicknessOccasion(sick_assistant=SICK, client=CLIENT, sick_days=(date(2024, 4, 1),))
    assert later.key != OCCASION.key
    other_assistant = SicknessOccasion(
        sick_assistant=Assistant(pnr=SUBSTITUTE_PNR, name="Annan Testassistent"), client=CLIENT,
        sick_days=OCCASION.sick_days,
    )
    assert other_assistant.key != OCCASION.key and not other_assistant.overlaps(OCCASION)


def test_second_claim_for_the_same_occasion_is_refused():
    first = claim()
    with pytest.raises(SickPayRefused) as exc:
        claim(already_claimed=[first])
    assert exc.value.code == "duplicate_occasion" and "one claim per sickness occasion" in exc.value.message
    # same sickness, split differently: overlapping days are the same occasion
    overlapping = SicknessOccasion(sick_assistant=SICK, client=CLIENT, sick_days=(date(2024, 3, 6), date(2024, 3, 7)))
    with pytest.raises(SickPayRefused, match="duplicate_occasion"):
        refuse_if_claimed(overlapping, [OCCASION])
    # a new sickness later on is a new occasion
    separate = SicknessOccasion(sick_assistant=SICK, client=CLIENT, sick_days=(date(2024, 3, 20),))
    refuse_if_claimed(separate, [first, OCCASION])


def test_occasion_needs_a_sick_day():
    with pytest.raises(ValueError):
        SicknessOccasion(sick_assistant=SICK, client=CLIENT, sick_days=())
