"""`lssinvoice timereport export|csv|sign|verify`: time reports people sign.

``export`` turns CSV/XLSX time reports into the project's time-report XML
(:mod:`invoices.timereport_xml`, one file per assistant, client and month); ``csv`` turns an
XML report back into the CSV the provider side attaches; ``sign`` adds one person's signature
(:mod:`invoices.signed_reports`); ``verify`` checks every signature of a report against the
pinned trust anchors. Files are named by month and a running number, never by a name or a
personnummer, and are readable by their owner only (they hold personnummer).

Exit status: 0 done (``verify``: every signature valid and the roles the report needs there);
1 ``verify`` found an invalid signature or a missing role; 2 usage, input or I/O.
"""
from __future__ import annotations

from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.output import CommandError, emit, format_option

__all__ = ["timereport"]


@click.group()
def timereport():
    """Time reports as XML that the assistant and the supervisor sign, and their verification."""


@timereport.command("export", epilog=settings.epilog("timereport export"))
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--provider", "provider", type=click.Path(path_type=Path), required=True,
              help="The provider profile (TOML): its name and organisation number go into each report.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder for the XML reports.")
@format_option()
def export(source, provider, out, fmt):
    """Write each time report of SOURCE (a CSV/XLSX file or a folder of them) as XML:
    OUT/tidrapport-<month>-<n>.xml, unsigned, ready for `timereport sign`."""
    from invoices.inputs import InputErrors, read_provider, read_timereports
    from invoices.timereport_xml import ReportParty, report_xml
    from lssinvoice.invoice_report import write_replace

    try:
        prov = read_provider(provider)
        reports = read_timereports(source)
    except InputErrors as exc:
        raise CommandError(str(exc)) from None
    written = []
    counter: dict[str, int] = {}
    try:
        for report in reports:
            counter[report.month] = counter.get(report.month, 0) + 1
            path = out / f"tidrapport-{report.month}-{counter[report.month]:02d}.xml"
            write_replace(path, report_xml(report, ReportParty(prov.name, prov.org_nr)))
            written.append({"file": str(path), "month": report.month, "assistant": report.assistant.masked,
                            "shifts": len(report.shifts)})
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
    emit({"written": written}, fmt=fmt)
    if fmt == "text":
        for w in written:
            click.echo(f"{w['file']}: {w['month']}, assistant {w['assistant']}, {w['shifts']} shift(s)")


@timereport.command("csv", epilog=settings.epilog("timereport csv"))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder for the CSV reports.")
@click.option("--xlsx", is_flag=True, help="Write XLSX workbooks (OUT/<name>.xlsx) instead of CSV.")
@format_option()
def to_csv(files, out, xlsx, fmt):
    """Write each XML time report in FILES back as the CSV (or XLSX) the provider side reads
    and attaches (OUT/<name>.csv). The signature cells say what the report's signatures are
    only after `timereport verify`; here they are left "nej"."""
    from invoices.inputs import InputErrors
    from invoices.timereport_xml import read_report_xml
    from invoices.underlag import timereport_csv, timereport_xlsx
    from lssinvoice.invoice_report import write_replace

    written = []
    for file in files:
        try:
            report, _ = read_report_xml(file.read_bytes(), file.name)
        except InputErrors as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}") from None
        path = out / (file.stem + (".xlsx" if xlsx else ".csv"))
        write_replace(path, timereport_xlsx(report) if xlsx else timereport_csv(report))
        written.append({"file": str(path), "from": str(file)})
    emit({"written": written}, fmt=fmt)
    if fmt == "text":
        for w in written:
            click.echo(f"{w['from']} -> {w['file']}")


@timereport.command("sign", epilog=settings.epilog("timereport sign"))
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--role", type=click.Choice(["assistant", "supervisor", "ombud"]), required=True,
              help="Who signs: the assistant, the supervisor (arbetsledare) or an ombud.")
@click.option("--key", "key", type=click.Path(path_type=Path, exists=True, dir_okay=False), required=True,
              help="The signer's private key (PEM; RSA or EC).")
@click.option("--cert", "cert", type=click.Path(path_type=Path, exists=True, dir_okay=False), required=True,
              help="The signer's certificate (PEM).")
@click.option("--chain", "chain", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="The intermediate certificates up to the trust anchor (PEM), carried in the signature.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the signed report [default: FILE itself, replaced].")
@format_option()
def sign(file, role, key, cert, chain, out, fmt):
    """Add one signature to the XML time report FILE: XML-DSig with XAdES-BES signed properties
    (signing time, the certificate's digest, the ROLE), over the report content only, so the
    assistant and the supervisor sign in either order."""
    from cryptography import x509

    from invoices.signed_reports import sign_report
    from lssinvoice.invoice_report import write_replace

    try:
        chain_pem = [c.public_bytes(encoding=_pem()) for c in x509.load_pem_x509_certificates(chain.read_bytes())] \
            if chain else []
        signed = sign_report(file.read_bytes(), role=role, key_pem=key.read_bytes(), cert_pem=cert.read_bytes(),
                             chain_pem=chain_pem)
    except ValueError as exc:
        raise CommandError(f"{file}: {exc}") from None
    except OSError as exc:
        raise CommandError(f"cannot read: {exc.strerror or exc}") from None
    target = out or file
    try:
        write_replace(target, signed)
    except OSError as exc:
        raise CommandError(f"cannot write {target}: {exc.strerror or exc}") from None
    emit({"file": str(target), "role": role}, fmt=fmt)
    if fmt == "text":
        click.echo(f"{target}: signed as {role}")


def _pem():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.PEM


@timereport.command("verify", epilog=settings.epilog("timereport verify"))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--trust", "trust", multiple=True, required=True,
              type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="A PEM file of trust anchors (repeatable; pinned: the system store is never used).")
@click.option("--signatories", type=click.Path(path_type=Path, exists=True), default=None,
              help="The provider's signatories (CSV/XLSX: pnr, name, role, power_of_attorney).")
@click.option("--key-usage", type=click.Choice(["either", "digitalSignature", "nonRepudiation"]), default="either",
              show_default=True, help="The key usage a signing certificate must have.")
@format_option()
def verify(files, trust, signatories, key_usage, fmt):
    """Verify every signature of each XML time report in FILES: over the whole content, by a
    certificate chaining to a --trust anchor and valid at the signing time, the assistant's
    certificate the report's assistant, the supervisor's a signatory. Exit 0 all valid, 1 a
    signature invalid or a role missing, 2 usage or I/O."""
    from invoices.input_errors import InputErrors
    from invoices.model import mask_personal_numbers
    from invoices.signatories import read_signatories
    from invoices.signed_reports import trust_policy, verify_report
    from lssinvoice.output import EXIT_FINDINGS, EXIT_OK, finish

    try:
        policy = trust_policy(trust, key_usage)
        people = read_signatories(signatories) if signatories else {}
    except (ValueError, InputErrors, OSError) as exc:
        raise CommandError(str(exc)) from None
    results = []
    for file in files:
        checked = verify_report(file.read_bytes(), file.name, policy, people)
        results.append({"file": str(file), **checked.to_dict()})
    text = mask_personal_numbers
    for r in results:
        r["findings"] = [{**f, "message": text(f["message"])} for f in r["findings"]]
        r["signers"] = [{**s, "reason": text(s["reason"])} for s in r["signers"]]
    ok = all(r["valid"] for r in results)
    emit({"reports": results}, fmt=fmt, code=EXIT_OK if ok else EXIT_FINDINGS)
    if fmt == "text":
        for r in results:
            roles = ", ".join(f"{s['role']} {'valid' if s['valid'] else 'INVALID'}" for s in r["signers"]) or "none"
            click.echo(f"{r['file']}: {'valid' if r['valid'] else 'NOT VALID'} (signatures: {roles})")
            for f in r["findings"]:
                click.echo(f"  {f['code']}: {f['message']}")
    finish(EXIT_OK if ok else EXIT_FINDINGS)
