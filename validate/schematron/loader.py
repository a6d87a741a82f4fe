"""Load an ISO Schematron schema into one resolved tree.

Resolves, in this order (ISO/IEC 19757-3:2016, clauses 5.4.4 and 6.4):

* ``xi:include`` (W3C XInclude, used by the Peppol post-award rules to pull in XSLT
  functions) and ``sch:include`` (replaced by the root element of the referenced file);
* abstract rules: ``sch:extends rule="id"`` is replaced by the abstract rule's content;
* abstract patterns: a ``sch:pattern is-a="id"`` becomes a copy of the abstract pattern with
  every ``$param`` in its attribute values replaced by the parameter's value (longest name
  first, so ``$BR-10`` is never mistaken for ``$BR-1``).

Only local files are read, relative to the including file; the official files are parsed with
the same network-free, entity-free parser settings as documents.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable  # noqa: F401  (used in the Resolver alias)

from lxml import etree

SCH = "http://purl.oclc.org/dsdl/schematron"
XI = "http://www.w3.org/2001/XInclude"
XSL = "http://www.w3.org/1999/XSL/Transform"
NSMAP = {"sch": SCH, "xi": XI, "xsl": XSL}

# Includes deeper than this are a loop or a mistake.
MAX_INCLUDE_DEPTH = 16


class SchematronError(Exception):
    """The schema cannot be loaded or compiled; the message names file and construct."""


def _q(local: str) -> str:
    return f"{{{SCH}}}{local}"


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
    remove_pis=True, huge_tree=False,
)


@dataclass
class LoadedSchema:
    """A schema with includes, abstract rules and abstract patterns resolved."""

    root: etree._Element
    sources: list[Path] = field(default_factory=list)


def _parse(path: Path) -> etree._Element:
    try:
        tree = etree.parse(str(path), _PARSER)
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchematronError(f"cannot read Schematron file {path}: {exc}") from exc
    if tree.docinfo.doctype:
        raise SchematronError(f"{path}: a DOCTYPE is not allowed in a rule file")
    return tree.getroot()


Resolver = "Callable[[str, Path], Path | None]"


def _target(href: str, base: Path, resolver) -> Path:
    if resolver is not None:
        found = resolver(href, base)
        if found is not None:
            return Path(found)
    if "#" in href or "://" in href or ":" in href.split("/")[0]:
        raise SchematronError(f"{base}: include href {href!r} must be a local file path")
    return (base.parent / href).resolve()


def _resolve_includes(elem: etree._Element, base: Path, sources: list[Path], depth: int,
                      resolver=None) -> None:
    if depth > MAX_INCLUDE_DEPTH:
        raise SchematronError(f"{base}: includes nested deeper than {MAX_INCLUDE_DEPTH}")
    for inc in list(elem.iter(_q("include"), f"{{{XI}}}include")):
        href = inc.get("href")
        if not href:
            raise SchematronError(f"{base}: include without href (line {inc.sourceline})")
        target = _target(href, base, resolver)
        if not target.is_file():
            raise SchematronError(
                f"{base}: include {href!r} (line {inc.sourceline}) names a missing file {target}"
            )
        sources.append(target)
        included = _parse(target)
        _resolve_includes(included, target, sources, depth + 1, resolver)
        parent = inc.getparent()
        if parent is None:
            raise SchematronError(f"{base}: the root element cannot be an include")
        # Keep the included element's tail/position; drop the include's own tail text.
        included.tail = inc.tail
        parent.replace(inc, included)


def _expand_abstract_rules(root: etree._Element) -> None:
    """Replace each ``extends rule="id"`` by the content of the abstract rule ``id``."""
    abstract = {r.get("id"): r for r in root.iter(_q("rule")) if r.get("abstract") == "true"}
    for ext in list(root.iter(_q("extends"))):
        rid = ext.get("rule")
        if rid is None:
            raise SchematronError(
                f"extends without rule= (line {ext.sourceline}); extends href is not supported"
            )
        if rid not in abstract:
            raise SchematronError(f"extends names an unknown abstract rule {rid!r} (line {ext.sourceline})")
        parent = ext.getparent()
        index = parent.index(ext)
        parent.remove(ext)
        for offset, child in enumerate(c for c in abstract[rid] if isinstance(c.tag, str)):
            parent.insert(index + offset, copy.deepcopy(child))
    for rule in abstract.values():
        rule.getparent().remove(rule)


def substitute_params(text: str, params: list[tuple[str, str]]) -> str:
    """Replace ``$name`` by value for each param, longest names first (ISO 19757-3 6.4)."""
    for name, value in params:
        text = text.replace("$" + name, value)
    return text


def _instantiate(abstract: etree._Element, instance: etree._Element) -> etree._Element:
    params = [(p.get("name"), p.get("value", "")) for p in instance.iter(_q("param"))]
    params.sort(key=lambda p: len(p[0]), reverse=True)
    result = copy.deepcopy(abstract)
    for attr in ("abstract",):
        result.attrib.pop(attr, None)
    for key in ("id",):
        if instance.get(key) is not None:
            result.set(key, instance.get(key))
        else:
            result.attrib.pop(key, None)
    for el in result.iter():
        if not isinstance(el.tag, str):
            continue
        for key, value in el.attrib.items():
            if "$" in value:
                el.set(key, substitute_params(value, params))
    result.tail = instance.tail
    return result


def _expand_abstract_patterns(root: etree._Element) -> None:
    abstract = {p.get("id"): p for p in root.iter(_q("pattern")) if p.get("abstract") == "true"}
    for inst in [p for p in root.iter(_q("pattern")) if p.get("is-a")]:
        ref = inst.get("is-a")
        if ref not in abstract:
            raise SchematronError(f"pattern is-a={ref!r} names no abstract pattern (line {inst.sourceline})")
        inst.getparent().replace(inst, _instantiate(abstract[ref], inst))
    for pat in abstract.values():
        pat.getparent().remove(pat)


def load_schematron(path: str | Path, resolver=None) -> LoadedSchema:
    """Read a Schematron file and resolve includes and abstractions into one tree.

    ``resolver(href, including_file)`` may map an href to a file (e.g. the ``artefact:``
    scheme of our own composed rule sets); when it returns None the href is a path relative
    to the including file.
    """
    path = Path(path).resolve()
    root = _parse(path)
    if root.tag != _q("schema"):
        raise SchematronError(f"{path}: root element is {root.tag}, not an ISO Schematron schema")
    sources = [path]
    _resolve_includes(root, path, sources, 0, resolver)
    _expand_abstract_rules(root)
    _expand_abstract_patterns(root)
    return LoadedSchema(root=root, sources=sources)


def load_schematron_text(text: str | bytes, base: str | Path = ".", resolver=None) -> LoadedSchema:
    """Like :func:`load_schematron` for a schema held in memory (used by tests and rule sets
    of our own); includes resolve against ``base`` (a file path whose folder is used)."""
    data = text.encode() if isinstance(text, str) else text
    root = etree.fromstring(data, _PARSER)
    base = Path(base).resolve()
    sources: list[Path] = []
    _resolve_includes(root, base, sources, 0, resolver)
    _expand_abstract_rules(root)
    _expand_abstract_patterns(root)
    return LoadedSchema(root=root, sources=sources)
