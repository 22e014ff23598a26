"""Domain errors: what is wrong with the knowledge base, located to a file, line and id."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Origin:
    """Where something was written: a file and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        path = display_path(self.file)
        return f"{path}:{self.line}" if self.line else path


def display_path(path: str) -> str:
    """Show a path relative to the working directory when it lies under it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


@dataclass(frozen=True, order=True)
class Problem:
    """One error, printed on one line: file:line: kind id: what is wrong; how to fix it."""

    origin: Origin
    kind: str
    ident: str
    message: str

    def __str__(self) -> str:
        who = f"{self.kind} {self.ident}: " if self.ident else ""
        return f"{self.origin}: {who}{self.message}"

    def as_dict(self) -> dict:
        """A JSON-ready form for programs."""
        return {
            "file": display_path(self.origin.file),
            "line": self.origin.line,
            "kind": self.kind,
            "id": self.ident,
            "message": self.message,
        }


class KbError(Exception):
    """A knowledge-base error that the CLI turns into one clear line and exit status 1."""


class ProblemsError(KbError):
    """An error that carries located problems; the CLI prints each on its own line."""

    def __init__(self, problems: list[Problem], summary: str):
        self.problems = sorted(problems)
        super().__init__(summary)


class LoadError(ProblemsError):
    """The claims folder cannot be loaded at all; carries the problems found."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems, "\n".join(str(p) for p in sorted(problems)))


class UsageError(KbError):
    """The user asked for something that cannot be done (unknown id, bad option value)."""


def quoted(value: str) -> str:
    """A value the user typed, quoted for a one-line message: a line break, a control or an
    invisible character in it is escaped, so the message stays one readable line."""
    return f"'{value}'" if value.isprintable() else repr(value)
