"""`lssinvoice invoice create|credit|template` and `lssinvoice redovisning`.

A thin shell: read the options, call :mod:`invoices`, write the files it returns, print
what was produced. Exit status: 0 ok; 1 findings (source-check errors, a refusal by the
rules, validation failed: nothing written); 2 usage, input or I/O error (unreadable input
files, unknown municipality, a municipality that takes no invoices for the command used,
a write that failed).

Where files go
    ``invoice create``/``credit``: ``OUT/<invoice number>.xml`` (UBL); with ``--sbdh`` also
    ``OUT/outbox/<invoice number>.xml`` (the same document in the Peppol envelope, for the
    access point). Files are created, never overwritten. ``redovisning``:
    ``OUT/redovisning-<period>-<decision>.csv`` and ``.xlsx`` per client and the time
    reports ``OUT/tidrapport-*.csv`` to upload with them (replaced when run again).

The number series
    Invoice numbers come from a persisted series that must outlive any one output folder,
    so its default is next to the provider profile: ``<profile>.series.json`` beside
    ``<profile>.toml`` (``examples/provider.toml`` → ``examples/provider.series.json``);
    ``--series FILE`` puts it elsewhere. Sick-pay claims already made are kept beside the
    series in ``<series stem>.sickpay-claims.json`` (one claim per sickness occasion).

No personnummer is ever printed: findings show masked numbers, messages name file, row
and field.
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from fsio import private_dirs, write_atomic
from lssinvoice import settings
from lssinvoice.cli import option_group
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, CommandError, emit, finish, format_option

_KINDS = click.Choice(["base", "extension", "sickpay"])


# ------------------------------------------------------------------------------ helpers

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

    def refusal(self, exc, *, usage: bool = False) -> None:
        """A refusal by the rules; a ``usage`` one (the wrong command for this municipality)
        ends with exit 2 and is shown by :meth:`done`."""
        self.data["status"] = "refused"
        self.data["refusal"] = {"code": exc.code, "message": exc.message}
        self.findings(getattr(exc, "findings", []))
        if not usage:
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


def _policy(checks: tuple[str, ...]):
    from invoices.checks import CheckPolicy

    overrides = {}
    for item in checks:
        code, sep, level = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: expected CODE=LEVEL, e.g. LSS-SRC-031=error", param_hint="--check")
        overrides[code.strip().upper()] = level.strip()
    try:
        return CheckPolicy(overrides)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--check") from None


def _period(value: str) -> str:
    from invoices.build import parse_period

    try:
        return parse_period(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None


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


def _load_common(reporter: Reporter, provider: Path, registry_dirs, municipality: str):
    """Provider, registry entry and the registry; exits 2 on input errors."""
    from invoices.inputs import InputErrors, read_provider
    from invoices.registry import RegistryError, UnknownMunicipality, load_registry

    try:
        reg = load_registry(extra_dirs=list(registry_dirs))
        m = reg.get(municipality)
        prov = read_provider(provider)
    except InputErrors as exc:
        reporter.input_errors(exc)
        raise _Exit(EXIT_USAGE) from None
    except (UnknownMunicipality, RegistryError) as exc:
        reporter.error(str(exc))
        raise _Exit(EXIT_USAGE) from None
    return prov, m, reg


def _read_inputs(reporter: Reporter, timereports: Path, decisions: Path, registry):
    """Time reports and decisions; a decision naming no municipality of ``registry`` is an
    input error (file, row, value). Exits 2 on input errors."""
    from invoices.inputs import InputErrors, read_decisions, read_timereports

    errors = []
    reports = decs = None
    try:
        reports = read_timereports(timereports)
    except InputErrors as exc:
        errors += exc.errors
    try:
        decs = read_decisions(decisions, registry=registry)
    except InputErrors as exc:
        errors += exc.errors
    if errors:
        reporter.input_errors(InputErrors(errors))
        raise _Exit(EXIT_USAGE)
    return reports, decs


_USAGE_REFUSALS = {"no_invoices", "channel_unknown", "invoices_taken"}


def _refused(reporter: Reporter, exc) -> int:
    usage = exc.code in _USAGE_REFUSALS
    reporter.refusal(exc, usage=usage)
    return EXIT_USAGE if usage else EXIT_FINDINGS


def _checks_failed(reporter: Reporter, plan) -> int:
    reporter.findings(plan.findings)
    reporter.data["status"] = "findings"
    n = len(plan.errors)
    reporter.text(f"{n} error{'s' if n != 1 else ''} in the source checks: nothing written "
                  "(levels can be changed with --check CODE=LEVEL)", err=True, style="red")
    return EXIT_FINDINGS


# ------------------------------------------------------------------------------ commands

_common_options = [
    click.option("--provider", "provider", type=click.Path(path_type=Path), required=True,
                 help="The provider profile (TOML)."),
    click.option("--timereports", type=click.Path(path_type=Path), required=True,
                 help="A time-report file (CSV/XLSX) or a folder of them."),
    click.option("--decisions", type=click.Path(path_type=Path), required=True, help="The decisions file (CSV/XLSX)."),
    click.option("--municipality", required=True, help="Slug, name or org nr, e.g. tjorn, boras, vasteras."),
    click.option("--period", required=True, help="The month, YYYY-MM."),
    click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder."),
    click.option("--check", "checks", multiple=True, metavar="CODE=LEVEL",
                 help="Level of a source check: error, warning or off (repeatable), e.g. LSS-SRC-031=error."),
    click.option("--omit-unbilled", is_flag=True,
                 help="Leave out (and report) shifts of kinds the municipality does not bill, instead of refusing."),
    click.option("--registry", "registry_dirs", multiple=True, type=click.Path(path_type=Path),
                 help="A folder of municipality files adding to or overriding the registry (repeatable; "
                      "after $LSSINVOICE_MUNICIPALITIES)."),
    format_option(),
]


_with_common = option_group(_common_options)

_rules_options = [
    click.option("--at", "rules_at", default=None, metavar="YYYY-MM-DD",
                 help="Validate with the OpenPeppol releases accepted on this day [default: today, the day "
                      "the invoice is sent]."),
    click.option("--rules", "rules_release", default=None, metavar="RELEASE",
                 help="Validate with this OpenPeppol release only (3.0.21, 2026.5); "
                      "`lssinvoice schemas status` lists them."),
]
_with_rules = option_group(_rules_options)


def _rules(release: str | None, at: str | None) -> tuple[str | None, date | None]:
    """The --rules/--at pair, checked: a known release, a real date, not both."""
    from validate.releases import UnknownRelease, find

    if release and at:
        raise click.UsageError("--rules names the release itself: it does not go with --at")
    if release:
        try:
            find(release)
        except UnknownRelease as exc:
            raise click.BadParameter(str(exc), param_hint="--rules") from None
    when = None
    if at:
        try:
            when = date.fromisoformat(at)
        except ValueError:
            raise click.BadParameter(f"{at!r} is not a date YYYY-MM-DD", param_hint="--at") from None
    return release, when


@click.group()
def invoice():
    """Make Peppol BIS Billing 3.0 invoices from time reports (and credit notes, templates)."""


@invoice.command("create", epilog=settings.epilog("invoice create"))
@_with_common
@click.option("--kind", type=_KINDS, default="base", show_default=True,
              help="base decision, temporary extension, or extra cost of sick pay.")
@click.option("--sickpay", "sickpay", type=click.Path(path_type=Path), default=None,
              help="The sickness-occasion file (TOML), with --kind sickpay.")
@click.option("--sbdh", is_flag=True, help="Also write each invoice in the Peppol envelope to OUT/outbox/.")
@click.option("--series", "series", type=click.Path(path_type=Path), default=None,
              help="The invoice-number series file [default: <provider>.series.json beside the profile].")
@click.option("--issue-date", "issue_date", default=None, metavar="YYYY-MM-DD", help="Invoice date [default: today].")
@click.option("--payment-terms", "payment_terms", type=click.IntRange(0, 365), default=None, metavar="DAYS",
              help="Payment terms in days [default: the municipality's, from the registry].")
@click.option("--replace", "replace", default=None, metavar="NUMBER",
              help="Bill a month again in full after its invoice NUMBER was credited (`invoice credit`).")
@click.option("--supplement", is_flag=True,
              help="Bill only the hours of a month not billed before (hours added after its first invoice).")
@click.option("--cap-at-granted", "cap_at_granted", is_flag=True,
              help="Bill at most each decision's granted hours (per week, month or period, as LSS-SRC-001 counts "
                   "them): the latest hours of a unit beyond them are left off and listed, instead of refusing "
                   "(base and extension only).")
@click.option("--attach", "attach", multiple=True, metavar="FILE:DESCRIPTION",
              help="A file to attach to every invoice (fullmakt, uppdragsavtal, ...): PDF, PNG, JPEG, CSV, XLSX or "
                   "ODS (BR-CL-24), at most 10 MB, with what it is (repeatable).")
@_with_rules
def create(provider, timereports, decisions, municipality, period, out, checks, omit_unbilled, registry_dirs,
           fmt, kind, sickpay, sbdh, series, issue_date, payment_terms, replace, supplement, cap_at_granted, attach,
           rules_at, rules_release):
    """Make the month's invoice(s) for one municipality: checked, numbered, validated, written.

    One invoice per decision (base or temporary extension), or one per sickness occasion
    (--kind sickpay --sickpay OCCASION.toml). Hours beyond a decision's granted hours are
    refused (LSS-SRC-001), or with --cap-at-granted left off and listed ("beyond_granted"). Every document passes the validation engine,
    with the OpenPeppol release in force today (--at, --rules), before anything is written.
    Exit status: 0 written, 1 refused or findings (nothing written), 2 usage, input or I/O error.
    """
    from invoices.attachment_files import parse_attach_option

    reporter = Reporter("invoice create", fmt)
    rules = _rules(rules_release, rules_at)
    try:
        extra = tuple(parse_attach_option(a) for a in attach)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--attach") from None
    if replace and supplement:
        raise click.UsageError("--replace and --supplement do not go together")
    if cap_at_granted and kind == "sickpay":
        raise click.UsageError("--cap-at-granted is for --kind base or extension")
    try:
        reporter.done(_create(reporter, provider, timereports, decisions, municipality, period, out, checks,
                              omit_unbilled, registry_dirs, kind, sickpay, sbdh, series, issue_date, payment_terms,
                              rules, extra, replace, supplement, cap_at_granted))
    except _Exit as e:
        reporter.done(e.code)


def _create(reporter, provider, timereports, decisions, municipality, period, out, checks, omit_unbilled,
            registry_dirs, kind, sickpay, sbdh, series, issue_date, payment_terms, rules=(None, None),
            extra_attachments=(), replace=None, supplement=False, cap_at_granted=False) -> int:
    from invoices.build import BuildOptions, BuildRefused, plan_invoices, plan_sickpay, require_invoices
    from invoices.claims import SickPayLedger
    from invoices.inputs import InputErrors
    from invoices.occasion import read_occasion
    from invoices.series import NumberSeries, SeriesError

    policy = _policy(checks)
    period = _period(period)
    when = _issue_date(issue_date)
    if kind == "sickpay" and sickpay is None:
        raise click.UsageError("--kind sickpay needs --sickpay OCCASION.toml")
    if kind != "sickpay" and sickpay is not None:
        raise click.UsageError("--sickpay is for --kind sickpay")
    prov, m, reg = _load_common(reporter, provider, registry_dirs, municipality)
    try:
        require_invoices(m, kind)
    except BuildRefused as exc:
        return _refused(reporter, exc)
    reports, decs = _read_inputs(reporter, timereports, decisions, reg)
    spec = None
    if sickpay is not None:
        try:
            spec = read_occasion(sickpay)
        except InputErrors as exc:
            reporter.input_errors(exc)
            return EXIT_USAGE
    series_path = series or default_series_path(provider)
    if not series_path.parent.is_dir():
        reporter.error(f"the folder of the series file {series_path} does not exist")
        return EXIT_USAGE
    if not _one_series(reporter, prov, series_path):
        return EXIT_USAGE
    from invoices.billed import HoursLedger

    hours_ledger = HoursLedger(billed_path(series_path))
    try:
        billed = tuple(hours_ledger.records())
        voided_numbers = tuple(e.number for e in NumberSeries(series_path, prov.invoice_prefix).journal()
                               if e.status == "void")
    except SeriesError as exc:
        reporter.error(str(exc))
        return EXIT_USAGE
    options = BuildOptions(issue_date=when, policy=policy, omit_unbilled=omit_unbilled,
                           payment_terms_days=payment_terms, extra_attachments=extra_attachments,
                           billed=billed, inactive_numbers=voided_numbers, replace=replace, supplement=supplement,
                           cap_at_granted=cap_at_granted)
    ledger = None
    try:
        if kind == "sickpay":
            ledger = SickPayLedger(ledger_path(series_path))
            voided = [e.number for e in NumberSeries(series_path, prov.invoice_prefix).journal() if e.status == "void"]
            plan = plan_sickpay(prov, reports, decs, m, period, spec, options,
                                claimed=ledger.records(), inactive_numbers=voided)
        else:
            plan = plan_invoices(prov, reports, decs, m, period, kind, options)
    except BuildRefused as exc:
        return _refused(reporter, exc)
    except SeriesError as exc:
        reporter.error(str(exc))
        return EXIT_USAGE
    reporter.data.update(municipality=m.display_name, period=period, kind=kind)
    reporter.omitted(plan.omitted)
    if kind != "sickpay":
        reporter.beyond_granted(plan.beyond_granted)
    reporter.notes(plan.notes)
    if plan.errors:
        return _checks_failed(reporter, plan)
    reporter.findings(plan.findings)
    try:
        out.mkdir(parents=True, exist_ok=True)
        code = issue_and_write(plan.drafts, series_path=series_path, prefix=prov.invoice_prefix, out=out,
                               outbox=out / "outbox" if sbdh else None, ledger=ledger, reporter=reporter,
                               rules=rules, hours_ledger=hours_ledger)
    except BuildRefused as exc:
        return _refused(reporter, exc)
    except (SeriesError, OSError) as exc:
        reporter.error(str(exc))
        return EXIT_USAGE
    print_produced(reporter, f"{m.display_name}, {period}: {kind}")
    return code


def _one_series(reporter, prov, series_path: Path) -> bool:
    """The series file is this provider's one for its prefix (:mod:`invoices.series_index`)."""
    from invoices.series_index import SeriesConflict, claim_series

    try:
        claim_series(prov.org_nr, prov.invoice_prefix, series_path)
    except (SeriesConflict, OSError) as exc:
        reporter.error(str(exc))
        return False
    return True


def _issue_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint="--issue-date") from None


@invoice.command("credit", epilog=settings.epilog("invoice credit"))
@click.option("--provider", "provider", type=click.Path(path_type=Path), required=True,
              help="The provider profile (TOML) that issued the invoice.")
@click.option("--original", type=click.Path(path_type=Path), required=True,
              help="The invoice to credit (UBL, or UBL in an SBDH envelope).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option("--reason", default=None, help="Why it is credited (goes into the note; no personal data).")
@click.option("--sbdh", is_flag=True, help="Also write the credit note in the Peppol envelope to OUT/outbox/.")
@click.option("--series", "series", type=click.Path(path_type=Path), default=None,
              help="The invoice-number series file [default: <provider>.series.json beside the profile].")
@click.option("--issue-date", "issue_date", default=None, metavar="YYYY-MM-DD", help="Credit note date [default: today].")
@_with_rules
@format_option()
def credit(provider, original, out, reason, sbdh, series, issue_date, rules_at, rules_release, fmt):
    """Credit an earlier invoice in full (a CreditNote referring to it).

    To correct an invoice, credit it and make a new one. A credited sick-pay invoice
    releases its sickness occasion for a corrected claim.
    """
    reporter = Reporter("invoice credit", fmt)
    rules = _rules(rules_release, rules_at)
    try:
        reporter.done(_credit(reporter, provider, original, out, reason, sbdh, series, issue_date, rules))
    except _Exit as e:
        reporter.done(e.code)


def _credit(reporter, provider, original, out, reason, sbdh, series, issue_date, rules=(None, None)) -> int:
    from invoices.build import BuildOptions, BuildRefused, plan_credit_note, read_original
    from invoices.claims import SickPayLedger
    from invoices.inputs import InputError, InputErrors, read_provider
    from invoices.series import SeriesError

    when = _issue_date(issue_date)
    try:
        prov = read_provider(provider)
        try:
            data = original.read_bytes()
        except OSError as exc:
            raise InputErrors([InputError(original.name, None, None, f"cannot be read ({exc.__class__.__name__})")]) from None
        doc = read_original(data, original.name)
    except InputErrors as exc:
        reporter.input_errors(exc)
        return EXIT_USAGE
    try:
        plan = plan_credit_note(doc, prov, BuildOptions(issue_date=when), reason)
    except BuildRefused as exc:
        return _refused(reporter, exc)
    series_path = series or default_series_path(provider)
    if not _one_series(reporter, prov, series_path):
        return EXIT_USAGE
    ledger_file = ledger_path(series_path)
    ledger = SickPayLedger(ledger_file) if ledger_file.exists() else None
    from invoices.billed import HoursLedger

    hours_file = billed_path(series_path)
    hours_ledger = HoursLedger(hours_file) if hours_file.exists() else None
    try:
        out.mkdir(parents=True, exist_ok=True)
        code = issue_and_write(plan.drafts, series_path=series_path, prefix=prov.invoice_prefix, out=out,
                               outbox=out / "outbox" if sbdh else None, ledger=ledger, reporter=reporter,
                               rules=rules, hours_ledger=hours_ledger)
    except (SeriesError, OSError) as exc:
        reporter.error(str(exc))
        return EXIT_USAGE
    print_produced(reporter, f"credit note for {doc.id}")
    return code


# The number series' own commands (`invoice numbers`, `invoice void`) and the blank input
# files (`invoice template`) live in modules of their own; importing them adds them to the group.
from lssinvoice import cmd_numbers, cmd_templates  # noqa: E402,F401
