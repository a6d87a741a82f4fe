"""The read side of the store: status, one document, a list of documents, an attachment.

What ``lssinvoice ingest status|show|list|attachment`` call. Reading changes nothing: the
store is opened as it is (SQLite read-only, ``mode=ro``), never created or migrated; a SQLite
file that does not exist, a database without our schema or one at another schema revision is
a :class:`StoreError` naming it (only ``ingest run`` and ``ingest retry`` create and upgrade).
The database file is never written; beside a WAL database SQLite may leave its (empty) ``-wal``
and ``-shm`` index files, which the next writer removes.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import and_, create_engine, func, or_, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from . import tables as t
from .blobs import open_blobs
from .final import current_findings, superseded_findings
from .pipeline import counts_by_state
from .rows import number_key
from .states import ENGINE_ERROR, FINAL, QUARANTINED
from .store import MIGRATIONS, StoreError, normalise_url


@dataclass
class ReadOnlyStore:
    """An existing store, opened for reading (``engine`` as in :class:`ingest.store.Store`)."""

    url: str
    engine: Engine

    def dispose(self) -> None:
        self.engine.dispose()


def shown_url(url: str) -> str:
    """The URL as it may be printed: a password never is."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _sqlite_path(url: str) -> str | None:
    return url.split("///", 1)[-1] if url.startswith("sqlite") else None


def _read_only_sqlite(path: Path) -> Engine:
    """An engine on an existing SQLite file that cannot write to it (``mode=ro``): no WAL
    switch, no schema, no file created."""
    uri = f"file:{quote(str(path))}?mode=ro"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, timeout=30,
                                                                      check_same_thread=False))


def _head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


def open_existing(url: str) -> ReadOnlyStore:
    """The store at ``url`` as it is, for reading; :class:`StoreError` when there is none, it
    is not ours, or its schema is not this version's (run ``ingest run`` to upgrade it)."""
    url = normalise_url(url)
    path = _sqlite_path(url)
    if path is not None:
        if not path or path == ":memory:" or not Path(path).is_file():
            raise StoreError(f"no store at {path or url}: the database file does not exist "
                             "(check --db or LSSINVOICE_DB / LSSINVOICE_DATA; `ingest run` creates it)")
        engine = _read_only_sqlite(Path(path))
    else:
        engine = create_engine(url, pool_pre_ping=True)
    store = ReadOnlyStore(url, engine)
    try:
        _check_schema(store)
    except BaseException:
        store.dispose()
        raise
    return store


def _check_schema(store: ReadOnlyStore) -> None:
    where = shown_url(store.url)
    try:
        with store.engine.connect() as conn:
            revisions = {r for (r,) in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    except SQLAlchemyError as exc:
        if "alembic_version" in str(exc):
            raise StoreError(f"{where} is not an lssinvoice store (it has no schema version)") from None
        raise StoreError(f"cannot open the store {where}: {exc.__class__.__name__}: "
                         f"{str(exc.orig if hasattr(exc, 'orig') else exc).splitlines()[0]}") from None
    heads = _head_revisions()
    if revisions != heads:
        raise StoreError(f"the store {where} is at schema revision {', '.join(sorted(revisions)) or 'none'}, "
                         f"this version reads {', '.join(sorted(heads))}: `lssinvoice ingest run` upgrades it "
                         "(the read-only commands never change it)")


# ------------------------------------------------------------------ status and one document

def status(config_db: str) -> dict:
    """Counts by state, quarantine reason and response state, the number of invoices, and the
    documents pending after an engine error (``pending_engine_error``: kept archived, tried
    again by the next run; ``ingest show`` says why)."""
    store = open_existing(config_db)
    d = t.documents
    with store.engine.connect() as conn:
        pending = conn.execute(select(func.count()).select_from(d).where(and_(
            d.c.state.not_in(FINAL), d.c.last_error.is_not(None)))).scalar_one()
        reasons = dict(conn.execute(
            select(t.documents.c.reason_code, func.count()).where(t.documents.c.state == QUARANTINED)
            .group_by(t.documents.c.reason_code)).all())
        responses = dict(conn.execute(select(t.responses.c.state, func.count()).group_by(t.responses.c.state)).all())
        invoices = conn.execute(select(func.count()).select_from(t.invoices)).scalar_one()
    result = {"documents": counts_by_state(store), "quarantine_reasons": reasons,
              "responses": responses, "invoices": invoices, "pending_engine_error": pending}
    store.dispose()
    return result


def show(config_db: str, doc_id: int) -> dict | None:
    """Everything known about one document: state, history, findings (the current ones and
    those a retry set aside), invoice, responses; None when there is no such document."""
    store = open_existing(config_db)
    with store.engine.connect() as conn:
        doc = conn.execute(select(t.documents).where(t.documents.c.id == doc_id)).first()
        if doc is None:
            store.dispose()
            return None
        out = _plain_row(doc)
        # What the other releases accepted on the reference date said (stored as JSON text).
        out["other_releases"] = json.loads(doc.other_releases) if doc.other_releases else []
        out["history"] = [_plain_row(r, "id", "document_id") for r in conn.execute(
            select(t.status_history).where(t.status_history.c.document_id == doc_id).order_by(t.status_history.c.id))]
        out["findings"] = [_plain_row(r, "id", "document_id", "superseded_at") for r in current_findings(conn, doc_id)]
        out["earlier_findings"] = [_plain_row(r, "id", "document_id") for r in superseded_findings(conn, doc_id)]
        out["responses"] = [_plain_row(r, "xml", "document_id") for r in conn.execute(
            select(t.responses).where(t.responses.c.document_id == doc_id))]
        invoice = conn.execute(select(t.invoices).where(t.invoices.c.document_id == doc_id)).first()
        if invoice is not None:
            inv = _plain_row(invoice)
            for key, table in (("lines", t.invoice_lines), ("parties", t.parties), ("attachments", t.attachments)):
                inv[key] = [_plain_row(r, "id", "invoice_id", "content") for r in conn.execute(
                    select(table).where(table.c.invoice_id == invoice.id).order_by(table.c.id))]
            for att in inv["attachments"]:
                att["kept_in"] = att["archive_uri"] or "store"
            out["invoice"] = inv
    store.dispose()
    return out


class DocumentNotFound(LookupError):
    def __str__(self) -> str:
        return str(self.args[0])


class AmbiguousReference(LookupError):
    """A reference that names several documents; ``ids`` are theirs."""

    def __init__(self, message: str, ids: list[int]):
        super().__init__(message)
        self.ids = ids

    def __str__(self) -> str:
        return str(self.args[0])


BY_ID, BY_NUMBER, BY_EITHER = "id", "number", "auto"


def find_document(config_db: str, ref: str, by: str = BY_EITHER) -> int:
    """The id of the document ``ref`` names: its id (digits), or the invoice number (BT-1) of
    a stored invoice, compared as the duplicate check compares it (:func:`ingest.rows.number_key`).
    ``by`` restricts it to one of the two. None or several: :class:`DocumentNotFound`,
    :class:`AmbiguousReference` (with every id)."""
    store = open_existing(config_db)
    d, inv = t.documents, t.invoices
    found: list[tuple[int, str]] = []
    with store.engine.connect() as conn:
        if by in (BY_ID, BY_EITHER) and ref.strip().isdigit():
            doc = conn.execute(select(d.c.id).where(d.c.id == int(ref.strip()))).first()
            if doc is not None:
                found.append((doc.id, "its id"))
        if by in (BY_NUMBER, BY_EITHER):
            for row in conn.execute(select(inv.c.document_id, inv.c.seller_key, inv.c.issue_date)
                                    .where(inv.c.number_key == number_key(ref)).order_by(inv.c.document_id)):
                found.append((row.document_id, f"invoice {ref} of {row.issue_date} from {row.seller_key}"))
    store.dispose()
    what = {BY_ID: "id", BY_NUMBER: "invoice number", BY_EITHER: "id or invoice number"}[by]
    if not found:
        raise DocumentNotFound(f"no document with the {what} {ref!r}")
    if len(found) > 1:
        listed = "; ".join(f"#{doc_id} ({how})" for doc_id, how in found)
        raise AmbiguousReference(f"{ref!r} names {len(found)} documents: {listed}; show one by its id "
                                 "(--by id)", [doc_id for doc_id, _ in found])
    return found[0][0]


# ------------------------------------------------------------------ a list of documents

@dataclass(frozen=True)
class ListFilter:
    """What ``ingest list`` keeps: each given field must match (None: any)."""

    state: str | None = None
    reason: str | None = None  # documents.reason_code
    seller: str | None = None  # the seller's org nr (BT-30), digits compared
    number: str | None = None  # the invoice number (BT-1), compared by number_key


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seller_org_nr(legal_id: str | None, seller_key: str | None) -> str | None:
    """The seller's legal registration (BT-30), else the identifier of its endpoint (BT-34)."""
    if legal_id:
        return legal_id
    return seller_key.split(":", 1)[-1] if seller_key else None


def list_documents(config_db: str, keep: ListFilter = ListFilter()) -> list[dict]:
    """One dict per document, by id: id, received (UTC), state, reason (code; ``engine-error``
    for a document pending after one), seller org nr and invoice number (the last two of
    stored invoices only: a quarantined document has no invoice row)."""
    d, inv, p = t.documents, t.invoices, t.parties
    seller = p.alias("seller")
    query = (select(d.c.id, d.c.received_at, d.c.state, d.c.reason_code, d.c.last_error, inv.c.invoice_number,
                    inv.c.seller_key, seller.c.legal_id)
             .select_from(d.outerjoin(inv, inv.c.document_id == d.c.id)
                          .outerjoin(seller, and_(seller.c.invoice_id == inv.c.id, seller.c.role == "seller")))
             .order_by(d.c.id))
    if keep.state:
        query = query.where(d.c.state == keep.state)
    if keep.reason == ENGINE_ERROR:  # pending after an engine error: not a quarantine reason
        query = query.where(and_(d.c.state.not_in(FINAL), d.c.last_error.is_not(None)))
    elif keep.reason:
        query = query.where(d.c.reason_code == keep.reason)
    if keep.number:
        query = query.where(inv.c.number_key == number_key(keep.number))
    if keep.seller:
        digits = "".join(ch for ch in keep.seller if ch.isdigit())
        query = query.where(or_(func.replace(seller.c.legal_id, "-", "") == digits,
                                inv.c.seller_key.like(f"%:{digits}")))
    store = open_existing(config_db)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    store.dispose()
    return [{"id": r.id, "received": _utc(r.received_at), "state": r.state,
             "reason": r.reason_code or (ENGINE_ERROR if r.last_error and r.state not in FINAL else None),
             "seller": _seller_org_nr(r.legal_id, r.seller_key), "invoice_number": r.invoice_number} for r in rows]


# ------------------------------------------------------------------ attachments

class AttachmentError(Exception):
    """An attachment that cannot be given out (unknown, or its bytes are not the recorded ones)."""


def attachment_content(config_db: str, doc_id: int, name: str, *, s3_endpoint: str | None = None,
                       region: str | None = None) -> tuple[str, bytes]:
    """(file name, decoded bytes) of an invoice attachment, by its reference (BT-122) or file
    name: from the store when kept there, else from the archive. The bytes must have the
    SHA-256 recorded at ingest."""
    store = open_existing(config_db)
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.attachments).join(t.invoices, t.invoices.c.id == t.attachments.c.invoice_id)
                            .where(t.invoices.c.document_id == doc_id)).all()
    store.dispose()
    matches = [r for r in rows if name in (r.reference, r.filename)]
    if not matches:
        known = ", ".join(r.filename or r.reference or "?" for r in rows) or "none"
        raise AttachmentError(f"document #{doc_id} has no attachment {name!r} (it has: {known})")
    row = matches[0]
    data = row.content
    if data is None:
        if not row.archive_uri or not row.sha256:
            raise AttachmentError(f"attachment {name!r} of document #{doc_id} is external ({row.archive_uri}): "
                                  "its content was not delivered")
        location, _, key = row.archive_uri.rpartition("/")
        data = open_blobs(location, endpoint_url=s3_endpoint, region=region).get(key)
    if row.sha256 and hashlib.sha256(data).hexdigest() != row.sha256:
        raise AttachmentError(f"attachment {name!r} of document #{doc_id}: the bytes read do not have the "
                              f"SHA-256 recorded at ingest ({row.sha256})")
    return row.filename or row.reference or f"attachment-{row.id}", data


def _plain_row(row, *leave_out: str) -> dict:
    return {k: _plain(v) for k, v in row._mapping.items() if k not in leave_out}


def _plain(value):
    from datetime import date
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
