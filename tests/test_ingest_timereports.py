"""The time reports attached to received invoices, read and stored as shifts (issue 11), on
SQLite and PostgreSQL: exact UTC instants (a night across midnight, the 23-hour and 25-hour
DST days), Swedish headings, XLSX, large attachments, credit notes; a broken or missing time
report is a warning on a stored invoice, never a quarantine, and the run goes on."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from ingest import tables as t
from ingest.rows import INLINE_ATTACHMENT_BYTES
from ingest.service import run_once
from ingest.store import Store
from invoices.input_errors import InputErrors
from invoices.tables import table_format
from invoices.timereports import (
    TIMEREPORT_HEADINGS, read_timereport_bytes, read_timereports, recognise_timereport,
)
from peppol.model import Attachment
from peppol.ubl import to_ubl

from .factories import (
    ANNA, ASSISTANT2_PNR, ASSISTANT_PNR, BERTIL, CLIENT, CLIENT_PNR, credit_note, exempt_invoice, issue_all, report,
    shift, tjorn_plan, write_csv,
)
from .ingest_factory import TIMEREPORT_CLIENT_PNR, TIMEREPORT_CSV, folder_config, inbox_with, invoice_xml, wrapped

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = Attachment.embedded("UNDERLAG-1", b"%PDF-1.4\n% synthetic\n", filename="underlag.pdf",
                          mime_code="application/pdf")

SWEDISH_CSV = (
    "\ufeffPersonnummer assistent;Assistent;Brukarens personnummer;Brukare;Datum;Starttid;Sluttid;Tidstyp;"
    "Beslutsnummer;Signerad av assistent;Signerad av arbetsledare;Beräkningsperiod;Kollektivavtal;Kommentar\r\n"
    f"{ASSISTANT_PNR};Testa Testsson;{CLIENT_PNR};Klienta Klientsson;2024-01-10;22:00;07:00;jour;B-1;ja;nej;"
    "4 veckor;ingen;natt\r\n"
    f"{ASSISTANT_PNR};Testa Testsson;{CLIENT_PNR};Klienta Klientsson;2024-01-11;07:00;12:00;aktiv;B-1;ja;nej;"
    "4 veckor;ingen;\r\n"
).encode("utf-8")
XLSX_HEADER = ["Assistentens personnummer", "Namn", "Kund personnummer", "Kund", "Datum", "Från", "Till", "Typ",
               "Beslut", "Attesterad", "Kollektivavtal"]
XLSX_ROWS = [  # typed cells, as Excel saves them; a personnummer as a number
    [int(ASSISTANT_PNR), "Testa Testsson", CLIENT_PNR, "Klienta Klientsson", date(2024, 10, 26), time(22), time(7),
     "beredskap", "B-1", "ja", "Testavtalet"],
    [ASSISTANT2_PNR, "Tvåa Testsson", CLIENT_PNR, "Klienta Klientsson", date(2024, 10, 27), time(0), time(0),
     "väntetid", "B-1", "ja", "Testavtalet"],
]


def xlsx(header: list, rows: list[list]) -> bytes:
    """A workbook of one sheet as bytes."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_attachment(ref: str, data: bytes, filename: str = "tidrapport.csv") -> Attachment:
    return Attachment.embedded(ref, data, filename=filename, mime_code="text/csv", description="Tidrapport")


def at(text: str) -> datetime:
    """A UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def utc(value: datetime) -> datetime:
    """A stored instant (SQLite gives it back without a zone: it is UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)



def ingest(tmp_path, db: str, files: dict[str, bytes]) -> dict[str, tuple[str, str | None]]:
    inbox_with(tmp_path, files)
    summary = run_once(folder_config(tmp_path, db=db))
    return {o.name: (o.state, o.reason_code) for o in summary.outcomes}


def _our_pdf_copy(filename: str | None) -> bool:
    """A PDF copy the provider side attaches (invoices.pdf_copies): a time report's or the invoice's."""
    return bool(filename) and filename.endswith(".pdf") and filename.startswith(("tidrapport-", "faktura-"))


def stored(db: str) -> dict:
    """What the store holds about time reports, by invoice number."""
    store = Store(db)
    inv, att, tr, sh, f, d = t.invoices, t.attachments, t.timereports, t.shifts, t.findings, t.documents
    with store.engine.connect() as conn:
        numbers = dict(conn.execute(select(inv.c.id, inv.c.invoice_number)).all())
        by_doc = dict(conn.execute(select(d.c.id, d.c.source_name)).all())
        out = {
            "attachments": [(numbers[r.invoice_id], r.filename, r.recognised_as, r.rows, r.content is None)
                            for r in conn.execute(select(att).order_by(att.c.id))
                            if not _our_pdf_copy(r.filename)],  # the provider side's PDF copies: not read
            "pdfs": [(numbers[r.invoice_id], r.filename, r.recognised_as)
                     for r in conn.execute(select(att).order_by(att.c.id)) if _our_pdf_copy(r.filename)],
            "reports": [(numbers[r.invoice_id], r.filename, r.assistant_pnr, r.client_pnr, r.month, r.assistant_signed,
                         r.supervisor_signed, r.calculation_period, r.collective_agreement, r.agreement_stated,
                         r.kind_stated)
                        for r in conn.execute(select(tr, att.c.filename).join(att, att.c.id == tr.c.attachment_id)
                                              .order_by(tr.c.id))],
            "shifts": sorted((numbers[r.invoice_id], r.source, r.assistant_pnr, r.client_pnr, r.decision_id, r.kind,
                              utc(r.start_at), utc(r.end_at), r.seconds)
                             for r in conn.execute(select(sh))),
            "shift_report_matches": all(
                r.assistant_pnr == r.tr_assistant and r.invoice_id == r.tr_invoice for r in conn.execute(
                    select(sh.c.assistant_pnr, sh.c.invoice_id, tr.c.assistant_pnr.label("tr_assistant"),
                           tr.c.invoice_id.label("tr_invoice")).join(tr, tr.c.id == sh.c.timereport_id))),
            "findings": [(by_doc[r.document_id], r.rule_id, r.severity, r.step, r.message)
                         for r in conn.execute(select(f).where(f.c.step == "timereports").order_by(f.c.id))],
        }
    store.dispose()
    return out


# ------------------------------------------------------------------ invoices the provider side made

def test_provider_invoices_shifts_stored_exactly(tmp_path, db):
    """March (a night across midnight, the spring DST night and the 23-hour day) and October
    (the autumn DST night and the 25-hour day) as the provider side invoices them."""
    march = tjorn_plan(
        report(shift("2024-03-04", "08:00", "15:30"), shift("2024-03-06", "22:00", "06:00", kind="waiting"),
               shift("2024-03-30", "22:00", "07:00", kind="waiting")),
        report(shift("2024-03-31", "00:00", "00:00", who=BERTIL), who=BERTIL))
    october = tjorn_plan(report(shift("2024-10-27", "00:00", "00:00")),
                         report(shift("2024-10-26", "22:00", "07:00", kind="waiting", who=BERTIL), who=BERTIL),
                         period="2024-10")
    _, written = issue_all(march, tmp_path, sbdh=True)
    _, more = issue_all(october, tmp_path, sbdh=True)
    written |= more
    assert list(written) == ["T-2024-00001", "T-2024-00002"]
    outcomes = ingest(tmp_path, db, {f"{number}.xml": item.sbdh for number, item in written.items()})
    assert outcomes == {"T-2024-00001.xml": ("stored", None), "T-2024-00002.xml": ("stored", None)}

    got = stored(db)
    a, b, c = ANNA.pnr, BERTIL.pnr, CLIENT.pnr
    # One CSV per assistant, in the order the provider attaches them (Bertil's first).
    assert got["attachments"] == [
        ("T-2024-00001", "tidrapport-2024-03-D-BASE-01.csv", "timereport-csv", 1, False),
        ("T-2024-00001", "tidrapport-2024-03-D-BASE-02.csv", "timereport-csv", 3, False),
        ("T-2024-00002", "tidrapport-2024-10-D-BASE-01.csv", "timereport-csv", 1, False),
        ("T-2024-00002", "tidrapport-2024-10-D-BASE-02.csv", "timereport-csv", 1, False),
    ]
    assert {r[1]: r[2] for r in got["reports"]} == {
        "tidrapport-2024-03-D-BASE-01.csv": b, "tidrapport-2024-03-D-BASE-02.csv": a,
        "tidrapport-2024-10-D-BASE-01.csv": b, "tidrapport-2024-10-D-BASE-02.csv": a}
    assert [r[:1] + r[2:] for r in got["reports"]] == [
        ("T-2024-00001", b, c, "2024-03", True, True, "4 veckor", None, True, True),
        ("T-2024-00001", a, c, "2024-03", True, True, "4 veckor", None, True, True),
        ("T-2024-00002", b, c, "2024-10", True, True, "4 veckor", None, True, True),
        ("T-2024-00002", a, c, "2024-10", True, True, "4 veckor", None, True, True),
    ]
    assert got["shifts"] == [
        # 23:00 UTC the day before = midnight CET; the clocks go forward at 02:00: 23 h
        ("T-2024-00001", "attachment 1 row 2", b, c, "D-BASE", "active", at("2024-03-30 23:00"),
         at("2024-03-31 22:00"), 23 * 3600),
        ("T-2024-00001", "attachment 2 row 2", a, c, "D-BASE", "active", at("2024-03-04 07:00"),
         at("2024-03-04 14:30"), 27000),
        # across midnight: 22:00-06:00 CET
        ("T-2024-00001", "attachment 2 row 3", a, c, "D-BASE", "waiting", at("2024-03-06 21:00"),
         at("2024-03-07 05:00"), 8 * 3600),
        # 22:00 CET to 07:00 CEST: one hour skipped, 8 h
        ("T-2024-00001", "attachment 2 row 4", a, c, "D-BASE", "waiting", at("2024-03-30 21:00"),
         at("2024-03-31 05:00"), 8 * 3600),
        # 22:00 CEST to 07:00 CET: one hour twice, 10 h
        ("T-2024-00002", "attachment 1 row 2", b, c, "D-BASE", "waiting", at("2024-10-26 20:00"),
         at("2024-10-27 06:00"), 10 * 3600),
        # midnight CEST to midnight CET: 25 h
        ("T-2024-00002", "attachment 2 row 2", a, c, "D-BASE", "active", at("2024-10-26 22:00"),
         at("2024-10-27 23:00"), 25 * 3600),
    ]
    assert got["shift_report_matches"]
    assert got["findings"] == []
    # each time report also as PDF, and each invoice's readable copy: stored, never read as a report
    assert got["pdfs"] == [
        ("T-2024-00001", "tidrapport-2024-03-D-BASE-01.pdf", None), ("T-2024-00001", "tidrapport-2024-03-D-BASE-02.pdf", None),
        ("T-2024-00001", "faktura-T-2024-00001.pdf", None),
        ("T-2024-00002", "tidrapport-2024-10-D-BASE-01.pdf", None), ("T-2024-00002", "tidrapport-2024-10-D-BASE-02.pdf", None),
        ("T-2024-00002", "faktura-T-2024-00002.pdf", None)]


# ------------------------------------------------------------------ what providers' systems export

def test_swedish_headings_csv_and_an_xlsx_attachment(tmp_path, db):
    doc = exempt_invoice(id="SV-1", attachments=[
        PDF, csv_attachment("TID-1", SWEDISH_CSV, "tidrapport-januari.csv"),
        Attachment.embedded("TID-2", xlsx(XLSX_HEADER, XLSX_ROWS), filename="tidrapport-oktober.xlsx",
                            mime_code=XLSX_MIME, description="Tidrapport")])
    assert ingest(tmp_path, db, {"sv.xml": wrapped(to_ubl(doc))}) == {"sv.xml": ("stored", None)}
    got = stored(db)
    assert got["attachments"] == [
        ("SV-1", "underlag.pdf", None, None, False),
        ("SV-1", "tidrapport-januari.csv", "timereport-csv", 2, False),
        ("SV-1", "tidrapport-oktober.xlsx", "timereport-xlsx", 2, False),
    ]
    a, a2, c = ASSISTANT_PNR, ASSISTANT2_PNR, CLIENT_PNR
    assert got["reports"] == [
        # signed by the assistant, not the supervisor; "ingen": stated that no agreement applies
        ("SV-1", "tidrapport-januari.csv", a, c, "2024-01", True, False, "4 veckor", None, True, True),
        # no "Signerad av assistent" column: not signed; no calculation period stated
        ("SV-1", "tidrapport-oktober.xlsx", a2, c, "2024-10", False, True, None, "Testavtalet", True, True),
        ("SV-1", "tidrapport-oktober.xlsx", a, c, "2024-10", False, True, None, "Testavtalet", True, True),
    ]
    assert got["shifts"] == [
        ("SV-1", "attachment 2 row 2", a, c, "B-1", "on_call", at("2024-01-10 21:00"), at("2024-01-11 06:00"),
         9 * 3600),
        ("SV-1", "attachment 2 row 3", a, c, "B-1", "active", at("2024-01-11 06:00"), at("2024-01-11 11:00"),
         5 * 3600),
        ("SV-1", "attachment 3 row 2", a, c, "B-1", "standby", at("2024-10-26 20:00"), at("2024-10-27 06:00"),
         10 * 3600),
        ("SV-1", "attachment 3 row 3", a2, c, "B-1", "waiting", at("2024-10-26 22:00"), at("2024-10-27 23:00"),
         25 * 3600),
    ]
    assert got["findings"] == []


def test_a_time_report_too_large_for_the_store_is_read_from_the_invoice(tmp_path, db):
    """Over the inline limit the attachment's bytes go to the archive, not the store; the
    analysis reads them from the decoded BIS attachment all the same."""
    rows = [f"{ASSISTANT_PNR},Testa Testsson,{CLIENT_PNR},Klienta Klientsson,2024-01-{day:02d},08:00,16:00,active,"
            f"B-1,{'x' * 10_000}" for day in range(1, 32)]
    data = ("assistant_pnr,assistant_name,client_pnr,client_name,date,start,end,kind,decision_id,comment\n"
            + "\n".join(rows) + "\n").encode()
    assert len(data) > INLINE_ATTACHMENT_BYTES
    doc = exempt_invoice(id="BIG-1", attachments=[csv_attachment("TID-1", data)])
    assert ingest(tmp_path, db, {"big.xml": wrapped(to_ubl(doc))}) == {"big.xml": ("stored", None)}
    got = stored(db)
    assert got["attachments"] == [("BIG-1", "tidrapport.csv", "timereport-csv", 31, True)]
    assert len(got["shifts"]) == 31
    assert got["shifts"][30] == ("BIG-1", "attachment 1 row 9", ASSISTANT_PNR, CLIENT_PNR, "B-1", "active",
                                 at("2024-01-08 07:00"), at("2024-01-08 15:00"), 8 * 3600)  # sorted by source
    assert sum(s[-1] for s in got["shifts"]) == 31 * 8 * 3600


# ------------------------------------------------------------------ broken, missing: warnings only

def test_broken_and_missing_time_reports_are_warnings_and_the_run_goes_on(tmp_path, db):
    broken = SWEDISH_CSV.decode("utf-8") + (
        f"{ASSISTANT_PNR};Testa Testsson;{CLIENT_PNR};Klienta Klientsson;{ASSISTANT_PNR};22:00;25:00;aktiv;B-1;ja;nej;"
        "4 veckor;ingen;\r\n"
        f"{ASSISTANT_PNR};Testa Testsson;{CLIENT_PNR};Klienta Klientsson;2024-01-12;08:00;12:00;semester;B-1;ja;nej;"
        "4 veckor;ingen;\r\n")
    named = f"tidrapport-{CLIENT_PNR}.csv"  # a personnummer in the file name too
    files = {
        "a-broken.xml": wrapped(to_ubl(exempt_invoice(id="BROKEN-1", attachments=[
            PDF, csv_attachment("TID-1", broken.encode("utf-8"), named)]))),
        "b-none.xml": wrapped(to_ubl(exempt_invoice(id="NONE-1"))),
        "c-good.xml": wrapped(invoice_xml("GOOD-1")),
    }
    assert ingest(tmp_path, db, files) == {name: ("stored", None) for name in files}
    got = stored(db)
    masked_a, masked_c = f"********-{ASSISTANT_PNR[-4:]}", f"********-{CLIENT_PNR[-4:]}"
    where = f"time report attachment 2 (tidrapport-{masked_c}.csv)"
    assert got["findings"] == [
        ("a-broken.xml", "LSS-TR-002", "warning", "timereports",
         f"{where}: row 4, field 'date': '{masked_a}' is not a date YYYY-MM-DD"),
        ("a-broken.xml", "LSS-TR-002", "warning", "timereports",
         f"{where}: row 4, field 'end': '25:00' is not a time HH:MM"),
        ("a-broken.xml", "LSS-TR-002", "warning", "timereports",
         f"{where}: row 5, field 'kind': 'semester' is not a kind of time (active, on_call, standby, waiting)"),
        ("a-broken.xml", "LSS-TR-001", "warning", "timereports", "no parseable time report attached"),
        ("b-none.xml", "LSS-TR-001", "warning", "timereports", "no parseable time report attached"),
    ]
    assert not any(pnr in f[-1] for f in got["findings"] for pnr in (ASSISTANT_PNR, CLIENT_PNR, CLIENT_PNR[2:]))
    # The broken one is recognised as a time report and kept, its rows counted; none of its shifts stored.
    assert ("BROKEN-1", named, "timereport-csv", 4, False) in got["attachments"]
    assert [(s[0], s[1]) for s in got["shifts"]] == [("GOOD-1", "attachment 1 row 2"), ("GOOD-1", "attachment 1 row 3")]
    assert got["shifts"][1][2:] == (ASSISTANT_PNR, TIMEREPORT_CLIENT_PNR, "B-1", "waiting", at("2024-01-03 21:00"),
                                    at("2024-01-04 05:00"), 8 * 3600)


def test_a_value_the_store_cannot_hold_keeps_the_report_out_not_the_invoice(tmp_path, db):
    data = TIMEREPORT_CSV.replace(b",B-1\n", b"," + b"B" * 101 + b"\n", 1)
    doc = exempt_invoice(id="LONG-1", attachments=[csv_attachment("TID-1", data)])
    assert ingest(tmp_path, db, {"long.xml": wrapped(to_ubl(doc))}) == {"long.xml": ("stored", None)}
    got = stored(db)
    assert got["shifts"] == [] and got["reports"] == []
    assert [f[1:] for f in got["findings"]] == [
        ("LSS-TR-002", "warning", "timereports", "time report attachment 1 (tidrapport.csv): row 2, field "
         "'decision_id': 101 characters, the store holds 100"),
        ("LSS-TR-001", "warning", "timereports", "no parseable time report attached"),
    ]


def test_credit_notes_store_their_time_reports_and_need_none(tmp_path, db):
    files = {"cn-with.xml": to_ubl(credit_note(id="CN-1", attachments=[csv_attachment("TID-1", TIMEREPORT_CSV)])),
             "cn-without.xml": to_ubl(credit_note(id="CN-2"))}  # bare documents, as an access point may leave them
    assert ingest(tmp_path, db, files) == {name: ("stored", None) for name in files}
    got = stored(db)
    assert [r[:5] for r in got["reports"]] == [("CN-1", "tidrapport.csv", ASSISTANT_PNR, TIMEREPORT_CLIENT_PNR,
                                                "2024-01")]
    assert [s[:2] for s in got["shifts"]] == [("CN-1", "attachment 1 row 2"), ("CN-1", "attachment 1 row 3")]
    assert got["findings"] == []
    store = Store(db)
    with store.engine.connect() as conn:
        kinds = conn.execute(select(t.invoices.c.kind).join(
            t.timereports, t.timereports.c.invoice_id == t.invoices.c.id)).scalars().all()
    store.dispose()
    assert kinds == ["creditnote"]


# ------------------------------------------------------------------ the reader from bytes (invoices)

def test_bytes_and_files_go_through_one_reader(tmp_path):
    path = write_csv(tmp_path, [dict(assistant_pnr=ASSISTANT_PNR, assistant_name="Testa Testsson",
                                     client_pnr=CLIENT_PNR, client_name="Klienta Klientsson", date="2024-03-30",
                                     start="22:00", end="07:00", kind="jour", decision_id="B-1")])
    from_file = read_timereports(path)
    from_bytes = read_timereport_bytes(path.read_bytes(), "timereports.csv", "csv")
    assert from_bytes == from_file
    assert from_bytes[0].shifts[0].hours == 8
    (wb := tmp_path / "t.xlsx").write_bytes(xlsx(XLSX_HEADER, XLSX_ROWS))
    assert read_timereport_bytes(wb.read_bytes(), "t.xlsx", "xlsx") == read_timereports(wb)


def test_every_swedish_heading_is_documented_and_read():
    import invoices.timereports as module

    doc = " ".join(module.__doc__.split())
    for column, headings in TIMEREPORT_HEADINGS.items():
        assert f"``{column}``" in doc
        for heading in headings:
            assert heading in doc, heading
    header = ";".join(h for headings in TIMEREPORT_HEADINGS.values() for h in headings[:1])
    row = f"{ASSISTANT_PNR};Testa;{CLIENT_PNR};Klienta;2024-01-10;08:00;09:00;aktiv;B-1;ja;ja;4 veckor;ingen;ja;ja;nej;ja;1.00;x"
    [read] = read_timereport_bytes(f"{header}\n{row}\n".encode(), "attachment 1", "csv")
    assert read.shifts[0].seconds == 3600 and read.signatures.supervisor and read.collective_agreement_stated
    assert (read.related_to_client, read.lives_with_client) == (False, True)


def test_a_column_under_two_of_its_names_is_an_error():
    data = SWEDISH_CSV.replace(b"Kommentar", b"Namn")  # Assistent and Namn: both the assistant's name
    with pytest.raises(InputErrors) as e:
        read_timereport_bytes(data, "attachment 1", "csv")
    assert [str(x) for x in e.value] == [
        "attachment 1 row 1, field 'assistant_name': column appears twice (columns 2 and 14)"]


@pytest.mark.parametrize("data,fmt,expected", [
    ("artikel,antal\nblöjor,3\n".encode(), "csv", None),  # another table: not a time report
    (b"PK\x03\x04 not a workbook", "xlsx", "attachment 1: not a readable Excel .xlsx workbook (BadZipFile)"),
    (b"\xff\xfe\x00d\x00a", "csv", "attachment 1 row 1: the file is not UTF-8 text (in Excel: save as "
                                    "'CSV UTF-8 (kommaavgr\u00e4nsad)')"),
    (b"", "csv", "attachment 1: the file is empty (no header row)"),
])
def test_recognising_never_raises(data, fmt, expected):
    read = recognise_timereport(data, "attachment 1", fmt)
    if expected is None:
        assert read is None
    else:
        assert [str(e) for e in read.errors] == [expected] and read.reports == ()


def test_a_zip_bomb_is_refused_unread():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (101 * 1024 * 1024))
    read = recognise_timereport(buf.getvalue(), "attachment 1", "xlsx")
    assert [str(e) for e in read.errors] == ["attachment 1: the workbook unpacks to more than 100 MB"]


@pytest.mark.parametrize("filename,mime,expected", [
    ("t.csv", "text/csv", "csv"), ("t.xlsx", XLSX_MIME, "xlsx"), ("t.bin", "text/csv", "csv"),
    ("t.csv", "application/pdf", None), ("t.XLSX", None, "xlsx"), ("t.pdf", None, None), (None, None, None),
])
def test_table_format_by_mime_then_name(filename, mime, expected):
    assert table_format(filename, mime) == expected
