"""The doctests of every module of :mod:`peppol.identifiers` run as part of ``make test``.

Each module documents its rule with examples; a wrong example (or a changed rule) fails here.
A module without examples fails too, so the examples cannot silently disappear.
"""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import peppol.identifiers

MODULES = sorted(info.name for info in pkgutil.iter_modules(peppol.identifiers.__path__))
WITHOUT_EXAMPLES = {"exceptions"}  # error classes only


def test_every_identifier_module_is_listed():
    assert set(MODULES) >= {"au_abn", "bankgiro", "be_enterprise", "gln", "luhn", "no_orgnr", "peppol_id",
                            "plusgiro", "se_orgnr", "se_vat", "exceptions"}


@pytest.mark.parametrize("name", [m for m in MODULES if m not in WITHOUT_EXAMPLES])
def test_doctests_of(name):
    module = importlib.import_module(f"peppol.identifiers.{name}")
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert attempted > 0, f"{module.__name__} has no doctest examples"
    assert failed == 0, f"{failed} of {attempted} doctest examples of {module.__name__} failed"
