"""The municipal case work: registers, time reports and shifts, check runs, findings and cuts,
the case officer's decisions in rounds, and an append-only audit trail.

Revision ID: 0007
Revises: 0006

* ``register_imports`` and ``reg_decisions``, ``reg_fk_decisions``, ``reg_assistants``: the
  municipality's registers, imported in versions (who, when, the source file's SHA-256); a row
  replaced by a later import keeps its place with ``superseded_by`` set.
* ``timereports`` and ``shifts``: the time reports attached to stored invoices, as read.
* ``check_runs``, ``case_findings``, ``case_cuts``, ``case_results``: what each run of the
  checks found, cut and left reimbursable.
* ``case_decisions``: the rounds of the case officer's answer; ``responses`` gains ``round``
  (the ingest answer is round 0) and its unique key becomes (document, kind, code, round), so
  an invoice may be queried twice.
* ``invoices.preceding_invoice`` (BT-25) and ``invoice_lines.seller_item_id`` (BT-155): what
  ties a credit note to its invoice and a line to the kind of time it bills.
* ``audit_log``: every import, run, decision and response; nothing deletes from it.

Written out operation by operation (generated once from ``ingest/tables.py`` and frozen).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ingest.tables import ExactDecimal

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('check_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_by', sa.String(length=200), nullable=False),
    sa.Column('register_imports', sa.Text(), nullable=True),
    sa.Column('invoices', sa.Integer(), nullable=True),
    sa.Column('findings', sa.Integer(), nullable=True),
    sa.Column('result_sha256', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('register_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('register', sa.String(length=20), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('source_name', sa.String(length=1024), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('reg_assistants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('assistant_pnr', sa.String(length=13), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('residence_country', sa.String(length=2), nullable=False),
    sa.Column('capacity_to_work', sa.Boolean(), nullable=False),
    sa.Column('related_to_client', sa.Boolean(), nullable=False),
    sa.Column('same_household', sa.Boolean(), nullable=False),
    sa.Column('employer_org_nr', sa.String(length=11), nullable=True),
    sa.Column('regime', sa.String(length=100), nullable=False),
    sa.Column('calculation_period_weeks', sa.Integer(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['register_imports.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['register_imports.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reg_assistants', schema=None) as batch_op:
        batch_op.create_index('ix_reg_assistants_current', ['municipality', 'assistant_pnr', 'superseded_by'], unique=False)

    op.create_table('reg_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('decision_id', sa.String(length=100), nullable=False),
    sa.Column('client_pnr', sa.String(length=13), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('granted_hours', ExactDecimal(), nullable=False),
    sa.Column('granted_per', sa.String(length=10), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['register_imports.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['register_imports.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reg_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_reg_decisions_current', ['municipality', 'decision_id', 'superseded_by'], unique=False)

    op.create_table('reg_fk_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('client_pnr', sa.String(length=13), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('fk_hours_per_week', ExactDecimal(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['register_imports.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['register_imports.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('case_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=4), nullable=False),
    sa.Column('amount', ExactDecimal(precision=18, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('finding_keys', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response_id', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['check_runs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('invoice_id', 'round', name='uq_case_decisions_invoice_round')
    )
    with op.batch_alter_table('case_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_decisions_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('case_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('seconds', sa.BigInteger(), nullable=False),
    sa.Column('hours', ExactDecimal(), nullable=False),
    sa.Column('amount', ExactDecimal(precision=18, scale=2), nullable=False),
    sa.Column('shift_ids', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['check_runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_findings_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_findings_run_id'), ['run_id'], unique=False)

    op.create_table('case_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('invoiced', ExactDecimal(precision=18, scale=2), nullable=False),
    sa.Column('reimbursable', ExactDecimal(precision=18, scale=2), nullable=False),
    sa.Column('disputed', ExactDecimal(precision=18, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['check_runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_results_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_results_run_id'), ['run_id'], unique=False)

    op.create_table('timereports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('assistant_pnr', sa.String(length=13), nullable=False),
    sa.Column('client_pnr', sa.String(length=13), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('assistant_signed', sa.Boolean(), nullable=False),
    sa.Column('supervisor_signed', sa.Boolean(), nullable=False),
    sa.Column('calculation_period', sa.String(length=100), nullable=True),
    sa.Column('collective_agreement', sa.String(length=200), nullable=True),
    sa.Column('agreement_stated', sa.Boolean(), nullable=False),
    sa.Column('kind_stated', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], ),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timereports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timereports_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timereport_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('assistant_pnr', sa.String(length=13), nullable=False),
    sa.Column('client_pnr', sa.String(length=13), nullable=False),
    sa.Column('decision_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['timereport_id'], ['timereports.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.create_index('ix_shifts_assistant_start', ['assistant_pnr', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_shifts_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shifts_timereport_id'), ['timereport_id'], unique=False)

    op.create_table('case_cuts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('cut_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cut_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['case_findings.id'], ),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_cuts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_cuts_finding_id'), ['finding_id'], unique=False)

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preceding_invoice', sa.String(length=200), nullable=True))

    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seller_item_id', sa.String(length=200), nullable=True))

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_responses_document_kind_code'), type_='unique')
        batch_op.create_unique_constraint('uq_responses_document_kind_code_round', ['document_id', 'kind', 'code', 'round'])



def downgrade() -> None:
    with op.batch_alter_table("invoice_lines") as batch_op:
        batch_op.drop_column("seller_item_id")
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.drop_column("preceding_invoice")
    with op.batch_alter_table("responses") as batch_op:
        batch_op.drop_constraint("uq_responses_document_kind_code_round", type_="unique")
        batch_op.create_unique_constraint("uq_responses_document_kind_code", ["document_id", "kind", "code"])
        batch_op.drop_column("round")
    for name in ("case_cuts", "shifts", "timereports", "case_results", "case_findings", "case_decisions",
                 "reg_fk_decisions", "reg_decisions", "reg_assistants", "register_imports", "check_runs",
                 "audit_log"):
        op.drop_table(name)
