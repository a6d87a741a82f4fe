"""What the seller and the operator are told afterwards: the RE of a resubmitted copy names the
earlier receipt as the seller knows it (never an id of ours), and a retried document keeps the
findings that had quarantined it."""
from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree
from sqlalchemy import insert, select, update

from ingest import tables as t
from ingest.final import current_findings, superseded_findings
from ingest.municipal import BUYER_REFERENCE
from ingest.service import retry_quarantined, run_once, show
from ingest.store import Store

from .ingest_factory import folder_config, inbox_with, invoice_xml, outcome_table, wrapped

EARLIER = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)


def _status_reasons(db: str, source_name: str) -> list[str]:
    """The cbc:StatusReason texts of the T111 responses stored for one inbox file."""
    store = Store(db)
    with store.engine.connect() as conn:
        xmls = conn.execute(select(t.responses.c.xml).join(t.documents)
                            .where(t.documents.c.source_name == source_name)).scalars().all()
    store.dispose()
    return [text for xml in xmls for text in etree.fromstring(xml).xpath("//*[local-name()='StatusReason']/text()")]


def _received_earlier(db: str, source_name: str) -> None:
    store = Store(db)
    with store.engine.begin() as conn:
        conn.execute(update(t.documents).where(t.documents.c.source_name == source_name).values(received_at=EARLIER))
    store.dispose()


# ------------------------------------------------------------------ the RE of a resubmitted copy

def test_the_re_of_a_resubmission_answers_the_copy_and_names_the_earlier_receipt(tmp_path):
    original = wrapped(invoice_xml("INV-7"))
    inbox = inbox_with(tmp_path, {"a.xml": original})
    config = folder_config(tmp_path)
    run_once(config)
    _received_earlier(config.db, "a.xml")
    (inbox / "b-same-bytes.xml").write_bytes(original)
    (inbox / "c-same-number.xml").write_bytes(wrapped(invoice_xml("INV-7"), instance="sent-again"))
    (inbox / "d-look-alike.xml").write_bytes(wrapped(invoice_xml("INV\u200b-7")))
    run_once(config)
    assert outcome_table(config.db) == {"a.xml": ("stored", None), "b-same-bytes.xml": ("quarantined", "duplicate"),
                                        "c-same-number.xml": ("quarantined", "duplicate"),
                                        "d-look-alike.xml": ("quarantined", "duplicate")}
    earlier = "invoice number 'INV-7' of 2024-02-05 was already received on 2024-03-01"
    end = "that receipt stands and this copy is not processed again"
    assert _status_reasons(config.db, "b-same-bytes.xml") == [
        f"LSS-ING-DUPLICATE: this response answers a resubmitted copy: {earlier} with identical content; {end}"]
    assert _status_reasons(config.db, "c-same-number.xml") == [
        f"LSS-ING-DUPLICATE: this response answers a resubmitted copy: {earlier}; {end}"]
    assert _status_reasons(config.db, "d-look-alike.xml") == [
        f"LSS-ING-DUPLICATE: this response answers a resubmitted copy: {earlier} "
        f"(this copy writes it 'INV\\u200b-7'); {end}"]


def test_no_internal_id_reaches_the_seller_but_the_operator_sees_the_earlier_document(tmp_path):
    original = wrapped(invoice_xml("INV-8"))
    inbox = inbox_with(tmp_path, {"a.xml": original})
    config = folder_config(tmp_path)
    run_once(config)
    (inbox / "b.xml").write_bytes(original)
    (inbox / "c.xml").write_bytes(wrapped(invoice_xml("INV-8"), instance="sent-again"))
    run_once(config)
    for name, doc_id in (("b.xml", 2), ("c.xml", 3)):
        (text,) = _status_reasons(config.db, name)
        assert "#" not in text and "document" not in text
        assert show(config.db, doc_id)["reason"].endswith("document #1" if name == "b.xml" else "(document #1)")


# ------------------------------------------------------------------ a retry keeps why it was quarantined

def test_a_retry_keeps_the_findings_that_quarantined_the_document(tmp_path):
    inbox_with(tmp_path, {"bad-ref.xml": wrapped(invoice_xml("BADREF-1", buyer_reference="NOT-OURS"))})
    config = folder_config(tmp_path)
    run_once(config)
    before = show(config.db, 1)
    assert before["state"] == "quarantined" and before["earlier_findings"] == []
    quarantining = [(f["rule_id"], f["severity"], f["message"]) for f in before["findings"]]
    assert (BUYER_REFERENCE, "fatal") in [f[:2] for f in quarantining]

    summary = retry_quarantined(folder_config(tmp_path, reference_codes=("NOT-OURS",)))
    assert [(o.name, o.state) for o in summary.outcomes] == [("bad-ref.xml", "stored")]
    after = show(config.db, 1)
    assert after["state"] == "stored" and after["reason_code"] is None
    assert [f["severity"] for f in after["findings"]] == [f["severity"] for f in before["findings"]
                                                         if f["severity"] != "fatal"]
    assert [(f["rule_id"], f["severity"], f["message"]) for f in after["earlier_findings"]] == quarantining
    retry = [h for h in after["history"] if h["note"] == "retry of a document quarantined as failed-rules"]
    assert len(retry) == 1 and {f["superseded_at"] for f in after["earlier_findings"]} == {retry[0]["at"]}
    assert [h["state"] for h in after["history"]] == ["claimed", "archived", "quarantined", "archived", "stored"]


def test_findings_of_an_earlier_revision_are_current_after_the_upgrade(tmp_path):
    from alembic import command
    from alembic.config import Config

    from ingest.store import MIGRATIONS

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        conn.execute(insert(t.documents).values(id=1, source_name="a.xml", sha256="0" * 64, size=1, state="quarantined",
                                                attempts=1, source_removed=False, received_at=EARLIER,
                                                updated_at=EARLIER))
        conn.exec_driver_sql("INSERT INTO findings (document_id, rule_id, severity, message) "
                             "VALUES (1, 'BR-01', 'fatal', 'no specification identifier')")
    store.migrate()
    with store.engine.connect() as conn:
        assert [(f.rule_id, f.superseded_at) for f in current_findings(conn, 1)] == [("BR-01", None)]
        assert superseded_findings(conn, 1) == []
    store.dispose()
