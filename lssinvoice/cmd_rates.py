"""`lssinvoice rates show|set`: every hourly rate the registry holds, with its source, and the
rates an administrator enters for a year the packaged registry does not know yet
(:mod:`invoices.rate_overrides`).

Exit status: 0 done; 1 refused (a rate without a source, an amount that is not one: nothing
entered); 2 usage or I/O (an unknown municipality, the file that cannot be written).
"""
from __future__ import annotations

from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.output import CommandError, CommandRefused, emit, format_option

REGISTRY = click.option("--registry", "registry_dirs", multiple=True, type=click.Path(path_type=Path),
                        help="A folder of municipality files adding to or overriding the registry (repeatable).")


@click.group()
def rates():
    """Hourly rates: what the registry holds, and rates entered for a newly decided year."""


@rates.command("show", epilog=settings.epilog("rates show"))
@click.option("--municipality", default=None, help="Only this buyer (a registry slug, name or org nr).")
@REGISTRY
@format_option()
def show(municipality, registry_dirs, fmt):
    """Every hourly rate per municipality and year, the on-call and standby rates a
    municipality's entry gives (kind_rates: an amount per year or a share of the hourly rate),
    and FK's standard amount per year, each with its source (an entered one says so)."""
    from invoices.registry import RegistryError, UnknownMunicipality, load_registry

    try:
        registry = load_registry(extra_dirs=list(registry_dirs))
        buyers = [registry.find(municipality)] if municipality else list(registry)
    except (RegistryError, UnknownMunicipality) as exc:
        raise CommandError(str(exc)) from None
    data = {"municipalities": [{"slug": m.slug, "name": m.display_name, "rates": [
        {"year": y, "amount": f"{m.sourced_hourly_rate(y).value:.2f}", "source": m.sourced_hourly_rate(y).source}
        for y in m.known_rate_years()], "kind_rates": _kind_rates(m)} for m in buyers],
        "fk": [{"year": y, "amount": f"{registry.fk.amount(y):.2f}", "source": registry.fk.sourced(y).source}
               for y in registry.fk.years]}
    emit(data, fmt=fmt)
    if fmt == "text":
        for m in data["municipalities"]:
            click.echo(f"{m['name']} ({m['slug']}):" + ("" if m["rates"] else " no sourced rate"))
            for r in m["rates"]:
                click.echo(f"  {r['year']}  {r['amount']:>8} kr/h  {r['source']}")
            for r in m["kind_rates"]:
                if "share" in r:
                    click.echo(f"  {r['kind']}: {r['share']} of the hourly rate  {r['source']}")
                else:
                    click.echo(f"  {r['kind']} {r['year']}  {r['amount']:>8} kr/h  {r['source']}")
        click.echo("Försäkringskassan's standard amount (schablonbelopp):")
        for r in data["fk"]:
            click.echo(f"  {r['year']}  {r['amount']:>8} kr/h  {r['source']}")


def _kind_rates(m) -> list[dict]:
    """On-call and standby rates of ``m`` (``[[kind_rates]]``, :mod:`invoices.kind_rates`), with sources."""
    out: list[dict] = []
    for rule in m.kind_rates:
        if rule.share is not None:
            out.append({"kind": rule.kind.value, "share": str(rule.share.value), "source": rule.share.source})
        out += [{"kind": rule.kind.value, "year": y, "amount": f"{a.value:.2f}", "source": a.source}
                for y, a in sorted(rule.amounts.items())]
    return out


@rates.command("set", epilog=settings.epilog("rates set"))
@click.option("--municipality", default=None, help="Whose rate (a registry slug, name or org nr).")
@click.option("--fk", "fk", is_flag=True, help="Försäkringskassan's standard amount (schablonbelopp) instead.")
@click.option("--year", type=int, required=True, help="The year of the work the rate is for.")
@click.option("--amount", required=True, help="SEK per hour, at most two decimals (e.g. 310.00).")
@click.option("--source", required=True, help="Where the amount is decided (the decision, its date, where published).")
@REGISTRY
@format_option()
def set_rate(municipality, fk, year, amount, source, registry_dirs, fmt):
    """Enter a rate for a year the registry does not know yet (or a newer decision for one it
    does), kept in the user's configuration folder ($LSSINVOICE_RATES), never in the package."""
    from invoices.rate_overrides import save_override
    from invoices.registry import RegistryError, UnknownMunicipality, load_registry

    if bool(municipality) == bool(fk):
        raise click.UsageError("give one of --municipality M and --fk")
    slug = None
    if municipality:
        try:
            slug = load_registry(extra_dirs=list(registry_dirs)).find(municipality).slug
        except (RegistryError, UnknownMunicipality) as exc:
            raise CommandError(str(exc)) from None
    try:
        path, value = save_override(year=year, amount=amount, source=source, municipality=slug)
    except ValueError as exc:
        raise CommandRefused(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write the entered rates: {exc.strerror or exc}") from None
    who = slug or "fk"
    emit({"rate": who, "year": year, "amount": f"{value:.2f}", "source": source.strip(), "file": str(path)}, fmt=fmt)
    if fmt == "text":
        click.echo(f"{who} {year}: {value:.2f} kr/h entered ({source.strip()}); kept in {path}")
