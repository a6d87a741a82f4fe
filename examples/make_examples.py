"""Regenerate the example time reports and decisions (synthetic people, fictional names).

    .venv/bin/python examples/make_examples.py

Every personnummer here is synthetic: a plausible date, a serial and a valid Luhn check
digit, with obviously fictional names. The files this writes are committed; the script is
kept so that they can be re-made and read as a specification of the examples.
"""
from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from invoices.spreadsheet import csv_row  # every CSV cell the project writes goes through it

HERE = Path(__file__).resolve().parent
COLUMNS = ("assistant_pnr", "assistant_name", "client_pnr", "client_name", "date", "start", "end", "kind",
           "decision_id", "assistant_signed", "supervisor_signed", "calculation_period",
           "collective_agreement")

CLIENTS = {
    "klara": ("19750315-1289", "Klara Exempelsson"),     # Tjörn
    "bo": ("19680704-3390", "Bo Testberg"),              # Borås
    "vera": ("19821120-4469", "Vera Påhittad"),          # Västerås
}
ASSISTANTS = {
    "anna": ("19880412-2821", "Anna Provsson"),
    "bertil": ("19790903-1556", "Bertil Fiktivsson"),
    "cecilia": ("19950127-3644", "Cecilia Låtsasdotter"),
    "david": ("19910618-4717", "David Demosson"),
    "eva": ("19861005-5827", "Eva Exempeldotter"),
    "filip": ("19970314-6937", "Filip Skenbarsson"),
}
AGREEMENT = "Exempelavtalet för personlig assistans"


def days(year: int, month: int):
    d = date(year, month, 1)
    while d.month == month:
        yield d
        d += timedelta(days=1)


def write_reports(folder: str, client: str, rows: dict[str, list[tuple]], agreement: str,
                  period: str = "4 veckor") -> None:
    out = HERE / "timereports" / folder
    out.mkdir(parents=True, exist_ok=True)
    c_pnr, c_name = CLIENTS[client]
    for who, shifts in rows.items():
        a_pnr, a_name = ASSISTANTS[who]
        with (out / f"{who}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(csv_row(COLUMNS))
            for day, start, end, kind, decision in sorted(shifts):
                w.writerow(csv_row([a_pnr, a_name, c_pnr, c_name, day, start, end, kind, decision,
                                    "ja", "ja", period, agreement]))


def tjorn() -> None:
    """Tjörn, March 2024 (rate: FK's 2024 standard amount, 332.60). Day shifts 08-15 every
    day; Saturday nights 22-07 waiting time, among them 30-31 March when the clocks go
    forward (8 real hours). Anna is sick 11-12 March and Cecilia substitutes (the sick-pay
    occasion). 18-24 March a temporary extension: 16-20 every evening (Anna)."""
    rows: dict[str, list[tuple]] = {"anna": [], "bertil": [], "cecilia": []}
    for d in days(2024, 3):
        wd = d.weekday()
        who = "anna" if wd in (0, 1) else "bertil" if wd in (2, 3) else "cecilia"
        if d in (date(2024, 3, 11), date(2024, 3, 12)):
            who = "cecilia"  # Anna is sick; Cecilia substitutes
        rows[who].append((d, "08:00", "15:00", "active", "TJ-2024-01"))
        if wd == 5:
            rows["bertil"].append((d, "22:00", "07:00", "waiting", "TJ-2024-01"))
        if date(2024, 3, 18) <= d <= date(2024, 3, 24):
            rows["anna"].append((d, "16:00", "20:00", "active", "TJ-2024-07"))
    write_reports("tjorn-2024-03", "klara", rows, AGREEMENT)


def boras() -> None:
    """Borås, March 2024 (303 kr/h in 2024). Weekdays David 07:30-15:00 (7.5 h), Eva
    15:00-18:00; Friday nights Eva 22:00-06:00 waiting time (crossing midnight)."""
    rows: dict[str, list[tuple]] = {"david": [], "eva": []}
    for d in days(2024, 3):
        if d.weekday() < 5:
            rows["david"].append((d, "07:30", "15:00", "active", "BO-2024-03"))
            rows["eva"].append((d, "15:00", "18:00", "active", "BO-2024-03"))
        if d.weekday() == 4:
            rows["eva"].append((d, "22:00", "06:00", "waiting", "BO-2024-03"))
    write_reports("boras-2024-03", "bo", rows, AGREEMENT)


def vasteras() -> None:
    """Västerås, March 2021 (299 kr/h in 2021): the monthly report, no invoice. Filip
    Monday-Thursday 09-16, David Friday-Sunday 09-16 and Saturdays 16-18 waiting time."""
    rows: dict[str, list[tuple]] = {"filip": [], "david": []}
    for d in days(2021, 3):
        who = "filip" if d.weekday() < 4 else "david"
        rows[who].append((d, "09:00", "16:00", "active", "VA-2021-02"))
        if d.weekday() == 5:
            rows["david"].append((d, "16:00", "18:00", "waiting", "VA-2021-02"))
    write_reports("vasteras-2021-03", "vera", rows, "ingen")


def decisions() -> None:
    rows = [
        ("TJ-2024-01", CLIENTS["klara"][0], "Tjörns kommun", "base", "2024-01-01", "2024-12-31", "60", "week"),
        ("TJ-2024-07", CLIENTS["klara"][0], "Tjörns kommun", "extension", "2024-03-18", "2024-03-24", "28", "period"),
        ("BO-2024-03", CLIENTS["bo"][0], "Borås Stad", "base", "2024-01-01", "2024-12-31", "65", "week"),
        ("VA-2021-02", CLIENTS["vera"][0], "Västerås stad", "base", "2021-01-01", "2021-06-30", "52", "week"),
    ]
    with (HERE / "decisions.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(csv_row(("decision_id", "client_pnr", "municipality", "kind", "valid_from", "valid_to",
                            "granted_hours", "granted_per")))
        w.writerows(csv_row(r) for r in rows)


if __name__ == "__main__":
    tjorn()
    boras()
    vasteras()
    decisions()
