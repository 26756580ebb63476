"""Which templates a page is made with, and which of its context variables they read.

A template pulls in others with ``extends``, ``include``, ``import`` and ``from
... import``; editing any of them changes the page. Jinja finds these
references statically (``jinja2.meta``); a reference computed at render time
(``{% include some_variable %}``) cannot be followed, so a template holding one
is taken to depend on every template. The variables a template reads but does
not set itself (``find_undeclared_variables``) are the only context values
that can reach its output; a page depends on those and not on the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from jinja2 import meta

from .fingerprint import digest_bytes, digest_text

if TYPE_CHECKING:
    from .render import FragmentStore

STATIC = "static/"
"""Files under ``templates/static/`` are copied, not rendered."""


@dataclass(frozen=True)
class TemplateDeps:
    """What rendering one template depends on."""

    digest: str
    """Digest of the source of every template it pulls in, itself included (and of any it names that is missing)."""
    names: frozenset[str] | None
    """Context variables read by any of those templates; None if one cannot be read (then: all of them)."""
    templates: tuple[str, ...]
    """Names of those templates, sorted."""


class TemplateIndex:
    """The templates of a project, read once per build, and their dependencies."""

    def __init__(self, env: jinja2.Environment, folder: Path, store: FragmentStore | None = None) -> None:
        self.env = env
        self.folder = folder
        self.store = store
        """Where the analysis of each template source is kept between builds (parsing them all takes 0.1 s)."""
        self.sources: dict[str, bytes] = {}
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            name = path.relative_to(folder).as_posix()
            if path.is_file() and not name.startswith(STATIC) and not path.name.startswith("."):
                self.sources[name] = path.read_bytes()
        self._direct: dict[str, tuple[frozenset[str] | None, frozenset[str] | None]] = {}
        self._deps: dict[str, TemplateDeps] = {}
        self.keys = {name: f"template-deps:{digest_bytes(source)}" for name, source in self.sources.items()}
        """Store key of each template's analysis: its source's digest (the analysis depends on nothing else)."""
        stored = store.get_many(self.keys.values()) if store is not None else {}
        for name, key in self.keys.items():
            if key in stored:
                variables, referenced = stored[key]
                self._direct[name] = (
                    None if variables is None else frozenset(variables),
                    None if referenced is None else frozenset(referenced),
                )

    def deps(self, name: str) -> TemplateDeps:
        """Everything rendering template ``name`` depends on (``name`` and all it pulls in)."""
        if name not in self._deps:
            closure: set[str] = set()
            names: set[str] | None = set()
            pending = [name]
            everything = False
            while pending:
                current = pending.pop()
                if current in closure:
                    continue
                closure.add(current)
                variables, referenced = self._direct_deps(current)
                names = None if names is None or variables is None else names | variables
                if referenced is None:
                    everything = True
                else:
                    pending.extend(referenced)
            if everything:  # a dynamic include: any template may be pulled in
                for other in self.sources:
                    if other not in closure:
                        closure.add(other)
                        variables = self._direct_deps(other)[0]
                        names = None if names is None or variables is None else names | variables
            templates = tuple(sorted(closure))
            parts = [f"{t}={digest_bytes(self.sources[t]) if t in self.sources else 'missing'}" for t in templates]
            found = None if names is None else frozenset(names)
            self._deps[name] = TemplateDeps(digest_text("templates", *parts), found, templates)
        return self._deps[name]

    def _direct_deps(self, name: str) -> tuple[frozenset[str] | None, frozenset[str] | None]:
        """(variables read, templates referenced) of one template, not following them; None where unknown."""
        if name not in self._direct:
            source = self.sources.get(name)
            if source is None:
                self._direct[name] = (frozenset(), frozenset())
            else:
                variables: frozenset[str] | None
                try:
                    tree = self.env.parse(source.decode("utf-8"), name, f"templates/{name}")
                    variables = frozenset(meta.find_undeclared_variables(tree))
                    found = list(meta.find_referenced_templates(tree))
                except (jinja2.TemplateError, UnicodeDecodeError):
                    # Rendering will report the error with its line; until then assume the worst.
                    variables, found = None, [None]
                referenced = None if None in found else frozenset(str(t) for t in found)
                self._direct[name] = (variables, referenced)
                if self.store is not None:
                    self.store.put(
                        self.keys[name],
                        [
                            None if variables is None else sorted(variables),
                            None if referenced is None else sorted(referenced),
                        ],
                    )
        return self._direct[name]
