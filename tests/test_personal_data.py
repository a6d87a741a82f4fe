"""The personal-data scan of the test suite (tests/personal_data.py) can fail, and fails right.

Synthetic personnummer only (valid Luhn check digit, fictional). They are the *inputs* here:
what these tests print must stay free of them, like everything else in the suite.
"""
from __future__ import annotations

import logging
import os
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.factories import synthetic_pnr
from tests.personal_data import mask, scan

REPO = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]


PNR = synthetic_pnr("19900101", "123")            # 12 digits
PNR10 = PNR[2:]                                    # 10 digits, YYMMDDNNNC
SAMORDNING = synthetic_pnr("19900161", "123")     # day 01 + 60
NOT_A_PNR = PNR[:-1] + str((int(PNR[-1]) + 1) % 10)  # wrong check digit


def kinds(text: str) -> list[str]:
    return [leak.kind for leak in scan(text)]


@pytest.mark.parametrize("written", [PNR, f"{PNR[:8]}-{PNR[8:]}", PNR10, f"{PNR10[:6]}-{PNR10[6:]}",
                                     f"{PNR10[:6]}+{PNR10[6:]}"])
def test_a_personnummer_is_found_in_every_spelling(written):
    text = f"Faktura LSS2024-00017\nassistent {written}: 12 h\n"
    leaks = scan(text)
    assert [leak.kind for leak in leaks] == ["personnummer"]
    leak = leaks[0]
    assert (leak.line, leak.column) == (2, len("assistent ") + 1)
    assert text[leak.start:leak.end] == written
    # masked: the digits after the birth date never shown
    assert leak.masked == f"{written[:len(written) - 4].rstrip('-+')}-****"
    assert written not in leak.describe() and PNR[-4:] not in leak.describe()
    assert leak.describe() == f"a personnummer ({leak.masked}) at line 2, column 11"


def test_a_samordningsnummer_is_found():
    assert kinds(f"vikarie {SAMORDNING}") == ["samordningsnummer"]
    assert kinds(f"vikarie {SAMORDNING[:8]}-{SAMORDNING[8:]}") == ["samordningsnummer"]
    assert kinds(f"vikarie {SAMORDNING[2:]}") == ["samordningsnummer"]
    # day 61..91 only, and a real date once 60 is taken off
    assert kinds(synthetic_pnr("19900291", "123")) == []     # 31 February + 60
    assert kinds(synthetic_pnr("19900292", "123")) == []     # day 32 + 60


@pytest.mark.parametrize("text", [
    "5567321707", "556732-1707", "0007:5567321707", "iso6523 0007:2120001306", "16556732-1707",  # org numbers
    NOT_A_PNR, f"{NOT_A_PNR[:8]}-{NOT_A_PNR[8:]}",                      # check digit wrong
    "total 1234567890.00 SEK", "1 234 567,00 kr", "12345678.50", "amount 199001011.23",
    "LSS2024-00001", "M2030-00001", "INV-00042", "Faktura 2024000123",
    "2024-05-10", "20240510", "2026-11-26T10:00:00Z", "2024-05-06 08:00–16:00",
    "https://example.org/1990010112",
    "6f1c1c5e-1111-4c3e-9a55-" + PNR,                                   # the last group of a UUID
    "sha256 " + "ab" * 10 + PNR + "cd" * 16,                             # inside a hash
    f"1{PNR}", f"{PNR}1",                                               # part of a longer number
])
def test_ordinary_numbers_are_not_flagged(text):
    assert scan(text) == []


@pytest.mark.parametrize("text, masked", [
    ("shift 2024-05-09 08:00–12:00 by an assistant who turns 18 on 2024-05-10: not a cost",
     "turns 18 on ****-**-**"),
    ("fyller 18 den 10 maj 2024", "fyller 18 den ** maj ****"),
    ("born 1990-01-01", "born ****-**-**"),
    ("Född: 19900101", "Född: ********"),
    ("date of birth = 1990-01-01", "date of birth = ****-**-**"),
])
def test_a_printed_date_of_birth_is_found(text, masked):
    leaks = scan(text)
    assert [(leak.kind, leak.masked) for leak in leaks] == [("date of birth", masked)]
    assert "1990-01-01" not in mask(text) and "2024-05-10" not in mask(text)


@pytest.mark.parametrize("text", [
    "shift 2024-05-09 08:00–12:00 by an assistant who turns 18 1 day after this shift",
    "shift 2023-12-01 08:00–12:00 by an assistant who turns 18 161 days after this shift",
    "issued 2024-05-10, due 2024-06-09", "born in 1990",
])
def test_a_day_relative_to_the_shift_is_not_a_date_of_birth(text):
    assert scan(text) == []


def test_mask_hides_every_number_and_keeps_the_rest():
    text = f"a {PNR} b {SAMORDNING[2:]} c, turns 18 on 2024-05-10; org 556732-1707\n"
    masked = mask(text)
    assert masked == (f"a {PNR[:8]}-**** b {SAMORDNING[2:8]}-**** c, turns 18 on ****-**-**; "
                      "org 556732-1707\n")
    assert scan(masked) == []


# ----------------------------------------------------------------- the hook, in this session

@click.command()
@click.argument("who")
def _echo(who):
    click.echo(f"assistent {who}")
    click.echo(f"samma på stderr {who}", err=True)


def test_clirunner_output_of_this_session_is_recorded(pytestconfig):
    """CliRunner.invoke is wrapped for the whole session: its stdout and stderr reach the scan.

    Controlled: what this test's invoke recorded is taken back before the hook sees it."""
    plugin = pytestconfig.pluginmanager.get_plugin("personal-data-scan")
    assert plugin is not None and hasattr(CliRunner.invoke, "__wrapped__")
    before = len(plugin.recorded)
    result = CliRunner().invoke(_echo, [PNR])
    assert result.exit_code == 0
    recorded, plugin.recorded[before:] = plugin.recorded[before:], []
    sources = [source for source, _ in recorded]
    assert sources[0].startswith("stdout of CliRunner.invoke #") and sources[1].startswith("stderr of")
    assert [leak.kind for _, text in recorded for leak in scan(text)] == ["personnummer", "personnummer"]
    assert PNR not in " ".join(sources)  # the label names the command, masked


def test_the_root_logger_is_captured_at_debug(caplog):
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    logging.getLogger("lssinvoice.test").debug("a debug record reaches the scan")
    assert "a debug record reaches the scan" in caplog.text


# --------------------------------------------------------- the hook, in a pytest of its own

INNER_CONFTEST = """
from tests.personal_data import PersonalDataScan

def pytest_configure(config):
    config.pluginmanager.register(PersonalDataScan(), "personal-data-scan")
"""

INNER_TESTS = """
import logging, sys
import click
import pytest
from click.testing import CliRunner
from tests.helpers import record_output

PNR = {pnr!r}

@click.command()
@click.option("--err", is_flag=True)
@click.option("--leak", is_flag=True)
def cli(err, leak):
    click.echo("rad 1")
    click.echo(f"assistent {{PNR if leak else '19900101-****'}}", err=err)

def test_clirunner_stdout():
    assert CliRunner().invoke(cli, ["--leak"]).exit_code == 0

def test_clirunner_stderr():
    runner = CliRunner()
    assert runner.invoke(cli, []).exit_code == 0
    assert runner.invoke(cli, ["--err", "--leak"]).exit_code == 0

def test_logged_at_debug():
    logging.getLogger("inner").debug("klient %s", PNR)

def test_printed():
    print("utskrift", PNR)

def test_subprocess_output():
    record_output(f"child said {{PNR}}".encode(), "stdout of lssinvoice ingest run")

def test_already_failing():
    print(PNR)
    assert False, "its own failure"

def test_birth_date():
    print("an assistant who turns 18 on 2024-05-10")

def test_clean():
    result = CliRunner().invoke(cli, [], catch_exceptions=False)
    assert "assistent" in result.output
    # the test may hold a personnummer and check it is NOT printed; its own assertion is silent
    assert PNR[:8] + "-" + PNR[8:] not in result.output

def test_clean_but_other_numbers():
    print("org 556732-1707, faktura LSS2024-00001, 1234567890.00 SEK")
"""


def test_the_hook_fails_a_test_whose_output_holds_a_personnummer(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=textwrap.dedent(INNER_TESTS).format(pnr=PNR))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-rf")
    result.assert_outcomes(passed=2, failed=7)
    out = result.stdout.str() + result.stderr.str()
    masked = f"{PNR[:8]}-****"
    for name, where in [("test_clirunner_stdout", "stdout of CliRunner.invoke #1 (no arguments)"),
                        ("test_clirunner_stderr", "stderr of CliRunner.invoke #2 (no arguments)"),
                        ("test_logged_at_debug", "log (all levels)"),
                        ("test_printed", "stdout"),
                        ("test_subprocess_output", "stdout of lssinvoice ingest run")]:
        assert (f"personal data in the output of test_inner.py::{name} (call): no personnummer, "
                "samordningsnummer or date of birth may be printed or logged") in out, name
        assert f"a personnummer ({masked}) at line " in out
        assert f"in the {where}" in out, name
    assert "its own failure" in out and "personal data in the output" in out
    assert "a date of birth (turns 18 on ****-**-**) at line 1, column 30 in the stdout" in out
    # the failure report never shows the number: not in the message, not in the captured output
    assert PNR not in out and f"{PNR[:8]}-{PNR[8:]}" not in out and PNR[2:] not in out
    assert "2024-05-10" not in out
    assert "utskrift " + masked in out  # the captured stdout pytest shows is masked
