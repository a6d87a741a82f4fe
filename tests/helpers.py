"""Small helpers shared by tests: official example bytes and in-test document edits."""
from __future__ import annotations

from pathlib import Path

from schemas.artefacts import artefact_path
from tests.personal_data import record_output  # noqa: F401  (re-exported for the tests)

EXAMPLES = "peppol-bis-billing-3.0.19/rules/examples"


def example_bytes(name: str, folder: str = EXAMPLES) -> bytes:
    return artefact_path(f"{folder}/{name}").read_bytes()


def edited(name: str, *replacements: tuple[str, str]) -> bytes:
    """An official example with literal text replaced; each replacement must apply once."""
    text = example_bytes(name).decode("utf-8")
    for old, new in replacements:
        assert text.count(old) >= 1, f"{old!r} not in {name}"
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def sbdh(payload: bytes, receiver: str = "0007:2120001306") -> bytes:
    """Wrap a document in a complete Peppol SBDH (tests only; production uses peppol.sbdh).

    Standard and Type name the payload's root (an Invoice when there is none), and the
    BusinessScope has the DOCUMENTID and PROCESSID scopes, so that the envelope passes the
    envelope checks of validate.envelope and peppol.sbdh.unwrap."""
    body = payload.decode("utf-8")
    if body.startswith("<?xml"):
        body = body[body.index("?>") + 2:]
    namespace, local = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "Invoice"
    customization = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    profile = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    if body.strip():
        from lxml import etree

        root = etree.fromstring(body.strip().encode("utf-8"))
        qname = etree.QName(root)
        namespace, local = qname.namespace or "", qname.localname
        cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
        customization = (root.findtext(cbc + "CustomizationID") or customization).strip()
        profile = (root.findtext(cbc + "ProfileID") or profile).strip()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader">
  <StandardBusinessDocumentHeader>
    <HeaderVersion>1.0</HeaderVersion>
    <Sender><Identifier Authority="iso6523-actorid-upis">0007:5567321707</Identifier></Sender>
    <Receiver><Identifier Authority="iso6523-actorid-upis">{receiver}</Identifier></Receiver>
    <DocumentIdentification>
      <Standard>{namespace}</Standard>
      <TypeVersion>2.1</TypeVersion>
      <InstanceIdentifier>6f1c1c5e-1111-4c3e-9a55-000000000001</InstanceIdentifier>
      <Type>{local}</Type>
      <CreationDateAndTime>2026-11-26T10:00:00Z</CreationDateAndTime>
    </DocumentIdentification>
    <BusinessScope>
      <Scope><Type>DOCUMENTID</Type><InstanceIdentifier>{namespace}::{local}##{customization}::2.1</InstanceIdentifier><Identifier>busdox-docid-qns</Identifier></Scope>
      <Scope><Type>PROCESSID</Type><InstanceIdentifier>{profile}</InstanceIdentifier><Identifier>cenbii-procid-ubl</Identifier></Scope>
    </BusinessScope>
  </StandardBusinessDocumentHeader>
{body}
</StandardBusinessDocument>""".encode("utf-8")


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def removing(path: str):
    """An edit of a parsed document: remove the element at ``path`` (ElementPath)."""
    def edit(root):
        el = root.find(path)
        el.getparent().remove(el)
    return edit


def setting(path: str, text: str):
    """An edit of a parsed document: set the text of the element at ``path`` (ElementPath)."""
    def edit(root):
        root.find(path).text = text
    return edit
