"""The inbox no sender can stop: one test (or more) per defect found by the hostile-input and
fault-injection trial, each failing on the code before its fix. The hostile corpus as a
whole is in test_ingest_hostile.py; faults in test_ingest_faults.py."""
from __future__ import annotations

import hashlib
import os
import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select, update

from ingest import tables as t
from ingest.blobs import FolderBlobs, NotRegularFile
from ingest.leases import boot_id, owner_id, owner_is_dead, process_start
from ingest.service import open_pipeline, run_once
from ingest.store import Store
from peppol.ubl import to_ubl

from .factories import BROKEN_ENVELOPES, exempt_invoice, hours_line, standard_rated_invoice, synthetic_pnr
from .ingest_factory import folder_config, inbox_with, invoice_xml, outcome_table, responses_by_source, wrapped


def _findings(db: str) -> dict[str, list[tuple[str, str]]]:
    store = Store(db)
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.documents.c.source_name, t.findings.c.rule_id, t.findings.c.severity)
                            .join(t.findings).order_by(t.findings.c.id)).all()
    store.dispose()
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(r.source_name, []).append((r.rule_id, r.severity))
    return out


def _outbox_texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in folder.iterdir()} if folder.exists() else {}


def _with_issue_date(xml: bytes, value: str) -> bytes:
    return re.sub(rb"(<cbc:IssueDate>)[^<]*", rb"\g<1>" + value.encode(), xml, count=1)


# ------------------------------------------------------------------ 1. impossible dates, errors while answering

@pytest.mark.parametrize("issue_date", ["2024-02-30", "0000-13-45", "2024-02-05+14:00"])
def test_an_impossible_issue_date_is_answered_re_and_the_invoices_behind_it_are_stored(tmp_path, issue_date):
    inbox_with(tmp_path, {
        "a-bad.xml": wrapped(_with_issue_date(invoice_xml("BAD-1"), issue_date)),
        "b-good.xml": wrapped(invoice_xml("GOOD-1")),
    })
    config = folder_config(tmp_path)
    summary = run_once(config)
    assert summary.error is None
    assert outcome_table(config.db) == {"a-bad.xml": ("quarantined", "failed-rules"), "b-good.xml": ("stored", None)}
    assert responses_by_source(config.db) == {"a-bad.xml": [("T111", "RE", "sent")],
                                              "b-good.xml": [("T111", "AB", "sent")]}
    [re_text] = [x for x in _outbox_texts(tmp_path / "outbox").values() if ">RE<" in x]
    reference = re_text[re_text.index("<cac:DocumentReference>"):re_text.index("</cac:DocumentReference>")]
    assert "<cbc:ID>BAD-1</cbc:ID>" in reference and "IssueDate" not in reference  # optional: left out


def test_a_response_that_cannot_be_built_is_the_documents_finding_and_the_run_goes_on(tmp_path, monkeypatch):
    from ingest.replies import Replier

    real = Replier.invoice_response

    def broken_for_one(self, invoice, doc_id, answer, received_on):
        if invoice.findtext("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID") == "NO-ANSWER":
            raise RuntimeError("the response builder broke")
        return real(self, invoice, doc_id, answer, received_on)

    monkeypatch.setattr(Replier, "invoice_response", broken_for_one)
    inbox = inbox_with(tmp_path, {"a.xml": wrapped(invoice_xml("NO-ANSWER"))})
    (inbox / "b.xml").write_bytes(invoice_xml("NO-ANSWER-BARE".replace("-BARE", "")))  # bare: nobody else to answer
    (inbox / "c.xml").write_bytes(wrapped(invoice_xml("FINE-1")))
    config = folder_config(tmp_path)
    run_once(config)
    # In an envelope: quarantined, and answered with an MLR to the envelope's sender instead.
    assert outcome_table(config.db) == {"a.xml": ("quarantined", "unanswerable"),
                                        "b.xml": ("quarantined", "unanswerable"), "c.xml": ("stored", None)}
    assert responses_by_source(config.db) == {"a.xml": [("T71", "RE", "sent")], "c.xml": [("T111", "AB", "sent")]}
    findings = _findings(config.db)
    assert ("LSS-ING-REPLY", "fatal") in findings["a.xml"] and ("LSS-ING-REPLY", "fatal") in findings["b.xml"]
    store = Store(config.db)
    with store.engine.connect() as conn:
        reason = conn.execute(select(t.documents.c.reason).where(t.documents.c.source_name == "b.xml")).scalar_one()
    store.dispose()
    assert reason == "the T111 AB could not be built (RuntimeError: the response builder broke)"


def test_an_error_of_ours_in_the_analysis_quarantines_that_document_only(tmp_path, monkeypatch):
    import ingest.analysis

    real = ingest.analysis.read_ubl

    def broken_for_one(payload):
        if "CRASH-1" in etree.tostring(payload, encoding="unicode")[:3000]:
            raise KeyError("a bug")
        return real(payload)

    monkeypatch.setattr(ingest.analysis, "read_ubl", broken_for_one)
    inbox_with(tmp_path, {
        "a.xml": wrapped(invoice_xml("CRASH-1")),
        "b.xml": wrapped(invoice_xml("FINE-2")),
    })
    config = folder_config(tmp_path)
    run_once(config)
    assert outcome_table(config.db) == {"a.xml": ("quarantined", "analysis-failed"), "b.xml": ("stored", None)}
    assert _findings(config.db)["a.xml"][-1] == ("LSS-ING-ERROR", "fatal")


# ------------------------------------------------------------------ 2. attribute floods

def _with_attributes(xml: bytes, count: int, namespaces: bool = False) -> bytes:
    extra = " ".join(f'xmlns:p{i}="urn:x:{i}"' if namespaces else f'a{i}="v"' for i in range(count))
    return xml.replace(b"<cbc:Note>", f"<cbc:Note {extra}>".encode(), 1)


@pytest.mark.parametrize("count, namespaces, reason, rule", [
    (250, False, "failed-rules", "UBL-XSD"),   # over SaxonC's old limit of 200: now a verdict
    (250, True, "stored", None),               # namespace declarations: not attributes for the XSD
    (5000, False, "not-xml", "LSS-XML-006"),   # over our own limit
])
def test_elements_with_hundreds_of_attributes_get_a_verdict(tmp_path, count, namespaces, reason, rule):
    inbox_with(tmp_path, {
        "flood.xml": wrapped(_with_attributes(invoice_xml("FLOOD-1"), count, namespaces)),
        "good.xml": wrapped(invoice_xml("GOOD-2")),
    })
    config = folder_config(tmp_path)
    run_once(config)
    table = outcome_table(config.db)
    assert table["good.xml"] == ("stored", None)
    assert table["flood.xml"] == (("stored", None) if reason == "stored" else ("quarantined", reason))
    if rule:
        assert rule in {r for r, _ in _findings(config.db)["flood.xml"]}


# ------------------------------------------------------------------ 3. links, special files, hidden files

def test_links_and_special_files_are_quarantined_unread_and_hidden_files_listed(tmp_path):
    canary = tmp_path / "outside" / "secret.txt"
    canary.parent.mkdir()
    secret = f"CANARY-{os.urandom(8).hex()}"
    canary.write_text(secret)
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "link.xml").symlink_to(canary)
    (inbox / "environ.xml").symlink_to("/proc/self/environ")
    (inbox / "folder-link").symlink_to(canary.parent, target_is_directory=True)
    os.mkfifo(inbox / "pipe.xml")
    (inbox / ".x.xml").write_bytes(wrapped(invoice_xml("HIDDEN-1")))
    (inbox / "sub" / "good.xml").write_bytes(wrapped(invoice_xml("GOOD-3")))
    config = folder_config(tmp_path)
    summary = run_once(config).to_dict()
    assert outcome_table(config.db) == {
        "link.xml": ("quarantined", "not-a-regular-file"), "environ.xml": ("quarantined", "not-a-regular-file"),
        "folder-link": ("quarantined", "not-a-regular-file"), "pipe.xml": ("quarantined", "not-a-regular-file"),
        "sub/good.xml": ("stored", None)}
    assert summary["not_read"] == [{"name": ".x.xml", "reason": "hidden name (an access point's temporary until "
                                                                 "it is renamed): not read"}]
    assert {r for r, _ in _findings(config.db)["link.xml"]} == {"LSS-ING-NOT-REGULAR"}
    # Nothing of the target was read: not in the archive, not in the store.
    for path in (tmp_path / "archive").rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes()
    assert secret.encode() not in Path(config.db.split("///", 1)[1]).read_bytes()
    # Kept where they are (nothing lost), recorded once however often they are seen.
    assert (inbox / "link.xml").is_symlink() and (inbox / "pipe.xml").exists() and (inbox / ".x.xml").exists()
    again = run_once(config).to_dict()
    assert again["processed"] == 4 and again["done_before"] == 4
    store = Store(config.db)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.documents)).scalar_one() == 5
    store.dispose()


def test_a_file_swapped_for_a_link_after_the_listing_is_never_followed(tmp_path):
    canary = tmp_path / "secret.txt"
    canary.write_text("secret")
    inbox = tmp_path / "inbox"
    (inbox / "real").mkdir(parents=True)
    blobs = FolderBlobs(inbox)
    (inbox / "a.xml").symlink_to(canary)
    (inbox / "dirlink").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(NotRegularFile, match="symbolic link"):
        blobs.get("a.xml")
    with pytest.raises(NotRegularFile, match="symbolic link"):
        blobs.get("dirlink/secret.txt")  # a folder on the way that is a link: refused too
    os.mkfifo(inbox / "real" / "fifo.xml")
    with pytest.raises(NotRegularFile, match="not a regular file"):
        blobs.get("real/fifo.xml")  # and does not hang


# ------------------------------------------------------------------ 6. amounts and texts the store cannot hold

def _big_invoices() -> dict[str, bytes]:
    return {
        "huge-amount.xml": wrapped(to_ubl(exempt_invoice(id="HUGE-1", lines=[hours_line("1", "1", "1E16")]))),
        "long-number.xml": wrapped(to_ubl(exempt_invoice(id="N" * 250))),
        "fine.xml": wrapped(to_ubl(exempt_invoice(id="FINE-3", lines=[hours_line("1", "1", "9999999999999999.99")]))),
    }


def _assert_unstorable_quarantined(tmp_path, db: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, data in _big_invoices().items():
        (inbox / name).write_bytes(data)
    config = folder_config(tmp_path, db=db)
    summary = run_once(config)
    assert summary.error is None
    assert outcome_table(config.db) == {"huge-amount.xml": ("quarantined", "not-storable"),
                                        "long-number.xml": ("quarantined", "not-storable"),
                                        "fine.xml": ("stored", None)}
    assert responses_by_source(config.db)["huge-amount.xml"] == [("T111", "RE", "sent")]
    store = Store(config.db)
    with store.engine.connect() as conn:
        messages: dict[str, list[str]] = {}
        for name, message in conn.execute(select(t.documents.c.source_name, t.findings.c.message).join(t.findings)
                                          .where(t.findings.c.rule_id == "LSS-ING-RANGE").order_by(t.findings.c.id)):
            messages.setdefault(name, []).append(message)
        payable = conn.execute(select(t.invoices.c.payable)).scalar_one()
    store.dispose()
    assert messages["long-number.xml"] == ["invoice, invoice_number: 250 characters, the store holds 200",
                                           "invoice, number_key: 250 characters, the store holds 200"]
    assert messages["huge-amount.xml"][0].startswith("invoice, line_total: 10000000000000000.00 does not fit: "
                                                  "the store holds up to 9999999999999999.99 with 2 decimals")
    assert str(payable) == "9999999999999999.99"


def test_values_the_store_cannot_hold_are_quarantined_on_sqlite(tmp_path):
    _assert_unstorable_quarantined(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_values_the_store_cannot_hold_are_quarantined_the_same_on_postgres(tmp_path, postgres):
    _assert_unstorable_quarantined(tmp_path, postgres.create_database("unstorable"))


def test_a_file_over_2_gib_is_recorded_as_too_large_on_postgres(tmp_path, postgres):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with open(inbox / "sparse.xml", "wb") as fh:
        fh.truncate(3 * 1024 ** 3)  # sparse: no disk used
    config = folder_config(tmp_path, db=postgres.create_database("sparse"))
    summary = run_once(config)
    assert summary.error is None
    assert outcome_table(config.db) == {"sparse.xml": ("quarantined", "too-large")}


# ------------------------------------------------------------------ 7. work per document bounded, leases renewed

def test_an_invoice_with_more_lines_than_the_cap_is_refused_before_validation(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = [hours_line(str(i), "1", "100") for i in range(1, 8)]
    (inbox / "many.xml").write_bytes(wrapped(to_ubl(exempt_invoice(id="MANY-1", lines=lines))))
    (inbox / "few.xml").write_bytes(wrapped(to_ubl(exempt_invoice(id="FEW-1", lines=lines[:5]))))
    config = folder_config(tmp_path, max_lines=5)
    run_once(config)
    assert outcome_table(config.db) == {"many.xml": ("quarantined", "too-many-lines"), "few.xml": ("stored", None)}
    assert _findings(config.db)["many.xml"] == [("LSS-ING-LINES", "fatal")]  # not validated at all
    assert responses_by_source(config.db)["many.xml"] == [("T111", "RE", "sent")]


def test_a_hundred_thousand_line_invoice_is_refused_at_once_by_default(tmp_path):
    xml = invoice_xml("HUGE-LINES").decode()
    start = xml.index("<cac:InvoiceLine>")
    end = xml.index("</cac:InvoiceLine>") + len("</cac:InvoiceLine>")
    many = xml[:start] + xml[start:end] * 100_000 + xml[end:]
    inbox_with(tmp_path, {"huge.xml": wrapped(many.encode())})
    config = folder_config(tmp_path)
    run_once(config)
    assert outcome_table(config.db) == {"huge.xml": ("quarantined", "too-many-lines")}
    store = Store(config.db)
    with store.engine.connect() as conn:
        reason = conn.execute(select(t.documents.c.reason)).scalar_one()
    store.dispose()
    assert reason == "the document has 100002 lines, more than the limit of 10000 lines per document"


def test_the_lease_is_renewed_while_a_slow_document_is_in_progress(tmp_path, monkeypatch):
    import time

    from ingest.analysis import Analyser

    inbox_with(tmp_path, {"slow.xml": wrapped(invoice_xml("SLOW-1"))})
    config = folder_config(tmp_path, lease_seconds=1)
    rival = open_pipeline(config)
    taken: list[bool] = []
    real = Analyser.analyse

    def slow(self, data, name, *received_on):
        for _ in range(8):  # 4 s, four leases long; the rival tries to take the document meanwhile
            time.sleep(0.5)
            taken.append(rival.claims.take_over(1))
        return real(self, data, name, *received_on)

    monkeypatch.setattr(Analyser, "analyse", slow)
    run_once(config)
    rival.close()
    assert taken == [False] * 8
    assert outcome_table(config.db) == {"slow.xml": ("stored", None)}
    store = Store(config.db)
    with store.engine.connect() as conn:
        notes = [n for (n,) in conn.execute(select(t.status_history.c.note))]
    store.dispose()
    assert not [n for n in notes if n and n.startswith("taken over")]


# ------------------------------------------------------------------ 8. owners a restart cannot repeat

def test_an_owner_names_its_process_by_start_time_and_boot():
    me = owner_id()
    host, pid, started, booted, _ = me.split(":")
    assert (host, int(pid), started, booted) == (socket.gethostname(), os.getpid(), process_start(os.getpid()),
                                                 boot_id())
    assert owner_id() != me  # two pipelines of one process are two owners
    assert not owner_is_dead(me)
    # A restarted container: the same host name and PID, another process.
    assert owner_is_dead(f"{host}:{pid}:{int(started) - 1}:{booted}:0000")
    assert owner_is_dead(f"{host}:{pid}:{started}:00000000:0000")  # another boot
    assert owner_is_dead(f"{host}:{2 ** 22 + 7}:1:{booted}:0000")  # no such process
    assert not owner_is_dead(f"another-host:{pid}:1:{booted}:0000")  # judged by its lease
    assert not owner_is_dead(f"{host}:{pid}:abcdef12")  # an earlier version's owner, alive


def test_a_dead_workers_claim_under_a_reused_pid_is_taken_over_at_once(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = wrapped(invoice_xml("REUSED-1"))
    (inbox / "a.xml").write_bytes(data)
    config = folder_config(tmp_path)
    pipeline = open_pipeline(config)
    doc_id, _ = pipeline.claims.claim("a.xml", hashlib.sha256(data).hexdigest(), len(data))
    pipeline.close()
    host, pid, started, booted, _ = owner_id().split(":")
    dead = f"{host}:{pid}:{int(started) - 1}:{booted}:deadbeef"  # this PID, but an earlier process
    store = Store(config.db)
    with store.engine.begin() as conn:
        conn.execute(update(t.documents).values(owner=dead, lease_until=datetime.now(UTC) + timedelta(hours=1)))
    store.dispose()
    summary = run_once(config)
    assert outcome_table(config.db) == {"a.xml": ("stored", None)}
    assert summary.to_dict()["retried"] == ["a.xml"]


# ------------------------------------------------------------------ 9. look-alike invoice numbers

def test_look_alike_numbers_are_duplicates_and_a_lone_one_is_a_finding(tmp_path):
    inbox = inbox_with(tmp_path, {"a.xml": wrapped(invoice_xml("INV-00042"))})
    config = folder_config(tmp_path)
    run_once(config)
    (inbox / "b.xml").write_bytes(wrapped(invoice_xml("INV\u200b-00042")))  # zero-width space
    (inbox / "c.xml").write_bytes(wrapped(invoice_xml("ＩＮＶ-０００４２")))  # fullwidth
    (inbox / "d.xml").write_bytes(wrapped(invoice_xml("NEW\u2060-7")))  # word joiner, no twin
    run_once(config)
    assert outcome_table(config.db) == {"a.xml": ("stored", None), "b.xml": ("quarantined", "duplicate"),
                                        "c.xml": ("quarantined", "duplicate"), "d.xml": ("stored", None)}
    findings = _findings(config.db)
    assert ("LSS-ING-NUMBER", "warning") in findings["b.xml"] and ("LSS-ING-DUPLICATE", "fatal") in findings["b.xml"]
    assert findings["d.xml"] == [("LSS-ING-NUMBER", "warning")]
    store = Store(config.db)
    with store.engine.connect() as conn:
        reason = conn.execute(select(t.documents.c.reason).where(t.documents.c.source_name == "b.xml")).scalar_one()
    store.dispose()
    assert reason.startswith("invoice number INV-00042 of 2024-02-05 from 0007:5599000006 was already received "
                             "(as 'INV-00042'; this copy writes it 'INV\\\\u200b-00042')")


# ------------------------------------------------------------------ 10. broken envelopes: validate and ingest agree

def test_broken_envelopes_are_refused_by_validate_and_quarantined_by_ingest_alike(tmp_path):
    from click.testing import CliRunner

    from lssinvoice.cli import main

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    names = []
    for index, (edit, _message) in enumerate(BROKEN_ENVELOPES):
        root = etree.fromstring(wrapped(invoice_xml(f"ENV-{index}")))
        edit(root)
        name = f"broken-{index:02d}.xml"
        (inbox / name).write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
        names.append(name)
    assert len(names) == len(BROKEN_ENVELOPES)
    cli = CliRunner().invoke(main, ["validate", "--format", "json", *[str(inbox / n) for n in names]])
    assert cli.exit_code == 1, cli.output
    config = folder_config(tmp_path)
    run_once(config)
    table = outcome_table(config.db)
    assert {name: table[name] for name in names} == {name: ("quarantined", "broken-sbdh") for name in names}
    for name in names:
        assert {r for r, _ in _findings(config.db)[name]} and all(
            r.startswith("LSS-SBDH-") for r, _ in _findings(config.db)[name])


# ------------------------------------------------------------------ 11. large embedded attachments

def test_an_eight_megabyte_attachment_is_stored_not_called_not_xml(tmp_path):
    from peppol.model import Attachment

    scan = b"%PDF-1.7\n" + os.urandom(8 * 1024 * 1024)
    pdf = Attachment.embedded("SCAN-8", scan, filename="skanning.pdf", mime_code="application/pdf")
    inbox_with(tmp_path, {"big.xml": wrapped(to_ubl(exempt_invoice(id="INV-8MB", attachments=[pdf])))})
    config = folder_config(tmp_path)
    run_once(config)
    assert outcome_table(config.db) == {"big.xml": ("stored", None)}
    sha = hashlib.sha256(scan).hexdigest()
    assert (tmp_path / "archive" / sha[:2] / sha[2:4] / sha).read_bytes() == scan


# ------------------------------------------------------------------ personal data in what a sender makes us say

def test_a_personnummer_a_sender_puts_in_a_field_is_masked_in_everything_we_store_print_and_answer(tmp_path):
    from click.testing import CliRunner

    from lssinvoice.cli import main

    pnr = synthetic_pnr("19850704")
    inbox_with(tmp_path, {"a.xml": wrapped(invoice_xml("PNR-1", buyer_reference=f"{pnr[:8]}-{pnr[8:]}"))})
    config = folder_config(tmp_path)
    run_once(config)
    assert outcome_table(config.db) == {"a.xml": ("quarantined", "failed-rules")}
    store = Store(config.db)
    with store.engine.connect() as conn:
        texts = [m for (m,) in conn.execute(select(t.findings.c.message))]
        texts += [r for (r,) in conn.execute(select(t.documents.c.reason))]
        texts += [n or "" for (n,) in conn.execute(select(t.status_history.c.note))]
    store.dispose()
    shown = CliRunner().invoke(main, ["ingest", "show", "1", "--db", config.db])
    [answer] = _outbox_texts(tmp_path / "outbox").values()
    for text in texts + [shown.output, answer]:
        assert pnr[:8] not in text and pnr not in text
    assert any(f"'********-{pnr[8:]}' is not a reference code" in m for m in texts)
    assert f"********-{pnr[8:]}" in answer


def test_retrying_what_is_never_read_leaves_it_quarantined_not_stuck(tmp_path):
    from ingest.service import retry_quarantined

    inbox = inbox_with(tmp_path, {"huge.xml": b"<x>" + b" " * 5000 + b"</x>"})
    (inbox / "link.xml").symlink_to("/etc/hostname")
    config = folder_config(tmp_path, max_bytes=4000)
    run_once(config)
    summary = retry_quarantined(config)
    assert sorted((o.name, o.state, o.reason_code) for o in summary.outcomes) == [
        ("huge.xml", "quarantined", "too-large"), ("link.xml", "quarantined", "not-a-regular-file")]
    assert outcome_table(config.db) == {"huge.xml": ("quarantined", "too-large"),
                                        "link.xml": ("quarantined", "not-a-regular-file")}


# ------------------------------------------------------------------ found by `make fuzz`

def test_an_invoice_the_rules_pass_but_the_model_refuses_is_answered_re_with_the_reason(tmp_path):
    xml = to_ubl(standard_rated_invoice(id="PG-1", buyer_reference="TK2044"))
    account = re.search(rb"(<cac:PayeeFinancialAccount>\s*<cbc:ID>)([^<]*)", xml)
    broken = xml[:account.start(2)] + b"1e400" + xml[account.end(2):]  # a number to XPath (SE-R-007)
    inbox_with(tmp_path, {"pg.xml": wrapped(broken)})
    config = folder_config(tmp_path)
    run_once(config)
    assert outcome_table(config.db) == {"pg.xml": ("quarantined", "unreadable-invoice")}
    assert responses_by_source(config.db) == {"pg.xml": [("T111", "RE", "sent")]}
    [answer] = _outbox_texts(tmp_path / "outbox").values()
    assert "LSS-ING-003" in answer and "PlusGiro" in answer


def test_an_invalid_invoice_type_code_does_not_stop_the_re(tmp_path):
    xml = re.sub(rb"<cbc:InvoiceTypeCode>380<", b"<cbc:InvoiceTypeCode>1e400<", invoice_xml("TYPE-1"), count=1)
    inbox_with(tmp_path, {"type.xml": wrapped(xml)})
    config = folder_config(tmp_path)
    run_once(config)
    assert outcome_table(config.db) == {"type.xml": ("quarantined", "failed-rules")}
    assert responses_by_source(config.db) == {"type.xml": [("T111", "RE", "sent")]}
    [answer] = _outbox_texts(tmp_path / "outbox").values()
    assert "<cbc:DocumentTypeCode>380</cbc:DocumentTypeCode>" in answer and "BR-CL-01" in answer


def test_an_invoice_naming_no_buyer_name_is_still_answered_re(tmp_path):
    root = etree.fromstring(invoice_xml("NOBUYER-1"))
    cac = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
    party = root.find(f"{cac}AccountingCustomerParty/{cac}Party")
    for element in party.findall(f"{cac}PartyLegalEntity") + party.findall(f"{cac}PartyName"):
        party.remove(element)
    inbox_with(tmp_path, {"nobuyer.xml": wrapped(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))})
    config = folder_config(tmp_path)
    run_once(config)
    assert outcome_table(config.db) == {"nobuyer.xml": ("quarantined", "failed-rules")}
    assert ("BR-07", "fatal") in _findings(config.db)["nobuyer.xml"]
    assert responses_by_source(config.db) == {"nobuyer.xml": [("T111", "RE", "sent")]}  # from us, named by us
