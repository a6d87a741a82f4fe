"""`lssinvoice redovisning`: the monthly report for a municipality that takes no invoices
(Västerås), written beside the time reports to upload with it in its e-service.

The same inputs, checks and refusals as ``invoice create`` (:mod:`lssinvoice.cmd_invoice`),
whose shared pieces it uses. Exit status as for ``invoice create``.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.cmd_invoice import (
    _checks_failed, _load_common, _period, _policy, _read_inputs, _refused, _with_common,
)
from lssinvoice.invoice_report import Reporter, _Exit, write_replace
from lssinvoice.output import EXIT_OK, EXIT_USAGE

__all__ = ["print_redovisning", "redovisning", "write_redovisning"]


@click.command(epilog=settings.epilog("redovisning"))
@_with_common
def redovisning(provider, timereports, decisions, municipality, period, out, checks, omit_unbilled,
                registry_dirs, fmt):
    """Write the monthly report for a municipality that takes no invoices (Västerås).

    Per client: the report as CSV and XLSX (period, per-assistant hours split into active
    and waiting time, signatures, totals at the year's rate) and the time reports to upload
    with it in the municipality's e-service. Exit status as for `invoice create`.
    """
    reporter = Reporter("redovisning", fmt)
    try:
        reporter.done(_redovisning(reporter, provider, timereports, decisions, municipality, period, out, checks,
                                   omit_unbilled, registry_dirs))
    except _Exit as e:
        reporter.done(e.code)


def _redovisning(reporter, provider, timereports, decisions, municipality, period, out, checks, omit_unbilled,
                 registry_dirs) -> int:
    from invoices.build import BuildOptions, BuildRefused
    from invoices.redovisning import plan_redovisning

    policy = _policy(checks)
    period = _period(period)
    prov, m, reg = _load_common(reporter, provider, registry_dirs, municipality)
    reports, decs = _read_inputs(reporter, timereports, decisions, reg)
    try:
        plan = plan_redovisning(prov, reports, decs, m, period,
                                BuildOptions(issue_date=date.today(), policy=policy, omit_unbilled=omit_unbilled))
    except BuildRefused as exc:
        return _refused(reporter, exc)
    reporter.data.update(municipality=m.display_name, period=period)
    reporter.omitted(plan.omitted)
    if plan.errors:
        return _checks_failed(reporter, plan)
    reporter.findings(plan.findings)
    try:
        written = write_redovisning(plan, out)
    except OSError as exc:
        reporter.error(str(exc))
        return EXIT_USAGE
    reporter.data["produced"] = written
    print_redovisning(reporter, f"{m.display_name}, {period}: monthly report (redovisning)")
    return EXIT_OK


def write_redovisning(plan, out: Path) -> list[dict]:
    """Write each client's report (CSV, XLSX) and time reports into ``out``; what was written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for rep in plan.reports:
        csv_path, xlsx_path = out / f"{rep.stem}.csv", out / f"{rep.stem}.xlsx"
        write_replace(csv_path, rep.csv_bytes())
        write_replace(xlsx_path, rep.xlsx_bytes())
        attached = []
        for name, data in rep.timereports:
            write_replace(out / name, data)
            attached.append(str(out / name))
        written.append({"file": str(csv_path), "xlsx_file": str(xlsx_path), "timereports": attached,
                        "decisions": list(rep.decision_ids), "period": rep.period, "buyer": plan.municipality,
                        "hours": f"{rep.total_hours:.2f}", "total": f"{rep.total_amount:.2f}", "currency": "SEK"})
    return written


def print_redovisning(reporter: Reporter, title: str) -> None:
    if reporter.fmt != "text" or not reporter.data["produced"]:
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in ("file", "decisions", "period", "time reports", "hours", "total"):
        table.add_column(col, justify="right" if col in ("time reports", "hours", "total") else "left")
    for p in reporter.data["produced"]:
        table.add_row(f"{p['file']}\n{p['xlsx_file']}", ", ".join(p["decisions"]), p["period"],
                      str(len(p["timereports"])), p["hours"], f"{p['total']} {p['currency']}")
    reporter.console.print(table)
