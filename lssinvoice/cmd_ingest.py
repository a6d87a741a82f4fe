"""`lssinvoice ingest`: the municipal inbox (run, status, show, retry)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.cli import option_group
from lssinvoice.progress import progress_counter

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="text for people, json for machines.")
DB = click.option("--db", default=settings.default_db, show_default="sqlite under $LSSINVOICE_DATA",
                  help="Database URL: sqlite:///path or postgresql://user@host/db.")


def _config(source, db, municipality, archive, outbox, reference_code, s3_endpoint, region, max_bytes, max_lines,
            keep_inbox):
    from ingest.service import IngestConfig

    return IngestConfig(source=source, db=db, municipality=municipality, archive=archive, outbox=outbox,
                        reference_codes=tuple(reference_code), s3_endpoint=s3_endpoint, region=region,
                        max_bytes=max_bytes, max_lines=max_lines, remove_from_inbox=not keep_inbox)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


S3_ENDPOINT = click.option("--s3-endpoint", default=None,
                           help="S3-compatible endpoint URL (default: AWS configuration).")
REGION = click.option("--region", default=None, help="S3 region (default: AWS configuration).")

_location_options = option_group([
    click.option("--source", default=settings.default_inbox, show_default="$LSSINVOICE_DATA/inbox",
                 help="The access point's drop: a folder or s3://bucket/prefix."),
    DB,
    click.option("--municipality", default=settings.default_municipality, show_default=True,
                 help="Who we are: a registry slug, name or org nr (buyer checks, responses)."),
    click.option("--archive", default=settings.default_archive, show_default="$LSSINVOICE_DATA/archive",
                 help="Where original bytes are kept (folder or s3://)."),
    click.option("--outbox", default=settings.default_outbox, show_default="$LSSINVOICE_DATA/outbox",
                 help="Where responses are written for the access point (folder or s3://)."),
    click.option("--reference-code", multiple=True,
                 help="A further buyer reference (BT-10) this municipality issued (repeatable)."),
    S3_ENDPOINT,
    REGION,
    click.option("--max-bytes", type=click.IntRange(1), default=100 * 1024 * 1024, show_default=True,
                 help="Documents larger than this are quarantined unread."),
    click.option("--max-lines", type=click.IntRange(1), default=10_000, show_default=True,
                 help="Invoices with more lines are quarantined before validation (bounds the work "
                      "per document)."),
    click.option("--keep-inbox", is_flag=True, help="Leave processed files in the inbox (default: remove "
                 "them once stored or quarantined; the archive keeps the bytes)."),
])


@click.group()
def ingest():
    """The municipal side: receive, validate, store and answer invoices."""


@ingest.command("run")
@_location_options
@click.option("-w", "--workers", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Worker processes (use PostgreSQL for more than one process writing).")
@click.option("--watch", is_flag=True, help="Keep running, polling the source.")
@click.option("--interval", type=click.FloatRange(0.1), default=5.0, show_default=True,
              help="Seconds between polls with --watch.")
@FORMAT
def run(source, db, municipality, archive, outbox, reference_code, s3_endpoint, region, max_bytes, max_lines,
        keep_inbox, workers, watch, interval, fmt):
    """Ingest every document in the source: stored and answered, or quarantined with a reason.

    Exit status: 0 all stored, 1 some quarantined, 2 usage or I/O error (the store, archive or
    outbox unavailable: the run stops, nothing is lost, the next run finishes the rest).
    """
    from ingest.blobs import BlobError
    from ingest.pipeline import Unavailable
    from ingest.service import run_once
    from ingest.service import watch as watch_runs
    from ingest.store import StoreError
    from invoices.registry import RegistryError, UnknownMunicipality

    config = _config(source, db, municipality, archive, outbox, reference_code, s3_endpoint, region,
                     max_bytes, max_lines, keep_inbox)
    quarantined, failed = 0, False
    try:
        with progress_counter("ingesting") as bar:
            hooks = dict(workers=workers, progress=lambda o: bar.advance(), on_listing=bar.total)
            runs = watch_runs(config, interval=interval, **hooks) if watch else [run_once(config, **hooks)]
            for summary in runs:
                data = summary.to_dict()
                if fmt == "json":
                    click.echo(json.dumps(data))
                else:
                    _print_summary(data)
                quarantined += data["quarantined"]
                failed = failed or bool(data["error"])
    except (UnknownMunicipality, RegistryError, BlobError, StoreError, Unavailable) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        pass
    sys.exit(2 if failed else 1 if quarantined else 0)


def _print_summary(data: dict) -> None:
    click.echo(f"{data['processed']} documents in {data['seconds']} s: {data['stored']} stored, "
               f"{data['quarantined']} quarantined, {data['skipped']} taken by another worker, "
               f"{data['done_before']} finished earlier")
    for reason, n in sorted(data["quarantine_reasons"].items()):
        click.echo(f"  quarantined {reason}: {n}")
    if data["retried"] or data["responses_resent"]:
        click.echo(f"  retried from an earlier run: {len(data['retried'])} document(s), "
                   f"{data['responses_resent']} response(s) written to the outbox")
    for item in data["not_read"]:
        click.echo(f"  not read: {item['name']}: {item['reason']}")
    click.echo("store: " + ", ".join(f"{k} {v}" for k, v in sorted(data["store_states"].items())))
    if data["error"]:
        click.echo(f"error: the run stopped: {data['error']}; nothing is lost, the next run finishes the rest",
                   err=True)


@ingest.command("status")
@DB
@FORMAT
def status_cmd(db, fmt):
    """Counts of documents by state, quarantine reasons, responses and invoices."""
    from ingest.service import status

    data = status(db)
    if fmt == "json":
        click.echo(json.dumps(data))
        return
    click.echo("documents: " + (", ".join(f"{k} {v}" for k, v in sorted(data["documents"].items())) or "none"))
    for reason, n in sorted(data["quarantine_reasons"].items(), key=lambda x: str(x[0])):
        click.echo(f"  quarantined {reason}: {n}")
    click.echo("responses: " + (", ".join(f"{k} {v}" for k, v in sorted(data["responses"].items())) or "none"))
    click.echo(f"invoices: {data['invoices']}")


@ingest.command("show")
@click.argument("document_id", type=int)
@DB
@FORMAT
def show_cmd(document_id, db, fmt):
    """One document: state, history, findings, the parsed invoice and responses."""
    from ingest.service import show

    data = show(db, document_id)
    if data is None:
        _fail(f"no document #{document_id}")
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"document #{data['id']} {data['source_name']} — {data['state']}"
               + (f" ({data['reason_code']}: {data['reason']})" if data.get("reason_code") else ""))
    click.echo(f"  sha256 {data['sha256']}, {data['size']} bytes, kind {data['document_kind']}, "
               f"archived at {data['archive_uri']}")
    for h in data["history"]:
        click.echo(f"  {h['at']} {h['state']}" + (f" — {h['note']}" if h.get("note") else ""))
    for f in data["findings"]:
        click.echo(f"  {f['severity'].upper():7s} {f['rule_id']} {f['location'] or ''}: {f['message']}")
    inv = data.get("invoice")
    if inv:
        click.echo(f"  {inv['kind']} {inv['invoice_number']} of {inv['issue_date']} from {inv['seller_key']}: "
                   f"{inv['payable']} {inv['currency']}, buyer reference {inv['buyer_reference']}")
        for line in inv["lines"]:
            click.echo(f"    line {line['line_id']}: {line['quantity']} {line['unit_code']} × {line['price']} = "
                       f"{line['net_amount']} ({line['item_name']})")
        for att in inv["attachments"]:
            click.echo(f"    attachment {att['filename']} ({att['mime']}, {att['size']} bytes, in {att['kept_in']})"
                       + (f" recognised as {att['recognised_as']} with {att['rows']} rows" if att["recognised_as"] else ""))
    for r in data["responses"]:
        click.echo(f"  response {r['response_id']} ({r['kind']} {r['code']}) {r['state']} {r['outbox_uri'] or ''}")


@ingest.command("attachment")
@click.argument("document_id", type=int)
@click.argument("name")
@DB
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file (default: the attachment's file name in the current folder; - for stdout).")
@S3_ENDPOINT
@REGION
def attachment_cmd(document_id, name, db, output, s3_endpoint, region):
    """Write out an attachment of a stored invoice, by reference or file name (checked against
    the SHA-256 recorded at ingest)."""
    from ingest.service import AttachmentError, attachment_content

    try:
        filename, data = attachment_content(db, document_id, name, s3_endpoint=s3_endpoint, region=region)
    except AttachmentError as exc:
        _fail(str(exc))
    except Exception as exc:  # the archive is unreachable or the file is gone
        _fail(f"cannot read attachment {name!r} of document #{document_id}: {exc}")
    if output == "-":
        click.get_binary_stream("stdout").write(data)
        return
    from lssinvoice.cmd_invoice import write_replace

    target = Path(output or Path(filename).name)
    write_replace(target, data)  # a time report holds personnummer: owner-only, like the store
    click.echo(f"wrote {target} ({len(data)} bytes)", err=True)


@ingest.command("retry")
@_location_options
@click.option("--quarantined", is_flag=True, required=True, help="Retry quarantined documents.")
@click.option("--reason", default=None, help="Only those quarantined for this reason code.")
@FORMAT
def retry_cmd(source, db, municipality, archive, outbox, reference_code, s3_endpoint, region, max_bytes,
              max_lines, keep_inbox, quarantined, reason, fmt):
    """Analyse quarantined documents again (after the cause was fixed)."""
    from ingest.service import retry_quarantined

    config = _config(source, db, municipality, archive, outbox, reference_code, s3_endpoint, region,
                     max_bytes, max_lines, keep_inbox)
    summary = retry_quarantined(config, reason)
    data = summary.to_dict()
    if fmt == "json":
        click.echo(json.dumps(data))
    else:
        _print_summary(data)
    sys.exit(1 if data["quarantined"] else 0)
