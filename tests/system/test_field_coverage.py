"""Every field of every kind of content file, changed: the rebuild equals a clean build, byte for byte.

What an output depends on is what it read while it was made (``site_builder.incremental.deps``): nothing lists
by hand which fields a page shows. This test is the check that no read escapes the tracking: for
each field of each model (the list comes from the models themselves, so a field added to a schema
without a case here fails the test), it edits that field in a copy of a published project, rebuilds
in place, and compares the tree with a clean build of the edited project (made in memory); files
whose bytes did not change must be the very files published before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from site_builder.content.schema import FeatureEntry, IssueEntry, ProblemEntry, TopicEntry
from site_builder.content.settings import SiteConfig
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions

from ..conftest import copy_project, tree_digest
from ..pipeline.conftest import DATE, clean_build, copy_published, publish

Change = Callable[[dict[str, Any]], None]


def _append(field: str, text: str = " (changed)") -> Change:
    def change(data: dict[str, Any]) -> None:
        data[field] = str(data.get(field) or "Something") + text

    return change


def _add(field: str, item: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data[field] = [*(data.get(field) or []), item]

    return change


def _set(field: str, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data[field] = value

    return change


def _first(field: str, key: str, text: str = " (changed)") -> Change:
    """Change ``key`` of the first item of the list ``field``."""

    def change(data: dict[str, Any]) -> None:
        data[field][0][key] = str(data[field][0].get(key) or "") + text

    return change


def _nested(field: str, key: str, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data[field] = {**data.get(field, {}), key: value}

    return change


ENTRY_CHANGES: dict[str, Change] = {
    "title": _append("title"),
    "summary": _append("summary"),
    "tags": _set("tags", ["changed"]),
    "sections": _first("sections", "heading"),
    "formulas": _first("formulas", "label"),
    "examples": _first("examples", "caption"),
    "plots": _first("plots", "caption"),
    "applications": _add("applications", "A new use of it."),
    "call_to_action": _set("call_to_action", {"text": "Read the archive", "url": "/archive/"}),
}
CHANGES: dict[tuple[str, str], dict[str, Change]] = {
    ("content/topics/perplexity.yaml", "topic"): {
        **ENTRY_CHANGES,
        "chapter": _set("chapter", "Language Modelling"),
        "chapter_connection": _append("chapter_connection"),
    },
    ("content/problems/batch-norm-forward.yaml", "problem"): {
        **ENTRY_CHANGES,
        "difficulty": _set("difficulty", "Medium"),
        "collection": _set("collection", "Vision Basics"),
        "tests": _first("tests", "name"),
        "digits": _set("digits", 2),
    },
    ("content/features/implementation-walkthroughs.yaml", "feature"): {
        **{k: v for k, v in ENTRY_CHANGES.items() if k not in ("formulas", "examples", "plots")},
        "audience": _add("audience", "managers"),
    },
    ("content/issues/2026-11-26.yaml", "issue"): {
        "intro": _append("intro"),
        "tags": _set("tags", ["changed"]),
        "draft": _set("draft", True),
        "topic": _set("topic", "adam-optimizer"),
        "feature": _set("feature", "chapter-pages"),
    },
    # The feature of the 26th links to its problem, which would lose its page: change the 28th's instead.
    ("content/issues/2026-11-28.yaml", "issue"): {"problem": _set("problem", "batch-norm-forward")},
    ("content/site.yaml", "site"): {
        "title": _append("title"),
        "tagline": _append("tagline"),
        "base_url": _set("base_url", "https://example.net/gradient/"),
        "author": _append("author"),
        "timezone": _set("timezone", "America/New_York"),
        "publish_time": _set("publish_time", "09:30"),
        "language": _set("language", "en-GB"),
        "feed_id": _set("feed_id", "0d1c4a37-9c4e-4a51-8d61-3a0f2b7c9e55"),
        "allow_raw_html": _set("allow_raw_html", True),
        "recent_issues": _set("recent_issues", 2),
        "email": _nested("email", "sender", "Someone Else <someone@example.org>"),
        "delivery": _nested("delivery", "window", 2),
    },
}
NOT_CHANGED = {
    ("topic", "id"): "the file's name: changing it is a new entry (the incremental tests add and delete entries)",
    ("problem", "id"): "as for topics",
    ("feature", "id"): "as for topics",
    ("problem", "solution"): "names a function in computed/: changing the code is the incremental tests' case",
    ("feature", "formulas"): "the bundled feature has none: the topic's and problem's cases cover the field",
    ("feature", "examples"): "as for formulas",
    ("feature", "plots"): "as for formulas",
    (
        "issue",
        "date",
    ): "the file's name: changing it is a new issue (the incremental tests add and delete issues)",
}
SHOWS_NOWHERE = {
    ("topic", "tags"): "the bundled issues have tags of their own; an entry's show only in an issue without",
    ("problem", "tags"): "as for topics",
    ("feature", "tags"): "as for topics",
    ("site", "allow_raw_html"): "the bundled content has no raw HTML",
}
"""Fields the bundled project shows nowhere: the rebuild must still equal a clean build (and change nothing)."""
MODELS = {
    "topic": TopicEntry,
    "problem": ProblemEntry,
    "feature": FeatureEntry,
    "issue": IssueEntry,
    "site": SiteConfig,
}


def test_every_field_of_every_model_has_a_case() -> None:
    for kind, model in MODELS.items():
        cases = {field for (_, name), changes in CHANGES.items() if name == kind for field in changes}
        missing = [f for f in model.model_fields if f not in cases and (kind, f) not in NOT_CHANGED]
        assert not missing, f"{kind}: no case for {missing}: add one, so the rebuild is checked when it changes"


CASES = [(path, kind, field) for (path, kind), changes in CHANGES.items() for field in changes]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish(copy_project(tmp_path_factory.mktemp("published") / "project"))  # with a previous tree


def _identity(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize(("path", "kind", "field"), CASES, ids=[f"{k}.{f}" for _, k, f in CASES])
def test_a_changed_field_rebuilds_exactly_what_a_clean_build_gives(
    published: Path, tmp_path: Path, path: str, kind: str, field: str
) -> None:
    root = copy_published(published, tmp_path / "project")
    before, before_ids = tree_digest(root / "output"), _identity(root / "output")
    data = yaml.safe_load((root / path).read_text(encoding="utf-8"))
    CHANGES[(path, kind)][field](data)
    (root / path).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    build_site(root, root / "output", BuildOptions(date=DATE))
    after, after_ids = tree_digest(root / "output"), _identity(root / "output")
    assert after == clean_build(root), f"{kind}.{field}: the rebuild differs from a clean build"
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    if (kind, field) in SHOWS_NOWHERE:
        assert changed <= {".build-site"}
    else:
        assert changed - {".build-site"}, f"{kind}.{field}: the change shows nowhere, so this case checks nothing"
    rewritten = {p for p in after if before_ids.get(p) != after_ids[p]}
    assert rewritten == changed & after.keys(), f"rewritten but unchanged: {sorted(rewritten - changed)}"
