"""`lssinvoice case`: the case officer's decisions on an invoice and their Invoice Responses.

``decide`` records a decision round and its response (T111, checked against the official
rules in force, stored pending: the next ``lssinvoice ingest run`` writes it to the outbox);
``show`` gives an invoice's case; ``history`` the audit trail; ``policy`` the automatic answer
after a check run. The logic is :mod:`ingest.casework.decide`. Exit status: 0 done, 1 a decision
the order of rounds refuses (nothing stored), 2 a usage error or an unknown or ambiguous invoice.
"""
from __future__ import annotations

import getpass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import click

from lssinvoice import settings
from lssinvoice.output import CommandError, CommandRefused, emit, format_option

FORMAT = format_option()
DB = click.option("--db", default=settings.default_db,
                  show_default="$LSSINVOICE_DB, else sqlite under $LSSINVOICE_DATA",
                  help="Database URL of the store the invoices were ingested into.")
SELLER = click.option("--seller", default=None, metavar="ENDPOINT",
                      help="The seller's electronic address (scheme:id, e.g. 0007:5599000006), when several "
                           "sellers use the invoice number.")
BY = click.option("--by", default=None, help="Who decides (recorded in the decision and the audit trail; "
                                             "default: the OS user).")


def _amount(ctx, param, value):
    if value is None:
        return None
    try:
        amount = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not an amount (e.g. 4848.00)") from None
    if not amount.is_finite():
        raise click.BadParameter(f"{value!r} is not an amount (e.g. 4848.00)")
    return amount


def _errors():
    from ingest.casework.cases import CaseError
    from ingest.store import StoreError

    return CaseError, StoreError


def _writable(db: str):
    """The store as it is (never created here: no store is an error naming it)."""
    from ingest.reading import open_existing
    from ingest.store import Store

    open_existing(db).dispose()
    return Store(db)


@click.group()
def case():
    """The case officer's decisions on invoices: decide, show, history, policy."""


@case.command("decide", epilog=settings.epilog("case decide"))
@click.argument("number")
@click.option("--approve", "approve", is_flag=True, help="Accept the invoice (AP): payment is next.")
@click.option("--approve-partly", "partly", metavar="AMOUNT", callback=_amount,
              help="Accept AMOUNT of it (CA): at least 0, less than the amount due; the seller is asked to "
                   "credit the rest.")
@click.option("--query", "query", metavar="TEXT", help="Put it under query (UQ), asking the seller TEXT.")
@click.option("--reject", "reject", metavar="TEXT", help="Reject it (RE) for the reason TEXT (final).")
@click.option("--paid", "paid", is_flag=True, help="Say it is paid (PD; only after --approve or --approve-partly).")
@click.option("--in-process", "in_process", is_flag=True, help="Say its processing has started (IP; only first).")
@click.option("--note", default=None, help="A text for AP, IP or PD (the response's note) or CA (the request to "
                                           "the seller instead of the default one).")
@BY
@SELLER
@DB
@FORMAT
def decide_cmd(number, approve, partly, query, reject, paid, in_process, note, by, seller, db, fmt):
    """Decide on the stored invoice NUMBER: the decision and its Invoice Response (T111,
    checked against the official rules in force today) are stored together; the next
    `lssinvoice ingest run` sends the response. Exactly one of --approve, --approve-partly,
    --query, --reject, --paid, --in-process."""
    from ingest.casework.decide import Action, RefusedDecision, decide

    chosen = [(Action.APPROVE, approve), (Action.APPROVE_PARTLY, partly is not None), (Action.QUERY, query is not None),
              (Action.REJECT, reject is not None), (Action.PAID, paid), (Action.IN_PROCESS, in_process)]
    actions = [a for a, given in chosen if given]
    if len(actions) != 1:
        raise click.UsageError("give exactly one of --approve, --approve-partly, --query, --reject, --paid, "
                               "--in-process")
    action = actions[0]
    if note is not None and action in (Action.QUERY, Action.REJECT):
        raise click.UsageError("--note goes with --approve, --approve-partly, --paid or --in-process; the text of "
                               "--query or --reject is what the seller is told")
    text = query if action is Action.QUERY else reject if action is Action.REJECT else note
    try:
        store = _writable(db)
        try:
            outcome = decide(store, number, action, amount=partly, text=text, by=by or getpass.getuser(),
                             now=datetime.now(UTC), seller=seller)
        finally:
            store.dispose()
    except RefusedDecision as exc:
        raise CommandRefused(str(exc)) from None
    except _errors() as exc:
        raise CommandError(str(exc)) from None
    data = outcome.to_dict()
    emit(data, fmt=fmt)
    if fmt == "text":
        amount = f" {data['amount']}" if data["amount"] else ""
        click.echo(f"invoice {data['number']} ({data['seller']}) round {data['round']}: {data['status']}{amount}; "
                   f"{len(data['finding_keys'])} finding(s) of run {data['run_id']} answered")
        click.echo(f"response {data['response_id']} to {data['receiver']}: pending (sent by the next "
                   "`lssinvoice ingest run`)")


@case.command("show", epilog=settings.epilog("case show"))
@click.argument("number")
@SELLER
@DB
@FORMAT
def show_cmd(number, seller, db, fmt):
    """The case of invoice NUMBER: its decisions, its responses (every round) and the findings
    of its latest check run; personnummer masked."""
    from ingest.casework.cases import case_view, find_invoice
    from ingest.reading import open_existing

    try:
        store = open_existing(db)
        try:
            with store.engine.connect() as conn:
                data = case_view(conn, find_invoice(conn, number, seller))
        finally:
            store.dispose()
    except _errors() as exc:
        raise CommandError(str(exc)) from None
    emit(data, fmt=fmt)
    if fmt == "text":
        for line in show_lines(data):
            click.echo(line)


def show_lines(data: dict) -> list[str]:
    inv = data["invoice"]
    lines = [f"{inv['kind']} {inv['number']} of {inv['issue_date']} from {inv['seller']} ({inv['seller_name']}): "
             f"{inv['payable']} {inv['currency']}"]
    if data["result"]:
        r = data["result"]
        lines.append(f"  latest check run {data['latest_run']}: invoiced {r['invoiced']}, reimbursable "
                     f"{r['reimbursable']}, disputed {r['disputed']}")
    else:
        lines.append("  no check run has judged it")
    for f in data["findings"]:
        lines.append(f"    {f['severity']:7} {f['code']}  {f['hours']} h  {f['amount']} kr  [{f['basis']}]  "
                     f"{f['message']}")
    for d in data["decisions"]:
        amount = f" {d['amount']}" if d["amount"] else ""
        reason = f": {d['reason']}" if d["reason"] else ""
        lines.append(f"  round {d['round']} {d['status']}{amount} by {d['decided_by']} at {d['decided_at']}{reason}")
    for r in data["responses"]:
        lines.append(f"  response round {r['round']} {r['kind']} {r['code']} {r['response_id']} {r['state']}")
    return lines


@case.command("history", epilog=settings.epilog("case history"))
@click.option("--invoice", "subject", default=None, metavar="NUMBER", help="Only the rows about this invoice number.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the last LIMIT rows.")
@DB
@FORMAT
def history_cmd(subject, limit, db, fmt):
    """The audit trail: every import, check run and decision, who and when (oldest first)."""
    from ingest.casework.cases import history
    from ingest.reading import open_existing

    try:
        store = open_existing(db)
        try:
            with store.engine.connect() as conn:
                rows = history(conn, limit=limit, subject=subject)
        finally:
            store.dispose()
    except _errors() as exc:
        raise CommandError(str(exc)) from None
    emit({"audit": rows}, fmt=fmt)
    if fmt == "text":
        for r in rows or []:
            click.echo(f"{r['at']}  {r['actor']}  {r['action']}  {r['subject'] or ''}  {r['detail'] or ''}")
        if not rows:
            click.echo("no audit rows")


@case.command("policy", epilog=settings.epilog("case policy"))
@click.argument("run_id", type=int)
@click.option("--policy", "policy_text", envvar=settings.CASE_POLICY_VAR, show_envvar=True, default="",
              help="findings=manual|query,warnings=findings|clean [default: findings=manual,warnings=findings].")
@click.option("--by", default="policy", show_default=True, help="Who the automatic decisions are recorded as.")
@DB
@FORMAT
def policy_cmd(run_id, policy_text, by, db, fmt):
    """The automatic answer to check run RUN_ID: AP for each invoice with no finding; for one with
    findings a UQ (findings=query) or nothing, left for the officer (findings=manual)."""
    from ingest.casework.decide import CasePolicy, apply_policy

    try:
        policy = CasePolicy.parse(policy_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--policy") from None
    try:
        store = _writable(db)
        try:
            answers = apply_policy(store, run_id, policy, by=by, now=datetime.now(UTC))
        finally:
            store.dispose()
    except _errors() as exc:
        raise CommandError(str(exc)) from None
    data = {"run_id": run_id, "policy": {"findings": policy.findings, "warnings": policy.warnings},
            "answers": [vars(a) for a in answers]}
    emit(data, fmt=fmt)
    if fmt == "text":
        for a in answers:
            click.echo(f"{a.number}: {a.outcome} ({a.why})" + (f" {a.response_id}" if a.response_id else ""))
