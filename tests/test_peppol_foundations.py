"""One implementation of each thing in :mod:`peppol`: one parser factory, one place for the
namespaces and fixed identifiers (:mod:`peppol.codes`), one for identifier check digits
(:mod:`peppol.identifiers`). The modules are read as source, nothing is imported."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PEPPOL = Path(__file__).resolve().parents[1] / "peppol"
MODULES = sorted(PEPPOL.rglob("*.py"))
PARSING_CALLS = {"fromstring", "XMLParser", "parse", "XML", "iterparse", "fromstringlist", "XMLPullParser"}
FIXED_PREFIXES = ("urn:oasis:names:specification:ubl:schema:xsd", "urn:fdc:peppol.eu", "urn:cen.eu:en16931",
                  "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader")
SCHEME_CODES = {"0007", "0088", "0151", "0192", "0208", "iso6523-actorid-upis", "busdox-docid-qns",
                "cenbii-procid-ubl"}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            for statement in body:
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                    found.add(id(statement.value))  # module, class and attribute docstrings
    return found


def _string_constants(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [(node.value, node.lineno) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs]


def _rel(path: Path) -> str:
    return str(path.relative_to(PEPPOL.parent))


def test_the_modules_are_found():
    assert {_rel(p) for p in MODULES} >= {"peppol/_xml.py", "peppol/codes.py", "peppol/sbdh.py",
                                         "peppol/responses/__init__.py", "peppol/identifiers/gln.py"}


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_only_peppol_xml_makes_a_parser(path):
    if _rel(path) == "peppol/_xml.py":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [(node.func.attr, node.lineno) for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and isinstance(node.func.value, ast.Name) and node.func.value.id == "etree"
             and node.func.attr in PARSING_CALLS]
    assert calls == [], f"{_rel(path)} parses XML itself; use peppol._xml"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_namespaces_and_identifiers_are_named_in_peppol_codes_only(path):
    if _rel(path) == "peppol/codes.py":
        return
    found = [(value, line) for value, line in _string_constants(path)
             if value.startswith(FIXED_PREFIXES) or value in SCHEME_CODES]
    assert found == [], f"{_rel(path)}: use the constants of peppol.codes"
