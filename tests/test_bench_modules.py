"""Every benchmark module imports (``make bench`` would fail late, after other sections ran,
on a name a split or rename left behind). Behaviour only: nothing is measured here."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
MODULES = sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__main__")


@pytest.mark.parametrize("name", MODULES)
def test_the_benchmark_module_imports(name):
    module = importlib.import_module(f"bench.{name}")
    assert module.__doc__, f"bench/{name}.py has no docstring saying what it measures"


def test_the_benchmarks_register_by_name():
    import bench

    for name in MODULES:
        importlib.import_module(f"bench.{name}")
    assert {"engines", "ingest", "ingest-steps", "casework", "validation"} <= set(bench.BENCHMARKS)
