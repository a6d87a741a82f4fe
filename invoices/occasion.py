"""The sickness-occasion file: what a sick-pay extra-cost claim needs, as TOML.

One file per sickness occasion (one claim, "för varje tillfälle", seed 003). The client's
and the sick assistant's names come from the time reports when they are in them; the
substitute's work must be: the claim is refused when no substitute's time report shows
work for the client on a sick day. Layout (``occasion_template_toml()`` writes an example)::

    [occasion]
    client_pnr = "YYYYMMDD-NNNN"          # required: the client (assistansberättigad)
    sick_assistant_pnr = "YYYYMMDD-NNNN"  # required: the regular assistant who was sick
    sick_assistant_name = "..."           # optional when the assistant has a time report
    sick_days = [2024-03-11, 2024-03-12]  # required: the sick days (TOML dates or "YYYY-MM-DD")
    substitute_pnr = "YYYYMMDD-NNNN"      # required: the substitute (vikarie); or a list
    sick_pay = "1846.40"                  # required: sick pay in SEK from the payslip (a string)
    karens_date = 2024-03-11              # the qualifying-day deduction date, or:
    no_karens_reason = "..."              # why no karens was deducted (exactly one of the two)
    wage = "172.50"                       # optional: the sick assistant's wage (timlön/månadslön)
    wage_per = "hour"                     # with wage: hour or month
    collective_agreement = "..."          # optional: the employer's collective agreement

    [percentages]                         # required, percent (0-100), strings or integers
    holiday_pay = "12"                    # semesterersättning, of the sick pay
    employer_contributions = "31.42"      # lagstadgad arbetsgivaravgift
    insurance = "0.6"                     # avtalsförsäkring
    pension = "4.5"                       # kollektivavtalad pension (0 when none)

    [bases]                               # optional: what each percentage is taken of
    employer_contributions = "sick_pay_and_holiday_pay"   # or "sick_pay"
    insurance = "sick_pay_and_holiday_pay"
    pension = "sick_pay_and_holiday_pay"

    [attachments]                         # optional: more supporting documents, embedded
    files = ["ordinarie-schema.pdf"]      # relative to this file; .pdf .png .jpg .csv .xlsx .ods

Amounts and percentages are never TOML floats (binary fractions): write them as strings
(``"31.42"``); integers are accepted. The calculation (bases, one half-up rounding per line)
is :mod:`invoices.sickpay`'s. The wage and the collective agreement go into the claim's
supporting CSV (Tjörn and Borås ask for them); names and personnummer never leave the
attachments.

Errors are :class:`invoices.inputs.InputErrors` naming the file and ``[table] key``;
messages never repeat a personnummer.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .input_errors import InputError, InputErrors
from .model import validate_pnr
from .sickpay import Base, SickPayBases, SickPayPercentages, SickPayRefused
from .attachment_files import ExtraAttachment, read_attachment_file

__all__ = ["OccasionSpec", "ExtraAttachment", "read_occasion", "occasion_template_toml"]

_OCCASION_KEYS = ("client_pnr", "sick_assistant_pnr", "sick_assistant_name", "sick_days", "substitute_pnr",
                  "sick_pay", "karens_date", "no_karens_reason", "wage", "wage_per", "collective_agreement")
_PERCENT_KEYS = ("holiday_pay", "employer_contributions", "insurance", "pension")
_BASE_KEYS = ("employer_contributions", "insurance", "pension")
_ATTACHMENT_KEYS = ("files",)


@dataclass(frozen=True)
class OccasionSpec:
    """A sickness occasion as the provider describes it (personnummer compacted to 12 digits)."""

    client_pnr: str
    sick_assistant_pnr: str
    sick_days: tuple[date, ...]
    substitute_pnrs: tuple[str, ...]
    sick_pay: Decimal
    percentages: SickPayPercentages
    bases: SickPayBases = SickPayBases()
    karens_date: date | None = None
    no_karens_reason: str | None = None
    sick_assistant_name: str | None = None
    wage: Decimal | None = None
    wage_per: str | None = None
    collective_agreement: str | None = None
    attachments: tuple[ExtraAttachment, ...] = ()
    source: str = ""


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("write the number as a string in quotes, e.g. \"31.42\" (TOML floats are inexact)")
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str):
        raise ValueError("must be a number written as a string, e.g. \"31.42\"")
    try:
        d = Decimal(value.strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not d.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return d


def _date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date YYYY-MM-DD")


def read_occasion(path: str | Path) -> OccasionSpec:
    """Read and check an occasion file (layout in the module docstring)."""
    path = Path(path)
    name = path.name
    errors: list[InputError] = []

    def add(field: str | None, message: str) -> None:
        errors.append(InputError(name, None, field, message))

    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise InputErrors([InputError(name, None, None, "no such file")]) from None
    except OSError as exc:
        raise InputErrors([InputError(name, None, None, f"cannot be read ({exc.__class__.__name__})")]) from None
    except UnicodeDecodeError:
        raise InputErrors([InputError(name, None, None, "the file is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputErrors([InputError(name, None, None, f"not valid TOML: {exc}")]) from None

    def table(key: str, required: bool, allowed: tuple[str, ...]) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                add(f"[{key}]", "missing table")
            return {}
        if not isinstance(value, dict):
            add(key, f"must be a table [{key}]")
            return {}
        for k in value:
            if k not in allowed:
                add(f"[{key}] {k}", "unknown key; the keys are: " + ", ".join(allowed))
        return value

    for key in data:
        if key not in ("occasion", "percentages", "bases", "attachments"):
            add(key, "unknown table; the tables are: occasion, percentages, bases, attachments")
    occ = table("occasion", True, _OCCASION_KEYS)
    pct = table("percentages", True, _PERCENT_KEYS)
    bases_t = table("bases", False, _BASE_KEYS)
    att = table("attachments", False, _ATTACHMENT_KEYS)

    def get(tbl: dict[str, Any], tname: str, key: str, parse, required: bool):
        field = f"[{tname}] {key}"
        if key not in tbl or tbl[key] == "":
            if required and (tname in data):
                add(field, "missing")
            return None
        try:
            return parse(tbl[key])
        except ValueError as exc:
            add(field, str(exc))
            return None

    def pnr(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a personnummer in quotes, YYYYMMDD-NNNN")
        try:
            return validate_pnr(value)
        except ValueError:
            raise ValueError("not a valid personnummer or samordningsnummer") from None

    def text(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be text in quotes")
        return value.strip()

    def days(value: Any) -> tuple[date, ...]:
        if not isinstance(value, list) or not value:
            raise ValueError("must be a list of dates, e.g. [2024-03-11, 2024-03-12]")
        return tuple(sorted({_date(v) for v in value}))

    def substitutes(value: Any) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise ValueError("name at least one substitute")
        return tuple(dict.fromkeys(pnr(v) for v in items))

    def money(value: Any) -> Decimal:
        d = _decimal(value)
        if d.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValueError(f"{d} has more than 2 decimals (öre)")
        return d

    client = get(occ, "occasion", "client_pnr", pnr, True)
    sick = get(occ, "occasion", "sick_assistant_pnr", pnr, True)
    sick_name = get(occ, "occasion", "sick_assistant_name", text, False)
    sick_days = get(occ, "occasion", "sick_days", days, True)
    subs = get(occ, "occasion", "substitute_pnr", substitutes, True)
    sick_pay = get(occ, "occasion", "sick_pay", money, True)
    karens = get(occ, "occasion", "karens_date", _date, False)
    no_karens = get(occ, "occasion", "no_karens_reason", text, False)
    wage = get(occ, "occasion", "wage", money, False)
    wage_per = get(occ, "occasion", "wage_per", text, False)
    agreement = get(occ, "occasion", "collective_agreement", text, False)
    if "occasion" in data:
        if karens is None and no_karens is None and "karens_date" not in occ and "no_karens_reason" not in occ:
            add("[occasion] karens_date", "missing: give the karens date or no_karens_reason")
        elif karens is not None and no_karens is not None:
            add("[occasion] karens_date", "give either karens_date or no_karens_reason, not both")
    if wage_per is not None and wage_per not in ("hour", "month"):
        add("[occasion] wage_per", "must be hour or month")
        wage_per = None
    if wage is not None and wage_per is None and "wage_per" not in occ:
        add("[occasion] wage_per", "missing: hour or month, with wage")
    if sick is not None and subs and sick in subs:
        add("[occasion] substitute_pnr", "the substitute is the sick assistant")
    if client is not None and sick is not None and client == sick:
        add("[occasion] sick_assistant_pnr", "the sick assistant is the client")

    percents: dict[str, Decimal] = {}
    for key in _PERCENT_KEYS:
        v = get(pct, "percentages", key, _decimal, True)
        if v is not None:
            if v < 0 or v > 100:
                add(f"[percentages] {key}", f"{v} is not a percentage between 0 and 100")
            else:
                percents[key] = v
    bases_kw: dict[str, Base] = {}
    for key in _BASE_KEYS:
        def base(value: Any) -> Base:
            try:
                return Base(value)
            except ValueError:
                raise ValueError("must be sick_pay or sick_pay_and_holiday_pay") from None
        b = get(bases_t, "bases", key, base, False)
        if b is not None:
            bases_kw[key] = b

    extras: list[ExtraAttachment] = []
    files = att.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        add("[attachments] files", "must be a list of file names in quotes")
        files = []
    for f in files:
        try:
            extras.append(read_attachment_file(path.parent / f))
        except ValueError as exc:
            add("[attachments] files", str(exc))

    if errors:
        raise InputErrors(errors)
    try:
        percentages = SickPayPercentages(**percents)
    except SickPayRefused as exc:  # not expected after the range check above
        raise InputErrors([InputError(name, None, "[percentages]", exc.message)]) from None
    return OccasionSpec(
        client_pnr=client, sick_assistant_pnr=sick, sick_days=sick_days, substitute_pnrs=subs,
        sick_pay=sick_pay, percentages=percentages, bases=SickPayBases(**bases_kw),
        karens_date=karens, no_karens_reason=no_karens, sick_assistant_name=sick_name,
        wage=wage, wage_per=wage_per, collective_agreement=agreement, attachments=tuple(extras),
        source=name,
    )


def occasion_template_toml() -> str:
    """An occasion file with synthetic values (fictional people, valid check digits); it
    reads as it is, and the provider replaces every value."""
    return '''# lssinvoice sickness occasion (sjukdomstillfälle): one file per occasion, one claim.
# Used with: lssinvoice invoice create --kind sickpay --sickpay THIS_FILE ...
# Amounts and percentages are strings in quotes ("31.42"), never bare decimals.

[occasion]
client_pnr = "19800101-9879"            # the client / den assistansberättigade (synthetic)
sick_assistant_pnr = "19900101-1239"    # the regular assistant who was sick (synthetic)
sick_assistant_name = "Testa Testsson"  # optional if the assistant has a time report
sick_days = [2024-05-02, 2024-05-03]    # the sick days
substitute_pnr = "19850615-4569"        # the substitute (vikarie) whose time report shows the work (synthetic)
sick_pay = "1846.40"                    # sick pay in SEK (sjuklön), from the payslip
karens_date = 2024-05-02                # date of the qualifying-day deduction, or instead:
# no_karens_reason = "..."              # why no karens was deducted
wage = "172.50"                         # optional: the sick assistant's wage
wage_per = "hour"                       # hour (timlön) or month (månadslön)
collective_agreement = "Exempelavtalet" # optional: the employer's collective agreement

[percentages]                           # percent, 0-100
holiday_pay = "12"                      # semesterersättning
employer_contributions = "31.42"        # lagstadgad arbetsgivaravgift
insurance = "0.6"                       # avtalsförsäkring
pension = "4.5"                         # kollektivavtalad pension (0 if none)

# [bases]                               # optional; default: sick pay + holiday pay
# employer_contributions = "sick_pay_and_holiday_pay"   # or "sick_pay"

# [attachments]                         # optional: more supporting documents (e.g. the schedule)
# files = ["ordinarie-schema.pdf"]      # relative to this file
'''
