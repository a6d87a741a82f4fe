"""A read BIS 3 document as the store's rows, and whether the store can hold them.

Pure mapping (no I/O) except :func:`archive_attachments` and :func:`insert_invoice`, which
the final transaction calls. :func:`storable_problems` checks every value against the
column it goes to *before* the transaction, with the same limits on SQLite (which would take
anything) and PostgreSQL (which refuses and aborts): a value the rules accept but the store
cannot hold makes a named finding and a quarantined document, never a failed run.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from decimal import Decimal

from sqlalchemy import String, Table
from sqlalchemy.engine import Connection

from validate.findings import Finding, Severity

from . import queries as q
from . import tables as t
from .blobs import Blobs, archive_key

NOT_STORABLE_RULE = "LSS-ING-RANGE"
LOOKALIKE_NUMBER_RULE = "LSS-ING-NUMBER"

# Attachments up to this size (decoded) are kept in the store; larger ones are archived by
# content. A time-report CSV is a few kilobytes; scanned PDFs go to the archive.
INLINE_ATTACHMENT_BYTES = 256 * 1024
# Prices and quantities are stored with every decimal they have (tables.NUMBER, unconstrained
# NUMERIC on PostgreSQL). This bound is ours, far inside PostgreSQL's, the same on both
# databases: 18 digits before the decimal point and 12 after.
NUMBER_LIMIT = (30, 12)


# --------------------------------------------------------------------------------------
# Keys: who sold, and which invoice number, compared as a person reading them would

# Characters that print as nothing: Unicode's format characters (Cf: zero-width space and
# joiners, word joiner, BOM, soft hyphen, bidi controls), controls (Cc), line and paragraph
# separators, variation selectors, the combining grapheme joiner and the Hangul fillers.
_INVISIBLE = re.compile(
    "[\u034f\u115f\u1160\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")
_SPACES = re.compile(r"\s+")


def number_key(number: str) -> str:
    """The invoice number (BT-1) as compared for duplicates: Unicode NFKC (fullwidth digits
    become digits, ligatures letters), invisible characters removed, spaces collapsed.

    >>> number_key("INV\\u200b-1") == number_key("ＩＮＶ-１") == number_key(" INV-1 ") == "INV-1"
    True
    """
    text = unicodedata.normalize("NFKC", number)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc", "Zl", "Zp"))
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def lookalike_number(number: str) -> Finding | None:
    """A warning when the number holds invisible or compatibility characters: it looks like
    another number, and is compared as that one (:func:`number_key`)."""
    key = number_key(number)
    if key == number.strip():
        return None
    shown = number.encode("unicode_escape").decode("ascii")
    return Finding(LOOKALIKE_NUMBER_RULE, Severity.WARNING,
                   f"the invoice number (BT-1) '{shown[:100]}' holds invisible or look-alike characters; "
                   f"it is compared with other invoices as '{key[:100]}'", location="/*/cbc:ID", step="ingest")


def seller_key(doc) -> str:
    return f"{doc.seller.endpoint.scheme}:{doc.seller.endpoint.value}"


# --------------------------------------------------------------------------------------
# Rows


@dataclass
class InvoiceRows:
    """Everything of one invoice the store keeps, keyed by table (ids filled in on insert)."""

    invoice: dict
    lines: list[dict]
    parties: list[dict]
    attachments: list[dict]


def kept_in_store(att) -> bool:
    """An embedded attachment small enough to keep, decoded, in the store (else archived)."""
    return bool(att.content) and len(att.content) <= INLINE_ATTACHMENT_BYTES


def invoice_rows(read) -> InvoiceRows:
    doc = read.document
    totals = read.stated_totals or doc.totals()
    means = doc.payment_means[0] if doc.payment_means else None
    invoice = dict(
        kind=doc.kind, seller_key=seller_key(doc), invoice_number=doc.id, number_key=number_key(doc.id),
        issue_date=doc.issue_date, due_date=doc.due_date, type_code=doc.type_code, currency=doc.currency,
        buyer_reference=doc.buyer_reference, order_reference=doc.order_reference,
        period_start=doc.invoice_period.start if doc.invoice_period else None,
        period_end=doc.invoice_period.end if doc.invoice_period else None,
        note=" / ".join(doc.notes) or None,
        line_total=totals.line_net_total, tax_exclusive=totals.total_without_vat, tax_amount=totals.vat_total,
        tax_inclusive=totals.total_with_vat, payable=totals.amount_due,
        payment_account=means.account_id if means else None,
        payment_scheme=means.branch_id if means else None,
        payment_reference=means.payment_id if means else None,
        preceding_invoice=doc.preceding_invoices[0].id if doc.preceding_invoices else None,
    )
    lines = [dict(
        line_id=line.id, quantity=line.quantity, unit_code=line.unit_code,
        net_amount=line.net_amount if line.net_amount is not None else line.computed_net_amount(),
        price=line.price, item_name=line.item_name, description=line.item_description, note=line.note,
        seller_item_id=line.seller_item_id,
        period_start=line.period.start if line.period else None,
        period_end=line.period.end if line.period else None, vat_category=line.vat_category,
    ) for line in doc.lines]
    parties = [_party_row("seller", doc.seller), _party_row("buyer", doc.buyer)]
    attachments = []
    for att in doc.attachments:  # recognised_as, rows: filled by ingest.timereport_intake
        attachments.append(dict(
            reference=att.id, description=att.description, filename=att.filename, mime=att.mime_code,
            size=len(att.content) if att.content else None,
            sha256=hashlib.sha256(att.content).hexdigest() if att.content else None,
            archive_uri=att.uri, recognised_as=None, rows=None,
            content=att.content if kept_in_store(att) else None))
    return InvoiceRows(invoice, lines, parties, attachments)


def _party_row(role: str, party) -> dict:
    contact = party.contact
    return dict(
        role=role, endpoint=f"{party.endpoint.scheme}:{party.endpoint.value}",
        name=party.registration_name,
        legal_id=party.legal_registration_id.value if party.legal_registration_id else None,
        vat_id=party.vat_id, tax_registration=getattr(party, "tax_registration_id", None),
        street=party.address.street, city=party.address.city, postal_code=party.address.postal_code,
        country=party.address.country,
        contact=", ".join(x for x in (contact.name, contact.telephone, contact.email) if x) if contact else None,
    )


# --------------------------------------------------------------------------------------
# Can the store hold them?


def _digits(value: Decimal) -> tuple[int, int]:
    """(digits before the decimal point, digits after) of a finite decimal."""
    sign, digits, exponent = value.normalize().as_tuple() if value else (0, (0,), 0)
    exponent = int(exponent)
    after = max(0, -exponent)
    before = max(0, len(digits) + exponent)
    return before, after


@cache
def _limits(table: Table) -> dict[str, tuple]:
    """Per column with a limit: ("text", length) or ("decimal", precision, scale)."""
    limits = {}
    for column in table.columns:
        kind = column.type
        if isinstance(kind, t.ExactDecimal):
            limits[column.name] = ("decimal",) + ((kind.precision, kind.scale) if kind.precision else NUMBER_LIMIT)
        elif isinstance(kind, String) and kind.length:
            limits[column.name] = ("text", kind.length)
    return limits


def column_problem(table: Table, name: str, value) -> str | None:
    """Why ``value`` does not fit column ``name`` of ``table`` on every database, or None."""
    limit = _limits(table).get(name)
    if value is None or limit is None:
        return None
    if limit[0] == "text":
        return f"{len(value)} characters, the store holds {limit[1]}" if len(value) > limit[1] else None
    if not isinstance(value, Decimal):
        return None
    if not value.is_finite():
        return f"{value} is not a finite number"
    precision, scale = limit[1], limit[2]
    before, after = _digits(value)
    if before > precision - scale or after > scale:
        largest = "9" * (precision - scale) + ("." + "9" * scale if scale else "")
        return f"{value} does not fit: the store holds up to {largest} with {scale} decimals"
    return None


_WHAT = {"invoices": "invoice", "invoice_lines": "line", "parties": "party", "attachments": "attachment"}


def storable_problems(rows: InvoiceRows) -> list[Finding]:
    """A fatal finding per value the store cannot hold, naming the table, row and column."""
    findings = []
    groups = ((t.invoices, [rows.invoice]), (t.invoice_lines, rows.lines), (t.parties, rows.parties),
              (t.attachments, rows.attachments))
    for table, table_rows in groups:
        for index, row in enumerate(table_rows, start=1):
            for name, value in row.items():
                problem = column_problem(table, name, value)
                if problem:
                    where = _WHAT[table.name] + ("" if table is t.invoices else f" {index}")
                    findings.append(Finding(NOT_STORABLE_RULE, Severity.FATAL, f"{where}, {name}: {problem}",
                                            location=f"{table.name}.{name}", step="ingest"))
    return findings


def fit(table: Table, name: str, value: str | None) -> str | None:
    """A text cut to its column's length (for what a document row only records, e.g. the
    envelope's sender of a quarantined document), marked with an ellipsis when cut."""
    length = getattr(table.c[name].type, "length", None)
    if value is None or not length or len(value) <= length:
        return value
    return value[:length - 1] + "…"


# --------------------------------------------------------------------------------------
# Writing them


def archive_attachments(rows: InvoiceRows, read, archive: Blobs) -> None:
    """Archive the large embedded attachments by content (small ones are kept in the store),
    recording where in their rows.

    Before the store transaction: the writes are idempotent, and no file I/O should hold the
    database's write lock."""
    for att, row in zip(read.document.attachments, rows.attachments):
        if att.content and not kept_in_store(att):
            row["archive_uri"] = archive.put_if_absent(archive_key(row["sha256"]), att.content, durable=False)


def insert_invoice(conn: Connection, doc_id: int, rows: InvoiceRows) -> int:
    invoice_id = conn.execute(q.INSERT_INVOICE, dict(rows.invoice, document_id=doc_id)).inserted_primary_key[0]
    conn.execute(q.INSERT_LINES, [dict(row, invoice_id=invoice_id) for row in rows.lines])
    conn.execute(q.INSERT_PARTIES, [dict(row, invoice_id=invoice_id) for row in rows.parties])
    if rows.attachments:
        conn.execute(q.INSERT_ATTACHMENTS, [dict(row, invoice_id=invoice_id) for row in rows.attachments])
    return invoice_id
