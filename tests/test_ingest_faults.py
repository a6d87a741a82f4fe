"""Faults while the inbox runs: SIGKILL at every named step, the S3 server stopped mid-run,
the database locked or gone, the archive's disk full. After recovery: nothing lost, nothing
stored or answered twice, and the run's summary says what it retried.

The kill points are chosen through the fault hook (``LSSINVOICE_FAULT``, ingest/faults.py),
not by sleeping a random time: each test knows which step the worker died in, and fails the
same way every time if that step is not crash-safe."""
from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest import tables as t
from ingest.service import IngestConfig
from ingest.store import Store

from .ingest_factory import (
    assert_responses_valid, drop, finish, folder_config, ingest_process, many, outcome_table, responses_by_source,
)
from .servers import start_postgres, start_s3

DELIVERIES = many(6)


def expected_outcomes() -> dict[str, tuple[str, str | None]]:
    return {d.name: (d.state, d.reason) for d in DELIVERIES}


def expected_responses() -> dict[str, list[tuple[str, str, str]]]:
    return {d.name: [tuple(d.response.split()) + ("sent",)] for d in DELIVERIES if d.response}


def _invoices(db: str) -> int:
    store = Store(db)
    with store.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(t.invoices)).scalar_one()
    store.dispose()
    return count


def assert_complete_and_once(config: IngestConfig, outbox: Path | None = None) -> None:
    """Every delivery final as a clean run leaves it; each stored once, answered once."""
    assert outcome_table(config.db) == expected_outcomes()
    assert responses_by_source(config.db) == expected_responses()
    assert _invoices(config.db) == sum(1 for d in DELIVERIES if d.state == "stored")
    if outbox is not None:
        names = sorted(os.listdir(outbox))
        assert not [n for n in names if n.startswith(".")]  # no half-written response
        assert len(names) == len(expected_responses())
        assert_responses_valid([(outbox / n).read_bytes() for n in names])


def _summary(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])["result"]  # the last run's JSON envelope


# ------------------------------------------------------------------ SIGKILL at every step

# (fault point, which arrival): each names a step where a crash must leave nothing half done.
KILL_POINTS = [
    ("store.migrated", 1),        # the schema created, not yet committed
    ("archive.write", 4),         # a group half archived (in an I/O thread)
    ("claim.committed", 1),       # documents claimed, none processed
    ("final.before-commit", 3),   # two documents final, the third's transaction not committed
    ("final.committed", 5),       # five final, their responses not yet written
    ("outbox.written", 1),        # responses in the outbox, not marked sent
    ("outbox.marked", 1),         # marked sent, inbox files not removed
    ("inbox.removed", 1),         # inbox files removed, not recorded
]


@pytest.mark.parametrize("point, nth", KILL_POINTS, ids=[f"{p}#{n}" for p, n in KILL_POINTS])
def test_sigkill_at_each_step_then_a_rerun_equals_a_clean_run(tmp_path, point, nth):
    drop(tmp_path / "inbox", DELIVERIES)
    config = folder_config(tmp_path)
    killed = ingest_process(config, {"LSSINVOICE_FAULT": f"{point}#{nth}"})
    finish(killed)
    assert killed.returncode == -9, f"the worker never reached {point}#{nth}"
    rerun = ingest_process(config)
    out, err = finish(rerun)
    # 1: this run quarantined the bad deliveries; 0: the killed run had already done that.
    assert rerun.returncode in (0, 1), err
    assert_complete_and_once(config, tmp_path / "outbox")
    assert list((tmp_path / "inbox").iterdir()) == []
    summary = _summary(out)
    if point in ("final.before-commit", "claim.committed"):
        assert summary["retried"], summary  # documents the dead worker had claimed, finished now
    if point in ("final.committed", "outbox.written"):
        assert summary["responses_resent"] > 0, summary


# ------------------------------------------------------------------ the S3 server stopped mid-run

def test_s3_server_stopped_mid_run_and_restarted(tmp_path):
    server = start_s3("rclone", folder=tmp_path / "s3")  # a folder backend: the buckets outlive a restart
    try:
        client = server.client()
        for bucket in ("drop", "archive", "outbox"):
            client.create_bucket(Bucket=bucket)
        for d in DELIVERIES:
            client.put_object(Bucket="drop", Key=f"in/{d.name}", Body=d.data)
        config = IngestConfig(source="s3://drop/in", db=f"sqlite:///{tmp_path / 'db.sqlite'}", municipality="tjorn",
                              archive="s3://archive/a", outbox="s3://outbox/r", s3_endpoint=server.endpoint,
                              region="us-east-1")
        env = {**server.env(), "LSSINVOICE_FAULT": "final.committed#3:pause", "LSSINVOICE_FAULT_DIR": str(tmp_path)}
        run = ingest_process(config, env)
        _wait_for_file(tmp_path / "final.committed.reached", run)
        server.stop()  # three documents final, their responses not yet written to the outbox
        (tmp_path / "final.committed.go").touch()
        out, err = finish(run)
        assert run.returncode == 2, err  # the run stopped and said why
        stopped = _summary(out)
        assert "cannot" in stopped["error"] and "s3://outbox/r" in stopped["error"]
        server.restart()
        rerun = ingest_process(config, server.env())
        out, err = finish(rerun)
        assert rerun.returncode in (0, 1), err
        summary = _summary(out)
        assert summary["error"] is None and summary["responses_resent"] > 0
        assert_complete_and_once(config)
        keys = [o["Key"] for o in client.list_objects_v2(Bucket="outbox").get("Contents", [])]
        assert len(keys) == len(expected_responses())
        assert client.list_objects_v2(Bucket="drop").get("KeyCount", 0) == 0
    finally:
        server.stop()


def _wait_for_file(path: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            out, err = finish(process)
            raise AssertionError(f"the run ended before the fault point: {err[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} did not appear")
        time.sleep(0.05)


# ------------------------------------------------------------------ the database locked, or gone

def test_a_store_locked_by_another_process_is_waited_for(tmp_path):
    drop(tmp_path / "inbox", DELIVERIES)
    config = folder_config(tmp_path)
    Store(config.db).migrate()
    holder = sqlite3.connect(tmp_path / "ingest.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # e.g. a backup or a report holding the write lock
    release = threading.Timer(3.0, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        run = ingest_process(config)
        out, err = finish(run)
    finally:
        release.join()
        holder.close()
    assert run.returncode == 1, (out, err)
    assert _summary(out)["error"] is None
    assert_complete_and_once(config, tmp_path / "outbox")


def test_postgres_gone_mid_run_stops_the_run_and_the_next_run_finishes(tmp_path):
    pg = start_postgres()  # a server of its own: this test stops it
    try:
        drop(tmp_path / "inbox", DELIVERIES)
        config = folder_config(tmp_path, db=pg.url)
        env = {"LSSINVOICE_FAULT": "final.committed#3:pause", "LSSINVOICE_FAULT_DIR": str(tmp_path)}
        run = ingest_process(config, env)
        _wait_for_file(tmp_path / "final.committed.reached", run)
        pg.halt()
        (tmp_path / "final.committed.go").touch()
        out, err = finish(run)
        assert run.returncode == 2, err
        assert "OperationalError" in _summary(out)["error"]
        assert "Traceback" not in err
        pg.resume()
        rerun = ingest_process(config)
        out, err = finish(rerun)
        assert rerun.returncode == 1, err
        summary = _summary(out)
        assert summary["error"] is None and summary["retried"]
        assert_complete_and_once(config, tmp_path / "outbox")
    finally:
        pg.stop()


# ------------------------------------------------------------------ the archive's disk full

@pytest.fixture
def small_disk(tmp_path):
    """A 160 KiB tmpfs for the archive where this machine lets root mount one; else None."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160k,mode=0700", "tmpfs", str(mount)],
                          capture_output=True)
    yield mount if made.returncode == 0 and not os.environ.get("LSS_TEST_NO_MOUNT") else None
    if made.returncode == 0:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_archive_disk_full_stops_the_run_and_nothing_is_lost(tmp_path, small_disk):
    drop(tmp_path / "inbox", DELIVERIES)
    if small_disk is not None:
        filler = small_disk / "filler"
        filler.write_bytes(b"\0" * 100 * 1024)  # about 60 KiB left: a few invoices fit, then ENOSPC
        config = dataclasses.replace(folder_config(tmp_path), archive=str(small_disk / "archive"))
        env = {}
    else:  # no mount here: the same failure injected where the archive writes
        filler = None
        config = folder_config(tmp_path)
        env = {"LSSINVOICE_FAULT": "archive.write#3:enospc"}
    run = ingest_process(config, env)
    out, err = finish(run)
    assert run.returncode == 2, err
    stopped = _summary(out)
    assert "No space left on device" in stopped["error"]
    # Nothing lost: what was not archived is still in the inbox.
    archived_or_waiting = {p.name for p in (tmp_path / "inbox").iterdir()} | {
        name for name, (state, _) in outcome_table(config.db).items() if state in ("stored", "quarantined")}
    assert archived_or_waiting == {d.name for d in DELIVERIES}
    if filler is not None:
        filler.unlink()
    rerun = ingest_process(config)
    out, err = finish(rerun)
    assert rerun.returncode == 1, err
    assert _summary(out)["error"] is None
    assert_complete_and_once(config, tmp_path / "outbox")
