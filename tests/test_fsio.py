"""The one atomic write (fsio): whole or not at all, owner-only, create-only when asked."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fsio import atomic_writer, private_dirs, write_atomic

REPO = Path(__file__).resolve().parents[1]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_write_replaces_the_file_whole_and_owner_only(tmp_path):
    target = tmp_path / "state.json"
    target.write_text("old")
    write_atomic(target, "new ✓")
    assert target.read_text("utf-8") == "new ✓"
    assert _mode(target) == 0o600
    assert _names(tmp_path) == ["state.json"]  # no temporary left


def test_a_mode_can_be_asked_for(tmp_path):
    write_atomic(tmp_path / "public.xsl", b"<x/>", mode=0o644)
    assert _mode(tmp_path / "public.xsl") == 0o644


def test_an_error_before_the_rename_leaves_the_old_content_and_no_temporary(tmp_path):
    target = tmp_path / "ledger.json"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="checksum"):
        with atomic_writer(target) as fh:
            fh.write(b"half of the new")
            raise ValueError("checksum does not match")
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["ledger.json"]


def test_a_failing_hook_before_the_rename_leaves_the_old_content(tmp_path):
    target = tmp_path / "series.json"
    target.write_bytes(b"old")

    def fail():
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        write_atomic(target, b"new", before_rename=fail)
    assert target.read_bytes() == b"old" and _names(tmp_path) == ["series.json"]


def test_the_temporary_names_its_writer_and_lies_in_the_same_folder(tmp_path):
    target = tmp_path / "a.xml"
    with atomic_writer(target, suffix=".part") as fh:
        fh.write(b"x")
        (temp,) = [p for p in tmp_path.iterdir() if p.name != "a.xml"]
        assert temp.name.startswith(f".a.xml.{os.getpid()}.") and temp.name.endswith(".part")
        assert not target.exists()
    assert target.read_bytes() == b"x" and not temp.exists()


def test_create_only_refuses_an_existing_file_and_keeps_it(tmp_path):
    target = tmp_path / "invoice.xml"
    write_atomic(target, b"first", create_only=True)
    with pytest.raises(FileExistsError):
        write_atomic(target, b"second", create_only=True)
    assert target.read_bytes() == b"first"
    assert _names(tmp_path) == ["invoice.xml"]
    assert _mode(target) == 0o600


def test_a_write_without_fsync_is_still_atomic(tmp_path):
    target = tmp_path / "response.xml"
    write_atomic(target, b"<r/>", durable=False)
    assert target.read_bytes() == b"<r/>" and _names(tmp_path) == ["response.xml"]


def test_private_dirs_makes_every_missing_folder_owner_only(tmp_path):
    private_dirs(tmp_path / "a" / "b" / "c")
    assert [_mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [0o700] * 3
    private_dirs(tmp_path / "a" / "b")  # existing: nothing to do


KILLED_BEFORE_RENAME = """
    import os, signal, sys
    from fsio import write_atomic
    write_atomic(sys.argv[1], b"new", before_rename=lambda: os.kill(os.getpid(), signal.SIGKILL))
"""


def test_a_writer_killed_before_the_rename_leaves_the_old_file_and_its_temporary(tmp_path):
    target = tmp_path / "series.json"
    target.write_bytes(b"old")
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(KILLED_BEFORE_RENAME), str(target)],
                           cwd=REPO, capture_output=True, timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"old"
    (temp,) = [p for p in tmp_path.iterdir() if p.name != "series.json"]
    assert temp.read_bytes() == b"new" and temp.name.startswith(".series.json.")  # for the caller's sweep
