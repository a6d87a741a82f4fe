"""The finance system's payment export: read, imported once, matched to invoices, answered PD.

The file (CSV or XLSX, read as every table is: :mod:`invoices.tables`) has a row per payment:

==================  ======================================================================
column              other headings
==================  ======================================================================
``invoice_number``  fakturanummer, fakturanr, faktura
``seller_org_nr``   organisationsnummer, orgnr, org_nr, leverantörens organisationsnummer
``amount``          belopp, betalt belopp, betalt
``paid_on``         betalningsdatum, betaldatum, datum, date
==================  ======================================================================

Every row is validated (the number given, a valid organisation number, an amount with at
most two decimals, a date ``YYYY-MM-DD``); a problem names the file, the row and the column,
and nothing of a file with a problem is imported. A file already imported (its SHA-256, per
municipality) is imported again as nothing.

Matching: a payment pays the invoice (not a credit note) of its seller (endpoint ``0007:`` +
the organisation number) whose number reads the same (:func:`ingest.rows.number_key`); several
stored invoices of one seller with that number (issued on different days) are matched to the
latest. A payment that matches nothing is kept unmatched: the reconciliation lists it
(``FIN-001``).

Paid (PD, :func:`ingest.casework.decide.decide_invoice`): after an import, each invoice whose
last decision is AP or CA and whose payments reach the amount approved (AP: the amount payable
after credit notes; CA: its accepted amount) is answered PD, once.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from invoices.cells import parse_date, parse_decimal, shown
from invoices.input_errors import Collector
from invoices.model import validate_orgnr
from invoices.tables import RowReader, header_names, read_table

from .. import tables as t
from ..batches import batches
from ..rows import column_problem, number_key

__all__ = ["PaymentImport", "PaymentRow", "import_payments", "read_payments"]

COLUMNS = ("invoice_number", "seller_org_nr", "amount", "paid_on")
HEADINGS = {
    "invoice_number": ("fakturanummer", "fakturanr", "faktura", "invoice number", "invoice"),
    "seller_org_nr": ("organisationsnummer", "orgnr", "org nr", "org.nr", "leverantörens organisationsnummer",
                      "seller", "seller org nr", "organisation number"),
    "amount": ("belopp", "betalt belopp", "betalt", "paid amount"),
    "paid_on": ("betalningsdatum", "betaldatum", "datum", "date", "paid", "payment date"),
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PaymentRow:
    row: int
    invoice_number: str
    seller_org_nr: str
    amount: Decimal
    paid_on: date


@dataclass(frozen=True)
class PaymentImport:
    import_id: int | None  # None: the file was imported before (nothing written)
    source_name: str
    rows: int
    matched: int
    unmatched: int
    answered_paid: tuple[str, ...]  # the invoice numbers answered PD


def _amount(value) -> Decimal:
    amount = parse_decimal(value)
    if amount != amount.quantize(CENT):
        raise ValueError(f"{shown(value)} has more than two decimals")
    if amount <= 0:
        raise ValueError(f"{shown(value)} is not a payment (0 or negative)")
    return amount


def _org_nr(value) -> str:
    from invoices.cells import cell_text

    text = cell_text(value)
    if not text:
        raise ValueError("missing")
    return validate_orgnr(text)


def read_payments(path: Path) -> tuple[str, list[PaymentRow]]:
    """The payments of a file and its bytes' SHA-256; :class:`invoices.input_errors.InputErrors`
    with every problem (file, row, column)."""
    out = Collector()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    table = read_table(path, out, known=COLUMNS, required=COLUMNS, aliases=header_names(HEADINGS))
    rows: list[PaymentRow] = []
    if table is not None:
        for row in table.rows:
            cells = RowReader(table, row, out)
            number = cells.required_text("invoice_number")
            if number is not None and (problem := column_problem(t.payments, "invoice_number", number)):
                cells.error("invoice_number", problem)
            org = cells.get("seller_org_nr", _org_nr)
            amount = cells.get("amount", _amount)
            if amount is not None and (problem := column_problem(t.payments, "amount", amount)):
                cells.error("amount", problem)
            paid_on = cells.get("paid_on", parse_date)
            if not cells.failed:
                rows.append(PaymentRow(row.number, number, org, amount, paid_on))
    out.raise_if_any()
    return sha, rows


def _invoice_of(conn: Connection, payment: PaymentRow) -> int | None:
    inv = t.invoices
    return conn.execute(
        select(inv.c.id).join(t.documents, t.documents.c.id == inv.c.document_id)
        .where(inv.c.seller_key == f"0007:{payment.seller_org_nr}", inv.c.number_key == number_key(payment.invoice_number),
               inv.c.kind == "invoice", t.documents.c.state == "stored")
        .order_by(inv.c.issue_date.desc(), inv.c.id.desc()).limit(1)).scalar()


def import_payments(store, municipality: str, path: Path, *, by: str, now: datetime,
                    answer_paid=None) -> PaymentImport:
    """Read, import and match a payment file (module notes) in one transaction; then answer PD
    (``answer_paid``: a callable taking the invoice ids, default :func:`answer_paid_invoices`)."""
    sha, rows = read_payments(path)
    with store.engine.begin() as conn:
        known = conn.execute(select(t.payment_imports.c.id).where(
            t.payment_imports.c.municipality == municipality, t.payment_imports.c.sha256 == sha)).scalar()
        if known is not None:
            return PaymentImport(None, path.name, len(rows), 0, 0, ())
        import_id = conn.execute(insert(t.payment_imports).values(
            municipality=municipality, source_name=path.name, sha256=sha, imported_by=by, imported_at=now,
            rows=len(rows))).inserted_primary_key[0]
        matched = [(p, _invoice_of(conn, p)) for p in rows]
        if matched:
            conn.execute(insert(t.payments), [dict(
                import_id=import_id, row=p.row, invoice_number=p.invoice_number, seller_org_nr=p.seller_org_nr,
                amount=p.amount, paid_on=p.paid_on, invoice_id=invoice_id) for p, invoice_id in matched])
        conn.execute(insert(t.audit_log).values(
            at=now, actor=by, action="payments-import", subject=path.name,
            detail=f'{{"import_id": {import_id}, "rows": {len(rows)}, "sha256": "{sha}"}}'))
    paid_ids = sorted({i for _, i in matched if i is not None})
    answered = (answer_paid or answer_paid_invoices)(store, paid_ids, by=by, now=now)
    return PaymentImport(import_id, path.name, len(rows), sum(1 for _, i in matched if i is not None),
                         sum(1 for _, i in matched if i is None), tuple(answered))


def paid_amounts(conn: Connection, invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """The payments matched to each invoice, summed exactly (in Decimal: SQLite would sum the
    stored decimal text as binary floats)."""
    ids = list(invoice_ids)
    out: dict[int, Decimal] = {}
    for chunk in batches(ids):
        for invoice_id, amount in conn.execute(select(t.payments.c.invoice_id, t.payments.c.amount)
                                               .where(t.payments.c.invoice_id.in_(chunk))):
            out[invoice_id] = out.get(invoice_id, Decimal(0)) + Decimal(amount)
    return out


def answer_paid_invoices(store, invoice_ids: Iterable[int], *, by: str, now: datetime) -> list[str]:
    """PD for each invoice fully paid after AP or CA (module notes); the numbers answered. An
    invoice that cannot be answered (no address; a decision in the meantime) is left as it is:
    the reconciliation shows it paid without PD."""
    from ..casework.cases import CaseError, decisions_of
    from ..casework.decide import Action, RefusedDecision, decide_invoice
    from .amounts import approved_amount

    answered = []
    for invoice_id in invoice_ids:
        with store.engine.connect() as conn:
            previous = decisions_of(conn, invoice_id)
            last = previous[-1] if previous else None
            if last is None or last.status not in ("AP", "CA"):
                continue
            approved = approved_amount(conn, invoice_id, last)
            paid = paid_amounts(conn, [invoice_id]).get(invoice_id, Decimal(0))
            number = conn.execute(select(t.invoices.c.invoice_number).where(t.invoices.c.id == invoice_id)).scalar()
        if approved is None or paid < approved:
            continue
        try:
            decide_invoice(store, invoice_id, Action.PAID, by=by, now=now)
        except (CaseError, RefusedDecision):
            continue
        answered.append(number)
    return answered
