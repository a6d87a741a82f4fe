"""Who owns a claimed document, whether that owner still lives, and keeping claims alive.

A claim names its owner and carries a lease. Another worker may take a claim over when its
lease has run out, or at once when the owner is provably dead. "Provably" must survive a
restarted container: the new process often gets the dead worker's PID (a container's first
processes are numbered alike every time), so a PID alone would make a dead owner look alive
until its lease expired. An owner is therefore named by

    host : pid : start time of that pid (clock ticks since boot) : boot id : random

and it is dead when, on the same host, the kernel booted since (another boot id), the PID
runs no process, or the process with that PID started at another time (``/proc/PID/stat``
field 22). Owners written by earlier versions (``host:pid:random``) are judged by the PID.

The lease is renewed while a document is in progress (:class:`LeaseKeeper`), so a slow
document is not taken over by another worker while its owner still works on it.
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import and_, update
from sqlalchemy.engine import Engine

from . import tables as t

CLAIMED, ARCHIVED = "claimed", "archived"


@cache
def boot_id() -> str:
    """The kernel's boot id (8 hex digits of it), or "" where /proc does not tell."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as fh:
            return fh.read().strip().replace("-", "")[:8]
    except OSError:
        return ""


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), None if no such process.

    Where /proc is missing (not Linux), "" for a live process: the PID check alone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except FileNotFoundError:
        return None
    except OSError:
        return _alive_without_proc(pid)
    # The command name (field 2) is in parentheses and may contain spaces or ")".
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[19]  # field 22 of stat(5); fields here start at field 3


def _alive_without_proc(pid: int) -> str | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return ""
    return ""


def owner_id() -> str:
    """A name for this process that no other process, now or after a restart, has."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_start(pid) or ''}:{boot_id()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str | None) -> bool:
    """True when the owner is a process of this host that no longer runs.

    A claim of another host is never judged dead here: its lease decides."""
    if not owner:
        return True
    parts = owner.split(":")
    if parts[0] != socket.gethostname() or len(parts) < 2 or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if len(parts) >= 5:
        started, booted = parts[2], parts[3]
        if booted and boot_id() and booted != boot_id():
            return True  # the machine restarted: every process of that boot is gone
        now = process_start(pid)
        return now is None or (bool(started) and bool(now) and now != started)
    return _alive_without_proc(pid) is None  # an owner named by an earlier version


def lease_expired(lease_until: datetime | None, now: datetime) -> bool:
    if lease_until is None:
        return False
    if lease_until.tzinfo is None:
        lease_until = lease_until.replace(tzinfo=UTC)
    return lease_until < now


class LeaseKeeper:
    """Renews the leases of this owner's documents in progress, every third of a lease.

    A thread of its own does it. SaxonC holds the GIL while it validates, so the renewal
    waits for the end of a validation step; the work per document is bounded (the line cap)
    far below a lease, so that wait never lets a lease run out.
    """

    def __init__(self, engine: Engine, owner: str, lease: timedelta):
        self.engine, self.owner, self.lease = engine, owner, lease
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, doc_ids: Iterable[int]) -> None:
        with self._lock:
            self._held.update(doc_ids)
            if self._thread is None and self._held:
                self._thread = threading.Thread(target=self._run, name="lss-lease", daemon=True)
                self._thread.start()

    def release(self, doc_id: int) -> None:
        with self._lock:
            self._held.discard(doc_id)

    def held(self) -> set[int]:
        with self._lock:
            return set(self._held)

    def renew(self) -> int:
        """Extend every held lease now; the number of documents renewed."""
        held = self.held()
        if not held:
            return 0
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            return conn.execute(update(t.documents).where(and_(
                t.documents.c.id.in_(sorted(held)), t.documents.c.owner == self.owner,
                t.documents.c.state.in_((CLAIMED, ARCHIVED)))).values(lease_until=now + self.lease)).rowcount

    def _run(self) -> None:
        interval = max(0.2, self.lease.total_seconds() / 3)
        while not self._stop.wait(interval):
            try:
                self.renew()
            except Exception:  # a store hiccup: the next round tries again, the lease still runs
                continue

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
