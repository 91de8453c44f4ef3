"""Errors meant for people: located problems in files, and failures that stop a command."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .wording import plural


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in a file, printed the way editors and compilers print them."""

    path: str
    line: int | None
    col: int | None
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.message}"


class NewsletterError(Exception):
    """An expected failure: the CLI prints its message and exits 1, with no traceback."""


class ProblemsError(NewsletterError):
    """Input files have mistakes: all of them, so an editor can fix them in one go."""

    def __init__(self, problems: Iterable[Problem], what: str = "file"):
        self.problems = sorted(set(problems), key=reading_order)
        self.what = what
        self.consequence = "nothing was written"  # `validate` writes nothing anyway: it clears it
        super().__init__("\n".join(str(p) for p in self.problems))

    def summary(self) -> str:
        files = len({p.path for p in self.problems})
        found = f"{plural(len(self.problems), 'problem')} in {plural(files, self.what)}"
        return f"{found}; {self.consequence}" if self.consequence else found


def reading_order(problem: Problem) -> tuple:
    return (problem.path, problem.line or 0, problem.col or 0, problem.message)
