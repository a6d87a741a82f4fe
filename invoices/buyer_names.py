"""How a provider's files name a buyer, and when a text names a particular one.

A decisions file, a command line or an envelope names a municipality as people write it:
``Tjörn``, ``TJÖRN KOMMUN``, ``tjorn``, ``Tjörns kommun``, ``212000-1306``,
``0007:2120001306``. :func:`name_keys` gives the keys a buyer answers to and
:func:`text_key` the key a text is compared by:

* case, runs of whitespace and surrounding spaces do not count;
* letters with diacritics count as their base letter (å → a, ä → a, ö → o, é → e);
* a trailing word ``kommun`` or ``stad`` is optional, and so is the genitive ``s`` before
  it (``Tjörns kommun`` = ``Tjörn kommun`` = ``Tjörn``);
* the buyer's slug is a key of its own.

An organisation number matches with or without the hyphen (and in its 12-digit form with
``16``), a Peppol participant identifier with scheme 0007 (optionally qualified
``iso6523-actorid-upis::``) when its value is the org nr (:mod:`peppol.identifiers`).
"""
from __future__ import annotations

import unicodedata

from peppol import codes
from peppol.identifiers import peppol_id, se_orgnr

__all__ = ["SUFFIXES", "fold", "name_keys", "names_org_nr", "text_key"]

SUFFIXES = ("kommun", "stad")


def fold(text: str) -> str:
    """Case-folded, whitespace collapsed, diacritics dropped (``Tjörns  KOMMUN`` → ``tjorns kommun``)."""
    decomposed = unicodedata.normalize("NFKD", " ".join(str(text).split()).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _without_suffix(folded: str) -> tuple[str, bool]:
    """The folded name without a trailing ``kommun``/``stad``, and whether it had one."""
    head, _, last = folded.rpartition(" ")
    if head and last in SUFFIXES:
        return head, True
    return folded, False


def text_key(text: str) -> str:
    """The key a text naming a buyer is compared by: folded, without ``kommun``/``stad``."""
    return _without_suffix(fold(text))[0]


def name_keys(name: str, slug: str) -> frozenset[str]:
    """Every key a buyer called ``name`` (slug ``slug``) answers to."""
    stem, had_suffix = _without_suffix(fold(name))
    keys = {fold(slug), stem}
    if had_suffix and stem.endswith("s") and len(stem) > 2:
        keys.add(stem[:-1])  # the genitive: "Tjörns kommun" is Tjörn's
    return frozenset(keys)


def names_org_nr(text: str, org_nr: str) -> bool:
    """Whether ``text`` is the organisation number ``org_nr`` (10 digits) or its Peppol ID."""
    raw = str(text).strip()
    if ":" in raw:
        try:
            scheme, _, value = peppol_id.compact(raw).partition(":")
        except ValueError:
            return False
        return scheme == codes.EAS_SE_ORGNR and value == org_nr
    return se_orgnr.compact(raw) == org_nr
