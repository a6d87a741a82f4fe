"""`lssinvoice demo`: the main job end to end on embedded defaults.

1. Validate the official example documents (Peppol BIS 3 invoices and credit notes, the
   national examples, the Invoice Response and MLR examples) with the official rules and
   print a readable summary.
2. The provider's month (:mod:`lssinvoice.demo_provider`): from the fictional provider in
   ``examples/`` make the invoices of March 2024 — Tjörn (base decision, temporary
   extension, extra cost of sick pay) and Borås (base decision, with a power of attorney
   attached) — check, number, validate and write them, the SBDH-wrapped copies into
   ``<out>/outbox/`` (for the municipal ingest to pick up); show each municipality's evidence
   checklist, a time report as the case officer reads it, the attachments and the PDF copy,
   a second billing of the month refused; show that Västerås takes no invoices, and write
   Västerås' monthly report for March 2021 instead. Every written file is validated once
   more from disk.
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
from lssinvoice.demo_provider import DEFAULT_OUT, EXAMPLES, DemoError, provider_demo
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, CommandError, finish


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
        municipal = municipal_demo(out, result.outbox, console, result.signing)
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


def _check_signed(db: str, result, console) -> None:
    """Tjörn's stored time reports: the signed ones, verified, with both roles."""
    import sqlalchemy as sa

    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT a.recognised_as, r.assistant_signed, r.supervisor_signed FROM timereports r "
                "JOIN attachments a ON a.id = r.attachment_id")).all()
    finally:
        engine.dispose()
    signed = [r for r in rows if r[0] == "timereport-signed"]
    console.print(f"Tjörns kommun verified {len(signed)} signed time reports against its pinned trust anchor: "
                  f"{sum(1 for r in rows if r[1] and r[2])} of {len(rows)} stored reports signed by assistant "
                  "and supervisor")
    if not signed or not all(r[1] and r[2] for r in rows):
        result.problems.append(f"tjorn: signed time reports not all verified ({[tuple(r) for r in rows]})")


def municipal_demo(out: Path, outbox: Path, console=None, signing=None) -> MunicipalDemoResult:
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
        verifying = signing is not None and slug == "tjorn"
        config = IngestConfig(source=str(home / "inbox"), db=f"sqlite:///{(home / 'ingest.db').resolve()}",
                              municipality=slug, archive=str(home / "archive"), outbox=str(home / "outbox"),
                              trust=(str(signing.trust),) if verifying else (),
                              signatories=str(signing.signatories) if verifying else None)
        summary = run_once(config)
        if verifying:
            _check_signed(config.db, result, console)
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
