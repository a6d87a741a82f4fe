"""Compile ISO Schematron (queryBinding xslt2 / xslt3) to an XSLT 3.0 stylesheet.

The mapping follows the processing model of ISO/IEC 19757-3:2016 clause 6:

* each active pattern is one pass over the document, an XSLT mode of its own;
* within a pattern a node is handled by the *first* rule whose context matches it
  (template priorities descend in rule order), then the pass goes on to its children;
* a pattern whose rules can only match a few names (:mod:`.patterns`) is not a walk over
  the whole tree: its pass is given just the nodes of those names, in document order, and
  the same templates pick the first matching rule (same findings, same order; see
  :data:`SELECT_MAX_NAMES`);
* ``let`` at schema, phase and pattern level become global variables (evaluated with the
  document as context); ``let`` in a rule becomes a local variable of the rule's template;
* an ``assert`` fires when its test is false, a ``report`` when it is true;
* messages keep ``value-of`` and ``name``; ``diagnostics`` references are emitted with them;
* foreign XSLT (``xsl:function``, ``xsl:key``, ...) at schema or pattern level is copied
  through to the stylesheet's top level.

The output of the stylesheet is a small XML of our own, one ``<f>`` per fired assertion:
``k`` indexes the static table of assertions kept beside the XSLT (id, flag, role, test),
``l`` is the XPath location of the context node. :mod:`validate.schematron.runner` turns it
into :class:`validate.findings.Finding` objects, and :mod:`validate.report` renders SVRL.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lxml import etree

from fsio import write_atomic

from .loader import SCH, XSL, LoadedSchema, SchematronError, load_schematron
from .patterns import candidate_names, outside_predicates

# Bump when the generated XSLT changes shape: it is part of the disk cache key.
COMPILER_VERSION = "5"  # 4 was the absence guards (reverted): never reuse a number

SELECT_MAX_NAMES = 12
"""A pattern whose rules can match at most this many element or attribute names is run on
those nodes (``descendant::cac:InvoiceLine | ...``) instead of a walk over every node.

Each name is one scan of the tree, which is cheap, but a union of many scans is not: measured
on Saxon-HE 9.9 (JVM, warm) and SaxonC 13.1 with the 2026.5 rules, selecting cut the Peppol
step of a 10,000-line invoice from 465 to 265 ms (10 of its 13 patterns select), and of a
typical invoice from 0.62 to 0.36 ms; doing it for CEN's patterns of 27 and 30 names made
that step slower (525 to 580 ms), so at 12 they keep the walk. ``bench/engines.py``
measures the whole."""

LSSF = "urn:lssinvoice:schematron-functions"
PATTERN_PARAMETER = "lssf:pattern"
"""A global parameter of every compiled stylesheet: 0 (the default) runs all patterns, ``n``
only the n-th (1-based), so that the patterns of one schema can run on threads."""
XS = "http://www.w3.org/2001/XMLSchema"
SUPPORTED_BINDINGS = {"xslt2", "xslt3", "xpath2", "xpath3", "xpath31"}


def _q(local: str) -> str:
    return f"{{{SCH}}}{local}"


def _x(local: str) -> str:
    return f"{{{XSL}}}{local}"


@dataclass(frozen=True)
class AssertionInfo:
    """The static part of one assert or report (what SVRL calls failed-assert/successful-report)."""

    index: int
    rule_id: str
    kind: str  # "assert" | "report"
    flag: str
    role: str
    test: str
    context: str
    pattern: str


@dataclass
class CompiledSchematron:
    """A compiled schema: the XSLT text and the table of its assertions."""

    title: str
    xslt: str
    assertions: list[AssertionInfo]
    key: str
    phase: str = "#ALL"
    patterns: list[str] = field(default_factory=list)
    namespaces: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({
            "title": self.title, "key": self.key, "phase": self.phase,
            "patterns": self.patterns, "namespaces": self.namespaces,
            "assertions": [asdict(a) for a in self.assertions],
        })

    @classmethod
    def from_json(cls, text: str, xslt: str) -> "CompiledSchematron":
        data = json.loads(text)
        return cls(
            title=data["title"], xslt=xslt, key=data["key"], phase=data["phase"],
            patterns=data["patterns"], namespaces=data["namespaces"],
            assertions=[AssertionInfo(**a) for a in data["assertions"]],
        )


# ---------------------------------------------------------------------------------------
# Namespaces and phases


def _namespaces(root: etree._Element) -> dict[str, str]:
    """Prefixes for XPath: every ``sch:ns``, then the schema element's own declarations."""
    ns: dict[str, str] = {}
    for prefix, uri in root.nsmap.items():
        if prefix and uri not in (SCH,):
            ns[prefix] = uri
    for el in root.iter(_q("ns")):
        prefix, uri = el.get("prefix"), el.get("uri")
        if not prefix or uri is None:
            raise SchematronError(f"ns element without prefix or uri (line {el.sourceline})")
        ns[prefix] = uri
    for reserved, uri in (("xsl", XSL), ("lssf", LSSF)):
        if ns.get(reserved, uri) != uri:
            raise SchematronError(f"prefix {reserved!r} is bound to {ns[reserved]!r}; it is reserved")
    ns.pop("xsl", None)
    ns.pop("lssf", None)
    return ns


def _active_patterns(root: etree._Element, phase: str | None) -> tuple[str, list[etree._Element], list[etree._Element]]:
    """The phase actually used, its patterns in schema order, and its phase-level lets."""
    patterns = [p for p in root.iter(_q("pattern")) if p.get("abstract") != "true"]
    # ISO 19757-3 5.4.9: with no phase chosen, the schema's defaultPhase applies.
    name = phase or "#DEFAULT"
    if name == "#DEFAULT":
        name = root.get("defaultPhase") or "#ALL"
    if name == "#ALL":
        return name, patterns, []
    phases = {p.get("id"): p for p in root.iter(_q("phase"))}
    if name not in phases:
        known = ", ".join(sorted(k for k in phases if k)) or "none"
        raise SchematronError(f"phase {name!r} is not defined (phases: {known})")
    active = {a.get("pattern") for a in phases[name].iter(_q("active"))}
    missing = active - {p.get("id") for p in patterns}
    if missing:
        raise SchematronError(f"phase {name!r} activates unknown patterns: {sorted(missing)}")
    lets = list(phases[name].iter(_q("let")))
    return name, [p for p in patterns if p.get("id") in active], lets


# ---------------------------------------------------------------------------------------
# Emitting XSLT


def _variable(let: etree._Element, parent: etree._Element) -> None:
    var = etree.SubElement(parent, _x("variable"), name=let.get("name"))
    if let.get("value") is not None:
        var.set("select", let.get("value"))
    else:  # ISO 2016: the value may be element content
        var.text = let.text
        for child in let:
            var.append(copy.deepcopy(child))


def _message(source: etree._Element, target: etree._Element) -> None:
    """Translate assertion or diagnostic content (text, value-of, name, emph, dir, span)."""
    if source.text:
        etree.SubElement(target, _x("text")).text = source.text
    for child in source:
        if not isinstance(child.tag, str):
            pass
        elif child.tag == _q("value-of"):
            etree.SubElement(target, _x("value-of"), select=child.get("select"))
        elif child.tag == _q("name"):
            path = child.get("path", ".")
            etree.SubElement(target, _x("value-of"), select=f"name({path})")
        elif child.tag in (_q("emph"), _q("dir"), _q("span")):
            _message(child, target)
        elif child.tag.startswith(f"{{{XSL}}}"):
            target.append(copy.deepcopy(child))
        if child.tail:
            etree.SubElement(target, _x("text")).text = child.tail


def _location_function(parent: etree._Element) -> None:
    """``lssf:path($node)``: an XPath such as ``/Invoice/cac:AccountingSupplierParty[1]``.

    Names are written as in the document (its own prefixes), with positions among siblings
    of the same name, the way SVRL ``location`` attributes are usually read by people.
    """
    fn = etree.SubElement(parent, _x("function"), name="lssf:path", **{"as": "xs:string"})
    etree.SubElement(fn, _x("param"), name="n", **{"as": "node()"})
    etree.SubElement(fn, _x("sequence"), select=(
        "if ($n instance of document-node()) then '/' else string-join("
        "for $a in $n/ancestor-or-self::node()[not(self::document-node())] return "
        "if ($a instance of attribute()) then concat('/@', name($a)) "
        "else if ($a instance of element()) then concat('/', name($a), '[', "
        "count($a/preceding-sibling::*[node-name(.) = node-name($a)]) + 1, ']') "
        "else concat('/', if ($a instance of text()) then 'text()' else 'node()'), '')"
    ))


def _visits_attributes(context: str) -> bool:
    """Does a rule context select attribute nodes (outside predicates)?"""
    bare = outside_predicates(context)
    return "@" in bare or "attribute::" in bare


def _assertion(el: etree._Element, info: AssertionInfo, template: etree._Element,
               diagnostics: dict[str, etree._Element]) -> None:
    test = el.get("test")
    cond = f"not({test})" if info.kind == "assert" else test
    iff = etree.SubElement(template, _x("if"), test=cond)
    f = etree.SubElement(iff, "f", k=str(info.index))
    attr = etree.SubElement(f, _x("attribute"), name="l", select="lssf:path(.)")
    attr.tail = None
    m = etree.SubElement(f, "m")
    _message(el, m)
    for ref in (el.get("diagnostics") or "").split():
        if ref not in diagnostics:
            raise SchematronError(f"{info.rule_id or info.test}: unknown diagnostic {ref!r}")
        d = etree.SubElement(f, "d", id=ref)
        _message(diagnostics[ref], d)


def _uses_context_position(rule: etree._Element) -> bool:
    """Whether a rule may depend on how its node was reached: ``position()``/``last()``
    outside a predicate (the node's place among the siblings the walk visits) or XSLT of its
    own (which could apply templates). Such a pattern keeps the walk."""
    if any(isinstance(c.tag, str) and c.tag.startswith(f"{{{XSL}}}") for c in rule.iter()):
        return True
    expressions = [v for el in rule.iter() if isinstance(el.tag, str)
                   for k, v in el.attrib.items() if k in ("test", "value", "select", "path")]
    bare = " ".join(outside_predicates(e) for e in expressions)
    return re.search(r"\b(position|last)\s*\(", bare) is not None


def _selection(rules: list[etree._Element], max_names: int) -> str | None:
    """The nodes a pattern's pass needs to visit, as an XPath from the document node, or None
    when it must walk the whole tree (a rule may match any name, or too many names).

    The walk visits the document node, every element and, when a rule's context names an
    attribute (:func:`_visits_attributes`: an attribute step always does), every attribute;
    the selection is a subset of those that holds every node a rule can match
    (:func:`.patterns.candidate_names`), so the first matching rule of each node is the same,
    and the union keeps document order (attributes after their element, before its children,
    as the walk visits them)."""
    names: set[tuple[str, ...]] = set()
    for rule in rules:
        found = candidate_names(rule.get("context", ""))
        if found is None or _uses_context_position(rule):
            return None
        names |= found
    named = [n for n in names if n[0] != "document"]
    if len(named) > max_names:
        return None
    steps = ["."]
    steps += [f"descendant::{n[1]}" for n in sorted(named) if n[0] == "element"]
    steps += [f"descendant::*/@{n[1]}" for n in sorted(named) if n[0] == "attribute"]
    return " | ".join(steps)


def _pattern(pattern: etree._Element, mode: str, stylesheet: etree._Element,
             table: list[AssertionInfo], diagnostics: dict[str, etree._Element],
             max_names: int = SELECT_MAX_NAMES) -> str:
    """Emit the templates of one pattern; return the ``select`` that starts its pass."""
    rules = [r for r in pattern if r.tag == _q("rule") and r.get("abstract") != "true"]
    pattern_id = pattern.get("id") or pattern.get("name") or mode
    attrs_needed = any(_visits_attributes(r.get("context", "")) for r in rules)
    children = "@*|*" if attrs_needed else "*"
    selection = _selection(rules, max_names)
    for position, rule in enumerate(rules):
        context = rule.get("context")
        if not context:
            raise SchematronError(f"pattern {pattern_id}: rule without context (line {rule.sourceline})")
        tpl = etree.SubElement(stylesheet, _x("template"), match=context, mode=mode,
                               priority=str(len(rules) - position + 1000))
        for child in rule:
            if not isinstance(child.tag, str):
                continue
            if child.tag == _q("let"):
                _variable(child, tpl)
            elif child.tag in (_q("assert"), _q("report")):
                if not child.get("test"):
                    raise SchematronError(f"{child.get('id')}: assert/report without test (line {child.sourceline})")
                info = AssertionInfo(
                    index=len(table), rule_id=child.get("id") or "",
                    kind="assert" if child.tag == _q("assert") else "report",
                    flag=child.get("flag") or rule.get("flag") or "",
                    role=child.get("role") or rule.get("role") or "",
                    test=child.get("test"), context=context, pattern=pattern_id,
                )
                table.append(info)
                _assertion(child, info, tpl, diagnostics)
            elif child.tag.startswith(f"{{{XSL}}}"):
                tpl.append(copy.deepcopy(child))
        if selection is None:
            etree.SubElement(tpl, _x("apply-templates"), select=children, mode=mode)
    etree.SubElement(stylesheet, _x("template"), match="text()", mode=mode, priority="-1")
    if selection is None:
        fallback = etree.SubElement(stylesheet, _x("template"), match="@*|node()", mode=mode, priority="-2")
        etree.SubElement(fallback, _x("apply-templates"), select=children, mode=mode)
    else:
        # Empty, and for the document node too: a selected node no rule matches must not reach
        # XSLT's built-in rules, which would go on to its children (a second visit) or copy text.
        etree.SubElement(stylesheet, _x("template"), match="/|@*|node()", mode=mode, priority="-2")
    return selection or "/"


def compile_schema(loaded: LoadedSchema, phase: str | None = None, key: str = "",
                   select_max_names: int = SELECT_MAX_NAMES) -> CompiledSchematron:
    """Translate a loaded (resolved) schema into XSLT 3.0 for the given phase (default: the
    schema's ``defaultPhase``, else all patterns). ``select_max_names=0`` makes every pattern
    walk the whole tree (the plain ISO model; tests compare the two)."""
    root = loaded.root
    binding = (root.get("queryBinding") or "xslt").lower()
    if binding not in SUPPORTED_BINDINGS:
        raise SchematronError(f"queryBinding {binding!r} is not supported (xslt2 or xslt3 only)")
    ns = _namespaces(root)
    phase_name, patterns, phase_lets = _active_patterns(root, phase)
    diagnostics = {d.get("id"): d for d in root.iter(_q("diagnostic"))}

    nsmap = {"xsl": XSL, "xs": XS, "lssf": LSSF, **ns}
    sheet = etree.Element(_x("stylesheet"), nsmap=nsmap, version="3.0")
    sheet.set("exclude-result-prefixes", "#all")
    etree.SubElement(sheet, _x("output"), method="xml", indent="no", encoding="UTF-8")
    _location_function(sheet)

    # Foreign XSLT at schema and pattern level, copied through (functions, keys, ...).
    for parent in [root, *patterns]:
        for child in parent:
            if isinstance(child.tag, str) and child.tag.startswith(f"{{{XSL}}}"):
                sheet.append(copy.deepcopy(child))

    seen: dict[str, str] = {}
    for scope, lets in [("schema", [c for c in root if c.tag == _q("let")]), ("phase", phase_lets)] + [
        (p.get("id") or f"pattern {i + 1}", [c for c in p if c.tag == _q("let")]) for i, p in enumerate(patterns)
    ]:
        for let in lets:
            name = let.get("name")
            if name in seen:
                raise SchematronError(
                    f"let {name!r} is declared in {seen[name]} and again in {scope}: "
                    "global names must be unique"
                )
            seen[name] = scope
            _variable(let, sheet)

    # One pattern alone when the caller asks (PATTERN_PARAMETER): the engine may run a schema's
    # patterns side by side and join their outputs in pattern order, which is this order.
    etree.SubElement(sheet, _x("param"), name=PATTERN_PARAMETER, select="0", **{"as": "xs:integer"})
    main = etree.SubElement(sheet, _x("template"), match="/")
    out = etree.SubElement(main, "r")
    table: list[AssertionInfo] = []
    pattern_ids = []
    for number, pattern in enumerate(patterns, start=1):
        mode = f"lssf:M{number}"
        start = _pattern(pattern, mode, sheet, table, diagnostics, select_max_names)
        only = etree.SubElement(out, _x("if"), test=f"${PATTERN_PARAMETER} = (0, {number})")
        etree.SubElement(only, _x("apply-templates"), select=start, mode=mode)
        pattern_ids.append(pattern.get("id") or mode)

    title_el = root.find(_q("title"))
    title = " ".join((title_el.text or "").split()) if title_el is not None else ""
    xslt = etree.tostring(sheet, encoding="unicode")
    return CompiledSchematron(title=title, xslt=xslt, assertions=table, key=key,
                              phase=phase_name, patterns=pattern_ids, namespaces=ns)


# ---------------------------------------------------------------------------------------
# Disk cache keyed by the SHA-256 of the sources


def cache_key(sources: list[Path], phase: str | None, extra: str = "") -> str:
    h = hashlib.sha256(f"lssinvoice-schematron-{COMPILER_VERSION}|{phase or '#ALL'}|{extra}".encode())
    for src in sources:
        h.update(b"\0")
        h.update(Path(src).read_bytes())
    return h.hexdigest()


def compile_file(path: str | Path, phase: str | None = None, cache_dir: Path | None = None,
                 resolver=None) -> CompiledSchematron:
    """Compile a ``.sch`` file, reusing ``<cache_dir>/<key>.xsl`` when its sources are unchanged."""
    loaded = load_schematron(path, resolver)
    key = cache_key(loaded.sources, phase)
    if cache_dir is not None:
        xsl, meta = cache_dir / f"{key}.xsl", cache_dir / f"{key}.json"
        if xsl.is_file() and meta.is_file():
            return CompiledSchematron.from_json(meta.read_text("utf-8"), xsl.read_text("utf-8"))
    compiled = compile_schema(loaded, phase, key)
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_dir / f"{key}.xsl", compiled.xslt)
        write_atomic(cache_dir / f"{key}.json", compiled.to_json())
    return compiled
