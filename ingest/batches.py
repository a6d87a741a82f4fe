"""One way to cut a long sequence into batches: the ids of an ``IN (...)`` list (a database
caps the parameters of one statement), or rows streamed into DuckDB a batch at a time.

>>> [len(b) for b in batches(range(12), 5)]
[5, 5, 2]
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["IN_LIST", "batches"]

IN_LIST = 5000  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter caps
T = TypeVar("T")


def batches(items: Iterable[T], size: int = IN_LIST) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``, in order (any iterable; streamed)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
