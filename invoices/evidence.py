"""The municipality's evidence checklist: what it asks to see with a claim, and what is there.

Each municipality's registry entry lists what the supporting documents (underlag) must
contain for each claim kind (``[[underlag]]``, with the page's words as source). An item may
name the **evidence** that shows it (``evidence = "substitute_timereports"``); before anything
is written, :func:`checklist` looks for that evidence in the draft, and each item is

* ``present``: the draft carries it (an attached time report, a stated fact, a line);
* ``missing``: it does not. A source finding follows (:func:`missing_findings`):
  **LSS-SRC-060, an error** where the item's ``level`` says, with the page's words, that the
  claim is not handled without it (Borås: "Förutsättningen är dock att assistansanordnaren har
  anlitat vikarie"), else **LSS-SRC-061, a warning**. Like every source check, ``--check
  LSS-SRC-060=warning`` lets a provider who sends the document another way go on;
* ``not checked``: the item names no evidence lssinvoice can see (a form sent by post, the
  client's signature on paper): listed so that the provider sends it, never counted as present.

Evidence keys (:data:`EVIDENCE`)
    From the attached time reports, by the role the plan gives each (``billed``: the hours
    invoiced; ``base``: the base decision's, with an extension; ``substitute`` and ``sick``:
    a sick-pay claim's): ``timereports``, ``base_timereports``, ``substitute_timereports``,
    ``sick_assistant_timereports``, and over all attached reports ``assistant_signed``,
    ``supervisor_signed``, ``client_identity``, ``calculation_period``,
    ``collective_agreement``, ``kinds_separated``, ``assistant_facts`` (9 d § 2-3 and 11 a §
    LSS: EEA, capacity, related to or living with the client); ``substitute_signed`` (every
    substitute's report signed by the substitute). From the invoice: ``period``,
    ``hours_and_rates``, ``provider_details`` (name, address, a named contact with phone and
    e-mail), ``org_nr``, ``payment_account``, ``invoice_number``, ``reference_code`` (BT-10
    is the municipality's code). From a sick-pay claim (what the plan states it gave):
    ``sickpay_calculation``, ``sick_assistant_identity``, ``sick_wage``, ``sick_pay_amount``,
    ``holiday_pay``, ``employer_contributions``, ``contractual_costs``, ``karens``,
    ``employer_agreement``. ``attachment``: a file the provider added (``--attach``, an
    occasion's attachments) whose description or file name holds one of the item's ``words``
    ("fullmakt", "schema").

Nothing here reads or writes files.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from .checks import DEFAULT_LEVELS, CheckPolicy, SourceFinding
from .model import TimeReport

if TYPE_CHECKING:
    from .drafts import InvoiceDraft, Plan
    from .registry import Municipality, UnderlagItem

__all__ = ["EVIDENCE", "ChecklistItem", "ROLES", "attach_checklists", "checklist", "missing_findings"]

ROLES = ("billed", "base", "substitute", "sick")
"""The roles of an attached time report (``InvoiceDraft.reports``)."""

Status = Literal["present", "missing", "not checked"]


@dataclass(frozen=True)
class Seen:
    """What the evaluators look at: the draft, the municipality's reference code, the item's words."""

    draft: "InvoiceDraft"
    reference_code: str | None
    words: tuple[str, ...] = ()

    def reports(self, *roles: str) -> list[TimeReport]:
        return [r for role, r in self.draft.reports if not roles or role in roles]


def _all(reports: Sequence[TimeReport], test: Callable[[TimeReport], bool]) -> bool:
    """Every report passes (and there is at least one: no report shows nothing)."""
    return bool(reports) and all(test(r) for r in reports)


def _facts_stated(r: TimeReport) -> bool:
    return None not in (r.assistant.lives_in_eea, r.assistant.capacity_to_work, r.related_to_client,
                        r.lives_with_client)


def _provider_details(s: Seen) -> bool:
    seller = s.draft.seller
    contact, address = seller.contact, seller.address
    return bool(seller.registration_name and address.street and address.city and contact and contact.name
                and contact.telephone and contact.email)


def _added_file(s: Seen) -> bool:
    """A file the provider added whose description or name holds one of the item's words."""
    words = [w.casefold() for w in s.words]
    for att in s.draft.attachments:
        if not att.id.startswith(("BILAGA-", "BI-")):
            continue
        text = f"{att.description or ''} {att.filename or ''}".casefold()
        if any(w in text for w in words):
            return True
    return False


def _provided(key: str) -> Callable[[Seen], bool]:
    return lambda s: key in s.draft.provided


EVIDENCE: dict[str, Callable[[Seen], bool]] = {
    # the attached time reports
    "timereports": lambda s: bool(s.reports("billed", "substitute")),
    "base_timereports": lambda s: bool(s.reports("base")),
    "substitute_timereports": lambda s: bool(s.reports("substitute")),
    "sick_assistant_timereports": lambda s: bool(s.reports("sick")),
    "assistant_signed": lambda s: _all(s.reports(), lambda r: r.signatures.assistant),
    "supervisor_signed": lambda s: _all(s.reports(), lambda r: r.signatures.supervisor),
    "substitute_signed": lambda s: _all(s.reports("substitute"), lambda r: r.signatures.assistant),
    "client_identity": lambda s: bool(s.reports()),  # every report names the client with personnummer
    "calculation_period": lambda s: _all(s.reports(), lambda r: bool(r.calculation_period)),
    "collective_agreement": lambda s: _all(s.reports(), lambda r: r.collective_agreement_stated),
    "kinds_separated": lambda s: _all(s.reports(), lambda r: r.kind_stated),
    "assistant_facts": lambda s: _all(s.reports(), _facts_stated),
    # the invoice itself
    "period": lambda s: s.draft.period is not None,
    "hours_and_rates": lambda s: bool(s.draft.lines) and all(
        ln.quantity is not None and ln.price is not None and ln.net_amount is not None for ln in s.draft.lines),
    "provider_details": _provider_details,
    "org_nr": lambda s: s.draft.seller.legal_registration_id is not None,
    "payment_account": lambda s: bool(s.draft.payment_means),
    "invoice_number": lambda s: True,  # every document is numbered from the series when issued
    "reference_code": lambda s: bool(s.reference_code) and s.draft.buyer_reference == s.reference_code,
    # a sick-pay claim: what its plan says it gave (invoices.sickpay_invoice)
    **{key: _provided(key) for key in (
        "sickpay_calculation", "sick_assistant_identity", "sick_wage", "sick_pay_amount", "holiday_pay",
        "employer_contributions", "contractual_costs", "karens", "employer_agreement")},
    # a file the provider added
    "attachment": _added_file,
}


@dataclass(frozen=True)
class ChecklistItem:
    """One thing the municipality asks for, and whether this draft has it."""

    value: str
    source: str
    evidence: str | None
    status: Status
    level: Literal["warning", "error"]
    level_source: str | None = None

    def to_dict(self) -> dict:
        return {"item": self.value, "status": self.status, "level": self.level, "evidence": self.evidence,
                "source": self.source, "level_source": self.level_source}


def checklist(m: "Municipality", draft: "InvoiceDraft") -> list[ChecklistItem]:
    """The municipality's items for the draft's claim kind, each present, missing or not checked."""
    reference = m.reference_code.value if m.reference_code else None
    out = []
    for item in m.underlag:
        if draft.claim_kind not in {k.value for k in item.kinds}:
            continue
        out.append(_judge(item, Seen(draft, reference, tuple(item.words))))
    return out


def _judge(item: "UnderlagItem", seen: Seen) -> ChecklistItem:
    level = item.level.value if item.level else "warning"
    level_source = item.level.source if item.level else None
    if item.evidence is None:
        status: Status = "not checked"
    else:
        status = "present" if EVIDENCE[item.evidence](seen) else "missing"
    return ChecklistItem(item.value, item.source, item.evidence, status, level, level_source)


def missing_findings(items: Iterable[ChecklistItem], buyer: str, label: str) -> list[SourceFinding]:
    """LSS-SRC-060 (error: not handled without it) or LSS-SRC-061 (warning) per missing item."""
    out = []
    for item in items:
        if item.status != "missing":
            continue
        code = "LSS-SRC-060" if item.level == "error" else "LSS-SRC-061"
        why = "; the claim is not handled without it" if item.level == "error" else ""
        out.append(SourceFinding(code, DEFAULT_LEVELS[code],  # type: ignore[arg-type]
                                 f"{label}: {buyer} asks for \"{item.value}\" and the invoice does not carry it"
                                 f"{why} (the checklist has the municipality's words)"))
    return out


def attach_checklists(plan: "Plan", m: "Municipality", policy: CheckPolicy) -> "Plan":
    """The plan with each draft's checklist, and a finding per missing item under ``policy``
    (before anything is numbered or written: an error stops the plan like any source check)."""
    drafts, found = [], []
    for draft in plan.drafts:
        items = checklist(m, draft)
        drafts.append(replace(draft, checklist=tuple(items)))
        label = f"the {draft.claim_kind} invoice" + (f" for {draft.decision_id}" if draft.decision_id else "")
        found += missing_findings(items, m.display_name, label)
    plan.drafts = drafts
    plan.findings = sorted([*plan.findings, *policy.apply(found)], key=lambda f: f.code)
    return plan
