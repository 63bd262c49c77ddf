"""Why an offline workbook was refused, said so a person knows which cell to fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file, and where it is when it is in a cell."""

    message: str
    location: str | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class OfflineImportError(ValueError):
    """The file was refused as a whole: nothing from it is imported.

    `problems` lists every problem found, so a person can fix them all in one pass.
    """

    def __init__(
        self,
        message: str,
        location: str | None = None,
        problems: Sequence[ImportProblem] = (),
    ) -> None:
        self.message = message
        self.location = location
        self.problems = tuple(problems) or (ImportProblem(message, location),)
        super().__init__(str(ImportProblem(message, location)))

    @classmethod
    def from_problems(cls, problems: Sequence[ImportProblem]) -> OfflineImportError:
        listing = "\n".join(f"- {problem}" for problem in problems)
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        return cls(
            f"The file has {count} {noun}; nothing was imported. Correct them and upload "
            f"the file again:\n{listing}",
            problems=problems,
        )


def cell_location(sheet: str, row: int, column: str) -> str:
    """Where a cell is, in the words a person sees in Excel (rows count from 1)."""
    return f"sheet {sheet}, row {row}, column {column}"
