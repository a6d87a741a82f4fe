"""The builders every test file uses: synthetic personnummer, people, shifts, time reports,
decisions, invoice plans, Peppol documents (BIS Billing 3.0 invoices and credit notes built
with peppol.model) and their SBDH envelopes.

Everything here is synthetic: personnummer get a valid Luhn check digit
(:func:`synthetic_pnr`, peppol.identifiers.luhn) and belong to nobody, names are obviously
fictional, the seller's organisation number 559900-0006 is made up. Only the municipalities'
organisation numbers (Tjörn 212000-1306, Borås 212000-1561) are real, and public.

A builder takes keyword overrides for what a test changes; the defaults are one consistent
month of work (Tjörn, March 2024) or one consistent invoice (January 2024). Test modules
import builders from here, never from one another (tests/test_factories.py checks it).
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import io
from datetime import date, datetime, time
from decimal import Decimal
from decimal import Decimal as D
from pathlib import Path

from lxml import etree

from invoices.build import BuildOptions, issue, plan_invoices, plan_sickpay
from invoices.inputs import parse_local_shift
from invoices.model import (
    Address,
    Assistant,
    Client,
    Contact,
    Decision,
    DecisionKind,
    GrantedPer,
    Provider,
    Shift,
    ShiftKind,
    Signatures,
    TimeReport,
)
from invoices.occasion import OccasionSpec
from invoices.registry import load_registry
from invoices.series import NumberSeries
from invoices.sickpay import SickPayPercentages
from peppol import codes
from peppol.identifiers import luhn
from peppol.model import (
    AllowanceCharge, Attachment, Buyer, Document, Identifier, Line, PaymentMeans, Period, PrecedingInvoice, Seller,
    VatExemption,
)
from peppol.model import Address as PartyAddress
from peppol.model import Contact as PartyContact
from peppol.sbdh import SBDH_NS, wrap
from peppol.ubl import to_ubl

from .helpers import removing, setting

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


# ------------------------------------------------------------------------ personnummer

def synthetic_pnr(birth: str, serial: str = "123") -> str:
    """A personnummer YYYYMMDDSSSC whose check digit C is the Luhn digit over the last ten
    digits (Skatteverket SKV 704): synthetic, nobody's. ``birth`` is not checked to be a date,
    so that a test can build a number with an impossible one (or a samordningsnummer, day + 60)."""
    return birth + serial + luhn.calc_check_digit(birth[-6:] + serial)


# The people of the source checks and readers (invoices.checks, invoices.inputs), by number.
ASSISTANT_PNR = synthetic_pnr("19900101", "123")
ASSISTANT2_PNR = synthetic_pnr("19850615", "456")
CLIENT_PNR = synthetic_pnr("19800101", "987")
CLIENT2_PNR = synthetic_pnr("19751231", "222")

# The people of a provider's month (invoices.build).
CLIENT = Client(pnr=synthetic_pnr("19750315", "128"), name="Klienta Testbrukare")
CLIENT2 = Client(pnr=synthetic_pnr("19700202", "345"), name="Annan Testbrukare")
ANNA = Assistant(pnr=synthetic_pnr("19880412", "282"), name="Assistenta Ettan")
BERTIL = Assistant(pnr=synthetic_pnr("19790903", "155"), name="Assistent Tvåan")
CECILIA = Assistant(pnr=synthetic_pnr("19950127", "364"), name="Vikarie Treans")
MINOR = Assistant(pnr=synthetic_pnr("20080601", "123"), name="Ungdom Testsson")  # turns 18 on 2026-06-01
PEOPLE = (CLIENT, CLIENT2, ANNA, BERTIL, CECILIA, MINOR)

PROVIDER = Provider(
    name="Testbolaget Assistans AB", org_nr="5599011235",
    address=Address(street="Testgatan 1", postal_code="411 01", city="Göteborg"),
    contact=Contact(name="Fakturafrågor Test", phone="031-000 00 00", email="faktura@test.invalid"),
    f_tax=True, bankgiro="55512347", invoice_prefix="T-",
)


def assistant(pnr: str, name: str = "Testa Testsson", *, eea: bool = True, capacity: bool = True) -> Assistant:
    """An assistant by personnummer, living in the EEA and able to work unless told otherwise."""
    return Assistant(pnr=pnr, name=name, lives_in_eea=eea, capacity_to_work=capacity)


def _pnr_of(person: Assistant | Client | str) -> str:
    return person if isinstance(person, str) else person.pnr


# ------------------------------------------------------------ shifts, time reports, decisions

_rows = iter(range(2, 10_000))


def shift_between(start: datetime, end: datetime, *, kind: ShiftKind | str = ShiftKind.ACTIVE,
                  decision: str = "D-BASE", who: Assistant | str = ANNA, client: Client | str = CLIENT,
                  source: str | None = None) -> Shift:
    """A shift between two aware datetimes; ``who`` and ``client`` are people or personnummer.
    Without a ``source`` it gets the next row of "t.csv"."""
    return Shift(assistant_pnr=_pnr_of(who), client_pnr=_pnr_of(client), start=start, end=end,
                 kind=ShiftKind(kind), decision_id=decision, source=source or f"t.csv row {next(_rows)}")


def shift(day: str, start: str, end: str, *, kind: ShiftKind | str = ShiftKind.ACTIVE, decision: str = "D-BASE",
          who: Assistant | str = ANNA, client: Client | str = CLIENT, source: str | None = None) -> Shift:
    """A shift on a day from wall-clock times in Stockholm (an end at or before the start is
    the next day), as invoices.inputs reads it."""
    s, e = parse_local_shift(date.fromisoformat(day), time.fromisoformat(start), time.fromisoformat(end))
    return shift_between(s, e, kind=kind, decision=decision, who=who, client=client, source=source)


def report(*shifts: Shift, who: Assistant | str = ANNA, client: Client | str = CLIENT, signed=(True, True),
           month: str | None = None, period: str | None = "4 veckor", agreement_stated: bool = True,
           kind_stated: bool = True) -> TimeReport:
    """One assistant's signed time report for one client; the month is the first shift's.
    A personnummer for ``who`` is :func:`assistant` with the default name, one for ``client``
    is "Klienta Klientsson"."""
    who = assistant(who) if isinstance(who, str) else who
    client = Client(pnr=client, name="Klienta Klientsson") if isinstance(client, str) else client
    return TimeReport(
        assistant=who, client=client, month=month or shifts[0].start.strftime("%Y-%m"), shifts=shifts,
        signatures=Signatures(assistant=signed[0], supervisor=signed[1]), calculation_period=period,
        collective_agreement=None, collective_agreement_stated=agreement_stated, kind_stated=kind_stated)


def decision(id: str = "D-BASE", kind: str = "base", municipality: str = "Tjörns kommun", hours: str = "300",
             per: GrantedPer | str = "month", valid_from: str = "2019-01-01", valid_to: str = "2026-12-31",
             client: Client | str = CLIENT) -> Decision:
    """A municipality's decision granting hours to a client."""
    return Decision(id=id, client_pnr=_pnr_of(client), municipality=municipality, kind=DecisionKind(kind),
                    valid_from=date.fromisoformat(valid_from), valid_to=date.fromisoformat(valid_to),
                    granted_hours=Decimal(hours), granted_per=GrantedPer(per))


# ------------------------------------------------- the same as a provider's files (CSV rows)

def timereport_row(**over) -> dict:
    """One row of a time-report file (the columns invoices.inputs reads): a signed 8-hour day."""
    row = {
        "assistant_pnr": ASSISTANT_PNR, "assistant_name": "Testa Testsson",
        "client_pnr": CLIENT_PNR, "client_name": "Klienta Klientsson",
        "date": "2024-05-02", "start": "08:00", "end": "16:00", "kind": "active",
        "decision_id": "D1", "assistant_signed": "yes", "supervisor_signed": "ja",
        "calculation_period": "4 weeks", "collective_agreement": "none",
        "assistant_lives_in_eea": "ja", "assistant_capacity_to_work": "yes",
        "assistant_related_to_client": "nej", "assistant_lives_with_client": "no",
    }
    row.update(over)
    return row


def decision_row(**over) -> dict:
    """One row of a decisions file: 20.5 hours a week for CLIENT_PNR in 2024."""
    row = dict(decision_id="D1", client_pnr=CLIENT_PNR, municipality="Exempelkommun", kind="base",
               valid_from="2024-01-01", valid_to="2024-12-31", granted_hours="20,5", granted_per="week")
    row.update(over)
    return row


def write_csv(tmp: Path, rows: list[dict], name: str = "timereports.csv", delimiter: str = ",",
              bom: bool = False, columns: list[str] | None = None) -> Path:
    """``rows`` as the CSV file ``tmp/name``; the columns are every row's keys, in order."""
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    path = tmp / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    return path


def write_xlsx(tmp: Path, rows: list[dict], name: str = "register.xlsx", columns: list[str] | None = None) -> Path:
    """``rows`` as the first sheet of the workbook ``tmp/name`` (cells as given: text, numbers,
    dates); the header is every row's keys, in order."""
    import openpyxl

    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(columns)
    for r in rows:
        ws.append([r.get(c) for c in columns])
    path = tmp / name
    wb.save(path)
    return path


# ------------------------------------------------- the municipality's registers (ingest.registers)

def register_decision_row(**over) -> dict:
    """One row of a municipality's decisions register: 65 hours a week for CLIENT_PNR in 2024."""
    row = dict(decision_id="BO-1", client_pnr=CLIENT_PNR, kind="base", valid_from="2024-01-01",
               valid_to="2024-12-31", granted_hours="65", granted_per="week")
    row.update(over)
    return row


def register_fk_row(**over) -> dict:
    """One row of FK's decisions register: 120 hours a week for CLIENT_PNR in 2024."""
    row = dict(client_pnr=CLIENT_PNR, valid_from="2024-01-01", valid_to="2024-12-31", fk_hours_per_week="120")
    row.update(over)
    return row


def register_assistant_row(**over) -> dict:
    """One row of the assistant register (11 a § LSS): ASSISTANT_PNR living in Sweden, able to
    work, not related, under the Working Hours Act with a 4-week calculation period, from 2024."""
    row = dict(assistant_pnr=ASSISTANT_PNR, name="Testa Testsson", residence_country="SE", capacity_to_work="yes",
               related_to_client="no", same_household="no", employer_org_nr="559901-1235", regime="atl",
               calculation_period_weeks="4", valid_from="2024-01-01")
    row.update(over)
    return row


# ------------------------------------------------------------------------ invoice plans

REGISTRY = load_registry(use_env=False)
TJORN = REGISTRY.get("tjorn")
BORAS = REGISTRY.get("boras")
VASTERAS = REGISTRY.get("vasteras")
ISSUE_DATE = date(2024, 4, 2)
OPTS = BuildOptions(issue_date=ISSUE_DATE)
REDOVISNING_OPTS = BuildOptions(issue_date=date(2021, 4, 2))
# the last line of a Västerås monthly report (invoices.redovisning)
ATTACH_NOTE = ("Tidrapporter: en per assistent bifogas i e-tjänsten (filerna tidrapport-*.csv), "
               "signerade av assistent och arbetsledare/ombud.")
NS = {"cac": codes.UBL_CAC_NS, "cbc": codes.UBL_CBC_NS}


def tjorn_plan(*reports: TimeReport, decisions=None, period="2024-03", kind="base", options=OPTS):
    """The plan of PROVIDER's invoices to Tjörn for ``period``."""
    return plan_invoices(PROVIDER, list(reports), decisions or [decision()], TJORN, period, kind, options)


def occasion_spec(**kw) -> OccasionSpec:
    """Anna sick on 11-12 March 2024, Cecilia her substitute."""
    values = dict(client_pnr=CLIENT.pnr, sick_assistant_pnr=ANNA.pnr,
                  sick_days=(date(2024, 3, 11), date(2024, 3, 12)), substitute_pnrs=(CECILIA.pnr,),
                  sick_pay=Decimal("1159.20"),
                  percentages=SickPayPercentages(holiday_pay="12", employer_contributions="31.42",
                                                 insurance="0.6", pension="4.5"),
                  karens_date=date(2024, 3, 11), source="occasion.toml")
    values.update(kw)
    return OccasionSpec(**values)


SICK_REPORTS = [
    report(shift("2024-03-04", "08:00", "15:00"), shift("2024-03-13", "08:00", "15:00")),              # Anna
    report(shift("2024-03-11", "08:00", "15:00", who=CECILIA), shift("2024-03-12", "08:00", "15:00", who=CECILIA),
           who=CECILIA),                                                                              # the substitute
]


def sick_plan(reports=SICK_REPORTS, spec=None, **kw):
    """The plan of the sick-pay invoice to Tjörn for :func:`occasion_spec`."""
    return plan_sickpay(PROVIDER, reports, [decision()], TJORN, "2024-03", spec or occasion_spec(), OPTS, **kw)


def example_inputs(folder: str):
    """The examples' provider, the time reports of ``examples/timereports/<folder>`` and the decisions."""
    from invoices.inputs import read_decisions, read_provider, read_timereports

    return (read_provider(EXAMPLES / "provider.toml"), read_timereports(EXAMPLES / "timereports" / folder),
            read_decisions(EXAMPLES / "decisions.csv"))


def series(tmp_path: Path, prefix: str = "T-") -> NumberSeries:
    return NumberSeries(tmp_path / "series.json", prefix)


def issue_all(plan, tmp_path: Path, **kw):
    """Issue into a dict (number -> Issued); returns (result, written)."""
    written: dict = {}
    result = issue(plan, series=kw.pop("series", None) or series(tmp_path),
                   write=lambda item: written.setdefault(item.number, item), **kw)
    return result, written


def xml(item) -> etree._Element:
    return etree.fromstring(item.ubl)


def texts(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.xpath(path, namespaces=NS)]


def attachments(item, *, pdf: bool = False) -> dict[str, bytes]:
    """The embedded attachments by file name; the PDF copies (invoices.pdf_copies) only with ``pdf``."""
    root = xml(item)
    return {e.get("filename"): base64.b64decode(e.text)
            for e in root.xpath("//cbc:EmbeddedDocumentBinaryObject", namespaces=NS)
            if pdf or e.get("mimeCode") != "application/pdf"}


def not_pdf(draft_attachments) -> list:
    """A draft's attachments without the time reports' PDF copies (invoices.pdf_copies)."""
    return [a for a in draft_attachments if a.mime_code != "application/pdf"]


def without_attachments(item) -> str:
    """The UBL text with the embedded attachments' content removed."""
    root = xml(item)
    for e in root.xpath("//cbc:EmbeddedDocumentBinaryObject", namespaces=NS):
        e.text = ""
    return etree.tostring(root, encoding="unicode")


# ------------------------------------------------------------------- Peppol documents

SELLER_ORGNR = "5599000006"  # synthetic, valid Luhn
TJORN_ORGNR = "2120001306"
JANUARY = Period(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31))


def seller(**overrides) -> Seller:
    data = dict(
        registration_name="Exempelbolaget Omsorg AB",
        name="Exempelomsorg",
        endpoint=f"0007:{SELLER_ORGNR}",
        legal_registration_id=Identifier(value=SELLER_ORGNR, scheme="0007"),
        tax_registration_id=codes.SE_F_TAX_TEXT,
        address=PartyAddress(street="Exempelgatan 1", city="Exempelstad", postal_code="11122", country="SE"),
        contact=PartyContact(name="Eva Exempel", telephone="+46 31 000 00 00", email="faktura@example.se"),
    )
    data.update(overrides)
    return Seller(**data)


def buyer(**overrides) -> Buyer:
    data = dict(
        registration_name="Tjörns kommun",
        endpoint=f"0007:{TJORN_ORGNR}",
        legal_registration_id=Identifier(value=TJORN_ORGNR, scheme="0007"),
        address=PartyAddress(street="Kommunhuset", city="Skärhamn", postal_code="47180", country="SE"),
    )
    data.update(overrides)
    return Buyer(**data)


def hours_line(line_id: str, hours: str, rate: str, **overrides) -> Line:
    data = dict(id=line_id, quantity=D(hours), unit_code=codes.UNIT_HOUR, price=D(rate),
                vat_category=codes.VAT_EXEMPT, vat_rate=D("0"), item_name=f"Omsorgstjänst, timmar ({line_id})",
                period=JANUARY)
    data.update(overrides)
    return Line(**data)


def exempt_invoice(**overrides) -> Document:
    """A Swedish VAT-exempt (category E, VATEX-EU-132-1G) invoice: seller with F-tax and no
    VAT number, Bankgiro, buyer reference, 0007 endpoints, an embedded PDF."""
    data = dict(
        id="INV-2024-0001",
        issue_date=dt.date(2024, 2, 5),
        due_date=dt.date(2024, 3, 6),
        buyer_reference="TK2044",
        invoice_period=JANUARY,
        notes=["Underlag bifogas."],
        payment_terms="30 dagar netto",
        seller=seller(),
        buyer=buyer(),
        payment_means=[PaymentMeans.bankgiro("5050-1055", payment_id="INV20240001")],
        vat_exemptions=[VatExemption(category="E", reason_code=codes.VATEX_EU_132_1G,
                                     reason="Momsfri social omsorg")],
        lines=[
            hours_line("1", "120.5", "332.60"),
            hours_line("2", "10.25", "332.60", note="Tillfällig utökning"),
            hours_line("3", "3", "299.80", period=Period(start=dt.date(2024, 1, 10), end=dt.date(2024, 1, 12))),
        ],
        attachments=[Attachment.embedded("UNDERLAG-1", b"%PDF-1.4\n% synthetic\n", filename="underlag.pdf",
                                         mime_code="application/pdf", description="Underlag januari")],
    )
    data.update(overrides)
    return Document(**data)


def standard_rated_invoice(**overrides) -> Document:
    """Category S at 25 % and 12 %, with a document allowance and charge."""
    data = dict(
        id="INV-2024-0002",
        issue_date=dt.date(2024, 2, 5),
        due_date=dt.date(2024, 3, 6),
        buyer_reference="TK2044",
        seller=seller(vat_id="SE 559900-0006 01"),
        buyer=buyer(),
        payment_means=[PaymentMeans.plusgiro("90 20 03-3")],
        allowances_charges=[
            AllowanceCharge.allowance(D("10.00"), "Rabatt", "S", D("25")),
            AllowanceCharge.charge(D("5.00"), "Fakturaavgift", "S", D("25")),
        ],
        lines=[
            Line(id="1", quantity=D("3"), unit_code="C62", price=D("100.00"), vat_category="S", vat_rate=D("25"),
                 item_name="Material"),
            Line(id="2", quantity=D("2"), unit_code="C62", price=D("49.95"), vat_category="S", vat_rate=D("25"),
                 item_name="Hjälpmedel"),
            Line(id="3", quantity=D("1"), unit_code="C62", price=D("1000"), vat_category="S", vat_rate=D("12"),
                 item_name="Resa"),
        ],
    )
    data.update(overrides)
    return Document(**data)


def credit_note(**overrides) -> Document:
    """A credit note (BIS 3 CreditNote) crediting INV-2024-0001."""
    data = dict(
        kind="creditnote",
        id="CN-2024-0001",
        issue_date=dt.date(2024, 2, 20),
        due_date=dt.date(2024, 3, 21),
        buyer_reference="TK2044",
        project_reference="P-17",
        preceding_invoices=[PrecedingInvoice(id="INV-2024-0001", issue_date=dt.date(2024, 2, 5))],
        seller=seller(),
        buyer=buyer(),
        payment_means=[PaymentMeans.bankgiro("5050-1055")],
        vat_exemptions=[VatExemption(category="E", reason_code=codes.VATEX_EU_132_1G)],
        lines=[hours_line("1", "10.25", "332.60", period=None)],
    )
    data.update(overrides)
    return Document(**data)


def invoice_with_attachment(size: int) -> tuple[bytes, bytes]:
    """The UBL of an exempt invoice embedding a PDF of ``size`` random bytes, and that PDF."""
    import os

    content = b"%PDF-1.7\n" + os.urandom(size)
    pdf = Attachment.embedded("SCAN-1", content, filename="underlag.pdf", mime_code="application/pdf")
    return to_ubl(exempt_invoice(id="INV-BIG", attachments=[pdf])), content


# ------------------------------------------------------------------------ SBDH envelopes

S = "{%s}" % SBDH_NS
HDR = f"{S}StandardBusinessDocumentHeader"
SENDER = f"0007:{SELLER_ORGNR}"
RECEIVER = f"0007:{TJORN_ORGNR}"
CREATED = dt.datetime(2024, 2, 5, 10, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
INSTANCE = "6f1d0c52-8a4e-4d44-9f0e-3b1a2c3d4e5f"


def envelope_bytes(**overrides) -> bytes:
    """:func:`exempt_invoice` wrapped by peppol.sbdh.wrap, seller to Tjörn."""
    args = dict(sender=SENDER, receiver=RECEIVER, document_type_id=codes.INVOICE_DOCUMENT_TYPE_ID,
                process_id=codes.BILLING_PROCESS_ID, instance_id=INSTANCE, created=CREATED)
    args.update(overrides)
    return wrap(to_ubl(exempt_invoice()), **args)


def header(root: etree._Element) -> etree._Element:
    return root.find(S + "StandardBusinessDocumentHeader")


def scope(root: etree._Element, type_: str) -> etree._Element:
    for sc in header(root).find(S + "BusinessScope"):
        if sc.findtext(S + "Type") == type_:
            return sc
    raise AssertionError(type_)


def _second_payload(root):
    root.append(etree.fromstring(to_ubl(credit_note())))


# Every broken envelope (an edit of a parsed good one) and peppol.sbdh.unwrap's message for it.
# tests/test_validate_envelope.py runs the same edits through validate.envelope, and the ingest
# tests drop them in the inbox.
BROKEN_ENVELOPES = [
    (removing(HDR), "the StandardBusinessDocumentHeader is missing"),
    (removing(f"{HDR}/{S}Receiver"), "StandardBusinessDocumentHeader: Receiver is missing"),
    (removing(f"{HDR}/{S}Sender"), "StandardBusinessDocumentHeader: Sender is missing"),
    (removing("{%s}Invoice" % codes.UBL_INVOICE_NS), "the envelope holds no business document (payload)"),
    (_second_payload, "the envelope holds 2 business documents (Invoice, CreditNote); Peppol allows exactly one"),
    (removing(f"{HDR}/{S}DocumentIdentification"),
     "StandardBusinessDocumentHeader: DocumentIdentification is missing"),
    (removing(f"{HDR}/{S}BusinessScope"), "StandardBusinessDocumentHeader: BusinessScope is missing"),
    (lambda r: scope(r, "DOCUMENTID").getparent().remove(scope(r, "DOCUMENTID")),
     "BusinessScope: the DOCUMENTID scope is missing"),
    (lambda r: scope(r, "PROCESSID").getparent().remove(scope(r, "PROCESSID")),
     "BusinessScope: the PROCESSID scope is missing"),
    (setting(f"{HDR}/{S}HeaderVersion", "2.0"), "HeaderVersion must be '1.0', got '2.0'"),
    (setting(f"{HDR}/{S}Receiver/{S}Identifier", ""), "Receiver/Identifier is empty"),
    (lambda r: r.find(f"{HDR}/{S}Sender/{S}Identifier").set("Authority", "GLN"),
     "Sender/Identifier: Authority must be 'iso6523-actorid-upis', got 'GLN'"),
    (setting(f"{HDR}/{S}DocumentIdentification/{S}Type", "CreditNote"),
     "DocumentIdentification says {urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}CreditNote but the "
     "payload is {urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"),
    (setting(f"{HDR}/{S}DocumentIdentification/{S}CreationDateAndTime", "yesterday"),
     "DocumentIdentification/CreationDateAndTime: 'yesterday' is not an xs:dateTime"),
    (removing(f"{HDR}/{S}DocumentIdentification/{S}InstanceIdentifier"),
     "DocumentIdentification: InstanceIdentifier is missing"),
    (lambda r: header(r).insert(2, etree.fromstring(
        f'<Receiver xmlns="{SBDH_NS}"><Identifier Authority="iso6523-actorid-upis">0007:2120001561</Identifier>'
        f'</Receiver>')),
     "StandardBusinessDocumentHeader: Receiver occurs 2 times, the Peppol envelope has exactly one"),
]
