"""What the registry raises: a malformed file, an unknown buyer, an unsourced rate or channel.

Every message names the buyer (and the file or the year) so a provider knows what to add
to the registry (``invoices/data/README.md``); nothing is guessed instead.
"""
from __future__ import annotations

__all__ = ["ChannelUnknown", "RateUnknown", "RegistryError", "ShiftKindNotBilled", "UnknownMunicipality"]


class RegistryError(ValueError):
    """A registry file is malformed; the message names the file."""


class UnknownMunicipality(LookupError):
    """No buyer matches a slug, name, org nr or Peppol ID; the message lists the known ones."""

    def __str__(self) -> str:  # LookupError would repr() the message
        return str(self.args[0]) if self.args else ""


class RateUnknown(LookupError):
    """No sourced hourly rate for a year. The message names the buyer and the year."""

    def __init__(self, message: str, *, who: str, year: int, known: tuple[int, ...]):
        super().__init__(message)
        self.who = who
        self.year = year
        self.known = known

    def __str__(self) -> str:
        return str(self.args[0])


class ChannelUnknown(LookupError):
    """No sourced channel for a claim kind at a buyer."""

    def __str__(self) -> str:
        return str(self.args[0])


class ShiftKindNotBilled(ValueError):
    """A buyer has no sourced rule for billing this kind of time as assistance hours."""
