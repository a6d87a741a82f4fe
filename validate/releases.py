"""OpenPeppol releases by date: which rules judge a document received (or written) on a day.

The releases are data (``validate/data/releases.toml``): a name (``2026.5``), the BIS Billing
version it carries (``3.0.21``), the artefact folder it is installed in, and two dates from
Peppol's release notes. The network's rule, as the release notes state it:

* from ``published`` a release may be used; the release before it stays valid until
* ``mandatory_from``, from which day only the new release (and any published later) is
  accepted.

So on a *reference date* the accepted releases are the newest one whose mandatory date has
come, plus every release published since (see :func:`select`). A document is valid when it
passes any accepted release; the newest accepted release is the *primary* one: it judges a
document that passes none, and it is the one a provider should write for.

>>> sel = select(date(2026, 3, 1))
>>> [r.billing for r in sel.accepted], sel.primary.billing
(['3.0.20'], '3.0.20')
>>> sel = select(date(2026, 6, 1))
>>> [r.billing for r in sel.accepted], sel.primary.billing
(['3.0.20', '3.0.21'], '3.0.21')
>>> find("3.0.19").name, find("2025.11").billing, find("peppol-bis-billing-3.0.21").name
('2025.5', '3.0.20', '2026.5')
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "releases.toml"

BILLING_PREFIX = "peppol-bis-billing-"
T111_PREFIX = "peppol-t111-"
T71_PREFIX = "peppol-t71-"

KINDS_BILLING = ("invoice", "creditnote")
KIND_T111 = "invoice-response"
KIND_T71 = "mlr"


class UnknownRelease(KeyError):
    """No release of that name, version or rule-set id."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Release:
    name: str
    title: str
    billing: str
    artefacts: str
    published: date
    mandatory_from: date
    layout: tuple[tuple[str, str], ...]
    postaward: str = ""

    def file(self, part: str) -> str:
        """The artefact path (manifest path) of a part of the release: cen, peppol, t111, t71,
        oracle (a folder), examples (a folder)."""
        return f"{self.artefacts}/{dict(self.layout)[part]}"

    @property
    def billing_ruleset(self) -> str:
        return BILLING_PREFIX + self.billing

    @property
    def t111_ruleset(self) -> str:
        return T111_PREFIX + self.name

    @property
    def t71_ruleset(self) -> str:
        return T71_PREFIX + self.name

    @property
    def ruleset_ids(self) -> tuple[str, ...]:
        return (self.billing_ruleset, self.t111_ruleset, self.t71_ruleset)

    def ruleset_for(self, kind: str) -> str | None:
        """The id of this release's rule set for a document kind (None: the release has none)."""
        if kind in KINDS_BILLING:
            return self.billing_ruleset
        return {KIND_T111: self.t111_ruleset, KIND_T71: self.t71_ruleset}.get(kind)

    def label(self) -> str:
        return f"OpenPeppol {self.name} (BIS Billing {self.billing})"

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "billing": self.billing,
                "postaward": self.postaward or None, "published": self.published.isoformat(),
                "mandatory_from": self.mandatory_from.isoformat(), "rulesets": list(self.ruleset_ids)}


@lru_cache(maxsize=1)
def all_releases() -> tuple[Release, ...]:
    """Every release of the data file, oldest first (by publication date)."""
    with DATA.open("rb") as fh:
        data = tomllib.load(fh)
    layout = tuple(sorted(data["layout"].items()))
    out = []
    for entry in data["release"]:
        out.append(Release(name=entry["name"], title=entry["title"], billing=entry["billing"],
                           artefacts=entry["artefacts"], published=entry["published"],
                           mandatory_from=entry["mandatory_from"], layout=layout,
                           postaward=entry.get("postaward", "")))
    out.sort(key=lambda r: r.published)
    for older, newer in zip(out, out[1:]):
        if not older.mandatory_from < newer.mandatory_from:
            raise ValueError(f"{DATA}: release {newer.name} becomes mandatory before {older.name}")
    return tuple(out)


def find(text: str) -> Release:
    """A release by name (``2025.11``), billing version (``3.0.20``) or one of its rule-set ids."""
    wanted = text.strip()
    for release in all_releases():
        if wanted in (release.name, release.billing) or wanted in release.ruleset_ids:
            return release
    known = ", ".join(f"{r.name} ({r.billing})" for r in all_releases())
    raise UnknownRelease(f"unknown release {text!r}; known: {known}")


def of_ruleset(ruleset_id: str) -> Release | None:
    """The release a rule-set id belongs to (None for rule sets outside the releases)."""
    for release in all_releases():
        if ruleset_id in release.ruleset_ids:
            return release
    return None


@dataclass(frozen=True)
class Selection:
    """The releases accepted on a reference date, oldest first; ``primary`` is the newest."""

    at: date
    accepted: tuple[Release, ...]
    note: str = ""

    @property
    def primary(self) -> Release:
        return self.accepted[-1]

    @property
    def in_transition(self) -> bool:
        return len(self.accepted) > 1


def select(at: date) -> Selection:
    """The releases accepted on ``at`` (see the module docstring for the rule)."""
    releases = all_releases()
    published = [r for r in releases if r.published <= at]
    if not published:
        first = releases[0]
        return Selection(at, (first,), f"{at} is before the first release held ({first.name}, published "
                                       f"{first.published}); judged by it")
    mandatory = [r for r in published if r.mandatory_from <= at]
    note = ""
    if mandatory:
        base = mandatory[-1]
    else:
        base = published[0]
        note = (f"the release in force before {base.name} is not held; on {at} {base.name} is judged "
                f"alone (mandatory from {base.mandatory_from})")
    accepted = tuple(r for r in published if r.published >= base.published)
    return Selection(at, accepted, note)


def in_force(at: date) -> Release:
    """The release a document should be written for on ``at``: the newest accepted one."""
    return select(at).primary
