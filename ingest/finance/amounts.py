"""What an invoice is worth to finance: net of credit notes, and what the case officer approved.

* **Net invoiced**: the invoice's payable amount (BT-115) minus the payable amounts of the
  credit notes of the same seller that name it (BT-25, stored as ``preceding_invoice``).
* **Approved**: by the last decision that is not PD (paid): AP approves the net invoiced
  amount; CA the amount it accepts (its BT-115 condition); RE nothing (0.00); UQ, IP or no
  decision: not yet (None).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from .. import tables as t

__all__ = ["approved_of", "approved_amount", "net_invoiced"]

ZERO = Decimal("0.00")


def net_invoiced(conn: Connection, invoice_id: int) -> Decimal:
    inv, cn = t.invoices, t.invoices.alias("cn")
    row = conn.execute(select(inv.c.payable, inv.c.seller_key, inv.c.invoice_number).where(inv.c.id == invoice_id)).one()
    credited = conn.execute(
        select(cn.c.payable).join(t.documents, t.documents.c.id == cn.c.document_id)
        .where(and_(cn.c.kind == "creditnote", cn.c.seller_key == row.seller_key,
                    cn.c.preceding_invoice == row.invoice_number, t.documents.c.state == "stored"))).scalars().all()
    # summed here, in Decimal: SQLite would sum the stored decimal text as binary floats
    return Decimal(row.payable) - sum((Decimal(c) for c in credited), Decimal(0))


def approved_of(status: str | None, amount: Decimal | None, net: Decimal) -> Decimal | None:
    """The approved amount for a last (non-PD) decision ``status`` (module notes)."""
    if status == "AP":
        return net
    if status == "CA":
        return Decimal(amount)
    if status == "RE":
        return ZERO
    return None


def approved_amount(conn: Connection, invoice_id: int, last=None) -> Decimal | None:
    """The approved amount of a stored invoice (module notes); ``last``: its last decision."""
    from ..casework.cases import decisions_of

    decisions = [d for d in decisions_of(conn, invoice_id) if d.status != "PD"]
    if last is not None and last.status != "PD":
        decisions = [d for d in decisions if d.round <= last.round]
    if not decisions:
        return None
    final = decisions[-1]
    return approved_of(final.status, final.amount, net_invoiced(conn, invoice_id))
