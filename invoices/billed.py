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

Shifts billed in part (``--cap-at-granted``, :mod:`invoices.granted_cap`)
    A shift of which only a part is billed (the rest beyond the granted hours) is recorded
    twice over: the key of each billed part among the decision's keys (as any billed part),
    and under ``parts`` the whole shift's key with the billed stretches as seconds from its
    start (``[[0, 9000]]``: no time of day, no personnummer). Only what was billed is recorded:
    the capped hours stay unbilled. A later ``supplement`` of the month offers only the
    stretches no counting record holds (:func:`billed_parts`); they are checked against the
    decisions given as any hours are, so without a decision change they are beyond the granted
    hours again (refused by LSS-SRC-001, or cut again with the cap); after a decision that
    grants more hours, the supplement bills them.

A record is written just before its invoice (a crash after that leaves the number reserved
and the hours blocking: the safe side; voiding the number releases them).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .hours import DECISION_LABEL
from .model import Decision, DecisionKind, Shift
from .claims import JsonLedger
from .series import SeriesError

if TYPE_CHECKING:
    from .drafts import BuildOptions

__all__ = ["BilledRecord", "HoursLedger", "billed_before", "billed_parts", "shift_key", "still_to_bill"]

Stretches = tuple[tuple[int, int], ...]  # [from, to) seconds from a shift's start



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
    parts: dict[str, dict[str, Stretches]] = field(default_factory=dict)  # decision -> whole key -> billed


def billed_parts(records: Iterable[BilledRecord], decision_id: str) -> dict[str, Stretches]:
    """Of shifts billed in part (module notes), the whole shift's key -> the stretches of it
    the ``records`` (the counting ones) billed, in order."""
    out: dict[str, list[tuple[int, int]]] = {}
    for r in records:
        for key, stretches in r.parts.get(decision_id, {}).items():
            out.setdefault(key, []).extend(stretches)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def billed_before(records: Iterable[BilledRecord], decision_id: str, month: str, kind: str,
                  inactive_numbers: Iterable[str] = ()) -> list[BilledRecord]:
    """The counting records (module notes) of ``decision_id``'s ``month`` of ``kind``."""
    inactive = set(inactive_numbers)
    return [r for r in records if r.kind == kind and r.month == month and decision_id in r.decisions
            and not r.credited_by and r.invoice_number not in inactive]


def still_to_bill(d: Decision, kind: DecisionKind, period: str, pairs: list, options: BuildOptions,
                  findings: list, pieces: dict[int, list[Shift]]) -> list:
    """The pairs of ``d``'s month still to bill (:mod:`invoices.billed`): all of them when the
    month was not billed, or its invoice was credited and is replaced; the new shifts only with
    ``supplement`` (of a shift billed in part, the stretches not billed, put in ``pieces``);
    otherwise refused (``already_billed``) naming the earlier invoice."""
    from .drafts import BuildRefused
    from .granted_cap import cut_out

    earlier = billed_before(options.billed, d.id, period, kind.value, options.inactive_numbers)
    if not earlier:
        return pairs
    numbers = ", ".join(r.invoice_number for r in earlier)
    if options.supplement:
        held = {k for r in earlier for k in r.decisions[d.id]}
        parts = billed_parts(earlier, d.id)
        left: list = []
        for r, s in pairs:
            key = shift_key(s.assistant_pnr, s)
            if key in held:
                continue
            if key in parts:
                rest = cut_out(s, [(s.start_utc + timedelta(seconds=a), s.start_utc + timedelta(seconds=b))
                                   for a, b in parts[key]])
                if not rest:
                    continue
                pieces[id(s)] = rest
            left.append((r, s))
        return left
    raise BuildRefused(
        "already_billed",
        f"decision {d.id}, {period} ({DECISION_LABEL[kind]}) was billed on invoice {numbers}: credit it and bill "
        f"the month anew (--replace {earlier[0].invoice_number} after `invoice credit`), or bill only hours not "
        "billed before (--supplement)", findings)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class HoursLedger(JsonLedger):
    """The billed-hours ledger at ``path`` (a JSON file; its folder must exist)."""

    ITEMS = "invoices"
    WHAT = "billed-hours ledger"

    @staticmethod
    def _record(raw: dict[str, Any]) -> BilledRecord:
        parts = {d: {k: tuple((int(a), int(b)) for a, b in v) for k, v in keys.items()}
                 for d, keys in (raw.get("parts") or {}).items()}
        return BilledRecord(**{**raw, "decisions": {k: tuple(v) for k, v in raw["decisions"].items()},
                               "parts": parts})

    def records(self) -> list[BilledRecord]:
        state = self.store.read()
        return [self._record(r) for r in self._items(state)] if state else []

    def record(self, invoice_number: str, kind: str, month: str, decisions: dict[str, tuple[str, ...]],
               inactive_numbers: Iterable[str] = (), parts: dict[str, dict[str, Stretches]] | None = None) -> None:
        """Add the invoice's hours, durably; re-checks under the lock that none of its shifts is
        held by a counting record (two runs at once cannot both bill them). ``parts``: the
        shifts billed in part (module notes)."""
        inactive = list(inactive_numbers)

        def change(state: dict[str, Any]) -> None:
            invoices = self._items(state)
            existing = [self._record(r) for r in invoices]
            for decision_id, keys in decisions.items():
                for rec in billed_before(existing, decision_id, month, kind, inactive):
                    if set(keys) & set(rec.decisions[decision_id]):
                        raise SeriesError(f"decision {decision_id}, {month}: hours already billed on invoice "
                                          f"{rec.invoice_number} (recorded by another run just now)")
            entry = {"invoice_number": invoice_number, "kind": kind, "month": month,
                     "decisions": {k: list(v) for k, v in decisions.items()}, "recorded_at": _now(),
                     "credited_by": None}
            if parts:
                entry["parts"] = {d: {k: [list(x) for x in v] for k, v in keys.items()} for d, keys in parts.items()}
            invoices.append(entry)

        self.store.update(change)
