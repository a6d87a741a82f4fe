"""One invoice's case as the store holds it: the invoice and its parties, its latest check run
and that run's findings, its decisions in rounds, its responses; and the audit trail.

What the case officer's decisions (:mod:`ingest.casework.decide`) build on, and what
``lssinvoice case show`` / ``case history`` print. Only stored invoices have a case (a
quarantined document has no ``invoices`` row). An invoice is named by its number (BT-1),
compared as the ingest compares numbers (:func:`ingest.rows.number_key`); several sellers may
use one number, so a number matching invoices of different sellers needs the seller's
electronic address (BT-34, ``scheme:id``). Every text shown has its personnummer masked
(:func:`invoices.model.mask_personal_numbers`): a time report's message may quote one.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, func, or_, select

from invoices.model import mask_personal_numbers

from .. import tables as t
from ..rows import number_key

__all__ = ["CaseError", "UnknownInvoice", "AmbiguousInvoice", "StoredInvoice", "CaseFinding", "Decision",
           "find_invoice", "stored_invoice", "latest_run", "findings_of", "decisions_of", "case_view", "history"]


class CaseError(Exception):
    """A case decision or look-up that cannot be made; the message says why (exit 2 at the CLI)."""


class UnknownInvoice(CaseError):
    """No stored invoice has this number (and seller)."""


class AmbiguousInvoice(CaseError):
    """The number names invoices of several sellers (or several issue dates of one seller)."""


@dataclass(frozen=True)
class StoredInvoice:
    """What a response needs of a stored invoice: its number, issue date and type (BT-1..BT-3),
    the seller answered (BT-34 electronic address, BT-27 name) and the buyer (us: BT-49, BT-44)."""

    id: int
    document_id: int
    number: str
    issue_date: date
    kind: str
    type_code: str | None
    currency: str
    payable: Decimal
    seller_key: str
    seller_endpoint: str
    seller_name: str
    buyer_endpoint: str | None
    buyer_name: str | None


@dataclass(frozen=True)
class CaseFinding:
    """A finding of a check run (``case_findings``), its message masked."""

    key: str
    code: str
    basis: str
    severity: str
    message: str
    hours: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Decision:
    """A decision round (``case_decisions``)."""

    round: int
    status: str
    amount: Decimal | None
    reason: str | None
    run_id: int | None
    finding_keys: tuple[str, ...]
    decided_by: str
    decided_at: datetime
    response_id: str | None


def find_invoice(conn: Connection, number: str, seller: str | None = None) -> int:
    """The id of the stored invoice numbered ``number`` (of ``seller``, ``scheme:id``, when given).

    :class:`UnknownInvoice` when none, :class:`AmbiguousInvoice` listing the sellers (and issue
    dates) when several match."""
    inv = t.invoices
    query = select(inv.c.id, inv.c.seller_key, inv.c.issue_date).where(
        or_(inv.c.invoice_number == number, inv.c.number_key == number_key(number)))
    if seller:
        query = query.where(inv.c.seller_key == seller.strip())
    rows = conn.execute(query.order_by(inv.c.id)).all()
    if not rows:
        whose = f" from seller {seller}" if seller else ""
        raise UnknownInvoice(f"no stored invoice numbered {number!r}{whose}")
    if len(rows) > 1:
        sellers = sorted({r.seller_key for r in rows})
        if len(sellers) > 1:
            raise AmbiguousInvoice(f"invoice number {number!r} is used by several sellers ({', '.join(sellers)}): "
                                   "name one with --seller")
        dates = ", ".join(str(r.issue_date) for r in rows)
        raise AmbiguousInvoice(f"seller {sellers[0]} has several invoices numbered {number!r} (issued {dates})")
    return rows[0].id


def stored_invoice(conn: Connection, invoice_id: int) -> StoredInvoice:
    """The invoice with its seller and buyer parties (``parties`` rows; the seller's endpoint
    falls back to ``invoices.seller_key``, its name to the endpoint)."""
    inv = conn.execute(select(t.invoices).where(t.invoices.c.id == invoice_id)).one()
    parties = {p.role: p for p in conn.execute(select(t.parties).where(t.parties.c.invoice_id == invoice_id))}
    seller, buyer = parties.get("seller"), parties.get("buyer")
    seller_endpoint = (seller.endpoint if seller is not None and seller.endpoint else None) or inv.seller_key
    return StoredInvoice(
        id=inv.id, document_id=inv.document_id, number=inv.invoice_number, issue_date=inv.issue_date,
        kind=inv.kind, type_code=inv.type_code, currency=inv.currency, payable=inv.payable,
        seller_key=inv.seller_key, seller_endpoint=seller_endpoint,
        seller_name=(seller.name if seller is not None and seller.name else None) or seller_endpoint,
        buyer_endpoint=buyer.endpoint if buyer is not None else None,
        buyer_name=buyer.name if buyer is not None else None)


def latest_run(conn: Connection, invoice_id: int) -> int | None:
    """The newest check run that judged the invoice (it has a ``case_results`` row in every
    run that loaded it), or None: the latest run is the invoice's current assessment."""
    return conn.execute(select(func.max(t.case_results.c.run_id))
                        .where(t.case_results.c.invoice_id == invoice_id)).scalar()


def findings_of(conn: Connection, invoice_id: int, run_id: int | None) -> list[CaseFinding]:
    """The run's findings of the invoice, in a stable order (code, key), messages masked."""
    if run_id is None:
        return []
    f = t.case_findings
    rows = conn.execute(select(f).where(f.c.run_id == run_id, f.c.invoice_id == invoice_id)
                        .order_by(f.c.code, f.c.key)).all()
    return [CaseFinding(key=r.key, code=r.code, basis=r.basis, severity=r.severity,
                        message=mask_personal_numbers(r.message), hours=r.hours, amount=r.amount) for r in rows]


def decisions_of(conn: Connection, invoice_id: int) -> list[Decision]:
    """The invoice's decisions, round by round."""
    d = t.case_decisions
    rows = conn.execute(select(d).where(d.c.invoice_id == invoice_id).order_by(d.c.round)).all()
    return [Decision(round=r.round, status=r.status, amount=r.amount, reason=r.reason, run_id=r.run_id,
                     finding_keys=tuple(json.loads(r.finding_keys or "[]")), decided_by=r.decided_by,
                     decided_at=r.decided_at, response_id=r.response_id) for r in rows]


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def case_view(conn: Connection, invoice_id: int) -> dict:
    """The case as ``lssinvoice case show`` gives it: the invoice, its decisions, its responses
    (every round, the ingest's AB included) and the latest run's findings; personnummer masked."""
    inv = stored_invoice(conn, invoice_id)
    run_id = latest_run(conn, invoice_id)
    result = None
    if run_id is not None:
        r = conn.execute(select(t.case_results).where(t.case_results.c.run_id == run_id,
                                                      t.case_results.c.invoice_id == invoice_id)).first()
        result = {"invoiced": _plain(r.invoiced), "reimbursable": _plain(r.reimbursable),
                  "disputed": _plain(r.disputed)}
    resp = t.responses
    responses = conn.execute(select(resp.c.response_id, resp.c.kind, resp.c.code, resp.c.round, resp.c.state,
                                    resp.c.receiver, resp.c.created_at, resp.c.sent_at, resp.c.outbox_uri)
                             .where(resp.c.document_id == inv.document_id).order_by(resp.c.round, resp.c.id)).all()
    return {
        "invoice": {"id": inv.id, "document_id": inv.document_id, "number": inv.number, "kind": inv.kind,
                    "issue_date": _plain(inv.issue_date), "seller": inv.seller_endpoint,
                    "seller_name": mask_personal_numbers(inv.seller_name), "payable": _plain(inv.payable),
                    "currency": inv.currency},
        "latest_run": run_id,
        "result": result,
        "findings": [{k: _plain(v) for k, v in asdict(f).items()} for f in findings_of(conn, invoice_id, run_id)],
        "decisions": [{k: _plain(v) for k, v in asdict(d).items()} for d in decisions_of(conn, invoice_id)],
        "responses": [{k: _plain(v) for k, v in r._mapping.items()} for r in responses],
    }


def history(conn: Connection, *, limit: int | None = None, subject: str | None = None) -> list[dict]:
    """The audit trail (``audit_log``), oldest first (the last ``limit`` rows when given), of
    one subject when given; details masked."""
    a = t.audit_log
    query = select(a)
    if subject:
        query = query.where(a.c.subject == subject)
    query = query.order_by(a.c.id.desc())
    if limit:
        query = query.limit(limit)
    rows = list(reversed(conn.execute(query).all()))
    out = []
    for r in rows:
        detail = mask_personal_numbers(r.detail) if r.detail else None
        try:
            parsed = json.loads(detail) if detail else None
        except ValueError:
            parsed = detail
        out.append({"id": r.id, "at": _plain(r.at), "actor": mask_personal_numbers(r.actor), "action": r.action,
                    "subject": mask_personal_numbers(r.subject) if r.subject else None, "detail": parsed})
    return out
