"""`lssinvoice ingest`: the municipal inbox (run, retry, status, list, show, attachment).

``run`` and ``retry`` act for one municipality, named with ``--municipality`` or
``LSSINVOICE_MUNICIPALITY`` (never assumed). ``status``, ``list``, ``show`` and ``attachment``
only read: a store that does not exist is an error naming it, never created.
"""
from __future__ import annotations

from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.cli import option_group
from lssinvoice.engine_choice import engine_option, use_engine
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, CommandError, emit, finish, format_option
from lssinvoice.progress import progress_counter
from validate.xmlsafe import DEFAULT_MAX_BYTES

FORMAT = format_option()
DB = click.option("--db", default=settings.default_db, show_default="$LSSINVOICE_DB, else sqlite under $LSSINVOICE_DATA",
                  help="Database URL: sqlite:///path or postgresql://user@host/db.")
S3_ENDPOINT = click.option("--s3-endpoint", default=None,
                           help="S3-compatible endpoint URL (default: AWS configuration).")
REGION = click.option("--region", default=None, help="S3 region (default: AWS configuration).")
STATES = ("claimed", "archived", "stored", "quarantined")

_location_options = option_group([
    click.option("--source", default=settings.default_inbox, show_default="$LSSINVOICE_DATA/inbox",
                 help="The access point's drop: a folder (it must exist) or s3://bucket/prefix."),
    DB,
    click.option("--municipality", envvar=settings.MUNICIPALITY_VAR, show_envvar=True, default=None,
                 help="Who we are (required): a registry slug, name or org nr (buyer checks, responses)."),
    click.option("--registry", "registry_dirs", multiple=True, type=click.Path(path_type=Path),
                 help="A folder of municipality files adding to or overriding the registry (repeatable; "
                      "after $LSSINVOICE_MUNICIPALITIES)."),
    click.option("--archive", default=settings.default_archive, show_default="$LSSINVOICE_DATA/archive",
                 help="Where original bytes are kept (folder or s3://)."),
    click.option("--outbox", default=settings.default_outbox, show_default="$LSSINVOICE_DATA/outbox",
                 help="Where responses are written for the access point (folder or s3://)."),
    click.option("--reference-code", multiple=True,
                 help="A further buyer reference (BT-10) this municipality issued (repeatable)."),
    S3_ENDPOINT,
    REGION,
    click.option("--max-bytes", type=click.IntRange(1), default=DEFAULT_MAX_BYTES, show_default=True,
                 help="Documents larger than this are quarantined unread."),
    click.option("--max-lines", type=click.IntRange(1), default=10_000, show_default=True,
                 help="Invoices with more lines are quarantined before validation (bounds the work "
                      "per document)."),
    click.option("--keep-inbox", is_flag=True, help="Leave processed files in the inbox (default: remove "
                 "them once stored or quarantined; the archive keeps the bytes)."),
    click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
                 help="A PEM file of trust anchors signed time reports are verified against (repeatable; "
                      "pinned: never the system store). Without it a signed report counts as unsigned."),
    click.option("--signatories", type=click.Path(path_type=Path, exists=True), default=None,
                 help="The providers' signatories (CSV/XLSX: pnr, name, role supervisor/ombud, "
                      "power_of_attorney): who may sign besides the assistant."),
])


def _config(source, db, municipality, registry_dirs, archive, outbox, reference_code, s3_endpoint, region,
            max_bytes, max_lines, keep_inbox, trust=(), signatories=None):
    """The run's configuration; no municipality is a usage error naming the option and the variable."""
    from ingest.service import IngestConfig

    if not municipality:
        raise click.UsageError(f"no municipality: pass --municipality (a registry slug, name or org nr) "
                               f"or set {settings.MUNICIPALITY_VAR}")
    return IngestConfig(source=source, db=db, municipality=municipality, archive=archive, outbox=outbox,
                        reference_codes=tuple(reference_code), s3_endpoint=s3_endpoint, region=region,
                        max_bytes=max_bytes, max_lines=max_lines, remove_from_inbox=not keep_inbox,
                        registry_dirs=tuple(str(d) for d in registry_dirs), trust=tuple(str(t) for t in trust),
                        signatories=str(signatories) if signatories else None)


def _run_errors() -> tuple[type[Exception], ...]:
    """What stops a run or a retry before it starts: exit 2, the message names it."""
    from ingest.blobs import BlobError
    from ingest.pipeline import Unavailable
    from ingest.store import StoreError
    from invoices.input_errors import InputErrors
    from invoices.registry import RegistryError, UnknownMunicipality

    # InputErrors: the signatories file; ValueError: a trust file that holds no certificate.
    return UnknownMunicipality, RegistryError, BlobError, StoreError, Unavailable, InputErrors, ValueError


def _read_errors() -> tuple[type[Exception], ...]:
    from ingest.reading import AmbiguousReference, DocumentNotFound
    from ingest.store import StoreError

    return StoreError, DocumentNotFound, AmbiguousReference


@click.group()
def ingest():
    """The municipal side: receive, validate, store and answer invoices."""


def _summary_code(data: dict) -> int:
    """2 when the run stopped, or documents could not be validated because the engine failed
    (an operational fault, not the senders'); 1 when some were quarantined; else 0."""
    if data["error"] or data.get("pending"):
        return EXIT_USAGE
    return EXIT_FINDINGS if data["quarantined"] else EXIT_OK


def _run_error(data: dict) -> str | None:
    """The error of a run's envelope: what stopped it, and documents left pending."""
    errors = []
    if data["error"]:
        errors.append(f"the run stopped: {data['error']}")
    if data.get("pending"):
        errors.append(f"{data['pending']} document(s) could not be validated because of an engine error "
                      "(not the senders' fault): kept pending, not answered, tried again by the next run")
    return "; ".join(errors) or None


def _report_run(data: dict, fmt: str) -> int:
    code = _summary_code(data)
    emit(data, fmt=fmt, code=code, error=_run_error(data))
    if fmt == "text":
        _print_summary(data)
    return code


@ingest.command("run", epilog=settings.epilog("ingest run"))
@_location_options
@click.option("-w", "--workers", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Worker processes (use PostgreSQL for more than one process writing).")
@click.option("--watch", is_flag=True, help="Keep running, polling the source (one JSON envelope per run).")
@click.option("--interval", type=click.FloatRange(0.1), default=5.0, show_default=True,
              help="Seconds between polls with --watch.")
@engine_option()
@FORMAT
def run(source, db, municipality, registry_dirs, archive, outbox, reference_code, s3_endpoint, region, max_bytes,
        max_lines, keep_inbox, trust, signatories, workers, watch, interval, engine, fmt):
    """Ingest every document in the source: stored and answered, or quarantined with a reason.

    Exit status: 0 all stored, 1 some quarantined, 2 usage or I/O error (no such source folder;
    the store, archive or outbox unavailable: the run stops, nothing is lost, the next run
    finishes the rest), or documents that could not be validated because the validation engine
    failed (kept pending, not answered; the next run tries them again).
    """
    from ingest.service import run_once
    from ingest.service import watch as watch_runs

    use_engine(engine)
    config = _config(source, db, municipality, registry_dirs, archive, outbox, reference_code, s3_endpoint,
                     region, max_bytes, max_lines, keep_inbox, trust, signatories)
    codes = [EXIT_OK]
    try:
        with progress_counter("ingesting") as bar:
            hooks = dict(workers=workers, progress=lambda o: bar.advance(), on_listing=bar.total)
            runs = watch_runs(config, interval=interval, **hooks) if watch else [run_once(config, **hooks)]
            for summary in runs:
                codes.append(_report_run(summary.to_dict(), fmt))
    except _run_errors() as exc:
        raise CommandError(str(exc)) from None
    except KeyboardInterrupt:
        pass
    finish(max(codes))


def _print_summary(data: dict) -> None:
    pending = f", {data['pending']} pending after an engine error" if data.get("pending") else ""
    click.echo(f"{data['processed']} documents in {data['seconds']} s: {data['stored']} stored, "
               f"{data['quarantined']} quarantined{pending}, {data['skipped']} taken by another worker, "
               f"{data['done_before']} finished earlier")
    for reason, n in sorted(data["quarantine_reasons"].items()):
        click.echo(f"  quarantined {reason}: {n}")
    for item in data.get("engine_errors", []):
        click.echo(f"  pending {item['name']} (document #{item['document_id']}): {item['error']}")
    if data["retried"] or data["responses_resent"]:
        click.echo(f"  retried from an earlier run: {len(data['retried'])} document(s), "
                   f"{data['responses_resent']} response(s) written to the outbox")
    for item in data["not_read"]:
        click.echo(f"  not read: {item['name']}: {item['reason']}")
    click.echo("store: " + ", ".join(f"{k} {v}" for k, v in sorted(data["store_states"].items())))
    if data["error"]:
        click.echo(f"error: the run stopped: {data['error']}; nothing is lost, the next run finishes the rest",
                   err=True)
    if data.get("pending"):
        click.echo(f"error: {data['pending']} document(s) could not be validated because of an engine error "
                   "(not the senders' fault): kept pending, not answered; the next run tries them again", err=True)


@ingest.command("retry", epilog=settings.epilog("ingest retry"))
@_location_options
@click.option("--quarantined", is_flag=True, required=True, help="Retry quarantined documents.")
@click.option("--reason", default=None, help="Only those quarantined for this reason code.")
@engine_option()
@FORMAT
def retry_cmd(source, db, municipality, registry_dirs, archive, outbox, reference_code, s3_endpoint, region,
              max_bytes, max_lines, keep_inbox, trust, signatories, quarantined, reason, engine, fmt):
    """Analyse quarantined documents again (after the cause was fixed).

    Each original is read from where the store recorded it (an absolute path or URI), so a
    retry works from any folder. Exit status: 0 none quarantined again, 1 some, 2 usage or
    I/O error, or documents that could not be validated because the validation engine failed
    (kept pending, tried again by the next run).
    """
    from ingest.service import retry_quarantined

    use_engine(engine)
    config = _config(source, db, municipality, registry_dirs, archive, outbox, reference_code, s3_endpoint,
                     region, max_bytes, max_lines, keep_inbox, trust, signatories)
    try:
        summary = retry_quarantined(config, reason)
    except _run_errors() as exc:
        raise CommandError(str(exc)) from None
    finish(_report_run(summary.to_dict(), fmt))


@ingest.command("status", epilog=settings.epilog("ingest status"))
@DB
@FORMAT
def status_cmd(db, fmt):
    """Counts of documents by state, quarantine reasons, responses and invoices, and of those
    pending after an engine error (reads only)."""
    from ingest.reading import status

    try:
        data = status(db)
    except _read_errors() as exc:
        raise CommandError(str(exc)) from None
    emit(data, fmt=fmt)
    if fmt == "json":
        return
    click.echo("documents: " + (", ".join(f"{k} {v}" for k, v in sorted(data["documents"].items())) or "none"))
    for reason, n in sorted(data["quarantine_reasons"].items(), key=lambda x: str(x[0])):
        click.echo(f"  quarantined {reason}: {n}")
    click.echo("responses: " + (", ".join(f"{k} {v}" for k, v in sorted(data["responses"].items())) or "none"))
    click.echo(f"invoices: {data['invoices']}")
    if data.get("pending_engine_error"):
        click.echo(f"pending after an engine error: {data['pending_engine_error']} (not validated; the next "
                   "run tries them again; `ingest list --reason engine-error`, `ingest show ID` say why)")


_LIST_COLUMNS = (("id", "id"), ("received", "received"), ("state", "state"), ("reason", "reason"),
                 ("seller", "seller org nr"), ("invoice_number", "invoice number"))


def list_lines(rows: list[dict]) -> list[str]:
    """``ingest list`` as text: a header, then one line per document in aligned columns
    (``-`` where a value is missing)."""
    cells = [[title for _, title in _LIST_COLUMNS]]
    cells += [["-" if row[key] is None else str(row[key]) for key, _ in _LIST_COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_LIST_COLUMNS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells]


@ingest.command("list", epilog=settings.epilog("ingest list"))
@click.option("--state", type=click.Choice(STATES), default=None, help="Only documents in this state.")
@click.option("--reason", default=None, help="Only documents quarantined for this reason code, e.g. failed-rules "
              "(engine-error: those pending after an engine error).")
@click.option("--seller", default=None, metavar="ORGNR",
              help="Only invoices of this seller, by org nr (BT-30; hyphen optional).")
@click.option("--number", default=None, metavar="N", help="Only invoices with this invoice number (BT-1).")
@DB
@FORMAT
def list_cmd(state, reason, seller, number, db, fmt):
    """The documents, one line each: id, received (UTC), state, reason, seller org nr, invoice
    number (the last two known for stored invoices). Reads only."""
    from ingest.reading import ListFilter, list_documents

    try:
        rows = list_documents(db, ListFilter(state=state, reason=reason, seller=seller, number=number))
    except _read_errors() as exc:
        raise CommandError(str(exc)) from None
    emit({"documents": rows}, fmt=fmt)
    if fmt == "text":
        for line in list_lines(rows) if rows else ["no documents"]:
            click.echo(line)


@ingest.command("show", epilog=settings.epilog("ingest show"))
@click.argument("ref", metavar="ID|NUMBER")
@click.option("--by", type=click.Choice(["auto", "id", "number"]), default="auto", show_default=True,
              help="Read ID|NUMBER as the document id, the invoice number (BT-1), or either (auto).")
@DB
@FORMAT
def show_cmd(ref, by, db, fmt):
    """One document, by its id or its invoice number: state, the rules that judged it (rule set,
    OpenPeppol release, reference date, what the other accepted release said), history,
    findings, the parsed invoice and responses; why a pending one is not done yet. A reference
    naming several documents is an error listing them."""
    from ingest.reading import AmbiguousReference, find_document, show

    try:
        data = show(db, find_document(db, ref, by))
    except AmbiguousReference as exc:
        raise CommandError(str(exc), result={"ids": exc.ids}) from None
    except _read_errors() as exc:
        raise CommandError(str(exc)) from None
    emit(data, fmt=fmt)
    if fmt == "text":
        for line in show_lines(data):
            click.echo(line)


def show_lines(data: dict) -> list[str]:
    lines = [f"document #{data['id']} {data['source_name']} — {data['state']}"
             + (f" ({data['reason_code']}: {data['reason']})" if data.get("reason_code") else ""),
             f"  sha256 {data['sha256']}, {data['size']} bytes, kind {data['document_kind']}, "
             f"archived at {data['archive_uri']}"]
    lines += judged_lines(data)
    for h in data["history"]:
        lines.append(f"  {h['at']} {h['state']}" + (f" — {h['note']}" if h.get("note") else ""))
    for f in data["findings"]:
        lines.append(f"  {f['severity'].upper():7s} {f['rule_id']} {f['location'] or ''}: {f['message']}")
    for f in data.get("earlier_findings", []):
        lines.append(f"  earlier (set aside by the retry at {f['superseded_at']}): {f['severity'].upper()} "
                     f"{f['rule_id']} {f['location'] or ''}: {f['message']}")
    inv = data.get("invoice")
    if inv:
        lines.append(f"  {inv['kind']} {inv['invoice_number']} of {inv['issue_date']} from {inv['seller_key']}: "
                     f"{inv['payable']} {inv['currency']}, buyer reference {inv['buyer_reference']}")
        for line in inv["lines"]:
            lines.append(f"    line {line['line_id']}: {line['quantity']} {line['unit_code']} × {line['price']} = "
                         f"{line['net_amount']} ({line['item_name']})")
        for att in inv["attachments"]:
            lines.append(f"    attachment {att['filename']} ({att['mime']}, {att['size']} bytes, in {att['kept_in']})"
                         + (f" recognised as {att['recognised_as']} with {att['rows']} rows"
                            if att["recognised_as"] else ""))
    for r in data["responses"]:
        lines.append(f"  response {r['response_id']} ({r['kind']} {r['code']}) {r['state']} {r['outbox_uri'] or ''}")
    return lines


def judged_lines(data: dict) -> list[str]:
    """Which rules judged the document (the rule set and its OpenPeppol release, chosen for
    the reference date), what the other releases accepted that day said, and why a document
    is still pending."""
    lines = []
    if data.get("ruleset"):
        release = f" (OpenPeppol {data['release']})" if data.get("release") else ""
        on = f", the rules in force on {data['reference_date']}" if data.get("reference_date") else ""
        lines.append(f"  judged by {data['ruleset']}{release}{on}")
    for other in data.get("other_releases") or []:
        if other.get("error"):
            verdict = "an engine error"
        elif other.get("valid"):
            verdict = "valid"
        else:
            verdict = "invalid" + (f" ({', '.join(other['fatal_rules'])})" if other.get("fatal_rules") else "")
        lines.append(f"  also accepted that day: {other['ruleset']} (OpenPeppol {other['release']}): {verdict}")
    if data.get("last_error") and data.get("state") not in ("stored", "quarantined"):
        lines.append(f"  pending since {data['last_error_at']}: {data['last_error']}; the next run tries it again")
    return lines


@ingest.command("attachment", epilog=settings.epilog("ingest attachment"))
@click.argument("document_id", type=int)
@click.argument("name")
@DB
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file (default: the attachment's file name in the current folder; - for stdout).")
@S3_ENDPOINT
@REGION
def attachment_cmd(document_id, name, db, output, s3_endpoint, region):
    """Write out an attachment of a stored invoice, by reference or file name (checked against
    the SHA-256 recorded at ingest). Reads the store only."""
    from ingest.reading import AttachmentError, attachment_content
    from ingest.store import StoreError

    try:
        filename, data = attachment_content(db, document_id, name, s3_endpoint=s3_endpoint, region=region)
    except (AttachmentError, StoreError) as exc:
        raise CommandError(str(exc)) from None
    except Exception as exc:  # the archive is unreachable or the file is gone
        raise CommandError(f"cannot read attachment {name!r} of document #{document_id}: {exc}") from None
    if output == "-":
        click.get_binary_stream("stdout").write(data)
        return
    from lssinvoice.invoice_report import write_replace

    target = Path(output or Path(filename).name)
    write_replace(target, data)  # a time report holds personnummer: owner-only, like the store
    click.echo(f"wrote {target} ({len(data)} bytes)", err=True)
