"""Content validation beyond one field: pydantic's errors in the author's words, and checks across an entry or files."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pydantic

from .. import markup
from ..errors import Problem
from .directives import DIRECTIVES
from .schema import LINE_PATTERN, LINK_PATTERN, Entry, IssueEntry, Model
from .slugs import group_slug
from .yamlsource import Loc, YamlDocument, dotted

if TYPE_CHECKING:
    from .kinds import EntryKind
    from .sources import EntrySource, Loaded


def check_groups(entries: list[EntrySource], kind: EntryKind) -> list[Problem]:
    """Each chapter or collection name makes a url of its own: not an empty one, not one another name has.

    Names sharing a slug are reported on the entries that spell it the less common way.
    """
    field, folder = kind.group_field, kind.group_folder
    assert field is not None
    found: list[Problem] = []
    by_slug: dict[str, list[EntrySource]] = {}
    for source in entries:
        name = source.group or ""
        slug = group_slug(name)
        if slug:
            by_slug.setdefault(slug, []).append(source)
        else:
            message = f"{name!r} has no letters or digits to make its page's url from"
            found.append(source.loaded.problem((field,), message))
    for slug, members in by_slug.items():
        names = Counter(m.group for m in members)
        if len(names) == 1:
            continue
        usual = min(names, key=lambda name: (-names[name], name or ""))
        first = next(m for m in members if m.group == usual)
        line, column = first.loaded.doc.locate((field,))
        for source in members:
            if source.group != usual:
                message = f"{source.group!r} and {usual!r} ({first.path}:{line}:{column}) would share the page {folder}/{slug}/"
                found.append(source.loaded.problem((field,), message, "write the name the same way in both"))
    return found


def validation_problems(exc: pydantic.ValidationError, doc: YamlDocument, model: type[Model]) -> list[Problem]:
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


def check_element_ids(issue: Loaded[IssueEntry], parts: list[tuple[str, Loaded[Entry]]]) -> list[Problem]:
    """The parts of an issue share its page: two formulas, examples or plots with one id would share an element id."""
    found: list[Problem] = []
    owner: dict[str, str] = {}
    for field, loaded in parts:
        part = f"{field} {loaded.model.id!r}"
        for directive in DIRECTIVES.values():
            for item in getattr(loaded.model, directive.collection):
                element = directive.element_id(item.id)
                if owner.get(element) == part:
                    continue  # twice in one entry: ``check_entry`` reports it on the entry, where it is fixed
                if element in owner:
                    found.append(
                        issue.problem(
                            (field,),
                            f"{part} and {owner[element]} both have a{'n' * (directive.name[0] in 'aeiou')} {directive.name} {item.id!r}:"
                            f" the issue page would hold two elements with id {element!r}",
                            f"rename the {directive.name} in {loaded.doc.path} and the directives that show it",
                        )
                    )
                else:
                    owner[element] = part
    return found


def dangling(loaded: Loaded[Any], loc: Loc, ref: str, known: Iterable[str], missing: str) -> Problem:
    """``ref`` names nothing: the closest of ``known`` as the hint, else ``missing`` (what would have to exist)."""
    close = difflib.get_close_matches(ref, list(known), n=1)
    hint = f"did you mean {close[0]!r}?" if close else missing
    return loaded.problem(loc, f"{ref!r} does not exist", hint=hint)


def check_entry(loaded: Loaded[Entry]) -> list[Problem]:
    """Ids within an entry are unique and every reference inside it resolves."""
    entry = loaded.model
    found: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for collection in (d.collection for d in DIRECTIVES.values()):
        seen: set[str] = set()
        for index, item in enumerate(getattr(entry, collection)):
            if item.id in seen:
                found.append(loaded.problem((collection, index, "id"), f"duplicate id {item.id!r}"))
            seen.add(item.id)
        ids[collection] = seen
    for index, formula in enumerate(entry.formulas):
        if formula.verify and formula.verify.example not in ids["examples"]:
            loc = ("formulas", index, "verify", "example")
            found.append(
                dangling(
                    loaded,
                    loc,
                    formula.verify.example,
                    ids["examples"],
                    _examples_hint(ids["examples"]),
                )
            )
    for index, section in enumerate(entry.sections):
        loc: Loc = ("sections", index, "body")
        for ref in markup.references(section.body):
            line, column = loaded.doc.locate(loc)
            where = Problem(loaded.doc.path, line + ref.line, column + ref.column, dotted(loc), "")
            if ref.kind == "directive" and ref.name not in DIRECTIVES:
                found.append(
                    _at(where, f"unknown directive {{{ref.name}}}", f"use one of {', '.join(sorted(DIRECTIVES))}")
                )
            elif ref.kind == "directive" and ref.target not in ids[DIRECTIVES[ref.name].collection]:
                collection = DIRECTIVES[ref.name].collection
                close = difflib.get_close_matches(ref.target, sorted(ids[collection]), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"add it under {collection}"
                found.append(_at(where, f"{{{ref.name}}} {ref.target!r} does not exist", hint))
            elif ref.kind == "role" and ref.name != "value":
                found.append(_at(where, f"unknown role {{{ref.name}}}", "use {value}`EXAMPLE.OUTPUT:FORMAT`"))
            elif ref.kind == "role" and ref.target.split(".", 1)[0] not in ids["examples"]:
                found.append(_at(where, f"{{value}} refers to unknown example in {ref.target!r}"))
    return found


def _at(where: Problem, message: str, hint: str = "") -> Problem:
    return Problem(where.path, where.line, where.column, where.field, message, hint)


def _examples_hint(examples: set[str]) -> str:
    """What a verification may name instead: the entry's examples, or none yet."""
    if not examples:
        return "the entry has no examples: add one under examples"
    return "the entry's examples are " + ", ".join(sorted(examples))
