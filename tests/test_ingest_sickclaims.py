"""A received sick-pay claim: its calculation (SJ-1) read at ingest and stored as the claim's
stated figures, then recomputed by the case work from the store (issue 11, check 8), on SQLite
and PostgreSQL. The claim is the provider side's own (tests.factories.sick_plan: Anna sick on
11-12 March 2024, Cecilia her substitute; 1159.20 kr sick pay, 12 / 31.42 / 0.6 / 4.5 %)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from ingest import tables as t
from ingest.casework.runs import check_period
from ingest.registers import import_registers
from ingest.service import run_once
from ingest.store import Store
from invoices.agreements import load_profiles
from invoices.sickpay_statement import StatementUnreadable, read_stated_claim
from peppol.reader import read_ubl
from peppol.ubl import to_ubl

from .factories import ANNA, CECILIA, CLIENT, TJORN, issue_all, register_assistant_row, register_decision_row, \
    sick_plan, write_csv
from .ingest_factory import folder_config, inbox_with, wrapped

NOW = datetime(2024, 4, 5, 9, 0, tzinfo=UTC)

def claim_item(tmp_path):
    _, written = issue_all(sick_plan(), tmp_path)
    (item,) = written.values()
    return item


def with_calculation(ubl: bytes, calculation: bytes | None) -> bytes:
    """The claim with its SJ-1 replaced (None: removed), re-written by our UBL writer."""
    doc = read_ubl(ubl).document
    attachments = [a.model_copy(update={"content": calculation}) if a.id == "SJ-1" else a
                   for a in doc.attachments if calculation is not None or a.id != "SJ-1"]
    return to_ubl(doc.model_copy(update={"attachments": tuple(attachments)}))


def calculation_of(ubl: bytes) -> bytes:
    return next(a.content for a in read_ubl(ubl).document.attachments if a.id == "SJ-1")


def ingest_and_check(tmp_path, db: str, files: dict[str, bytes]):
    inbox_with(tmp_path, files)
    summary = run_once(folder_config(tmp_path, db=db))
    assert {o.name: o.state for o in summary.outcomes} == {name: "stored" for name in files}
    store = Store(db)
    import_registers(store, "tjorn", {
        "decisions": write_csv(tmp_path, [register_decision_row(decision_id="D-BASE", client_pnr=CLIENT.pnr)],
                               "beslut.csv"),
        "assistants": write_csv(tmp_path, [register_assistant_row(assistant_pnr=p.pnr, name="Testa")
                                           for p in (ANNA, CECILIA)], "assistenter.csv")},
        imported_by="test", now=NOW)
    outcome = check_period(store.engine, TJORN, "2024-03", load_profiles(use_env=False), by="test", now=NOW)
    with store.engine.connect() as conn:
        stated = [dict(r._mapping) for r in conn.execute(select(t.sick_claims))]
        findings = [(r.rule_id, r.severity, r.message) for r in conn.execute(
            select(t.findings).where(t.findings.c.step == "sickpay").order_by(t.findings.c.id))]
    store.dispose()
    return outcome.result, stated, findings


def test_a_clean_claim_is_stored_with_its_figures_and_recomputed_to_the_ore(tmp_path, db):
    item = claim_item(tmp_path)
    result, stated, findings = ingest_and_check(tmp_path, db, {"claim.xml": item.sbdh or wrapped(item.ubl)})
    assert findings == []
    (row,) = stated
    assert {k: v for k, v in row.items() if k not in ("id", "invoice_id")} == dict(
        client_pnr=CLIENT.pnr, sick_assistant_pnr=ANNA.pnr, sick_days="2024-03-11,2024-03-12",
        sick_pay=Decimal("1159.20"), holiday_pct=Decimal("12"), contributions_pct=Decimal("31.42"),
        insurance_pct=Decimal("0.6"), pension_pct=Decimal("4.5"), contributions_base="sick_pay_and_holiday_pay",
        insurance_base="sick_pay_and_holiday_pay", pension_base="sick_pay_and_holiday_pay",
        karens_date=date(2024, 3, 11), no_karens_reason=None)
    inv = result.invoice(item.number)
    # 1159.20 + 139.10 + 407.93 + 7.79 + 58.42: the claim as stated, a substitute on both days.
    assert (inv.invoiced, inv.reimbursable, inv.disputed) == (Decimal("1772.44"), Decimal("1772.44"), Decimal("0.00"))
    assert [f.code for f in inv.findings] == []


def test_a_claim_over_its_own_figures_is_disputed_by_the_difference(tmp_path, db):
    """The calculation states 4 % pension where the line bills 4.5 %: recomputed, the pension is
    4 % of 1298.30 = 51.932 -> 51.93 kr; billed 58.42: 6.49 kr beyond the actual extra cost."""
    item = claim_item(tmp_path)
    tampered = calculation_of(item.ubl).replace(b"4.5 % av 1298.30 kr", b"4 % av 1298.30 kr")
    result, stated, findings = ingest_and_check(tmp_path, db, {"claim.xml": wrapped(with_calculation(item.ubl, tampered))})
    assert findings == [] and stated[0]["pension_pct"] == Decimal("4")
    inv = result.invoice(item.number)
    assert [(f.code, f.amount) for f in inv.findings] == [("LSS-CASE-081", Decimal("6.49"))]
    assert (inv.reimbursable, inv.disputed) == (Decimal("1765.95"), Decimal("6.49"))


def test_a_claim_without_a_readable_calculation_is_stored_warned_and_disputed_whole(tmp_path, db):
    item = claim_item(tmp_path)
    bad_base = calculation_of(item.ubl).replace(b"31.42 % av 1298.30 kr", b"31.42 % av 1300.00 kr")
    result, stated, findings = ingest_and_check(tmp_path, db, {
        "a-none.xml": wrapped(with_calculation(item.ubl, None), instance="a"),
        "b-bad.xml": wrapped(with_calculation(item.ubl, bad_base).replace(item.number.encode(), b"T-2024-00009"),
                             instance="b")})
    assert stated == []
    assert findings == [
        ("LSS-SP-001", "warning", "sick-pay claim: no embedded calculation SJ-1 (BT-122) attached; the claim "
                                  "cannot be recomputed"),
        ("LSS-SP-001", "warning", "sick-pay claim: the calculation SJ-1 cannot be read: row 17 (Lagstadgad "
                                  "arbetsgivaravgift): the base 1300.00 kr is neither the sick pay (1159.20) nor the "
                                  "sick pay with holiday pay (1298.30); the claim cannot be recomputed"),
    ]
    for number in (item.number, "T-2024-00009"):
        inv = result.invoice(number)
        assert [(f.code, f.amount) for f in inv.findings] == [("LSS-CASE-083", Decimal("1772.44"))]
        assert inv.reimbursable == Decimal("0.00")


def test_the_reader_names_what_is_missing_and_never_repeats_a_personnummer():
    with pytest.raises(StatementUnreadable) as e:
        read_stated_claim(b"uppgift,v\xc3\xa4rde\r\nSjukdagar,2024-03-11\r\nSjukl\xc3\xb6n,100.00,x\r\n")
    assert str(e.value) == ('the calculation has no row "Den enskildes personnummer", "Sjuk assistent, personnummer", '
                            '"Semesterersättning", "Lagstadgad arbetsgivaravgift", "Avtalsförsäkring", '
                            '"Kollektivavtalad pension"')
    bad = f"Den enskildes personnummer,{CLIENT.pnr[:-1]}0\r\n".encode()
    with pytest.raises(StatementUnreadable) as e:
        read_stated_claim(bad)
    assert CLIENT.pnr[:-1] not in str(e.value) and str(e.value).startswith("row 1 (Den enskildes personnummer): not a")
    with pytest.raises(StatementUnreadable, match="not UTF-8"):
        read_stated_claim(b"\xff\xfe")
