"""The case officer's decisions (ingest/casework/decide.py, `lssinvoice case`), on SQLite and
PostgreSQL: a real invoice ingested (its AB is round 0), then decided in rounds; every
response is valid under the complete official T111 rules, stored pending and sent by the next
ingest run; the order of rounds refused where Peppol's guidance ends a case; the audit trail
exact; and the automatic answer after a check run."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select
from stdnum import luhn

from ingest import tables as t
from ingest.casework.answer import REASON_OF_CODE
from ingest.casework.cases import AmbiguousInvoice, Decision, UnknownInvoice
from ingest.casework.decide import (
    ALLOWED_AFTER, CasePolicy, RefusedDecision, apply_policy, decide, refusal,
)
from ingest.service import run_once
from ingest.store import Store
from lssinvoice.cli import main
from peppol import codes
from peppol.responses import InvoiceResponse
from validate.engine import Validator

from .envelope import error_of, result_of
from .factories import ASSISTANT_PNR
from .ingest_factory import SELLER, US, assert_responses_valid, folder_config, inbox_with, invoice_xml, wrapped

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DECIDED_ON = date(2026, 12, 7)
OFFICER = "Handläggare Test"
PAYABLE = Decimal("44386.85")  # tests/factories.exempt_invoice: 120.5 h and 10.25 h at 332.60, 3 h at 299.80
OTHER_SELLER = "0007:559012345" + luhn.calc_check_digit("559012345")


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


@pytest.fixture(params=["sqlite", "postgresql"])
def case(request, tmp_path):
    """A store holding one real invoice, CASE-1 from SELLER to Tjörn, ingested (AB round 0)."""
    url = (f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres").create_database(f"decide_{uuid.uuid4().hex[:12]}"))
    inbox_with(tmp_path, {"case-1.xml": wrapped(invoice_xml("CASE-1"))})
    config = folder_config(tmp_path, db=url)
    assert run_once(config).states == {"stored": 1}
    store = Store(url)
    store.config = config
    yield store
    store.dispose()


def _responses(store) -> list[tuple[int, str, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.responses.c.round, t.responses.c.code, t.responses.c.state)
                            .order_by(t.responses.c.round)).all()
    return [tuple(r) for r in rows]


def _audit(store) -> list[tuple[str, str, str, dict]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.audit_log).order_by(t.audit_log.c.id)).all()
    return [(r.actor, r.action, r.subject, json.loads(r.detail)) for r in rows]


def _valid(validator: Validator, xml: bytes) -> InvoiceResponse:
    result = validator.validate_bytes(xml, "response.xml", at=DECIDED_ON)
    assert result.document_type == "invoice-response"
    assert result.valid and not result.findings, [(f.rule_id, f.message) for f in result.findings]
    return InvoiceResponse.from_xml(xml)


def _clarifications(response: InvoiceResponse) -> list[tuple[str, str, str | None]]:
    return [(c.list_id.value, c.code, c.reason) for c in response.clarifications]


def _invoice_id(store, number: str = "CASE-1") -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(t.invoices.c.id).where(t.invoices.c.invoice_number == number)).scalar_one()


def _another_invoice(store, number: str, seller: str, payable: str = "1000.00") -> int:
    """An invoice stored without going through the inbox (its seller and buyer parties)."""
    with store.engine.begin() as conn:
        doc = conn.execute(insert(t.documents).values(
            source_name=f"{number}-{seller}.xml", sha256=uuid.uuid4().hex * 2, size=1, state="stored", attempts=1,
            source_removed=False, received_at=NOW, updated_at=NOW)).inserted_primary_key[0]
        inv = conn.execute(insert(t.invoices).values(
            document_id=doc, kind="invoice", seller_key=seller, invoice_number=number, number_key=number,
            issue_date=date(2026, 12, 1), type_code="380", currency="SEK", payable=Decimal(payable))
        ).inserted_primary_key[0]
        conn.execute(insert(t.parties), [
            dict(invoice_id=inv, role="seller", endpoint=seller, name="Annan Assistans AB"),
            dict(invoice_id=inv, role="buyer", endpoint=US, name="Tjörns kommun")])
    return inv


def _check_run(store, findings: dict[int, list[tuple[str, str, str]]]) -> int:
    """A check run judging the invoices given, with (code, severity, message) findings of
    8 h and 2800.00 each (what `lssinvoice check` would have written)."""
    with store.engine.begin() as conn:
        run = conn.execute(insert(t.check_runs).values(
            municipality="tjorn", period="2024-01", started_at=NOW, finished_at=NOW, run_by="test",
            register_imports="{}", invoices=len(findings), findings=sum(map(len, findings.values())),
            result_sha256="0" * 64)).inserted_primary_key[0]
        for invoice_id, found in findings.items():
            disputed = Decimal("2800.00") * len(found)
            conn.execute(insert(t.case_results).values(run_id=run, invoice_id=invoice_id, invoiced=PAYABLE,
                                                       reimbursable=PAYABLE - disputed, disputed=disputed))
            for i, (code, severity, message) in enumerate(found):
                conn.execute(insert(t.case_findings).values(
                    run_id=run, invoice_id=invoice_id, key=f"{code}:i{invoice_id}:{i}", code=code, basis="9 d § 1 LSS",
                    severity=severity, message=message, seconds=8 * 3600, hours=Decimal("8.00"),
                    amount=Decimal("2800.00"), shift_ids="[]"))
    return run


# ------------------------------------------------------------------------------ the decisions

def test_approve_answers_ap_in_round_1_valid_and_sent_by_the_next_ingest_run(case, validator):
    done = decide(case, "CASE-1", "approve", by=OFFICER, now=NOW, validator=validator)
    assert (done.round, done.status, done.amount, done.run_id, done.finding_keys) == (1, "AP", None, None, ())
    assert done.response_id == "tjorn-00000001-T111-AP-r1"
    response = _valid(validator, done.xml)
    assert (response.response_code.value, response.clarifications, response.issue_date) == ("AP", (), DECIDED_ON)
    assert str(response.receiver.endpoint) == SELLER and str(response.sender.endpoint) == US
    assert (response.document_reference.id, response.document_reference.type_code) == ("CASE-1", "380")
    assert _responses(case) == [(0, "AB", "sent"), (1, "AP", "pending")]
    with case.engine.connect() as conn:
        d = conn.execute(select(t.case_decisions)).one()
        stored = conn.execute(select(t.responses.c.xml, t.responses.c.receiver).where(t.responses.c.round == 1)).one()
    assert (d.round, d.status, d.decided_by, d.response_id, json.loads(d.finding_keys)) == (
        1, "AP", OFFICER, done.response_id, [])
    assert (bytes(stored.xml), stored.receiver) == (done.xml, SELLER)
    assert _audit(case) == [(OFFICER, "case-decision", "CASE-1", {
        "amount": None, "document_id": 1, "finding_keys": [], "invoice_id": 1, "reason": None,
        "response_id": "tjorn-00000001-T111-AP-r1", "round": 1, "run_id": None, "seller": SELLER, "status": "AP"})]
    # The outbox writer of the next run sends it (in its SBDH envelope), valid.
    run_once(case.config)
    assert _responses(case) == [(0, "AB", "sent"), (1, "AP", "sent")]
    sent = Path(case.config.outbox) / f"{done.response_id}.xml"
    assert_responses_valid([sent.read_bytes()])


def test_approve_partly_carries_the_accepted_amount_as_a_condition_on_bt_115(case, validator):
    done = decide(case, "CASE-1", "approve_partly", amount=Decimal("40000.00"), by=OFFICER, now=NOW,
                  validator=validator)
    response = _valid(validator, done.xml)
    assert response.response_code.value == "CA"
    (clarification,) = response.clarifications
    assert (clarification.list_id.value, clarification.code) == ("OPStatusAction", "CNP")
    assert [(c.attribute_id, c.description) for c in clarification.conditions] == [("BT-115", "40000.00")]
    assert "please credit 4386.85 SEK" in clarification.reason
    with case.engine.connect() as conn:
        assert conn.execute(select(t.case_decisions.c.amount)).scalar_one() == Decimal("40000.00")
    # Paid after it: PD with "partially paid" (PPD, which needs a text: PEPPOL-T111-R004).
    paid = _valid(validator, decide(case, "CASE-1", "paid", by=OFFICER, now=NOW, validator=validator).xml)
    assert (paid.response_code.value, paid.effective_date) == ("PD", DECIDED_ON)
    assert _clarifications(paid) == [("OPStatusReason", "PPD",
                                      "Paid 40000.00 SEK of 44386.85 SEK, as conditionally accepted.")]


@pytest.mark.parametrize("amount,message", [
    (PAYABLE, "less than the amount due 44386.85 SEK"),
    (Decimal("-1.00"), "at least 0.00"),
    (Decimal("100.005"), "at most two decimals"),
    (None, "needs the accepted amount"),
    (40000.0, "never a float"),
])
def test_a_partial_approval_needs_an_amount_below_the_amount_due(case, validator, amount, message):
    with pytest.raises(RefusedDecision, match=message):
        decide(case, "CASE-1", "approve_partly", amount=amount, by=OFFICER, now=NOW, validator=validator)
    assert _responses(case) == [(0, "AB", "sent")] and _audit(case) == []


def test_two_queries_then_approval_are_rounds_1_2_3(case, validator):
    first = decide(case, "CASE-1", "query", text="Tidrapporten för 2 januari saknar underskrift.", by=OFFICER,
                   now=NOW, validator=validator)
    second = decide(case, "CASE-1", "query", text="Vi har inte fått svar.", by=OFFICER, now=NOW, validator=validator)
    approved = decide(case, "CASE-1", "approve", by="Chef Test", now=NOW, validator=validator)
    assert [(d.round, d.status) for d in (first, second, approved)] == [(1, "UQ"), (2, "UQ"), (3, "AP")]
    assert _clarifications(_valid(validator, first.xml)) == [
        ("OPStatusAction", "PIN", "Tidrapporten för 2 januari saknar underskrift.")]
    _valid(validator, second.xml)
    assert _responses(case) == [(0, "AB", "sent"), (1, "UQ", "pending"), (2, "UQ", "pending"), (3, "AP", "pending")]
    assert [(actor, action, detail["round"], detail["status"], detail["reason"]) for actor, action, _, detail
            in _audit(case)] == [
        (OFFICER, "case-decision", 1, "UQ", "Tidrapporten för 2 januari saknar underskrift."),
        (OFFICER, "case-decision", 2, "UQ", "Vi har inte fått svar."),
        ("Chef Test", "case-decision", 3, "AP", None)]


def test_reject_after_approve_is_refused_paid_is_not_and_nothing_follows_paid(case, validator):
    decide(case, "CASE-1", "approve", by=OFFICER, now=NOW, validator=validator)
    with pytest.raises(RefusedDecision, match=r"round 1 answered AP \(accepted\): only PD \(paid\) may follow it"):
        decide(case, "CASE-1", "reject", text="Fel", by=OFFICER, now=NOW, validator=validator)
    with pytest.raises(RefusedDecision, match="only PD"):
        decide(case, "CASE-1", "approve", by=OFFICER, now=NOW, validator=validator)  # a second AP
    paid = decide(case, "CASE-1", "paid", by=OFFICER, now=NOW, validator=validator)
    response = _valid(validator, paid.xml)
    assert (paid.round, response.response_code.value, response.clarifications) == (2, "PD", ())
    with pytest.raises(RefusedDecision, match="a final answer: no decision may follow it"):
        decide(case, "CASE-1", "query", text="?", by=OFFICER, now=NOW, validator=validator)
    assert _responses(case) == [(0, "AB", "sent"), (1, "AP", "pending"), (2, "PD", "pending")]
    assert [d["status"] for *_, d in _audit(case)] == ["AP", "PD"]


def test_reject_answers_each_finding_with_its_reason_code_and_asks_for_a_replacement(case, validator):
    invoice = _invoice_id(case)
    run = _check_run(case, {invoice: [
        ("LSS-CASE-010", "error", f"Assistent {ASSISTANT_PNR} var under 18 år 2024-01-02"),
        ("LSS-CASE-041", "error", "332.60 kr/h, Tjörn betalar 315.00"),
        ("LSS-CASE-053", "warning", "Tidrapporten anger ingen beräkningsperiod")]})
    done = decide(case, "CASE-1", "reject", text=f"Assistenten {ASSISTANT_PNR} får inte anlitas.", by=OFFICER,
                  now=NOW, validator=validator)
    assert ASSISTANT_PNR.encode() not in done.xml
    masked = "********-" + ASSISTANT_PNR[-4:]
    assert _clarifications(_valid(validator, done.xml)) == [
        ("OPStatusReason", "OTH", f"Assistenten {masked} får inte anlitas."),
        ("OPStatusReason", "LEG", f"LSS-CASE-010: 8.00 h, 2800.00 SEK [9 d § 1 LSS]: Assistent {masked} var under "
                                  "18 år 2024-01-02"),
        ("OPStatusReason", "PRI",
         "LSS-CASE-041: 8.00 h, 2800.00 SEK [9 d § 1 LSS]: 332.60 kr/h, Tjörn betalar 315.00"),
        ("OPStatusReason", "OTH", "LSS-CASE-053 (warning): 8.00 h, 2800.00 SEK [9 d § 1 LSS]: Tidrapporten anger "
                                  "ingen beräkningsperiod"),
        ("OPStatusAction", "CNF", None), ("OPStatusAction", "NIN", None)]
    assert (done.run_id, done.finding_keys) == (run, (f"LSS-CASE-010:i{invoice}:0", f"LSS-CASE-041:i{invoice}:1",
                                                      f"LSS-CASE-053:i{invoice}:2"))
    (actor, action, subject, detail), = _audit(case)
    assert (actor, action, subject, detail["run_id"], detail["finding_keys"]) == (
        OFFICER, "case-decision", "CASE-1", run, list(done.finding_keys))
    assert ASSISTANT_PNR not in json.dumps(_audit(case), ensure_ascii=False)


def test_at_most_twenty_findings_are_listed_and_one_more_sums_up_the_rest(case, validator):
    _check_run(case, {_invoice_id(case): [("LSS-CASE-001", "error", f"Skift {i}") for i in range(25)]})
    done = decide(case, "CASE-1", "query", text="Förklara dubbelfaktureringen.", by=OFFICER, now=NOW,
                  validator=validator)
    listed = _clarifications(_valid(validator, done.xml))
    assert len(listed) == 22 and len(done.finding_keys) == 25
    assert listed[19][:2] == ("OPStatusReason", "QTY")
    assert listed[20] == ("OPStatusReason", "OTH", "5 more finding(s) not listed, 14000.00 SEK in all")
    assert listed[21] == ("OPStatusAction", "PIN", "Förklara dubbelfaktureringen.")


def test_an_unknown_invoice_and_an_ambiguous_number(case, validator):
    with pytest.raises(UnknownInvoice, match="no stored invoice numbered 'NOPE-1'"):
        decide(case, "NOPE-1", "approve", by=OFFICER, now=NOW, validator=validator)
    _another_invoice(case, "CASE-1", OTHER_SELLER)
    with pytest.raises(AmbiguousInvoice, match="used by several sellers .*: name one with --seller"):
        decide(case, "CASE-1", "approve", by=OFFICER, now=NOW, validator=validator)
    done = decide(case, "CASE-1", "approve", by=OFFICER, now=NOW, seller=OTHER_SELLER, validator=validator)
    assert str(_valid(validator, done.xml).receiver.endpoint) == OTHER_SELLER and done.round == 1


# ------------------------------------------------------------------------------ the order of rounds

def _history(*statuses: str) -> list[Decision]:
    return [Decision(round=i, status=s, amount=None, reason=None, run_id=None, finding_keys=(), decided_by="x",
                     decided_at=NOW, response_id=None) for i, s in enumerate(statuses, 1)]


@pytest.mark.parametrize("last", [None, "IP", "UQ", "CA", "AP", "RE", "PD"])
def test_the_order_of_rounds_is_the_documented_table(last):
    table = {None: "IP UQ CA RE AP", "IP": "UQ CA RE AP", "UQ": "UQ CA RE AP", "CA": "PD", "AP": "PD", "RE": "",
             "PD": ""}
    assert ALLOWED_AFTER[last] == set(table[last].split())
    for status in ("IP", "UQ", "CA", "RE", "AP", "PD"):
        why = refusal(_history(*([last] if last else [])), status)
        assert (why is None) == (status in table[last].split()), (last, status, why)


def test_the_reason_codes_are_in_the_official_list():
    assert set(REASON_OF_CODE.values()) <= set(codes.STATUS_REASON_CODES)


# ------------------------------------------------------------------------------ the automatic answer

def test_policy_query_approves_the_clean_invoice_and_queries_the_other_once_per_finding(case, validator):
    clean = _another_invoice(case, "CLEAN-1", OTHER_SELLER)
    flagged = _invoice_id(case)
    run = _check_run(case, {clean: [], flagged: [("LSS-CASE-001", "error", "Dubbelfakturerad 2024-01-02"),
                                                 ("LSS-CASE-062", "error", "Dygnsvila 9 h")]})
    answers = apply_policy(case, run, CasePolicy(findings="query"), now=NOW, validator=validator)
    assert [(a.number, a.outcome) for a in answers] == [("CASE-1", "UQ"), ("CLEAN-1", "AP")]
    with case.engine.connect() as conn:
        rows = conn.execute(select(t.responses.c.document_id, t.responses.c.round, t.responses.c.code,
                                   t.responses.c.xml).where(t.responses.c.round > 0)
                            .order_by(t.responses.c.document_id)).all()
        decisions = conn.execute(select(t.case_decisions.c.invoice_id, t.case_decisions.c.status,
                                        t.case_decisions.c.decided_by, t.case_decisions.c.run_id)
                                 .order_by(t.case_decisions.c.invoice_id)).all()
    assert [tuple(d) for d in decisions] == [(flagged, "UQ", "policy", run), (clean, "AP", "policy", run)]
    query, approval = (_valid(validator, bytes(r.xml)) for r in rows)
    assert [(r.round, r.code) for r in rows] == [(1, "UQ"), (1, "AP")]
    assert [(lst, code) for lst, code, _ in _clarifications(query)] == [
        ("OPStatusReason", "QTY"), ("OPStatusReason", "LEG"), ("OPStatusAction", "PIN")]
    assert approval.clarifications == ()
    assert [(actor, action, subject) for actor, action, subject, _ in _audit(case)] == [
        ("policy", "case-decision", "CASE-1"), ("policy", "case-decision", "CLEAN-1"),
        ("policy", "case-policy", f"run {run}")]
    assert _audit(case)[-1][3] == {"outcomes": {"AP": 1, "UQ": 1}, "policy": {"findings": "query",
                                                                              "warnings": "findings"}, "run_id": run}
    # Run again: both have a decision now, nothing more is sent.
    again = apply_policy(case, run, CasePolicy(findings="query"), now=NOW, validator=validator)
    assert [a.outcome for a in again] == ["skipped", "skipped"]


def test_policy_manual_leaves_findings_to_the_officer_and_warnings_count_as_configured(case, validator):
    warned = _another_invoice(case, "WARNED-1", OTHER_SELLER)
    flagged = _invoice_id(case)
    run = _check_run(case, {warned: [("LSS-CASE-053", "warning", "Ingen beräkningsperiod")],
                            flagged: [("LSS-CASE-030", "error", "Över beviljade timmar")]})
    assert CasePolicy.parse("") == CasePolicy() and CasePolicy().findings == "manual"
    answers = apply_policy(case, run, CasePolicy.parse("warnings=findings"), now=NOW, validator=validator)
    assert [a.outcome for a in answers] == ["left", "left"]
    answers = apply_policy(case, run, CasePolicy.parse("findings=manual,warnings=clean"), now=NOW, validator=validator)
    assert [(a.number, a.outcome) for a in answers] == [("CASE-1", "left"), ("WARNED-1", "AP")]
    with pytest.raises(ValueError, match="expected manual or query"):
        CasePolicy.parse("findings=always")


# ------------------------------------------------------------------------------ the command line

def test_cli_decide_show_history(case):
    url = case.url
    invoke = CliRunner().invoke
    unknown = invoke(main, ["case", "decide", "NOPE-1", "--approve", "--db", url, "--format", "json"])
    assert unknown.exit_code == 2
    assert error_of(unknown.stdout, "case decide") == ("no stored invoice numbered 'NOPE-1'", None)
    both = invoke(main, ["case", "decide", "CASE-1", "--approve", "--paid", "--db", url])
    assert both.exit_code == 2 and "exactly one of" in both.stderr
    _check_run(case, {_invoice_id(case): [("LSS-CASE-011", "error", f"{ASSISTANT_PNR} bor i Schweiz")]})
    done = invoke(main, ["case", "decide", "CASE-1", "--approve-partly", "41586,85", "--by", OFFICER, "--db", url,
                         "--format", "json"])
    assert done.exit_code == 0, done.output
    data = result_of(done.stdout, "case decide")
    assert (data["round"], data["status"], data["amount"], data["response_state"]) == (1, "CA", "41586.85", "pending")
    refused = invoke(main, ["case", "decide", "CASE-1", "--reject", "Nej", "--db", url])
    assert refused.exit_code == 1 and "only PD (paid) may follow it" in refused.stderr  # a refusal: 1
    shown = invoke(main, ["case", "show", "CASE-1", "--db", url, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    view = result_of(shown.stdout, "case show")
    assert [(r["round"], r["code"]) for r in view["responses"]] == [(0, "AB"), (1, "CA")]
    assert [(d["round"], d["status"], d["amount"], d["decided_by"]) for d in view["decisions"]] == [
        (1, "CA", "41586.85", OFFICER)]
    assert [(f["code"], f["hours"], f["amount"]) for f in view["findings"]] == [("LSS-CASE-011", "8.00", "2800.00")]
    text = invoke(main, ["case", "show", "CASE-1", "--db", url])
    assert text.exit_code == 0 and "round 1 CA 41586.85" in text.stdout
    history = invoke(main, ["case", "history", "--db", url, "--format", "json"])
    rows = result_of(history.stdout, "case history")["audit"]
    assert [(r["actor"], r["action"], r["subject"], r["detail"]["status"]) for r in rows] == [
        (OFFICER, "case-decision", "CASE-1", "CA")]
    for output in (shown.stdout, text.stdout, history.stdout, done.stdout):
        assert ASSISTANT_PNR not in output and ASSISTANT_PNR[2:] not in output
