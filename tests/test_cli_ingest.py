"""`lssinvoice ingest` as a command line: reading commands that change nothing, no municipality
assumed, a missing source refused, `ingest list`, `ingest show` by invoice number, and a retry
from another working folder."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from ingest import tables as t
from ingest.service import run_once
from ingest.store import Store
from lssinvoice.cli import main

from .envelope import error_of, result_of
from .ingest_factory import batch, drop, folder_config, inbox_with, invoice_xml, outcome_table, upgrade_to, wrapped

READERS = [["status"], ["list"], ["show", "1"], ["attachment", "1", "tidrapport.csv"]]


def invoke(*args, env=None):
    return CliRunner().invoke(main, ["ingest", *args], env=env)


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# ------------------------------------------------------------------ reading changes nothing

@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_a_reading_command_on_a_missing_store_is_exit_2_and_creates_nothing(tmp_path, args):
    data = tmp_path / "data"
    result = invoke(*args, env={"LSSINVOICE_DATA": str(data), "LSSINVOICE_DB": None})
    assert result.exit_code == 2
    assert result.stderr == (f"Error: no store at {data / 'ingest.db'}: the database file does not exist "
                             "(check --db or LSSINVOICE_DB / LSSINVOICE_DATA; `ingest run` creates it)\n")
    elsewhere = tmp_path / "no" / "such" / "store.db"
    as_json = invoke(*args, "--db", f"sqlite:///{elsewhere}", *(["--format", "json"] if args[0] != "attachment" else []))
    assert as_json.exit_code == 2 and str(elsewhere) in as_json.output
    assert _files(tmp_path) == []


def test_reading_commands_never_migrate_an_older_store(tmp_path):
    path = tmp_path / "old.db"
    store = Store(f"sqlite:///{path}")
    upgrade_to(store, "0004")
    store.dispose()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    for args in READERS:
        result = invoke(*args, "--db", f"sqlite:///{path}")
        assert result.exit_code == 2, args
        assert f"the store sqlite:///{path} is at schema revision 0004" in result.stderr
        assert "`lssinvoice ingest run` upgrades it" in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    with Store(f"sqlite:///{path}").engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == "0004"


def test_a_file_that_is_not_a_store_is_named(tmp_path):
    path = tmp_path / "notes.db"
    import sqlite3

    sqlite3.connect(path).close()
    result = invoke("status", "--db", str(path))
    assert result.exit_code == 2
    assert result.stderr == f"Error: sqlite:///{path} is not an lssinvoice store (it has no schema version)\n"


def test_schemas_status_on_a_missing_cache_is_exit_2_and_creates_nothing(tmp_path):
    cache = tmp_path / "cache"
    result = CliRunner().invoke(main, ["schemas", "status", "--format", "json"], env={"LSSINVOICE_ARTEFACTS": str(cache)})
    assert result.exit_code == 2
    message, _ = error_of(result.stdout, "schemas status")
    assert message == (f"the artefact cache {cache} does not exist (set by LSSINVOICE_ARTEFACTS): "
                       "run `lssinvoice schemas install`")
    assert not cache.exists()


# ------------------------------------------------------------------ no hidden defaults

@pytest.mark.parametrize("command", [["run"], ["retry", "--quarantined"]], ids=["run", "retry"])
def test_the_municipality_is_never_assumed(tmp_path, command):
    inbox_with(tmp_path, {"a.xml": wrapped(invoice_xml("INV-1"))})
    env = {"LSSINVOICE_DATA": str(tmp_path), "LSSINVOICE_MUNICIPALITY": None}
    result = invoke(*command, "--format", "json", env=env)
    assert result.exit_code == 2
    message, _ = error_of(result.stdout, f"ingest {command[0]}")
    assert message == ("no municipality: pass --municipality (a registry slug, name or org nr) or set "
                       "LSSINVOICE_MUNICIPALITY")
    assert _files(tmp_path) == ["inbox", "inbox/a.xml"]  # no store, no archive, nothing ingested
    if command == ["run"]:
        named = invoke("run", "--format", "json", env={**env, "LSSINVOICE_MUNICIPALITY": "tjorn"})
        assert named.exit_code == 0, named.output
        assert result_of(named.stdout, "ingest run")["stored"] == 1


def test_ingest_takes_a_registry_folder(tmp_path):
    """Our own tjorn.toml, with the reference code the invoice carries, replaces the packaged one."""
    from invoices.registry import packaged_dir

    ours = tmp_path / "registry"
    ours.mkdir()
    text = (packaged_dir() / "tjorn.toml").read_text(encoding="utf-8")
    (ours / "tjorn.toml").write_text(text.replace('reference_code = { value = "TK2044"',
                                                  'reference_code = { value = "NOT-OURS"'), encoding="utf-8")
    [delivery] = [d for d in batch(good=0) if d.name == "failed-rules.xml"]
    drop(tmp_path / "inbox", [delivery])
    env = {"LSSINVOICE_DATA": str(tmp_path), "LSSINVOICE_MUNICIPALITIES": None}
    missing = invoke("run", "--municipality", "tjorn", "--registry", str(tmp_path / "nowhere"), env=env)
    assert missing.exit_code == 2
    assert f"municipality folder {tmp_path / 'nowhere'} does not exist" in missing.stderr
    result = invoke("run", "--municipality", "tjorn", "--registry", str(ours), env=env)
    assert result.exit_code == 0, result.output
    assert outcome_table(f"sqlite:///{tmp_path / 'ingest.db'}") == {"failed-rules.xml": ("stored", None)}


def test_a_source_folder_that_does_not_exist_is_exit_2_not_an_empty_inbox(tmp_path):
    result = invoke("run", "--municipality", "tjorn", "--source", str(tmp_path / "inbx"), "--format", "json",
                    env={"LSSINVOICE_DATA": str(tmp_path / "data")})
    assert result.exit_code == 2
    assert error_of(result.stdout, "ingest run") == (
        f"the source folder {tmp_path / 'inbx'} does not exist (--source)", None)
    assert _files(tmp_path) == []


# ------------------------------------------------------------------ ingest list, ingest show

@pytest.fixture()
def ingested(tmp_path):
    """good-000 (INV-00000), bare-invoice, the bad ones of tests.ingest_factory.batch, received
    one minute apart from 2026-12-01 08:00 UTC."""
    drop(tmp_path / "inbox", [d for d in batch(good=1) if d.name in (
        "good-000.xml", "bare-invoice.xml", "not-xml.xml", "failed-rules.xml", "zz-resubmitted.xml")])
    config = folder_config(tmp_path)
    run_once(config)
    store = Store(config.db)
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with store.engine.begin() as conn:
        for (doc_id,) in conn.execute(select(t.documents.c.id)).all():
            conn.execute(update(t.documents).where(t.documents.c.id == doc_id)
                         .values(received_at=start + timedelta(minutes=doc_id)))
    store.dispose()
    return config


def test_list_shows_one_line_per_document(ingested):
    result = invoke("list", "--db", ingested.db)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "id  received              state        reason        seller org nr  invoice number",
        "1   2026-12-01T08:01:00Z  stored       -             5599000006     BARE-1",
        "2   2026-12-01T08:02:00Z  quarantined  failed-rules  -              -",
        "3   2026-12-01T08:03:00Z  stored       -             5599000006     INV-00000",
        "4   2026-12-01T08:04:00Z  quarantined  not-xml       -              -",
        "5   2026-12-01T08:05:00Z  quarantined  duplicate     -              -",
    ]


def test_list_filters(ingested):
    def ids(*args):
        result = invoke("list", "--db", ingested.db, "--format", "json", *args)
        assert result.exit_code == 0, result.output
        return [d["id"] for d in result_of(result.stdout, "ingest list")["documents"]]

    assert ids("--state", "quarantined") == [2, 4, 5]
    assert ids("--state", "quarantined", "--reason", "not-xml") == [4]
    assert ids("--seller", "559900-0006") == ids("--seller", "5599000006") == [1, 3]
    assert ids("--seller", "212000-1306") == []
    assert ids("--number", "INV-00000") == ids("--number", " INV\u200b-00000 ") == [3]
    assert invoke("list", "--db", ingested.db, "--state", "claimed").stdout == "no documents\n"


def test_list_as_json(ingested):
    result = invoke("list", "--db", ingested.db, "--number", "BARE-1", "--format", "json")
    assert json.loads(result.stdout) == {"ok": True, "command": "ingest list", "exit_code": 0, "result": {
        "documents": [{"id": 1, "received": "2026-12-01T08:01:00Z", "state": "stored", "reason": None,
                       "seller": "5599000006", "invoice_number": "BARE-1"}]}}


def test_show_by_invoice_number_or_id(ingested):
    by_number = invoke("show", "INV-00000", "--db", ingested.db)
    assert by_number.exit_code == 0, by_number.output
    assert by_number.stdout.splitlines()[0] == "document #3 good-000.xml — stored"
    assert invoke("show", "3", "--db", ingested.db).stdout == by_number.stdout
    as_json = invoke("show", "INV-00000", "--db", ingested.db, "--format", "json")
    assert result_of(as_json.stdout, "ingest show")["invoice"]["invoice_number"] == "INV-00000"
    missing = invoke("show", "INV-404", "--db", ingested.db)
    assert (missing.exit_code, missing.stderr) == (2, "Error: no document with the id or invoice number 'INV-404'\n")


def test_show_of_a_reference_naming_several_documents_lists_their_ids(tmp_path):
    """Document #2 is invoice number "1": `show 1` could mean either, so it names both."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config = folder_config(tmp_path)
    (inbox / "a.xml").write_bytes(wrapped(invoice_xml("INV-A")))
    run_once(config)
    (inbox / "b.xml").write_bytes(wrapped(invoice_xml("1")))
    run_once(config)
    assert outcome_table(config.db) == {"a.xml": ("stored", None), "b.xml": ("stored", None)}
    both = invoke("show", "1", "--db", config.db, "--format", "json")
    assert both.exit_code == 2
    message, result = error_of(both.stdout, "ingest show")
    assert message == ("'1' names 2 documents: #1 (its id); #2 (invoice 1 of 2024-02-05 from 0007:5599000006); "
                       "show one by its id (--by id)")
    assert result == {"ids": [1, 2]}
    assert invoke("show", "1", "--by", "id", "--db", config.db).stdout.startswith("document #1 a.xml")
    assert invoke("show", "1", "--by", "number", "--db", config.db).stdout.startswith("document #2 b.xml")


# ------------------------------------------------------------------ stored paths are absolute

def test_retry_from_another_working_folder_finds_the_original(tmp_path, monkeypatch):
    """Run with relative folders in one working folder, retry with the same options from
    another: the original is read where the store recorded it (an absolute path)."""
    first, second = tmp_path / "first", tmp_path / "second"
    second.mkdir()
    drop(first / "inbox", [d for d in batch(good=0) if d.name == "failed-rules.xml"])
    db = f"sqlite:///{tmp_path / 'ingest.db'}"
    options = ["--source", "inbox", "--archive", "archive", "--outbox", "outbox", "--db", db,
               "--municipality", "tjorn"]
    monkeypatch.chdir(first)
    ran = invoke("run", *options)
    assert ran.exit_code == 1, ran.output
    assert outcome_table(db) == {"failed-rules.xml": ("quarantined", "failed-rules")}
    with Store(db).engine.connect() as conn:
        [archived] = conn.execute(select(t.documents.c.archive_uri)).scalars().all()
    assert archived.startswith(str(first / "archive") + "/")
    monkeypatch.chdir(second)
    retried = invoke("retry", "--quarantined", "--reference-code", "NOT-OURS", *options, "--format", "json")
    assert retried.exit_code == 0, retried.output
    assert result_of(retried.stdout, "ingest retry")["stored"] == 1
    assert outcome_table(db) == {"failed-rules.xml": ("stored", None)}
    assert len(list((second / "outbox").iterdir())) == 1  # the AB, where this run's --outbox says
