"""Peppol BIS Billing 3.0: document model, UBL writer/reader, SBDH, responses, identifiers.

This package knows the Peppol and EN 16931 standards only, nothing about the business that
uses them. Modules:

* :mod:`peppol.identifiers` — ``se_orgnr``, ``se_vat``, ``bankgiro``, ``plusgiro``,
  ``peppol_id``, ``gln``, ``no_orgnr``, ``be_enterprise``, ``au_abn``, ``luhn``
  (python-stdnum style: compact/validate/is_valid/format), the one place that checks them;
* :mod:`peppol.codes` — code lists, namespaces and fixed identifiers (CustomizationID,
  ProfileID, document type and process identifiers, VAT categories, VATEX, UNCL4461, units,
  MIME codes, EAS/ICD, Invoice Response and MLR codes), the one place that names them;
* :mod:`peppol.model` — pydantic model of an Invoice/CreditNote with EN 16931 totals;
* :mod:`peppol.ubl` — ``to_ubl(document) -> bytes``;
* :mod:`peppol.reader` — ``from_ubl(tree_or_bytes) -> Document``, ``read_ubl`` with the
  stated totals;
* :mod:`peppol.sbdh` — ``wrap`` / ``unwrap`` of the Peppol envelope, ``payload_of`` (the one
  way to take the business document out of one);
* :mod:`peppol.responses` — Invoice Response (T111) and Message Level Response (T71);
* :mod:`peppol._xml` — the hardened parser every module parses bytes with.
"""
