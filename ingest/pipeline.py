"""The municipal inbox pipeline: every delivered document ends stored or quarantined, once.

Per document: claim → read (size cap) → archive the original bytes (content-addressed) →
unwrap the SBDH (its receiver must be us) → validate (the BIS 3 rule set plus our municipal
rules) → parse into the BIS model → deduplicate → store → respond → remove from the inbox.

Exactly once, whatever crashes where:

* a document's identity is (inbox name, SHA-256 of its bytes); the claim is an INSERT on that
  unique key, so of two workers only one ever owns a document;
* the states are ``claimed`` → ``archived`` → ``stored`` | ``quarantined``; the final state, the
  parsed invoice, the findings and the responses to send are written in ONE transaction, so a
  crash before it leaves the document to be redone and a crash after it leaves nothing to redo;
* a claim whose owner died (same host, pid gone) or whose lease ran out is taken over;
* responses are stored (bytes and deterministic name) in that same transaction and written to
  the outbox afterwards; writing the same name twice writes the same bytes, and a response
  is marked sent only after its write, so none is lost and none is sent as two documents;
* the inbox file is removed only after the final state is committed (the archive holds it).
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import socket
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from lxml import etree
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from peppol import sbdh
from peppol.reader import UblReadError, read_ubl
from peppol.responses import (
    Clarification, Endpoint, InvoiceResponse, InvoiceStatus, IssueType, LineResponse,
    MessageLevelResponse, MessageReference, MessageStatus, ResponseParty, ResponseRuleError,
)
from validate.engine import Validator
from validate.findings import Finding, Severity
from validate.xmlsafe import Limits, XmlRefused, parse_xml

from . import queries as q
from . import tables as t
from .blobs import Blob, BlobError, Blobs, TooLarge, archive_key
from .municipal import BUYER_ENDPOINT, BUYER_REFERENCE, Receiver, municipal_ruleset
from .store import Store

CLAIMED, ARCHIVED, STORED, QUARANTINED = "claimed", "archived", "stored", "quarantined"
FINAL = (STORED, QUARANTINED)

# Reasons a document is quarantined (documents.reason_code).
NOT_XML = "not-xml"
TOO_LARGE = "too-large"
BROKEN_SBDH = "broken-sbdh"
NOT_FOR_US = "not-for-us"
WRONG_TYPE = "wrong-document-type"
FAILED_RULES = "failed-rules"
UNREADABLE = "unreadable-invoice"
DUPLICATE = "duplicate"

INVOICE_KINDS = ("invoice", "creditnote")
BATCH_BYTES = 64 * 1024 * 1024  # read at most this much of the inbox ahead of processing
MAX_CLARIFICATIONS = 20
# Attachments up to this size (decoded) are kept in the store; larger ones are archived by
# content. A time-report CSV is a few kilobytes; scanned PDFs go to the archive.
INLINE_ATTACHMENT_BYTES = 256 * 1024

TIMEREPORT_COLUMNS = {"assistant_pnr", "client_pnr", "date", "start", "end", "kind", "decision_id"}


def _now() -> datetime:
    return datetime.now(UTC)


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _owner_is_dead(owner: str | None) -> bool:
    """A claim of a process on this host that no longer runs can be taken over at once."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class Settings:
    receiver: Receiver
    max_bytes: int = 100 * 1024 * 1024
    lease: timedelta = timedelta(minutes=5)
    remove_from_inbox: bool = True
    wrap_responses: bool = True  # in an SBDH envelope, for the access point


@dataclass
class Outcome:
    """What happened to one inbox item in this run."""

    name: str
    state: str  # stored | quarantined | skipped (owned by another worker) | done-before
    document_id: int | None = None
    reason_code: str | None = None


@dataclass
class Analysis:
    """The result of the CPU part: what to store, in one transaction."""

    state: str
    document_kind: str | None = None
    ruleset: str | None = None
    envelope: sbdh.Envelope | None = None
    reason_code: str | None = None
    reason: str | None = None
    findings: list[Finding] = field(default_factory=list)
    read: object | None = None  # peppol.reader.ReadResult
    responses: list[tuple[str, str, str, bytes]] = field(default_factory=list)  # (kind, code, receiver, xml)


class Pipeline:
    """One worker's view of an inbox, an archive, an outbox and a store."""

    def __init__(self, store: Store, inbox: Blobs, archive: Blobs, outbox: Blobs, settings: Settings,
                 owner: str | None = None):
        self.store = store
        self.inbox = inbox
        self.archive = archive
        self.outbox = outbox
        self.settings = settings
        self.owner = owner or owner_id()
        self.ruleset = municipal_ruleset(settings.receiver)
        self.validator = Validator(self.ruleset.id, limits=Limits(max_bytes=settings.max_bytes))
        self.response_validator = Validator()
        self._received: dict[int, date] = {}
        # Threads for inbox/archive/outbox I/O only (boto3 clients are thread-safe).
        self._io = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lss-io")

    def close(self) -> None:
        """Stop the I/O threads and release database connections (a watch loop makes a new
        pipeline per poll)."""
        self._io.shutdown(wait=True)
        self.store.dispose()

    # ---------------------------------------------------------------- the run

    def run(self, *, shard: tuple[int, int] = (0, 1), progress: Callable[[Outcome], None] | None = None,
            items: Iterable[Blob] | None = None, batch: int = 50) -> list[Outcome]:
        """Process what is in the inbox (this worker's shard), then finish what others left."""
        index, count = shard
        self.archive.sweep()
        self.outbox.sweep()
        outcomes = []
        listing = list(items if items is not None else self.inbox.list())
        mine = [b for b in listing if zlib.crc32(b.key.encode()) % count == index]
        for start in range(0, len(mine), batch):
            for outcome in self.process_batch(mine[start:start + batch]):
                outcomes.append(outcome)
                if progress:
                    progress(outcome)
        self.recover()
        self.send_pending()
        return outcomes

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
        for group in _by_size(blobs, BATCH_BYTES):  # bounded memory, whatever the files' sizes
            # All loads first, then the processing: I/O threads running beside the processing
            # fight it for the GIL (SaxonC holds it while it validates), which cost more CPU
            # than the overlap saved (measured); the other worker process fills the wait.
            loaded = list(self._io.map(self._load, group))
            claimed = self._claim_new([(blob.key, item[1], len(item[0]), item[2])
                                       for blob, item in zip(group, loaded) if isinstance(item, tuple)])
            outcomes += [self._process_loaded(blob, item, deferred=True, claimed=claimed)
                         for blob, item in zip(group, loaded)]
        self._settle([(o.document_id, o.name) for o in outcomes
                      if o.document_id is not None and o.state in (STORED, QUARANTINED, "done-before")])
        return outcomes

    def _settle(self, finished: list[tuple[int, str]]) -> None:
        """After final states are committed: archive durable, responses sent, inbox cleared."""
        self.archive.sync()
        self.send_pending(doc_ids=[doc_id for doc_id, _ in finished])
        self._remove_sources(finished)

    def recover(self) -> None:
        """Finish documents whose owner died mid-way, from the archive or the inbox."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(t.documents.c.id, t.documents.c.source_name, t.documents.c.size)
                                .where(t.documents.c.state.in_((CLAIMED, ARCHIVED)))).all()
        for row in rows:
            self._resume(row.id)
        with self.store.engine.connect() as conn:
            leftovers = conn.execute(select(t.documents.c.id, t.documents.c.source_name)
                                     .where(and_(t.documents.c.state.in_(FINAL),
                                                 t.documents.c.source_removed.is_(False)))).all()
        self._remove_sources([(row.id, row.source_name) for row in leftovers])

    # ---------------------------------------------------------------- one document

    def process(self, blob: Blob, deferred: bool = False) -> Outcome:
        """One document. ``deferred``: leave sending and inbox removal to :meth:`process_batch`."""
        return self._process_loaded(blob, self._load(blob), deferred)

    def _load(self, blob: Blob) -> tuple[bytes, str, str] | Exception:
        """Read, hash and archive one inbox item (the I/O part; runs in the I/O threads).

        Archived first (content-addressed, idempotent): the claim then records the document as
        already archived, in one transaction. A crash in between leaves only a blob that the
        next run claims."""
        try:
            data = self.inbox.get(blob.key, max_bytes=self.settings.max_bytes)
        except (TooLarge, BlobError) as exc:
            return exc
        sha = hashlib.sha256(data).hexdigest()
        return data, sha, self._archive(sha, data)

    def _process_loaded(self, blob: Blob, loaded: tuple[bytes, str, str] | Exception,
                        deferred: bool = False, claimed: dict[tuple[str, str], int] | None = None) -> Outcome:
        if isinstance(loaded, TooLarge):
            return self._too_large(blob, loaded)
        if isinstance(loaded, BlobError):
            return Outcome(blob.key, "skipped")  # gone meanwhile (another worker finished it)
        if isinstance(loaded, Exception):
            raise loaded
        data, sha, uri = loaded
        if claimed and (blob.key, sha) in claimed:
            doc_id, fresh = claimed[(blob.key, sha)], True
        else:
            doc_id, fresh = self._claim(blob.key, sha, len(data), uri)
        if doc_id is None:
            return Outcome(blob.key, "skipped", reason_code="owned by another worker")
        if not fresh:
            state = self._state(doc_id)
            if state in FINAL:
                if not deferred:
                    self._remove_sources([(doc_id, blob.key)])
                return Outcome(blob.key, "done-before", doc_id)
            if state == CLAIMED:
                self._set_state(doc_id, ARCHIVED, archive_uri=uri)
        return self._finish(doc_id, blob.key, sha, data, deferred)

    def _archive(self, sha: str, data: bytes) -> str:
        return self.archive.put_if_absent(archive_key(sha), data, durable=False)

    def _finish(self, doc_id: int, name: str, sha: str, data: bytes, deferred: bool = False) -> Outcome:
        analysis = self.analyse(data, name, doc_id)
        try:
            state, reason = self._commit_final(doc_id, sha, analysis)
        except IntegrityError:
            # Another worker stored the same invoice (seller, number, issue date) between our
            # duplicate check and our insert: the unique key refused ours and the transaction
            # rolled back whole. Once more: the check now sees theirs, and ours is a duplicate.
            state, reason = self._commit_final(doc_id, sha, analysis)
        if not deferred:
            self._settle([(doc_id, name)])
        return Outcome(name, state, doc_id, reason if state == QUARANTINED else None)

    def _resume(self, doc_id: int) -> None:
        if not self._take_over(doc_id):
            return
        with self.store.engine.connect() as conn:
            row = conn.execute(select(t.documents).where(t.documents.c.id == doc_id)).one()
        key = archive_key(row.sha256)
        try:
            if self.archive.exists(key):
                data = self.archive.get(key)
            else:
                data = self.inbox.get(row.source_name, max_bytes=self.settings.max_bytes)
        except BlobError:
            return  # the inbox file is gone and was never archived: nothing to redo here
        if hashlib.sha256(data).hexdigest() != row.sha256:
            return
        if row.state == CLAIMED:
            self._set_state(doc_id, ARCHIVED, archive_uri=self._archive(row.sha256, data))
        self._finish(doc_id, row.source_name, row.sha256, data)

    # ---------------------------------------------------------------- claims and states

    def _claim_values(self, name: str, sha: str, size: int, archive_uri: str | None, now: datetime) -> dict:
        return dict(source_name=name, sha256=sha, size=size, state=ARCHIVED if archive_uri else CLAIMED,
                    owner=self.owner, lease_until=now + self.settings.lease, attempts=1, received_at=now,
                    updated_at=now, source_removed=False, archive_uri=archive_uri)

    def _claim_history(self, doc_id: int, archive_uri: str | None, now: datetime) -> list[dict]:
        history = [dict(document_id=doc_id, state=CLAIMED, at=now, note=f"claimed by {self.owner}")]
        if archive_uri:
            history.append(dict(document_id=doc_id, state=ARCHIVED, at=now, note=archive_uri))
        return history

    def _claim_new(self, items: list[tuple[str, str, int, str | None]]) -> dict[tuple[str, str], int]:
        """Claim a loaded group in one transaction: {(name, sha): id} of the documents this
        inserted. Those already known (done before, or owned by someone) are left to
        :meth:`_claim`, one by one."""
        if not items:
            return {}
        now = _now()
        claimed: dict[tuple[str, str], int] = {}
        history: list[dict] = []
        with self.store.engine.begin() as conn:
            stmt = q.insert_ignore(conn.dialect.name, "documents", ("source_name", "sha256"), returning="id")
            # In key order: two workers claiming overlapping groups then wait for each other
            # in the same order on PostgreSQL's unique index, and never deadlock.
            for name, sha, size, uri in sorted(items):
                doc_id = conn.execute(stmt, self._claim_values(name, sha, size, uri, now)).scalar()
                if doc_id is not None:
                    claimed[(name, sha)] = doc_id
                    history += self._claim_history(doc_id, uri, now)
            if history:
                conn.execute(q.INSERT_HISTORY, history)
        for doc_id in claimed.values():
            self._received[doc_id] = now.date()
        return claimed

    def _claim(self, name: str, sha: str, size: int, archive_uri: str | None = None) -> tuple[int | None, bool]:
        """(document id, freshly inserted) or (None, False) when another live worker owns it."""
        now = _now()
        with self.store.engine.begin() as conn:
            stmt = q.insert_ignore(conn.dialect.name, "documents", ("source_name", "sha256"), returning="id")
            doc_id = conn.execute(stmt, self._claim_values(name, sha, size, archive_uri, now)).scalar()
            if doc_id is not None:
                conn.execute(q.INSERT_HISTORY, self._claim_history(doc_id, archive_uri, now))
                self._received[doc_id] = now.date()
                return doc_id, True
            row = conn.execute(q.DOCUMENT_BY_SOURCE, {"p_name": name, "p_sha": sha}).one()
        if row.state in FINAL:
            return row.id, False
        return (row.id, False) if self._take_over(row.id) else (None, False)

    def _take_over(self, doc_id: int) -> bool:
        """Take a non-final document whose owner is gone (or whose lease expired)."""
        now = _now()
        with self.store.engine.begin() as conn:
            row = conn.execute(select(t.documents.c.owner, t.documents.c.lease_until, t.documents.c.state)
                               .where(t.documents.c.id == doc_id)).one()
            if row.state in FINAL:
                return False
            lease = row.lease_until
            if lease is not None and lease.tzinfo is None:
                lease = lease.replace(tzinfo=UTC)
            if row.owner == self.owner:
                return True  # ours already (e.g. a retry): nothing to take over
            if not (_owner_is_dead(row.owner) or (lease and lease < now)):
                return False
            result = conn.execute(update(t.documents).where(and_(
                t.documents.c.id == doc_id, t.documents.c.state.in_((CLAIMED, ARCHIVED)),
                or_(t.documents.c.owner == row.owner, t.documents.c.owner.is_(None)),
            )).values(owner=self.owner, lease_until=now + self.settings.lease, updated_at=now,
                      attempts=t.documents.c.attempts + 1))
            if result.rowcount != 1:
                return False
            conn.execute(insert(t.status_history).values(
                document_id=doc_id, state=row.state, at=now, note=f"taken over by {self.owner} from {row.owner}"))
        return True

    def _state(self, doc_id: int) -> str:
        with self.store.engine.connect() as conn:
            return conn.execute(q.DOCUMENT_STATE, {"p_id": doc_id}).scalar_one()

    def _set_state(self, doc_id: int, state: str, **values) -> None:
        now = _now()
        with self.store.engine.begin() as conn:
            conn.execute(update(t.documents).where(and_(t.documents.c.id == doc_id,
                                                        t.documents.c.owner == self.owner))
                         .values(state=state, updated_at=now, **values))
            conn.execute(insert(t.status_history).values(document_id=doc_id, state=state, at=now))

    # ---------------------------------------------------------------- analysis (no I/O)

    def analyse(self, data: bytes, name: str, doc_id: int) -> Analysis:
        """Everything that decides the document's fate, computed before any store write."""
        try:
            tree = parse_xml(data, source=name, limits=Limits(max_bytes=self.settings.max_bytes))
        except XmlRefused as refused:
            return Analysis(QUARANTINED, reason_code=NOT_XML, reason=refused.finding.message,
                            findings=[refused.finding])
        envelope = None
        if etree.QName(tree.getroot()).localname == "StandardBusinessDocument":
            try:
                envelope = sbdh.unwrap(tree)
            except sbdh.SbdhError as exc:
                return self._not_a_document(data, BROKEN_SBDH, f"broken SBDH envelope: {exc}", doc_id)
            if envelope.receiver != self.settings.receiver.participant:
                return self._not_a_document(
                    data, NOT_FOR_US,
                    f"the envelope is addressed to {envelope.receiver}, not to {self.settings.receiver.name} "
                    f"({self.settings.receiver.participant})", doc_id, envelope)
        result = self.validator.validate_parsed(data, tree, name)
        analysis = Analysis(STORED, document_kind=result.document_type or None, ruleset=result.ruleset or None,
                            envelope=envelope, findings=result.findings)
        if result.document_type not in INVOICE_KINDS:
            message = "; ".join(f.message for f in result.findings if f.is_fatal) or \
                f"a {result.document_type or 'document'} is not an invoice or credit note"
            return self._not_a_document(data, WRONG_TYPE, message, doc_id, envelope, result.findings)
        document = envelope.payload if envelope else tree.getroot()
        if not result.valid:
            fatal = [f for f in result.findings if f.is_fatal]
            analysis.state, analysis.reason_code = QUARANTINED, FAILED_RULES
            analysis.reason = f"{len(fatal)} fatal finding(s): " + ", ".join(sorted({f.rule_id for f in fatal}))
            analysis.responses.append(self._invoice_response(document, doc_id, InvoiceStatus.REJECTED, fatal))
            return analysis
        try:
            analysis.read = read_ubl(envelope.payload if envelope else tree)
        except UblReadError as exc:
            analysis.state, analysis.reason_code, analysis.reason = QUARANTINED, UNREADABLE, str(exc)
            analysis.findings.append(Finding("LSS-ING-003", Severity.FATAL, str(exc), step="parse"))
            return analysis
        analysis.responses.append(self._invoice_response(document, doc_id, InvoiceStatus.RECEIVED, []))
        return analysis

    def _not_a_document(self, data: bytes, code: str, reason: str, doc_id: int,
                        envelope: sbdh.Envelope | None = None, findings: list[Finding] | None = None) -> Analysis:
        finding = Finding(f"LSS-ING-{code.upper()}", Severity.FATAL, reason, step="ingest")
        analysis = Analysis(QUARANTINED, reason_code=code, reason=reason, envelope=envelope,
                            findings=list(findings or []) + [finding])
        mlr = self._message_level_response(data, doc_id, reason)
        if mlr is not None:
            analysis.responses.append(mlr)
        return analysis

    # ---------------------------------------------------------------- responses

    def _response_id(self, doc_id: int, kind: str, code: str) -> str:
        return f"{self.settings.receiver.slug}-{doc_id:08d}-{kind}-{code}"

    def _received_on(self, doc_id: int) -> date:
        if doc_id in self._received:
            return self._received[doc_id]
        with self.store.engine.connect() as conn:
            received = conn.execute(select(t.documents.c.received_at).where(t.documents.c.id == doc_id)).scalar_one()
        return received.date()

    def _invoice_response(self, invoice: etree._Element | bytes, doc_id: int, code: InvoiceStatus,
                          problems: list[Finding]) -> tuple[str, str, str, bytes]:
        clarifications = [_clarification(f) for f in problems[:MAX_CLARIFICATIONS]]
        if len(problems) > MAX_CLARIFICATIONS:
            clarifications.append(Clarification.status_reason(
                "OTH", f"{len(problems) - MAX_CLARIFICATIONS} more problem(s) not listed"))
        rid = self._response_id(doc_id, "T111", code.value)
        response = InvoiceResponse.answering(
            invoice, id=rid, issue_date=self._received_on(doc_id), response_code=code,
            clarifications=clarifications,
            note=None if code is InvoiceStatus.RECEIVED else "The invoice cannot be processed: see the reasons.")
        # We answer, whoever the invoice names as its buyer (it may be addressed wrongly).
        response = response.model_copy(update={"sender": self._our_party()})
        xml = response.to_xml()
        self._check_response(xml, "invoice-response")
        endpoint = response.receiver.endpoint
        return "T111", code.value, f"{endpoint.scheme}:{endpoint.id}", xml

    def _our_party(self) -> ResponseParty:
        receiver = self.settings.receiver
        return ResponseParty(endpoint=Endpoint(scheme=receiver.endpoint_scheme, id=receiver.endpoint_id),
                             name=receiver.name)

    def _message_level_response(self, data: bytes, doc_id: int, reason: str) -> tuple[str, str, str, bytes] | None:
        rid = self._response_id(doc_id, "T71", "RE")
        lines = [LineResponse(line_id="NA", description=reason[:1000], issue=IssueType.BUSINESS_RULE_FATAL)]
        try:
            mlr = MessageLevelResponse.answering(
                data, id=rid, issue_date=self._received_on(doc_id), response_code=MessageStatus.REJECTED,
                lines=lines)
        except (ResponseRuleError, ValueError, etree.XMLSyntaxError):
            # A broken envelope: answer whoever its header names as sender, if anyone.
            reply = sbdh.reply_address(parse_xml(data, limits=Limits(max_bytes=self.settings.max_bytes)))
            if reply.sender is None:
                return None  # nobody to answer: the quarantine reason says so
            scheme, _, value = reply.sender.partition(":")
            mlr = MessageLevelResponse(
                id=rid, issue_date=self._received_on(doc_id), sender=self._our_party().endpoint,
                receiver=Endpoint(scheme=scheme, id=value), response_code=MessageStatus.REJECTED,
                document_reference=MessageReference(id=reply.instance_id or "NA"), lines=tuple(lines))
        xml = mlr.to_xml()
        self._check_response(xml, "mlr")
        return "T71", "RE", f"{mlr.receiver.scheme}:{mlr.receiver.id}", xml

    def _check_response(self, xml: bytes, kind: str) -> None:
        """Every response passes the official T111/T71 rules before it may be stored."""
        result = self.response_validator.validate_bytes(xml, f"response.{kind}.xml")
        if not result.valid or result.document_type != kind:
            problems = "; ".join(f"{f.rule_id}: {f.message}" for f in result.findings if f.is_fatal)
            raise ResponseInvalid(f"generated {kind} response is not valid: {problems}")

    def send_pending(self, doc_ids: list[int] | None = None) -> int:
        """Write pending responses to the outbox, sync once, then mark them sent.

        Names are deterministic (the response id), so writing one again after a crash
        replaces it with the same bytes: the access point sees each response once.
        """
        query = select(t.responses).where(t.responses.c.state == "pending")
        if doc_ids is not None:
            if not doc_ids:
                return 0
            query = query.where(t.responses.c.document_id.in_(doc_ids))
        with self.store.engine.connect() as conn:
            pending = conn.execute(query.order_by(t.responses.c.id)).all()
        if not pending:
            return 0
        payloads = [(row, self._envelope_response(row) if self.settings.wrap_responses else row.xml)
                    for row in pending]
        uris = self._io.map(lambda item: self.outbox.put(f"{item[0].response_id}.xml", item[1], durable=False),
                            payloads)
        written = [(row.id, uri) for (row, _), uri in zip(payloads, uris)]
        self.outbox.sync()
        now = _now()
        with self.store.engine.begin() as conn:
            conn.execute(q.MARK_SENT, [dict(p_id=row_id, state="sent", outbox_uri=uri, sent_at=now)
                                       for row_id, uri in written])
        return len(pending)

    def _envelope_response(self, row) -> bytes:
        if not row.receiver:
            return row.xml
        from peppol import codes

        kind = codes.INVOICE_RESPONSE_DOCUMENT_TYPE_ID if row.kind == "T111" else codes.MLR_DOCUMENT_TYPE_ID
        process = codes.INVOICE_RESPONSE_PROCESS_ID if row.kind == "T111" else codes.MLR_PROCESS_ID
        return sbdh.wrap(row.xml, sender=self.settings.receiver.participant, receiver=row.receiver,
                         document_type_id=kind, process_id=process,
                         instance_id=str(uuid.uuid5(uuid.NAMESPACE_URL, row.response_id)),
                         created=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC))

    # ---------------------------------------------------------------- the final transaction

    def _commit_final(self, doc_id: int, sha: str, analysis: Analysis) -> tuple[str, str | None]:
        """Write the outcome in one transaction; returns the document's final (state, reason)."""
        now = _now()
        attachment_uris = archive_attachments(analysis.read, self.archive) if analysis.state == STORED else {}
        with self.store.engine.begin() as conn:
            row = conn.execute(q.DOCUMENT_FOR_FINAL, {"p_id": doc_id}).one()
            if row.state in FINAL or row.owner != self.owner:
                return row.state, row.reason_code  # finished by another worker: never store twice
            if analysis.state == STORED:
                duplicate = self._duplicate_of(conn, doc_id, sha, analysis)
                if duplicate:
                    analysis = self._as_duplicate(analysis, duplicate, doc_id)
            invoice_id = None
            if analysis.state == STORED:
                invoice_id = _store_invoice(conn, doc_id, analysis.read, attachment_uris)
            envelope = analysis.envelope
            conn.execute(q.UPDATE_DOCUMENT, dict(
                p_id=doc_id, state=analysis.state, updated_at=now, document_kind=analysis.document_kind,
                ruleset=analysis.ruleset, reason_code=analysis.reason_code, reason=analysis.reason,
                sbdh_sender=envelope.sender if envelope else None,
                sbdh_receiver=envelope.receiver if envelope else None,
                sbdh_instance_id=envelope.instance_id if envelope else None,
                owner=None, lease_until=None))
            if analysis.findings:
                conn.execute(q.INSERT_FINDINGS, [dict(
                    document_id=doc_id, rule_id=f.rule_id, severity=f.severity.value, location=f.location,
                    message=f.message, ruleset=f.ruleset, step=f.step) for f in analysis.findings])
            if analysis.responses:
                # A retried document that gets the same answer again is not answered twice.
                conn.execute(q.insert_ignore(conn.dialect.name, "responses", ("document_id", "kind", "code")), [dict(
                    response_id=self._response_id(doc_id, kind, code), document_id=doc_id, kind=kind,
                    code=code, receiver=receiver, xml=xml, state="pending", created_at=now)
                    for kind, code, receiver, xml in analysis.responses])
            note = analysis.reason or (f"invoice #{invoice_id}" if invoice_id else None)
            conn.execute(q.INSERT_HISTORY, dict(document_id=doc_id, state=analysis.state, at=now, note=note))
        self._received.pop(doc_id, None)
        return analysis.state, analysis.reason_code

    def _duplicate_of(self, conn: Connection, doc_id: int, sha: str, analysis: Analysis) -> str | None:
        same_bytes = conn.execute(q.SAME_BYTES_STORED, {"p_sha": sha, "p_id": doc_id}).first()
        if same_bytes:
            return f"byte-identical resubmission of document #{same_bytes.id}"
        doc = analysis.read.document
        seller = _seller_key(doc)
        same = conn.execute(q.SAME_INVOICE, {"p_seller": seller, "p_number": doc.id,
                                             "p_issued": doc.issue_date}).first()
        if same:
            return (f"invoice number {doc.id} of {doc.issue_date} from {seller} was already received "
                    f"(document #{same.document_id})")
        return None

    def _as_duplicate(self, analysis: Analysis, why: str, doc_id: int) -> Analysis:
        analysis.state, analysis.reason_code, analysis.reason = QUARANTINED, DUPLICATE, why
        finding = Finding("LSS-ING-DUPLICATE", Severity.FATAL, why, step="ingest")
        analysis.findings.append(finding)
        # The AB prepared for a new invoice becomes an RE naming the duplicate.
        document = analysis.envelope.payload if analysis.envelope else self._archived_bytes(doc_id)
        analysis.responses = [self._invoice_response(document, doc_id, InvoiceStatus.REJECTED, [finding])]
        return analysis

    def _archived_bytes(self, doc_id: int) -> bytes:
        with self.store.engine.connect() as conn:
            sha = conn.execute(select(t.documents.c.sha256).where(t.documents.c.id == doc_id)).scalar_one()
        return self.archive.get(archive_key(sha))

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
        removed = [doc_id for doc_id, name in names.items() if name in gone]
        if removed:
            with self.store.engine.begin() as conn:
                conn.execute(update(t.documents).where(t.documents.c.id.in_(removed)).values(source_removed=True))

    def _too_large(self, blob: Blob, exc: TooLarge) -> Outcome:
        """Too large to read: kept where it is (nothing lost), recorded as quarantined once."""
        marker = hashlib.sha256(f"too-large:{blob.key}:{exc.size}".encode()).hexdigest()
        doc_id, fresh = self._claim(blob.key, marker, exc.size)
        if doc_id is None:
            return Outcome(blob.key, "skipped")
        if not fresh and self._state(doc_id) in FINAL:
            return Outcome(blob.key, "done-before", doc_id, TOO_LARGE)
        analysis = Analysis(QUARANTINED, reason_code=TOO_LARGE, reason=str(exc), findings=[
            Finding("LSS-XML-001", Severity.FATAL, str(exc), step="read")])
        self._commit_final(doc_id, marker, analysis)
        return Outcome(blob.key, QUARANTINED, doc_id, TOO_LARGE)


class ResponseInvalid(Exception):
    """A response we generated fails the official rules: a bug, never sent."""


# --------------------------------------------------------------------------------------
# Mapping the BIS model to rows


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


def _seller_key(doc) -> str:
    return f"{doc.seller.endpoint.scheme}:{doc.seller.endpoint.value}"


def _clarification(finding: Finding) -> Clarification:
    """Status reason per problem (OPStatusReason): references → REF, our endpoint → REC,
    duplicates and the rest → OTH with the rule id and message as the reason."""
    if finding.rule_id == BUYER_REFERENCE:
        code = "REF"
    elif finding.rule_id == BUYER_ENDPOINT:
        code = "REC"
    else:
        code = "OTH"
    text = f"{finding.rule_id}: {finding.message}"
    if finding.location:
        text += f" (at {finding.location})"
    return Clarification.status_reason(code, text[:1000])


def _recognise_attachment(att) -> tuple[str | None, int | None]:
    """A time-report CSV is one whose header has the time-report columns."""
    if not att.content or (att.mime_code or "") != "text/csv":
        return None, None
    try:
        text = att.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return None, None
    header = {h.strip().lower() for h in rows[0]}
    if TIMEREPORT_COLUMNS <= header:
        return "timereport-csv", sum(1 for r in rows[1:] if r and not r[0].startswith("#"))
    return None, None


def _kept_in_store(att) -> bool:
    """An embedded attachment small enough to keep, decoded, in the store (else archived)."""
    return bool(att.content) and len(att.content) <= INLINE_ATTACHMENT_BYTES


def archive_attachments(read, archive: Blobs) -> dict[str, str]:
    """Archive the large embedded attachments by content (small ones are kept in the store).

    Before the store transaction: the writes are idempotent, and no file I/O should hold the
    database's write lock."""
    uris = {}
    for att in read.document.attachments:
        if att.content and not _kept_in_store(att):
            sha = hashlib.sha256(att.content).hexdigest()
            uris[sha] = archive.put_if_absent(archive_key(sha), att.content, durable=False)
    return uris


def _store_invoice(conn: Connection, doc_id: int, read, attachment_uris: dict[str, str]) -> int:
    doc = read.document
    totals = read.stated_totals or doc.totals()
    means = doc.payment_means[0] if doc.payment_means else None
    result = conn.execute(q.INSERT_INVOICE, dict(
        document_id=doc_id, kind=doc.kind, seller_key=_seller_key(doc), invoice_number=doc.id,
        issue_date=doc.issue_date, due_date=doc.due_date, type_code=doc.type_code, currency=doc.currency,
        buyer_reference=doc.buyer_reference, order_reference=doc.order_reference,
        period_start=doc.invoice_period.start if doc.invoice_period else None,
        period_end=doc.invoice_period.end if doc.invoice_period else None,
        note=" / ".join(doc.notes) or None,
        line_total=totals.line_net_total, tax_exclusive=totals.total_without_vat, tax_amount=totals.vat_total,
        tax_inclusive=totals.total_with_vat, payable=totals.amount_due,
        payment_account=means.account_id if means else None,
        payment_scheme=means.branch_id if means else None,
        payment_reference=means.payment_id if means else None,
    ))
    invoice_id = result.inserted_primary_key[0]
    conn.execute(q.INSERT_LINES, [dict(
        invoice_id=invoice_id, line_id=line.id, quantity=line.quantity, unit_code=line.unit_code,
        net_amount=line.net_amount if line.net_amount is not None else line.computed_net_amount(),
        price=line.price, item_name=line.item_name, description=line.item_description, note=line.note,
        period_start=line.period.start if line.period else None,
        period_end=line.period.end if line.period else None, vat_category=line.vat_category,
    ) for line in doc.lines])
    conn.execute(q.INSERT_PARTIES, [_party_row(invoice_id, "seller", doc.seller),
                                     _party_row(invoice_id, "buyer", doc.buyer)])
    rows = []
    for att in doc.attachments:
        sha = hashlib.sha256(att.content).hexdigest() if att.content else None
        uri = attachment_uris.get(sha) if sha else None
        recognised, count = _recognise_attachment(att)
        inline = att.content if _kept_in_store(att) else None
        rows.append(dict(invoice_id=invoice_id, reference=att.id, description=att.description,
                         filename=att.filename, mime=att.mime_code, size=len(att.content) if att.content else None,
                         sha256=sha, archive_uri=uri or att.uri, recognised_as=recognised, rows=count,
                         content=inline))
    if rows:
        conn.execute(q.INSERT_ATTACHMENTS, rows)
    return invoice_id


def _party_row(invoice_id: int, role: str, party) -> dict:
    contact = party.contact
    return dict(
        invoice_id=invoice_id, role=role, endpoint=f"{party.endpoint.scheme}:{party.endpoint.value}",
        name=party.registration_name,
        legal_id=party.legal_registration_id.value if party.legal_registration_id else None,
        vat_id=party.vat_id, tax_registration=getattr(party, "tax_registration_id", None),
        street=party.address.street, city=party.address.city, postal_code=party.address.postal_code,
        country=party.address.country,
        contact=", ".join(x for x in (contact.name, contact.telephone, contact.email) if x) if contact else None,
    )


def counts_by_state(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.documents.c.state, func.count()).group_by(t.documents.c.state)).all()
    return {state: n for state, n in rows}
