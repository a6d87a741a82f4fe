"""A check run for a period: the store's data through every check, the outcome kept.

:func:`check_period` loads (:mod:`ingest.casework.load`), runs
(:func:`invoices.casework.run.run_checks`) and records in ONE transaction: the run
(``check_runs``: who, when, the register versions used, the SHA-256 of the canonical result),
per invoice its findings (``case_findings``), their exclusive cuts (``case_cuts``) and the
amounts (``case_results``), and an ``audit_log`` row. Earlier runs are never changed: the
latest run of an invoice is its current assessment, the older ones its history. A re-run on
the same data gives the same digest.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert

from invoices.agreements import Profile
from invoices.casework.frame import connect
from invoices.casework.run import CaseRun, CheckContext, run_checks
from invoices.registry import Municipality

from .. import tables as t
from ..batches import batches
from .load import LoadInfo, load_case_data

__all__ = ["CheckOutcome", "check_period"]


@dataclass(frozen=True)
class CheckOutcome:
    run_id: int
    result: CaseRun
    loaded: LoadInfo
    digest: str


def check_period(engine: Engine, municipality: Municipality, period: str, profiles: Mapping[str, Profile], *,
                 by: str, now: datetime, levels: Mapping[str, str] | None = None,
                 fk_amounts: Mapping | None = None, threads: int | None = None) -> CheckOutcome:
    """Run every check for ``period`` over the store behind ``engine`` and keep the outcome."""
    con = connect(threads=threads)
    try:
        with engine.connect() as conn:
            loaded = load_case_data(conn, con, municipality, period)
        ctx = CheckContext(period=period, profiles=profiles, levels=dict(levels or {}),
                           fk_amounts=dict(fk_amounts or {}))
        result = run_checks(con, ctx)
    finally:
        con.close()
    digest = result.digest()
    with engine.begin() as conn:
        run_id = conn.execute(insert(t.check_runs).values(
            municipality=municipality.slug, period=period, started_at=now, finished_at=now, run_by=by,
            register_imports=json.dumps(loaded.register_imports, sort_keys=True),
            invoices=len(result.invoices), findings=sum(len(i.findings) for i in result.invoices),
            result_sha256=digest)).inserted_primary_key[0]
        finding_ids: dict[tuple[str, int], int] = {}
        for inv in result.invoices:
            conn.execute(insert(t.case_results).values(
                run_id=run_id, invoice_id=inv.invoice_id, invoiced=inv.invoiced,
                reimbursable=inv.reimbursable, disputed=inv.disputed))
            for f in inv.findings:
                finding_ids[(f.key, inv.invoice_id)] = conn.execute(insert(t.case_findings).values(
                    run_id=run_id, invoice_id=inv.invoice_id, key=f.key, code=f.code, basis=f.basis,
                    severity=f.severity, message=f.message, seconds=f.seconds, hours=f.hours, amount=f.amount,
                    shift_ids=json.dumps(list(f.shift_ids)))).inserted_primary_key[0]
        invoice_of = _invoice_of_shift(conn, {c[1] for c in result.cuts})
        cuts = [dict(finding_id=finding_ids[(key, invoice_of[shift])], shift_id=shift,
                     cut_start=a.astimezone(UTC), cut_end=b.astimezone(UTC),
                     seconds=n)
                for key, shift, a, b, n in result.cuts if (key, invoice_of.get(shift)) in finding_ids]
        if cuts:
            conn.execute(insert(t.case_cuts), cuts)
        conn.execute(insert(t.audit_log).values(
            at=now, actor=by, action="check-run", subject=f"{municipality.slug} {period}",
            detail=json.dumps({"run_id": run_id, "invoices": len(result.invoices), "digest": digest,
                               "register_imports": loaded.register_imports,
                               "shifts_loaded": loaded.shifts}, sort_keys=True)))
    return CheckOutcome(run_id, result, loaded, digest)


def _invoice_of_shift(conn, shift_ids: set[int]) -> dict[int, int]:
    from sqlalchemy import select
    if not shift_ids:
        return {}
    out: dict[int, int] = {}
    for chunk in batches(sorted(shift_ids)):
        out.update(conn.execute(select(t.shifts.c.id, t.shifts.c.invoice_id).where(t.shifts.c.id.in_(chunk))).all())
    return out
