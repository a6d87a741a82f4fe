"""The demo's signed time reports (issue 14): the assistants and a supervisor sign, Tjörn verifies.

With the example PKI (:mod:`lssinvoice.example_pki`: a fictional e-ID root, each assistant's
certificate carrying their synthetic personnummer in ``serialNumber``, a supervisor's), the
demo exports Tjörn's time reports of March 2024 as XML, has each signed by its assistant and
by the supervisor, and writes into ``<out>/signing/``: the signed reports, the trust anchor
(``trust.pem``) and the provider's signatories (``signatories.csv``). The provider's Tjörn
invoices are then made with them (the signed reports attached in place of the CSVs) and the
municipality's ingest verifies them with the same anchor (:mod:`ingest.signed_intake`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peppol.identifiers import luhn

__all__ = ["DemoSigning", "sign_demo_reports"]

ROOT = "Exempel e-legitimation Root CA"
SUPERVISOR = ("Arbetsledare Exempelsson", "19720614", "248")  # fictional; birth date and serial of a synthetic number


@dataclass(frozen=True)
class DemoSigning:
    """What the demo's signing made: the verified reports (``SignedInput``), the files."""

    signed: tuple
    folder: Path
    trust: Path
    signatories: Path


def _synthetic_pnr(birth: str, serial: str) -> str:
    return birth + serial + luhn.calc_check_digit(birth[2:] + serial)


def sign_demo_reports(reports, provider, out: Path) -> DemoSigning:
    """Export, sign (assistant, then supervisor) and verify ``reports``; files in ``out/signing``."""
    from invoices.signatories import read_signatories
    from invoices.signed_attach import SignedInput
    from invoices.signed_reports import sign_report, verify_report
    from invoices.timereport_xml import ReportParty, report_xml
    from lssinvoice.example_pki import cert_pem, person, root_ca
    from lssinvoice.invoice_report import write_replace
    from validate.xmldsig import TrustPolicy

    folder = out / "signing"
    name, birth, serial = SUPERVISOR
    supervisor = person(name, _synthetic_pnr(birth, serial), key_type="ec", root=ROOT)
    trust = folder / "trust.pem"
    write_replace(trust, cert_pem(root_ca(ROOT).cert))
    signatories = folder / "signatories.csv"
    write_replace(signatories, f"pnr,name,role\r\n{_synthetic_pnr(birth, serial)},{name},arbetsledare\r\n".encode())
    policy = TrustPolicy(anchors=(root_ca(ROOT).cert,))
    people = read_signatories(signatories)
    party = ReportParty(provider.name, provider.org_nr)
    signed = []
    for i, report in enumerate(reports, start=1):
        assistant = person(report.assistant.name, report.assistant.pnr, root=ROOT)
        data = report_xml(report, party)
        data = sign_report(data, role="assistant", key_pem=assistant.key_pem, cert_pem=assistant.cert_pem,
                           chain_pem=assistant.chain_pem)
        data = sign_report(data, role="supervisor", key_pem=supervisor.key_pem, cert_pem=supervisor.cert_pem,
                           chain_pem=supervisor.chain_pem)
        path = folder / f"tidrapport-{report.month}-{i:02d}.xml"
        write_replace(path, data)
        signed.append(SignedInput(verify_report(data, path.name, policy, people), data))
    return DemoSigning(tuple(signed), folder, trust, signatories)
