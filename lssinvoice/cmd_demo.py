"""`lssinvoice demo`: the main job end to end on embedded defaults.

1. Validate the official example documents (Peppol BIS 3 invoices and credit notes, the
   national examples, the Invoice Response and MLR examples) with the official rules and
   print a readable summary.
2. The provider's month (:func:`provider_demo`): from the fictional provider in
   ``examples/`` make the invoices of March 2024 — Tjörn (base decision, temporary
   extension, extra cost of sick pay) and Borås (base decision) — check, number, validate
   and write them, the SBDH-wrapped copies into ``<out>/outbox/`` (for the municipal ingest
   to pick up), show that Västerås takes no invoices, and write Västerås' monthly report
   for March 2021 instead. Every written file is validated once more from disk.
3. The municipalities' side (:func:`municipal_demo`): each SBDH-wrapped invoice is delivered
   into the inbox of the municipality its envelope names (``<out>/municipalities/<slug>/``),
   together with one resubmission and one broken file, and ``ingest run`` takes them in:
   stored and answered (AB), or quarantined and answered (RE) or not, with the reason.
4. The case work (:mod:`lssinvoice.demo_casework`): a second, careless provider's invoice
   for the same Borås client, the registers imported, ``check`` for March 2024 in Borås and
   Tjörn, the automatic answers (AP / UQ) and a case officer's partial approval (CA); the
   demo checks that every problem of ``examples/casework`` is found where it belongs.
5. Finance (:mod:`lssinvoice.demo_finance`): each municipality's payments imported (PD for
   what is paid in full), one overpaid and one matching nothing, and the month reconciled
   into ``<out>/municipalities/<slug>/reconciliation-2024-03`` (JSON, CSV, XLSX, HTML).

The output folder (default ``./demo-out``) is the demo's own: it is emptied at the start of
each run when it carries the demo's marker file, and refused when it exists without it.
"""
from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, CommandError, finish

DEFAULT_OUT = Path("demo-out")
MARKER = ".lssinvoice-demo"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@click.command(epilog=settings.epilog("demo"))
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="The demo's output folder (emptied at the start of each run).")
@click.option("--examples", "examples", type=click.Path(path_type=Path), default=EXAMPLES,
              help="The examples folder (provider, decisions, time reports).")
@click.option("--skip-official", is_flag=True, help="Leave out the validation of the official examples.")
def demo(out, examples, skip_official):
    """Run the demo: validate the official examples, make a provider's invoices, ingest them.

    Exit status: 0 all as expected, 1 something came out otherwise (listed as a problem),
    2 the demo cannot run (output folder not the demo's, examples missing).
    """
    from rich.console import Console

    from lssinvoice.demo_casework import casework_demo
    from lssinvoice.demo_finance import finance_demo
    from validate.releases import select

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    today = select(date.today())
    console.print(f"Rules in force today ({today.at}): {today.primary.label()}"
                  + (f"; also accepted: {', '.join(r.label() for r in today.accepted[:-1])}"
                     if today.in_transition else "")
                  + ". Invoices are written and checked, and received invoices judged, by them.")
    unexpected = 0 if skip_official else official_examples(console)
    try:
        result = provider_demo(out, console, examples=examples)
        municipal = municipal_demo(out, result.outbox, console)
        casework = casework_demo(out, console, examples=examples, pahittad=result.invoices)
        finance = finance_demo(out, console)
    except DemoError as exc:
        raise CommandError(str(exc)) from None
    finish(EXIT_OK if unexpected == 0 and result.ok and municipal.ok and casework.ok and finance.ok
           else EXIT_FINDINGS)


def official_examples(console) -> int:
    """Validate the official examples; the number of unexpected failures."""
    from rich.table import Table

    from schemas.artefacts import artefacts_dir
    from validate.conformance import EXAMPLE_SETS, KNOWN_INVALID_EXAMPLES
    from validate.engine import collect_paths

    base = artefacts_dir()
    total = unexpected = 0
    for example_set in EXAMPLE_SETS:
        table = Table(title=example_set.label, title_justify="left")
        for col in ("document", "type", "rule set", "fatal", "warn", "verdict"):
            table.add_column(col, justify="right" if col in ("fatal", "warn") else "left")
        files, _ = collect_paths([base / example_set.folder])
        validator = example_set.validator()
        for path in files:
            result = validator.validate_path(path)
            rel = path.relative_to(base).as_posix()
            counts = result.counts()
            total += 1
            if result.valid:
                verdict, style = "valid", None
            elif rel in KNOWN_INVALID_EXAMPLES and KNOWN_INVALID_EXAMPLES[rel][0] == {
                    f.rule_id for f in result.findings if f.is_fatal}:
                fatal_ids = sorted(KNOWN_INVALID_EXAMPLES[rel][0])
                verdict, style = f"invalid upstream ({', '.join(fatal_ids)})", "yellow"
            else:
                verdict, style = "INVALID", "red"
                unexpected += 1
            table.add_row(path.name, result.document_type or "?", result.ruleset or "-",
                          str(counts["fatal"]), str(counts["warning"]), verdict, style=style)
        console.print(table)
    for rel, (_, why) in KNOWN_INVALID_EXAMPLES.items():
        console.print(f"[yellow]known upstream defect[/] {rel.rsplit('/', 1)[-1]}: {why}")
    console.print(f"{total} official documents validated; {unexpected} unexpected failures")
    return unexpected


# ------------------------------------------------------------------------- provider part

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
    reporter = Reporter("demo", "json")  # collects; the demo prints its own table

    def reports(folder: str):
        return read_timereports(examples / "timereports" / folder)

    jobs = [
        ("tjorn", "tjorn-2024-03", "2024-03", "base"),
        ("tjorn", "tjorn-2024-03", "2024-03", "extension"),
        ("tjorn", "tjorn-2024-03", "2024-03", "sickpay"),
        ("boras", "boras-2024-03", "2024-03", "base"),
    ]
    for slug, folder, period, kind in jobs:
        m = registry.get(slug)
        try:
            if kind == "sickpay":
                plan = plan_sickpay(provider, reports(folder), decisions, m, period,
                                    read_occasion(examples / "sickpay-tjorn-2024-03.toml"), options,
                                    claimed=ledger.records())
            else:
                plan = plan_invoices(provider, reports(folder), decisions, m, period, kind, options)
        except BuildRefused as exc:
            result.problems.append(f"{m.display_name} {kind}: refused ({exc.code}): {exc.message}")
            continue
        if plan.errors:
            result.problems += [f"{m.display_name} {kind}: {f}" for f in plan.errors]
            continue
        result.warnings += [f"{m.display_name} {kind}: {f}" for f in plan.warnings]
        before = len(reporter.data["produced"])
        code = issue_and_write(plan.drafts, series_path=series_path, prefix=provider.invoice_prefix,
                               out=invoices_dir, outbox=outbox, ledger=ledger, reporter=reporter)
        if code != 0:
            result.problems.append(f"{m.display_name} {kind}: not written ({reporter.data['status']})")
        result.invoices += reporter.data["produced"][before:]

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


# ------------------------------------------------------------------------- municipal part

@dataclass
class MunicipalDemoResult:
    rows: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# What each extra delivery must come to: the demo checks it, it does not just print it.
_EXPECTED_EXTRA = {"resubmitted-copy.xml": ("quarantined", "duplicate"), "scanner-error.xml": ("quarantined", "not-xml")}


def municipal_demo(out: Path, outbox: Path, console=None) -> MunicipalDemoResult:
    """Deliver the provider's SBDH invoices to each addressed municipality's inbox and ingest
    them there (folder inbox, SQLite store, folder archive and outbox)."""
    from rich.console import Console
    from rich.table import Table

    from ingest.reading import status
    from ingest.service import IngestConfig, run_once
    from invoices.registry import load_registry
    from peppol import sbdh

    console = console or Console(highlight=False)
    result = MunicipalDemoResult()
    registry = load_registry()
    delivered: dict[str, list[Path]] = {}
    for path in sorted(outbox.glob("*.xml")):
        receiver = sbdh.unwrap(path.read_bytes()).receiver
        slug = registry.get(receiver).slug
        inbox = out / "municipalities" / slug / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, inbox / path.name)
        delivered.setdefault(slug, []).append(inbox / path.name)
    if not delivered:
        result.problems.append(f"no SBDH invoices in {outbox} to deliver")
        return result
    # Show the inbox's guards on the first municipality: a resubmission and a broken file.
    first = sorted(delivered)[0]
    inbox = out / "municipalities" / first / "inbox"
    shutil.copyfile(delivered[first][0], inbox / "resubmitted-copy.xml")
    (inbox / "scanner-error.xml").write_bytes(b"%PDF-1.7 not an e-invoice")

    table = Table(title="Municipal demo: ingest of the delivered invoices", title_justify="left")
    for col in ("municipality", "document", "state", "reason", "responses"):
        table.add_column(col)
    for slug in sorted(delivered):
        home = out / "municipalities" / slug
        config = IngestConfig(source=str(home / "inbox"), db=f"sqlite:///{(home / 'ingest.db').resolve()}",
                              municipality=slug, archive=str(home / "archive"), outbox=str(home / "outbox"))
        summary = run_once(config)
        responses = sorted(p.name for p in (home / "outbox").glob("*.xml"))
        for o in summary.outcomes:
            mine = [r for r in responses if o.document_id is not None and f"-{o.document_id:08d}-" in r]
            table.add_row(registry.get(slug).display_name, o.name, o.state, o.reason_code or "",
                          ", ".join(r.split("-", 2)[-1].removesuffix(".xml") for r in mine) or "-")
            expected = _EXPECTED_EXTRA.get(o.name, ("stored", None))
            if (o.state, o.reason_code) != expected:
                result.problems.append(f"{slug}: {o.name} ended {o.state} ({o.reason_code}), expected {expected}")
            result.rows.append({"municipality": slug, "document": o.name, "state": o.state,
                                "reason": o.reason_code, "responses": mine})
        counts = status(config.db)
        console.print(f"{registry.get(slug).display_name}: store {counts['documents']}, "
                      f"responses {counts['responses']}, invoices {counts['invoices']} ({home})")
    console.print(table)
    for problem in result.problems:
        console.print(f"[red]problem[/] {problem}")
    return result
