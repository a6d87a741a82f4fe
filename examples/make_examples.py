"""Regenerate the example time reports and decisions (synthetic people, fictional names), and
the case-work examples in ``casework/``: the municipalities' registers, a second (careless)
provider's time reports and its wrong copy of the Borås registry entry.

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
           "collective_agreement", "assistant_lives_in_eea", "assistant_capacity_to_work",
           "assistant_related_to_client", "assistant_lives_with_client")
# What every example report states about its assistant (9 d § 2-3, 11 a § LSS): lives in the
# EEA, able to work, not related to the client, not living with the client.
FACTS = ("ja", "ja", "nej", "nej")

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
                  period: str = "4 veckor", *, base: Path = HERE / "timereports",
                  lf: tuple[str, ...] = ()) -> None:
    """One CSV per assistant in ``base/folder``; CRLF line endings except for the assistants
    named in ``lf`` (a file committed with LF endings stays byte-identical)."""
    out = base / folder
    out.mkdir(parents=True, exist_ok=True)
    c_pnr, c_name = CLIENTS[client]
    for who, shifts in rows.items():
        a_pnr, a_name = ASSISTANTS[who]
        with (out / f"{who}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n" if who in lf else "\r\n")
            w.writerow(csv_row(COLUMNS))
            for day, start, end, kind, decision in sorted(shifts):
                w.writerow(csv_row([a_pnr, a_name, c_pnr, c_name, day, start, end, kind, decision,
                                    "ja", "ja", period, agreement, *FACTS]))


def tjorn() -> None:
    """Tjörn, March 2024 (rate: FK's 2024 standard amount, 332.60). Day shifts 08-15 every
    day; Saturday nights 22-07 waiting time, among them 30-31 March when the clocks go
    forward (8 real hours). Anna is sick 11-12 March and Cecilia substitutes (the sick-pay
    occasion). 18-24 March a temporary extension, 28 h (Anna): 16-20 every evening but
    Friday 22 March, whose four hours are worked on Thursday morning 08-12 instead, so that
    Anna's week holds its 36 h weekly rest (Thursday 20:00 to Saturday 16:00). anna.csv was
    committed with LF line endings (the other files have CRLF): kept so, byte for byte."""
    rows: dict[str, list[tuple]] = {"anna": [], "bertil": [], "cecilia": []}
    for d in days(2024, 3):
        wd = d.weekday()
        who = "anna" if wd in (0, 1) else "bertil" if wd in (2, 3) else "cecilia"
        if d in (date(2024, 3, 11), date(2024, 3, 12)):
            who = "cecilia"  # Anna is sick; Cecilia substitutes
        rows[who].append((d, "08:00", "15:00", "active", "TJ-2024-01"))
        if wd == 5:
            rows["bertil"].append((d, "22:00", "07:00", "waiting", "TJ-2024-01"))
        if date(2024, 3, 18) <= d <= date(2024, 3, 24) and d != date(2024, 3, 22):
            rows["anna"].append((d, "16:00", "20:00", "active", "TJ-2024-07"))
        if d == date(2024, 3, 21):
            rows["anna"].append((d, "08:00", "12:00", "active", "TJ-2024-07"))
    write_reports("tjorn-2024-03", "klara", rows, AGREEMENT, lf=("anna",))


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


def schedule() -> None:
    """Tjörn's sick-pay example asks for the sick assistant's ordinary schedule (seed 003):
    the work group's base schedule of March 2024 as the provider keeps it, assistants by the
    number the attached time reports give them (no names), attached by the occasion file."""
    rows = [("måndag", "08:00", "15:00", "assistent 1 (ordinarie, sjuk 11-12 mars)"),
            ("tisdag", "08:00", "15:00", "assistent 1 (ordinarie, sjuk 11-12 mars)"),
            ("onsdag", "08:00", "15:00", "assistent 2"), ("torsdag", "08:00", "15:00", "assistent 2"),
            ("fredag", "08:00", "15:00", "assistent 3"), ("lördag", "08:00", "15:00", "assistent 3"),
            ("lördag", "22:00", "07:00", "assistent 2 (väntetid)"), ("söndag", "08:00", "15:00", "assistent 3")]
    _write_csv(HERE / "ordinarie-schema-2024-03.csv", ("Veckodag", "Starttid", "Sluttid", "Assistent"), rows)


DECISIONS = [
    ("TJ-2024-01", CLIENTS["klara"][0], "Tjörns kommun", "base", "2024-01-01", "2024-12-31", "60", "week"),
    ("TJ-2024-07", CLIENTS["klara"][0], "Tjörns kommun", "extension", "2024-03-18", "2024-03-24", "28", "period"),
    ("BO-2024-03", CLIENTS["bo"][0], "Borås Stad", "base", "2024-01-01", "2024-12-31", "65", "week"),
    ("VA-2021-02", CLIENTS["vera"][0], "Västerås stad", "base", "2021-01-01", "2021-06-30", "52", "week"),
]


def decisions() -> None:
    with (HERE / "decisions.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(csv_row(("decision_id", "client_pnr", "municipality", "kind", "valid_from", "valid_to",
                            "granted_hours", "granted_per")))
        w.writerows(csv_row(r) for r in DECISIONS)


# ------------------------------------------------------------------ case work (examples/casework)
#
# The municipality's side of March 2024: its registers, and a second, careless provider billing
# Borås for the same client. What each problem must produce is in examples/README.md and is
# checked by `lssinvoice demo` (lssinvoice/demo_casework.py) and tests/test_demo_casework.py.

CASEWORK = HERE / "casework"
PAHITTAD_ORG = "559901-1235"   # examples/provider.toml
ANNAN_ORG = "559902-3453"      # examples/casework/provider-annan.toml (synthetic, valid check digit)
ASSISTANTS.update({
    "greta": ("20060315-2380", "Greta Tonårsdotter"),   # born 2006-03-15: turns 18 on 15 March 2024
    "heidi": ("19900721-3185", "Heidi Utlandsson"),     # registered as living in Switzerland
    "ivar": ("19841102-4378", "Ivar Vilolös"),          # works 08-20 seven days running
})
# The assistant register: (residence_country, capacity_to_work, related_to_client, same_household,
# employer_org_nr, regime, calculation_period_weeks, valid_from). Påhittad's assistants are covered
# by the agreement their time reports state (the example profile `exempelavtalet`); Annan's by
# none (the law's defaults, `atl`). David works for both providers; his employer in the register
# is Påhittad. Heidi lives in Switzerland, which is not in the EEA (9 d § 2 LSS).
REGISTER = {
    "anna": ("SE", True, False, False, PAHITTAD_ORG, "exempelavtalet", 4, "2024-01-01"),
    "bertil": ("SE", True, False, False, PAHITTAD_ORG, "exempelavtalet", 4, "2024-01-01"),
    "cecilia": ("SE", True, False, False, PAHITTAD_ORG, "exempelavtalet", 4, "2024-01-01"),
    "david": ("SE", True, False, False, PAHITTAD_ORG, "exempelavtalet", 4, "2024-01-01"),
    "eva": ("SE", True, False, False, PAHITTAD_ORG, "exempelavtalet", 4, "2024-01-01"),
    "greta": ("SE", True, False, False, ANNAN_ORG, "atl", 4, "2024-01-01"),
    "heidi": ("CH", True, False, False, ANNAN_ORG, "atl", 4, "2024-01-01"),
    "ivar": ("SE", True, False, False, ANNAN_ORG, "atl", 4, "2024-01-01"),
}
# Every assistant of the municipality's time reports (both providers).
REGISTER_OF = {"tjorn": ("Tjörns kommun", ("anna", "bertil", "cecilia")),
               "boras": ("Borås Stad", ("david", "eva", "greta", "heidi", "ivar"))}


def _write_csv(path: Path, header: tuple[str, ...], rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(csv_row(header))
        w.writerows(csv_row(r) for r in rows)


def registers() -> None:
    """registers/<slug>/decisions.csv and assistants.csv, the import format of `lssinvoice
    registers import`: the decisions of decisions.csv for that municipality, and every assistant
    of its time reports with the register's facts (REGISTER)."""
    for slug, (name, people) in REGISTER_OF.items():
        _write_csv(CASEWORK / "registers" / slug / "decisions.csv",
                   ("decision_id", "client_pnr", "kind", "valid_from", "valid_to", "granted_hours", "granted_per"),
                   [(d, c, k, f, t, h, per) for d, c, m, k, f, t, h, per in DECISIONS if m == name])
        rows = []
        for who in people:
            pnr, full_name = ASSISTANTS[who]
            country, capacity, related, household, employer, regime, weeks, valid_from = REGISTER[who]
            rows.append((pnr, full_name, country, _tf(capacity), _tf(related), _tf(household), employer, regime,
                         weeks, valid_from))
        _write_csv(CASEWORK / "registers" / slug / "assistants.csv",
                   ("assistant_pnr", "name", "residence_country", "capacity_to_work", "related_to_client",
                    "same_household", "employer_org_nr", "regime", "calculation_period_weeks", "valid_from"), rows)


def _tf(value: bool) -> str:
    return "true" if value else "false"


def annan_reports() -> None:
    """Annan Assistans AB (påhittad), Borås, March 2024, for Bo Testberg (BO-2024-03), 350 kr/h
    from its own wrong registry copy. Påhittad already bills 60.5 h in every full week (David
    weekdays 07:30-15:00, Eva 15-18 and Friday nights 22-06), so the 65 h granted leave 4.5 h.

    (a) David, 6 March 07:30-15:00: the same shift Påhittad bills (he works for both);
    (b) Greta, 18 on 15 March: Saturday 2 March 10-14 (17 then), the night 14-15 March
        22:00-06:00 (the two hours before midnight by a 17-year-old), Saturday 16 March 10-14;
    (c) Heidi, living in Switzerland: Saturday 9 and Sunday 10 March 09-17;
    (d) week 11 (11-17 March): Påhittad's 60.5 h and Greta's 6 + 4 h after her birthday:
        70.5 h against 65;
    (e) Ivar, 08-20 every day 18-24 March: no 36 h of weekly rest in week 12 (and with
        Påhittad's 60.5 h the week is far over the 65 h granted too).
    No time report states the register flags (a careless provider), the calculation period is
    4 weeks and no collective agreement applies."""
    rows: dict[str, list[tuple]] = {"david": [], "greta": [], "heidi": [], "ivar": []}
    rows["david"].append((date(2024, 3, 6), "07:30", "15:00", "active", "BO-2024-03"))
    rows["greta"] += [(date(2024, 3, 2), "10:00", "14:00", "active", "BO-2024-03"),
                      (date(2024, 3, 14), "22:00", "06:00", "active", "BO-2024-03"),
                      (date(2024, 3, 16), "10:00", "14:00", "active", "BO-2024-03")]
    rows["heidi"] += [(date(2024, 3, 9), "09:00", "17:00", "active", "BO-2024-03"),
                      (date(2024, 3, 10), "09:00", "17:00", "active", "BO-2024-03")]
    rows["ivar"] += [(date(2024, 3, 18) + timedelta(days=i), "08:00", "20:00", "active", "BO-2024-03")
                     for i in range(7)]
    write_reports("boras-2024-03-annan", "bo", rows, "ingen", base=CASEWORK / "timereports")


def annan_registry() -> None:
    """registry-annan/boras.toml: the packaged Borås entry, except the 2024 hourly rate, 350
    where Borås pays 303 (the careless provider's own copy of the registry)."""
    packaged = (HERE.parent / "invoices" / "data" / "municipalities" / "boras.toml").read_text(encoding="utf-8")
    old = ('2024 = { value = "303", source = "seed 002: \'Borås Stads timpris är 303 kronor för utförd '
           'assistans under 2024.\'" }')
    new = ('2024 = { value = "350", source = "WRONG ON PURPOSE (examples/casework): the careless provider\'s '
           'own copy of the registry; seed 002 says \'Borås Stads timpris är 303 kronor för utförd assistans '
           'under 2024.\'" }')
    assert packaged.count(old) == 1, "the packaged Borås entry changed: update annan_registry()"
    header = ("# A CARELESS PROVIDER'S COPY of the packaged Borås entry (invoices/data/municipalities/boras.toml),\n"
              "# identical but for the 2024 hourly rate: 350 where Borås pays 303. Used only by the demo's\n"
              "# second provider (examples/casework/provider-annan.toml) to show the rate check.\n")
    out = CASEWORK / "registry-annan" / "boras.toml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + packaged.replace(old, new), encoding="utf-8")


if __name__ == "__main__":
    tjorn()
    schedule()
    boras()
    vasteras()
    decisions()
    registers()
    annan_reports()
    annan_registry()
