"""The rule-set registry: a validation is a named, versioned list of steps per document type.

The idea is phive's: a rule set (a "validation executor set") says which XSD and which
Schematron files run, in which order, for which document type. Results are a flat list of
findings. Rule sets of our own (e.g. a municipality's) are registered the same way by
later layers, with :func:`register`.

The official rule sets are built from the OpenPeppol releases (:mod:`validate.releases`):
per release one for billing (``peppol-bis-billing-3.0.21``), one for the Invoice Response
(``peppol-t111-2026.5``) and one for the Message Level Response (``peppol-t71-2026.5``), each
with the release's complete Schematron. Which of them judge a document depends on its
reference date (:func:`accepted_for`). The modular CEN rules (``cen-en16931-ubl-1.3.16``) are
registered for the CEN unit tests and examples.
"""
from __future__ import annotations

import os
import threading
from datetime import date
from dataclasses import dataclass
from pathlib import Path

from schemas.artefacts import artefact_path

from . import releases

from .schematron.compiler import CompiledSchematron, compile_file
from .schematron.loader import SchematronError
from .schematron.runner import SchematronRunner

CEN_SCH = "cen-en16931-validation-1.3.16/ubl/schematron"
UBL_MAINDOC = "oasis-ubl-2.1/xsd/maindoc"


@dataclass(frozen=True)
class SchematronStep:
    """One Schematron step. ``source`` is an artefact path (a manifest path) or an absolute
    path (generated rules of our own, e.g. a municipality's)."""

    name: str
    source: str
    phase: str | None = None

    def path(self) -> Path:
        if os.path.isabs(self.source):
            return Path(self.source)
        return artefact_path(self.source)


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: str
    title: str
    document_kinds: tuple[str, ...]
    schematrons: tuple[SchematronStep, ...]
    xsd: bool = True
    notes: str = ""
    release: str = ""
    """The OpenPeppol release (``2026.5``) the rule set belongs to, or empty."""


def xslt_cache_dir() -> Path:
    env = os.environ.get("LSSINVOICE_CACHE")
    if env:
        return Path(env) / "xslt"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("lssinvoice")) / "xslt"


CEN_UBL = RuleSet(
    id="cen-en16931-ubl-1.3.16",
    version="1.3.16",
    title="CEN EN 16931 UBL rules, modular (ConnectingEurope validation-1.3.16)",
    document_kinds=("invoice", "creditnote"),
    schematrons=(SchematronStep("CEN EN 16931 UBL (modular)", f"{CEN_SCH}/EN16931-UBL-validation.sch"),),
)


def release_rulesets(release: releases.Release) -> tuple[RuleSet, RuleSet, RuleSet]:
    """The three rule sets of an OpenPeppol release: billing (invoice, credit note), the
    Invoice Response (T111) and the Message Level Response (T71), each the release's complete
    official Schematron after the UBL 2.1 XSD."""
    billing = RuleSet(
        id=release.billing_ruleset, version=release.billing, release=release.name,
        title=f"Peppol BIS Billing {release.billing} ({release.title}): UBL 2.1 XSD, CEN EN 16931 "
              "(as bundled by Peppol), Peppol and national rules",
        document_kinds=releases.KINDS_BILLING,
        schematrons=(SchematronStep("CEN EN 16931 UBL", release.file("cen")),
                     SchematronStep("PEPPOL BIS 3", release.file("peppol"))),
    )
    t111 = RuleSet(
        id=release.t111_ruleset, version=release.postaward or release.name, release=release.name,
        title=f"Peppol Invoice Response (T111) of the {release.title}: UBL 2.1 XSD and the complete "
              "Peppol rules",
        document_kinds=(releases.KIND_T111,),
        schematrons=(SchematronStep("PEPPOL T111", release.file("t111")),),
    )
    t71 = RuleSet(
        id=release.t71_ruleset, version=release.postaward or release.name, release=release.name,
        title=f"Peppol Message Level Response (T71) of the {release.title}: UBL 2.1 XSD and the "
              "complete Peppol rules",
        document_kinds=(releases.KIND_T71,),
        schematrons=(SchematronStep("PEPPOL T71", release.file("t71")),),
    )
    return billing, t111, t71


_REGISTRY: dict[str, RuleSet] = {}


def register(ruleset: RuleSet) -> RuleSet:
    _REGISTRY[ruleset.id] = ruleset
    return ruleset


register(CEN_UBL)
for _release in releases.all_releases():
    for _ruleset in release_rulesets(_release):
        register(_ruleset)


def get(ruleset_id: str) -> RuleSet:
    try:
        return _REGISTRY[ruleset_id]
    except KeyError:
        raise KeyError(f"unknown rule set {ruleset_id!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def all_rulesets() -> list[RuleSet]:
    return list(_REGISTRY.values())


def for_release(release: releases.Release, kind: str) -> RuleSet | None:
    """The rule set of ``release`` for a document kind (None: the release has none)."""
    rid = release.ruleset_for(kind)
    return _REGISTRY[rid] if rid else None


def accepted_for(kind: str, at: date) -> list[RuleSet]:
    """The rule sets that may judge a document of ``kind`` on the reference date ``at``:
    the releases accepted that day (:func:`validate.releases.select`), newest first."""
    selection = releases.select(at)
    found = (for_release(r, kind) for r in reversed(selection.accepted))
    return [rs for rs in found if rs is not None]


def default_for(kind: str, at: date | None = None) -> RuleSet | None:
    """The primary rule set for a document kind on ``at`` (default: today)."""
    found = accepted_for(kind, at or date.today())
    return found[0] if found else None


_COMPILED: dict[tuple[str, str | None], CompiledSchematron] = {}
_RUNNERS: dict[tuple[str, str, str, str, str | None], SchematronRunner] = {}
_LOCK = threading.Lock()


def compiled_step(step: SchematronStep) -> CompiledSchematron:
    """Compile a step's Schematron once per process (and once per source hash on disk)."""
    key = (str(step.path()), step.phase)
    with _LOCK:
        if key not in _COMPILED:
            _COMPILED[key] = compile_file(step.path(), step.phase, xslt_cache_dir())
        return _COMPILED[key]


def runner(ruleset: RuleSet, step: SchematronStep) -> SchematronRunner:
    """The step's runner on the engine in use (:func:`validate.schematron.engines.current`)."""
    from .schematron.engines import current

    key = (current().name, ruleset.id, step.name, step.source, step.phase)
    found = _RUNNERS.get(key)
    if found is None:
        found = SchematronRunner(compiled_step(step), ruleset=ruleset.id, step=step.name)
        _RUNNERS[key] = found
    return found


__all__ = [
    "RuleSet", "SchematronStep", "SchematronError", "register", "get", "all_rulesets",
    "default_for", "accepted_for", "for_release", "release_rulesets", "runner", "compiled_step", "CEN_UBL",
]
