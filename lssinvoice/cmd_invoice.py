"""`lssinvoice invoice create|credit|template` and `lssinvoice redovisning`.

A thin shell: read the options, call :mod:`invoices`, write the files it returns, print
what was produced. Exit status: 0 ok; 1 findings or a refusal (source-check errors, a
refusal by the rules — among them a municipality that takes no invoices for the command
used —, validation failed: nothing written); 2 usage, input or I/O error (unreadable input
files, unknown municipality, a write that failed).

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

from datetime import date
from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.cli import option_group
from lssinvoice.invoice_report import (
    Reporter,
    _Exit,
    billed_path,
    default_series_path,
    issue_and_write,
    ledger_path,
    print_produced,
)
from lssinvoice.output import EXIT_FINDINGS, EXIT_USAGE, format_option

_KINDS = click.Choice(["base", "extension", "sickpay"])


# ------------------------------------------------------------------------------ helpers

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




def _refused(reporter: Reporter, exc) -> int:
    """A refusal by the rules: exit 1, as the help says, whatever the refusal."""
    reporter.refusal(exc)
    return EXIT_FINDINGS


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
@click.option("--signed-reports", "signed_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="A folder of signed XML time reports (`timereport sign`): verified, they give the "
                                 "reports' signatures and are attached (as PDF carrying the signed XML) instead of "
                                 "the regenerated CSV.")
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="With --signed-reports: a PEM file of trust anchors (repeatable; pinned, never the system store).")
@click.option("--signatories", type=click.Path(path_type=Path, exists=True), default=None,
              help="With --signed-reports: who may sign besides the assistant (CSV/XLSX: pnr, name, role, "
                   "power_of_attorney).")
@_with_rules
def create(provider, timereports, decisions, municipality, period, out, checks, omit_unbilled, registry_dirs,
           fmt, kind, sickpay, sbdh, series, issue_date, payment_terms, replace, supplement, cap_at_granted, attach,
           signed_dir, trust, signatories, rules_at, rules_release):
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
    if bool(signed_dir) != bool(trust):
        raise click.UsageError("--signed-reports and --trust go together (signatures are verified before use)")
    try:
        signed = _signed(reporter, signed_dir, trust, signatories) if signed_dir else ()
        reporter.done(_create(reporter, provider, timereports, decisions, municipality, period, out, checks,
                              omit_unbilled, registry_dirs, kind, sickpay, sbdh, series, issue_date, payment_terms,
                              rules, extra, replace, supplement, cap_at_granted, signed))
    except _Exit as e:
        reporter.done(e.code)


def _create(reporter, provider, timereports, decisions, municipality, period, out, checks, omit_unbilled,
            registry_dirs, kind, sickpay, sbdh, series, issue_date, payment_terms, rules=(None, None),
            extra_attachments=(), replace=None, supplement=False, cap_at_granted=False, signed=()) -> int:
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
    if signed:
        from invoices.signed_attach import apply_signatures

        reports, notes = apply_signatures(reports, signed)
        reporter.notes(notes)
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
                           cap_at_granted=cap_at_granted, signed_reports=tuple(signed))
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
    reporter.checklist(plan.drafts, m.display_name)
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


def _signed(reporter, folder: Path, trust, signatories) -> tuple:
    """The verified signed reports of ``folder``; one that does not verify refuses the command."""
    from invoices.input_errors import InputErrors
    from lssinvoice.signed_inputs import read_signed

    try:
        signed, problems = read_signed(folder, tuple(trust), signatories)
    except (OSError, ValueError, InputErrors) as exc:
        reporter.error(str(exc))
        raise _Exit(EXIT_USAGE) from None
    if problems:
        reporter.data["status"] = "refused"
        reporter.data["refusal"] = {"code": "signed_report_invalid", "message": "; ".join(problems)}
        for p in problems:
            reporter.text(f"refused (signed_report_invalid): {p}", err=True, style="red")
        reporter.text("nothing written", err=True)
        raise _Exit(EXIT_FINDINGS)
    return signed


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
