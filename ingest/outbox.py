"""Sending responses: stored first (in the final transaction), written to the outbox after.

Names are deterministic (the response id), so writing one again after a crash replaces it
with the same bytes: the access point sees each response once. A response is marked sent
only after its write and one filesystem sync, so none is lost and none is sent as two
documents.
"""
from __future__ import annotations

from concurrent.futures import Executor

from sqlalchemy import select

from . import faults
from . import queries as q
from . import tables as t
from .blobs import Blobs
from .claims import now
from .replies import Replier
from .store import Store


class Outbox:
    """The responses of one store, written to one outbox location."""

    def __init__(self, store: Store, outbox: Blobs, replier: Replier, io: Executor, wrap: bool = True):
        self.store, self.outbox, self.replier, self.io, self.wrap = store, outbox, replier, io, wrap

    def send_pending(self, doc_ids: list[int] | None = None) -> int:
        """Write pending responses (of these documents, or all), sync once, mark them sent;
        the number written."""
        query = select(t.responses).where(t.responses.c.state == "pending")
        if doc_ids is not None:
            if not doc_ids:
                return 0
            query = query.where(t.responses.c.document_id.in_(doc_ids))
        with self.store.engine.connect() as conn:
            pending = conn.execute(query.order_by(t.responses.c.id)).all()
        if not pending:
            return 0
        payloads = [(row, self.replier.envelope(row) if self.wrap else row.xml) for row in pending]
        uris = self.io.map(lambda item: self.outbox.put(f"{item[0].response_id}.xml", item[1], durable=False),
                           payloads)
        written = [(row.id, uri) for (row, _), uri in zip(payloads, uris)]
        self.outbox.sync()
        faults.point("outbox.written")
        at = now()
        with self.store.engine.begin() as conn:
            conn.execute(q.MARK_SENT, [dict(p_id=row_id, state="sent", outbox_uri=uri, sent_at=at)
                                       for row_id, uri in written])
        faults.point("outbox.marked")
        return len(pending)
