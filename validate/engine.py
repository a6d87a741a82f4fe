"""The validation engine: parse → detect → rule set → XSD → each Schematron.

A :class:`Validator` validates bytes or files with the rule set chosen by document type (or
one named explicitly) and returns a :class:`~validate.findings.ValidationResult` with a
step per phase and timings. Bad input never raises: a refusal by the hardened parser or by
document detection is a fatal finding of the result.

Documents wrapped in the Peppol envelope (SBDH) get an ``envelope`` step first: the checks of
:mod:`validate.envelope`, the same as ``peppol.sbdh.unwrap`` on the ingest side, each failure
a fatal ``LSS-SBDH-*`` finding. Then their payload, the one element beside the
``StandardBusinessDocumentHeader``, is validated (as phive does for SBDH input).
"""
from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from datetime import date
from pathlib import Path

from lxml import etree

from schemas.artefacts import ArtefactError

from . import envelope, releases, rulesets
from .detect import UnknownDocument, detect
from .findings import ENGINE_ERRORS, Finding, OtherVerdict, Severity, StepResult, ValidationResult
from .schematron.engines import current as current_engine
from .schematron.engines import freeze_start_up_objects
from .schematron.runner import parse_bytes_for_saxon, parse_for_saxon
from .xmlsafe import Limits, XmlRefused, check_bytes, parse_checked, read_capped
from .xsd import XsdLoadError, validate_xsd

NO_RULESET = "LSS-DOC-011"
WRONG_RULESET = "LSS-DOC-012"
RULES_BROKEN = "LSS-SCH-002"
ARTEFACT_MISSING = "LSS-ENG-001"
"""An artefact (the rules of a step) is missing or does not match the manifest: an engine
error, never a verdict on the document."""
ENGINE_REFUSED = "LSS-SCH-003"
"""The Schematron engine (SaxonC, or Saxon-HE on the JVM; the message names it) could not parse
the document the hardened parser accepted: one of its JDK parser limits that we do not raise
(a name above 1,000 characters), or any other failure. The Schematron steps are then reported
as skipped; the result is not valid."""
ENVELOPE_STEP = envelope.STEP
"""The step name of the SBDH envelope checks ("envelope"); their rule ids start with
``envelope.RULE_PREFIX`` ("LSS-SBDH-")."""


def _verdict(ruleset: rulesets.RuleSet, steps: list[StepResult]) -> OtherVerdict:
    fatal = [f for s in steps for f in s.findings if f.is_fatal]
    return OtherVerdict(ruleset.id, ruleset.release, not fatal and not any(s.skipped for s in steps),
                        tuple(sorted({f.rule_id for f in fatal})),
                        any(f.rule_id in ENGINE_ERRORS for f in fatal))


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def _whole_utf8(tree: etree._ElementTree, root: etree._Element) -> bool:
    """Whether ``root`` is the whole document, read from UTF-8 bytes."""
    return root is tree.getroot() and (tree.docinfo.encoding or "UTF-8").upper() in ("UTF-8", "UTF8")


def _saxon_text(data: bytes, tree: etree._ElementTree, root: etree._Element) -> str:
    """The text handed to Saxon: the bytes as they came when they are the whole UTF-8
    document (no re-serialisation), otherwise the element serialised by lxml."""
    if _whole_utf8(tree, root):
        return data.decode("utf-8-sig")
    return etree.tostring(root, encoding="unicode")


OVERLAP_MIN_CHARACTERS = 512 * 1024
"""A document at least this long is validated on threads when the engine runs in parallel (the
JVM engine: JPype releases the GIL in Java calls): Saxon's parse beside the XSD, then the
Schematron steps side by side. For one large invoice that is latency saved (issue 15: a
10,000-line invoice is 9.5 MB); a typical invoice of 10 KB would only pay the handovers."""

TREES = min(4, max(2, os.cpu_count() or 2))
"""Threads for one document, and Saxon trees of it: one tree per thread. Saxon-HE 9.9's tree
is not safe for two transforms at once: the per-name element lists it builds on first use
(``TinyDocumentImpl.getAllElements``, behind every ``//name`` from the document node) are a
plain hash map, and two threads filling it failed with an ArrayIndexOutOfBoundsException in
the bench. So each task takes a tree of its own from the document's trees and gives it back;
the copies are parsed side by side while libxml2 parses (on this 2-core machine, about 110
ms each for a 10,000-line invoice, within libxml2's 210)."""

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=TREES, thread_name_prefix="validate")
        return _POOL


def _parse_trees(parse: Callable[[object], object], source: str | bytes) -> list[Future]:
    """:data:`TREES` parses of ``source`` on the pool, one tree for each of its threads."""
    return [_pool().submit(parse, source) for _ in range(TREES)]


def _drop(early: list[Future] | None) -> None:
    """Early parses no one will read: those not started yet are not started at all (a run of
    large documents the hardened parser refuses must not queue up parses)."""
    for future in early or ():
        future.cancel()


def overlapping(characters: int) -> bool:
    """Whether a document of this length is validated on threads (:data:`OVERLAP_MIN_CHARACTERS`)."""
    return characters >= OVERLAP_MIN_CHARACTERS and current_engine().parallel


class Validator:
    """Validates documents with the rules in force on their reference date, or fixed rules.

    * ``ruleset``: a rule-set id; only it judges (``lssinvoice validate --ruleset``);
    * ``release``: an OpenPeppol release (``3.0.20``, ``2025.11``); its rule set for the
      document's kind judges (``--rules``);
    * otherwise the releases accepted on the reference date (``at``, per call or for the
      validator; default today) judge: a document is valid if it passes any of them
      (:func:`validate.releases.select`), and the result names the one that judged it and
      what the others say (``result.others``).

    ``extra`` rule sets (a municipality's own rules) run after the judging rule set, for the
    document kinds they name. A document that fails the UBL XSD is not run through the
    Schematron steps (their results would be meaningless, as phive does); they are reported
    skipped with the reason, unless ``all_steps``.
    """

    def __init__(self, ruleset: str | None = None, *, release: str | None = None, at: date | None = None,
                 limits: Limits | None = None, xsd: bool = True, all_steps: bool = False,
                 extra: Iterable[rulesets.RuleSet] = ()):
        self.fixed = rulesets.get(ruleset) if ruleset else None
        self.release = releases.find(release) if release else None
        self.at = at
        self.limits = limits or Limits()
        self.xsd = xsd
        self.all_steps = all_steps
        self.extra = tuple(extra)

    def candidates(self, kind: str, at: date | None = None) -> list[rulesets.RuleSet]:
        """The rule sets that may judge a document of ``kind``, the primary one first."""
        if self.fixed:
            return [self.fixed]
        if self.release:
            found = rulesets.for_release(self.release, kind)
            return [found] if found else []
        return rulesets.accepted_for(kind, self._at(at))

    def _at(self, at: date | None) -> date:
        return at or self.at or date.today()

    def warm(self, kinds: Iterable[str] = ("invoice", "creditnote")) -> None:
        """Compile the primary rule set of the given kinds (a worker does this once at start);
        other releases compile on first use."""
        for kind in kinds:
            found = self.candidates(kind)
            for rs in found[:1] + [x for x in self.extra if kind in x.document_kinds]:
                for step in rs.schematrons:
                    rulesets.runner(rs, step)

    def validate_path(self, path: str | os.PathLike, at: date | None = None) -> ValidationResult:
        source = str(path)
        start = time.perf_counter()
        try:
            data = read_capped(path, self.limits)
        except XmlRefused as refused:
            return self._refused(source, refused.finding, _ms(start))
        return self.validate_bytes(data, source, at=at)

    def validate_bytes(self, data: bytes, source: str = "", at: date | None = None) -> ValidationResult:
        start = time.perf_counter()
        early = None
        try:
            data = check_bytes(data, source=source, limits=self.limits)
            early = self._early_saxon_parse(data)
            tree = parse_checked(data, source=source, limits=self.limits)
        except XmlRefused as refused:
            _drop(early)
            return self._refused(source, refused.finding, _ms(start))
        return self.validate_parsed(data, tree, source, start, at=at, early=early)

    @staticmethod
    def _early_saxon_parse(data: bytes) -> list[Future] | None:
        """Saxon's parses of a large document, started beside libxml2's (:func:`overlapping`,
        :data:`TREES`).

        Called after the byte checks (size, DOCTYPE, start tags) have passed; only for what
        looks like a whole UTF-8 document: the tree is used when the hardened parse accepts the
        document and the engine would be given these very bytes (:func:`_saxon_text`), else it
        is dropped. Saxon's JDK parser refuses a DOCTYPE on its own."""
        if not overlapping(len(data)) or data[:2] in (b"\xfe\xff", b"\xff\xfe") or b"\x00" in data[:4]:
            return None
        if b"StandardBusinessDocument" in data[:2048]:  # an envelope: its payload is what Saxon reads
            return None
        return _parse_trees(parse_bytes_for_saxon, data)

    def validate_parsed(self, data: bytes, tree: etree._ElementTree, source: str = "",
                        start: float | None = None, at: date | None = None,
                        early: list[Future] | None = None) -> ValidationResult:
        """Validate a document the caller already parsed with :func:`validate.xmlsafe.parse_xml`
        (``data`` are the bytes it was parsed from), sparing a second parse. ``early`` are
        Saxon's parses of the same bytes, already started (:meth:`validate_bytes`)."""
        start = time.perf_counter() if start is None else start
        result = ValidationResult(source=source)
        parse_step = StepResult("parse")
        result.steps.append(parse_step)
        env_ms = 0.0

        def parse_done() -> ValidationResult:
            parse_step.millis = _ms(start) - env_ms
            return result

        root = tree.getroot()
        try:
            # Not strict: a wrong CustomizationID of an invoice is for the rules to report
            # (BR-01, PEPPOL-EN16931-R004), with their own ids, not a refusal before them.
            doctype = detect(tree, strict=False)
            if doctype.kind == "sbdh":
                t = time.perf_counter()
                env_step = StepResult(ENVELOPE_STEP, envelope.check_envelope(root))
                found = envelope.payloads(root)
                env_step.millis = env_ms = _ms(t)
                result.steps.append(env_step)
                # A broken envelope is invalid by its own findings, and its payload is still
                # validated when there is exactly one: the sender learns in one round what is
                # wrong with the envelope and with the document (a Message Level Response can
                # carry both), and a receiver still decides on the envelope findings alone
                # (ingest: "broken-sbdh"). With no payload, or several, there is no one
                # document to validate (taking the first was how two payloads passed before).
                if len(found) != 1:
                    return parse_done()
                root = found[0]
                doctype = detect(etree.ElementTree(root), strict=False)
        except UnknownDocument as unknown:
            parse_step.findings.append(unknown.finding)
            return parse_done()
        result.document_type = doctype.kind
        candidates = self.candidates(doctype.kind, at)
        if not candidates:
            parse_step.findings.append(Finding(NO_RULESET, Severity.FATAL,
                                               f"no rule set validates documents of kind {doctype.kind!r}", step="parse"))
            return parse_done()
        primary = candidates[0]
        if doctype.kind not in primary.document_kinds:
            parse_step.findings.append(Finding(
                WRONG_RULESET, Severity.FATAL,
                f"rule set {primary.id} validates {', '.join(primary.document_kinds)}, not {doctype.kind}",
                step="parse"))
            return parse_done()
        if not (self.fixed or self.release):
            selection = releases.select(self._at(at))
            result.reference_date = selection.at.isoformat()
            result.note = selection.note
        result.ruleset, result.release = primary.id, primary.release
        parallel = overlapping(len(data))
        if early is not None and _whole_utf8(tree, root):
            pending = early
        else:
            _drop(early)
            text = _saxon_text(data, tree, root)
            pending = _parse_trees(parse_for_saxon, text) if parallel else None
        if pending is None:
            trees = self._saxon_trees(lambda: [parse_for_saxon(text)], parse_step, source, primary)
            parse_done()

        xsd_failed: list[str] = []
        if self.xsd and primary.xsd:
            t = time.perf_counter()
            xsd_tree = tree if root is tree.getroot() else etree.ElementTree(root)
            try:
                findings = validate_xsd(xsd_tree, doctype.kind)
            except (ArtefactError, XsdLoadError) as exc:  # the schema itself: no verdict on the document
                findings = [Finding(ARTEFACT_MISSING, Severity.FATAL, f"the UBL 2.1 XSD could not be loaded: {exc}",
                                    ruleset=primary.id, step="xsd")]
            result.steps.append(StepResult("xsd", [self._tag(f, primary.id) for f in findings], _ms(t)))
            xsd_failed = [f.rule_id for f in findings if f.is_fatal]
        if pending is not None:
            trees = self._saxon_trees(lambda: [f.result() for f in pending], parse_step, source, primary)
            parse_done()

        skip = "" if trees else f"not run: see {ENGINE_REFUSED}"
        if xsd_failed and not skip and not self.all_steps:
            skip = (f"not run: the document fails the UBL 2.1 XSD ({len(xsd_failed)} fatal finding(s)), "
                    "so the business rules would judge a document of unknown structure")

        extra = [rs for rs in self.extra if doctype.kind in rs.document_kinds]
        per_set = self._schematron(candidates + extra, trees, skip, parallel)
        runs = list(zip(candidates, per_set))
        judge, steps = self._judge(runs)
        result.ruleset, result.release = judge.id, judge.release
        result.steps.extend(steps)
        result.others = [_verdict(rs, other) for rs, other in runs if rs is not judge]
        for more in per_set[len(candidates):]:
            result.steps.extend(more)
        return result

    @staticmethod
    def _saxon_trees(parse: Callable[[], list], parse_step: StepResult, source: str,
                     primary: rulesets.RuleSet) -> list:
        """The engine's trees of the document (one, or one per thread), or none with an
        ``ENGINE_REFUSED`` finding."""
        try:
            return parse()
        except Exception as exc:  # PySaxonApiError, or anything else the engine raises
            parse_step.findings.append(Finding(
                ENGINE_REFUSED, Severity.FATAL,
                f"{source or 'document'}: the Schematron engine ({current_engine().title}) could not read the "
                f"document, so its rules were not run: {' '.join(str(exc).split())}", ruleset=primary.id,
                step="parse"))
            return []

    @staticmethod
    def _judge(runs: list[tuple[rulesets.RuleSet, list[StepResult]]]) -> tuple[rulesets.RuleSet, list[StepResult]]:
        """The run that judges: an engine error wins (never hidden behind another release's
        verdict), then the newest release the document passes, then the primary."""
        for rs, steps in runs:
            if any(f.rule_id in ENGINE_ERRORS for s in steps for f in s.findings):
                return rs, steps
        for rs, steps in runs:
            if not any(f.is_fatal for s in steps for f in s.findings):
                return rs, steps
        return runs[0]

    @classmethod
    def _schematron(cls, sets: list[rulesets.RuleSet], trees: list, skip: str, parallel: bool) -> list[list[StepResult]]:
        """The Schematron steps of each rule set, in order; their patterns on threads when
        ``parallel`` (:meth:`_steps_on_threads`)."""
        jobs = [(rs, step) for rs in sets for step in rs.schematrons]
        if skip:
            done = [StepResult(step.name, skipped=True, reason=skip) for _, step in jobs]
        elif parallel:
            done = cls._steps_on_threads(jobs, trees)
        else:
            done = [cls._step(rs, step, trees[0]) for rs, step in jobs]
        out, at = [], 0
        for rs in sets:
            out.append(done[at:at + len(rs.schematrons)])
            at += len(rs.schematrons)
        return out

    @staticmethod
    def _runner(ruleset: rulesets.RuleSet, step) -> tuple[object | None, list[Finding]]:
        """The step's compiled rules, or the engine-error finding that says why there are none."""
        try:
            return rulesets.runner(ruleset, step), []
        except rulesets.SchematronError as exc:
            return None, [Finding(RULES_BROKEN, Severity.FATAL, str(exc), ruleset=ruleset.id, step=step.name)]
        except ArtefactError as exc:
            return None, [Finding(ARTEFACT_MISSING, Severity.FATAL, f"the rules of {step.name} are not "
                                  f"installed as the manifest pins them: {exc}", ruleset=ruleset.id, step=step.name)]

    @classmethod
    def _step(cls, ruleset: rulesets.RuleSet, step, node) -> StepResult:
        t = time.perf_counter()
        runner, findings = cls._runner(ruleset, step)
        if runner is not None:
            findings = runner.run(node)
        return StepResult(step.name, findings, _ms(t))

    @classmethod
    def _steps_on_threads(cls, jobs: list, trees: list) -> list[StepResult]:
        """Every pattern of every step as its own task on the pool, in step order: a
        step's findings are its patterns' joined in pattern order (what one run of the whole
        stylesheet writes). When a pattern's rules fail (``LSS-SCH-001``), the step holds that
        one finding, of the first such pattern, as a whole run would. A step's time is the sum
        of its patterns'. A task has a tree to itself while it runs (:data:`TREES`)."""
        runners = [cls._runner(rs, step) for rs, step in jobs]
        parts = [(i, n) for i, (runner, _) in enumerate(runners) if runner is not None
                 for n in range(1, len(runner.compiled.patterns) + 1)]

        free = queue.SimpleQueue()
        for tree in trees:
            free.put(tree)

        def run(part):
            t = time.perf_counter()
            tree = free.get()
            try:
                found = runners[part[0]][0].run(tree, part[1])
            finally:
                free.put(tree)
            return part[0], found, _ms(t)

        per_step: dict[int, list] = {i: [] for i in range(len(jobs))}
        for i, found, millis in _pool().map(run, parts):
            per_step[i].append((found, millis))
        out = []
        for i, (_, step) in enumerate(jobs):
            failed = [found for found, _ in per_step[i] if any(f.rule_id in ENGINE_ERRORS for f in found)]
            findings = failed[0] if failed else [f for found, _ in per_step[i] for f in found]
            out.append(StepResult(step.name, runners[i][1] or findings, sum(ms for _, ms in per_step[i])))
        return out

    @staticmethod
    def _tag(finding: Finding, ruleset: str) -> Finding:
        if finding.ruleset:
            return finding
        return Finding(finding.rule_id, finding.severity, finding.message, finding.location,
                       ruleset, finding.step or "xsd", finding.test)

    @staticmethod
    def _refused(source: str, finding: Finding, millis: float) -> ValidationResult:
        return ValidationResult(source=source, steps=[StepResult("parse", [finding], millis)])


# ---------------------------------------------------------------------------------------
# Many files, in worker processes


def collect_paths(inputs: Iterable[str | os.PathLike]) -> tuple[list[Path], list[str]]:
    """Files to validate (folders searched recursively for ``*.xml``) and inputs that do not
    exist (a usage problem the CLI reports with exit code 2)."""
    files: list[Path] = []
    missing: list[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".xml"))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(str(item))
    return files, missing


_WORKER: Validator | None = None


def _init_worker(options: dict) -> None:
    global _WORKER
    _WORKER = Validator(**options)
    _WORKER.warm()
    freeze_start_up_objects()


def _work(path: str) -> ValidationResult:
    assert _WORKER is not None
    return _WORKER.validate_path(path)


def validate_many(paths: list[Path], *, jobs: int = 1, ruleset: str | None = None, release: str | None = None,
                  at: date | None = None, xsd: bool = True, all_steps: bool = False,
                  limits: Limits | None = None,
                  progress: Callable[[ValidationResult], None] | None = None) -> Iterator[ValidationResult]:
    """Validate files in order, in ``jobs`` worker processes (spawned: Saxon is not fork-safe).
    The options are :class:`Validator`'s; ``at`` defaults to today, fixed for the whole run."""
    limits = limits or Limits()
    options = dict(ruleset=ruleset, release=release, at=at or date.today(), xsd=xsd, all_steps=all_steps,
                   limits=limits)
    if jobs <= 1 or len(paths) <= 1:
        validator = Validator(**options)
        if len(paths) > 1:
            # A batch: this process is the worker. Not warmed first, as the worker processes
            # are: rules that cannot be compiled must give each file its finding (LSS-ENG-001).
            freeze_start_up_objects()
        for path in paths:
            result = validator.validate_path(path)
            if progress:
                progress(result)
            yield result
        return
    ctx = get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(options,)) as pool:
        chunk = max(1, min(64, len(paths) // (jobs * 8) or 1))
        for result in pool.map(_work, [str(p) for p in paths], chunksize=chunk):
            if progress:
                progress(result)
            yield result
