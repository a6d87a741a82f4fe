"""The buyer registry: packaged TOML files, sourced values, rates by year, channels."""
from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from invoices.model import DecisionKind, ShiftKind
from invoices.registry import (
    ENV_VAR,
    Channel,
    ChannelUnknown,
    RateUnknown,
    RegistryError,
    ShiftKindNotBilled,
    UnknownMunicipality,
    fk_standard_amount,
    load_registry,
    packaged_dir,
)

FK_TABLE = {  # DOMAIN.md "FK standard hourly amount", every sourced year
    2012: "267", 2013: "275", 2014: "280", 2015: "284", 2016: "288", 2017: "291", 2018: "295.40",
    2019: "299.80", 2020: "304.30", 2021: "315.00", 2022: "319.70", 2023: "324.50", 2024: "332.60",
}

EXTRA_TOML = """
format = 1
slug = "exempelby"
name = { value = "Exempelby kommun", source = "test: a user-added buyer" }
org_nr = { value = "212000-0019", source = "test" }
peppol_id = { value = "0007:2120000019", source = "test" }
reference_code = { value = "EX1", source = "test" }
payment_terms_days = { value = 20, source = "test" }

[channels]
base = { value = "peppol", source = "test" }

[billed_kinds]
value = ["active"]
source = "test"

[[rate_rules]]
kind = "by_year"
source = "test"
[rate_rules.amounts]
2024 = { value = "310.50", source = "test" }
"""


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def reg():
    return load_registry(use_env=False)


def test_packaged_buyers(reg):
    assert reg.slugs == ("boras", "forsakringskassan", "tjorn", "vasteras")
    assert len(reg) == 4
    names = {m.slug: (m.display_name, m.org_nr.value, m.peppol_id.value) for m in reg}
    assert names == {
        "boras": ("Borås Stad", "2120001561", "0007:2120001561"),
        "forsakringskassan": ("Försäkringskassan", "2021005521", "0007:2021005521"),
        "tjorn": ("Tjörns kommun", "2120001306", "0007:2120001306"),
        "vasteras": ("Västerås stad", "2120002080", "0007:2120002080"),
    }


def test_every_value_in_every_file_carries_a_source():
    """Walk the raw TOML: each leaf value sits in a table that has a non-empty source."""
    def walk(node, path, file):
        if isinstance(node, dict):
            if "value" in node:
                assert isinstance(node.get("source"), str) and node["source"].strip(), f"{file}: {path}"
                return
            for k, v in node.items():
                if k in ("format", "slug", "kind", "kinds", "from_year", "to_year", "source"):
                    continue
                walk(v, f"{path}.{k}", file)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]", file)
        else:
            raise AssertionError(f"{file}: {path} = {node!r} has no source")

    files = sorted(packaged_dir().glob("*.toml")) + [packaged_dir().parent / "fk_schablonbelopp.toml"]
    assert len(files) == 5
    for f in files:
        data = tomllib.loads(f.read_text(encoding="utf-8"))
        walk(data, "", f.name)
        for rule in data.get("rate_rules", []):
            assert rule["source"].strip()


def test_fk_standard_amounts_exact():
    for year, amount in FK_TABLE.items():
        assert fk_standard_amount(year) == Decimal(amount)
    assert str(fk_standard_amount(2024)) == "332.60"


@pytest.mark.parametrize("year", [2010, 2011, 2025, 2026])
def test_fk_unknown_year_is_never_guessed(year):
    with pytest.raises(RateUnknown) as exc:
        fk_standard_amount(year)
    assert "Försäkringskassan" in str(exc.value) and str(year) in str(exc.value)
    assert exc.value.year == year


def test_vasteras_rates(reg):
    v = reg.get("vasteras")
    assert v.hourly_rate(2019) == Decimal("284.81")
    assert v.hourly_rate(2020) == Decimal("289")
    assert v.hourly_rate(2021) == Decimal("299")
    assert "seed 001" in v.sourced_hourly_rate(2021).source
    assert v.known_rate_years() == (2019, 2020, 2021)


def test_vasteras_rates_are_95_percent_of_fk_rounded(reg):
    """Seed 001: 95 % of the state standard amount; the published figures agree with that."""
    v = reg.get("vasteras")
    assert (fk_standard_amount(2019) * Decimal("0.95")).quantize(Decimal("0.01")) == v.hourly_rate(2019)
    for year in (2020, 2021):
        assert (fk_standard_amount(year) * Decimal("0.95")).quantize(Decimal("1")) == v.hourly_rate(year)


def test_boras_rate(reg):
    b = reg.get("boras")
    assert b.hourly_rate(2024) == Decimal("303")
    assert b.known_rate_years() == (2024,)


def test_tjorn_pays_fk_amount(reg):
    t = reg.get("tjorn")
    assert t.hourly_rate(2024) == Decimal("332.60")
    assert t.hourly_rate(2021) == Decimal("315.00")
    for year, amount in FK_TABLE.items():
        assert t.hourly_rate(year) == Decimal(amount)
    src = t.sourced_hourly_rate(2024).source
    assert "samma schablonbelopp" in src and "FK 2024" in src


def test_rate_unknown_messages_name_municipality_and_year(reg):
    with pytest.raises(RateUnknown) as exc:
        reg.get("boras").hourly_rate(2025)
    assert str(exc.value) == "Borås Stad: no sourced hourly rate for 2025 (known: 2024)"
    assert (exc.value.who, exc.value.year, exc.value.known) == ("Borås Stad", 2025, (2024,))

    with pytest.raises(RateUnknown) as exc:
        reg.get("vasteras").hourly_rate(2024)
    assert str(exc.value) == "Västerås stad: no sourced hourly rate for 2024 (known: 2019, 2020, 2021)"

    with pytest.raises(RateUnknown) as exc:
        reg.get("tjorn").hourly_rate(2025)
    msg = str(exc.value)
    assert msg.startswith("Tjörns kommun: no sourced hourly rate for 2025")
    assert "FK's amount for 2025 is not in the table" in msg
    assert reg.get("tjorn").hourly_rate(2022) == Decimal("319.70")  # FK's 2022 amount, sourced


def test_channels(reg):
    v = reg.get("vasteras")
    for kind in DecisionKind:
        assert v.channel(kind) is Channel.E_SERVICE
        assert v.accepts_invoices(kind) is False
    assert "Inga fakturor tas emot" in v.channels[DecisionKind.BASE].source
    assert "Faktura ska inte skickas" in v.channels[DecisionKind.SICKPAY].source
    for slug in ("boras", "tjorn"):
        m = reg.get(slug)
        for kind in ("base", "extension", "sickpay"):
            assert m.channel(kind) is Channel.PEPPOL
            assert m.accepts_invoices(kind) is True


def test_fk_has_no_sourced_channel(reg):
    fk = reg.get("forsakringskassan")
    with pytest.raises(ChannelUnknown, match="Försäkringskassan: no sourced channel for base claims"):
        fk.channel("base")
    with pytest.raises(ChannelUnknown):
        fk.accepts_invoices(DecisionKind.SICKPAY)
    assert fk.hourly_rate(2023) == Decimal("324.50")


def test_reference_codes_terms_and_addresses(reg):
    b, t, v = reg.get("boras"), reg.get("tjorn"), reg.get("vasteras")
    assert b.reference_code.value == "YY307K"
    assert t.reference_code.value == "TK2044"
    assert v.reference_code is None
    assert b.payment_terms_days.value == 30 and b.payment_terms_days.default is False
    assert t.payment_terms_days.value == 30 and t.payment_terms_days.default is True
    assert t.payment_terms_days.source.startswith("DEFAULT, not sourced")
    assert v.payment_terms_days is None
    assert b.invoice_address.value.lines == ["Borås Stad", "Sociala omsorgsförvaltningen", "Bryggaregatan 15"]
    assert (b.invoice_address.value.postal_code, b.invoice_address.value.city) == ("501 80", "Borås")
    assert t.invoice_address.value.lines[1] == "C/O SOLTAK AB"
    assert v.invoice_address is None


def test_billed_kinds(reg):
    for slug in ("boras", "tjorn", "vasteras"):
        m = reg.get(slug)
        assert m.bills("active") and m.bills(ShiftKind.WAITING)
        assert not m.bills("on_call") and not m.bills("standby")
        m.check_billed("active")
        with pytest.raises(ShiftKindNotBilled, match=r"no sourced rule for billing on_call time"):
            m.check_billed(ShiftKind.ON_CALL)
        with pytest.raises(ShiftKindNotBilled, match=r"standby"):
            m.check_billed("standby")


def test_underlag(reg):
    t = reg.get("tjorn")
    assert "Kopia av vikariens tidrapport" in t.underlag_for("sickpay")
    assert "Kopia av vikariens tidrapport" not in t.underlag_for("base")
    assert "Märkning med referenskod TK2044" in t.underlag_for(DecisionKind.EXTENSION)
    assert any("grundbeslut" in item for item in t.underlag_for("extension"))
    b = reg.get("boras")
    assert "Datum för karens, alternativt varför karens inte dragits" in b.underlag_for("sickpay")
    v = reg.get("vasteras")
    assert "Namn och personnummer på assistansberättigad i tidrapporten" in v.underlag_for("base")


@pytest.mark.parametrize("key", ["boras", "Borås Stad", "BORÅS STAD", "212000-1561", "2120001561", "0007:2120001561"])
def test_get_by_slug_name_org_nr_or_peppol_id(reg, key):
    assert reg.get(key).slug == "boras"
    assert key in reg


def test_unknown_slug_lists_known(reg):
    with pytest.raises(UnknownMunicipality) as exc:
        reg.get("goteborg")
    msg = str(exc.value)
    assert msg.startswith("unknown municipality 'goteborg'; known: ")
    for slug in reg.slugs:
        assert slug in msg
    assert "Borås Stad" in msg and "212000-1561" in msg
    assert "goteborg" not in reg


def _write_extra(tmp_path: Path, text: str = EXTRA_TOML, name: str = "exempelby.toml") -> Path:
    d = tmp_path / "buyers"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


def test_user_added_folder(tmp_path):
    d = _write_extra(tmp_path)
    reg = load_registry(extra_dirs=[d], use_env=False)
    assert "exempelby" in reg.slugs and len(reg) == 5
    m = reg.get("Exempelby kommun")
    assert m.hourly_rate(2024) == Decimal("310.50")
    assert m.accepts_invoices("base")
    with pytest.raises(ChannelUnknown, match="Exempelby kommun: no sourced channel for sickpay claims"):
        m.channel("sickpay")
    with pytest.raises(RateUnknown, match="Exempelby kommun: no sourced hourly rate for 2023"):
        m.hourly_rate(2023)
    assert m.origin == str(d / "exempelby.toml")


def test_user_folder_from_environment(tmp_path, monkeypatch):
    d = _write_extra(tmp_path)
    monkeypatch.setenv(ENV_VAR, str(d))
    assert load_registry().get("exempelby").reference_code.value == "EX1"
    assert "exempelby" not in load_registry(use_env=False)


def test_user_file_overrides_packaged_default(tmp_path):
    """Tjörn's payment terms are a default; a local tjorn.toml overrides the whole entry."""
    text = (packaged_dir() / "tjorn.toml").read_text(encoding="utf-8").replace(
        "payment_terms_days = { value = 30, default = true,", "payment_terms_days = { value = 45,"
    )
    d = _write_extra(tmp_path, text, "tjorn.toml")
    t = load_registry(extra_dirs=[d], use_env=False).get("tjorn")
    assert t.payment_terms_days.value == 45 and t.payment_terms_days.default is False
    assert t.origin.endswith(str(Path("buyers") / "tjorn.toml"))
    assert t.hourly_rate(2024) == Decimal("332.60")


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(RegistryError, match="does not exist"):
        load_registry(extra_dirs=[tmp_path / "nope"], use_env=False)


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('"310.50"', "310.50", "is a TOML float"),
        ('slug = "exempelby"', 'slug = "other"', "differs from the file name"),
        ('"0007:2120000019"', '"0007:2120001561"', "must be '0007:' \\+ the org nr"),
        ('"212000-0019"', '"212000-0018"', "not a valid organisation number"),
        ('value = "peppol"', 'value = "fax"', "channels.base"),
        ('value = ["active"]', 'value = ["overtime"]', "billed_kinds"),
        ('source = "test: a user-added buyer"', 'source = ""', "name.source"),
        ('2024 = {', '20x4 = {', "not a year"),
        ('"310.50"', '"310.505"', "at most 2 decimals"),
        ('format = 1', 'format = 1\nsource_levels = { "LSS-SRC-999" = { value = "error", source = "test" } }',
         "unknown source check code\\(s\\) LSS-SRC-999"),
    ],
)
def test_malformed_user_file_names_file_and_field(tmp_path, old, new, message):
    assert old in EXTRA_TOML
    d = _write_extra(tmp_path, EXTRA_TOML.replace(old, new, 1))
    with pytest.raises(RegistryError, match=message) as exc:
        load_registry(extra_dirs=[d], use_env=False)
    assert "exempelby.toml" in str(exc.value)


def test_duplicate_org_nr_under_another_slug_is_refused(tmp_path):
    text = (packaged_dir() / "boras.toml").read_text(encoding="utf-8").replace('slug = "boras"', 'slug = "boras2"')
    text = text.replace('value = "Borås Stad"', 'value = "Borås Stad II"')
    d = _write_extra(tmp_path, text, "boras2.toml")
    with pytest.raises(RegistryError, match="org"):
        load_registry(extra_dirs=[d], use_env=False)


def test_packaged_data_is_inside_the_package():
    assert packaged_dir().is_dir()
    assert packaged_dir().parent.name == "data" and packaged_dir().parent.parent.name == "invoices"
    assert (packaged_dir().parent / "fk_schablonbelopp.toml").is_file()
