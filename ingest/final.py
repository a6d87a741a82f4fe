"""The final transaction: a document's outcome, its invoice rows (with its attached time reports
and their shifts), findings and responses in ONE transaction, so a crash before it leaves the
document to be redone and a crash after it leaves nothing to redo.

Duplicates are decided here, inside the transaction: a byte-identical resubmission, or the
same seller, invoice number (compared by :func:`ingest.rows.number_key`) and issue date as an
invoice already stored. The stored reason names the earlier document for the operator; the RE
tells the seller that it answers the resubmitted copy and names the earlier receipt by its
date and the seller's own invoice number, never by an id of ours. If another worker stores the same invoice between our check and our
insert, the unique key refuses ours, the transaction rolls back whole and is done once more:
the check then sees theirs. A value the database refuses although :mod:`ingest.rows` let it
through (a bug) quarantines the document with that finding instead of stopping the run.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from invoices.model import mask_personal_numbers
from validate.findings import Finding, Severity

from . import faults
from . import queries as q
from . import rows as r
from . import tables as t
from .analysis import Analysis, Answer
from .blobs import Blobs
from .claims import Claims
from .replies import Replier
from .states import DUPLICATE, FINAL, NOT_STORABLE, STORED
from .store import Store
from .sickclaim_intake import insert_sick_claim
from .timereport_intake import insert_timereports

DUPLICATE_RULE = "LSS-ING-DUPLICATE"
MAX_STORED_MESSAGE = 2000


@dataclass(frozen=True)
class Duplicate:
    """Why a document is a duplicate: ``reason`` for the store (names the earlier document),
    ``to_sender`` for the RE (names the earlier receipt as the seller knows it)."""

    reason: str
    to_sender: str


def stored_text(text: str | None) -> str | None:
    """A reason or finding message as stored (and shown by ``ingest show``): a personnummer
    quoted from the document masked, and no more of the document than finding the fault
    needs (a rule quoting a 1 MB field is cut)."""
    if text is None:
        return None
    text = mask_personal_numbers(text)
    return text if len(text) <= MAX_STORED_MESSAGE else text[:MAX_STORED_MESSAGE - 1] + "…"


class Finisher:
    """Commits final outcomes for one worker."""

    def __init__(self, store: Store, claims: Claims, archive: Blobs, replier: Replier):
        self.store, self.claims, self.archive, self.replier = store, claims, archive, replier

    def commit(self, doc_id: int, sha: str, analysis: Analysis) -> tuple[str, str | None]:
        """Write the outcome; returns the document's final (state, reason)."""
        try:
            return self._commit(doc_id, sha, analysis)
        except IntegrityError:
            return self._commit(doc_id, sha, analysis)  # the unique-key race: see the module
        except (DataError, StatementError) as exc:
            # DataError: the database refused a value; a StatementError that is no DBAPIError: a
            # column type refused it on the way in. The store being gone or locked is neither:
            # that stops the run, and the document is redone once the store is back.
            if (isinstance(exc, DBAPIError) and not isinstance(exc, DataError)) or analysis.state != STORED:
                raise
            message = f"the store refused a value of this invoice: {' '.join(str(exc.orig or exc).split())[:300]}"
            analysis.quarantine(NOT_STORABLE, message, Finding(r.NOT_STORABLE_RULE, Severity.FATAL, message,
                                                               step="ingest"))
            analysis.answer = Answer("T111", "RE", (analysis.findings[-1],))
            self.replier.answer(analysis, doc_id, self.claims.received_on(doc_id))
            return self._commit(doc_id, sha, analysis)

    def _commit(self, doc_id: int, sha: str, analysis: Analysis) -> tuple[str, str | None]:
        at = self.claims.clock()
        if analysis.state == STORED:
            r.archive_attachments(analysis.rows, analysis.read, self.archive)
        with self.store.engine.begin() as conn:
            row = conn.execute(q.DOCUMENT_FOR_FINAL, {"p_id": doc_id}).one()
            if row.state in FINAL or row.owner != self.claims.owner:
                return row.state, row.reason_code  # finished by another worker: never store twice
            if analysis.state == STORED:
                duplicate = self._duplicate_of(conn, doc_id, sha, analysis)
                if duplicate:
                    self._as_duplicate(analysis, duplicate, doc_id)
            invoice_id = r.insert_invoice(conn, doc_id, analysis.rows) if analysis.state == STORED else None
            if invoice_id is not None:
                insert_timereports(conn, invoice_id, analysis.timereports)
                insert_sick_claim(conn, invoice_id, analysis.sick_claim)
            envelope = analysis.envelope
            d = t.documents
            conn.execute(q.UPDATE_DOCUMENT, dict(
                p_id=doc_id, state=analysis.state, updated_at=at,
                document_kind=r.fit(d, "document_kind", analysis.document_kind),
                ruleset=r.fit(d, "ruleset", analysis.ruleset), release=r.fit(d, "release", analysis.release),
                reference_date=analysis.reference_date, other_releases=other_releases(analysis),
                last_error=None, last_error_at=None, reason_code=analysis.reason_code,
                reason=stored_text(analysis.reason),
                sbdh_sender=r.fit(d, "sbdh_sender", envelope.sender) if envelope else None,
                sbdh_receiver=r.fit(d, "sbdh_receiver", envelope.receiver) if envelope else None,
                sbdh_instance_id=r.fit(d, "sbdh_instance_id", envelope.instance_id) if envelope else None,
                owner=None, lease_until=None))
            if analysis.findings:
                conn.execute(q.INSERT_FINDINGS, [dict(
                    document_id=doc_id, rule_id=r.fit(t.findings, "rule_id", f.rule_id), severity=f.severity.value,
                    location=stored_text(f.location), message=stored_text(f.message), ruleset=r.fit(t.findings, "ruleset", f.ruleset),
                    step=r.fit(t.findings, "step", f.step)) for f in analysis.findings])
            if analysis.responses:
                # A retried document that gets the same answer again is not answered twice.
                conn.execute(q.insert_ignore(conn.dialect.name, "responses", ("document_id", "kind", "code", "round")), [dict(
                    response_id=self.replier.response_id(doc_id, kind, code), document_id=doc_id, kind=kind,
                    code=code, round=0, receiver=r.fit(t.responses, "receiver", receiver), xml=xml, state="pending",
                    created_at=at) for kind, code, receiver, xml in analysis.responses])
            note = stored_text(analysis.reason) or (f"invoice #{invoice_id}" if invoice_id else None)
            conn.execute(q.INSERT_HISTORY, dict(document_id=doc_id, state=analysis.state, at=at, note=note))
            faults.point("final.before-commit")
        faults.point("final.committed")
        self.claims.release(doc_id)
        return analysis.state, analysis.reason_code

    def _duplicate_of(self, conn: Connection, doc_id: int, sha: str, analysis: Analysis) -> Duplicate | None:
        invoice = analysis.rows.invoice
        same_bytes = conn.execute(q.SAME_BYTES_STORED, {"p_sha": sha, "p_id": doc_id}).first()
        if same_bytes:
            return Duplicate(f"byte-identical resubmission of document #{same_bytes.id}", resubmitted_copy(
                same_bytes.invoice_number, invoice["issue_date"], same_bytes.received_at, "with identical content"))
        same = conn.execute(q.SAME_INVOICE, {"p_seller": invoice["seller_key"], "p_number": invoice["number_key"],
                                             "p_issued": invoice["issue_date"]}).first()
        if same is None:
            return None
        number = invoice["invoice_number"]
        reason = (f"invoice number {invoice['number_key']} of {invoice['issue_date']} from {invoice['seller_key']} "
                  "was already received")
        spelling = ""
        if same.invoice_number != number:
            reason += f" (as {same.invoice_number!r}; this copy writes it " \
                      f"{number.encode('unicode_escape').decode('ascii')!r})"
            spelling = f"(this copy writes it {as_written(number)})"
        return Duplicate(f"{reason} (document #{same.document_id})",
                         resubmitted_copy(same.invoice_number, invoice["issue_date"], same.received_at, spelling))

    def _as_duplicate(self, analysis: Analysis, duplicate: Duplicate, doc_id: int) -> None:
        finding = Finding(DUPLICATE_RULE, Severity.FATAL, duplicate.to_sender, step="ingest")
        analysis.quarantine(DUPLICATE, duplicate.reason, finding)
        # The AB prepared for a new invoice becomes an RE saying it answers the resubmitted copy.
        analysis.answer = Answer("T111", "RE", (finding,), reason=duplicate.to_sender)
        self.replier.answer(analysis, doc_id, self.claims.received_on(doc_id))


def other_releases(analysis: Analysis) -> str | None:
    """What the other releases accepted on the reference date said, as stored (compact JSON;
    None when one release alone judged)."""
    if not analysis.others:
        return None
    return json.dumps([o.to_dict() for o in analysis.others], separators=(",", ":"))


def as_written(number: str) -> str:
    """An invoice number quoted as its seller wrote it; characters that print as nothing
    (a zero-width space, say) shown as ``\\uXXXX``, so that two look-alikes can be told apart."""
    shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in number)
    return f"'{shown}'"


def resubmitted_copy(number: str, issued: date, received: datetime, how: str = "") -> str:
    """What the RE of a duplicate says (BIS 3 T111 status reason): that it answers the copy,
    which earlier receipt stands (by the seller's invoice number, the issue date and the day
    it was received), and that the copy is not processed again."""
    earlier = f"invoice number {as_written(number)} of {issued} was already received on {received.date()}"
    return (f"this response answers a resubmitted copy: {' '.join(filter(None, (earlier, how)))}; "
            "that receipt stands and this copy is not processed again")


# ------------------------------------------------------------------ findings, current and earlier

def current_findings(conn: Connection, doc_id: int) -> list[Row]:
    """The findings of the document's latest analysis, in the order they were made."""
    f = t.findings
    return conn.execute(select(f).where(and_(f.c.document_id == doc_id, f.c.superseded_at.is_(None)))
                        .order_by(f.c.id)).all()


def superseded_findings(conn: Connection, doc_id: int) -> list[Row]:
    """Findings of earlier analyses that a retry (:meth:`ingest.claims.Claims.reopen`) set
    aside, oldest first: why the document had been quarantined. ``superseded_at`` of each is
    the time of that retry, the ``at`` of its ``status_history`` row."""
    f = t.findings
    return conn.execute(select(f).where(and_(f.c.document_id == doc_id, f.c.superseded_at.is_not(None)))
                        .order_by(f.c.superseded_at, f.c.id)).all()
