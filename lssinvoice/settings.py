"""Settings of the command line: every environment variable, what it does and who reads it.

``LSSINVOICE_DATA`` (default ``./lssinvoice-data``) holds the inbox, the archive, the outbox
and ``ingest.db`` of ``lssinvoice ingest``; ``LSSINVOICE_DB`` overrides the database URL (e.g. a
PostgreSQL URL). Nothing acts on someone else's behalf by default: the receiving municipality of
``ingest`` is given with ``--municipality`` or ``LSSINVOICE_MUNICIPALITY``, never assumed.

:data:`ENVIRONMENT` lists every variable the program reads (a test checks it against the
source, each command's ``--help`` and the README's Settings table); :func:`epilog` is the
"Environment" section of a command's help.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MUNICIPALITY_VAR = "LSSINVOICE_MUNICIPALITY"
CASE_POLICY_VAR = "LSSINVOICE_CASE_POLICY"

_INGEST = ("ingest run", "ingest retry", "ingest status", "ingest show", "ingest list", "ingest attachment", "check")
_INGEST_WORK = ("ingest run", "ingest retry")
_CASE = ("case decide", "case show", "case history", "case policy")
_FINANCE = ("reconcile", "payments import", "recovery list", "recovery settle")
_VALIDATING = ("validate", "conformance", "demo", "invoice create", "invoice credit", *_INGEST_WORK)


@dataclass(frozen=True)
class Variable:
    name: str
    meaning: str
    default: str
    commands: tuple[str, ...]  # the commands it changes, as `lssinvoice <command>`


ENVIRONMENT = (
    Variable("LSSINVOICE_DATA", "folder of the ingest defaults: inbox/, archive/, outbox/, ingest.db",
             "./lssinvoice-data", (*_INGEST, *_CASE, *_FINANCE)),
    Variable("LSSINVOICE_DB", "database URL of the ingest store (sqlite:///path or postgresql://...)",
             "sqlite under $LSSINVOICE_DATA", (*_INGEST, *_CASE, *_FINANCE)),
    Variable(MUNICIPALITY_VAR, "the receiving municipality (slug, name or org nr), instead of --municipality",
             "none: required", (*_INGEST_WORK, "check", *_FINANCE)),
    Variable("LSSINVOICE_MUNICIPALITIES", "further registry folders (separated by ':'), before --registry",
             "none", ("invoice create", "redovisning", "demo", *_INGEST_WORK, "check")),
    Variable("LSSINVOICE_AGREEMENTS", "further agreement-profile folders (separated by ':'), before --agreements",
             "none", ("check",)),
    Variable(CASE_POLICY_VAR, "the automatic answer after a check run (findings=manual|query,"
             "warnings=findings|clean), instead of --policy", "findings=manual,warnings=findings", ("check", "case policy")),
    Variable("LSSINVOICE_RATES", "the file of rates entered with `rates set`", "rates.toml in the user's "
             "configuration folder", ("rates show", "rates set", "invoice create", "redovisning", "check")),
    Variable("LSSINVOICE_SERIES_INDEX", "the index of the number series in use (one per provider and prefix)",
             "series-index.json in the user's data folder", ("invoice create", "invoice credit")),
    Variable("LSSINVOICE_ARTEFACTS", "where the verified official artefacts are installed",
             "<user cache>/lssinvoice/artefacts", ("schemas install", "schemas status", *_VALIDATING)),
    Variable("LSSINVOICE_MIRROR", "an offline mirror to install the artefacts from",
             "../shared/artefacts beside the checkout", ("schemas install", "schemas status")),
    Variable("LSSINVOICE_CACHE", "compiled XSLT cache", "<user cache>/lssinvoice", _VALIDATING),
    Variable("LSSINVOICE_MAX_XML_BYTES", "size cap for any XML read", "104857600", _VALIDATING),
    Variable("LSSINVOICE_ENGINE", "the Saxon that runs the rules: saxonc, jvm (Saxon-HE for Java through JPype) "
             "or auto (jvm when java and the jar are there), instead of --engine", "saxonc", _VALIDATING),
    Variable("LSSINVOICE_SAXON_JAR", "the Saxon-HE jar of the jvm engine", "/usr/share/java/Saxon-HE.jar "
             "(Debian's libsaxonhe-java)", _VALIDATING),
    Variable("LSSINVOICE_FAULT", "for tests only: kill, fail or pause the ingest at a named step "
             "(ingest/faults.py)", "unset", _INGEST_WORK),
    Variable("LSSINVOICE_FAULT_DIR", "for tests only: where a paused fault point signals", "unset", _INGEST_WORK),
)


def epilog(command: str) -> str:
    """The "Environment" section of ``command``'s help: the variables that change it."""
    lines = [f"  {v.name}: {v.meaning} [default: {v.default}]" for v in ENVIRONMENT if command in v.commands]
    return "\b\nEnvironment:\n" + "\n".join(lines) if lines else ""


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
