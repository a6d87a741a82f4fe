"""The receiving municipality's own rules, as a Schematron rule set run by the same engine.

The official rules say whether an invoice is a correct BIS 3 invoice; these say whether it is
an invoice *to us*: the buyer reference (BT-10) must be a reference code this municipality
issued, and the buyer's electronic address (BT-49) must be our Peppol participant. They are
written as ISO Schematron (generated from the registry entry, values escaped) and appended to
the BIS 3 rule set, so their findings come out exactly like the official ones.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from fsio import write_atomic
from peppol import codes as peppol_codes
from validate import rulesets

BUYER_REFERENCE = "LSS-MUN-001"
BUYER_ENDPOINT = "LSS-MUN-002"


@dataclass(frozen=True)
class Receiver:
    """Who we are when receiving: name, Peppol participant and the reference codes we issued."""

    name: str
    slug: str
    participant: str  # "0007:2120001306"
    reference_codes: tuple[str, ...]

    @property
    def endpoint_scheme(self) -> str:
        return self.participant.split(":", 1)[0]

    @property
    def endpoint_id(self) -> str:
        return self.participant.split(":", 1)[1]

    @classmethod
    def from_registry(cls, municipality, extra_codes: tuple[str, ...] = ()) -> "Receiver":
        codes = tuple(c for c in ((municipality.reference_code.value,) if municipality.reference_code else ())
                      + tuple(extra_codes) if c)
        participant = (municipality.peppol_id.value if municipality.peppol_id
                       else f"{peppol_codes.EAS_SE_ORGNR}:" + municipality.org_nr.value.replace("-", ""))
        return cls(municipality.name.value, municipality.slug, participant, codes)


def _xpath_string(value: str) -> str:
    """An XPath 2.0 string literal (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def schematron_text(receiver: Receiver) -> str:
    codes = ", ".join(_xpath_string(c) for c in receiver.reference_codes) or "()"
    listed = ", ".join(receiver.reference_codes) or "none registered"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <title>Municipal rules of {escape(receiver.name)}</title>
  <ns prefix="cbc" uri="{peppol_codes.UBL_CBC_NS}"/>
  <ns prefix="cac" uri="{peppol_codes.UBL_CAC_NS}"/>
  <let name="referenceCodes" value={quoteattr("(" + codes + ")")}/>
  <let name="ourScheme" value={quoteattr(_xpath_string(receiver.endpoint_scheme))}/>
  <let name="ourEndpoint" value={quoteattr(_xpath_string(receiver.endpoint_id))}/>
  <pattern id="municipal-{escape(receiver.slug)}">
    <rule context="/*">
      <assert id="{BUYER_REFERENCE}" flag="fatal" test="normalize-space(cbc:BuyerReference) = $referenceCodes">Buyer reference (BT-10) '<value-of select="normalize-space(cbc:BuyerReference)"/>' is not a reference code issued by {escape(receiver.name)} ({escape(listed)}).</assert>
      <assert id="{BUYER_ENDPOINT}" flag="fatal" test="cac:AccountingCustomerParty/cac:Party/cbc:EndpointID[@schemeID = $ourScheme and normalize-space(.) = $ourEndpoint]">Buyer electronic address (BT-49) '<value-of select="cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID"/>:<value-of select="normalize-space(cac:AccountingCustomerParty/cac:Party/cbc:EndpointID)"/>' is not {escape(receiver.name)} ({escape(receiver.participant)}).</assert>
    </rule>
  </pattern>
</schema>
"""


def municipal_ruleset(receiver: Receiver) -> rulesets.RuleSet:
    """Our municipal rules as a rule set of their own, run after the official release that
    judges an invoice (``Validator(extra=...)``), registered under its own id.

    The generated file lives in the XSLT cache folder, named by the hash of its text, so the
    compiled XSLT is reused across runs and a changed registry entry makes a new one.
    """
    text = schematron_text(receiver)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    folder = rulesets.xslt_cache_dir().parent / "municipal"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{receiver.slug}-{digest}.sch"
    if not path.exists():
        write_atomic(path, text.encode("utf-8"))
    ruleset = rulesets.RuleSet(
        id=f"municipal-{receiver.slug}",
        version=digest,
        title=f"Municipal rules of {receiver.name}: buyer reference (BT-10) and electronic address (BT-49)",
        document_kinds=("invoice", "creditnote"),
        schematrons=(rulesets.SchematronStep(f"Municipal ({receiver.name})", str(path)),),
        xsd=False,
    )
    return rulesets.register(ruleset)
