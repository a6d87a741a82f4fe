"""Checks at the source: what the municipality would refuse, found before anything is written.

The checks are the municipality's own (:mod:`invoices.casework`, through
:func:`invoices.casework.source.judge_reports`): the provider's time reports and decisions are
judged exactly as the case officer's run will judge the invoice, over all the reports given
(another client's, another month's: context), and each finding is given the provider's code
below. :func:`run_checks` applies a :class:`CheckPolicy` (each code: ``error``, ``warning`` or
``off``). Findings name the source rows (``where``) and show only masked personnummer.

Codes (default level), each the municipal check in brackets (``README.md``, "Municipal case
work", has what each finds and its legal basis):

=============  =======  ==========================================================================
LSS-SRC-001    error    hours beyond the granted hours per week/month/period (LSS-CASE-030)
LSS-SRC-002    error    a shift (partly) outside the decision's valid period (LSS-CASE-022)
LSS-SRC-003    error    a shift names a decision that is not among the decisions given (LSS-CASE-020)
LSS-SRC-004    error    a shift names a decision granted to another client (LSS-CASE-021)
LSS-SRC-010    error    assistant under 18 on the day of the work, 9 d § 1 LSS (LSS-CASE-010)
LSS-SRC-011    error    assistant lives outside the EEA, 9 d § 2 LSS (LSS-CASE-011)
LSS-SRC-012    error    assistant lacks the capacity to work as an assistant, 9 d § 3 LSS (LSS-CASE-012)
LSS-SRC-013    warning  the report does not state the assistant's facts: EEA, capacity to work (9 d § 2-3
                        LSS), related to or living with the client (11 a § LSS); the provider's own
                        check (below)
LSS-SRC-020    error    one assistant's shifts overlap in time, across all reports (LSS-CASE-001/002)
LSS-SRC-030    error    time report not signed by the assistant (LSS-CASE-050)
LSS-SRC-031    warning  time report not signed by the supervisor / ombud (LSS-CASE-051)
LSS-SRC-040    warning  active and waiting time not separated (LSS-CASE-052)
LSS-SRC-041    warning  time report does not state the calculation period (LSS-CASE-053)
LSS-SRC-042    warning  time report does not state whether a collective agreement applies (LSS-CASE-054)
LSS-SRC-050    warning  daily rest short, 9 d § 4 LSS, arbetstidslagen 13 § (LSS-CASE-061)
LSS-SRC-051    warning  weekly rest short in a calendar week, arbetstidslagen 14 § (LSS-CASE-062)
LSS-SRC-052    warning  one stretch of work longer than the profile allows (LSS-CASE-060)
LSS-SRC-053    warning  on-call time over the cap (LSS-CASE-063)
LSS-SRC-054    warning  overtime over the caps, general or extra (LSS-CASE-064)
LSS-SRC-055    warning  over 48 hours a week on average (LSS-CASE-065)
LSS-SRC-060    error    a document the municipality does not handle the claim without is missing
                        (its evidence checklist, :mod:`invoices.evidence`; the provider's own)
LSS-SRC-061    warning  a document the municipality asks for is missing (:mod:`invoices.evidence`)
=============  =======  ==========================================================================

The working-time codes are warnings by default: a collective agreement may set other limits
(a report naming an agreement profile is judged by it), and the time reports a provider gives
may not cover the whole calculation period; ``--check LSS-SRC-050=error`` refuses instead.

LSS-SRC-013 is the provider's own check (:func:`unstated_facts`): the municipality judges
9 d § 2-3 by its assistant register, but a report that leaves a fact blank must not pass as
"yes" at the source, where the provider is the one who knows.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

from .model import Decision, TimeReport, birth_date, mask_pnr

__all__ = [
    "SourceFinding",
    "CheckPolicy",
    "CODES",
    "DEFAULT_LEVELS",
    "eighteenth_birthday",
    "judge",
    "run_checks",
]

Severity = Literal["error", "warning"]
Level = Literal["error", "warning", "off"]
LEVELS = ("error", "warning", "off")

# code -> (default level, title)
CODES: Mapping[str, tuple[Level, str]] = MappingProxyType({
    "LSS-SRC-001": ("error", "hours beyond the decision"),
    "LSS-SRC-002": ("error", "shift outside the decision's period"),
    "LSS-SRC-003": ("error", "unknown decision"),
    "LSS-SRC-004": ("error", "decision for another client"),
    "LSS-SRC-010": ("error", "assistant under 18 (9 d § 1 LSS)"),
    "LSS-SRC-011": ("error", "assistant lives outside the EEA (9 d § 2 LSS)"),
    "LSS-SRC-012": ("error", "assistant lacks capacity to work (9 d § 3 LSS)"),
    "LSS-SRC-013": ("warning", "the assistant's facts not stated (9 d § 2-3, 11 a § LSS)"),
    "LSS-SRC-020": ("error", "overlapping shifts"),
    "LSS-SRC-030": ("error", "not signed by the assistant"),
    "LSS-SRC-031": ("warning", "not signed by the supervisor or ombud"),
    "LSS-SRC-040": ("warning", "active and waiting time not separated"),
    "LSS-SRC-041": ("warning", "calculation period not stated"),
    "LSS-SRC-042": ("warning", "collective agreement not stated"),
    "LSS-SRC-050": ("warning", "daily rest short (9 d § 4 LSS, arbetstidslagen 13 §)"),
    "LSS-SRC-051": ("warning", "weekly rest short (9 d § 4 LSS, arbetstidslagen 14 §)"),
    "LSS-SRC-052": ("warning", "stretch of work too long (9 d § 4 LSS)"),
    "LSS-SRC-053": ("warning", "on-call time over the cap (9 d § 4 LSS, arbetstidslagen 6 §)"),
    "LSS-SRC-054": ("warning", "overtime over the caps (9 d § 4 LSS, arbetstidslagen 8-8 a §§)"),
    "LSS-SRC-055": ("warning", "over 48 h a week on average (9 d § 4 LSS, arbetstidslagen 10 b §)"),
    "LSS-SRC-060": ("error", "a document the municipality requires is missing"),
    "LSS-SRC-061": ("warning", "a document the municipality asks for is missing"),
})
DEFAULT_LEVELS: Mapping[str, Level] = MappingProxyType({c: lvl for c, (lvl, _) in CODES.items()})


@dataclass(frozen=True, slots=True)
class SourceFinding:
    """One problem in the source data. ``assistant``/``client`` are masked personnummer."""

    code: str
    severity: Severity
    message: str
    where: str = ""        # "timereports.csv row 7", or several joined with "; "
    assistant: str = ""
    client: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        at = f" ({self.where})" if self.where else ""
        return f"{self.severity.upper()} {self.code}: {self.message}{at}"


class FindingsOutcome:
    """Mixin for a plan that carries source findings (``self.findings``): errors stop it."""

    findings: list[SourceFinding]

    @property
    def errors(self) -> list[SourceFinding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[SourceFinding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class CheckPolicy:
    """The level of each code: ``error``, ``warning`` or ``off``. Codes not given keep their
    default; an unknown code or level is a ValueError (a typo must not silently do nothing)."""

    overrides: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clean: dict[str, str] = {}
        for code, level in self.overrides.items():
            if code not in CODES:
                raise ValueError(f"unknown check code {code!r}; the codes are {', '.join(CODES)}")
            lvl = str(level).strip().lower()
            if lvl not in LEVELS:
                raise ValueError(f"{code}: level must be one of {', '.join(LEVELS)}, not {level!r}")
            clean[code] = lvl
        object.__setattr__(self, "overrides", MappingProxyType(clean))

    def level(self, code: str) -> Level:
        return self.overrides.get(code, DEFAULT_LEVELS[code])  # type: ignore[return-value]

    def levels(self) -> dict[str, Level]:
        return {code: self.level(code) for code in CODES}

    def with_levels(self, overrides: Mapping[str, str]) -> "CheckPolicy":
        return CheckPolicy({**self.overrides, **overrides})

    def under(self, defaults: Mapping[str, str]) -> "CheckPolicy":
        """This policy over ``defaults`` (a buyer's levels, :attr:`invoices.registry.Municipality.source_levels`):
        a code this policy sets keeps its level, any other takes the default's."""
        return CheckPolicy({**defaults, **self.overrides})

    def apply(self, findings: Iterable[SourceFinding]) -> list[SourceFinding]:
        out = []
        for f in findings:
            lvl = self.level(f.code)
            if lvl == "off":
                continue
            out.append(f if f.severity == lvl else SourceFinding(
                f.code, lvl, f.message, f.where, f.assistant, f.client))  # type: ignore[arg-type]
        return out


def eighteenth_birthday(pnr: str) -> date:
    """The day the person turns 18 (29 February -> 1 March in a common year: the conservative
    reading, the later day); the day of the 18th birthday counts as 18."""
    born = birth_date(pnr)
    year = born.year + 18
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return born.replace(year=year)


def _where(sources: Sequence[str], limit: int = 5) -> str:
    unique = list(dict.fromkeys(s for s in sources if s))
    shown = "; ".join(unique[:limit])
    return shown + (f"; and {len(unique) - limit} more" if len(unique) > limit else "")


def unstated_facts(reports: Iterable[TimeReport]) -> list[SourceFinding]:
    """LSS-SRC-013: one finding per report that leaves one of the assistant's facts blank
    (None): whether the assistant lives in the EEA (9 d § 2 LSS), has the capacity to work as
    an assistant (9 d § 3 LSS), is related to or lives with the client (11 a § LSS). A blank
    is "not stated", never "yes"."""
    out = []
    for r in reports:
        facts = (("lives in the EEA (9 d § 2 LSS)", r.assistant.lives_in_eea),
                 ("has the capacity to work as an assistant (9 d § 3 LSS)", r.assistant.capacity_to_work),
                 ("is related to the client (11 a § LSS)", r.related_to_client),
                 ("lives with the client (11 a § LSS)", r.lives_with_client))
        missing = [what for what, value in facts if value is None]
        if missing:
            out.append(SourceFinding(
                "LSS-SRC-013", DEFAULT_LEVELS["LSS-SRC-013"],  # type: ignore[arg-type]
                f"the time report of {r.month} does not state whether the assistant " + "; nor whether the "
                "assistant ".join(missing) + ": a blank is not stated, never yes (fill in ja/nej)",
                r.shifts[0].source if r.shifts else "", r.assistant.masked, r.client.masked))
    return out


def run_checks(reports: Iterable[TimeReport], decisions: Iterable[Decision],
               policy: CheckPolicy | None = None, *, context: Iterable[TimeReport] = (),
               profiles: Mapping | None = None) -> list[SourceFinding]:
    """Every check on ``reports`` (the ones being invoiced; ``context``: other reports of the
    same assistants, judged with them but not reported on), with ``policy`` applied (default
    levels when None); findings ordered by code, then as the municipal run orders them.
    ``profiles``: the working-time profiles (default :func:`invoices.agreements.load_profiles`)."""
    return judge(reports, decisions, policy, context=context, profiles=profiles)[0]


def judge(reports: Iterable[TimeReport], decisions: Iterable[Decision], policy: CheckPolicy | None = None, *,
          context: Iterable[TimeReport] = (), profiles: Mapping | None = None,
          cuts_of: str | None = None) -> tuple[list[SourceFinding], list]:
    """:func:`run_checks`, and the cuts of the municipal check ``cuts_of`` on the judged
    shifts (:func:`invoices.casework.source.judge_reports_cut`; used by
    :mod:`invoices.granted_cap`)."""
    from .agreements import load_profiles
    from .casework.source import judge_reports_cut

    policy = policy or CheckPolicy()
    reports, context = list(reports), list(context)
    if not reports or all(level == "off" for level in policy.levels().values()):
        return [], []
    found = unstated_facts(reports) if policy.level("LSS-SRC-013") != "off" else []
    hits, cuts = judge_reports_cut(reports, context, list(decisions),
                                   profiles if profiles is not None else load_profiles(), policy.levels(), cuts_of)
    found += [SourceFinding(h.code, DEFAULT_LEVELS[h.code], h.message, _where(h.sources),  # type: ignore[arg-type]
                            mask_pnr(h.assistant) if h.assistant else "", mask_pnr(h.client) if h.client else "")
              for h in hits]
    return sorted(policy.apply(found), key=lambda f: f.code), cuts
