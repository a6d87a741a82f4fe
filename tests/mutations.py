"""Deterministic mutations of official examples: invoices and credit notes, and responses.

Used by tests/test_oracle_differential.py to feed both Schematron compilers documents that
break the rules in many ways. Nothing is stored: every mutated document is made here, from an
official example, by a seeded :class:`random.Random` (no hypothesis), so the same seed always
gives the same documents with the same ids.

Kinds of mutation (``KINDS``), each a small edit of the parsed example (lxml):

* ``amount``: a line amount, a total, a tax amount or another amount made wrong (off by a
  little or a lot), negative, zero, with many decimals, or in an unusual decimal notation;
* ``date``: a date made impossible (``2024-02-30``), written in a wrong format, or a due date
  (end date) put before the issue date (start date);
* ``code``: a currency, VAT category, unit, country, invoice/credit-note type, EAS (endpoint
  scheme), payment means or tax scheme code set to an invalid (or another) value;
* ``identifier``: an endpoint id, party id, legal or VAT number replaced by a number of a
  scheme the Peppol rules check (GLN, Swedish, Norwegian and Belgian numbers with a check
  digit that is mostly wrong; Danish, Australian, Italian, Dutch ... numbers of a wrong
  length or form), or a Swedish supplier with malformed numbers;
* ``remove``: an element removed (a child of the root, or any element);
* ``duplicate``: an element repeated right after itself;
* ``line``: an invoice or credit-note line removed or duplicated (with the same or a new ID);
* ``insert``: an element or attribute UBL allows but Peppol does not use (``cbc:UUID``,
  ``cbc:IssueTime``, ``@schemeName``, ``@languageID``, a full card number ...), which the CEN
  rules answer with warnings (UBL-CR-*, UBL-DT-*, BR-51), so that warnings are compared too.

The kinds that apply to an Invoice Response (T111) or a Message Level Response (T71) are
``RESPONSE_KINDS`` (codes there include response, status reason and document type codes).

Each mutation has a short readable id, ``<example>:<kind>:<what>``, e.g.
``Vat-category-S.xml:remove:cac:TaxTotal`` or
``base-example.xml:amount:cac:LegalMonetaryTotal/cbc:PayableAmount=-1656.25``; identifier
values are never part of an id. No generated value looks like a personnummer (each is checked
with tests.personal_data.scan).
"""
from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from lxml import etree

from tests.personal_data import scan
from validate.xmlsafe import parse_xml

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS = {"cbc": CBC, "cac": CAC}
PREFIX = {CBC: "cbc", CAC: "cac"}

KINDS = ("amount", "date", "code", "identifier", "remove", "duplicate", "line", "insert")
RESPONSE_KINDS = ("date", "code", "identifier", "remove", "duplicate", "insert")
"""The kinds that apply to an Invoice Response (T111) or a Message Level Response (T71)."""


@dataclass(frozen=True)
class Mutation:
    id: str
    kind: str
    example: str
    data: bytes


class _Skip(Exception):
    """This mutation does not apply to this document (e.g. no due date to move)."""


# --- helpers ---------------------------------------------------------------------------------

def _name(el: etree._Element) -> str:
    q = etree.QName(el)
    prefix = PREFIX.get(q.namespace)
    return f"{prefix}:{q.localname}" if prefix else q.localname


def _path(el: etree._Element) -> str:
    """``cac:InvoiceLine[2]/cbc:LineExtensionAmount``: the path below the root, with a position
    where an element has siblings of the same name."""
    parts = []
    while el.getparent() is not None:
        parent = el.getparent()
        same = [c for c in parent if c.tag == el.tag]
        part = _name(el)
        if len(same) > 1:
            part += f"[{same.index(el) + 1}]"
        parts.append(part)
        el = parent
    return "/".join(reversed(parts))


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str) and e is not root]


def _pick(rng: random.Random, items: list):
    if not items:
        raise _Skip()
    return items[rng.randrange(len(items))]


def _set_text(el: etree._Element, value: str) -> None:
    for child in list(el):
        el.remove(child)
    el.text = value


def _decimal(text: str | None) -> Decimal:
    try:
        return Decimal((text or "").strip())
    except InvalidOperation:
        return Decimal(100)


def _lines(root: etree._Element) -> list[etree._Element]:
    return root.findall("cac:InvoiceLine", NS) + root.findall("cac:CreditNoteLine", NS)


# --- amounts ---------------------------------------------------------------------------------

def _amount_value(rng: random.Random, old: Decimal) -> tuple[str, str]:
    """A new amount and the word for it."""
    choice = rng.randrange(7)
    if choice == 0:
        delta = Decimal(rng.choice(["0.01", "0.02", "0.03", "0.5", "1", "10"]))
        return str(old + delta if rng.random() < 0.5 else old - delta), "off"
    if choice == 1:
        return str(-(abs(old) or Decimal(1))), "negative"
    if choice == 2:
        return f"{old:.2f}" + rng.choice(["1", "49", "001", "5"]), "decimals"
    if choice == 3:
        return "0", "zero"
    if choice == 4:
        return str(old * rng.choice([10, 100, 1000]) + rng.randrange(1, 9)), "large"
    if choice == 5:
        sign, digits = ("-" if old < 0 else ""), str(abs(old))
        return rng.choice([f"+{digits}" if not sign else f"-0{digits}", f"{sign}00{digits}",
                           f"{sign}{digits}.0" if "." not in digits else f"{sign}{digits}0"]), "notation"
    return str(Decimal(rng.randrange(1, 100000)) / 100), "other"


def mutate_amount(root, rng):
    lines = [e for line in _lines(root) for e in line.iter(f"{{{CBC}}}*") if e.get("currencyID") is not None]
    totals = list(root.findall("cac:LegalMonetaryTotal/*", NS))
    taxes = [e for tt in root.findall("cac:TaxTotal", NS) for e in tt.iter(f"{{{CBC}}}TaxAmount", f"{{{CBC}}}TaxableAmount")]
    other = [e for e in root.iter(f"{{{CBC}}}*") if e.get("currencyID") is not None
             and e not in lines and e not in totals and e not in taxes]
    other += [e for e in root.iter(f"{{{CBC}}}Percent", f"{{{CBC}}}InvoicedQuantity",
                                   f"{{{CBC}}}CreditedQuantity", f"{{{CBC}}}BaseQuantity", f"{{{CBC}}}MultiplierFactorNumeric")]
    group = _pick(rng, [g for g in (lines, totals, taxes, other) if g])
    el = _pick(rng, group)
    value, _word = _amount_value(rng, _decimal(el.text))
    if value == (el.text or "").strip():
        raise _Skip()
    _set_text(el, value)
    return f"{_path(el)}={value}"


# --- dates -----------------------------------------------------------------------------------

IMPOSSIBLE_DATES = ["2024-02-30", "2023-02-29", "2025-13-01", "2025-04-31", "2025-00-10", "2025-06-00", "0000-01-01"]
WRONG_FORMATS = ["20250115", "15.01.2025", "2025/01/15", "2025-1-5", "2025-01-15T10:00:00", "15 Jan 2025",
                 "2025-01-15Z", "2025-01-15+01:00", " 2025-01-15 ", "25-01-15", ""]


def _as_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def mutate_date(root, rng):
    dates = [e for e in root.iter(f"{{{CBC}}}*") if etree.QName(e).localname.endswith("Date")]
    choice = rng.randrange(3)
    if choice == 2:
        # A due date (or an end date) before the issue date (or the start date).
        pairs = []
        issue = root.find("cbc:IssueDate", NS)
        for due in [root.find("cbc:DueDate", NS), *root.iter(f"{{{CBC}}}PaymentDueDate")]:
            if due is not None and issue is not None:
                pairs.append((issue, due))
        for period in root.iter(f"{{{CAC}}}InvoicePeriod"):
            start, end = period.find("cbc:StartDate", NS), period.find("cbc:EndDate", NS)
            if start is not None and end is not None:
                pairs.append((start, end))
        first, later = _pick(rng, pairs)
        base = _as_date(first.text)
        if base is None:
            raise _Skip()
        value = (base - timedelta(days=rng.choice([1, 2, 30, 365]))).isoformat()
        _set_text(later, value)
        return f"{_path(later)}=before-{_name(first)}"
    el = _pick(rng, dates)
    value = rng.choice(IMPOSSIBLE_DATES if choice == 0 else WRONG_FORMATS)
    if value == el.text:
        raise _Skip()
    _set_text(el, value)
    return f"{_path(el)}={value.replace(' ', '_') or 'empty'}"


# --- codes -----------------------------------------------------------------------------------

CODES = {
    "currency": ["XXX", "EURO", "eur", "SEK", "USD", "NOK", "ZZZ", ""],
    "vat-category": ["S", "Z", "E", "AE", "K", "G", "O", "L", "M", "B", "X", "s", ""],
    "unit": ["XYZ", "c62", "C62", "H87", "EA", "ZZ", "", "DAY"],
    "country": ["XX", "se", "UK", "EL", "GR", "NO", "DE", "SE", "ZZZ", "DK", "IT", "AU", "BE", ""],
    "type": ["999", "381", "380", "326", "384", "389", "12", "0", "xyz", "396"],
    "eas": ["9999", "0088", "0007", "0192", "0208", "XX", "0000", "9957", "0184", "0151", ""],
    "payment-means": ["999", "30", "58", "ZZZ", "1", "49", ""],
    "tax-scheme": ["VA", "GST", "vat", "TAX", ""],
    # Invoice Response and Message Level Response codes.
    "response": ["AB", "IP", "UQ", "CA", "RE", "AP", "PD", "XX", "ab", ""],
    "status-reason": ["REF", "NIN", "NOQ", "BV", "BW", "FD", "SV", "NOA", "PIN", "NON", "CNF", "LEG", "OTH", "XXX", ""],
    "status-list": ["OPStatusReason", "OPStatusAction", "UNCL4343", "XX", ""],
    "document-type": ["380", "381", "9", "999", "130", "XX", ""],
}


def _code_targets(root, what: str) -> list[tuple[etree._Element, str | None]]:
    """(element, attribute or None for its text) that carry a code of that sort."""
    if what == "currency":
        found = [(e, None) for e in root.iter(f"{{{CBC}}}DocumentCurrencyCode", f"{{{CBC}}}TaxCurrencyCode")]
        return found + [(e, "currencyID") for e in root.iter() if isinstance(e.tag, str) and e.get("currencyID") is not None]
    if what == "vat-category":
        return [(e, None) for e in root.iter(f"{{{CBC}}}ID")
                if etree.QName(e.getparent()).localname in ("TaxCategory", "ClassifiedTaxCategory")]
    if what == "unit":
        return [(e, "unitCode") for e in root.iter() if isinstance(e.tag, str) and e.get("unitCode") is not None]
    if what == "country":
        return [(e, None) for e in root.iter(f"{{{CBC}}}IdentificationCode")]
    if what == "type":
        return [(e, None) for e in root.iter(f"{{{CBC}}}InvoiceTypeCode", f"{{{CBC}}}CreditNoteTypeCode")]
    if what == "eas":
        return [(e, "schemeID") for e in root.iter(f"{{{CBC}}}EndpointID")]
    if what == "payment-means":
        return [(e, None) for e in root.iter(f"{{{CBC}}}PaymentMeansCode")]
    if what == "response":
        return [(e, None) for e in root.iter(f"{{{CBC}}}ResponseCode")]
    if what == "status-reason":
        return [(e, None) for e in root.iter(f"{{{CBC}}}StatusReasonCode", f"{{{CBC}}}ConditionCode")]
    if what == "status-list":
        return [(e, "listID") for e in root.iter(f"{{{CBC}}}StatusReasonCode") if e.get("listID") is not None]
    if what == "document-type":
        return [(e, None) for e in root.iter(f"{{{CBC}}}DocumentTypeCode")]
    return [(e, None) for e in root.iter(f"{{{CBC}}}ID") if etree.QName(e.getparent()).localname == "TaxScheme"]


def mutate_code(root, rng):
    what = _pick(rng, [w for w in sorted(CODES) if _code_targets(root, w)])
    el, attr = _pick(rng, _code_targets(root, what))
    old = el.get(attr) if attr else el.text
    value = rng.choice([c for c in CODES[what] if c != (old or "").strip()])
    if attr:
        el.set(attr, value)
    else:
        _set_text(el, value)
    return f"{_path(el)}{'/@' + attr if attr else ''}={value or 'empty'}"


# --- identifiers -----------------------------------------------------------------------------

def _digits(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def _gln(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def _luhn(body: str) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def _mod11_no(body: str) -> str:
    total = sum(int(d) * w for d, w in zip(body, (3, 2, 7, 6, 5, 4, 3, 2)))
    check = 11 - total % 11
    return "0" if check == 11 else ("-" if check == 10 else str(check))


def _se_orgnr(rng: random.Random) -> str:
    # Third digit 2-9: a month that no date has, so never a personnummer.
    return _digits(rng, 2) + rng.choice("23456789") + "".join(rng.choice("0123456789") for _ in range(6))


SCHEMES: dict[str, tuple[Callable[[random.Random], str], Callable[[str], str] | None]] = {
    "0088": (lambda r: _digits(r, 12), _gln),
    "0007": (_se_orgnr, _luhn),
    "0192": (lambda r: _digits(r, 8, "89"), _mod11_no),
    "0184": (lambda r: _digits(r, 7), None),
    "0208": (lambda r: "0" + _digits(r, 7), lambda b: f"{97 - int(b) % 97:02d}"),
    "0151": (lambda r: _digits(r, 10), None),
    "0096": (lambda r: _digits(r, 9), None),
    # Schemes the Peppol rules check with a warning (PEPPOL-COMMON-R044 ... R057).
    "0106": (lambda r: _digits(r, r.choice([7, 8])), None),
    "0190": (lambda r: _digits(r, r.choice([19, 20])), None),
    "0217": (lambda r: _digits(r, r.choice([11, 12])), None),
    "0211": (lambda r: _digits(r, 10), None),
    "0201": (lambda r: "".join(r.choice("ABCDEFXYZ0123456789") for _ in range(5)), None),
    "9944": (lambda r: "NL" + _digits(r, 9) + r.choice(["B0", "X0", "B"]), None),
}


def _wrong(rng: random.Random, check: str) -> str:
    return rng.choice([d for d in "0123456789" if d != check[-1]]) if len(check) == 1 else f"{(int(check) + 1) % 100:02d}"


def _scheme_value(rng: random.Random, scheme: str) -> tuple[str, str]:
    body_of, check_of = SCHEMES[scheme]
    body = body_of(rng)
    if check_of is None:
        return body + str(rng.randrange(10)), "number"
    check = check_of(body)
    if check == "-" or rng.random() < 0.75:
        return body + _wrong(rng, check if check != "-" else "0"), "wrong-check"
    return body + check, "valid-check"


def mutate_identifier(root, rng):
    choice = rng.randrange(4)
    if choice == 3:
        # A Swedish supplier (SE-R rules) with a malformed organisation or VAT number.
        party = root.find("cac:AccountingSupplierParty/cac:Party", NS)
        country = party.find("cac:PostalAddress/cac:Country/cbc:IdentificationCode", NS) if party is not None else None
        legal = party.find("cac:PartyLegalEntity/cbc:CompanyID", NS) if party is not None else None
        if country is None or legal is None:
            raise _Skip()
        _set_text(country, "SE")
        orgnr = _se_orgnr(rng)
        variant = rng.choice(["wrong-check", "valid", "short", "letters"])
        value = {"wrong-check": orgnr + _wrong(rng, _luhn(orgnr)), "valid": orgnr + _luhn(orgnr),
                 "short": orgnr[:7], "letters": orgnr[:5] + "AB" + orgnr[7:]}[variant]
        _set_text(legal, value)
        legal.attrib.pop("schemeID", None)
        vat = party.find("cac:PartyTaxScheme/cbc:CompanyID", NS)
        if vat is not None and rng.random() < 0.5:
            _set_text(vat, "SE" + value + rng.choice(["01", "02", "", "0"]))
        return f"{_path(legal)}=se-orgnr-{variant}"
    candidates = [e for e in root.iter(f"{{{CBC}}}EndpointID", f"{{{CBC}}}CompanyID")]
    candidates += [e for e in root.iter(f"{{{CBC}}}ID") if etree.QName(e.getparent()).localname == "PartyIdentification"]
    el = _pick(rng, candidates)
    is_vat = etree.QName(el.getparent()).localname == "PartyTaxScheme"
    if is_vat:
        country = rng.choice(["SE", "NO", "DK", "GB", "DE", "EL", "XX"])
        scheme = rng.choice(sorted(SCHEMES))
        value, how = _scheme_value(rng, scheme)
        value = country + value + (rng.choice(["01", "MVA", ""]) if country in ("SE", "NO") else "")
        _set_text(el, value)
        return f"{_path(el)}=vat-{country}-{how}"
    scheme = rng.choice(sorted(SCHEMES))
    value, how = _scheme_value(rng, scheme)
    _set_text(el, value)
    el.set("schemeID", scheme)
    return f"{_path(el)}={scheme}-{how}"


# --- structure -------------------------------------------------------------------------------

def _structural_pick(root, rng) -> etree._Element:
    if rng.random() < 0.5:
        return _pick(rng, [c for c in root if isinstance(c.tag, str)])
    return _pick(rng, _elements(root))


def mutate_remove(root, rng):
    el = _structural_pick(root, rng)
    where = _path(el)
    el.getparent().remove(el)
    return where


# Elements UBL lets repeat (0..n): repeating them keeps the document closer to valid, so that
# more of the rules run on it (a repeated single element often stops a rule with a type error).
REPEATABLE = {
    "cbc:Note", "cac:InvoicePeriod", "cac:AdditionalDocumentReference", "cac:BillingReference",
    "cac:PaymentMeans", "cac:PaymentTerms", "cac:AllowanceCharge", "cac:TaxTotal", "cac:TaxSubtotal",
    "cac:InvoiceLine", "cac:CreditNoteLine", "cac:PartyIdentification", "cac:PartyName",
    "cac:PartyTaxScheme", "cac:PartyLegalEntity", "cac:AdditionalItemProperty",
    "cac:CommodityClassification", "cac:ClassifiedTaxCategory", "cac:Delivery", "cac:DocumentReference",
    "cac:OrderLineReference", "cac:AddressLine", "cac:ContractDocumentReference",
}


def mutate_duplicate(root, rng):
    if rng.random() < 0.5:
        el = _pick(rng, [e for e in _elements(root) if _name(e) in REPEATABLE])
    else:
        el = _structural_pick(root, rng)
    twin = copy.deepcopy(el)
    twin.tail = el.tail
    el.addnext(twin)
    return _path(el)


def mutate_line(root, rng):
    line = _pick(rng, _lines(root))
    where = _path(line)
    choice = rng.randrange(3)
    if choice == 0:
        root.remove(line)
        return f"remove-{where}"
    twin = copy.deepcopy(line)
    twin.tail = line.tail
    line.addnext(twin)
    if choice == 1:
        return f"duplicate-{where}"
    ident = twin.find("cbc:ID", NS)
    if ident is None:
        raise _Skip()
    _set_text(ident, f"{ident.text or ''}-copy")
    return f"duplicate-new-id-{where}"


# --- inserted elements and attributes Peppol does not use --------------------------------------

def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


ROOT_EXTRAS: dict[str, Callable[[random.Random], str]] = {
    "UUID": _uuid, "IssueTime": lambda r: r.choice(["12:00:00", "08:30:00+01:00"]),
    "CopyIndicator": lambda r: r.choice(["false", "true"]), "LineCountNumeric": lambda r: str(r.randrange(1, 9)),
    "UBLVersionID": lambda r: r.choice(["2.0", "2.1", "2.2"]), "ProfileExecutionID": lambda r: "1",
    "AccountingCostCode": lambda r: "A-1", "PricingCurrencyCode": lambda r: r.choice(["EUR", "SEK"]),
    "PaymentCurrencyCode": lambda r: r.choice(["EUR", "SEK"]),
}
EXTRA_ATTRIBUTES = ["schemeName", "schemeAgencyID", "schemeURI", "listAgencyID", "listName", "listURI",
                    "languageID", "name", "format", "unitCodeListIdentifier", "currencyCodeListVersionID"]


def mutate_insert(root, rng):
    choice = rng.randrange(4)
    if choice == 0:
        name = rng.choice(sorted(ROOT_EXTRAS))
        anchor = root.find("cbc:ID", NS)
        if anchor is None:
            raise _Skip()
        el = etree.Element(f"{{{CBC}}}{name}")
        el.text = ROOT_EXTRAS[name](rng)
        el.tail = anchor.tail
        anchor.addnext(el)
        return f"cbc:{name}={el.text if name != 'UUID' else 'uuid'}"
    if choice == 1:
        el = _pick(rng, list(root.iter(f"{{{CBC}}}*")))
        attr = rng.choice(EXTRA_ATTRIBUTES)
        if el.get(attr) is not None:
            raise _Skip()
        el.set(attr, "x")
        return f"{_path(el)}/@{attr}"
    if choice == 2:
        line = _pick(rng, _lines(root))
        anchor = line.find("cbc:ID", NS)
        if anchor is None:
            raise _Skip()
        el = etree.Element(f"{{{CBC}}}{rng.choice(['UUID', 'AccountingCostCode', 'TaxPointDate'])}")
        el.text = {"UUID": _uuid(rng), "AccountingCostCode": "A-1", "TaxPointDate": "2017-11-13"}[etree.QName(el).localname]
        el.tail = anchor.tail
        anchor.addnext(el)
        return f"{_path(line)}/{_name(el)}"
    # A card payment with the full card number (BR-51: at most 10 characters should be shown).
    means = _pick(rng, root.findall("cac:PaymentMeans", NS))
    card = etree.SubElement(means, f"{{{CAC}}}CardAccount")
    pan = etree.SubElement(card, f"{{{CBC}}}PrimaryAccountNumberID")
    pan.text = rng.choice(["1234", "1234********5678"]) if rng.random() < 0.3 else _digits(rng, 16)
    etree.SubElement(card, f"{{{CBC}}}NetworkID").text = "VISA"
    return f"{_path(means)}/cac:CardAccount=pan-{len(pan.text)}"


MUTATORS: dict[str, Callable[[etree._Element, random.Random], str]] = {
    "amount": mutate_amount, "date": mutate_date, "code": mutate_code, "identifier": mutate_identifier,
    "remove": mutate_remove, "duplicate": mutate_duplicate, "line": mutate_line, "insert": mutate_insert,
}
assert tuple(MUTATORS) == KINDS


def _serialize(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def mutate(name: str, data: bytes, kind: str, rng: random.Random) -> Mutation | None:
    """One mutation of ``kind`` of the example ``data`` (None: it does not apply this time)."""
    tree = parse_xml(data, source=name)
    try:
        what = MUTATORS[kind](tree.getroot(), rng)
    except _Skip:
        return None
    out = _serialize(tree)
    if scan(what) or scan(out.decode("utf-8")):
        return None  # never make (or name) a document with a number that looks like a personnummer
    return Mutation(id=f"{name}:{kind}:{what}", kind=kind, example=name, data=out)


TRIES = 12


def mutations(examples: Iterable[tuple[str, bytes]], count: int, seed: str,
              kinds: tuple[str, ...] = KINDS) -> Iterator[Mutation]:
    """``count`` distinct mutations of the examples, round-robin over examples and ``kinds``.

    Deterministic: the same examples, count and seed give the same mutations in the same order.
    Mutations whose id or bytes repeat an earlier one, or whose bytes equal the example's
    own serialisation, are dropped and another is drawn."""
    examples = sorted(examples)
    if not examples:
        return
    rng = random.Random(f"lssinvoice-mutations|{seed}")
    originals = {name: _serialize(parse_xml(data, source=name)) for name, data in examples}
    seen_ids: set[str] = set()
    seen_data: set[bytes] = set()
    made = 0
    for slot in range(count * 10):
        if made == count:
            return
        name, data = examples[slot % len(examples)]
        kind = kinds[(slot // len(examples)) % len(kinds)]
        for _try in range(TRIES):  # a few draws per slot, so that every kind gets its share
            mutation = mutate(name, data, kind, rng)
            if (mutation is None or mutation.id in seen_ids or mutation.data in seen_data
                    or mutation.data == originals[name]):
                continue
            seen_ids.add(mutation.id)
            seen_data.add(mutation.data)
            made += 1
            yield mutation
            break
    raise RuntimeError(f"only {made} distinct mutations of {count} asked for")
