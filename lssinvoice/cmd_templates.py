"""`lssinvoice invoice template`: blank input files for a provider to fill in.

A subcommand of ``invoice`` (:mod:`lssinvoice.cmd_invoice`, which imports this module to add it).
"""
from __future__ import annotations

from pathlib import Path

import click

from lssinvoice.cmd_invoice import invoice
from lssinvoice.invoice_report import write_replace
from lssinvoice.output import CommandError

__all__ = ["template"]


@invoice.command("template")
@click.option("--file-type", "file_type", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True,
              help="File type of the time-report and decisions templates.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option("--force", is_flag=True, help="Replace files that exist.")
def template(file_type, out, force):
    """Write blank input files: time report, decisions, provider profile, sickness occasion.

    Each template carries one commented example row (synthetic, fictional data).
    """
    from invoices.occasion import occasion_template_toml
    from invoices.templates import (
        decisions_template_csv,
        decisions_template_xlsx,
        provider_template_toml,
        timereport_template_csv,
        timereport_template_xlsx,
    )

    xlsx = file_type == "xlsx"
    files = {
        f"tidrapport-mall.{file_type}": timereport_template_xlsx() if xlsx else timereport_template_csv().encode("utf-8"),
        f"beslut-mall.{file_type}": decisions_template_xlsx() if xlsx else decisions_template_csv().encode("utf-8"),
        "provider-mall.toml": provider_template_toml().encode("utf-8"),
        "sjukdomstillfalle-mall.toml": occasion_template_toml().encode("utf-8"),
    }
    existing = [name for name in files if (out / name).exists()]
    if existing and not force:
        raise CommandError(f"would replace {', '.join(existing)} in {out} (use --force)")
    try:
        for name, data in files.items():
            write_replace(out / name, data)
    except OSError as exc:
        raise CommandError(str(exc)) from None
    for name in files:
        click.echo(str(out / name))
