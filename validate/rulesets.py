"""The rule-set registry: a validation is a named, versioned list of steps per document type.

The idea is phive's: a rule set (a "validation executor set") says which XSD and which
Schematron files run, in which order, for which document type. Results are a flat list of
findings. Rule sets of our own (e.g. a municipality's) are registered the same way by
later layers, with :func:`register`.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from schemas.artefacts import artefact_path

from .schematron.compiler import CompiledSchematron, compile_file
from .schematron.loader import SchematronError
from .schematron.runner import SchematronRunner

PACKAGE_RULESETS = Path(__file__).parent / "rulesets"

PEPPOL_SCH = "peppol-bis-billing-3.0.19/rules/sch"
CEN_SCH = "cen-en16931-validation-1.3.16/ubl/schematron"
UBL_MAINDOC = "oasis-ubl-2.1/xsd/maindoc"


@dataclass(frozen=True)
class SchematronStep:
    """One Schematron step. ``source`` is an artefact path, or ``package:`` + a file in
    ``validate/rulesets`` (our own compositions), or an absolute path."""

    name: str
    source: str
    phase: str | None = None

    def path(self) -> Path:
        if self.source.startswith("package:"):
            return PACKAGE_RULESETS / self.source.removeprefix("package:")
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


def artefact_resolver(href: str, base: Path) -> Path | None:
    """``artefact:<manifest path>`` in our own compositions names an installed artefact."""
    if href.startswith("artefact:"):
        return artefact_path(href.removeprefix("artefact:"))
    return None


def xslt_cache_dir() -> Path:
    env = os.environ.get("LSSINVOICE_CACHE")
    if env:
        return Path(env) / "xslt"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("lssinvoice")) / "xslt"


BIS3_UBL = RuleSet(
    id="peppol-bis-billing-3.0.19",
    version="3.0.19",
    title="Peppol BIS Billing 3.0 (UBL): UBL 2.1 XSD, CEN EN 16931 (as bundled by Peppol), Peppol and national rules",
    document_kinds=("invoice", "creditnote"),
    schematrons=(
        SchematronStep("CEN EN 16931 UBL", f"{PEPPOL_SCH}/CEN-EN16931-UBL.sch"),
        SchematronStep("PEPPOL BIS 3", f"{PEPPOL_SCH}/PEPPOL-EN16931-UBL.sch"),
    ),
)

CEN_UBL = RuleSet(
    id="cen-en16931-ubl-1.3.16",
    version="1.3.16",
    title="CEN EN 16931 UBL rules, modular (ConnectingEurope validation-1.3.16)",
    document_kinds=("invoice", "creditnote"),
    schematrons=(SchematronStep("CEN EN 16931 UBL (modular)", f"{CEN_SCH}/EN16931-UBL-validation.sch"),),
)

T111 = RuleSet(
    id="peppol-t111-3.0.15",
    version="3.0.15",
    title="Peppol Invoice Response (T111): UBL 2.1 XSD and the published Peppol rules",
    document_kinds=("invoice-response",),
    schematrons=(SchematronStep("PEPPOL T111", "package:peppol-t111.sch"),),
    notes="Upstream's generated T111-basic.sch is not published; see validate/rulesets/peppol-t111.sch.",
)

T71 = RuleSet(
    id="peppol-t71-3.0.15",
    version="3.0.15",
    title="Peppol Message Level Response (T71): UBL 2.1 XSD and the published Peppol rules",
    document_kinds=("mlr",),
    schematrons=(SchematronStep("PEPPOL T71", "package:peppol-t71.sch"),),
    notes="Upstream's generated T71-basic.sch is not published; see validate/rulesets/peppol-t71.sch.",
)

_REGISTRY: dict[str, RuleSet] = {}
_DEFAULTS: dict[str, str] = {}


def register(ruleset: RuleSet, default_for: tuple[str, ...] = ()) -> RuleSet:
    _REGISTRY[ruleset.id] = ruleset
    for kind in default_for:
        _DEFAULTS[kind] = ruleset.id
    return ruleset


register(BIS3_UBL, default_for=("invoice", "creditnote"))
register(CEN_UBL)
register(T111, default_for=("invoice-response",))
register(T71, default_for=("mlr",))


def get(ruleset_id: str) -> RuleSet:
    try:
        return _REGISTRY[ruleset_id]
    except KeyError:
        raise KeyError(f"unknown rule set {ruleset_id!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def all_rulesets() -> list[RuleSet]:
    return list(_REGISTRY.values())


def default_for(kind: str) -> RuleSet | None:
    rid = _DEFAULTS.get(kind)
    return _REGISTRY[rid] if rid else None


_COMPILED: dict[tuple[str, str | None], CompiledSchematron] = {}
_RUNNERS: dict[tuple[str, str, str, str | None], SchematronRunner] = {}
_LOCK = threading.Lock()


def compiled_step(step: SchematronStep) -> CompiledSchematron:
    """Compile a step's Schematron once per process (and once per source hash on disk)."""
    key = (str(step.path()), step.phase)
    with _LOCK:
        if key not in _COMPILED:
            _COMPILED[key] = compile_file(step.path(), step.phase, xslt_cache_dir(), artefact_resolver)
        return _COMPILED[key]


def runner(ruleset: RuleSet, step: SchematronStep) -> SchematronRunner:
    key = (ruleset.id, step.name, step.source, step.phase)
    found = _RUNNERS.get(key)
    if found is None:
        found = SchematronRunner(compiled_step(step), ruleset=ruleset.id, step=step.name)
        _RUNNERS[key] = found
    return found


__all__ = [
    "RuleSet", "SchematronStep", "SchematronError", "register", "get", "all_rulesets",
    "default_for", "runner", "compiled_step", "BIS3_UBL", "CEN_UBL", "T111", "T71",
]
