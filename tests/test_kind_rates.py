"""On-call (jour) and standby (beredskap) billed where a buyer's registry entry gives a rate
(invoices.kind_rates, [[kind_rates]]); refused as before where it does not."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from invoices.build import BuildOptions, BuildRefused, plan_invoices
from invoices.model import ShiftKind
from invoices.registry import RegistryError, load_registry, packaged_dir
from lssinvoice.cli import main

from .factories import ISSUE_DATE, OPTS, PROVIDER, attachments, decision, issue_all, report, shift

ON_CALL_AMOUNT = '''
[[kind_rates]]
kind = "on_call"
amounts = { 2024 = { value = "112.50", source = "test: jourersättning 112,50 kr/h 2024" } }
'''
STANDBY_SHARE = '''
[[kind_rates]]
kind = "standby"
share = { value = "0.375", source = "test: beredskap 37,5 % av timersättningen" }
'''


def tjorn_with(tmp_path: Path, extra: str):
    """Tjörn's packaged entry plus ``extra`` TOML, as a registry folder of the test's own."""
    d = tmp_path / "buyers"
    d.mkdir(exist_ok=True)
    text = (packaged_dir() / "tjorn.toml").read_text(encoding="utf-8")
    (d / "tjorn.toml").write_text(text + extra, encoding="utf-8")
    return d


def tjorn(tmp_path: Path, extra: str):
    return load_registry(extra_dirs=[tjorn_with(tmp_path, extra)], use_env=False).get("tjorn")


def plan(m, *reports, options=OPTS):
    return plan_invoices(PROVIDER, list(reports), [decision()], m, "2024-03", "base", options)


def rows(item) -> list[dict]:
    (content,) = attachments(item).values()
    return [r for r in csv.DictReader(io.StringIO(content.decode("utf-8"))) if r["Datum"]]


def test_on_call_billed_at_its_amount(tmp_path):
    m = tjorn(tmp_path, ON_CALL_AMOUNT)
    r = report(shift("2024-03-04", "08:00", "16:00"), shift("2024-03-04", "16:00", "22:00", kind="on_call"))
    (draft,) = plan(m, r).drafts
    assert [(ln.item_name, ln.quantity, ln.price, ln.net_amount, ln.seller_item_id) for ln in draft.lines] == [
        ("Personlig assistans, aktiv tid", Decimal("8.00"), Decimal("332.60"), Decimal("2660.80"), "LSS-active"),
        ("Personlig assistans, jour", Decimal("6.00"), Decimal("112.50"), Decimal("675.00"), "LSS-on_call")]
    assert draft.lines[1].item_description == "Grundbeslut D-BASE, utförd 2024: 6.00 h à 112.50 kr (jour 2024)"
    assert draft.total == Decimal("3335.80")
    result, written = issue_all(plan(m, r), tmp_path)
    assert result.ok
    # the billed on-call row is not commented "ej fakturerad" in the attached time report
    assert [(x["Tidstyp"], x["Timmar"], x["Kommentar"]) for x in rows(written["T-2024-00001"])] == [
        ("aktiv tid", "8.00", ""), ("jour", "6.00", "")]


def test_standby_billed_at_a_share_rounded_half_up(tmp_path):
    """0.375 × 332.60 = 124.725 kr/h → 124.73 (half-up; half-even would give 124.72)."""
    m = tjorn(tmp_path, STANDBY_SHARE)
    r = report(shift("2024-03-05", "08:00", "16:00"), shift("2024-03-05", "16:00", "22:00", kind="standby"))
    (draft,) = plan(m, r).drafts
    standby = draft.lines[1]
    assert (standby.item_name, standby.quantity, standby.price, standby.net_amount) == (
        "Personlig assistans, beredskap", Decimal("6.00"), Decimal("124.73"), Decimal("748.38"))
    assert standby.item_description == ("Grundbeslut D-BASE, utförd 2024: 6.00 h à 124.73 kr "
                                        "(beredskap: 37,5 % av timersättningen 2024, 332.60 kr)")
    assert draft.total == Decimal("3409.18")


def test_a_year_without_an_amount_is_refused(tmp_path):
    m = tjorn(tmp_path, ON_CALL_AMOUNT.replace("2024 = {", "2023 = {"))
    r = report(shift("2024-03-04", "08:00", "16:00"), shift("2024-03-04", "16:00", "22:00", kind="on_call"))
    with pytest.raises(BuildRefused) as e:
        plan(m, r)
    assert e.value.code == "rate_unknown"
    assert e.value.message.startswith("Tjörns kommun: no sourced amount for on_call (jour) time in 2024 (known: 2023)")


def test_no_entry_for_the_kind_is_refused_as_before(tmp_path):
    m = tjorn(tmp_path, ON_CALL_AMOUNT)  # on-call has a rate, standby none
    r = report(shift("2024-03-04", "08:00", "16:00"), shift("2024-03-05", "16:00", "22:00", kind="standby"))
    with pytest.raises(BuildRefused) as e:
        plan(m, r)
    assert e.value.code == "kind_not_billed"
    assert e.value.message.startswith("Tjörns kommun is not billed for standby time: ")
    assert "(billed kinds: active, waiting, on_call)" in e.value.message
    left = plan(m, r, options=BuildOptions(issue_date=ISSUE_DATE, omit_unbilled=True))
    assert [(o.kind, o.hours) for o in left.omitted] == [(ShiftKind.STANDBY, Decimal("6.00"))]
    m.check_billed("on_call")


@pytest.mark.parametrize("extra,message", [
    (ON_CALL_AMOUNT.replace(', source = "test: jourersättning 112,50 kr/h 2024"', ""),
     r"kind_rates\.0\.amounts\.2024\.source: Field required"),
    (STANDBY_SHARE.replace(', source = "test: beredskap 37,5 % av timersättningen"', ""),
     r"kind_rates\.0\.share\.source: Field required"),
    (STANDBY_SHARE.replace('"0.375"', '"1.5"'), "more than 0 and at most 1"),
    (STANDBY_SHARE.replace('"0.375"', '"0"'), "more than 0 and at most 1"),
    (STANDBY_SHARE.replace('"0.375"', "0.375"), "kind_rates\\[0\\]\\.share\\.value is a TOML float"),
    (ON_CALL_AMOUNT.replace('"112.50"', '"112.505"'), "at most 2 decimals"),
    (STANDBY_SHARE + 'amounts = { 2024 = { value = "1.00", source = "x" } }\n', "not both and not neither"),
    ('\n[[kind_rates]]\nkind = "on_call"\n', "not both and not neither"),
    (STANDBY_SHARE.replace('"standby"', '"active"'), "billed at the hourly rate"),
    (ON_CALL_AMOUNT + ON_CALL_AMOUNT, "more than one entry for on_call"),
])
def test_malformed_kind_rate_names_file_and_field(tmp_path, extra, message):
    with pytest.raises(RegistryError, match=message) as e:
        tjorn(tmp_path, extra)
    assert "tjorn.toml" in str(e.value)


def test_no_packaged_buyer_has_a_kind_rate():
    assert all(not m.kind_rates for m in load_registry(use_env=False))


def test_rates_show_lists_kind_rates_with_sources(tmp_path):
    d = tjorn_with(tmp_path, ON_CALL_AMOUNT + STANDBY_SHARE)
    result = CliRunner().invoke(main, ["rates", "show", "--municipality", "tjorn", "--registry", str(d),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    (m,) = json.loads(result.stdout)["result"]["municipalities"]
    assert m["kind_rates"] == [
        {"kind": "on_call", "year": 2024, "amount": "112.50", "source": "test: jourersättning 112,50 kr/h 2024"},
        {"kind": "standby", "share": "0.375", "source": "test: beredskap 37,5 % av timersättningen"}]
    text = CliRunner().invoke(main, ["rates", "show", "--municipality", "tjorn", "--registry", str(d)])
    assert "  on_call 2024    112.50 kr/h  test: jourersättning 112,50 kr/h 2024" in text.output
    assert "  standby: 0.375 of the hourly rate  test: beredskap 37,5 % av timersättningen" in text.output
