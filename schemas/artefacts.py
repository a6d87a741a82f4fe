"""Official artefacts: where they live once installed, and the installer.

The cache is ``$LSSINVOICE_ARTEFACTS`` or ``<user cache dir>/lssinvoice/artefacts``. Files
keep the relative paths of ``schemas/manifest.json`` (e.g.
``oasis-ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd``).

``install()`` copies every manifest file from an offline mirror (``$LSSINVOICE_MIRROR`` or
``../shared/artefacts`` next to the repository) or downloads it from its URL, verifies its
SHA-256 and writes it atomically. A stamp file makes a repeated install a cheap no-op.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from fsio import atomic_writer, write_atomic

MANIFEST_PATH = Path(__file__).with_name("manifest.json")
STAMP_NAME = ".installed.json"
LOCK_NAME = ".install.lock"
CHUNK = 1 << 16
TIMEOUT = 60  # seconds per HTTP request

Progress = Callable[[int, int, str], None]
"""``progress(done, total, path)``, called after each file of a full install."""


class ArtefactError(Exception):
    """An artefact is missing, or its SHA-256 does not match the manifest."""


class ArtefactMissing(ArtefactError):
    pass


def artefacts_dir() -> Path:
    env = os.environ.get("LSSINVOICE_ARTEFACTS")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("lssinvoice")) / "artefacts"


def artefact_path(relpath: str) -> Path:
    """The installed file for a manifest path; ArtefactMissing names it if absent."""
    path = artefacts_dir() / relpath
    if not path.is_file():
        raise ArtefactMissing(
            f"artefact {relpath} is not installed in {artefacts_dir()}: run `lssinvoice schemas install`"
        )
    return path


# --- manifest ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileEntry:
    """One pinned file: cache path, SHA-256, size, and where to download it."""

    path: str
    sha256: str
    size: int
    source: str
    url: str
    zip_member: str | None = None


@dataclass(frozen=True)
class Source:
    """One upstream release the files come from."""

    name: str
    title: str
    license: str
    repo: str | None = None
    commit: str | None = None
    tag: str | None = None
    official_url: str | None = None
    published: str | None = None  # an OpenPeppol release: publication date (ISO)
    mandatory_from: str | None = None  # … and the date from which it is the only one in force
    dates_source: str | None = None  # where those dates are published


@dataclass(frozen=True)
class Manifest:
    """``schemas/manifest.json``; ``sha256`` is the hash of the manifest file itself."""

    sources: tuple[Source, ...]
    files: tuple[FileEntry, ...]
    sha256: str
    path: Path


def load_manifest(path: Path | None = None) -> Manifest:
    """Read and check the manifest (default ``MANIFEST_PATH``); ArtefactError if malformed."""
    path = Path(path or MANIFEST_PATH)
    try:
        raw = path.read_bytes()
        doc = json.loads(raw)
        sources = tuple(Source(**_known(s, Source)) for s in doc["sources"])
        files = tuple(FileEntry(**_known(f, FileEntry)) for f in doc["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArtefactError(f"cannot read manifest {path}: {exc}") from exc
    for entry in files:
        _check_entry(entry, path)
    return Manifest(sources, files, hashlib.sha256(raw).hexdigest(), path)


def _known(data: dict, cls: type) -> dict:
    return {k: v for k, v in data.items() if k in cls.__dataclass_fields__}


def _check_entry(entry: FileEntry, manifest: Path) -> None:
    rel = PurePosixPath(entry.path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.name.startswith("."):
        raise ArtefactError(f"manifest {manifest}: unsafe path {entry.path!r}")
    if len(entry.sha256) != 64 or not isinstance(entry.size, int):
        raise ArtefactError(f"manifest {manifest}: bad sha256 or size for {entry.path}")


# --- install ----------------------------------------------------------------------------


@dataclass
class InstallReport:
    """Outcome of ``install()``. ``source`` is "cache" (nothing to do), "mirror" or "network"."""

    target: Path
    source: str
    installed: int = 0
    present: int = 0
    mirror: Path | None = None
    seconds: float = 0.0
    installed_paths: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.installed + self.present


def default_mirror() -> Path | None:
    """``$LSSINVOICE_MIRROR`` if set, else ``<repo>/../shared/artefacts`` if it exists, else None."""
    env = os.environ.get("LSSINVOICE_MIRROR")
    if env:
        return Path(env)
    candidate = Path(__file__).resolve().parents[1].parent / "shared" / "artefacts"
    return candidate if candidate.is_dir() else None


def install(
    mirror: Path | None = None,
    *,
    network: bool = True,
    progress: Progress | None = None,
    target: Path | None = None,
) -> InstallReport:
    """Install every manifest file into ``target`` (default ``artefacts_dir()``), verified.

    Files come from ``mirror`` (default ``default_mirror()``); with no mirror they are
    downloaded from their URLs unless ``network`` is False. ``progress(done, total, path)``
    is called per file when a full install runs. Raises ArtefactError naming the file on a
    missing file or a SHA-256 mismatch; files already written stay valid.
    """
    started = time.monotonic()
    if mirror is not None and not Path(mirror).is_dir():
        raise ArtefactError(f"mirror {mirror} is not a directory")
    manifest = load_manifest()
    target = Path(target or artefacts_dir())
    if _is_current(manifest, target):
        return InstallReport(target, "cache", present=len(manifest.files), seconds=time.monotonic() - started)
    mirror = Path(mirror) if mirror else default_mirror()
    if mirror is not None and not mirror.is_dir():
        raise ArtefactError(f"mirror {mirror} (LSSINVOICE_MIRROR) is not a directory")
    if mirror is None and not network:
        raise ArtefactError("no artefact mirror found and network disabled: pass --mirror DIR or set LSSINVOICE_MIRROR")
    target.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        if _is_current(manifest, target):  # another process finished while we waited
            report = InstallReport(target, "cache", present=len(manifest.files))
        else:
            report = _install_all(manifest, target, mirror, progress)
    report.seconds = time.monotonic() - started
    return report


def _install_all(manifest: Manifest, target: Path, mirror: Path | None, progress: Progress | None) -> InstallReport:
    report = InstallReport(target, "mirror" if mirror else "network", mirror=mirror)
    total = len(manifest.files)
    with _Fetcher(mirror) as fetcher:
        for done, entry in enumerate(manifest.files, 1):
            dest = target / entry.path
            if _hash_file(dest) == entry.sha256:
                report.present += 1
            else:
                with fetcher.open(entry) as stream:
                    _write_verified(stream, entry, dest, fetcher.describe(entry))
                report.installed += 1
                report.installed_paths.append(entry.path)
            if progress:
                progress(done, total, entry.path)
    _write_stamp(manifest, target, report)
    return report


def _write_verified(stream: BinaryIO, entry: FileEntry, dest: Path, origin: str) -> None:
    """Copy ``stream`` to ``dest`` via a temp file; replace only if the SHA-256 matches."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(dest, suffix=".part") as out:  # the mismatch raised inside leaves dest as it was
        digest, size = hashlib.sha256(), 0
        while size <= entry.size and (chunk := stream.read(CHUNK)):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        found = digest.hexdigest()
        if found != entry.sha256 or size != entry.size:
            size_found = f"{size} bytes" if size <= entry.size else f"more than {entry.size} bytes"
            raise ArtefactError(
                f"{entry.path}: SHA-256 mismatch in {origin}: expected {entry.sha256} ({entry.size} bytes), "
                f"found {found} ({size_found})"
            )


class _Fetcher:
    """Opens a manifest file from the mirror or its URL; each zip is downloaded once."""

    def __init__(self, mirror: Path | None):
        self.mirror = mirror
        self._zips: dict[str, zipfile.ZipFile] = {}
        self._tmpdir: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> _Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        for archive in self._zips.values():
            archive.close()
        if self._tmpdir:
            self._tmpdir.cleanup()

    def describe(self, entry: FileEntry) -> str:
        if self.mirror:
            return f"mirror {self.mirror}"
        return f"{entry.url} member {entry.zip_member}" if entry.zip_member else entry.url

    def open(self, entry: FileEntry) -> BinaryIO:
        if self.mirror:
            try:
                return open(self.mirror / entry.path, "rb")
            except OSError as exc:
                raise ArtefactMissing(f"{entry.path}: missing from mirror {self.mirror} ({exc.strerror})") from exc
        if entry.zip_member:
            try:
                return self._zip(entry).open(entry.zip_member)
            except KeyError as exc:
                raise ArtefactMissing(f"{entry.path}: member {entry.zip_member} not in {entry.url}") from exc
        return _urlopen(entry.url, entry.path)

    def _zip(self, entry: FileEntry) -> zipfile.ZipFile:
        if entry.url not in self._zips:
            if self._tmpdir is None:
                self._tmpdir = tempfile.TemporaryDirectory(prefix="lssinvoice-download-")
            local = Path(self._tmpdir.name) / f"{len(self._zips)}.zip"
            with _urlopen(entry.url, entry.path) as response, open(local, "wb") as out:
                shutil.copyfileobj(response, out, CHUNK)
            try:
                self._zips[entry.url] = zipfile.ZipFile(local)
            except zipfile.BadZipFile as exc:
                raise ArtefactError(f"{entry.path}: {entry.url} is not a valid zip ({exc})") from exc
        return self._zips[entry.url]


def _urlopen(url: str, relpath: str) -> BinaryIO:
    if not url.startswith(("http://", "https://")):
        raise ArtefactError(f"{relpath}: refusing non-HTTP URL {url}")
    try:
        return urllib.request.urlopen(url, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        raise ArtefactMissing(f"{relpath}: download failed: {url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ArtefactError(f"{relpath}: download failed: {url}: {reason}") from exc


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Exclusive ``flock`` on the target's lock file (works across threads and processes)."""
    with open(target / LOCK_NAME, "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


# --- stamp, verify, status --------------------------------------------------------------


def _read_stamp(target: Path) -> dict | None:
    try:
        stamp = json.loads((target / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _write_stamp(manifest: Manifest, target: Path, report: InstallReport) -> None:
    stamp = {
        "manifest_sha256": manifest.sha256,
        "files": len(manifest.files),
        "source": report.source,
        "mirror": str(report.mirror) if report.mirror else None,
        "installed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_atomic(target / STAMP_NAME, json.dumps(stamp, indent=1) + "\n")


def _is_current(manifest: Manifest, target: Path) -> bool:
    """Stamp matches this manifest and every file exists with the pinned size (no hashing)."""
    stamp = _read_stamp(target)
    if not stamp or stamp.get("manifest_sha256") != manifest.sha256:
        return False
    return all(_size(target / entry.path) == entry.size for entry in manifest.files)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _hash_file(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def verify(target: Path | None = None) -> list[str]:
    """Rehash every installed file; the manifest paths that are missing or do not match."""
    target = Path(target or artefacts_dir())
    return [e.path for e in load_manifest().files if _hash_file(target / e.path) != e.sha256]


def status(target: Path | None = None) -> dict:
    """Target dir, stamp, and per-source installed/missing counts (by presence and size)."""
    manifest = load_manifest()
    target = Path(target or artefacts_dir())
    counts = {s.name: {"installed": 0, "missing": 0} for s in manifest.sources}
    for entry in manifest.files:
        ok = _size(target / entry.path) == entry.size
        counts.setdefault(entry.source, {"installed": 0, "missing": 0})["installed" if ok else "missing"] += 1
    stamp = _read_stamp(target)
    sources = [
        {**{k: v for k, v in vars(s).items() if v is not None}, "files": sum(counts[s.name].values()), **counts[s.name]}
        for s in manifest.sources
    ]
    installed = sum(c["installed"] for c in counts.values())
    mirror = default_mirror()
    return {
        "target": str(target),
        "manifest": {"path": str(manifest.path), "sha256": manifest.sha256, "files": len(manifest.files)},
        "mirror": str(mirror) if mirror else None,
        "stamp": stamp,
        "stamp_current": bool(stamp and stamp.get("manifest_sha256") == manifest.sha256),
        "installed": installed,
        "missing": len(manifest.files) - installed,
        "complete": installed == len(manifest.files),
        "sources": sources,
    }
