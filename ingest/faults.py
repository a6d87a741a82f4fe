"""Named fault points, so tests can kill or fail the pipeline at a chosen step.

A crash test that kills a worker after a random sleep proves little about any one step and
cannot be repeated; a named point can (the failpoint idea of etcd's gofail and FreeBSD's
fail(9)). The pipeline calls :func:`point` at the steps where a crash matters: schema
creation, the claim, the final transaction, the outbox write, the inbox clean-up. Nothing
happens unless the environment variable ``LSSINVOICE_FAULT`` names that point:

* ``LSSINVOICE_FAULT=outbox.written`` — SIGKILL this process the first time the point is
  reached (no clean-up, no ``finally``: what a power cut or the OOM killer does);
* ``LSSINVOICE_FAULT=outbox.written#3`` — the third time;
* ``LSSINVOICE_FAULT=archive.write:enospc`` — raise ``OSError(ENOSPC)`` there instead (a
  full disk, for machines where a test cannot mount a small file system);
* ``LSSINVOICE_FAULT=final.committed#5:pause`` — stop there until the test says go: the
  process creates ``<name>.reached`` in the folder ``LSSINVOICE_FAULT_DIR`` and waits until
  ``<name>.go`` exists (so a test can stop a server at a known step of a run).

Several may be given, separated by commas. The variable is read once per process.
"""
from __future__ import annotations

import errno
import os
import signal
from functools import cache

ENV = "LSSINVOICE_FAULT"
DIR_ENV = "LSSINVOICE_FAULT_DIR"

# Every point the code calls, so a test naming an unknown one fails loudly.
POINTS = (
    "store.migrated",       # schema created or upgraded, before its transaction commits
    "claim.committed",      # a group of documents claimed
    "final.before-commit",  # the final transaction written, not yet committed
    "final.committed",      # a document's final state committed
    "outbox.written",       # a response written to the outbox, not yet marked sent
    "outbox.marked",        # responses marked sent
    "inbox.removed",        # inbox files removed, not yet recorded
    "archive.write",        # before an archive write
)

_counts: dict[str, int] = {}


@cache
def _plan() -> dict[str, tuple[int, str]]:
    plan = {}
    for item in filter(None, (part.strip() for part in os.environ.get(ENV, "").split(","))):
        name, _, action = item.partition(":")
        name, _, nth = name.partition("#")
        if name not in POINTS:
            raise ValueError(f"{ENV}: unknown fault point {name!r} (known: {', '.join(POINTS)})")
        plan[name] = (int(nth) if nth else 1, action or "kill")
    return plan


def point(name: str) -> None:
    """Reached the named step: kill or fail here if ``LSSINVOICE_FAULT`` says so."""
    plan = _plan()
    if name not in plan:
        return
    _counts[name] = _counts.get(name, 0) + 1
    nth, action = plan[name]
    if _counts[name] != nth:
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if action == "pause":
        _pause(name)
        return
    raise ValueError(f"{ENV}: unknown action {action!r} at {name} (kill, enospc or pause)")


def _pause(name: str) -> None:
    import time
    from pathlib import Path

    folder = Path(os.environ.get(DIR_ENV) or ".")
    (folder / f"{name}.reached").write_text(str(os.getpid()))
    while not (folder / f"{name}.go").exists():
        time.sleep(0.05)
