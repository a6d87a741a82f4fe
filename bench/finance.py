"""Benchmark: the monthly reconciliation on the national-scale year of the case-work benchmark.

What is measured (:func:`finance_benchmark`), each step in a fresh process
    1. the year of :mod:`bench.casework` (12 M shifts, 100,000 assistants, 200 providers) is
       generated into a DuckDB file, and December is judged by every check (``run_checks``);
    2. a SQLite store is filled with what ingest, the case work and finance would have left
       for December (not timed): every invoice of the month with its lines, documents, sellers,
       time reports and shifts (credited invoices with a credit note naming them), the check
       run's results and findings, the decision register, a decision per invoice (AP where
       nothing was found, CA at the reimbursable amount otherwise), and a payment export (every
       approved invoice paid, 1 % of them paid 10 % too much, 0.5 % of the payments matching no
       invoice);
    3. :func:`ingest.finance.reconcile.reconcile` over that store (wall time, the recovery
       claims it opens included), then each output written by :mod:`ingest.finance.outputs`
       (size and time each); the peak resident set of that process (``VmHWM``).

Target (issue): the run on one month of the national-scale year, all providers, in ≤ 10 s; the
time reported is the reconciliation plus writing every output.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal

from bench import register
from bench.common import fmt, progress, speed_probe, table, verdict

PERIOD = "2023-12"
SHIFTS = 12_000_000
TARGET_S = 10.0
SEED = 12


def _vm(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rows(con, sql: str, *args):
    cur = con.execute(sql, *args)
    names = [d[0] for d in cur.description]
    while batch := cur.fetchmany(50_000):
        yield from (dict(zip(names, r)) for r in batch)


def build_store(year_path: str, store_url: str) -> dict:
    """Steps 1 (the checks) and 2 (the store) of the module notes."""
    from sqlalchemy import insert

    from bench.casework_year import check_context
    from ingest import tables as t
    from ingest.casework.load import reference_window
    from ingest.store import Store
    from invoices.casework import run
    from invoices.casework.frame import connect, create_inputs
    from invoices.casework.sickpay import create_sick_claims

    started = time.perf_counter()
    con = connect(threads=os.cpu_count(), memory_limit="3GB")
    lo, hi = reference_window(PERIOD)
    create_inputs(con)
    create_sick_claims(con)
    con.execute(f"ATTACH '{year_path}' AS src (READ_ONLY)")
    con.execute(f"""INSERT INTO shifts SELECT * FROM src.shifts
                    WHERE start_at < TIMESTAMPTZ '{hi} 00:00:00+00' + INTERVAL 1 DAY
                      AND end_at > TIMESTAMPTZ '{lo} 00:00:00+00' - INTERVAL 1 DAY""")
    for name in ("timereports", "invoices", "lines", "decisions", "fk_decisions", "assistants", "rates", "sick_claims"):
        con.execute(f"INSERT INTO {name} SELECT * FROM src.{name}")
    con.execute("DETACH src")
    result = run.run_checks(con, check_context(PERIOD))
    checks_s = time.perf_counter() - started

    started = time.perf_counter()
    store = Store(store_url)
    store.migrate()
    now = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    month_ids = [r[0] for r in con.execute(
        "SELECT invoice_id FROM invoices WHERE period = ? ORDER BY invoice_id", [PERIOD]).fetchall()]
    con.execute("CREATE TEMP TABLE m_ids AS SELECT invoice_id FROM invoices WHERE period = ?", [PERIOD])
    rng = random.Random(SEED)
    first = date(2023, 12, 1)
    counts: dict[str, int] = {}
    with store.engine.begin() as conn:
        invoices = list(_rows(con, "SELECT * FROM invoices WHERE invoice_id IN (SELECT invoice_id FROM m_ids) "
                                   "ORDER BY invoice_id"))
        next_id = max(month_ids) + 1
        docs, invs, parties = [], [], []
        for inv in invoices:
            docs.append(dict(id=inv["invoice_id"], source_name=f"{inv['number']}.xml", sha256=f"{inv['invoice_id']:064d}",
                             size=10_000, state="stored", attempts=1, source_removed=False, received_at=now,
                             updated_at=now))
            invs.append(dict(id=inv["invoice_id"], document_id=inv["invoice_id"], kind="invoice", seller_key=inv["seller"],
                             invoice_number=inv["number"], number_key=inv["number"], issue_date=date(2024, 1, 5),
                             currency="SEK", payable=inv["payable"], period_start=first, period_end=date(2023, 12, 31)))
            parties.append(dict(invoice_id=inv["invoice_id"], role="seller", endpoint=inv["seller"],
                                name=f"Anordnare {inv['seller'][-4:]}", legal_id=inv["seller"].split(":")[1]))
            if inv["credited"]:  # the credit note that names it
                docs.append(dict(docs[-1], id=next_id, source_name=f"K-{inv['number']}.xml", sha256=f"{next_id:064d}"))
                invs.append(dict(invs[-1], id=next_id, document_id=next_id, kind="creditnote",
                                 invoice_number=f"K-{inv['number']}", number_key=f"K-{inv['number']}",
                                 preceding_invoice=inv["number"]))
                next_id += 1
        conn.execute(insert(t.documents), docs)
        conn.execute(insert(t.invoices), [dict({"preceding_invoice": None}, **i) for i in invs])
        conn.execute(insert(t.parties), parties)
        counts["invoices"], counts["credit_notes"] = len(invoices), len(invs) - len(invoices)
        lines = [dict(invoice_id=r["invoice_id"], line_id=r["line_id"], quantity=r["quantity"], unit_code="HUR",
                      price=r["price"], net_amount=r["net_amount"], item_name="Personlig assistans",
                      seller_item_id=f"LSS-{r['kind']}" if r["kind"] else None, vat_category="E",
                      description=f"Beslut {r['decision_id']}, utförd {r['year']}" if r["decision_id"] else None)
                 for r in _rows(con, "SELECT * FROM lines WHERE invoice_id IN (SELECT invoice_id FROM m_ids)")]
        conn.execute(insert(t.invoice_lines), lines)
        counts["lines"] = len(lines)
        reports = [dict(id=r["timereport_id"], invoice_id=r["invoice_id"], assistant_pnr=r["assistant"],
                        client_pnr=r["client"], month=r["month"] or PERIOD, assistant_signed=bool(r["assistant_signed"]),
                        supervisor_signed=bool(r["supervisor_signed"]), calculation_period=r["calculation_period"],
                        collective_agreement=r["collective_agreement"], agreement_stated=bool(r["agreement_stated"]),
                        kind_stated=bool(r["kind_stated"]))
                   for r in _rows(con, "SELECT * FROM timereports WHERE invoice_id IN (SELECT invoice_id FROM m_ids)")]
        conn.execute(insert(t.timereports), reports)
        shifts = 0
        batch = []
        for r in _rows(con, "SELECT * FROM shifts WHERE invoice_id IN (SELECT invoice_id FROM m_ids) "
                            "AND timereport_id IS NOT NULL"):
            batch.append(dict(id=r["shift_id"], timereport_id=r["timereport_id"], invoice_id=r["invoice_id"],
                              assistant_pnr=r["assistant"], client_pnr=r["client"], decision_id=r["decision_id"],
                              kind=r["kind"], start_at=r["start_at"], end_at=r["end_at"],
                              seconds=int((r["end_at"] - r["start_at"]).total_seconds()), source=r["source"]))
            if len(batch) == 100_000:
                conn.execute(insert(t.shifts), batch)
                shifts += len(batch)
                batch = []
        if batch:
            conn.execute(insert(t.shifts), batch)
            shifts += len(batch)
        counts["shifts"] = shifts
        imp = conn.execute(insert(t.register_imports).values(
            register="decisions", municipality="tjorn", source_name="beslut.csv", sha256="d" * 64, imported_by="bench",
            imported_at=now, rows=0, added=0, changed=0, removed=0, unchanged=0)).inserted_primary_key[0]
        conn.execute(insert(t.reg_decisions), [dict(
            municipality="tjorn", decision_id=r["decision_id"], client_pnr=r["client"], kind=r["kind"],
            valid_from=r["valid_from"], valid_to=r["valid_to"], granted_hours=r["granted_hours"],
            granted_per=r["granted_per"], import_id=imp) for r in _rows(con, "SELECT * FROM decisions")])
        run_id = conn.execute(insert(t.check_runs).values(
            municipality="tjorn", period=PERIOD, started_at=now, finished_at=now, run_by="bench", register_imports="{}",
            invoices=len(result.invoices), findings=sum(len(i.findings) for i in result.invoices),
            result_sha256=result.digest())).inserted_primary_key[0]
        conn.execute(insert(t.case_results), [dict(run_id=run_id, invoice_id=i.invoice_id, invoiced=i.invoiced,
                                                   reimbursable=i.reimbursable, disputed=i.disputed)
                                              for i in result.invoices])
        conn.execute(insert(t.case_findings), [dict(
            run_id=run_id, invoice_id=i.invoice_id, key=f.key, code=f.code, basis=f.basis, severity=f.severity,
            message=f.message, seconds=f.seconds, hours=f.hours, amount=f.amount, shift_ids=json.dumps(list(f.shift_ids)))
            for i in result.invoices for f in i.findings])
        counts["findings"] = sum(len(i.findings) for i in result.invoices)
        decisions, payments = [], []
        for i in result.invoices:
            status = "AP" if not i.findings else "CA"
            approved = i.invoiced if status == "AP" else i.reimbursable
            decisions.append(dict(invoice_id=i.invoice_id, run_id=run_id, round=1, status=status,
                                  amount=None if status == "AP" else approved, decided_by="bench", decided_at=now))
            paid = approved
            if rng.random() < 0.01:
                paid = (approved * Decimal("1.10")).quantize(Decimal("0.01"))
            if paid > 0:
                payments.append(dict(invoice_number=i.number, seller_org_nr=i.seller.split(":")[1], amount=paid,
                                     paid_on=date(2024, 1, 25), invoice_id=i.invoice_id))
        for n in range(len(payments) // 200):
            payments.append(dict(invoice_number=f"OKÄND-{n}", seller_org_nr="5599011235", amount=Decimal("100.00"),
                                 paid_on=date(2023, 12, 20), invoice_id=None))
        conn.execute(insert(t.case_decisions), decisions)
        pay_import = conn.execute(insert(t.payment_imports).values(
            municipality="tjorn", source_name="betalningar.csv", sha256="e" * 64, imported_by="bench", imported_at=now,
            rows=len(payments))).inserted_primary_key[0]
        conn.execute(insert(t.payments), [dict(p, import_id=pay_import, row=n + 2) for n, p in enumerate(payments)])
        counts["payments"] = len(payments)
    store.dispose()
    con.close()
    return {"checks_s": checks_s, "store_s": time.perf_counter() - started, "counts": counts,
            "judged": len(result.invoices), "peak_mb": _vm("VmHWM")}


def run_reconcile(store_url: str, out: str) -> dict:
    """Step 3 of the module notes."""
    from ingest.finance import outputs
    from ingest.finance.reconcile import reconcile
    from ingest.store import Store
    from fsio.atomic import write_atomic
    from pathlib import Path

    store = Store(store_url)
    now = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
    started = time.perf_counter()
    rec = reconcile(store, "tjorn", PERIOD, now=now, by="bench")
    run_s = time.perf_counter() - started
    store.dispose()
    # The target's figure: write_outputs as lssinvoice reconcile runs it (the workbook made in a
    # second process meanwhile); then each output made alone, for its size and time.
    t0 = time.perf_counter()
    outputs.write_outputs(rec, Path(out), metadata={})
    outputs_s = time.perf_counter() - t0
    files: list[list] = []
    t0 = time.perf_counter()
    data = outputs.as_data(rec)
    files.append(["(data for every output)", None, time.perf_counter() - t0])
    for name, make in outputs.renderers(rec, data):
        t0 = time.perf_counter()
        content = make()
        write_atomic(os.path.join(out, name), content)
        files.append([name, len(content), time.perf_counter() - t0])
    total = run_s + outputs_s
    return {"run_s": run_s, "outputs_s": outputs_s, "files": files, "total_s": total, "peak_mb": _vm("VmHWM"),
            "invoices": len(rec.invoices), "providers": len(rec.providers), "findings": len(rec.findings),
            "claims": len(rec.claims), "case_findings": len(rec.findings_detail), "payments": len(rec.payments)}


def _child(command: str, args: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.finance", command, json.dumps(args)],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({done.returncode}): {done.stderr.strip()[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@register("finance")
def finance_benchmark() -> str:
    threads = os.cpu_count()
    probes: list = []
    speed_probe("start", probes)
    with tempfile.TemporaryDirectory(prefix="bench-finance-") as tmp:
        year = os.path.join(tmp, "year.duckdb")
        progress("finance: generating the 12 M year")
        gen = _child("generate", {"path": year})
        progress("finance: December judged, the store filled")
        built = _child("build", {"year": year, "store": f"sqlite:///{os.path.join(tmp, 'store.db')}"})
        os.remove(year)
        runs = []
        for n in range(3):
            progress(f"finance: reconcile, run {n + 1} of 3")
            runs.append(_child("run", {"store": f"sqlite:///{os.path.join(tmp, 'store.db')}",
                                       "out": os.path.join(tmp, f"out{n}")}))
    speed_probe("end", probes)
    runs.sort(key=lambda r: r["total_s"])
    main = runs[len(runs) // 2]
    c = built["counts"]
    lines = [
        "Measured by `make bench` (`bench/finance.py`; its docstring says what is and is not measured).", "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}; machine: {threads} cores (`os.cpu_count()`), "
        "store: SQLite (a file), DuckDB for the reading",
        f"- the month: {PERIOD} of the 12 M year of `bench:casework` ({gen['counts']['shifts']:,} shifts generated in "
        f"{fmt(gen['seconds'], 1)} s); judged by every check in {fmt(built['checks_s'], 1)} s; the store filled in "
        f"{fmt(built['store_s'], 1)} s (not part of the target): {c['invoices']:,} invoices of the month "
        f"({c['credit_notes']:,} credited, with their credit notes), {c['lines']:,} lines, {c['shifts']:,} shifts, "
        f"{c['findings']:,} findings, {c['payments']:,} payments",
        f"- target (issue): the reconciliation of one month, all providers, ≤ {TARGET_S:.0f} s; measured: the run plus "
        "`write_outputs` (every output, as `lssinvoice reconcile` writes them), median of 3 runs, each in a fresh process",
        "",
        *table(["run", "reconcile s", "outputs s", "total s", "peak MB", "invoices", "providers", "case findings",
               "payments", "claims", "FIN findings"],
              [[str(n + 1), fmt(r["run_s"], 2), fmt(r["outputs_s"], 2), fmt(r["total_s"], 2),
                f"{r['peak_mb']:.0f}", f"{r['invoices']:,}", str(r["providers"]), f"{r['case_findings']:,}",
                f"{r['payments']:,}", f"{r['claims']:,}", f"{r['findings']:,}"] for n, r in enumerate(runs)]),
        "", "Each output of the median run, made alone one after the other (`write_outputs` above makes the "
            "workbook in a second process while it makes the others, so its time is not their sum):", "",
        *table(["output", "bytes", "s"], [[name, "" if size is None else f"{size:,}", fmt(s, 2)]
                                        for name, size, s in main["files"]]),
        "", f"**Verdict: {verdict(main['total_s'] <= TARGET_S)}** ({fmt(main['total_s'], 2)} s against {TARGET_S:.0f} s; "
            f"peak {main['peak_mb']:.0f} MB).",
        "", "Speed probe (ms, a fixed Python loop): " + ", ".join(f"{k} {v:.1f}" for k, v in probes),
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    command, args = argv[0], json.loads(argv[1])
    if command == "generate":
        from bench.casework import generate_file

        out = generate_file(args["path"], SHIFTS)
    elif command == "build":
        out = build_store(args["year"], args["store"])
    elif command == "run":
        out = run_reconcile(args["store"], args["out"])
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
