"""Helpers shared by the benchmarks: timing, medians, markdown tables, the machine line, the
speed probe and the conditions line, peak RSS, and per-document latency of a validator."""
from __future__ import annotations

import importlib.metadata
import os
import platform
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


def ms(start: float) -> float:
    """Milliseconds since ``start`` (a ``time.perf_counter()`` value)."""
    return (time.perf_counter() - start) * 1000.0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(headers: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Machine and conditions


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine(date: datetime) -> list[str]:
    from lxml import etree

    from validate.schematron.runner import saxon_processor

    libxml = ".".join(map(str, etree.LIBXML_VERSION))
    return [
        f"- date: {date.isoformat(timespec='seconds')}",
        f"- CPU: {cpu_model()}, os.cpu_count() = {os.cpu_count()}",
        f"- Python {platform.python_version()} ({sys.implementation.name}), {platform.system()} {platform.release()}",
        f"- saxonche {version('saxonche')} ({saxon_processor().version}), lxml {version('lxml')} (libxml2 {libxml})",
    ]


def cpu_counters() -> tuple[int, int]:
    """(all CPU time, steal time) in clock ticks since boot, from /proc/stat (0, 0 if absent)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def speed_probe(label: str, probes: list[tuple[str, float]]) -> None:
    """Time a fixed pure-Python workload (median of 5, ms): the machine's speed right now."""
    times = []
    for _ in range(5):
        t = time.perf_counter()
        sum(i * i for i in range(300_000))
        times.append(ms(t))
    probes.append((label, median(times)))


def render_conditions(start: tuple[int, int], load_start: float, probes: list[tuple[str, float]]) -> str:
    """Interference from outside: load, hypervisor steal, and drift of the machine's speed."""
    end = cpu_counters()
    total, steal = end[0] - start[0], end[1] - start[1]
    steal_text = f"{100.0 * steal / total:.1f} %" if total > 0 else "unknown"
    values = [v for _, v in probes]
    drift = ", ".join(f"{label} {fmt(v, 1)}" for label, v in probes)
    return (f"Conditions: load average (1 min) {load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end; "
            f"CPU steal time reported by the kernel {steal_text}. Speed probe (a fixed Python loop, ms, "
            f"before each section): {drift}; slowest/fastest = {fmt(max(values) / min(values), 2)}. "
            "A drift of the machine's speed (a shared or virtual machine) moves all steps together and "
            "shows up as spread within and between runs: compare figures across runs with that in mind.")


def maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # KiB on Linux


# ---------------------------------------------------------------------------------------
# Latency of one document


@dataclass
class DocTiming:
    name: str
    size: int
    lines: int
    steps: dict[str, float]  # step name -> median ms
    total: float  # median ms of the whole validate_bytes call
    spread: tuple[float, float]  # 10th and 90th percentile of the total, ms
    runs: int
    fatal: int
    warnings: int


def line_count(data: bytes) -> int:
    return data.count(b"<cac:InvoiceLine>") + data.count(b"<cac:CreditNoteLine>")


def time_document(validator, name: str, data: bytes, warmup: int, runs: int,
                  steps: list[str] | None = None) -> DocTiming:
    """Medians of ``runs`` calls of ``validator.validate_bytes`` after ``warmup`` calls: the
    whole call, and each step the result reports (``steps`` fixes their order)."""
    for _ in range(warmup):
        validator.validate_bytes(data, name)
    per_step: dict[str, list[float]] = {s: [] for s in steps or []}
    totals = []
    for _ in range(runs):
        t = time.perf_counter()
        result = validator.validate_bytes(data, name)
        totals.append(ms(t))
        for step in result.steps:
            per_step.setdefault(step.name, []).append(step.millis)
    counts = result.counts()
    deciles = statistics.quantiles(totals, n=10)
    return DocTiming(name, len(data), line_count(data), {k: median(v) for k, v in per_step.items()},
                     median(totals), (deciles[0], deciles[-1]), runs, counts["fatal"], counts["warning"])


def typical(timings: list[DocTiming], steps: list[str] | None = None) -> DocTiming:
    """Median over documents of each per-document median."""
    names = steps or list(dict.fromkeys(n for t in timings for n in t.steps))
    return DocTiming("**typical invoice** (median of the examples)", int(median([t.size for t in timings])),
                     int(median([t.lines for t in timings])),
                     {n: median([t.steps.get(n, float("nan")) for t in timings]) for n in names},
                     median([t.total for t in timings]), (float("nan"), float("nan")), timings[0].runs, 0, 0)


def peak_rss_mb() -> float:
    """Peak resident set of this process since it started, MB: the kernel's ``VmHWM``.

    Not ``getrusage(RUSAGE_SELF).ru_maxrss`` in a child process: Linux carries the peak of
    the process image before ``execve`` into it, so a child spawned by a 400 MB parent reports
    at least 400 MB whatever it does itself (and ``RUSAGE_CHILDREN`` or ``os.wait4`` inherit
    that too). ``ru_maxrss`` only where ``/proc`` is missing.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    except (OSError, ValueError, IndexError):
        pass
    return maxrss_mb(resource.RUSAGE_SELF)
