"""The municipal inbox end to end: folder and S3 sources, SQLite and PostgreSQL stores,
every kind of bad input, responses valid against the official rules, retries, and exactly
once under SIGKILL and with two concurrent workers."""
from __future__ import annotations

import hashlib
import os
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from ingest import tables as t
from ingest.blobs import EXPECT_CONTINUE_BYTES, S3Blobs
from ingest.rows import INLINE_ATTACHMENT_BYTES
from ingest.service import IngestConfig, run_once, retry_quarantined
from ingest.store import Store
from lssinvoice.cli import main
from peppol.model import Attachment
from peppol.ubl import to_ubl

from .envelope import result_of
from .factories import ASSISTANT_PNR, exempt_invoice
from .ingest_factory import (
    TIMEREPORT_CSV, assert_responses_valid, batch, drop, finish, folder_config, ingest_process, invoice_xml, many,
    outcome_table, responses_by_source, wrapped,
)

REPO = Path(__file__).resolve().parents[1]


def expected(deliveries) -> dict[str, tuple[str, str | None]]:
    return {d.name: (d.state, d.reason) for d in deliveries}


def expected_responses(deliveries) -> dict[str, list[tuple[str, str, str]]]:
    return {d.name: [tuple(d.response.split()) + ("sent",)] for d in deliveries if d.response}


# ------------------------------------------------------------------------------ folder + SQLite

def test_folder_and_sqlite_every_kind_of_input(tmp_path):
    deliveries = batch(good=3)
    drop(tmp_path / "inbox", deliveries)
    config = folder_config(tmp_path)
    summary = run_once(config)
    assert outcome_table(config.db) == expected(deliveries)
    assert responses_by_source(config.db) == expected_responses(deliveries)
    assert summary.count("stored") == 4 and summary.count("quarantined") == len(deliveries) - 4
    # Nothing lost: the inbox is empty and every original is in the archive, by content.
    assert list((tmp_path / "inbox").iterdir()) == []
    archived = {p.name for p in (tmp_path / "archive").rglob("*") if p.is_file()}
    import hashlib
    for d in deliveries:
        assert hashlib.sha256(d.data).hexdigest() in archived
    outbox = sorted((tmp_path / "outbox").iterdir())
    assert len(outbox) == sum(1 for d in deliveries if d.response)
    assert_responses_valid([p.read_bytes() for p in outbox])


def test_quarantine_findings_name_the_rule(tmp_path):
    deliveries = [d for d in batch(good=0) if d.name in ("unknown-buyer.xml", "failed-rules.xml")]
    drop(tmp_path / "inbox", deliveries)
    config = folder_config(tmp_path)
    run_once(config)
    store = Store(config.db)
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.documents.c.source_name, t.findings.c.rule_id, t.findings.c.severity)
                            .join(t.findings).where(t.findings.c.severity == "fatal")).all()
    store.dispose()
    assert sorted((r.source_name, r.rule_id) for r in rows) == [
        ("failed-rules.xml", "LSS-MUN-001"), ("unknown-buyer.xml", "LSS-MUN-002")]
    # The RE names the problem with a status reason: REF for the reference, REC for the receiver.
    texts = {p.name: p.read_text("utf-8") for p in (tmp_path / "outbox").iterdir()}
    assert sum('listID="OPStatusReason">REF<' in x for x in texts.values()) == 1
    assert sum('listID="OPStatusReason">REC<' in x for x in texts.values()) == 1


def test_watch_picks_up_what_arrives_later(tmp_path):
    from ingest.service import watch

    deliveries = batch(good=2)[:2]
    drop(tmp_path / "inbox", deliveries[:1])
    config = folder_config(tmp_path)
    runs = []

    def stop() -> bool:
        if len(runs) == 1:
            drop(tmp_path / "inbox", deliveries[1:])  # arrives between two polls
        return len(runs) >= 2

    for summary in watch(config, interval=0.1, stop=stop):
        runs.append(summary)
    assert [[o.name for o in r.outcomes] for r in runs] == [["good-000.xml"], ["good-001.xml"]]
    assert outcome_table(config.db) == expected(deliveries)


def test_stored_invoice_rows_are_exact(tmp_path):
    [delivery] = batch(good=1)[:1]
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "delivered.xml").write_bytes(delivery.data)
    config = folder_config(tmp_path)
    run_once(config)
    store = Store(config.db)
    with store.engine.connect() as conn:
        inv = conn.execute(select(t.invoices)).one()
        lines = conn.execute(select(t.invoice_lines).order_by(t.invoice_lines.c.id)).all()
        parties = {p.role: p for p in conn.execute(select(t.parties)).all()}
        [att] = conn.execute(select(t.attachments)).all()
    store.dispose()
    doc = exempt_invoice(id="INV-00000")
    assert inv.invoice_number == "INV-00000" and inv.seller_key == "0007:5599000006"
    # 120.5 h × 332.60 + 10.25 h × 332.60 + 3 h × 299.80 = 40078.30 + 3409.15 + 899.40
    assert inv.payable == doc.totals().amount_due == Decimal("44386.85")
    assert inv.buyer_reference == "TK2044" and inv.currency == "SEK"
    assert [(line.line_id, line.quantity, line.net_amount) for line in lines] == [
        (line.id, line.quantity, line.computed_net_amount()) for line in doc.lines]
    assert parties["seller"].legal_id == "5599000006" and parties["buyer"].endpoint == "0007:2120001306"
    assert (att.filename, att.mime, att.recognised_as, att.rows) == ("tidrapport.csv", "text/csv", "timereport-csv", 2)
    assert att.size == len(TIMEREPORT_CSV)
    # Small: kept decoded in the store, not copied into the archive beside the original.
    assert (att.content, att.archive_uri) == (TIMEREPORT_CSV, None)
    assert att.sha256 == hashlib.sha256(TIMEREPORT_CSV).hexdigest()
    assert sorted(p.name for p in (tmp_path / "archive").rglob("*") if p.is_file()) == [
        hashlib.sha256(delivery.data).hexdigest()]


def test_large_attachment_is_archived_by_content(tmp_path):
    scan = b"%PDF-1.7\n" + bytes(range(256)) * 1100  # 281,609 bytes: above the inline limit
    assert len(scan) > INLINE_ATTACHMENT_BYTES
    pdf = Attachment.embedded("SCAN-1", scan, filename="underlag.pdf", mime_code="application/pdf")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "big.xml").write_bytes(wrapped(to_ubl(exempt_invoice(id="INV-BIG", attachments=[pdf]))))
    config = folder_config(tmp_path)
    run_once(config)
    store = Store(config.db)
    with store.engine.connect() as conn:
        [att] = conn.execute(select(t.attachments)).all()
    store.dispose()
    sha = hashlib.sha256(scan).hexdigest()
    assert (att.sha256, att.size, att.content, att.recognised_as) == (sha, len(scan), None, None)
    assert att.archive_uri == str(tmp_path / "archive" / sha[:2] / sha[2:4] / sha)
    assert (tmp_path / "archive" / sha[:2] / sha[2:4] / sha).read_bytes() == scan


def test_same_invoice_stored_meanwhile_by_another_worker_becomes_a_duplicate(tmp_path, monkeypatch):
    """The race of two workers: each checks for the invoice, neither sees the other's, both
    insert. The store's unique key refuses the second insert; that document is then
    quarantined as a duplicate and answered RE, not lost and not stored twice."""
    from ingest.final import Finisher

    (tmp_path / "inbox").mkdir()
    first = wrapped(invoice_xml("INV-RACE"))
    second = wrapped(invoice_xml("INV-RACE"), instance="resent-by-another-access-point")
    (tmp_path / "inbox" / "a.xml").write_bytes(first)
    config = folder_config(tmp_path)
    run_once(config)
    (tmp_path / "inbox" / "b.xml").write_bytes(second)
    real = Finisher._duplicate_of
    calls = []

    def blind_once(self, conn, doc_id, sha, analysis):  # the other worker's row not yet visible
        calls.append(doc_id)
        return None if len(calls) == 1 else real(self, conn, doc_id, sha, analysis)

    monkeypatch.setattr(Finisher, "_duplicate_of", blind_once)
    run_once(config)
    assert calls == [2, 2]
    assert outcome_table(config.db) == {"a.xml": ("stored", None), "b.xml": ("quarantined", "duplicate")}
    assert responses_by_source(config.db) == {"a.xml": [("T111", "AB", "sent")], "b.xml": [("T111", "RE", "sent")]}
    store = Store(config.db)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.invoices)).scalar() == 1
    store.dispose()


def test_second_run_changes_nothing(tmp_path):
    deliveries = batch(good=2)
    drop(tmp_path / "inbox", deliveries)
    config = folder_config(tmp_path)
    run_once(config)
    before = (outcome_table(config.db), responses_by_source(config.db), sorted(os.listdir(tmp_path / "outbox")))
    # The same files delivered again are recognised by name and content: done before.
    drop(tmp_path / "inbox", deliveries)
    summary = run_once(config)
    assert {o.state for o in summary.outcomes} == {"done-before"}
    assert (outcome_table(config.db), responses_by_source(config.db), sorted(os.listdir(tmp_path / "outbox"))) == before


def test_too_large_is_quarantined_and_kept_in_the_inbox(tmp_path):
    drop(tmp_path / "inbox", batch(good=1)[:1])
    (tmp_path / "inbox" / "huge.xml").write_bytes(b"<x>" + b" " * 5000 + b"</x>")
    config = folder_config(tmp_path, max_bytes=4000)
    run_once(config)
    assert outcome_table(config.db)["huge.xml"] == ("quarantined", "too-large")
    assert (tmp_path / "inbox" / "huge.xml").exists()
    run_once(config)  # seen again: recorded once
    store = Store(config.db)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.documents)
                            .where(t.documents.c.source_name == "huge.xml")).scalar_one() == 1
    store.dispose()


def test_retry_after_the_reference_code_is_registered(tmp_path):
    drop(tmp_path / "inbox", [d for d in batch(good=0) if d.name == "failed-rules.xml"])
    config = folder_config(tmp_path)
    run_once(config)
    assert outcome_table(config.db) == {"failed-rules.xml": ("quarantined", "failed-rules")}
    fixed = folder_config(tmp_path, reference_codes=("NOT-OURS",))
    summary = retry_quarantined(fixed)
    assert [(o.name, o.state) for o in summary.outcomes] == [("failed-rules.xml", "stored")]
    assert responses_by_source(config.db) == {"failed-rules.xml": [("T111", "RE", "sent"), ("T111", "AB", "sent")]}


# ------------------------------------------------------------------------------ S3

def test_s3_source_archive_and_outbox(tmp_path, s3, monkeypatch):
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    client = s3.client()
    for bucket in ("drop", "archive", "outbox"):
        client.create_bucket(Bucket=bucket)
    deliveries = batch(good=2)
    for d in deliveries:
        client.put_object(Bucket="drop", Key=f"peppol/in/{d.name}", Body=d.data)
    config = IngestConfig(source="s3://drop/peppol/in", db=f"sqlite:///{tmp_path / 'db.sqlite'}",
                          municipality="tjorn", archive="s3://archive/originals", outbox="s3://outbox/responses")
    run_once(config)
    assert outcome_table(config.db) == expected(deliveries)
    assert client.list_objects_v2(Bucket="drop").get("KeyCount", 0) == 0
    archived = list(S3Blobs("s3://archive/originals", client=client).list())
    assert len({b.key.rsplit("/", 1)[-1] for b in archived}) >= len({d.data for d in deliveries})
    outbox = S3Blobs("s3://outbox/responses", client=client)
    keys = [b.key for b in outbox.list()]
    assert len(keys) == sum(1 for d in deliveries if d.response)
    assert_responses_valid([outbox.get(k) for k in keys])


def test_s3_put_asks_to_continue_only_for_large_bodies(s3, monkeypatch):
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    s3.client().create_bucket(Bucket="expect")
    blobs = S3Blobs("s3://expect/in", endpoint_url=s3.endpoint, region="us-east-1")
    sent: dict[str, str | None] = {}
    blobs.client.meta.events.register(
        "before-send.s3.PutObject", lambda request, **_: sent.update({request.url.rsplit("/", 1)[-1]:
                                                                        request.headers.get("Expect")}))
    small, large = b"<Invoice/>" * 100, os.urandom(EXPECT_CONTINUE_BYTES + 1)
    blobs.put("small.xml", small)
    blobs.put("large.bin", large)
    assert sent == {"small.xml": None, "large.bin": b"100-continue"}
    assert (blobs.get("small.xml"), blobs.get("large.bin")) == (small, large)


# ------------------------------------------------------------------------------ PostgreSQL

def test_postgres_store(tmp_path, postgres):
    deliveries = batch(good=2)
    drop(tmp_path / "inbox", deliveries)
    config = folder_config(tmp_path, db=postgres.create_database("single"))
    run_once(config)
    assert outcome_table(config.db) == expected(deliveries)
    assert responses_by_source(config.db) == expected_responses(deliveries)


def test_group_claims_of_two_workers_never_deadlock(tmp_path, postgres):
    """Two workers claim the same documents, listed in opposite orders, at the same moment:
    each document is claimed once, and PostgreSQL never has to break a deadlock."""
    import threading

    from ingest.service import open_pipeline

    config = folder_config(tmp_path, db=postgres.create_database("claims"))
    (tmp_path / "inbox").mkdir()
    items = [(f"doc-{i:03d}.xml", f"{i:064x}", 100, None) for i in range(40)]
    first, second = open_pipeline(config), open_pipeline(config)
    second.claims.owner = first.owner + "-other"
    results, errors = {}, []
    start = threading.Barrier(2)

    def claim(name, pipeline, order):
        start.wait()
        try:
            results[name] = pipeline.claims.claim_new(order)
        except Exception as exc:  # a deadlock would surface here
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=("a", first, items)),
               threading.Thread(target=claim, args=("b", second, list(reversed(items))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    first.close()
    second.close()
    assert errors == []
    assert sorted(results["a"].keys() | results["b"].keys()) == sorted((name, sha) for name, sha, _, _ in items)
    assert not results["a"].keys() & results["b"].keys()


def test_two_concurrent_workers_on_postgres(tmp_path, postgres):
    deliveries = many(40)
    drop(tmp_path / "inbox", deliveries)
    config = folder_config(tmp_path, db=postgres.create_database("twoworkers"))
    Store(config.db).migrate()
    procs = [ingest_process(config) for _ in range(2)]
    codes = []
    for p in procs:
        _, err = finish(p)
        codes.append(p.returncode)
        assert p.returncode in (0, 1), err  # 1: this worker quarantined something
    assert 1 in codes  # the bad deliveries were quarantined by one worker or the other
    assert outcome_table(config.db) == expected(deliveries)
    assert responses_by_source(config.db) == expected_responses(deliveries)
    store = Store(config.db)
    with store.engine.connect() as conn:
        claims = conn.execute(select(t.status_history.c.document_id, func.count())
                              .where(t.status_history.c.state == "claimed")
                              .group_by(t.status_history.c.document_id)).all()
        takeovers = conn.execute(select(func.count()).select_from(t.status_history)
                                 .where(t.status_history.c.note.like("taken over%"))).scalar_one()
    store.dispose()
    assert len(claims) == len(deliveries) and {n for _, n in claims} == {1}
    assert takeovers == 0
    assert len(os.listdir(tmp_path / "outbox")) == sum(1 for d in deliveries if d.response)


# ------------------------------------------------------------------------------ CLI

def test_cli_run_status_show_and_exit_codes(tmp_path):
    drop(tmp_path / "inbox", batch(good=1))
    runner = CliRunner()
    env = {"LSSINVOICE_DATA": str(tmp_path), "LSSINVOICE_MUNICIPALITY": "tjorn"}
    result = runner.invoke(main, ["ingest", "run", "--format", "json"], env=env)
    assert result.exit_code == 1, result.output
    data = result_of(result.stdout, "ingest run", 1)
    assert data["stored"] == 2 and data["quarantine_reasons"]["not-xml"] == 2
    result = runner.invoke(main, ["ingest", "status", "--format", "json"], env=env)
    assert result.exit_code == 0
    status = result_of(result.stdout, "ingest status")
    assert status["invoices"] == 2 and status["documents"]["stored"] == 2
    result = runner.invoke(main, ["ingest", "show", "1"], env=env)
    assert result.exit_code == 0 and "stored" in result.output and "timereport-csv" in result.output
    assert ASSISTANT_PNR not in result.output  # the time report's personnummer stays in the attachment
    result = runner.invoke(main, ["ingest", "show", "999"], env=env)
    assert result.exit_code == 2 and "no document with the id or invoice number '999'" in result.output


def test_cli_unknown_municipality_is_a_usage_error_before_the_store_is_made(tmp_path):
    (tmp_path / "inbox").mkdir()
    result = CliRunner().invoke(main, ["ingest", "run", "--municipality", "atlantis"],
                                env={"LSSINVOICE_DATA": str(tmp_path)})
    assert result.exit_code == 2
    assert "atlantis" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inbox"]


def test_attachment_command_writes_the_decoded_bytes(tmp_path):
    scan = b"%PDF-1.7\n" + bytes(range(256)) * 1100
    pdf = Attachment.embedded("SCAN-1", scan, filename="underlag.pdf", mime_code="application/pdf")
    csv_att = Attachment.embedded("TID-1", TIMEREPORT_CSV, filename="tidrapport.csv", mime_code="text/csv")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.xml").write_bytes(
        wrapped(to_ubl(exempt_invoice(id="INV-ATT", attachments=[csv_att, pdf]))))
    config = folder_config(tmp_path)
    run_once(config)
    runner = CliRunner()
    small = runner.invoke(main, ["ingest", "attachment", "1", "TID-1", "--db", config.db,
                                 "-o", str(tmp_path / "out.csv")])
    assert small.exit_code == 0, small.output
    assert (tmp_path / "out.csv").read_bytes() == TIMEREPORT_CSV
    big = runner.invoke(main, ["ingest", "attachment", "1", "underlag.pdf", "--db", config.db,
                               "-o", str(tmp_path / "out.pdf")])
    assert big.exit_code == 0, big.output
    assert (tmp_path / "out.pdf").read_bytes() == scan
    missing = runner.invoke(main, ["ingest", "attachment", "1", "nope.txt", "--db", config.db])
    assert missing.exit_code == 2
    assert "has no attachment 'nope.txt' (it has: tidrapport.csv, underlag.pdf)" in missing.output
    # A tampered archive copy is refused, not handed out.
    sha = hashlib.sha256(scan).hexdigest()
    (tmp_path / "archive" / sha[:2] / sha[2:4] / sha).write_bytes(b"changed")
    tampered = runner.invoke(main, ["ingest", "attachment", "1", "SCAN-1", "--db", config.db,
                                    "-o", str(tmp_path / "x.pdf")])
    assert tampered.exit_code == 2 and "do not have the SHA-256 recorded at ingest" in tampered.output
    assert not (tmp_path / "x.pdf").exists()
