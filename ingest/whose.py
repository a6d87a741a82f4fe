"""Whose store this is: the municipality a command works for when it is not named.

A store belongs to one municipality (the one whose access point delivers into it). When
``--municipality`` (or ``LSSINVOICE_MUNICIPALITY``) is not given, the store says: the one
whose registers it holds, or whose check runs it keeps. None, or more than one, is a usage
error naming what was found.
"""
from __future__ import annotations

from sqlalchemy import select, union

from . import tables as t

__all__ = ["municipality_of_store"]


def municipality_of_store(engine) -> str:
    """The one municipality (registry slug) the store's registers and check runs name."""
    with engine.connect() as conn:
        found = sorted(conn.execute(union(select(t.register_imports.c.municipality),
                                          select(t.check_runs.c.municipality))).scalars())
    if len(found) == 1:
        return found[0]
    if not found:
        raise LookupError("the store names no municipality yet (no registers imported, no check run): "
                          "give --municipality")
    raise LookupError(f"the store holds several municipalities ({', '.join(found)}): give --municipality")
