"""Naming a municipality (Municipality.matches, Registry.find, decisions files) and the rules
that vary by buyer as registry data (one invoice per decision; an extension invoice carries
the base decision's time reports).

All identities are synthetic: personnummer from tests/factories.py (valid Luhn check digit),
fictional names.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from invoices.build import BuildOptions, BuildRefused, plan_invoices
from invoices.inputs import InputError, InputErrors, read_decisions, read_timereports
from invoices.registry import (
    DEFAULT_EXTENSION_CARRIES_BASE_TIMEREPORTS,
    DEFAULT_ONE_INVOICE_PER_DECISION,
    RegistryError,
    UnknownMunicipality,
    load_registry,
    packaged_dir,
)

from . import factories
from .factories import ANNA, PROVIDER, not_pdf, synthetic_pnr, timereport_row, write_csv

REGISTRY = load_registry(use_env=False)
TJORN = REGISTRY.find("tjorn")
KNOWN = ("boras (Borås Stad, 212000-1561); forsakringskassan (Försäkringskassan, 202100-5521); "
         "tjorn (Tjörns kommun, 212000-1306); vasteras (Västerås stad, 212000-2080)")
OPTS = BuildOptions(issue_date=date(2024, 4, 2))
CLIENTS = [synthetic_pnr(f"197{i}0315", "128") for i in range(4)]


def decision_row(decision_id: str, client: str, municipality: str, kind: str = "base",
                 valid_from: str = "2024-01-01", valid_to: str = "2024-12-31") -> dict:
    return factories.decision_row(decision_id=decision_id, client_pnr=client, municipality=municipality, kind=kind,
                                  valid_from=valid_from, valid_to=valid_to, granted_hours="300", granted_per="month")


def shift_row(client: str, day: str, start: str, end: str, decision_id: str, n: int) -> dict:
    """Anna's day for the n-th client."""
    return timereport_row(assistant_pnr=ANNA.pnr, assistant_name=ANNA.name, client_pnr=client,
                          client_name=f"Klient Nummer{'abcd'[n]}", date=day, start=start, end=end,
                          decision_id=decision_id, supervisor_signed="yes", calculation_period="4 veckor")


# ------------------------------------------------------------------------ naming a buyer

@pytest.mark.parametrize("text", [
    "tjorn", "Tjörn", "TJÖRN", "  tjörn  ", "TJÖRN KOMMUN", "Tjörn kommun", "Tjörns kommun", "tjorns kommun",
    "Tjorn Kommun", "212000-1306", "2120001306", "0007:2120001306", "iso6523-actorid-upis::0007:2120001306",
])
def test_tjorn_is_named_every_way_people_write_it(text):
    assert TJORN.matches(text)
    assert REGISTRY.find(text).slug == "tjorn"


@pytest.mark.parametrize("text, slug", [
    ("Borås", "boras"), ("BORAS STAD", "boras"), ("borås kommun", "boras"), ("Västerås", "vasteras"),
    (" vasteras stad ", "vasteras"), ("Forsakringskassan", "forsakringskassan"), ("212000-2080", "vasteras"),
])
def test_other_buyers_are_found_the_same_way(text, slug):
    assert REGISTRY.find(text).slug == slug


@pytest.mark.parametrize("text", ["Tjörnö", "Orust", "kommun", "", "212000-1307", "0088:2120001306", "Borås"])
def test_what_does_not_name_tjorn(text):
    assert not TJORN.matches(text)


def test_find_names_the_text_and_lists_the_known_buyers():
    with pytest.raises(UnknownMunicipality) as exc:
        REGISTRY.find("Göteborg")
    assert str(exc.value) == f"unknown municipality 'Göteborg'; known: {KNOWN}"
    assert "Göteborg" not in REGISTRY and "Tjörn" in REGISTRY


def test_a_second_buyer_answering_to_the_same_name_is_refused(tmp_path):
    text = (packaged_dir() / "tjorn.toml").read_text(encoding="utf-8")
    text = text.replace('slug = "tjorn"', 'slug = "tjorn2"').replace('"Tjörns kommun"', '"Tjörn kommun"', 1)
    text = text.replace("212000-1306", "212000-9994").replace("2120001306", "2120009994")
    folder = tmp_path / "reg"
    folder.mkdir()
    (folder / "tjorn2.toml").write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match="name 'Tjörn kommun'/212000-9994 is also used by 'tjorn'"):
        load_registry([folder], use_env=False)


# ------------------------------------------------------------------- decisions files

def test_decisions_naming_tjorn_any_way_are_billed_to_tjorn(tmp_path):
    """A decisions file naming "Tjörn" used to be silently left out (nothing_to_bill)."""
    names = ["Tjörn", "TJÖRN KOMMUN", "tjorn", TJORN.org_nr_display]
    decisions = read_decisions(write_csv(tmp_path, name="decisions.csv", rows=[
        decision_row(f"D{i}", client, name) for i, (client, name) in enumerate(zip(CLIENTS, names))]),
        registry=REGISTRY)
    assert [d.municipality for d in decisions] == names  # kept as written
    reports = read_timereports(write_csv(tmp_path, name="timereports.csv", rows=[
        shift_row(client, f"2024-03-0{i + 4}", "08:00", "16:00", f"D{i}", i) for i, client in enumerate(CLIENTS)]))
    plan = plan_invoices(PROVIDER, reports, decisions, TJORN, "2024-03", "base", OPTS)
    assert [(d.decision_id, d.total) for d in plan.drafts] == [
        ("D0", Decimal("2660.80")), ("D1", Decimal("2660.80")), ("D2", Decimal("2660.80")),
        ("D3", Decimal("2660.80"))]  # 8 h × 332.60 (FK 2024) each


def test_unknown_municipality_in_a_decisions_file_names_the_value_and_the_file(tmp_path):
    path = write_csv(tmp_path, name="beslut.csv", rows=[decision_row("D1", CLIENTS[0], "Tjörn"),
                                               decision_row("D2", CLIENTS[1], "Göteborgs stad")])
    with pytest.raises(InputErrors) as exc:
        read_decisions(path, registry=REGISTRY)
    assert exc.value.errors == [InputError(
        "beslut.csv", 3, "municipality", f"unknown municipality 'Göteborgs stad'; known: {KNOWN}")]
    assert str(exc.value.errors[0]).startswith(
        "beslut.csv row 3, field 'municipality': unknown municipality 'Göteborgs stad'; known: boras")


def test_without_a_registry_any_municipality_is_read(tmp_path):
    path = write_csv(tmp_path, name="decisions.csv", rows=[decision_row("D1", CLIENTS[0], "Exempelkommun")])
    assert [d.municipality for d in read_decisions(path)] == ["Exempelkommun"]


# ------------------------------------------------------------ rules that vary by buyer

def flipped_tjorn(tmp_path: Path, key: str) -> object:
    """Tjörn's packaged entry with the rule ``key`` set to false, from a folder of its own."""
    text = (packaged_dir() / "tjorn.toml").read_text(encoding="utf-8")
    old = f"{key} = {{ value = true,"
    assert text.count(old) == 1
    folder = tmp_path / "override"
    folder.mkdir()
    (folder / "tjorn.toml").write_text(text.replace(old, f"{key} = {{ value = false,"), encoding="utf-8")
    return load_registry([folder], use_env=False).find("tjorn")


def test_rules_are_read_from_the_registry_with_documented_defaults(tmp_path):
    assert (TJORN.extension_needs_base_timereports, TJORN.invoice_per_decision) == (True, True)
    assert TJORN.extension_carries_base_timereports.default is False
    boras = REGISTRY.find("boras")
    assert boras.one_invoice_per_decision.default is True and boras.invoice_per_decision is True
    unstated = REGISTRY.find("vasteras")  # its file states neither rule
    assert unstated.extension_carries_base_timereports is None and unstated.one_invoice_per_decision is None
    assert (unstated.extension_needs_base_timereports, unstated.invoice_per_decision) == (
        DEFAULT_EXTENSION_CARRIES_BASE_TIMEREPORTS, DEFAULT_ONE_INVOICE_PER_DECISION) == (True, True)
    assert flipped_tjorn(tmp_path, "one_invoice_per_decision").invoice_per_decision is False


def extension_case(tmp_path: Path):
    decisions = read_decisions(write_csv(tmp_path, name="decisions.csv", rows=[
        decision_row("D-BASE", CLIENTS[0], "Tjörn"),
        decision_row("D-EXT", CLIENTS[0], "Tjörn", kind="extension", valid_from="2024-03-18",
                     valid_to="2024-03-24")]), registry=REGISTRY)
    reports = read_timereports(write_csv(tmp_path, name="timereports.csv", rows=[
        shift_row(CLIENTS[0], "2024-03-18", "16:00", "20:00", "D-EXT", 0)]))
    return reports, decisions


def test_extension_without_base_reports_is_invoiced_when_the_buyer_does_not_ask_for_them(tmp_path):
    reports, decisions = extension_case(tmp_path)
    with pytest.raises(BuildRefused) as exc:
        plan_invoices(PROVIDER, reports, decisions, TJORN, "2024-03", "extension", OPTS)
    assert exc.value.code == "base_timereports_missing"

    m = flipped_tjorn(tmp_path, "extension_carries_base_timereports")
    (draft,) = plan_invoices(PROVIDER, reports, decisions, m, "2024-03", "extension", OPTS).drafts
    assert draft.total == Decimal("1330.40")  # 4 h × 332.60
    assert [a.description for a in not_pdf(draft.attachments)] == [
        "Tidrapport 2024-03, assistent 1, tillfällig utökning D-EXT"]
    assert draft.note == ("Tillfällig utökning av personlig assistans, beslut D-EXT, 2024-03: separat faktura för "
                          "utökningen. Tidrapporter för utökningen bifogade.")


def two_decisions_of_one_client(tmp_path: Path):
    """D1 until 15 March, D2 from 16 March, for one client; another client under D3."""
    decisions = read_decisions(write_csv(tmp_path, name="decisions.csv", rows=[
        decision_row("D1", CLIENTS[0], "Tjörn", valid_to="2024-03-15"),
        decision_row("D2", CLIENTS[0], "Tjörn", valid_from="2024-03-16"),
        decision_row("D3", CLIENTS[1], "Tjörn")]), registry=REGISTRY)
    reports = read_timereports(write_csv(tmp_path, name="timereports.csv", rows=[
        shift_row(CLIENTS[0], "2024-03-14", "08:00", "16:00", "D1", 0),
        shift_row(CLIENTS[0], "2024-03-18", "08:00", "12:00", "D2", 0),
        shift_row(CLIENTS[1], "2024-03-19", "08:00", "10:00", "D3", 1)]))
    return reports, decisions


def test_one_invoice_per_client_when_the_buyer_does_not_want_one_per_decision(tmp_path):
    reports, decisions = two_decisions_of_one_client(tmp_path)
    per_decision = plan_invoices(PROVIDER, reports, decisions, TJORN, "2024-03", "base", OPTS)
    assert [(d.decision_id, [ln.quantity for ln in d.lines]) for d in per_decision.drafts] == [
        ("D1", [Decimal("8.00")]), ("D2", [Decimal("4.00")]), ("D3", [Decimal("2.00")])]

    m = flipped_tjorn(tmp_path, "one_invoice_per_decision")
    first, second = plan_invoices(PROVIDER, reports, decisions, m, "2024-03", "base", OPTS).drafts
    assert first.decision_id == "D1, D2" and second.decision_id == "D3"
    assert [(ln.id, ln.quantity, ln.item_description) for ln in first.lines] == [
        ("1", Decimal("8.00"), "Grundbeslut D1, utförd 2024: 8.00 h à 332.60 kr (timersättning 2024)"),
        ("2", Decimal("4.00"), "Grundbeslut D2, utförd 2024: 4.00 h à 332.60 kr (timersättning 2024)")]
    assert first.total == Decimal("3991.20")
    assert [a.description for a in not_pdf(first.attachments)] == ["Tidrapport 2024-03, assistent 1, grundbeslut D1, D2"]
    assert first.note == ("Personlig assistans enligt 9 § 2 LSS, grundbeslut D1, D2, 2024-03. "
                          "Tidrapporter per assistent bifogade.")
