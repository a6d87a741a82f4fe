"""Hours already billed: a decision's month is invoiced once, across runs.

A provider who runs ``invoice create`` for March twice would send the same hours twice; the
municipality's checks would find it (LSS-CASE-001), but a provider should never send it. So
what is billed is kept in a ledger beside the invoice number series, with the series' own
storage (:class:`invoices.series.JsonFileStore`: exclusive ``flock``, atomic replace), as the
sick-pay claims are (:mod:`invoices.claims`).

What is stored, per invoice: its number, claim kind (base, extension), month, and per decision
the shifts billed, each as a pseudonymous key (16 hex digits of SHA-256 over the assistant's
personnummer and the billed part's UTC start and end; no personnummer, no name), when it was
recorded, and ``credited_by`` when a credit note cancelled it.

When a record counts (:func:`billed_before`)
    A record of the same decision, month and kind counts unless its number was voided in the
    series (never written) or its invoice was credited. Billing such a month again is refused
    (``already_billed``) naming the earlier invoice, unless

    * ``replace=NUMBER``: that invoice was credited (``invoice credit``), and the month is
      billed anew in full; or
    * ``supplement``: only the shifts none of the counting records holds are billed (hours
      added after the first invoice), on an invoice of their own.

A record is written just before its invoice (a crash after that leaves the number reserved
and the hours blocking: the safe side; voiding the number releases them).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .model import Shift
from .claims import JsonLedger
from .series import SeriesError

__all__ = ["BilledRecord", "HoursLedger", "billed_before", "shift_key"]



def shift_key(assistant_pnr: str, shift: Shift) -> str:
    """The pseudonymous key of a billed shift (or part of one)."""
    text = f"{assistant_pnr}|{shift.start_utc.isoformat()}|{shift.end_utc.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BilledRecord:
    invoice_number: str
    kind: str
    month: str
    decisions: dict[str, tuple[str, ...]]  # decision id -> shift keys
    recorded_at: str
    credited_by: str | None = None


def billed_before(records: Iterable[BilledRecord], decision_id: str, month: str, kind: str,
                  inactive_numbers: Iterable[str] = ()) -> list[BilledRecord]:
    """The counting records (module notes) of ``decision_id``'s ``month`` of ``kind``."""
    inactive = set(inactive_numbers)
    return [r for r in records if r.kind == kind and r.month == month and decision_id in r.decisions
            and not r.credited_by and r.invoice_number not in inactive]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class HoursLedger(JsonLedger):
    """The billed-hours ledger at ``path`` (a JSON file; its folder must exist)."""

    ITEMS = "invoices"
    WHAT = "billed-hours ledger"

    @staticmethod
    def _record(raw: dict[str, Any]) -> BilledRecord:
        return BilledRecord(**{**raw, "decisions": {k: tuple(v) for k, v in raw["decisions"].items()}})

    def records(self) -> list[BilledRecord]:
        state = self.store.read()
        return [self._record(r) for r in self._items(state)] if state else []

    def record(self, invoice_number: str, kind: str, month: str, decisions: dict[str, tuple[str, ...]],
               inactive_numbers: Iterable[str] = ()) -> None:
        """Add the invoice's hours, durably; re-checks under the lock that none of its shifts is
        held by a counting record (two runs at once cannot both bill them)."""
        inactive = list(inactive_numbers)

        def change(state: dict[str, Any]) -> None:
            invoices = self._items(state)
            existing = [self._record(r) for r in invoices]
            for decision_id, keys in decisions.items():
                for rec in billed_before(existing, decision_id, month, kind, inactive):
                    if set(keys) & set(rec.decisions[decision_id]):
                        raise SeriesError(f"decision {decision_id}, {month}: hours already billed on invoice "
                                          f"{rec.invoice_number} (recorded by another run just now)")
            invoices.append({"invoice_number": invoice_number, "kind": kind, "month": month,
                             "decisions": {k: list(v) for k, v in decisions.items()}, "recorded_at": _now(),
                             "credited_by": None})

        self.store.update(change)
