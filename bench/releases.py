"""Benchmark of validation per OpenPeppol release (``python -m bench releases``, ``make bench``).

The engine validates with the rules in force on a document's reference date: one BIS Billing
release most of the year, two during a transition (both run on every document), and a worker
compiles a release's rules on first use. This benchmark measures, for every release of
:func:`validate.releases.all_releases` (figures are medians unless stated):

1. Latency per release, in this process: ``Validator(release=...).validate_bytes`` on each
   of the release's own billing examples (``<release>/examples/billing/*.xml``) and on a
   generated 500-line invoice made from that release's ``vat-category-E.xml`` (see
   :mod:`bench.generate`; checked valid under the release), after warm-up (the first
   warm-up call compiles the release's rules). Per step, the engine's own step timings
   (``parse`` = hardened lxml parse + detection + the Saxon tree; ``xsd``; one per Schematron,
   including turning its output into findings); total = wall time of ``validate_bytes`` (no
   file read). "Typical invoice" is the median over the examples of their medians.
2. Compile time of each Schematron step, in fresh subprocesses (imports and the SaxonC
   processor excluded; the processor's creation is reported apart): *cold*, with a new empty
   ``LSSINVOICE_CACHE`` (``.sch`` loaded and compiled to XSLT by our compiler, written to the
   disk cache, then compiled by SaxonC), and *cached*, the next fresh process on the cache the
   cold one filled (``.sch`` loaded and hashed for the cache key, XSLT read from disk, then
   compiled by SaxonC). One process per release and run, the CEN step first, so the CEN
   figure carries the process's first SaxonC compile. The OS page cache is warm.
3. Memory: peak RSS of a fresh worker process (three per case, interleaved) validating a
   batch (the newest release's examples × 50, bytes in memory): without any Schematron
   (parse, Saxon tree, XSD only: the floor), with one release (``Validator(release=<newest>)``),
   in a transition (``Validator(at=<date>)``: two releases run on every document) and with
   all three releases in use (each document validated by each release's ``Validator``). Read
   after the imports, once the rules are compiled (one pass over the examples) and after the
   batch. The peak is the kernel's ``VmHWM`` of the worker, not ``ru_maxrss``: Linux carries
   the parent's peak over ``execve`` into ``ru_maxrss``, so a child of this (large) process
   would report the parent's figure (see :func:`bench.common.peak_rss_mb`). Beside it the
   batch's time per document, and, in this process as in section 1, the latency of a
   document in the transition against one release.
4. The machine, the load, the kernel's steal time and a speed probe before each section.

Not measured: imports and interpreter start (see ``bench/validation.py`` §3), the UBL XSD
compile (shared by every release), throughput over files with several workers, documents
with many findings (the examples are valid under their own release), the T111/T71 rule sets,
credit notes beyond the examples, disk I/O on a cold OS cache. No target is set by the issue
except that holding several releases compiled must not triple a worker's memory; it is
printed for information only, as every figure here: the benchmark never fails on them.
"""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import register
from bench.common import (
    DocTiming,
    cpu_counters,
    fmt,
    machine,
    median,
    progress,
    render_conditions,
    speed_probe,
    table,
    time_document,
    typical,
    verdict,
)
from bench.generate import large_invoice

REPO = Path(__file__).resolve().parent.parent
BIG_LINES = 500
BIG_NAME = f"generated-{BIG_LINES}-lines.xml"
BIG_TEMPLATE = "billing/vat-category-E.xml"  # inside the release's examples folder

WARMUP, RUNS = 30, 150  # per official example
BIG_WARMUP, BIG_RUNS = 3, 20  # the generated invoice
COMPILE_RUNS = 3  # fresh processes per release, cold and cached each
BATCH_REPEAT = 50  # the memory batch: the newest release's examples, this many times
MEMORY_RUNS = 3  # fresh workers per case (cases interleaved)
TRANSITION = datetime.date(2026, 6, 1)  # 2025.11 (3.0.20) and 2026.5 (3.0.21) both accepted
TARGET_RSS_RATIO = 3.0  # "must not triple a worker's memory"
CHILD_TIMEOUT = 300


def _run_child(code: str, args: dict, env: dict[str, str] | None = None) -> dict:
    """Run ``code`` in a fresh interpreter (argument: ``args`` as JSON); its last stdout line
    is JSON."""
    done = subprocess.run([sys.executable, "-c", code, json.dumps(args)], cwd=REPO, env=env or dict(os.environ),
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------
# Releases and their documents


def releases():
    from validate.releases import all_releases

    return list(all_releases())


def examples_of(release) -> list[Path]:
    from schemas.artefacts import artefacts_dir

    folder = artefacts_dir() / release.file("examples") / "billing"
    found = sorted(folder.glob("*.xml"), key=lambda p: p.name.lower())
    if not found:
        raise RuntimeError(f"no billing examples in {folder}: run `lssinvoice schemas install`")
    return found


def ruleset_of(release):
    from validate import rulesets

    return rulesets.get(release.billing_ruleset)


def step_names(release) -> list[str]:
    return ["parse", "xsd", *(s.name for s in ruleset_of(release).schematrons)]


def checked_large_invoice(release, validator) -> bytes:
    """The release's generated invoice, refused (findings printed) unless valid under it."""
    data = large_invoice(BIG_LINES, f"{release.file('examples')}/{BIG_TEMPLATE}")
    result = validator.validate_bytes(data, BIG_NAME)
    if not result.valid:
        for f in result.findings:
            print(f"  {f.severity.value} {f.rule_id} at {f.location}: {f.message}", file=sys.stderr)
        raise AssertionError(f"the generated {BIG_LINES}-line invoice is not valid under {release.billing}")
    return data


# ---------------------------------------------------------------------------------------
# 1. Latency per release


@dataclass
class ReleaseLatency:
    release: object
    examples: list[DocTiming]
    typical: DocTiming
    big: DocTiming


def measure_latency(release) -> ReleaseLatency:
    from validate.engine import Validator

    validator = Validator(release=release.billing)
    names = step_names(release)
    examples = [time_document(validator, p.name, p.read_bytes(), WARMUP, RUNS, names) for p in examples_of(release)]
    big = time_document(validator, BIG_NAME, checked_large_invoice(release, validator), BIG_WARMUP, BIG_RUNS, names)
    return ReleaseLatency(release, examples, typical(examples, names), big)


def _doc_row(t: DocTiming, names: list[str], is_typical: bool) -> list[object]:
    status = spread = ""
    if not is_typical:
        status, spread = f"{t.fatal}/{t.warnings}", f"{fmt(t.spread[0], 2)}–{fmt(t.spread[1], 2)}"
    return [t.name, fmt(t.size / 1024, 1), t.lines, status, *(fmt(t.steps.get(n, float("nan")), 3) for n in names),
            f"**{fmt(t.total, 3)}**", spread, t.runs]


def render_latency(results: list[ReleaseLatency]) -> list[str]:
    summary = []
    for r in results:
        names = step_names(r.release)
        summary.append([r.release.label(), len(r.examples), *(fmt(r.typical.steps[n], 3) for n in names[2:]),
                        f"**{fmt(r.typical.total, 3)}**", f"**{fmt(r.big.total, 1)}**",
                        fmt(r.big.total / BIG_LINES, 3)])
    step_heads = [f"typical {n} ms" for n in step_names(results[0].release)[2:]]
    out = ["##### 1. Milliseconds per invoice, per release (single process)", "",
           f"`Validator(release=...)`, median of {RUNS} runs after {WARMUP} warm-up runs per official billing "
           f"example of the release; the generated invoice ({BIG_LINES} cloned lines of the release's "
           f"vat-category-E.xml, amounts recomputed, checked valid): {BIG_RUNS} runs after {BIG_WARMUP}. "
           "Total = wall time of `validate_bytes` (the steps plus detection and bookkeeping; no file read).", "",
           *table(["release", "examples", *step_heads, "typical invoice ms", f"{BIG_LINES} lines ms",
                   "ms per line"], summary)]
    for r in results:
        names = step_names(r.release)
        rows = [_doc_row(t, names, False) for t in r.examples]
        rows += [_doc_row(r.typical, names, True), _doc_row(r.big, names, False)]
        out += ["", f"{r.release.label()}, rule set `{r.release.billing_ruleset}`:", "",
                *table(["document", "KB", "lines", "fatal/warn", *(f"{n} ms" for n in names), "total ms",
                        "total p10–p90", "runs"], rows)]
    return out


# ---------------------------------------------------------------------------------------
# 2. Compile time per Schematron step

_COMPILE_CHILD = r"""
import json, sys, time
args = json.loads(sys.argv[1])
from validate import rulesets
from validate.schematron.runner import saxon_processor
cache = rulesets.xslt_cache_dir()
before = {p.stem for p in cache.glob("*.xsl")} if cache.is_dir() else set()
t = time.perf_counter(); saxon_processor(); processor = (time.perf_counter() - t) * 1000
ruleset = rulesets.get(args["ruleset"])
steps = []
for step in ruleset.schematrons:
    t = time.perf_counter(); compiled = rulesets.compiled_step(step); xslt = (time.perf_counter() - t) * 1000
    t = time.perf_counter(); rulesets.runner(ruleset, step); saxon = (time.perf_counter() - t) * 1000
    steps.append({"name": step.name, "xslt": xslt, "saxon": saxon, "kb": len(compiled.xslt.encode()) / 1024,
                  "from_cache": compiled.key in before})
print(json.dumps({"processor": processor, "steps": steps}))
"""


@dataclass
class StepCompile:
    name: str
    kb: float
    cold_xslt: list[float]
    cold_saxon: list[float]
    cached_xslt: list[float]
    cached_saxon: list[float]


@dataclass
class ReleaseCompile:
    release: object
    steps: list[StepCompile]
    processor: list[float]
    cold_totals: list[float]
    cached_totals: list[float]
    problems: list[str]


def measure_compile(release) -> ReleaseCompile:
    ruleset = ruleset_of(release)
    steps = [StepCompile(s.name, 0.0, [], [], [], []) for s in ruleset.schematrons]
    out = ReleaseCompile(release, steps, [], [], [], [])
    for _ in range(COMPILE_RUNS):
        with tempfile.TemporaryDirectory(prefix="lssinvoice-bench-cache-") as empty:
            env = {**os.environ, "LSSINVOICE_CACHE": empty}
            cold = _run_child(_COMPILE_CHILD, {"ruleset": ruleset.id}, env)
            cached = _run_child(_COMPILE_CHILD, {"ruleset": ruleset.id}, env)
        out.processor += [cold["processor"], cached["processor"]]
        for mine, c, w in zip(steps, cold["steps"], cached["steps"]):
            if c["from_cache"] or not w["from_cache"]:
                out.problems.append(f"{mine.name}: the cold run found a cached XSLT, or the cached run did not")
            mine.kb = c["kb"]
            mine.cold_xslt.append(c["xslt"])
            mine.cold_saxon.append(c["saxon"])
            mine.cached_xslt.append(w["xslt"])
            mine.cached_saxon.append(w["saxon"])
        out.cold_totals.append(sum(s["xslt"] + s["saxon"] for s in cold["steps"]))
        out.cached_totals.append(sum(s["xslt"] + s["saxon"] for s in cached["steps"]))
    return out


def _range(values: list[float], digits: int = 0) -> str:
    return f"{fmt(median(values), digits)} ({fmt(min(values), digits)}–{fmt(max(values), digits)})"


def render_compile(results: list[ReleaseCompile]) -> list[str]:
    rows = []
    for r in results:
        for s in r.steps:
            cold = [a + b for a, b in zip(s.cold_xslt, s.cold_saxon)]
            cached = [a + b for a, b in zip(s.cached_xslt, s.cached_saxon)]
            rows.append([r.release.billing, s.name, fmt(s.kb, 0), fmt(median(s.cold_xslt), 0),
                         fmt(median(s.cold_saxon), 0), f"**{fmt(median(cold), 0)}**",
                         fmt(median(s.cached_xslt), 1), fmt(median(s.cached_saxon), 0),
                         f"**{fmt(median(cached), 0)}**"])
        rows.append([r.release.billing, "**all steps** (median (min–max))", "", "", "",
                     f"**{_range(r.cold_totals)}**", "", "", f"**{_range(r.cached_totals)}**"])
    processor = [v for r in results for v in r.processor]
    problems = [f"{r.release.billing} {p}" for r in results for p in r.problems]
    out = ["##### 2. Compile time of each Schematron step, per release", "",
           f"Milliseconds, median of {COMPILE_RUNS} fresh processes per release and column. Cold = new empty "
           "`LSSINVOICE_CACHE`: `.sch` load + our Schematron → XSLT compiler + write to the disk cache, then "
           "the SaxonC compile of that XSLT. Cached = a fresh process on the cache the cold one filled: `.sch` "
           "load and hash (the cache key) + XSLT read from disk, then the SaxonC compile. Imports and the "
           "SaxonC processor are not included.", "",
           *table(["release", "step", "XSLT KB", "cold: .sch → XSLT", "cold: SaxonC", "cold total",
                   "cached: XSLT from disk", "cached: SaxonC", "cached total"], rows), "",
           f"- creating the SaxonC processor, once per process (not in the table): {_range(processor, 1)} ms;",
           "- the CEN step runs first in each process, so its SaxonC figure includes that process's first "
           "compile; a worker pays these costs once per release it uses (rules compile on first use).",
           ]
    if problems:
        out.append("- **cache check failed**: " + "; ".join(problems))
    return out


# ---------------------------------------------------------------------------------------
# 3. Memory of a worker, and the cost of a transition

_MEMORY_CHILD = r"""
import json, sys, time
from datetime import date
args = json.loads(sys.argv[1])
from bench.common import peak_rss_mb as peak
from validate.detect import detect
from validate.engine import Validator
from validate.schematron.runner import parse_for_saxon
from validate.xmlsafe import parse_xml
from validate.xsd import validate_xsd

class Floor:  # everything but the Schematron steps
    def validate_bytes(self, data, source=""):
        tree = parse_xml(data, source=source)
        kind = detect(tree, strict=False).kind
        parse_for_saxon(data.decode("utf-8-sig"))
        validate_xsd(tree, kind)
        return None

docs = [open(p, "rb").read() for p in args["docs"]]
imported = peak()
case = args["case"]
if case == "floor":
    validators = [Floor()]
elif case == "one":
    validators = [Validator(release=args["release"])]
elif case == "transition":
    validators = [Validator(at=date.fromisoformat(args["at"]))]
else:
    validators = [Validator(release=r) for r in args["releases"]]
rulesets_used = set()
for data in docs:  # one pass: compiles every rule set in use
    for v in validators:
        result = v.validate_bytes(data, "warm-up")
        if result is not None:
            rulesets_used.add(result.ruleset)
            rulesets_used.update(o.ruleset for o in result.others)
compiled = peak()
count = valid = 0
t = time.perf_counter()
for _ in range(args["repeat"]):
    for data in docs:
        for v in validators:
            result = v.validate_bytes(data, "batch")
            valid += result is None or result.valid
        count += 1
wall = time.perf_counter() - t
print(json.dumps({"imported": imported, "compiled": compiled, "peak": peak(), "docs": count,
                  "validations": count * len(validators), "valid": valid, "ms_per_doc": wall * 1000 / count,
                  "rulesets": sorted(rulesets_used)}))
"""


@dataclass
class Memory:
    case: str
    label: str
    runs: list[dict]

    def med(self, key: str) -> float:
        return median([r[key] for r in self.runs])

    def spread(self, key: str) -> str:
        values = [r[key] for r in self.runs]
        return f"{fmt(min(values), 0)}–{fmt(max(values), 0)}"


def measure_memory(newest, all_rel) -> list[Memory]:
    docs = [str(p) for p in examples_of(newest)]
    base = {"docs": docs, "repeat": BATCH_REPEAT}
    cases = [
        ("floor", "no Schematron (parse, Saxon tree, XSD): the floor", {}),
        ("one", f"one release: `Validator(release=\"{newest.billing}\")`", {"release": newest.billing}),
        ("transition", f"transition: `Validator(at={TRANSITION.isoformat()})`", {"at": TRANSITION.isoformat()}),
        ("all", "all three releases in use (each document by each)", {"releases": [r.billing for r in all_rel]}),
    ]
    out = [Memory(case, label, []) for case, label, _ in cases]
    for n in range(MEMORY_RUNS):  # cases interleaved, so that a slow spell hits all
        progress(f"memory: fresh workers, run {n + 1} of {MEMORY_RUNS}")
        for mem, (case, _, extra) in zip(out, cases):
            mem.runs.append(_run_child(_MEMORY_CHILD, {**base, **extra, "case": case}))
    return out


@dataclass
class TransitionLatency:
    one: list[DocTiming]
    two: list[DocTiming]
    big_one: DocTiming
    big_two: DocTiming


def measure_transition(newest) -> TransitionLatency:
    from validate.engine import Validator

    one, two = Validator(release=newest.billing), Validator(at=TRANSITION)
    out_one, out_two = [], []
    for p in examples_of(newest):  # interleaved, so that a slow spell hits both
        data = p.read_bytes()
        out_one.append(time_document(one, p.name, data, WARMUP, RUNS))
        out_two.append(time_document(two, p.name, data, WARMUP, RUNS))
    big = checked_large_invoice(newest, one)
    return TransitionLatency(out_one, out_two, time_document(one, BIG_NAME, big, BIG_WARMUP, BIG_RUNS),
                             time_document(two, BIG_NAME, big, BIG_WARMUP, BIG_RUNS))


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _expected(latency: list[ReleaseLatency], names: list[str], pick) -> float:
    """One release's whole validation plus the Schematron steps of the others (section 1)."""
    runs = [r for r in latency if r.release.billing in names]
    first, others = runs[-1], runs[:-1]
    return pick(first).total + sum(pick(r).steps[n] for r in others for n in step_names(r.release)[2:])


def _sch(t: DocTiming, release) -> float:
    """The Schematron steps of a timing (those of the release that judged)."""
    return sum(t.steps.get(n, float("nan")) for n in step_names(release)[2:])


def render_memory(mem: list[Memory], lat: TransitionLatency, newest, transition_names: list[str],
                  latency: list[ReleaseLatency]) -> list[str]:
    by = {m.case: m for m in mem}
    one, floor, two, three = by["one"], by["floor"], by["transition"], by["all"]
    rows = []
    for m in mem:
        last = m.runs[-1]
        rows.append([m.label, ", ".join(f"`{r}`" for r in last["rulesets"]) or "–", fmt(m.med("imported"), 0),
                     fmt(m.med("compiled"), 0), f"**{fmt(m.med('peak'), 0)}** ({m.spread('peak')})",
                     f"{fmt(_ratio(m.med('peak'), one.med('peak')), 2)}×",
                     fmt(m.med("peak") - floor.med("peak"), 0),
                     f"{last['valid']}/{last['validations']}", fmt(m.med("ms_per_doc"), 2),
                     f"{fmt(_ratio(m.med('ms_per_doc'), one.med('ms_per_doc')), 2)}×"])
    rules_one = one.med("peak") - floor.med("peak")
    typ_one, typ_two = typical(lat.one), typical(lat.two)
    return ["##### 3. Memory of a worker, and the cost of a transition", "",
            f"Each row: {MEMORY_RUNS} fresh worker processes (median, min–max), each validating a batch in "
            f"memory: the {len(lat.one)} billing examples of {newest.name} × {BATCH_REPEAT} = "
            f"{one.runs[0]['docs']} documents, after one pass over the examples (which compiles the rules in "
            "use). Peak RSS in MB: the kernel's high-water mark of the worker's resident set (`VmHWM`), after "
            "the imports, once the rules are compiled, and after the batch. (`ru_maxrss` is not used: Linux "
            "carries the parent's peak over `execve`, so every child of this benchmark process would report "
            "the parent's few hundred MB.) 'Valid': validations without a fatal finding (the last row runs "
            f"{newest.name}'s examples through the older releases' rules too). ms per document: the batch's "
            "wall time per document, all its releases included.", "",
            *table(["worker", "rule sets compiled", "after imports MB", "rules compiled MB",
                    "peak after batch MB", "× one release", "above the floor MB", "valid", "ms per document",
                    "× one release"], rows), "",
            f"- **two releases in use (a transition): {fmt(_ratio(two.med('peak'), one.med('peak')), 2)}× the peak "
            f"RSS of one release**; all three: **{fmt(_ratio(three.med('peak'), one.med('peak')), 2)}×**. Counting "
            f"only what lies above the floor (the compiled rules and the Saxon heap they work in: "
            f"{fmt(rules_one, 0)} MB for one release), two releases take "
            f"{fmt(_ratio(two.med('peak') - floor.med('peak'), rules_one), 2)}× and three "
            f"{fmt(_ratio(three.med('peak') - floor.med('peak'), rules_one), 2)}× that.",
            f"- time per document in this process, one release (`{newest.billing}`) against the transition "
            f"({TRANSITION.isoformat()}: {', '.join(transition_names)} on every document), medians as in "
            f"section 1: typical invoice {fmt(typ_one.total, 3)} ms against **{fmt(typ_two.total, 3)} ms** "
            f"({fmt(_ratio(typ_two.total, typ_one.total), 2)}×); {BIG_LINES} lines {fmt(lat.big_one.total, 1)} ms "
            f"against **{fmt(lat.big_two.total, 1)} ms** ({fmt(_ratio(lat.big_two.total, lat.big_one.total), 2)}×). "
            "Parse and XSD run once; each release's Schematron steps run on the same Saxon tree, so section 1 "
            f"predicts {newest.billing}'s total plus the other release's Schematron steps: "
            f"{fmt(_expected(latency, transition_names, lambda r: r.typical), 3)} ms and "
            f"{fmt(_expected(latency, transition_names, lambda r: r.big), 1)} ms. The judging release's own "
            f"Schematron steps ({newest.billing}, typical invoice) take {fmt(_sch(typ_two, newest), 3)} ms in the "
            f"transition against {fmt(_sch(typ_one, newest), 3)} ms alone: a gap to the prediction lies in the "
            "transforms themselves, run alternately with the other release's stylesheets (not analysed here)."]


# ---------------------------------------------------------------------------------------
# The report


def render_targets(mem: list[Memory]) -> list[str]:
    by = {m.case: m for m in mem}
    one = by["one"].med("peak")
    rows = []
    for case, label in (("transition", "two releases in use (transition)"), ("all", "all three releases in use")):
        peak = by[case].med("peak")
        ratio = _ratio(peak, one)
        rows.append([f"worker peak RSS, {label} < {TARGET_RSS_RATIO:g}× one release",
                     f"{fmt(peak, 0)} MB against {fmt(one, 0)} MB = {fmt(ratio, 2)}×",
                     verdict(ratio < TARGET_RSS_RATIO)])
    return ["##### Target (informational)", "",
            "The issue sets no speed target; its memory condition (section 3):", "",
            *table(["target", "measured", ""], rows)]


@register("releases")
def run() -> str:
    from validate.releases import select

    counters, load, date = cpu_counters(), os.getloadavg()[0], datetime.datetime.now().astimezone()
    probes: list[tuple[str, float]] = []
    all_rel = releases()
    newest = all_rel[-1]
    selection = select(TRANSITION)
    if not selection.in_transition or selection.primary != newest:
        raise AssertionError(f"{TRANSITION} is not a transition into {newest.name}: change TRANSITION")
    transition_names = [r.billing for r in selection.accepted]
    started = time.perf_counter()

    speed_probe("§1", probes)
    latency = []
    for release in all_rel:
        progress(f"latency: {release.label()}")
        latency.append(measure_latency(release))
    speed_probe("§2", probes)
    compiles = []
    for release in all_rel:
        progress(f"compile: {release.label()}, cold and cached, {COMPILE_RUNS} times")
        compiles.append(measure_compile(release))
    speed_probe("§3", probes)
    memory = measure_memory(newest, all_rel)
    progress("latency: transition against one release")
    transition = measure_transition(newest)
    speed_probe("end", probes)

    lines = ["Measured by `make bench` (`bench/releases.py`, its docstring says what is and is not measured).",
             "", *machine(date), "",
             *render_targets(memory), "",
             *render_latency(latency), "",
             *render_compile(compiles), "",
             *render_memory(memory, transition, newest, transition_names, latency), "",
             f"Benchmark run time: {fmt(time.perf_counter() - started, 0)} s.", "",
             render_conditions(counters, load, probes)]
    return "\n".join(lines)
