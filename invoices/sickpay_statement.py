"""What a received sick-pay claim states about its occasion: read back from its calculation.

A claim for the extra cost of sick pay (9 § 2 LSS) carries its calculation as the supporting
document ``SJ-1`` (:mod:`invoices.sickpay_invoice` writes it): a two-part CSV, first the facts
("uppgift", "värde") then the calculation ("rad", "belopp (kr)", "beräkning"). The municipal
side recomputes the claim from exactly these figures (:mod:`invoices.casework.sickpay`), so
they are read here, by the side that writes them, and nowhere else.

Read from the facts
    ``Den enskildes personnummer``, ``Sjuk assistent, personnummer``, ``Sjukdagar`` (ISO dates,
    comma-separated), ``Karensavdrag, datum`` or ``Karensavdrag ej gjort, orsak``.
Read from the calculation (rows named by the labels of :data:`invoices.sickpay.LABELS`)
    the sick pay (row "Sjuklön", its amount); each percentage and its base from its row's
    "P % av B kr": B equal to the sick pay is the base ``sick_pay``, equal to sick pay + holiday
    pay ``sick_pay_and_holiday_pay`` (holiday pay is always a percentage of the sick pay). When
    the holiday pay is 0 the two bases are the same amount; the default (with holiday pay) is
    then taken, which computes the same.

Anything else is refused with :class:`StatementUnreadable`, naming the row: the municipality
then has no stated figures, which its check reports (LSS-CASE-083), never a guess.

>>> from stdnum import luhn  # synthetic personnummer: a birth date and serial with their check digit
>>> client, sick = (f"{d}-{s}{luhn.calc_check_digit(d[2:] + s)}" for d, s in (("19800101", "987"), ("19900101", "123")))
>>> text = (
...     f"uppgift,värde,underlag\\r\\nDen enskildes personnummer,{client},\\r\\n"
...     f"\\"Sjuk assistent, personnummer\\",{sick},\\r\\nSjukdagar,\\"2026-03-02, 2026-03-03\\",\\r\\n"
...     "\\"Karensavdrag, datum\\",2026-03-02,\\r\\n\\r\\nrad,belopp (kr),beräkning\\r\\n"
...     "Sjuklön,1000.00,sjuklön i kronor\\r\\nSemesterersättning,120.00,12 % av 1000.00 kr\\r\\n"
...     "Lagstadgad arbetsgivaravgift,351.90,31.42 % av 1120.00 kr\\r\\n"
...     "Avtalsförsäkring,0.00,0 % av 1120.00 kr\\r\\nKollektivavtalad pension,60.00,6 % av 1000.00 kr\\r\\n")
>>> s = read_stated_claim(text.encode())
>>> s.sick_pay, s.holiday_pct, s.pension_pct, s.pension_base, s.contributions_base, len(s.days)
(Decimal('1000.00'), Decimal('12'), Decimal('6'), 'sick_pay', 'sick_pay_and_holiday_pay', 2)
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from .model import validate_pnr
from .sickpay import LABELS, Base, Component

__all__ = ["CALCULATION_ID", "StatedClaim", "StatementUnreadable", "read_stated_claim"]

CALCULATION_ID = "SJ-1"  # BT-122 of the calculation's supporting document
_COMPONENT_BY_LABEL = {label: component for component, label in LABELS.items()}
_PERCENT_OF = re.compile(r"^\s*(?P<pct>\d+(?:\.\d+)?) % av (?P<base>\d+(?:\.\d+)?) kr")
_FACTS = {"Den enskildes personnummer": "client", "Sjuk assistent, personnummer": "sick_assistant",
          "Sjukdagar": "days", "Karensavdrag, datum": "karens_date",
          "Karensavdrag ej gjort, orsak": "no_karens_reason"}


class StatementUnreadable(ValueError):
    """The calculation cannot be read as a claim's stated figures (the message names the row)."""


@dataclass(frozen=True)
class StatedClaim:
    """A claim's stated figures (module docstring); personnummer compacted to 12 digits."""

    client: str
    sick_assistant: str
    days: tuple[date, ...]
    sick_pay: Decimal
    holiday_pct: Decimal
    contributions_pct: Decimal
    insurance_pct: Decimal
    pension_pct: Decimal
    contributions_base: str
    insurance_base: str
    pension_base: str
    karens_date: date | None
    no_karens_reason: str | None


def _amount(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise StatementUnreadable(f"{where}: {text.strip()[:40]!r} is not an amount") from None
    if not value.is_finite():
        raise StatementUnreadable(f"{where}: {text.strip()[:40]!r} is not an amount")
    return value


def _day(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise StatementUnreadable(f"{where}: {text.strip()[:40]!r} is not a date (YYYY-MM-DD)") from None


def _pnr(text: str, where: str) -> str:
    try:
        return validate_pnr(text)
    except ValueError as exc:  # the message never repeats the number
        raise StatementUnreadable(f"{where}: {exc}") from None


def _rows(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementUnreadable("the calculation is not UTF-8 text") from None
    return [(n, [c.strip() for c in row]) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)]


def _base(stated: Decimal, sick_pay: Decimal, holiday: Decimal, where: str) -> str:
    if stated == sick_pay + holiday:
        return Base.SICK_PAY_AND_HOLIDAY_PAY.value
    if stated == sick_pay:
        return Base.SICK_PAY.value
    raise StatementUnreadable(f"{where}: the base {stated} kr is neither the sick pay ({sick_pay}) nor the sick "
                              f"pay with holiday pay ({sick_pay + holiday})")


def read_stated_claim(content: bytes) -> StatedClaim:
    """The stated figures of a claim's calculation ``SJ-1`` (module docstring)."""
    facts: dict[str, object] = {}
    amounts: dict[Component, Decimal] = {}
    percent_of: dict[Component, tuple[Decimal, Decimal, str]] = {}
    for n, row in _rows(content):
        if not row or not row[0]:
            continue
        where = f"row {n} ({row[0][:40]})"
        value = row[1] if len(row) > 1 else ""
        if row[0] in _FACTS:
            name = _FACTS[row[0]]
            if name in ("client", "sick_assistant"):
                facts[name] = _pnr(value, where)
            elif name == "days":
                facts[name] = tuple(sorted({_day(d, where) for d in value.split(",") if d.strip()}))
            elif name == "karens_date":
                facts[name] = _day(value, where) if value else None
            else:
                facts[name] = value or None
        elif row[0] in _COMPONENT_BY_LABEL:
            component = _COMPONENT_BY_LABEL[row[0]]
            amounts[component] = _amount(value, where)
            if component is not Component.SICK_PAY:
                how = _PERCENT_OF.match(row[2] if len(row) > 2 else "")
                if not how:
                    raise StatementUnreadable(f"{where}: the calculation does not read \"P % av B kr\"")
                percent_of[component] = (Decimal(how["pct"]), Decimal(how["base"]), where)
    missing = [label for label, name in _FACTS.items() if name in ("client", "sick_assistant", "days")
               and not facts.get(name)]
    missing += [LABELS[c] for c in Component if c not in amounts]
    if missing:
        raise StatementUnreadable("the calculation has no row " + ", ".join(f'"{m}"' for m in missing))
    sick_pay, holiday = amounts[Component.SICK_PAY], amounts[Component.HOLIDAY_PAY]
    pct = {c: percent_of[c][0] for c in percent_of}
    if percent_of[Component.HOLIDAY_PAY][1] != sick_pay:
        raise StatementUnreadable(f"{percent_of[Component.HOLIDAY_PAY][2]}: holiday pay is a percentage of the "
                                  f"sick pay ({sick_pay} kr), not of {percent_of[Component.HOLIDAY_PAY][1]} kr")
    bases = {c: _base(percent_of[c][1], sick_pay, holiday, percent_of[c][2])
             for c in (Component.EMPLOYER_CONTRIBUTIONS, Component.INSURANCE, Component.PENSION)}
    return StatedClaim(
        client=facts["client"], sick_assistant=facts["sick_assistant"], days=facts["days"], sick_pay=sick_pay,
        holiday_pct=pct[Component.HOLIDAY_PAY], contributions_pct=pct[Component.EMPLOYER_CONTRIBUTIONS],
        insurance_pct=pct[Component.INSURANCE], pension_pct=pct[Component.PENSION],
        contributions_base=bases[Component.EMPLOYER_CONTRIBUTIONS], insurance_base=bases[Component.INSURANCE],
        pension_base=bases[Component.PENSION], karens_date=facts.get("karens_date"),
        no_karens_reason=facts.get("no_karens_reason"))
