"""A large but valid invoice for the benchmark, generated from an official example.

The official Peppol example ``vat-category-E.xml`` (one line, VAT exempt, category E at
0 %) is taken as a template; its ``cac:InvoiceLine`` is cloned ``lines`` times with a
unique ``cbc:ID`` (and order line reference), a varying quantity and price, and every
amount that depends on the lines is recomputed with :class:`~decimal.Decimal`:

* each line: ``LineExtensionAmount = quantity × price`` (rounded to 2 decimals);
* ``LegalMonetaryTotal``: line total, tax exclusive, tax inclusive, payable;
* ``TaxTotal``: taxable amount and tax amount of the (single) VAT category, and the total.

The template has no document-level allowances or charges and no prepaid amount; the
generator refuses a template that has them rather than computing wrong totals.
"""
from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from schemas.artefacts import artefact_path

TEMPLATE = "peppol-bis-billing-3.0.19/rules/examples/vat-category-E.xml"
NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _one(node: etree._Element, path: str) -> etree._Element:
    found = node.xpath(path, namespaces=NS)
    if len(found) != 1:
        raise ValueError(f"template invoice: expected exactly one {path}, found {len(found)}")
    return found[0]


def _check_template(root: etree._Element, template: str) -> None:
    for path in ("cac:AllowanceCharge", "cac:LegalMonetaryTotal/cbc:PrepaidAmount",
                 "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount", "cac:TaxTotal/cac:TaxSubtotal[2]"):
        if root.xpath(path, namespaces=NS):
            raise ValueError(f"{template} has {path}: the generator does not compute it")


def _fill_line(line: etree._Element, number: int) -> Decimal:
    """Give a cloned line its id, quantity and price; return its net amount."""
    quantity = Decimal(1 + number % 7)
    price = Decimal("120.00") + Decimal(number % 5) * Decimal("0.25")
    amount = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
    _one(line, "cbc:ID").text = str(number)
    _one(line, "cac:OrderLineReference/cbc:LineID").text = str(number)
    _one(line, "cbc:InvoicedQuantity").text = str(quantity)
    _one(line, "cac:Price/cbc:PriceAmount").text = _money(price)
    _one(line, "cbc:LineExtensionAmount").text = _money(amount)
    return amount


def _set_totals(root: etree._Element, line_total: Decimal) -> None:
    subtotal = _one(root, "cac:TaxTotal/cac:TaxSubtotal")
    percent = Decimal(_one(subtotal, "cac:TaxCategory/cbc:Percent").text)
    tax = (line_total * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    _one(subtotal, "cbc:TaxableAmount").text = _money(line_total)
    _one(subtotal, "cbc:TaxAmount").text = _money(tax)
    _one(root, "cac:TaxTotal/cbc:TaxAmount").text = _money(tax)
    totals = _one(root, "cac:LegalMonetaryTotal")
    _one(totals, "cbc:LineExtensionAmount").text = _money(line_total)
    _one(totals, "cbc:TaxExclusiveAmount").text = _money(line_total)
    _one(totals, "cbc:TaxInclusiveAmount").text = _money(line_total + tax)
    _one(totals, "cbc:PayableAmount").text = _money(line_total + tax)


def large_invoice(lines: int = 500, template: str = TEMPLATE) -> bytes:
    """The template (an artefact path, by default :data:`TEMPLATE`; another release's
    ``vat-category-E.xml`` works alike) with ``lines`` invoice lines, amounts consistent
    (UTF-8 bytes)."""
    tree = etree.parse(str(artefact_path(template)), etree.XMLParser(resolve_entities=False, no_network=True))
    root = tree.getroot()
    _check_template(root, template)
    model = _one(root, "cac:InvoiceLine")
    parent, position = model.getparent(), model.getparent().index(model)
    parent.remove(model)
    total = Decimal(0)
    for number in range(1, lines + 1):
        line = copy.deepcopy(model)
        total += _fill_line(line, number)
        parent.insert(position + number - 1, line)
    _set_totals(root, total)
    _one(root, "cbc:ID").text = f"BENCH-{lines}-LINES"
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
