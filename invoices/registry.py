"""Who buys: the municipalities (and Försäkringskassan) a provider bills, as data.

Every buyer is one TOML file in ``invoices/data/municipalities/`` (layout: the README in
``invoices/data/``). Every value in those files carries its source; a value that is a
default rather than a sourced fact says so (``default = true``). Nothing here guesses: a
year without a sourced hourly rate raises :class:`RateUnknown`, a claim kind without a
sourced channel raises :class:`ChannelUnknown`.

More buyers, or local overrides of the packaged ones, come from folders of the same kind of
files: ``load_registry(extra_dirs=[...])`` or the environment variable
``LSSINVOICE_MUNICIPALITIES`` (folders separated by ``os.pathsep``). Order of precedence,
lowest first: packaged files, the environment's folders, ``extra_dirs``; a later file with
the same slug replaces the earlier one (that is how Tjörn's default payment terms are
overridden), and ``Municipality.origin`` tells which file won.

A buyer is looked up by any text that names it (:meth:`Registry.find`,
:meth:`Municipality.matches`; the rules in :mod:`invoices.buyer_names`): slug, name with or
without "kommun"/"stad", any case, with or without å/ä/ö, org nr, Peppol ID. The rules
for putting invoices together that vary by buyer are data too
(``extension_carries_base_timereports``, ``one_invoice_per_decision``; defaults
:data:`DEFAULT_EXTENSION_CARRIES_BASE_TIMEREPORTS`, :data:`DEFAULT_ONE_INVOICE_PER_DECISION`).

This module reads its inputs and does nothing else.
"""
from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from invoices.model import DecisionKind, ShiftKind, validate_orgnr
from peppol import codes

from .buyer_names import name_keys, names_org_nr, text_key
from .evidence import EVIDENCE
from .kind_rates import KindRate, kind_rates_valid
from .sourced import Frozen, Sourced, YearAmounts
from .registry_errors import ChannelUnknown, RateUnknown, RegistryError, ShiftKindNotBilled, UnknownMunicipality

ENV_VAR = "LSSINVOICE_MUNICIPALITIES"
FORMAT_VERSION = 1
# What a buyer file that does not state these rules gets (Tjörn's rules, seed 003; README).
DEFAULT_EXTENSION_CARRIES_BASE_TIMEREPORTS = True
DEFAULT_ONE_INVOICE_PER_DECISION = True

class Channel(str, enum.Enum):
    PEPPOL = "peppol"        # e-invoice, Peppol BIS Billing 3.0
    E_SERVICE = "e-service"  # the buyer's own e-service; no invoice is sent


class RateRule(Frozen):
    """How a buyer's hourly rate for a year is found.

    ``by_year``: the amounts the buyer publishes, one per year, each with its source.
    ``fk_standard_amount``: the buyer pays FK's standard amount (schablonbelopp) for the
    year, optionally limited to ``from_year``..``to_year`` (inclusive).
    """

    kind: Literal["by_year", "fk_standard_amount"]
    source: str = Field(min_length=1)
    amounts: YearAmounts = {}
    from_year: int | None = None
    to_year: int | None = None

    @model_validator(mode="after")
    def _shape(self) -> "RateRule":
        if self.kind == "by_year":
            if not self.amounts:
                raise ValueError("a by_year rate rule needs [rate_rules.amounts]")
            if self.from_year is not None or self.to_year is not None:
                raise ValueError("a by_year rate rule lists its years in amounts, not from_year/to_year")
        else:
            if self.amounts:
                raise ValueError("an fk_standard_amount rate rule takes no amounts (they come from FK's table)")
            if self.from_year is not None and self.to_year is not None and self.to_year < self.from_year:
                raise ValueError(f"to_year {self.to_year} is before from_year {self.from_year}")
        return self

    def covers(self, year: int) -> bool:
        if self.kind == "by_year":
            return year in self.amounts
        return (self.from_year is None or year >= self.from_year) and (self.to_year is None or year <= self.to_year)


class Address(Frozen):
    lines: list[str] = Field(min_length=1)
    postal_code: str
    city: str
    country: str = "SE"


class UnderlagItem(Frozen):
    """One thing the supporting documents (underlag) must contain, for some claim kinds.

    ``evidence``: what in a draft shows it (a key of :data:`invoices.evidence.EVIDENCE`;
    none: listed, not checked); ``words``: for ``evidence = "attachment"``, what an added
    file's description or name must hold; ``level``: ``error`` (with the page's words saying
    the claim is not handled without it) when a missing item must stop the invoice, else a
    warning."""

    kinds: list[DecisionKind] = Field(min_length=1)
    value: str = Field(min_length=1)
    source: str = Field(min_length=1)
    evidence: str | None = None
    words: list[str] = []
    level: Sourced[Literal["warning", "error"]] | None = None

    @model_validator(mode="after")
    def _evidence(self) -> "UnderlagItem":
        if self.evidence is not None and self.evidence not in EVIDENCE:
            raise ValueError(f"evidence {self.evidence!r} is not one of {', '.join(sorted(EVIDENCE))}")
        if (self.evidence == "attachment") != bool(self.words):
            raise ValueError("evidence = \"attachment\" goes with words = [...] (what the file's description "
                             "holds), and words with nothing else")
        return self


class FkTable(Frozen):
    """FK's standard hourly amount per year (``invoices/data/fk_schablonbelopp.toml``)."""

    format: int = FORMAT_VERSION
    amounts: YearAmounts
    origin: str = ""

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self.amounts))

    def sourced(self, year: int) -> Sourced[Decimal]:
        try:
            return self.amounts[year]
        except KeyError:
            known = self.years
            raise RateUnknown(
                f"Försäkringskassan: no sourced standard amount (schablonbelopp) for {year} "
                f"(known: {_years(known)})",
                who="Försäkringskassan", year=year, known=known,
            ) from None

    def amount(self, year: int) -> Decimal:
        return self.sourced(year).value


def _years(years: Iterable[int]) -> str:
    ys = sorted(years)
    return ", ".join(str(y) for y in ys) if ys else "none"


class Municipality(Frozen):
    """A buyer: a municipality paying under 9 § 2 LSS, or Försäkringskassan."""

    format: int = FORMAT_VERSION
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: Sourced[str]
    org_nr: Sourced[str]
    peppol_id: Sourced[str] | None = None
    channels: dict[DecisionKind, Sourced[Channel]] = {}
    reference_code: Sourced[str] | None = None
    payment_terms_days: Sourced[int] | None = None
    invoice_address: Sourced[Address] | None = None
    billed_kinds: Sourced[list[ShiftKind]]
    # On-call and standby, billed where an entry says how (invoices.kind_rates).
    kind_rates: list[KindRate] = []
    rate_rules: list[RateRule] = []
    underlag: list[UnderlagItem] = []
    extension_carries_base_timereports: Sourced[bool] | None = None
    one_invoice_per_decision: Sourced[bool] | None = None
    # The level of each case-work finding this buyer sets (``lssinvoice check``): ``error``
    # (the hours are cut), ``warning`` (shown, nothing cut) or ``off``; a code left out keeps
    # its default level (invoices.casework).
    case_levels: dict[str, Sourced[Literal["error", "warning", "off"]]] = {}
    # The level this buyer's requirements give a provider's source check (``LSS-SRC-*``,
    # :mod:`invoices.checks`) on invoices or reports for it; ``--check CODE=LEVEL`` still
    # overrides. A code left out keeps its default level.
    source_levels: dict[str, Sourced[Literal["error", "warning", "off"]]] = {}
    # Time reports whose signatures are yes/no cells of a CSV/XLSX, not signed XML
    # (invoices.signed_reports): ``accepted`` (the cells are believed), ``flagged`` (believed,
    # with a warning) or ``rejected`` (not believed: the report counts as unsigned). Left out:
    # accepted, as before signed reports existed (no seed says otherwise).
    unsigned_timereports: Sourced[Literal["accepted", "flagged", "rejected"]] | None = None
    origin: str = ""  # the file this entry was read from

    _fk: FkTable | None = PrivateAttr(default=None)
    _entered: dict[int, Sourced[Decimal]] = PrivateAttr(default_factory=dict)  # invoices.rate_overrides

    @field_validator("source_levels")
    @classmethod
    def _source_codes(cls, v: dict) -> dict:
        from .checks import CODES

        unknown = sorted(code for code in v if code not in CODES)
        if unknown:
            raise ValueError(f"source_levels: unknown source check code(s) {', '.join(unknown)}")
        return v

    @field_validator("format")
    @classmethod
    def _format(cls, v: int) -> int:
        if v != FORMAT_VERSION:
            raise ValueError(f"unsupported registry file format {v} (this version reads {FORMAT_VERSION})")
        return v

    @field_validator("org_nr")
    @classmethod
    def _org_nr(cls, v: Sourced[str]) -> Sourced[str]:
        return v.model_copy(update={"value": validate_orgnr(v.value)})

    @field_validator("payment_terms_days")
    @classmethod
    def _terms(cls, v: Sourced[int] | None) -> Sourced[int] | None:
        if v is not None and v.value < 0:
            raise ValueError("payment_terms_days cannot be negative")
        return v

    @model_validator(mode="after")
    def _kind_rates(self) -> "Municipality":
        kind_rates_valid(self.kind_rates, self.billed_kinds.value)
        return self

    @model_validator(mode="after")
    def _peppol(self) -> "Municipality":
        if self.peppol_id is not None:
            scheme, _, ident = self.peppol_id.value.partition(":")
            if scheme != codes.EAS_SE_ORGNR or ident != self.org_nr.value:
                raise ValueError(
                    f"peppol_id {self.peppol_id.value!r} must be '{codes.EAS_SE_ORGNR}:' + the org nr ({self.org_nr.value})"
                )
        return self

    # --- identity -------------------------------------------------------------------------

    @property
    def display_name(self) -> str:
        return self.name.value

    @property
    def org_nr_display(self) -> str:
        """``NNNNNN-NNNN``, as organisation numbers are usually written."""
        return f"{self.org_nr.value[:6]}-{self.org_nr.value[6:]}"

    @property
    def name_keys(self) -> frozenset[str]:
        """The keys a text naming this buyer is compared by (:mod:`invoices.buyer_names`)."""
        return name_keys(self.name.value, self.slug)

    def matches(self, text: str) -> bool:
        """Whether ``text`` names this buyer: its slug, its name with or without "kommun" /
        "stad" (and the genitive s), in any case, with or without å/ä/ö, surrounded by
        spaces or not; its org nr with or without the hyphen; or its Peppol ID."""
        key = text_key(text)
        return (bool(key) and key in self.name_keys) or names_org_nr(text, self.org_nr.value)

    # --- rules that vary by buyer -------------------------------------------------------------

    @property
    def extension_needs_base_timereports(self) -> bool:
        """Whether an invoice for a temporary extension carries the base decision's time
        reports of the same client and month too (and is refused without them). Default when
        the file does not say: :data:`DEFAULT_EXTENSION_CARRIES_BASE_TIMEREPORTS`."""
        rule = self.extension_carries_base_timereports
        return DEFAULT_EXTENSION_CARRIES_BASE_TIMEREPORTS if rule is None else rule.value

    @property
    def invoice_per_decision(self) -> bool:
        """Whether each decision is billed on an invoice of its own (else one invoice per
        client and month for all the client's decisions of the claim kind). Default when the
        file does not say: :data:`DEFAULT_ONE_INVOICE_PER_DECISION`."""
        rule = self.one_invoice_per_decision
        return DEFAULT_ONE_INVOICE_PER_DECISION if rule is None else rule.value

    # --- rates ----------------------------------------------------------------------------

    def known_rate_years(self) -> tuple[int, ...]:
        years: set[int] = set(self._entered)
        for rule in self.rate_rules:
            if rule.kind == "by_year":
                years.update(rule.amounts)
            elif self._fk is not None:
                years.update(y for y in self._fk.years if rule.covers(y))
        return tuple(sorted(years))

    def sourced_hourly_rate(self, year: int) -> Sourced[Decimal]:
        """The hourly rate for ``year`` with its source; :class:`RateUnknown` when unsourced.
        A rate an administrator entered for the year (:mod:`invoices.rate_overrides`) comes first."""
        if year in self._entered:
            return self._entered[year]
        matches = [r for r in self.rate_rules if r.covers(year)]
        known = self.known_rate_years()
        if len(matches) > 1:
            raise RegistryError(f"{self.display_name}: {len(matches)} rate rules cover {year} ({self.origin})")
        if not matches:
            raise RateUnknown(
                f"{self.display_name}: no sourced hourly rate for {year} (known: {_years(known)})",
                who=self.display_name, year=year, known=known,
            )
        rule = matches[0]
        if rule.kind == "by_year":
            return rule.amounts[year]
        if self._fk is None:
            raise RegistryError(f"{self.display_name}: FK's standard amounts are not loaded (use load_registry)")
        try:
            fk = self._fk.sourced(year)
        except RateUnknown:
            raise RateUnknown(
                f"{self.display_name}: no sourced hourly rate for {year} "
                f"({self.display_name} pays FK's standard amount, and FK's amount for {year} "
                f"is not in the table; known: {_years(known)})",
                who=self.display_name, year=year, known=known,
            ) from None
        return Sourced[Decimal](value=fk.value, source=f"{rule.source} + FK {year}: {fk.source}")

    def hourly_rate(self, year: int) -> Decimal:
        """SEK per hour for assistance performed in ``year``; never guessed."""
        return self.sourced_hourly_rate(year).value

    # --- channels -------------------------------------------------------------------------

    def channel(self, kind: DecisionKind | str) -> Channel:
        """How a claim of this kind reaches the buyer; :class:`ChannelUnknown` when unsourced."""
        kind = DecisionKind(kind)
        try:
            return self.channels[kind].value
        except KeyError:
            raise ChannelUnknown(
                f"{self.display_name}: no sourced channel for {kind.value} claims "
                f"(known: {', '.join(k.value for k in self.channels) or 'none'})"
            ) from None

    def accepts_invoices(self, kind: DecisionKind | str) -> bool:
        """True when claims of this kind go as (Peppol) invoices; False for an e-service.

        Raises :class:`ChannelUnknown` rather than answer when no channel is sourced.
        """
        return self.channel(kind) is Channel.PEPPOL

    # --- what is billed -------------------------------------------------------------------

    def bills(self, kind: ShiftKind | str) -> bool:
        """Whether ``kind`` is billed at the hourly rate (``billed_kinds``)."""
        return ShiftKind(kind) in self.billed_kinds.value

    def kind_rate(self, kind: ShiftKind | str) -> KindRate | None:
        """The ``[[kind_rates]]`` entry pricing ``kind`` (on-call, standby), or None."""
        kind = ShiftKind(kind)
        return next((r for r in self.kind_rates if r.kind is kind), None)

    def invoices_kind(self, kind: ShiftKind | str) -> bool:
        """Whether time of ``kind`` goes on an invoice: at the hourly rate (:meth:`bills`) or
        at its own kind rate (:mod:`invoices.kind_rates`)."""
        return self.bills(kind) or self.kind_rate(kind) is not None

    def invoiced_kinds(self) -> list[ShiftKind]:
        """The kinds :meth:`invoices_kind` accepts, billed kinds first."""
        return list(self.billed_kinds.value) + [r.kind for r in self.kind_rates]

    def check_billed(self, kind: ShiftKind | str) -> None:
        """Raise :class:`ShiftKindNotBilled` for time this buyer has no billing rule for
        (neither in ``billed_kinds`` nor with a ``[[kind_rates]]`` entry)."""
        kind = ShiftKind(kind)
        if not self.invoices_kind(kind):
            billed = ", ".join(k.value for k in self.invoiced_kinds()) or "none"
            raise ShiftKindNotBilled(
                f"{self.display_name}: no sourced rule for billing {kind.value} time as assistance "
                f"hours (billed kinds: {billed}; a [[kind_rates]] entry would give one)"
            )

    def underlag_for(self, kind: DecisionKind | str) -> list[str]:
        """What the supporting documents must contain for a claim of this kind."""
        kind = DecisionKind(kind)
        return [item.value for item in self.underlag if kind in item.kinds]


def _reject_floats(node: Any, path: str, origin: str) -> None:
    """Money and rates are exact: TOML floats (binary) are refused, strings are required."""
    if isinstance(node, float):
        raise RegistryError(f"{origin}: {path} is a TOML float; write amounts as strings, e.g. \"284.81\"")
    if isinstance(node, dict):
        for k, v in node.items():
            _reject_floats(v, f"{path}.{k}" if path else str(k), origin)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _reject_floats(v, f"{path}[{i}]", origin)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML ({exc})") from None
    _reject_floats(data, "", str(path))
    return data


def _int_keys(table: Any, origin: Path, what: str) -> Any:
    """TOML keys are strings; year tables want ints, and say so when a key is not a year."""
    if not isinstance(table, dict):
        return table
    out = {}
    for k, v in table.items():
        if not (isinstance(k, str) and k.isdigit() and len(k) == 4):
            raise RegistryError(f"{origin}: {what} key {k!r} is not a year (YYYY)")
        out[int(k)] = v
    return out


def _validation_message(origin: Path, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}")
    return f"{origin}: " + "; ".join(parts)


def load_fk_table(path: str | os.PathLike[str] | None = None) -> FkTable:
    """FK's standard amounts: the packaged table, or the file at ``path``."""
    if path is None:
        return _packaged_fk_table()
    return _load_fk_table(Path(path))


def _load_fk_table(path: Path) -> FkTable:
    data = _read_toml(path)
    data["amounts"] = _int_keys(data.get("amounts"), path, "amounts")
    try:
        return FkTable.model_validate({**data, "origin": str(path)})
    except ValidationError as exc:
        raise RegistryError(_validation_message(path, exc)) from None


@lru_cache(maxsize=1)
def _packaged_fk_table() -> FkTable:
    with resources.as_file(resources.files("invoices") / "data" / "fk_schablonbelopp.toml") as p:
        return _load_fk_table(Path(p))


def fk_standard_amount(year: int) -> Decimal:
    """FK's standard hourly amount for ``year`` (packaged table); :class:`RateUnknown` if absent."""
    return _packaged_fk_table().amount(year)


def load_municipality(path: str | os.PathLike[str], fk: FkTable | None = None) -> Municipality:
    """One buyer file. The slug must equal the file name (``boras.toml`` → ``boras``)."""
    path = Path(path)
    data = _read_toml(path)
    for table in ("rate_rules", "kind_rates"):
        for rule in data.get(table, []) if isinstance(data.get(table), list) else []:
            if isinstance(rule, dict) and "amounts" in rule:
                rule["amounts"] = _int_keys(rule["amounts"], path, f"{table}.amounts")
    try:
        m = Municipality.model_validate({**data, "origin": str(path)})
    except ValidationError as exc:
        raise RegistryError(_validation_message(path, exc)) from None
    if m.slug != path.stem:
        raise RegistryError(f"{path}: slug {m.slug!r} differs from the file name {path.stem!r}")
    m._fk = fk if fk is not None else _packaged_fk_table()
    return m


class Registry:
    """The buyers known to this run, looked up by slug, name, org nr or Peppol ID."""

    def __init__(self, municipalities: Iterable[Municipality], fk: FkTable):
        self._by_slug: dict[str, Municipality] = {}
        for m in municipalities:
            self._by_slug[m.slug] = m
        self.fk = fk
        seen: dict[str, str] = {}
        for m in self._by_slug.values():
            for key in sorted({f"name:{k}" for k in m.name_keys} | {f"org:{m.org_nr.value}"}):
                if key in seen:
                    raise RegistryError(
                        f"{m.origin}: {key.split(':')[0]} {m.display_name!r}/{m.org_nr_display} is also "
                        f"used by {seen[key]!r}"
                    )
                seen[key] = m.slug

    def __iter__(self) -> Iterator[Municipality]:
        return iter(sorted(self._by_slug.values(), key=lambda m: m.slug))

    def __len__(self) -> int:
        return len(self._by_slug)

    def __contains__(self, key: object) -> bool:
        return any(m.matches(str(key)) for m in self._by_slug.values())

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_slug))

    def find(self, text: str) -> Municipality:
        """The buyer ``text`` names (:meth:`Municipality.matches`: slug, name, org nr or
        Peppol ID); :class:`UnknownMunicipality` naming the text and listing the known ones."""
        if text in self._by_slug:
            return self._by_slug[text]
        for m in self._by_slug.values():
            if m.matches(text):
                return m
        known = "; ".join(f"{m.slug} ({m.display_name}, {m.org_nr_display})" for m in self)
        raise UnknownMunicipality(f"unknown municipality {text!r}; known: {known}")

    def get(self, key: str) -> Municipality:
        """The same as :meth:`find`."""
        return self.find(key)

    def fk_standard_amount(self, year: int) -> Decimal:
        return self.fk.amount(year)


def packaged_dir() -> Path:
    return Path(str(resources.files("invoices") / "data" / "municipalities"))


def _env_dirs() -> list[Path]:
    raw = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def load_registry(
    extra_dirs: Iterable[str | os.PathLike[str]] | None = None,
    *,
    use_env: bool = True,
    fk_table: str | os.PathLike[str] | None = None,
) -> Registry:
    """Packaged buyers, then ``$LSSINVOICE_MUNICIPALITIES`` folders, then ``extra_dirs``.

    A later file with an existing slug replaces the earlier entry. A folder that does not
    exist is an error (a typo must not silently drop a buyer).
    """
    fk = load_fk_table(fk_table)
    entered = _entered_rates(use_env)
    if entered.fk:
        fk = fk.model_copy(update={"amounts": {**fk.amounts, **{
            y: Sourced[Decimal](value=v, source=f"entered ({entered.origin}): {src}") for y, (v, src) in entered.fk.items()}}})
    dirs = [packaged_dir()] + (_env_dirs() if use_env else []) + [Path(d) for d in (extra_dirs or [])]
    found: dict[str, Municipality] = {}
    for d in dirs:
        if not d.is_dir():
            raise RegistryError(f"municipality folder {d} does not exist or is not a folder")
        for path in sorted(d.glob("*.toml")):
            m = load_municipality(path, fk)
            found[m.slug] = m
    for slug, years in entered.municipalities.items():
        if slug not in found:
            raise RegistryError(f"{entered.origin}: rates entered for {slug!r}, which the registry does not know")
        found[slug]._entered = {y: Sourced[Decimal](value=v, source=f"entered ({entered.origin}): {src}")
                                for y, (v, src) in years.items()}
    return Registry(found.values(), fk)


def _entered_rates(use_env: bool):
    """The rates an administrator entered (:mod:`invoices.rate_overrides`); none when the
    environment is not used (a test's or a benchmark's own registry)."""
    from .rate_overrides import RateOverrides, load_overrides

    return load_overrides() if use_env else RateOverrides()


__all__ = [
    "Address", "Channel", "ChannelUnknown", "KindRate", "DEFAULT_EXTENSION_CARRIES_BASE_TIMEREPORTS",
    "DEFAULT_ONE_INVOICE_PER_DECISION", "ENV_VAR", "FkTable", "Municipality", "RateRule",
    "RateUnknown", "Registry", "RegistryError", "ShiftKindNotBilled", "Sourced", "UnderlagItem",
    "UnknownMunicipality", "fk_standard_amount", "load_fk_table", "load_municipality",
    "load_registry", "packaged_dir",
]
