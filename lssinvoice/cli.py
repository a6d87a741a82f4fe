"""The ``lssinvoice`` command: a thin click shell over the packages.

Exit codes everywhere: 0 ok, 1 findings (something invalid), 2 usage or I/O error; output,
errors and the JSON envelope go through :mod:`lssinvoice.output`. Each command group lives in
its own ``cmd_*`` module and is registered here.
"""
from __future__ import annotations

import importlib

import click

from lssinvoice import __version__, output

# (module, attribute) of each command; imported lazily so `--help` and cold starts stay fast.
COMMANDS = {
    "schemas": ("lssinvoice.cmd_schemas", "schemas"),
    "validate": ("lssinvoice.cmd_validate", "validate"),
    "conformance": ("lssinvoice.cmd_validate", "conformance"),
    "demo": ("lssinvoice.cmd_demo", "demo"),
    "invoice": ("lssinvoice.cmd_invoice", "invoice"),
    "redovisning": ("lssinvoice.cmd_redovisning", "redovisning"),
    "ingest": ("lssinvoice.cmd_ingest", "ingest"),
    "check": ("lssinvoice.cmd_check", "check"),
    "case": ("lssinvoice.cmd_case", "case"),
    "registers": ("lssinvoice.cmd_registers", "registers"),
    "reconcile": ("lssinvoice.cmd_finance", "reconcile"),
    "payments": ("lssinvoice.cmd_finance", "payments"),
    "recovery": ("lssinvoice.cmd_finance", "recovery"),
    "rates": ("lssinvoice.cmd_rates", "rates"),
    "timereport": ("lssinvoice.cmd_timereport", "timereport"),
}


def option_group(options: list):
    """A decorator applying a list of click options, shown in ``--help`` in the order listed
    (several commands share one list)."""
    def apply(func):
        for option in reversed(options):
            func = option(func)
        return func
    return apply


class LazyGroup(click.Group):
    """The root group: commands imported on first use; every error of a command (ours or
    click's) also gets the JSON error envelope when ``--format json`` was asked for."""

    def parse_args(self, ctx, args):
        output.remember_arguments(ctx, args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            output.report_error(self, ctx, exc)
            raise

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx, name):
        if name in COMMANDS:
            module, attr = COMMANDS[name]
            try:
                return getattr(importlib.import_module(module), attr)
            except ModuleNotFoundError as exc:  # a command not built yet
                if exc.name == module:
                    return None
                raise
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lssinvoice")
def main() -> None:
    """Peppol BIS Billing 3.0 e-invoicing for personal assistance under LSS."""


if __name__ == "__main__":  # pragma: no cover
    main()
