"""Signed time reports: who signed, in which role, and whether that person may (issue 14).

A time report in the project's XML (:mod:`invoices.timereport_xml`) carries one enveloped
XML signature per signer (:mod:`validate.xmldsig`: RSA-PSS or ECDSA with SHA-256, XAdES-BES
signed properties with the signing time, the signing certificate's digest and the signer's
role). Each signature covers the report content (``Report``, ``Id="report"``) only, so the
assistant and the supervisor sign the same content independently, in either order.

Verification (:func:`verify_report`) is the generic check of every signature against the
pinned trust anchors (a changed byte, an untrusted or expired certificate, the wrong key
usage, hostile structure: :mod:`validate.xmldsig`'s ``SIG-*`` codes), then what the roles
mean here:

=========  ==============================================================================
TR-SIG-01  a role the report needs has no valid signature (``assistant``; ``supervisor`` or
           ``ombud``): the report is not signed as the municipalities ask (Tjörn: "Tidrapport
           ska vara signerad av assistenten"; Västerås: "undertecknade av assistenter och
           arbetsledare/chef eller ombud")
TR-SIG-02  the assistant's signature is another person's: the certificate's subject
           serialNumber (the personnummer, as Swedish e-identification certificates carry
           it) is not the assistant's in the report
TR-SIG-03  the supervisor's (ombud's) signature is by a person the provider's signatories do
           not name in that role (an ombud needs a power of attorney on file)
TR-SIG-04  a signature names a role other than assistant, supervisor or ombud
=========  ==============================================================================

Only the signed bytes are read: the report returned is the one held by the element the
verification covered (``Verification.content``), never another part of the file.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .input_errors import InputErrors
from .model import Signatures, TimeReport
from .timereport_xml import CONTENT_ID, CONTENT_TAG, ReportParty, read_report_xml, report_from_element

__all__ = ["ROLES", "SignedReport", "SignerCheck", "Signatory", "sign_report", "trust_policy", "verify_report"]

ROLES = ("assistant", "supervisor", "ombud")
SUPERVISING = ("supervisor", "ombud")


@dataclass(frozen=True)
class Signatory:
    """A person the provider names as able to sign for it: a supervisor (arbetsledare) or an
    ombud; ``power_of_attorney``: an ombud's fullmakt is on file."""

    pnr: str
    name: str
    role: str
    power_of_attorney: bool = False


@dataclass(frozen=True)
class SignerCheck:
    """One signature, judged: its role, whether it counts, and why not."""

    role: str | None
    valid: bool
    code: str | None
    reason: str
    signing_time: datetime | None

    def to_dict(self) -> dict:
        return {"role": self.role, "valid": self.valid, "code": self.code, "reason": self.reason,
                "signing_time": self.signing_time.isoformat() if self.signing_time else None}


@dataclass(frozen=True)
class SignedReport:
    """A verified report: ``report`` read from the signed bytes (its ``signatures`` the roles
    that verified), ``signers`` every signature judged, ``findings`` (code, message)."""

    report: TimeReport | None
    provider: ReportParty | None
    signers: list[SignerCheck] = field(default_factory=list)
    findings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.report is not None and not self.findings

    def to_dict(self) -> dict:
        return {"valid": self.valid, "signers": [s.to_dict() for s in self.signers],
                "findings": [{"code": c, "message": m} for c, m in self.findings]}


def trust_policy(pem_files: Sequence, key_usage: str = "either"):
    """The :class:`validate.xmldsig.TrustPolicy` of the trust anchors in ``pem_files`` (one or
    more certificates each; pinned: never the system store). OSError, ValueError when a file
    cannot be read or holds no certificate."""
    from pathlib import Path

    from cryptography import x509

    from validate.xmldsig import TrustPolicy

    anchors = tuple(c for path in pem_files for c in x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return TrustPolicy(anchors=anchors, key_usage=key_usage)


def sign_report(data: bytes, *, role: str, key_pem: bytes, cert_pem: bytes, chain_pem: Sequence[bytes] = (),
                signing_time: datetime | None = None) -> bytes:
    """``data`` (a time-report XML, signed or not) with one more signature, by ``role``.
    The report is read first (ValueError naming what is wrong when it is not one)."""
    from validate.xmldsig import sign_enveloped

    if role not in ROLES:
        raise ValueError(f"role {role!r}: the roles are {', '.join(ROLES)}")
    try:
        read_report_xml(data, "the report")
    except InputErrors as exc:
        raise ValueError(str(exc)) from None
    return sign_enveloped(data, content_tag=CONTENT_TAG, content_id=CONTENT_ID, key_pem=key_pem,
                          cert_pem=cert_pem, chain_pem=chain_pem, role=role, signing_time=signing_time)


def verify_report(data: bytes, source: str, policy, signatories: Mapping[str, Signatory] = {}) -> SignedReport:
    """Every signature of the report at ``source`` against ``policy``
    (:class:`validate.xmldsig.TrustPolicy`), then the roles (module notes)."""
    from validate.xmldsig import verify_enveloped

    checked = verify_enveloped(data, content_tag=CONTENT_TAG, content_id=CONTENT_ID, policy=policy)
    findings = [(code, f"{source}: {message}") for code, message in checked.problems]
    signers = [SignerCheck(s.role, s.valid, s.code, s.reason, s.signing_time) for s in checked.signatures]
    for s in checked.signatures:
        if not s.valid:
            findings.append((s.code or "SIG", f"{source}: signature {s.id or '?'} ({s.role or 'no role'}): {s.reason}"))
    if checked.content is None:
        if not checked.signatures and not findings:
            findings.append(("TR-SIG-01", f"{source}: the report has no valid signature"))
        return SignedReport(None, None, signers, findings)
    try:
        report, party = report_from_element(checked.content, source)
    except InputErrors as exc:
        return SignedReport(None, None, signers, findings + [("TR-XML", str(exc))])
    roles: set[str] = set()
    for i, s in enumerate(checked.signatures):
        if not s.valid:
            continue
        problem = _role_problem(s.role, s.subject_serial_number, report, signatories)
        if problem:
            findings.append((problem[0], f"{source}: signature {s.id or i + 1} ({s.role}): {problem[1]}"))
            signers[i] = SignerCheck(s.role, False, problem[0], problem[1], s.signing_time)
        else:
            roles.add(s.role)
    if "assistant" not in roles:
        findings.append(("TR-SIG-01", f"{source}: no valid signature by the assistant"))
    if not roles & set(SUPERVISING):
        findings.append(("TR-SIG-01", f"{source}: no valid signature by a supervisor or ombud"))
    report = report.model_copy(update={"signatures": Signatures(assistant="assistant" in roles,
                                                                supervisor=bool(roles & set(SUPERVISING)))})
    return SignedReport(report, party, signers, findings)


def _role_problem(role: str | None, serial: str | None, report: TimeReport,
                  signatories: Mapping[str, Signatory]) -> tuple[str, str] | None:
    """What is wrong with this person signing in this role, or None."""
    person = _pnr_of(serial)
    if role not in ROLES:
        return "TR-SIG-04", f"the role {role!r} is not one of {', '.join(ROLES)}"
    if role == "assistant":
        if person != report.assistant.pnr:
            return "TR-SIG-02", ("the certificate is not the assistant's (its serialNumber is not the personnummer "
                                 "of the report's assistant)")
        return None
    known = signatories.get(person or "")
    if known is None or known.role != role:
        return "TR-SIG-03", f"the signer is not a {role} the provider's signatories name"
    if role == "ombud" and not known.power_of_attorney:
        return "TR-SIG-03", "the ombud has no power of attorney on file"
    return None


def _pnr_of(serial: str | None) -> str | None:
    """The 12-digit personnummer of a certificate's subject serialNumber (``YYYYMMDDNNNN``, or
    with a country prefix, ``SE…`` / ``PNOSE-…`` as ETSI EN 319 412-1 writes it)."""
    if not serial:
        return None
    digits = "".join(ch for ch in serial if ch.isdigit())
    return digits if len(digits) == 12 else None


