"""The package declaration in pyproject.toml says nothing that is not there."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


@pytest.mark.parametrize("package,pattern", [
    (package, pattern) for package, patterns in SETUPTOOLS["package-data"].items() for pattern in patterns
])
def test_every_package_data_glob_matches_a_file(package, pattern):
    assert [p for p in (ROOT / package).glob(pattern) if p.is_file()], f"{package}: {pattern} matches no file"


def test_every_package_with_code_is_declared():
    declared = {p.rstrip("*") for p in SETUPTOOLS["packages"]["find"]["include"]}
    with_code = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} - {"tests", "bench"}
    assert with_code <= declared, sorted(with_code - declared)
