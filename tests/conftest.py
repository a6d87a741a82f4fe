"""Shared fixtures: the official artefacts are installed (verified) once per session."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def installed_artefacts():
    from schemas import artefacts

    if hasattr(artefacts, "install"):
        artefacts.install()
    return artefacts.artefacts_dir()
