"""The time report as XML (``schemas/timereport/timereport-1.xsd``): the form people sign.

One assistant's time for one client in one month, namespace ``urn:lssinvoice:timereport:1``:

.. code-block:: xml

    <tr:TimeReport xmlns:tr="urn:lssinvoice:timereport:1" version="1">
      <tr:Report Id="report" kindsSeparated="true">
        <tr:Provider><tr:Name>…</tr:Name><tr:OrganisationNumber>5599011235</tr:OrganisationNumber></tr:Provider>
        <tr:Client><tr:Name>…</tr:Name><tr:PersonalNumber>19750315…</tr:PersonalNumber></tr:Client>
        <tr:Assistant>…</tr:Assistant>
        <tr:Month>2024-03</tr:Month>
        <tr:CalculationPeriod>4 veckor</tr:CalculationPeriod>
        <tr:CollectiveAgreement>Exempelavtalet för personlig assistans</tr:CollectiveAgreement>
        <tr:AssistantFacts livesInEEA="true" capacityToWork="true" relatedToClient="false" livesWithClient="false"/>
        <tr:Shifts>
          <tr:Shift><tr:Start>2024-03-30T22:00:00+01:00</tr:Start><tr:End>2024-03-31T07:00:00+02:00</tr:End>
                    <tr:Kind>waiting</tr:Kind><tr:Decision>TJ-2024-01</tr:Decision><tr:Hours>8.00</tr:Hours></tr:Shift>
        </tr:Shifts>
        <tr:Totals><tr:Total kind="active">56.00</tr:Total><tr:Total kind="waiting">44.00</tr:Total></tr:Totals>
      </tr:Report>
      <ds:Signature>…</ds:Signature>   (the assistant's, the supervisor's: invoices.signed_reports)
    </tr:TimeReport>

Lossless with the CSV and XLSX reports (:mod:`invoices.timereports`): every field of a
:class:`~invoices.model.TimeReport` is here — the calculation period and the collective
agreement (absent: not stated; an empty agreement: none applies), the assistant's facts (an
attribute left out: not stated), whether active and waiting time were separated, each shift's
instants with their UTC offset (so DST nights are exact) — but for the yes/no "signed" cells:
in this format a signature is a ``ds:Signature`` that verifies, never a claim, so a report
read from XML is unsigned until :mod:`invoices.signed_reports` says otherwise.
``Hours`` (per shift, real elapsed time) and ``Totals`` (per kind, the seconds summed and
rounded once, half-up: :func:`invoices.hours.round_hours`) are written for the reader; on
reading they are checked against the instants, so an edited figure is an error, not a number
believed.

Reading goes through the hardened parser (:func:`validate.xmlsafe.parse_xml`) and the XSD;
every problem is an :class:`~invoices.input_errors.InputError` naming the file and the element.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from schemas.own import TIMEREPORT_NS, TIMEREPORT_VERSION, timereport_xsd

from .hours import KIND_ORDER, round_hours
from .input_errors import InputError, InputErrors
from .model import STOCKHOLM, Assistant, Client, Shift, ShiftKind, TimeReport

__all__ = ["CONTENT_ID", "CONTENT_TAG", "ROOT_TAG", "ReportParty", "read_report_xml", "report_from_element",
           "report_xml"]

NS = {"tr": TIMEREPORT_NS}
ROOT_TAG = f"{{{TIMEREPORT_NS}}}TimeReport"
CONTENT_TAG = f"{{{TIMEREPORT_NS}}}Report"
CONTENT_ID = "report"
"""The signed content: the one ``Report`` element, ``Id="report"`` (every signature references it)."""


def _q(name: str) -> str:
    return f"{{{TIMEREPORT_NS}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _q(name), attrs)
    if text is not None:
        el.text = text
    return el


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _instant(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).isoformat(timespec="seconds")


class ReportParty(NamedTuple):
    """The provider a report names."""

    name: str
    org_nr: str


def report_xml(report: TimeReport, provider: ReportParty) -> bytes:
    """The report as an unsigned XML document (UTF-8, with declaration)."""
    root = etree.Element(ROOT_TAG, {"version": TIMEREPORT_VERSION}, nsmap={"tr": TIMEREPORT_NS})
    body = _sub(root, "Report", Id=CONTENT_ID, kindsSeparated=_bool(report.kind_stated))
    prov = _sub(body, "Provider")
    _sub(prov, "Name", provider.name)
    _sub(prov, "OrganisationNumber", provider.org_nr.replace("-", ""))
    for tag, person in (("Client", report.client), ("Assistant", report.assistant)):
        el = _sub(body, tag)
        _sub(el, "Name", person.name)
        _sub(el, "PersonalNumber", person.pnr)
    _sub(body, "Month", report.month)
    if report.calculation_period:
        _sub(body, "CalculationPeriod", report.calculation_period)
    if report.collective_agreement_stated:
        _sub(body, "CollectiveAgreement", report.collective_agreement or "")
    facts = {"livesInEEA": report.assistant.lives_in_eea, "capacityToWork": report.assistant.capacity_to_work,
             "relatedToClient": report.related_to_client, "livesWithClient": report.lives_with_client}
    _sub(body, "AssistantFacts", **{k: _bool(v) for k, v in facts.items() if v is not None})
    shifts = _sub(body, "Shifts")
    per_kind: dict[ShiftKind, int] = {}
    for s in sorted(report.shifts, key=lambda s: (s.start_utc, s.end_utc, s.decision_id)):
        el = _sub(shifts, "Shift")
        _sub(el, "Start", _instant(s.start))
        _sub(el, "End", _instant(s.end))
        _sub(el, "Kind", s.kind.value)
        _sub(el, "Decision", s.decision_id)
        _sub(el, "Hours", str(round_hours(s.seconds)))
        per_kind[s.kind] = per_kind.get(s.kind, 0) + s.seconds
    totals = _sub(body, "Totals")
    for kind in sorted(per_kind, key=KIND_ORDER.index):
        _sub(totals, "Total", str(round_hours(per_kind[kind])), kind=kind.value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    from validate.xsd import compile_schema

    return compile_schema(timereport_xsd())


def read_report_xml(data: bytes, source: str) -> tuple[TimeReport, ReportParty]:
    """The report of an XML time report (signatures not looked at: the model's are False).

    Raises :class:`InputErrors` naming ``source`` and the element for anything wrong: not
    XML, not valid against the XSD, a personnummer that is not one, an hour figure that does
    not match its instants."""
    from validate.xmlsafe import XmlRefused, parse_xml

    try:
        tree = parse_xml(data, source=source)
    except XmlRefused as exc:
        raise InputErrors([InputError(source, None, None, exc.finding.message)]) from None
    schema = _schema()
    if not schema.validate(tree):
        raise InputErrors([InputError(source, None, e.path or None, f"line {e.line}: {e.message}")
                           for e in schema.error_log])
    content = tree.getroot().find(_q("Report"))
    return report_from_element(content, source)


def _text(el: etree._Element, path: str) -> str | None:
    found = el.find(path, NS)
    return None if found is None else (found.text or "")


def _flag(value: str | None) -> bool | None:
    return None if value is None else value in ("true", "1")


def report_from_element(content: etree._Element, source: str) -> tuple[TimeReport, ReportParty]:
    """The report held by a ``Report`` element already valid against the XSD (the element a
    verified signature covers, :mod:`invoices.signed_reports`: only those bytes are read)."""
    errors: list[InputError] = []

    def person(tag: str, cls):
        name, pnr = _text(content, f"tr:{tag}/tr:Name"), _text(content, f"tr:{tag}/tr:PersonalNumber")
        try:
            return cls(pnr=pnr, name=name)
        except ValueError:
            errors.append(InputError(source, None, f"{tag}/PersonalNumber", "not a valid personnummer"))
            return None

    client, assistant = person("Client", Client), person("Assistant", Assistant)
    facts = content.find("tr:AssistantFacts", NS)
    shifts: list[Shift] = []
    per_kind: dict[ShiftKind, int] = {}
    for i, el in enumerate(content.iterfind("tr:Shifts/tr:Shift", NS), start=1):
        where = f"Shift[{i}]"
        start = datetime.fromisoformat(_text(el, "tr:Start")).astimezone(STOCKHOLM)
        end = datetime.fromisoformat(_text(el, "tr:End")).astimezone(STOCKHOLM)
        if assistant is None or client is None:
            continue
        try:
            shift = Shift(assistant_pnr=assistant.pnr, client_pnr=client.pnr, start=start, end=end,
                          kind=ShiftKind(_text(el, "tr:Kind")), decision_id=_text(el, "tr:Decision"),
                          source=f"{source} shift {i}")
        except ValueError as exc:
            errors.append(InputError(source, None, where, str(exc).splitlines()[-1]))
            continue
        if Decimal(_text(el, "tr:Hours")) != round_hours(shift.seconds):
            errors.append(InputError(source, None, f"{where}/Hours", f"{_text(el, 'tr:Hours')} h does not match "
                                     f"its start and end ({round_hours(shift.seconds)} h)"))
        per_kind[shift.kind] = per_kind.get(shift.kind, 0) + shift.seconds
        shifts.append(shift)
    stated = {ShiftKind(t.get("kind")): Decimal(t.text) for t in content.iterfind("tr:Totals/tr:Total", NS)}
    if not errors and stated != {k: round_hours(v) for k, v in per_kind.items()}:
        errors.append(InputError(source, None, "Totals", "the totals per kind do not match the shifts"))
    if errors:
        raise InputErrors(errors)
    assistant = assistant.model_copy(update={"lives_in_eea": _flag(facts.get("livesInEEA")),
                                             "capacity_to_work": _flag(facts.get("capacityToWork"))})
    agreement = _text(content, "tr:CollectiveAgreement")
    report = TimeReport(
        assistant=assistant, client=client, month=_text(content, "tr:Month"),
        shifts=tuple(shifts), calculation_period=_text(content, "tr:CalculationPeriod"),
        collective_agreement=agreement or None, collective_agreement_stated=agreement is not None,
        kind_stated=content.get("kindsSeparated") == "true",
        related_to_client=_flag(facts.get("relatedToClient")), lives_with_client=_flag(facts.get("livesWithClient")))
    party = ReportParty(_text(content, "tr:Provider/tr:Name"), _text(content, "tr:Provider/tr:OrganisationNumber"))
    return report, party
