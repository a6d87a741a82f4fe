"""Invoices from time reports: Peppol BIS Billing 3.0 documents, planned, numbered, validated.

Two steps, so that nothing is numbered or written before everything is known to be right:

1. **Plan** (pure: no I/O, no numbers). :func:`plan_invoices` (base decision or temporary
   extension, :mod:`invoices.hourplans`), :func:`plan_sickpay` (extra cost of sick pay, one
   sickness occasion, :mod:`invoices.sickpay_invoice`) and :func:`plan_credit_note`
   (crediting an earlier invoice in full, :mod:`invoices.credit`) read the model objects,
   run the source checks and return a :class:`Plan` of :class:`InvoiceDraft` s, or raise
   :class:`BuildRefused` (:mod:`invoices.drafts`). Seller, buyer and payment:
   :mod:`invoices.parties`. Hours, amounts and rounding: :mod:`invoices.hours`.
2. **Issue** (:func:`issue`, :mod:`invoices.issuing`): reserve → build → validate → write →
   commit, all or nothing.

What varies by buyer is registry data (:mod:`invoices.registry`, ``invoices/data/README.md``):
reference code, payment terms, channels, billed kinds, rates, and how invoices are put
together (``one_invoice_per_decision``, ``extension_carries_base_timereports``).

This module gathers the public names of those modules, so ``from invoices.build import X``
keeps working.
"""
from __future__ import annotations

from .credit import plan_credit_note, read_original
from .drafts import (
    VAT_EXEMPTION_REASON,
    BuildOptions,
    BuildRefused,
    InvoiceDraft,
    OmittedTime,
    Plan,
    require_invoices,
    source_checks,
)
from .hourplans import hour_lines, plan_invoices, rate_for_year
from .hours import DECISION_LABEL, KIND_LABEL, KIND_ORDER, line_amount, parse_period, round_hours, year_pieces
from .issuing import IssueFailed, IssueResult, Issued, issue
from .registry import Municipality
from .sickpay_invoice import plan_sickpay

__all__ = [
    "BuildOptions", "BuildRefused", "DECISION_LABEL", "InvoiceDraft", "Issued", "IssueFailed", "IssueResult",
    "KIND_LABEL", "KIND_ORDER", "OmittedTime", "Plan", "VAT_EXEMPTION_REASON", "hour_lines", "issue",
    "line_amount", "municipality_matches", "parse_period", "plan_credit_note", "plan_invoices", "plan_sickpay",
    "rate_for_year", "read_original", "require_invoices", "round_hours", "source_checks", "year_pieces",
]


def municipality_matches(m: Municipality, text: str) -> bool:
    """Whether ``text`` (a decision's ``municipality`` cell) names ``m``: :meth:`Municipality.matches`."""
    return m.matches(text)
