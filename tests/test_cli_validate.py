"""The `lssinvoice validate`, `conformance` and `demo` commands: output and exit codes."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from lssinvoice.cli import COMMANDS, main

from .envelope import result_of
from .factories import invoice_with_attachment
from .helpers import edited, example_bytes, write


@pytest.fixture()
def runner():
    return CliRunner()


def test_valid_file_exits_0(runner, tmp_path):
    path = write(tmp_path, "ok.xml", example_bytes("base-example.xml"))
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"valid   {path} [invoice] by peppol-bis-billing-")
    assert ": 0 fatal, 0 warning" in result.output.splitlines()[0]
    assert result.output.splitlines()[-1] == "1 documents: 1 valid, 0 invalid (0 fatal, 0 warning findings)"


def test_invalid_file_in_a_folder_exits_1_with_json(runner, tmp_path):
    write(tmp_path, "ok.xml", example_bytes("base-example.xml"))
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "bad.xml", edited(
        "vat-category-E.xml", ("<cbc:BuyerReference>test reference</cbc:BuyerReference>", "")))
    result = runner.invoke(main, ["validate", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1
    data = result_of(result.stdout, "validate", 1)
    assert data["summary"]["documents"] == 2 and data["summary"]["invalid"] == 1
    bad = [r for r in data["results"] if not r["valid"]][0]
    assert bad["source"].endswith("sub/bad.xml")
    assert [f["rule_id"] for f in bad["findings"]] == ["PEPPOL-EN16931-R003"]


def test_svrl_output(runner, tmp_path):
    path = write(tmp_path, "ok.xml", example_bytes("base-example.xml"))
    result = runner.invoke(main, ["validate", "--format", "svrl", str(path)])
    assert result.exit_code == 0
    assert "<svrl:schematron-output" in result.output and "failed-assert" not in result.output


def test_missing_path_is_usage_error_2(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(tmp_path / "nope.xml")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_unknown_ruleset_is_usage_error_2(runner, tmp_path):
    path = write(tmp_path, "ok.xml", example_bytes("base-example.xml"))
    result = runner.invoke(main, ["validate", "--ruleset", "nope", str(path)])
    assert result.exit_code == 2 and "unknown rule set 'nope'" in result.output


def test_hostile_xml_is_a_finding_and_exit_1(runner, tmp_path):
    path = write(tmp_path, "evil.xml", b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>')
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "LSS-XML-002" in result.output and "root:" not in result.output


def test_conformance_t111_last_line(runner):
    result = runner.invoke(main, ["conformance", "--suite", "t111"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "conformance: 13 passed, 0 failed, 0 excepted"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(runner, name):
    result = runner.invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def _broken_inputs() -> list:
    from lxml import etree

    from . import ingest_factory
    from .helpers import sbdh

    def note(attributes: str) -> bytes:
        return edited("base-example.xml", ("<cbc:Note>", f"<cbc:Note {attributes}>"))

    env = sbdh(example_bytes("base-example.xml"))
    two_payloads = env.replace(b"</StandardBusinessDocument>",
                               example_bytes("base-example.xml").split(b"?>", 1)[1] + b"</StandardBusinessDocument>")
    root = etree.fromstring(env)
    root.remove(root[0])
    no_header = etree.tostring(root)
    long_name = "N" * 2000
    return [
        pytest.param(note(" ".join(f'a{i}="x"' for i in range(201))), "UBL-XSD", id="201-attributes"),
        pytest.param(note(" ".join(f'a{i}="x"' for i in range(1001))), "LSS-XML-006", id="1001-attributes"),
        pytest.param(edited("base-example.xml", ("<cbc:Note>", f"<cbc:{long_name}/><cbc:Note>")), "LSS-SCH-003",
                     id="2000-character-name"),
        pytest.param(ingest_factory.broken_envelope(), "LSS-SBDH-005", id="sbdh-without-receiver"),
        pytest.param(two_payloads, "LSS-SBDH-002", id="sbdh-with-two-payloads"),
        pytest.param(no_header, "LSS-SBDH-001", id="sbdh-without-header"),
    ]


@pytest.mark.parametrize("data,rule_id", _broken_inputs())
def test_hostile_or_broken_inputs_give_a_verdict_and_exit_1(runner, tmp_path, data, rule_id):
    path = write(tmp_path, "in.xml", data)
    text = runner.invoke(main, ["validate", str(path)])
    assert text.exception is None or isinstance(text.exception, SystemExit), text.exception
    assert text.exit_code == 1, text.output
    assert text.output.startswith(f"INVALID {path}")
    assert f"FATAL {rule_id}" in text.output and "Traceback" not in text.output
    assert text.output.splitlines()[-1].startswith("1 documents: 0 valid, 1 invalid")
    as_json = runner.invoke(main, ["validate", "--format", "json", str(path)])
    assert as_json.exit_code == 1
    data = result_of(as_json.stdout, "validate", 1)
    assert data["summary"]["invalid"] == 1 and data["results"][0]["valid"] is False
    assert rule_id in {f["rule_id"] for f in data["results"][0]["findings"]}


def test_a_document_over_the_byte_cap_exits_1(runner, tmp_path):
    path = write(tmp_path, "big.xml", example_bytes("base-example.xml"))
    for fmt in ("text", "json"):
        result = runner.invoke(main, ["validate", "--format", fmt, "--max-bytes", "1000", str(path)])
        assert result.exit_code == 1 and "LSS-XML-001" in result.output


def test_a_big_embedded_attachment_is_valid_in_the_cli(runner, tmp_path):
    data, _ = invoice_with_attachment(8_000_000)
    path = write(tmp_path, "big.xml", data)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output[:2000]
    assert result.output.startswith(f"valid   {path} [invoice] by peppol-bis-billing-")
    assert ": 0 fatal, 0 warning" in result.output.splitlines()[0]
