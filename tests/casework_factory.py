"""Builders for the case-work checks: a DuckDB connection with the checks' input tables, filled
from local wall times (Europe/Stockholm) and synthetic people, then run.

Shared by every tests/test_casework_*.py module (no test module imports from another).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from invoices.agreements import load_profiles
from invoices.casework import frame, run
from invoices.checks import eighteenth_birthday

from .factories import synthetic_pnr

FAR = date(9999, 12, 31)


@dataclass
class Case:
    """One scenario: call the ``add_*`` methods, then :meth:`run`."""

    con: object = field(default_factory=frame.connect)
    _next_shift: int = 1

    def __post_init__(self) -> None:
        frame.create_inputs(self.con)

    def assistant(self, born: str = "19900101", *, regime: str = "atl", country: str = "SE",
                  capacity: bool = True, valid_from: str = "2000-01-01", valid_to: date = FAR,
                  calc_weeks: int | None = 4, serial: str = "123", pnr: str | None = None) -> str:
        """Register an assistant (a synthetic personnummer born on ``born``, YYYYMMDD); returns the pnr."""
        pnr = pnr or synthetic_pnr(born, serial)
        self.con.execute("INSERT INTO assistants VALUES (?, ?, ?, ?, ?, ?, false, false, NULL, ?, ?)",
                         [pnr, date.fromisoformat(valid_from), valid_to, eighteenth_birthday(pnr), country,
                          capacity, regime, calc_weeks])
        return pnr

    def invoice(self, invoice_id: int, *, number: str | None = None, seller: str = "0007:5599011235",
                seq: int | None = None, period: str = "2024-03", payable: str | Decimal = "0",
                doc_kind: str = "invoice", claim: str = "base", credited: bool = False) -> int:
        self.con.execute("INSERT INTO invoices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [invoice_id, number or f"F{invoice_id}", seller, seq or invoice_id, doc_kind, claim,
                          period, Decimal(payable), credited])
        return invoice_id

    def line(self, invoice_id: int, line_id: str, decision: str | None, kind: str | None, year: int | None,
             quantity: str, price: str, net: str, *, client: str | None = None, week: date | None = None) -> None:
        self.con.execute("INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [invoice_id, line_id, decision, kind, year, client, week, Decimal(quantity),
                          Decimal(price), Decimal(net)])

    def decision(self, decision_id: str, client: str, *, kind: str = "base", valid_from: str = "2024-01-01",
                 valid_to: str = "2024-12-31", granted: str = "168", per: str = "week") -> None:
        self.con.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [decision_id, client, kind, date.fromisoformat(valid_from), date.fromisoformat(valid_to),
                          Decimal(granted), per])

    def rate(self, year: int, rate: str) -> None:
        self.con.execute("INSERT INTO rates VALUES (?, ?)", [year, Decimal(rate)])

    def shift(self, assistant: str, start: str, end: str, *, invoice: int = 1, client: str = "C",
              decision: str = "D1", kind: str = "active", billed: bool = True, report: int | None = None) -> int:
        """A shift from local wall times ``YYYY-MM-DD HH:MM`` (Europe/Stockholm)."""
        shift_id = self._next_shift
        self._next_shift += 1
        self.con.execute(
            "INSERT INTO shifts VALUES (?, ?, ?, ?, ?, ?, ?, "
            "CAST(? AS TIMESTAMP) AT TIME ZONE 'Europe/Stockholm', CAST(? AS TIMESTAMP) AT TIME ZONE 'Europe/Stockholm', "
            "?, NULL)", [shift_id, invoice, report, assistant, client, decision, kind, start, end, billed])
        return shift_id

    def timereport(self, report_id: int, assistant: str | None, client: str | None, *, invoice: int = 1,
                   month: str = "2024-03", assistant_signed: bool | None = True, supervisor_signed: bool | None = True,
                   calculation_period: str | None = "4 veckor", collective_agreement: str | None = "ingen",
                   agreement_stated: bool | None = True, kind_stated: bool | None = True) -> int:
        """A time report's statements (every one made, unless told otherwise)."""
        self.con.execute("INSERT INTO timereports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [report_id, invoice, assistant, client, month, assistant_signed, supervisor_signed,
                          calculation_period, collective_agreement, agreement_stated, kind_stated])
        return report_id

    def fk_decision(self, client: str, valid_from: str, valid_to: str, hours_per_week: str = "100") -> None:
        self.con.execute("INSERT INTO fk_decisions VALUES (?, ?, ?, ?)",
                         [client, date.fromisoformat(valid_from), date.fromisoformat(valid_to), Decimal(hours_per_week)])

    def sick_claim(self, invoice_id: int, client: str, sick_assistant: str, days: list[str], sick_pay: str | None,
                   percentages: tuple[str | None, str | None, str | None, str | None] = ("12", "31.42", "0.6", "4.5"),
                   *, karens: str | None = None, no_karens: str | None = None,
                   bases: tuple[str | None, str | None, str | None] = (None, None, None)) -> None:
        """A sick-pay claim's stated figures (``invoices.casework.sickpay.sick_claims``); percentages are
        holiday pay, employer contributions, insurance, pension."""
        from invoices.casework.sickpay import create_sick_claims

        create_sick_claims(self.con)
        self.con.execute("INSERT INTO sick_claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [invoice_id, client, sick_assistant, [date.fromisoformat(d) for d in days],
                          None if sick_pay is None else Decimal(sick_pay),
                          *[None if p is None else Decimal(p) for p in percentages], *bases,
                          None if karens is None else date.fromisoformat(karens), no_karens])

    def run(self, period: str = "2024-03", checks=None, *, granted=(), money=(), **ctx) -> run.CaseRun:
        """Every check (or only ``checks``: the modules' check functions of step 1, with ``granted``
        and ``money`` those of steps 3 and 4) for ``period``."""
        context = run.CheckContext(period=period, profiles=ctx.pop("profiles", None) or load_profiles(use_env=False),
                                   **ctx)
        if checks is None and not granted and not money:
            return run.run_checks(self.con, context)
        original = run._checks
        run._checks = lambda: (tuple(checks or ()), tuple(granted), tuple(money))
        try:
            return run.run_checks(self.con, context)
        finally:
            run._checks = original


def codes(result: run.CaseRun, number: str) -> list[str]:
    return [f.code for f in result.invoice(number).findings]


def finding(result: run.CaseRun, number: str, code: str):
    (found,) = [f for f in result.invoice(number).findings if f.code == code]
    return found
