"""Claims: which worker processes a delivered document, exactly once.

A document's identity is (inbox name, SHA-256 of its bytes); the claim is an INSERT on that
unique key, so of two workers only one ever owns a document. A claim whose owner died, or
whose lease ran out, is taken over (:mod:`ingest.leases` says when). Every change is kept in
``status_history``.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, insert, or_, select, update

from . import faults
from . import queries as q
from . import tables as t
from .leases import LeaseKeeper, lease_expired, owner_is_dead
from .states import ARCHIVED, CLAIMED, FINAL, QUARANTINED
from .store import Store


def now() -> datetime:
    return datetime.now(UTC)


class Claims:
    """One worker's claims on documents of a store.

    ``clock`` tells the time of its records: when a document is received (whose date is its
    reference date for validation), claimed, taken over, deferred. The default is the real
    time; tests pass another to receive a document on a given day."""

    def __init__(self, store: Store, owner: str, lease: timedelta, clock: Callable[[], datetime] = now):
        self.store, self.owner, self.lease, self.clock = store, owner, lease, clock
        self.keeper = LeaseKeeper(store.engine, owner, lease)
        self.received: dict[int, date] = {}
        self.taken_over: list[int] = []  # documents of dead owners this worker finished

    def _values(self, name: str, sha: str, size: int, archive_uri: str | None, at: datetime) -> dict:
        return dict(source_name=name, sha256=sha, size=size, state=ARCHIVED if archive_uri else CLAIMED,
                    owner=self.owner, lease_until=at + self.lease, attempts=1, received_at=at,
                    updated_at=at, source_removed=False, archive_uri=archive_uri)

    def _history(self, doc_id: int, archive_uri: str | None, at: datetime) -> list[dict]:
        history = [dict(document_id=doc_id, state=CLAIMED, at=at, note=f"claimed by {self.owner}")]
        if archive_uri:
            history.append(dict(document_id=doc_id, state=ARCHIVED, at=at, note=archive_uri))
        return history

    def claim_new(self, items: list[tuple[str, str, int, str | None]]) -> dict[tuple[str, str], int]:
        """Claim a loaded group in one transaction: {(name, sha): id} of the documents this
        inserted. Those already known (done before, or owned by someone) are left to
        :meth:`claim`, one by one."""
        if not items:
            return {}
        at = self.clock()
        claimed: dict[tuple[str, str], int] = {}
        history: list[dict] = []
        with self.store.engine.begin() as conn:
            stmt = q.insert_ignore(conn.dialect.name, "documents", ("source_name", "sha256"), returning="id")
            # In key order: two workers claiming overlapping groups then wait for each other
            # in the same order on PostgreSQL's unique index, and never deadlock.
            for name, sha, size, uri in sorted(items):
                doc_id = conn.execute(stmt, self._values(name, sha, size, uri, at)).scalar()
                if doc_id is not None:
                    claimed[(name, sha)] = doc_id
                    history += self._history(doc_id, uri, at)
            if history:
                conn.execute(q.INSERT_HISTORY, history)
        faults.point("claim.committed")
        for doc_id in claimed.values():
            self.received[doc_id] = at.date()
        self.keeper.hold(claimed.values())
        return claimed

    def claim(self, name: str, sha: str, size: int, archive_uri: str | None = None) -> tuple[int | None, bool]:
        """(document id, freshly inserted) or (None, False) when another live worker owns it."""
        at = self.clock()
        with self.store.engine.begin() as conn:
            stmt = q.insert_ignore(conn.dialect.name, "documents", ("source_name", "sha256"), returning="id")
            doc_id = conn.execute(stmt, self._values(name, sha, size, archive_uri, at)).scalar()
            if doc_id is not None:
                conn.execute(q.INSERT_HISTORY, self._history(doc_id, archive_uri, at))
                self.received[doc_id] = at.date()
                self.keeper.hold([doc_id])
                return doc_id, True
            row = conn.execute(q.DOCUMENT_BY_SOURCE, {"p_name": name, "p_sha": sha}).one()
        if row.state in FINAL:
            return row.id, False
        return (row.id, False) if self.take_over(row.id) else (None, False)

    def take_over(self, doc_id: int) -> bool:
        """Take a non-final document whose owner is gone (or whose lease expired)."""
        at = self.clock()
        with self.store.engine.begin() as conn:
            row = conn.execute(select(t.documents.c.owner, t.documents.c.lease_until, t.documents.c.state)
                               .where(t.documents.c.id == doc_id)).one()
            if row.state in FINAL:
                return False
            if row.owner == self.owner:
                return True  # ours already (e.g. a retry): nothing to take over
            if not (owner_is_dead(row.owner) or lease_expired(row.lease_until, at)):
                return False
            result = conn.execute(update(t.documents).where(and_(
                t.documents.c.id == doc_id, t.documents.c.state.in_((CLAIMED, ARCHIVED)),
                or_(t.documents.c.owner == row.owner, t.documents.c.owner.is_(None)),
            )).values(owner=self.owner, lease_until=at + self.lease, updated_at=at,
                      attempts=t.documents.c.attempts + 1))
            if result.rowcount != 1:
                return False
            whose = f"from {row.owner}" if row.owner else "(left pending by an earlier run)"
            conn.execute(insert(t.status_history).values(
                document_id=doc_id, state=row.state, at=at, note=f"taken over by {self.owner} {whose}"))
        self.keeper.hold([doc_id])
        self.taken_over.append(doc_id)
        return True

    def reopen(self, doc_id: int) -> bool:
        """Take a quarantined document back for ``ingest retry``: ``archived`` again, owned by
        this worker, its quarantine reason cleared. Its findings stay, marked superseded by
        this retry (:func:`ingest.final.superseded_findings`), and the history row of the
        retry names the earlier reason, so the audit trail still says why it was quarantined.
        False when it is no longer quarantined (another retry took it first)."""
        at = self.clock()
        d, f = t.documents, t.findings
        with self.store.engine.begin() as conn:
            earlier = conn.execute(select(d.c.reason_code).where(d.c.id == doc_id)).scalar()
            moved = conn.execute(update(d).where(and_(d.c.id == doc_id, d.c.state == QUARANTINED)).values(
                state=ARCHIVED, owner=self.owner, lease_until=at + self.lease, reason_code=None, reason=None,
                updated_at=at)).rowcount
            if moved != 1:
                return False
            conn.execute(update(f).where(and_(f.c.document_id == doc_id, f.c.superseded_at.is_(None)))
                         .values(superseded_at=at))
            conn.execute(insert(t.status_history).values(
                document_id=doc_id, state=ARCHIVED, at=at, note=f"retry of a document quarantined as {earlier}"))
        self.keeper.hold([doc_id])
        return True

    def defer(self, doc_id: int, error: str) -> bool:
        """Leave a document pending after an engine error (not the sender's fault): it stays
        ``archived``, with ``last_error`` saying why, and unowned, so the next run (any
        worker) takes it again. Its history says so. False when it is not ours any more."""
        at = self.clock()
        d = t.documents
        with self.store.engine.begin() as conn:
            moved = conn.execute(update(d).where(and_(
                d.c.id == doc_id, d.c.owner == self.owner, d.c.state.in_((CLAIMED, ARCHIVED)))).values(
                state=ARCHIVED, owner=None, lease_until=None, last_error=error, last_error_at=at,
                updated_at=at)).rowcount
            if moved == 1:
                conn.execute(insert(t.status_history).values(
                    document_id=doc_id, state=ARCHIVED, at=at,
                    note=f"pending, not validated: {error}; retried on the next run"))
        self.release(doc_id)
        return moved == 1

    def release(self, doc_id: int) -> None:
        """The document is final: no lease to keep, no reception date to remember."""
        self.keeper.release(doc_id)
        self.received.pop(doc_id, None)

    def state(self, doc_id: int) -> str:
        with self.store.engine.connect() as conn:
            return conn.execute(q.DOCUMENT_STATE, {"p_id": doc_id}).scalar_one()

    def set_state(self, doc_id: int, state: str, **values) -> None:
        at = self.clock()
        with self.store.engine.begin() as conn:
            conn.execute(update(t.documents).where(and_(t.documents.c.id == doc_id,
                                                        t.documents.c.owner == self.owner))
                         .values(state=state, updated_at=at, **values))
            conn.execute(insert(t.status_history).values(document_id=doc_id, state=state, at=at))

    def received_on(self, doc_id: int) -> date:
        if doc_id in self.received:
            return self.received[doc_id]
        with self.store.engine.connect() as conn:
            received = conn.execute(select(t.documents.c.received_at).where(t.documents.c.id == doc_id)).scalar_one()
        return (received.astimezone(UTC) if received.tzinfo else received).date()  # stored in UTC

    def close(self) -> None:
        self.keeper.close()
