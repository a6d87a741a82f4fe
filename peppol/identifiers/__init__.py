"""Identifiers used in Peppol BIS Billing 3.0 documents, in the style of python-stdnum.

Each module has ``compact(value)``, ``validate(value)`` (returns the compact form or raises a
:class:`ValueError` subclass from :mod:`.exceptions`), ``is_valid(value)`` and
``format(value)``:

* :mod:`.se_orgnr` — Swedish organisation number (ISO 6523 ICD 0007);
* :mod:`.se_vat` — Swedish VAT number (``SE`` + orgnr + ``01``);
* :mod:`.bankgiro` — Bankgiro number;
* :mod:`.plusgiro` — PlusGiro number;
* :mod:`.peppol_id` — Peppol participant identifier ``scheme:value`` (also ``parse``).
"""
from . import bankgiro, peppol_id, plusgiro, se_orgnr, se_vat
from .exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidIdentifier, InvalidLength

__all__ = [
    "bankgiro", "peppol_id", "plusgiro", "se_orgnr", "se_vat",
    "InvalidIdentifier", "InvalidFormat", "InvalidLength", "InvalidChecksum", "InvalidComponent",
]
