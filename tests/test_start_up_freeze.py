"""Worker processes freeze their start-up objects once (:func:`validate.schematron.engines.
freeze_start_up_objects`): JPype runs a full Python collection each time the JVM collects, and
without the freeze each walked the whole start-up heap. Each case runs in a fresh interpreter,
since a freeze is for the life of a process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


_COUNT_FREEZES = (
    "import gc\n"
    "freezes = []\n"
    "_real_freeze = gc.freeze\n"
    "gc.freeze = lambda: (freezes.append(1), _real_freeze())[1]\n"
)
"""Counts the calls of :func:`gc.freeze` in the child (the code under test calls it through the module)."""


def _in_fresh_python(code: str, tmp_path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _COUNT_FREEZES + code], cwd=REPO, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_freeze_happens_once_per_process(tmp_path):
    result = _in_fresh_python(
        "import gc, json\n"
        "from validate.schematron.engines import freeze_start_up_objects\n"
        "before = gc.get_freeze_count()\n"
        "first = freeze_start_up_objects()\n"
        "frozen = gc.get_freeze_count()\n"
        "keep = [object() for _ in range(10)]\n"
        "second = freeze_start_up_objects()\n"
        "print(json.dumps(dict(before=before, first=first, frozen=frozen, second=second, freezes=len(freezes))))\n",
        tmp_path)
    assert result["before"] == 0
    assert result["first"] is True and result["second"] is False
    assert result["frozen"] > 1000  # the modules and what they made: the start-up heap
    assert result["freezes"] == 1  # the second call froze nothing


def test_an_ingest_worker_freezes_after_its_start_up(tmp_path):
    config = dict(source=str(tmp_path / "inbox"), db=f"sqlite:///{tmp_path / 'ingest.db'}", municipality="tjorn",
                  archive=str(tmp_path / "archive"), outbox=str(tmp_path / "outbox"))
    (tmp_path / "inbox").mkdir()
    result = _in_fresh_python(
        "import gc, json\n"
        "from ingest.service import IngestConfig, _init_worker\n"
        "from validate.schematron import engines\n"
        f"_init_worker(IngestConfig(**{config!r}))\n"
        "print(json.dumps(dict(frozen=gc.get_freeze_count(), freezes=len(freezes),"
        " again=engines.freeze_start_up_objects())))\n",
        tmp_path)
    assert result["freezes"] == 1
    assert result["frozen"] > 1000
    assert result["again"] is False


def test_a_validation_worker_freezes_after_compiling_its_rules(tmp_path):
    result = _in_fresh_python(
        "import gc, json\n"
        "from validate import engine\n"
        "from validate.schematron import runner\n"
        "engine._init_worker({})\n"
        "print(json.dumps(dict(frozen=gc.get_freeze_count(), freezes=len(freezes),"
        " compiled=len(runner._EXECUTABLES))))\n", tmp_path)
    assert result["compiled"] >= 2  # CEN and PEPPOL at least, compiled before the freeze
    assert result["freezes"] == 1
    assert result["frozen"] > 1000


def test_an_ingest_run_in_this_process_freezes_once(tmp_path):
    from tests.ingest_factory import invoice_xml, wrapped

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.xml").write_bytes(wrapped(invoice_xml("FRZ-1")))
    config = dict(source=str(inbox), db=f"sqlite:///{tmp_path / 'ingest.db'}", municipality="tjorn",
                  archive=str(tmp_path / "archive"), outbox=str(tmp_path / "outbox"))
    result = _in_fresh_python(
        "import gc, json\n"
        "from ingest.service import IngestConfig, run_once\n"
        f"summary = run_once(IngestConfig(**{config!r}), workers=1)\n"
        "first = len(freezes)\n"
        f"run_once(IngestConfig(**{config!r}), workers=1)\n"
        "print(json.dumps(dict(stored=summary.count('stored'), first=first, second=len(freezes),"
        " frozen=gc.get_freeze_count())))\n",
        tmp_path)
    assert result["stored"] == 1
    assert result["first"] == 1 and result["frozen"] > 1000
    assert result["second"] == 1  # a watch loop's next run freezes nothing more


def test_a_batch_validated_in_this_process_freezes_and_a_single_file_does_not(tmp_path):
    from bench.validation import example_paths

    examples = [str(p) for p in example_paths()[:2]]
    result = _in_fresh_python(
        "import gc, json\n"
        "from pathlib import Path\n"
        "from validate.engine import validate_many\n"
        f"one = list(validate_many([Path({examples[0]!r})]))\n"
        "after_one = len(freezes)\n"
        f"two = list(validate_many([Path(p) for p in {examples!r}]))\n"
        "print(json.dumps(dict(after_one=after_one, after_two=len(freezes), valid=[r.valid for r in one + two])))\n",
        tmp_path)
    assert result["after_one"] == 0  # one file from the command line: nothing to gain
    assert result["after_two"] == 1
    assert result["valid"] == [True, True, True]
