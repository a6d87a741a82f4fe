"""Invoice numbers: a persisted series that never hands out the same number twice.

Why persistence lives in the domain package
-------------------------------------------
``invoices/`` otherwise does no I/O beyond reading its inputs. The invoice number is the
exception: "Ett unikt nummer per faktura måste finnas för att fakturan ska godkännas av vårt
ekonomisystem" (seed 003, Tjörn), and uniqueness across runs, crashes and concurrent
processes cannot be a pure function of the inputs. The rule is therefore kept here, next to
the invoices it numbers, and the storage is kept behind a two-method interface
(:class:`SeriesStore`) with one implementation, :class:`JsonFileStore`, a small JSON file
*the caller points at*. The domain never chooses a location and opens nothing else.

Guarantees
----------
* ``reserve()`` records the number durably **before** returning it: the new state is
  written to a temporary file in the same folder, ``fsync``-ed, moved over the state file
  with ``os.replace`` (atomic on POSIX) and the folder is ``fsync``-ed
  (:func:`fsio.write_atomic`). A crash after that
  point burns the number (a gap, visible in the journal); a crash before it leaves the
  state as it was and the number was never handed out. Never a duplicate.
* Reservations are serialised with an OS lock (``fcntl.flock``, exclusive) on a sibling
  lock file ``<state>.lock``. The lock is released by the kernel when a process dies, so a
  killed process cannot wedge the series. The lock file is never deleted (deleting it
  would let two processes lock two different inodes).
* Every number handed out is kept in the journal with its status: ``reserved`` (handed
  out, no invoice recorded yet: after a crash, a burnt number), ``committed`` (the invoice
  document's SHA-256 recorded) or ``void`` (burnt on purpose, with a reason). An
  administrator reads :meth:`NumberSeries.journal` / :meth:`NumberSeries.uncommitted`.
* A candidate number that is already in the journal is skipped, whatever the counters say.

Number format
-------------
``pattern`` is a ``str.format`` pattern over ``prefix``, ``year`` and ``seq``; the default
is ``{prefix}{year}-{seq:05d}`` → ``AB2024-00001``. When the pattern contains ``{year}``
the sequence restarts at 1 each year (the year keeps numbers apart); without it there is
one sequence for ever. Prefix and pattern are stored in the state file on first use and a
later mismatch is an error (two providers must not share one file by mistake).

Linux/macOS only (``fcntl``), like the rest of the deployment.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TypeVar

from fsio import write_atomic
from invoices.model import STOCKHOLM

STATE_FORMAT = 1
DEFAULT_PATTERN = "{prefix}{year}-{seq:05d}"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ALL_YEARS = "all"

T = TypeVar("T")

# Test-only fault injection: called with "after_temp_write" (new state fsync-ed but not yet
# in place) and "after_replace" (state durable, number not yet returned). Tests set it in a
# child process to kill itself at an exact point. None in production.
_fault_hook: Callable[[str], None] | None = None


def _fault(stage: str) -> None:
    if _fault_hook:
        _fault_hook(stage)


class SeriesError(RuntimeError):
    """The series cannot do what was asked; the message says why and names the file."""


class SeriesStore(Protocol):
    """Where a series keeps its state: one JSON-able dict, read and updated atomically."""

    def read(self) -> dict[str, Any]:
        """A snapshot of the state ({} before first use)."""

    def update(self, change: Callable[[dict[str, Any]], T]) -> T:
        """Run ``change`` on the state under an exclusive lock and make the result durable
        before returning ``change``'s return value."""


class JsonFileStore:
    """A :class:`SeriesStore` in one JSON file, locked with ``fcntl.flock``."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def __repr__(self) -> str:
        return f"JsonFileStore({str(self.path)!r})"

    @contextlib.contextmanager
    def _locked(self, exclusive: bool) -> Iterator[None]:
        if not self.path.parent.is_dir():
            raise SeriesError(f"{self.path}: folder {self.path.parent} does not exist")
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            state = json.loads(raw)
        except ValueError as exc:
            # Never start over: that would hand out numbers again.
            raise SeriesError(f"{self.path}: state file is not valid JSON ({exc}); restore it from a backup") from None
        if not isinstance(state, dict):
            raise SeriesError(f"{self.path}: state file does not hold a JSON object")
        return state

    def _clean_stale_temps(self) -> None:
        # Only the holder of the exclusive lock writes temps, so any left are from dead writers.
        for p in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()

    def _write(self, state: dict[str, Any]) -> None:
        data = json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8")
        # Owner-only (the sick-pay ledger names people); the folder is fsync-ed before returning.
        write_atomic(self.path, data, before_rename=lambda: _fault("after_temp_write"))
        _fault("after_replace")

    def read(self) -> dict[str, Any]:
        with self._locked(exclusive=False):
            return self._load()

    def update(self, change: Callable[[dict[str, Any]], T]) -> T:
        with self._locked(exclusive=True):
            self._clean_stale_temps()
            state = self._load()
            result = change(state)
            self._write(state)
            return result


@dataclass(frozen=True)
class JournalEntry:
    number: str
    status: str  # "reserved" | "committed" | "void"
    reserved_at: str
    committed_at: str | None = None
    document_sha256: str | None = None
    voided_at: str | None = None
    reason: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_pattern(pattern: str) -> bool:
    """Validate the pattern; True when it contains ``{year}``."""
    fields = set()
    try:
        for _, name, _, _ in string.Formatter().parse(pattern):
            if name is not None:
                fields.add(name)
    except ValueError as exc:
        raise SeriesError(f"invalid number pattern {pattern!r} ({exc})") from None
    unknown = fields - {"prefix", "year", "seq"}
    if unknown:
        raise SeriesError(f"number pattern {pattern!r} uses unknown fields {sorted(unknown)} (allowed: prefix, year, seq)")
    if "seq" not in fields:
        raise SeriesError(f"number pattern {pattern!r} must contain {{seq}}")
    try:
        pattern.format(prefix="P", year=2024, seq=1)
    except (ValueError, KeyError, IndexError) as exc:
        raise SeriesError(f"invalid number pattern {pattern!r} ({exc})") from None
    return "year" in fields


class NumberSeries:
    """A provider's invoice-number series, persisted at ``path`` (or in ``store``)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        prefix: str,
        *,
        pattern: str = DEFAULT_PATTERN,
        store: SeriesStore | None = None,
    ):
        if (path is None) == (store is None):
            raise SeriesError("give either a path or a store")
        self.store: SeriesStore = store if store is not None else JsonFileStore(path)  # type: ignore[arg-type]
        self.prefix = prefix
        self.pattern = pattern
        self._per_year = _check_pattern(pattern)

    def __repr__(self) -> str:
        return f"NumberSeries({self.store!r}, prefix={self.prefix!r}, pattern={self.pattern!r})"

    # --- state ----------------------------------------------------------------------------

    def _init_or_check(self, state: dict[str, Any]) -> None:
        if not state:
            state.update(format=STATE_FORMAT, prefix=self.prefix, pattern=self.pattern, next={}, numbers={})
            return
        if state.get("format") != STATE_FORMAT:
            raise SeriesError(f"{self.store!r}: unsupported state format {state.get('format')!r}")
        if state.get("prefix") != self.prefix or state.get("pattern") != self.pattern:
            raise SeriesError(
                f"{self.store!r} holds the series prefix={state.get('prefix')!r} pattern={state.get('pattern')!r}, "
                f"not prefix={self.prefix!r} pattern={self.pattern!r}"
            )

    def _take(self, state: dict[str, Any], n: int, year: int) -> list[str]:
        self._init_or_check(state)
        key = str(year) if self._per_year else _ALL_YEARS
        seq = int(state["next"].get(key, 1))
        numbers: dict[str, Any] = state["numbers"]
        out: list[str] = []
        at = _now()
        while len(out) < n:
            candidate = self.pattern.format(prefix=self.prefix, year=year, seq=seq)
            seq += 1
            if candidate in numbers:  # never reuse, whatever the counter says
                continue
            numbers[candidate] = {"status": "reserved", "reserved_at": at}
            out.append(candidate)
        state["next"][key] = seq
        return out

    # --- handing out ----------------------------------------------------------------------

    def reserve(self, *, year: int | None = None) -> str:
        """The next number, durably recorded before it is returned."""
        return self.reserve_many(1, year=year)[0]

    def reserve_many(self, n: int, *, year: int | None = None) -> list[str]:
        """``n`` consecutive free numbers in one durable step. ``year`` defaults to the
        current year in Europe/Stockholm (pass the invoice date's year)."""
        if n < 1:
            raise SeriesError(f"reserve_many needs n >= 1, got {n}")
        y = year if year is not None else datetime.now(STOCKHOLM).year
        return self.store.update(lambda state: self._take(state, n, y))

    # --- journal --------------------------------------------------------------------------

    def commit(self, number: str, document_sha256: str) -> None:
        """Record that ``number`` went to the document with this SHA-256 (hex).

        Committing the same number with the same hash again is a no-op; a different hash,
        or a void or unknown number, is an error.
        """
        sha = document_sha256.lower()
        if not _SHA256.match(sha):
            raise SeriesError(f"document_sha256 must be 64 hex digits, got {document_sha256!r}")

        def change(state: dict[str, Any]) -> None:
            entry = self._entry(state, number)
            if entry["status"] == "committed":
                if entry["document_sha256"] != sha:
                    raise SeriesError(
                        f"{number} is already committed to document {entry['document_sha256']}, not {sha}"
                    )
                return
            if entry["status"] == "void":
                raise SeriesError(f"{number} was voided ({entry.get('reason')}); reserve a new number")
            entry.update(status="committed", committed_at=_now(), document_sha256=sha)

        self.store.update(change)

    def void(self, number: str, reason: str) -> None:
        """Burn a reserved number on purpose (e.g. after a crash), with a reason.

        A committed number is not voided here: the invoice exists, so it is cancelled with a
        credit note instead.
        """
        if not reason or not reason.strip():
            raise SeriesError("voiding a number needs a reason")

        def change(state: dict[str, Any]) -> None:
            entry = self._entry(state, number)
            if entry["status"] == "committed":
                raise SeriesError(f"{number} is committed to an invoice; cancel it with a credit note, not void")
            if entry["status"] == "void":
                return
            entry.update(status="void", voided_at=_now(), reason=reason.strip())

        self.store.update(change)

    def _entry(self, state: dict[str, Any], number: str) -> dict[str, Any]:
        self._init_or_check(state)
        try:
            return state["numbers"][number]
        except KeyError:
            raise SeriesError(f"{number} was never handed out by {self.store!r}") from None

    def journal(self) -> list[JournalEntry]:
        """Every number ever handed out, in the order handed out."""
        state = self.store.read()
        if not state:
            return []
        self._init_or_check(state)
        # JSON objects keep insertion order (json.loads/dumps), which is the order handed out.
        return [JournalEntry(number=k, **v) for k, v in state["numbers"].items()]

    def uncommitted(self) -> list[str]:
        """Numbers handed out with no invoice recorded and not voided: in flight, or burnt
        by a crash. An administrator voids the burnt ones with a reason."""
        return [e.number for e in self.journal() if e.status == "reserved"]


__all__ = [
    "DEFAULT_PATTERN", "JournalEntry", "JsonFileStore", "NumberSeries", "SeriesError", "SeriesStore",
]
