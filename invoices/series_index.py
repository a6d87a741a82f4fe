"""One number series per provider and prefix: a second series file is detected and refused.

A provider's invoice numbers are unique only within one series file
(:mod:`invoices.series`). An administrator who points ``--series`` at a new file (another
folder, a copy, a fresh checkout) would start the same numbers again: ``PA-2026-00001`` twice,
which the municipality's finance system refuses ("Ett unikt nummer per faktura", seed 003)
or, worse, pays against the wrong invoice. So every series file in use is recorded in an
index in the user's data folder (:func:`index_path`; ``$LSSINVOICE_SERIES_INDEX``): provider
organisation number and prefix → the file. Using another file for the same provider and
prefix (the numbers would overlap) is refused while the recorded file exists, naming it; a
recorded file that no longer exists (moved, say) is replaced by the one in use. Another
prefix is another series (its numbers cannot overlap) and is allowed.

The index is written atomically under the same kind of lock the series takes.
"""
from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from fsio import write_atomic

__all__ = ["ENV_VAR", "SeriesConflict", "claim_series", "index_path"]

ENV_VAR = "LSSINVOICE_SERIES_INDEX"


class SeriesConflict(RuntimeError):
    """Another series file is in use for the same provider and prefix."""


def index_path() -> Path:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    from platformdirs import user_data_dir

    return Path(user_data_dir("lssinvoice")) / "series-index.json"


def claim_series(org_nr: str, prefix: str, series: Path, index: Path | None = None) -> None:
    """Record ``series`` as the number series of ``org_nr`` with ``prefix``, or
    :class:`SeriesConflict` when another existing file already is (module notes)."""
    index = index or index_path()
    index.parent.mkdir(parents=True, exist_ok=True)
    key = f"{org_nr}|{prefix}"
    mine = str(series.resolve())
    with open(index.with_name(index.name + ".lock"), "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            known = json.loads(index.read_text(encoding="utf-8")) if index.exists() else {}
        except (OSError, ValueError):
            raise SeriesConflict(f"the series index {index} cannot be read; check it (or remove it to start "
                                 "afresh)") from None
        other = known.get(key)
        if other and other != mine and Path(other).exists():
            raise SeriesConflict(
                f"provider {org_nr} already numbers its invoices with prefix {prefix!r} in {other}; a second "
                f"series file ({mine}) would hand out the same numbers again: use --series {other}")
        if other != mine:
            known[key] = mine
            write_atomic(index, json.dumps(known, indent=1, sort_keys=True) + "\n")
