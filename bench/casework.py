"""Benchmark of the municipal case work (``python -m bench casework``, ``make bench``).

The issue's target: a synthetic national-scale year (12 million shifts, 100,000 assistants,
20,000 clients, 200 providers) through every check of one month's period with its reference
periods, cuts and joins with the registers included, in at most 20 s and 4 GB peak on this
2-core machine, the time growing linearly with the shifts (1 M, 4 M, 12 M).

The year is made by :mod:`bench.casework_year` (its docstring says what it holds).

The run's context is what ``lssinvoice check`` gives for Tjörn (:func:`check_context`): the
packaged working-time profiles, FK's standard amounts and Tjörn's case levels.

What is measured (:func:`casework_benchmark`), per size, each in a fresh process
    1. generation, into a DuckDB database file (not part of the target; printed apart);
    2. for June and December (the month that needs the most reference data: the year to date
       for the overtime caps), in a new process: the load (the input tables, in memory, of
       the period's reference window as :func:`ingest.casework.load.reference_window` gives
       it, copied from the generated file: what the store's loader fills, minus reading the
       store), then :func:`invoices.casework.run.run_checks` over it, wall time; each check
       function of ``run._checks()``, each resolve step and every SQL statement timed by
       wrapping them; findings, cuts; the peak resident set of the process (the kernel's
       ``VmHWM``, :func:`bench.common.peak_rss_mb`) after the load and at the end, and per step
       (``VmHWM`` reset through ``/proc/self/clear_refs`` before each step); the most DuckDB
       held in temporary files (spilled) after any statement;
    3. the largest size's December (the target) three times, the median counts (this machine's
       speed drifts, and other work on it shows up as spread); the others once;
    4. at the largest size, December once more without the memory limit (DuckDB's default,
       80 % of RAM): a diagnostic of what the limit costs, not a figure against the target;
    5. the store's loader end to end (:func:`loader_rate`: :data:`LOADER_ROWS` shifts read
       from a SQLite store by :func:`ingest.casework.load.load_case_data`), to say what
       loading the window from the store costs (it is not part of the runs above).

DuckDB runs with threads = the machine's core count and ``memory_limit`` = :data:`MEMORY_LIMIT`
(with the Python process around it, the peak has to stay under 4 GB), spilling to a temporary
directory beyond it.

Not measured: reading a PostgreSQL store (5. reads SQLite), writing the run's outcome back to
the store, process start-up and imports.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from bench import register
from bench.casework_year import MUNICIPALITY, SEED, YEAR, check_context, generate
from bench.common import cpu_counters, fmt, progress, render_conditions, speed_probe, table, verdict

REPO = Path(__file__).resolve().parent.parent
SIZES = (1_000_000, 4_000_000, 12_000_000)
PERIODS = (f"{YEAR}-06", f"{YEAR}-12")
TARGET_S, TARGET_MB, FULL = 20.0, 4096.0, 12_000_000
MEMORY_LIMIT = "3GB"
CHILD_TIMEOUT = 3600
REPEATS = 3  # runs of the target's case (the largest size, December)


# ---------------------------------------------------------------------------------------
# Measurement (each in a fresh process)


def _vm(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> bool:
    """Reset the kernel's peak resident set (``VmHWM``) of this process to its current RSS."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _label(sql: str) -> str:
    """The first words of a statement: what it makes (``CREATE ... TABLE w_iv``) or does."""
    words = " ".join(sql.split())
    for prefix in ("CREATE OR REPLACE TEMP TABLE ", "CREATE TEMP TABLE ", "CREATE OR REPLACE TABLE "):
        if words.startswith(prefix):
            return "→ " + words[len(prefix):].split(" ", 1)[0]
    return words[:60]


class TimedConnection:
    """A DuckDB connection that times every statement, filed under the current step."""

    def __init__(self, con) -> None:
        self._con = con
        self.step = "?"
        self.statements: list[tuple[str, str, float]] = []
        self.spill_mb = 0.0  # the most DuckDB held in temporary files after any statement
        self._probe = con.cursor()  # same database, its own result: the caller's stays pending

    def _record(self, sql: str, start: float) -> None:
        self.statements.append((self.step, _label(sql), time.perf_counter() - start))
        size = self._probe.execute("SELECT coalesce(sum(size), 0) FROM duckdb_temporary_files()").fetchone()[0]
        self.spill_mb = max(self.spill_mb, size / 1e6)

    def execute(self, sql, *args):
        start = time.perf_counter()
        out = self._con.execute(sql, *args)
        self._record(sql, start)
        return out

    def executemany(self, sql, *args):
        start = time.perf_counter()
        out = self._con.executemany(sql, *args)
        self._record(sql, start)
        return out

    def __getattr__(self, name):
        return getattr(self._con, name)


CHECK_MODULES = ("billing", "decisions", "eligibility", "formalities", "fk", "sickpay", "worktime")


def available_checks():
    """``run._checks()`` when every check module exists; else the same lists without the
    checks of the missing modules (they are being written), and the names of the missing."""
    import importlib

    from invoices.casework import run

    missing = []
    for name in CHECK_MODULES:
        try:
            importlib.import_module(f"invoices.casework.{name}")
        except ImportError:
            missing.append(name)
    if not missing:
        return run._checks(), []
    m = {name: importlib.import_module(f"invoices.casework.{name}") for name in CHECK_MODULES if name not in missing}

    def pick(*names: str) -> tuple:
        out = []
        for name in names:
            module, _, attr = name.partition(".")
            if module in m:
                found = getattr(m[module], attr)
                out.extend(found if isinstance(found, tuple) else (found,))
        return tuple(out)

    # The order of run._checks().
    performed = pick("billing.double_billing", "eligibility.not_a_cost_of_assistance", "decisions.outside_decision",
                     "worktime.CHECKS", "fk.fk_twenty_hours", "sickpay.sick_pay_claims", "formalities.formalities")
    return (performed, pick("decisions.beyond_granted_hours"), pick("billing.line_arithmetic", "billing.line_rate")), missing


def _step_name(func) -> str:
    return f"{func.__module__.rsplit('.', 1)[-1]}.{func.__name__}"


def run_period(path: str, period: str, threads: int, memory_limit: str | None, tmp: str) -> dict:
    """Load ``period``'s reference window from the generated database at ``path`` into a new
    in-memory connection and run every check; timings, memory, findings (module docstring)."""
    from ingest.casework.load import reference_window
    from invoices.casework import run
    from invoices.casework.frame import connect, create_inputs
    from invoices.casework.sickpay import create_sick_claims

    out: dict = {"period": period, "threads": threads, "memory_limit": memory_limit,
                 "rss_after_imports_mb": _vm("VmRSS")}
    (performed, granted, money), missing = available_checks()
    out["missing_modules"] = missing

    raw = connect(threads=threads, memory_limit=memory_limit)
    raw.execute(f"SET temp_directory = '{tmp}'")
    lo, hi = reference_window(period)
    start = time.perf_counter()
    create_inputs(raw)
    create_sick_claims(raw)
    raw.execute(f"ATTACH '{path}' AS src (READ_ONLY)")
    # The loader's window (ingest.casework.load): shifts overlapping it, a day of slack each side.
    raw.execute(f"""INSERT INTO shifts SELECT * FROM src.shifts
                    WHERE start_at < TIMESTAMPTZ '{hi} 00:00:00+00' + INTERVAL 1 DAY
                      AND end_at > TIMESTAMPTZ '{lo} 00:00:00+00' - INTERVAL 1 DAY""")  # in shift_id order
    for t in ("timereports", "invoices", "lines", "decisions", "fk_decisions", "assistants", "rates", "sick_claims"):
        raw.execute(f"INSERT INTO {t} SELECT * FROM src.{t}")
    raw.execute("DETACH src")
    out["load_s"] = time.perf_counter() - start
    out["window"] = [str(lo), str(hi)]
    out["shifts_loaded"] = raw.execute("SELECT count(*) FROM shifts").fetchone()[0]
    out["targets"] = raw.execute("SELECT count(*) FROM invoices WHERE period = ? AND doc_kind = 'invoice' "
                                 "AND NOT credited", [period]).fetchone()[0]
    out["peak_after_load_mb"] = _vm("VmHWM")
    out["rss_after_load_mb"] = _vm("VmRSS")
    out["duckdb_after_load_mb"] = {tag: size / 1e6 for tag, size in raw.execute(
        "SELECT tag, memory_usage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0 ORDER BY ALL").fetchall()}

    con = TimedConnection(raw)
    steps: dict[str, float] = defaultdict(float)
    step_peak: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    can_reset = _reset_peak()

    def timed(name, func):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            label = name if calls[name] == 1 else f"{name} #{calls[name]}"
            con.step = label
            if can_reset:
                _reset_peak()
            t = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                steps[label] += time.perf_counter() - t
                step_peak[label] = max(step_peak[label], _vm("VmHWM"))
        return wrapper

    wrapped = tuple(tuple(timed(_step_name(f), f) for f in group) for group in (performed, granted, money))
    saved = {n: getattr(run, n) for n in ("_checks", "create_outputs", "_select_targets", "_apply_levels",
                                           "resolve_cuts", "_collect")}
    run._checks = lambda: wrapped
    for n in ("create_outputs", "_select_targets", "_apply_levels", "resolve_cuts", "_collect"):
        setattr(run, n, timed(f"run.{n}", saved[n]))
    ctx = check_context(period)
    try:
        start = time.perf_counter()
        result = run.run_checks(con, ctx)
        out["run_s"] = time.perf_counter() - start
    finally:
        for n, f in saved.items():
            setattr(run, n, f)
    out["peak_mb"] = max([_vm("VmHWM"), out["peak_after_load_mb"], *step_peak.values()])
    start = time.perf_counter()
    out["digest"] = result.digest()
    out["digest_s"] = time.perf_counter() - start
    out["steps"] = [[k, v, step_peak[k]] for k, v in steps.items()]
    out["statements"] = [list(s) for s in sorted(con.statements, key=lambda s: -s[2])[:25]]
    out["resolve"] = [list(s) for s in con.statements if s[0].startswith("run.resolve_cuts")]
    codes: dict[str, int] = defaultdict(int)
    for inv in result.invoices:
        for f in inv.findings:
            codes[f.code] += 1
    out["findings"] = sum(codes.values())
    out["codes"] = dict(sorted(codes.items()))
    out["invoices"] = len(result.invoices)
    out["cuts"] = len(result.cuts)
    out["cut_hours"] = sum(c[4] for c in result.cuts) / 3600.0
    out["spill_mb"] = con.spill_mb
    raw.close()
    return out


def generate_file(path: str, shifts: int, seed: int = SEED) -> dict:
    """Generate a year into a DuckDB database file (the 'store' of the benchmark)."""
    import duckdb

    con = duckdb.connect(path)
    con.execute("SET TimeZone = 'Europe/Stockholm'")
    start = time.perf_counter()
    counts = generate(con, shifts, seed)
    con.execute("CHECKPOINT")
    con.close()
    return {"seconds": time.perf_counter() - start, "counts": counts, "peak_mb": _vm("VmHWM"),
            "file_mb": os.path.getsize(path) / 1e6}


def _child(command: str, args: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.casework", command, json.dumps(args)], cwd=REPO,
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({done.returncode}): {done.stderr.strip()[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


LOADER_ROWS = 200_000


def loader_rate(tmp: str, rows: int = LOADER_ROWS) -> tuple[float, float]:
    """The store's path, end to end: :func:`ingest.casework.load.load_case_data` reading
    ``rows`` shifts of one invoice (with its document and time report) from a migrated SQLite
    store into the frame's tables. Returns (seconds, rows per second); filling the store is
    not timed."""
    from datetime import timedelta

    from sqlalchemy import insert

    from ingest import tables as t
    from ingest.casework.load import load_case_data
    from ingest.store import Store
    from invoices.casework.frame import connect
    from invoices.registry import load_registry

    store = Store(f"sqlite:///{os.path.join(tmp, 'loader.db')}")
    store.migrate()
    base = datetime(YEAR, 1, 2, tzinfo=UTC)
    with store.engine.begin() as conn:
        doc = conn.execute(insert(t.documents).values(
            source_name="bench.xml", sha256="0" * 64, size=1, state="stored", attempts=1, source_removed=False,
            received_at=base, updated_at=base)).inserted_primary_key[0]
        inv = conn.execute(insert(t.invoices).values(
            document_id=doc, kind="invoice", seller_key="0007:5599011235", invoice_number="B-1", number_key="B-1",
            issue_date=base.date(), currency="SEK", payable=1, period_start=base.date())).inserted_primary_key[0]
        report = conn.execute(insert(t.timereports).values(
            invoice_id=inv, assistant_pnr="assistant-1", client_pnr="client-1", month=f"{YEAR}-01",
            assistant_signed=True, supervisor_signed=True, agreement_stated=True,
            kind_stated=True)).inserted_primary_key[0]
        # Placeholder people (never personnummer-shaped); 30-minute shifts every 30 minutes
        # across the spread of assistants, all inside January (the window of a June check).
        conn.execute(insert(t.shifts), [dict(
            timereport_id=report, invoice_id=inv, assistant_pnr=f"assistant-{i % 1000}", client_pnr="client-1",
            decision_id="B-000001", kind="active", start_at=base + timedelta(minutes=30 * (i // 1000)),
            end_at=base + timedelta(minutes=30 * (i // 1000) + 30), seconds=1800, source="bench")
            for i in range(rows)])
    con = connect(threads=os.cpu_count())
    start = time.perf_counter()
    with store.engine.connect() as conn:
        loaded = load_case_data(conn, con, load_registry(use_env=False).get("tjorn"), f"{YEAR}-06")
    seconds = time.perf_counter() - start
    con.close()
    store.dispose()
    assert loaded.shifts == rows, loaded
    return seconds, rows / seconds


def _code_state() -> str:
    """The commit measured, and which case-work files differ from it (work in progress)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.rstrip() if done.returncode == 0 else ""  # porcelain lines start with a space

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = [line[3:] for line in git("status", "--porcelain", "--", "invoices/casework").splitlines()]
    return f"commit {commit}" + (f", with uncommitted changes to {', '.join(sorted(dirty))}" if dirty else "")


def _m(n: int) -> str:
    return f"{n / 1e6:g} M"


def _per_m(seconds: float, shifts: int) -> str:
    return fmt(seconds / (shifts / 1e6), 2)


@register("casework")
def casework_benchmark(sizes: tuple[int, ...] = SIZES, periods: tuple[str, ...] = PERIODS) -> str:
    import duckdb

    threads = os.cpu_count() or 1
    code_start = _code_state()
    counters, load_start, probes = cpu_counters(), os.getloadavg()[0], []
    bench_start = time.perf_counter()
    gens: dict[int, dict] = {}
    runs: dict[tuple[int, str], dict] = {}
    repeats: dict[tuple[int, str], list[float]] = {}
    diagnostic = None
    with tempfile.TemporaryDirectory(prefix="bench-casework-") as tmp:
        for n in sizes:
            speed_probe(_m(n), probes)
            path = os.path.join(tmp, f"year-{n}.duckdb")
            progress(f"casework: generating {_m(n)} shifts")
            gens[n] = _child("generate", {"path": path, "shifts": n})
            for period in periods:
                # The target's run three times (the machine's speed drifts; the median counts).
                times = REPEATS if (n, period) == (max(sizes), periods[-1]) else 1
                tries = []
                for i in range(times):
                    progress(f"casework: {_m(n)}, {period}" + (f", run {i + 1} of {times}" if times > 1 else ""))
                    tries.append(_child("run", {"path": path, "period": period, "threads": threads,
                                                "memory_limit": MEMORY_LIMIT, "tmp": os.path.join(tmp, "spill")}))
                tries.sort(key=lambda r: r["run_s"])
                runs[(n, period)] = tries[len(tries) // 2]
                repeats[(n, period)] = [r["run_s"] for r in tries]
            if n == max(sizes):
                progress(f"casework: {_m(n)}, {periods[-1]}, without the memory limit (diagnostic)")
                diagnostic = _child("run", {"path": path, "period": periods[-1], "threads": threads,
                                            "memory_limit": None, "tmp": os.path.join(tmp, "spill")})
            os.remove(path)
    speed_probe("loader", probes)
    progress("casework: the store loader (SQLite)")
    with tempfile.TemporaryDirectory(prefix="bench-loader-") as tmp:
        load_seconds, rate = loader_rate(tmp)
    speed_probe("end", probes)

    big, last = max(sizes), periods[-1]
    main_run = runs[(big, last)]
    missing = main_run["missing_modules"]
    lines = [
        "Measured by `make bench` (`bench/casework.py`; its docstring says what is and is not measured).",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}; machine: {threads} cores "
        f"(`os.cpu_count()`), DuckDB {duckdb.__version__}, threads = {threads}, "
        f"memory_limit = {MEMORY_LIMIT} (spills to a temporary directory beyond it)",
        f"- code measured: {code_start}" + ("" if _code_state() == code_start else
                                             f"; **it changed during the run**, to {_code_state()}: the rows may "
                                             "mix versions"),
        f"- checks run: every function of `run._checks()`, judged as `lssinvoice check` judges for {MUNICIPALITY} "
        "(its rates, FK's standard amounts, its case levels; the packaged working-time profiles)" + (
            f"; **missing modules, not run: {', '.join(missing)}** (being written when this ran)" if missing else ""),
        f"- target (issue): a year of {_m(FULL)} shifts through every check of one month with its reference "
        f"periods in ≤ {TARGET_S:.0f} s and ≤ {TARGET_MB / 1024:.0f} GB peak, time linear in the shifts",
        "",
        "**The synthetic years** (generated in a child process into a DuckDB file; not part of the target):",
        "",
    ]
    lines += table(
        ["shifts asked", "shifts made", "assistants", "clients", "providers", "invoices", "lines",
         "generation s", "generation peak MB", "file MB"],
        [[_m(n), f"{g['counts']['shifts']:,}", f"{g['counts']['assistants_generated']:,}", f"{g['counts']['clients']:,}",
          g["counts"]["providers"], f"{g['counts']['invoices']:,}", f"{g['counts']['lines']:,}", fmt(g["seconds"], 1),
          f"{g['peak_mb']:.0f}", f"{g['file_mb']:.0f}"] for n, g in gens.items()])
    lines += ["", "**One month through every check** (a fresh process per row; `run_checks` wall time; the load "
                  "of the reference window into memory shown apart; peak RSS = the process's `VmHWM`, load "
                  "included):", ""]
    rows = []
    for (n, period), r in runs.items():
        made = gens[n]["counts"]["shifts"]
        ok = r["run_s"] <= TARGET_S and r["peak_mb"] <= TARGET_MB
        rows.append([
            _m(n), period, f"{r['window'][0]} .. {r['window'][1]}", f"{r['shifts_loaded']:,}", f"{r['targets']:,}",
            fmt(r["load_s"], 1), f"**{fmt(r['run_s'], 1)}**" + (
                f" (median of {len(repeats[(n, period)])}: {', '.join(fmt(t, 1) for t in repeats[(n, period)])})"
                if len(repeats[(n, period)]) > 1 else ""), _per_m(r["run_s"], made), _per_m(r["run_s"], r["shifts_loaded"]),
            f"{r['peak_after_load_mb']:.0f}", f"**{r['peak_mb']:.0f}**", f"{r['spill_mb']:.0f}",
            f"{r['findings']:,}", f"{r['cuts']:,} ({r['cut_hours']:,.0f} h)",
            verdict(ok) if n == FULL else "–"])
    lines += table(["shifts (year)", "month", "reference window loaded", "shifts loaded", "invoices judged",
                    "load s", "run_checks s", "s per M shifts of the year", "s per M shifts loaded",
                    "peak MB after load", "peak MB", "spilled MB (most at once)", "findings (finding × invoice)",
                    "cuts (hours)", "target"], rows)
    dec = [(n, runs[(n, last)]) for n in sizes]
    per_m = [r["run_s"] / (gens[n]["counts"]["shifts"] / 1e6) for n, r in dec]
    linear = per_m[-1] <= 1.25 * min(per_m[:-1] or per_m)
    growth = (f"; from {_m(sizes[-2])} to {_m(sizes[-1])} the time grew {fmt(dec[-1][1]['run_s'] / dec[-2][1]['run_s'], 2)}× "
              f"for {fmt(gens[sizes[-1]]['counts']['shifts'] / gens[sizes[-2]]['counts']['shifts'], 2)}× the shifts"
              if len(sizes) > 1 else "")
    lines += ["", f"Linearity ({last}): " + ", ".join(f"{_m(n)} {fmt(v, 2)} s per M shifts" for (n, _), v in zip(dec, per_m))
              + growth + f". Linear here means the largest size's time per shift within 25 % of the best smaller "
              f"size's (a fixed cost makes the smallest dearer per shift): {fmt(per_m[-1] / min(per_m[:-1] or per_m), 2)}×, "
              f"**{verdict(linear)}**."]
    main_run = runs[(max(sizes), periods[-1])]
    if diagnostic:
        lines += ["", f"Diagnostic, not the target: {_m(big)}, {last} again with DuckDB's default memory limit "
                      f"(80 % of RAM): run_checks **{fmt(diagnostic['run_s'], 1)} s**, peak **{diagnostic['peak_mb']:.0f} MB**, "
                      f"spilled {diagnostic['spill_mb']:.0f} MB, against {fmt(main_run['run_s'], 1)} s with the limit: "
                      + (f"the limit (spilling) costs {fmt(main_run['run_s'] - diagnostic['run_s'], 1)} s here."
                         if diagnostic["run_s"] < main_run["run_s"] else
                         "no cost of the limit shows above the noise of this run (see the conditions below).")]

    # Per-check breakdown at the full scale.
    lines += ["", f"**Per step at {_m(big)}** (December: its median run; each check function of `run._checks()`, each step of `run_checks`; "
                  "peak MB = `VmHWM` reset before the step, so the step's own peak with the tables resident):", ""]
    by_period = {p: {s[0]: (s[1], s[2]) for s in runs[(big, p)]["steps"]} for p in periods}
    names = list(dict.fromkeys(s[0] for p in periods for s in runs[(big, p)]["steps"]))
    header = ["step"]
    for p in periods:
        header += [f"{p} s", f"{p} share", f"{p} peak MB"]
    body = []
    for name in sorted(names, key=lambda k: -by_period[last].get(k, (0, 0))[0]):
        row = [f"`{name}`"]
        for p in periods:
            secs, peak = by_period[p].get(name, (float("nan"), float("nan")))
            row += [fmt(secs, 2), f"{100 * secs / runs[(big, p)]['run_s']:.0f} %", f"{peak:.0f}"]
        body.append(row)
    lines += table(header, body)
    lines += ["", f"Resolve steps at {_m(big)}, {last}: " + "; ".join(
        f"`{step}` `{label}` {fmt(secs, 2)} s" for step, label, secs in main_run["resolve"]) + "."]
    lines += ["", f"Slowest statements at {_m(big)}, {last} (`→ t` = `CREATE TABLE t AS ...`; a statement run "
                  "twice is listed twice):", ""]
    lines += table(["step", "statement", "s"], [[f"`{s[0]}`", f"`{s[1]}`", fmt(s[2], 2)]
                                               for s in main_run["statements"][:12]])
    lines += ["", f"Findings at {_m(big)}, {last}, by code (finding × invoice): "
                  + ", ".join(f"{c} {k:,}" for c, k in main_run["codes"].items()) + "."]

    # Verdict with its measured cause.
    steps = sorted(main_run["steps"], key=lambda s: -s[1])
    top, top_stmt = steps[0], main_run["statements"][0]
    worktime_s = sum(s[1] for s in main_run["steps"] if s[0].startswith("worktime."))
    time_ok, mem_ok = main_run["run_s"] <= TARGET_S, main_run["peak_mb"] <= TARGET_MB
    lines += ["", f"**Verdict at {_m(big)}, {last}: time {verdict(time_ok)}** ({fmt(main_run['run_s'], 1)} s against "
                  f"{TARGET_S:.0f} s), **memory {verdict(mem_ok)}** ({main_run['peak_mb']:.0f} MB against "
                  f"{TARGET_MB:.0f} MB), **linearity {verdict(linear)}**"
                  + (" — and incomplete: not every check module exists yet" if missing else "") + ". "
                  f"The largest step is `{top[0]}` ({fmt(top[1], 1)} s, {100 * top[1] / main_run['run_s']:.0f} %); "
                  f"the working-time checks together take {fmt(worktime_s, 1)} s "
                  f"({100 * worktime_s / main_run['run_s']:.0f} %); the slowest statement is `{top_stmt[1]}` in "
                  f"`{top_stmt[0]}` ({fmt(top_stmt[2], 1)} s). Loading the window into memory takes "
                  f"{fmt(main_run['load_s'], 1)} s more and {main_run['peak_after_load_mb']:.0f} MB of the peak: "
                  "after it DuckDB holds " + ", ".join(f"{tag} {mb:.0f} MB" for tag, mb in
                                                       main_run["duckdb_after_load_mb"].items())
                  + f" (`duckdb_memory()`), so {MEMORY_LIMIT} leaves the checks about "
                  f"{float(MEMORY_LIMIT[:-2]) * 1000 - sum(main_run['duckdb_after_load_mb'].values()):.0f} MB before DuckDB spills."]
    lines += ["", f"Outside the target, the store's path: `ingest.casework.load.load_case_data` read {LOADER_ROWS:,} "
                  f"shifts from a SQLite store into the frame in {fmt(load_seconds, 1)} s, **{rate:,.0f} shifts/s** "
                  "(streamed in batches, inserted as Arrow columns); at that rate the "
                  f"{gens[big]['counts']['shifts']:,} shifts of the {_m(big)} December window take about "
                  f"**{gens[big]['counts']['shifts'] / rate:.0f} s** to load before any check runs (the runs above "
                  "copy the window from a DuckDB file instead: the load s column)."]
    lines += ["", f"Benchmark run time: {time.perf_counter() - bench_start:.0f} s (most of it the {_m(big)} year: "
                  "its generation and its runs).", "", render_conditions(counters, load_start, probes)]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    command, args = argv[0], json.loads(argv[1])
    if command == "generate":
        result = generate_file(args["path"], args["shifts"], args.get("seed", SEED))
    elif command == "run":
        result = run_period(args["path"], args["period"], args["threads"], args["memory_limit"], args["tmp"])
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
