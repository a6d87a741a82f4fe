"""tests/factories.py is the one place test builders live, and what it builds is synthetic and valid."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from invoices.model import validate_pnr
from peppol.identifiers import luhn

from .factories import (
    ASSISTANT2_PNR,
    ASSISTANT_PNR,
    CLIENT2_PNR,
    CLIENT_PNR,
    PEOPLE,
    assistant,
    decision,
    report,
    shift,
    synthetic_pnr,
)

TESTS = Path(__file__).resolve().parent


def imported_test_modules(source: str, package: str = "tests") -> list[str]:
    """The test modules (``test_*``) a module's source imports from, at any depth of it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: inside the tests package
                base = f"{package}.{base}" if base else package
            modules = [base] + [f"{base}.{alias.name}" for alias in node.names if not node.module]
        else:
            continue
        found += [m for m in modules if m.startswith(f"{package}.test_")]
    return found


def test_the_scan_finds_every_way_of_importing_a_test_module():
    source = ("from .test_a import x\nfrom tests.test_b import y\nfrom . import test_c\nimport tests.test_d\n"
              "def f():\n    from .test_e import z\n"
              "from .factories import shift\nfrom tests import helpers\nimport pytest\n")
    assert imported_test_modules(source) == ["tests.test_a", "tests.test_b", "tests.test_c", "tests.test_d",
                                           "tests.test_e"]


@pytest.mark.parametrize("path", sorted(TESTS.glob("*.py")), ids=lambda p: p.name)
def test_no_module_of_the_tests_imports_from_a_test_module(path):
    """Builders come from tests/factories.py (or tests/ingest_factory.py, tests/helpers.py),
    fixtures from conftest.py: never from another test module."""
    assert imported_test_modules(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("birth, serial", [
    ("19900101", "123"), ("19751231", "222"), ("20080601", "123"), ("20000229", "000"), ("19850704", "999"),
])
def test_synthetic_pnr_has_a_valid_luhn_check_digit(birth, serial):
    pnr = synthetic_pnr(birth, serial)
    assert len(pnr) == 12 and pnr.startswith(birth + serial)
    assert luhn.is_valid(pnr[2:])
    assert validate_pnr(pnr) == pnr
    assert validate_pnr(f"{pnr[2:8]}-{pnr[8:]}") == pnr


def test_synthetic_samordningsnummer_is_valid_too():
    number = synthetic_pnr("19900161")  # born 1 January 1990, day + 60
    assert luhn.is_valid(number[2:]) and validate_pnr(number) == number


def test_synthetic_pnr_with_an_impossible_date_is_refused():
    """The builder does not check the date, so a test can make an invalid number on purpose."""
    number = synthetic_pnr("19900231")
    assert luhn.is_valid(number[2:])
    with pytest.raises(ValueError):
        validate_pnr(number)


def test_fixture_people_are_synthetic_and_valid():
    for number in (*(p.pnr for p in PEOPLE), ASSISTANT_PNR, ASSISTANT2_PNR, CLIENT_PNR, CLIENT2_PNR):
        assert validate_pnr(number) == number
    assert len({p.pnr for p in PEOPLE} | {ASSISTANT_PNR, ASSISTANT2_PNR, CLIENT_PNR, CLIENT2_PNR}) == 10


def test_people_may_be_given_by_personnummer():
    """A builder takes a person or a personnummer, and builds the same shift either way."""
    by_number = report(shift("2024-05-06", "08:00", "16:00", who=ASSISTANT_PNR, client=CLIENT_PNR,
                             source="t.csv row 2"), who=ASSISTANT_PNR, client=CLIENT_PNR)
    person = assistant(ASSISTANT_PNR)
    assert by_number.assistant == person and (person.lives_in_eea, person.capacity_to_work) == (True, True)
    assert (by_number.client.pnr, by_number.month) == (CLIENT_PNR, "2024-05")
    [s] = by_number.shifts
    assert s == shift("2024-05-06", "08:00", "16:00", who=person, client=by_number.client, source="t.csv row 2")
    assert (s.start.isoformat(), s.end.isoformat()) == ("2024-05-06T08:00:00+02:00", "2024-05-06T16:00:00+02:00")
    assert decision(client=CLIENT_PNR).client_pnr == decision(client=by_number.client).client_pnr == CLIENT_PNR
