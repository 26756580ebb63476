"""Load stage: read every YAML file under ``content/`` into validated entries, or fail with all problems."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import pydantic

from . import markup
from .errors import ContentError, Problem
from .schema import (
    LINE_PATTERN,
    LINK_PATTERN,
    Entry,
    FeatureEntry,
    IssueEntry,
    Model,
    ProblemEntry,
    SiteConfig,
    TopicEntry,
)
from .slugs import group_slug
from .sources import SourceCache
from .yamlsource import Loc, YamlDocument, YamlProblem, dotted, read_yaml

T = TypeVar("T", bound=Model)

ENTRY_FOLDERS: dict[str, type[Entry]] = {
    "topics": TopicEntry,
    "problems": ProblemEntry,
    "features": FeatureEntry,
}
DIRECTIVES = {"formula": "formulas", "example": "examples", "plot": "plots"}
ISSUE_PARTS = (("topic", "topics"), ("problem", "problems"), ("feature", "features"))


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """A validated model together with the document it came from (for later error positions)."""

    model: T
    doc: YamlDocument

    def problem(self, loc: Loc, message: str, hint: str = "") -> Problem:
        return self.doc.problem(loc, message, hint=hint)


@dataclass(frozen=True)
class Content:
    """Everything under ``content/``, validated and cross-checked."""

    site: Loaded[SiteConfig]
    topics: dict[str, Loaded[TopicEntry]]
    problems: dict[str, Loaded[ProblemEntry]]
    features: dict[str, Loaded[FeatureEntry]]
    issues: dict[dt.date, Loaded[IssueEntry]]

    def entries(self) -> Iterable[tuple[str, Loaded[Entry]]]:
        """Every topic, problem and feature with its folder name, in a stable order."""
        for kind in ENTRY_FOLDERS:
            for key in sorted(getattr(self, kind)):
                yield kind, getattr(self, kind)[key]


def load_content(root: Path, sources: SourceCache | None = None) -> Content:
    """Read and validate ``root/content``; raise ``ContentError`` listing every problem found.

    ``sources`` reuses what earlier builds parsed of unchanged files (and keeps what this one parsed).
    """
    content, problems = load_valid_content(root, sources)
    if problems or content is None:
        raise ContentError(problems)
    return content


def load_valid_content(root: Path, sources: SourceCache | None = None) -> tuple[Content | None, list[Problem]]:
    """Every problem of ``root/content``, and the content without the files that have one.

    The content holds the valid entries, and the issues whose three parts are among
    them; it is None when ``content/site.yaml`` itself is invalid.
    """
    sources = sources or SourceCache(None)
    try:
        return _load_content(root, sources)
    finally:
        sources.save()


def _load_content(root: Path, sources: SourceCache) -> tuple[Content | None, list[Problem]]:
    problems: list[Problem] = []
    content_dir = root / "content"
    site = _load_file(content_dir / "site.yaml", root, SiteConfig, problems, sources)
    kinds: dict[str, dict[Any, Loaded[Any]]] = {}
    invalid: set[tuple[str, str]] = set()  # files that exist but failed: references to them are not dangling
    for folder, model in ENTRY_FOLDERS.items():
        kinds[folder] = {}
        for path in _yaml_files(content_dir / folder, root, problems):
            loaded = _load_file(path, root, model, problems, sources)
            if loaded is None:
                invalid.add((folder, path.stem))
                continue
            if loaded.model.id != path.stem:
                problems.append(
                    loaded.problem(("id",), f"id {loaded.model.id!r} does not match the file name {path.name!r}")
                )
                continue
            kinds[folder][loaded.model.id] = loaded
            problems.extend(_check_entry(loaded))
    problems.extend(_check_groups(kinds["topics"], "chapter", "chapters"))
    problems.extend(_check_groups(kinds["problems"], "collection", "collections"))
    issues: dict[dt.date, Loaded[IssueEntry]] = {}
    for path in _yaml_files(content_dir / "issues", root, problems):
        loaded = _load_file(path, root, IssueEntry, problems, sources)
        if loaded is None:
            continue
        if loaded.model.date.isoformat() != path.stem:
            day_file = path.with_name(f"{loaded.model.date.isoformat()}.yaml")
            hint = (
                f"{_display(day_file, root)} is already the issue of that day: one issue per day"
                if day_file.is_file()
                else f"rename the file to {day_file.name}, or correct the date"
            )
            problems.append(
                loaded.problem(("date",), f"date {loaded.model.date} does not match the file name {path.name!r}", hint)
            )
            continue
        issues[loaded.model.date] = loaded
        parts: list[tuple[str, Loaded[Entry]]] = []
        for field, folder in ISSUE_PARTS:
            ref = getattr(loaded.model, field)
            if ref in kinds[folder]:
                parts.append((field, kinds[folder][ref]))
            elif (folder, ref) not in invalid:
                problems.append(_dangling(loaded, (field,), ref, kinds[folder], f"content/{folder}/"))
        problems.extend(_check_element_ids(loaded, parts))
        if len(parts) < len(ISSUE_PARTS):
            del issues[loaded.model.date]
    if site is None:
        return None, problems
    return Content(site, kinds["topics"], kinds["problems"], kinds["features"], issues), problems


def _check_groups(entries: dict[str, Loaded[Any]], field: str, folder: str) -> list[Problem]:
    """Each chapter or collection name makes a url of its own: not an empty one, not one another name has.

    Names sharing a slug are reported on the entries that spell it the less common way.
    """
    found: list[Problem] = []
    by_slug: dict[str, list[Loaded[Any]]] = {}
    for key in sorted(entries):
        loaded = entries[key]
        name = getattr(loaded.model, field)
        slug = group_slug(name)
        if slug:
            by_slug.setdefault(slug, []).append(loaded)
        else:
            found.append(loaded.problem((field,), f"{name!r} has no letters or digits to make its page's url from"))
    for slug, members in by_slug.items():
        names = Counter(getattr(m.model, field) for m in members)
        usual = min(names, key=lambda name: (-names[name], name))
        first = next(m for m in members if getattr(m.model, field) == usual)
        line, column = first.doc.locate((field,))
        for loaded in members:
            name = getattr(loaded.model, field)
            if name != usual:
                message = (
                    f"{name!r} and {usual!r} ({first.doc.path}:{line}:{column}) would share the page {folder}/{slug}/"
                )
                found.append(loaded.problem((field,), message, "write the name the same way in both"))
    return found


def source_texts(root: Path) -> dict[str, str]:
    """Display path -> text of every content file, to find where something in the output was written."""
    folder = root / "content"
    return {
        _display(path, root): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*.yaml"))
        if path.is_file()
    }


def _yaml_files(folder: Path, root: Path, problems: list[Problem]) -> list[Path]:
    if not folder.is_dir():
        problems.append(Problem(_display(folder, root), message="folder is missing"))
        return []
    files = []
    for name in sorted(os.listdir(folder)):  # names, not paths: sorting thousands of Paths is slow
        path = folder / name
        if name.startswith(".") or name.endswith("~"):
            continue
        if path.suffix == ".yml":
            problems.append(Problem(_display(path, root), message="content files end in .yaml", hint="rename it"))
        elif path.suffix == ".yaml":
            files.append(path)
    return files


def _display(path: Path, root: Path) -> str:
    text, prefix = str(path), str(root) + "/"
    if text.startswith(prefix) and "/." not in text:  # the usual case, without pathlib's slow relative_to
        return text[len(prefix) :]
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _load_file(
    path: Path, root: Path, model: type[T], problems: list[Problem], sources: SourceCache
) -> Loaded[T] | None:
    display = _display(path, root)
    try:
        doc = sources.read(path, display) if sources.path is not None else read_yaml(path, display)
    except YamlProblem as exc:
        problems.append(exc.problem)
        return None
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), f"expected a mapping of fields, found {type(doc.data).__name__}"))
        return None
    try:
        return Loaded(model.model_validate(doc.data), doc)
    except pydantic.ValidationError as exc:
        problems.extend(_validation_problems(exc, doc, model))
        return None


def _validation_problems(exc: pydantic.ValidationError, doc: YamlDocument, model: type[Model]) -> list[Problem]:
    found = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            known = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(known)}"
            found.append(doc.problem(loc, "unknown field", hint=hint, key=True))
        elif error["type"] == "missing":
            found.append(doc.problem(loc, "required field is missing", key=True))
        else:
            message = error["msg"]
            if error["type"] == "string_pattern_mismatch" and loc and loc[-1] in {"id", "topic", "problem", "feature"}:
                message = "must be a lower-case slug (letters a-z, digits and single hyphens)"
            elif error["type"] == "string_pattern_mismatch":
                message = _PATTERN_MESSAGES.get(error.get("ctx", {}).get("pattern"), message)
            hint = ""
            if error["type"] == "literal_error":
                # ``Hard`` for ``hard``: say which spelling was meant.
                choices = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
                given = str(error.get("input", "")).strip().lower()
                hint = next((f"did you mean {c!r}?" for c in choices if c.lower() == given), "")
            found.append(doc.problem(loc, f"{message} (got {_short(error.get('input'))})", hint=hint))
    return found


_PATTERN_MESSAGES = {
    LINE_PATTERN: "must be a single line of text (no line breaks)",
    LINK_PATTERN: "must be a site path like /problems/ID/ or an http(s):// or mailto: URL",
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(model: type[Model], loc: Loc) -> list[str]:
    """Names of the fields of the (nested) model at ``loc``, for did-you-mean hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    return sorted(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _check_element_ids(issue: Loaded[IssueEntry], parts: list[tuple[str, Loaded[Entry]]]) -> list[Problem]:
    """The parts of an issue share its page: two formulas, examples or plots with one id would share an element id."""
    found: list[Problem] = []
    owner: dict[str, str] = {}
    for field, loaded in parts:
        for directive, collection in DIRECTIVES.items():
            for item in getattr(loaded.model, collection):
                element = f"{directive}-{item.id}"
                if element in owner:
                    found.append(
                        issue.problem(
                            (field,),
                            f"{field} {loaded.model.id!r} and {owner[element]} both have a {directive} {item.id!r}:"
                            f" the issue page would hold two elements with id {element!r}",
                            f"rename the {directive} in {loaded.doc.path} and the directives that show it",
                        )
                    )
                else:
                    owner[element] = f"{field} {loaded.model.id!r}"
    return found


def _dangling(loaded: Loaded[Any], loc: Loc, ref: str, known: Iterable[str], where: str) -> Problem:
    close = difflib.get_close_matches(ref, list(known), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"no {where}{ref}.yaml"
    return loaded.problem(loc, f"{ref!r} does not exist", hint=hint)


def _check_entry(loaded: Loaded[Entry]) -> list[Problem]:
    """Ids within an entry are unique and every reference inside it resolves."""
    entry = loaded.model
    found: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for collection in DIRECTIVES.values():
        seen: set[str] = set()
        for index, item in enumerate(getattr(entry, collection)):
            if item.id in seen:
                found.append(loaded.problem((collection, index, "id"), f"duplicate id {item.id!r}"))
            seen.add(item.id)
        ids[collection] = seen
    for index, formula in enumerate(entry.formulas):
        if formula.verify and formula.verify.example not in ids["examples"]:
            loc = ("formulas", index, "verify", "example")
            found.append(_dangling(loaded, loc, formula.verify.example, ids["examples"], "example "))
    for index, section in enumerate(entry.sections):
        loc: Loc = ("sections", index, "body")
        for ref in markup.references(section.body):
            line, column = loaded.doc.locate(loc)
            where = Problem(loaded.doc.path, line + ref.line, column, dotted(loc), "")
            if ref.kind == "directive" and ref.name not in DIRECTIVES:
                found.append(
                    _at(where, f"unknown directive {{{ref.name}}}", f"use one of {', '.join(sorted(DIRECTIVES))}")
                )
            elif ref.kind == "directive" and ref.target not in ids[DIRECTIVES[ref.name]]:
                known = ids[DIRECTIVES[ref.name]]
                close = difflib.get_close_matches(ref.target, sorted(known), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"add it under {DIRECTIVES[ref.name]}"
                found.append(_at(where, f"{{{ref.name}}} {ref.target!r} does not exist", hint))
            elif ref.kind == "role" and ref.name != "value":
                found.append(_at(where, f"unknown role {{{ref.name}}}", "use {value}`EXAMPLE.OUTPUT:FORMAT`"))
            elif ref.kind == "role" and ref.target.split(".", 1)[0] not in ids["examples"]:
                found.append(_at(where, f"{{value}} refers to unknown example in {ref.target!r}"))
    return found


def _at(where: Problem, message: str, hint: str = "") -> Problem:
    return Problem(where.path, where.line, where.column, where.field, message, hint)
