"""The project's own schemas (not official artefacts: written here, shipped with the package).

``timereport/timereport-1.xsd``: the time report a provider's people sign
(:mod:`invoices.timereport_xml`), namespace :data:`TIMEREPORT_NS`.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["TIMEREPORT_NS", "TIMEREPORT_VERSION", "timereport_xsd"]

TIMEREPORT_NS = "urn:lssinvoice:timereport:1"
TIMEREPORT_VERSION = "1"


def timereport_xsd() -> Path:
    """The path of the time report's XSD, version 1."""
    return Path(str(resources.files("schemas") / "timereport" / "timereport-1.xsd"))
