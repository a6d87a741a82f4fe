"""peppol.model: EN 16931 totals in Decimal, rounding, credit notes, and field-naming errors.

The documents are built by tests/factories.py (``seller``, ``buyer``, ``exempt_invoice``,
``standard_rated_invoice``, ``credit_note``). All parties are synthetic except the
municipality, whose organisation number is public.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from peppol import codes
from peppol.model import (
    AllowanceCharge,
    Attachment,
    Document,
    Identifier,
    Line,
    LineAllowanceCharge,
    PaymentMeans,
    Period,
    Totals,
    VatBreakdown,
    round_amount,
)

from .factories import SELLER_ORGNR, buyer, credit_note, exempt_invoice, hours_line, seller, standard_rated_invoice


# -- totals ---------------------------------------------------------------------------------

def test_exempt_invoice_totals_exact():
    doc = exempt_invoice()
    assert [line.net_amount for line in doc.lines] == [D("40078.30"), D("3409.15"), D("899.40")]
    assert doc.vat_breakdown() == [VatBreakdown(
        category="E", rate=D("0"), taxable_amount=D("44386.85"), tax_amount=D("0.00"),
        exemption_reason_code="VATEX-EU-132-1G", exemption_reason="Momsfri social omsorg")]
    totals = doc.totals()
    assert totals == Totals(
        line_net_total=D("44386.85"), allowance_total=D("0"), charge_total=D("0"),
        total_without_vat=D("44386.85"), vat_total=D("0"), total_with_vat=D("44386.85"),
        paid_amount=D("0"), rounding_amount=D("0"), amount_due=D("44386.85"))
    assert all(isinstance(v, D) for v in totals.model_dump().values())
    assert str(totals.amount_due) == "44386.85"


def test_standard_rated_invoice_totals_and_half_up_vat():
    doc = standard_rated_invoice()
    # S 25 %: 300.00 + 99.90 − 10.00 + 5.00 = 394.90; × 25 % = 98.725 → 98.73 (half up)
    assert doc.vat_breakdown() == [
        VatBreakdown(category="S", rate=D("25"), taxable_amount=D("394.90"), tax_amount=D("98.73")),
        VatBreakdown(category="S", rate=D("12"), taxable_amount=D("1000.00"), tax_amount=D("120.00")),
    ]
    assert doc.totals() == Totals(
        line_net_total=D("1399.90"), allowance_total=D("10.00"), charge_total=D("5.00"),
        total_without_vat=D("1394.90"), vat_total=D("218.73"), total_with_vat=D("1613.63"),
        amount_due=D("1613.63"))
    assert doc.seller.vat_id == "SE559900000601"


def test_half_up_rounding_of_0_125():
    assert round_amount(D("0.125")) == D("0.13")
    assert round_amount(D("-0.125")) == D("-0.13")
    assert round_amount(D("0.124999")) == D("0.12")
    assert round(D("0.125"), 2) == D("0.12")  # Python's default (banker's) rounding would differ
    doc = standard_rated_invoice(
        allowances_charges=[],
        lines=[Line(id="1", quantity=D("1"), unit_code="C62", price=D("0.50"), vat_category="S", vat_rate=D("25"),
                    item_name="Liten post")])
    assert doc.vat_breakdown()[0].tax_amount == D("0.13")
    assert doc.totals().total_with_vat == D("0.63")


def test_computed_line_net_amount_rounds_half_up_and_uses_base_quantity():
    line = hours_line("1", "7.5", "284.81")  # 2136.075
    assert line.net_amount == D("2136.08")
    per_ten = Line(id="2", quantity=D("25"), unit_code="C62", price=D("99.90"), base_quantity=D("10"),
                   vat_category="E", vat_rate=D("0"), item_name="x")
    assert per_ten.net_amount == D("249.75")
    with_charges = hours_line("3", "2", "100", allowances_charges=[
        LineAllowanceCharge(is_charge=False, amount=D("15.50"), reason="Avdrag"),
        LineAllowanceCharge(is_charge=True, amount=D("3.25"), reason_code="FC"),
    ])
    assert with_charges.net_amount == D("187.75")


def test_gross_price_gives_the_price_discount():
    line = hours_line("1", "2", "300.00", gross_price=D("332.60"))
    assert line.price_discount == D("32.60")
    assert line.net_amount == D("600.00")


def test_paid_and_rounding_amounts_enter_amount_due():
    doc = exempt_invoice(paid_amount=D("1000.00"), rounding_amount=D("0.15"))
    totals = doc.totals()
    assert totals.paid_amount == D("1000.00")
    assert totals.amount_due == D("43387.00")  # 44386.85 − 1000.00 + 0.15


def test_credit_note():
    doc = credit_note()
    assert doc.kind == "creditnote"
    assert doc.type_code == "381"
    assert doc.is_credit_note is True
    assert doc.document_type_id == codes.CREDIT_NOTE_DOCUMENT_TYPE_ID
    assert doc.totals().amount_due == D("3409.15")
    assert doc.preceding_invoices[0].id == "INV-2024-0001"


def test_invoice_defaults():
    doc = exempt_invoice()
    assert doc.type_code == "380"
    assert doc.currency == "SEK"
    assert doc.customization_id == codes.BIS3_CUSTOMIZATION_ID
    assert doc.profile_id == codes.BIS3_PROFILE_ID
    assert doc.document_type_id == codes.INVOICE_DOCUMENT_TYPE_ID
    assert doc.process_id == codes.BILLING_PROCESS_ID
    assert doc.seller.endpoint.scheme == "0007" and doc.seller.endpoint.value == SELLER_ORGNR
    assert str(doc.buyer.endpoint) == "0007:2120001306"
    assert doc.payment_means[0].account_id == "50501055"
    assert doc.payment_means[0].branch_id == "SE:BANKGIRO"


# -- errors name the field ------------------------------------------------------------------

def error_of(excinfo) -> tuple[tuple, str]:
    errors = excinfo.value.errors()
    assert len(errors) == 1, errors
    return errors[0]["loc"], errors[0]["msg"]


def test_float_money_is_refused_with_the_field_location():
    with pytest.raises(ValidationError) as info:
        hours_line("1", "1", "1", price=0.1)
    loc, msg = error_of(info)
    assert loc == ("price",)
    assert msg == ("Value error, floats are not accepted for amounts, quantities or rates: "
                   "pass a Decimal, an int or a string")


def test_three_decimal_amount_is_refused():
    with pytest.raises(ValidationError) as info:
        LineAllowanceCharge(is_charge=False, amount=D("1.005"), reason="x")
    loc, msg = error_of(info)
    assert loc == ("amount",)
    assert msg == "Value error, an amount has at most 2 decimals (BR-DEC-*), got 1.005"


@pytest.mark.parametrize("overrides,loc,message", [
    (dict(buyer_reference=None), (),
     "buyer_reference: a buyer reference (BT-10) or purchase order reference (BT-13) is required (PEPPOL-EN16931-R003)"),
    (dict(vat_exemptions=[]), (),
     "vat_exemptions: VAT category E needs an exemption reason code (BT-121) or text (BT-120) (BR-E-10)"),
    (dict(type_code="381"), (), "type_code: '381' is not a UNTDID 1001 code allowed for a invoice (BR-CL-01)"),
    (dict(due_date=None, payment_terms=None), (),
     "due_date: a positive amount due needs a payment due date (BT-9) or payment terms (BT-20) (BR-CO-25)"),
    (dict(notes=["a", "b"]), (), "notes: at most one invoice note (BT-22) (PEPPOL-EN16931-R002)"),
    (dict(invoice_period=Period(start=dt.date(2024, 1, 5), end=dt.date(2024, 1, 31))), (),
     "lines[0].period: the line period is outside the invoicing period (PEPPOL-EN16931-R110/R111)"),
    (dict(lines=[]), ("lines",), "List should have at least 1 item after validation, not 0"),
])
def test_document_errors_name_the_field(overrides, loc, message):
    with pytest.raises(ValidationError) as info:
        exempt_invoice(**overrides)
    got_loc, msg = error_of(info)
    assert got_loc == loc
    assert msg.removeprefix("Value error, ") == message


def test_exempt_category_needs_seller_tax_identifier():
    with pytest.raises(ValidationError) as info:
        exempt_invoice(seller=seller(tax_registration_id=None))
    assert error_of(info)[1] == (
        "Value error, seller: VAT category E needs the seller VAT identifier (BT-31), the seller tax registration "
        "identifier (BT-32) or a tax representative VAT identifier (BT-63) (BR-E-02)")


@pytest.mark.parametrize("kwargs,message", [
    (dict(vat_category="S", vat_rate=D("0")), "vat_rate: VAT category S has a VAT rate above 0, got 0 (BR-S-05)"),
    (dict(vat_category="E", vat_rate=D("25")), "vat_rate: VAT category E has VAT rate 0, got 25 (BR-E-05)"),
    (dict(vat_category="E", vat_rate=None), "vat_rate: VAT category E needs a VAT rate (BR-E-05 / BR-CO-04)"),
    (dict(vat_category="O", vat_rate=D("0")), "vat_rate: VAT category O (not subject to VAT) has no VAT rate (BR-O-05)"),
    (dict(vat_category="X", vat_rate=D("0")),
     "vat_category: 'X' is not a UNCL5305 VAT category of EN 16931 (S, Z, E, AE, K, G, O, L, M, B) (BR-CL-17/BR-CL-18)"),
    (dict(net_amount=D("100.00")),
     "net_amount: 100.00 is not quantity × price ÷ base quantity + charges − allowances = 332.60 (PEPPOL-EN16931-R120)"),
    (dict(base_quantity=D("0")), "base_quantity: must be above zero, got 0 (PEPPOL-EN16931-R121)"),
    (dict(price=D("-1")), "price: the item net price is not negative, got -1 (BR-27)"),
])
def test_line_errors(kwargs, message):
    with pytest.raises(ValidationError) as info:
        hours_line("1", "1", "332.60", **kwargs)
    loc, msg = error_of(info)
    assert loc == ()
    assert msg == "Value error, " + message


def test_nested_errors_carry_their_path():
    with pytest.raises(ValidationError) as info:
        Document.model_validate({**exempt_invoice().model_dump(), "lines": [
            {**exempt_invoice().lines[0].model_dump(), "vat_rate": "25"}]})
    loc, msg = error_of(info)
    assert loc == ("lines", 0)
    assert msg == "Value error, vat_rate: VAT category E has VAT rate 0, got 25 (BR-E-05)"


def test_swedish_seller_rules():
    with pytest.raises(ValidationError) as info:
        seller(tax_registration_id="F-skatt")
    assert error_of(info)[1] == (
        "Value error, tax_registration_id: a Swedish seller states 'Godkänd för F-skatt' as tax registration "
        "identifier (SE-R-005)")
    with pytest.raises(ValidationError) as info:
        seller(vat_id="SE559900000602")
    assert error_of(info)[1] == "Value error, vat_id: Swedish VAT number: must end with '01' after the organisation number."
    with pytest.raises(ValidationError) as info:
        seller(legal_registration_id=Identifier(value="5599000007"))
    assert error_of(info)[1] == (
        "Value error, legal_registration_id: Swedish organisation number: the check digit is 7, the Luhn "
        "(modulus 10) check digit is 6. (SE-R-003/SE-R-004/SE-R-013)")
    assert seller(tax_registration_id="GODKÄND FÖR F-SKATT").tax_registration_id == "GODKÄND FÖR F-SKATT"


def test_endpoint_checks_the_0007_number():
    with pytest.raises(ValidationError) as info:
        buyer(endpoint="0007:2120001307")
    loc, msg = error_of(info)
    assert loc == ("endpoint",)
    assert msg == ("Value error, value: Swedish organisation number: the check digit is 7, the Luhn (modulus 10) "
                   "check digit is 6.")
    assert buyer(endpoint="0007:212000-1306").endpoint.value == "2120001306"


def test_attachment_rules():
    with pytest.raises(ValidationError) as info:
        Attachment.embedded("A", b"PK..", filename="a.zip", mime_code="application/zip")
    assert error_of(info)[1] == (
        "Value error, mime_code: 'application/zip' is not allowed for attachments; allowed: application/pdf, "
        "application/vnd.oasis.opendocument.spreadsheet, "
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, image/jpeg, image/png, text/csv (BR-CL-24)")
    with pytest.raises(ValidationError) as info:
        Attachment(id="A", content=b"x", mime_code="application/pdf")
    assert error_of(info)[1] == "Value error, filename: an embedded attachment needs a file name (BT-125-2)"
    assert Attachment(id="A", uri="https://example.se/underlag").content is None


def test_payment_means_constructors_check_numbers():
    with pytest.raises(ValueError) as info:
        PaymentMeans.bankgiro("1234567")
    assert str(info.value) == "Bankgiro number: the check digit is 7, the Luhn (modulus 10) check digit is 6."
    with pytest.raises(ValidationError) as info:
        PaymentMeans(code="30", account_id="12345", branch_id="SE:BANKGIRO")
    assert error_of(info)[1] == (
        "Value error, account_id: a Bankgiro number is 7 or 8 digits without separators (SE-R-008, SE-R-009)")
    with pytest.raises(ValidationError) as info:
        PaymentMeans(code="XX")
    loc, msg = error_of(info)
    assert loc == ("code",)
    assert msg == "Value error, 'XX' is not a UNCL4461 payment means code (BR-CL-16)"
    iban = PaymentMeans.iban("SE45 5000 0000 0583 9825 7466", "ESSESESS")
    assert (iban.account_id, iban.branch_id) == ("SE4550000000058398257466", "ESSESESS")


def test_credit_note_due_date_needs_payment_means():
    with pytest.raises(ValidationError) as info:
        credit_note(payment_means=[])
    assert error_of(info)[1] == (
        "Value error, due_date: a CreditNote carries the due date in PaymentMeans/PaymentDueDate; add payment "
        "means (BG-16)")


def test_allowance_percentage_rules():
    ok = AllowanceCharge.allowance(D("20.00"), "Rabatt", "S", D("25"), base_amount=D("200.00"), percentage=D("10"))
    assert ok.signed_amount == D("-20.00")
    with pytest.raises(ValidationError) as info:
        AllowanceCharge.allowance(D("25.00"), "Rabatt", "S", D("25"), base_amount=D("200.00"), percentage=D("10"))
    assert error_of(info)[1] == (
        "Value error, amount: 25.00 is not base amount × percentage / 100 = 20.00 (PEPPOL-EN16931-R040)")
    with pytest.raises(ValidationError) as info:
        AllowanceCharge.allowance(D("25.00"), "Rabatt", "S", D("25"), percentage=D("10"))
    assert error_of(info)[1] == "Value error, base_amount: a percentage needs a base amount (PEPPOL-EN16931-R041)"


def test_json_round_trip_keeps_binary_attachments_and_decimals():
    doc = exempt_invoice(attachments=[Attachment.embedded("BILD-1", b"\xff\xd8\xff\xe0 not utf-8 \x00\x80",
                                                          filename="kvitto.jpg", mime_code="image/jpeg")])
    text = doc.model_dump_json()
    assert '"content":"_9j_4CBub3QgdXRmLTggAIA="' in text  # pydantic writes URL-safe base64
    assert '"price":"332.60"' in text
    assert Document.model_validate_json(text) == doc
    with pytest.raises(ValidationError) as info:
        Attachment(id="A", content="text", filename="a.pdf", mime_code="application/pdf")
    assert error_of(info) == (("content",), "Value error, give the attachment content as bytes (it is "
                                            "base64-encoded when written)")
