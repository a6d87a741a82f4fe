"""What an invoice line bills: the decision, the kind of time, the year of the work, the claim.

Our provider side writes every hour line the same way (:func:`invoices.hourplans.hour_lines`):
item name "Personlig assistans, aktiv tid", seller's item id ``LSS-active`` (BT-155),
description "Grundbeslut TJ-2024-01, utförd 2024: 7.50 h à 332.60 kr …". Other providers' systems
write lines their own way, so the reading is tolerant and says how sure it is:

* kind: the item id ``LSS-<kind>``, else a kind's Swedish label in the item name or description
  (:data:`invoices.hours.KIND_LABEL`), else unknown;
* claim: the decision label the description starts with (grundbeslut, tillfällig utökning,
  merkostnad sjuklön), or the item id ``LSS-sickpay-*``;
* decision: the id after the label, else the first registered decision id named anywhere in
  the item name, description or note (a whole word);
* year: "utförd YYYY", else the year of the line's period (BT-134), else of the invoice's.

>>> ref = line_reference("Personlig assistans, aktiv tid",
...     "Grundbeslut TJ-2024-01, utförd 2024: 7.50 h à 332.60 kr (timersättning 2024)", "LSS-active", None, None, set())
>>> ref.decision_id, ref.kind, ref.year, ref.claim
('TJ-2024-01', 'active', 2024, 'base')
>>> line_reference("Assistans väntetid", "beslut B-7 mars", None, None, 2024, {"B-7"}).decision_id
'B-7'

A line of Försäkringskassan's 20-hour invoice (:func:`fk_line_reference`) bills a client's week
instead: the client is the first valid personnummer or samordningsnummer in the item name,
description or note (:func:`invoices.model.personal_numbers_in`); the week is the Monday of the
week of the line's period (BT-134; a week split over two months is one week), else of an ISO
week written "2024-W11" or "vecka 11 2024" / "v. 11, 2024".

>>> from stdnum import luhn  # a synthetic personnummer: born 1975-03-15, serial 128, its check digit
>>> pnr = "19750315128" + luhn.calc_check_digit("750315128")
>>> ref = fk_line_reference("Assistansersättning 20 tim", f"{pnr} vecka 11 2024", None, None)
>>> ref.client == pnr, ref.week
(True, datetime.date(2024, 3, 11))
>>> fk_line_reference("x", f"{pnr[:8]}-{pnr[8:]}", None, date(2024, 3, 1)).week  # a Friday: its week's Monday
datetime.date(2024, 2, 26)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..hours import DECISION_LABEL, KIND_LABEL
from ..model import personal_numbers_in

__all__ = ["FkLineReference", "LineReference", "fk_line_reference", "line_reference"]

_OURS = re.compile(
    r"^(?P<label>" + "|".join(re.escape(v.capitalize()) for v in DECISION_LABEL.values()) +
    r") (?P<decision>\S+), utförd (?P<year>\d{4})")
_CLAIM = {label.capitalize(): kind.value for kind, label in DECISION_LABEL.items()}
_ISO_WEEK = re.compile(r"\b(?P<year>\d{4})-W(?P<week>\d{2})\b")
_SWEDISH_WEEK = re.compile(r"\b(?:vecka|v\.?)\s*(?P<week>\d{1,2}),?\s+(?P<year>\d{4})\b", re.IGNORECASE)
_KIND_WORDS = tuple((label, kind.value) for kind, label in KIND_LABEL.items())


@dataclass(frozen=True)
class LineReference:
    decision_id: str | None
    kind: str | None
    year: int | None
    claim: str | None  # base | extension | sickpay


def _kind(item_id: str | None, text: str) -> str | None:
    if item_id and item_id.startswith("LSS-") and item_id[4:] in {k for _, k in _KIND_WORDS}:
        return item_id[4:]
    lowered = text.lower()
    for label, kind in _KIND_WORDS:
        if label in lowered:
            return kind
    return None


def _named_decision(text: str, known: set[str]) -> str | None:
    for token in sorted(set(re.findall(r"[\w./-]+", text))):
        if token in known:
            return token
    return None


def line_reference(item_name: str | None, description: str | None, item_id: str | None,
                   period_start: date | None, invoice_year: int | None, known_decisions: set[str],
                   note: str | None = None) -> LineReference:
    """How a line reads (module docstring); ``known_decisions`` are the register's ids."""
    name, desc = item_name or "", description or ""
    ours = _OURS.match(desc)
    claim = _CLAIM[ours["label"]] if ours else None
    if item_id and item_id.startswith("LSS-sickpay"):
        claim = "sickpay"
    decision = ours["decision"] if ours else _named_decision(" ".join((name, desc, note or "")), known_decisions)
    year = int(ours["year"]) if ours else (period_start.year if period_start else invoice_year)
    return LineReference(decision, _kind(item_id, f"{name} {desc}"), year, claim)


@dataclass(frozen=True)
class FkLineReference:
    client: str | None  # the client's personnummer, compacted
    week: date | None  # the Monday of the week billed


def _monday(year: int, week: int) -> date | None:
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        return None


def fk_line_reference(item_name: str | None, description: str | None, note: str | None,
                      period_start: date | None) -> FkLineReference:
    """How a line of FK's 20-hour invoice reads (module docstring)."""
    text = " ".join(p for p in (item_name, description, note) if p)
    clients = personal_numbers_in(text)
    if period_start is not None:
        week = period_start - timedelta(days=period_start.weekday())
    else:
        found = _ISO_WEEK.search(text) or _SWEDISH_WEEK.search(text)
        week = _monday(int(found["year"]), int(found["week"])) if found else None
    return FkLineReference(clients[0] if clients else None, week)
