"""`lssinvoice registers`: the municipality's registers (decisions, FK's decisions, assistants).

``import`` reads and validates every file given, then imports them in one transaction
(:func:`ingest.registers.import_registers`): a file equal to the register in force writes
nothing. ``show`` only reads (the store is never created or migrated); personnummer are
masked unless ``--full-pnr``.

Exit status: 0 done; 1 a file has bad rows (every problem listed, nothing imported); 2 usage
or I/O (no file given, a file or the store that cannot be read, an unknown municipality).
"""
from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, CommandError, emit, finish, format_option

DB = click.option("--db", default=settings.default_db,
                  show_default="$LSSINVOICE_DB, else sqlite under $LSSINVOICE_DATA",
                  help="Database URL of the municipality's store: sqlite:///path or postgresql://user@host/db.")
MUNICIPALITY = click.option("--municipality", envvar=settings.MUNICIPALITY_VAR, show_envvar=True, required=True,
                            help="Whose registers (a registry slug, name or org nr).")
REGISTRY = click.option("--registry", "registry_dirs", multiple=True, type=click.Path(path_type=Path),
                        help="A folder of municipality files adding to or overriding the registry (repeatable).")
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _store_error(db: str, exc: Exception) -> CommandError:
    """The store failed: its class and first line, never the statement's parameters."""
    from ingest.reading import shown_url
    from invoices.model import mask_personal_numbers

    first = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else ""
    return CommandError(f"the store {shown_url(db)} failed: {exc.__class__.__name__}: "
                        f"{mask_personal_numbers(first)}; nothing was imported")


def _slug(municipality: str, registry_dirs) -> str:
    from invoices.registry import RegistryError, UnknownMunicipality, load_registry

    try:
        return load_registry(extra_dirs=list(registry_dirs)).find(municipality).slug
    except (RegistryError, UnknownMunicipality) as exc:
        raise CommandError(str(exc)) from None


@click.group()
def registers():
    """The municipality's registers: decisions, Försäkringskassan's decisions, and the
    assistants as their employers report them (11 a § LSS), kept in versions."""


@registers.command("import", epilog=settings.epilog("registers import"))
@DB
@MUNICIPALITY
@click.option("--decisions", type=_FILE, default=None,
              help="The decisions register (CSV or XLSX; decision_id/beslut, client_pnr/personnummer, kind/typ, ...).")
@click.option("--fk-decisions", "fk_decisions", type=_FILE, default=None,
              help="Försäkringskassan's decisions (CSV or XLSX; client_pnr, valid_from, valid_to, "
                   "fk_hours_per_week).")
@click.option("--assistants", type=_FILE, default=None,
              help="The assistants as their employers report them (CSV or XLSX; 11 a § LSS), one row per version.")
@REGISTRY
@click.option("--agreements", "agreement_dirs", multiple=True, type=click.Path(path_type=Path),
              help="A folder of agreement profiles (TOML) a regime may name, beside the statutory ones (repeatable).")
@click.option("--by", default=None, help="Who imports (recorded with the import and in the audit trail; default: "
                                         "the OS user).")
@format_option()
def import_cmd(db, municipality, decisions, fk_decisions, assistants, registry_dirs, agreement_dirs, by, fmt):
    """Import register files: every row of every file validated first (nothing imported if one
    is bad), then rows added, changed (the old version kept, superseded) and removed, in one
    transaction. A file that changes nothing writes nothing. Creates or upgrades the store."""
    from ingest.registers import import_registers
    from ingest.store import Store, StoreError
    from invoices.agreements import AgreementError, load_profiles
    from invoices.input_errors import InputErrors
    from sqlalchemy.exc import SQLAlchemyError

    files = {name: path for name, path in (("decisions", decisions), ("fk_decisions", fk_decisions),
                                           ("assistants", assistants)) if path is not None}
    if not files:
        raise click.UsageError("give at least one register file: --decisions, --fk-decisions or --assistants")
    slug = _slug(municipality, registry_dirs)
    try:
        profiles = load_profiles(agreement_dirs)
    except AgreementError as exc:
        raise CommandError(str(exc)) from None
    try:
        store = Store(db)
        store.migrate()
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise _store_error(db, exc) from None
    try:
        outcomes = import_registers(store, slug, files, imported_by=by or getpass.getuser(), now=datetime.now(UTC),
                                    profiles=profiles)
    except InputErrors as exc:
        _refused(slug, exc, fmt)
        return
    except SQLAlchemyError as exc:
        raise _store_error(db, exc) from None
    except (OSError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.dispose()
    results = [o.to_dict() for o in outcomes]
    data = {"municipality": slug, "status": "imported" if any(o.import_id for o in outcomes) else "unchanged",
            "registers": results}
    emit(data, fmt=fmt)
    if fmt == "text":
        click.echo(f"registers of {slug}:")
        for r in results:
            click.echo("  " + _import_line(r))


def _import_line(r: dict) -> str:
    counts = (f"{r['rows']} rows: {r['added']} added, {r['changed']} changed, {r['removed']} removed, "
              f"{r['unchanged']} unchanged")
    if r["import_id"] is None:
        return (f"{r['register']:13} {r['source_name']}: unchanged, the register in force holds it ({counts}); "
                "nothing written")
    return f"{r['register']:13} {r['source_name']}: imported as version {r['import_id']} ({counts})"


def _refused(slug: str, exc, fmt: str) -> None:
    from invoices.model import mask_personal_numbers

    problems = [{"file": e.file, "row": e.row, "field": e.field, "message": e.message} for e in exc]
    emit({"municipality": slug, "status": "refused", "problems": problems}, fmt=fmt, code=EXIT_FINDINGS)
    if fmt == "text":
        click.echo(f"registers of {slug}: nothing imported, {len(problems)} problem(s):")
        for e in exc:
            click.echo(f"  {mask_personal_numbers(str(e))}")
    finish(EXIT_FINDINGS)


@registers.command("show", epilog=settings.epilog("registers show"))
@DB
@MUNICIPALITY
@click.option("--register", type=click.Choice(["decisions", "fk-decisions", "assistants"]), default=None,
              help="Only this register (default: all three).")
@click.option("--history", is_flag=True,
              help="Every version of every row (with the import that replaced it) and the imports, newest first.")
@click.option("--full-pnr", is_flag=True,
              help="Show personnummer whole, for the case officer (default: masked, ********-1234).")
@REGISTRY
@format_option()
def show_cmd(db, municipality, register, history, full_pnr, registry_dirs, fmt):
    """The registers in force (each with its version, the latest import) and, with --history,
    their earlier versions. Reads only: the store is never created or changed. No birth date
    is shown."""
    from ingest.registers import registers_view
    from ingest.store import StoreError

    slug = _slug(municipality, registry_dirs)
    try:
        data = registers_view(db, slug, register=register, history=history, full_pnr=full_pnr)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    emit(data, fmt=fmt)
    if fmt == "text":
        for line in show_lines(data):
            click.echo(line)
    finish(EXIT_OK)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def table_lines(rows: list[dict]) -> list[str]:
    """Rows as aligned columns under their names (``-`` for nothing, yes/no for flags)."""
    if not rows:
        return []
    cells = [list(rows[0])] + [[_cell(v) for v in row.values()] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]


def show_lines(data: dict) -> list[str]:
    lines = [f"registers of {data['municipality']} (personnummer {data['personnummer']})"]
    for reg in data["registers"]:
        version = f"version {reg['version']}" if reg["version"] is not None else "never imported"
        lines.append(f"\n{reg['register']} ({version}, {len(reg['rows'])} rows"
                     + (" in all versions)" if "imports" in reg else " in force)"))
        lines += ["  " + line for line in table_lines(reg["rows"])]
        for imp in reg.get("imports", []):
            lines.append(f"  import {imp['id']} at {imp['imported_at']} by {imp['imported_by']}: {imp['source_name']} "
                         f"(sha256 {imp['sha256'][:16]}…): {imp['rows']} rows, {imp['added']} added, "
                         f"{imp['changed']} changed, {imp['removed']} removed, {imp['unchanged']} unchanged")
    return lines
