"""Rates that stay current (issue 13): `lssinvoice rates show` with every source, and
`rates set` entering a newly decided year's rate, with its source, outside the package."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from invoices.rate_overrides import load_overrides
from invoices.registry import RateUnknown, RegistryError, load_registry
from lssinvoice.cli import main


@pytest.fixture
def rates_file(tmp_path, monkeypatch):
    path = tmp_path / "config" / "rates.toml"
    monkeypatch.setenv("LSSINVOICE_RATES", str(path))
    return path


def run(*args):
    return CliRunner().invoke(main, [*args, "--format", "json"])


def test_an_entered_rate_bills_the_year_the_package_does_not_know(rates_file):
    with pytest.raises(RateUnknown):
        load_registry().get("boras").hourly_rate(2025)
    result = run("rates", "set", "--municipality", "Borås Stad", "--year", "2025", "--amount", "310,50",
                 "--source", "Borås Stad, kommunstyrelsens beslut 2024-11-20")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["result"]["amount"] == "310.50"
    boras = load_registry().get("boras")
    assert boras.hourly_rate(2025) == Decimal("310.50")
    assert boras.sourced_hourly_rate(2025).source.endswith("Borås Stad, kommunstyrelsens beslut 2024-11-20")
    assert boras.hourly_rate(2024) == Decimal("303")  # the packaged year is untouched
    assert boras.known_rate_years() == (2024, 2025)
    assert rates_file.stat().st_mode & 0o077 == 0
    # FK's table: Tjörn pays FK's amount, so FK's 2025 gives Tjörn's 2025
    result = run("rates", "set", "--fk", "--year", "2025", "--amount", "340.40", "--source", "Regeringen, 2024")
    assert result.exit_code == 0, result.output
    registry = load_registry()
    assert registry.fk_standard_amount(2025) == Decimal("340.40")
    assert registry.get("tjorn").hourly_rate(2025) == Decimal("340.40")
    shown = json.loads(run("rates", "show").output)["result"]
    fk = {r["year"]: r for r in shown["fk"]}
    assert fk[2025]["amount"] == "340.40" and fk[2025]["source"].startswith("entered (")
    assert fk[2022] == {"year": 2022, "amount": "319.70", "source": fk[2022]["source"]}
    boras_rows = next(m for m in shown["municipalities"] if m["slug"] == "boras")["rates"]
    assert [(r["year"], r["amount"]) for r in boras_rows] == [(2024, "303.00"), (2025, "310.50")]
    # entering the year again replaces it
    assert run("rates", "set", "--municipality", "boras", "--year", "2025", "--amount", "311",
               "--source", "rättelse").exit_code == 0
    assert load_registry().get("boras").hourly_rate(2025) == Decimal("311")
    assert load_registry(use_env=False).get("boras").known_rate_years() == (2024,)  # a registry of its own


@pytest.mark.parametrize("args, message, code", [
    (("--municipality", "boras", "--year", "2025", "--amount", "310", "--source", " "), "without a source is refused", 1),
    (("--municipality", "boras", "--year", "2025", "--amount", "310.505", "--source", "x"), "more than 2 decimals", 1),
    (("--municipality", "boras", "--year", "2025", "--amount", "-1", "--source", "x"), "not a positive amount", 1),
    (("--municipality", "Ingenstans", "--year", "2025", "--amount", "310", "--source", "x"), "unknown municipality", 2),
])
def test_a_rate_is_refused_without_a_source_or_with_a_wrong_amount(rates_file, args, message, code):
    # A refusal is exit 1, as the help says; an unknown municipality is a usage error (2).
    result = run("rates", "set", *args)
    assert result.exit_code == code and message in result.output
    assert not rates_file.exists()


def test_one_of_municipality_and_fk(rates_file):
    result = CliRunner().invoke(main, ["rates", "set", "--year", "2025", "--amount", "1", "--source", "x"])
    assert result.exit_code == 2 and "give one of --municipality M and --fk" in result.output


def test_a_broken_file_names_the_entry(rates_file):
    rates_file.parent.mkdir(parents=True)
    rates_file.write_text('format = 1\n[municipalities.boras]\n2025 = { value = "310" }\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="municipalities.boras.2025: a rate without a source is refused"):
        load_overrides()
    rates_file.write_text('format = 1\n[municipalities.ingenstans]\n2025 = { value = "310", source = "x" }\n',
                          encoding="utf-8")
    with pytest.raises(RegistryError, match="rates entered for 'ingenstans', which the registry does not know"):
        load_registry()
