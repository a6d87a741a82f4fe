"""`lssinvoice check`: every billed hour of a period's invoices against the time reports,
decisions, rates and the law; the run is kept in the store (``check_runs`` and the rest).

Exit status: 0 no invoice has a finding, 1 findings, 2 usage or I/O (no such store, an
unknown municipality, a period that is not a month).
"""
from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, CommandError, emit, finish, format_option


def _period(ctx, param, value: str) -> str:
    from invoices.hours import parse_period

    try:
        return parse_period(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _levels(pairs: tuple[str, ...]) -> dict[str, str]:
    levels = {}
    for pair in pairs:
        code, _, level = pair.partition("=")
        if level not in ("error", "warning", "off") or not code:
            raise click.BadParameter(f"{pair!r}: expected CODE=error|warning|off", param_hint="--level")
        levels[code.strip()] = level
    return levels


def _store_municipality(db: str) -> str:
    """The municipality the store's registers and runs name (:func:`ingest.whose.municipality_of_store`)."""
    from ingest.reading import open_existing
    from ingest.whose import municipality_of_store

    store = open_existing(db)
    try:
        return municipality_of_store(store.engine)
    except LookupError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.dispose()


def _text(data: dict) -> None:
    click.echo(f"check run {data['run_id']} of {data['period']} ({data['municipality']}): "
               f"{len(data['invoices'])} invoice(s); digest {data['digest'][:16]}")
    for inv in data["invoices"]:
        click.echo(f"\n{inv['number']}  seller {inv['seller']}  invoiced {inv['invoiced']}  "
                   f"reimbursable {inv['reimbursable']}  disputed {inv['disputed']}")
        for f in inv["findings"]:
            click.echo(f"  {f['severity']:7} {f['code']}  {f['hours']} h  {f['amount']} kr  [{f['basis']}]")
            click.echo(f"          {f['message']}")
    if data["answers"] is not None:
        click.echo(f"\nanswers by the case policy: {len(data['answers'])}")
        for a in data["answers"]:
            click.echo(f"  {a['number']}: {a['outcome']} ({a['why']})" + (f" {a['response_id']}" if a['response_id'] else ""))


@click.command("check", epilog=settings.epilog("check"))
@click.option("--db", default=settings.default_db, show_default="$LSSINVOICE_DB, else sqlite under $LSSINVOICE_DATA",
              help="Database URL of the store the invoices were ingested into.")
@click.option("--period", required=True, callback=_period, help="The month to check, YYYY-MM.")
@click.option("--municipality", envvar=settings.MUNICIPALITY_VAR, show_envvar=True, default=None,
              help="Whose registers and rates (a registry slug, name or org nr) [default: the one the store's "
                   "registers name].")
@click.option("--registry", "registry_dirs", multiple=True, type=click.Path(path_type=Path),
              help="A folder of municipality files adding to or overriding the registry (repeatable).")
@click.option("--agreements", "agreement_dirs", multiple=True, type=click.Path(path_type=Path),
              help="A folder of agreement profiles (TOML) adding to the statutory ones (repeatable).")
@click.option("--level", "levels", multiple=True, metavar="CODE=LEVEL",
              help="Override a finding's level: error (cuts), warning (shown, cuts nothing) or off (repeatable).")
@click.option("--by", default=None, help="Who runs the check (recorded in the audit trail; default: the OS user).")
@click.option("--answer/--no-answer", default=True, show_default=True,
              help="Answer by the case policy after the run (as `lssinvoice case policy RUN_ID`): AP for an invoice "
                   "with no finding; one with findings queried (UQ) or left for the officer, as --policy says.")
@click.option("--policy", "policy_text", envvar=settings.CASE_POLICY_VAR, show_envvar=True, default="",
              help="findings=manual|query,warnings=findings|clean [default: findings=manual,warnings=findings].")
@format_option()
def check(db, period, municipality, registry_dirs, agreement_dirs, levels, by, answer, policy_text, fmt):
    """Check every invoice of PERIOD: findings with their legal basis, hours and amounts cut,
    and per invoice what is invoiced, reimbursable and disputed; then answer by the case policy."""
    from ingest.casework.cases import CaseError
    from ingest.casework.decide import CasePolicy, apply_policy
    from ingest.casework.runs import check_period
    from ingest.reading import open_existing
    from ingest.store import Store, StoreError
    from invoices.agreements import load_profiles
    from invoices.registry import RegistryError, UnknownMunicipality, load_registry

    try:
        policy = CasePolicy.parse(policy_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--policy") from None
    try:
        registry = load_registry(extra_dirs=list(registry_dirs))
        if municipality is None:
            municipality = _store_municipality(db)
        buyer = registry.find(municipality)
        profiles = load_profiles(agreement_dirs)
        open_existing(db).dispose()  # a store that does not exist or is not at this schema: an error
        store = Store(db)
    except (RegistryError, UnknownMunicipality, StoreError) as exc:
        raise CommandError(str(exc)) from None
    fk = {year: registry.fk_standard_amount(year) for year in registry.fk.years}
    # The buyer's levels (registry [case_levels]), then this run's --level overrides.
    levels = {code: s.value for code, s in buyer.case_levels.items()} | _levels(levels)
    answers = []
    try:
        outcome = check_period(store.engine, buyer, period, profiles, by=by or getpass.getuser(),
                               now=datetime.now(UTC), levels=levels, fk_amounts=fk)
        if answer:
            answers = apply_policy(store, outcome.run_id, policy, now=datetime.now(UTC))
    except CaseError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.dispose()
    data = {"run_id": outcome.run_id, "period": period, "municipality": buyer.slug, "digest": outcome.digest,
            "shifts_loaded": outcome.loaded.shifts, "register_imports": outcome.loaded.register_imports,
            "invoices": [i.to_dict() for i in outcome.result.invoices],
            "answers": [vars(a) for a in answers] if answer else None}
    code = EXIT_FINDINGS if any(i["findings"] for i in data["invoices"]) else EXIT_OK
    emit(data, fmt=fmt, code=code)
    if fmt == "text":
        _text(data)
    finish(code)
