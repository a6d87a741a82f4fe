"""Invoices from time reports (invoices.build): exact amounts, every refusal, numbering.

Synthetic personnummer only (valid Luhn check digit, obviously fictional names). Every
issued document goes through the real validation engine inside ``issue``.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from invoices.build import (
    BuildOptions,
    BuildRefused,
    IssueFailed,
    VAT_EXEMPTION_REASON,
    issue,
    line_amount,
    municipality_matches,
    parse_period,
    plan_credit_note,
    plan_invoices,
    plan_sickpay,
    read_original,
    round_hours,
    year_pieces,
)
from invoices.checks import CheckPolicy
from invoices.claims import SickPayLedger
from invoices.inputs import InputErrors, read_timereports
from invoices.model import ShiftKind
from invoices.occasion import occasion_template_toml, read_occasion
from invoices.registry import load_registry
from invoices.series import NumberSeries
from peppol import codes
from peppol.sbdh import unwrap

from .factories import (
    example_inputs, not_pdf,
    ANNA, BERTIL, CECILIA, CLIENT, CLIENT2, EXAMPLES, ISSUE_DATE, MINOR, NS, OPTS, PROVIDER, REGISTRY, SICK_REPORTS,
    TJORN, VASTERAS, attachments, decision, issue_all, occasion_spec, report, series, shift, sick_plan,
    synthetic_pnr, texts, tjorn_plan, without_attachments, xml,
)


# ------------------------------------------------------------------------------ rounding

@pytest.mark.parametrize("seconds,hours", [
    (27000, Decimal("7.50")),     # 7 h 30 min
    (26400, Decimal("7.33")),     # 7 h 20 min = 7.3333…
    (25800, Decimal("7.17")),     # 7 h 10 min = 7.1666…
    (18, Decimal("0.01")),        # 0.005 h exactly: half-up, not half-even (which gives 0.00)
    (17, Decimal("0.00")),
    (82800, Decimal("23.00")),
    (90000, Decimal("25.00")),
])
def test_round_hours_is_half_up_to_hundredths(seconds, hours):
    assert round_hours(seconds) == hours
    assert str(round_hours(seconds)) == str(hours)


@pytest.mark.parametrize("hours,rate,amount", [
    ("7.5", "284.81", "2136.08"),     # 2136.075 → 2136.08 (half-up; half-even would give 2136.08 too, see next)
    ("2.5", "284.81", "712.03"),      # 712.025 → 712.03 (half-even would give 712.02)
    ("7.33", "332.60", "2437.96"),    # 2437.958
    ("0.01", "0.50", "0.01"),         # 0.005 → 0.01
    ("217", "332.60", "72174.20"),
])
def test_line_amount_is_rounded_once_half_up(hours, rate, amount):
    assert line_amount(Decimal(hours), Decimal(rate)) == Decimal(amount)


def test_year_pieces_cut_at_local_new_year():
    s = shift("2024-12-31", "22:00", "06:00")
    assert year_pieces(s) == [(2024, 7200), (2025, 21600)]
    assert year_pieces(shift("2024-03-30", "22:00", "07:00")) == [(2024, 8 * 3600)]  # DST night: 8 real hours


def test_parse_period_and_municipality_matching():
    assert parse_period("2024-3") == "2024-03"
    with pytest.raises(ValueError, match="not a month"):
        parse_period("March")
    for text in ("tjorn", "Tjörns kommun", "TJÖRNS  KOMMUN", "212000-1306", "2120001306", "0007:2120001306",
                 "Tjörn", " tjörn kommun ", "TJORNS"):
        assert municipality_matches(TJORN, text), text
    for text in ("boras", "Tjörnö", "212000-1561", "", "kommun", "0088:2120001306"):
        assert not municipality_matches(TJORN, text), text


# ------------------------------------------------------------------------ a Tjörn invoice

def test_tjorn_march_2024_at_fk_amount(tmp_path):
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "15:30")))
    assert plan.findings == [] and plan.omitted == []
    (draft,) = plan.drafts
    (line,) = draft.lines
    assert (line.quantity, line.unit_code, line.price, line.net_amount) == (
        Decimal("7.50"), "HUR", Decimal("332.60"), Decimal("2494.50"))
    assert draft.total == Decimal("2494.50")
    result, written = issue_all(plan, tmp_path)
    assert result.ok and result.voided == [] and list(written) == ["T-2024-00001"]
    item = written["T-2024-00001"]
    root = xml(item)
    assert root.tag == f"{{{codes.UBL_INVOICE_NS}}}Invoice"
    assert texts(root, "cbc:InvoiceTypeCode") == ["380"]
    assert texts(root, "cbc:BuyerReference") == ["TK2044"]
    assert texts(root, "cbc:IssueDate") == ["2024-04-02"]
    assert texts(root, "cbc:DueDate") == ["2024-05-02"]  # Tjörn: 30 days (documented default)
    assert texts(root, "cac:InvoicePeriod/cbc:StartDate") == ["2024-03-01"]
    assert texts(root, "cac:InvoicePeriod/cbc:EndDate") == ["2024-03-31"]
    seller = "cac:AccountingSupplierParty/cac:Party/"
    buyer = "cac:AccountingCustomerParty/cac:Party/"
    assert texts(root, seller + "cbc:EndpointID") == ["5599011235"]
    assert root.xpath(seller + "cbc:EndpointID/@schemeID", namespaces=NS) == ["0007"]
    assert texts(root, buyer + "cbc:EndpointID") == ["2120001306"]
    assert root.xpath(buyer + "cbc:EndpointID/@schemeID", namespaces=NS) == ["0007"]
    assert texts(root, seller + "cac:PartyTaxScheme/cbc:CompanyID") == ["Godkänd för F-skatt"]
    assert texts(root, seller + "cac:PartyTaxScheme/cac:TaxScheme/cbc:ID") == ["TAX"]
    assert texts(root, buyer + "cac:PartyLegalEntity/cbc:RegistrationName") == ["Tjörns kommun"]
    assert texts(root, buyer + "cac:PostalAddress/cbc:StreetName") == ["C/O SOLTAK AB"]
    assert texts(root, buyer + "cac:PostalAddress/cbc:PostalZone") == ["442 15"]
    cat = "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/"
    assert texts(root, cat + "cbc:ID") == ["E"]
    assert texts(root, cat + "cbc:TaxExemptionReasonCode") == ["VATEX-EU-132-1G"]
    assert texts(root, cat + "cbc:TaxExemptionReason") == [VAT_EXEMPTION_REASON]
    assert texts(root, "cac:TaxTotal/cbc:TaxAmount") == ["0.00"]
    assert texts(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["30"]
    assert texts(root, "cac:PaymentMeans/cbc:PaymentID") == ["T-2024-00001"]
    assert texts(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == ["55512347"]
    assert texts(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == [
        "SE:BANKGIRO"]
    assert texts(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["2494.50"]
    assert texts(root, "cac:InvoiceLine/cbc:InvoicedQuantity") == ["7.5"]
    assert root.xpath("cac:InvoiceLine/cbc:InvoicedQuantity/@unitCode", namespaces=NS) == ["HUR"]
    assert texts(root, "cac:InvoiceLine/cbc:LineExtensionAmount") == ["2494.50"]
    assert texts(root, "cac:InvoiceLine/cac:Price/cbc:PriceAmount") == ["332.60"]
    # the time report as CSV and PDF, then the invoice's own readable copy (invoices.pdf_copies)
    assert root.xpath("//cbc:EmbeddedDocumentBinaryObject/@mimeCode", namespaces=NS) == [
        "text/csv", "application/pdf", "application/pdf"]
    # committed with the SHA-256 of exactly these bytes
    (entry,) = series(tmp_path).journal()
    assert (entry.status, entry.document_sha256) == ("committed", item.sha256)


def test_lines_per_kind_and_totals_exact(tmp_path):
    plan = tjorn_plan(
        report(shift("2024-03-04", "08:00", "15:20"),                       # 7.33 h
               shift("2024-03-04", "15:20", "17:00", kind="waiting"),       # 1.67 h (1.6666…)
               shift("2024-03-05", "08:00", "08:10")),                      # 0.17 h; active total 7.5 h
        report(shift("2024-03-06", "22:00", "06:00", kind="waiting", who=BERTIL), who=BERTIL))  # crosses midnight
    (draft,) = plan.drafts
    got = [(ln.item_name, ln.quantity, ln.net_amount) for ln in draft.lines]
    assert got == [
        ("Personlig assistans, aktiv tid", Decimal("7.50"), Decimal("2494.50")),
        ("Personlig assistans, väntetid", Decimal("9.67"), Decimal("3216.24")),  # 9.6666… h → 9.67 × 332.60
    ]
    assert draft.total == Decimal("5710.74")
    result, written = issue_all(plan, tmp_path)
    assert result.ok
    root = xml(written["T-2024-00001"])
    assert texts(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount") == ["5710.74"]
    assert texts(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["5710.74"]
    assert len(attachments(written["T-2024-00001"])) == 2  # one time report per assistant


@pytest.mark.parametrize("day,hours,amount", [
    ("2024-03-31", Decimal("23.00"), Decimal("7649.80")),   # clocks go forward: a 23-hour day
    ("2024-10-27", Decimal("25.00"), Decimal("8315.00")),   # clocks go back: a 25-hour day
    ("2024-06-01", Decimal("24.00"), Decimal("7982.40")),
])
def test_dst_days_count_real_hours(tmp_path, day, hours, amount):
    plan = tjorn_plan(report(shift(day, "00:00", "00:00")), period=day[:7])
    (line,) = plan.drafts[0].lines
    assert (line.quantity, line.net_amount) == (hours, amount)
    result, _ = issue_all(plan, tmp_path)
    assert result.ok


def test_dst_night_in_the_examples_counts_eight_hours():
    reports = [r for r in read_timereports(EXAMPLES / "timereports" / "tjorn-2024-03")
               if any(s.start.day == 30 and s.kind is ShiftKind.WAITING for s in r.shifts)]
    (night,) = [s for r in reports for s in r.shifts if s.start.day == 30 and s.kind is ShiftKind.WAITING]
    assert night.hours == Decimal(8)  # 22:00-07:00 wall clock, one hour skipped


def test_a_night_into_the_next_month_is_billed_in_each_month_in_real_time(tmp_path):
    """31 March 22:00 - 1 April 06:00: 2 h on March's invoice, 6 h on April's (issue 13: a
    shift on 1 April does not go on March's invoice), whichever month's report holds it; both
    invoices' periods are their months exactly."""
    night = report(shift("2024-03-31", "22:00", "06:00"))
    (march,) = tjorn_plan(night).drafts
    assert march.period == (date(2024, 3, 1), date(2024, 3, 31))
    (line,) = march.lines
    assert (line.quantity, line.net_amount, line.period.start, line.period.end) == (
        Decimal("2.00"), Decimal("665.20"), date(2024, 3, 1), date(2024, 3, 31))
    (april,) = tjorn_plan(night, period="2024-04").drafts
    assert april.period == (date(2024, 4, 1), date(2024, 4, 30))
    assert [(ln.quantity, ln.net_amount) for ln in april.lines] == [(Decimal("6.00"), Decimal("1995.60"))]
    result, written = issue_all(tjorn_plan(night), tmp_path)
    assert result.ok
    root = xml(written["T-2024-00001"])
    assert texts(root, "cac:InvoicePeriod/cbc:EndDate") == ["2024-03-31"]
    # the attached time report shows the part billed, from its row
    csv_text = attachments(written["T-2024-00001"])
    assert any("2024-03-31,22:00,00:00" in content.decode("utf-8") for content in csv_text.values())
    # a shift ending exactly at midnight stays wholly inside the month
    draft = tjorn_plan(report(shift("2024-03-31", "16:00", "00:00"))).drafts[0]
    assert draft.period == (date(2024, 3, 1), date(2024, 3, 31)) and draft.lines[0].quantity == Decimal("8.00")


# ----------------------------------------------------------------------- year change

TESTKOMMUN = """\
format = 1
slug = "testkommun"
name = { value = "Testkommunen", source = "test fixture: a fictional municipality" }
org_nr = { value = "212000-9994", source = "test fixture" }
peppol_id = { value = "0007:2120009994", source = "test fixture" }
reference_code = { value = "TEST01", source = "test fixture" }
payment_terms_days = { value = 20, source = "test fixture" }

[channels]
base = { value = "peppol", source = "test fixture" }
extension = { value = "peppol", source = "test fixture" }
sickpay = { value = "peppol", source = "test fixture" }

[billed_kinds]
value = ["active", "waiting"]
source = "test fixture"

[[rate_rules]]
kind = "by_year"
source = "test fixture: fictional amounts"

[rate_rules.amounts]
2024 = { value = "332.60", source = "test fixture" }
2025 = { value = "350.00", source = "test fixture" }
"""


@pytest.fixture
def testkommun(tmp_path):
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "testkommun.toml").write_text(TESTKOMMUN, encoding="utf-8")
    return load_registry([folder], use_env=False).get("testkommun")


def test_new_year_night_bills_its_january_part_in_january_at_a_rate_known_or_refused():
    night = report(shift("2024-12-31", "22:00", "06:00"))
    (december,) = tjorn_plan(night, period="2024-12").drafts  # 2 h of 2024 at 2024's amount
    assert [(ln.quantity, ln.price) for ln in december.lines] == [(Decimal("2.00"), Decimal("332.60"))]
    with pytest.raises(BuildRefused) as e:
        tjorn_plan(night, period="2025-01")
    assert e.value.code == "rate_unknown"
    assert "Tjörns kommun" in e.value.message and "2025" in e.value.message


def test_new_year_night_is_priced_at_each_years_rate_on_each_months_invoice(tmp_path, testkommun):
    night = report(shift("2024-12-31", "22:00", "06:00"))
    got = []
    for period in ("2024-12", "2025-01"):
        plan = plan_invoices(PROVIDER, [night], [decision(municipality="testkommun")], testkommun, period, "base", OPTS)
        (draft,) = plan.drafts
        got += [(ln.quantity, ln.price, ln.net_amount, ln.period.start, ln.period.end) for ln in draft.lines]
    assert got == [
        (Decimal("2.00"), Decimal("332.60"), Decimal("665.20"), date(2024, 12, 1), date(2024, 12, 31)),
        (Decimal("6.00"), Decimal("350.00"), Decimal("2100.00"), date(2025, 1, 1), date(2025, 1, 31)),
    ]
    plan = plan_invoices(PROVIDER, [night], [decision(municipality="testkommun")], testkommun, "2024-12", "base", OPTS)
    (draft,) = plan.drafts
    assert draft.due_date == date(2024, 4, 22)  # the entry's 20 days
    result, written = issue_all(plan, tmp_path)
    assert result.ok
    root = xml(written["T-2024-00001"])
    assert texts(root, "cbc:BuyerReference") == ["TEST01"]
    assert texts(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["665.20"]


# --------------------------------------------------------------------------- refusals

def test_vasteras_takes_no_invoices():
    with pytest.raises(BuildRefused) as e:
        plan_invoices(PROVIDER, [report(shift("2021-03-01", "08:00", "16:00"))],
                      [decision(municipality="Västerås stad")], VASTERAS, "2021-03")
    assert e.value.code == "no_invoices"
    assert "Västerås stad takes no invoices" in e.value.message
    assert "lssinvoice redovisning" in e.value.message
    spec = occasion_spec(sick_days=(date(2021, 3, 1),))
    with pytest.raises(BuildRefused) as e:
        plan_sickpay(PROVIDER, [], [], VASTERAS, "2021-03", spec)
    assert e.value.code == "no_invoices" and "sick pay" in e.value.message


def test_unsigned_report_is_an_error_and_nothing_is_issued(tmp_path):
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "16:00"), signed=(False, True)))
    assert [f.code for f in plan.errors] == ["LSS-SRC-030"]
    with pytest.raises(BuildRefused) as e:
        issue_all(plan, tmp_path)
    assert e.value.code == "checks_failed"
    assert not (tmp_path / "series.json").exists()  # no number was reserved


def test_supervisor_signature_is_a_warning_unless_configured():
    r = report(shift("2024-03-04", "08:00", "16:00"), signed=(True, False))
    plan = tjorn_plan(r)
    assert plan.ok and [(f.code, f.severity) for f in plan.findings] == [("LSS-SRC-031", "warning")]
    strict = BuildOptions(issue_date=ISSUE_DATE, policy=CheckPolicy({"LSS-SRC-031": "error"}))
    plan = tjorn_plan(r, options=strict)
    assert not plan.ok and [f.code for f in plan.errors] == ["LSS-SRC-031"]


def test_under_18_is_refused():
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "16:00", who=MINOR), who=MINOR))
    assert [f.code for f in plan.errors] == ["LSS-SRC-010"]
    assert plan.errors[0].message == (f"assistant {MINOR.masked} was under 18 during 1 shift(s) from 2024-03-04 "
                                      "08:00: work before the 18th birthday is not a cost of personal assistance")
    assert MINOR.pnr not in str(plan.errors[0])  # masked
    assert "2026-06-01" not in str(plan.errors[0])  # no date of birth either


def test_hours_beyond_the_decision_are_refused():
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "18:00")), decisions=[decision(hours="8", per="week")])
    assert [f.code for f in plan.errors] == ["LSS-SRC-001"]
    assert "10 h 00 min billed in the week 2024-03-04–2024-03-10, granted 8.00 h per week; 2 h 00 min beyond " \
           "the decision" in plan.errors[0].message


def test_rest_counts_the_assistants_work_for_every_municipality():
    """Anna works a Borås evening (6 March 12:00-20:00) and a Tjörn morning (7 March 06:00-12:00):
    10 h of rest between them. Tjörn's invoice is warned (9 d § 4 LSS, arbetstidslagen 13 §:
    all of the assistant's work counts, whichever client: "oavsett för vilken
    insatsberättigad"); the Tjörn morning is the work that broke the rest."""
    tjorn = report(shift("2024-03-07", "06:00", "12:00", source="tjorn.csv row 2"))
    boras = report(shift("2024-03-06", "12:00", "20:00", client=CLIENT2, decision="D-BORAS", source="boras.csv row 2"),
                   client=CLIENT2)
    decisions = [decision(), decision("D-BORAS", municipality="Borås Stad", client=CLIENT2)]
    plan = plan_invoices(PROVIDER, [tjorn, boras], decisions, TJORN, "2024-03", "base", OPTS)
    assert [(f.code, f.severity, f.where) for f in plan.findings] == [("LSS-SRC-050", "warning", "tjorn.csv row 2")]
    assert "the longest rest in the 24 hours from 2024-03-06 12:00 was 10 h 00 min" in plan.findings[0].message
    alone = plan_invoices(PROVIDER, [tjorn], [decision()], TJORN, "2024-03", "base", OPTS)
    assert alone.findings == []


def test_reports_of_earlier_months_count_for_the_rest_across_the_month():
    """29 February 14:00-23:00, then 1 March 06:00-12:00: 7 h of rest (arbetstidslagen 13 §).
    February's report, given with March's, is context; the finding is on March's invoice,
    whose morning broke the rest. Without February there is nothing to see."""
    feb = report(shift("2024-02-29", "14:00", "23:00", source="feb.csv row 2"), month="2024-02")
    mar = report(shift("2024-03-01", "06:00", "12:00", source="mar.csv row 2"))
    plan = plan_invoices(PROVIDER, [feb, mar], [decision()], TJORN, "2024-03", "base", OPTS)
    assert [(f.code, f.where) for f in plan.findings] == [("LSS-SRC-050", "mar.csv row 2")]
    assert plan_invoices(PROVIDER, [mar], [decision()], TJORN, "2024-03", "base", OPTS).findings == []


def test_overlap_with_another_clients_shift_is_found():
    mine = report(shift("2024-03-04", "08:00", "16:00"))
    other = report(shift("2024-03-04", "15:00", "20:00", client=CLIENT2, decision="D-OTHER"), client=CLIENT2)
    plan = plan_invoices(PROVIDER, [mine, other],
                         [decision(), decision("D-OTHER", municipality="Borås Stad", client=CLIENT2)],
                         TJORN, "2024-03", "base", OPTS)
    # the shifts of the other client's report are there as context: the overlap is named on this invoice
    assert [(f.code, f.where) for f in plan.errors] == [("LSS-SRC-020", mine.shifts[0].source)]
    assert "overlap shifts billed earlier on invoice(s) (the other time reports given)" in plan.errors[0].message


def test_on_call_is_not_billed_by_name():
    r = report(shift("2024-03-04", "08:00", "16:00"), shift("2024-03-04", "16:00", "22:00", kind="on_call"))
    with pytest.raises(BuildRefused) as e:
        tjorn_plan(r)
    assert e.value.code == "kind_not_billed"
    assert "Tjörns kommun" in e.value.message and "on_call" in e.value.message
    assert "6.00 h" in e.value.message and ANNA.pnr not in e.value.message
    assert e.value.message.startswith("Tjörns kommun is not billed for on_call time: ")
    assert " 1 on_call (" in e.value.message and " shift, 6.00 h (" in e.value.message


def test_on_call_left_out_explicitly_is_reported(tmp_path):
    r = report(shift("2024-03-04", "08:00", "16:00"), shift("2024-03-04", "16:00", "22:00", kind="on_call"),
               shift("2024-03-05", "16:00", "22:00", kind="standby"))
    plan = tjorn_plan(r, options=BuildOptions(issue_date=ISSUE_DATE, omit_unbilled=True))
    assert [(o.kind, o.shifts, o.hours) for o in plan.omitted] == [
        (ShiftKind.ON_CALL, 1, Decimal("6.00")), (ShiftKind.STANDBY, 1, Decimal("6.00"))]
    (draft,) = plan.drafts
    assert [(ln.quantity, ln.net_amount) for ln in draft.lines] == [(Decimal("8.00"), Decimal("2660.80"))]
    result, written = issue_all(plan, tmp_path)
    assert result.ok
    (content,) = attachments(written["T-2024-00001"]).values()
    rows = [r for r in csv.DictReader(io.StringIO(content.decode("utf-8"))) if r["Datum"]]
    assert [(r["Tidstyp"], r["Timmar"], r["Kommentar"][:15]) for r in rows] == [
        ("aktiv tid", "8.00", ""), ("jour", "6.00", "ej fakturerad: "), ("beredskap", "6.00", "ej fakturerad: ")]


def test_nothing_to_bill_is_refused():
    with pytest.raises(BuildRefused) as e:
        tjorn_plan(report(shift("2024-02-05", "08:00", "16:00")))  # February, not March
    assert e.value.code == "nothing_to_bill"


def test_extension_invoice_is_separate_and_carries_the_base_reports(tmp_path):
    decisions = [decision(), decision("D-EXT", kind="extension", hours="40", per="period",
                                      valid_from="2024-03-18", valid_to="2024-03-24")]
    reports = [report(shift("2024-03-18", "08:00", "16:00"), shift("2024-03-18", "16:00", "20:00", decision="D-EXT")),
               report(shift("2024-03-19", "08:00", "16:00", who=BERTIL), who=BERTIL)]
    base = plan_invoices(PROVIDER, reports, decisions, TJORN, "2024-03", "base", OPTS)
    ext = plan_invoices(PROVIDER, reports, decisions, TJORN, "2024-03", "extension", OPTS)
    assert [ln.quantity for ln in base.drafts[0].lines] == [Decimal("16.00")]
    assert [ln.quantity for ln in ext.drafts[0].lines] == [Decimal("4.00")]
    assert ext.drafts[0].total == Decimal("1330.40")
    result, written = issue_all(ext, tmp_path)
    assert result.ok
    files = attachments(written["T-2024-00001"])
    assert len(files) == 3  # the extension's report, and both assistants' base reports
    descriptions = texts(xml(written["T-2024-00001"]), "cac:AdditionalDocumentReference/cbc:DocumentDescription")
    # assistants are numbered within the invoice (in personnummer order: Bertil 1, Anna 2), never named
    reports = ["Tidrapport 2024-03, assistent 2, tillfällig utökning D-EXT",
               "Tidrapport 2024-03, assistent 1, grundbeslut D-BASE (underlag)",
               "Tidrapport 2024-03, assistent 2, grundbeslut D-BASE (underlag)"]
    # each as CSV, then each as PDF, then the invoice's readable copy (invoices.pdf_copies)
    assert descriptions == reports + [f"{d} (PDF)" for d in reports] + [
        "Läsbar kopia av fakturan T-2024-00001 (PDF)"]


def test_extension_without_base_reports_is_refused():
    decisions = [decision(), decision("D-EXT", kind="extension", per="period")]
    with pytest.raises(BuildRefused) as e:
        plan_invoices(PROVIDER, [report(shift("2024-03-18", "16:00", "20:00", decision="D-EXT"))], decisions,
                      TJORN, "2024-03", "extension", OPTS)
    assert e.value.code == "base_timereports_missing"


def test_buyer_without_reference_code_is_refused(tmp_path):
    folder = tmp_path / "reg"
    folder.mkdir()
    (folder / "testkommun.toml").write_text(
        TESTKOMMUN.replace('reference_code = { value = "TEST01", source = "test fixture" }\n', ""), encoding="utf-8")
    m = load_registry([folder], use_env=False).get("testkommun")
    with pytest.raises(BuildRefused) as e:
        plan_invoices(PROVIDER, [report(shift("2024-03-04", "08:00", "16:00"))],
                      [decision(municipality="testkommun")], m, "2024-03", "base", OPTS)
    assert e.value.code == "no_reference_code" and "Testkommunen" in e.value.message


def test_provider_without_tax_registration_is_refused():
    p = PROVIDER.model_copy(update={"f_tax": False})
    with pytest.raises(BuildRefused) as e:
        plan_invoices(p, [report(shift("2024-03-04", "08:00", "16:00"))], [decision()], TJORN, "2024-03")
    assert e.value.code == "no_tax_registration"


# ------------------------------------------------------------------------ personal data

def test_names_and_personnummer_only_in_the_attachments(tmp_path):
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "16:00")),
                      report(shift("2024-03-05", "08:00", "16:00", who=BERTIL), who=BERTIL))
    result, written = issue_all(plan, tmp_path, sbdh=True)
    item = written["T-2024-00001"]
    outside = without_attachments(item)
    for p in (CLIENT, ANNA, BERTIL):
        assert p.name not in outside
        for form in (p.pnr, p.pnr[2:], f"{p.pnr[:8]}-{p.pnr[8:]}", f"{p.pnr[2:8]}-{p.pnr[8:]}"):
            assert form not in outside
    inside = b"".join(attachments(item).values()).decode("utf-8")
    assert CLIENT.name in inside and f"{CLIENT.pnr[:8]}-{CLIENT.pnr[8:]}" in inside
    assert ANNA.name in inside and BERTIL.name in inside
    assert CLIENT.name.encode() not in item.sbdh.replace(item.ubl, b"")  # nor in the envelope


@pytest.mark.parametrize("decision_id", [f"D-{CLIENT.pnr}", "Klienta Testbrukare 2024", "D-650101-1230"])
def test_personal_data_in_free_text_is_refused(decision_id):
    # the decision id is shown in the line descriptions and the note
    from invoices.model import validate_pnr
    if decision_id.startswith("D-65"):
        validate_pnr("650101-1230")  # the generic check: any valid personnummer, not only known people
    with pytest.raises(BuildRefused) as e:
        tjorn_plan(report(shift("2024-03-04", "08:00", "16:00", decision=decision_id)),
                   decisions=[decision(decision_id)])
    assert e.value.code == "personal_data_in_free_text"
    assert CLIENT.pnr not in e.value.message and "Klienta" not in e.value.message


def test_attachment_reads_back_as_the_same_time_report(tmp_path):
    r = report(shift("2024-03-04", "08:00", "15:30"), shift("2024-03-30", "22:00", "07:00", kind="waiting"),
               shift("2024-03-31", "09:00", "00:00", kind="waiting"), signed=(True, False))
    result, written = issue_all(tjorn_plan(r), tmp_path)
    (content,) = attachments(written["T-2024-00001"]).values()
    path = tmp_path / "back.csv"
    path.write_bytes(content)
    (back,) = read_timereports(path)
    assert back.assistant == ANNA and back.client == CLIENT and back.signatures == r.signatures
    assert back.calculation_period == "4 veckor" and back.collective_agreement_stated
    assert [(s.start, s.end, s.kind, s.hours) for s in back.shifts] == [(s.start, s.end, s.kind, s.hours) for s in r.shifts]


# --------------------------------------------------------------------------- issuing

def test_validation_failure_writes_nothing_and_voids_the_number(tmp_path):
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "16:00")))
    bad_line = plan.drafts[0].lines[0].model_copy(update={"unit_code": "HOURS"})  # not a UN/ECE Rec 20 code
    broken = dataclasses.replace(plan.drafts[0], lines=(bad_line,))
    result, written = issue_all([broken], tmp_path)
    assert not result.ok and written == {}
    (number, res), = result.invalid
    assert number == "T-2024-00001"
    assert "BR-CL-23" in {f.rule_id for f in res.findings if f.is_fatal}
    assert result.voided == [("T-2024-00001", "not written: validation failed (BR-CL-23)")]
    (entry,) = series(tmp_path).journal()
    assert (entry.status, entry.reason) == ("void", "not written: validation failed (BR-CL-23)")
    # the next run does not reuse the number
    result, written = issue_all(plan, tmp_path)
    assert list(written) == ["T-2024-00002"]


def test_all_or_nothing_when_one_of_several_is_invalid(tmp_path):
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "16:00")),
                      report(shift("2024-03-05", "08:00", "16:00", client=CLIENT2, decision="D-2"), client=CLIENT2),
                      decisions=[decision(), decision("D-2", client=CLIENT2)])
    assert len(plan.drafts) == 2
    bad = dataclasses.replace(plan.drafts[1], lines=(plan.drafts[1].lines[0].model_copy(update={"unit_code": "HOURS"}),))
    result, written = issue_all([plan.drafts[0], bad], tmp_path)
    assert written == {} and [n for n, _ in result.voided] == ["T-2024-00001", "T-2024-00002"]


def test_write_failure_voids_what_was_not_written(tmp_path):
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "16:00")),
                      report(shift("2024-03-05", "08:00", "16:00", client=CLIENT2, decision="D-2"), client=CLIENT2),
                      decisions=[decision(), decision("D-2", client=CLIENT2)])
    written = []

    def write(item):
        if written:
            raise OSError("disk full")
        written.append(item.number)

    s = series(tmp_path)
    with pytest.raises(IssueFailed) as e:
        issue(plan, series=s, write=write)
    assert written == ["T-2024-00001"]
    assert [i.number for i in e.value.result.issued] == ["T-2024-00001"]
    journal = {j.number: (j.status, j.reason) for j in s.journal()}
    assert journal == {"T-2024-00001": ("committed", None),
                       "T-2024-00002": ("void", "not written: OSError: disk full")}


def test_numbers_left_by_a_crash_are_reported_and_never_reused(tmp_path):
    s = series(tmp_path)
    crashed = s.reserve(year=2024)  # a run that died after reserving
    result, written = issue_all(tjorn_plan(report(shift("2024-03-04", "08:00", "16:00"))), tmp_path, series=s)
    assert result.stale == [crashed] == ["T-2024-00001"]
    assert list(written) == ["T-2024-00002"]


def test_sbdh_envelope(tmp_path):
    result, written = issue_all(tjorn_plan(report(shift("2024-03-04", "08:00", "16:00"))), tmp_path, sbdh=True)
    item = written["T-2024-00001"]
    env = unwrap(item.sbdh)
    assert (env.sender, env.receiver) == ("0007:5599011235", "0007:2120001306")
    assert env.document_type_id == codes.INVOICE_DOCUMENT_TYPE_ID
    assert env.process_id == codes.BILLING_PROCESS_ID
    assert env.country_c1 == "SE"
    assert etree.tostring(env.payload, method="c14n") == etree.tostring(etree.fromstring(item.ubl), method="c14n")


# ------------------------------------------------------------------------- the examples

# Eva (Borås) works 15-18 and then a night of waiting time 22-06 every Friday: 9 h without
# work in the 24 h from 15:00, under the statutory 11 h (a warning: her agreement may allow it).
# Eva's Friday evening (15-22) then a night of waiting time from 07:00: 9 h of rest; the
# shortfall is taken from the night's start (eva.csv row 3, 9, ...).
EVA_FRIDAYS = [("LSS-SRC-050", "warning", f"eva.csv row {row}") for row in (3, 9, 15, 21, 27)]


@pytest.mark.parametrize("slug,folder,kind,lines,total,n_attachments,findings", [
    ("tjorn", "tjorn-2024-03", "base",
     [("aktiv tid", "217.00", "332.60", "72174.20"), ("väntetid", "44.00", "332.60", "14634.40")], "86808.60", 3, []),
    ("tjorn", "tjorn-2024-03", "extension", [("aktiv tid", "28.00", "332.60", "9312.80")], "9312.80", 4, []),
    ("boras", "boras-2024-03", "base",
     [("aktiv tid", "220.50", "303", "66811.50"), ("väntetid", "40.00", "303", "12120.00")], "78931.50", 2,
     EVA_FRIDAYS),
])
def test_example_invoices(tmp_path, slug, folder, kind, lines, total, n_attachments, findings):
    provider, reports, decisions = example_inputs(folder)
    plan = plan_invoices(provider, reports, decisions, REGISTRY.get(slug), "2024-03", kind, OPTS)
    assert [(f.code, f.severity, f.where) for f in plan.findings] == findings
    (draft,) = plan.drafts
    assert [(ln.item_name.split(", ")[1], str(ln.quantity), str(ln.price), str(ln.net_amount))
            for ln in draft.lines] == lines
    assert str(draft.total) == total and len(not_pdf(draft.attachments)) == n_attachments
    assert len(draft.attachments) == 2 * n_attachments  # each time report also as PDF (invoices.pdf_copies)
    result, written = issue_all(plan, tmp_path, series=NumberSeries(tmp_path / "s.json", provider.invoice_prefix))
    assert result.ok and list(written) == ["PA-2024-00001"]


# ------------------------------------------------------------------------------ sick pay

def test_sickpay_invoice_line_by_line(tmp_path):
    plan = sick_plan()
    # Tjörn asks for the sick assistant's ordinary schedule and wage too (the evidence checklist):
    # this occasion gives neither.
    assert [(f.code, f.severity, f.message.split('"')[1]) for f in plan.findings] == [
        ("LSS-SRC-061", "warning", "Den sjuke assistentens ordinarie schema"),
        ("LSS-SRC-061", "warning", "Storlek på den sjuke ordinarie assistentens lön (timlön/månadslön)")]
    assert plan.notes == []
    (draft,) = plan.drafts
    got = [(ln.item_name, ln.quantity, ln.unit_code, ln.net_amount, ln.item_description) for ln in draft.lines]
    assert got == [
        ("Sjuklön", 1, "C62", Decimal("1159.20"), "Sjuklön enligt lönespecifikation, sjukdagar 2024-03-11–2024-03-12"),
        ("Semesterersättning", 1, "C62", Decimal("139.10"), "12 % av 1159.20 kr"),               # 139.104
        ("Lagstadgad arbetsgivaravgift", 1, "C62", Decimal("407.93"), "31.42 % av 1298.30 kr"),  # 407.92586
        ("Avtalsförsäkring", 1, "C62", Decimal("7.79"), "0.6 % av 1298.30 kr"),                  # 7.7898
        ("Kollektivavtalad pension", 1, "C62", Decimal("58.42"), "4.5 % av 1298.30 kr"),         # 58.4235
    ]
    assert draft.total == Decimal("1772.44")
    assert draft.period == (date(2024, 3, 11), date(2024, 3, 12))
    result, written = issue_all(plan, tmp_path)
    assert result.ok
    item = written["T-2024-00001"]
    root = xml(item)
    assert texts(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["1772.44"]
    files = attachments(item)
    assert list(files) == ["merkostnad-sjuklon-2024-03-11.csv", "tidrapport-2024-03-sjuklon-2024-03-11-02.csv",
                           "tidrapport-2024-03-sjuklon-2024-03-11-03.csv"]
    calc = list(csv.reader(io.StringIO(files["merkostnad-sjuklon-2024-03-11.csv"].decode("utf-8"))))
    as_dict = {row[0]: row[1] for row in calc if len(row) > 1}
    assert as_dict["Den enskildes namn"] == CLIENT.name
    assert as_dict["Sjuk assistent, personnummer"] == f"{ANNA.pnr[:8]}-{ANNA.pnr[8:]}"
    assert as_dict["Karensavdrag, datum"] == "2024-03-11"
    assert as_dict["Sjukdagar med vikarie"] == "2024-03-11, 2024-03-12"
    assert as_dict["Summa"] == "1772.44"
    outside = without_attachments(item)
    assert CLIENT.name not in outside and ANNA.name not in outside and ANNA.pnr[2:] not in outside


def test_sickpay_without_substitute_work_is_refused():
    reports = [SICK_REPORTS[0], report(shift("2024-03-14", "08:00", "15:00", who=CECILIA), who=CECILIA)]
    with pytest.raises(BuildRefused) as e:
        sick_plan(reports)
    assert e.value.code == "no_substitute_work"
    assert "1 not on a sick day" in e.value.message


def test_sickpay_second_claim_for_the_same_occasion_is_refused(tmp_path):
    s = series(tmp_path)
    ledger = SickPayLedger(tmp_path / "claims.json")
    result, written = issue_all(sick_plan(), tmp_path, series=s, ledger=ledger)
    assert result.ok and len(ledger.records()) == 1
    # the same occasion, and an overlapping one
    for spec in (occasion_spec(), occasion_spec(sick_days=(date(2024, 3, 12), date(2024, 3, 13)))):
        with pytest.raises(BuildRefused) as e:
            sick_plan(spec=spec, claimed=ledger.records())
        assert e.value.code == "duplicate_occasion" and "T-2024-00001" in e.value.message
    # a different occasion of the same assistant is fine
    other = report(shift("2024-03-20", "08:00", "15:00", who=CECILIA), who=CECILIA)
    assert sick_plan([*SICK_REPORTS, other], spec=occasion_spec(sick_days=(date(2024, 3, 20),)),
                     claimed=ledger.records()).drafts
    # the ledger refuses too, even when the plan was made without it (two runs at once)
    with pytest.raises(BuildRefused) as e:
        issue_all(sick_plan(), tmp_path, series=s, ledger=ledger)
    assert e.value.code == "duplicate_occasion"
    assert {j.number: j.status for j in s.journal()} == {"T-2024-00001": "committed", "T-2024-00002": "void"}


def test_sickpay_claim_released_by_a_void_number_or_a_credit_note(tmp_path):
    s = series(tmp_path)
    ledger = SickPayLedger(tmp_path / "claims.json")
    result, written = issue_all(sick_plan(), tmp_path, series=s, ledger=ledger)
    original = written["T-2024-00001"]
    credit = plan_credit_note(read_original(original.ubl), PROVIDER, OPTS, "fel sjuklönebelopp")
    result, credited = issue_all(credit, tmp_path, series=s, ledger=ledger)
    assert result.ok and ledger.records()[0].credited_by == "T-2024-00002"
    assert sick_plan(claimed=ledger.records()).drafts  # may be claimed again, corrected


def test_sickpay_needs_the_occasion_in_the_period_and_known_people():
    with pytest.raises(BuildRefused) as e:
        plan_sickpay(PROVIDER, SICK_REPORTS, [], TJORN, "2024-04", occasion_spec(), OPTS)
    assert e.value.code == "occasion_outside_period"
    with pytest.raises(BuildRefused) as e:
        sick_plan(spec=occasion_spec(client_pnr=CLIENT2.pnr))
    assert e.value.code == "client_not_in_timereports"
    stranger = synthetic_pnr("19600101", "234")
    with pytest.raises(BuildRefused) as e:
        sick_plan(spec=occasion_spec(sick_assistant_pnr=stranger))
    assert e.value.code == "sick_assistant_unknown"
    plan = sick_plan(spec=occasion_spec(sick_assistant_pnr=stranger, sick_assistant_name="Sjuk Testperson"))
    assert plan.notes and "no time report" in plan.notes[0]


def test_sickpay_example_file_and_template():
    spec = read_occasion(EXAMPLES / "sickpay-tjorn-2024-03.toml")
    assert (spec.sick_pay, spec.karens_date, spec.sick_days) == (
        Decimal("1159.20"), date(2024, 3, 11), (date(2024, 3, 11), date(2024, 3, 12)))
    assert spec.percentages.employer_contributions == Decimal("31.42")
    provider, reports, decisions = example_inputs("tjorn-2024-03")
    plan = plan_sickpay(provider, reports, decisions, TJORN, "2024-03", spec, OPTS)
    assert plan.drafts[0].total == Decimal("1772.44") and plan.findings == []


def test_occasion_template_reads_as_it_is(tmp_path):
    path = tmp_path / "occ.toml"
    path.write_text(occasion_template_toml(), encoding="utf-8")
    spec = read_occasion(path)
    assert spec.sick_pay == Decimal("1846.40") and spec.wage_per == "hour"


def test_occasion_file_errors_name_the_key(tmp_path):
    path = tmp_path / "occ.toml"
    path.write_text(f"""
[occasion]
client_pnr = "{CLIENT.pnr[:8]}-0001"
sick_assistant_pnr = "{ANNA.pnr}"
sick_days = []
substitute_pnr = "{ANNA.pnr}"
sick_pay = 1159.20
karens_date = 2024-03-11
no_karens_reason = "ingen karens"
colour = "blue"

[percentages]
holiday_pay = "120"
employer_contributions = "31.42"
insurance = "0.6"
""", encoding="utf-8")
    with pytest.raises(InputErrors) as e:
        read_occasion(path)
    got = {(err.field, err.message.split(";")[0].split(" (")[0]) for err in e.value}
    assert got == {
        ("[occasion] colour", "unknown key"),
        ("[occasion] client_pnr", "not a valid personnummer or samordningsnummer"),
        ("[occasion] sick_days", "must be a list of dates, e.g. [2024-03-11, 2024-03-12]"),
        ("[occasion] sick_pay", 'write the number as a string in quotes, e.g. "31.42"'),
        ("[occasion] karens_date", "give either karens_date or no_karens_reason, not both"),
        ("[occasion] substitute_pnr", "the substitute is the sick assistant"),
        ("[percentages] holiday_pay", "120 is not a percentage between 0 and 100"),
        ("[percentages] pension", "missing"),
    }
    assert all(err.file == "occ.toml" for err in e.value)
    assert CLIENT.pnr[:8] not in str(e.value)


# --------------------------------------------------------------------------- credit notes

def test_credit_note_credits_the_invoice_in_full(tmp_path):
    s = series(tmp_path)
    result, written = issue_all(tjorn_plan(report(shift("2024-03-04", "08:00", "15:30"))), tmp_path, series=s)
    original = written["T-2024-00001"]
    plan = plan_credit_note(read_original(original.sbdh or original.ubl), PROVIDER, OPTS, "fel timmar")
    result, written = issue_all(plan, tmp_path, series=s, sbdh=True)
    assert result.ok
    item = written["T-2024-00002"]
    root = xml(item)
    assert root.tag == f"{{{codes.UBL_CREDIT_NOTE_NS}}}CreditNote"
    assert texts(root, "cbc:CreditNoteTypeCode") == ["381"]
    assert texts(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == ["T-2024-00001"]
    assert texts(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == ["2024-04-02"]
    assert texts(root, "cbc:BuyerReference") == ["TK2044"]
    assert texts(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == ["2494.50"]
    assert texts(root, "cac:CreditNoteLine/cbc:CreditedQuantity") == ["7.5"]
    assert texts(root, "cbc:Note") == ["Kreditnota: krediterar faktura T-2024-00001 av 2024-04-02 i sin helhet. "
                                       "Orsak: fel timmar"]
    assert unwrap(item.sbdh).document_type_id == codes.CREDIT_NOTE_DOCUMENT_TYPE_ID
    # an SBDH-wrapped original reads too; a credit note is not credited again
    with pytest.raises(BuildRefused) as e:
        plan_credit_note(read_original(item.sbdh), PROVIDER, OPTS)
    assert e.value.code == "not_an_invoice"


def test_credit_note_refusals(tmp_path):
    result, written = issue_all(tjorn_plan(report(shift("2024-03-04", "08:00", "15:30"))), tmp_path)
    doc = read_original(written["T-2024-00001"].ubl)
    other = PROVIDER.model_copy(update={"org_nr": "5566778899"})
    with pytest.raises(BuildRefused) as e:
        plan_credit_note(doc, other, OPTS)
    assert e.value.code == "not_our_invoice"
    with pytest.raises(BuildRefused) as e:
        plan_credit_note(doc, PROVIDER, OPTS, f"fel klient {CLIENT.pnr}")
    assert e.value.code == "personal_data_in_free_text"
    with pytest.raises(InputErrors) as e:
        read_original(b"<not-xml", "x.xml")
    assert e.value.errors[0].file == "x.xml"


def test_plusgiro_and_iban_payment_means(tmp_path):
    p = PROVIDER.model_copy(update={"bankgiro": None, "plusgiro": "4000006", "iban": "SE4550000000058398257466",
                                    "bic": "ESSESESS"})
    plan = plan_invoices(p, [report(shift("2024-03-04", "08:00", "16:00"))], [decision()], TJORN, "2024-03",
                         "base", OPTS)
    result, written = issue_all(plan, tmp_path)
    assert result.ok
    root = xml(written["T-2024-00001"])
    assert texts(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["30", "30"]
    assert texts(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == ["4000006", "SE4550000000058398257466"]
    assert texts(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == [
        "SE:PLUSGIRO", "ESSESESS"]


def test_no_floats_anywhere_in_amounts():
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "15:30")))
    for ln in plan.drafts[0].lines:
        assert all(isinstance(v, Decimal) for v in (ln.quantity, ln.price, ln.net_amount))
    assert re.fullmatch(r"\d+\.\d{2}", str(plan.drafts[0].total))


def test_the_attached_time_report_shows_each_rows_real_hours_and_the_totals_the_line_bills(tmp_path):
    """The case officer adds up the rows and gets the line: 30-31 March 22:00-07:00 is 8 h of
    real time (the clocks go forward at 02:00), not the 9 the clock says; 4 March 7.50 h."""
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "15:30"), shift("2024-03-30", "22:00", "07:00")))
    (draft,) = plan.drafts
    assert [ln.quantity for ln in draft.lines] == [Decimal("15.50")]
    result, written = issue_all(plan, tmp_path)
    (content,) = attachments(written["T-2024-00001"]).values()
    grid = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    assert grid[0][4:8] + grid[0][-2:] == ["Datum", "Starttid", "Sluttid", "Tidstyp", "Timmar", "Kommentar"]
    assert [(r[4], r[5], r[6], r[7], r[-2], r[-1]) for r in grid[1:3]] == [
        ("2024-03-04", "08:00", "15:30", "aktiv tid", "7.50", ""),
        ("2024-03-30", "22:00", "07:00", "aktiv tid", "8.00", "klockan ställdes fram en timme (sommartid): verklig tid "
                                                              "8.00 h")]
    assert grid[4] == ["# Summa aktiv tid: 15.50 h"]


def test_the_invoice_and_its_time_reports_carry_readable_pdf_copies(tmp_path):
    """Read back as a person would: the text (pdftotext) holds the parties, the line, the total,
    the payment account and the attachments listed; the time report's the rows and the total;
    a page renders (pdftoppm) to an image that is not blank."""
    import shutil
    import subprocess

    from PIL import Image

    assert shutil.which("pdftotext") and shutil.which("pdftoppm"), "make test installs Debian's poppler-utils"
    plan = tjorn_plan(report(shift("2024-03-04", "08:00", "15:30"), shift("2024-03-30", "22:00", "07:00")))
    result, written = issue_all(plan, tmp_path)
    assert result.ok
    files = attachments(written["T-2024-00001"], pdf=True)
    assert sorted(files) == ["faktura-T-2024-00001.pdf", "tidrapport-2024-03-D-BASE-01.csv",
                             "tidrapport-2024-03-D-BASE-01.pdf"]

    def text_of(name: str) -> str:
        (tmp_path / name).write_bytes(files[name])
        done = subprocess.run(["pdftotext", "-layout", str(tmp_path / name), "-"], capture_output=True, text=True,
                              timeout=60)
        return " ".join(done.stdout.split())

    invoice = text_of("faktura-T-2024-00001.pdf")
    for expected in ("Faktura T-2024-00001", "Tjörns kommun", "Köparens referens TK2044", "15.50", "332.60",
                     "5155.30 SEK", "Att betala", "tidrapport-2024-03-D-BASE-01.csv",
                     "tidrapport-2024-03-D-BASE-01.pdf"):
        assert expected in invoice, expected
    assert ANNA.name not in invoice and ANNA.pnr[2:8] not in invoice  # the copy of the invoice: no personal data
    timereport = text_of("tidrapport-2024-03-D-BASE-01.pdf")
    for expected in ("Tidrapport 2024-03", ANNA.name, "2024-03-04 08:00 15:30 aktiv tid D-BASE 7.50",
                     "2024-03-30 22:00 07:00 aktiv tid D-BASE 8.00", "sommartid", "Summa aktiv tid 15.50 h"):
        assert expected in timereport, expected
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(tmp_path / "faktura-T-2024-00001.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(n for n, value in image.getcolors(maxcolors=256) if value < 128)
    assert dark > 500  # text drawn on the page
