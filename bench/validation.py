"""Benchmark of the validation engine (Peppol BIS Billing 3.0 rule set), ``make bench``.

What is measured, in this order, in one process (figures are medians unless stated):

0. Start-up in this process: the SaxonC processor, the UBL Invoice XSD compile, per
   Schematron step the compiled XSLT (from the disk cache, or compiled from the ``.sch``
   when the cache is cold) and its compile by SaxonC, then the first document.
1. Latency, single process (what ``-j 1`` does per document): ``Validator.validate_bytes``
   on each official Peppol example and on a generated 500-line invoice (see
   :mod:`bench.generate`), after warm-up. Per step: the engine's own step timings
   (``parse`` = hardened lxml parse + detection + the Saxon tree; ``xsd``; one per
   Schematron, including turning its output into findings). Total: wall time of the
   whole ``validate_bytes`` call. The file read is not included (bytes are in memory).
   "Typical invoice" is the median over the examples of their per-example medians.
2. Throughput: ``validate_many(paths, jobs=1|2)`` over a folder of copies of the examples
   (files read from disk, but from the OS page cache: they were just written). Reported:
   wall time of the whole call (worker spawn, rule compile in each worker, pool shutdown
   included), time to the first result, and a steady-state rate measured from the end of
   the first burst of results to the last one (start-up excluded; results come back in
   chunks, so the window is exact to about one chunk). Worker start-up alone is measured
   separately as the time to the first result of a 2-file run. With ``-j 1`` the engine
   validates in this process, whose rules are already compiled: no start-up at all.
   Beside it, how much CPU the machine really gives two busy processes (a pure-Python
   loop in one process, then in two at once): a virtual machine with two vCPUs may give
   one core's worth, and then ``-j 2`` cannot scale whatever the engine does.
3. Cold start of the CLI: ``lssinvoice validate one.xml`` as a subprocess (wall time,
   interpreter start to exit) with the artefacts installed and the XSLT disk cache warm,
   and once with an empty XSLT cache (``LSSINVOICE_CACHE``). The OS page cache is warm in
   both cases (this process has just read the same files and libraries).
4. When ``java`` and a Saxon-HE jar are available: the same compiled XSLT and documents on
   Saxon-HE for Java (``bench/SaxonJavaBench.java``), against SaxonC timed the same way
   (transform only, from an already parsed tree; parse timed apart): :mod:`bench.validation_java`.

Not measured: the network, disk I/O on a cold OS cache, documents with many findings
(the examples are valid, so finding construction and report rendering are nearly free),
report rendering (text/JSON/SVRL), SBDH unwrapping, credit notes beyond the one example.

Figures move between runs with the machine's own speed; the report ends with the load,
the kernel's steal time and a speed probe (a fixed Python loop timed before each section)
so that a slow run can be told from a slow engine. Targets are printed beside the figures
for information only: the benchmark never fails on them.
"""
from __future__ import annotations

import datetime
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import register
from bench.common import DocTiming, cpu_counters, machine, render_conditions, speed_probe, time_document, typical
from bench.common import fmt as _f
from bench.common import maxrss_mb as _maxrss_mb
from bench.common import median as _median
from bench.common import ms as _ms
from bench.common import progress as _progress
from bench.common import table as _table
from bench.common import verdict as _verdict
from bench.generate import large_invoice
from bench.validation_java import RunPlan, java_compare

EXAMPLES = "peppol-bis-billing-3.0.19/rules/examples"
ANCHOR_EXAMPLE = f"{EXAMPLES}/base-example.xml"  # also the document of the CLI cold start
BIG_LINES = 500
BIG_NAME = f"generated-{BIG_LINES}-lines.xml"

WARMUP, RUNS = 50, 200  # per official example
BIG_WARMUP, BIG_RUNS = 5, 30  # the generated invoice (about 40 typical invoices each)
THROUGHPUT_FILES = 2000
THROUGHPUT_REPEATS = 3  # -j 1 and -j 2 alternate, so that a slow spell hits both
COLD_RUNS = 7
BURST_GAP = 0.0005  # s: results closer than this arrived in the same chunk
SPIN_LOOPS = 25_000_000  # about 1 s of pure Python on this machine

TARGET_TYPICAL_MS = 5.0
TARGET_RATE_J2 = 300.0
TARGET_COLD_S = 1.5



# ---------------------------------------------------------------------------------------
# 0. Start-up in this process


@dataclass
class Startup:
    parts: list[tuple[str, float]] = field(default_factory=list)  # (what, ms)
    xslt_cache_was_warm: bool = True


def startup() -> Startup:
    """Time the one-off costs of the first validation, part by part (call it first)."""
    from validate import rulesets
    from validate.engine import Validator
    from validate.schematron.runner import saxon_processor
    from validate.xsd import validator_for

    out = Startup()
    cache = rulesets.xslt_cache_dir()
    before = set(cache.glob("*.xsl")) if cache.is_dir() else set()
    t = time.perf_counter()
    saxon_processor()
    out.parts.append(("SaxonC processor", _ms(t)))
    t = time.perf_counter()
    validator_for("invoice")
    out.parts.append(("UBL Invoice XSD compile (lxml)", _ms(t)))
    bis3 = bis3_ruleset()
    for step in bis3.schematrons:
        t = time.perf_counter()
        rulesets.compiled_step(step)
        out.parts.append((f"{step.name}: .sch load + XSLT from disk cache (or compile)", _ms(t)))
        t = time.perf_counter()
        rulesets.runner(bis3, step)
        out.parts.append((f"{step.name}: XSLT compile by SaxonC", _ms(t)))
    data = _read_artefact(ANCHOR_EXAMPLE)
    t = time.perf_counter()
    Validator().validate_bytes(data, "first")
    out.parts.append(("first document (base-example.xml), rules compiled", _ms(t)))
    after = set(cache.glob("*.xsl"))
    out.xslt_cache_was_warm = after <= before
    return out


def _read_artefact(relpath: str) -> bytes:
    from schemas.artefacts import artefact_path

    return artefact_path(relpath).read_bytes()


def render_startup(s: Startup) -> list[str]:
    rows = [[what, _f(ms, 1)] for what, ms in s.parts]
    rows.append(["**total**", f"**{_f(sum(ms for _, ms in s.parts), 1)}**"])
    state = "warm" if s.xslt_cache_was_warm else "COLD (compiled from .sch in this run)"
    return ["#### 0. Start-up inside one process", "",
            f"XSLT disk cache: {state}. Imports not included (see cold start).", "",
            *_table(["part", "ms"], rows)]


# ---------------------------------------------------------------------------------------
# 1. Latency per document


def bis3_ruleset():
    """The billing rule set that ``Validator()`` judges an invoice with today (the primary
    release in force; :mod:`bench.releases` measures every release)."""
    from validate import rulesets

    return rulesets.default_for("invoice")


def step_names() -> list[str]:
    return ["parse", "xsd", *(s.name for s in bis3_ruleset().schematrons)]


def example_paths() -> list[Path]:
    from schemas.artefacts import artefact_path

    return sorted(artefact_path(ANCHOR_EXAMPLE).parent.glob("*.xml"), key=lambda p: p.name.lower())


def checked_large_invoice(validator) -> bytes:
    """The generated invoice, refused (with its findings printed) unless it is valid."""
    data = large_invoice(BIG_LINES)
    result = validator.validate_bytes(data, BIG_NAME)
    if not result.valid:
        for f in result.findings:
            print(f"  {f.severity.value} {f.rule_id} at {f.location}: {f.message}", file=sys.stderr)
        raise AssertionError(f"the generated {BIG_LINES}-line invoice is not valid: fix bench/generate.py")
    return data


def render_latency(examples: list[DocTiming], typ: DocTiming, big: DocTiming) -> list[str]:
    names = step_names()
    headers = ["document", "KB", "lines", "fatal/warn", *(f"{n} ms" for n in names), "total ms",
               "total p10–p90", "runs"]
    rows = []
    for t in [*examples, typ, big]:
        status = spread = ""
        if t is not typ:
            status, spread = f"{t.fatal}/{t.warnings}", f"{_f(t.spread[0], 2)}–{_f(t.spread[1], 2)}"
        rows.append([t.name, _f(t.size / 1024, 1), t.lines, status,
                     *(_f(t.steps.get(n, float("nan")), 3) for n in names), f"**{_f(t.total, 3)}**",
                     spread, t.runs])
    return ["#### 1. Milliseconds per invoice, single process (-j 1)", "",
            f"Median of {RUNS} runs after {WARMUP} warm-up runs per example; the generated invoice "
            f"({BIG_LINES} cloned lines of vat-category-E.xml, amounts recomputed, checked valid): "
            f"{BIG_RUNS} runs after {BIG_WARMUP}. Total = wall time of `validate_bytes` "
            "(the steps plus detection and bookkeeping; no file read).", "",
            *_table(headers, rows), "",
            f"Per line, the generated invoice costs {_f(big.total / BIG_LINES, 3)} ms "
            f"({_f(big.total / typ.total, 0)} typical invoices)."]


# ---------------------------------------------------------------------------------------
# 2. Throughput


@dataclass
class Throughput:
    jobs: int
    files: int
    valid: int
    wall: float  # s, the whole validate_many call
    first: float  # s, to the first result
    steady: float  # documents per second after the first burst of results
    window: int  # documents in the steady window


def make_folder(folder: Path, sources: list[Path], count: int) -> None:
    """``count`` copies of the sources, interleaved (names sort in round-robin order)."""
    blobs = [(p.name, p.read_bytes()) for p in sources]
    for i in range(count):
        name, data = blobs[i % len(blobs)]
        (folder / f"{i:05d}-{name}").write_bytes(data)


def _first_burst_end(arrivals: list[float]) -> int:
    i = 0
    while i + 1 < len(arrivals) and arrivals[i + 1] - arrivals[i] < BURST_GAP:
        i += 1
    return i


def throughput(paths: list[Path], jobs: int) -> Throughput:
    from validate.engine import validate_many

    arrivals, valid = [], 0
    t0 = time.perf_counter()
    for result in validate_many(paths, jobs=jobs):
        arrivals.append(time.perf_counter() - t0)
        valid += result.valid
    wall = time.perf_counter() - t0
    i0 = _first_burst_end(arrivals)
    window = len(arrivals) - 1 - i0
    span = arrivals[-1] - arrivals[i0]
    return Throughput(jobs, len(paths), valid, wall, arrivals[0], window / span if span > 0 else float("nan"), window)


def _spin(n: int) -> float:
    t = time.perf_counter()
    sum(i * i for i in range(n))
    return time.perf_counter() - t


def parallel_capacity(n: int = SPIN_LOOPS) -> float:
    """Cores' worth of CPU that two busy processes get: 2 × (one alone) / (two at once, wall).

    2.0 means two real cores; about 1.0 means the machine gives one core's worth however
    many processes run (a CPU quota on a virtual machine does that, with no steal time).
    """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        list(pool.map(_spin, [1000, 1000]))  # both workers up before timing
        one = _spin(n)
        t = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        both = time.perf_counter() - t
    return 2.0 * one / both


def throughput_runs(paths: list[Path]) -> dict[int, list[Throughput]]:
    runs: dict[int, list[Throughput]] = {1: [], 2: []}
    for _ in range(THROUGHPUT_REPEATS):
        for jobs in runs:
            runs[jobs].append(throughput(paths, jobs))
    return runs


def worker_startup(paths: list[Path], jobs: int) -> float:
    """Seconds to the first result of a ``jobs``-file run (one document per worker)."""
    from validate.engine import validate_many

    t0 = time.perf_counter()
    results = validate_many(paths[:jobs], jobs=jobs)
    next(results)
    first = time.perf_counter() - t0
    for _ in results:
        pass
    return first


def steady_rate(runs: list[Throughput]) -> float:
    return _median([r.steady for r in runs])


def _throughput_row(runs: list[Throughput]) -> list[object]:
    steady = [r.steady for r in runs]
    return [runs[0].jobs, len(runs), f"{min(r.valid for r in runs)}/{runs[0].files}",
            _f(_median([r.wall for r in runs]), 2), _f(_median([r.first for r in runs]), 2),
            _f(_median([r.files / r.wall for r in runs]), 0),
            f"**{_f(_median(steady), 0)}** ({_f(min(steady), 0)}–{_f(max(steady), 0)})",
            _median([r.window for r in runs])]


def render_throughput(runs: dict[int, list[Throughput]], startup_s: float, workers_rss: float,
                      capacity: tuple[float, float]) -> list[str]:
    rows = [_throughput_row(r) for r in runs.values()]
    return ["#### 2. Throughput, `validate_many` over a folder", "",
            f"{runs[1][0].files} files: copies of the official examples, interleaved, in a temporary folder "
            f"(read from the OS page cache). Each figure is the median of {THROUGHPUT_REPEATS} runs "
            "(-j 1 and -j 2 alternating).", "",
            *_table(["jobs", "runs", "valid", "wall s (all included)", "first result s", "end-to-end inv/s",
                     "steady inv/s, start-up excluded (min–max)", "docs in steady window"], rows), "",
            f"- worker start-up alone (-j 2, 2 files: spawn, imports, XSD + 2 stylesheet compiles, one "
            f"document each): **{_f(startup_s, 2)} s** to the first result;",
            "- -j 1 runs in this process with its rules already compiled: no start-up in its figures;",
            "- -j N: the first result waits for a whole chunk (up to 64 files) of the first worker, so "
            "'first result' = start-up + one chunk; the steady window starts at the end of that burst;",
            f"- peak RSS of a worker process: {_f(workers_rss, 0)} MB;",
            f"- CPU the machine gives two busy processes (a ~1 s pure-Python loop in 2 processes against 1): "
            f"**{_f(capacity[0], 2)}** cores' worth before these runs, **{_f(capacity[1], 2)}** after "
            "(2.00 = two real cores). -j 2 cannot scale beyond it."]


# ---------------------------------------------------------------------------------------
# 3. Cold start of the CLI


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("lssinvoice")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "lssinvoice.cli"]


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """(wall seconds, exit code, peak RSS MB) of one CLI run."""
    t = time.perf_counter()
    proc = subprocess.Popen(cli_command() + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, proc.returncode, usage.ru_maxrss / 1024.0


@dataclass
class ColdStart:
    warm: list[float]
    cold: float
    codes: set[int]
    rss: float


def cold_start(document: Path) -> ColdStart:
    env = dict(os.environ)
    run_cli(["validate", str(document)], env)  # not counted: settles the page cache
    warm = [run_cli(["validate", str(document)], env) for _ in range(COLD_RUNS)]
    with tempfile.TemporaryDirectory(prefix="lssinvoice-bench-cache-") as empty:
        cold = run_cli(["validate", str(document)], {**env, "LSSINVOICE_CACHE": empty})
    return ColdStart([w for w, _, _ in warm], cold[0], {c for _, c, _ in warm} | {cold[1]},
                     max(r for _, _, r in [*warm, cold]))


def render_cold(c: ColdStart, document: str) -> list[str]:
    codes = ", ".join(str(x) for x in sorted(c.codes))
    note = "" if c.codes == {0} else f" **(exit codes {codes}: expected 0)**"
    return ["#### 3. Cold start of the CLI", "",
            f"`lssinvoice validate {document}` as a subprocess, wall time from spawn to exit{note}:", "",
            *_table(["XSLT disk cache", "runs", "median s", "min s", "max s"], [
                ["warm", len(c.warm), f"**{_f(_median(c.warm), 3)}**", _f(min(c.warm), 3), _f(max(c.warm), 3)],
                ["cold (empty `LSSINVOICE_CACHE`)", 1, _f(c.cold, 3), "", ""],
            ]), "",
            f"Included: interpreter start, imports, XSD and stylesheet compiles, one validation, the report. "
            f"Peak RSS of the CLI: {_f(c.rss, 0)} MB."]


# ---------------------------------------------------------------------------------------
# The report


def render_targets(typ: DocTiming, rate_j2: float, capacity: float, cold: ColdStart) -> list[str]:
    cold_s = _median(cold.warm)
    return ["#### Targets (informational)", "",
            *_table(["target", "measured", ""], [
                [f"typical invoice, full validation (parse + XSD + CEN + PEPPOL), -j 1 ≤ {TARGET_TYPICAL_MS:g} ms",
                 f"{_f(typ.total, 2)} ms", _verdict(typ.total <= TARGET_TYPICAL_MS)],
                [f"throughput -j 2 ≥ {TARGET_RATE_J2:g} invoices/s (steady state)",
                 f"{_f(rate_j2, 0)} /s (the machine gave {_f(capacity, 2)} cores' worth, §2)",
                 _verdict(rate_j2 >= TARGET_RATE_J2)],
                [f"CLI cold start (warm XSLT cache) ≤ {TARGET_COLD_S:g} s",
                 f"{_f(cold_s, 2)} s", _verdict(cold_s <= TARGET_COLD_S)],
            ])]


@dataclass
class Latency:
    examples: list[DocTiming]
    typical: DocTiming
    big: DocTiming
    big_data: bytes
    rss: float  # MB, peak of this process so far


def measure_latency() -> Latency:
    from validate.engine import Validator

    validator = Validator()
    _progress("latency: official examples")
    examples = [time_document(validator, p.name, p.read_bytes(), WARMUP, RUNS) for p in example_paths()]
    _progress(f"latency: generated {BIG_LINES}-line invoice")
    big_data = checked_large_invoice(validator)
    big = time_document(validator, BIG_NAME, big_data, BIG_WARMUP, BIG_RUNS)
    return Latency(examples, typical(examples), big, big_data, _maxrss_mb(resource.RUSAGE_SELF))


def measure_folder(tmp: Path) -> tuple[dict[int, list[Throughput]], float, list[str]]:
    from validate.engine import collect_paths

    folder = tmp / "invoices"
    folder.mkdir()
    make_folder(folder, example_paths(), THROUGHPUT_FILES)
    paths, _ = collect_paths([folder])
    _progress(f"throughput over {len(paths)} files, -j 1 and -j 2, {THROUGHPUT_REPEATS} times")
    before = parallel_capacity()
    runs = throughput_runs(paths)
    spawn = worker_startup(paths, 2)
    after = parallel_capacity()
    lines = render_throughput(runs, spawn, _maxrss_mb(resource.RUSAGE_CHILDREN), (before, after))
    return runs, min(before, after), lines


@register("validation")
def run() -> str:
    counters, load, date = cpu_counters(), os.getloadavg()[0], datetime.datetime.now().astimezone()
    probes: list[tuple[str, float]] = []
    speed_probe("§0", probes)
    _progress("start-up")
    started = startup()
    speed_probe("§1", probes)
    latency = measure_latency()
    anchor = next(p for p in example_paths() if p.name == Path(ANCHOR_EXAMPLE).name)
    with tempfile.TemporaryDirectory(prefix="lssinvoice-bench-") as tmp:
        speed_probe("§2", probes)
        runs, capacity, throughput_lines = measure_folder(Path(tmp))
        speed_probe("§3", probes)
        _progress("CLI cold start")
        cold = cold_start(anchor)
        speed_probe("§4", probes)
        _progress("Saxon-HE for Java comparison (if available)")
        big_file = Path(tmp) / BIG_NAME
        big_file.write_bytes(latency.big_data)
        java = java_compare([*example_paths(), big_file], RunPlan(WARMUP, RUNS, BIG_WARMUP, BIG_RUNS, BIG_NAME),
                            bis3_ruleset(), started.parts)
    speed_probe("end", probes)
    lines = ["Measured by `make bench` (`bench/validation.py`, its docstring says what is and is not "
             "measured).", "", *machine(date), "",
             *render_targets(latency.typical, steady_rate(runs[2]), capacity, cold), "",
             *render_startup(started), "",
             *render_latency(latency.examples, latency.typical, latency.big), "",
             *throughput_lines, "",
             *render_cold(cold, anchor.name), "",
             *java, "",
             f"Peak RSS of the benchmark process: {_f(latency.rss, 0)} MB after section 1, "
             f"{_f(_maxrss_mb(resource.RUSAGE_SELF), 0)} MB at the end.", "",
             render_conditions(counters, load, probes)]
    return "\n".join(lines)
