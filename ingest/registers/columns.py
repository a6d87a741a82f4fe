"""The columns of the register files, in English and the Swedish a municipality's export uses.

A header is compared as :mod:`invoices.tables` reads it: case-insensitive, runs of spaces and
hyphens as ``_`` ("Giltig från" is ``giltig_från``). Every column has its English name (first,
the name errors and the store use) and the Swedish ones listed here; ``å ä ö`` may be written
``a a o``. A free ``comment``/``kommentar`` column is not read. Two headers meaning the same
column, an unknown header or a missing required column is an error naming the header.
"""
from __future__ import annotations

__all__ = ["ASSISTANT_COLUMNS", "DECISION_COLUMNS", "FK_DECISION_COLUMNS", "IGNORED_HEADERS", "with_plain_letters"]

IGNORED_HEADERS = ("comment", "kommentar", "anteckning")

_PNR = ("personnummer", "pnr", "personnr")
_VALID_FROM = ("giltig från", "giltig fr.o.m.", "fr.o.m.", "from", "från", "startdatum")
_VALID_TO = ("giltig till", "giltig t.o.m.", "t.o.m.", "tom", "till", "slutdatum")


def with_plain_letters(names: tuple[str, ...]) -> tuple[str, ...]:
    """The names and, where they have å, ä or ö, the same written with a, a, o (an export
    that lost its letters, or a header typed on a keyboard without them); no repeats."""
    plain = (n.replace("å", "a").replace("ä", "a").replace("ö", "o") for n in names)
    return tuple(dict.fromkeys((*names, *plain)))


def _columns(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {column: with_plain_letters(others) for column, others in table.items()}


DECISION_COLUMNS = _columns({
    "decision_id": ("beslut", "beslutsnummer", "beslutsnr", "beslut_id", "beslutsid"),
    "client_pnr": (*_PNR, "brukarens personnummer", "klientens personnummer", "den enskildes personnummer"),
    "kind": ("typ", "slag", "beslutstyp"),
    "valid_from": _VALID_FROM,
    "valid_to": _VALID_TO,
    "granted_hours": ("beviljade timmar", "timmar", "beviljad tid"),
    "granted_per": ("per", "timmar per", "enhet"),
})

FK_DECISION_COLUMNS = _columns({
    "client_pnr": (*_PNR, "brukarens personnummer", "klientens personnummer", "den enskildes personnummer"),
    "valid_from": _VALID_FROM,
    "valid_to": _VALID_TO,
    "fk_hours_per_week": ("timmar per vecka", "fk timmar per vecka", "beviljade timmar per vecka",
                          "assistanstimmar per vecka"),
})

ASSISTANT_COLUMNS = _columns({
    "assistant_pnr": (*_PNR, "assistentens personnummer", "assistent personnummer"),
    "name": ("namn", "assistentens namn"),
    "residence_country": ("bosättningsland", "land"),
    "capacity_to_work": ("arbetsförmåga",),
    "related_to_client": ("närstående",),
    "same_household": ("samma hushåll", "hushållsgemenskap"),
    "employer_org_nr": ("arbetsgivare", "organisationsnummer", "arbetsgivarens organisationsnummer", "orgnr"),
    "regime": ("arbetstidsregel", "regim", "avtal", "arbetstidsregler"),
    "calculation_period_weeks": ("beräkningsperiod (veckor)", "beräkningsperiod", "beräkningsperiod veckor"),
    "valid_from": _VALID_FROM,
})
