"""`lssinvoice invoice numbers|void`: the invoice-number series' journal, and explaining its gaps.

Subcommands of ``invoice`` (:mod:`lssinvoice.cmd_invoice`, which imports this module to add
them). The series itself is :mod:`invoices.series`.
"""
from __future__ import annotations

from pathlib import Path

import click

from lssinvoice.cli import option_group
from lssinvoice.cmd_invoice import invoice
from lssinvoice.invoice_report import default_series_path
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, CommandError, CommandRefused, emit, finish, format_option

__all__ = ["numbers", "void"]


def _series_for(provider: Path, series: Path | None):
    """The provider's number series (prefix from the profile), or exit 2 saying why not."""
    from invoices.inputs import InputErrors, read_provider
    from invoices.series import NumberSeries

    try:
        prov = read_provider(provider)
    except InputErrors as exc:
        raise CommandError(str(exc)) from None
    path = series or default_series_path(provider)
    if not path.exists():
        raise CommandError(f"{path}: no number series yet (no invoice was ever numbered with it)")
    return NumberSeries(path, prov.invoice_prefix), path


_SERIES_OPTIONS = [
    click.option("--provider", "provider", type=click.Path(path_type=Path), required=True,
                 help="The provider profile (TOML); its invoice prefix names the series."),
    click.option("--series", "series", type=click.Path(path_type=Path), default=None,
                 help="The invoice-number series file [default: <provider>.series.json beside the profile]."),
    format_option(),
]


_series_options = option_group(_SERIES_OPTIONS)


@invoice.command("numbers")
@_series_options
def numbers(provider, series, fmt):
    """The journal of the invoice-number series: every number handed out and what became of it.

    committed: an invoice with this number was written (its SHA-256 recorded); void: burnt
    on purpose, with a reason; reserved: handed out and never committed, a number a crash
    left behind (or one in use by a run now). Bookkeeping wants every gap in the series
    explained: void those with `lssinvoice invoice void`. Exit status: 0 none reserved,
    1 some reserved, 2 no series or an unreadable one.
    """
    from invoices.series import SeriesError

    number_series, path = _series_for(provider, series)
    try:
        journal = number_series.journal()
    except SeriesError as exc:
        raise CommandError(str(exc)) from None
    reserved = [e.number for e in journal if e.status == "reserved"]
    code = EXIT_FINDINGS if reserved else EXIT_OK
    if fmt == "json":
        emit({"series": str(path), "numbers": [vars(e) for e in journal], "reserved": reserved}, fmt=fmt, code=code)
    else:
        counts = {status: sum(1 for e in journal if e.status == status) for status in ("committed", "void", "reserved")}
        click.echo(f"{path}: {len(journal)} numbers — " + ", ".join(f"{n} {status}" for status, n in counts.items()))
        for e in journal:
            detail = {"committed": f"sha256 {(e.document_sha256 or '')[:12]}… at {e.committed_at}",
                      "void": f"at {e.voided_at}: {e.reason}",
                      "reserved": f"at {e.reserved_at}, never committed: check it was not sent, then void it"}[e.status]
            click.echo(f"  {e.number:20s} {e.status:9s} {detail}")
    finish(code)


@invoice.command("void")
@click.argument("numbers_", metavar="NUMBER...", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why the numbers are burnt (kept in the journal; no personal data).")
@_series_options
def void(numbers_, reason, provider, series, fmt):
    """Burn invoice numbers that were handed out but never used (e.g. left by a crash), with
    a reason, so the gap in the series is explained. A number already committed to an invoice
    is refused: that invoice is cancelled with a credit note (`invoice credit`). Voiding a
    void number again changes nothing. Exit status: 0 voided, 1 a number refused (committed,
    or not in the series: the others are voided), 2 usage or I/O."""
    from invoices.series import SeriesError

    number_series, path = _series_for(provider, series)
    done, refused = [], []
    for number in numbers_:
        try:
            number_series.void(number, reason)
            done.append(number)
        except SeriesError as exc:
            refused.append({"number": number, "error": str(exc)})
    result = {"series": str(path), "voided": done, "refused": refused}
    if fmt == "text":
        for number in done:
            click.echo(f"voided {number}: {reason.strip()}")
    if refused:
        raise CommandRefused("\n".join(item["error"] for item in refused), result=result)
    emit(result, fmt=fmt)
