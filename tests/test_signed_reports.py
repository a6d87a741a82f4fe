"""Signed time reports (issue 14): roles, people, the provider's invoice, the municipality's intake."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from click.testing import CliRunner

from invoices.signed_reports import Signatory, sign_report, verify_report
from invoices.timereport_xml import ReportParty, report_xml
from lssinvoice.cli import main
from validate.xmldsig import TrustPolicy

from . import pki
from .factories import ANNA, EXAMPLES, PROVIDER, report, shift

PARTY = ReportParty(PROVIDER.name, PROVIDER.org_nr)
POLICY = TrustPolicy(anchors=pki.anchors())
ANNA_ID = pki.person("Assistenta Ettan", ANNA.pnr)
SIGNATORIES = {pki.SUPERVISOR_PNR: Signatory(pki.SUPERVISOR_PNR, "Arbetsledare Intygar", "supervisor")}


def unsigned() -> bytes:
    return report_xml(report(shift("2024-03-04", "08:00", "15:00"), shift("2024-03-05", "22:00", "07:00",
                                                                          kind="waiting")), PARTY)


def signed(data: bytes, role: str, who) -> bytes:
    return sign_report(data, role=role, **who.sign_kwargs())


def both() -> bytes:
    return signed(signed(unsigned(), "assistant", ANNA_ID), "supervisor", pki.supervisor())


def test_assistant_and_supervisor_in_either_order():
    for data in (both(), signed(signed(unsigned(), "supervisor", pki.supervisor()), "assistant", ANNA_ID)):
        checked = verify_report(data, "r.xml", POLICY, SIGNATORIES)
        assert checked.valid and checked.findings == []
        assert (checked.report.signatures.assistant, checked.report.signatures.supervisor) == (True, True)
        assert [s.role for s in checked.signers] in (["assistant", "supervisor"], ["supervisor", "assistant"])
        assert [s.start.isoformat() for s in checked.report.shifts] == ["2024-03-04T08:00:00+01:00",
                                                                       "2024-03-05T22:00:00+01:00"]


def test_the_assistants_signature_must_be_the_assistants_own():
    data = signed(signed(unsigned(), "assistant", pki.other_person()), "supervisor", pki.supervisor())
    checked = verify_report(data, "r.xml", POLICY, SIGNATORIES)
    assert [code for code, _ in checked.findings] == ["TR-SIG-02", "TR-SIG-01"]
    assert checked.report.signatures.assistant is False and checked.report.signatures.supervisor is True


def test_the_supervisor_must_be_a_signatory_and_an_ombud_needs_a_power_of_attorney():
    checked = verify_report(both(), "r.xml", POLICY, {})
    assert [code for code, _ in checked.findings] == ["TR-SIG-03", "TR-SIG-01"]
    data = signed(signed(unsigned(), "assistant", ANNA_ID), "ombud", pki.supervisor())
    ombud = {pki.SUPERVISOR_PNR: Signatory(pki.SUPERVISOR_PNR, "Ombud", "ombud")}
    assert [c for c, _ in verify_report(data, "r.xml", POLICY, ombud).findings] == ["TR-SIG-03", "TR-SIG-01"]
    ombud = {pki.SUPERVISOR_PNR: Signatory(pki.SUPERVISOR_PNR, "Ombud", "ombud", power_of_attorney=True)}
    assert verify_report(data, "r.xml", POLICY, ombud).valid


def test_a_missing_role_is_a_finding():
    checked = verify_report(signed(unsigned(), "assistant", ANNA_ID), "r.xml", POLICY, SIGNATORIES)
    assert [c for c, _ in checked.findings] == ["TR-SIG-01"]
    assert "supervisor or ombud" in checked.findings[0][1]


def test_a_changed_byte_in_the_content_invalidates_every_signature():
    data = both().replace(b"<tr:Decision>D-BASE</tr:Decision>", b"<tr:Decision>D-BASF</tr:Decision>", 1)
    checked = verify_report(data, "r.xml", POLICY, SIGNATORIES)
    assert checked.report is None and not checked.valid
    assert [s.code for s in checked.signers] == ["SIG-021", "SIG-021"]


def test_only_the_signed_content_is_read():
    # A second, unsigned Report with other shifts beside the signed one: refused, nothing read.
    data = both()
    forged = data.replace(b"</tr:TimeReport>", data[data.index(b"<tr:Report "):data.index(b"</tr:Report>")]
                          .replace(b'Id="report"', b'Id="report2"').replace(b"08:00:00", b"06:00:00")
                          + b"</tr:Report></tr:TimeReport>")
    checked = verify_report(forged, "r.xml", POLICY, SIGNATORIES)
    assert checked.report is None and checked.findings


def test_cli_sign_and_verify(tmp_path):
    runner = CliRunner()
    report_file = tmp_path / "r.xml"
    report_file.write_bytes(unsigned())
    keys = {}
    for role, who in (("assistant", ANNA_ID), ("supervisor", pki.supervisor())):
        for part in ("key", "cert"):
            path = tmp_path / f"{role}.{part}.pem"
            path.write_bytes(who.key_pem if part == "key" else who.cert_pem)
            keys[role, part] = path
        chain = tmp_path / f"{role}.chain.pem"
        chain.write_bytes(b"".join(who.chain_pem))
        keys[role, "chain"] = chain
    trust = tmp_path / "trust.pem"
    trust.write_bytes(b"".join(pki.cert_pem(c) for c in pki.anchors()))
    signatories = tmp_path / "signatories.csv"
    signatories.write_text(f"pnr,name,role\n{pki.SUPERVISOR_PNR},Arbetsledare Intygar,arbetsledare\n")

    def verify(*extra):
        return runner.invoke(main, ["timereport", "verify", str(report_file), "--trust", str(trust), *extra])

    result = runner.invoke(main, ["timereport", "sign", str(report_file), "--role", "assistant", "--key",
                                  str(keys["assistant", "key"]), "--cert", str(keys["assistant", "cert"]),
                                  "--chain", str(keys["assistant", "chain"])])
    assert result.exit_code == 0, result.output
    half = verify("--signatories", str(signatories), "--format", "json")
    assert half.exit_code == 1
    [rep] = json.loads(half.stdout)["result"]["reports"]
    assert [f["code"] for f in rep["findings"]] == ["TR-SIG-01"]
    result = runner.invoke(main, ["timereport", "sign", str(report_file), "--role", "supervisor", "--key",
                                  str(keys["supervisor", "key"]), "--cert", str(keys["supervisor", "cert"]),
                                  "--chain", str(keys["supervisor", "chain"])])
    assert result.exit_code == 0, result.output
    assert verify("--signatories", str(signatories)).exit_code == 0
    assert verify().exit_code == 1  # the supervisor is nobody's signatory without the file
    assert runner.invoke(main, ["timereport", "verify", str(report_file)]).exit_code == 2  # --trust required
    assert ANNA.pnr[:8] not in half.output + verify().output


# ---------------------------------------------------------------- the provider's invoice

def _month_inputs(tmp_path):
    """Tjörn's March 2024 from the examples, Bertil's report signed by him and a supervisor."""
    import shutil

    from invoices.inputs import read_timereports

    ex = tmp_path / "ex"
    shutil.copytree(EXAMPLES, ex, ignore=shutil.ignore_patterns("*.series*", "*.py", "casework"))
    reports = read_timereports(ex / "timereports" / "tjorn-2024-03")
    bertil = next(r for r in reports if r.assistant.name.startswith("Bertil"))
    who = pki.person("Bertil Fiktivsson", bertil.assistant.pnr)
    folder = tmp_path / "signed"
    folder.mkdir()
    data = report_xml(bertil, PARTY)
    data = sign_report(sign_report(data, role="assistant", **who.sign_kwargs()), role="supervisor",
                       **pki.supervisor().sign_kwargs())
    (folder / "bertil.xml").write_bytes(data)
    trust = tmp_path / "trust.pem"
    trust.write_bytes(b"".join(pki.cert_pem(c) for c in pki.anchors()))
    signatories = tmp_path / "signatories.csv"
    signatories.write_text(f"pnr,name,role\n{pki.SUPERVISOR_PNR},Arbetsledare Intygar,supervisor\n")
    args = ["invoice", "create", "--provider", str(ex / "provider.toml"), "--timereports",
            str(ex / "timereports" / "tjorn-2024-03"), "--decisions", str(ex / "decisions.csv"),
            "--municipality", "tjorn", "--period", "2024-03", "--issue-date", "2024-04-02",
            "--out", str(tmp_path / "out"), "--sbdh"]
    return args, folder, trust, signatories


def test_invoice_create_attaches_the_signed_report_and_counts_only_real_signatures(tmp_path):
    from invoices.pdf_copies import embedded_signed_report
    from peppol.reader import from_ubl

    args, folder, trust, signatories = _month_inputs(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, [*args, "--signed-reports", str(folder), "--trust", str(trust), "--signatories",
                                  str(signatories), "--format", "json", "--check", "LSS-SRC-030=warning"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["result"]
    # Anna's and Cecilia's reports have no signed XML: their "ja" cells no longer count.
    assert sorted({f["code"] for f in data["findings"] if f["code"].startswith("LSS-SRC-03")}) == [
        "LSS-SRC-030", "LSS-SRC-031"]
    assert len([n for n in data["notes"] if "no signed report given" in n]) == 2
    [produced] = data["produced"]
    doc = from_ubl(Path(produced["file"]).read_bytes())
    signed_atts = [a for a in doc.attachments if (a.filename or "").endswith("-signerad.pdf")]
    assert len(signed_atts) == 1 and signed_atts[0].mime_code == "application/pdf"
    assert signed_atts[0].id.startswith("TR-") and f"{signed_atts[0].id}-PDF" not in {a.id for a in doc.attachments}
    xml = embedded_signed_report(signed_atts[0].content)
    assert xml == (folder / "bertil.xml").read_bytes()  # byte for byte


def test_invoice_create_refuses_a_signed_report_that_does_not_verify(tmp_path):
    args, folder, trust, signatories = _month_inputs(tmp_path)
    path = folder / "bertil.xml"
    path.write_bytes(path.read_bytes().replace(b"<tr:Kind>waiting</tr:Kind>", b"<tr:Kind>active</tr:Kind>", 1))
    result = CliRunner().invoke(main, [*args, "--signed-reports", str(folder), "--trust", str(trust)])
    assert result.exit_code == 1 and "signed_report_invalid" in result.stderr and "SIG-021" in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.xml"))


# ---------------------------------------------------------------- the municipality's intake

def _ingest(tmp_path, outbox, *extra, municipality="tjorn", registry=None):
    import shutil

    inbox = tmp_path / "inbox"
    inbox.mkdir(parents=True)
    for f in outbox.glob("*.xml"):
        shutil.copyfile(f, inbox / f.name)
    db = f"sqlite:///{tmp_path / 'ingest.db'}"
    args = ["ingest", "run", "--source", str(inbox), "--db", db, "--municipality", municipality,
            "--archive", str(tmp_path / "archive"), "--outbox", str(tmp_path / "responses"), "--format", "json",
            *extra]
    if registry:
        args += ["--registry", str(registry)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    import sqlalchemy as sa

    engine = sa.create_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT a.recognised_as, r.assistant_signed, r.supervisor_signed FROM timereports r "
            "JOIN attachments a ON a.id = r.attachment_id ORDER BY a.id")).all()
        findings = conn.execute(sa.text("SELECT rule_id, message FROM findings ORDER BY id")).all()
    engine.dispose()
    return [tuple(r) for r in rows], [(f[0], f[1]) for f in findings]


def test_the_municipality_verifies_the_signed_report_and_reads_it(tmp_path):
    args, folder, trust, signatories = _month_inputs(tmp_path)
    assert CliRunner().invoke(main, [*args, "--signed-reports", str(folder), "--trust", str(trust),
                                     "--signatories", str(signatories), "--check", "LSS-SRC-030=warning"]
                              ).exit_code == 0
    outbox = tmp_path / "out" / "outbox"
    rows, findings = _ingest(tmp_path / "with", outbox, "--trust", str(trust), "--signatories", str(signatories))
    assert ("timereport-signed", True, True) in rows
    assert sorted(rows).count(("timereport-csv", False, False)) == 2  # Anna's and Cecilia's CSV: unsigned
    assert not [f for f in findings if f[0] == "LSS-TR-003"]
    rows, findings = _ingest(tmp_path / "without", outbox)
    assert ("timereport-signed", False, False) in rows
    assert [f[0] for f in findings if f[0] == "LSS-TR-003"] == ["LSS-TR-003"]
    assert "no trust anchors are configured" in [f[1] for f in findings if f[0] == "LSS-TR-003"][0]


@pytest.mark.parametrize("rule, signed, flagged", [("rejected", False, 3), ("flagged", True, 3), ("accepted", True, 0)])
def test_the_registry_says_how_yes_no_signature_cells_are_taken(tmp_path, rule, signed, flagged):
    from .factories import TJORN

    args, _, _, _ = _month_inputs(tmp_path)
    assert CliRunner().invoke(main, args).exit_code == 0
    registry = tmp_path / "registry"
    registry.mkdir()
    text = open(TJORN.origin, encoding="utf-8").read().replace(
        'slug = "tjorn"\n', f'slug = "tjorn"\nunsigned_timereports = {{ value = "{rule}", source = "test registry" }}\n', 1)
    (registry / "tjorn.toml").write_text(text, encoding="utf-8")
    rows, findings = _ingest(tmp_path / "m", tmp_path / "out" / "outbox", registry=registry)
    assert rows == [("timereport-csv", signed, signed)] * 3
    assert [f[0] for f in findings].count("LSS-TR-004") == flagged
