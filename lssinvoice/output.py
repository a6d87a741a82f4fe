"""The one output layer of every ``lssinvoice`` command: exit codes, errors, the JSON envelope.

Exit codes (the same for every command)
    ``EXIT_OK`` 0: done; ``EXIT_FINDINGS`` 1: done, and something was found invalid, refused
    or quarantined; ``EXIT_USAGE`` 2: a usage, input or I/O error (the message says which).

Errors
    A command raises :class:`CommandError` (a :class:`click.ClickException` carrying exit code
    2); click's own :class:`click.UsageError` (a missing or bad option) carries 2 as well. The
    message goes to stderr as ``Error: ...``, and with ``--format json`` the error envelope goes
    to stdout too, so a machine always gets one JSON document.

The envelope (``--format json``)
    One JSON document on one line (no indentation, UTF-8; ``ingest run --watch`` writes one per
    run, so the stream is JSON lines)::

        {"ok": true, "command": "ingest status", "exit_code": 0, "result": {...}}
        {"ok": false, "command": "ingest show", "exit_code": 2, "error": {"message": "..."}}

    ``ok`` is false exactly when there is an ``error`` (exit 2). ``result`` is what the command
    did; a command that stopped part-way (a run whose store went away) has both.
"""
from __future__ import annotations

import json
from typing import Any

import click

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

_ARGV_KEY = "lssinvoice.argv"


class CommandError(click.ClickException):
    """A usage, input or I/O error: exit 2. ``result`` is what was done before it (if any),
    put in the JSON envelope beside the error."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, result: Any = None):
        super().__init__(message)
        self.result = result
        self.context = click.get_current_context(silent=True)


class CommandRefused(CommandError):
    """A refusal by the rules (a decision the order of rounds does not allow, a number the
    series will not void): exit 1, like findings; the envelope carries the reason."""

    exit_code = EXIT_FINDINGS


def format_option(*extra: str, help: str = "text for people, json for machines (one JSON envelope per line).",
                  default: str = "text"):
    """The ``--format`` option of a command (``fmt`` in the callback): text or json, and any
    extra formats the command has (``validate``'s svrl)."""
    return click.option("--format", "fmt", type=click.Choice(["text", "json", *extra]), default=default,
                        show_default=True, help=help)


def render(document: dict) -> str:
    """The one JSON rendering: one line, UTF-8 text as is."""
    return json.dumps(document, ensure_ascii=False, default=str)


def envelope(command: str, *, result: Any = None, error: str | None = None, exit_code: int = EXIT_OK,
             has_result: bool = True) -> dict:
    document: dict = {"ok": error is None, "command": command, "exit_code": exit_code}
    if has_result and (result is not None or error is None):
        document["result"] = result
    if error is not None:
        document["error"] = {"message": error}
    return document


def command_name(ctx: click.Context | None) -> str:
    """``ingest run`` for the context of that command (the program's own name left out)."""
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def emit(result: Any, *, fmt: str, code: int = EXIT_OK, error: str | None = None) -> None:
    """Write ``result`` in its envelope when the format is json (text is the command's own)."""
    if fmt == "json":
        ctx = click.get_current_context()
        click.echo(render(envelope(command_name(ctx), result=result, error=error, exit_code=code)))


def finish(code: int = EXIT_OK) -> None:
    """End the command with ``code`` (0 returns normally)."""
    if code != EXIT_OK:
        raise click.exceptions.Exit(code)


# ------------------------------------------------------------------ errors, at the root group

def remember_arguments(ctx: click.Context, args: list[str]) -> None:
    """Keep the raw arguments, to know ``--format json`` was asked for even when they do not parse."""
    ctx.meta[_ARGV_KEY] = list(args)


def _requested_json(args: list[str]) -> bool:
    for i, arg in enumerate(args):
        if arg == "--":
            return False
        if arg == "--format=json" or (arg == "--format" and args[i + 1:i + 2] == ["json"]):
            return True
    return False


def _command_from_arguments(group: click.Group, ctx: click.Context, args: list[str]) -> str:
    names: list[str] = []
    command: click.Command | None = group
    for arg in args:
        if not isinstance(command, click.Group) or arg.startswith("-"):
            break
        command = command.get_command(ctx, arg)
        if command is None:
            break
        names.append(arg)
    return " ".join(names)


def report_error(group: click.Group, ctx: click.Context, exc: click.ClickException) -> None:
    """With ``--format json``, the error envelope on stdout (click then shows the message on
    stderr and exits with the exception's code)."""
    args = ctx.meta.get(_ARGV_KEY, [])
    inner = getattr(exc, "context", None) or getattr(exc, "ctx", None)
    fmt = inner.params.get("fmt") if inner is not None else None
    if fmt != "json" and not (fmt is None and _requested_json(args)):
        return
    name = command_name(inner) if inner is not None and inner.parent is not None else \
        _command_from_arguments(group, ctx, args)
    result = getattr(exc, "result", None)
    click.echo(render(envelope(name, result=result, error=exc.format_message(), exit_code=exc.exit_code,
                               has_result=result is not None)))
