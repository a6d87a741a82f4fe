"""The ``--engine`` option: which Saxon runs the rules (issue 15), for every command that validates."""
from __future__ import annotations

import os

import click

from lssinvoice.output import CommandError
from validate.schematron.engines import ENGINES, EngineUnavailable, select

ENGINE_HELP = ("The Saxon that runs the rules: SaxonC, Saxon-HE on the JVM, or auto (the JVM when java and the "
               "jar are there) [default: $LSSINVOICE_ENGINE, else saxonc].")


def engine_option(help: str = ENGINE_HELP):  # noqa: A002 (click's own keyword)
    """``--engine saxonc|jvm|auto``; pass the value to :func:`use_engine`."""
    return click.option("--engine", type=click.Choice(ENGINES), default=None, help=help)


def use_engine(name: str | None) -> None:
    """Select the rules' engine for this process and its workers (exit 2 when it cannot run)."""
    if name is None:
        return
    os.environ["LSSINVOICE_ENGINE"] = name  # worker processes (-j, -w) choose the same
    try:
        select(name)
    except EngineUnavailable as exc:
        raise CommandError(str(exc)) from None
