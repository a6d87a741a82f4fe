"""The municipal inbox pipeline: every delivered document ends stored or quarantined, once.

Per document: claim → read (regular files only, size cap) → archive the original bytes
(content-addressed) → analyse (:mod:`ingest.analysis`: envelope, line cap, validation, model,
storability) → answer (:mod:`ingest.replies`) → the final transaction (:mod:`ingest.final`)
→ send (:mod:`ingest.outbox`) → remove from the inbox.

Exactly once, whatever crashes where:

* claims (:mod:`ingest.claims`) give each document to one worker; a claim whose owner died or
  whose lease ran out is taken over, and a lease is renewed while its document is worked on;
* the final state, the parsed invoice, the findings and the responses to send are written in
  ONE transaction; responses are written to the outbox after it, under deterministic names;
* the inbox file is removed only after the final state is committed (the archive holds it).

No single document stops a run: whatever it contains, it ends quarantined with a named
finding. What is not a document's fault — the store, the archive or the outbox unavailable,
a full disk — stops the run with :class:`Unavailable` recorded in its report; nothing is
lost, and the next run finishes what this one left (its report says what it retried).

A document is judged by the rules in force on the day it was received (its reference date).
An engine error while validating it (:data:`validate.findings.ENGINE_ERRORS`) is not its
fault either, yet need not stop the run: the document is left *pending* — still ``archived``,
not stored, not quarantined, not answered, its inbox file kept, ``last_error`` saying why —
and the run goes on. It is not tried again in the same run (:meth:`Pipeline.recover` leaves
what failed since the run began); the next run takes it again. The run reports it
(:attr:`Outcome.state` ``pending``).
"""
from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from validate.engine import Validator
from validate.findings import Finding, Severity
from validate.xmlsafe import DEFAULT_MAX_BYTES, Limits

from . import faults
from . import tables as t
from .analysis import DEFAULT_MAX_LINES, Analyser, Analysis
from .blobs import (
    FILE, HIDDEN, LONG_NAME, MAX_KEY_CHARS, SPECIAL, SYMLINK, Blob, BlobError, Blobs, NotRegularFile, TooLarge,
    archive_key,
)
from .claims import Claims, now
from .final import Finisher, stored_text
from .leases import owner_id
from .municipal import Receiver, municipal_ruleset
from .outbox import Outbox
from .replies import Replier
from .states import ARCHIVED, CLAIMED, ENGINE_ERROR, FINAL, NOT_REGULAR, PENDING, QUARANTINED, STORED, TOO_LARGE
from .signed_intake import ReportSigning
from .store import Store

BATCH_BYTES = 64 * 1024 * 1024  # read at most this much of the inbox ahead of processing
NOT_REGULAR_RULE = "LSS-ING-NOT-REGULAR"
_UNREAD = {
    HIDDEN: "hidden name (an access point's temporary until it is renamed): not read",
    LONG_NAME: f"name longer than {MAX_KEY_CHARS} characters, more than the store records: not read",
}


class Unavailable(Exception):
    """The store, archive or outbox cannot be used: the run stops, nothing is lost."""


def is_unavailable(exc: BaseException) -> bool:
    """A fault of the infrastructure, not of a document: a database error other than a
    refused value or key (locked, gone, connection lost), a location that cannot be read or
    written, a full disk."""
    if isinstance(exc, (DataError, IntegrityError)):
        return False
    return isinstance(exc, (DBAPIError, BlobError, OSError, Unavailable))


@dataclass
class Settings:
    receiver: Receiver
    max_bytes: int = DEFAULT_MAX_BYTES
    lease: timedelta = timedelta(minutes=5)
    remove_from_inbox: bool = True
    wrap_responses: bool = True  # in an SBDH envelope, for the access point
    max_lines: int = DEFAULT_MAX_LINES
    # How signed time reports and yes/no signature cells are taken (ingest.signed_intake).
    signing: ReportSigning | None = None
    # What time it is: the claims stamp a document's reception with it, and its date is the
    # reference date the rules in force are chosen for. Tests receive on a given day with it.
    clock: Callable[[], datetime] = now


@dataclass
class Outcome:
    """What happened to one inbox item in this run."""

    name: str
    # stored | quarantined | pending (an engine error: kept for the next run) | skipped (owned
    # by another worker) | done-before
    state: str
    document_id: int | None = None
    reason_code: str | None = None
    resumed: bool = False  # left unfinished by an earlier run (crashed, killed, stopped by a fault)
    error: str | None = None  # why it is pending (the engine error, personal numbers masked)


@dataclass
class Report:
    """What a run did besides its outcomes: what it left unread, retried, and what stopped it."""

    ignored: list[tuple[str, str]] = field(default_factory=list)  # (inbox name, why it was not read)
    responses_resent: int = 0  # responses an earlier run stored but had not written to the outbox
    error: str | None = None


class Pipeline:
    """One worker's view of an inbox, an archive, an outbox and a store."""

    def __init__(self, store: Store, inbox: Blobs, archive: Blobs, outbox: Blobs, settings: Settings,
                 owner: str | None = None):
        self.store, self.inbox, self.archive, self.settings = store, inbox, archive, settings
        self.owner = owner or owner_id()
        self.ruleset = municipal_ruleset(settings.receiver)
        limits = Limits(max_bytes=settings.max_bytes)
        self.validator = Validator(limits=limits, extra=(self.ruleset,))
        self.analyser = Analyser(settings.receiver, self.validator, limits, settings.max_lines, settings.signing)
        self.replier = Replier(settings.receiver)
        self.claims = Claims(store, self.owner, settings.lease, settings.clock)
        self.finisher = Finisher(store, self.claims, archive, self.replier)
        # Threads for inbox/archive/outbox I/O only (boto3 clients are thread-safe).
        self._io = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lss-io")
        self.outbox = Outbox(store, outbox, self.replier, self._io, wrap=settings.wrap_responses)
        self.report = Report()
        self.started: datetime | None = None  # when this run began: see recover

    def close(self) -> None:
        """Stop the I/O and lease threads and release database connections (a watch loop
        makes a new pipeline per poll)."""
        self.claims.close()
        self._io.shutdown(wait=True)
        self.store.dispose()

    # ---------------------------------------------------------------- the run

    def listing(self, items: Iterable[Blob] | None = None) -> list[Blob]:
        """The inbox entries to process; those never read are noted in the report, with why."""
        entries = list(items if items is not None else self.inbox.entries())
        for blob in entries:
            if blob.kind in _UNREAD:
                self.report.ignored.append((blob.key, _UNREAD[blob.kind]))
        return [blob for blob in entries if blob.kind not in _UNREAD]

    def run(self, *, shard: tuple[int, int] = (0, 1), progress: Callable[[Outcome], None] | None = None,
            items: Iterable[Blob] | None = None, batch: int = 50, started: datetime | None = None) -> list[Outcome]:
        """Process what is in the inbox (this worker's shard), then finish what others left.

        ``started``: when the run began, if before this call (other processes worked for it):
        a document left pending since then is not tried again in this run."""
        self.started = started or self.settings.clock()
        index, count = shard
        outcomes: list[Outcome] = []
        try:
            self.archive.sweep()
            self.outbox.outbox.sweep()
            mine = [b for b in self.listing(items) if zlib.crc32(b.key.encode()) % count == index]
            for start in range(0, len(mine), batch):
                for outcome in self.process_batch(mine[start:start + batch]):
                    outcomes.append(outcome)
                    if progress:
                        progress(outcome)
            self.finish_leftovers(outcomes, progress)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            self.report.error = _describe(exc)
        return outcomes

    def finish_leftovers(self, outcomes: list[Outcome], progress: Callable[[Outcome], None] | None = None) -> None:
        """After the inbox: documents earlier runs left unfinished, and their responses."""
        for outcome in self.recover():
            outcomes.append(outcome)
            if progress:
                progress(outcome)
        self.report.responses_resent += self.outbox.send_pending()

    def process_batch(self, blobs: list[Blob]) -> list[Outcome]:
        """Process documents, then make their effects durable together.

        Reading from the inbox and writing to the archive run concurrently in I/O threads (on
        S3 each request is a round trip, which would otherwise leave the CPU idle), for a
        whole group before its processing. The group's new documents are then claimed in one
        transaction; the validation, parsing and final transactions stay one document at a
        time.

        Archive and outbox files are written without a flush each; one filesystem sync per
        batch precedes everything that depends on them being on disk: marking responses sent
        and removing inbox files. A crash (even a power loss) before that sync leaves those
        steps undone, and the next run redoes them.
        """
        outcomes: list[Outcome] = []
        try:
            for group in _by_size(blobs, BATCH_BYTES):  # bounded memory, whatever the files' sizes
                # All loads first, then the processing: I/O threads running beside the
                # processing fight it for the GIL (SaxonC holds it while it validates), which
                # cost more CPU than the overlap saved (measured); the other worker process
                # fills the wait.
                loaded = list(self._io.map(self._load, group))
                claimed = self.claims.claim_new([(blob.key, item[1], len(item[0]), item[2])
                                                 for blob, item in zip(group, loaded) if isinstance(item, tuple)])
                outcomes += [self._process_loaded(blob, item, deferred=True, claimed=claimed)
                             for blob, item in zip(group, loaded)]
        finally:  # what was finished is sent and cleared even when a fault stops the batch
            self._settle([(o.document_id, o.name) for o in outcomes
                          if o.document_id is not None and o.state in (STORED, QUARANTINED, "done-before")],
                         earlier=[o.document_id for o in outcomes if o.state == "done-before"])
        return outcomes

    def _settle(self, finished: list[tuple[int, str]], earlier: list[int] = ()) -> None:
        """After final states are committed: archive durable, responses sent, inbox cleared.

        ``earlier``: documents an earlier run finished; a response of theirs still pending
        (that run died before writing it) is counted as resent."""
        self.archive.sync()
        if earlier:
            self.report.responses_resent += self.outbox.send_pending(doc_ids=list(earlier))
        done_before = set(earlier)
        self.outbox.send_pending(doc_ids=[doc_id for doc_id, _ in finished if doc_id not in done_before])
        self._remove_sources(finished)

    def recover(self) -> list[Outcome]:
        """Finish documents whose owner died mid-way, from the archive or the inbox, and those
        an earlier run left pending after an engine error. One left pending since this run
        began is not tried again now: the engine that just failed would most likely fail
        again, and the next run takes it."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(t.documents.c.id, t.documents.c.last_error_at)
                                .where(t.documents.c.state.in_((CLAIMED, ARCHIVED)))).all()
        since = self.started or self.settings.clock()
        ids = [row.id for row in rows if row.last_error_at is None or _utc(row.last_error_at) < _utc(since)]
        outcomes = [outcome for outcome in map(self._resume, ids) if outcome is not None]
        with self.store.engine.connect() as conn:
            leftovers = conn.execute(select(t.documents.c.id, t.documents.c.source_name)
                                     .where(and_(t.documents.c.state.in_(FINAL),
                                                 t.documents.c.source_removed.is_(False)))).all()
        self._remove_sources([(row.id, row.source_name) for row in leftovers])
        return outcomes

    # ---------------------------------------------------------------- one document

    def process(self, blob: Blob, deferred: bool = False) -> Outcome:
        """One document. ``deferred``: leave sending and inbox removal to :meth:`process_batch`."""
        return self._process_loaded(blob, self._load(blob), deferred)

    def _load(self, blob: Blob) -> tuple[bytes, str, str] | Exception:
        """Read, hash and archive one inbox item (the I/O part; runs in the I/O threads).

        Archived first (content-addressed, idempotent): the claim then records the document as
        already archived, in one transaction. A crash in between leaves only a blob that the
        next run claims. A link or special file is never opened (:class:`NotRegularFile`)."""
        if blob.kind in (SYMLINK, SPECIAL):
            return NotRegularFile(f"{blob.key}: a {'symbolic link' if blob.kind == SYMLINK else 'special file'}")
        try:
            data = self.inbox.get(blob.key, max_bytes=self.settings.max_bytes)
        except (TooLarge, BlobError) as exc:
            return exc
        sha = hashlib.sha256(data).hexdigest()
        try:
            return data, sha, self._archive(sha, data)
        except Exception as exc:
            return Unavailable(f"the archive {self.archive.uri} cannot be written: {_describe(exc)}")

    def _process_loaded(self, blob: Blob, loaded: tuple[bytes, str, str] | Exception,
                        deferred: bool = False, claimed: dict[tuple[str, str], int] | None = None) -> Outcome:
        if isinstance(loaded, TooLarge):
            return self._unread(blob, f"too-large:{blob.key}:{loaded.size}", loaded.size, loaded)
        if isinstance(loaded, NotRegularFile):
            return self._unread(blob, f"not-regular:{blob.key}", 0, loaded)
        if isinstance(loaded, BlobError):
            return Outcome(blob.key, "skipped")  # gone meanwhile (another worker finished it)
        if isinstance(loaded, Exception):
            raise loaded
        data, sha, uri = loaded
        if claimed and (blob.key, sha) in claimed:
            doc_id, fresh = claimed[(blob.key, sha)], True
        else:
            doc_id, fresh = self.claims.claim(blob.key, sha, len(data), uri)
        if doc_id is None:
            return Outcome(blob.key, "skipped", reason_code="owned by another worker")
        if not fresh:
            state = self.claims.state(doc_id)
            if state in FINAL:
                if not deferred:
                    self._remove_sources([(doc_id, blob.key)])
                return Outcome(blob.key, "done-before", doc_id)
            if state == CLAIMED:
                self.claims.set_state(doc_id, ARCHIVED, archive_uri=uri)
        outcome = self._finish(doc_id, blob.key, sha, data, deferred)
        outcome.resumed = not fresh
        return outcome

    def _archive(self, sha: str, data: bytes) -> str:
        faults.point("archive.write")
        return self.archive.put_if_absent(archive_key(sha), data, durable=False)

    def analyse(self, data: bytes, name: str, doc_id: int) -> Analysis:
        """The analysis and its answer, ready for the final transaction (no store writes).
        The date the document was received is its reference date: the releases accepted that
        day judge it. A pending analysis (an engine error) has no answer."""
        received_on = self.claims.received_on(doc_id)
        analysis = self.analyser.analyse(data, name, received_on)
        if analysis.state == PENDING:
            return analysis
        return self.replier.answer(analysis, doc_id, received_on)

    def _finish(self, doc_id: int, name: str, sha: str, data: bytes, deferred: bool = False) -> Outcome:
        analysis = self.analyse(data, name, doc_id)
        if analysis.state == PENDING:  # no verdict: nothing stored, answered or removed
            error = stored_text(analysis.reason)
            self.claims.defer(doc_id, error)
            return Outcome(name, PENDING, doc_id, ENGINE_ERROR, error=error)
        state, reason = self.finisher.commit(doc_id, sha, analysis)
        if not deferred:
            self._settle([(doc_id, name)])
        return Outcome(name, state, doc_id, reason if state == QUARANTINED else None)

    def _resume(self, doc_id: int) -> Outcome | None:
        """Finish a document an earlier run left (its owner dead, or its lease expired)."""
        if not self.claims.take_over(doc_id):
            return None
        with self.store.engine.connect() as conn:
            row = conn.execute(select(t.documents).where(t.documents.c.id == doc_id)).one()
        key = archive_key(row.sha256)
        try:
            if self.archive.exists(key):
                data = self.archive.get(key)
            else:
                data = self.inbox.get(row.source_name, max_bytes=self.settings.max_bytes)
        except (TooLarge, NotRegularFile) as exc:  # e.g. retried: still not to be read
            self.finisher.commit(doc_id, row.sha256, _not_read(row.source_name, exc))
            return Outcome(row.source_name, QUARANTINED, doc_id, _not_read(row.source_name, exc).reason_code,
                           resumed=True)
        except BlobError:
            return None  # the inbox file is gone and was never archived: nothing to redo here
        if hashlib.sha256(data).hexdigest() != row.sha256:
            return None
        if row.state == CLAIMED:
            self.claims.set_state(doc_id, ARCHIVED, archive_uri=self._archive(row.sha256, data))
        outcome = self._finish(doc_id, row.source_name, row.sha256, data)
        outcome.resumed = True
        return outcome

    # ---------------------------------------------------------------- inbox clean-up

    def _remove_sources(self, finished: list[tuple[int, str]]) -> None:
        """Remove the inbox files of final, archived documents; one transaction records it."""
        if not self.settings.remove_from_inbox or not finished:
            return
        with self.store.engine.connect() as conn:
            archived = {r.id for r in conn.execute(select(t.documents.c.id).where(and_(
                t.documents.c.id.in_([d for d, _ in finished]), t.documents.c.state.in_(FINAL),
                t.documents.c.archive_uri.is_not(None))))}
        names = {doc_id: name for doc_id, name in finished if doc_id in archived}
        gone = self.inbox.delete_many(list(names.values()))
        faults.point("inbox.removed")
        removed = [doc_id for doc_id, name in names.items() if name in gone]
        if removed:
            with self.store.engine.begin() as conn:
                conn.execute(update(t.documents).where(t.documents.c.id.in_(removed)).values(source_removed=True))

    def _unread(self, blob: Blob, marker: str, size: int, why: BlobError) -> Outcome:
        """An entry that is not read (too large, a link, a special file): kept where it is
        (nothing lost), recorded as quarantined once, with the finding that says why."""
        analysis = _not_read(blob.key, why)
        marker = hashlib.sha256(marker.encode()).hexdigest()
        doc_id, fresh = self.claims.claim(blob.key, marker, size)
        if doc_id is None:
            return Outcome(blob.key, "skipped")
        if not fresh and self.claims.state(doc_id) in FINAL:
            return Outcome(blob.key, "done-before", doc_id, analysis.reason_code)
        self.finisher.commit(doc_id, marker, analysis)
        return Outcome(blob.key, QUARANTINED, doc_id, analysis.reason_code)


def _not_read(name: str, why: BlobError) -> Analysis:
    """The quarantine of an entry that is never read: over the size cap, or not a regular file."""
    if isinstance(why, TooLarge):
        finding = Finding("LSS-XML-001", Severity.FATAL, str(why), step="read")
        return Analysis(STORED).quarantine(TOO_LARGE, finding.message, finding)
    what = "a symbolic link" if "link" in str(why) else "not a regular file"
    message = (f"inbox entry {name} is {what}: only regular files are read, and links are never followed "
               "(its target was not read)")
    finding = Finding(NOT_REGULAR_RULE, Severity.FATAL, message, step="read")
    return Analysis(STORED).quarantine(NOT_REGULAR, message, finding)


def _utc(value: datetime) -> datetime:
    """A stored time (SQLite gives it back without a zone: it is UTC) comparable with another."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _describe(exc: BaseException) -> str:
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())
    return f"{type(exc).__name__}: {text[:500]}"


def _by_size(blobs: list[Blob], limit: int) -> Iterable[list[Blob]]:
    """Consecutive groups whose listed sizes add up to at most ``limit`` (one item at least)."""
    group: list[Blob] = []
    total = 0
    for blob in blobs:
        if group and total + blob.size > limit:
            yield group
            group, total = [], 0
        group.append(blob)
        total += blob.size
    if group:
        yield group


def counts_by_state(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.documents.c.state, func.count()).group_by(t.documents.c.state)).all()
    return {state: n for state, n in rows}


__all__ = ["Pipeline", "Settings", "Outcome", "Report", "Unavailable", "FILE", "counts_by_state"]
