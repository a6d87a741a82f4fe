"""A municipality's store filled as ingest and the registers would fill it, for the tests of
the case work and finance on SQLite and PostgreSQL (Borås, March 2024; synthetic people)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from ingest import tables as t

from .factories import synthetic_pnr

LOCAL = ZoneInfo("Europe/Stockholm")
NOW = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)
CLIENT = synthetic_pnr("19680704", "339")
ADULT = synthetic_pnr("19910618", "471")
YOUNG = synthetic_pnr("20060315", "123")  # turns 18 on 15 March 2024
SELLER_A, SELLER_B = "0007:5599011235", "0007:5590000005"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL).astimezone(UTC)


def stored_invoice(conn, n: int, number: str, seller: str, payable: str, lines: list[tuple[str, str, str]],
                   shifts: list[tuple[str, str, str]], *, kind: str = "invoice", preceding: str | None = None) -> int:
    doc = conn.execute(insert(t.documents).values(
        source_name=f"{number}.xml", sha256=f"{n:064d}", size=1000, state="stored", attempts=1,
        source_removed=False, received_at=NOW, updated_at=NOW)).inserted_primary_key[0]
    inv = conn.execute(insert(t.invoices).values(
        document_id=doc, kind=kind, seller_key=seller, preceding_invoice=preceding, invoice_number=number, number_key=number,
        issue_date=date(2024, 4, 2), currency="SEK", payable=Decimal(payable), period_start=date(2024, 3, 1),
        period_end=date(2024, 3, 31))).inserted_primary_key[0]
    for i, (hours, price, net) in enumerate(lines, 1):
        conn.execute(insert(t.invoice_lines).values(
            invoice_id=inv, line_id=str(i), quantity=Decimal(hours), unit_code="HUR", price=Decimal(price),
            net_amount=Decimal(net), item_name="Personlig assistans, aktiv tid", seller_item_id="LSS-active",
            description=f"Grundbeslut BO-1, utförd 2024: {hours} h à {price} kr", vat_category="E"))
    by_assistant: dict[str, int] = {}
    for assistant, start, end in shifts:
        if assistant not in by_assistant:
            by_assistant[assistant] = conn.execute(insert(t.timereports).values(
                invoice_id=inv, assistant_pnr=assistant, client_pnr=CLIENT, month="2024-03", assistant_signed=True,
                supervisor_signed=True, calculation_period="4 veckor", collective_agreement=None,
                agreement_stated=True, kind_stated=True)).inserted_primary_key[0]
        a, b = at(start), at(end)
        conn.execute(insert(t.shifts).values(
            timereport_id=by_assistant[assistant], invoice_id=inv, assistant_pnr=assistant, client_pnr=CLIENT,
            decision_id="BO-1", kind="active", start_at=a, end_at=b, seconds=int((b - a).total_seconds()),
            source="attachment 1"))
    return inv


def boras_registers(conn) -> None:
    imp = conn.execute(insert(t.register_imports).values(
        register="decisions", municipality="boras", source_name="beslut.csv", sha256="a" * 64, imported_by="test",
        imported_at=NOW, rows=1, added=1, changed=0, removed=0, unchanged=0)).inserted_primary_key[0]
    conn.execute(insert(t.reg_decisions).values(
        municipality="boras", decision_id="BO-1", client_pnr=CLIENT, kind="base", valid_from=date(2024, 1, 1),
        valid_to=date(2024, 12, 31), granted_hours=Decimal(100), granted_per="week", import_id=imp))
    imp2 = conn.execute(insert(t.register_imports).values(
        register="assistants", municipality="boras", source_name="assistenter.csv", sha256="b" * 64,
        imported_by="test", imported_at=NOW, rows=2, added=2, changed=0, removed=0, unchanged=0)).inserted_primary_key[0]
    for pnr in (ADULT, YOUNG):
        conn.execute(insert(t.reg_assistants).values(
            municipality="boras", assistant_pnr=pnr, valid_from=date(2020, 1, 1), name="Testa", residence_country="SE",
            capacity_to_work=True, related_to_client=False, same_household=False, regime="atl",
            calculation_period_weeks=4, import_id=imp2))


def with_parties(conn, invoice_id: int, seller_name: str, seller: str) -> None:
    """The seller and the buyer (Borås, the address an answer goes to: BT-49) of a stored invoice."""
    conn.execute(insert(t.parties), [
        dict(invoice_id=invoice_id, role="seller", endpoint=seller, name=seller_name, legal_id=seller.split(":")[1]),
        dict(invoice_id=invoice_id, role="buyer", endpoint="0007:2120001561", name="Borås Stad", legal_id="2120001561")])


def fk_register(conn) -> None:
    """Försäkringskassan's decision for CLIENT: 120 hours a week in 2024."""
    imp = conn.execute(insert(t.register_imports).values(
        register="fk_decisions", municipality="boras", source_name="fk.csv", sha256="c" * 64, imported_by="test",
        imported_at=NOW, rows=1, added=1, changed=0, removed=0, unchanged=0)).inserted_primary_key[0]
    conn.execute(insert(t.reg_fk_decisions).values(
        municipality="boras", client_pnr=CLIENT, valid_from=date(2024, 1, 1), valid_to=date(2024, 12, 31),
        fk_hours_per_week=Decimal(120), import_id=imp))
