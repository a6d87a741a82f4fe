"""The municipality's registers (ingest.registers, `lssinvoice registers`), on SQLite and PostgreSQL:
files in English and Swedish, CSV and XLSX; every bad row named by file, row and column; imports
in versions (added, changed, removed, unchanged; a file that changes nothing writes nothing);
the history; the command line's exit codes, JSON and masking."""
from __future__ import annotations

import json
import re
import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ingest import tables as t
from ingest.registers import (
    REGISTERS, AssistantRecord, DecisionRecord, FkDecisionRecord, current_rows, current_versions, import_history,
    import_register, import_registers, read_register_file, registers_view, row_versions,
)
from ingest.registers.countries import COUNTRY_CODES
from ingest.store import Store
from invoices.agreements import load_profiles
from invoices.input_errors import Collector, InputErrors
from lssinvoice.cli import main

from .envelope import error_of, result_of
from .factories import (
    ASSISTANT2_PNR, ASSISTANT_PNR, CLIENT2_PNR, CLIENT_PNR, register_assistant_row, register_decision_row,
    register_fk_row, synthetic_pnr, write_csv, write_xlsx,
)
from .personal_data import scan

NOW = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)
LATER = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
PROFILES = load_profiles(use_env=False)


def _hyphen(pnr: str) -> str:
    return f"{pnr[:8]}-{pnr[8:]}"


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in t.metadata.sorted_tables}


def _read(register: str, path) -> tuple[list, list[str]]:
    out = Collector()
    found = read_register_file(register, path, out, PROFILES)
    return (list(found.records) if found else []), [str(e) for e in out.errors]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres").create_database(f"reg{tmp_path.name[-8:].lower()}"))
    s = Store(url)
    s.migrate()
    yield s
    s.dispose()


# ------------------------------------------------------------------ reading: English and Swedish, CSV and XLSX

ENGLISH_DECISIONS = [
    register_decision_row(),
    register_decision_row(decision_id="BO-2", kind="extension", valid_from="2024-03-18", valid_to="2024-03-24",
                          granted_hours="28.5", granted_per="period"),
    register_decision_row(decision_id="BO-3", kind="sickpay", granted_hours="8", granted_per="month"),
]
EXPECTED_DECISIONS = [
    DecisionRecord("BO-1", CLIENT_PNR, "base", date(2024, 1, 1), date(2024, 12, 31), Decimal("65"), "week"),
    DecisionRecord("BO-2", CLIENT_PNR, "extension", date(2024, 3, 18), date(2024, 3, 24), Decimal("28.5"), "period"),
    DecisionRecord("BO-3", CLIENT_PNR, "sickpay", date(2024, 1, 1), date(2024, 12, 31), Decimal("8"), "month"),
]
SWEDISH_DECISIONS = [
    {"Beslut": "BO-1", "Personnummer": _hyphen(CLIENT_PNR), "Typ": "Grundbeslut", "Giltig från": "2024-01-01",
     "Giltig till": "2024-12-31", "Beviljade timmar": "65", "Per": "vecka"},
    {"Beslut": "BO-2", "Personnummer": _hyphen(CLIENT_PNR), "Typ": "Tillfällig utökning",
     "Giltig från": "2024-03-18", "Giltig till": "2024-03-24", "Beviljade timmar": "28,5", "Per": "period"},
    {"Beslut": "BO-3", "Personnummer": CLIENT_PNR[2:], "Typ": "Merkostnad sjuklön", "Giltig från": "2024-01-01",
     "Giltig till": "2024-12-31", "Beviljade timmar": "8", "Per": "månad"},
]


def test_decisions_read_alike_in_english_and_swedish_csv_and_xlsx(tmp_path):
    english = write_csv(tmp_path, ENGLISH_DECISIONS, "decisions.csv")
    swedish = write_csv(tmp_path, SWEDISH_DECISIONS, "beslut.csv", delimiter=";", bom=True)
    typed = [dict(row, **{"Giltig från": date.fromisoformat(row["Giltig från"]),
                          "Giltig till": date.fromisoformat(row["Giltig till"]),
                          "Beviljade timmar": float(row["Beviljade timmar"].replace(",", "."))})
             for row in SWEDISH_DECISIONS]
    typed[0]["Personnummer"] = int(CLIENT_PNR)  # a number cell, as Excel keeps digits
    workbook = write_xlsx(tmp_path, typed, "beslut.xlsx")
    for path in (english, swedish, workbook):
        assert _read("decisions", path) == (EXPECTED_DECISIONS, []), path.name


def test_assistants_and_fk_decisions_read_alike_in_english_and_swedish(tmp_path):
    english = write_csv(tmp_path, [register_assistant_row(),
                                   register_assistant_row(valid_from="2024-07-01", residence_country="no",
                                                          regime="household", calculation_period_weeks="",
                                                          employer_org_nr="", name="")], "assistants.csv")
    swedish = write_xlsx(tmp_path, [
        {"Personnummer": _hyphen(ASSISTANT_PNR), "Namn": "Testa Testsson", "Bosättningsland": "SE",
         "Arbetsförmåga": "ja", "Närstående": "nej", "Samma hushåll": "nej", "Arbetsgivare": "5599011235",
         "Arbetstidsregel": "ATL", "Beräkningsperiod (veckor)": 4, "Giltig från": date(2024, 1, 1)},
        {"Personnummer": _hyphen(ASSISTANT_PNR), "Bosattningsland": None, "Bosättningsland": "NO",
         "Arbetsförmåga": True, "Närstående": False, "Samma hushåll": "0", "Arbetstidsregel": "household",
         "Giltig från": "2024-07-01"}], "assistenter.xlsx",
        columns=["Personnummer", "Namn", "Bosättningsland", "Arbetsförmåga", "Närstående", "Samma hushåll",
                 "Arbetsgivare", "Arbetstidsregel", "Beräkningsperiod (veckor)", "Giltig från"])
    expected = [
        AssistantRecord(ASSISTANT_PNR, date(2024, 1, 1), "Testa Testsson", "SE", True, False, False, "5599011235",
                        "atl", 4),
        AssistantRecord(ASSISTANT_PNR, date(2024, 7, 1), None, "NO", True, False, False, None, "household", None),
    ]
    assert _read("assistants", english) == (expected, [])
    assert _read("assistants", swedish) == (expected, [])
    fk_en = write_csv(tmp_path, [register_fk_row()], "fk.csv")
    fk_sv = write_csv(tmp_path, [{"personnummer": CLIENT_PNR, "giltig fran": "2024-01-01", "giltig till": "2024-12-31",
                                  "timmar per vecka": "120,0"}], "fk-beslut.csv", delimiter="\t")
    fk = [FkDecisionRecord(CLIENT_PNR, date(2024, 1, 1), date(2024, 12, 31), Decimal("120"))]
    assert _read("fk_decisions", fk_en) == (fk, [])
    assert _read("fk_decisions", fk_sv) == (fk, [])


# ------------------------------------------------------------------ bad rows: every problem, file, row, field

def test_every_bad_decision_row_is_named_by_file_row_and_field(tmp_path):
    path = write_csv(tmp_path, [
        register_decision_row(),
        register_decision_row(decision_id="BO-1"),
        register_decision_row(decision_id="BO-2", client_pnr="19900101-1234", kind="grund?", valid_from="2024-13-01",
                              granted_hours="-1", granted_per="dag"),
        register_decision_row(decision_id="", valid_to="2023-12-31", granted_hours="1.5,3"),
        register_decision_row(decision_id="X" * 101, granted_hours="0.0000000000001", client_pnr=""),
    ], "beslut.csv")
    assert _read("decisions", path) == ([], [
        "beslut.csv row 3, field 'decision_id': decision 'BO-1' is already given on row 2",
        "beslut.csv row 4, field 'client_pnr': not a valid personnummer or samordningsnummer (InvalidChecksum)",
        "beslut.csv row 4, field 'kind': 'grund?' is not a decision kind (base, extension, sickpay)",
        "beslut.csv row 4, field 'valid_from': '2024-13-01' is not a date YYYY-MM-DD",
        "beslut.csv row 4, field 'granted_hours': '-1' is negative",
        "beslut.csv row 4, field 'granted_per': 'dag' is not a unit (month, period, week)",
        "beslut.csv row 5, field 'decision_id': missing",
        "beslut.csv row 5, field 'valid_to': 2023-12-31 is before valid_from 2024-01-01",
        "beslut.csv row 5, field 'granted_hours': '1.5,3' mixes ',' and '.'; write one decimal separator only",
        "beslut.csv row 6, field 'decision_id': 101 characters, the store holds 100",
        "beslut.csv row 6, field 'client_pnr': missing",
        "beslut.csv row 6, field 'granted_hours': 1E-13 does not fit: the store holds up to "
        "999999999999999999.999999999999 with 12 decimals",
    ])


def test_a_swedish_file_is_answered_in_its_own_headers(tmp_path):
    path = write_csv(tmp_path, [dict(SWEDISH_DECISIONS[0], **{"Giltig till": "2023-01-01", "Per": "dygn"})],
                     "beslut.csv", delimiter=";")
    assert _read("decisions", path)[1] == [
        "beslut.csv row 2, field 'giltig_till': 2023-01-01 is before giltig_från 2024-01-01",
        "beslut.csv row 2, field 'per': 'dygn' is not a unit (month, period, week)",
    ]


def test_every_bad_assistant_row_is_named(tmp_path):
    path = write_csv(tmp_path, [
        register_assistant_row(),
        register_assistant_row(residence_country="Sverige", capacity_to_work="", related_to_client="kanske",
                               employer_org_nr="559901-1234", regime="vårdavtal", calculation_period_weeks="2,5",
                               same_household=""),
        register_assistant_row(calculation_period_weeks="8", residence_country=""),
        register_assistant_row(regime="", valid_from=""),
        register_assistant_row(),
    ], "assistenter.csv")
    masked = "********-" + ASSISTANT_PNR[-4:]
    assert _read("assistants", path) == ([], [
        "assistenter.csv row 3, field 'residence_country': 'Sverige' is not an ISO 3166-1 alpha-2 country code "
        "(e.g. SE, NO, FI)",
        "assistenter.csv row 3, field 'capacity_to_work': missing: write yes or no (ja or nej)",
        "assistenter.csv row 3, field 'related_to_client': 'kanske' is not yes/no "
        "(yes, no, ja, nej, true, false, 1, 0)",
        "assistenter.csv row 3, field 'same_household': missing: write yes or no (ja or nej)",
        "assistenter.csv row 3, field 'employer_org_nr': not a valid organisation number (InvalidChecksum)",
        "assistenter.csv row 3, field 'regime': 'vårdavtal' is not a known working-time regime "
        "(the known ones: atl, exempelavtalet, household)",
        "assistenter.csv row 3, field 'calculation_period_weeks': '2,5' is not a whole number of weeks (1 or more)",
        "assistenter.csv row 4, field 'residence_country': missing",
        "assistenter.csv row 4, field 'calculation_period_weeks': 8 weeks is longer than regime 'atl' allows: "
        "at most 4 weeks (arbetstidslagen 5 §)",
        "assistenter.csv row 5, field 'valid_from': missing",
        "assistenter.csv row 5, field 'regime': missing: one of atl, exempelavtalet, household",
        f"assistenter.csv row 6, field 'assistant_pnr': assistant {masked} from 2024-01-01 is already given on row 2",
    ])


def test_bad_fk_rows_and_overlapping_periods_are_named(tmp_path):
    path = write_csv(tmp_path, [
        register_fk_row(),
        register_fk_row(valid_from="2024-06-01", valid_to="2025-01-31"),
        register_fk_row(valid_from="2025-02-01", valid_to="2025-12-31", fk_hours_per_week="x"),
        register_fk_row(client_pnr=CLIENT2_PNR, valid_from="2025-01-01", valid_to="2025-12-31"),
        register_fk_row(client_pnr=CLIENT2_PNR, valid_from="2024-01-01", valid_to="2024-12-31", fk_hours_per_week="-2"),
        register_fk_row(valid_from="2024-03-01", valid_to="2024-03-31"),
    ], "fk.csv")
    assert _read("fk_decisions", path) == ([], [
        "fk.csv row 3, field 'valid_from': the period 2024-06-01 to 2025-01-31 overlaps the FK decision on row 2 "
        "(2024-01-01 to 2024-12-31) of the same client; one FK decision per week",
        "fk.csv row 4, field 'fk_hours_per_week': 'x' is not a number",
        "fk.csv row 6, field 'fk_hours_per_week': '-2' is negative",
        "fk.csv row 7, field 'valid_from': the period 2024-03-01 to 2024-03-31 overlaps the FK decision on row 2 "
        "(2024-01-01 to 2024-12-31) of the same client; one FK decision per week",
    ])


def test_header_problems_are_named(tmp_path):
    twice = write_csv(tmp_path, [dict(register_decision_row(), beslut="BO-9")], "twice.csv")
    missing = write_csv(tmp_path, [{k: v for k, v in register_decision_row().items() if k != "kind"}], "missing.csv")
    birth = write_csv(tmp_path, [dict(register_assistant_row(), birth_date="1990-01-01")], "birth.csv")
    other = write_csv(tmp_path, [register_decision_row()], "decisions.txt")
    assert _read("decisions", twice)[1] == [
        "twice.csv row 1, field 'beslut': means the same column as 'decision_id' (decision_id); give it once"]
    assert _read("decisions", missing)[1] == ["missing.csv row 1, field 'kind': required column is missing "
                                              "(in Swedish: typ or slag)"]
    [unknown] = _read("assistants", birth)[1]  # the birth date comes from the personnummer, never a column
    assert unknown.startswith("birth.csv row 1, field 'birth_date': unknown column; the columns are: assistant_pnr, "
                              "name, residence_country, capacity_to_work,")
    assert _read("decisions", other)[1] == ["decisions.txt: not a .csv or .xlsx file"]


@pytest.mark.parametrize("name", sorted(REGISTERS))
def test_no_heading_means_two_columns(name):
    columns = REGISTERS[name].columns
    headings = [h for column, others in columns.items() for h in (column, *others)]
    normalised = [re.sub(r"[\s\-]+", "_", h.lower()) for h in headings]
    assert len(set(normalised)) == len(normalised), name


def test_a_country_code_is_one_iso_3166_assigns(installed_artefacts):
    """The list is the one EN 16931 checks (BR-CL-14), less its VAT-only 1A and XI, plus XK."""
    sch = (installed_artefacts / "peppol-release-2026.5/sch/CEN-EN16931-UBL.sch").read_text(encoding="utf-8")
    test = re.search(r'id="BR-CL-14"[^>]*test="[^"]*contains\(\' ([A-Z0-9 ]+) \'', sch)[1]
    assert COUNTRY_CODES == (set(test.split()) - {"1A", "XI"}) | {"XK"}
    assert len(COUNTRY_CODES) == 250 and "CH" in COUNTRY_CODES and "SE" in COUNTRY_CODES


# ------------------------------------------------------------------ importing in versions

def _files(tmp_path, decisions=None, fk=None, assistants=None, tag="") -> dict:
    files = {}
    if decisions is not None:
        files["decisions"] = write_csv(tmp_path, decisions, f"decisions{tag}.csv")
    if fk is not None:
        files["fk_decisions"] = write_csv(tmp_path, fk, f"fk{tag}.csv")
    if assistants is not None:
        files["assistants"] = write_csv(tmp_path, assistants, f"assistants{tag}.csv")
    return files


ASSISTANTS = [register_assistant_row(), register_assistant_row(valid_from="2024-07-01", residence_country="NO"),
              register_assistant_row(assistant_pnr=ASSISTANT2_PNR, regime="exempelavtalet",
                                     calculation_period_weeks="16")]


def test_an_import_counts_exactly_and_keeps_who_when_and_the_file(store, tmp_path):
    files = _files(tmp_path, ENGLISH_DECISIONS, [register_fk_row()], ASSISTANTS)
    outcomes = import_registers(store, "boras", files, imported_by="Handläggare Test", now=NOW, profiles=PROFILES)
    assert [(o.register, o.rows, o.added, o.changed, o.removed, o.unchanged, o.status) for o in outcomes] == [
        ("decisions", 3, 3, 0, 0, 0, "imported"), ("fk_decisions", 1, 1, 0, 0, 0, "imported"),
        ("assistants", 3, 3, 0, 0, 0, "imported")]
    with store.engine.connect() as conn:
        assert current_rows(conn, "decisions", "boras") == EXPECTED_DECISIONS
        assert current_rows(conn, "fk_decisions", "boras") == [
            FkDecisionRecord(CLIENT_PNR, date(2024, 1, 1), date(2024, 12, 31), Decimal("120"))]
        people = current_rows(conn, "assistants", "boras")
        assert [(p.assistant_pnr, p.valid_from, p.residence_country) for p in people] == sorted([
            (ASSISTANT_PNR, date(2024, 1, 1), "SE"), (ASSISTANT_PNR, date(2024, 7, 1), "NO"),
            (ASSISTANT2_PNR, date(2024, 1, 1), "SE")])
        assert current_versions(conn, "boras") == {"decisions": outcomes[0].import_id,
                                                   "fk_decisions": outcomes[1].import_id,
                                                   "assistants": outcomes[2].import_id}
        assert current_versions(conn, "tjorn") == {"decisions": None, "fk_decisions": None, "assistants": None}
        imports = conn.execute(select(t.register_imports).order_by(t.register_imports.c.id)).all()
        assert [(i.register, i.municipality, i.source_name, i.imported_by, i.rows) for i in imports] == [
            ("decisions", "boras", "decisions.csv", "Handläggare Test", 3), ("fk_decisions", "boras", "fk.csv",
                                                                           "Handläggare Test", 1),
            ("assistants", "boras", "assistants.csv", "Handläggare Test", 3)]
        import hashlib
        assert imports[0].sha256 == hashlib.sha256(files["decisions"].read_bytes()).hexdigest()
        audit = conn.execute(select(t.audit_log).order_by(t.audit_log.c.id)).all()
    assert [(a.actor, a.action, a.subject) for a in audit] == [
        ("Handläggare Test", "register-import", "boras decisions"),
        ("Handläggare Test", "register-import", "boras fk_decisions"),
        ("Handläggare Test", "register-import", "boras assistants")]
    detail = json.loads(audit[0].detail)
    assert detail == {"register": "decisions", "import_id": outcomes[0].import_id, "status": "imported",
                      "source_name": "decisions.csv", "sha256": imports[0].sha256, "rows": 3, "added": 3,
                      "changed": 0, "removed": 0, "unchanged": 0}
    assert not any(scan(a.detail) for a in audit) and CLIENT_PNR not in "".join(a.detail for a in audit)


def test_the_same_file_again_writes_nothing(store, tmp_path):
    files = _files(tmp_path, ENGLISH_DECISIONS, [register_fk_row()], ASSISTANTS)
    import_registers(store, "boras", files, imported_by="a", now=NOW, profiles=PROFILES)
    before = _counts(store.engine)
    again = import_registers(store, "boras", files, imported_by="b", now=LATER, profiles=PROFILES)
    assert [(o.status, o.import_id, o.unchanged, o.added + o.changed + o.removed) for o in again] == [
        ("unchanged", None, 3, 0), ("unchanged", None, 1, 0), ("unchanged", None, 3, 0)]
    assert _counts(store.engine) == before
    # The same rows in another file (Swedish, semicolons, another order) change nothing either.
    swedish = write_csv(tmp_path, list(reversed(SWEDISH_DECISIONS)), "beslut.csv", delimiter=";")
    assert import_register(store, "decisions", "boras", swedish, "c", LATER, profiles=PROFILES).status == "unchanged"
    assert _counts(store.engine) == before


def test_a_changed_file_supersedes_exactly_the_changed_and_removed_rows(store, tmp_path):
    first = import_register(store, "decisions", "boras", _files(tmp_path, ENGLISH_DECISIONS)["decisions"], "a", NOW,
                            profiles=PROFILES)
    changed = [ENGLISH_DECISIONS[0], dict(ENGLISH_DECISIONS[1], granted_hours="30"),
               register_decision_row(decision_id="BO-4", client_pnr=CLIENT2_PNR)]  # BO-3 removed
    second = import_register(store, "decisions", "boras", _files(tmp_path, changed, tag="-2")["decisions"], "b",
                             LATER, profiles=PROFILES)
    assert (second.rows, second.added, second.changed, second.removed, second.unchanged) == (3, 1, 1, 1, 1)
    d = t.reg_decisions
    with store.engine.connect() as conn:
        rows = conn.execute(select(d.c.decision_id, d.c.granted_hours, d.c.import_id, d.c.superseded_by)
                            .order_by(d.c.id)).all()
        assert [tuple(r) for r in rows] == [
            ("BO-1", Decimal("65"), first.import_id, None),
            ("BO-2", Decimal("28.5"), first.import_id, second.import_id),
            ("BO-3", Decimal("8"), first.import_id, second.import_id),
            ("BO-2", Decimal("30"), second.import_id, None),
            ("BO-4", Decimal("65"), second.import_id, None),
        ]
        assert [r.decision_id for r in current_rows(conn, "decisions", "boras")] == ["BO-1", "BO-2", "BO-4"]
        history = import_history(conn, "boras")
        assert [(h.id, h.imported_by, h.added, h.changed, h.removed, h.unchanged) for h in history] == [
            (second.import_id, "b", 1, 1, 1, 1), (first.import_id, "a", 3, 0, 0, 0)]
        versions = [(v.record.decision_id, v.record.granted_hours, v.superseded_by)
                    for v in row_versions(conn, "decisions", "boras")]
        assert versions == [("BO-1", Decimal("65"), None), ("BO-2", Decimal("28.5"), second.import_id),
                            ("BO-2", Decimal("30"), None), ("BO-3", Decimal("8"), second.import_id),
                            ("BO-4", Decimal("65"), None)]
    # Another municipality's register is its own.
    other = import_register(store, "decisions", "tjorn", _files(tmp_path, changed, tag="-3")["decisions"], "c",
                            LATER, profiles=PROFILES)
    assert (other.added, other.removed) == (3, 0)


def test_an_assistants_versions_in_time_are_rows_of_their_own(store, tmp_path):
    import_register(store, "assistants", "boras", _files(tmp_path, assistants=ASSISTANTS[:1])["assistants"], "a",
                    NOW, profiles=PROFILES)
    # A move to Norway from July: a new version beside the first, nothing superseded.
    moved = import_register(store, "assistants", "boras",
                            _files(tmp_path, assistants=ASSISTANTS[:2], tag="-2")["assistants"], "a", LATER,
                            profiles=PROFILES)
    assert (moved.added, moved.changed, moved.removed, moved.unchanged) == (1, 0, 0, 1)


def test_one_bad_file_imports_nothing_of_any(store, tmp_path):
    files = _files(tmp_path, ENGLISH_DECISIONS, [register_fk_row(fk_hours_per_week="many")])
    before = _counts(store.engine)
    with pytest.raises(InputErrors) as caught:
        import_registers(store, "boras", files, imported_by="a", now=NOW, profiles=PROFILES)
    assert [str(e) for e in caught.value] == ["fk.csv row 2, field 'fk_hours_per_week': 'many' is not a number"]
    assert _counts(store.engine) == before


def test_two_imports_at_once_leave_one_row_in_force_per_key(store, tmp_path):
    a = _files(tmp_path, [dict(r, granted_hours="10") for r in ENGLISH_DECISIONS], tag="-a")["decisions"]
    b = _files(tmp_path, [dict(r, granted_hours="20") for r in ENGLISH_DECISIONS], tag="-b")["decisions"]
    errors = []

    def run(path):
        try:
            for _ in range(3):
                import_register(store, "decisions", "boras", path, "w", NOW, profiles=PROFILES)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(p,)) for p in (a, b)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    with store.engine.connect() as conn:
        current = current_rows(conn, "decisions", "boras")
    assert sorted(r.decision_id for r in current) == ["BO-1", "BO-2", "BO-3"]
    assert len({r.granted_hours for r in current}) == 1


# ------------------------------------------------------------------ the command line

def _import_args(store, *more) -> list[str]:
    return ["registers", "import", "--db", store.url, "--municipality", "Borås", "--by", "Handläggare Test", *more]


def test_registers_import_exit_codes_and_json(store, tmp_path):
    files = _files(tmp_path, ENGLISH_DECISIONS, assistants=ASSISTANTS)
    args = _import_args(store, "--decisions", str(files["decisions"]), "--assistants", str(files["assistants"]),
                        "--format", "json")
    done = CliRunner().invoke(main, args)
    result = result_of(done.stdout, "registers import")
    assert (result["municipality"], result["status"]) == ("boras", "imported")
    assert [set(r) for r in result["registers"]] == [{"register", "source_name", "sha256", "rows", "added", "changed",
                                                      "removed", "unchanged", "import_id", "status"}] * 2
    again = result_of(CliRunner().invoke(main, args).stdout, "registers import")
    assert again["status"] == "unchanged" and [r["import_id"] for r in again["registers"]] == [None, None]
    text = CliRunner().invoke(main, args[:-2])
    assert text.exit_code == 0 and "unchanged, the register in force holds it" in text.stdout
    bad = write_csv(tmp_path, [register_decision_row(client_pnr="19900101-1234")], "bad.csv")
    refused = CliRunner().invoke(main, _import_args(store, "--decisions", str(bad), "--format", "json"))
    assert result_of(refused.stdout, "registers import", exit_code=1) == {
        "municipality": "boras", "status": "refused", "problems": [
            {"file": "bad.csv", "row": 2, "field": "client_pnr",
             "message": "not a valid personnummer or samordningsnummer (InvalidChecksum)"}]}
    refused_text = CliRunner().invoke(main, _import_args(store, "--decisions", str(bad)))
    assert refused_text.exit_code == 1 and "nothing imported, 1 problem(s)" in refused_text.stdout
    none = CliRunner().invoke(main, _import_args(store, "--format", "json"))
    assert none.exit_code == 2 and "give at least one register file" in error_of(none.stdout, "registers import")[0]
    nobody = CliRunner().invoke(main, ["registers", "import", "--db", store.url, "--municipality", "Ingenstans",
                                       "--decisions", str(bad)])
    assert nobody.exit_code == 2
    gone = CliRunner().invoke(main, _import_args(store, "--decisions", str(tmp_path / "nothing.csv")))
    assert gone.exit_code == 2


def test_registers_show_masks_personnummer_and_shows_versions(store, tmp_path):
    files = _files(tmp_path, ENGLISH_DECISIONS, assistants=ASSISTANTS)
    CliRunner().invoke(main, _import_args(store, "--decisions", str(files["decisions"]),
                                          "--assistants", str(files["assistants"])))
    changed = _files(tmp_path, [dict(ENGLISH_DECISIONS[0], granted_hours="70")], tag="-2")["decisions"]
    CliRunner().invoke(main, _import_args(store, "--decisions", str(changed)))
    shown = CliRunner().invoke(main, ["registers", "show", "--db", store.url, "--municipality", "boras",
                                      "--format", "json"])
    data = result_of(shown.stdout, "registers show")
    assert set(data) == {"municipality", "personnummer", "registers"} and data["personnummer"] == "masked"
    decisions, fk, people = data["registers"]
    assert (decisions["register"], fk["register"], people["register"], fk["version"], fk["rows"]) == (
        "decisions", "fk_decisions", "assistants", None, [])
    assert decisions["rows"] == [{"decision_id": "BO-1", "client_pnr": "********-" + CLIENT_PNR[-4:], "kind": "base",
                                  "valid_from": "2024-01-01", "valid_to": "2024-12-31", "granted_hours": "70",
                                  "granted_per": "week", "import_id": decisions["version"]}]
    assert {p["employer_org_nr"] for p in people["rows"]} == {"559901-1235"}
    history = CliRunner().invoke(main, ["registers", "show", "--db", store.url, "--municipality", "boras",
                                        "--register", "decisions", "--history", "--format", "json"])
    [entry] = result_of(history.stdout, "registers show")["registers"]
    assert [(r["decision_id"], r["granted_hours"], r["superseded_by"] is None) for r in entry["rows"]] == [
        ("BO-1", "65", False), ("BO-1", "70", True), ("BO-2", "28.5", False), ("BO-3", "8", False)]
    assert [(i["added"], i["changed"], i["removed"]) for i in entry["imports"]] == [(0, 1, 2), (3, 0, 0)]
    text = CliRunner().invoke(main, ["registers", "show", "--db", store.url, "--municipality", "boras", "--history"])
    assert text.exit_code == 0 and "********-" + CLIENT_PNR[-4:] in text.stdout and "import " in text.stdout
    # The case officer's view: the whole numbers (run outside the suite's scan, which fails any
    # test printing one: here printing them is the point).
    full = CliRunner.invoke.__wrapped__(CliRunner(), main, ["registers", "show", "--db", store.url, "--municipality",
                                                            "boras", "--full-pnr"])
    assert full.exit_code == 0 and _hyphen(CLIENT_PNR) in full.stdout and _hyphen(ASSISTANT2_PNR) in full.stdout
    assert "personnummer full" in full.stdout


def test_show_reads_only(tmp_path):
    missing = tmp_path / "none.db"
    shown = CliRunner().invoke(main, ["registers", "show", "--db", f"sqlite:///{missing}", "--municipality", "boras",
                                      "--format", "json"])
    assert shown.exit_code == 2 and "does not exist" in error_of(shown.stdout, "registers show")[0]
    assert not missing.exists()


def test_an_employer_whose_org_nr_is_a_personnummer_is_masked_too(store, tmp_path):
    """A sole trader's organisation number is the owner's personnummer (10 digits)."""
    path = write_csv(tmp_path, [register_assistant_row(employer_org_nr=CLIENT2_PNR[2:])], "assistants.csv")
    import_register(store, "assistants", "boras", path, "a", NOW, profiles=PROFILES)
    [row] = registers_view(store.url, "boras", register="assistants")["registers"][0]["rows"]
    assert row["employer_org_nr"] == "******-" + CLIENT2_PNR[-4:]
    assert row["assistant_pnr"] == "********-" + ASSISTANT_PNR[-4:]


def test_a_samordningsnummer_registers_like_a_personnummer(store, tmp_path):
    coordination = synthetic_pnr("19900161", "123")  # day 01 + 60
    path = write_csv(tmp_path, [register_assistant_row(assistant_pnr=coordination)], "assistants.csv")
    assert import_register(store, "assistants", "boras", path, "a", NOW, profiles=PROFILES).added == 1
    view = registers_view(store.url, "boras", register="assistants")
    assert view["registers"][0]["rows"][0]["assistant_pnr"] == "********-" + coordination[-4:]
