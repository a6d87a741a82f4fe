"""Blank input files for a provider to fill in: returned as text or bytes, never written.

The CLI decides where to write them. Every template carries one example row with
synthetic, obviously fictional data, commented out (first cell starts with ``#``) so that
reading an untouched template yields nothing; removing the ``#`` gives a row the readers in
:mod:`invoices.inputs` accept. Cells are written through :mod:`invoices.spreadsheet`, as every
CSV and XLSX cell the project writes.
"""
from __future__ import annotations

import csv
import io
from datetime import date, time

from .decisions import DECISION_COLUMNS
from .spreadsheet import csv_cell, csv_row, xlsx_append
from .timereports import TIMEREPORT_COLUMNS, TIMEREPORT_REQUIRED

__all__ = [
    "timereport_template_csv",
    "timereport_template_xlsx",
    "decisions_template_csv",
    "decisions_template_xlsx",
    "provider_template_toml",
    "TIMEREPORT_HELP",
    "DECISION_HELP",
]

# Synthetic identities (valid format and Luhn check digit, fictional names).
_ASSISTANT_PNR = "19900101-1239"  # synthetic
_CLIENT_PNR = "19800101-9879"  # synthetic
_ORG_NR = "559999-0008"
_BANKGIRO = "999-9996"

_TIMEREPORT_EXAMPLE = {
    "assistant_pnr": _ASSISTANT_PNR,
    "assistant_name": "Testa Testsson",
    "client_pnr": _CLIENT_PNR,
    "client_name": "Klienta Klientsson",
    "date": date(2024, 5, 2),
    "start": time(22, 0),
    "end": time(6, 0),
    "kind": "active",
    "decision_id": "EX-2024-001",
    "assistant_signed": "yes",
    "supervisor_signed": "yes",
    "calculation_period": "4 weeks",
    "collective_agreement": "none",
    "assistant_lives_in_eea": "yes",
    "assistant_capacity_to_work": "yes",
    "assistant_related_to_client": "no",
    "assistant_lives_with_client": "no",
}

_DECISION_EXAMPLE = {
    "decision_id": "EX-2024-001",
    "client_pnr": _CLIENT_PNR,
    "municipality": "Exempelkommun",
    "kind": "base",
    "valid_from": date(2024, 1, 1),
    "valid_to": date(2024, 12, 31),
    "granted_hours": "20,5",
    "granted_per": "week",
}

# column -> (Svenska, English)
TIMEREPORT_HELP: dict[str, tuple[str, str]] = {
    "assistant_pnr": ("Assistentens personnummer (ÅÅÅÅMMDD-NNNN).",
                      "The assistant's personal identity number (YYYYMMDD-NNNN)."),
    "assistant_name": ("Assistentens namn.", "The assistant's name."),
    "client_pnr": ("Den assistansberättigades personnummer eller samordningsnummer.",
                   "The client's personal identity or coordination number."),
    "client_name": ("Den assistansberättigades namn.", "The client's name."),
    "date": ("Passets startdatum, ÅÅÅÅ-MM-DD.", "The date the shift starts, YYYY-MM-DD."),
    "start": ("Starttid TT:MM, svensk lokal tid.", "Start time HH:MM, Swedish local time."),
    "end": ("Sluttid TT:MM. Tidigare än eller lika med start = nästa dag (00:00-00:00 = ett dygn).",
            "End time HH:MM. Earlier than or equal to start = the next day (00:00-00:00 = a full day)."),
    "kind": ("Typ av tid: active/aktiv, waiting/väntetid, on_call/jour, standby/beredskap.",
             "Kind of time: active, waiting, on_call (jour), standby (beredskap)."),
    "decision_id": ("Beslutets id (samma som i beslutsfilen).",
                    "The decision's id (as in the decisions file)."),
    "assistant_signed": ("Har assistenten signerat tidrapporten? ja/nej.",
                         "Has the assistant signed the time report? yes/no."),
    "supervisor_signed": ("Har arbetsledare eller ombud (med fullmakt) signerat? ja/nej.",
                          "Has the supervisor or representative (with power of attorney) signed? yes/no."),
    "calculation_period": ("Assistentens beräkningsperiod, t.ex. '4 veckor'.",
                           "The assistant's calculation period, e.g. '4 weeks'."),
    "collective_agreement": ("Kollektivavtal som gäller assistenten, eller 'ingen'.",
                             "Collective agreement covering the assistant, or 'none'."),
    "assistant_lives_in_eea": ("Bor assistenten inom EES? ja/nej (9 d § 2 LSS). Tomt = ej angivet (en anmärkning).",
                               "Does the assistant live in the EEA? yes/no (9 d § 2 LSS). Blank = not stated "
                               "(a finding)."),
    "assistant_capacity_to_work": ("Har assistenten förmåga att arbeta som assistent? ja/nej (9 d § 3 LSS). "
                                   "Tomt = ej angivet (en anmärkning).",
                                   "Is the assistant able to work as an assistant? yes/no (9 d § 3 LSS). "
                                   "Blank = not stated (a finding)."),
    "assistant_related_to_client": ("Är assistenten närstående till den assistansberättigade? ja/nej (11 a § LSS). "
                                    "Tomt = ej angivet (en anmärkning).",
                                    "Is the assistant related to the client? yes/no (11 a § LSS). "
                                    "Blank = not stated (a finding)."),
    "assistant_lives_with_client": ("Bor assistenten tillsammans med den assistansberättigade? ja/nej (11 a § LSS). "
                                    "Tomt = ej angivet (en anmärkning).",
                                    "Does the assistant live with the client? yes/no (11 a § LSS). "
                                    "Blank = not stated (a finding)."),
}

DECISION_HELP: dict[str, tuple[str, str]] = {
    "decision_id": ("Beslutets id, unikt.", "The decision's id, unique."),
    "client_pnr": ("Den assistansberättigades personnummer.", "The client's personal identity number."),
    "municipality": ("Kommunen som fattat beslutet: namn (t.ex. Tjörn eller Tjörns kommun) eller organisationsnummer.",
                     "The municipality that made the decision: its name (e.g. Tjörn) or organisation number."),
    "kind": ("base = grundbeslut, extension = tillfällig utökning, sickpay = merkostnad sjuklön.",
             "base = base decision, extension = temporary extension, sickpay = extra cost of sick pay."),
    "valid_from": ("Beslutet gäller från, ÅÅÅÅ-MM-DD.", "Valid from, YYYY-MM-DD."),
    "valid_to": ("Beslutet gäller till och med, ÅÅÅÅ-MM-DD.", "Valid to (inclusive), YYYY-MM-DD."),
    "granted_hours": ("Beviljade timmar, decimal med , eller .", "Granted hours, a decimal with , or ."),
    "granted_per": ("Per week/vecka, month/månad eller period (hela beslutsperioden).",
                    "Per week, month or period (the whole decision period)."),
}


def _csv(columns: tuple[str, ...], example: dict) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(csv_row(columns))
    row = [example[c] for c in columns]
    row[0] = "#" + str(row[0])
    writer.writerow(csv_row(row))
    return buf.getvalue()


def timereport_template_csv() -> str:
    """Header and one commented example row (UTF-8 text, ``,`` delimiter, CRLF lines)."""
    return _csv(TIMEREPORT_COLUMNS, _TIMEREPORT_EXAMPLE)


def decisions_template_csv() -> str:
    """Header and one commented example row of the decisions file."""
    return _csv(DECISION_COLUMNS, _DECISION_EXAMPLE)


def _xlsx(sheet_title: str, columns: tuple[str, ...], required: tuple[str, ...], example: dict,
          help_: dict[str, tuple[str, str]], notes: list[tuple[str, str]],
          lists: dict[str, str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in xlsx_append(ws, columns):
        cell.font = bold
        cell.fill = fill
    row = [example[c] for c in columns]
    row[0] = "#" + str(row[0])
    grey = Font(italic=True, color="808080")
    for cell, col in zip(xlsx_append(ws, row), columns):
        cell.font = grey
        if isinstance(example[col], time):
            cell.number_format = "hh:mm"
        elif isinstance(example[col], date):
            cell.number_format = "yyyy-mm-dd"
    for i, col in enumerate(columns, start=1):
        width = max(len(col), len(csv_cell(example[col])) + 1) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, 10), 40)
    for col, allowed in lists.items():
        letter = get_column_letter(columns.index(col) + 1)
        dv = DataValidation(type="list", formula1=f'"{allowed}"', allow_blank=True)
        dv.add(f"{letter}2:{letter}5000")
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"

    info = wb.create_sheet("Instructions")
    for cell in xlsx_append(info, ["column / kolumn", "required / obligatorisk", "Svenska", "English"]):
        cell.font = bold
        cell.fill = fill
    for col in columns:
        sv, en = help_[col]
        req = "ja / yes" if col in required else "nej / no"
        xlsx_append(info, [col, req, sv, en])
    xlsx_append(info, [])
    for sv, en in notes:
        xlsx_append(info, ["", "", sv, en])
    for letter, width in zip("ABCD", (28, 22, 70, 70)):
        info.column_dimensions[letter].width = width

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_COMMON_NOTES = [
    ("Rad 1 är rubriker; ändra dem inte. Rader som börjar med # läses inte (exempelraden).",
     "Row 1 holds the headers; do not change them. Rows starting with # are not read (the example row)."),
    ("Endast det första bladet läses. Använd fiktiva uppgifter i exempel.",
     "Only the first sheet is read. Use fictional data in examples."),
]


def timereport_template_xlsx() -> bytes:
    """An .xlsx workbook: sheet "Tidrapport" (bold header, widths, a commented example row,
    drop-down lists for ``kind`` and yes/no columns) and sheet "Instructions" (each column
    explained in Swedish and English)."""
    notes = _COMMON_NOTES + [
        ("En rad per pass. Ett pass som går över midnatt skrivs på startdagen.",
         "One row per shift. A shift crossing midnight goes on the day it starts."),
        ("Tider 02:00-02:59 sista söndagen i mars finns inte (sommartid); sista söndagen i oktober "
         "avser de den första förekomsten.",
         "Times 02:00-02:59 on the last Sunday of March do not exist (summer time); on the last "
         "Sunday of October they mean the first occurrence."),
        ("Aktiv tid och väntetid redovisas på separata rader (kolumnen kind).",
         "Active time and waiting time go on separate rows (the kind column)."),
    ]
    yes_no = "yes,no,ja,nej"
    return _xlsx("Tidrapport", TIMEREPORT_COLUMNS, TIMEREPORT_REQUIRED, _TIMEREPORT_EXAMPLE,
                 TIMEREPORT_HELP, notes,
                 {"kind": "active,waiting,on_call,standby",
                  "assistant_signed": yes_no, "supervisor_signed": yes_no,
                  "assistant_lives_in_eea": yes_no, "assistant_capacity_to_work": yes_no,
                  "assistant_related_to_client": yes_no, "assistant_lives_with_client": yes_no})


def decisions_template_xlsx() -> bytes:
    """An .xlsx workbook of the decisions file, laid out like the time report template."""
    return _xlsx("Beslut", DECISION_COLUMNS, DECISION_COLUMNS, _DECISION_EXAMPLE, DECISION_HELP,
                 _COMMON_NOTES,
                 {"kind": "base,extension,sickpay", "granted_per": "week,month,period"})


def provider_template_toml() -> str:
    """A provider profile with synthetic values, readable by ``read_provider`` as it is;
    the provider replaces every value with its own."""
    return f'''# lssinvoice provider profile (assistansanordnarens uppgifter).
# Replace every value with your own. Optional keys may be removed or left as "".

[provider]
name = "Exempel Assistans AB"          # legal name / företagsnamn
org_nr = "{_ORG_NR}"                 # organisation number / organisationsnummer
f_tax = true                           # approved for F-tax / godkänd för F-skatt (true/false)
vat_number = ""                        # optional: SE + org nr + 01 (personal assistance is VAT exempt)
bankgiro = "{_BANKGIRO}"                  # at least one of bankgiro, plusgiro, iban
plusgiro = ""
iban = ""
bic = ""                               # with iban

[address]
street = "Exempelgatan 1"
postal_code = "123 45"
city = "Exempelstad"
country = "SE"

[contact]
name = "Testa Testsson"
phone = "000-000 00 00"
email = "faktura@example.invalid"

[invoice]
prefix = "LSS-"                        # invoice numbers start with this
'''
