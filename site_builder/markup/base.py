"""What every markup module shares: the error, the callback types, and the syntax of directives and roles."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

DIRECTIVE_INFO = re.compile(r"^\{([a-z][a-z0-9-]*)\}\s*(\S*)\s*$")
ROLE = re.compile(r"\{([a-z][a-z0-9-]*)\}`([^`]*)`")

Directive = Callable[[str, str], str]
"""(name, target) -> replacement text for a directive."""
Role = Callable[[str, str], str]
"""(name, content) -> replacement text for a role (not yet escaped)."""
SiteLink = Callable[[str], str]
"""Site path written by an author (``/problems/x/``) -> the link to emit."""
MathRenderer = Callable[[str, bool], str]
"""(LaTeX, display) -> the formula as an edition shows it (MathML, an image, Unicode text, a KaTeX tag)."""


def same_link(path: str) -> str:
    return path


class MarkupError(Exception):
    """Author markup that cannot be rendered; ``line`` and ``column`` are 0-based within the Markdown text."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Reference:
    """A directive or role found in Markdown, for validation before rendering."""

    kind: str
    """``directive`` or ``role``."""
    name: str
    """Directive or role name, e.g. ``formula`` or ``value``."""
    target: str
    """Its argument, e.g. a formula id or ``example.output:.3f``."""
    line: int
    """0-based line within the Markdown text."""
    column: int = 0
    """0-based column of that line where it starts (0 for a directive: its fence)."""


def directive_parts(info: str, line: int) -> tuple[str, str]:
    """(name, target) of a directive fence's info string, or an error at its line."""
    match = DIRECTIVE_INFO.match(info)
    if not match:
        raise MarkupError(f"malformed directive {info!r}", line)
    return match[1], match[2]


def at_line(exc: MarkupError, line: int, column: int = 0) -> MarkupError:
    """The error of a callback, placed where what it was rendering starts (unless it names its own line)."""
    return MarkupError(str(exc), exc.line, exc.column) if exc.line else MarkupError(str(exc), line, column)
