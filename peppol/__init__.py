"""Peppol BIS Billing 3.0: document model, UBL writer/reader, SBDH, responses, identifiers.

This package knows the Peppol and EN 16931 standards only, nothing about the business that
uses them. Modules:

* :mod:`peppol.identifiers` — ``se_orgnr``, ``se_vat``, ``bankgiro``, ``plusgiro``,
  ``peppol_id`` (python-stdnum style: compact/validate/is_valid/format);
* :mod:`peppol.codes` — code lists and fixed identifiers (CustomizationID, ProfileID,
  document type and process identifiers, VAT categories, VATEX, UNCL4461, units, MIME
  codes, Invoice Response codes);
* :mod:`peppol.model` — pydantic model of an Invoice/CreditNote with EN 16931 totals;
* :mod:`peppol.ubl` — ``to_ubl(document) -> bytes``;
* :mod:`peppol.reader` — ``from_ubl(tree_or_bytes) -> Document``, ``read_ubl`` with the
  stated totals;
* :mod:`peppol.sbdh` — ``wrap`` / ``unwrap`` of the Peppol envelope.
"""
