"""The provider profile (TOML) -> :class:`~invoices.model.Provider`; see :func:`read_provider`.

Identifiers are checked by :mod:`peppol.identifiers` (organisation number, VAT number,
bankgiro, plusgiro: the rules the Peppol national rules SE-R-001..013 check) and
python-stdnum (IBAN, BIC); the messages here say what the provider must fix and never
repeat the value.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from peppol.identifiers import bankgiro, plusgiro, se_orgnr, se_vat
from peppol.identifiers.exceptions import InvalidChecksum

from .input_errors import Collector, InputError, InputErrors
from .model import Address, Contact, Provider

__all__ = ["read_provider"]

_PROVIDER_KEYS = ("name", "org_nr", "f_tax", "vat_number", "bankgiro", "plusgiro", "iban", "bic")
_ADDRESS_KEYS = ("street", "postal_code", "city", "country")
_CONTACT_KEYS = ("name", "phone", "email")
_INVOICE_KEYS = ("prefix",)


def _valid_vat(value: str) -> str:
    """SE + organisation number + 01 (:mod:`peppol.identifiers.se_vat`), compact."""
    try:
        return se_vat.validate(value)
    except ValueError:
        raise ValueError("not a valid Swedish VAT number (SE + organisation number + 01)") from None


def _valid_giro(value: str, module, lengths: str, what: str) -> str:
    """The giro number's digits, checked by ``module`` (:mod:`peppol.identifiers`); any
    whitespace, ``-`` or ``.`` between the digits is dropped first."""
    try:
        return module.validate(re.sub(r"[\s\-.]", "", value))
    except InvalidChecksum:
        raise ValueError(f"not a {what} (the check digit is wrong)") from None
    except ValueError:
        raise ValueError(f"not a {what} ({lengths} digits)") from None


def _valid_bankgiro(value: str) -> str:
    """Bankgirot: 7 or 8 digits, the last a modulus-10 (Luhn) check digit (SE-R-009)."""
    return _valid_giro(value, bankgiro, "7-8", "bankgiro number")


def _valid_plusgiro(value: str) -> str:
    """PlusGirot: 2 to 8 digits, the last a modulus-10 (Luhn) check digit (SE-R-010)."""
    return _valid_giro(value, plusgiro, "2-8", "plusgiro number")


def _valid_orgnr(value: str) -> str:
    """10 digits, the last a Luhn check digit (:mod:`peppol.identifiers.se_orgnr`)."""
    try:
        return se_orgnr.validate(value)
    except ValueError:
        raise ValueError("not a valid organisation number") from None


def _stdnum_checked(value: str, module, what: str) -> str:
    """``module.validate(value)`` (python-stdnum; its compact form), or ValueError ``not a valid <what>``."""
    try:
        return module.validate(value)
    except Exception:
        raise ValueError(f"not a valid {what}") from None


def _valid_iban(value: str) -> str:
    return _stdnum_checked(value, stdnum_iban, "IBAN")


def _valid_bic(value: str) -> str:
    return _stdnum_checked(value, stdnum_bic, "BIC")


def _valid_prefix(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9\-_/.]{0,20}", value):
        raise ValueError("use at most 20 letters A-Z, digits and - _ / . (no spaces)")
    return value


def _valid_email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise ValueError("not an e-mail address")
    return value


def _valid_country(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError("not an ISO 3166 two-letter country code (e.g. SE)")
    return value


def _load(path: Path, out: Collector) -> dict[str, Any]:
    """The TOML document, or the collected problem raised."""
    name = path.name
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        out.add(name, None, None, "no such file")
    except OSError as exc:
        out.add(name, None, None, f"cannot be read ({exc.__class__.__name__})")
    except UnicodeDecodeError:
        out.add(name, None, None, "the file is not UTF-8 text")
    except tomllib.TOMLDecodeError as exc:
        out.add(name, None, None, f"not valid TOML: {exc}")
    out.raise_if_any()
    raise AssertionError("unreachable")  # pragma: no cover


class _Profile:
    """The tables of one profile; every problem goes to ``out`` named ``[table] key``."""

    def __init__(self, name: str, data: dict[str, Any], out: Collector):
        self.name, self.data, self.out = name, data, out

    def error(self, field: str, message: str) -> None:
        self.out.add(self.name, None, field, message)

    def table(self, key: str, required: bool, allowed: tuple[str, ...]) -> dict[str, Any]:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(f"[{key}]", "missing table")
            return {}
        if not isinstance(value, dict):
            self.error(key, f"must be a table [{key}]")
            return {}
        for k in value:
            if k not in allowed:
                self.error(f"[{key}] {k}", "unknown key; the keys are: " + ", ".join(allowed))
        return value

    def text(self, tbl: dict[str, Any], tname: str, key: str, required: bool, check=None) -> str | None:
        """A string value, stripped and checked; an optional ``""`` counts as absent."""
        field = f"[{tname}] {key}"
        if key not in tbl or (not required and tbl[key] == ""):
            if required and tname in self.data:
                self.error(field, "missing")
            return None
        value = tbl[key]
        if not isinstance(value, str):
            self.error(field, "must be a string in quotes")
            return None
        value = value.strip()
        if value == "":
            self.error(field, "is empty")
            return None
        if check is not None:
            try:
                return check(value)
            except ValueError as exc:
                self.error(field, str(exc))
                return None
        return value


def _f_tax(p: _Profile, provider: dict[str, Any]) -> bool | None:
    if "provider" not in p.data:
        return None
    if "f_tax" not in provider:
        p.error("[provider] f_tax", "missing (true if approved for F-tax, else false)")
    elif not isinstance(provider["f_tax"], bool):
        p.error("[provider] f_tax", "must be true or false (without quotes)")
    else:
        return provider["f_tax"]
    return None


def _provider_fields(p: _Profile, provider: dict[str, Any]) -> dict[str, Any]:
    fields = dict(name=p.text(provider, "provider", "name", True),
                  org_nr=p.text(provider, "provider", "org_nr", True, _valid_orgnr))
    fields["f_tax"] = _f_tax(p, provider)
    fields.update(
        vat_number=p.text(provider, "provider", "vat_number", False, _valid_vat),
        bankgiro=p.text(provider, "provider", "bankgiro", False, _valid_bankgiro),
        plusgiro=p.text(provider, "provider", "plusgiro", False, _valid_plusgiro),
        iban=p.text(provider, "provider", "iban", False, _valid_iban),
        bic=p.text(provider, "provider", "bic", False, _valid_bic),
    )
    if "provider" in p.data and not any(provider.get(k) for k in ("bankgiro", "plusgiro", "iban")):
        p.error("[provider] bankgiro", "missing: give at least one of bankgiro, plusgiro or iban to be paid to")
    return fields


def _address_fields(p: _Profile, address: dict[str, Any]) -> dict[str, Any]:
    country = p.text(address, "address", "country", False, _valid_country) or "SE"
    street = p.text(address, "address", "street", True)
    postal = p.text(address, "address", "postal_code", True)
    if postal is not None and country == "SE":
        digits = re.sub(r"\s", "", postal)
        if not re.fullmatch(r"\d{5}", digits):
            p.error("[address] postal_code", "not a Swedish postal code (five digits, NNN NN)")
            postal = None
        else:
            postal = f"{digits[:3]} {digits[3:]}"
    city = p.text(address, "address", "city", True)
    return dict(street=street, postal_code=postal, city=city, country=country)


def _contact_fields(p: _Profile, contact: dict[str, Any]) -> dict[str, Any]:
    return dict(name=p.text(contact, "contact", "name", True),
                phone=p.text(contact, "contact", "phone", False),
                email=p.text(contact, "contact", "email", False, _valid_email))


def _invoice_prefix(p: _Profile, invoice: dict[str, Any]) -> str:
    if "prefix" not in invoice:
        return ""
    raw = invoice["prefix"]
    if not isinstance(raw, str):
        p.error("[invoice] prefix", "must be a string in quotes")
        return ""
    try:
        return _valid_prefix(raw.strip())
    except ValueError as exc:
        p.error("[invoice] prefix", str(exc))
        return ""


def read_provider(path: str | Path) -> Provider:
    """The provider profile, a TOML file laid out as follows (``provider_template_toml()``
    in :mod:`invoices.templates` writes a filled-in example)::

        [provider]
        name = "..."               # required, the legal name
        org_nr = "NNNNNN-NNNN"     # required, organisation number (Luhn)
        f_tax = true               # required, godkänd för F-skatt (true/false)
        vat_number = "SE...01"     # optional, SE + org nr + 01
        bankgiro = "NNNN-NNNN"     # at least one of bankgiro, plusgiro, iban
        plusgiro = "NNNNNN-N"
        iban = "SE.."
        bic = "..."                # optional, with iban

        [address]                  # required
        street = "..."
        postal_code = "NNN NN"     # five digits when country is SE
        city = "..."
        country = "SE"             # optional, ISO 3166 alpha-2, default SE

        [contact]                  # required
        name = "..."
        phone = "..."              # optional
        email = "..."              # optional

        [invoice]                  # optional
        prefix = "LSS-"            # invoice number prefix, <= 20 of A-Z 0-9 - _ / .

    An optional key written as ``""`` counts as absent. Unknown keys in these four tables
    are errors (a misspelt key would otherwise be lost); other top-level tables are left
    for other tools. Identifiers are stored compact (digits; VAT and IBAN without spaces).
    Raises :class:`InputErrors`, one error per missing or invalid key.
    """
    path = Path(path)
    out = Collector()
    profile = _Profile(path.name, _load(path, out), out)
    tables = (profile.table("provider", True, _PROVIDER_KEYS), profile.table("address", True, _ADDRESS_KEYS),
              profile.table("contact", True, _CONTACT_KEYS), profile.table("invoice", False, _INVOICE_KEYS))
    fields = _provider_fields(profile, tables[0])
    address = _address_fields(profile, tables[1])
    contact = _contact_fields(profile, tables[2])
    prefix = _invoice_prefix(profile, tables[3])
    out.raise_if_any()
    try:
        return Provider(**fields, address=Address(**address), contact=Contact(**contact), invoice_prefix=prefix)
    except ValidationError as exc:  # not expected after the checks above
        raise InputErrors([InputError(path.name, None, "[provider]", e["msg"]) for e in exc.errors()]) from None
