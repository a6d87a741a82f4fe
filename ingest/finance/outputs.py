"""What the reconciliation writes for machines and for finance: JSON, CSVs and an XLSX workbook.

Every file is the same bytes for the same data (sorted rows, no timestamps inside: the run's
metadata, who ran it and when, goes to ``run.json`` alone; the workbook's document properties
and zip entries carry a fixed date). Files are written atomically and owner-only
(:func:`fsio.atomic.write_atomic`). Amounts are Decimal written with two decimals (JSON:
strings; CSV: plain numbers; XLSX: number cells in the ``# ##0.00 "kr"`` format).

Personal data: personnummer are masked (``********-1234``, :func:`invoices.model.mask_pnr`)
everywhere except the workbook's ``Findings`` sheet, the case officers' own, which names the
assistants and clients of each finding in full (the file is owner-only).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import partial
import json
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fsio.atomic import write_atomic
from invoices.model import mask_personal_numbers, mask_pnr
from invoices.spreadsheet import csv_row, xlsx_streamed_row

from .reconcile import Reconciliation

__all__ = ["as_data", "renderers", "write_outputs"]

FIXED = datetime(2000, 1, 1)  # the workbook's document dates: no run time inside the data
SEK = '#,##0.00 "kr"'
INVOICE_COLUMNS = ("number", "seller", "seller_name", "fk", "invoiced", "credited", "net", "reimbursable", "disputed",
                   "status", "approved", "paid", "outstanding", "recoverable", "credit_notes")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _invoice_dict(inv) -> dict:
    return {"number": inv.number, "seller": inv.seller, "seller_name": inv.seller_name, "fk": inv.fk,
            **{k: _money(getattr(inv, k)) for k in ("invoiced", "credited", "net", "reimbursable", "disputed",
                                                    "approved", "paid", "outstanding", "recoverable")},
            "status": inv.status, "checked": inv.checked, "credit_notes": list(inv.credit_notes),
            "disputed_by_code": {c: _money(a) for c, a in inv.disputed_by_code.items()}}


def _finding_dict(f: dict, numbers: dict[int, str], full: bool = False) -> dict:
    people = (lambda p: p) if full else mask_pnr
    return {"invoice": numbers[f["invoice_id"]], "code": f["code"], "severity": f["severity"], "basis": f["basis"],
            "hours": _money(f["hours"]), "amount": _money(f["amount"]), "message": f["message"],
            "assistants": [people(a) for a in f["assistants"]], "clients": [people(c) for c in f["clients"]]}


def as_data(rec: Reconciliation) -> dict:
    """The reconciliation as plain data (JSON's content; masked)."""
    numbers = {i.invoice_id: i.number for i in rec.invoices}
    sums = lambda d: {k: (_money(v) if isinstance(v, Decimal) else v) for k, v in d.items()}  # noqa: E731
    return {
        "municipality": rec.municipality, "period": rec.period,
        "totals": sums(rec.totals()), "fk_totals": sums(rec.totals(fk=True)),
        "providers": [sums(p) for p in rec.providers],
        "invoices": [_invoice_dict(i) for i in rec.invoices if not i.fk],
        "fk_invoices": [_invoice_dict(i) for i in rec.invoices if i.fk],
        "findings": [{"code": f.code, "subject": f.subject, "seller": f.seller, "amount": _money(f.amount),
                      "message": f.message} for f in rec.findings],
        "case_findings": [_finding_dict(f, numbers) for f in rec.findings_detail],
        "payments": [{"source": p.source, "row": p.row, "invoice_number": p.invoice_number,
                      "seller_org_nr": p.seller_org_nr, "amount": _money(p.amount), "paid_on": p.paid_on.isoformat(),
                      "matched": p.invoice_id is not None} for p in rec.payments],
        "claims": [{"claim": c.claim_id, "invoice": c.number, "seller": c.seller, "amount": _money(c.amount),
                    "state": c.state, "finding_codes": list(c.finding_codes), "opened_in": c.opened_in,
                    "offset_invoice": c.offset_invoice} for c in rec.claims],
        "trend": [sums(m) for m in rec.trend],
        "lines": [{**ln, "description": mask_personal_numbers(ln["description"] or ""),
                   **{k: (None if ln[k] is None else f"{ln[k]:f}") for k in ("quantity", "price")},
                   "net": _money(ln["net"])} for ln in rec.lines],
        "weekly_hours": [{"client": mask_pnr(w["client"]), "decision": w["decision"], "week": w["week"].isoformat(),
                          "hours": _money(w["hours"]), "granted": _money(w["granted"])} for w in rec.weekly_hours],
    }


def _csv(rows: list[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow(csv_row(row))
    return buf.getvalue().encode("utf-8")


def _num(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _tables(data: dict) -> dict[str, list[list]]:
    """The CSV files' rows (header first); amounts as numbers."""
    inv = [list(INVOICE_COLUMNS)] + [
        [i["number"], i["seller"], i["seller_name"], "yes" if i["fk"] else "no",
         *[_num(i[k]) for k in ("invoiced", "credited", "net", "reimbursable", "disputed")], i["status"],
         *[_num(i[k]) for k in ("approved", "paid", "outstanding", "recoverable")], " ".join(i["credit_notes"])]
        for i in data["invoices"] + data["fk_invoices"]]
    lines = [["number", "seller", "line", "item", "item_id", "description", "quantity", "unit", "price", "net"]] + [
        [ln["number"], ln["seller"], ln["line"], ln["item"], ln["item_id"] or "", mask_personal_numbers(ln["description"] or ""),
         _num(ln["quantity"]), ln["unit"] or "", _num(ln["price"]), _num(ln["net"])] for ln in data["lines"]]
    findings = [["invoice", "code", "severity", "hours", "amount", "assistants", "clients", "basis", "message"]] + [
        [f["invoice"], f["code"], f["severity"], _num(f["hours"]), _num(f["amount"]), " ".join(f["assistants"]),
         " ".join(f["clients"]), f["basis"], f["message"]] for f in data["case_findings"]] + [
        [f["subject"], f["code"], "finance", None, _num(f["amount"]), "", "", "reconciliation", f["message"]]
        for f in data["findings"]]
    payments = [["source", "row", "invoice_number", "seller_org_nr", "amount", "paid_on", "matched"]] + [
        [p["source"], p["row"], p["invoice_number"], p["seller_org_nr"], _num(p["amount"]), p["paid_on"],
         "yes" if p["matched"] else "no"] for p in data["payments"]]
    claims = [["claim", "invoice", "seller", "amount", "state", "finding_codes", "opened_in", "offset_invoice"]] + [
        [c["claim"], c["invoice"], c["seller"], _num(c["amount"]), c["state"], " ".join(c["finding_codes"]),
         c["opened_in"], c["offset_invoice"] or ""] for c in data["claims"]]
    return {"invoices.csv": inv, "lines.csv": lines, "findings.csv": findings, "payments.csv": payments,
            "claims.csv": claims}


def _sheet(wb, title: str, rows: list[list], money_columns: set[int]) -> None:
    """A sheet of ``rows`` (header first) in a write-only workbook (openpyxl streams it: a
    month's 20,000 invoices in seconds, not minutes): bold header, frozen under it, a filter,
    widths from the first 200 rows, amounts in SEK format; every cell through
    :func:`invoices.spreadsheet.xlsx_cell` (text never a formula)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    if rows and rows[0]:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(rows[0]))}{max(1, len(rows))}"
        for i, header in enumerate(rows[0], start=1):
            width = max([len(str(header))] + [len(str(r[i - 1])) for r in rows[1:200] if i - 1 < len(r)])
            ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    for n, row in enumerate(rows):
        if n == 0:
            xlsx_streamed_row(ws, row, font=Font(bold=True))
        else:
            xlsx_streamed_row(ws, row, formats={i: SEK for i in money_columns})


def _workbook(rec: Reconciliation, data: dict, tables: dict[str, list[list]] | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    money = lambda *cols: set(cols)  # noqa: E731
    summary = [["provider", "name", "invoices", "invoiced", "credited", "net", "reimbursable", "disputed", "approved",
                "paid", "outstanding", "recoverable"]]
    for p in data["providers"]:
        summary.append([p["seller"], p["name"], p["invoices"], *[_num(p[k]) for k in (
            "invoiced", "credited", "net", "reimbursable", "disputed", "approved", "paid", "outstanding", "recoverable")]])
    for label, totals in (("all providers", data["totals"]), ("Försäkringskassan (20-hour invoices)", data["fk_totals"])):
        summary.append([label, "", totals["invoices"], *[_num(totals[k]) for k in (
            "invoiced", "credited", "net", "reimbursable", "disputed", "approved", "paid", "outstanding", "recoverable")]])
    _sheet(wb, "Summary", summary, money(*range(3, 12)))
    tables = tables if tables is not None else _tables(data)
    # A provider's sheet: its invoices, without the columns that name it (the sheet does).
    keep = [i for i, col in enumerate(tables["invoices.csv"][0]) if col not in ("seller", "seller_name", "fk")]
    header = [tables["invoices.csv"][0][i] for i in keep]
    by_seller: dict[str, list[list]] = {}
    names: dict[str, str] = {}
    for row in tables["invoices.csv"][1:]:
        by_seller.setdefault(row[1], []).append([row[i] for i in keep])
        names.setdefault(row[1], row[2])
    used: set[str] = set()
    for seller in sorted(by_seller):
        rows = by_seller[seller]
        name = f"{names[seller]}"[:24] or seller
        title = "".join(ch for ch in name if ch not in "[]:*?/\\").strip() or seller[-10:]
        while title in used or title in ("Summary", "Findings", "Payments", "Claims"):
            title = f"{title[:26]}~{len(used)}"
        used.add(title)
        _sheet(wb, title, [header] + rows, money(1, 2, 3, 4, 5, 7, 8, 9, 10))
    numbers = {i.invoice_id: i.number for i in rec.invoices}
    findings = [["invoice", "code", "severity", "hours", "amount", "assistants (personnummer)",
                 "clients (personnummer)", "basis", "message"]] + [
        [f["invoice"], f["code"], f["severity"], _num(f["hours"]), _num(f["amount"]), " ".join(f["assistants"]),
         " ".join(f["clients"]), f["basis"], f["message"]]
        for f in (_finding_dict(x, numbers, full=True) for x in rec.findings_detail)]
    _sheet(wb, "Findings", findings, money(4))
    _sheet(wb, "Payments", tables["payments.csv"], money(4))
    _sheet(wb, "Claims", tables["claims.csv"], money(3))
    wb.properties.created = wb.properties.modified = FIXED
    wb.properties.creator = "lssinvoice"
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_zip(data: bytes) -> bytes:
    """The zip with every entry dated 1980-01-01 and the document's "modified" date fixed
    (openpyxl sets both to the time of saving): same data, same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", content)
            dst.writestr(fixed, content)
    return out.getvalue()


def _json(data: dict) -> bytes:
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def renderers(rec: Reconciliation, data: dict) -> list[tuple[str, Callable[[], bytes]]]:
    """Each output's name and the function that makes its bytes (``data``: :func:`as_data`)."""
    from .report_html import render_html

    tables = _tables(data)  # the CSVs' rows, and the workbook's from them
    return [("reconciliation.json", partial(_json, data)),
            *[(name, partial(_csv, rows)) for name, rows in tables.items()],
            ("reconciliation.xlsx", partial(_workbook, rec, data, tables)),
            ("reconciliation.html", lambda: render_html(data).encode("utf-8"))]


PARALLEL_FROM = 5_000  # invoices: from this many on, the workbook is made in a second process


def _made_apart(make: Callable[[], bytes]) -> Callable[[], bytes]:
    """Start ``make`` in a forked process (the workbook: openpyxl writes about 10 µs a cell,
    half a million cells for a national month, while the other outputs take a second or two
    together); returns a function giving its bytes (an error in the child is raised here).
    The child inherits ``make`` and its data (fork: nothing is pickled on the way in). Where
    fork is not available, or on one core, it is made here."""
    import multiprocessing
    import os

    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        content = make()
        return lambda: content
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_send, args=(send, make), daemon=True)
    child.start()
    send.close()

    def result() -> bytes:
        try:
            ok, payload = receive.recv()
        except EOFError:
            ok, payload = False, f"the process making it ended ({child.exitcode})"
        finally:
            child.join()
            receive.close()
        if not ok:
            raise RuntimeError(f"the workbook could not be made: {payload}")
        return payload
    return result


def _send(send, make: Callable[[], bytes]) -> None:
    try:
        send.send((True, make()))
    except Exception as exc:  # reported to the parent, which raises it
        send.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        send.close()


def write_outputs(rec: Reconciliation, out: Path, *, metadata: dict) -> dict[str, int]:
    """Write every output into ``out`` (created owner-only); returns each file's size in bytes.
    A large month's workbook is made in a second process meanwhile (:func:`_made_apart`)."""
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    # The second process starts first and makes its own data (as_data is deterministic), so
    # the two processes share nothing and start at once.
    apart = {"reconciliation.xlsx": _made_apart(lambda: _workbook(rec, as_data(rec)))} \
        if len(rec.invoices) >= PARALLEL_FROM else {}
    makers = renderers(rec, as_data(rec))
    files = {name: make() for name, make in makers if name not in apart}
    files |= {name: get() for name, get in apart.items()}
    files["run.json"] = (json.dumps(metadata, indent=1, sort_keys=True) + "\n").encode("utf-8")
    for name, content in files.items():
        write_atomic(out / name, content)
    return {name: len(content) for name, content in sorted(files.items())}
