"""The signed time reports a provider gives `invoice create` (``--signed-reports DIR``).

Every ``*.xml`` in the folder is verified (:func:`invoices.signed_reports.verify_report`)
against the ``--trust`` anchors and the ``--signatories``; one that does not verify is a
problem (the command refuses: nothing is written with a signature that does not hold).
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["read_signed"]


def read_signed(folder: Path, trust: tuple[Path, ...], signatories: Path | None,
                key_usage: str = "either") -> tuple[tuple, list[str]]:
    """(the verified reports as :class:`invoices.signed_attach.SignedInput`, the problems).
    OSError, ValueError and InputErrors for files that cannot be read."""
    from invoices.model import mask_personal_numbers
    from invoices.signatories import read_signatories
    from invoices.signed_attach import SignedInput
    from invoices.signed_reports import trust_policy, verify_report

    policy = trust_policy(trust, key_usage)
    people = read_signatories(signatories) if signatories else {}
    found, problems = [], []
    for path in sorted(folder.glob("*.xml")):
        data = path.read_bytes()
        checked = verify_report(data, path.name, policy, people)
        if checked.valid:
            found.append(SignedInput(checked, data))
        else:
            problems += [mask_personal_numbers(f"{code}: {message}") for code, message in checked.findings]
    if not found and not problems:
        problems.append(f"no signed time report (*.xml) in {folder}")
    return tuple(found), problems
