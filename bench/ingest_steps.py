"""Benchmark ``ingest-steps`` (issue 15): where an ingested invoice's CPU goes, step by step.

One process ingests 500 generated invoices (``bench.ingest.generate``; 100 more first, to
warm up the compiled rules) from a folder into SQLite, one worker, under :mod:`cProfile`.
Each step's share is its cumulative profiled time over the run's; the milliseconds are those
shares of the CPU per invoice the same run takes without the profiler (``time.process_time``
of a second, unprofiled run of 500), so the profiler's own overhead is not counted in them.

Steps (the functions whose cumulative time makes each; nested steps are taken out of the
step around them):

==================  ===========================================================================
analysis            envelope, detection, hardened parse, size checks (the analysis less the steps below)
validate invoice    XSD, CEN and PEPPOL rules of the invoice (``Validator.validate_parsed`` of it)
  of which Saxon    the transforms themselves and Saxon's own parse (invoice and response)
read into model     :func:`peppol.reader.read_ubl`
time reports        reading the attached time reports (:func:`ingest.timereport_intake.take_in`)
response            building the Invoice Response and validating it with the T111 rules
  its validation    the T111 validation of our own response (:meth:`ingest.replies.Replier.check`)
store and archive   the final transaction (SQL) and the archive write (less the response built in it)
outbox              writing the responses to the outbox
==================  ===========================================================================
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

_STEPS = {
    "analysis": [("ingest/analysis.py", "_analyse")],
    "validate invoice": [("validate/engine.py", "validate_parsed")],
    "  of which Saxon": [("validate/schematron/runner.py", "run_raw"), ("validate/schematron/runner.py", "parse")],
    "read into model": [("peppol/reader.py", "read_ubl")],
    "time reports": [("ingest/timereport_intake.py", "take_in")],
    "response": [("ingest/replies.py", "answer")],
    "  of which its validation": [("ingest/replies.py", "check")],
    "store and archive": [("ingest/final.py", "commit")],
    "outbox": [("ingest/outbox.py", "send_pending")],
}


def _cumulative(stats: pstats.Stats, wanted: list[tuple[str, str]]) -> float:
    total = 0.0
    for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if any(file.endswith(f) and name == n for f, n in wanted):
            total += ct
    return total


def _config(source: Path, work: Path):
    from ingest.service import IngestConfig

    return IngestConfig(source=str(source), db=f"sqlite:///{work / 'ingest.db'}", municipality="tjorn",
                        archive=str(work / "archive"), outbox=str(work / "outbox"))


def _batch(work: Path, name: str, count: int, first: int) -> Path:
    from bench.ingest import generate

    folder = work / name
    generate(folder, count, first)
    return folder


@register("ingest-steps")
def ingest_steps() -> str:
    from ingest.service import run_once

    work = Path(tempfile.mkdtemp(prefix="bench-steps-"))
    try:
        # Numbered apart: batches into one store sharing numbers would be duplicates (answered twice).
        run_once(_config(_batch(work, "warm", 100, 0), work))
        plain = _batch(work, "plain", COUNT, 100)
        t = time.process_time()
        summary = run_once(_config(plain, work), workers=1)
        cpu_ms = (time.process_time() - t) * 1000 / COUNT
        stored = summary.count("stored")
        profiled = _batch(work, "profiled", COUNT, 100 + COUNT)
        profile = cProfile.Profile()
        profile.enable()
        profiled_summary = run_once(_config(profiled, work), workers=1)
        profile.disable()
        profiled_stored = profiled_summary.count("stored")
        stats = pstats.Stats(profile)
        whole = _cumulative(stats, [("ingest/service.py", "run_once")])
        raw = {step: _cumulative(stats, wanted) for step, wanted in _STEPS.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # Nested steps out of the steps around them: validation and the model are inside the
    # analysis; the response's own validation is inside "response", not "validate invoice".
    response_validation = raw["  of which its validation"]
    shares = dict(raw)
    shares["validate invoice"] = raw["validate invoice"] - response_validation
    shares["analysis"] = raw["analysis"] - shares["validate invoice"] - raw["read into model"] - raw["time reports"]
    shares["store and archive"] = raw["store and archive"] - raw["response"]  # the response is built in the commit
    rows = []
    for step, seconds in shares.items():
        share = seconds / whole
        rows.append([step, f"{share * 100:.0f} %", fmt(share * cpu_ms)])
    accounted = sum(v for k, v in shares.items() if not k.startswith("  ")) / whole
    lines = ["Measured by `make bench` (`bench/ingest_steps.py`; its docstring says what is measured).", "",
             f"- {COUNT} generated invoices, folder → SQLite, one worker; {stored} stored "
             f"({profiled_stored} of the profiled run's {COUNT}); "
             f"**{fmt(cpu_ms)} ms of CPU per invoice** (unprofiled)", ""]
    lines += table(["step", "share of the run", "ms of CPU per invoice"], rows)
    lines += ["", f"The steps account for {accounted * 100:.0f} % of the profiled run; the rest is the "
                  "pipeline's own bookkeeping (claims, batching, leases). The inbox reads and archive writes run "
                  "on I/O threads, which the profiler does not see: they are in the CPU per invoice, not in a row. "
                  "Saxon's rows (transforms and its own parse) count the invoice's and the response's."]
    return "\n".join(lines)
