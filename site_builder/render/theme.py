"""The default theme inside the package, and a project's overrides of it: where each template and static file comes from.

A project's ``templates/`` folder overrides the theme file by file, by name (``entry.html``,
``static/style.css``): a name is looked up in the project first, then in the theme. Either way
a rendering notes the name as ``templates/NAME`` (see ``templates``), the file a project would
override it with, so adding, changing or removing an override remakes exactly the outputs that
used that name; the theme itself is part of build-site's code (``incremental.builder.builder_digest``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, Problem

THEME = Path(__file__).resolve().parent.parent / "theme"
"""The default theme: Jinja templates, and ``static/`` files copied as they are."""
TEMPLATES = "templates"
"""The project's folder of overrides."""
STATIC = "static/"
"""Files under ``static/`` are copied, not rendered."""


@dataclass(frozen=True)
class ThemeFile:
    """A template or static file as a build uses it: its name, and the file it comes from."""

    name: str
    """``entry.html``, ``static/style.css``."""
    path: Path
    """The project's file if it has one, else the theme's."""
    overridden: bool
    """The project's ``templates/`` has a file of this name."""

    @property
    def fact(self) -> str:
        """What a rendering that uses it notes as read: the project file that overrides (or would override) it."""
        return f"{TEMPLATES}/{self.name}"


def _names(folder: Path) -> Iterator[str]:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            yield relative.as_posix()


def theme_names() -> list[str]:
    """Every file of the default theme, by name."""
    return list(_names(THEME))


def find(root: Path, name: str) -> ThemeFile | None:
    """The file a build uses for ``name``: the project's, else the theme's; None if neither has one."""
    if name.startswith("/") or ".." in name.split("/"):
        return None
    for folder, overridden in ((root / TEMPLATES, True), (THEME, False)):
        path = folder / name
        if path.is_file():
            return ThemeFile(name, path, overridden)
    return None


def used_files(root: Path) -> list[ThemeFile]:
    """Every template and static file a build of ``root`` can use: the project's and the theme's, the project's first."""
    found = {name: ThemeFile(name, THEME / name, False) for name in _names(THEME)}
    found |= {name: ThemeFile(name, root / TEMPLATES / name, True) for name in _names(root / TEMPLATES)}
    return [found[name] for name in sorted(found)]


def static_files(root: Path) -> list[ThemeFile]:
    """The static files (``static/...``) a build copies: the union of the project's and the theme's."""
    return [file for file in used_files(root) if file.name.startswith(STATIC)]


def eject(root: Path, names: Iterable[str]) -> list[Path]:
    """Copy the theme's files ``names`` into the project's ``templates/`` to customise them; never overwrites.

    Refuses (copying none) an unknown name or a file the project has already.
    """
    known = set(theme_names())
    problems = []
    for name in names:
        if name not in known:
            problems.append(
                Problem(
                    f"{TEMPLATES}/{name}",
                    message="the theme has no such file",
                    hint="`build-site theme list` names them",
                )
            )
        elif (root / TEMPLATES / name).exists():
            problems.append(Problem(f"{TEMPLATES}/{name}", message="already exists; not overwritten"))
    if problems:
        raise ConfigError(problems)
    created = []
    for name in names:
        target = root / TEMPLATES / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with (THEME / name).open("rb") as source, target.open("xb") as copy:  # "x": never overwrite, even in a race
            shutil.copyfileobj(source, copy)
        created.append(target)
    return created
