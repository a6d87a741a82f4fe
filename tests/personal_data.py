"""No personnummer in anything the program prints: the scan every test's output goes through.

What is scanned, for every test of the suite (setup, call and teardown apart):

* what pytest captured: stdout, stderr and the log records at every level (the plugin sets the
  root logger's capture level to DEBUG unless ``log_level`` is given);
* the stdout and stderr of every ``click.testing.CliRunner.invoke`` (patched for the whole
  session), and the message of an exception the command let escape (a traceback the user
  would see);
* what a test hands to :func:`record_output` (the stdout/stderr of a subprocess it captured).

What counts as personal data:

* a personnummer: 10 or 12 digits, optionally ``-``/``+`` before the last four, that
  python-stdnum's ``se.personnummer.is_valid`` accepts (a real date, Luhn check digit);
* a samordningsnummer: the same with 60 added to the day (stdnum 2.x does not know them: the
  day is shifted back for the date and the Luhn digit is checked over the number as written);
* a date of birth printed as such: "turns 18 on 2024-05-10", "born 1990-01-01",
  "född 19900101", "date of birth: …" (a day relative to something else, "turns 18 in 12
  days", is not a date of birth).

Organisation numbers (month digit 2-9), amounts, invoice numbers, dates and times never pass
the date-plus-check-digit test; a digit run inside a SHA-256 or UUID is not a candidate.

A test whose output holds personal data fails, with a message naming the kind, the masked
number (``19900101-****``), where it was printed and at which line and column; never the
number itself. The captured sections pytest shows for a failing test are masked too.
"""
from __future__ import annotations

import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from stdnum import luhn
from stdnum.se import personnummer

__all__ = ["Leak", "scan", "mask", "record_output", "PersonalDataScan"]

# 10 or 12 digits, an optional - or + before the last four, no digit on either side.
_CANDIDATE = re.compile(r"(?<![0-9])(?P<date>[0-9]{8}|[0-9]{6})(?P<sep>[-+]?)(?P<serial>[0-9]{4})(?![0-9])")
# hex runs that are hashes (SHA-1/256 …) and UUIDs: digits inside them are not numbers of people
_HEXISH = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{32,}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})"
                     r"(?![0-9A-Za-z])")

_MONTHS = (r"(?:jan(?:uary|uari)?|feb(?:ruary|ruari)?|mar(?:ch|s)?|apr(?:il)?|maj|may|jun[ei]?|jul[iy]?|"
           r"aug(?:ust|usti)?|sep(?:t|tember)?|o[ck]t(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_A_DATE = (rf"(?:[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}|[0-9]{{8}}|[0-9]{{6}}|[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{2,4}}|"
           rf"[0-9]{{1,2}}\s+{_MONTHS}\.?\s+[0-9]{{4}}|{_MONTHS}\.?\s+[0-9]{{1,2}},?\s+[0-9]{{4}})")
# "turns 18 on <date>", "fyller 18 den <date>", "born <date>", "date of birth: <date>", …
_BIRTH = re.compile(
    rf"(?:\b(?:turns?|turned|turning|fyller|fyllde)\s+[0-9]{{1,3}}(?:\s+(?:years?|år))?\s*(?:on|den|:|=|at|per)?\s*"
    rf"|\b(?:born|född|birth[\s_-]*date|date[\s_-]+of[\s_-]+birth|dob|födelsedatum|födelsedag|birthday)"
    rf"\s*(?:on|den|:|=|is)?\s*)"
    rf"(?P<date>{_A_DATE})(?![0-9])",
    re.IGNORECASE)


@dataclass(frozen=True)
class Leak:
    """One piece of personal data in a text: what it is, masked, and where."""

    kind: str      # "personnummer", "samordningsnummer" or "date of birth"
    masked: str    # 19900101-**** / 900101-**** / "turns 18 on ****-**-**"
    start: int
    end: int
    line: int      # 1-based
    column: int    # 1-based

    def describe(self) -> str:
        return f"a {self.kind} ({self.masked}) at line {self.line}, column {self.column}"


def _samordning_valid(digits: str, sep: str) -> bool:
    day_at = len(digits) - 6
    day = int(digits[day_at:day_at + 2])
    if not 61 <= day <= 91 or not luhn.is_valid(digits[-10:]):
        return False
    shifted = f"{digits[:day_at]}{day - 60:02d}{digits[day_at + 2:]}"
    try:
        personnummer.get_birth_date(f"{shifted[:-4]}{sep or '-'}{shifted[-4:]}")
    except Exception:  # noqa: BLE001 - stdnum's ValidationError: not a date
        return False
    return True


def _kind(match: re.Match) -> str | None:
    digits = match["date"] + match["serial"]
    if personnummer.is_valid(f"{match['date']}{match['sep'] or '-'}{match['serial']}"):
        return "personnummer"
    if _samordning_valid(digits, match["sep"]):
        return "samordningsnummer"
    return None


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def scan(text: str) -> list[Leak]:
    """Every personnummer, samordningsnummer and printed date of birth in ``text``, in order."""
    if not text:
        return []
    hexish = [m.span() for m in _HEXISH.finditer(text)]
    leaks = []
    for match in _CANDIDATE.finditer(text):
        if any(a <= match.start() and match.end() <= b for a, b in hexish):
            continue
        kind = _kind(match)
        if kind:
            masked = f"{match['date']}-****"
            leaks.append(Leak(kind, masked, match.start(), match.end(), *_position(text, match.start())))
    for match in _BIRTH.finditer(text):
        prefix = text[match.start():match.start("date")]
        masked = prefix + re.sub(r"[0-9]", "*", match["date"])
        leaks.append(Leak("date of birth", " ".join(masked.split()), match.start("date"), match.end("date"),
                          *_position(text, match.start("date"))))
    return sorted(leaks, key=lambda leak: leak.start)


def mask(text: str) -> str:
    """``text`` with every leak found by :func:`scan` masked (for showing captured output)."""
    out, at = [], 0
    for leak in scan(text):
        if leak.start < at:
            continue
        out.append(text[at:leak.start])
        out.append(leak.masked if leak.kind != "date of birth"
                   else re.sub(r"[0-9]", "*", text[leak.start:leak.end]))
        at = leak.end
    out.append(text[at:])
    return "".join(out)


# ------------------------------------------------------------------------ the recorder

_active: list[PersonalDataScan] = []


def record_output(text: str | bytes | None, source: str = "subprocess output") -> None:
    """Hand what a subprocess printed (its captured stdout or stderr) to the scan of this test."""
    if text is None:
        return
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if _active:
        _active[-1].recorded.append((source, text))


def _invoke_label(number: int, args) -> str:
    if isinstance(args, str):
        args = args.split()
    words = [str(a) for a in (args or ()) if not str(a).startswith("-")][:2]
    return mask(f"CliRunner.invoke #{number} ({' '.join(words) or 'no arguments'})")


class PersonalDataScan:
    """The pytest plugin: records CliRunner output, scans each phase's output, fails the test."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, str]] = []
        self._invokes = 0
        self._original_invoke = None

    # -- session
    def pytest_configure(self, config: pytest.Config) -> None:
        if config.getoption("log_level", None) is None and not config.getini("log_level"):
            config.option.log_level = "DEBUG"
        from click.testing import CliRunner

        original = self._original_invoke = CliRunner.invoke
        plugin = self

        def invoke(runner, cli, args=None, *more, **kwargs):
            result = original(runner, cli, args, *more, **kwargs)
            plugin._invokes += 1
            label = _invoke_label(plugin._invokes, args)
            plugin.recorded.append((f"stdout of {label}", result.stdout))
            plugin.recorded.append((f"stderr of {label}", result.stderr))
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                plugin.recorded.append((f"uncaught exception of {label}",
                                        "".join(traceback.format_exception_only(result.exception))))
            return result

        invoke.__wrapped__ = original
        CliRunner.invoke = invoke
        _active.append(self)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        from click.testing import CliRunner

        if self._original_invoke is not None:
            CliRunner.invoke = self._original_invoke
        if self in _active:
            _active.remove(self)

    # -- each phase of each test
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._invokes = 0  # invokes are numbered within a test

    def _drain(self) -> list[tuple[str, str]]:
        recorded, self.recorded = self.recorded, []
        return recorded

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        texts: list[tuple[str, str]] = []
        for title, content in report.sections:
            if title.startswith("Captured ") and title.endswith(f" {call.when}"):
                texts.append((title[len("Captured "):].replace(f" {call.when}", "", 1)
                               .replace("log", "log (all levels)"), content))
        texts += self._drain()
        problems = [f"{leak.describe()} in the {source}" for source, content in texts for leak in scan(content)]
        report.sections = [(title, mask(content)) for title, content in report.sections]
        if problems:
            message = (f"personal data in the output of {item.nodeid} ({call.when}): "
                       "no personnummer, samordningsnummer or date of birth may be printed or logged\n  "
                       + "\n  ".join(problems))
            if report.failed:
                report.sections.append(("personal data in the output", message))
            else:
                report.outcome = "failed"
                report.longrepr = message
                if hasattr(report, "wasxfail"):
                    del report.wasxfail
        return report


def leaks_in(texts: Iterable[str]) -> list[Leak]:
    """All leaks of several texts (for tests that check one result in a controlled way)."""
    return [leak for text in texts for leak in scan(text)]

