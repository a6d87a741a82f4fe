"""Official artefacts: where they live once installed, and the installer.

The cache is ``$LSSINVOICE_ARTEFACTS`` or ``<user cache dir>/lssinvoice/artefacts``. Files
keep the relative paths of ``schemas/manifest.json`` (e.g.
``oasis-ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd``).
"""
from __future__ import annotations

import os
from pathlib import Path


class ArtefactError(Exception):
    """An artefact is missing, or its SHA-256 does not match the manifest."""


class ArtefactMissing(ArtefactError):
    pass


def artefacts_dir() -> Path:
    env = os.environ.get("LSSINVOICE_ARTEFACTS")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("lssinvoice")) / "artefacts"


def artefact_path(relpath: str) -> Path:
    """The installed file for a manifest path; ArtefactMissing names it if absent."""
    path = artefacts_dir() / relpath
    if not path.is_file():
        raise ArtefactMissing(
            f"artefact {relpath} is not installed in {artefacts_dir()}: run `lssinvoice schemas install`"
        )
    return path
