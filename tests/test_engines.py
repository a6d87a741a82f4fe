"""The two engines of the rules (issue 15): SaxonC-HE and Saxon-HE for Java give the same findings."""
from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from schemas.artefacts import artefacts_dir
from validate import conformance
from validate.engine import Validator, collect_paths
from validate.schematron import engines

WHY = engines.jvm_available()
needs_jvm = pytest.mark.skipif(WHY is not None, reason=f"JVM engine unavailable: {WHY}")


@pytest.fixture
def engine_restored():
    """Each test chooses engines for itself; the process's engine is put back after it."""
    before = engines._CURRENT
    yield
    engines._CURRENT = before


def _examples():
    paths = []
    for example_set in conformance.EXAMPLE_SETS:
        found, _ = collect_paths([artefacts_dir() / example_set.folder])
        paths += found
    return paths


def _findings(paths) -> dict:
    validator = Validator()
    return {p.name: [(f.rule_id, f.severity, f.location, f.message) for f in validator.validate_path(p).findings]
            for p in paths}


@needs_jvm
def test_every_official_example_gives_the_same_findings_on_both_engines(engine_restored):
    paths = _examples()
    assert len(paths) > 30
    engines.select("saxonc")
    on_saxonc = _findings(paths)
    engine = engines.select("jvm")
    assert engine.version.startswith("Saxon-HE ") and engine.name == "jvm"
    on_jvm = _findings(paths)
    assert on_jvm == on_saxonc
    assert any(on_saxonc.values())  # the comparison covers findings, not only clean documents


@needs_jvm
def test_every_conformance_test_passes_on_the_jvm_engine(engine_restored):
    engines.select("jvm")
    report = conformance.run()
    assert (report.passed, report.failed, report.excepted) == (report.passed, 0, 0) and report.passed > 2800


@needs_jvm
def test_the_jvm_parser_refuses_a_doctype(engine_restored):
    engine = engines.select("jvm")
    with pytest.raises(Exception) as e:
        engine.parse('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    assert "DOCTYPE" in str(e.value) or "doctype" in str(e.value)


@needs_jvm
def test_threads_share_one_compiled_stylesheet_on_the_jvm(engine_restored):
    paths = _examples()[:12]
    engines.select("jvm")
    expected = _findings(paths)
    validator = Validator()
    got: dict = {}

    def work(part):
        for p in part:
            got[p.name] = [(f.rule_id, f.severity, f.location, f.message) for f in validator.validate_path(p).findings]

    threads = [threading.Thread(target=work, args=(paths[i::2],)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_auto_falls_back_to_saxonc_and_jvm_says_why_it_cannot_run(engine_restored, monkeypatch, tmp_path):
    monkeypatch.setenv("LSSINVOICE_SAXON_JAR", str(tmp_path / "missing.jar"))
    assert engines.jvm_available().startswith("no Saxon-HE jar")
    assert engines.select("auto").name == "saxonc"
    # A fresh process (a JVM once started serves the process whatever the variable says).
    import os
    import subprocess
    import sys

    env = {**os.environ, "LSSINVOICE_SAXON_JAR": str(tmp_path / "missing.jar")}
    result = subprocess.run([sys.executable, "-m", "lssinvoice.cli", "validate", "--engine", "jvm", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2 and "the JVM engine cannot run here: no Saxon-HE jar" in result.stderr


@needs_jvm
def test_cli_validate_on_the_jvm_engine(engine_restored, monkeypatch):
    from lssinvoice.cli import main

    # `validate --engine` sets the variable for its worker processes: monkeypatch puts it back
    # after the test, so later tests' subprocesses run on the default engine.
    monkeypatch.setenv("LSSINVOICE_ENGINE", "saxonc")
    example = next(p for p in _examples() if p.name.startswith("base-example"))
    result = CliRunner().invoke(main, ["validate", "--engine", "jvm", str(example)])
    assert result.exit_code == 0, result.output


@needs_jvm
def test_both_engines_refuse_a_name_over_the_jdk_limit(engine_restored):
    # The hostile corpus's long element name (LSS-SCH-003 on SaxonC) is refused on the JVM too:
    # the JDK's own parser, not the Apache Xerces that Debian's jar brings along.
    long_name = "<a><" + "n" * 1500 + "/></a>"
    for name in ("saxonc", "jvm"):
        engine = engines.select(name)
        engine.parse("<a><" + "n" * 900 + "/></a>")
        with pytest.raises(Exception) as e:
            engine.parse(long_name)
        assert "1,000" in str(e.value) or "1000" in str(e.value), (name, str(e.value)[-300:])


@needs_jvm
def test_the_jvm_ignores_jpypes_explicit_collections_and_collects_serially(engine_restored):
    """JPype calls System.gc() when Python's memory grows (engines.JVM_OPTIONS): the JVM runs
    with -XX:+DisableExplicitGC, the serial collector (a heap half the size of G1's) and the
    parser limits."""
    engines.select("jvm")
    from java.lang.management import ManagementFactory

    arguments = [str(a) for a in ManagementFactory.getRuntimeMXBean().getInputArguments()]
    assert "-XX:+DisableExplicitGC" in arguments and "-XX:+UseSerialGC" in arguments
    assert any(a.startswith("-Djdk.xml.") for a in arguments)
    collectors = sorted(str(b.getName()) for b in ManagementFactory.getGarbageCollectorMXBeans())
    assert collectors == ["Copy", "MarkSweepCompact"]  # the serial collector's young and old generations


@needs_jvm
def test_a_document_the_jvm_parser_refuses_is_lss_sch_003_naming_that_engine(engine_restored):
    engines.select("jvm")
    name = "N" * 2000
    doc = (f'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><{name}/></Invoice>').encode()
    result = Validator(release="3.0.21").validate_bytes(doc, "long-name.xml")
    refused = [f for f in result.findings if f.rule_id == "LSS-SCH-003"]
    assert len(refused) == 1 and not result.valid
    assert "the Schematron engine (Saxon-HE on the JVM) could not read the document" in refused[0].message
    assert [s.skipped for s in result.steps if s.name in ("CEN EN 16931 UBL", "PEPPOL BIS 3")] == [True, True]


@needs_jvm
def test_ingest_run_with_two_workers_validates_on_the_engine_it_names(tmp_path):
    """`ingest run --engine jvm -w 2`: the worker processes run the rules on the JVM too (the
    engine's name in the LSS-SCH-003 of a document only Saxon refuses shows who validated it)."""
    import json

    from sqlalchemy import select

    from ingest import tables as tb
    from ingest.store import Store

    from .ingest_factory import finish, folder_config, ingest_process, inbox_with, invoice_xml, outcome_table, wrapped

    name = "N" * 2000
    refused = f'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><{name}/></Invoice>'.encode()
    goods = {f"good-{i}.xml": wrapped(invoice_xml(f"JVM-{i}")) for i in range(3)}
    inbox_with(tmp_path, {**goods, "long-name.xml": wrapped(refused)})
    config = folder_config(tmp_path)
    out, err = finish(ingest_process(config, None, "--engine", "jvm", "--workers", "2"))
    envelope = json.loads(out)
    assert envelope["exit_code"] == 1 and envelope["result"]["quarantined"] == 1, err
    assert outcome_table(config.db) == {**{n: ("stored", None) for n in goods},
                                        "long-name.xml": ("quarantined", "failed-rules")}
    store = Store(config.db)
    with store.engine.connect() as conn:
        messages = conn.execute(select(tb.findings.c.message).where(tb.findings.c.rule_id == "LSS-SCH-003")).scalars().all()
    store.dispose()
    assert len(messages) == 1 and "the Schematron engine (Saxon-HE on the JVM) could not read" in messages[0]


def test_ingest_run_refuses_an_unknown_engine_as_a_usage_error(tmp_path):
    from lssinvoice.cli import main

    result = CliRunner().invoke(main, ["ingest", "run", "--source", str(tmp_path), "--engine", "rhino"])
    assert result.exit_code == 2 and "'rhino' is not one of 'saxonc', 'jvm', 'auto'" in result.output
