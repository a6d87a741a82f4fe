"""The LSS billing domain: who performs assistance for whom, under which decision, when.

Types at the boundary (pydantic v2): personnummer and samordningsnummer are validated with
python-stdnum, organisation numbers (and the Luhn check digit of both) with
:mod:`peppol.identifiers`, the project's one place for them; times are aware datetimes in
Europe/Stockholm, hours are Decimal. Readers (``invoices.inputs``) build these from the
files a provider has and name file, row and field when something is wrong.
"""
from __future__ import annotations

import enum
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from stdnum.se import personnummer as se_pnr

from peppol import codes
from peppol.identifiers import luhn, se_orgnr

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SECONDS_PER_HOUR = Decimal(3600)


def _samordning_as_pnr(raw: str) -> str | None:
    """A samordningsnummer written as the personnummer it mirrors (day - 60), or None.

    Samordningsnummer add 60 to the birth day (folkbokföringslagen 18 a §); the check digit
    is computed the same way. python-stdnum's ``se.personnummer`` knows only personnummer,
    so the day is shifted back before asking it.
    """
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) not in (10, 12):
        return None
    day_at = len(digits) - 6
    day = int(digits[day_at:day_at + 2])
    if not 61 <= day <= 91:
        return None
    return f"{digits[:day_at]}{day - 60:02d}{digits[day_at + 2:]}"


def validate_pnr(value: str) -> str:
    """A personnummer or samordningsnummer, compacted to 12 digits YYYYMMDDNNNN.

    Personnummer: birth date, serial, Luhn check digit over the last 10 digits (Skatteverket
    SKV 704), validated with python-stdnum's ``se.personnummer``. Samordningsnummer: the same
    with 60 added to the day.
    """
    raw = str(value).strip()
    shifted = _samordning_as_pnr(raw)
    probe = shifted or raw
    try:
        if shifted:  # the check digit is computed over the number as written (day + 60)
            luhn.validate("".join(ch for ch in raw if ch.isdigit())[-10:])
            se_pnr.get_birth_date(shifted)
        else:
            se_pnr.validate(raw)
    except Exception as exc:  # stdnum raises ValidationError subclasses
        raise ValueError(f"not a valid personnummer or samordningsnummer ({exc.__class__.__name__})") from None
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 10:
        born = se_pnr.get_birth_date(probe)
        digits = f"{born.year:04d}{digits[2:]}"
    return digits


def validate_orgnr(value: str) -> str:
    """A Swedish organisation number: 10 digits with a Luhn check digit (Bolagsverket), as
    :func:`peppol.identifiers.se_orgnr.validate` checks and compacts it."""
    try:
        return se_orgnr.validate(value)
    except ValueError as exc:
        raise ValueError(f"not a valid organisation number ({exc.__class__.__name__})") from None


def birth_date(pnr: str) -> date:
    """Birth date from a personnummer or samordningsnummer (day - 60 for the latter)."""
    return se_pnr.get_birth_date(_samordning_as_pnr(pnr) or pnr)


def mask_pnr(pnr: str) -> str:
    """``********-1234``: what a report shows unless its reader needs the whole number.

    The last four digits tell the reader which of the people in the file is meant (with the
    file and row the message names); the birth date, personal data on its own, is hidden.

    >>> mask_pnr("19900101-1239"), mask_pnr("9001011239"), mask_pnr("12")
    ('********-1239', '******-1239', '****')
    """
    digits = pnr.replace("-", "").replace("+", "")
    if len(digits) in (10, 12) and digits.isdigit():
        return "*" * (len(digits) - 4) + "-" + digits[-4:]
    return "****"


_PNR_IN_TEXT = re.compile(r"(?<![\d])(\d{6}|\d{8})([-+]?)(\d{4})(?![\d])")


def mask_personal_numbers(text: str) -> str:
    """``text`` with every valid personnummer or samordningsnummer in it masked (:func:`mask_pnr`).

    For what a document sent to us makes us say: a sender may put a person's number in any
    field, and a rule's message may quote that field. Only numbers that pass the check digit
    and give a real birth date are masked, so organisation numbers, amounts and invoice
    numbers stay as they are.

    >>> mask_personal_numbers("BuyerReference '19900101-1239' is not ours; org nr 5599000006")
    "BuyerReference '********-1239' is not ours; org nr 5599000006"
    """
    def masked(match: re.Match) -> str:
        try:
            validate_pnr(match.group(0))
        except ValueError:
            return match.group(0)
        return mask_pnr(match.group(0))

    return _PNR_IN_TEXT.sub(masked, text)


def personal_numbers_in(text: str) -> list[str]:
    """Every valid personnummer or samordningsnummer in ``text``, compacted (:func:`validate_pnr`),
    in the order they appear; the same reading as :func:`mask_personal_numbers`.

    >>> personal_numbers_in("Assistans för 900101-1239, vecka 11; org nr 5599000006")
    ['199001011239']
    """
    found = []
    for match in _PNR_IN_TEXT.finditer(text):
        try:
            found.append(validate_pnr(match.group(0)))
        except ValueError:
            continue
    return found


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Address(Frozen):
    street: str
    postal_code: str
    city: str
    country: str = "SE"


class Contact(Frozen):
    name: str
    phone: str | None = None
    email: str | None = None


class Person(Frozen):
    pnr: str
    name: str

    _check_pnr = field_validator("pnr")(classmethod(lambda cls, v: validate_pnr(v)))

    @property
    def masked(self) -> str:
        return mask_pnr(self.pnr)


class Client(Person):
    """The person granted personal assistance (assistansberättigad)."""


class Assistant(Person):
    """A personal assistant. The register flags feed 9 d § 2–3 LSS; ``None`` is "not stated"
    (a blank cell of a time report), which is never read as yes (LSS-SRC-013)."""

    lives_in_eea: bool | None = True
    capacity_to_work: bool | None = True

    @property
    def birth_date(self) -> date:
        return birth_date(self.pnr)


class DecisionKind(str, enum.Enum):
    BASE = "base"            # grundbeslut
    EXTENSION = "extension"  # tillfällig utökning
    SICKPAY = "sickpay"      # merkostnad sjuklön


class GrantedPer(str, enum.Enum):
    WEEK = "week"
    MONTH = "month"
    PERIOD = "period"


class Decision(Frozen):
    """A municipal decision under 9 § 2 LSS: hours granted to a client for a period."""

    id: str
    client_pnr: str
    municipality: str
    kind: DecisionKind
    valid_from: date
    valid_to: date
    granted_hours: Decimal = Field(ge=0)
    granted_per: GrantedPer

    _check_pnr = field_validator("client_pnr")(classmethod(lambda cls, v: validate_pnr(v)))

    @model_validator(mode="after")
    def _period(self) -> "Decision":
        if self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self


class ShiftKind(str, enum.Enum):
    ACTIVE = "active"    # aktiv tid
    WAITING = "waiting"  # väntetid
    ON_CALL = "on_call"  # jour
    STANDBY = "standby"  # beredskap


class Shift(Frozen):
    """One row of a time report: a stretch of one kind of work for one client."""

    assistant_pnr: str
    client_pnr: str
    start: datetime
    end: datetime
    kind: ShiftKind
    decision_id: str
    source: str = ""  # "file.csv row 7", for messages

    @model_validator(mode="after")
    def _aware_and_ordered(self) -> "Shift":
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("shift times must carry a time zone (Europe/Stockholm)")
        if self.end_utc <= self.start_utc:
            raise ValueError(f"shift ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        return self

    # Python subtracts and compares two datetimes that share one tzinfo object on their wall
    # clocks, ignoring the offset (datetime docs, "aware - aware" with the same tzinfo), so a
    # 00:00-00:00 shift on the spring DST night would come out as 24 h. Every elapsed-time
    # computation goes through UTC.
    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(timezone.utc)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(timezone.utc)

    @property
    def seconds(self) -> int:
        """Elapsed seconds, exact (sum these, not ``hours``, when comparing against limits)."""
        return int((self.end_utc - self.start_utc).total_seconds())

    @property
    def hours(self) -> Decimal:
        """Elapsed hours (UTC difference, so the 23 h and 25 h DST days count right)."""
        return Decimal(self.seconds) / SECONDS_PER_HOUR


class Signatures(Frozen):
    assistant: bool = False
    supervisor: bool = False  # arbetsledare, or an ombud with fullmakt


class TimeReport(Frozen):
    """One assistant's time for one client in one month (tidrapport)."""

    assistant: Assistant
    client: Client
    month: str  # "YYYY-MM"
    shifts: tuple[Shift, ...]
    signatures: Signatures = Signatures()
    calculation_period: str | None = None      # beräkningsperiod, e.g. "4 weeks"
    collective_agreement: str | None = None    # kollektivavtal, None = none applies
    # False when the source did not say whether an agreement applies (blank / no column),
    # as opposed to saying "none"; the municipality needs the statement (LSS-SRC-042).
    collective_agreement_stated: bool = True
    # False when the source did not separate active and waiting time (a legacy time report
    # without the ``kind`` column, read as all active; LSS-SRC-040).
    kind_stated: bool = True
    # What the report states about the assistant and the client (11 a § LSS; whether the
    # household work act, lag 1970:943, may be the regime): related to the client
    # (närstående), living with the client. None = not stated (LSS-SRC-013), never "no".
    related_to_client: bool | None = False
    lives_with_client: bool | None = False

    @field_validator("month")
    @classmethod
    def _month(cls, v: str) -> str:
        datetime.strptime(v, "%Y-%m")
        return v

    def hours_by_kind(self) -> dict[ShiftKind, Decimal]:
        out: dict[ShiftKind, Decimal] = {}
        for s in self.shifts:
            out[s.kind] = out.get(s.kind, Decimal(0)) + s.hours
        return out


class Provider(Frozen):
    """The assistance provider (assistansanordnare), as its profile TOML describes it."""

    name: str
    org_nr: str
    address: Address
    contact: Contact
    f_tax: bool = True
    vat_number: str | None = None
    bankgiro: str | None = None
    plusgiro: str | None = None
    iban: str | None = None
    bic: str | None = None
    invoice_prefix: str = ""

    _check_org = field_validator("org_nr")(classmethod(lambda cls, v: validate_orgnr(v)))

    @model_validator(mode="after")
    def _payment_account(self) -> "Provider":
        if not (self.bankgiro or self.plusgiro or self.iban):
            raise ValueError("a provider needs a bankgiro, plusgiro or IBAN to be paid to")
        return self

    @property
    def peppol_id(self) -> str:
        return f"{codes.EAS_SE_ORGNR}:{self.org_nr}"
