"""`lssinvoice demo`, step 4: the municipalities' case work on March 2024.

After the provider's month is ingested (:func:`lssinvoice.cmd_demo.municipal_demo`):

1. A second, careless provider (``examples/casework/provider-annan.toml``, fictional) bills
   Borås for the same client, Bo Testberg (BO-2024-03), with its own wrong copy of the
   registry (``registry-annan/boras.toml``: 350 SEK/h where Borås pays 303) and the source
   checks that would stop it turned off (``LSS-SRC-001`` hours beyond the decision,
   ``LSS-SRC-010`` an assistant under 18). Its SBDH invoice reaches Borås' inbox after
   Påhittad's, and a second ``ingest run`` takes it in.
2. Borås and Tjörn import their registers (``examples/casework/registers/<slug>/``: decisions
   and assistants) into their stores.
3. ``lssinvoice check`` for 2024-03 in each: per invoice what is invoiced, reimbursable and
   disputed, and each finding with its code, legal basis, hours and amount (persons masked).
4. The automatic policy answers: an invoice with no finding is accepted (AP), one with
   findings is put under query (UQ) with one clarification per finding.
5. A case officer approves the careless provider's invoice in part, for the amount the
   check found reimbursable (CA); the response is written to the outbox and validated.

The demo checks its outcome (:data:`EXPECTED`): every problem of ``examples/casework`` must be
found, by code, on the invoice it belongs to, the disputed amounts must be the ones computed by
hand in ``examples/README.md``, and Påhittad's Tjörn invoices must be accepted. Anything else
is a listed problem (exit 1).

Nothing here prints a personnummer or a birth date: findings show persons masked
(``********-1234``), as :mod:`invoices.casework` writes them.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

__all__ = ["CaseworkDemoResult", "EXPECTED", "casework_demo"]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PERIOD = "2024-03"
MUNICIPALITIES = ("boras", "tjorn")
# The source checks the careless provider turns off (they would refuse its invoice).
SLOPPY_CHECKS = {"LSS-SRC-001": "off", "LSS-SRC-010": "off"}
ACTOR = "lssinvoice demo"


@dataclass(frozen=True)
class Expected:
    """What the check must make of one invoice: its finding codes (exactly, in the run's order:
    code, then key), the disputed amount, and the answers it gets (the policy's, then the case
    officer's)."""

    codes: tuple[str, ...]
    disputed: Decimal
    statuses: tuple[str, ...]
    accepted: Decimal | None = None  # the amount of the officer's CA


# Keyed by (provider, municipality, kind of claim); computed by hand in examples/README.md
# ("Case work") and tests/test_demo_casework.py. Påhittad bills Bo Testberg 60.5 h in every
# full week of March; Annan's hours come on top of them against the 65 h granted, and the
# granted hours are cut in time order, whoever billed them (invoices.casework.decisions), so
# Påhittad's invoice loses the hours past 65 h that fall on its shifts too.
EXPECTED: dict[tuple[str, str, str], Expected] = {
    ("Påhittad", "tjorn", "base"): Expected((), Decimal("0.00"), ("AP",)),
    ("Påhittad", "tjorn", "extension"): Expected((), Decimal("0.00"), ("AP",)),
    ("Påhittad", "tjorn", "sickpay"): Expected((), Decimal("0.00"), ("AP",)),
    # (d) week 11: 1.50 h of Eva's Friday night; week 12: 21.50 h of Thursday and Friday
    ("Påhittad", "boras", "base"): Expected(("LSS-CASE-030", "LSS-CASE-030"), Decimal("6969.00"), ("UQ",)),
    # (a) 001, (b) 010, (c) 011, (d) 030 in weeks 11 and 12, (f) 041, (e) 062
    ("Annan", "boras", "base"): Expected(
        ("LSS-CASE-001", "LSS-CASE-010", "LSS-CASE-011", "LSS-CASE-030", "LSS-CASE-030", "LSS-CASE-041",
         "LSS-CASE-062"), Decimal("33529.00"), ("UQ", "CA"), accepted=Decimal("9696.00")),
}
# Each problem of examples/casework: the code that must find it, and on whose invoice.
PROBLEMS = (
    ("a", "a shift billed by two providers", "LSS-CASE-001", "Annan"),
    ("b", "an assistant under 18 until 15 March (a night cut at midnight)", "LSS-CASE-010", "Annan"),
    ("c", "an assistant living outside the EEA", "LSS-CASE-011", "Annan"),
    ("d", "weeks over the 65 h granted (both providers together)", "LSS-CASE-030", "Annan"),
    ("e", "seven days 08-20 without 36 h of weekly rest", "LSS-CASE-062", "Annan"),
    ("f", "a rate of 350 where Borås pays 303", "LSS-CASE-041", "Annan"),
)


@dataclass
class CaseworkDemoResult:
    invoices: list[dict] = field(default_factory=list)      # one per checked invoice
    responses: list[dict] = field(default_factory=list)     # the policy's and the officer's responses
    found: list[tuple[str, str, str, str | None]] = field(default_factory=list)  # (letter, what, code, invoice)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _home(out: Path, slug: str) -> Path:
    return out / "municipalities" / slug


def _db(out: Path, slug: str) -> str:
    return f"sqlite:///{(_home(out, slug) / 'ingest.db').resolve()}"


# --------------------------------------------------------------------------- 1. the careless provider

def build_sloppy_invoice(out: Path, examples: Path, issue_date: date, result: CaseworkDemoResult) -> dict | None:
    """Annan Assistans' Borås invoice for March 2024 into ``out/annan/`` (UBL) and
    ``out/annan/outbox/`` (SBDH); the produced dict, or None (a problem listed)."""
    from invoices.build import BuildOptions, BuildRefused, plan_invoices
    from invoices.checks import CheckPolicy
    from invoices.inputs import read_decisions, read_provider, read_timereports
    from invoices.registry import load_registry
    from lssinvoice.invoice_report import Reporter, issue_and_write

    casework = examples / "casework"
    registry = load_registry(extra_dirs=[casework / "registry-annan"])
    provider = read_provider(casework / "provider-annan.toml")
    decisions = read_decisions(examples / "decisions.csv", registry=registry)
    reports = read_timereports(casework / "timereports" / "boras-2024-03-annan")
    options = BuildOptions(issue_date=issue_date, policy=CheckPolicy(SLOPPY_CHECKS))
    try:
        plan = plan_invoices(provider, reports, decisions, registry.get("boras"), PERIOD, "base", options)
    except BuildRefused as exc:
        result.problems.append(f"{provider.name}: refused ({exc.code}): {exc.message}")
        return None
    if plan.errors or len(plan.drafts) != 1:
        result.problems += [f"{provider.name}: {f}" for f in plan.errors] or [
            f"{provider.name}: {len(plan.drafts)} invoices planned, expected 1"]
        return None
    home = out / "annan"
    home.mkdir(parents=True, exist_ok=True)
    reporter = Reporter("demo", "json")
    code = issue_and_write(plan.drafts, series_path=home / "series.json", prefix=provider.invoice_prefix,
                           out=home / "invoices", outbox=home / "outbox", reporter=reporter)
    if code != 0 or not reporter.data["produced"]:
        result.problems.append(f"{provider.name}: not written ({reporter.data['status']}: {reporter.data['errors']})")
        return None
    produced = dict(reporter.data["produced"][0])
    produced["seller_name"] = provider.name
    produced["warnings"] = [str(f) for f in plan.warnings]
    return produced


def deliver_and_ingest(out: Path, sbdh_file: Path, result: CaseworkDemoResult) -> None:
    """The careless provider's invoice into Borås' inbox, after Påhittad's: a second ingest run."""
    from ingest.service import IngestConfig, run_once

    home = _home(out, "boras")
    (home / "inbox").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sbdh_file, home / "inbox" / sbdh_file.name)
    config = IngestConfig(source=str(home / "inbox"), db=_db(out, "boras"), municipality="boras",
                          archive=str(home / "archive"), outbox=str(home / "outbox"))
    summary = run_once(config)
    for o in summary.outcomes:
        if o.state != "stored":
            result.problems.append(f"boras: {o.name} ended {o.state} ({o.reason_code}), expected stored")
    if not summary.outcomes:
        result.problems.append(f"boras: {sbdh_file.name} was not taken in by the second ingest run")


# --------------------------------------------------------------------------- 2.-5. the municipality

def _store(out: Path, slug: str):
    from ingest.store import Store

    return Store(_db(out, slug))


def _config(out: Path, slug: str):
    from ingest.service import IngestConfig

    home = _home(out, slug)
    (home / "inbox").mkdir(parents=True, exist_ok=True)
    return IngestConfig(source=str(home / "inbox"), db=_db(out, slug), municipality=slug,
                        archive=str(home / "archive"), outbox=str(home / "outbox"))


def import_registers(out: Path, examples: Path, slug: str) -> str:
    """``lssinvoice registers import --municipality SLUG --decisions .. --assistants ..``: the
    municipality's registers into its store; a line saying what was imported."""
    from ingest.registers import import_registers as do_import
    from invoices.agreements import load_profiles

    folder = examples / "casework" / "registers" / slug
    store = _store(out, slug)
    try:
        done = do_import(store, slug, {"decisions": folder / "decisions.csv", "assistants": folder / "assistants.csv"},
                         imported_by=ACTOR, now=datetime.now(UTC), profiles=load_profiles(use_env=False))
    finally:
        store.dispose()
    return f"{slug}: registers imported: " + "; ".join(
        f"{d.register} {d.rows} rows ({d.added} added, {d.changed} changed, {d.removed} removed)" for d in done)


def check(out: Path, slug: str):
    """``lssinvoice check --period 2024-03 --municipality SLUG`` on the store: the outcome."""
    from ingest.casework.runs import check_period
    from ingest.store import Store
    from invoices.agreements import load_profiles
    from invoices.registry import load_registry

    registry = load_registry()
    buyer = registry.get(slug)
    levels = {code: s.value for code, s in buyer.case_levels.items()}  # as `lssinvoice check` does
    store = Store(_db(out, slug))
    try:
        fk = {year: registry.fk_standard_amount(year) for year in registry.fk.years}
        return check_period(store.engine, buyer, PERIOD, load_profiles(use_env=False), by=ACTOR, now=datetime.now(UTC),
                            levels=levels, fk_amounts=fk)
    finally:
        store.dispose()


def apply_policy(out: Path, slug: str, run_id: int) -> list[dict]:
    """``lssinvoice case policy --run RUN --policy findings=query``: AP for an invoice without
    findings, UQ with one clarification per finding otherwise."""
    from ingest.casework.decide import CasePolicy, apply_policy as policy_answers

    store = _store(out, slug)
    try:
        answers = policy_answers(store, run_id, CasePolicy(findings="query"), by=f"{ACTOR} (policy)",
                                 now=datetime.now(UTC))
    finally:
        store.dispose()
    return [{"municipality": slug, "number": a.number, "status": a.outcome, "why": a.why,
             "response_id": a.response_id, "by": "policy"} for a in answers]


def officer_decision(out: Path, slug: str, number: str, amount: Decimal) -> dict:
    """``lssinvoice case decide NUMBER --approve-partly AMOUNT``: the CA response."""
    from ingest.casework.decide import decide

    store = _store(out, slug)
    try:
        outcome = decide(store, number, "approve_partly", amount=amount, by="case officer (demo)",
                         now=datetime.now(UTC))
    finally:
        store.dispose()
    return {"municipality": slug, "number": number, "status": outcome.status, "amount": outcome.amount,
            "why": f"approved in part: {outcome.amount:.2f}", "response_id": outcome.response_id,
            "by": "case officer"}


def send_and_validate(out: Path, slug: str, responses: list[dict], result: CaseworkDemoResult) -> None:
    """The decisions' responses are written by the next ingest run (an empty inbox): run it,
    then validate each response file written (official T111 rules in force)."""
    from ingest.service import run_once
    from validate.engine import Validator

    summary = run_once(_config(out, slug))
    if summary.error:
        result.problems.append(f"{slug}: the ingest run writing the responses failed: {summary.error}")
    outbox = _home(out, slug) / "outbox"
    validator = Validator()
    for r in responses:
        if r["municipality"] != slug or not r.get("response_id"):
            continue
        path = outbox / f"{r['response_id']}.xml"
        if not path.is_file():
            r["file"], r["valid"] = None, False
            result.problems.append(f"{r['number']}: response {r['response_id']} not in {outbox}")
            continue
        res = validator.validate_path(path)
        r["file"], r["valid"] = str(path), res.valid
        if not res.valid:
            result.problems.append(f"{path}: response invalid ({res.counts()['fatal']} fatal)")


def casework_demo(out: Path, console=None, *, examples: Path = EXAMPLES, issue_date: date | None = None,
                  pahittad: list[dict] | None = None) -> CaseworkDemoResult:
    """Steps 1-5 of the module notes on the demo's output folder ``out`` (the provider and
    municipal steps have run into it). ``pahittad``: the invoices the provider step produced
    (``ProviderDemoResult.invoices``), to tell its invoices apart."""
    from rich.console import Console

    console = console or Console(highlight=False)
    result = CaseworkDemoResult()
    issue_date = issue_date or date.today()
    kinds = {p["number"]: ("Påhittad", p["kind"]) for p in (pahittad or [])}

    sloppy = build_sloppy_invoice(out, examples, issue_date, result)
    if sloppy is not None:
        kinds[sloppy["number"]] = ("Annan", sloppy["kind"])
        console.print(f"Case work: {sloppy['seller_name']} (fictional, careless) bills Borås Stad "
                      f"{sloppy['total']} {sloppy['currency']} for March 2024 ({sloppy['number']}), at its own "
                      f"rate and with source checks off ({', '.join(sorted(SLOPPY_CHECKS))}); delivered after "
                      "Påhittad's, taken in by a second ingest run", markup=False)
        for w in sloppy["warnings"]:
            console.print(f"  its build warned: {w}", style="yellow", markup=False)
        deliver_and_ingest(out, Path(sloppy["sbdh_file"]), result)

    try:
        _municipalities(out, examples, console, sloppy, kinds, result)
    except _errors() as exc:  # a register file, the store or a decision refused: the step stops
        from invoices.model import mask_personal_numbers

        result.problems.append(f"case work stopped: {exc.__class__.__name__}: {mask_personal_numbers(str(exc))}")
    _show_responses(console, result, kinds)
    _verify(result)
    for letter, what, code, number in result.found:
        console.print(f"({letter}) {what}: {code} " + (f"found on {number}" if number else "[red]NOT FOUND[/]"))
    for problem in result.problems:
        console.print(f"[red]problem[/] {problem}")
    return result


def _errors() -> tuple[type[Exception], ...]:
    from ingest.casework.cases import CaseError
    from ingest.store import StoreError
    from invoices.input_errors import InputErrors
    from invoices.registry import RegistryError

    return CaseError, StoreError, InputErrors, RegistryError


def _municipalities(out: Path, examples: Path, console, sloppy: dict | None, kinds: dict,
                    result: CaseworkDemoResult) -> None:
    """Steps 2-5: registers, check, the policy's answers, the officer's CA, the responses sent."""
    runs = {}
    for slug in MUNICIPALITIES:
        console.print(import_registers(out, examples, slug), markup=False)
        runs[slug] = check(out, slug)
        _show(console, slug, runs[slug], kinds, result)
    for slug in MUNICIPALITIES:
        result.responses += apply_policy(out, slug, runs[slug].run_id)
    if sloppy is not None:
        mine = next((i for i in runs["boras"].result.invoices if i.number == sloppy["number"]), None)
        if mine is None:
            result.problems.append(f"{sloppy['number']} was not among Borås Stad's checked invoices")
        else:
            result.responses.append(officer_decision(out, "boras", mine.number, mine.reimbursable))
    for slug in MUNICIPALITIES:
        send_and_validate(out, slug, result.responses, result)


def _show(console, slug: str, outcome, kinds: dict, result: CaseworkDemoResult) -> None:
    from rich.table import Table

    from invoices.registry import load_registry

    name = load_registry().get(slug).display_name
    table = Table(title=f"Case work: {name}, check of {PERIOD} (run {outcome.run_id})", title_justify="left")
    for col in ("invoice", "provider", "kind", "invoiced", "reimbursable", "disputed", "findings"):
        table.add_column(col, justify="right" if col in ("invoiced", "reimbursable", "disputed") else "left")
    for inv in outcome.result.invoices:
        who, kind = kinds.get(inv.number, ("?", "?"))
        table.add_row(inv.number, who, kind, str(inv.invoiced), str(inv.reimbursable), str(inv.disputed),
                      ", ".join(f.code for f in inv.findings) or "-")
        result.invoices.append({"municipality": slug, "number": inv.number, "provider": who, "kind": kind,
                                "invoiced": inv.invoiced, "reimbursable": inv.reimbursable,
                                "disputed": inv.disputed, "codes": [f.code for f in inv.findings],
                                "findings": [f.to_dict() for f in inv.findings]})
    console.print(table)
    for inv in outcome.result.invoices:
        for f in inv.findings:
            console.print(f"  {inv.number}  {f.code} ({f.severity}) [{f.basis}] {f.hours} h, {f.amount} kr: "
                          f"{f.message}", markup=False)


def _show_responses(console, result: CaseworkDemoResult, kinds: dict) -> None:
    from rich.table import Table

    table = Table(title="Case work: the answers (Invoice Responses, T111)", title_justify="left")
    for col in ("municipality", "invoice", "provider", "by", "status", "why", "response", "valid"):
        table.add_column(col)
    for r in result.responses:
        table.add_row(r["municipality"], r["number"], kinds.get(r["number"], ("?",))[0], r["by"], r["status"],
                      r["why"], r.get("response_id") or "-",
                      {True: "valid", False: "INVALID", None: "-"}[r.get("valid")])
    console.print(table)


def _verify(result: CaseworkDemoResult) -> None:
    """Every invoice checked as :data:`EXPECTED` says, and nothing else checked."""
    seen = {(i["provider"], i["municipality"], i["kind"]): i for i in result.invoices}
    status: dict[str, list[str]] = {}
    for r in result.responses:
        status.setdefault(r["number"], []).append(r["status"])
    for key, want in EXPECTED.items():
        got = seen.get(key)
        label = " ".join(key)
        if got is None:
            result.problems.append(f"{label}: not checked")
            continue
        if tuple(got["codes"]) != want.codes:
            result.problems.append(f"{got['number']} ({label}): findings {', '.join(got['codes']) or 'none'}, "
                                   f"expected {', '.join(want.codes) or 'none'}")
        if got["disputed"] != want.disputed:
            result.problems.append(f"{got['number']} ({label}): disputed {got['disputed']}, expected {want.disputed}")
        accepted = [r["amount"] for r in result.responses if r["number"] == got["number"] and r["status"] == "CA"]
        if want.accepted is not None and accepted != [want.accepted]:
            result.problems.append(f"{got['number']} ({label}): approved in part for {accepted}, "
                                   f"expected {want.accepted}")
        if status.get(got["number"]) != list(want.statuses):
            result.problems.append(f"{got['number']} ({label}): answered {status.get(got['number'])}, "
                                   f"expected {list(want.statuses)}")
    for letter, what, code, provider in PROBLEMS:
        hit = [i for i in result.invoices if i["provider"] == provider and code in i["codes"]]
        result.found.append((letter, what, code, hit[0]["number"] if hit else None))
        if not hit:
            result.problems.append(f"({letter}) {what}: {code} not found on {provider}'s invoice")
    for key, got in seen.items():
        if key not in EXPECTED:
            result.problems.append(f"{got['number']} ({' '.join(key)}): checked, but the demo expects no such invoice")
