"""Errors a build can end with; each one names the file and line it is about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the project's input, located as precisely as known."""

    path: str
    """File the problem is in, relative to the project root, with forward slashes."""
    line: int = 0
    """1-based line, or 0 when the problem concerns the whole file."""
    column: int = 0
    """1-based column, or 0 when unknown."""
    field: str = ""
    """Dotted path of the field at fault (``sections.1.body``), or empty."""
    message: str = ""
    """What is wrong, in one sentence."""
    hint: str = ""
    """How to fix it, when there is something better to say than the message."""

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class BuildError(Exception):
    """An expected failure: the CLI prints its message and exits with ``exit_code``."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(path="", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = sorted(set(problems))
        super().__init__(self.summary())

    def __reduce__(self) -> tuple[type[BuildError], tuple[list[Problem]]]:
        # Pickled by the problems, not the message: a build's worker processes send errors back whole.
        return (type(self), (self.problems,))

    def summary(self) -> str:
        lines = [str(p) for p in self.problems]
        count = len(lines)
        noun = "problem" if count == 1 else "problems"
        return "\n".join([*lines, f"{count} {noun} found ({self.kind})."])

    @property
    def kind(self) -> str:
        return "content"


class ContentError(BuildError):
    """The YAML content is malformed, invalid or inconsistent."""


class ConfigError(BuildError):
    """``content/site.yaml`` or a command-line setting is invalid."""

    @property
    def kind(self) -> str:
        return "configuration"


class ComputeError(BuildError):
    """A reference implementation failed, returned a bad value, or a formula disagrees with it."""

    @property
    def kind(self) -> str:
        return "compute"


class TemplateError(BuildError):
    """A Jinja template is missing, malformed, or failed while rendering."""

    @property
    def kind(self) -> str:
        return "template"


class OutputError(BuildError):
    """The output folder could not be written; not the author's fault."""

    exit_code = 1

    @property
    def kind(self) -> str:
        return "output"
