"""`lssinvoice timereport export|csv|sign|verify`: time reports people sign.

``export`` turns CSV/XLSX time reports into the project's time-report XML
(:mod:`invoices.timereport_xml`, one file per assistant, client and month); ``csv`` turns an
XML report back into the CSV the provider side attaches; ``sign`` adds one person's signature
(:mod:`invoices.signed_reports`); ``verify`` checks every signature of a report against the
pinned trust anchors. Files are named by month and a running number, never by a name or a
personnummer, and are readable by their owner only (they hold personnummer).

Exit status: 0 done (``verify``: every signature valid and the roles the report needs there);
1 ``verify`` found an invalid signature or a missing role; 2 usage, input or I/O.
"""
from __future__ import annotations

from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.output import CommandError, emit, format_option

__all__ = ["timereport"]


@click.group()
def timereport():
    """Time reports as XML that the assistant and the supervisor sign, and their verification."""


@timereport.command("export", epilog=settings.epilog("timereport export"))
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--provider", "provider", type=click.Path(path_type=Path), required=True,
              help="The provider profile (TOML): its name and organisation number go into each report.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder for the XML reports.")
@format_option()
def export(source, provider, out, fmt):
    """Write each time report of SOURCE (a CSV/XLSX file or a folder of them) as XML:
    OUT/tidrapport-<month>-<n>.xml, unsigned, ready for `timereport sign`."""
    from invoices.inputs import InputErrors, read_provider, read_timereports
    from invoices.timereport_xml import ReportParty, report_xml
    from lssinvoice.invoice_report import write_replace

    try:
        prov = read_provider(provider)
        reports = read_timereports(source)
    except InputErrors as exc:
        raise CommandError(str(exc)) from None
    written = []
    counter: dict[str, int] = {}
    try:
        for report in reports:
            counter[report.month] = counter.get(report.month, 0) + 1
            path = out / f"tidrapport-{report.month}-{counter[report.month]:02d}.xml"
            write_replace(path, report_xml(report, ReportParty(prov.name, prov.org_nr)))
            written.append({"file": str(path), "month": report.month, "assistant": report.assistant.masked,
                            "shifts": len(report.shifts)})
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
    emit({"written": written}, fmt=fmt)
    if fmt == "text":
        for w in written:
            click.echo(f"{w['file']}: {w['month']}, assistant {w['assistant']}, {w['shifts']} shift(s)")


@timereport.command("csv", epilog=settings.epilog("timereport csv"))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder for the CSV reports.")
@format_option()
def to_csv(files, out, fmt):
    """Write each XML time report in FILES back as the CSV the provider side reads and attaches
    (OUT/<name>.csv). The signature cells say what the report's signatures are only after
    `timereport verify`; here they are left "nej"."""
    from invoices.inputs import InputErrors
    from invoices.timereport_xml import read_report_xml
    from invoices.underlag import timereport_csv
    from lssinvoice.invoice_report import write_replace

    written = []
    for file in files:
        try:
            report, _ = read_report_xml(file.read_bytes(), file.name)
        except InputErrors as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}") from None
        path = out / (file.stem + ".csv")
        write_replace(path, timereport_csv(report))
        written.append({"file": str(path), "from": str(file)})
    emit({"written": written}, fmt=fmt)
    if fmt == "text":
        for w in written:
            click.echo(f"{w['from']} -> {w['file']}")
