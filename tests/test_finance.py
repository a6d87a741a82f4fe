"""Finance's month (issue 12), hand-computed, on SQLite and PostgreSQL: payments imported and
answered PD, the reconciliation's figures to the öre, a credit note netted, an overpayment, a
recovery claim opened by a later check and set off against a later invoice, FK's invoice apart,
the same bytes on a re-run, and the outputs read back (JSON, CSV, XLSX)."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from ingest import tables as t
from ingest.casework.decide import Action, decide_invoice
from ingest.casework.runs import check_period
from ingest.finance.payments import import_payments
from ingest.finance.reconcile import reconcile
from ingest.store import Store
from invoices.agreements import load_profiles
from invoices.casework.fk import FK_SELLER
from invoices.input_errors import InputErrors
from invoices.registry import load_registry
from lssinvoice.cli import main

from .store_factory import (
    ADULT, CLIENT, NOW, SELLER_A, SELLER_B, YOUNG, boras_registers, fk_register, stored_invoice, with_parties,
)

BORAS = load_registry(use_env=False).get("boras")
LATER = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
D = Decimal


@pytest.fixture
def month(db):
    """March 2024 at Borås, judged and decided:

    * A-1 (Påhittad): 16 h × 303 = 4848.00, no finding; approved (AP).
    * B-1 (the careless one): 24 h × 350 = 8400.00; 5976.00 disputed (LSS-CASE-001 2800.00,
      -010 2800.00, -041 376.00), 2424.00 reimbursable; approved in part (CA 2424.00).
    * D-1 (Påhittad): 1212.00, credited whole by CN-1 (1212.00): nets to 0.00.
    * FK-1: Försäkringskassan's 20-hour invoice, 24 h + 20 h at 303 = 13332.00; 4 h past the 20
      of week 10 disputed (4 × 303 = 1212.00).
    """
    store = Store(db)
    store.migrate()
    with store.engine.begin() as conn:
        boras_registers(conn)
        a1 = stored_invoice(conn, 1, "A-1", SELLER_A, "4848.00", [("16", "303", "4848.00")],
                            [(ADULT, "2024-03-04 08:00", "2024-03-04 16:00"), (ADULT, "2024-03-05 08:00", "2024-03-05 16:00")])
        b1 = stored_invoice(conn, 2, "B-1", SELLER_B, "8400.00", [("24", "350", "8400.00")],
                            [(ADULT, "2024-03-05 08:00", "2024-03-05 16:00"), (ADULT, "2024-03-06 08:00", "2024-03-06 16:00"),
                             (YOUNG, "2024-03-14 08:00", "2024-03-14 16:00")])
        d1 = stored_invoice(conn, 3, "D-1", SELLER_A, "1212.00", [("4", "303", "1212.00")], [])
        cn = stored_invoice(conn, 4, "CN-1", SELLER_A, "1212.00", [("4", "303", "1212.00")], [], kind="creditnote",
                            preceding="D-1")
        fk = stored_invoice(conn, 5, "FK-1", FK_SELLER, "13332.00", [("24", "303", "7272.00"), ("20", "303", "6060.00")], [])
        conn.execute(update(t.invoice_lines).where(t.invoice_lines.c.invoice_id == fk).values(
            item_name="Assistansersättning", seller_item_id=None, description=f"Personnummer {CLIENT}"))
        conn.execute(update(t.invoice_lines).where(t.invoice_lines.c.invoice_id == fk, t.invoice_lines.c.line_id == "1")
                     .values(period_start=date(2024, 3, 4)))
        conn.execute(update(t.invoice_lines).where(t.invoice_lines.c.invoice_id == fk, t.invoice_lines.c.line_id == "2")
                     .values(period_start=date(2024, 3, 11)))
        fk_register(conn)
        for inv, name, seller in ((a1, "Påhittad Assistans AB", SELLER_A), (b1, "Slarvig Omsorg AB", SELLER_B),
                                  (d1, "Påhittad Assistans AB", SELLER_A), (cn, "Påhittad Assistans AB", SELLER_A),
                                  (fk, "Försäkringskassan", FK_SELLER)):
            with_parties(conn, inv, name, seller)
    outcome = check_period(store.engine, BORAS, "2024-03", load_profiles(use_env=False), by="test", now=NOW,
                           fk_amounts={2024: D("303")})
    decide_invoice(store, a1, Action.APPROVE, by="Handläggare", now=NOW)
    decide_invoice(store, b1, Action.APPROVE_PARTLY, amount=D("2424.00"), by="Handläggare", now=NOW)
    yield store, outcome, {"A-1": a1, "B-1": b1, "D-1": d1, "FK-1": fk}
    store.dispose()


def payment_file(tmp_path, rows: list[tuple], name: str = "betalningar.csv", delimiter: str = ";"):
    path = tmp_path / name
    lines = [delimiter.join(("Fakturanummer", "Organisationsnummer", "Belopp", "Betalningsdatum"))]
    lines += [delimiter.join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# B-1's 3000.00 in three parts that binary floats would not sum exactly (0.1 + 0.2 + 2999.7)
PAID = [("A-1", "559901-1235", "4848,00", "2024-04-20"), ("B-1", "5590000005", "0.10", "2024-04-21"),
        ("B-1", "5590000005", "0.20", "2024-04-21"), ("B-1", "5590000005", "2999.70", "2024-04-21"),
        ("X-9", "5590000005", "100,00", "2024-03-28")]


def test_payments_are_matched_answered_pd_and_imported_once(month, tmp_path):
    store, _, ids = month
    path = payment_file(tmp_path, PAID)
    outcome = import_payments(store, "boras", path, by="Ekonom", now=LATER)
    assert (outcome.rows, outcome.matched, outcome.unmatched) == (5, 4, 1)
    # A-1 paid in full after AP, B-1 paid beyond its CA: both answered PD, once.
    assert outcome.answered_paid == ("A-1", "B-1")
    with store.engine.connect() as conn:
        statuses = conn.execute(select(t.case_decisions.c.invoice_id, t.case_decisions.c.status)
                                .order_by(t.case_decisions.c.invoice_id, t.case_decisions.c.round)).all()
        paid = conn.execute(select(t.payments.c.invoice_number, t.payments.c.invoice_id, t.payments.c.amount)
                            .order_by(t.payments.c.row)).all()
    assert statuses == [(ids["A-1"], "AP"), (ids["A-1"], "PD"), (ids["B-1"], "CA"), (ids["B-1"], "PD")]
    assert paid == [("A-1", ids["A-1"], D("4848.00")), ("B-1", ids["B-1"], D("0.10")), ("B-1", ids["B-1"], D("0.20")),
                    ("B-1", ids["B-1"], D("2999.70")), ("X-9", None, D("100.00"))]
    again = import_payments(store, "boras", path, by="Ekonom", now=LATER)
    assert again.import_id is None and again.answered_paid == ()


def test_a_bad_payment_file_names_row_and_column_and_imports_nothing(month, tmp_path):
    store, _, _ = month
    path = payment_file(tmp_path, [("A-1", "5599011234", "4848.001", "2024-04-31"), ("", "559901-1235", "-5", "x")])
    with pytest.raises(InputErrors) as e:
        import_payments(store, "boras", path, by="Ekonom", now=LATER)
    assert [(err.row, err.field) for err in e.value] == [
        (2, "seller_org_nr"), (2, "amount"), (2, "paid_on"), (3, "invoice_number"), (3, "amount"), (3, "paid_on")]
    with store.engine.connect() as conn:
        assert conn.execute(select(t.payments)).all() == []


def test_the_months_figures_to_the_ore(month, tmp_path):
    store, _, ids = month
    import_payments(store, "boras", payment_file(tmp_path, PAID), by="Ekonom", now=LATER)
    rec = reconcile(store, "boras", "2024-03", now=LATER, by="Ekonom")
    rows = {i.number: i for i in rec.invoices}
    a, b, d1, fk = rows["A-1"], rows["B-1"], rows["D-1"], rows["FK-1"]
    assert (a.net, a.reimbursable, a.disputed, a.approved, a.paid, a.outstanding, a.recoverable, a.status) == (
        D("4848.00"), D("4848.00"), D("0.00"), D("4848.00"), D("4848.00"), D("0.00"), D("0.00"), "PD")
    assert (b.net, b.reimbursable, b.disputed, b.approved, b.paid, b.outstanding, b.recoverable, b.status) == (
        D("8400.00"), D("2424.00"), D("5976.00"), D("2424.00"), D("3000.00"), D("0.00"), D("576.00"), "PD")
    assert b.disputed_by_code == {"LSS-CASE-001": D("2800.00"), "LSS-CASE-010": D("2800.00"),
                                  "LSS-CASE-041": D("376.00")}
    # the credit note nets D-1 to nothing; it is not judged (credited) and nothing is owed
    assert (d1.invoiced, d1.credited, d1.net, d1.credit_notes, d1.checked, d1.approved) == (
        D("1212.00"), D("1212.00"), D("0.00"), ("CN-1",), False, None)
    assert "CN-1" not in rows
    assert (fk.fk, fk.net, fk.disputed, fk.disputed_by_code) == (True, D("13332.00"), D("1212.00"),
                                                                  {"LSS-CASE-071": D("1212.00")})
    # providers: FK apart
    assert [(p["seller"], p["invoices"], p["net"], p["approved"], p["paid"]) for p in rec.providers] == [
        (SELLER_B, 1, D("8400.00"), D("2424.00"), D("3000.00")),
        (SELLER_A, 2, D("4848.00"), D("4848.00"), D("4848.00"))]
    totals = rec.totals()
    assert (totals["invoices"], totals["invoiced"], totals["credited"], totals["net"], totals["disputed"],
            totals["approved"], totals["paid"], totals["recoverable"]) == (
        3, D("14460.00"), D("1212.00"), D("13248.00"), D("5976.00"), D("7272.00"), D("7848.00"), D("576.00"))
    assert rec.totals(fk=True)["net"] == D("13332.00")
    # FIN-001 the unmatched payment, FIN-002 B-1 paid 576.00 beyond its approval, FIN-003 its claim
    assert [(f.code, f.subject, f.amount) for f in rec.findings] == [
        ("FIN-001", "payment betalningar.csv row 6", D("100.00")),
        ("FIN-002", "B-1", D("576.00")),
        ("FIN-003", "B-1", D("576.00"))]
    assert [(c.number, c.amount, c.state, c.finding_codes) for c in rec.claims] == [
        ("B-1", D("576.00"), "open", ("LSS-CASE-001", "LSS-CASE-010", "LSS-CASE-041"))]


def test_a_later_check_opens_a_recovery_claim_settled_against_a_later_invoice(month, tmp_path):
    """The register is corrected: the adult assistant lives in the US (9 d § 2 LSS). A-1, paid
    4848.00, is now owed nothing: a claim of 4848.00; B-1's reimbursable falls to 0.00, so
    beyond the 576.00 already claimed 2424.00 more. A-1's claim is set off against A-2."""
    store, _, ids = month
    import_payments(store, "boras", payment_file(tmp_path, PAID), by="Ekonom", now=LATER)
    reconcile(store, "boras", "2024-03", now=LATER, by="Ekonom")
    with store.engine.begin() as conn:
        conn.execute(update(t.reg_assistants).where(t.reg_assistants.c.assistant_pnr == ADULT)
                     .values(residence_country="US"))
        a2 = stored_invoice(conn, 9, "A-2", SELLER_A, "606.00", [("2", "303", "606.00")], [])
    check_period(store.engine, BORAS, "2024-03", load_profiles(use_env=False), by="test", now=LATER,
                 fk_amounts={2024: D("303")})
    rec = reconcile(store, "boras", "2024-03", now=LATER, by="Ekonom")
    rows = {i.number: i for i in rec.invoices}
    assert (rows["A-1"].reimbursable, rows["A-1"].recoverable) == (D("0.00"), D("4848.00"))
    assert (rows["B-1"].reimbursable, rows["B-1"].recoverable) == (D("0.00"), D("3000.00"))
    claims = [(c.number, c.amount, c.state) for c in rec.claims]
    assert claims == [("B-1", D("576.00"), "open"), ("B-1", D("2424.00"), "open"), ("A-1", D("4848.00"), "open")]
    a1_claim = next(c.claim_id for c in rec.claims if c.number == "A-1")
    result = CliRunner().invoke(main, ["recovery", "settle", str(a1_claim), "--offset", "A-2", "--db", store.url,
                                       "--by", "Ekonom", "--format", "json"])
    assert result.exit_code == 0, result.output
    again = reconcile(store, "boras", "2024-03", now=LATER, by="Ekonom")
    assert [(c.number, c.amount, c.state, c.offset_invoice) for c in again.claims] == [
        ("B-1", D("576.00"), "open", None), ("B-1", D("2424.00"), "open", None), ("A-1", D("4848.00"), "offset", "A-2")]
    with store.engine.connect() as conn:
        assert conn.execute(select(t.recovery_claims.c.offset_invoice_id).where(
            t.recovery_claims.c.id == a1_claim)).scalar() == a2
    settled = CliRunner().invoke(main, ["recovery", "settle", str(a1_claim), "--repaid", "--db", store.url])
    assert settled.exit_code == 1 and "already offset" in settled.output  # a refusal: exit 1


def test_reconcile_writes_the_same_bytes_twice_and_they_read_back(month, tmp_path):
    store, _, _ = month
    import_payments(store, "boras", payment_file(tmp_path, PAID), by="Ekonom", now=LATER)
    outs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        result = CliRunner().invoke(main, ["reconcile", "--db", store.url, "--period", "2024-03", "--municipality",
                                           "boras", "--out", str(out), "--by", "Ekonom", "--format", "json"])
        assert result.exit_code == 1, result.output  # findings
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == ["claims.csv", "findings.csv", "invoices.csv", "lines.csv", "payments.csv", "reconciliation.html",
                     "reconciliation.json", "reconciliation.xlsx", "run.json"]
    for name in names:
        if name != "run.json":
            assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
        assert (outs[0] / name).stat().st_mode & 0o077 == 0, name  # owner-only
    data = json.loads((outs[0] / "reconciliation.json").read_text(encoding="utf-8"))
    assert data["totals"]["net"] == "13248.00" and data["fk_totals"]["net"] == "13332.00"
    assert [i["number"] for i in data["fk_invoices"]] == ["FK-1"]
    text = "".join(p.read_text(encoding="utf-8") for p in outs[0].iterdir() if p.suffix in (".json", ".csv", ".html"))
    for pnr in (ADULT, YOUNG, CLIENT):
        assert pnr not in text and pnr[2:] not in text  # masked everywhere but the workbook's findings
    invoices = list(csv.DictReader(io.StringIO((outs[0] / "invoices.csv").read_text(encoding="utf-8"))))
    assert [(r["number"], r["net"], r["approved"], r["paid"], r["recoverable"]) for r in invoices] == [
        ("B-1", "8400.00", "2424.00", "3000.00", "576.00"), ("A-1", "4848.00", "4848.00", "4848.00", "0.00"),
        ("D-1", "0.00", "", "0.00", "0.00"), ("FK-1", "13332.00", "", "0.00", "0.00")]
    lines = list(csv.DictReader(io.StringIO((outs[0] / "lines.csv").read_text(encoding="utf-8"))))
    assert [(r["number"], r["line"], r["quantity"], r["price"], r["net"]) for r in lines] == [
        ("FK-1", "1", "24", "303", "7272.00"), ("FK-1", "2", "20", "303", "6060.00"),
        ("B-1", "1", "24", "350", "8400.00"), ("A-1", "1", "16", "303", "4848.00"), ("D-1", "1", "4", "303", "1212.00")]


def test_the_workbook_reads_back_with_numbers_formats_and_the_findings_people(month, tmp_path):
    import openpyxl

    store, _, _ = month
    with store.engine.begin() as conn:  # a provider whose name would be a formula
        conn.execute(update(t.parties).where(t.parties.c.endpoint == SELLER_B, t.parties.c.role == "seller")
                     .values(name='=HYPERLINK("http://x","y")'))
    import_payments(store, "boras", payment_file(tmp_path, PAID), by="Ekonom", now=LATER)
    from ingest.finance.outputs import write_outputs

    write_outputs(reconcile(store, "boras", "2024-03", now=LATER, by="Ekonom"), tmp_path / "out", metadata={})
    wb = openpyxl.load_workbook(tmp_path / "out" / "reconciliation.xlsx")
    assert wb.sheetnames[0] == "Summary" and {"Findings", "Payments", "Claims"} <= set(wb.sheetnames)
    summary = wb["Summary"]
    assert summary.freeze_panes == "A2" and summary.auto_filter.ref.startswith("A1:")
    rows = {r[0].value: r for r in summary.iter_rows(min_row=2)}
    assert rows[SELLER_B][1].value == '=HYPERLINK("http://x","y")' and rows[SELLER_B][1].data_type == "s"
    assert rows[SELLER_B][5].value == D("8400.00") or rows[SELLER_B][5].value == 8400
    assert rows[SELLER_B][5].number_format == '#,##0.00 "kr"'
    findings = wb["Findings"]
    people = {(r[0].value, r[1].value): (r[5].value, r[6].value) for r in findings.iter_rows(min_row=2)}
    assert people[("B-1", "LSS-CASE-010")] == (YOUNG, CLIENT)  # the case officers' sheet names them


CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,4000")


def test_the_html_report_is_drawn_in_a_real_browser(month, tmp_path):
    """Headless Chromium (Debian's) renders the page offline; the screenshot holds every chart's
    colours (bars drawn, not just written), and the page fetches nothing."""
    import shutil
    import subprocess

    from PIL import Image

    from ingest.finance.outputs import write_outputs
    from ingest.finance.report_html import COLOURS

    browser = shutil.which("chromium")
    assert browser, "make test installs Debian's chromium"
    store, _, _ = month
    import_payments(store, "boras", payment_file(tmp_path, PAID), by="Ekonom", now=LATER)
    write_outputs(reconcile(store, "boras", "2024-03", now=LATER, by="Ekonom"), tmp_path / "out", metadata={})
    page = tmp_path / "out" / "reconciliation.html"
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "<script" not in html
    shot = tmp_path / "shot.png"
    done = subprocess.run([browser, *CHROMIUM_FLAGS, f"--screenshot={shot}", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.exists(), done.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    counts = {colour: n for n, colour in image.getcolors(maxcolors=image.width * image.height)}

    def drawn(name: str) -> int:
        hex_ = COLOURS[name].lstrip("#")
        return counts.get(tuple(int(hex_[i:i + 2], 16) for i in (0, 2, 4)), 0)

    # every series of every chart has bars of some area on the screen
    assert {name: drawn(name) > 200 for name in COLOURS} == {name: True for name in COLOURS}
    dom = subprocess.run([browser, *CHROMIUM_FLAGS, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    for chart in ('id="providers"', 'id="codes"', 'id="weekly-0"', 'id="trend"'):
        assert chart in dom
    # 2 providers × 3 series, 3 finding codes (FK's apart), 2 weeks × (hours, granted), 1 month × 3
    assert dom.count('class="bar"') == 2 * 3 + 3 + 2 * 2 + 1 * 3
    assert CLIENT not in dom and CLIENT[2:] not in dom


def test_a_large_months_workbook_made_in_a_second_process_is_the_same_bytes(month, tmp_path, monkeypatch):
    from ingest.finance import outputs

    store, _, _ = month
    rec = reconcile(store, "boras", "2024-03", now=LATER, by="Ekonom")
    outputs.write_outputs(rec, tmp_path / "here", metadata={})
    monkeypatch.setattr(outputs, "PARALLEL_FROM", 0)  # every month is "large"
    outputs.write_outputs(rec, tmp_path / "apart", metadata={})
    for name in ("reconciliation.xlsx", "reconciliation.json", "invoices.csv"):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "apart" / name).read_bytes()

    def broken() -> bytes:
        raise ValueError("no disk")

    with pytest.raises(RuntimeError, match="the workbook could not be made: ValueError: no disk"):
        outputs._made_apart(broken)()


def test_a_later_invoice_for_the_same_week_opens_a_recovery_claim_on_the_paid_one(month, tmp_path):
    """After A-1 is paid, a third provider bills the same client's week 10 (BO-1, 100 h a week):
    twelve assistants on 4 March 00:00-08:00, 96 h. The week now holds 120 reimbursable hours,
    20 past the grant, cut in time order (LSS-CASE-030): B-1's 6 March (8 h) and A-1's 5 March
    (8 h) and 4 March 12:00-16:00 (4 h). A-1, paid 4848.00, is now owed 4 h × 303 = 1212.00:
    a claim of 3636.00; B-1 is owed nothing more: 2424.00 beyond its 576.00."""
    from .factories import synthetic_pnr

    store, _, _ = month
    import_payments(store, "boras", payment_file(tmp_path, PAID), by="Ekonom", now=LATER)
    first = reconcile(store, "boras", "2024-03", now=LATER, by="Ekonom")
    assert [(c.number, c.amount) for c in first.claims] == [("B-1", D("576.00"))]
    others = [synthetic_pnr(f"1980{m:02d}15", "234") for m in range(1, 13)]
    with store.engine.begin() as conn:
        stored_invoice(conn, 20, "E-1", "0007:5560360793", "29088.00", [("96", "303", "29088.00")],
                       [(p, "2024-03-04 00:00", "2024-03-04 08:00") for p in others])
    check_period(store.engine, BORAS, "2024-03", load_profiles(use_env=False), by="test", now=LATER,
                 fk_amounts={2024: D("303")})
    rec = reconcile(store, "boras", "2024-03", now=LATER, by="Ekonom")
    rows = {i.number: i for i in rec.invoices}
    assert (rows["A-1"].reimbursable, rows["A-1"].recoverable) == (D("1212.00"), D("3636.00"))
    assert rows["A-1"].disputed_by_code == {"LSS-CASE-030": D("3636.00")}
    assert rows["E-1"].disputed == D("0.00")
    assert [(c.number, c.amount, c.finding_codes) for c in rec.claims] == [
        ("B-1", D("576.00"), ("LSS-CASE-001", "LSS-CASE-010", "LSS-CASE-041")),
        ("B-1", D("2424.00"), ("LSS-CASE-001", "LSS-CASE-010", "LSS-CASE-030")),
        ("A-1", D("3636.00"), ("LSS-CASE-030",))]


def test_the_municipality_defaults_to_the_one_the_store_names(month, tmp_path, monkeypatch):
    store, _, _ = month
    monkeypatch.delenv("LSSINVOICE_MUNICIPALITY", raising=False)
    result = CliRunner().invoke(main, ["reconcile", "--db", store.url, "--period", "2024-03", "--out",
                                       str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 0, result.output  # nothing paid yet: no finding, 7272.00 outstanding
    data = json.loads(result.output)["result"]
    assert (data["municipality"], data["totals"]["outstanding"]) == ("boras", "7272.00")
    checked = CliRunner().invoke(main, ["check", "--db", store.url, "--period", "2024-03", "--format", "json",
                                        "--no-answer"])
    assert json.loads(checked.output)["result"]["municipality"] == "boras"
    with store.engine.begin() as conn:
        conn.execute(update(t.check_runs).where(t.check_runs.c.id == 1).values(municipality="tjorn"))
    several = CliRunner().invoke(main, ["reconcile", "--db", store.url, "--period", "2024-03", "--out",
                                        str(tmp_path / "o2")])
    assert several.exit_code == 2 and "several municipalities (boras, tjorn): give --municipality" in several.output
