"""Load stage: the YAML files under ``content/`` as validated sources; every problem found is reported at once.

A build after an edit reads and validates only the files that changed (``scan``); every
other file is known by the few values the model is built from (its *skeleton*: an entry's
id, title and group and the fields lists show, an issue's date, draft flag and parts), recorded by the build that
read it, and its validated model is loaded only if something reads it. Checks across
files (dangling references, groups sharing a page, parts sharing an element id) run on
skeletons, or on the files involved in a change.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pydantic

from ..errors import ContentError, Problem
from ..incremental.deps import field_facts
from .kinds import BY_FOLDER, ISSUES, KINDS, LISTED, SITE_FILE, EntryKind
from .schema import IssueEntry
from .settings import SiteConfig
from .sources import Content, EntrySource, IssueSource, Loaded, Recorded, Source, T, structure
from .unread import is_read, unread_problems
from .validation import check_element_ids, check_entry, check_groups, dangling, validation_problems
from .yamlsource import YamlDocument, YamlProblem, parse_yaml


def load_content(root: Path) -> Content:
    """Read and validate all of ``root/content``; raise ``ContentError`` listing every problem found."""
    content, problems = load_changed(root, _all_files(root), {})
    if problems or content is None:
        raise ContentError(problems)
    return content


def load_site(root: Path) -> SiteConfig:
    """The site settings alone (``content/site.yaml``); raise ``ContentError`` if they are invalid."""
    loader = _Loader(root, {SITE_FILE: None}, {}, {})
    site = loader._validate(SITE_FILE, SiteConfig)
    if site is None:
        raise ContentError(loader.problems)
    return site.model


def _all_files(root: Path) -> dict[str, bytes | None]:
    from ..incremental.scan import file_stats

    return {path: None for path in file_stats(root) if path.startswith("content/")}


def load_changed(
    root: Path,
    files: Mapping[str, bytes | None],
    recorded: Recorded,
    digests: Mapping[str, str] | None = None,
    before: Content | None = None,
) -> tuple[Content | None, list[Problem]]:
    """Every problem of ``root/content``, and the content without the files that have one.

    ``files`` are the content files now (display path -> bytes, or None where not read yet);
    those in ``recorded`` and not in ``changed`` are taken as the last build left them.
    The content is None when ``content/site.yaml`` itself is invalid. ``before``: the content of
    the build ``recorded`` describes, if this process still has it (``serve``): when no file came
    or went and the files read keep their skeleton's structure, only those files are looked at.
    """
    loader = _Loader(root, files, recorded, digests or {})
    if before is not None and files.keys() == before.paths:
        loaded = loader.load_over(before)
        if loaded is not None:
            return loaded
        loader = _Loader(root, files, recorded, digests or {})
    return loader.load()


class _Loader:
    def __init__(self, root: Path, files: Mapping[str, bytes | None], recorded: Recorded, digests: Mapping[str, str]):
        self.root = root
        self.files = files
        self.recorded = recorded
        self.digests = digests
        self.problems: list[Problem] = []
        self.facts: dict[str, dict[str, str]] = {}
        self.read: set[str] = set()
        self.skeletons: dict[str, Any] = {}
        self._by_folder: dict[str, list[str]] | None = None

    def load(self) -> tuple[Content | None, list[Problem]]:
        self.problems.extend(unread_problems(self.files))
        site = self._validate(SITE_FILE, SiteConfig)
        self.skeletons[SITE_FILE] = ()  # always loaded: the model needs the settings
        entries: dict[tuple[str, str], EntrySource] = {}
        invalid: set[tuple[str, str]] = set()  # files that exist but failed: references to them are not dangling
        for kind in KINDS:
            for path in self._yaml_files(kind.folder):
                stem = path.rsplit("/", 1)[1][: -len(".yaml")]
                source = self._entry(kind, path, stem)
                if source is None:
                    invalid.add((kind.folder, stem))
                else:
                    entries[(kind.folder, source.id)] = source
        for kind in KINDS:
            if kind.group_field:
                members = [s for (folder, _), s in sorted(entries.items()) if folder == kind.folder]
                self.problems.extend(check_groups(members, kind))
        issues: dict[dt.date, IssueSource] = {}
        for path in self._yaml_files(ISSUES):
            source = self._issue(path, entries, invalid)
            if source is not None:
                issues[source.date] = source
        if site is None:
            return None, self.problems
        site_source: Source[SiteConfig] = Source(SITE_FILE, site.doc.digest, lambda: site, SiteConfig)
        content = Content(
            site, site_source, entries, dict(sorted(issues.items())), self.facts, self.read, self.skeletons
        )
        content.paths = frozenset(self.files)
        return content, self.problems

    def load_over(self, before: Content) -> tuple[Content, list[Problem]] | None:
        """The content as ``before``, with the files whose bytes changed read again; None where a full load must tell.

        A full load is needed if a changed file is invalid, or changes what shapes the site (its skeleton's
        ``structure``): the checks across files then run on every file. Otherwise those checks
        give what they gave ``before``, but for the element ids of the issues a changed file is part of.
        """
        site, site_source = before.site, before.site_source
        entries, issues = dict(before.entries), dict(before.issues)
        saved: set[tuple[str, str]] = set()
        # Entries first: an issue changed with one of its parts is checked with the part as it is now.
        recorded, digests = self.recorded, self.digests
        fresh = [p for p in self.files if (known := recorded.get(p)) is None or known[0] != digests.get(p)]
        for path in sorted(fresh, key=lambda p: p.startswith(f"content/{ISSUES}/")):
            kind = entry_folder(path)
            if path == SITE_FILE:
                loaded = self._validate(SITE_FILE, SiteConfig)
                if loaded is None:
                    return None
                site = loaded
                site_source = Source(
                    SITE_FILE, loaded.doc.digest, self._later(SITE_FILE, SiteConfig), SiteConfig, None, loaded
                )
            elif kind is not None and is_read(path):
                entry = self._entry(kind, path, path.rsplit("/", 1)[1][: -len(".yaml")])
                if entry is None or structure(self.skeletons[path]) != structure(before.skeletons.get(path)):
                    return None
                entries[(kind.folder, entry.id)] = entry
                saved.add((kind.folder, entry.id))
            elif path.startswith(f"content/{ISSUES}/") and is_read(path):
                issue = self._issue(path, entries, set())
                if issue is None or structure(self.skeletons[path]) != structure(before.skeletons.get(path)):
                    return None
                issues[issue.date] = issue
            else:
                return None
        if self.problems:
            return None
        for issue in issues.values() if saved else ():  # the element ids of the issues an entry saved is part of
            keys = [(k.folder, ref) for k, ref in zip(KINDS, issue.parts, strict=True)]
            if issue.path not in self.read and any(key in saved for key in keys):
                parts = [(k.part, entries[key]) for k, key in zip(KINDS, keys, strict=True)]
                self.problems.extend(check_element_ids(issue.loaded, [(n, p.loaded) for n, p in parts]))
        skeletons = {**before.skeletons, **self.skeletons}
        content = Content(site, site_source, entries, issues, self.facts, self.read, skeletons, before.paths)
        return content, self.problems

    # --- files -----------------------------------------------------------------------------------

    def _yaml_files(self, folder: str) -> list[str]:
        if self._by_folder is None:  # one pass over the files for every folder
            self._by_folder = {}
            for path in sorted(self.files):
                self._by_folder.setdefault(path.split("/", 2)[1] if path.count("/") > 1 else "", []).append(path)
        names = self._by_folder.get(folder, [])
        prefix = f"content/{folder}/"
        if not names and not (self.root / prefix).is_dir():
            self.problems.append(Problem(prefix.rstrip("/"), message="folder is missing"))
            return []
        return [path for path in names if is_read(path)]  # the others are problems (``unread``)

    def _fresh(self, path: str) -> bool:
        """True if ``path`` must be read: it is new, or its bytes changed since the last build read it."""
        known = self.recorded.get(path)
        return known is None or known[0] != self.digests.get(path)

    def _parse(self, path: str) -> YamlDocument:
        raw = self.files.get(path)
        if raw is None:
            try:
                raw = (self.root / path).read_bytes()
            except OSError as exc:
                raise YamlProblem(Problem(path, message=f"cannot read file: {exc.strerror}")) from exc
        return parse_yaml(raw, path)

    def _validate(self, path: str, model: type[T]) -> Loaded[T] | None:
        """Parse and validate ``path`` now, noting its facts if it changed; None (and problems) if it is invalid."""
        changed = self._fresh(path)
        if changed:
            self.read.add(path)
        try:
            doc = self._parse(path)
        except YamlProblem as exc:
            self.problems.append(exc.problem)
            return None
        if not isinstance(doc.data, dict):
            self.problems.append(doc.problem((), f"expected a mapping of fields, found {type(doc.data).__name__}"))
            return None
        try:
            loaded = Loaded(model.model_validate(doc.data), doc)
        except pydantic.ValidationError as exc:
            self.problems.extend(validation_problems(exc, doc, model))
            return None
        if changed:
            self.facts[path] = field_facts(path, doc.data, model.model_fields)
        return loaded

    def _later(self, path: str, model: type[T]) -> Callable[[], Loaded[T]]:
        """Load an unchanged file when first read; it was valid when the last build read it."""

        def load() -> Loaded[T]:
            doc = self._parse(path)
            return Loaded(model.model_validate(doc.data), doc)

        return load

    # --- entries and issues --------------------------------------------------------------------

    def _entry(self, kind: EntryKind, path: str, stem: str) -> EntrySource | None:
        if not self._fresh(path):
            digest, skeleton = self.recorded[path]
            self.skeletons[path] = skeleton
            return EntrySource(kind, tuple(skeleton), path, digest, self._later(path, kind.model))  # type: ignore[arg-type]
        loaded = self._validate(path, kind.model)
        if loaded is None:
            return None
        entry = loaded.model
        if entry.id != stem:
            self.problems.append(
                loaded.problem(("id",), f"id {entry.id!r} does not match the file name {stem + '.yaml'!r}")
            )
            return None
        self.problems.extend(check_entry(loaded))
        group = getattr(entry, kind.group_field) if kind.group_field else None
        listed = {name: getattr(entry, name) for name in LISTED if name in kind.model.model_fields}
        skeleton = (entry.id, entry.title, group, listed)
        self.skeletons[path] = skeleton
        return EntrySource(kind, skeleton, path, loaded.doc.digest, self._later(path, kind.model), loaded)

    def _issue(
        self, path: str, entries: Mapping[tuple[str, str], EntrySource], invalid: set[tuple[str, str]]
    ) -> IssueSource | None:
        stem = path.rsplit("/", 1)[1][: -len(".yaml")]
        loaded: Loaded[IssueEntry] | None = None
        if not self._fresh(path):
            digest, skeleton = self.recorded[path]
            source = IssueSource(tuple(skeleton), path, digest, self._later(path, IssueEntry))  # type: ignore[arg-type]
        else:
            loaded = self._validate(path, IssueEntry)
            if loaded is None:
                return None
            issue = loaded.model
            if issue.date.isoformat() != stem:
                self._misdated(loaded, path)
                return None
            skeleton = (issue.date.isoformat(), issue.draft, *(getattr(issue, kind.part) for kind in KINDS))
            source = IssueSource(skeleton, path, loaded.doc.digest, self._later(path, IssueEntry), loaded)  # type: ignore[arg-type]
        self.skeletons[path] = (source.date.isoformat(), source.draft, *source.parts)
        parts: list[tuple[str, EntrySource]] = []
        for kind, ref in zip(KINDS, source.parts, strict=True):
            found = entries.get((kind.folder, ref))
            if found is not None:
                parts.append((kind.part, found))
            elif (kind.folder, ref) not in invalid:
                known = [i for (folder, i) in entries if folder == kind.folder]
                self.problems.append(
                    dangling(source.loaded, (kind.part,), ref, known, f"no content/{kind.folder}/{ref}.yaml")
                )
        if len(parts) < len(KINDS):
            return None
        if path in self.read or any(part.path in self.read for _, part in parts):
            self.problems.extend(check_element_ids(source.loaded, [(name, part.loaded) for name, part in parts]))
        return source

    def _misdated(self, loaded: Loaded[IssueEntry], path: str) -> None:
        date = loaded.model.date.isoformat()
        day_file = f"content/{ISSUES}/{date}.yaml"
        hint = (
            f"{day_file} is already the issue of that day: one issue per day"
            if day_file in self.files or os.path.isfile(self.root / day_file)
            else f"rename the file to {date}.yaml, or correct the date"
        )
        name = path.rsplit("/", 1)[1]
        message = f"date {loaded.model.date} does not match the file name {name!r}"
        self.problems.append(loaded.problem(("date",), message, hint))


def let_go(root: Path, content: Content) -> None:
    """Drop every file's parsed document and model ``content`` holds (a long-lived process keeps the sources alone)."""
    loader = _Loader(root, {}, {}, {})
    for entry in content.entries.values():
        if entry._loaded is not None:
            entry.let_go(loader._later(entry.path, entry.kind.model))
    for issue in content.issues.values():
        if issue._loaded is not None:
            issue.let_go(loader._later(issue.path, IssueEntry))


def source_texts(root: Path) -> dict[str, str]:
    """Display path -> text of every content file, to find where something in the output was written."""
    folder = root / "content"
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*.yaml"))
        if path.is_file()
    }


def entry_folder(path: str) -> EntryKind | None:
    """The kind of entry a content path holds (``content/topics/x.yaml`` -> topics), if any."""
    parts = path.split("/")
    return BY_FOLDER.get(parts[1]) if len(parts) == 3 and parts[0] == "content" else None


def issue_paths(paths: Iterable[str]) -> list[str]:
    return [p for p in paths if p.startswith(f"content/{ISSUES}/")]
