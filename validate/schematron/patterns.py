"""Which nodes can a rule context (an XSLT match pattern) match? Names only, conservatively.

ISO Schematron runs each pattern as one pass over the document: every element (and every
attribute, when a rule of the pattern can match one) is offered to the pattern's rules, the
first that matches fires. Most patterns of the CEN and Peppol rules only ever match a handful
of element names (``cac:InvoiceLine | cac:CreditNoteLine``, ``cbc:EndpointID[@schemeID =
'0088']``): walking all 170,000 nodes of a 10,000-line invoice, once per pattern, to find those
was half the Peppol step's time (issue 15). :func:`candidate_names` reads a match pattern and
says which names the nodes it matches can have, so the compiler can select those nodes instead
(:mod:`validate.schematron.compiler`).

The answer is a superset, or None ("any node; walk them all"). A node a pattern matches is
named by the pattern's *last step* (XSLT 3.0 §5.5: a node matches ``P`` when it is in
``root(.)//(P)``, for a path pattern, so the node is selected by the last step's node test).
So only the last step is read, after predicates are set aside:

* ``prefix:name``, ``child::name``, ``self::name``, ``descendant::name`` (and
  ``descendant-or-self::``): an element of that name;
* ``@name``, ``attribute::name``: an attribute of that name;
* ``/`` alone: the document node;
* ``( ... )``: the names of what is inside; alternatives ``|`` / ``union``: all of theirs.

Anything else (``*``, ``prefix:*``, ``node()``, ``element(...)``, a function call alone,
``intersect``/``except``, a comment) gives None. Names are returned as written (QNames with
the schema's prefixes): the compiler uses them in the same stylesheet, with the same
namespace declarations, as the match patterns they come from.

>>> sorted(candidate_names("cac:InvoiceLine | cac:CreditNoteLine"))
[('element', 'cac:CreditNoteLine'), ('element', 'cac:InvoiceLine')]
>>> sorted(candidate_names("cac:PartyTaxScheme [cbc:ID = 'a/b'] /cbc:CompanyID [starts-with(., 'x|')]"))
[('element', 'cbc:CompanyID')]
>>> sorted(candidate_names("(/ubl:Invoice | /cn:CreditNote)[$country = 'DE']"))
[('element', 'cn:CreditNote'), ('element', 'ubl:Invoice')]
>>> sorted(candidate_names("cbc:EndpointID/@schemeID | /"))
[('attribute', 'schemeID'), ('document',)]
>>> candidate_names("//*[ends-with(name(), 'Amount')]") is None
True
>>> candidate_names("cac:Party/cbc:Name except cac:Party[1]/cbc:Name") is None
True
"""
from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["candidate_names", "outside_predicates"]

_QNAME = r"(?:[A-Za-z_][\w.\-]*:)?[A-Za-z_][\w.\-]*"
_ELEMENT_STEP = re.compile(rf"(?:child::|self::|descendant::|descendant-or-self::)?({_QNAME})")
_ATTRIBUTE_STEP = re.compile(rf"(?:@|attribute::)({_QNAME})")
_OPERATORS = re.compile(r"\||(?<![\w.\-:$])(union|intersect|except)(?![\w.\-:])")

Name = tuple[str, ...]
"""``("element", qname)``, ``("attribute", qname)`` or ``("document",)``."""


def _scan(text: str) -> Iterator[tuple[int, str, int, int]]:
    """(offset, character, predicate depth, depth) of each character outside string literals.

    ``depth`` counts the brackets around the character (``()``, ``[]``, ``{}``), ``predicate
    depth`` the ``[]`` alone; a bracket itself is at the depth outside it. The one reader of
    XPath text in this module: the functions below are views of it."""
    depth = predicates = 0
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
            continue
        if ch in "'\"":
            quote = ch
            continue
        if ch in ")]}":
            depth -= 1
            predicates -= ch == "]"
        yield i, ch, predicates, depth
        if ch in "([{":
            depth += 1
            predicates += ch == "["


def _top_level(text: str) -> Iterator[tuple[int, str]]:
    """(offset, character) of what lies outside brackets and string literals (the outermost
    brackets themselves included)."""
    return ((i, ch) for i, ch, _, depth in _scan(text) if depth == 0)


def outside_predicates(expression: str) -> str:
    """The expression with every predicate (``[...]``) and string literal blanked out: what
    is evaluated with the rule's own context, not a predicate's.

    >>> outside_predicates("a[position() = 1]/@b | c['[x]']")
    'a                /@b | c       '
    """
    out = [" "] * len(expression)
    for i, ch, predicates, _ in _scan(expression):
        if not predicates and ch not in "[]":
            out[i] = ch
    return "".join(out)


def _split_alternatives(pattern: str) -> list[str] | None:
    """The pattern's alternatives (top-level ``|`` and ``union``); None when it uses
    ``intersect`` or ``except`` at the top level."""
    top = dict(_top_level(pattern))
    outside = "".join(top.get(i, " ") for i in range(len(pattern)))
    out, start = [], 0
    for operator in _OPERATORS.finditer(outside):
        if operator.group(1) in ("intersect", "except"):
            return None
        out.append(pattern[start:operator.start()].strip())
        start = operator.end()
    out.append(pattern[start:].strip())
    return out


def _without_predicates(step: str) -> str:
    """The step up to its first top-level ``[`` (its node test, or a parenthesised expression)."""
    for i, ch in _top_level(step):
        if ch == "[":
            return step[:i].strip()
    return step.strip()


def _last_step(path: str) -> str:
    slashes = [i for i, ch in _top_level(path) if ch == "/"]
    return path[slashes[-1] + 1:] if slashes else path


def _closing_paren(text: str) -> int:
    """Offset of the ``)`` closing the ``(`` at offset 0, or -1."""
    return next((i for i, ch in _top_level(text) if ch == ")"), -1)


def candidate_names(pattern: str) -> frozenset[Name] | None:
    """The names a node matched by ``pattern`` can have, or None if it may be any node."""
    if "(:" in pattern:  # an XPath comment: not worth reading around
        return None
    alternatives = _split_alternatives(pattern)
    if alternatives is None:
        return None
    names: set[Name] = set()
    for alternative in alternatives:
        found = _alternative_names(alternative)
        if found is None:
            return None
        names |= found
    return frozenset(names)


def _alternative_names(alternative: str) -> frozenset[Name] | None:
    if alternative == "/":
        return frozenset({("document",)})
    end = _closing_paren(alternative) if alternative.startswith("(") else -1
    if end > 0:
        rest = alternative[end + 1:].strip()
        if not rest or (rest.startswith("[") and not [ch for _, ch in _top_level(rest) if ch == "/"]):
            return candidate_names(alternative[1:end])  # (A | B) or (A | B)[predicate]
    step = _without_predicates(_last_step(alternative))
    if match := _ELEMENT_STEP.fullmatch(step):
        return frozenset({("element", match.group(1))})
    if match := _ATTRIBUTE_STEP.fullmatch(step):
        return frozenset({("attribute", match.group(1))})
    return None
