"""The case-work benchmark's synthetic year (``bench/casework_year.py``) at a tiny scale: the
violations it injects are found by the checks, cuts are real stretches of time, and the year
and the run are deterministic. Behaviour only: no timing is asserted here (``make bench``
measures)."""
from __future__ import annotations

import pytest

from bench import casework, casework_year
from invoices.casework import frame, run

SHIFTS = 20_000
PERIOD = "2023-12"  # December: the year to date is the reference of the overtime caps

# The codes each check module must find in the injected violations (bench.casework_year roles).
EXPECTED = {
    "billing": {"LSS-CASE-001", "LSS-CASE-002", "LSS-CASE-040", "LSS-CASE-041"},
    "decisions": {"LSS-CASE-020", "LSS-CASE-021", "LSS-CASE-022", "LSS-CASE-023", "LSS-CASE-030"},
    "formalities": {"LSS-CASE-050", "LSS-CASE-051", "LSS-CASE-052", "LSS-CASE-053", "LSS-CASE-054", "LSS-CASE-055"},
    "fk": {"LSS-CASE-070", "LSS-CASE-071", "LSS-CASE-072", "LSS-CASE-075"},
    "sickpay": {"LSS-CASE-080", "LSS-CASE-081", "LSS-CASE-082", "LSS-CASE-083"},
    "eligibility": {"LSS-CASE-010", "LSS-CASE-011", "LSS-CASE-012", "LSS-CASE-013"},
    "worktime": {"LSS-CASE-060", "LSS-CASE-061", "LSS-CASE-062", "LSS-CASE-063", "LSS-CASE-064", "LSS-CASE-065"},
}


def _run(seed: int = casework_year.SEED) -> tuple[run.CaseRun, object]:
    con = frame.connect()
    casework_year.generate(con, SHIFTS, seed)
    checks, _missing = casework.available_checks()
    original = run._checks
    run._checks = lambda: checks
    try:
        return run.run_checks(con, casework_year.check_context(PERIOD)), con
    finally:
        run._checks = original


@pytest.fixture(scope="module")
def first():
    return _run()


def test_the_year_is_the_size_asked_with_its_registers(first):
    _, con = first
    shifts = con.execute("SELECT count(*) FROM shifts").fetchone()[0]
    assert 0.9 * SHIFTS <= shifts <= 1.1 * SHIFTS
    scale = casework_year.scale(SHIFTS)
    assert con.execute("SELECT count(DISTINCT assistant) FROM shifts").fetchone()[0] == scale["assistants"]
    # A shift's decision is registered for its client, but for the few injected (an unknown
    # decision, another client's); every invoice has lines.
    wrong = con.execute("""SELECT count(*) FROM shifts s LEFT JOIN decisions d
                           ON d.decision_id = s.decision_id AND d.client = s.client
                           WHERE d.decision_id IS NULL""").fetchone()[0]
    assert 0 < wrong < 0.02 * shifts
    assert con.execute("SELECT count(*) FROM invoices WHERE invoice_id NOT IN (SELECT invoice_id FROM lines)"
                       ).fetchone()[0] == 0
    # Local wall times: a day shift starts at 07:00 or 08:00 on both sides of a DST change.
    hours = {h for (h,) in con.execute("""SELECT DISTINCT hour(start_at) FROM shifts
                                          WHERE kind = 'active' AND hour(start_at) < 12""").fetchall()}
    assert hours <= {6, 7, 8}
    night = con.execute("""SELECT epoch(end_at) - epoch(start_at) FROM shifts
                           WHERE kind IN ('on_call', 'waiting', 'standby') AND hour(start_at) = 23
                             AND CAST(start_at AS DATE) = DATE '2023-03-25'""").fetchall()
    assert night and all(secs == 6 * 3600 for (secs,) in night)  # 23:00-06:00 across the spring-forward night


def test_people_are_valid_synthetic_personnummer(first):
    from invoices.model import validate_pnr

    _, con = first
    people = {p for (p,) in con.execute("""SELECT assistant FROM assistants UNION SELECT assistant FROM shifts
                                           UNION SELECT client FROM shifts UNION SELECT client FROM fk_decisions
                                           UNION SELECT sick_assistant FROM sick_claims""").fetchall()}
    assert people and all(validate_pnr(p) == p for p in people)


def test_the_injected_violations_are_found(first):
    result, _ = first
    _, missing = casework.available_checks()
    found = {f.code for inv in result.invoices for f in inv.findings}
    for module, codes in EXPECTED.items():
        if module not in missing:
            assert codes <= found, f"{module}: {sorted(codes - found)} not found"
    assert result.cuts, "the injected violations cut time"
    assert all(seconds > 0 and end > start for _, _, start, end, seconds in result.cuts)
    # No second is cut twice: the exclusive cuts of a shift do not overlap.
    by_shift: dict[int, list] = {}
    for _, shift, start, end, _ in result.cuts:
        by_shift.setdefault(shift, []).append((start, end))
    for spans in by_shift.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_the_same_seed_gives_the_same_run(first):
    result, _ = first
    again, _ = _run()
    assert again.digest() == result.digest()
    other, _ = _run(seed=casework_year.SEED + 1)
    assert other.digest() != result.digest()
