"""``lssinvoice schemas``: install and inspect the official artefacts (XSD, Schematron, tests).

Exit codes: 0 ok, 2 error (the message goes to stderr; with ``--format json`` stdout also
gets ``{"ok": false, "error": ...}``).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from schemas import artefacts

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
PROGRESS_MIN_FILES = 20


@click.group()
def schemas() -> None:
    """Official artefacts: UBL 2.1 XSDs, Peppol and CEN Schematron, examples, unit tests."""


@schemas.command()
@click.option("--mirror", type=click.Path(path_type=Path), help="Offline mirror folder (default: $LSSINVOICE_MIRROR or ../shared/artefacts).")
@click.option("--no-network", is_flag=True, help="Never download; fail if no mirror is available.")
@click.option("--verify", "rehash", is_flag=True, help="Afterwards rehash every installed file.")
@FORMAT
def install(mirror: Path | None, no_network: bool, rehash: bool, fmt: str) -> None:
    """Install every pinned file into the cache, verifying each SHA-256."""
    try:
        with _ProgressBar() as bar:
            report = artefacts.install(mirror, network=not no_network, progress=bar)
        bad = artefacts.verify(report.target) if rehash else []
    except artefacts.ArtefactError as exc:
        _fail(str(exc), fmt)
    if bad:
        _fail(f"{len(bad)} installed file(s) do not match the manifest: {', '.join(bad)}", fmt)
    result = {
        "ok": True,
        "target": str(report.target),
        "source": report.source,
        "mirror": str(report.mirror) if report.mirror else None,
        "installed": report.installed,
        "present": report.present,
        "verified": rehash,
        "seconds": round(report.seconds, 3),
    }
    if fmt == "json":
        click.echo(json.dumps(result, indent=1))
        return
    origin = {"cache": "already installed", "mirror": f"from mirror {report.mirror}", "network": "downloaded"}
    click.echo(
        f"{report.installed} installed, {report.present} already present ({origin[report.source]}) "
        f"in {report.target}"
    )
    if rehash:
        click.echo(f"verified: all {report.total} files match their SHA-256")


@schemas.command()
@FORMAT
def status(fmt: str) -> None:
    """Show the cache folder, the stamp and per-source counts."""
    try:
        info = artefacts.status()
    except artefacts.ArtefactError as exc:
        _fail(str(exc), fmt)
    if fmt == "json":
        click.echo(json.dumps(info, indent=1))
        return
    for line in _status_lines(info):
        click.echo(line)


def _status_lines(info: dict) -> list[str]:
    stamp = info["stamp"]
    if stamp:
        state = "current" if info["stamp_current"] else "stale: manifest changed"
        stamp_line = f"installed {stamp.get('installed_at')} from {stamp.get('mirror') or stamp.get('source')} ({state})"
    else:
        stamp_line = "none (not installed yet)"
    lines = [
        f"cache:    {info['target']}",
        f"manifest: {info['manifest']['path']} ({info['manifest']['files']} files)",
        f"mirror:   {info['mirror'] or 'none (downloads from the manifest URLs)'}",
        f"stamp:    {stamp_line}",
        "",
    ]
    width = max(len(s["name"]) for s in info["sources"])
    for source in info["sources"]:
        pin = source.get("tag") or source.get("official_url") or ""
        lines.append(f"  {source['name']:<{width}}  {source['installed']:>4}/{source['files']:<4}  {pin}")
    verdict = "complete" if info["complete"] else f"{info['missing']} missing: run `lssinvoice schemas install`"
    lines += ["", f"{info['installed']}/{info['manifest']['files']} files installed, {verdict}"]
    return lines


def _fail(message: str, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps({"ok": False, "error": message}))
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


class _ProgressBar:
    """A rich progress bar on stderr, shown only on a TTY and for many files."""

    def __init__(self) -> None:
        self._progress = None
        self._task = None
        self._enabled = sys.stderr.isatty()

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, done: int, total: int, path: str) -> None:
        if not self._enabled or total < PROGRESS_MIN_FILES:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import Progress

            self._progress = Progress(console=Console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("installing artefacts", total=total)
        self._progress.update(self._task, completed=done)
