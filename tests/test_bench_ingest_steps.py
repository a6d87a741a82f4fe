"""``bench ingest-steps`` counts each step once: its nesting of steps is held to the profile's
call graph (:func:`bench.ingest_steps._check_nesting`), so a step moved in the code fails the
benchmark instead of being subtracted from a step it is no longer in (as "store and archive"
was, after the response moved out of the final transaction). Nothing is timed here."""
from __future__ import annotations

import cProfile
import pstats

import pytest

from bench import ingest_steps


def _key(step: str) -> tuple:
    file, name = ingest_steps._STEPS[step][0]
    return (f"/x/{file}", 1, name)


class _Graph:
    """A stand-in for :class:`pstats.Stats`: functions and their callers, nothing timed."""

    def __init__(self, calls: list[tuple[str, str]]):
        self.stats = {_key(step): (1, 1, 0.0, 0.0, {}) for step in ingest_steps._STEPS}
        for outer, inner in calls:
            self.stats[_key(inner)][4][_key(outer)] = (1, 1, 0.0, 0.0)


_AS_IN_THE_PIPELINE = [
    ("analysis", "validate invoice"), ("analysis", "read into model"), ("analysis", "time reports"),
    ("validate invoice", "  of which Saxon"), ("response", "  of which its validation"),
    ("  of which its validation", "validate invoice"),
]


def test_the_nesting_the_rows_assume_passes():
    ingest_steps._check_nesting(_Graph(_AS_IN_THE_PIPELINE))


def test_a_response_built_inside_the_final_transaction_is_refused():
    with pytest.raises(RuntimeError, match="runs inside 'store', which _INSIDE does not say"):
        ingest_steps._check_nesting(_Graph(_AS_IN_THE_PIPELINE + [("store", "response")]))


def test_a_step_that_left_the_analysis_is_refused():
    calls = [c for c in _AS_IN_THE_PIPELINE if c != ("analysis", "time reports")]
    with pytest.raises(RuntimeError, match="'time reports' does not run inside 'analysis'"):
        ingest_steps._check_nesting(_Graph(calls))


def test_a_step_that_did_not_run_is_refused():
    graph = _Graph(_AS_IN_THE_PIPELINE)
    del graph.stats[_key("outbox")]
    with pytest.raises(RuntimeError, match="step 'outbox' did not run"):
        ingest_steps._check_nesting(graph)


def test_the_pipeline_nests_its_steps_as_the_benchmark_says(tmp_path):
    """A real, profiled ingest of a few generated invoices."""
    from bench.ingest import generate
    from ingest.service import run_once

    source = tmp_path / "inbox"
    generate(source, 3, 0)
    profile = cProfile.Profile()
    profile.enable()
    summary = run_once(ingest_steps._config(source, tmp_path), workers=1)
    profile.disable()
    assert summary.count("stored") == 3
    ingest_steps._check_nesting(pstats.Stats(profile))
