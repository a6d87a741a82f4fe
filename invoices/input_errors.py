"""Problems in a provider's input files, each named by file, row and field.

A reader collects *all* problems in its input with a :class:`Collector` and raises one
:class:`InputErrors` at the end, so a provider fixes a file in one pass. Messages never
repeat a personnummer (not even a malformed one: it may be a real number with a typo).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["Collector", "InputError", "InputErrors"]


@dataclass(frozen=True, slots=True)
class InputError:
    """One problem in one input file.

    ``row`` is the spreadsheet row (header = 1) or, for TOML, None; ``field`` a column name
    or, for TOML, ``"[table] key"``; either may be None for a whole-file problem.
    """

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        if self.row is not None and self.field:
            return f"{self.file} row {self.row}, field '{self.field}': {self.message}"
        if self.row is not None:
            return f"{self.file} row {self.row}: {self.message}"
        if self.field:
            return f"{self.file}: {self.field}: {self.message}"
        return f"{self.file}: {self.message}"


class InputErrors(ValueError):
    """Everything wrong with the inputs of one read, in file and row order."""

    def __init__(self, errors: Iterable[InputError]):
        self.errors: list[InputError] = list(errors)
        super().__init__(self._summary())

    def _summary(self) -> str:
        n = len(self.errors)
        head = f"{n} problem{'s' if n != 1 else ''} in the input"
        return head + ":\n" + "\n".join(f"  {e}" for e in self.errors)

    def __iter__(self) -> Iterator[InputError]:
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)


class Collector:
    """The problems found so far in one read; :meth:`raise_if_any` ends the read."""

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, file: str, row: int | None, field: str | None, message: str) -> None:
        self.errors.append(InputError(file, row, field, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InputErrors(self.errors)
