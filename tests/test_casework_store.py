"""`lssinvoice check` on the store's data (SQLite and PostgreSQL): loaded, judged, kept."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select

from ingest import tables as t
from ingest.casework.runs import check_period
from ingest.store import Store
from invoices.agreements import load_profiles
from invoices.casework.fk import FK_SELLER
from invoices.registry import load_registry
from lssinvoice.cli import main

from .store_factory import (
    ADULT, CLIENT, NOW, SELLER_A, SELLER_B, YOUNG, boras_registers, fk_register, stored_invoice,
)

@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres").create_database(f"case{tmp_path.name[-8:].lower()}"))
    s = Store(url)
    s.migrate()
    with s.engine.begin() as conn:
        boras_registers(conn)
        # Påhittad (received first): the adult on 4 and 5 March, 16 h × 303 = 4848.00, all fine.
        stored_invoice(conn, 1, "A-1", SELLER_A, "4848.00", [("16", "303", "4848.00")],
                 [(ADULT, "2024-03-04 08:00", "2024-03-04 16:00"), (ADULT, "2024-03-05 08:00", "2024-03-05 16:00")])
        # The careless one (received later): 5 March again, 6 March, and the young assistant on
        # 14 March, all at 350: 24 h × 350 = 8400.00.
        stored_invoice(conn, 2, "B-1", SELLER_B, "8400.00", [("24", "350", "8400.00")],
                 [(ADULT, "2024-03-05 08:00", "2024-03-05 16:00"), (ADULT, "2024-03-06 08:00", "2024-03-06 16:00"),
                  (YOUNG, "2024-03-14 08:00", "2024-03-14 16:00")])
    yield s
    s.dispose()


def test_a_check_run_judges_the_stores_invoices_and_keeps_the_outcome(store):
    boras = load_registry().get("boras")
    outcome = check_period(store.engine, boras, "2024-03", load_profiles(use_env=False), by="Handläggare Test", now=NOW)
    a, b = outcome.result.invoice("A-1"), outcome.result.invoice("B-1")
    assert (a.invoiced, a.reimbursable, a.disputed, a.findings) == (Decimal("4848.00"), Decimal("4848.00"),
                                                                    Decimal("0.00"), ())
    # B-1: 5 March already billed by A-1 (double billing: 8 h × 350 = 2800.00); 14 March by an
    # assistant under 18 (8 h × 350 = 2800.00); 6 March at 350 where Borås pays 303:
    # 8 h × (350 - 303) = 376.00. Disputed 5976.00, reimbursable 2424.00 (= 8 h × 303).
    assert sorted((f.code, f.hours, f.amount) for f in b.findings) == [
        ("LSS-CASE-001", Decimal("8.00"), Decimal("2800.00")),
        ("LSS-CASE-010", Decimal("8.00"), Decimal("2800.00")),
        ("LSS-CASE-041", Decimal("8.00"), Decimal("376.00")),
    ]
    assert (b.disputed, b.reimbursable) == (Decimal("5976.00"), Decimal("2424.00"))
    with store.engine.connect() as conn:
        run = conn.execute(select(t.check_runs)).one()
        assert (run.period, run.run_by, run.invoices, run.findings, run.result_sha256) == (
            "2024-03", "Handläggare Test", 2, 3, outcome.digest)
        assert json.loads(run.register_imports) == {"assistants": 2, "decisions": 1, "fk_decisions": None}
        kept = conn.execute(select(t.case_results.c.disputed).order_by(t.case_results.c.invoice_id)).scalars().all()
        assert kept == [Decimal("0.00"), Decimal("5976.00")]
        cut = conn.execute(select(func.sum(t.case_cuts.c.seconds))).scalar()
        assert cut == 16 * 3600
        assert conn.execute(select(t.audit_log.c.action)).scalars().all() == ["check-run"]
    again = check_period(store.engine, boras, "2024-03", load_profiles(use_env=False), by="Handläggare Test", now=NOW)
    assert again.digest == outcome.digest and again.run_id != outcome.run_id


def test_lssinvoice_check_gives_the_json_the_issue_names(store):
    result = CliRunner().invoke(main, ["check", "--db", store.url, "--period", "2024-03", "--municipality", "boras",
                                       "--format", "json", "--by", "test"])
    assert result.exit_code == 1, result.output  # findings
    data = json.loads(result.output)["result"]
    by_number = {i["number"]: i for i in data["invoices"]}
    assert by_number["B-1"]["seller"] == SELLER_B
    assert (by_number["B-1"]["invoiced"], by_number["B-1"]["reimbursable"], by_number["B-1"]["disputed"]) == (
        "8400.00", "2424.00", "5976.00")
    assert sorted((f["code"], f["hours"], f["amount"]) for f in by_number["B-1"]["findings"])[0] == (
        "LSS-CASE-001", "8.00", "2800.00")
    assert ADULT not in result.output and YOUNG not in result.output


def _fk_invoice(conn, lines: list[tuple[str, str, str, str, date | None]]) -> None:
    """Försäkringskassan's 20-hour invoice for March: (hours, price, net, description, BT-134)."""
    doc = conn.execute(insert(t.documents).values(
        source_name="fk.xml", sha256="f" * 64, size=1000, state="stored", attempts=1, source_removed=False,
        received_at=NOW, updated_at=NOW)).inserted_primary_key[0]
    inv = conn.execute(insert(t.invoices).values(
        document_id=doc, kind="invoice", seller_key=FK_SELLER, invoice_number="FK-1", number_key="FK-1",
        issue_date=date(2024, 4, 2), currency="SEK", payable=sum(Decimal(ln[2]) for ln in lines),
        period_start=date(2024, 3, 1), period_end=date(2024, 3, 31))).inserted_primary_key[0]
    for i, (hours, price, net, desc, start) in enumerate(lines, 1):
        conn.execute(insert(t.invoice_lines).values(
            invoice_id=inv, line_id=str(i), quantity=Decimal(hours), unit_code="HUR", price=Decimal(price),
            net_amount=Decimal(net), item_name="Assistansersättning, kommunens 20 timmar", description=desc,
            period_start=start, vat_category="E"))
    fk_register(conn)


def test_fk_lines_are_read_for_their_client_and_week_from_the_store(store):
    """FK bills week 10 by an ISO week in the text (24 h: 4 h past the 20, 4 × 303 = 1212.00)
    and week 11 by the line's period (20 h, nothing to say); a line naming no client cannot
    be checked (LSS-CASE-074, a warning)."""
    with store.engine.begin() as conn:
        _fk_invoice(conn, [
            ("24", "303", "7272.00", f"Personnummer {CLIENT[:8]}-{CLIENT[8:]}, vecka 10 2024", None),
            ("20", "303", "6060.00", f"Personnummer {CLIENT}", date(2024, 3, 11)),
            ("5", "303", "1515.00", "vecka 12 2024", None)])
    boras = load_registry().get("boras")
    outcome = check_period(store.engine, boras, "2024-03", load_profiles(use_env=False), by="test", now=NOW,
                           fk_amounts={2024: Decimal("303")})
    fk = outcome.result.invoice("FK-1")
    assert sorted((f.code, f.severity, f.hours, f.amount) for f in fk.findings) == [
        ("LSS-CASE-071", "error", Decimal("4.00"), Decimal("1212.00")),
        ("LSS-CASE-074", "warning", Decimal("0.00"), Decimal("0.00")),
    ]
    assert (fk.invoiced, fk.disputed) == (Decimal("14847.00"), Decimal("1212.00"))


def test_a_line_whose_kind_cannot_be_read_still_bills_its_decisions_shifts(store):
    """A third provider's line names decision BO-1 but no kind of time: its shift of 5 March
    is billed all the same, so it is found billed twice (8 h × 303 = 2424.00)."""
    with store.engine.begin() as conn:
        inv = stored_invoice(conn, 3, "C-1", "0007:5560360793", "2424.00", [("8", "303", "2424.00")],
                       [(ADULT, "2024-03-05 08:00", "2024-03-05 16:00")])
        conn.execute(t.invoice_lines.update().where(t.invoice_lines.c.invoice_id == inv).values(
            item_name="Assistans", seller_item_id=None, description="Beslut BO-1, mars"))
    boras = load_registry().get("boras")
    outcome = check_period(store.engine, boras, "2024-03", load_profiles(use_env=False), by="test", now=NOW)
    c = outcome.result.invoice("C-1")
    assert [(f.code, f.hours, f.amount) for f in c.findings] == [("LSS-CASE-001", Decimal("8.00"), Decimal("2424.00"))]


def test_an_invoice_that_cannot_be_answered_does_not_stop_the_others(store):
    result = CliRunner().invoke(main, ["check", "--db", store.url, "--period", "2024-03", "--municipality", "boras",
                                       "--format", "json", "--by", "test"])
    assert result.exit_code == 1, result.output
    answers = json.loads(result.output)["result"]["answers"]
    assert [(a["number"], a["outcome"], a["why"]) for a in answers] == [
        ("A-1", "failed", "invoice A-1: no buyer electronic address stored; no response can be sent"),
        ("B-1", "left", "3 finding(s): left for the case officer")]


def test_check_answers_by_the_case_policy_once(store):
    """AP for A-1 (no finding); B-1 left for the officer (findings=manual), then queried
    (findings=query) on the next run; A-1, decided, is skipped; --no-answer answers nothing."""
    def run(*extra):
        result = CliRunner().invoke(main, ["check", "--db", store.url, "--period", "2024-03", "--municipality", "boras",
                                           "--format", "json", "--by", "test", *extra])
        assert result.exit_code == 1, result.output
        return json.loads(result.output)["result"]["answers"]

    with store.engine.begin() as conn:  # the buyer's address the answer goes to (BT-49)
        for inv in (1, 2):
            conn.execute(insert(t.parties).values(invoice_id=inv, role="buyer", endpoint="0007:2120001561",
                                                  name="Borås Stad", legal_id="2120001561"))
    first = run()
    assert [(a["number"], a["outcome"]) for a in first] == [("A-1", "AP"), ("B-1", "left")]
    assert first[0]["response_id"] is not None and first[1]["response_id"] is None
    assert run("--no-answer") is None
    second = run("--policy", "findings=query")
    assert [(a["number"], a["outcome"]) for a in second] == [("A-1", "skipped"), ("B-1", "UQ")]
    with store.engine.connect() as conn:
        kept = conn.execute(select(t.responses.c.code).where(t.responses.c.round > 0)
                            .order_by(t.responses.c.id)).scalars().all()
    assert kept == ["AP", "UQ"]
