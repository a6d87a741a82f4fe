"""The artefact manifest and installer: mirror and network installs, hashes, atomicity, CLI."""
from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lssinvoice.cli import main
from schemas import artefacts

REPO = Path(artefacts.__file__).resolve().parents[1]
REAL_MIRROR = artefacts.default_mirror()
INVOICE_XSD = "oasis-ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd"
INVOICE_XSD_SHA256 = "40fae8cb436f3a9506d7acce65ba162caef3b0bed4d5cbc0992b2153ded4edf4"
SOURCES = {"oasis-ubl-2.1", "peppol-bis-billing-3.0.19", "cen-en16931-validation-1.3.16", "peppol-poacc-3.0.15",
           "peppol-release-2025.5", "peppol-release-2025.11", "peppol-release-2026.5"}

needs_mirror = pytest.mark.skipif(
    REAL_MIRROR is None or not REAL_MIRROR.is_dir(), reason="official artefact mirror not available"
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def payload_files(root: Path) -> list[Path]:
    """Installed files, without the installer's own stamp, lock and temp files."""
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]


def leftovers(root: Path) -> list[Path]:
    return list(root.rglob("*.part"))


@pytest.fixture
def use_manifest(tmp_path, monkeypatch):
    """Replace schemas/manifest.json by a small one made of the given file entries."""

    def write(entries: list[dict]) -> list[dict]:
        path = tmp_path / "manifest.json"
        sources = [{"name": "test", "title": "test source", "license": "none"}]
        path.write_text(json.dumps({"sources": sources, "files": entries}), encoding="utf-8")
        monkeypatch.setattr(artefacts, "MANIFEST_PATH", path)
        return entries

    return write


def entry(path: str, data: bytes, url: str = "http://127.0.0.1:9/unused", member: str | None = None) -> dict:
    item = {"path": path, "sha256": sha256(data), "size": len(data), "source": "test", "url": url}
    if member:
        item["zip_member"] = member
    return item


@pytest.fixture
def fake_mirror(tmp_path, use_manifest):
    """A mirror of three small text files and a manifest pinning them; returns (mirror, entries)."""
    mirror = tmp_path / "mirror"
    files = {"a/one.xml": b"<one/>\n", "a/b/two.sch": b"<schema>two</schema>\n", "three.txt": b"three\n"}
    for rel, data in files.items():
        (mirror / rel).parent.mkdir(parents=True, exist_ok=True)
        (mirror / rel).write_bytes(data)
    return mirror, use_manifest([entry(rel, data) for rel, data in files.items()])


# --- the committed manifest ---------------------------------------------------------------


def test_manifest_pins_the_four_sources_without_cii():
    manifest = artefacts.load_manifest()
    assert {s.name for s in manifest.sources} == SOURCES
    assert {f.source for f in manifest.files} == SOURCES
    assert not [f.path for f in manifest.files if "CII" in f.path and f.path.endswith(".sch")]
    assert "peppol-bis-billing-3.0.19/rules/sch/PEPPOL-EN16931-UBL.sch" in {f.path for f in manifest.files}
    assert len({f.path for f in manifest.files}) == len(manifest.files)
    ubl = [f for f in manifest.files if f.source == "oasis-ubl-2.1"]
    assert ubl and all(f.zip_member and f.url.endswith("/UBL-2.1.zip") for f in ubl)
    assert all(f.url.startswith(("http://", "https://")) for f in manifest.files)


@needs_mirror
def test_manifest_matches_the_mirror_manifest_minus_cii():
    upstream = json.loads((REAL_MIRROR / "MANIFEST.json").read_text(encoding="utf-8"))
    wanted = {f["path"]: f["sha256"] for f in upstream["files"] if not f["path"].endswith(("-CII.sch",))}
    assert {f.path: f.sha256 for f in artefacts.load_manifest().files} == wanted


def test_no_artefact_is_committed():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    pinned = {f.sha256 for f in artefacts.load_manifest().files if f.size > 0}
    copies = [
        name for name in tracked.stdout.decode().split("\0")
        if name and (REPO / name).is_file() and sha256((REPO / name).read_bytes()) in pinned
    ]
    assert copies == []


def test_bad_manifest_path_is_rejected(use_manifest):
    use_manifest([entry("../escape.txt", b"x")])
    with pytest.raises(artefacts.ArtefactError, match=r"unsafe path '\.\./escape\.txt'"):
        artefacts.load_manifest()


# --- install from the real mirror --------------------------------------------------------


@needs_mirror
def test_install_from_real_mirror_then_noop(tmp_path):
    target = tmp_path / "cache"
    manifest = artefacts.load_manifest()
    calls = []
    report = artefacts.install(REAL_MIRROR, target=target, progress=lambda d, t, p: calls.append((d, t)))

    assert (report.source, report.installed, report.present) == ("mirror", len(manifest.files), 0)
    assert len(payload_files(target)) == len(manifest.files)
    assert sha256((target / INVOICE_XSD).read_bytes()) == INVOICE_XSD_SHA256
    assert calls[-1] == (len(manifest.files), len(manifest.files))
    assert json.loads((target / artefacts.STAMP_NAME).read_text())["manifest_sha256"] == manifest.sha256
    assert artefacts.verify(target) == []

    again = artefacts.install(REAL_MIRROR, target=target)
    assert (again.source, again.installed, again.present) == ("cache", 0, len(manifest.files))


@needs_mirror
def test_status_counts_per_source(tmp_path):
    target = tmp_path / "cache"
    artefacts.install(REAL_MIRROR, target=target)
    (target / INVOICE_XSD).unlink()
    info = artefacts.status(target)
    ubl = next(s for s in info["sources"] if s["name"] == "oasis-ubl-2.1")
    assert (ubl["installed"], ubl["missing"], ubl["files"]) == (78, 1, 79)
    assert info["missing"] == 1 and not info["complete"] and info["stamp_current"]


# --- fake mirror: tampering, missing files, repair, atomicity, locking -------------------


def test_tampered_mirror_file_is_named_and_not_written(tmp_path, fake_mirror):
    mirror, entries = fake_mirror
    bad = entries[1]
    (mirror / bad["path"]).write_bytes(b"<schema>evil</schema>\n")
    target = tmp_path / "cache"

    with pytest.raises(artefacts.ArtefactError) as caught:
        artefacts.install(mirror, target=target)

    message = str(caught.value)
    assert bad["path"] in message and f"expected {bad['sha256']}" in message
    assert not (target / bad["path"]).exists()
    assert leftovers(target) == [] and not (target / artefacts.STAMP_NAME).exists()
    assert (target / entries[0]["path"]).read_bytes() == (mirror / entries[0]["path"]).read_bytes()


def test_missing_mirror_file_is_named(tmp_path, fake_mirror):
    mirror, entries = fake_mirror
    (mirror / entries[2]["path"]).unlink()
    with pytest.raises(artefacts.ArtefactMissing, match=f"{entries[2]['path']}: missing from mirror"):
        artefacts.install(mirror, target=tmp_path / "cache")
    assert not (tmp_path / "cache" / artefacts.STAMP_NAME).exists()


def test_reinstall_repairs_deleted_and_corrupted_files(tmp_path, fake_mirror):
    mirror, entries = fake_mirror
    target = tmp_path / "cache"
    artefacts.install(mirror, target=target)
    (target / entries[0]["path"]).unlink()
    assert artefacts.install(mirror, target=target).installed == 1

    (target / entries[1]["path"]).write_bytes(b"X" * entries[1]["size"])  # same size: fast path cannot see it
    assert artefacts.install(mirror, target=target).source == "cache"
    assert artefacts.verify(target) == [entries[1]["path"]]
    (target / artefacts.STAMP_NAME).unlink()
    report = artefacts.install(mirror, target=target)
    assert (report.installed, report.present, report.installed_paths) == (1, 2, [entries[1]["path"]])
    assert artefacts.verify(target) == []


def test_interrupted_copy_leaves_no_partial_file(tmp_path, fake_mirror, monkeypatch):
    mirror, entries = fake_mirror

    class Broken(io.BytesIO):
        def read(self, size=-1):
            if self.tell():
                raise OSError("connection reset")
            return super().read(3)

    monkeypatch.setattr(artefacts._Fetcher, "open", lambda self, e: Broken(b"partial content"))
    target = tmp_path / "cache"
    with pytest.raises(OSError, match="connection reset"):
        artefacts.install(mirror, target=target)
    assert payload_files(target) == [] and leftovers(target) == []


def test_concurrent_installs_install_each_file_once(tmp_path, fake_mirror):
    mirror, entries = fake_mirror
    target = tmp_path / "cache"
    start, reports, errors = threading.Barrier(4), [], []

    def run():
        start.wait()
        try:
            reports.append(artefacts.install(mirror, target=target))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.installed for r in reports) == len(entries)
    assert artefacts.verify(target) == [] and leftovers(target) == []


def test_no_mirror_and_no_network_is_an_error(tmp_path, fake_mirror, monkeypatch):
    monkeypatch.setattr(artefacts, "default_mirror", lambda: None)
    with pytest.raises(artefacts.ArtefactError, match="network disabled"):
        artefacts.install(network=False, target=tmp_path / "cache")


def test_default_mirror_honours_env(tmp_path, monkeypatch):
    monkeypatch.setenv("LSSINVOICE_MIRROR", str(tmp_path))
    assert artefacts.default_mirror() == tmp_path


# --- network install from a local HTTP server --------------------------------------------


@pytest.fixture
def web(tmp_path):
    """Serve tmp_path/www on 127.0.0.1; yields (root folder, base URL, list of request paths)."""
    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def network_manifest(web, use_manifest, monkeypatch):
    """A zip with two members and one plain file on the server, pinned by a test manifest."""
    root, base, requests = web
    members = {"xsd/a.xsd": b"<xsd:schema a/>\n", "xsd/sub/b.xsd": b"<xsd:schema b/>\n"}
    with zipfile.ZipFile(root / "bundle.zip", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("docs/unused.html", b"<html/>")
    plain = b"plain file\n"
    (root / "plain.txt").write_bytes(plain)
    monkeypatch.setattr(artefacts, "default_mirror", lambda: None)
    entries = [entry(f"ubl/{name}", data, f"{base}/bundle.zip", name) for name, data in members.items()]
    entries.append(entry("rules/plain.txt", plain, f"{base}/plain.txt"))
    return root, requests, use_manifest(entries)


def test_network_install_downloads_zip_once_and_verifies(tmp_path, network_manifest):
    root, requests, entries = network_manifest
    target = tmp_path / "cache"
    report = artefacts.install(target=target)

    assert (report.source, report.installed) == ("network", 3)
    assert (target / "ubl/xsd/sub/b.xsd").read_bytes() == b"<xsd:schema b/>\n"
    assert (target / "rules/plain.txt").read_bytes() == b"plain file\n"
    assert sorted(requests) == ["/bundle.zip", "/plain.txt"]
    assert artefacts.verify(target) == [] and len(payload_files(target)) == 3
    assert artefacts.install(target=target).source == "cache" and len(requests) == 2


def test_tampered_download_is_named(tmp_path, network_manifest):
    root, _, entries = network_manifest
    (root / "plain.txt").write_bytes(b"plain file, altered in transit\n")
    target = tmp_path / "cache"
    with pytest.raises(artefacts.ArtefactError) as caught:
        artefacts.install(target=target)
    assert "rules/plain.txt: SHA-256 mismatch" in str(caught.value)
    assert entries[2]["sha256"] in str(caught.value)
    assert not (target / "rules/plain.txt").exists() and leftovers(target) == []


def test_missing_download_and_zip_member_are_named(tmp_path, network_manifest):
    root, _, entries = network_manifest
    (root / "plain.txt").unlink()
    with pytest.raises(artefacts.ArtefactMissing, match=r"rules/plain\.txt: download failed: .* HTTP 404"):
        artefacts.install(target=tmp_path / "cache")

    with zipfile.ZipFile(root / "bundle.zip", "w") as archive:
        archive.writestr("xsd/a.xsd", b"<xsd:schema a/>\n")
    with pytest.raises(artefacts.ArtefactMissing, match=r"ubl/xsd/sub/b\.xsd: member xsd/sub/b\.xsd not in"):
        artefacts.install(target=tmp_path / "cache2")


# --- CLI ----------------------------------------------------------------------------------


@needs_mirror
def test_cli_install_and_status_json(tmp_path, monkeypatch):
    monkeypatch.setenv("LSSINVOICE_ARTEFACTS", str(tmp_path / "cache"))
    runner = CliRunner()
    installed = runner.invoke(main, ["schemas", "install", "--mirror", str(REAL_MIRROR), "--verify", "--format", "json"])
    assert installed.exit_code == 0, installed.output
    envelope = json.loads(installed.stdout)
    result = envelope["result"]
    total = len(artefacts.load_manifest().files)
    assert (envelope["ok"], result["installed"], result["verified"]) == (True, total, True)

    status = runner.invoke(main, ["schemas", "status", "--format", "json"])
    assert status.exit_code == 0, status.output
    info = json.loads(status.stdout)["result"]
    assert info["target"] == str(tmp_path / "cache")
    assert (info["installed"], info["missing"], info["complete"]) == (total, 0, True)
    assert {s["name"]: s["installed"] for s in info["sources"]}["peppol-poacc-3.0.15"] == 39

    text = runner.invoke(main, ["schemas", "install"])
    assert text.exit_code == 0 and "0 installed" in text.stdout and "already installed" in text.stdout


def test_cli_install_bad_mirror_exits_2(tmp_path, monkeypatch):
    monkeypatch.setenv("LSSINVOICE_ARTEFACTS", str(tmp_path / "cache"))
    runner = CliRunner()
    result = runner.invoke(main, ["schemas", "install", "--mirror", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "nowhere is not a directory" in result.stderr and "Traceback" not in result.output

    (tmp_path / "empty").mkdir()
    result = runner.invoke(main, ["schemas", "install", "--mirror", str(tmp_path / "empty"), "--format", "json"])
    assert result.exit_code == 2
    first = artefacts.load_manifest().files[0].path
    assert json.loads(result.stdout)["ok"] is False and f"{first}: missing from mirror" in result.stderr
