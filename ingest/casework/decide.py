"""The case officer's decisions on an invoice, and the automatic answer after a check run.

:func:`decide` records one decision round and its Invoice Response (Peppol BIS T111) in ONE
transaction: the ``case_decisions`` row (the latest check run of the invoice and the keys of
its findings, i.e. what the decision answers), the response in ``responses`` (state
``pending``, its round the decision's: the outbox writer of the next ``lssinvoice ingest run``
sends it, :meth:`ingest.outbox.Outbox.send_pending`) and an ``audit_log`` row
(``case-decision``). The response is built from the stored invoice
(:mod:`ingest.casework.answer`) and checked against the complete official T111 rules of the
releases in force on the decision date (:meth:`ingest.replies.Replier.check`, the ingest's own
path) **before** anything is stored: a response those rules refuse stores nothing.

Actions and statuses (UNCL4343 subset of T111)
    ``in_process`` IP · ``query`` UQ (the officer's question as the clarification) ·
    ``approve`` AP · ``approve_partly`` CA (the accepted amount, 0 ≤ amount < the amount due,
    BT-115) · ``reject`` RE (the officer's reason) · ``paid`` PD.

The order of rounds
    Peppol's guidance orders the statuses AB (received) → IP (in process) → UQ (under query)
    → CA / RE / AP → PD (paid), one invoice getting several responses (DOMAIN.md, "From the
    field"). The ingest's AB is round 0; each decision is the next round. What may follow the
    last decision:

    ==================  ====  ====  ====  ====  ====  ====
    last decision       IP    UQ    CA    RE    AP    PD
    ==================  ====  ====  ====  ====  ====  ====
    none (AB only)      yes   yes   yes   yes   yes   no
    IP                  no    yes   yes   yes   yes   no
    UQ                  no    yes   yes   yes   yes   no
    CA                  no    no    no    no    no    yes
    AP                  no    no    no    no    no    yes
    RE (final)          no    no    no    no    no    no
    PD (final)          no    no    no    no    no    no
    ==================  ====  ====  ====  ====  ====  ====

    So: several UQ rounds; one acceptance answer (AP, CA or RE) per invoice, after which only
    PD, and PD only after AP or CA ("AP: final approval; the next step is payment"); nothing
    after RE ("will not process the invoice any further") or PD. A refused decision is a
    :class:`RefusedDecision` (exit 1 at the CLI, a refusal) and stores nothing.

The automatic answer (:func:`apply_policy`, :class:`CasePolicy`)
    After a check run, each invoice the run judged that has no decision yet (and no later run
    judging it) gets: no finding → AP; findings → UQ with one clarification per finding
    (policy ``findings=query``) or nothing, left for the officer (``findings=manual``, the
    default: nothing is asked of a seller without an officer unless the municipality says
    so); an invoice with warnings only counts as clean (``warnings=clean``) or as having
    findings (``warnings=findings``, the default: nothing flagged is approved unseen).
"""
from __future__ import annotations

import enum
import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from invoices.model import mask_personal_numbers
from peppol.responses import InvoiceStatus, ResponseRuleError
from validate.engine import Validator

from .. import tables as t
from ..municipal import Receiver
from ..replies import Replier, ResponseInvalid, ResponseUnchecked
from .answer import Answer, build_response, response_id
from .cases import (
    CaseError, Decision, StoredInvoice, decisions_of, find_invoice, findings_of, latest_run, stored_invoice,
)

__all__ = ["Action", "STATUS_OF", "ALLOWED_AFTER", "RefusedDecision", "DecisionOutcome", "CasePolicy",
           "PolicyAnswer", "refusal", "decide", "decide_invoice", "apply_policy", "receiver_of"]

LOCAL = ZoneInfo("Europe/Stockholm")  # the decision date is the municipality's date


class Action(str, enum.Enum):
    IN_PROCESS = "in_process"
    QUERY = "query"
    APPROVE = "approve"
    APPROVE_PARTLY = "approve_partly"
    REJECT = "reject"
    PAID = "paid"


STATUS_OF = {Action.IN_PROCESS: InvoiceStatus.IN_PROCESS, Action.QUERY: InvoiceStatus.UNDER_QUERY,
             Action.APPROVE: InvoiceStatus.ACCEPTED, Action.APPROVE_PARTLY: InvoiceStatus.CONDITIONALLY_ACCEPTED,
             Action.REJECT: InvoiceStatus.REJECTED, Action.PAID: InvoiceStatus.PAID}

ALLOWED_AFTER: dict[str | None, frozenset[str]] = {
    None: frozenset({"IP", "UQ", "CA", "RE", "AP"}),
    "IP": frozenset({"UQ", "CA", "RE", "AP"}),
    "UQ": frozenset({"UQ", "CA", "RE", "AP"}),
    "CA": frozenset({"PD"}),
    "AP": frozenset({"PD"}),
    "RE": frozenset(),
    "PD": frozenset(),
}
"""The state machine of the module docstring: last decision's status → the statuses allowed next."""

_NAMES = {s.value: s.name.lower().replace("_", " ") for s in InvoiceStatus}
_WITH_FINDINGS = (InvoiceStatus.UNDER_QUERY, InvoiceStatus.CONDITIONALLY_ACCEPTED, InvoiceStatus.REJECTED)


class RefusedDecision(CaseError):
    """The decision breaks the order of rounds (the module's table), or its amount or text."""


def refusal(previous: list[Decision], status: str) -> str | None:
    """Why ``status`` may not follow the decisions ``previous`` (the table), or None."""
    last = previous[-1] if previous else None
    if status in ALLOWED_AFTER[last.status if last else None]:
        return None
    if last is None or (status == "PD" and last.status in ("IP", "UQ")):
        had = f"its last decision is {last.status} (round {last.round})" if last else "it has no decision yet"
        return f"PD (paid) only after AP (accepted) or CA (conditionally accepted); {had}"
    said = f"round {last.round} answered {last.status} ({_NAMES[last.status]})"
    if last.status in ("RE", "PD"):
        return f"{said}, a final answer: no decision may follow it"
    if status == "IP":
        return f"IP (in process) only before any other decision; {said}"
    return f"{said}: only PD (paid) may follow it"


@dataclass(frozen=True)
class DecisionOutcome:
    invoice_id: int
    number: str
    seller: str
    round: int
    status: str
    amount: Decimal | None
    run_id: int | None
    finding_keys: tuple[str, ...]
    response_id: str
    receiver: str
    xml: bytes = field(repr=False)

    def to_dict(self) -> dict:
        """For people and machines: the seller masked when it is a personnummer (a sole trader)."""
        data = {k: v for k, v in asdict(self).items() if k != "xml"}
        data.update(seller=mask_personal_numbers(self.seller), receiver=mask_personal_numbers(self.receiver),
                    amount=None if self.amount is None else f"{self.amount:.2f}",
                    finding_keys=list(self.finding_keys), response_state="pending")
        return data


def receiver_of(inv: StoredInvoice) -> Receiver:
    """Who answers: the municipality the invoice is addressed to (its buyer endpoint, BT-49,
    which the ingest checked is ours) as the registry knows it, so the decisions' responses name
    us as the ingest's AB did; a buyer the registry lacks answers as the invoice names it."""
    from invoices.registry import RegistryError, UnknownMunicipality, load_registry

    if not inv.buyer_endpoint or ":" not in inv.buyer_endpoint:
        raise CaseError(f"invoice {inv.number}: no buyer electronic address stored; no response can be sent")
    try:
        return Receiver.from_registry(load_registry().find(inv.buyer_endpoint))
    except (RegistryError, UnknownMunicipality):
        slug = "buyer-" + "".join(ch for ch in inv.buyer_endpoint if ch.isalnum())
        return Receiver(inv.buyer_name or inv.buyer_endpoint, slug, inv.buyer_endpoint, ())


def _check_arguments(action: Action, amount: Decimal | None, text: str | None) -> None:
    if isinstance(amount, float):
        raise RefusedDecision("an amount is an exact decimal (Decimal), never a float")
    if action is Action.APPROVE_PARTLY:
        if amount is None:
            raise RefusedDecision("approve_partly (CA) needs the accepted amount")
    elif amount is not None:
        raise RefusedDecision(f"only approve_partly (CA) takes an amount, not {action.value}")
    if action in (Action.QUERY, Action.REJECT) and not (text or "").strip():
        raise RefusedDecision(f"{action.value} ({STATUS_OF[action].value}) needs a text: what the seller is told")


def _check_amount(amount: Decimal, inv: StoredInvoice) -> None:
    """CA: 0 ≤ amount < the amount due (BT-115; equal is AP), at most two decimals (BR-DEC-18)."""
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise RefusedDecision(f"the accepted amount {amount} must be a number with at most two decimals")
    if amount < 0 or amount >= inv.payable:
        raise RefusedDecision(f"invoice {inv.number}: the accepted amount must be at least 0.00 and less than the "
                              f"amount due {inv.payable:.2f} {inv.currency} (the whole amount is approve, AP)")


@contextmanager
def _writing(engine):
    """One write transaction; on SQLite taken with the write lock at once (``BEGIN IMMEDIATE``),
    so two decisions on one store never both read the same last round."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


def _next_round(conn: Connection, inv: StoredInvoice, previous: list[Decision]) -> int:
    responded = conn.execute(select(func.max(t.responses.c.round))
                             .where(t.responses.c.document_id == inv.document_id)).scalar()
    return max([responded or 0] + [d.round for d in previous]) + 1


def decide(store, invoice_number: str, action: Action | str, *, amount: Decimal | None = None,
           text: str | None = None, by: str, now: datetime, seller: str | None = None,
           receiver: Receiver | None = None, validator: Validator | None = None) -> DecisionOutcome:
    """The officer's decision on the stored invoice ``invoice_number`` (of ``seller``,
    ``scheme:id``, when the number is used by several sellers); see the module docstring.

    :class:`~ingest.casework.cases.CaseError` (an unknown or ambiguous invoice, a
    :class:`RefusedDecision`, a response the official rules refuse) when nothing was stored."""
    action = Action(action)
    _check_arguments(action, amount, text)
    with store.engine.connect() as conn:
        invoice_id = find_invoice(conn, invoice_number, seller)
    return decide_invoice(store, invoice_id, action, amount=amount, text=text, by=by, now=now,
                          receiver=receiver, validator=validator)


def decide_invoice(store, invoice_id: int, action: Action | str, *, amount: Decimal | None = None,
                   text: str | None = None, by: str, now: datetime, receiver: Receiver | None = None,
                   validator: Validator | None = None) -> DecisionOutcome:
    """:func:`decide` for an invoice known by its id (what :func:`apply_policy` calls)."""
    action = Action(action)
    _check_arguments(action, amount, text)
    status = STATUS_OF[action]
    issued = now.astimezone(LOCAL).date()
    try:
        with _writing(store.engine) as conn:
            conn.execute(select(t.invoices.c.id).where(t.invoices.c.id == invoice_id).with_for_update())
            inv = stored_invoice(conn, invoice_id)
            previous = decisions_of(conn, invoice_id)
            why = refusal(previous, status.value)
            if why:
                raise RefusedDecision(f"invoice {inv.number}: {why}")
            if action is Action.APPROVE_PARTLY:
                _check_amount(amount, inv)
            run_id = latest_run(conn, invoice_id)
            findings = findings_of(conn, invoice_id, run_id)
            accepted = next((d for d in previous if d.status in ("AP", "CA")), None)
            answer = Answer(status=status, text=text, amount=amount,
                            paid_after_ca=accepted.amount if accepted is not None and accepted.status == "CA" else None,
                            findings=tuple(findings) if status in _WITH_FINDINGS else ())
            round_ = _next_round(conn, inv, previous)
            answering = receiver or receiver_of(inv)
            rid = response_id(answering, inv, status.value, round_)
            xml = _checked_response(answering, inv, answer, rid, issued, validator)
            keys = [f.key for f in findings]
            reason = mask_personal_numbers(text.strip()) if text and text.strip() else None
            conn.execute(insert(t.case_decisions).values(
                invoice_id=invoice_id, run_id=run_id, round=round_, status=status.value, amount=amount,
                reason=reason, finding_keys=json.dumps(keys), decided_by=by, decided_at=now, response_id=rid))
            conn.execute(insert(t.responses).values(
                response_id=rid, document_id=inv.document_id, kind="T111", code=status.value,
                receiver=inv.seller_endpoint, xml=xml, state="pending", created_at=now, round=round_))
            conn.execute(insert(t.audit_log).values(
                at=now, actor=by, action="case-decision", subject=mask_personal_numbers(inv.number),
                detail=json.dumps({"invoice_id": invoice_id, "document_id": inv.document_id,
                                   "seller": mask_personal_numbers(inv.seller_key), "round": round_,
                                   "status": status.value, "amount": None if amount is None else f"{amount:.2f}",
                                   "reason": reason, "run_id": run_id, "finding_keys": keys, "response_id": rid},
                                  sort_keys=True, ensure_ascii=False)))
    except IntegrityError:
        raise CaseError(f"another decision on invoice {invoice_id} was recorded at the same moment: nothing was "
                        "stored; look at the case again and decide again") from None
    return DecisionOutcome(invoice_id=invoice_id, number=inv.number, seller=inv.seller_key, round=round_,
                           status=status.value, amount=amount, run_id=run_id, finding_keys=tuple(keys),
                           response_id=rid, receiver=inv.seller_endpoint, xml=xml)


def _checked_response(receiver: Receiver, inv: StoredInvoice, answer: Answer, rid: str, issued: date,
                      validator: Validator | None) -> bytes:
    """The response XML, built and passed by the complete official T111 rules in force on
    ``issued`` (:meth:`ingest.replies.Replier.check`), or a CaseError: nothing is stored."""
    try:
        xml = build_response(receiver, inv, answer, id=rid, issue_date=issued).to_xml()
    except (ResponseRuleError, ValidationError) as exc:
        raise CaseError(f"invoice {inv.number}: the {answer.status.value} response cannot be built "
                        f"({mask_personal_numbers(str(exc))[:300]}): nothing was stored") from None
    try:
        Replier(receiver, validator).check(xml, "invoice-response", at=issued)
    except ResponseInvalid as exc:
        raise CaseError(f"invoice {inv.number}: {exc}; nothing was stored") from None
    except ResponseUnchecked as exc:
        raise CaseError(f"invoice {inv.number}: {exc} (an engine error, not the decision's fault): nothing was "
                        "stored; try again") from None
    return xml


# ---------------------------------------------------------------------------------------------
# The automatic answer after a check run
# ---------------------------------------------------------------------------------------------

DEFAULT_QUERY_TEXT = ("The municipality's check of the invoice against the time reports, the decisions and the "
                      "rules found what is listed: please explain, or credit and invoice again.")


@dataclass(frozen=True)
class CasePolicy:
    """The automatic answer after a check run (module docstring). ``findings``: ``manual``
    (left for the officer) or ``query`` (UQ); ``warnings``: ``findings`` (an invoice with
    warnings only has findings) or ``clean`` (it is approved); ``query_text``: the UQ's question.

    Read from text by :meth:`parse` (``findings=query,warnings=clean``; the CLI takes it from
    ``--policy`` or ``LSSINVOICE_CASE_POLICY``)."""

    findings: str = "manual"
    warnings: str = "findings"
    query_text: str = DEFAULT_QUERY_TEXT

    def __post_init__(self):
        if self.findings not in ("manual", "query"):
            raise ValueError(f"policy findings={self.findings!r}: expected manual or query")
        if self.warnings not in ("findings", "clean"):
            raise ValueError(f"policy warnings={self.warnings!r}: expected findings or clean")
        if not self.query_text.strip():
            raise ValueError("policy query_text is empty")

    @classmethod
    def parse(cls, text: str | None) -> "CasePolicy":
        """``"findings=query,warnings=clean"`` (either part optional; empty: the defaults)."""
        values = {}
        for part in (text or "").split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep or key.strip() not in ("findings", "warnings"):
                raise ValueError(f"policy {part.strip()!r}: expected findings=manual|query or warnings=findings|clean")
            values[key.strip()] = value.strip()
        return cls(**values)

    def counted(self, findings: list) -> list:
        """The findings that keep an invoice from an automatic AP."""
        return list(findings) if self.warnings == "findings" else [f for f in findings if f.severity != "warning"]


@dataclass(frozen=True)
class PolicyAnswer:
    invoice_id: int
    number: str
    outcome: str  # AP | UQ | left (for the officer) | skipped | failed (why: the reason; nothing recorded)
    why: str
    response_id: str | None = None


def apply_policy(store, run_id: int, policy: CasePolicy | None = None, *, by: str = "policy", now: datetime,
                 receiver: Receiver | None = None, validator: Validator | None = None) -> list[PolicyAnswer]:
    """Answer the invoices of check run ``run_id`` by ``policy`` (module docstring). Each
    answer is a decision of its own (:func:`decide_invoice`, one transaction each); an invoice
    with a decision, or judged by a later run, is skipped; an audit row ``case-policy`` sums up."""
    policy = policy or CasePolicy()
    validator = validator or Validator()
    with store.engine.connect() as conn:
        if conn.execute(select(t.check_runs.c.id).where(t.check_runs.c.id == run_id)).first() is None:
            raise CaseError(f"no check run {run_id} in the store")
        judged = conn.execute(select(t.case_results.c.invoice_id).where(t.case_results.c.run_id == run_id)
                              .order_by(t.case_results.c.invoice_id)).scalars().all()
    answers = []
    for invoice_id in judged:  # one invoice that cannot be answered never stops the others
        try:
            answers.append(_policy_answer(store, run_id, invoice_id, policy, by, now, receiver, validator))
        except CaseError as exc:
            answers.append(PolicyAnswer(invoice_id, _number(store, invoice_id), "failed", str(exc)))
    counts: dict[str, int] = {}
    for a in answers:
        counts[a.outcome] = counts.get(a.outcome, 0) + 1
    with store.engine.begin() as conn:
        conn.execute(insert(t.audit_log).values(
            at=now, actor=by, action="case-policy", subject=f"run {run_id}",
            detail=json.dumps({"run_id": run_id, "policy": {"findings": policy.findings, "warnings": policy.warnings},
                               "outcomes": counts}, sort_keys=True)))
    return answers


def _number(store, invoice_id: int) -> str:
    with store.engine.connect() as conn:
        number = conn.execute(select(t.invoices.c.invoice_number).where(t.invoices.c.id == invoice_id)).scalar_one()
    return mask_personal_numbers(number)


def _policy_answer(store, run_id: int, invoice_id: int, policy: CasePolicy, by: str, now: datetime,
                   receiver: Receiver | None, validator: Validator) -> PolicyAnswer:
    number = _number(store, invoice_id)
    with store.engine.connect() as conn:
        latest, previous = latest_run(conn, invoice_id), decisions_of(conn, invoice_id)
        findings = findings_of(conn, invoice_id, run_id)
    if latest != run_id:
        return PolicyAnswer(invoice_id, number, "skipped", f"a later check run ({latest}) judges it")
    if previous:
        return PolicyAnswer(invoice_id, number, "skipped",
                            f"already decided (round {previous[-1].round}: {previous[-1].status})")
    counted = policy.counted(findings)
    if counted and policy.findings == "manual":
        return PolicyAnswer(invoice_id, number, "left", f"{len(counted)} finding(s): left for the case officer")
    action = Action.QUERY if counted else Action.APPROVE
    try:
        done = decide_invoice(store, invoice_id, action, text=policy.query_text if counted else None, by=by, now=now,
                              receiver=receiver, validator=validator)
    except RefusedDecision as exc:  # an officer decided in the meantime
        return PolicyAnswer(invoice_id, number, "skipped", str(exc))
    why = f"{len(findings)} finding(s), one clarification each" if counted else (
        "no finding" if not findings else f"warnings only ({len(findings)}), counted as clean")
    return PolicyAnswer(invoice_id, number, done.status, why, done.response_id)
