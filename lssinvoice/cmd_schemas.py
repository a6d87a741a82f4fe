"""``lssinvoice schemas``: install and inspect the official artefacts (XSD, Schematron, tests).

Exit codes: 0 ok, 2 error (output and errors through :mod:`lssinvoice.output`).
``schemas status`` only reads: a cache folder that does not exist is an error naming it.
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from lssinvoice import settings
from lssinvoice.output import CommandError, emit, format_option
from schemas import artefacts

FORMAT = format_option()
PROGRESS_MIN_FILES = 20


@click.group()
def schemas() -> None:
    """Official artefacts: UBL 2.1 XSDs, Peppol and CEN Schematron, examples, unit tests."""


@schemas.command(epilog=settings.epilog("schemas install"))
@click.option("--mirror", type=click.Path(path_type=Path),
              help="Offline mirror folder [default: $LSSINVOICE_MIRROR, else ../shared/artefacts].")
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
        raise CommandError(str(exc)) from None
    if bad:
        raise CommandError(f"{len(bad)} installed file(s) do not match the manifest: {', '.join(bad)}")
    result = {
        "target": str(report.target),
        "source": report.source,
        "mirror": str(report.mirror) if report.mirror else None,
        "installed": report.installed,
        "present": report.present,
        "verified": rehash,
        "seconds": round(report.seconds, 3),
    }
    emit(result, fmt=fmt)
    if fmt == "json":
        return
    origin = {"cache": "already installed", "mirror": f"from mirror {report.mirror}", "network": "downloaded"}
    click.echo(
        f"{report.installed} installed, {report.present} already present ({origin[report.source]}) "
        f"in {report.target}"
    )
    if rehash:
        click.echo(f"verified: all {report.total} files match their SHA-256")


@schemas.command(epilog=settings.epilog("schemas status"))
@FORMAT
def status(fmt: str) -> None:
    """Show the cache folder, the stamp and per-source counts (reads only: changes nothing)."""
    target = artefacts.artefacts_dir()
    if not target.is_dir():
        raise CommandError(f"the artefact cache {target} does not exist (set by LSSINVOICE_ARTEFACTS): "
                           "run `lssinvoice schemas install`")
    try:
        info = artefacts.status(target)
    except artefacts.ArtefactError as exc:
        raise CommandError(str(exc)) from None
    info["releases"] = release_status(date.today())
    emit(info, fmt=fmt)
    if fmt == "json":
        return
    for line in _status_lines(info):
        click.echo(line)


def release_status(today: date) -> list[dict]:
    """The OpenPeppol releases with their dates; which are accepted ``today`` and which one is
    in force (the newest accepted: the one to write for)."""
    from validate import releases

    selection = releases.select(today)
    out = []
    for release in releases.all_releases():
        entry = release.to_dict()
        entry["accepted_today"] = release in selection.accepted
        entry["in_force_today"] = release == selection.primary
        out.append(entry)
    return out


def _release_lines(entries: list[dict]) -> list[str]:
    lines = ["", "OpenPeppol releases (rules by reference date):"]
    for e in entries:
        mark = "in force today" if e["in_force_today"] else "accepted today" if e["accepted_today"] else ""
        lines.append(f"  {e['name']:<8} BIS Billing {e['billing']:<7} published {e['published']}  "
                     f"mandatory from {e['mandatory_from']}  {mark}".rstrip())
        lines.append(f"  {'':<8} rule sets: {', '.join(e['rulesets'])}")
    return lines


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
    lines += _release_lines(info.get("releases", []))
    lines += ["", f"{info['installed']}/{info['manifest']['files']} files installed, {verdict}"]
    return lines


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
