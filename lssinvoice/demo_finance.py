"""The demo's last step: finance closes March 2024 in each municipality (:mod:`ingest.finance`).

After the case work (:mod:`lssinvoice.demo_casework`), each municipality's finance system pays
what the case officer approved, and pays Annan Assistans (the careless provider) a round
10 000.00 kr where 9 696.00 kr were approved; one payment names an invoice nobody sent. The
payment export is imported (PD sent for the invoices paid in full) and the month reconciled
into ``<out>/municipalities/<slug>/reconciliation-2024-03``.

The demo checks what a controller would: Borås gets the overpayment (FIN-002), its recovery
claim (FIN-003) and the unmatched payment (FIN-001); every approved invoice is paid and
answered PD; every output is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from lssinvoice.demo_casework import MUNICIPALITIES, PERIOD, _db, _home

__all__ = ["FinanceDemoResult", "finance_demo"]

OVERPAID = Decimal("10000.00")
EXPECTED = {"boras": {"FIN-001", "FIN-002", "FIN-003"}, "tjorn": set()}


@dataclass
class FinanceDemoResult:
    reconciled: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _payments(store, slug: str, path: Path) -> int:
    """The month's payment export: every approved invoice paid its approved amount (Annan's
    overpaid), plus one payment for an invoice nobody sent (Borås)."""
    from sqlalchemy import select

    from ingest import tables as t
    from ingest.casework.cases import decisions_of
    from ingest.finance.amounts import approved_amount

    rows = []
    with store.engine.connect() as conn:
        for invoice_id, number, seller in conn.execute(select(t.invoices.c.id, t.invoices.c.invoice_number,
                                                              t.invoices.c.seller_key)
                                                       .where(t.invoices.c.kind == "invoice").order_by(t.invoices.c.id)):
            decisions = decisions_of(conn, invoice_id)
            if not decisions or decisions[-1].status not in ("AP", "CA"):
                continue
            amount = approved_amount(conn, invoice_id)
            if decisions[-1].status == "CA":
                amount = OVERPAID  # a round sum where less was approved
            rows.append((number, seller.split(":")[1], f"{amount:.2f}", "2024-04-25"))
    if slug == "boras":
        rows.append(("ZZ-404", "5599011235", "1500.00", "2024-03-29"))
    lines = ["Fakturanummer;Organisationsnummer;Belopp;Betalningsdatum"] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return len(rows)


def finance_demo(out: Path, console) -> FinanceDemoResult:
    from rich.table import Table

    from ingest.finance.outputs import write_outputs
    from ingest.finance.payments import import_payments
    from ingest.finance.reconcile import reconcile
    from ingest.store import Store

    result = FinanceDemoResult()
    now = datetime.now(UTC)
    table = Table(title=f"Finance: the reconciliation of {PERIOD}", title_justify="left")
    for col in ("municipality", "invoices", "net invoiced", "approved", "paid", "outstanding", "to recover",
                "findings"):
        table.add_column(col, justify="left" if col in ("municipality", "findings") else "right")
    for slug in MUNICIPALITIES:
        store = Store(_db(out, slug))
        try:
            export = _home(out, slug) / f"betalningar-{date(2024, 4, 25):%Y%m%d}.csv"
            _payments(store, slug, export)
            paid = import_payments(store, slug, export, by="Ekonomi (demo)", now=now)
            rec = reconcile(store, slug, PERIOD, now=now, by="Ekonomi (demo)")
        finally:
            store.dispose()
        folder = _home(out, slug) / f"reconciliation-{PERIOD}"
        sizes = write_outputs(rec, folder, metadata={"municipality": slug, "period": PERIOD, "by": "demo",
                                                     "at": now.isoformat(timespec="seconds")})
        totals = rec.totals()
        codes = sorted({f.code for f in rec.findings})
        result.reconciled[slug] = {"folder": str(folder), "files": sizes, "codes": codes,
                                   "answered_paid": list(paid.answered_paid),
                                   "totals": {k: str(v) for k, v in totals.items()}}
        table.add_row(slug, str(totals["invoices"]), str(totals["net"]), str(totals["approved"]), str(totals["paid"]),
                      str(totals["outstanding"]), str(totals["recoverable"]), ", ".join(codes) or "-")
        if set(codes) != EXPECTED[slug]:
            result.problems.append(f"{slug}: the reconciliation found {codes or 'nothing'}, expected "
                                   f"{sorted(EXPECTED[slug]) or 'nothing'}")
        unanswered = [i.number for i in rec.invoices if i.approved and i.paid >= i.approved and i.status != "PD"]
        if unanswered:
            result.problems.append(f"{slug}: paid in full without PD: {', '.join(unanswered)}")
    console.print(table)
    for slug, done in result.reconciled.items():
        console.print(f"  {slug}: PD sent for {', '.join(done['answered_paid']) or 'none'}; written to "
                      f"{done['folder']} ({', '.join(done['files'])})", markup=False)
    for problem in result.problems:
        console.print(f"[red]problem[/] {problem}")
    return result
