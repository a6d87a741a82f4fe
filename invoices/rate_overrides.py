"""Rates an administrator enters: the year the government or a municipality has just decided.

The packaged registry (``invoices/data``) knows the years its sources give; a year past them is
unknown and billing it is refused (rates are never guessed). When the amount is decided, an
administrator enters it with its source instead of copying package files::

    lssinvoice rates set --municipality boras --year 2025 --amount 310.00 --source "Borås Stad, beslut 2024-11-20"
    lssinvoice rates set --fk --year 2025 --amount 340.40 --source "Regeringen, förordning 2024:xxx"

They are kept in one file, :func:`overrides_path` (``rates.toml`` in the user's configuration
folder, or ``$LSSINVOICE_RATES``)::

    format = 1
    [fk]
    2025 = { value = "340.40", source = "..." }
    [municipalities.boras]
    2025 = { value = "310.00", source = "..." }

An entered rate takes precedence over the packaged rules for its year (it is the newer
decision) and is shown as entered (``rates show``). Every amount is a positive decimal with at
most two decimals, as a string; a rate without a source is refused.
"""
from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .registry_errors import RegistryError

__all__ = ["ENV_VAR", "RateOverrides", "load_overrides", "overrides_path", "save_override"]

ENV_VAR = "LSSINVOICE_RATES"
FORMAT = 1


def overrides_path() -> Path:
    """``$LSSINVOICE_RATES``, else ``rates.toml`` in the user's configuration folder."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    from platformdirs import user_config_dir

    return Path(user_config_dir("lssinvoice")) / "rates.toml"


@dataclass
class RateOverrides:
    fk: dict[int, tuple[Decimal, str]] = field(default_factory=dict)
    municipalities: dict[str, dict[int, tuple[Decimal, str]]] = field(default_factory=dict)
    origin: str = ""


def checked_amount(text: str) -> Decimal:
    """A rate as entered: a positive amount in SEK with at most two decimals (öre)."""
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{text!r} is not a positive amount")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"{text!r} has more than 2 decimals (öre)")
    return value


def _years(table, where: str) -> dict[int, tuple[Decimal, str]]:
    if not isinstance(table, dict):
        raise RegistryError(f"{where}: expected a table of years")
    out = {}
    for key, entry in table.items():
        if not str(key).isdigit() or len(str(key)) != 4:
            raise RegistryError(f"{where}: {key!r} is not a year")
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            raise RegistryError(f"{where}.{key}: expected {{ value = \"amount\", source = \"...\" }}")
        source = str(entry.get("source") or "").strip()
        if not source:
            raise RegistryError(f"{where}.{key}: a rate without a source is refused")
        try:
            out[int(key)] = (checked_amount(entry["value"]), source)
        except ValueError as exc:
            raise RegistryError(f"{where}.{key}: {exc}") from None
    return out


def load_overrides(path: Path | None = None) -> RateOverrides:
    """The entered rates (none when the file does not exist); :class:`RegistryError` naming
    the file and the entry when it cannot be read."""
    path = path or overrides_path()
    if not path.exists():
        return RateOverrides(origin=str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read the entered rates: {exc}") from None
    if data.get("format") != FORMAT:
        raise RegistryError(f"{path}: format must be {FORMAT}")
    municipalities = data.get("municipalities", {})
    if not isinstance(municipalities, dict):
        raise RegistryError(f"{path}: [municipalities.<slug>] tables expected")
    return RateOverrides(
        fk=_years(data.get("fk", {}), f"{path}: fk"),
        municipalities={slug: _years(t, f"{path}: municipalities.{slug}") for slug, t in sorted(municipalities.items())},
        origin=str(path))


def _toml(overrides: RateOverrides) -> str:
    def table(years: dict[int, tuple[Decimal, str]]) -> list[str]:
        # JSON strings are valid TOML basic strings (the same escapes)
        return [f"{y} = {{ value = {json.dumps(str(v))}, source = {json.dumps(s, ensure_ascii=False)} }}"
                for y, (v, s) in sorted(years.items())]

    lines = ["# Rates entered with `lssinvoice rates set` (invoices/rate_overrides.py).", f"format = {FORMAT}", ""]
    if overrides.fk:
        lines += ["[fk]", *table(overrides.fk), ""]
    for slug, years in sorted(overrides.municipalities.items()):
        if years:
            lines += [f"[municipalities.{slug}]", *table(years), ""]
    return "\n".join(lines)


def save_override(*, year: int, amount: str, source: str, municipality: str | None = None,
                  path: Path | None = None) -> tuple[Path, Decimal]:
    """Enter one rate (FK's when ``municipality`` is None), replacing an entered one for the
    same year; written atomically, owner-only. ValueError for an amount or source refused."""
    from fsio.atomic import write_atomic

    if not source or not source.strip():
        raise ValueError("a rate without a source is refused: give --source (the decision, its date, where it is "
                         "published)")
    if not 1900 <= year <= 2999:
        raise ValueError(f"{year} is not a year")
    value = checked_amount(amount)
    path = path or overrides_path()
    overrides = load_overrides(path)
    target = overrides.fk if municipality is None else overrides.municipalities.setdefault(municipality, {})
    target[year] = (value, source.strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, _toml(overrides))
    return path, value
