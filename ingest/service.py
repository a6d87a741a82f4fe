"""Running the inbox: configuration, several workers, status, one document, retries.

This is what the ``lssinvoice ingest`` commands call. Workers are separate processes (Saxon
is not fork-safe, so they are spawned); each opens its own store connection and pipeline and
takes chunks of the inbox listing. Correctness never depends on the split: the claim in the
store decides who processes a document, so two ``ingest run`` on one source (PostgreSQL) are
safe too.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing import get_context

from sqlalchemy import and_, delete, func, insert, select, update

from . import tables as t
from .blobs import Blob, open_blobs
from .municipal import Receiver
from .claims import now as _now
from .pipeline import Outcome, Pipeline, Settings, counts_by_state, is_unavailable
from .states import ARCHIVED, QUARANTINED
from .store import Store


@dataclass(frozen=True)
class IngestConfig:
    source: str
    db: str
    municipality: str
    archive: str
    outbox: str
    reference_codes: tuple[str, ...] = ()
    s3_endpoint: str | None = None
    region: str | None = None
    max_bytes: int = 100 * 1024 * 1024
    remove_from_inbox: bool = True
    lease_seconds: int = 300
    max_lines: int = 10_000


def receiver_for(config: IngestConfig) -> Receiver:
    from invoices.registry import load_registry

    return Receiver.from_registry(load_registry().get(config.municipality), config.reference_codes)


def open_store(config: IngestConfig) -> Store:
    store = Store(config.db)
    store.migrate()
    return store


def open_pipeline(config: IngestConfig, store: Store | None = None) -> Pipeline:
    store = store or open_store(config)
    blobs = dict(endpoint_url=config.s3_endpoint, region=config.region)
    settings = Settings(receiver=receiver_for(config), max_bytes=config.max_bytes,
                        lease=timedelta(seconds=config.lease_seconds),
                        remove_from_inbox=config.remove_from_inbox, max_lines=config.max_lines)
    return Pipeline(store, open_blobs(config.source, **blobs), open_blobs(config.archive, **blobs),
                    open_blobs(config.outbox, **blobs), settings)


@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    states: dict[str, int] = field(default_factory=dict)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    responses_resent: int = 0
    error: str | None = None  # what stopped the run (store, archive or outbox unavailable)

    def count(self, state: str) -> int:
        return sum(1 for o in self.outcomes if o.state == state)

    def take(self, pipeline: Pipeline) -> None:
        """The report of a pipeline's run (its ignored entries, resent responses, error)."""
        self.ignored += pipeline.report.ignored
        self.responses_resent += pipeline.report.responses_resent
        self.error = self.error or pipeline.report.error

    def to_dict(self) -> dict:
        reasons: dict[str, int] = {}
        for o in self.outcomes:
            if o.reason_code and o.state == QUARANTINED:
                reasons[o.reason_code] = reasons.get(o.reason_code, 0) + 1
        return {
            "processed": len(self.outcomes), "stored": self.count("stored"),
            "quarantined": self.count(QUARANTINED), "skipped": self.count("skipped"),
            "done_before": self.count("done-before"), "quarantine_reasons": reasons,
            # Retried: documents an earlier run left unfinished (killed, or stopped by a
            # fault), finished now; responses it stored but had not written to the outbox.
            "retried": sorted(o.name for o in self.outcomes if o.resumed),
            "responses_resent": self.responses_resent,
            "not_read": [{"name": name, "reason": why} for name, why in sorted(self.ignored)],
            "error": self.error,
            "seconds": round(self.seconds, 3),
            "per_second": round(len(self.outcomes) / self.seconds, 1) if self.seconds else None,
            "store_states": self.states,
        }


_WORKER: Pipeline | None = None
_WORKER_ERROR: str | None = None


def _init_worker(config: IngestConfig) -> None:
    global _WORKER
    _WORKER = open_pipeline(config)
    _WORKER.validator.warm()


def _work(chunk: list[tuple[str, int, str]]) -> tuple[list[Outcome], str | None]:
    """One chunk in a worker process; once the store, archive or outbox failed, the worker
    takes no more (each chunk after reports the same error)."""
    global _WORKER_ERROR
    assert _WORKER is not None
    if _WORKER_ERROR:
        return [], _WORKER_ERROR
    try:
        return _WORKER.process_batch([Blob(key, size, kind) for key, size, kind in chunk]), None
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        from .pipeline import _describe

        _WORKER_ERROR = _describe(exc)
        return [], _WORKER_ERROR


def _chunks(items: list[Blob], size: int) -> Iterator[list[tuple[str, int, str]]]:
    for i in range(0, len(items), size):
        yield [(b.key, b.size, b.kind) for b in items[i:i + size]]


def _open_or_unavailable(config: IngestConfig) -> Pipeline:
    """The pipeline, or :class:`Unavailable` naming what could not be opened (the store
    locked past its timeout, the server gone, a folder that cannot be made)."""
    from .pipeline import Unavailable, _describe

    try:
        return open_pipeline(config)
    except Exception as exc:
        if not is_unavailable(exc) or isinstance(exc, Unavailable):
            raise
        raise Unavailable(f"cannot open the store {config.db} or its folders: {_describe(exc)}") from exc


def run_once(config: IngestConfig, *, workers: int = 1,
             progress: Callable[[Outcome], None] | None = None,
             on_listing: Callable[[int], None] | None = None) -> RunSummary:
    """Process everything in the inbox now (and finish what earlier runs left)."""
    start = time.perf_counter()
    pipeline = _open_or_unavailable(config)
    summary = RunSummary()
    try:
        listing = pipeline.listing()
        if on_listing:
            on_listing(len(listing))
        if workers <= 1 or len(listing) < 2:
            summary.outcomes = pipeline.run(items=listing, progress=progress)
        else:
            chunk = max(1, min(50, len(listing) // (workers * 4) or 1))
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                     initializer=_init_worker, initargs=(config,)) as pool:
                for outcomes, error in pool.map(_work, _chunks(listing, chunk)):
                    summary.error = summary.error or error
                    for outcome in outcomes:
                        summary.outcomes.append(outcome)
                        if progress:
                            progress(outcome)
            if summary.error is None:  # sweep, and finish what earlier runs left
                summary.outcomes += pipeline.run(items=[], progress=progress)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        from .pipeline import _describe

        pipeline.report.error = _describe(exc)
    summary.take(pipeline)
    summary.seconds = time.perf_counter() - start
    try:
        summary.states = counts_by_state(pipeline.store)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
    pipeline.close()
    return summary


def watch(config: IngestConfig, *, workers: int = 1, interval: float = 5.0,
          progress: Callable[[Outcome], None] | None = None,
          on_listing: Callable[[int], None] | None = None,
          stop: Callable[[], bool] = lambda: False) -> Iterator[RunSummary]:
    """Run again every ``interval`` seconds until ``stop()`` (or Ctrl-C)."""
    while not stop():
        yield run_once(config, workers=workers, progress=progress, on_listing=on_listing)
        time.sleep(interval)


def retry_quarantined(config: IngestConfig, reason_code: str | None = None,
                      progress: Callable[[Outcome], None] | None = None) -> RunSummary:
    """Analyse quarantined documents again (e.g. after the registry was corrected).

    Each goes back to ``archived`` with this worker as owner (the history keeps the earlier
    outcome), then through the same final transaction; a response already sent for the same
    document and code is not sent again.
    """
    start = time.perf_counter()
    pipeline = open_pipeline(config)
    store = pipeline.store
    query = select(t.documents.c.id).where(t.documents.c.state == QUARANTINED)
    if reason_code:
        query = query.where(t.documents.c.reason_code == reason_code)
    with store.engine.connect() as conn:
        ids = [r.id for r in conn.execute(query.order_by(t.documents.c.id))]
    summary = RunSummary()
    for doc_id in ids:
        now = _now()
        with store.engine.begin() as conn:
            moved = conn.execute(update(t.documents).where(and_(
                t.documents.c.id == doc_id, t.documents.c.state == QUARANTINED)).values(
                state=ARCHIVED, owner=pipeline.owner, lease_until=now + pipeline.settings.lease,
                reason_code=None, reason=None, updated_at=now)).rowcount
            if moved != 1:
                continue
            conn.execute(delete(t.findings).where(t.findings.c.document_id == doc_id))
            conn.execute(insert(t.status_history).values(document_id=doc_id, state=ARCHIVED, at=now,
                                                         note="retry of a quarantined document"))
        pipeline._resume(doc_id)
        with store.engine.connect() as conn:
            row = conn.execute(select(t.documents.c.source_name, t.documents.c.state, t.documents.c.reason_code)
                               .where(t.documents.c.id == doc_id)).one()
        outcome = Outcome(row.source_name, row.state, doc_id, row.reason_code)
        summary.outcomes.append(outcome)
        if progress:
            progress(outcome)
    pipeline.outbox.send_pending()
    summary.seconds = time.perf_counter() - start
    summary.states = counts_by_state(store)
    pipeline.close()
    return summary


def status(config_db: str) -> dict:
    """Counts by state, quarantine reason and response state, and the number of invoices."""
    store = Store(config_db)
    store.migrate()
    with store.engine.connect() as conn:
        reasons = dict(conn.execute(
            select(t.documents.c.reason_code, func.count()).where(t.documents.c.state == QUARANTINED)
            .group_by(t.documents.c.reason_code)).all())
        responses = dict(conn.execute(select(t.responses.c.state, func.count()).group_by(t.responses.c.state)).all())
        invoices = conn.execute(select(func.count()).select_from(t.invoices)).scalar_one()
    result = {"documents": counts_by_state(store), "quarantine_reasons": reasons,
              "responses": responses, "invoices": invoices}
    store.dispose()
    return result


def show(config_db: str, doc_id: int) -> dict | None:
    """Everything known about one document: state, history, findings, invoice, responses."""
    store = Store(config_db)
    store.migrate()
    with store.engine.connect() as conn:
        doc = conn.execute(select(t.documents).where(t.documents.c.id == doc_id)).first()
        if doc is None:
            return None
        out = _plain_row(doc)
        out["history"] = [_plain_row(r, "id", "document_id") for r in conn.execute(
            select(t.status_history).where(t.status_history.c.document_id == doc_id).order_by(t.status_history.c.id))]
        out["findings"] = [_plain_row(r, "id", "document_id") for r in conn.execute(
            select(t.findings).where(t.findings.c.document_id == doc_id))]
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


class AttachmentError(Exception):
    """An attachment that cannot be given out (unknown, or its bytes are not the recorded ones)."""


def attachment_content(config_db: str, doc_id: int, name: str, *, s3_endpoint: str | None = None,
                       region: str | None = None) -> tuple[str, bytes]:
    """(file name, decoded bytes) of an invoice attachment, by its reference (BT-122) or file
    name: from the store when kept there, else from the archive. The bytes must have the
    SHA-256 recorded at ingest."""
    import hashlib

    store = Store(config_db)
    store.migrate()
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
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
