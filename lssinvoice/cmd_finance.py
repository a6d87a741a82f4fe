"""`lssinvoice reconcile`, `payments import`, `recovery list|settle`: finance's month.

``reconcile`` writes the period's reconciliation into ``--out`` (:mod:`ingest.finance.outputs`:
JSON, CSVs, an XLSX workbook and a self-contained HTML report; ``run.json`` holds who ran it and
when) and opens the recovery claims it finds. ``payments import`` imports the finance system's
payment export and answers PD for the invoices it pays in full. ``recovery settle`` closes a
claim.

Exit status: 0 done and nothing to look at; 1 the run has findings (FIN-*), a payment file
has bad rows (every problem listed, nothing imported) or a claim already settled is refused;
2 usage or I/O.
"""
from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.cmd_registers import DB, MUNICIPALITY, REGISTRY, _refused, _slug, _store_error
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, CommandError, CommandRefused, emit, finish, format_option


def _period(ctx, param, value: str) -> str:
    from invoices.hours import parse_period

    try:
        return parse_period(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _store(db: str, migrate: bool = False):
    from ingest.reading import open_existing
    from ingest.store import Store, StoreError

    try:
        if migrate:
            store = Store(db)
            store.migrate()
            return store
        open_existing(db).dispose()
        return Store(db)
    except StoreError as exc:
        raise CommandError(str(exc)) from None


@click.command("reconcile", epilog=settings.epilog("reconcile"))
@DB
@click.option("--period", required=True, callback=_period, help="The month to reconcile, YYYY-MM.")
@click.option("--municipality", envvar=settings.MUNICIPALITY_VAR, show_envvar=True, default=None,
              help="Whose month (a registry slug, name or org nr) [default: the one the store's registers name].")
@REGISTRY
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write reconciliation.{json,xlsx,html}, the CSVs and run.json into.")
@click.option("--by", default=None, help="Who runs it (recorded in run.json and the audit trail; default: the OS user).")
@format_option()
def reconcile(db, period, municipality, registry_dirs, out_dir, by, fmt):
    """The month's reconciliation per provider and invoice: invoiced, reimbursable, disputed,
    approved, paid, outstanding and to recover; Försäkringskassan's 20-hour invoices apart."""
    from ingest.finance.outputs import write_outputs
    from ingest.finance.reconcile import reconcile as run
    from ingest.reading import shown_url
    from sqlalchemy.exc import SQLAlchemyError

    from lssinvoice.cmd_check import _store_municipality

    slug = _slug(municipality or _store_municipality(db), registry_dirs)
    who, now = by or getpass.getuser(), datetime.now(UTC)
    store = _store(db)
    try:
        rec = run(store, slug, period, now=now, by=who)
    except SQLAlchemyError as exc:
        raise _store_error(db, exc) from None
    finally:
        store.dispose()
    try:
        sizes = write_outputs(rec, out_dir, metadata={"municipality": slug, "period": period, "by": who,
                                                      "at": now.isoformat(timespec="seconds"), "store": shown_url(db)})
    except OSError as exc:
        raise CommandError(f"cannot write {out_dir}: {exc.strerror or exc}") from None
    totals = {k: (f"{v:.2f}" if not isinstance(v, int) else v) for k, v in rec.totals().items()}
    data = {"municipality": slug, "period": period, "out": str(out_dir), "files": sizes, "totals": totals,
            "findings": [{"code": f.code, "subject": f.subject, "amount": f"{f.amount:.2f}", "message": f.message}
                         for f in rec.findings]}
    code = EXIT_FINDINGS if rec.findings else EXIT_OK
    emit(data, fmt=fmt, code=code)
    if fmt == "text":
        click.echo(f"reconciliation {period} of {slug}: {totals['invoices']} invoice(s), net invoiced {totals['net']}, "
                   f"approved {totals['approved']}, paid {totals['paid']}, outstanding {totals['outstanding']}, "
                   f"to recover {totals['recoverable']}; written to {out_dir}")
        for f in rec.findings:
            click.echo(f"  {f.code} {f.subject}: {f.message}")
    finish(code)


@click.group()
def payments():
    """The finance system's payments: imported, matched to invoices, answered PD (paid)."""


@payments.command("import", epilog=settings.epilog("payments import"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB
@MUNICIPALITY
@REGISTRY
@click.option("--by", default=None, help="Who imports (recorded with the import; default: the OS user).")
@format_option()
def payments_import(file, db, municipality, registry_dirs, by, fmt):
    """Import FILE (CSV or XLSX: invoice number, seller org nr, amount, date; Swedish headings
    too), match each payment to its invoice and answer PD for the invoices paid in full. A file
    imported before imports nothing."""
    from ingest.finance.payments import import_payments
    from invoices.input_errors import InputErrors
    from sqlalchemy.exc import SQLAlchemyError

    slug = _slug(municipality, registry_dirs)
    store = _store(db, migrate=True)
    try:
        outcome = import_payments(store, slug, file, by=by or getpass.getuser(), now=datetime.now(UTC))
    except InputErrors as exc:
        _refused(slug, exc, fmt)
        return
    except SQLAlchemyError as exc:
        raise _store_error(db, exc) from None
    except OSError as exc:
        raise CommandError(f"cannot read {file}: {exc.strerror or exc}") from None
    finally:
        store.dispose()
    data = {"municipality": slug, "file": file.name, "import_id": outcome.import_id, "rows": outcome.rows,
            "matched": outcome.matched, "unmatched": outcome.unmatched, "answered_paid": list(outcome.answered_paid)}
    code = EXIT_FINDINGS if outcome.unmatched else EXIT_OK
    emit(data, fmt=fmt, code=code)
    if fmt == "text":
        if outcome.import_id is None:
            click.echo(f"{file.name}: imported before; nothing written")
        else:
            click.echo(f"{file.name}: {outcome.rows} payment(s), {outcome.matched} matched, {outcome.unmatched} "
                       f"matching no invoice; PD sent for {', '.join(outcome.answered_paid) or 'none'}")
    finish(code)


@click.group()
def recovery():
    """Recovery claims (12 § LSS): what was paid and is now found not owed."""


@recovery.command("list", epilog=settings.epilog("recovery list"))
@DB
@MUNICIPALITY
@REGISTRY
@format_option()
def recovery_list(db, municipality, registry_dirs, fmt):
    """Every recovery claim, open ones first."""
    from ingest import tables as t
    from sqlalchemy import select

    slug = _slug(municipality, registry_dirs)
    store = _store(db)
    try:
        with store.engine.connect() as conn:
            c, inv = t.recovery_claims, t.invoices
            rows = conn.execute(select(c.c.id, inv.c.invoice_number, inv.c.seller_key, c.c.amount, c.c.state,
                                       c.c.period, c.c.finding_codes).join(inv, inv.c.id == c.c.invoice_id)
                                .where(c.c.municipality == slug).order_by(c.c.state != "open", c.c.id)).all()
    finally:
        store.dispose()
    claims = [{"claim": r[0], "invoice": r[1], "seller": r[2], "amount": f"{r[3]:.2f}", "state": r[4],
               "opened_in": r[5], "finding_codes": r[6]} for r in rows]
    emit({"municipality": slug, "claims": claims}, fmt=fmt)
    if fmt == "text":
        for c in claims:
            click.echo(f"{c['claim']:>5}  {c['state']:7} {c['invoice']}  {c['seller']}  {c['amount']}  "
                       f"(opened {c['opened_in']}: {c['finding_codes']})")
        if not claims:
            click.echo("no recovery claims")


@recovery.command("settle", epilog=settings.epilog("recovery settle"))
@click.argument("claim_id", type=int)
@DB
@click.option("--offset", "offset_number", default=None,
              help="The later invoice (its number) the claim was set off against.")
@click.option("--repaid", is_flag=True, help="The provider paid the claim back.")
@click.option("--note", default=None, help="Why, or the payment's reference (kept with the claim).")
@click.option("--by", default=None, help="Who settles it (default: the OS user).")
@format_option()
def recovery_settle(claim_id, db, offset_number, repaid, note, by, fmt):
    """Close recovery claim CLAIM_ID: set off against a later invoice (--offset NUMBER) or paid
    back (--repaid)."""
    from ingest.casework.cases import CaseError, find_invoice
    from ingest.finance.reconcile import settle_claim

    if bool(offset_number) == bool(repaid):
        raise click.UsageError("give one of --offset NUMBER and --repaid")
    store = _store(db)
    try:
        offset = None
        if offset_number:
            with store.engine.connect() as conn:
                try:
                    offset = find_invoice(conn, offset_number)
                except CaseError as exc:
                    raise CommandError(str(exc)) from None
        try:
            state = settle_claim(store, claim_id, by=by or getpass.getuser(), now=datetime.now(UTC),
                                 offset_invoice=offset, note=note)
        except ValueError as exc:  # already settled: a refusal
            raise CommandRefused(str(exc)) from None
        except LookupError as exc:
            raise CommandError(str(exc)) from None
    finally:
        store.dispose()
    emit({"claim": claim_id, "state": state}, fmt=fmt)
    if fmt == "text":
        click.echo(f"recovery claim {claim_id}: {state}")
