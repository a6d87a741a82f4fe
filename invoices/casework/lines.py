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
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..hours import DECISION_LABEL, KIND_LABEL

__all__ = ["LineReference", "line_reference"]

_OURS = re.compile(
    r"^(?P<label>" + "|".join(re.escape(v.capitalize()) for v in DECISION_LABEL.values()) +
    r") (?P<decision>\S+), utförd (?P<year>\d{4})")
_CLAIM = {label.capitalize(): kind.value for kind, label in DECISION_LABEL.items()}
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
