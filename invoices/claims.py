"""Sick-pay claims already made: one claim per sickness occasion, across runs.

"Ansökan ska göras för varje tillfälle den ordinarie personlige assistenten är sjuk" (seed
003): each sickness occasion is claimed once. A second claim for the same occasion must be
refused even in a later run, so the claims are kept in a small ledger next to the invoice
number series, with the series' own storage (:class:`invoices.series.JsonFileStore`: an
exclusive ``flock``, atomic replace, ``fsync``). Like the series this is persistence inside
the domain package, for the same reason: the refusal cannot be a pure function of one run's
inputs. The caller points at the file; nothing else is opened.

What is stored
    Per claim: the occasion key (:attr:`SicknessOccasion.key`), a pseudonym of the
    (client, sick assistant) pair (truncated SHA-256, like the key), the sick days, the
    invoice number and when it was recorded; ``credited_by`` when a credit note cancelled
    the invoice. No personnummer and no name.

When a claim counts
    A recorded claim blocks a new claim for the same occasion (same key, or the same pair
    with a sick day in common) unless its invoice number was voided in the series (the
    invoice was never written) or the invoice was credited (a corrected claim may follow).
    A claim is recorded *before* its invoice is written: a crash after that leaves the
    number "reserved" in the series and the claim blocking, which is the safe side (nobody
    can tell whether the invoice went out); voiding the number releases it.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .series import JsonFileStore, SeriesError
from .sickpay import SickPayRefused, SicknessOccasion

__all__ = ["ClaimRecord", "JsonLedger", "SickPayLedger", "pair_pseudonym", "refuse_if_recorded"]

LEDGER_FORMAT = 1


def pair_pseudonym(client_pnr: str, assistant_pnr: str) -> str:
    """16 hex digits of SHA-256 over client and sick assistant: a pseudonym, not anonymous."""
    return hashlib.sha256(f"{client_pnr}|{assistant_pnr}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ClaimRecord:
    key: str
    pair: str
    sick_days: tuple[str, ...]
    invoice_number: str
    recorded_at: str
    credited_by: str | None = None

    @property
    def first_day(self) -> str:
        return self.sick_days[0]

    @property
    def last_day(self) -> str:
        return self.sick_days[-1]

    def blocks(self, occasion: SicknessOccasion) -> bool:
        days = {d.isoformat() for d in occasion.sick_days}
        same_pair = self.pair == pair_pseudonym(occasion.client.pnr, occasion.sick_assistant.pnr)
        return self.key == occasion.key or (same_pair and bool(days & set(self.sick_days)))


def refuse_if_recorded(occasion: SicknessOccasion, records: Iterable[ClaimRecord],
                       inactive_numbers: Iterable[str] = ()) -> None:
    """Raise ``SickPayRefused("duplicate_occasion")`` when a counting claim blocks ``occasion``
    (see the module notes; ``inactive_numbers`` are the series' voided numbers)."""
    inactive = set(inactive_numbers)
    for rec in records:
        if rec.credited_by or rec.invoice_number in inactive:
            continue
        if rec.blocks(occasion):
            raise SickPayRefused(
                "duplicate_occasion",
                f"the sickness occasion starting {occasion.first_day} was already claimed with invoice "
                f"{rec.invoice_number} (sick days {rec.first_day}–{rec.last_day}, {rec.key}); one claim per "
                "sickness occasion — credit that invoice first if the claim must be corrected",
            )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class JsonLedger:
    """A ledger of invoices kept beside the number series (a JSON file with the series' own
    storage, :class:`invoices.series.JsonFileStore`; its folder must exist): a list of entries
    under :attr:`ITEMS`, each naming its ``invoice_number`` and, once a credit note cancelled
    that invoice, ``credited_by``. The sick-pay claims and the billed hours
    (:mod:`invoices.billed`) are two such ledgers."""

    ITEMS = ""  # the key of the entries' list
    WHAT = ""  # what the ledger is, for an error

    def __init__(self, path: str | os.PathLike[str]):
        self.store = JsonFileStore(path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.store.path)!r})"

    def _items(self, state: dict[str, Any]) -> list[dict[str, Any]]:
        if not state:
            state.update({"format": LEDGER_FORMAT, self.ITEMS: []})
        if state.get("format") != LEDGER_FORMAT or not isinstance(state.get(self.ITEMS), list):
            raise SeriesError(f"{self.store.path}: not a {self.WHAT} of format {LEDGER_FORMAT}")
        return state[self.ITEMS]

    def mark_credited(self, invoice_number: str, credit_note_number: str) -> int:
        """Record that ``invoice_number`` was credited; returns how many entries it released."""

        def change(state: dict[str, Any]) -> int:
            n = 0
            for entry in self._items(state):
                if entry["invoice_number"] == invoice_number and not entry.get("credited_by"):
                    entry["credited_by"] = credit_note_number
                    n += 1
            return n

        if not self.store.path.exists():
            return 0
        return self.store.update(change)


class SickPayLedger(JsonLedger):
    """The claims ledger at ``path`` (a JSON file; its folder must exist)."""

    ITEMS = "claims"
    WHAT = "sick-pay claims ledger"

    def records(self) -> list[ClaimRecord]:
        state = self.store.read()
        if not state:
            return []
        return [ClaimRecord(**{**c, "sick_days": tuple(c["sick_days"])}) for c in self._items(state)]

    def record(self, occasion: SicknessOccasion, invoice_number: str,
               inactive_numbers: Iterable[str] = ()) -> None:
        """Add the claim, durably; re-checks under the lock (two runs at once cannot both
        claim one occasion)."""
        inactive = list(inactive_numbers)

        def change(state: dict[str, Any]) -> None:
            claims = self._items(state)
            existing = [ClaimRecord(**{**c, "sick_days": tuple(c["sick_days"])}) for c in claims]
            refuse_if_recorded(occasion, existing, inactive)
            claims.append({
                "key": occasion.key,
                "pair": pair_pseudonym(occasion.client.pnr, occasion.sick_assistant.pnr),
                "sick_days": [d.isoformat() for d in occasion.sick_days],
                "invoice_number": invoice_number,
                "recorded_at": _now(),
                "credited_by": None,
            })

        self.store.update(change)

