"""Benchmark ``ingest-steps`` (issue 15): where an ingested invoice's CPU goes, step by step.

One process ingests 500 generated invoices (``bench.ingest.generate``; 100 more first, to
warm up the compiled rules) from a folder into SQLite, one worker, under :mod:`cProfile`, on
SaxonC; then, where Java and the Saxon-HE jar are installed, the same on the JVM engine
(after :data:`JVM_WARM` invoices, its JIT warm). Each step's share is its cumulative profiled
time over the run's (wall time on the worker's thread); the milliseconds are those shares of
the CPU per invoice the same run takes without the profiler (``time.process_time`` of a
second, unprofiled run of 500: every thread of the process, the JVM's own included), so the
profiler's own overhead is not counted in them.

Steps (the functions whose cumulative time makes each; nested steps are taken out of the
step around them, as :data:`_INSIDE` declares; :func:`_check_nesting` holds that declaration
to the profile's call graph, so a step moved elsewhere in the code fails the benchmark instead
of being counted twice or subtracted from a step it is no longer in):

==================  ===========================================================================
analysis            envelope, detection, hardened parse, size checks (the analysis less the steps below)
validate invoice    XSD, CEN and PEPPOL rules of the invoice (``Validator.validate_parsed`` of it)
  of which Saxon    the transforms themselves and Saxon's own parse (invoice and response)
read into model     :func:`peppol.reader.read_ubl`
time reports        reading the attached time reports (:func:`ingest.timereport_intake.take_in`)
response            building the Invoice Response and validating it with the T111 rules
  its validation    the T111 validation of our own response (:meth:`ingest.replies.Replier.check`)
store               the final transaction (:meth:`ingest.final.Finisher.commit`: SQL)
outbox              writing the responses to the outbox
==================  ===========================================================================

The floor: what no rewrite of the Python around the rules removes, from the same profile:
Saxon's rows, the hardened lxml parse and the XSD of the invoice and the response, and
SQLite's commits. With two workers and nothing else, it caps the throughput at
``2 × 1000 / floor`` invoices a second (before the two processes slow each other).
"""
from __future__ import annotations

import cProfile
import pstats
import shutil
import tempfile
import time
from pathlib import Path

from bench import register
from bench.common import fmt, table

COUNT = 500

_SAXON_PARSE = [("validate/schematron/runner.py", "parse"), ("validate/schematron/engines.py", "parse")]
"""Saxon's parse on each engine: ``SaxonCEngine.parse`` and ``JvmEngine.parse``."""

_STEPS = {
    "analysis": [("ingest/analysis.py", "_analyse")],
    "validate invoice": [("validate/engine.py", "validate_parsed")],
    "  of which Saxon": [("validate/schematron/runner.py", "run_raw"), *_SAXON_PARSE],
    "read into model": [("peppol/reader.py", "read_ubl")],
    "time reports": [("ingest/timereport_intake.py", "take_in")],
    "response": [("ingest/replies.py", "answer")],
    "  of which its validation": [("ingest/replies.py", "check")],
    "store": [("ingest/final.py", "commit")],
    "outbox": [("ingest/outbox.py", "send_pending")],
}

_INSIDE = {
    "analysis": ["validate invoice", "read into model", "time reports"],
    "response": ["validate invoice"],  # its own validation runs the same code: taken out of "validate invoice"
}
"""Which rows run inside which; no other pair of rows may (:func:`_check_nesting`). Inner
rows are taken out of the outer ones, and the response's validation out of the invoice's."""

_OF_WHICH = {"  of which Saxon": "validate invoice", "  of which its validation": "response"}
"""Rows that are part of the row above them, shown as such and not taken out of it."""

_FLOOR = {
    "Saxon": [("validate/schematron/runner.py", "run_raw"), *_SAXON_PARSE],
    "hardened parse": [("validate/xmlsafe.py", "parse_checked")],
    "XSD": [("validate/xsd.py", "validate")],
    "SQLite commits": [("~", "<method 'commit' of 'sqlite3.Connection' objects>")],
}


def _functions(stats: pstats.Stats, wanted: list[tuple[str, str]]) -> list[tuple]:
    return [key for key in stats.stats if any(key[0].endswith(f) and key[2] == n for f, n in wanted)]


def _cumulative(stats: pstats.Stats, wanted: list[tuple[str, str]]) -> float:
    return sum(stats.stats[key][3] for key in _functions(stats, wanted))


def _callers_of(stats: pstats.Stats, keys: list[tuple]) -> set[tuple]:
    """Every function above ``keys`` in the profile's call graph."""
    seen: set[tuple] = set()
    todo = list(keys)
    while todo:
        for caller in stats.stats.get(todo.pop(), (0, 0, 0, 0, {}))[4]:
            if caller not in seen:
                seen.add(caller)
                todo.append(caller)
    return seen


def _check_nesting(stats: pstats.Stats) -> None:
    """The rows nested as :data:`_INSIDE` and :data:`_OF_WHICH` say, and no other pair of
    rows nested: a step whose function ran within another's would otherwise be counted in
    both rows, or subtracted from a step it is not in."""
    found = {step: _functions(stats, wanted) for step, wanted in _STEPS.items()}
    for step, keys in found.items():
        if not keys:
            raise RuntimeError(f"ingest-steps: step {step!r} did not run ({_STEPS[step]})")
    above = {step: _callers_of(stats, keys) for step, keys in found.items()}
    top = [step for step in _STEPS if step not in _OF_WHICH]
    for inner in top:
        for outer in top:
            nested = outer != inner and bool(above[inner] & set(found[outer]))
            if nested != (inner in _INSIDE.get(outer, ())):
                raise RuntimeError(f"ingest-steps: {inner!r} {'runs' if nested else 'does not run'} inside "
                                   f"{outer!r}, which _INSIDE does not say: the rows would be wrong")
    for part, whole in _OF_WHICH.items():
        if not above[part] & set(found[whole]):
            raise RuntimeError(f"ingest-steps: {part.strip()!r} does not run inside {whole!r}")


def _config(source: Path, work: Path):
    from ingest.service import IngestConfig

    return IngestConfig(source=str(source), db=f"sqlite:///{work / 'ingest.db'}", municipality="tjorn",
                        archive=str(work / "archive"), outbox=str(work / "outbox"))


def _batch(work: Path, name: str, count: int, first: int) -> Path:
    from bench.ingest import generate

    folder = work / name
    generate(folder, count, first)
    return folder


def _measure(work: Path, first: int, warm: int) -> dict:
    """One engine (the one in use): ``warm`` invoices to warm up, then ``COUNT`` timed and
    ``COUNT`` profiled, into the one store ``work`` holds, numbered from ``first``."""
    from ingest.service import run_once

    # Numbered apart: batches into one store sharing numbers would be duplicates (answered twice).
    run_once(_config(_batch(work, f"warm{first}", warm, first), work), workers=1)
    plain = _batch(work, f"plain{first}", COUNT, first + warm)
    t = time.process_time()
    summary = run_once(_config(plain, work), workers=1)
    cpu_ms = (time.process_time() - t) * 1000 / COUNT
    profiled = _batch(work, f"profiled{first}", COUNT, first + warm + COUNT)
    profile = cProfile.Profile()
    profile.enable()
    profiled_summary = run_once(_config(profiled, work), workers=1)
    profile.disable()
    stats = pstats.Stats(profile)
    _check_nesting(stats)
    whole = _cumulative(stats, [("ingest/service.py", "run_once")])
    raw = {step: _cumulative(stats, wanted) for step, wanted in _STEPS.items()}
    shares = dict(raw)
    shares["validate invoice"] = raw["validate invoice"] - raw["  of which its validation"]
    shares["analysis"] = raw["analysis"] - sum(shares[inner] for inner in _INSIDE["analysis"])
    return {"cpu_ms": cpu_ms, "stored": summary.count("stored"), "profiled_stored": profiled_summary.count("stored"),
            "shares": {step: seconds / whole for step, seconds in shares.items()},
            "accounted": sum(v for k, v in shares.items() if not k.startswith("  ")) / whole,
            "floor": {part: _cumulative(stats, wanted) / whole * cpu_ms for part, wanted in _FLOOR.items()},
            "warm": warm, "after": first + warm + 2 * COUNT}


JVM_WARM = 600
"""Invoices the JVM engine ingests before it is measured: its JIT compiles the rules' paths
over the first few hundred (the first 500 cost about 20 ms of CPU each, the next 7-8 ms)."""


@register("ingest-steps")
def ingest_steps() -> str:
    from validate.schematron import engines

    work = Path(tempfile.mkdtemp(prefix="bench-steps-"))
    try:
        engines.select("saxonc")
        runs = {"SaxonC": _measure(work, 0, 100)}
        if engines.jvm_available() is None:
            engines.select("jvm")
            runs["JVM"] = _measure(work, runs["SaxonC"]["after"], JVM_WARM)
    finally:
        engines.select("saxonc")
        shutil.rmtree(work, ignore_errors=True)
    heads = ["step"] + [f"{name}: {what}" for name in runs for what in ("share of the run", "ms of CPU per invoice")]
    rows = [[step] + [cell for r in runs.values() for cell in (f"{r['shares'][step] * 100:.0f} %",
                                                              fmt(r["shares"][step] * r["cpu_ms"]))]
            for step in _STEPS]
    lines = ["Measured by `make bench` (`bench/ingest_steps.py`; its docstring says what is measured).", ""]
    for name, r in runs.items():
        lines.append(f"- {name}: {COUNT} generated invoices after {r['warm']} to warm up, folder → SQLite, one worker; "
                     f"{r['stored']} stored ({r['profiled_stored']} of the profiled run's {COUNT}); "
                     f"**{fmt(r['cpu_ms'])} ms of CPU per invoice** (unprofiled)")
    if "JVM" not in runs:
        lines.append(f"- the JVM engine was not measured: {engines.jvm_available()}")
    lines += [""] + table(heads, rows)
    lines += ["", "The steps account for " + " and ".join(f"{r['accounted'] * 100:.0f} % ({name})"
                                                          for name, r in runs.items())
              + " of the profiled runs; the rest is the pipeline's own bookkeeping (claims, batching, leases). "
              "The inbox reads and archive writes run on I/O threads, which the profiler does not see: they are in "
              "the CPU per invoice, not in a row; so are the JVM's compiler and collector threads. Saxon's rows "
              "(transforms and its own parse) count the invoice's and the response's.", ""]
    for name, r in runs.items():
        total = sum(r["floor"].values())
        lines.append(f"- The floor on {name}, what no rewrite of the Python around the rules removes: "
                     f"**{fmt(total)} ms** per invoice ({', '.join(f'{part} {fmt(ms)}' for part, ms in r['floor'].items())}); "
                     f"two workers doing nothing else would reach at most **{2000 / total:.0f} invoices/s**, before the "
                     "two processes slow each other.")
    return "\n".join(lines)
