"""Defaults of the command line: local folders and SQLite under one data folder.

``LSSINVOICE_DATA`` (default ``./lssinvoice-data``) holds the inbox, the archive, the outbox
and ``ingest.db``; ``LSSINVOICE_DB`` overrides the database URL (e.g. a PostgreSQL URL).
"""
from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("LSSINVOICE_DATA", "lssinvoice-data"))


def default_db() -> str:
    return os.environ.get("LSSINVOICE_DB") or f"sqlite:///{(data_dir() / 'ingest.db').resolve()}"


def default_inbox() -> str:
    return str(data_dir() / "inbox")


def default_archive() -> str:
    return str(data_dir() / "archive")


def default_outbox() -> str:
    return str(data_dir() / "outbox")


def default_municipality() -> str:
    return os.environ.get("LSSINVOICE_MUNICIPALITY", "tjorn")
