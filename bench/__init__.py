"""Benchmarks of lssinvoice (``make bench``, ``python -m bench``): measurements, not tests.

A benchmark is a function returning a markdown report, registered under a name with
:func:`register`. ``python -m bench`` runs every registered benchmark, prints the reports,
and rewrites the README section between ``<!-- bench:NAME:start -->`` and
``<!-- bench:NAME:end -->`` when those markers exist. Figures are printed beside their
targets (PASS/MISS) for information; a benchmark never fails because of a figure.
"""
from __future__ import annotations

from collections.abc import Callable

Benchmark = Callable[[], str]

BENCHMARKS: dict[str, Benchmark] = {}


def register(name: str) -> Callable[[Benchmark], Benchmark]:
    """Decorator: register a benchmark (its README section is ``bench:<name>``)."""

    def add(func: Benchmark) -> Benchmark:
        BENCHMARKS[name] = func
        return func

    return add


def load_all() -> dict[str, Benchmark]:
    """Import the benchmark modules (registering them) and return the registry."""
    from bench import ingest, ingest_steps, validation  # noqa: F401  (registers "ingest", "ingest-steps", "validation")
    from bench import releases  # noqa: F401  (registers "releases", run after "validation")
    from bench import engines  # noqa: F401  (registers "engines": SaxonC, the JVM, phive's XSLT)

    return BENCHMARKS
