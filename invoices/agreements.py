"""Working-time profiles: the limits that apply to an assistant's work (9 d § 4 LSS).

A profile is data (``invoices/data/agreements/*.toml``): the statutory ``atl``
(arbetstidslagen 1982:673) and ``household`` (lag 1970:943 om arbetstid m.m. i husligt
arbete), each limit with the section it comes from, and an ``exempelavtalet`` showing how a
collective agreement replaces the law's defaults (made up: ``example = true``). A
municipality adds the agreements it recognises as TOML files in a folder of its own
(``$LSSINVOICE_AGREEMENTS``, or ``extra_dirs``); a file with an existing name replaces it.

A section that is absent is a limit the profile does not set (the household act has no
48-hour average in our sources): it is not checked. Hours are whole numbers or decimal
strings; a TOML float is refused (exact figures only).

>>> profiles = load_profiles(use_env=False)
>>> sorted(profiles)
['atl', 'exempelavtalet', 'household']
>>> profiles["atl"].daily_rest.hours, profiles["atl"].daily_rest.basis
(Decimal('11'), 'arbetstidslagen 13 §')
>>> profiles["household"].average_week is None
True
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from decimal import Decimal
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .registry import RegistryError, _read_toml

ENV_VAR = "LSSINVOICE_AGREEMENTS"
STATUTORY = ("atl", "household")

__all__ = ["ENV_VAR", "STATUTORY", "AgreementError", "Profile", "known_regimes", "load_profiles", "packaged_dir"]


class AgreementError(RegistryError):
    """A profile file that cannot be used: names the file and the field."""


class _Limit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    basis: str


class Ordinary(_Limit):
    hours_per_week: Decimal = Field(gt=0)
    max_calculation_weeks: int = Field(ge=1)
    supervision_extra_per_week: Decimal = Field(default=Decimal(0), ge=0)


class OnCall(_Limit):
    hours_per_month: Decimal = Field(gt=0)


class Overtime(_Limit):
    general_per_month: Decimal | None = Field(default=None, gt=0)
    general_per_4_weeks: Decimal | None = Field(default=None, gt=0)
    general_per_year: Decimal = Field(gt=0)
    extra_per_year: Decimal = Field(default=Decimal(0), ge=0)
    extra_basis: str | None = None


class AverageWeek(_Limit):
    hours: Decimal = Field(gt=0)
    months: int = Field(ge=1, le=12)


class DailyRest(_Limit):
    hours: Decimal = Field(gt=0)
    minimum_hours: Decimal | None = Field(default=None, gt=0)
    averaging_days: int = Field(default=0, ge=0)
    cut: bool = True


class WeeklyRest(_Limit):
    hours: Decimal = Field(gt=0)
    cut: bool = True


class Stretch(_Limit):
    max_hours: Decimal = Field(gt=0)


class Profile(BaseModel):
    """The limits of one regime; ``None`` = the profile sets no such limit."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    source: str
    example: bool = False
    ordinary: Ordinary | None = None
    on_call: OnCall | None = None
    overtime: Overtime | None = None
    average_week: AverageWeek | None = None
    daily_rest: DailyRest | None = None
    weekly_rest: WeeklyRest | None = None
    stretch: Stretch | None = None


def packaged_dir() -> Path:
    return Path(str(resources.files("invoices") / "data" / "agreements"))


def load_profile(path: str | os.PathLike[str]) -> Profile:
    path = Path(path)
    data = _read_toml(path)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise AgreementError(f"{path}: {where}: {first['msg']}") from None
    if path.stem != profile.name:
        raise AgreementError(f"{path}: name {profile.name!r} differs from the file name {path.stem!r}")
    return profile


def load_profiles(extra_dirs: Iterable[str | os.PathLike[str]] | None = None, *,
                  use_env: bool = True) -> dict[str, Profile]:
    """Packaged profiles, then ``$LSSINVOICE_AGREEMENTS`` folders, then ``extra_dirs``."""
    env = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()] if use_env else []
    found: dict[str, Profile] = {}
    for d in [packaged_dir(), *env, *(Path(x) for x in extra_dirs or ())]:
        if not d.is_dir():
            raise AgreementError(f"agreement folder {d} does not exist or is not a folder")
        for path in sorted(d.glob("*.toml")):
            profile = load_profile(path)
            found[profile.name] = profile
    return found


def known_regimes(extra_dirs: Iterable[str | os.PathLike[str]] | None = None) -> tuple[str, ...]:
    """The names a register row's ``regime`` may take."""
    return tuple(sorted(load_profiles(extra_dirs)))
