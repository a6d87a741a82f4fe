"""The dependency table of the packages, checked on every import of every module.

Dependencies flow one way: ``lssinvoice`` (the CLI) → ``ingest`` → ``invoices`` → ``peppol``,
and ``ingest``, ``invoices`` → ``validate`` → ``schemas``; ``peppol`` and ``validate`` never
import each other, and ``fsio`` (file helpers) is a leaf every layer may use. Each ``.py``
file is parsed (nothing is imported), so an import inside a function counts as much as one
at the top, and a relative import is resolved to the package it names. ``bench``, ``tests``
and ``examples`` may import anything.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LEAF = "fsio"
ALLOWED: dict[str, frozenset[str]] = {
    "lssinvoice": frozenset({"ingest", "invoices", "peppol", "validate", "schemas", LEAF}),
    "ingest": frozenset({"invoices", "peppol", "validate", "schemas", LEAF}),
    "invoices": frozenset({"peppol", "validate", "schemas", LEAF}),
    "validate": frozenset({"schemas", LEAF}),
    "peppol": frozenset({LEAF}),
    "schemas": frozenset({LEAF}),
    LEAF: frozenset(),
}
UNCONSTRAINED = frozenset({"bench", "tests", "examples"})
OURS = frozenset(ALLOWED) | UNCONSTRAINED


def module_name(path: Path) -> str:
    """``ingest/final.py`` → ``ingest.final``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, module: str, is_package: bool = False) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in ``source``, at any depth: ``import``,
    ``from … import`` (relative ones resolved against ``module``) and
    ``importlib.import_module("…")`` with a literal name."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                found.append((".".join(base + ([node.module] if node.module else [])), node.lineno))
            else:
                found.append((node.module or "", node.lineno))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.args[0].value, node.lineno))
    return found


def forbidden_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``module`` the table does not allow, as ``module:line imports name``."""
    layer = module.split(".")[0]
    if layer in UNCONSTRAINED:
        return []
    allowed = ALLOWED[layer] | {layer}
    return [f"{module}:{line} imports {name}" for name, line in imported_names(source, module, is_package)
            if name.split(".")[0] in OURS and name.split(".")[0] not in allowed]


def _our_files() -> list[Path]:
    return sorted(p for top in sorted(OURS) for p in (REPO / top).rglob("*.py"))


def test_every_folder_with_python_code_is_in_the_table():
    tops = {folder.name for folder in REPO.iterdir()
            if folder.is_dir() and not folder.name.startswith(".") and next(folder.rglob("*.py"), None)}
    assert tops <= OURS, f"not in the layer table: {sorted(tops - OURS)}"
    assert not list(REPO.glob("*.py")), "a top-level module outside every package"


def test_every_module_imports_only_what_its_layer_may():
    bad = []
    for path in _our_files():
        bad += forbidden_imports(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    assert bad == []


def test_the_leaf_imports_nothing_of_ours():
    for path in (REPO / LEAF).rglob("*.py"):
        names = imported_names(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
        assert {n.split(".")[0] for n, _ in names} & (OURS - {LEAF}) == set(), path


# ------------------------------------------------------------------ the checker itself

BAD_PEPPOL = '''
from __future__ import annotations
from . import codes

def later():
    from validate.engine import Validator   # peppol must never import validate
    return Validator
'''


def test_a_bad_edge_in_a_function_is_reported_with_its_line():
    assert forbidden_imports(BAD_PEPPOL, "peppol.reader") == ["peppol.reader:6 imports validate.engine"]


@pytest.mark.parametrize("source, module, expected", [
    ("from .. import ingest_thing", "invoices.sub.mod", []),  # invoices.ingest_thing: its own package
    ("from ..ingest import x", "invoices.sub.mod", []),  # invoices.ingest, not the ingest package
    ("import lssinvoice.cli", "ingest.final", ["ingest.final:1 imports lssinvoice.cli"]),
    ("import importlib\nimportlib.import_module('invoices.build')", "validate.engine",
     ["validate.engine:2 imports invoices.build"]),
    ("from ingest.blobs import private_dirs", "fsio.atomic", ["fsio.atomic:1 imports ingest.blobs"]),
    ("import lxml, peppol.codes", "lssinvoice.cmd_demo", []),
    ("from ingest import service", "tests.test_x", []),
])
def test_the_checker_on_synthetic_modules(source, module, expected):
    assert forbidden_imports(source, module) == expected


def test_a_relative_import_in_a_package_init_resolves_to_the_package():
    assert imported_names("from .atomic import write_atomic", "fsio", is_package=True) == [("fsio.atomic", 1)]
    assert imported_names("from . import faults", "ingest.final") == [("ingest", 1)]
