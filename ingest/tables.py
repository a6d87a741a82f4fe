"""The municipal store, SQLAlchemy Core: documents and everything parsed from them.

Identity of a delivery is (source name, SHA-256 of its bytes): the same file seen twice is the
same document, whatever crashed in between; another file with the same bytes is a
byte-identical resubmission (a duplicate). Every state change is kept in ``status_history``.
Amounts, prices and quantities are stored as exact decimals (:class:`ExactDecimal`), never as
binary floats.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData,
    Numeric, String, Table, Text, UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class ExactDecimal(TypeDecorator):
    """A decimal number stored exactly: NUMERIC on PostgreSQL; on SQLite, whose NUMERIC
    affinity would keep a binary float (REAL), the plain decimal text (``"44386.85"``).

    Values are :class:`~decimal.Decimal` (or int) both ways; a float is refused, and so is a
    value with more decimals than the column's scale: nothing is rounded on the way in
    (amounts of a valid BIS 3 invoice have at most two decimals, BR-DEC-09 … BR-DEC-23).
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int | None = None, scale: int | None = None):
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision, self.scale = precision, scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"an exact decimal column takes Decimal or int, not {type(value).__name__}")
        value = Decimal(value)
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        if self.scale is not None:
            scaled = value.quantize(Decimal(1).scaleb(-self.scale))
            if scaled != value:
                raise ValueError(f"{value} has more than {self.scale} decimals")
            value = scaled
        if self.precision is not None:
            digits = len(value.as_tuple().digits) if value else 1
            if digits > self.precision:
                raise ValueError(f"{value} has more than {self.precision} digits")
        return format(value, "f") if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(value)


MONEY = ExactDecimal(18, 2)  # BT-106 … BT-115, BT-131: two decimals at most
NUMBER = ExactDecimal()  # prices (BT-146) and quantities (BT-129): as many decimals as given

documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True),
    Column("source_name", String(1024), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),  # an inbox file over 2 GiB is recorded too
    Column("state", String(32), nullable=False),
    Column("owner", String(200)),
    Column("lease_until", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("document_kind", String(40)),
    Column("ruleset", String(100)),  # the rule set that judged it (peppol-bis-billing-3.0.21)
    # Revision 0006: the rules in force on the reference date (the day it was received) judge
    # a document. The OpenPeppol release of the judging rule set ("2026.5"), the reference
    # date, and what the other releases accepted that day said (JSON: a list of
    # {ruleset, release, valid, error, fatal_rules}; NULL when there were none).
    Column("release", String(20)),
    Column("reference_date", Date),
    Column("other_releases", Text),
    # Revision 0006: why a non-final document is pending (an engine error while validating it,
    # never the sender's fault), and when; cleared by its final transaction.
    Column("last_error", Text),
    Column("last_error_at", DateTime(timezone=True)),
    Column("sbdh_sender", String(100)),
    Column("sbdh_receiver", String(100)),
    Column("sbdh_instance_id", String(200)),
    Column("archive_uri", String(1024)),
    Column("reason_code", String(40)),
    Column("reason", Text),
    Column("source_removed", Boolean, nullable=False, default=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("source_name", "sha256", name="uq_documents_source_sha"),
)
Index("ix_documents_state", documents.c.state)
Index("ix_documents_sha", documents.c.sha256)

status_history = Table(
    "status_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False, index=True),
    Column("state", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", Text),
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False, index=True),
    Column("rule_id", String(100), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("location", Text),
    Column("message", Text, nullable=False),
    Column("ruleset", String(100)),
    Column("step", String(100)),
    # Set when a retry analysed the document again (revision 0005): the finding is kept as
    # the record of why it had been quarantined, no longer the document's current finding.
    Column("superseded_at", DateTime(timezone=True)),
)

invoices = Table(
    "invoices", metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # invoice | creditnote
    Column("seller_key", String(200), nullable=False),  # endpoint scheme:id of the seller
    Column("invoice_number", String(200), nullable=False),
    # The number as compared for duplicates: NFKC, invisible characters removed (rows.number_key).
    Column("number_key", String(200), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date),
    Column("type_code", String(10)),
    Column("currency", String(3), nullable=False),
    Column("buyer_reference", String(200)),
    Column("order_reference", String(200)),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("note", Text),
    Column("line_total", MONEY),
    Column("tax_exclusive", MONEY),
    Column("tax_amount", MONEY),
    Column("tax_inclusive", MONEY),
    Column("payable", MONEY, nullable=False),
    Column("payment_account", String(100)),
    Column("payment_scheme", String(40)),
    Column("payment_reference", String(100)),
    # Revision 0007: the invoice a credit note (or a corrected invoice) refers to (BT-25).
    Column("preceding_invoice", String(200)),
    UniqueConstraint("seller_key", "number_key", "issue_date", name="uq_invoices_seller_number_key_date"),
)

invoice_lines = Table(
    "invoice_lines", metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("line_id", String(100), nullable=False),
    Column("quantity", NUMBER),
    Column("unit_code", String(10)),
    Column("net_amount", MONEY, nullable=False),
    Column("price", NUMBER),
    Column("item_name", Text),
    Column("description", Text),
    Column("note", Text),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("vat_category", String(5)),
    Column("seller_item_id", String(200)),  # revision 0007 (BT-155): "LSS-active" on our lines
)

parties = Table(
    "parties", metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("role", String(20), nullable=False),  # seller | buyer | payee
    Column("endpoint", String(200)),
    Column("name", Text),
    Column("legal_id", String(100)),
    Column("vat_id", String(40)),
    Column("tax_registration", String(100)),
    Column("street", Text),
    Column("city", Text),
    Column("postal_code", String(20)),
    Column("country", String(2)),
    Column("contact", Text),
)

attachments = Table(
    "attachments", metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("reference", String(200)),
    Column("description", Text),
    Column("filename", String(300)),
    Column("mime", String(120)),
    Column("size", Integer),
    Column("sha256", String(64)),
    Column("archive_uri", String(1024)),
    Column("recognised_as", String(40)),  # e.g. "timereport-csv"
    Column("rows", Integer),
    Column("content", LargeBinary),  # decoded, when small (revision 0002); else see archive_uri
)

responses = Table(
    "responses", metadata,
    Column("id", Integer, primary_key=True),
    Column("response_id", String(100), nullable=False, unique=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),  # T111 | T71
    Column("code", String(4), nullable=False),
    Column("receiver", String(200)),
    Column("xml", LargeBinary, nullable=False),
    Column("state", String(20), nullable=False),  # pending | sent
    Column("outbox_uri", String(1024)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    # Revision 0007: the case officer's rounds (AB, IP, UQ, UQ again, CA/RE/AP, PD): the
    # ingest answer is round 0; each decision of the case work is the next round.
    Column("round", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("document_id", "kind", "code", "round", name="uq_responses_document_kind_code_round"),
)


# ---------------------------------------------------------------------------------------------
# Revision 0007: the municipal case work (issue 11). Registers are the municipality's own data,
# imported in versions: a row belongs to the import that brought it (``import_id``) and stays
# when a later import replaces it (``superseded_by`` set), so what any check run saw can be
# shown again. Nothing in these tables is ever deleted (the audit trail).
# ---------------------------------------------------------------------------------------------

register_imports = Table(
    "register_imports", metadata,
    Column("id", Integer, primary_key=True),
    Column("register", String(20), nullable=False),  # decisions | assistants | fk_decisions
    Column("municipality", String(100), nullable=False),
    Column("source_name", String(1024), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
)

reg_decisions = Table(
    "reg_decisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("municipality", String(100), nullable=False),
    Column("decision_id", String(100), nullable=False),
    Column("client_pnr", String(13), nullable=False),
    Column("kind", String(20), nullable=False),  # base | extension | sickpay
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("granted_hours", NUMBER, nullable=False),
    Column("granted_per", String(10), nullable=False),  # week | month | period
    Column("import_id", ForeignKey("register_imports.id"), nullable=False),
    Column("superseded_by", ForeignKey("register_imports.id")),
)
Index("ix_reg_decisions_current", reg_decisions.c.municipality, reg_decisions.c.decision_id,
      reg_decisions.c.superseded_by)

reg_fk_decisions = Table(
    "reg_fk_decisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("municipality", String(100), nullable=False),
    Column("client_pnr", String(13), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("fk_hours_per_week", NUMBER, nullable=False),
    Column("import_id", ForeignKey("register_imports.id"), nullable=False),
    Column("superseded_by", ForeignKey("register_imports.id")),
)

reg_assistants = Table(
    "reg_assistants", metadata,
    Column("id", Integer, primary_key=True),
    Column("municipality", String(100), nullable=False),
    Column("assistant_pnr", String(13), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("name", Text),
    Column("residence_country", String(2), nullable=False),
    Column("capacity_to_work", Boolean, nullable=False),
    Column("related_to_client", Boolean, nullable=False),
    Column("same_household", Boolean, nullable=False),
    Column("employer_org_nr", String(11)),
    Column("regime", String(100), nullable=False),  # atl | household | an agreement profile's name
    Column("calculation_period_weeks", Integer),
    Column("import_id", ForeignKey("register_imports.id"), nullable=False),
    Column("superseded_by", ForeignKey("register_imports.id")),
)
Index("ix_reg_assistants_current", reg_assistants.c.municipality, reg_assistants.c.assistant_pnr,
      reg_assistants.c.superseded_by)

# The time reports attached to a stored invoice, as read (one row per assistant, client and
# month), and their shifts as real instants (UTC; the local wall time is derived).
timereports = Table(
    "timereports", metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("attachment_id", ForeignKey("attachments.id")),
    Column("assistant_pnr", String(13), nullable=False),
    Column("client_pnr", String(13), nullable=False),
    Column("month", String(7), nullable=False),
    Column("assistant_signed", Boolean, nullable=False),
    Column("supervisor_signed", Boolean, nullable=False),
    Column("calculation_period", String(100)),
    Column("collective_agreement", String(200)),
    Column("agreement_stated", Boolean, nullable=False),
    Column("kind_stated", Boolean, nullable=False),
)

shifts = Table(
    "shifts", metadata,
    Column("id", Integer, primary_key=True),
    Column("timereport_id", ForeignKey("timereports.id"), nullable=False, index=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("assistant_pnr", String(13), nullable=False),
    Column("client_pnr", String(13), nullable=False),
    Column("decision_id", String(100), nullable=False),
    Column("kind", String(10), nullable=False),  # active | waiting | on_call | standby
    Column("start_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("end_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("seconds", Integer, nullable=False),
    Column("source", String(300)),  # "attachment 2 row 7"
)
Index("ix_shifts_assistant_start", shifts.c.assistant_pnr, shifts.c.start_at)

# What a sick-pay claim states about its occasion, read from its calculation (SJ-1) at ingest
# (invoices.sickpay_statement): the figures the case work recomputes the claim from.
sick_claims = Table(
    "sick_claims", metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, unique=True),
    Column("client_pnr", String(13), nullable=False),
    Column("sick_assistant_pnr", String(13), nullable=False),
    Column("sick_days", Text, nullable=False),  # ISO dates, comma-separated, ascending
    Column("sick_pay", MONEY, nullable=False),
    Column("holiday_pct", NUMBER, nullable=False),  # percent: 12 = 12 %
    Column("contributions_pct", NUMBER, nullable=False),
    Column("insurance_pct", NUMBER, nullable=False),
    Column("pension_pct", NUMBER, nullable=False),
    Column("contributions_base", String(30), nullable=False),  # sick_pay | sick_pay_and_holiday_pay
    Column("insurance_base", String(30), nullable=False),
    Column("pension_base", String(30), nullable=False),
    Column("karens_date", Date),
    Column("no_karens_reason", String(500)),
)

# One run of the checks over a period (the audit of what was found, with what data).
check_runs = Table(
    "check_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("municipality", String(100), nullable=False),
    Column("period", String(7), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("run_by", String(200), nullable=False),
    Column("register_imports", Text),  # JSON: the import ids of the register versions used
    Column("invoices", Integer),
    Column("findings", Integer),
    Column("result_sha256", String(64)),  # of the canonical result: a re-run gives the same
)

case_findings = Table(
    "case_findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("check_runs.id"), nullable=False, index=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("key", String(200), nullable=False),  # stable across runs on the same data
    Column("code", String(40), nullable=False),
    Column("basis", String(200), nullable=False),
    Column("severity", String(10), nullable=False),  # error | warning
    Column("message", Text, nullable=False),
    Column("seconds", BigInteger, nullable=False),
    Column("hours", NUMBER, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("shift_ids", Text),  # JSON list
)

case_cuts = Table(
    "case_cuts", metadata,
    Column("id", Integer, primary_key=True),
    Column("finding_id", ForeignKey("case_findings.id"), nullable=False, index=True),
    Column("shift_id", ForeignKey("shifts.id"), nullable=False),
    Column("cut_start", DateTime(timezone=True), nullable=False),
    Column("cut_end", DateTime(timezone=True), nullable=False),
    Column("seconds", Integer, nullable=False),
)

# Per invoice and run: what it bills and what the checks make of it.
case_results = Table(
    "case_results", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("check_runs.id"), nullable=False, index=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("invoiced", MONEY, nullable=False),
    Column("reimbursable", MONEY, nullable=False),
    Column("disputed", MONEY, nullable=False),
)

# The case officer's (or the policy's) decisions, in rounds; each writes a response.
case_decisions = Table(
    "case_decisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("run_id", ForeignKey("check_runs.id")),
    Column("round", Integer, nullable=False),
    Column("status", String(4), nullable=False),  # IP | UQ | CA | RE | AP | PD
    Column("amount", MONEY),  # the accepted amount of a CA
    Column("reason", Text),
    Column("finding_keys", Text),  # JSON list: the findings the decision answers
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("response_id", String(100)),
    UniqueConstraint("invoice_id", "round", name="uq_case_decisions_invoice_round"),
)

# Append-only: every import, check run, decision and response, with who and when.
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(300)),
    Column("detail", Text),  # JSON
)


# Revision 0009: finance. A payment export imported (its file once: ``sha256`` per municipality),
# each payment matched to the invoice it pays (or not), and the recovery claims (12 § LSS) the
# reconciliation opens on paid invoices later found too high, until they are settled.
payment_imports = Table(
    "payment_imports", metadata,
    Column("id", Integer, primary_key=True),
    Column("municipality", String(100), nullable=False),
    Column("source_name", String(1024), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False),
    UniqueConstraint("municipality", "sha256", name="uq_payment_imports_municipality_sha256"),
)

payments = Table(
    "payments", metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", ForeignKey("payment_imports.id"), nullable=False, index=True),
    Column("row", Integer, nullable=False),  # the row of the file (header = 1)
    Column("invoice_number", String(200), nullable=False),
    Column("seller_org_nr", String(10), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("invoice_id", ForeignKey("invoices.id"), index=True),  # NULL: it matches no invoice
)

recovery_claims = Table(
    "recovery_claims", metadata,
    Column("id", Integer, primary_key=True),
    Column("municipality", String(100), nullable=False),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("run_id", ForeignKey("check_runs.id"), nullable=False),  # the check run that showed it
    Column("period", String(7), nullable=False),  # the reconciliation that opened it
    Column("amount", MONEY, nullable=False),
    Column("finding_codes", Text, nullable=False),  # JSON list
    Column("state", String(10), nullable=False),  # open | offset | repaid
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("settled_at", DateTime(timezone=True)),
    Column("settled_by", String(200)),
    Column("offset_invoice_id", ForeignKey("invoices.id")),
    Column("note", Text),
)
