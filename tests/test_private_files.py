"""Files that hold personal data are created readable by their owner only (0600, folders
0700): the store, the archive, the reports and invoices written, the sick-pay ledger and an
attachment written out by `ingest attachment`."""
from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner

from ingest.service import run_once
from invoices.series import NumberSeries
from lssinvoice.cli import main
from lssinvoice.invoice_report import write_new, write_replace

from .ingest_factory import folder_config, invoice_xml, wrapped


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_archive_files_and_folders_are_owner_only(tmp_path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.xml").write_bytes(wrapped(invoice_xml("PRIV-1")))
    config = folder_config(tmp_path)
    run_once(config)
    archived = [p for p in (tmp_path / "archive").rglob("*")]
    assert archived and {_mode(p) for p in archived if p.is_file()} == {0o600}
    assert {_mode(p) for p in archived if p.is_dir()} == {0o700}
    assert _mode(tmp_path / "ingest.db") == 0o600
    written = CliRunner().invoke(main, ["ingest", "attachment", "1", "TID-1", "--db", config.db,
                                        "-o", str(tmp_path / "out" / "tid.csv")])
    assert written.exit_code == 0, written.output
    assert _mode(tmp_path / "out" / "tid.csv") == 0o600 and _mode(tmp_path / "out") == 0o700


def test_reports_and_ledgers_are_owner_only(tmp_path):
    write_new(tmp_path / "new" / "invoice.xml", b"<x/>")
    write_replace(tmp_path / "report.csv", b"a;b\n")
    write_replace(tmp_path / "report.csv", b"a;b\nc;d\n")  # replaced: still 0600
    assert (_mode(tmp_path / "new" / "invoice.xml"), _mode(tmp_path / "new")) == (0o600, 0o700)
    assert _mode(tmp_path / "report.csv") == 0o600
    series = NumberSeries(tmp_path / "series.json", "LSS")
    series.reserve(year=2024)
    assert _mode(tmp_path / "series.json") == 0o600
