"""Invoice-number series: unique, durable before returned, safe across processes and kills."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from invoices.series import JsonFileStore, NumberSeries, SeriesError
from tests.helpers import record_output

SHA_A = "a" * 64
SHA_B = "b" * 64
NUMBER = re.compile(r"^LSS2024-\d{5}$")


def _series(tmp_path: Path, **kw) -> NumberSeries:
    return NumberSeries(tmp_path / "series.json", "LSS", **kw)


def test_format_and_sequence(tmp_path):
    s = _series(tmp_path)
    assert s.reserve(year=2024) == "LSS2024-00001"
    assert s.reserve(year=2024) == "LSS2024-00002"
    assert s.reserve_many(3, year=2024) == ["LSS2024-00003", "LSS2024-00004", "LSS2024-00005"]
    assert s.reserve(year=2025) == "LSS2025-00001"  # {year} in the pattern: sequence per year
    assert s.reserve(year=2024) == "LSS2024-00006"


def test_default_year_is_current(tmp_path):
    from datetime import datetime

    from invoices.model import STOCKHOLM

    n = _series(tmp_path).reserve()
    assert n.startswith(f"LSS{datetime.now(STOCKHOLM).year}-")


def test_state_persists_across_instances(tmp_path):
    assert _series(tmp_path).reserve_many(2, year=2024)[-1] == "LSS2024-00002"
    assert _series(tmp_path).reserve(year=2024) == "LSS2024-00003"
    state = json.loads((tmp_path / "series.json").read_text())
    assert state["prefix"] == "LSS" and state["pattern"] == "{prefix}{year}-{seq:05d}"
    assert state["next"] == {"2024": 4}
    assert list(state["numbers"]) == ["LSS2024-00001", "LSS2024-00002", "LSS2024-00003"]


def test_pattern_without_year_is_one_sequence(tmp_path):
    s = NumberSeries(tmp_path / "s.json", "F", pattern="{prefix}{seq:06d}")
    assert s.reserve(year=2024) == "F000001"
    assert s.reserve(year=2025) == "F000002"


@pytest.mark.parametrize("pattern,message", [
    ("{prefix}{year}", "must contain {seq}"),
    ("{prefix}{month}-{seq}", "unknown fields"),
    ("{prefix}{seq:05q}", "invalid number pattern"),
    ("{prefix{seq}", "invalid number pattern"),
])
def test_bad_patterns(tmp_path, pattern, message):
    with pytest.raises(SeriesError, match=re.escape(message)):
        NumberSeries(tmp_path / "s.json", "X", pattern=pattern)


def test_prefix_or_pattern_mismatch_is_refused(tmp_path):
    _series(tmp_path).reserve(year=2024)
    with pytest.raises(SeriesError, match="holds the series prefix='LSS'"):
        NumberSeries(tmp_path / "series.json", "OTHER").reserve(year=2024)
    with pytest.raises(SeriesError, match="holds the series"):
        NumberSeries(tmp_path / "series.json", "LSS", pattern="{prefix}-{seq}").reserve(year=2024)


def test_reserve_many_needs_positive_n(tmp_path):
    with pytest.raises(SeriesError, match="n >= 1"):
        _series(tmp_path).reserve_many(0)


def test_missing_folder(tmp_path):
    with pytest.raises(SeriesError, match="does not exist"):
        NumberSeries(tmp_path / "nope" / "s.json", "X").reserve(year=2024)


def test_commit_void_and_journal(tmp_path):
    s = _series(tmp_path)
    a, b, c = s.reserve_many(3, year=2024)
    s.commit(a, SHA_A)
    s.commit(a, SHA_A.upper())  # idempotent, hex case-insensitive
    with pytest.raises(SeriesError, match="already committed"):
        s.commit(a, SHA_B)
    with pytest.raises(SeriesError, match="credit note"):
        s.void(a, "mistake")
    s.void(b, "run 7 crashed before the invoice was written")
    with pytest.raises(SeriesError, match="was voided"):
        s.commit(b, SHA_B)
    with pytest.raises(SeriesError, match="needs a reason"):
        s.void(c, "  ")
    with pytest.raises(SeriesError, match="never handed out"):
        s.commit("LSS2024-99999", SHA_A)
    with pytest.raises(SeriesError, match="64 hex digits"):
        s.commit(c, "abc")

    journal = {e.number: e for e in s.journal()}
    assert [e.number for e in s.journal()] == [a, b, c]
    assert journal[a].status == "committed" and journal[a].document_sha256 == SHA_A and journal[a].committed_at
    assert journal[b].status == "void" and journal[b].reason.startswith("run 7") and journal[b].voided_at
    assert journal[c].status == "reserved" and journal[c].reserved_at
    assert s.uncommitted() == [c]


def test_journal_of_unused_series_is_empty(tmp_path):
    assert _series(tmp_path).journal() == []


def test_corrupt_state_is_never_reset(tmp_path):
    s = _series(tmp_path)
    s.reserve(year=2024)
    (tmp_path / "series.json").write_text("{ half written")
    with pytest.raises(SeriesError, match="not valid JSON"):
        s.reserve(year=2024)


def test_numbers_in_the_journal_are_skipped_even_if_the_counter_goes_back(tmp_path):
    s = _series(tmp_path)
    s.reserve_many(3, year=2024)
    path = tmp_path / "series.json"
    state = json.loads(path.read_text())
    state["next"]["2024"] = 2  # an administrator's mistake
    path.write_text(json.dumps(state))
    assert s.reserve(year=2024) == "LSS2024-00004"


def test_custom_store_behind_the_interface():
    class MemoryStore:
        def __init__(self):
            self.state: dict[str, Any] = {}
            self.writes = 0

        def read(self):
            return json.loads(json.dumps(self.state))

        def update(self, change):
            result = change(self.state)
            self.writes += 1
            return result

    store = MemoryStore()
    s = NumberSeries(None, "M", store=store)
    assert s.reserve_many(2, year=2030) == ["M2030-00001", "M2030-00002"]
    assert store.writes == 1
    with pytest.raises(SeriesError, match="either a path or a store"):
        NumberSeries(None, "M")


# --- real processes ------------------------------------------------------------------------

def _child(code: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw,
    )


def _finish(child: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """communicate(), and what the child printed goes to the suite's personal-data scan."""
    out, err = child.communicate(timeout=timeout)
    record_output(out, "stdout of a child process")
    record_output(err, "stderr of a child process")
    return out, err


RESERVER = """
    import pathlib, sys, time
    from invoices.series import NumberSeries
    path, flag, n = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
    s = NumberSeries(path, "LSS")
    print("ready", flush=True)
    while not flag.exists():
        time.sleep(0.001)
    for _ in range(n):
        print(s.reserve(year=2024), flush=True)
"""


def test_two_processes_reserve_400_distinct_numbers(tmp_path):
    path, flag = tmp_path / "series.json", tmp_path / "go"
    kids = [_child(RESERVER, str(path), str(flag), "200") for _ in range(2)]
    for k in kids:
        assert k.stdout.readline().strip() == "ready"
    flag.touch()  # both start together
    outputs = []
    for k in kids:
        out, err = _finish(k, 120)
        assert k.returncode == 0, err
        outputs.append(out.split())
    assert [len(o) for o in outputs] == [200, 200]
    every = outputs[0] + outputs[1]
    assert len(set(every)) == 400
    assert all(NUMBER.match(n) for n in every)
    # each process saw its own numbers increase; together they are exactly 1..400
    for o in outputs:
        assert o == sorted(o)
    assert sorted(every) == [f"LSS2024-{i:05d}" for i in range(1, 401)]
    journal = NumberSeries(path, "LSS").journal()
    assert len(journal) == 400 and {e.status for e in journal} == {"reserved"}


KILLED_LOOP = """
    import os, signal, sys
    import invoices.series as S
    path, out, stage, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    reached = []

    def kill_at_nth(st):
        if st == stage:
            reached.append(st)
            if len(reached) == nth:
                os.kill(os.getpid(), signal.SIGKILL)

    S._fault_hook = kill_at_nth
    s = S.NumberSeries(path, "LSS")
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    while True:
        nums = s.reserve_many(7, year=2024)
        # only numbers reserve_many returned are "handed out"; record them durably
        os.write(fd, ("".join(n + "\\n" for n in nums)).encode())
        os.fsync(fd)
"""


def _handed_out(out: Path) -> list[str]:
    # a kill mid-write can leave a torn last line; it was never completely handed on
    return [ln for ln in out.read_text().splitlines() if NUMBER.match(ln)]


# Where each worker dies: at its nth state write, before the new state takes the file's name
# or just after (durable, not yet returned). Chosen, not timed: every run kills the same way.
# The first dies once its state is in place, so there is a state file to check after each kill.
KILLS = [(stage, nth) for nth in (1, 2, 3, 5, 8, 13) for stage in ("after_replace", "after_temp_write")]


def test_sigkill_during_reserve_many_never_duplicates(tmp_path):
    path, out = tmp_path / "series.json", tmp_path / "handed_out.txt"
    killed = 0
    for stage, nth in KILLS:
        k = _child(KILLED_LOOP, str(path), str(out), stage, str(nth))
        _finish(k, 30)
        killed += k.returncode == -signal.SIGKILL
        json.loads(path.read_text())  # the state file is whole after every kill
    assert killed == len(KILLS)

    handed = _handed_out(out)
    assert len(handed) > 0
    assert len(handed) == len(set(handed)), "a number was handed out twice"
    journal = [e.number for e in NumberSeries(path, "LSS").journal()]
    assert len(journal) == len(set(journal))
    assert set(handed) <= set(journal)  # everything handed out was recorded first
    # the journal is gap-free 1..N; numbers in it but not handed out are the burnt ones
    assert journal == [f"LSS2024-{i:05d}" for i in range(1, len(journal) + 1)]
    # Each worker handed out the batches before its nth write; a kill after the replace burnt one.
    assert len(handed) == sum(7 * (nth - 1) for _, nth in KILLS)
    assert len(journal) - len(handed) == 7 * sum(1 for stage, _ in KILLS if stage == "after_replace")
    nxt = NumberSeries(path, "LSS").reserve(year=2024)
    assert nxt == f"LSS2024-{len(journal) + 1:05d}" and nxt not in handed
    assert len(list(tmp_path.glob(".series.json.*.tmp"))) == 0  # stale temps cleaned under the lock


CRASH_AT = """
    import os, signal, sys
    import invoices.series as S
    path, stage = sys.argv[1], sys.argv[2]
    S._fault_hook = lambda st: os.kill(os.getpid(), signal.SIGKILL) if st == stage else None
    print(S.NumberSeries(path, "LSS").reserve_many(3, year=2024), flush=True)
"""


def test_crash_after_durable_write_burns_the_numbers(tmp_path):
    path = tmp_path / "series.json"
    s = NumberSeries(path, "LSS")
    assert s.reserve_many(2, year=2024)[-1] == "LSS2024-00002"
    k = _child(CRASH_AT, str(path), "after_replace")
    out, _ = _finish(k, 30)
    assert k.returncode == -signal.SIGKILL and out == ""  # nothing was returned
    assert s.reserve(year=2024) == "LSS2024-00006"  # 3..5 are burnt, never reused
    assert s.uncommitted() == [f"LSS2024-{i:05d}" for i in range(1, 7)]
    for i in (3, 4, 5):
        s.void(f"LSS2024-{i:05d}", "child killed after reserving")
    assert {e.number for e in s.journal() if e.status == "void"} == {"LSS2024-00003", "LSS2024-00004", "LSS2024-00005"}


def test_crash_before_the_state_is_replaced_hands_out_nothing(tmp_path):
    path = tmp_path / "series.json"
    s = NumberSeries(path, "LSS")
    s.reserve_many(2, year=2024)
    before = path.read_bytes()
    k = _child(CRASH_AT, str(path), "after_temp_write")
    out, _ = _finish(k, 30)
    assert k.returncode == -signal.SIGKILL and out == ""
    assert path.read_bytes() == before  # untouched
    assert len(list(tmp_path.glob(".series.json.*.tmp"))) == 1  # the dead writer's temp
    assert s.reserve(year=2024) == "LSS2024-00003"  # never handed out, so not burnt
    assert list(tmp_path.glob(".series.json.*.tmp")) == []


def test_lock_is_held_across_the_update(tmp_path):
    """A second process cannot reserve while the first holds the lock."""
    path = tmp_path / "series.json"
    holder = _child("""
        import sys, time
        from invoices.series import JsonFileStore
        store = JsonFileStore(sys.argv[1])
        def slow(state):
            print("locked", flush=True)
            time.sleep(1.0)
            state.setdefault("touched", 1)
        store.update(slow)
    """, str(path))
    assert holder.stdout.readline().strip() == "locked"
    t0 = time.monotonic()
    JsonFileStore(path).read()  # shared lock waits for the exclusive one
    assert time.monotonic() - t0 > 0.3
    _finish(holder, 30)
    assert json.loads(path.read_text())["touched"] == 1
    assert os.path.exists(str(path) + ".lock")
