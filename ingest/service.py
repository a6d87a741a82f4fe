"""Running the inbox: configuration, several workers, retries (the read side: ``reading``).

This is what the ``lssinvoice ingest run|retry`` commands call. Folder locations are made
absolute before anything is stored (the archive and outbox paths recorded in the store), so a
retry or an ``ingest attachment`` works from any folder; a folder source that does not exist is
an error, not an empty inbox. Workers are separate processes (Saxon
is not fork-safe, so they are spawned); each opens its own store connection and pipeline and
takes chunks of the inbox listing. Correctness never depends on the split: the claim in the
store decides who processes a document, so two ``ingest run`` on one source (PostgreSQL) are
safe too.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from multiprocessing import get_context

from sqlalchemy import select

from validate.schematron.engines import freeze_start_up_objects
from validate.xmlsafe import DEFAULT_MAX_BYTES

from . import tables as t
from .blobs import Blob, BlobError, archive_key, open_blobs
from .municipal import Receiver
from .pipeline import Outcome, Pipeline, Settings, counts_by_state, is_unavailable
# The read side (``ingest status|show|list|attachment``) is ingest.reading; importable from here too.
from .reading import AttachmentError, attachment_content, show, status  # noqa: F401
from .states import FINAL, PENDING, QUARANTINED
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
    max_bytes: int = DEFAULT_MAX_BYTES
    remove_from_inbox: bool = True
    lease_seconds: int = 300
    max_lines: int = 10_000
    registry_dirs: tuple[str, ...] = ()  # folders adding to the registry (after $LSSINVOICE_MUNICIPALITIES)
    trust: tuple[str, ...] = ()  # PEM files of the trust anchors signed time reports are verified against
    signatories: str | None = None  # the providers' signatories (invoices.signatories)


class SourceMissing(BlobError):
    """The folder to ingest from does not exist (a typo must not read as an empty inbox)."""


def _absolute(location: str) -> str:
    """A folder location as an absolute path (an ``s3://`` location as it is)."""
    return location if location.startswith("s3://") else os.path.abspath(location)


def absolute_locations(config: IngestConfig) -> IngestConfig:
    """The configuration with its source, archive and outbox folders absolute: the paths the
    store records then mean the same from any working folder."""
    return replace(config, source=_absolute(config.source), archive=_absolute(config.archive),
                   outbox=_absolute(config.outbox),
                   registry_dirs=tuple(os.path.abspath(d) for d in config.registry_dirs),
                   trust=tuple(os.path.abspath(p) for p in config.trust),
                   signatories=os.path.abspath(config.signatories) if config.signatories else None)


def check_source(config: IngestConfig) -> None:
    """:class:`SourceMissing` when the source is a folder that does not exist."""
    if not config.source.startswith("s3://") and not os.path.isdir(config.source):
        raise SourceMissing(f"the source folder {_absolute(config.source)} does not exist (--source)")


def _municipality(config: IngestConfig):
    from invoices.registry import load_registry

    return load_registry(extra_dirs=list(config.registry_dirs)).find(config.municipality)


def receiver_for(config: IngestConfig, municipality=None) -> Receiver:
    """Who we are; ``municipality``: the registry entry when the caller has it already."""
    return Receiver.from_registry(municipality or _municipality(config), config.reference_codes)


def signing_for(config: IngestConfig, municipality=None):
    """How this receiver takes signed time reports (:mod:`ingest.signed_intake`)."""
    from .signed_intake import load_signing

    return load_signing(config.trust, config.signatories, municipality or _municipality(config))


def open_store(config: IngestConfig) -> Store:
    store = Store(config.db)
    store.migrate()
    return store


def open_pipeline(config: IngestConfig, store: Store | None = None,
                  clock: Callable[[], datetime] | None = None) -> Pipeline:
    """A pipeline for ``config``; ``clock`` (tests) tells the time documents are received."""
    config = absolute_locations(config)
    municipality = _municipality(config)  # an unknown municipality stops here, before the store is made
    receiver = receiver_for(config, municipality)
    store = store or open_store(config)
    blobs = dict(endpoint_url=config.s3_endpoint, region=config.region)
    settings = Settings(receiver=receiver, max_bytes=config.max_bytes,
                        lease=timedelta(seconds=config.lease_seconds),
                        remove_from_inbox=config.remove_from_inbox, max_lines=config.max_lines,
                        signing=signing_for(config, municipality), **({"clock": clock} if clock else {}))
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

    @property
    def pending(self) -> list[Outcome]:
        """Documents left pending after an engine error (kept, tried again by the next run)."""
        return [o for o in self.outcomes if o.state == PENDING]

    def to_dict(self) -> dict:
        reasons: dict[str, int] = {}
        for o in self.outcomes:
            if o.reason_code and o.state == QUARANTINED:
                reasons[o.reason_code] = reasons.get(o.reason_code, 0) + 1
        return {
            "processed": len(self.outcomes), "stored": self.count("stored"),
            "quarantined": self.count(QUARANTINED), "skipped": self.count("skipped"),
            "done_before": self.count("done-before"), "quarantine_reasons": reasons,
            # Not validated because the engine failed (not the sender's fault): kept archived,
            # not answered, their inbox files left; the next run tries them again.
            "pending": len(self.pending),
            "engine_errors": [{"name": o.name, "document_id": o.document_id, "error": o.error}
                              for o in sorted(self.pending, key=lambda o: o.name)],
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
    freeze_start_up_objects()


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
    """Process everything in the inbox now (and finish what earlier runs left);
    :class:`SourceMissing` when the source folder does not exist."""
    start = time.perf_counter()
    check_source(config)
    pipeline = _open_or_unavailable(config)
    started = pipeline.settings.clock()  # documents left pending since are not retried in this run
    summary = RunSummary()
    try:
        listing = pipeline.listing()
        if on_listing:
            on_listing(len(listing))
        if workers <= 1 or len(listing) < 2:
            # This process is the worker (frozen once: a watch loop runs again). Not warmed first,
            # as the worker processes are: rules that cannot be compiled (an artefact missing)
            # must leave each document pending with its finding, not stop the run here.
            freeze_start_up_objects()
            summary.outcomes = pipeline.run(items=listing, progress=progress, started=started)
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
                summary.outcomes += pipeline.run(items=[], progress=progress, started=started)
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

    Each goes back to ``archived`` with this worker as owner (:meth:`Claims.reopen`: the
    history and the superseded findings keep the earlier outcome), then through the same final
    transaction; a response already sent for the same document and code is not sent again.
    """
    start = time.perf_counter()
    pipeline = open_pipeline(config)
    store = pipeline.store
    d = t.documents
    query = select(d.c.id, d.c.sha256, d.c.archive_uri).where(d.c.state == QUARANTINED)
    if reason_code:
        query = query.where(d.c.reason_code == reason_code)
    with store.engine.connect() as conn:
        quarantined = conn.execute(query.order_by(d.c.id)).all()
    summary = RunSummary()
    by_archive = {absolute_locations(config).archive: pipeline}
    for doc_id, sha, archive_uri in quarantined:
        worker = _pipeline_for(by_archive, config, store, recorded_archive(archive_uri, sha))
        if not worker.claims.reopen(doc_id):
            continue
        resumed = worker._resume(doc_id)
        with store.engine.connect() as conn:
            row = conn.execute(select(t.documents.c.source_name, t.documents.c.state, t.documents.c.reason_code)
                               .where(t.documents.c.id == doc_id)).one()
        if resumed is not None and resumed.state == PENDING and row.state not in FINAL:
            outcome = resumed  # an engine error: kept archived, the next run tries it again
        else:
            outcome = Outcome(row.source_name, row.state, doc_id, row.reason_code)
        summary.outcomes.append(outcome)
        if progress:
            progress(outcome)
    pipeline.outbox.send_pending()
    summary.seconds = time.perf_counter() - start
    summary.states = counts_by_state(store)
    for worker in by_archive.values():
        if worker is not pipeline:
            worker.close()
    pipeline.close()
    return summary


def recorded_archive(archive_uri: str | None, sha256: str) -> str | None:
    """The archive location the store recorded for a document's original: its archive URI
    without the content key; None when there is none, or it is a relative path (recorded by
    an earlier version: it means nothing from here)."""
    suffix = "/" + archive_key(sha256)
    if not archive_uri or not archive_uri.endswith(suffix):
        return None
    location = archive_uri[:-len(suffix)]
    return location if location.startswith("s3://") or os.path.isabs(location) else None


def _pipeline_for(by_archive: dict[str, Pipeline], config: IngestConfig, store: Store,
                  archive: str | None) -> Pipeline:
    """The pipeline reading originals from ``archive`` (the configured one when None): a retry
    finds each original where the store says it is, whatever ``--archive`` says now."""
    if archive is None:
        return next(iter(by_archive.values()))
    if archive not in by_archive:
        by_archive[archive] = open_pipeline(replace(config, archive=archive), store=store)
    return by_archive[archive]
