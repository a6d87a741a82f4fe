"""Section 4 of the validation benchmark (:mod:`bench.validation`): the same compiled XSLT and
documents on Saxon-HE for Java (``bench/SaxonJavaBench.java``) against SaxonC timed the same
way (transform only, from an already parsed tree; parse timed apart), when ``java`` and a
Saxon-HE jar are there."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import fmt as _f
from bench.common import median as _median
from bench.common import ms as _ms
from bench.common import table as _table

JAVA_HARNESS = Path(__file__).with_name("SaxonJavaBench.java")
SAXON_JARS = ("/usr/share/java/Saxon-HE.jar",)
JAVA_TITLE = "#### 4. Same XSLT on Saxon-HE for Java"


@dataclass(frozen=True)
class RunPlan:
    """Warm-up and timed runs per document; the large invoice (``big_name``) has its own."""

    warmup: int
    runs: int
    big_warmup: int
    big_runs: int
    big_name: str

    def runs_for(self, path: Path) -> tuple[int, int]:
        return (self.big_warmup, self.big_runs) if path.name == self.big_name else (self.warmup, self.runs)


def find_saxon_jar() -> Path | None:
    env = os.environ.get("BENCH_SAXON_JAR")
    candidates = [Path(env)] if env else [Path(p) for p in SAXON_JARS]
    candidates += sorted(Path("/usr/share/java").glob("[Ss]axon*.jar")) if not env else []
    return next((p for p in candidates if p.is_file()), None)


def java_skip_reason() -> str | None:
    if shutil.which("java") is None:
        return "`java` is not on PATH"
    if find_saxon_jar() is None:
        return "no Saxon-HE jar (install Debian's libsaxonhe-java, or set BENCH_SAXON_JAR)"
    return None


@dataclass
class SaxonFigures:
    """Median ms per document: parse, and per stylesheet (transform ms, assertions fired)."""

    parse: dict[str, float] = field(default_factory=dict)
    transform: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)
    compile: dict[str, float] = field(default_factory=dict)
    version: str = ""


def _median_of(func: Callable[[], object], warmup: int, runs: int) -> float:
    for _ in range(warmup):
        func()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        func()
        times.append(_ms(t))
    return _median(times)


def saxonc_figures(docs: list[Path], sheets: dict[str, object], plan: RunPlan,
                   startup_parts: list[tuple[str, float]]) -> SaxonFigures:
    """SaxonC timed like the Java harness: parse from text, transform a parsed tree."""
    from validate.schematron.runner import parse_for_saxon, saxon_processor

    out = SaxonFigures(version=saxon_processor().version)
    for path in docs:  # the same warm-up pass over all documents as the Java harness
        node = parse_for_saxon(path.read_bytes().decode("utf-8-sig"))
        for runner in sheets.values():
            for _ in range(plan.runs_for(path)[0]):
                runner.run_raw(node)
    for path in docs:
        warmup, runs = plan.runs_for(path)
        text = path.read_bytes().decode("utf-8-sig")
        out.parse[path.name] = _median_of(lambda: parse_for_saxon(text), warmup, runs)
        node = parse_for_saxon(text)
        for key, runner in sheets.items():
            ms = _median_of(lambda: runner.run_raw(node), warmup, runs)
            out.transform[(key, path.name)] = (ms, runner.run_raw(node).count("<f "))
    for key in sheets:
        out.compile[key] = next((ms for what, ms in startup_parts if what.startswith(key) and "SaxonC" in what), 0.0)
    return out


def java_figures(jar: Path, docs: list[Path], xslt_files: dict[str, Path], plan: RunPlan) -> SaxonFigures:
    big = max(p.stat().st_size for p in docs if p.name != plan.big_name) + 1
    cmd = ["java", "-cp", str(jar), str(JAVA_HARNESS), str(plan.warmup), str(plan.runs), str(plan.big_warmup),
           str(plan.big_runs),
           str(big), *(f"{k}={v}" for k, v in xslt_files.items()), "--", *map(str, docs)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"Java harness failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    out = SaxonFigures()
    for line in done.stdout.splitlines():
        kind, *rest = line.split("\t")
        if kind == "version":
            out.version = "Saxon-HE " + rest[0]
        elif kind == "compile":
            out.compile[rest[0]] = float(rest[1])
        elif kind == "parse":
            out.parse[rest[0]] = float(rest[1])
        elif kind == "transform":
            out.transform[(rest[0], rest[1])] = (float(rest[2]), int(rest[3]))
    return out


def _java_version() -> str:
    done = subprocess.run(["java", "-version"], capture_output=True, text=True)
    return (done.stderr or done.stdout).splitlines()[0] if (done.stderr or done.stdout) else "unknown"


def stylesheet_files(folder: Path, bis3) -> tuple[dict[str, object], dict[str, Path]]:
    """Runners and XSLT files (the disk-cache file, else a copy) per Schematron step."""
    from validate import rulesets

    runners, files = {}, {}
    for step in bis3.schematrons:
        compiled = rulesets.compiled_step(step)
        cached = rulesets.xslt_cache_dir() / f"{compiled.key}.xsl"
        if not (compiled.key and cached.is_file() and cached.read_text("utf-8") == compiled.xslt):
            cached = folder / f"{len(files)}.xsl"
            cached.write_text(compiled.xslt, "utf-8")
        runners[step.name], files[step.name] = rulesets.runner(bis3, step), cached
    return runners, files


def render_java(c: SaxonFigures, j: SaxonFigures, docs: list[Path], jar: Path, java: str,
                big_name: str) -> list[str]:
    sheets = list(c.compile)
    rows, ratios, mismatches = [], [], []
    for path in docs:
        cs = sum(c.transform[(k, path.name)][0] for k in sheets)
        js = sum(j.transform[(k, path.name)][0] for k in sheets)
        cells = []
        for k in sheets:
            (cm, cf), (jm, jf) = c.transform[(k, path.name)], j.transform[(k, path.name)]
            cells += [_f(cm, 3), _f(jm, 3)]
            if cf != jf:
                mismatches.append(f"{path.name} {k}: SaxonC fired {cf}, Java {jf}")
        ratio = cs / js if js else float("nan")
        if path.name != big_name:
            ratios.append(ratio)
        rows.append([path.name, _f(c.parse[path.name], 3), _f(j.parse[path.name], 3), *cells, f"**{_f(ratio, 2)}**"])
    headers = ["document", "parse C", "parse J"]
    for k in sheets:
        headers += [f"{k} C", f"{k} J"]
    compile_row = ", ".join(f"{k}: SaxonC {_f(c.compile[k], 0)} ms, Java {_f(j.compile[k], 0)} ms" for k in sheets)
    check = "same number of fired assertions on every document" if not mismatches else \
        "**MISMATCH** " + "; ".join(mismatches)
    return [JAVA_TITLE, "",
            f"C = {c.version} (in this process), J = {j.version} ({jar}, {java}). Milliseconds per document, "
            "median, same warm-up and runs as section 1 after one warm-up pass over all documents (both "
            "sides); transform from an already parsed tree with a new "
            "transformer per run, output serialised to a string; parse from text in memory. "
            "Ratio = SaxonC / Java for the two transforms together (>1: Java faster).", "",
            *_table([*headers, "ratio C/J"], rows), "",
            f"- median ratio over the official examples: **{_f(_median(ratios), 2)}**;",
            f"- stylesheet compile (cold, once): {compile_row};",
            f"- check: {check};",
            f"- not like for like: {_versions_note(c, j)}Java's JIT has warmed up on each document "
            "while SaxonC is compiled ahead of time (GraalVM native image)."]


def _versions_note(c: SaxonFigures, j: SaxonFigures) -> str:
    return f"two Saxon releases ({c.version} against {j.version}), and "


def java_compare(docs: list[Path], plan: RunPlan, bis3, startup_parts: list[tuple[str, float]]) -> list[str]:
    """Section 4 of the report: ``docs`` on SaxonC and on Saxon-HE for Java with the XSLT of
    ``bis3``'s steps, warmed up and run as ``plan`` says; SaxonC's compile times are read from
    ``startup_parts`` (section 0)."""
    reason = java_skip_reason()
    if reason:
        return [JAVA_TITLE, "", f"Skipped: {reason}."]
    jar = find_saxon_jar()
    with tempfile.TemporaryDirectory(prefix="lssinvoice-bench-xslt-") as tmp:
        runners, files = stylesheet_files(Path(tmp), bis3)
        c = saxonc_figures(docs, runners, plan, startup_parts)
        try:
            j = java_figures(jar, docs, files, plan)
        except (RuntimeError, subprocess.TimeoutExpired, ValueError, IndexError) as exc:
            return [JAVA_TITLE, "", f"Skipped: the Java run failed: {exc}"]
    return render_java(c, j, docs, jar, _java_version(), plan.big_name)
