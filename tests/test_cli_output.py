"""The one output layer of the CLI (lssinvoice/output.py, lssinvoice/settings.py): exit codes,
errors, the JSON envelope, help on every option, every environment variable documented."""
from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lssinvoice import output, settings
from lssinvoice.cli import main

from .envelope import error_of, result_of

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("lssinvoice", "ingest", "invoices", "validate", "schemas", "peppol", "fsio")


def _commands(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()):
    """(path, command) of every command and group under ``group``."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield path + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, ctx, path + (name,))


ALL_COMMANDS = list(_commands(main, click.Context(main)))


def test_exit_codes_are_named_once():
    assert (output.EXIT_OK, output.EXIT_FINDINGS, output.EXIT_USAGE) == (0, 1, 2)
    assert output.CommandError.exit_code == output.EXIT_USAGE and click.UsageError.exit_code == output.EXIT_USAGE


def test_the_tree_is_complete():
    assert {" ".join(path) for path, _ in ALL_COMMANDS} >= {
        "conformance", "demo", "ingest", "ingest attachment", "ingest list", "ingest retry", "ingest run",
        "ingest show", "ingest status", "invoice", "invoice create", "invoice credit", "invoice numbers",
        "invoice template", "invoice void", "redovisning", "schemas", "schemas install", "schemas status",
        "validate"}


@pytest.mark.parametrize("path,command", ALL_COMMANDS, ids=[" ".join(p) for p, _ in ALL_COMMANDS])
def test_every_command_and_option_has_help(path, command):
    assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no help text"
    shown = CliRunner().invoke(main, [*path, "--help"])
    assert shown.exit_code == 0 and "Usage:" in shown.output


def test_no_command_module_writes_json_or_exits_by_itself():
    """Every cmd_*.py goes through lssinvoice.output: no json.dumps, no sys.exit of its own."""
    for path in sorted((REPO / "lssinvoice").glob("cmd_*.py")):
        text = path.read_text(encoding="utf-8")
        assert "json.dumps" not in text and "sys.exit" not in text, path.name
        assert "lssinvoice.output" in text, path.name


def _variables_in_the_source() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            found |= set(re.findall(r"LSSINVOICE_[A-Z_]*[A-Z]", path.read_text(encoding="utf-8")))
    return found


def test_every_environment_variable_is_listed_in_help_and_readme():
    listed = {v.name for v in settings.ENVIRONMENT}
    assert _variables_in_the_source() == listed
    known = {" ".join(path) for path, _ in ALL_COMMANDS}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    for variable in settings.ENVIRONMENT:
        assert f"| `{variable.name}` |" in table, variable.name
        assert variable.commands and set(variable.commands) <= known, variable.name
        for command in variable.commands:
            shown = CliRunner().invoke(main, [*command.split(), "--help"], terminal_width=200)
            assert variable.name in shown.output, (variable.name, command)


def test_a_success_envelope_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["invoice", "template", "--help"])
    assert "--file-type [csv|xlsx]" in result.output and "--format" not in result.output
    shown = CliRunner().invoke(main, ["schemas", "status", "--format", "json"])
    assert shown.exit_code == 0 and shown.stdout.count("\n") == 1
    assert result_of(shown.stdout, "schemas status")["complete"] is True


def test_our_error_gives_the_error_envelope_and_the_message_on_stderr(tmp_path):
    missing = tmp_path / "nope.xml"
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(missing)])
    assert result.exit_code == 2
    assert error_of(result.stdout, "validate") == (f"no such file or folder: {missing}", None)
    assert result.stderr == f"Error: no such file or folder: {missing}\n"
    text = CliRunner().invoke(main, ["validate", str(missing)])
    assert (text.exit_code, text.stdout, text.stderr) == (2, "", f"Error: no such file or folder: {missing}\n")


@pytest.mark.parametrize("args,command,message", [
    (["validate", "--format", "json", "--jobs", "0", "x.xml"], "validate",
     "Invalid value for '-j' / '--jobs': 0 is not in the range 1<=x<=64."),
    (["ingest", "status", "--format=json", "--nope"], "ingest status", "No such option '--nope'."),
    (["invoice", "numbers", "--format", "json"], "invoice numbers", "Missing option '--provider'."),
])
def test_a_usage_error_of_click_gets_the_envelope_too(args, command, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert error_of(result.stdout, command) == (message, None)
    assert result.stderr.endswith(f"Error: {message}\n")


def test_the_envelope_shape():
    assert output.envelope("x", result={"a": 1}) == {"ok": True, "command": "x", "exit_code": 0, "result": {"a": 1}}
    assert output.envelope("x", error="gone", exit_code=2, has_result=False) == {
        "ok": False, "command": "x", "exit_code": 2, "error": {"message": "gone"}}
    assert json.loads(output.render({"name": "Tjörn"})) == {"name": "Tjörn"}
    assert output.render({"name": "Tjörn"}) == '{"name": "Tjörn"}'
