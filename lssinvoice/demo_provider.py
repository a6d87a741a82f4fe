"""The demo's provider part: the fictional provider's month, made as an administrator makes it.

:func:`provider_demo` makes the invoices of March 2024 from ``examples/`` (Tjörn: base
decision, temporary extension, extra cost of sick pay; Borås: base decision, with a power of
attorney the provider attaches), checks, numbers, validates and writes them with their
SBDH-wrapped copies, and then shows what a provider's administrator looks at
(:func:`show_supporting_documents`): the municipality's evidence checklist of each invoice,
a time report as the case officer reads it (Swedish, hours per row in real elapsed time, a
DST night noted, totals per kind), the attachments an invoice carries with its readable PDF
copy written out, and a second billing of the same month refused naming the first invoice.
It also shows that Västerås takes no invoices and writes Västerås' monthly report for
March 2021 instead. Every written file is validated once more from disk.
"""
from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

DEFAULT_OUT = Path("demo-out")
MARKER = ".lssinvoice-demo"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class DemoError(Exception):
    """The demo cannot run (output folder not the demo's, examples missing)."""


@dataclass
class ProviderDemoResult:
    """What :func:`provider_demo` produced. ``invoices``: one dict per written invoice
    (file, sbdh_file, number, buyer, period, kind, lines, total, ...); ``outbox``: the
    SBDH-wrapped invoices; ``redovisning``: the monthly report files; ``problems``: what
    went wrong (empty when all went as expected)."""

    out: Path
    outbox: Path
    invoices: list[dict] = field(default_factory=list)
    redovisning: list[dict] = field(default_factory=list)
    refusals: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # source-check warnings of invoices written
    signing: object = None  # lssinvoice.demo_signing.DemoSigning: Tjörn's signed time reports

    @property
    def ok(self) -> bool:
        return not self.problems


def _prepare(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise DemoError(f"{out} exists and is not a folder")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise DemoError(f"{out} is not empty and is not a demo output folder; choose another with --out")
        for child in out.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("lssinvoice demo output; emptied by every `lssinvoice demo` run\n", encoding="utf-8")


def provider_demo(out: Path = DEFAULT_OUT, console=None, *, examples: Path = EXAMPLES,
                  issue_date: date | None = None) -> ProviderDemoResult:
    """The provider's month on the examples (module notes). Writes ``out/invoices/*.xml``,
    ``out/outbox/*.xml`` (SBDH), ``out/redovisning/*``, the number series and claims ledger
    in ``out``; returns what it produced. Raises :class:`DemoError` when it cannot start."""
    from rich.console import Console
    from rich.table import Table

    from invoices.billed import HoursLedger
    from invoices.build import BuildOptions, BuildRefused, plan_invoices, plan_sickpay
    from invoices.claims import SickPayLedger
    from invoices.inputs import read_decisions, read_provider, read_timereports
    from invoices.occasion import read_occasion
    from invoices.redovisning import plan_redovisning
    from invoices.registry import load_registry
    from lssinvoice.invoice_report import Reporter, issue_and_write
    from lssinvoice.cmd_redovisning import write_redovisning
    from validate.engine import Validator

    console = console or Console(highlight=False)
    if not (examples / "provider.toml").is_file():
        raise DemoError(f"no examples in {examples} (provider.toml missing)")
    _prepare(out)
    invoices_dir, outbox = out / "invoices", out / "outbox"
    result = ProviderDemoResult(out=out, outbox=outbox)
    registry = load_registry()
    provider = read_provider(examples / "provider.toml")
    decisions = read_decisions(examples / "decisions.csv", registry=registry)
    options = BuildOptions(issue_date=issue_date or date.today())
    series_path = out / "series.json"
    ledger = SickPayLedger(out / "series.sickpay-claims.json")
    hours_ledger = HoursLedger(out / "series.billed.json")
    reporter = Reporter("demo", "json")  # collects; the demo prints its own table
    # The provider adds its power of attorney to Borås's invoice (`invoice create --attach`).
    fullmakt = power_of_attorney(out / "bilagor" / "fullmakt-exempel.pdf")
    shown: list[tuple] = []  # (municipality, kind, plan): what show_supporting_documents looks at

    def reports(folder: str):
        return read_timereports(examples / "timereports" / folder)

    # Tjörn's time reports signed by each assistant and a supervisor (issue 14): they give the
    # reports' signatures and are attached in place of the CSVs; Tjörn's ingest verifies them.
    from invoices.signed_attach import apply_signatures
    from lssinvoice.demo_signing import sign_demo_reports

    result.signing = sign_demo_reports(reports("tjorn-2024-03"), provider, out)
    signed_tjorn, unsigned_notes = apply_signatures(reports("tjorn-2024-03"), result.signing.signed)
    result.problems += [f"signing: {n}" for n in unsigned_notes]
    result.problems += [f"signing: {c}: {m}" for s in result.signing.signed for c, m in s.checked.findings]

    jobs = [
        ("tjorn", "tjorn-2024-03", "2024-03", "base"),
        ("tjorn", "tjorn-2024-03", "2024-03", "extension"),
        ("tjorn", "tjorn-2024-03", "2024-03", "sickpay"),
        ("boras", "boras-2024-03", "2024-03", "base"),
    ]
    for slug, folder, period, kind in jobs:
        m = registry.get(slug)
        given = signed_tjorn if slug == "tjorn" else reports(folder)
        signed = result.signing.signed if slug == "tjorn" else ()
        try:
            if kind == "sickpay":
                plan = plan_sickpay(provider, given, decisions, m, period,
                                    read_occasion(examples / "sickpay-tjorn-2024-03.toml"),
                                    replace(options, signed_reports=signed), claimed=ledger.records())
            else:
                extra = (fullmakt,) if slug == "boras" else ()
                plan = plan_invoices(provider, given, decisions, m, period, kind,
                                     replace(options, extra_attachments=extra, billed=tuple(hours_ledger.records()),
                                             signed_reports=signed))
        except BuildRefused as exc:
            result.problems.append(f"{m.display_name} {kind}: refused ({exc.code}): {exc.message}")
            continue
        if plan.errors:
            result.problems += [f"{m.display_name} {kind}: {f}" for f in plan.errors]
            continue
        result.warnings += [f"{m.display_name} {kind}: {f}" for f in plan.warnings]
        before = len(reporter.data["produced"])
        code = issue_and_write(plan.drafts, series_path=series_path, prefix=provider.invoice_prefix,
                               out=invoices_dir, outbox=outbox, ledger=ledger, reporter=reporter,
                               hours_ledger=hours_ledger)
        if code != 0:
            result.problems.append(f"{m.display_name} {kind}: not written ({reporter.data['status']})")
        result.invoices += reporter.data["produced"][before:]
        shown.append((m, kind, plan, reporter.data["produced"][before:]))

    # The same month billed again: refused, naming the invoice that billed it.
    tjorn = registry.get("tjorn")
    try:
        plan_invoices(provider, reports("tjorn-2024-03"), decisions, tjorn, "2024-03", "base",
                      replace(options, billed=tuple(hours_ledger.records())))
        result.problems.append("Tjörn: the month's base decision was billed a second time")
    except BuildRefused as exc:
        result.refusals.append({"municipality": tjorn.display_name, "code": exc.code, "message": exc.message})

    # Västerås takes no invoices: the refusal, then the monthly report instead.
    vasteras = registry.get("vasteras")
    try:
        plan_invoices(provider, reports("vasteras-2021-03"), decisions, vasteras, "2021-03", "base", options)
        result.problems.append("Västerås: an invoice was planned, but Västerås takes no invoices")
    except BuildRefused as exc:
        result.refusals.append({"municipality": vasteras.display_name, "code": exc.code, "message": exc.message})
    try:
        red = plan_redovisning(provider, reports("vasteras-2021-03"), decisions, vasteras, "2021-03", options)
        if red.errors:
            result.problems += [f"Västerås redovisning: {f}" for f in red.errors]
        else:
            result.redovisning = write_redovisning(red, out / "redovisning")
    except BuildRefused as exc:
        result.problems.append(f"Västerås redovisning: refused ({exc.code}): {exc.message}")

    # Validate what was written, from disk, once more.
    validator = Validator()
    table = Table(title=f"Provider demo: {provider.name} (fictional) → {invoices_dir}/ (UBL) and {outbox}/ (SBDH)",
                  title_justify="left")
    for col in ("file", "invoice number", "kind", "buyer", "period", "lines", "total", "UBL / SBDH"):
        table.add_column(col, justify="right" if col in ("lines", "total") else "left",
                         no_wrap=col in ("file", "invoice number", "total"))
    for p in result.invoices:
        verdicts = []
        for path in (p["file"], p["sbdh_file"]):
            res = validator.validate_path(path)
            counts = res.counts()
            verdicts.append("valid" if res.valid else f"INVALID ({counts['fatal']} fatal)")
            if not res.valid:
                result.problems.append(f"{path}: invalid on disk")
        table.add_row(Path(p["file"]).name, p["number"], p["kind"], p["buyer"], p["period"],
                      str(p["lines"]), f"{p['total']} {p['currency']}", " / ".join(verdicts))
    console.print(table)
    if result.signing is not None:
        console.print(f"{len(result.signing.signed)} time reports of Tjörn signed by their assistant and a supervisor "
                      f"(XML-DSig with XAdES-BES; example e-ID certificates) in {result.signing.folder}; attached to "
                      "Tjörn's invoices as PDF carrying the signed XML")
    show_supporting_documents(console, out, shown, result)
    for r in result.refusals:
        console.print(f"[yellow]refused as it should be[/] {r['municipality']} ({r['code']}): {r['message']}")
    for p in result.redovisning:
        console.print(f"monthly report {p['buyer']} {p['period']}: {p['file']}, {Path(p['xlsx_file']).name}, "
                      f"{len(p['timereports'])} time reports; {p['hours']} h, {p['total']} {p['currency']}")
    for warning in result.warnings:
        console.print(warning, style="yellow", markup=False)
    for problem in result.problems:
        console.print(f"[red]problem[/] {problem}")
    console.print(f"{len(result.invoices)} invoices written and validated; SBDH copies in {outbox}")
    return result


# ------------------------------------------------------------ what an administrator looks at

def power_of_attorney(path: Path):
    """A one-page example power of attorney (fictional, no personal data), written to ``path``
    and read back as ``--attach`` reads a file (:mod:`invoices.attachment_files`)."""
    from fpdf import FPDF

    from invoices.attachment_files import parse_attach_option

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Fullmakt (exempel)\n\nDen assistansberättigade ger Påhittad Assistans AB fullmakt att "
                         "företräda hen gentemot kommunen i ärenden om personlig assistans.\n\n"
                         "Detta är ett fiktivt exempel från lssinvoice demo.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(pdf.output()))
    return parse_attach_option(f"{path}:Fullmakt att företräda brukaren (exempel)")


def show_supporting_documents(console, out: Path, shown: list[tuple], result) -> None:
    """Each invoice's evidence checklist; one time report as the case officer reads it; the
    attachments of the Borås invoice, its PDF copy written out to ``out/invoices/``."""
    from rich.table import Table

    marks = {"present": "present", "missing": "MISSING", "not checked": "not checked: send it yourself"}
    for m, kind, plan, produced in shown:
        for draft, p in zip(plan.drafts, produced):
            for item in draft.checklist:
                if item.status == "missing":
                    result.problems.append(f"{p['number']}: {m.display_name} asks for {item.value!r}: missing")
            counts = {status: sum(i.status == status for i in draft.checklist) for status in marks}
            if kind in ("base", "extension") and m.slug == "tjorn":  # the sick-pay one is shown in full
                console.print(f"{m.display_name} asks for {len(draft.checklist)} things with invoice {p['number']} "
                              f"({kind}): {counts['present']} present, {counts['missing']} missing, "
                              f"{counts['not checked']} not checked")
                continue
            table = Table(title=f"What {m.display_name} asks for with invoice {p['number']} ({kind})",
                          title_justify="left")
            table.add_column("status", no_wrap=True)
            table.add_column("item")
            for item in draft.checklist:
                table.add_row(marks[item.status], item.value, style="red" if item.status == "missing" else None)
            console.print(table)
    base = next(((m, plan, produced) for m, kind, plan, produced in shown if kind == "base"), None)
    if base is not None:
        _show_timereport(console, base[1].drafts[0], result)
    boras = next(((plan, produced) for m, kind, plan, produced in shown if m.slug == "boras"), None)
    if boras is not None:
        _show_attachments(console, out, *boras, result)


def _show_timereport(console, draft, result) -> None:
    """The attached time report with a DST night (its real hours and the note), as the case
    officer reads it: the rows of waiting time and the totals per kind (no personnummer shown)."""
    from rich.table import Table

    from invoices.underlag import timereport_csv

    # The reports as their CSV (and the signed report's PDF rendering) show them.
    for i, (_, report) in enumerate(draft.reports, start=1):
        rows = list(csv.reader(io.StringIO(timereport_csv(report).decode("utf-8"))))
        header, body = rows[0], [r for r in rows[1:] if r and not r[0].startswith("#")]
        noted = [r for r in body if r[header.index("Kommentar")]]
        if not noted:
            continue
        cols = ["Datum", "Starttid", "Sluttid", "Tidstyp", "Timmar", "Kommentar"]
        table = Table(title=f"Time report {report.month}, assistant {i} (attached, signed): its rows of "
                            f"{noted[0][header.index('Tidstyp')]}", title_justify="left")
        for col in cols:
            table.add_column(col, justify="right" if col == "Timmar" else "left")
        kind = noted[0][header.index("Tidstyp")]
        for r in body:
            if r[header.index("Tidstyp")] == kind:
                table.add_row(*(r[header.index(c)] for c in cols))
        console.print(table)
        for r in rows:
            if r and r[0].startswith("# Summa"):
                console.print(r[0].lstrip("# "), markup=False)
        return
    result.problems.append("no attached time report of the base invoice has a noted row (the DST night)")


def _show_attachments(console, out: Path, plan, produced, result) -> None:
    """The Borås invoice's attachments (BG-24), and its readable PDF copy written out."""
    from rich.table import Table

    from invoices.pdf_copies import PDF_MIME
    from peppol.reader import from_ubl

    p = produced[0]
    doc = from_ubl(Path(p["file"]).read_bytes())
    table = Table(title=f"Attachments of invoice {p['number']} (Borås)", title_justify="left")
    for col in ("id", "file", "type", "description"):
        table.add_column(col)
    for att in doc.attachments:
        table.add_row(att.id, att.filename or "", att.mime_code or "", att.description or "")
    console.print(table)
    copy = next((a for a in doc.attachments if a.id == "FAKTURA-PDF" and a.mime_code == PDF_MIME), None)
    added = next((a for a in doc.attachments if a.id == "BILAGA-1"), None)
    if copy is None or added is None:
        result.problems.append(f"{p['number']}: the PDF copy or the attached power of attorney is missing")
        return
    target = out / "invoices" / (copy.filename or f"faktura-{p['number']}.pdf")
    target.write_bytes(copy.content)
    console.print(f"readable copy of {p['number']}: {target} ({len(copy.content)} bytes, PDF)")
