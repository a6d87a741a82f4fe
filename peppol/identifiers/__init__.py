"""Identifiers used in Peppol BIS Billing 3.0 documents, in the style of python-stdnum.

The one place in the project that validates or formats an organisation number, a Bankgiro
or PlusGiro number, a VAT number or a Peppol participant identifier. Each module has
``compact(value)``, ``validate(value)`` (returns the compact form or raises a
:class:`ValueError` subclass from :mod:`.exceptions`, all of them
:class:`~.exceptions.InvalidIdentifier`), ``is_valid(value)`` and ``format(value)``:

* :mod:`.se_orgnr` — Swedish organisation number (ISO 6523 ICD 0007);
* :mod:`.se_vat` — Swedish VAT number (``SE`` + orgnr + ``01``);
* :mod:`.bankgiro` — Bankgiro number;
* :mod:`.plusgiro` — PlusGiro number;
* :mod:`.peppol_id` — Peppol participant identifier ``scheme:value`` (also ``parse``);
* :mod:`.gln` — GS1 Global Location Number (ICD 0088);
* :mod:`.no_orgnr` — Norwegian organisation number (ICD 0192);
* :mod:`.be_enterprise` — Belgian enterprise number (ICD 0208);
* :mod:`.au_abn` — Australian Business Number (ICD 0151);
* :mod:`.luhn` — the Luhn (modulus 10) check digit the Swedish numbers use
  (``calc_check_digit``, ``validate``, ``is_valid``; no ``format``).

The doctests of every module run in ``make test`` (``tests/test_identifier_doctests.py``).
"""
from . import au_abn, bankgiro, be_enterprise, gln, luhn, no_orgnr, peppol_id, plusgiro, se_orgnr, se_vat
from .exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidIdentifier, InvalidLength

__all__ = [
    "au_abn", "bankgiro", "be_enterprise", "gln", "luhn", "no_orgnr", "peppol_id", "plusgiro", "se_orgnr", "se_vat",
    "InvalidIdentifier", "InvalidFormat", "InvalidLength", "InvalidChecksum", "InvalidComponent",
]
