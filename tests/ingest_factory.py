"""Deliveries for the ingest tests: Tjörn's inbox filled with good and bad documents."""
from __future__ import annotations

from dataclasses import dataclass
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from ingest import tables as tb
from ingest.service import IngestConfig
from ingest.store import MIGRATIONS, Store

from peppol import codes, sbdh
from peppol.model import Attachment
from peppol.ubl import to_ubl

from .factories import ASSISTANT_PNR, SELLER_ORGNR, TJORN_ORGNR, buyer, exempt_invoice, synthetic_pnr

SELLER = f"0007:{SELLER_ORGNR}"
US = f"0007:{TJORN_ORGNR}"
OTHER_MUNICIPALITY = "0007:2120001561"  # Borås

TIMEREPORT_CLIENT_PNR = synthetic_pnr("19800101")  # the client of the attached time report
TIMEREPORT_CSV = (
    "assistant_pnr,assistant_name,client_pnr,client_name,date,start,end,kind,decision_id\n"
    f"{ASSISTANT_PNR},Testa Testsson,{TIMEREPORT_CLIENT_PNR},Klient Klientsson,2024-01-02,08:00,16:00,active,B-1\n"
    f"{ASSISTANT_PNR},Testa Testsson,{TIMEREPORT_CLIENT_PNR},Klient Klientsson,2024-01-03,22:00,06:00,waiting,B-1\n"
).encode()


def invoice_xml(number: str, **overrides) -> bytes:
    attachments = [Attachment.embedded("TID-1", TIMEREPORT_CSV, filename="tidrapport.csv", mime_code="text/csv",
                                       description="Tidrapport januari")]
    return to_ubl(exempt_invoice(id=number, attachments=attachments, **overrides))


def wrapped(xml: bytes, *, receiver: str = US, sender: str = SELLER, instance: str | None = None) -> bytes:
    return sbdh.wrap(xml, sender=sender, receiver=receiver, document_type_id=codes.INVOICE_DOCUMENT_TYPE_ID,
                     process_id=codes.BILLING_PROCESS_ID, instance_id=instance)


def boras_as_buyer():
    """An invoice made out to Borås but delivered (SBDH) to Tjörn: the buyer is not us."""
    from peppol.model import Identifier

    return buyer(registration_name="Borås Stad", endpoint="0007:2120001561",
                 legal_registration_id=Identifier(value="2120001561", scheme="0007"))


def broken_envelope() -> bytes:
    """An SBDH whose header has no Receiver."""
    text = wrapped(invoice_xml("BROKEN-1")).decode()
    start, end = text.index("<Receiver>"), text.index("</Receiver>") + len("</Receiver>")
    return (text[:start] + text[end:]).encode()


@dataclass(frozen=True)
class Delivery:
    name: str
    data: bytes
    state: str
    reason: str | None  # reason_code when quarantined
    response: str | None  # "T111 AB", "T111 RE", "T71 RE" or None


def batch(good: int = 3) -> list[Delivery]:
    """Good invoices plus one of each kind of bad input, with the outcome each must have."""
    items = [Delivery(f"good-{i:03d}.xml", wrapped(invoice_xml(f"INV-{i:05d}")), "stored", None, "T111 AB")
             for i in range(good)]
    items += [
        Delivery("bare-invoice.xml", invoice_xml("BARE-1"), "stored", None, "T111 AB"),
        Delivery("not-xml.xml", b"%PDF-1.4 this is not XML", "quarantined", "not-xml", None),
        Delivery("hostile.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                b"<x>&e;</x>", "quarantined", "not-xml", None),
        Delivery("order.xml", wrapped_order(), "quarantined", "wrong-document-type", "T71 RE"),
        Delivery("failed-rules.xml", wrapped(invoice_xml("BADREF-1", buyer_reference="NOT-OURS")),
                 "quarantined", "failed-rules", "T111 RE"),
        Delivery("broken-sbdh.xml", broken_envelope(), "quarantined", "broken-sbdh", "T71 RE"),
        Delivery("unknown-buyer.xml", wrapped(invoice_xml("OTHERBUYER-1", buyer=boras_as_buyer())),
                 "quarantined", "failed-rules", "T111 RE"),
        Delivery("not-for-us.xml", wrapped(invoice_xml("ELSEWHERE-1"), receiver=OTHER_MUNICIPALITY),
                 "quarantined", "not-for-us", "T71 RE"),
        Delivery("resent-number.xml", wrapped(invoice_xml("INV-00000", notes=["Skickad igen"])),
                 "quarantined", "duplicate", "T111 RE"),
    ]
    if good:
        items.append(Delivery("zz-resubmitted.xml", items[0].data, "quarantined", "duplicate", "T111 RE"))
    return items


def wrapped_order() -> bytes:
    """A UBL Order: a business document, but not one we take."""
    order = (b'<?xml version="1.0" encoding="UTF-8"?>'
             b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2" '
             b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
             b"<cbc:ID>1</cbc:ID></Order>")
    return sbdh.wrap(order, sender=SELLER, receiver=US,
                     document_type_id="busdox-docid-qns::urn:oasis:names:specification:ubl:schema:xsd:Order-2::Order"
                                      "##urn:fdc:peppol.eu:poacc:trns:order:3::2.1",
                     process_id="cenbii-procid-ubl::urn:fdc:peppol.eu:poacc:bis:ordering:3")


def inbox_with(tmp: Path, files: dict[str, bytes]) -> Path:
    """The folder inbox of ``folder_config(tmp)``, made and holding ``files`` (name to bytes)."""
    inbox = tmp / "inbox"
    inbox.mkdir(exist_ok=True)
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    return inbox


def drop(folder: Path, deliveries: list[Delivery]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for d in deliveries:
        (folder / d.name).write_bytes(d.data)


# ------------------------------------------------------------------ runs and what they left

def folder_config(tmp: Path, db: str | None = None, **kw) -> IngestConfig:
    return IngestConfig(source=str(tmp / "inbox"), db=db or f"sqlite:///{tmp / 'ingest.db'}",
                        municipality="tjorn", archive=str(tmp / "archive"), outbox=str(tmp / "outbox"), **kw)


def outcome_table(db: str) -> dict[str, tuple[str, str | None]]:
    store = Store(db)
    with store.engine.connect() as conn:
        rows = conn.execute(select(tb.documents.c.source_name, tb.documents.c.state, tb.documents.c.reason_code)).all()
    store.dispose()
    return {r.source_name: (r.state, r.reason_code) for r in rows}


def responses_by_source(db: str) -> dict[str, list[tuple[str, str, str]]]:
    store = Store(db)
    with store.engine.connect() as conn:
        rows = conn.execute(select(tb.documents.c.source_name, tb.responses.c.kind, tb.responses.c.code,
                                   tb.responses.c.state).join(tb.responses)).all()
    store.dispose()
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(r.source_name, []).append((r.kind, r.code, r.state))
    return out


def assert_responses_valid(payloads: list[bytes]) -> None:
    from validate.engine import Validator

    validator = Validator()
    for payload in payloads:
        envelope = sbdh.unwrap(payload)
        assert envelope.sender == "0007:2120001306"
        result = validator.validate_bytes(payload, "response.xml")
        assert result.document_type in ("invoice-response", "mlr")
        assert result.valid and not result.findings, result.findings


def many(n: int) -> list[Delivery]:
    """n good invoices and the bad ones (no duplicates), for the concurrency and kill tests."""
    deliveries = [d for d in batch(good=0) if d.reason != "duplicate"]
    return deliveries + [Delivery(f"good-{i:03d}.xml", wrapped(invoice_xml(f"INV-{i:05d}")), "stored", None,
                                  "T111 AB") for i in range(n)]


REPO = Path(__file__).resolve().parents[1]


def ingest_process(config: IngestConfig, extra_env: dict | None = None, *args: str) -> subprocess.Popen:
    """`lssinvoice ingest run --format json` in a process of its own (to be killed, say)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSSINVOICE_FAULT")}
    env.update(extra_env or {})
    command = [sys.executable, "-m", "lssinvoice.cli", "ingest", "run", "--source", config.source, "--db", config.db,
               "--municipality", config.municipality, "--archive", config.archive, "--outbox", config.outbox,
               "--format", "json", *args]
    if config.s3_endpoint:
        command += ["--s3-endpoint", config.s3_endpoint, "--region", config.region or "us-east-1"]
    return subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen, timeout: float = 300) -> tuple[str, str]:
    """Wait for a process; its output, handed to the personal-data scan of the test."""
    from .helpers import record_output

    out, err = process.communicate(timeout=timeout)
    record_output(out, "ingest run stdout")
    record_output(err, "ingest run stderr")
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def upgrade_to(store: Store, revision: str) -> None:
    """Migrate ``store`` with Alembic up to ``revision`` only (an older schema, to upgrade from)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
