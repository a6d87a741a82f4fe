"""`lssinvoice invoice create|credit|template`, `lssinvoice redovisning` and the demo, end to end."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from decimal import Decimal
from click.testing import CliRunner

from invoices.inputs import read_decisions, read_provider, read_timereports
from invoices.occasion import read_occasion
from invoices.series import NumberSeries
from lssinvoice.cli import main
from peppol.sbdh import unwrap

from .envelope import error_of, result_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PEOPLE_PNR = ("19750315-1289", "19680704-3390", "19821120-4469", "19880412-2821", "19790903-1556",
              "19950127-3644", "19910618-4717", "19861005-5827", "19970314-6937")
PEOPLE_NAMES = ("Klara Exempelsson", "Bo Testberg", "Vera Påhittad", "Anna Provsson", "Bertil Fiktivsson",
                "Cecilia Låtsasdotter", "David Demosson", "Eva Exempeldotter", "Filip Skenbarsson")


@pytest.fixture()
def runner():
    return CliRunner()


@pytest.fixture()
def ex(tmp_path):
    """A copy of the examples (so the default series file lands in tmp, not in the repo)."""
    dest = tmp_path / "ex"
    shutil.copytree(EXAMPLES, dest, ignore=shutil.ignore_patterns("*.series*", "*.py"))
    return dest


def create(runner, ex, out, *extra, municipality="tjorn", folder="tjorn-2024-03", period="2024-03"):
    args = ["invoice", "create", "--provider", str(ex / "provider.toml"),
            "--timereports", str(ex / "timereports" / folder), "--decisions", str(ex / "decisions.csv"),
            "--municipality", municipality, "--period", period, "--out", str(out),
            "--issue-date", "2024-04-02", *extra]
    return runner.invoke(main, args)


def no_personal_data(text: str) -> None:
    for pnr in PEOPLE_PNR:
        assert pnr not in text and pnr.replace("-", "") not in text and pnr[2:] not in text
    for name in PEOPLE_NAMES:
        assert name not in text


def test_create_base_json_and_default_series_beside_the_profile(runner, ex, tmp_path):
    out = tmp_path / "out"
    result = create(runner, ex, out, "--format", "json", "--sbdh")
    assert result.exit_code == 0, result.output
    data = result_of(result.stdout, "invoice create")
    assert data["status"] == "ok" and data["findings"] == [] and data["refusal"] is None
    (p,) = data["produced"]
    assert {k: p[k] for k in ("number", "kind", "buyer", "buyer_reference", "decision_id", "period", "issue_date",
                              "due_date", "lines", "attachments", "total", "currency")} == {
        "number": "PA-2024-00001", "kind": "base", "buyer": "Tjörns kommun", "buyer_reference": "TK2044",
        "decision_id": "TJ-2024-01", "period": "2024-03", "issue_date": "2024-04-02", "due_date": "2024-05-02",
        "lines": 2, "attachments": 6, "total": "86808.60", "currency": "SEK"}  # 3 reports as CSV and as PDF
    assert p["file"] == str(out / "PA-2024-00001.xml") and Path(p["file"]).is_file()
    assert p["sbdh_file"] == str(out / "outbox" / "PA-2024-00001.xml")
    env = unwrap(Path(p["sbdh_file"]).read_bytes())
    assert env.receiver == "0007:2120001306" and env.sender == "0007:5599011235"
    journal = NumberSeries(ex / "provider.series.json", "PA-").journal()
    assert [(j.number, j.status) for j in journal] == [("PA-2024-00001", "committed")]
    no_personal_data(result.output)


def test_create_text_table_and_numbers_continue(runner, ex, tmp_path):
    out = tmp_path / "out"
    first = create(runner, ex, out)
    assert first.exit_code == 0, first.output
    for word in ("file", "invoice number", "buyer", "period", "lines", "total", "PA-2024-00001", "Tjörns kommun",
                 "86808.60 SEK"):
        assert word in first.stdout
    second = create(runner, ex, out, "--kind", "extension")
    assert second.exit_code == 0, second.output
    assert "PA-2024-00002" in second.stdout and "9312.80 SEK" in second.stdout
    assert sorted(p.name for p in out.iterdir()) == ["PA-2024-00001.xml", "PA-2024-00002.xml"]
    no_personal_data(first.output + second.output)


def test_explicit_series_file(runner, ex, tmp_path):
    series = tmp_path / "elsewhere.json"
    result = create(runner, ex, tmp_path / "out", "--series", str(series), "--municipality", "boras",
                    folder="boras-2024-03")
    assert result.exit_code == 0, result.output
    assert "78931.50 SEK" in result.stdout and series.exists() and not (ex / "provider.series.json").exists()


def test_vasteras_invoice_refused_pointing_to_redovisning(runner, ex, tmp_path):
    out = tmp_path / "out"
    result = create(runner, ex, out, municipality="vasteras", folder="vasteras-2021-03", period="2021-03")
    # A refusal by the rules is exit 1, as the help says (issue 13), not a usage error.
    assert result.exit_code == 1
    assert "Västerås stad takes no invoices" in result.stderr and "lssinvoice redovisning" in result.stderr
    assert not out.exists() and not (ex / "provider.series.json").exists()
    result = create(runner, ex, out, "--format", "json", municipality="vasteras", folder="vasteras-2021-03",
                    period="2021-03")
    data = result_of(result.stdout, "invoice create", 1)
    assert result.exit_code == 1 and data["status"] == "refused" and data["refusal"]["code"] == "no_invoices"
    assert data["refusal"]["message"].startswith("Västerås stad takes no invoices")


def _edit_report(ex: Path, folder: str, name: str, column: str, value: str) -> None:
    path = ex / "timereports" / folder / name
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for r in rows:
        r[column] = value
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def test_unsigned_report_exit_1_nothing_written(runner, ex, tmp_path):
    _edit_report(ex, "tjorn-2024-03", "bertil.csv", "assistant_signed", "nej")
    out = tmp_path / "out"
    result = create(runner, ex, out)
    assert result.exit_code == 1
    assert "ERROR LSS-SRC-030" in result.stderr and "bertil.csv row" in result.stderr
    assert "nothing written" in result.stderr
    assert not out.exists() and not (ex / "provider.series.json").exists()
    no_personal_data(result.output)
    # the level is configurable
    result = create(runner, ex, out, "--check", "LSS-SRC-030=warning")
    assert result.exit_code == 0, result.output
    assert "WARNING LSS-SRC-030" in result.stderr


def test_assistant_under_18_named_relative_to_the_shift_no_birth_date(runner, ex, tmp_path):
    minor = "20060320-1237"  # synthetic, turns 18 on 2024-03-20
    path = ex / "timereports" / "tjorn-2024-03" / "cecilia.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("19950127-3644", minor), encoding="utf-8")
    result = create(runner, ex, tmp_path / "out")
    assert result.exit_code == 1
    stderr = " ".join(result.stderr.split())  # the terminal table may wrap lines
    assert ("ERROR LSS-SRC-010: assistant ********-1237 was under 18 during 11 shift(s) from 2024-03-01 08:00: "
            "work before the 18th birthday is not a cost of personal assistance") in stderr
    assert "2024-03-20" not in result.output and "2006-03-20" not in result.output
    as_json = create(runner, ex, tmp_path / "out", "--format", "json")
    messages = [f["message"] for f in result_of(as_json.stdout, "invoice create", 1)["findings"]
                if f["code"] == "LSS-SRC-010"]
    assert messages == ["assistant ********-1237 was under 18 during 11 shift(s) from 2024-03-01 08:00: work before "
                        "the 18th birthday is not a cost of personal assistance"]
    for text in (result.output, as_json.output):
        assert minor not in text and minor.replace("-", "") not in text
        no_personal_data(text)


def test_supervisor_signature_check_can_be_made_an_error(runner, ex, tmp_path):
    _edit_report(ex, "tjorn-2024-03", "anna.csv", "supervisor_signed", "nej")
    series = ("--series", str(tmp_path / "s1.json"))
    strict = create(runner, ex, tmp_path / "out2", "--check", "lss-src-031=error", "--format", "json", *series)
    assert strict.exit_code == 1
    data = result_of(strict.stdout, "invoice create", 1)
    assert data["status"] == "findings" and data["produced"] == []
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [("LSS-SRC-031", "error")]
    assert not (tmp_path / "out2").exists()
    warned = create(runner, ex, tmp_path / "out", "--format", "json", *series)  # nothing was billed: it goes
    assert warned.exit_code == 0
    assert [f["code"] for f in result_of(warned.stdout, "invoice create")["findings"]] == ["LSS-SRC-031"]


def test_bad_check_option_is_a_usage_error(runner, ex, tmp_path):
    for bad in ("LSS-SRC-999=error", "LSS-SRC-031=loud", "LSS-SRC-031"):
        result = create(runner, ex, tmp_path / "out", "--check", bad)
        assert result.exit_code == 2, bad
        assert "--check" in result.output


def test_input_errors_name_file_row_field(runner, ex, tmp_path):
    path = ex / "timereports" / "tjorn-2024-03" / "anna.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",08:00,", ",8 o'clock,", 1)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    result = create(runner, ex, tmp_path / "out")
    assert result.exit_code == 2
    assert "anna.csv row 4, field 'start'" in result.stderr
    no_personal_data(result.output)
    result = create(runner, ex, tmp_path / "out", "--format", "json")
    message, data = error_of(result.stdout, "invoice create")
    assert data["errors"] == [message] == ["anna.csv row 4, field 'start': \"8 o'clock\" is not a time HH:MM"]


def test_unknown_municipality_and_bad_period(runner, ex, tmp_path):
    result = create(runner, ex, tmp_path / "out", municipality="atlantis")
    assert result.exit_code == 2 and "unknown municipality 'atlantis'" in result.stderr
    result = create(runner, ex, tmp_path / "out", period="March")
    assert result.exit_code == 2 and "not a month" in result.output


def test_on_call_refused_then_left_out(runner, ex, tmp_path):
    path = ex / "timereports" / "tjorn-2024-03" / "bertil.csv"
    text = path.read_text(encoding="utf-8").replace(",22:00,07:00,waiting,", ",22:00,07:00,on_call,")
    path.write_text(text, encoding="utf-8")
    refused = create(runner, ex, tmp_path / "out")
    assert refused.exit_code == 1
    assert "refused (kind_not_billed)" in refused.stderr and "on_call" in refused.stderr
    assert "Tjörns kommun" in refused.stderr
    left_out = create(runner, ex, tmp_path / "out", "--omit-unbilled", "--format", "json")
    assert left_out.exit_code == 0
    data = result_of(left_out.stdout, "invoice create")
    assert [(o["kind"], o["shifts"], o["hours"]) for o in data["omitted"]] == [("on_call", 5, "44.00")]
    assert data["produced"][0]["total"] == "72174.20" and data["produced"][0]["lines"] == 1


def test_a_decision_naming_an_unknown_municipality_is_an_input_error(runner, ex, tmp_path):
    dec = ex / "decisions.csv"
    dec.write_text(dec.read_text(encoding="utf-8").replace("Tjörns kommun", "Atlantis stad", 1), encoding="utf-8")
    result = create(runner, ex, tmp_path / "out", "--format", "json")
    assert result.exit_code == 2
    message, data = error_of(result.stdout, "invoice create")
    assert len(data["errors"]) == 1
    assert data["errors"][0].startswith("decisions.csv row 2, field 'municipality'") and "Atlantis stad" in message
    assert not (tmp_path / "out").exists()


def test_rate_unknown_exit_1(runner, ex, tmp_path):
    folder = ex / "timereports" / "tjorn-2024-03"
    for f in folder.iterdir():
        f.write_text(f.read_text(encoding="utf-8").replace("2024-03-", "2025-03-"), encoding="utf-8")
    dec = ex / "decisions.csv"
    dec.write_text(dec.read_text(encoding="utf-8").replace("2024-12-31", "2025-12-31"), encoding="utf-8")
    result = create(runner, ex, tmp_path / "out", period="2025-03")
    assert result.exit_code == 1
    assert "refused (rate_unknown): Tjörns kommun: no sourced hourly rate for 2025" in " ".join(result.stderr.split())


def test_sickpay_create_then_duplicate_refused(runner, ex, tmp_path):
    out = tmp_path / "out"
    occasion = str(ex / "sickpay-tjorn-2024-03.toml")
    first = create(runner, ex, out, "--kind", "sickpay", "--sickpay", occasion, "--format", "json")
    assert first.exit_code == 0, first.output
    (p,) = result_of(first.stdout, "invoice create")["produced"]
    assert (p["kind"], p["period"], p["lines"], p["total"]) == ("sickpay", "2024-03-11–2024-03-12", 5, "1772.44")
    assert (ex / "provider.series.sickpay-claims.json").exists()
    second = create(runner, ex, out, "--kind", "sickpay", "--sickpay", occasion)
    assert second.exit_code == 1
    assert "refused (duplicate_occasion)" in second.stderr and "PA-2024-00001" in second.stderr
    no_personal_data(first.stdout + second.output)
    # credit the first: the occasion may be claimed again
    credit = runner.invoke(main, ["invoice", "credit", "--provider", str(ex / "provider.toml"), "--original",
                                  p["file"], "--out", str(out), "--reason", "rättat sjuklönebelopp",
                                  "--issue-date", "2024-04-10"])
    assert credit.exit_code == 0, credit.output
    assert "PA-2024-00002 (credit note)" in credit.stdout
    third = create(runner, ex, out, "--kind", "sickpay", "--sickpay", occasion)
    assert third.exit_code == 0, third.output and "PA-2024-00003" in third.stdout


def test_sickpay_needs_its_file_and_substitute_work(runner, ex, tmp_path):
    result = create(runner, ex, tmp_path / "out", "--kind", "sickpay")
    assert result.exit_code == 2 and "--sickpay" in result.output
    occ = ex / "sickpay-tjorn-2024-03.toml"
    occ.write_text(occ.read_text(encoding="utf-8").replace("19950127-3644", "19790903-1556"), encoding="utf-8")
    result = create(runner, ex, tmp_path / "out", "--kind", "sickpay", "--sickpay", str(occ))
    assert result.exit_code == 1 and "refused (no_substitute_work)" in result.stderr
    assert not (tmp_path / "out").exists()


def test_credit_of_someone_elses_invoice_is_refused(runner, ex, tmp_path):
    out = tmp_path / "out"
    assert create(runner, ex, out).exit_code == 0
    other = ex / "other.toml"
    other.write_text((ex / "provider.toml").read_text(encoding="utf-8").replace("559901-1235", "556677-8899"),
                     encoding="utf-8")
    result = runner.invoke(main, ["invoice", "credit", "--provider", str(other), "--original",
                                  str(out / "PA-2024-00001.xml"), "--out", str(out)])
    assert result.exit_code == 1 and "refused (not_our_invoice)" in result.stderr
    result = runner.invoke(main, ["invoice", "credit", "--provider", str(other), "--original",
                                  str(out / "missing.xml"), "--out", str(out)])
    assert result.exit_code == 2 and "missing.xml" in result.stderr


def test_redovisning_writes_csv_xlsx_and_timereports(runner, ex, tmp_path):
    out = tmp_path / "red"
    args = ["redovisning", "--provider", str(ex / "provider.toml"),
            "--timereports", str(ex / "timereports" / "vasteras-2021-03"), "--decisions", str(ex / "decisions.csv"),
            "--municipality", "vasteras", "--period", "2021-03", "--out", str(out)]
    result = runner.invoke(main, args + ["--format", "json"])
    assert result.exit_code == 0, result.output
    (p,) = result_of(result.stdout, "redovisning")["produced"]
    assert (p["hours"], p["total"], p["decisions"], p["buyer"]) == ("225.00", "67275.00", ["VA-2021-02"], "Västerås stad")
    assert sorted(f.name for f in out.iterdir()) == [
        "redovisning-2021-03-VA-2021-02.csv", "redovisning-2021-03-VA-2021-02.xlsx",
        "tidrapport-2021-03-VA-2021-02-01.csv", "tidrapport-2021-03-VA-2021-02-02.csv"]
    rows = list(csv.reader(io.StringIO((out / "redovisning-2021-03-VA-2021-02.csv").read_text("utf-8-sig")),
                           delimiter=";"))
    assert rows[-4] == ["Totalt", "217,00", "8,00", "225,00", "", "67275,00"]
    ws = openpyxl.load_workbook(out / "redovisning-2021-03-VA-2021-02.xlsx").worksheets[0]
    assert [c.value for c in ws[ws.max_row - 3]][:6] == ["Totalt", 217, 8, 225, None, 67275]
    back = [r for name in ("tidrapport-2021-03-VA-2021-02-01.csv", "tidrapport-2021-03-VA-2021-02-02.csv")
            for r in read_timereports(out / name)]
    assert sorted((r.assistant.name, len(r.shifts)) for r in back) == [("David Demosson", 16),
                                                                       ("Filip Skenbarsson", 19)]
    # text output and a second run (files replaced, not duplicated)
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and "67275.00 SEK" in again.stdout
    no_personal_data(result.stdout + again.stdout)


def test_redovisning_refused_for_an_invoicing_municipality(runner, ex, tmp_path):
    result = runner.invoke(main, ["redovisning", "--provider", str(ex / "provider.toml"), "--timereports",
                                  str(ex / "timereports" / "tjorn-2024-03"), "--decisions", str(ex / "decisions.csv"),
                                  "--municipality", "tjorn", "--period", "2024-03", "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "takes invoices" in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_files_read_back(runner, tmp_path, fmt):
    out = tmp_path / "tpl"
    result = runner.invoke(main, ["invoice", "template", "--file-type", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"tidrapport-mall.{fmt}", f"beslut-mall.{fmt}", "provider-mall.toml",
                            "sjukdomstillfalle-mall.toml"])
    assert read_timereports(out / f"tidrapport-mall.{fmt}") == []  # the example row is commented out
    assert read_decisions(out / f"beslut-mall.{fmt}") == []
    assert read_provider(out / "provider-mall.toml").name == "Exempel Assistans AB"
    assert str(read_occasion(out / "sjukdomstillfalle-mall.toml").sick_pay) == "1846.40"
    again = runner.invoke(main, ["invoice", "template", "--file-type", fmt, "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(main, ["invoice", "template", "--file-type", fmt, "--out", str(out), "--force"]).exit_code == 0


def test_demo_provider_part(tmp_path):
    from lssinvoice.cmd_demo import DemoError, provider_demo

    out = tmp_path / "demo-out"
    result = provider_demo(out)
    assert result.ok, result.problems
    assert [(p["kind"], p["buyer"], p["total"]) for p in result.invoices] == [
        ("base", "Tjörns kommun", "86808.60"), ("extension", "Tjörns kommun", "9312.80"),
        ("sickpay", "Tjörns kommun", "1772.44"), ("base", "Borås Stad", "78931.50")]
    assert sorted(p.name for p in result.outbox.iterdir()) == [f"PA-{p['number'][3:]}.xml" for p in result.invoices]
    for p in (result.outbox).iterdir():
        assert unwrap(p.read_bytes()).document_type_id.endswith("::2.1")
    # The month billed again is refused naming the first invoice; Västerås takes no invoices.
    assert [r["code"] for r in result.refusals] == ["already_billed", "no_invoices"]
    assert f"was billed on invoice {result.invoices[0]['number']}" in result.refusals[0]["message"]
    assert [r["total"] for r in result.redovisning] == ["67275.00"]
    # Borås's invoice carries the power of attorney the provider attached, and its PDF copy is written out.
    boras = result.invoices[3]
    assert boras["attachments"] == 5  # 2 time reports, their PDFs, the fullmakt (+ its own PDF copy when issued)
    copy = out / "invoices" / f"faktura-{boras['number']}.pdf"
    assert copy.read_bytes().startswith(b"%PDF-")
    # Eva's Friday evenings followed by a night of waiting time: short daily rest, warned of.
    assert [w.split(": assistant")[0] for w in result.warnings] == ["Borås Stad base: WARNING LSS-SRC-050"] * 5
    no_personal_data("\n".join(result.warnings))
    # a second run starts afresh (its own folder), and a folder that is not the demo's is refused
    assert provider_demo(out).ok
    assert len(list((out / "outbox").iterdir())) == 4
    other = tmp_path / "precious"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(DemoError, match="not a demo output folder"):
        provider_demo(other)
    assert (other / "keep.txt").read_text() == "mine"


def test_demo_command(runner, tmp_path):
    result = runner.invoke(main, ["demo", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "official documents validated; 0 unexpected failures" in result.stdout
    assert "4 invoices written and validated" in result.stdout
    assert "refused as it should be Västerås stad" in result.stdout
    flat = " ".join(result.stdout.split())
    assert "refused as it should be Tjörns kommun (already_billed)" in flat
    assert "What Borås Stad asks for with invoice" in flat and "not checked: send it yourself" in flat
    assert "klockan ställdes fram en timme (sommartid): verklig tid 8.00 h" in flat
    assert "Summa väntetid: 44.00 h" in flat and "BILAGA-1" in flat
    # Tjörn's reports signed by assistant and supervisor, verified by Tjörn's ingest (issue 14).
    assert "3 time reports of Tjörn signed by their assistant and a supervisor" in flat
    assert "9 of 9 stored reports signed by assistant and supervisor" in flat
    no_personal_data(result.output)


def test_numbers_and_void_explain_a_number_left_by_a_crash(runner, ex, tmp_path):
    assert create(runner, ex, tmp_path / "out").exit_code == 0
    prov = read_provider(ex / "provider.toml")
    series_file = ex / "provider.series.json"
    numbers = NumberSeries(series_file, prov.invoice_prefix)
    committed = [e.number for e in numbers.journal()]
    burnt = numbers.reserve(year=2024)  # handed out, then the process "died" before writing
    args = ["--provider", str(ex / "provider.toml")]

    listed = runner.invoke(main, ["invoice", "numbers", *args, "--format", "json"])
    assert listed.exit_code == 1  # a reserved number wants an explanation
    data = result_of(listed.stdout, "invoice numbers", 1)
    assert data["reserved"] == [burnt]
    assert [(n["number"], n["status"]) for n in data["numbers"]] == [(c, "committed") for c in committed] + [
        (burnt, "reserved")]

    refused = runner.invoke(main, ["invoice", "void", committed[0], "--reason", "fel", *args])
    assert refused.exit_code == 1  # refused by the series: exit 1, as the help says
    assert "committed to an invoice; cancel it with a credit note" in refused.output
    unknown = runner.invoke(main, ["invoice", "void", "NOPE-1", "--reason", "fel", *args])
    assert unknown.exit_code == 1 and "was never handed out" in unknown.output

    voided = runner.invoke(main, ["invoice", "void", burnt, "--reason", "process killed before writing", *args])
    assert voided.exit_code == 0 and f"voided {burnt}: process killed before writing" in voided.output
    text = runner.invoke(main, ["invoice", "numbers", *args])
    assert text.exit_code == 0
    assert f"{len(committed) + 1} numbers — {len(committed)} committed, 1 void, 0 reserved" in text.output
    assert [(e.number, e.status, e.reason) for e in numbers.journal()][-1] == (
        burnt, "void", "process killed before writing")
    # The next invoice never reuses the burnt number.
    assert numbers.reserve(year=2024) not in committed + [burnt]


def test_numbers_without_a_series_is_a_usage_error(runner, ex):
    result = runner.invoke(main, ["invoice", "numbers", "--provider", str(ex / "provider.toml")])
    assert result.exit_code == 2 and "no number series yet" in result.output


PDF_BYTES = b"%PDF-1.4\n% synthetic power of attorney\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_attach_adds_the_providers_own_files_to_every_invoice(runner, ex, tmp_path):
    from lxml import etree

    from .factories import NS

    (tmp_path / "fullmakt.pdf").write_bytes(PDF_BYTES)
    (tmp_path / "schema.csv").write_text("vecka;timmar\n10;40\n", encoding="utf-8")
    out = tmp_path / "out"
    result = create(runner, ex, out, "--attach", f"{tmp_path / 'fullmakt.pdf'}:Fullmakt från den enskilde",
                    "--attach", f"{tmp_path / 'schema.csv'}:Grundschema mars 2024", "--format", "json")
    assert result.exit_code == 0, result.output
    (written,) = sorted(out.glob("*.xml"))
    root = etree.fromstring(written.read_bytes())
    refs = root.xpath("//cac:AdditionalDocumentReference", namespaces=NS)
    added = [(r.findtext("cbc:ID", namespaces=NS), r.findtext("cbc:DocumentDescription", namespaces=NS),
              r.find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", namespaces=NS).get("mimeCode"),
              r.find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", namespaces=NS).get("filename"))
             for r in refs if r.findtext("cbc:ID", namespaces=NS).startswith("BILAGA-")]
    assert added == [("BILAGA-1", "Fullmakt från den enskilde", "application/pdf", "fullmakt.pdf"),
                     ("BILAGA-2", "Grundschema mars 2024", "text/csv", "schema.csv")]


@pytest.mark.parametrize("name, content, attach, message", [
    ("avtal.docx", b"PK\x03\x04x", "{path}:Uppdragsavtal", "not an allowed attachment type (BR-CL-24"),
    ("fullmakt.pdf", b"not a pdf", "{path}:Fullmakt", "the content is not a PDF file (renamed?)"),
    ("tom.pdf", b"", "{path}:Tom", "the file is empty"),
    ("fullmakt.pdf", PDF_BYTES, "{path}", "give FILE:DESCRIPTION"),
    ("fullmakt.pdf", PDF_BYTES, "{path}:Fullmakt för 19750315-1289", "the description holds a personnummer"),
    ("stor.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "{path}:Stor", "larger than 10 MB"),
])
def test_attach_refuses_what_an_invoice_cannot_carry(runner, ex, tmp_path, name, content, attach, message):
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out"
    result = create(runner, ex, out, "--attach", attach.format(path=path))
    assert result.exit_code == 2 and message in result.output, result.output
    assert not out.exists() or not list(out.glob("*.xml"))
    assert "19750315-1289" not in result.output


def test_a_second_number_series_for_the_same_provider_is_refused(runner, ex, tmp_path):
    """The default series beside the profile numbers the first month; pointing --series at a
    new file for the same provider and prefix would start at 00001 again: refused, naming the
    file in use. The first file moved away, the new one takes over."""
    first = create(runner, ex, tmp_path / "out1")
    assert first.exit_code == 0, first.output
    in_use = ex / "provider.series.json"
    assert in_use.exists()
    second = create(runner, ex, tmp_path / "out2", "--series", str(tmp_path / "new.series.json"))
    assert second.exit_code == 2
    message = " ".join(second.output.split())
    assert "already numbers its invoices with prefix" in message and str(in_use.resolve()) in message
    assert not (tmp_path / "out2").exists() or not list((tmp_path / "out2").glob("*.xml"))
    again = create(runner, ex, tmp_path / "out3", "--series", str(in_use), "--format", "json")  # the same file
    assert again.exit_code == 1  # taken as the series; the month itself was billed (invoices.billed)
    assert result_of(again.stdout, "invoice create", 1)["refusal"]["code"] == "already_billed"
    in_use.rename(tmp_path / "moved.series.json")
    moved = create(runner, ex, tmp_path / "out4", "--series", str(tmp_path / "moved.series.json"))
    assert moved.exit_code == 0, moved.output


def test_a_month_is_billed_once_then_supplemented_or_replaced_after_a_credit(runner, ex, tmp_path):
    """March billed; billing it again is refused naming the invoice; an hour added to Anna's
    report is billed alone with --supplement; after the first invoice is credited, --replace
    bills the month anew in full."""
    first = create(runner, ex, tmp_path / "o1", "--format", "json")
    assert first.exit_code == 0, first.output
    (base,) = [p for p in result_of(first.stdout, "invoice create")["produced"] if p["decision_id"] == "TJ-2024-01"]
    again = create(runner, ex, tmp_path / "o2", "--format", "json")
    assert again.exit_code == 1
    refusal = result_of(again.stdout, "invoice create", 1)["refusal"]
    assert refusal["code"] == "already_billed" and base["number"] in refusal["message"]
    path = ex / "timereports" / "tjorn-2024-03" / "anna.csv"
    row = path.read_text(encoding="utf-8").splitlines()[1].split(",")
    row[4:7] = ["2024-03-29", "18:00", "19:00"]  # an hour reported late
    path.write_text(path.read_text(encoding="utf-8") + ",".join(row) + "\r\n", encoding="utf-8")
    extra = create(runner, ex, tmp_path / "o3", "--supplement", "--format", "json")
    assert extra.exit_code == 0, extra.output
    (supplement,) = result_of(extra.stdout, "invoice create")["produced"]
    assert (supplement["decision_id"], supplement["total"]) == ("TJ-2024-01", "332.60")  # 1 h at 332.60
    not_credited = create(runner, ex, tmp_path / "o4", "--replace", base["number"], "--format", "json")
    assert result_of(not_credited.stdout, "invoice create", 1)["refusal"]["code"] == "replace_not_credited"
    credit = runner.invoke(main, ["invoice", "credit", "--provider", str(ex / "provider.toml"), "--original",
                                  base["file"], "--out", str(tmp_path / "o5"), "--reason", "fel timmar",
                                  "--issue-date", "2024-04-10"])
    assert credit.exit_code == 0, credit.output
    # the credited invoice no longer counts, the supplement still does: replacing bills the rest
    replaced = create(runner, ex, tmp_path / "o6", "--replace", base["number"], "--format", "json")
    assert replaced.exit_code == 1
    assert result_of(replaced.stdout, "invoice create", 1)["refusal"]["code"] == "already_billed"
    both = create(runner, ex, tmp_path / "o7", "--replace", base["number"], "--supplement")
    assert both.exit_code == 2 and "do not go together" in both.output
    credit2 = runner.invoke(main, ["invoice", "credit", "--provider", str(ex / "provider.toml"), "--original",
                                   supplement["file"], "--out", str(tmp_path / "o8"), "--issue-date", "2024-04-10"])
    assert credit2.exit_code == 0, credit2.output
    anew = create(runner, ex, tmp_path / "o9", "--replace", base["number"], "--format", "json")
    assert anew.exit_code == 0, anew.output
    renewed = [p for p in result_of(anew.stdout, "invoice create")["produced"] if p["decision_id"] == "TJ-2024-01"]
    assert [p["total"] for p in renewed] == [f"{Decimal(base['total']) + Decimal('332.60'):.2f}"]
