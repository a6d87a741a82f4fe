"""Signed time reports received with an invoice: verified, then read from the signed bytes only.

A provider attaches a signed time report (:mod:`invoices.signed_reports`) as the PDF rendering
that carries the signed XML byte for byte (:func:`invoices.pdf_copies.signed_timereport_pdf`:
an invoice may embed no XML, BR-CL-24). For every PDF attachment :func:`signed_in_pdf` looks
for that embedded file; when there is one, every signature is verified against this
receiver's pinned trust anchors and the provider's signatories (:class:`ReportSigning`), and
the report is read from the element the verification covered. Its ``signatures`` are the
roles that verified, so the case work's formalities check (LSS-CASE-050/051) judges real
signatures.

A CSV/XLSX report's signatures are yes/no cells: the municipality's registry entry says
whether they are believed (``unsigned_timereports``: ``accepted``, ``flagged``, ``rejected``;
:func:`judge_unsigned`).

Findings (warnings, step ``timereports``; the invoice is stored all the same):

* ``LSS-TR-003`` a signed report's problem: a signature that does not verify (its ``SIG-*`` or
  ``TR-SIG-*`` code and reason), a role missing, no trust anchors configured (then nothing
  verifies and the report counts as unsigned), an embedded report that cannot be read;
* ``LSS-TR-004`` a report signed only by yes/no cells, where the municipality flags or rejects
  such reports (rejected: counted as unsigned).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from invoices.model import Signatures, TimeReport, mask_personal_numbers
from validate.findings import Finding, Severity

__all__ = ["SIGNED_RULE", "UNSIGNED_RULE", "ReportSigning", "judge_unsigned", "load_signing", "signed_finding",
           "signed_in_pdf"]

SIGNED_RULE = "LSS-TR-003"
UNSIGNED_RULE = "LSS-TR-004"
STEP = "timereports"


@dataclass(frozen=True)
class ReportSigning:
    """How this receiver takes signed and unsigned reports: the trust policy
    (:class:`validate.xmldsig.TrustPolicy`; None: no anchors configured), the providers'
    signatories by personnummer, what the registry says of unsigned reports, and the buyer's name."""

    trust: object | None = None
    signatories: Mapping = field(default_factory=dict)
    unsigned: str = "accepted"
    buyer: str = ""


def load_signing(trust_files: tuple[str, ...], signatories: str | None, municipality) -> ReportSigning:
    """The :class:`ReportSigning` of a configuration: PEM files of trust anchors (one or more
    certificates each), the signatories file, the registry entry (OSError, ValueError and
    :class:`invoices.input_errors.InputErrors` name what cannot be read)."""
    from invoices.signatories import read_signatories
    from invoices.signed_reports import trust_policy

    rule = municipality.unsigned_timereports
    return ReportSigning(trust=trust_policy(trust_files) if trust_files else None,
                         signatories=read_signatories(signatories) if signatories else {},
                         unsigned=rule.value if rule else "accepted", buyer=municipality.display_name)


def _finding(rule: str, text: str) -> Finding:
    return Finding(rule, Severity.WARNING, mask_personal_numbers(text), step=STEP)


def signed_finding(text: str) -> Finding:
    """An LSS-TR-003 finding (a signed report's problem), personnummer masked."""
    return _finding(SIGNED_RULE, text)


def signed_in_pdf(content: bytes, label: str, signing: ReportSigning) -> tuple[tuple[TimeReport, ...] | None,
                                                                                list[Finding]]:
    """The signed report a PDF attachment carries, verified (None when the PDF carries none),
    and the findings about it."""
    from invoices.input_errors import InputErrors
    from invoices.pdf_copies import embedded_signed_report
    from invoices.signed_reports import verify_report
    from invoices.timereport_xml import read_report_xml

    try:
        xml = embedded_signed_report(content)
    except ValueError as exc:
        return None, [_finding(SIGNED_RULE, f"{label}: {exc}")]
    if xml is None:
        return None, []
    if signing.trust is None:
        try:
            report, _ = read_report_xml(xml, label)
        except InputErrors as exc:
            return None, [_finding(SIGNED_RULE, f"{label}: the signed report cannot be read: {exc}")]
        return (report,), [_finding(SIGNED_RULE, f"{label}: a signed time report, but no trust anchors are "
                                                 "configured (--trust): not verified, counted as unsigned")]
    checked = verify_report(xml, label, signing.trust, signing.signatories)
    findings = [_finding(SIGNED_RULE, f"{code}: {message}") for code, message in checked.findings]
    if checked.report is None:
        return None, findings
    return (checked.report,), findings


def judge_unsigned(reports: tuple[TimeReport, ...], label: str, signing: ReportSigning) -> tuple[
        tuple[TimeReport, ...], list[Finding]]:
    """A CSV/XLSX attachment's reports as the registry takes yes/no signature cells."""
    if signing.unsigned == "accepted" or not any(r.signatures.assistant or r.signatures.supervisor for r in reports):
        return reports, []
    if signing.unsigned == "flagged":
        return reports, [_finding(UNSIGNED_RULE, f"{label}: the signatures are yes/no cells, not signatures "
                                                 f"({signing.buyer} flags such reports)")]
    unsigned = tuple(r.model_copy(update={"signatures": Signatures()}) for r in reports)
    return unsigned, [_finding(UNSIGNED_RULE, f"{label}: the signatures are yes/no cells, which {signing.buyer} "
                                              "does not accept: the report counts as unsigned")]
