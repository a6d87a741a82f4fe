"""What the invoice commands share: the reporter that ends them, the files they write, issuing.

:class:`Reporter` collects what a command has to say and ends it through
:mod:`lssinvoice.output` (one JSON envelope, named exit codes); :func:`issue_and_write` issues
drafts through :func:`invoices.build.issue` and writes each document as it is committed;
the paths of the number series and its ledgers sit beside the provider profile.
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from fsio import private_dirs, write_atomic
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, CommandError, emit, finish

class _Exit(Exception):
    def __init__(self, code: int):
        self.code = code


class Reporter:
    """Collects what a command has to say, then ends it through :mod:`lssinvoice.output`: the
    report is the JSON envelope's result; an exit-2 ending is a :class:`CommandError` whose
    message is the errors (or the refusal) collected."""

    def __init__(self, command: str, fmt: str):
        self.fmt = fmt
        self.data: dict = {"command": command, "status": "ok", "produced": [], "findings": [], "omitted": [],
                           "notes": [], "refusal": None, "validation": [], "voided": [], "stale_numbers": [],
                           "errors": []}
        from rich.console import Console

        self.console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
        self.err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)

    def text(self, message: str, *, err: bool = False, style: str | None = None) -> None:
        if self.fmt == "text":
            (self.err if err else self.console).print(message, style=style, markup=False)

    def input_errors(self, exc) -> None:
        self.data["status"] = "error"
        self.data["errors"] += [str(e) for e in exc.errors]

    def error(self, message: str) -> None:
        """An error ending the command with exit 2 (shown once, by :meth:`done`)."""
        self.data["status"] = "error"
        self.data["errors"].append(message)

    def findings(self, findings) -> None:
        self.data["findings"] = [f.to_dict() for f in findings]
        for f in findings:
            self.text(str(f), err=True, style="red" if f.is_error else "yellow")

    def refusal(self, exc) -> None:
        """A refusal by the rules (the command ends with exit 1)."""
        self.data["status"] = "refused"
        self.data["refusal"] = {"code": exc.code, "message": exc.message}
        self.findings(getattr(exc, "findings", []))
        self.text(f"refused ({exc.code}): {exc.message}", err=True, style="red")
        self.text("nothing written", err=True)

    def omitted(self, omitted) -> None:
        self.data["omitted"] = [o.to_dict() for o in omitted]
        for o in omitted:
            self.text(f"left out: decision {o.decision_id}, {o.shifts} {o.kind.value} shift(s), {o.hours:.2f} h "
                      f"({o.where}): {o.reason}", err=True, style="yellow")

    def beyond_granted(self, beyond) -> None:
        """The hours left off as beyond the granted hours (``--cap-at-granted``), per decision and unit."""
        self.data["beyond_granted"] = [b.to_dict() for b in beyond]
        for b in beyond:
            self.text(f"not billed: {b}", err=True, style="yellow")

    def checklist(self, drafts, buyer: str) -> None:
        """Each draft's evidence checklist (:mod:`invoices.evidence`): what the municipality asks
        for with the claim and whether the invoice carries it, shown before anything is written."""
        self.data["checklist"] = [{"invoice": _draft_label(d), "items": [i.to_dict() for i in d.checklist]}
                                  for d in drafts if d.checklist]
        if self.fmt != "text":
            return
        from rich.table import Table

        shown = {"present": ("present", "green"), "not checked": ("not checked: send it yourself", "cyan")}
        for d in drafts:
            if not d.checklist:
                continue
            table = Table(title=f"What {buyer} asks for with {_draft_label(d)}", title_justify="left")
            table.add_column("status", no_wrap=True)
            table.add_column("item")
            for item in d.checklist:
                status, style = shown.get(item.status, (f"MISSING ({item.level})",
                                                        "red" if item.level == "error" else "yellow"))
                table.add_row(status, item.value, style=style)
            self.console.print(table)

    def notes(self, notes) -> None:
        self.data["notes"] += list(notes)
        for n in notes:
            self.text(f"note: {n}", err=True, style="yellow")

    def error_message(self) -> str:
        if self.data["errors"]:
            return "\n".join(self.data["errors"])
        refusal = self.data["refusal"] or {"code": "error", "message": "failed"}
        return f"refused ({refusal['code']}): {refusal['message']}; nothing written"

    def done(self, code: int) -> None:
        if code == EXIT_USAGE:
            raise CommandError(self.error_message(), result=self.data)
        emit(self.data, fmt=self.fmt, code=code)
        finish(code)


def _draft_label(draft) -> str:
    """"the base invoice for TJ-2024-01": which invoice of the run a checklist is about."""
    return f"the {draft.claim_kind} invoice" + (f" for {draft.decision_id}" if draft.decision_id else "")


def default_series_path(provider: Path) -> Path:
    """``<profile stem>.series.json`` beside the provider profile."""
    return provider.with_name(provider.stem + ".series.json")


def ledger_path(series: Path) -> Path:
    return series.with_name(series.stem + ".sickpay-claims.json")


def billed_path(series: Path) -> Path:
    """The billed-hours ledger beside the series (:mod:`invoices.billed`)."""
    return series.with_name(series.stem + ".billed.json")


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data`` atomically (temp file, fsync, hard link); an existing
    file is never overwritten (FileExistsError). Like every file we write with personal data
    in it, readable by its owner only: 0600, a new folder 0700."""
    private_dirs(path.parent)
    write_atomic(path, data, create_only=True)


def write_replace(path: Path, data: bytes) -> None:
    """Write ``path`` atomically (temp file, fsync, replace); 0600, a new folder 0700."""
    private_dirs(path.parent)
    write_atomic(path, data)


def issue_and_write(drafts, *, series_path: Path, prefix: str, out: Path, outbox: Path | None,
                    ledger=None, reporter: Reporter, rules: tuple[str | None, date | None] = (None, None),
                    hours_ledger=None):
    """Issue the drafts (invoices.build.issue) writing UBL into ``out`` and, when ``outbox``
    is given, the SBDH-wrapped documents into it. ``rules``: (release, reference date) for the
    validation (default: the releases accepted today, the day the invoices are sent). Returns
    the exit code and fills the reporter's "produced"."""
    from validate.engine import Validator
    from invoices.build import IssueFailed, issue
    from invoices.series import NumberSeries

    series = NumberSeries(series_path, prefix)
    written_paths: dict[str, tuple[Path, Path | None]] = {}

    def write(item) -> None:
        ubl_path = out / item.filename
        write_new(ubl_path, item.ubl)
        env_path = None
        if outbox is not None and item.sbdh is not None:
            env_path = outbox / item.filename
            write_new(env_path, item.sbdh)
        written_paths[item.number] = (ubl_path, env_path)

    code = EXIT_OK
    try:
        release, at = rules
        result = issue(drafts, series=series, write=write, sbdh=outbox is not None, ledger=ledger,
                       validator=Validator(release=release, at=at), hours_ledger=hours_ledger)
    except IssueFailed as exc:
        result = exc.result
        reporter.error(f"writing failed: {exc}; the numbers not written were voided")
        code = EXIT_USAGE
    reporter.data["stale_numbers"] = list(result.stale)
    if result.stale:
        reporter.text(f"warning: numbers handed out by an earlier run and never committed (a crash?): "
                      f"{', '.join(result.stale)} — check they were not sent, then void them with "
                      f"`lssinvoice invoice void NUMBER... --reason TEXT`", err=True,
                      style="yellow")
    reporter.data["voided"] = [list(v) for v in result.voided]
    if not result.ok:
        reporter.data["status"] = "invalid"
        for number, res in result.invalid:
            fatal = [f for f in res.findings if f.is_fatal]
            reporter.data["validation"].append({"number": number, "source": res.source,
                                                "findings": [f.to_dict() for f in res.findings]})
            for f in fatal:
                reporter.text(f"{res.source}: FATAL {f.rule_id}: {f.message} at {f.location}", err=True, style="red")
        reporter.text("validation failed: nothing written; numbers voided: "
                      + ", ".join(n for n, _ in result.voided), err=True, style="red")
        return EXIT_FINDINGS
    for item in result.issued:
        ubl_path, env_path = written_paths[item.number]
        d = item.draft
        reporter.data["produced"].append({
            "file": str(ubl_path), "sbdh_file": str(env_path) if env_path else None, "number": item.number,
            "document": d.document_kind, "kind": d.claim_kind, "buyer": d.buyer_name,
            "buyer_reference": d.buyer_reference, "decision_id": d.decision_id, "period": d.period_label,
            "issue_date": d.issue_date.isoformat(), "due_date": d.due_date.isoformat() if d.due_date else None,
            "lines": len(d.lines), "attachments": len(d.attachments), "total": f"{item.total:.2f}",
            "currency": item.document.currency, "sha256": item.sha256,
        })
    return code


def print_produced(reporter: Reporter, title: str) -> None:
    if reporter.fmt != "text" or not reporter.data["produced"]:
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in ("file", "invoice number", "buyer", "period", "lines", "total"):
        table.add_column(col, justify="right" if col in ("lines", "total") else "left",
                         no_wrap=col in ("invoice number", "period", "total"))
    for p in reporter.data["produced"]:
        files = p["file"] + (f"\n{p['sbdh_file']}" if p.get("sbdh_file") else "")
        total = f"{p['total']} {p['currency']}"
        number = p["number"] + (" (credit note)" if p["document"] == "creditnote" else "")
        table.add_row(files, number, p["buyer"], p["period"], str(p["lines"]), total)
    reporter.console.print(table)
