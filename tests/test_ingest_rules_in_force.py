"""The inbox validates with the rules in force on the day a document was received, and an
engine failure is never the sender's fault.

* The reference date is the date of reception (``Settings.clock`` receives a document on a
  given day): in a transition period both accepted releases judge it, the one that judged is
  stored (rule set and release) with what the other said; otherwise the one release in force.
* An engine error — the rules do not compile, Saxon fails while running them, an artefact is
  missing — leaves the document pending: archived, not stored, not quarantined, not answered,
  its inbox file kept, the error recorded; the run says so (exit 2) and does not try it again;
  the next run, the fault gone, stores it and answers AB once.
"""
from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ingest import tables as t
from ingest.service import open_pipeline, run_once
from ingest.store import Store
from lssinvoice.cli import main
from validate import engine, rulesets
from validate.schematron.runner import SchematronRunner

from .envelope import error_of, result_of
from .ingest_factory import folder_config, inbox_with, invoice_xml, wrapped

RECEIVED = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


def _document(db: str, name: str):
    store = Store(db)
    with store.engine.connect() as conn:
        row = conn.execute(select(t.documents).where(t.documents.c.source_name == name)).one()
        findings = conn.execute(select(t.findings.c.rule_id, t.findings.c.ruleset)
                                .where(t.findings.c.document_id == row.id)).all()
        responses = conn.execute(select(t.responses.c.kind, t.responses.c.code, t.responses.c.xml)
                                 .where(t.responses.c.document_id == row.id)).all()
        history = conn.execute(select(t.status_history.c.state, t.status_history.c.note)
                               .where(t.status_history.c.document_id == row.id)
                               .order_by(t.status_history.c.id)).all()
    store.dispose()
    return row, findings, responses, history


def _run_cli(config, *args: str):
    return CliRunner().invoke(main, [
        "ingest", "run", "--source", config.source, "--db", config.db, "--municipality", config.municipality,
        "--archive", config.archive, "--outbox", config.outbox, *args])


def _files(folder: str) -> list[str]:
    return sorted(p.name for p in Path(folder).rglob("*") if p.is_file()) if os.path.isdir(folder) else []


# ------------------------------------------------------------------ the reference date

def _two_originators(number: str) -> bytes:
    """Valid by 3.0.20; fails UBL-SR-56 of 3.0.21 (at most one originator reference, new in
    that release)."""
    two = ("<cac:OriginatorDocumentReference><cbc:ID>A-1</cbc:ID></cac:OriginatorDocumentReference>"
           "<cac:OriginatorDocumentReference><cbc:ID>A-2</cbc:ID></cac:OriginatorDocumentReference>")
    text = invoice_xml(number).decode()
    return wrapped(text.replace("<cac:AdditionalDocumentReference>", two + "<cac:AdditionalDocumentReference>", 1)
                   .encode())


def _verdict(ruleset: str, release: str, valid: bool = True, *rules: str) -> dict:
    return {"ruleset": ruleset, "release": release, "valid": valid, "error": False, "fatal_rules": list(rules)}


@pytest.mark.parametrize("day, judged, others", [
    # In the transition to 2026.5 (published 2026-05-20, mandatory 2026-08-24): both judge.
    (date(2026, 6, 1), ("peppol-bis-billing-3.0.21", "2026.5"), [("peppol-bis-billing-3.0.20", "2025.11")]),
    # In the transition to 2025.11: 3.0.20 judges, 3.0.19 (2025.5) still accepted.
    (date(2025, 12, 1), ("peppol-bis-billing-3.0.20", "2025.11"), [("peppol-bis-billing-3.0.19", "2025.5")]),
    # After 2026.5 became mandatory: it alone.
    (date(2026, 9, 1), ("peppol-bis-billing-3.0.21", "2026.5"), []),
], ids=str)
def test_the_rules_in_force_on_the_day_of_reception_judge(tmp_path, day, judged, others):
    inbox_with(tmp_path, {"good.xml": wrapped(invoice_xml("REF-1")),
                          "not-our-reference.xml": wrapped(invoice_xml("REF-2", buyer_reference="NOT-OURS"))})
    config = folder_config(tmp_path)
    pipeline = open_pipeline(config, clock=lambda: datetime.combine(day, time(9, 30), UTC))
    try:
        outcomes = {o.name: (o.state, o.reason_code) for o in pipeline.run()}
    finally:
        pipeline.close()
    assert outcomes == {"good.xml": ("stored", None), "not-our-reference.xml": ("quarantined", "failed-rules")}

    doc, findings, responses, _ = _document(config.db, "good.xml")
    assert doc.received_at.date() == doc.reference_date == day
    assert (doc.ruleset, doc.release) == judged
    expected_others = [_verdict(rs, release) for rs, release in others]
    assert (json.loads(doc.other_releases) if doc.other_releases else []) == expected_others
    [(kind, code, xml)] = responses
    assert (kind, code) == ("T111", "AB") and f"<cbc:IssueDate>{day}</cbc:IssueDate>".encode() in xml

    # The municipal rules run after the judging release, under their own rule set.
    refused, findings, _, _ = _document(config.db, "not-our-reference.xml")
    assert (refused.ruleset, refused.release, refused.reference_date) == (*judged, day)
    assert ("LSS-MUN-001", "municipal-tjorn") in [tuple(f) for f in findings]

    shown = CliRunner().invoke(main, ["ingest", "show", str(doc.id), "--db", config.db])
    assert shown.exit_code == 0, shown.output
    assert f"judged by {judged[0]} (OpenPeppol {judged[1]}), the rules in force on {day}" in shown.output
    for ruleset, release in others:
        assert f"also accepted that day: {ruleset} (OpenPeppol {release}): valid" in shown.output
    as_json = result_of(CliRunner().invoke(main, ["ingest", "show", str(doc.id), "--db", config.db,
                                                  "--format", "json"]).output, "ingest show")
    assert (as_json["ruleset"], as_json["release"], as_json["reference_date"]) == (*judged, day.isoformat())
    assert as_json["other_releases"] == expected_others


def test_in_a_transition_an_invoice_the_older_release_passes_is_stored_with_what_the_newer_said(tmp_path):
    inbox_with(tmp_path, {"two-originators.xml": _two_originators("REF-3")})
    config = folder_config(tmp_path)
    pipeline = open_pipeline(config, clock=lambda: RECEIVED)
    try:
        [outcome] = pipeline.run()
    finally:
        pipeline.close()
    assert (outcome.state, outcome.reason_code) == ("stored", None)
    doc, findings, responses, _ = _document(config.db, "two-originators.xml")
    assert (doc.ruleset, doc.release, doc.reference_date) == ("peppol-bis-billing-3.0.20", "2025.11", RECEIVED.date())
    assert json.loads(doc.other_releases) == [_verdict("peppol-bis-billing-3.0.21", "2026.5", False, "UBL-SR-56")]
    assert [(kind, code) for kind, code, _ in responses] == [("T111", "AB")]
    shown = CliRunner().invoke(main, ["ingest", "show", str(doc.id), "--db", config.db])
    assert "also accepted that day: peppol-bis-billing-3.0.21 (OpenPeppol 2026.5): invalid (UBL-SR-56)" in shown.output


# ------------------------------------------------------------------ engine errors

BROKEN_XSLT = ("<xsl:stylesheet version='3.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
               "<xsl:template match='/'><xsl:value-of select='1 +'/></xsl:template></xsl:stylesheet>")


def _does_not_compile(m: pytest.MonkeyPatch, tmp: Path) -> str:
    """The PEPPOL step's XSLT does not compile (Saxon refuses it: a syntax error)."""
    real = rulesets.compiled_step

    def broken(step):
        compiled = real(step)
        if step.name != "PEPPOL BIS 3":
            return compiled
        return dataclasses.replace(compiled, xslt=BROKEN_XSLT, key=f"broken-for-a-test:{compiled.key}")

    m.setattr(rulesets, "_RUNNERS", {})
    m.setattr(rulesets, "compiled_step", broken)
    return "LSS-SCH-002"


def _saxon_error(m: pytest.MonkeyPatch, tmp: Path) -> str:
    """Saxon fails while running the rules (a dynamic error of the transform)."""
    def fails(self, node):
        raise RuntimeError("XPTY0004: a dynamic error in the rules (injected by the test)")

    m.setattr(SchematronRunner, "run_raw", fails)
    return "LSS-SCH-001"


def _artefact_missing(m: pytest.MonkeyPatch, tmp: Path) -> str:
    """The artefact cache (LSSINVOICE_ARTEFACTS) lacks the judging release's PEPPOL .sch: a
    copy of the installed cache (links) without it; the compiled rules of this process are
    forgotten, so they are looked up again."""
    from schemas.artefacts import artefacts_dir

    installed, copy = artefacts_dir(), tmp / "artefacts-without-the-peppol-sch"
    missing = installed / "peppol-release-2026.5" / "sch" / "PEPPOL-EN16931-UBL.sch"
    for source in installed.rglob("*"):
        if source.is_file() and source != missing:
            target = copy / source.relative_to(installed)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    m.setenv("LSSINVOICE_ARTEFACTS", str(copy))
    m.setattr(rulesets, "_RUNNERS", {})
    m.setattr(rulesets, "_COMPILED", {})
    return "LSS-ENG-001"


def _xsd_missing(m: pytest.MonkeyPatch, tmp: Path) -> str:
    """The UBL XSD is not installed: the engine raises instead of reporting a finding."""
    from schemas.artefacts import ArtefactMissing

    def missing(tree, kind):
        raise ArtefactMissing("artefact oasis-ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd is not installed")

    m.setattr(engine, "validate_xsd", missing)
    return "LSS-ENG-001"


FAULTS = {"stylesheet-does-not-compile": _does_not_compile, "saxon-error": _saxon_error,
          "artefact-missing": _artefact_missing, "xsd-missing": _xsd_missing}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_an_engine_error_keeps_the_document_pending_and_the_next_run_stores_it(tmp_path, monkeypatch, fault):
    inbox = inbox_with(tmp_path, {"good.xml": wrapped(invoice_xml("ENG-1"))})
    config = folder_config(tmp_path)
    with monkeypatch.context() as m:
        rule = FAULTS[fault](m, tmp_path)
        first = _run_cli(config, "--format", "json")
        status = CliRunner().invoke(main, ["ingest", "status", "--db", config.db])
        listed = result_of(CliRunner().invoke(main, ["ingest", "list", "--reason", "engine-error", "--db", config.db,
                                                     "--format", "json"]).output, "ingest list")
    # The run says so, as an operational fault (exit 2), and names the document and the error.
    assert first.exit_code == 2, first.output
    message, summary = error_of(first.stdout, "ingest run")
    assert message == ("1 document(s) could not be validated because of an engine error (not the senders' fault): "
                       "kept pending, not answered, tried again by the next run")
    assert (summary["pending"], summary["stored"], summary["quarantined"], summary["error"]) == (1, 0, 0, None)
    [pending] = summary["engine_errors"]
    assert pending["name"] == "good.xml" and rule in pending["error"] and "not the sender's fault" in pending["error"]
    assert summary["store_states"] == {"archived": 1}

    # Pending: archived, not quarantined, nothing answered, the inbox file and the archived copy kept.
    doc, findings, responses, history = _document(config.db, "good.xml")
    assert (doc.state, doc.reason_code, doc.owner, doc.lease_until) == ("archived", None, None, None)
    assert rule in doc.last_error and doc.last_error_at is not None
    assert findings == [] and responses == [] and _files(config.outbox) == []
    assert (inbox / "good.xml").exists() and len(_files(config.archive)) == 1
    # Tried once in this run: recovery did not take it again (no take-over, one pending note).
    assert doc.attempts == 1
    assert [state for state, note in history if note and note.startswith("pending")] == ["archived"]
    assert status.exit_code == 0 and "pending after an engine error: 1" in status.output
    assert [(d["state"], d["reason"]) for d in listed["documents"]] == [("archived", "engine-error")]
    shown = CliRunner().invoke(main, ["ingest", "show", str(doc.id), "--db", config.db])
    assert "pending since" in shown.output and rule in shown.output

    # The fault gone, the next run stores it and answers AB, once.
    second = _run_cli(config, "--format", "json")
    assert second.exit_code == 0, second.output
    again = result_of(second.stdout, "ingest run")
    assert (again["stored"], again["pending"], again["retried"]) == (1, 0, ["good.xml"])
    doc, findings, responses, history = _document(config.db, "good.xml")
    assert (doc.state, doc.last_error, doc.last_error_at) == ("stored", None, None)
    assert (doc.ruleset, doc.release) == ("peppol-bis-billing-3.0.21", "2026.5")
    assert [(kind, code) for kind, code, _ in responses] == [("T111", "AB")]
    assert len(_files(config.outbox)) == 1 and not (inbox / "good.xml").exists()
    assert any(note and note.startswith("pending") for _, note in history)  # the record stays

    third = result_of(_run_cli(config, "--format", "json").stdout, "ingest run")
    assert third["processed"] == 0 and len(_files(config.outbox)) == 1


def test_a_pending_document_whose_inbox_file_is_gone_is_finished_from_the_archive(tmp_path, monkeypatch):
    """The next run finds it by recovery (the archived copy), not only by the inbox listing."""
    inbox = inbox_with(tmp_path, {"good.xml": wrapped(invoice_xml("ENG-2")),
                                  "other.xml": wrapped(invoice_xml("ENG-3"))})
    config = folder_config(tmp_path)
    with monkeypatch.context() as m:
        _saxon_error(m, tmp_path)
        first = run_once(config)
    assert [o.state for o in first.outcomes] == ["pending", "pending"]
    (inbox / "good.xml").unlink()
    second = run_once(config).to_dict()
    assert (second["stored"], second["pending"], sorted(second["retried"])) == (2, 0, ["good.xml", "other.xml"])
    doc, _, responses, _ = _document(config.db, "good.xml")
    assert doc.state == "stored" and [(k, c) for k, c, _ in responses] == [("T111", "AB")]


def test_a_retried_quarantined_document_hitting_an_engine_error_stays_pending(tmp_path, monkeypatch):
    inbox_with(tmp_path, {"bad-ref.xml": wrapped(invoice_xml("ENG-4", buyer_reference="NOT-OURS"))})
    config = folder_config(tmp_path)
    assert run_once(config).to_dict()["quarantine_reasons"] == {"failed-rules": 1}
    with monkeypatch.context() as m:
        _saxon_error(m, tmp_path)
        retry = CliRunner().invoke(main, ["ingest", "retry", "--quarantined", "--db", config.db, "--municipality",
                                          "tjorn", "--source", config.source, "--archive", config.archive,
                                          "--outbox", config.outbox, "--format", "json"])
    assert retry.exit_code == 2, retry.output
    _, summary = error_of(retry.stdout, "ingest retry")
    assert (summary["pending"], summary["quarantined"]) == (1, 0)
    doc, _, responses, _ = _document(config.db, "bad-ref.xml")
    assert doc.state == "archived" and "LSS-SCH-001" in doc.last_error
    assert [(k, c) for k, c, _ in responses] == [("T111", "RE")]  # the earlier answer, not another


def test_on_postgres_a_pending_document_waits_for_the_next_run(tmp_path, monkeypatch, postgres):
    inbox_with(tmp_path, {"good.xml": wrapped(invoice_xml("ENG-5"))})
    config = folder_config(tmp_path, db=postgres.create_database("pending"))
    with monkeypatch.context() as m:
        _saxon_error(m, tmp_path)
        first = run_once(config).to_dict()
    assert (first["pending"], first["store_states"]) == (1, {"archived": 1})
    doc, _, responses, _ = _document(config.db, "good.xml")
    assert doc.attempts == 1 and doc.last_error_at.tzinfo is not None and responses == []
    second = run_once(config).to_dict()
    assert (second["stored"], second["retried"]) == (1, ["good.xml"])
    doc, _, responses, _ = _document(config.db, "good.xml")
    assert (doc.state, doc.release, doc.reference_date) == ("stored", "2026.5", doc.received_at.astimezone(UTC).date())
    assert [(k, c) for k, c, _ in responses] == [("T111", "AB")]


def test_an_engine_error_while_checking_our_response_leaves_the_document_pending(monkeypatch):
    """The official T111 rules that check our own answer could not be run: that is no reason
    to quarantine the sender's invoice (a final state); it waits for the next run."""
    from ingest import replies
    from validate.findings import Finding, Severity

    def unchecked(self, xml, kind, at=None):
        raise replies.ResponseUnchecked("the rules of the invoice-response response could not be run",
                                        [Finding("LSS-SCH-001", Severity.FATAL, "XPDY0002", ruleset="peppol-t111-2026.5")])

    monkeypatch.setattr(replies.Replier, "check", unchecked)
    receiver = replies.Receiver("Tjörns kommun", "tjorn", "0007:2120001306", ("X",))
    analysis = replies.Analysis("stored", received=object(), payload=object(),
                                answer=replies.Answer("T111", "AB"))
    monkeypatch.setattr(replies.Replier, "invoice_response",
                        lambda self, *a: self.check(b"", "invoice-response"))
    out = replies.Replier(receiver, validator=object()).answer(analysis, 1, None)
    assert (out.state, out.reason_code, out.responses, out.answer) == ("pending", "engine-error", [], None)
    assert [f.rule_id for f in out.findings] == ["LSS-SCH-001"]
