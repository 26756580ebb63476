"""``build-site new``: start a topic, problem, feature or issue from a template that passes ``check`` as created."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import keyword
import re
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic
import yaml

from ..content.directives import DIRECTIVES
from ..content.schema import SLUG_PATTERN
from ..content.settings import SiteConfig
from ..content.yamlsource import YamlProblem, read_yaml
from ..errors import ConfigError, Problem
from ..model.schedule import build_time, publication_day

KINDS = {"topic": "topics", "problem": "problems", "feature": "features", "issue": "issues"}
"""Kind named on the command line -> its folder under ``content/``."""
ENTRY_KINDS = ("topic", "problem", "feature")
MAX_ID_LENGTH = 64
_PLACEHOLDER = re.compile(r"__[A-Z_]+__")
_DRAFT_NOTE = (
    "# It is a draft, so it is not published: preview it with `build-site serve`,\n"
    "# and delete the `draft` line when it is ready to go out."
)
_PUBLISHED_NOTE = "# It goes out on its day; a `draft: true` line would hold it back (`build-site serve` shows drafts)."


@dataclass(frozen=True)
class ExistingContent:
    """What ``new`` needs to know about a project; read leniently, so a broken file elsewhere does not stop it."""

    entries: Mapping[str, tuple[str, ...]]
    """Kind (``topic``...) -> ids of the existing entries, sorted."""
    issues: Mapping[dt.date, Mapping[str, str]]
    """Issue date -> the entry ids it features, by kind (only what could be read)."""
    groups: Mapping[str, tuple[str, ...]]
    """``chapter`` / ``collection`` -> names in use, most used first."""
    timezone: str
    """The site's time zone (UTC if ``site.yaml`` cannot be read)."""
    publish_time: dt.time = SiteConfig.model_fields["publish_time"].default
    """When the day's issue goes out (the default if ``site.yaml`` does not say)."""
    elements: Mapping[tuple[str, str], frozenset[str]] = dataclasses.field(default_factory=dict)
    """(kind, id) -> the page element ids of the entry's formulas, examples and plots (``formula-mse``)."""

    def first_day_not_out(self, now: dt.datetime) -> dt.date:
        """The first issue date whose issue has not gone out at ``now``: today until the publish time, then tomorrow."""
        site = SiteConfig.model_construct(timezone=self.timezone, publish_time=self.publish_time)
        return publication_day(site.timezone, site.publish_time, now) + dt.timedelta(days=1)


def read_existing(root: Path) -> ExistingContent:
    content = root / "content"
    entries: dict[str, tuple[str, ...]] = {}
    groups: dict[str, Counter[str]] = {"chapter": Counter(), "collection": Counter()}
    elements: dict[tuple[str, str], frozenset[str]] = {}
    for kind in ENTRY_KINDS:
        paths = _yaml_files(content / KINDS[kind])
        entries[kind] = tuple(p.stem for p in paths)
        group = {"topic": "chapter", "problem": "collection"}.get(kind)
        for path in paths:
            data = _read_mapping(path)
            elements[(kind, path.stem)] = _element_ids(data)
            name = data.get(group) if group else None
            if group and isinstance(name, str) and name.strip():
                groups[group][name] += 1
    issues: dict[dt.date, Mapping[str, str]] = {}
    for path in _yaml_files(content / "issues"):
        try:
            date = dt.date.fromisoformat(path.stem)
        except ValueError:
            continue
        data = _read_mapping(path)
        issues[date] = {kind: data[kind] for kind in ENTRY_KINDS if isinstance(data.get(kind), str)}
    site = _read_mapping(content / "site.yaml")
    timezone = site.get("timezone")
    try:
        zoneinfo.ZoneInfo(str(timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone = "UTC"
    publish_time = SiteConfig.model_fields["publish_time"].default
    with contextlib.suppress(pydantic.ValidationError):  # a bad one: the default here, `check` reports it
        publish_time = pydantic.TypeAdapter(dt.time).validate_python(site.get("publish_time", publish_time))
    return ExistingContent(
        entries,
        issues,
        {
            name: tuple(n for n, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
            for name, counts in groups.items()
        },
        str(timezone),
        publish_time,
        elements,
    )


def _element_ids(data: Mapping[str, Any]) -> frozenset[str]:
    """The page element ids an entry's items get, as far as its file can be read."""
    found = set()
    for directive in DIRECTIVES.values():
        items = data.get(directive.collection)
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.add(directive.element_id(item["id"]))
    return frozenset(found)


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("."))


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        data = read_yaml(path, path.name).data
    except YamlProblem:
        return {}
    return data if isinstance(data, dict) else {}


def entry_files(kind: str, entry_id: str, existing: ExistingContent) -> dict[str, str]:
    """The files that start a new topic, problem or feature: path relative to the root -> text."""
    path = f"content/{KINDS[kind]}/{entry_id}.yaml"
    if not re.fullmatch(SLUG_PATTERN, entry_id) or len(entry_id) > MAX_ID_LENGTH:
        raise ConfigError(
            Problem(
                path,
                field="id",
                message=f"{entry_id!r} is not a valid id: use lower-case letters a-z, digits and single hyphens, at most {MAX_ID_LENGTH} characters",
                hint="e.g. softmax-temperature",
            )
        )
    values = {"ID": entry_id, "TITLE": title_of(entry_id)}
    files = {}
    if kind == "topic":
        values["CHAPTER"] = yaml_string((existing.groups["chapter"] or ("Foundations",))[0])
    elif kind == "problem":
        module = entry_id.replace("-", "_")
        if not module.isidentifier() or keyword.iskeyword(module):
            raise ConfigError(
                Problem(
                    path,
                    field="id",
                    message=f"a problem's id names its solution module, and computed/{module}.py is not an importable name",
                    hint="start the id with a letter, and avoid Python keywords",
                )
            )
        values["MODULE"] = module
        values["COLLECTION"] = yaml_string((existing.groups["collection"] or ("General",))[0])
        files[f"computed/{module}.py"] = fill("problem.py", values)
    files[path] = fill(f"{kind}.yaml", values)
    return dict(sorted(files.items()))


ACRONYMS = {
    word.lower(): word
    for word in [
        "KL",
        "ReLU",
        "GELU",
        "ELU",
        "SELU",
        "SiLU",
        "GLU",
        "SwiGLU",
        "PCA",
        "SVD",
        "SVM",
        "AUC",
        "ROC",
        "MAE",
        "MSE",
        "EMA",
        "Adam",
        "AdamW",
        "LoRA",
        "BERT",
        "GPT",
    ]
}
"""Words of an id written as the field writes them in a title; other vowel-less words are read as acronyms."""


def title_of(entry_id: str) -> str:
    """A title from an id, acronyms as the field writes them: ``kl-divergence`` -> "KL Divergence"."""
    return " ".join(
        ACRONYMS.get(word)
        or (word.upper() if len(word) > 1 and not set(word) & set("aeiouy0123456789") else word.capitalize())
        for word in entry_id.split("-")
    )


def issue_files(
    existing: ExistingContent,
    date: dt.date | None = None,
    topic: str | None = None,
    problem: str | None = None,
    feature: str | None = None,
    now: dt.datetime | None = None,
    *,
    intro: str | None = None,
    draft: bool = True,
) -> dict[str, str]:
    """The file that starts a new issue (a draft unless ``draft`` is off), featuring existing entries.

    On ``date``, or else the next free date from the first day that has not gone out at ``now``
    (default: the time a build runs at), so that a new issue is never overdue as it is made.
    """
    date = date or next_issue_date(existing.issues, existing.first_day_not_out(now or build_time()))
    path = f"content/issues/{date.isoformat()}.yaml"
    chosen = {"topic": topic, "problem": problem, "feature": feature}
    values = {
        "DATE": date.isoformat(),
        "STATUS": _DRAFT_NOTE if draft else _PUBLISHED_NOTE,
        "INTRO": f"intro: {yaml_string(intro)}" if intro else "# intro: One line that opens the issue.",
        "DRAFT": "draft: true" if draft else "",
    }
    for kind in ENTRY_KINDS:
        entry_id = chosen[kind] or suggest_entry(kind, existing)
        if entry_id not in existing.entries[kind]:
            known = existing.entries[kind]
            hint = f"existing: {', '.join(known)}" if known else f"create one with `build-site new {kind} ID`"
            what = f"{entry_id!r} does not exist" if entry_id else f"there is no {kind} yet"
            raise ConfigError(Problem(path, field=kind, message=what, hint=hint))
        values[kind.upper()] = entry_id
    owner: dict[str, tuple[str, str]] = {}
    for kind in ENTRY_KINDS:  # parts of one page: two items with one id would clash, and `check` would fail
        entry_id = values[kind.upper()]
        for element in sorted(existing.elements.get((kind, entry_id), ())):
            if element in owner:
                raise ConfigError(_clash(path, element, owner[element], (kind, entry_id), chosen))
            owner[element] = (kind, entry_id)
    return {path: fill("issue.yaml", values)}


def _clash(
    path: str, element: str, first: tuple[str, str], second: tuple[str, str], chosen: Mapping[str, Any]
) -> Problem:
    """Two parts of a new issue with one element id: the part the author chose by name is the one to rename."""
    name, _, item = element.partition("-")
    named = [part for part in (first, second) if chosen[part[0]]] or [second]
    rename = named[0]
    other = first if rename == second else second
    return Problem(
        path,
        field=second[0],
        message=f"the {first[0]} {first[1]!r} and the {second[0]} {second[1]!r} both have "
        f"a{'n' if name[0] in 'aeiou' else ''} {name} {item!r}, and an issue's page can hold only one",
        hint=f"rename it in content/{KINDS[rename[0]]}/{rename[1]}.yaml (and its fence), or in "
        f"content/{KINDS[other[0]]}/{other[1]}.yaml, or choose another {second[0]} with --{second[0]}",
    )


def issue_notes(existing: ExistingContent, files: Mapping[str, str], *, date_given: bool) -> list[str]:
    """What ``new issue`` chose for the author: the date and why (unless given), and each entry already featured."""
    ((path, text),) = files.items()
    data = yaml.safe_load(text)
    date = dt.date.fromisoformat(str(data["date"]))
    notes = []
    if not date_given:
        last = max((d for d in existing.issues if d < date), default=None)
        why = (
            f"the day after the last scheduled issue ({last})"
            if last is not None and last + dt.timedelta(days=1) == date
            else "the first day whose issue has not gone out yet"
        )
        notes.append(f"{path} is dated {date}, {why}; give another date as `build-site new issue YYYY-MM-DD`")
    for kind in ENTRY_KINDS:
        entry_id = data[kind]
        featured = sorted(d for d, parts in existing.issues.items() if parts.get(kind) == entry_id)
        if featured:
            notes.append(
                f"it reuses the {kind} {entry_id!r}, featured on {featured[-1]}: choose another with --{kind} ID"
            )
    return notes


def next_issue_date(existing: Iterable[dt.date], first: dt.date) -> dt.date:
    """The day after the newest issue, or ``first`` (the first day not out yet) if that is later: never back-dated."""
    dates = set(existing)
    candidate = max([first, *(d + dt.timedelta(days=1) for d in dates)])
    while candidate in dates:  # unreachable today, but cheap insurance if the rule changes
        candidate += dt.timedelta(days=1)
    return candidate


def suggest_entry(kind: str, existing: ExistingContent) -> str:
    """An entry for a new issue: the first one no issue features yet, else the one featured longest ago."""
    last_featured: dict[str, dt.date] = {}
    for date in sorted(existing.issues):
        ref = existing.issues[date].get(kind)
        if ref is not None:
            last_featured[ref] = date
    ids = existing.entries[kind]
    unused = [i for i in ids if i not in last_featured]
    if unused:
        return unused[0]
    return min(ids, key=lambda i: (last_featured[i], i)) if ids else ""


def create_files(root: Path, files: Mapping[str, str], *, hint: str = "pick another id") -> list[Path]:
    """Create ``files`` under ``root``; refuse (creating none) if any exists already."""
    targets = {relative: root / relative for relative in files}
    exists = [relative for relative, target in targets.items() if target.exists() or target.is_symlink()]
    if exists:
        raise ConfigError(
            [Problem(relative, message="already exists; not overwritten", hint=hint) for relative in exists]
        )
    created = []
    for relative, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
            handle.write(files[relative])
        created.append(target)
    return created


def fill(template: str, values: Mapping[str, str]) -> str:
    """The scaffold ``template`` with its ``__NAME__`` placeholders filled; a line left empty by one is dropped."""
    text = resources.files("site_builder.authoring.scaffolds").joinpath(template).read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"__{name}__\n", "") if value == "" else text.replace(f"__{name}__", value)
    leftover = _PLACEHOLDER.search(text)
    assert leftover is None, f"scaffold {template} has an unfilled placeholder {leftover.group(0)}"
    return text


def yaml_string(text: str) -> str:
    """A YAML scalar that reads back as ``text`` whatever it contains (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=False)
