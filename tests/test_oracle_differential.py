"""Differential test: our Schematron compiler against an independent second compiler.

What it proves: for every OpenPeppol release we hold, our compilation of the release's four
official Schematron files (CEN EN 16931 UBL, PEPPOL BIS Billing, T111 Invoice Response, T71
Message Level Response; validate.schematron.compiler, run by the cached runners of
validate.rulesets) fires exactly the same rules, with the same severities and the same number
of times, as phive's own compilation of the same .sch files, on the official examples and on
hundreds of mutated invoices and credit notes.

How: each release ships, beside its .sch files, ``oracle-xslt-phive/``: the XSLT 2.0
stylesheets that phive (the Peppol reference validator) generated from those same .sch files
with the ISO Schematron skeleton. They produce SVRL. They are an oracle only: the engine never
runs them (its rules are always our own compilation); here each is compiled once per process
(a module-level cache) with SaxonC and run on the very same Saxon tree as our rules. Per document and step the
multiset (collections.Counter) of ``(rule id, severity)`` fired by ours is compared with the
oracle's ``svrl:failed-assert`` / ``svrl:successful-report`` elements (``id``, ``flag``; a
missing flag counts as fatal, as validate.findings.Severity.from_flag does for ours).

* (a) every official example of the release: billing examples through the CEN and PEPPOL
  steps, the Invoice Response use cases and example through T111, the Message Level Response
  example through T71;
* (b) 256 mutated billing documents per release (tests/mutations.py: seeded, made from the
  release's own billing examples: wrong amounts, impossible dates, invalid codes, identifiers
  with wrong check digits, removed and repeated elements, removed and repeated lines, elements
  and attributes Peppol does not use) through the CEN and PEPPOL steps;
* (c) since the official responses fire no rule at all, 90 mutated Invoice Responses and 42
  mutated Message Level Responses per release (the kinds that apply to them) through T111
  and T71;
* beforehand, statically: each oracle stylesheet holds the same assertions (id and flag, as a
  multiset) as our compilation of the same file, so both sides judge with the same rules.

Where a document makes the rules stop with a dynamic error (a repeated element that a rule
expects once, an impossible date cast to xs:date), both compilations must stop with the same
Saxon message. Where the rules fire the same (rule id, severity) multiset, the locations they
fire at must agree too (phive's ``/*:Invoice[namespace-uri()='…'][1]`` and our
``/Invoice[1]`` both reduced to local names and positions).

Both sides run on the same XSLT processor (SaxonC-HE): this compares the two Schematron
compilations, not two XSLT processors.

The test cannot pass vacuously: it asserts the number of mutated documents, that at least half
of the billing ones (a third of the responses) fire a fatal rule in the oracle, that warnings
fire too, that many distinct rules fire, that few documents stop the rules with an error, that
the official examples fire no fatal rule (both compilers agree they are valid), and that two
deliberately broken compilations of ours (rule order reversed, flags lost) are told apart.

A difference is either a defect of our compiler (to be fixed there) or a defect of the oracle
or the upstream files: the latter go one by one into ``KNOWN_DIFFERENCES`` with the reason.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from pathlib import PurePosixPath

import pytest
from lxml import etree

from schemas import artefacts
from schemas.artefacts import ArtefactMissing, artefact_path, load_manifest
from validate import releases, rulesets
from validate.findings import Severity
from validate.schematron.runner import SchematronRunner, parse_for_saxon, saxon_processor

from .mutations import KINDS, RESPONSE_KINDS, Mutation, mutations

SVRL = "http://purl.oclc.org/dsdl/svrl"
XSL = "http://www.w3.org/1999/XSL/Transform"
ENGINE_ERROR = "LSS-SCH-001"

MIN_MUTATIONS = 200
"""Mutated billing documents per release, at least."""

# The oracle stylesheet of each part of a release (phive's file names).
ORACLE = {"cen": "CEN-EN16931-UBL", "peppol": "PEPPOL-EN16931-UBL",
          "t111": "PEPPOLBIS-T111", "t71": "PEPPOLBIS-T71"}
BILLING = ("cen", "peppol")

# The mutated documents of a release: family -> (the parts that judge them, how many, which kinds
# of mutation). Each family is made from the release's official examples of that family.
FAMILIES = {
    "billing": (BILLING, 256, KINDS),
    "t111": (("t111",), 90, RESPONSE_KINDS),
    "t71": (("t71",), 42, RESPONSE_KINDS),
}

KNOWN_DIFFERENCES: dict[tuple[str, str, str], str] = {
    # (release name, part, rule id): why ours and phive's compilation differ, and why that is
    # not a defect of our compiler. Empty: no difference found.
}

RELEASES = releases.all_releases()


# --- the documents --------------------------------------------------------------------------

def _manifest_paths(prefix: str) -> list[str]:
    return sorted(f.path for f in load_manifest().files if f.path.startswith(prefix))


def _read(path: str) -> bytes:
    try:
        return artefact_path(path).read_bytes()
    except ArtefactMissing:  # collection runs before conftest's install fixture
        artefacts.install()
        return artefact_path(path).read_bytes()


def _official(release: releases.Release) -> list[tuple[str, tuple[str, ...]]]:
    """(manifest path, parts) of every official example of the release."""
    base = release.file("examples")
    out = [(p, BILLING) for p in _manifest_paths(f"{base}/billing/")]
    out += [(p, ("t111",)) for p in _manifest_paths(f"{base}/invoice-response-use-cases/")]
    out += [(f"{base}/InvoiceResponse_Example.xml", ("t111",)),
            (f"{base}/MessageLevelResponse_Example.xml", ("t71",))]
    return out


@functools.cache
def _mutations(name: str, family: str = "billing") -> tuple[Mutation, ...]:
    release = releases.find(name)
    parts, count, kinds = FAMILIES[family]
    examples = [(PurePosixPath(p).name, _read(p)) for p, judged_by in _official(release) if judged_by == parts]
    return tuple(mutations(examples, count, seed=f"oracle-differential|{name}|{family}", kinds=kinds))


# --- the two compilers ----------------------------------------------------------------------

def _step(release: releases.Release, part: str):
    """Our runner for a part of a release: the cached one of the release's rule set."""
    ruleset = rulesets.get({"cen": release.billing_ruleset, "peppol": release.billing_ruleset,
                            "t111": release.t111_ruleset, "t71": release.t71_ruleset}[part])
    [step] = [s for s in ruleset.schematrons if s.source == release.file(part)]
    return rulesets.runner(ruleset, step)


def _oracle_file(release: releases.Release, part: str):
    return artefact_path(f"{release.file('oracle')}/{ORACLE[part]}.xslt")


@functools.cache
def _oracle(name: str, part: str):
    """phive's compiled stylesheet, compiled once per process."""
    path = _oracle_file(releases.find(name), part)
    exe = saxon_processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))
    assert exe is not None, path
    return exe


def _severity(flag: str | None) -> str:
    return Severity.from_flag(flag).value


def _error(message: str) -> tuple[str, str, str]:
    """A dynamic error that stopped the rules, keyed by Saxon's message: both compilations
    must stop on the same error."""
    return (f"{ENGINE_ERROR}: {' '.join(message.split())}", "fatal", "")


# Locations, made comparable: phive writes ``/*:Invoice[namespace-uri()='…'][1]/…`` and
# ``/@*[local-name()='x' and namespace-uri()='…']``, ours ``/Invoice[1]/cac:InvoiceLine[1]``
# (the document's prefixes). Both become ``/Invoice[1]/InvoiceLine[1]``: local names and
# positions among same-named siblings (no Peppol rule has an attribute as its context).
_PHIVE_ELEMENT = re.compile(r"\*:([^\[/]+)\[namespace-uri\(\)='[^']*'\]")
_PHIVE_ATTRIBUTE = re.compile(r"@\*\[local-name\(\)='([^']*)' and namespace-uri\(\)='[^']*'\]")
_PREFIX = re.compile(r"(/@?)[^/:\[]+:")


def _oracle_location(text: str) -> str:
    return _PHIVE_ATTRIBUTE.sub(r"@\1", _PHIVE_ELEMENT.sub(r"\1", text.strip()))


def _our_location(text: str) -> str:
    return _PREFIX.sub(r"\1", text.strip())


def _oracle_fired(name: str, part: str, node) -> Counter:
    """(rule id, severity, location) of every assertion the oracle fires."""
    try:
        out = _oracle(name, part).transform_to_string(xdm_node=node)
    except Exception as exc:  # PySaxonApiError: a dynamic error of the rules
        return Counter({_error(str(exc)): 1})
    root = etree.fromstring(out.encode("utf-8"))
    return Counter((el.get("id") or "", _severity(el.get("flag")), _oracle_location(el.get("location") or ""))
                   for el in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"))


def _our_fired(runner: SchematronRunner, node) -> Counter:
    """(rule id, severity, location) of every assertion our compilation fires."""
    found = Counter()
    for f in runner.run(node):
        if f.rule_id == ENGINE_ERROR:  # "the rules of <step> could not be evaluated on this document: <Saxon's message>"
            found[_error(f.message.split("on this document: ", 1)[1])] += 1
        else:
            found[(f.rule_id, f.severity.value, _our_location(f.location))] += 1
    return found


def _counts(fired: Counter) -> Counter:
    """(rule id, severity) -> how often it fired."""
    out = Counter()
    for (rule, severity, _location), n in fired.items():
        out[(rule, severity)] += n
    return out


_ORACLE_RESULTS: dict[tuple[str, str, str], Counter] = {}
"""(release, document id, part) -> the oracle's counts, shared by the per-document tests and
the checks that the mutations fire rules."""


def _compare(release: releases.Release, doc: str, data: bytes, parts: tuple[str, ...]):
    """Differences and known differences, [(doc, part, rule, severity, ours, oracle)].

    Per part, the multisets of (rule id, severity) first; where those agree, the locations
    each rule fired at too (a row then names the location after the rule)."""
    node = parse_for_saxon(data.decode("utf-8-sig"))
    differences, known = [], []
    for part in parts:
        ours_fired = _our_fired(_step(release, part), node)
        oracle_fired = _oracle_fired(release.name, part, node)
        ours, oracle = _counts(ours_fired), _counts(oracle_fired)
        _ORACLE_RESULTS[(release.name, doc, part)] = oracle
        rows = [(doc, part, *key, ours[key], oracle[key])
                for key in sorted(set(ours) | set(oracle)) if ours[key] != oracle[key]]
        if not rows:
            rows = [(doc, part, f"{rule} at {location}", severity, ours_fired[key], oracle_fired[key])
                    for key in sorted(set(ours_fired) | set(oracle_fired))
                    if ours_fired[key] != oracle_fired[key] for rule, severity, location in [key]]
        for row in rows:
            rule = row[2].split(" at ", 1)[0]
            (known if (release.name, part, rule) in KNOWN_DIFFERENCES else differences).append(row)
    return differences, known


def _report(differences) -> str:
    lines = [f"{len(differences)} difference(s) between our compilation and phive's:"]
    lines += [f"  {doc} [{part}] {rule} ({severity}): ours {ours}, oracle {oracle}"
              for doc, part, rule, severity, ours, oracle in differences]
    return "\n".join(lines)


# --- static: the same assertions on both sides ---------------------------------------------

def _oracle_assertions(path) -> Counter:
    """(id, severity) of every failed-assert / successful-report the oracle can emit."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    found = Counter()
    for el in tree.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        attrs = {a.get("name"): "".join(a.itertext()).strip() for a in el.findall(f"{{{XSL}}}attribute")}
        found[(attrs.get("id", el.get("id") or ""), _severity(attrs.get("flag", el.get("flag"))))] += 1
    return found


@pytest.mark.parametrize("name", [r.name for r in RELEASES])
def test_each_oracle_stylesheet_holds_the_same_assertions_as_our_compilation(name):
    release = releases.find(name)
    for part in ORACLE:
        compiled = _step(release, part).compiled
        ours = Counter((a.rule_id, _severity(a.flag or a.role)) for a in compiled.assertions)
        oracle = _oracle_assertions(_oracle_file(release, part))
        assert sum(ours.values()) > 50, (part, "too few assertions: not the release's rules")
        assert ours == oracle, (part, ours - oracle, oracle - ours)


# --- (a) the official examples ---------------------------------------------------------------

OFFICIAL = [pytest.param(r.name, path, parts, id=f"{r.name}:{path.split('/examples/', 1)[1]}")
            for r in RELEASES for path, parts in _official(r)]


@pytest.mark.parametrize("name,path,parts", OFFICIAL)
def test_official_examples_fire_the_same_rules_as_the_oracle(name, path, parts):
    release = releases.find(name)
    differences, _known = _compare(release, path, _read(path), parts)
    assert not differences, _report(differences)
    for part in parts:
        oracle = _ORACLE_RESULTS[(name, path, part)]
        # The official examples are valid: both compilers agree they fire no fatal rule.
        assert not [rule for rule, severity in oracle if severity == "fatal"], (part, oracle)


def test_every_release_has_its_examples():
    for release in RELEASES:
        official = _official(release)
        billing = [p for p, parts in official if parts == BILLING]
        t111 = [p for p, parts in official if parts == ("t111",)]
        assert len(billing) >= 8 and len(t111) >= 10, release.name
        assert any(parts == ("t71",) for _, parts in official)


# --- (b) mutated documents: billing, and (c) Invoice Responses and Message Level Responses ----

MUTATED = [pytest.param(r.name, family, m.id, id=f"{r.name}:{m.id}")
           for r in RELEASES for family in FAMILIES for m in _mutations(r.name, family)]


@functools.cache
def _mutation(name: str, family: str, mutation_id: str) -> Mutation:
    [found] = [m for m in _mutations(name, family) if m.id == mutation_id]
    return found


@pytest.mark.parametrize("name,family,mutation_id", MUTATED)
def test_mutated_documents_fire_the_same_rules_as_the_oracle(name, family, mutation_id):
    mutation = _mutation(name, family, mutation_id)
    differences, _known = _compare(releases.find(name), mutation.id, mutation.data, FAMILIES[family][0])
    assert not differences, _report(differences)


def _oracle_summary(release: releases.Release, family: str):
    """Over the family's mutated documents: how many fire a fatal rule, a warning, stop the rules
    with an error, and which rules fire (from the oracle's results)."""
    parts = FAMILIES[family][0]
    fired: Counter = Counter()
    fatal_documents = warning_documents = errors = 0
    for m in _mutations(release.name, family):
        if any((release.name, m.id, part) not in _ORACLE_RESULTS for part in parts):  # run alone
            _compare(release, m.id, m.data, parts)
        counts = sum((_ORACLE_RESULTS[(release.name, m.id, part)] for part in parts), Counter())
        rules = [(rule, severity) for rule, severity in counts if not rule.startswith(ENGINE_ERROR)]
        errors += len(rules) < len(counts)
        fired.update(rule for rule, _severity in rules)
        fatal_documents += any(severity == "fatal" for _rule, severity in rules)
        warning_documents += any(severity == "warning" for _rule, severity in rules)
    return fatal_documents, warning_documents, errors, fired


@pytest.mark.parametrize("name", [r.name for r in RELEASES])
def test_the_mutations_are_many_and_fire_rules(name):
    release = releases.find(name)
    for family, (_parts, count, kinds) in FAMILIES.items():
        made = _mutations(name, family)
        assert len(made) == count
        assert len({m.id for m in made}) == len(made) and len({m.data for m in made}) == len(made)
        made_kinds = Counter(m.kind for m in made)
        assert set(made_kinds) == set(kinds) and min(made_kinds.values()) >= 5, (family, made_kinds)
    assert len(_mutations(name, "billing")) >= MIN_MUTATIONS

    fatal, warnings, errors, fired = _oracle_summary(release, "billing")
    made = len(_mutations(name, "billing"))
    assert fatal * 2 >= made, f"only {fatal} of {made} mutated billing documents fire a fatal rule"
    assert warnings >= 15, f"only {warnings} of {made} mutated billing documents fire a warning"
    assert len(fired) >= 75, f"only {len(fired)} distinct rules fired"
    assert errors * 10 <= made, f"{errors} of {made} documents stop the rules with an error"
    for family in ("t111", "t71"):
        fatal, warnings, errors, fired = _oracle_summary(release, family)
        made = len(_mutations(name, family))
        assert fatal * 3 >= made, f"only {fatal} of {made} mutated {family} documents fire a fatal rule"
        assert len(fired) >= 10, f"only {len(fired)} distinct {family} rules fired"
        assert errors * 10 <= made, f"{errors} of {made} {family} documents stop the rules with an error"


def test_the_comparison_catches_miscompilations():
    """The comparison is sharp enough to see plausible compiler defects, each made from our
    compilation of the newest release's CEN rules:

    * rule order reversed: the last rule of a pattern whose context matches handles a node,
      instead of the first (ISO 19757-3); made by reversing the template priorities our
      compiler gives the rules of a pattern (1000 + the rules left in the pattern). Only a few
      nodes are matched by two rules of one pattern (a line's invoice period, BR-30, and the
      document's, BR-29), so a few documents tell;
    * every flag lost: each assertion fatal, warnings included."""
    release = RELEASES[-1]
    compiled = _step(release, "cen").compiled
    rule_priority = re.compile(r'priority="(1[0-9]{3})"')
    assert len(rule_priority.findall(compiled.xslt)) > 100, "the compiler no longer marks rule order this way"
    reversed_order = SchematronRunner(dataclasses.replace(
        compiled, xslt=rule_priority.sub(lambda m: f'priority="{3000 - int(m.group(1))}"', compiled.xslt),
        key=f"test-reversed-{compiled.key}"))
    all_fatal = SchematronRunner(dataclasses.replace(
        compiled, assertions=[dataclasses.replace(a, flag="fatal", role="") for a in compiled.assertions]))
    caught: dict[str, list[str]] = {"reversed rule order": [], "flags lost": []}
    for m in _mutations(release.name):
        node = parse_for_saxon(m.data.decode("utf-8"))
        oracle = _counts(_oracle_fired(release.name, "cen", node))
        assert _counts(_our_fired(_step(release, "cen"), node)) == oracle, m.id
        for defect, runner in (("reversed rule order", reversed_order), ("flags lost", all_fatal)):
            if _counts(_our_fired(runner, node)) != oracle:
                caught[defect].append(m.id)
    assert caught["reversed rule order"], caught
    assert len(caught["flags lost"]) >= 10, caught


def test_the_mutations_are_deterministic():
    name = RELEASES[-1].name
    _mutations.cache_clear()
    first = [(m.id, m.data) for m in _mutations(name)]
    _mutations.cache_clear()
    assert [(m.id, m.data) for m in _mutations(name)] == first


def test_known_differences_name_releases_parts_and_reasons():
    names = {r.name for r in RELEASES}
    for (name, part, rule), reason in KNOWN_DIFFERENCES.items():
        assert name in names and part in ORACLE and rule and len(reason) > 20
